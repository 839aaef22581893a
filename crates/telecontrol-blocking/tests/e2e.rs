//! The shared 104 end-to-end scenarios, blocking client against blocking server.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../../testkit/src/e2e_104.rs"]
mod e2e_104;
mod harness;

use harness::Blocking;

#[test]
fn connect_and_interrogate() {
    e2e_104::connect_and_interrogate(&Blocking, &Blocking);
}

#[test]
fn spontaneous_in_order() {
    e2e_104::spontaneous_in_order(&Blocking, &Blocking);
}

#[test]
fn many_clients() {
    e2e_104::many_clients(&Blocking, &Blocking);
}

#[test]
fn commands_with_sbo() {
    e2e_104::commands_with_sbo(&Blocking, &Blocking);
}

#[test]
fn command_refused() {
    e2e_104::command_refused(&Blocking, &Blocking);
}

#[test]
fn handler_calls_back() {
    e2e_104::handler_calls_back(&Blocking, &Blocking);
}

#[test]
fn return_information_order() {
    e2e_104::return_information_order(&Blocking, &Blocking);
}

#[test]
fn read_point() {
    e2e_104::read_point(&Blocking, &Blocking);
}

#[test]
fn no_server() {
    e2e_104::no_server(&Blocking);
}

#[test]
fn clock_sync() {
    e2e_104::clock_sync(&Blocking, &Blocking);
}

#[test]
fn end_of_initialisation() {
    e2e_104::end_of_initialisation(&Blocking, &Blocking);
}

#[test]
fn no_end_of_initialisation() {
    e2e_104::no_end_of_initialisation(&Blocking, &Blocking);
}

#[test]
fn test_and_reset() {
    e2e_104::test_and_reset(&Blocking, &Blocking);
}

#[test]
fn parameters() {
    e2e_104::parameters(&Blocking, &Blocking);
}

#[test]
fn counter_interrogation() {
    e2e_104::counter_interrogation(&Blocking, &Blocking);
}

#[test]
fn refusals() {
    e2e_104::refusals(&Blocking, &Blocking);
}

#[test]
fn redundancy_switch_over() {
    e2e_104::redundancy_switch_over(&Blocking, &Blocking);
}

#[test]
fn reconnect_after_restart() {
    e2e_104::reconnect_after_restart(&Blocking, &Blocking);
}

#[test]
fn stop_and_start_data_transfer() {
    e2e_104::stop_and_start_data_transfer(&Blocking, &Blocking);
}
