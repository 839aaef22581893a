//! The data-transfer scenarios of the shared 104 end-to-end suite (see `e2e_104.rs`): a
//! client that stops and starts data transfer (STOPDT / STARTDT, IEC 60870-5-104 clause 5.3)
//! and a controlling station switching a redundancy group between two connections by STOPDT
//! on the active one and STARTDT on the standby one (clause 10.3).

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use iec104_session::shared::{
    ClientConfig, ClientError, ClientEvent, RedundancyGroup, Request, ServerConfig,
};
use station::asdu::{Qds, Qoi, Quality, Value};
use station::{Completion, DataKind};

use super::{
    CA, ClientRuntime, Recorder, ServerRuntime, collect_objects, database, fast_client, ioa, local,
    wait_for,
};

/// A client runtime that can start a standby connection and switch data transfer.
pub trait DataTransferRuntime: ClientRuntime {
    /// Connect without starting data transfer (a standby connection).
    fn start_standby(&self, addr: std::net::SocketAddr, config: ClientConfig) -> Self::Client;
    /// STARTDT (`start`) or STOPDT and wait for the outcome (bounded by the runtime).
    fn data_transfer(&self, client: &Self::Client, start: bool) -> Result<(), ClientError>;
}

fn gi() -> Request {
    Request::Interrogation {
        ca: CA,
        qoi: Qoi::STATION,
    }
}

fn float(v: f32) -> Value<'static> {
    Value::MMeNc1(v, Qds::new(Quality::GOOD))
}

/// No event at all within 300 ms.
fn assert_quiet<C: ClientRuntime>(crt: &C, client: &mut C::Client, what: &str) {
    let end = std::time::Instant::now() + Duration::from_millis(300);
    loop {
        let left = end.saturating_duration_since(std::time::Instant::now());
        if left.is_zero() {
            return;
        }
        if let Some(e) = crt.next_event(client, left) {
            panic!("{what}: unexpected {e:?}");
        }
    }
}

/// Two connections of one redundancy group: the started one receives the events, the standby
/// one nothing and refuses requests; STOPDT on the active one (confirmed, the connection
/// stays open), events queued meanwhile, STARTDT on the standby one: the queued events arrive
/// there in order, then newer ones; and back again. Stopping a stopped client and starting a
/// started one succeed at once.
pub fn stop_and_start_data_transfer<S: ServerRuntime, C: DataTransferRuntime>(srt: &S, crt: &C) {
    let mut config = ServerConfig::new(CA);
    config.groups = vec![RedundancyGroup {
        clients: vec![IpAddr::V4(Ipv4Addr::LOCALHOST)],
    }];
    config.end_of_initialisation = None;
    let server = srt
        .start(local(), config, database(), Recorder::default())
        .unwrap();
    let addr = srt.addr(&server);
    let mut a = crt.start(addr, fast_client());
    wait_for(crt, &mut a, "Started on A", |e| *e == ClientEvent::Started);
    let mut b = crt.start_standby(addr, fast_client());
    wait_for(crt, &mut b, "Connected on B", |e| {
        matches!(e, ClientEvent::Connected(_))
    });
    let spontaneous = |k| k == DataKind::Spontaneous;
    let mut n = 0u32;
    let mut send = |count: u32| {
        let mut sent = Vec::new();
        for _ in 0..count {
            let v = float(n as f32);
            srt.update(&server, CA, ioa(300 + n % 5), v).unwrap();
            sent.push((ioa(300 + n % 5), v));
            n += 1;
        }
        sent
    };

    let sent = send(3);
    assert_eq!(collect_objects(crt, &mut a, 3, spontaneous), sent);
    assert_eq!(
        crt.request(&b, gi(), Completion::OnTermination),
        Err(ClientError::NotConnected),
        "a standby connection refuses requests"
    );
    assert_eq!(crt.data_transfer(&b, false), Ok(()), "stop while stopped");
    assert_eq!(crt.data_transfer(&a, true), Ok(()), "start while started");

    // Switch-over A → B.
    assert_eq!(crt.data_transfer(&a, false), Ok(()));
    assert_eq!(
        crt.request(&a, gi(), Completion::OnTermination),
        Err(ClientError::NotConnected),
        "a stopped connection refuses requests"
    );
    let queued = send(4);
    assert_quiet(crt, &mut a, "A after STOPDT");
    assert_eq!(crt.data_transfer(&b, true), Ok(()));
    wait_for(crt, &mut b, "Started on B", |e| *e == ClientEvent::Started);
    let mut want = queued;
    want.extend(send(2));
    assert_eq!(collect_objects(crt, &mut b, 6, spontaneous), want);
    assert_quiet(crt, &mut a, "A while B is active (no close, no data)");

    // And back: B → A; A's connection was never closed.
    assert_eq!(crt.data_transfer(&b, false), Ok(()));
    assert_eq!(crt.data_transfer(&a, true), Ok(()));
    wait_for(crt, &mut a, "Started on A again", |e| {
        *e == ClientEvent::Started
    });
    let sent = send(3);
    assert_eq!(collect_objects(crt, &mut a, 3, spontaneous), sent);
    let r = crt.request(&a, gi(), Completion::OnTermination);
    assert!(r.is_ok(), "GI on the active connection: {r:?}");
    assert_quiet(crt, &mut b, "B after STOPDT");
    crt.stop(a);
    crt.stop(b);
    srt.stop(server);
}
