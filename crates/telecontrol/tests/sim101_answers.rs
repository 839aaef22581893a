//! The `101 slave` simulator for testing masters: configured command answers (negative,
//! none, late termination) and a link layer that refuses (busy) or ignores every request,
//! against the library's 101 master over TCP.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use std::net::SocketAddr;
use std::time::{Duration, Instant};
use telecontrol::sim101::{LinkMode, Options, Port, slave};
use telecontrol::sim104::points::Answer;
use telecontrol_tokio::asdu::{AsduParams, CommonAddress, Ioa, Nva, Qos, Qu, Sco, Value};
use telecontrol_tokio::iec101::{LineConfig, LineEvent, Master, Role, SerialSettings};
use telecontrol_tokio::{ExecuteMode, Outcome, Request, Termination};

fn free_port() -> SocketAddr {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
}

fn options(addr: SocketAddr, link: LinkMode) -> Options {
    Options {
        port: Port::TcpListen(addr),
        serial: SerialSettings::default(),
        link_address: 1,
        remote_address: 2,
        link_address_size: iec101_link::AddressSize::One,
        params: AsduParams::IEC101_COMPACT,
        slaves: vec![1],
        ca: 1,
        json: true,
        duration: Some(Duration::from_secs(60)),
        tick: Duration::from_secs(3600),
        answers: vec![(1200, Answer::Negative), (1500, Answer::None)],
        terminations: vec![(1100, Termination::After(Duration::from_millis(300)))],
        link,
    }
}

async fn master(addr: SocketAddr) -> (Master, telecontrol_tokio::iec101::LineEvents) {
    let end = Instant::now() + Duration::from_secs(30);
    let stream = loop {
        match tokio::net::TcpStream::connect(addr).await {
            Ok(s) => break s,
            Err(_) if Instant::now() < end => tokio::time::sleep(Duration::from_millis(20)).await,
            Err(e) => panic!("the slave does not listen: {e}"),
        }
    };
    Master::over(
        stream,
        &LineConfig::new(Role::Master { slaves: vec![1] }),
        false,
    )
    .unwrap()
}

async fn link_up(events: &mut telecontrol_tokio::iec101::LineEvents, within: Duration) -> bool {
    tokio::time::timeout(within, async {
        while let Some(e) = events.recv().await {
            if e == LineEvent::LinkUp(1) {
                return true;
            }
        }
        false
    })
    .await
    .unwrap_or(false)
}

fn command(ioa: u32, value: Value<'static>) -> Request {
    Request::Command {
        ca: CommonAddress(1),
        ioa: Ioa::new(ioa).unwrap(),
        value,
        mode: ExecuteMode::Direct,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn configured_command_answers() {
    let addr = free_port();
    let sim = tokio::spawn(slave(options(addr, LinkMode::Normal)));
    let (m, mut events) = master(addr).await;
    assert!(
        link_up(&mut events, Duration::from_secs(30)).await,
        "link up"
    );
    let on = Value::CScNa1(Sco::new(true, Qu::NONE, false));
    let double = Value::CDcNa1(telecontrol_tokio::asdu::Dco::new(
        telecontrol_tokio::asdu::Dpi::On,
        Qu::NONE,
        false,
    ));
    let t = Duration::from_secs(10);
    let r = m.request(1, command(1200, double), t).await.unwrap();
    assert!(matches!(r.outcome, Outcome::Negative(_)), "{r:?}");
    let setpoint = Value::CSeNa1(Nva::from_f32(0.5), Qos::default());
    let r = m
        .request(1, command(1500, setpoint), Duration::from_secs(3))
        .await;
    assert!(
        !matches!(r, Ok(ref x) if matches!(x.outcome, Outcome::Terminated | Outcome::Confirmed | Outcome::Negative(_))),
        "no answer expected: {r:?}"
    );
    let start = Instant::now();
    let r = m.request(1, command(1100, on), t).await.unwrap();
    assert_eq!(r.outcome, Outcome::Terminated);
    assert!(
        start.elapsed() >= Duration::from_millis(300),
        "{:?}",
        start.elapsed()
    );
    m.shutdown().await;
    sim.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_busy_link_refuses_data_and_a_silent_one_never_comes_up() {
    // Busy: the link answers its status and reset (DFC set) but refuses user data, so an
    // interrogation never completes.
    let addr = free_port();
    let sim = tokio::spawn(slave(options(addr, LinkMode::Busy)));
    let (m, mut events) = master(addr).await;
    assert!(
        link_up(&mut events, Duration::from_secs(30)).await,
        "busy: link up"
    );
    let gi = Request::Interrogation {
        ca: CommonAddress(1),
        qoi: telecontrol_tokio::asdu::Qoi::STATION,
    };
    let r = m.request(1, gi, Duration::from_secs(3)).await;
    assert!(
        !matches!(r, Ok(ref x) if matches!(x.outcome, Outcome::Terminated | Outcome::Confirmed)),
        "busy: the interrogation completed: {r:?}"
    );
    m.shutdown().await;
    sim.abort();

    // Silent: nothing is answered, the link never comes up.
    let addr = free_port();
    let sim = tokio::spawn(slave(options(addr, LinkMode::Silent)));
    let (m, mut events) = master(addr).await;
    assert!(
        !link_up(&mut events, Duration::from_secs(3)).await,
        "silent: the link came up"
    );
    m.shutdown().await;
    sim.abort();
}
