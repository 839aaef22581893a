//! The shared 104 end-to-end scenarios, tokio client against tokio server.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../../testkit/src/e2e_104.rs"]
mod e2e_104;
mod harness;

use harness::Tokio;

#[test]
fn connect_and_interrogate() {
    let t = Tokio::new();
    e2e_104::connect_and_interrogate(&t, &t);
    t.assert_all_tasks_ended();
}

#[test]
fn spontaneous_in_order() {
    let t = Tokio::new();
    e2e_104::spontaneous_in_order(&t, &t);
    t.assert_all_tasks_ended();
}

#[test]
fn many_clients() {
    let t = Tokio::new();
    e2e_104::many_clients(&t, &t);
    t.assert_all_tasks_ended();
}

#[test]
fn commands_with_sbo() {
    let t = Tokio::new();
    e2e_104::commands_with_sbo(&t, &t);
    t.assert_all_tasks_ended();
}

#[test]
fn command_refused() {
    let t = Tokio::new();
    e2e_104::command_refused(&t, &t);
    t.assert_all_tasks_ended();
}

#[test]
fn handler_calls_back() {
    let t = Tokio::new();
    e2e_104::handler_calls_back(&t, &t);
    t.assert_all_tasks_ended();
}

#[test]
fn return_information_order() {
    let t = Tokio::new();
    e2e_104::return_information_order(&t, &t);
    t.assert_all_tasks_ended();
}

#[test]
fn read_point() {
    let t = Tokio::new();
    e2e_104::read_point(&t, &t);
    t.assert_all_tasks_ended();
}

#[test]
fn no_server() {
    let t = Tokio::new();
    e2e_104::no_server(&t);
    t.assert_all_tasks_ended();
}

#[test]
fn clock_sync() {
    let t = Tokio::new();
    e2e_104::clock_sync(&t, &t);
    t.assert_all_tasks_ended();
}

#[test]
fn end_of_initialisation() {
    let t = Tokio::new();
    e2e_104::end_of_initialisation(&t, &t);
    t.assert_all_tasks_ended();
}

#[test]
fn no_end_of_initialisation() {
    let t = Tokio::new();
    e2e_104::no_end_of_initialisation(&t, &t);
    t.assert_all_tasks_ended();
}

#[test]
fn test_and_reset() {
    let t = Tokio::new();
    e2e_104::test_and_reset(&t, &t);
    t.assert_all_tasks_ended();
}

#[test]
fn parameters() {
    let t = Tokio::new();
    e2e_104::parameters(&t, &t);
    t.assert_all_tasks_ended();
}

#[test]
fn counter_interrogation() {
    let t = Tokio::new();
    e2e_104::counter_interrogation(&t, &t);
    t.assert_all_tasks_ended();
}

#[test]
fn refusals() {
    let t = Tokio::new();
    e2e_104::refusals(&t, &t);
    t.assert_all_tasks_ended();
}

#[test]
fn redundancy_switch_over() {
    let t = Tokio::new();
    e2e_104::redundancy_switch_over(&t, &t);
    t.assert_all_tasks_ended();
}

#[test]
fn reconnect_after_restart() {
    let t = Tokio::new();
    e2e_104::reconnect_after_restart(&t, &t);
    t.assert_all_tasks_ended();
}

#[test]
fn stop_and_start_data_transfer() {
    let t = Tokio::new();
    e2e_104::stop_and_start_data_transfer(&t, &t);
    t.assert_all_tasks_ended();
}
