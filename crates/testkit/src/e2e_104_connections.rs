//! The connection-level scenarios of the shared 104 end-to-end suite (see `e2e_104.rs`):
//! refusals, redundancy switch-over, reconnects.

use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use iec104_apci::{Apci, Apdu, UFunction};
use iec104_session::shared::{ClientError, ClientEvent, RedundancyGroup, Request, ServerConfig};
use station::asdu::{Qds, Qoi, Quality, Siq, Value};
use station::{Completion, DataKind, Outcome};

use super::{
    CA, ClientRuntime, GI_OBJECTS, Recorder, STEP, ServerRuntime, collect_objects, database,
    fast_client, ioa, local, started, wait_for,
};

/// True if the server closes a raw connection from us without a word.
fn refused(addr: SocketAddr) -> bool {
    let Ok(mut s) = TcpStream::connect_timeout(&addr, STEP) else {
        return true;
    };
    s.set_read_timeout(Some(STEP)).unwrap();
    // STARTDT act: a refused connection never confirms it.
    let _ = s.write_all(&[0x68, 0x04, 0x07, 0x00, 0x00, 0x00]);
    let mut b = [0u8; 6];
    match s.read(&mut b) {
        Ok(0) | Err(_) => true,
        Ok(_) => false,
    }
}

/// A maximum connection count, a per-address maximum and an allow-list refuse connections.
pub fn refusals<S: ServerRuntime, C: ClientRuntime>(srt: &S, crt: &C) {
    let mut config = ServerConfig::new(CA);
    config.max_connections = 1;
    let (server, client) = started(srt, crt, config, Recorder::default());
    assert_eq!(srt.connections(&server), 1);
    assert!(
        refused(srt.addr(&server)),
        "a second connection was accepted"
    );
    crt.stop(client);
    srt.stop(server);

    // One connection per address: a second from 127.0.0.1 is refused while the first is
    // open, and its place is free again once it closed.
    let mut config = ServerConfig::new(CA);
    config.max_per_address = 1;
    let (server, client) = started(srt, crt, config, Recorder::default());
    assert!(
        refused(srt.addr(&server)),
        "a second connection from the same address was accepted"
    );
    crt.stop(client);
    let end = Instant::now() + STEP;
    while srt.connections(&server) != 0 {
        assert!(
            Instant::now() < end,
            "the first connection's place was not freed"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(
        !refused(srt.addr(&server)),
        "the freed place was not given again"
    );
    srt.stop(server);

    let mut config = ServerConfig::new(CA);
    config.allow = Some(vec![IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1))]);
    let server = srt
        .start(local(), config, database(), Recorder::default())
        .unwrap();
    assert!(
        refused(srt.addr(&server)),
        "a client outside the allow-list was accepted"
    );
    let mut config = ServerConfig::new(CA);
    config.allow = Some(vec![IpAddr::V4(Ipv4Addr::LOCALHOST)]);
    let allowed = srt
        .start(local(), config, database(), Recorder::default())
        .unwrap();
    assert!(
        !refused(srt.addr(&allowed)),
        "an allowed client was refused"
    );
    srt.stop(allowed);
    srt.stop(server);
}

/// Read I frames from a raw connection until `n` ASDUs arrived (never acknowledging).
fn read_asdus(s: &mut TcpStream, n: usize) -> Vec<Vec<u8>> {
    let mut buf = Vec::new();
    let mut asdus = Vec::new();
    let end = Instant::now() + STEP;
    while asdus.len() < n {
        assert!(Instant::now() < end, "only {} of {n} ASDUs", asdus.len());
        let mut chunk = [0u8; 1024];
        let k = s.read(&mut chunk).expect("raw read");
        assert!(k > 0, "raw connection closed early");
        buf.extend_from_slice(&chunk[..k]);
        while let Ok((apdu, used)) = Apdu::decode(&buf) {
            if let Apci::I { .. } = apdu.apci {
                asdus.push(apdu.asdu.to_vec());
            }
            buf.drain(..used);
        }
    }
    asdus
}

/// Redundancy group switch-over: events sent on the first connection and not acknowledged
/// arrive on the second, in order, followed by newer ones; the first is closed.
pub fn redundancy_switch_over<S: ServerRuntime, C: ClientRuntime>(srt: &S, crt: &C) {
    let mut config = ServerConfig::new(CA);
    config.groups = vec![RedundancyGroup {
        clients: vec![IpAddr::V4(Ipv4Addr::LOCALHOST)],
    }];
    // Counts the raw ASDUs of the first connection: no end of initialisation among them.
    config.end_of_initialisation = None;
    let server = srt
        .start(local(), config, database(), Recorder::default())
        .unwrap();
    let addr = srt.addr(&server);
    // First controlling station: raw, starts data transfer and never acknowledges.
    let mut first = TcpStream::connect_timeout(&addr, STEP).unwrap();
    first.set_read_timeout(Some(STEP)).unwrap();
    first
        .write_all(&[0x68, 0x04, 0x07, 0x00, 0x00, 0x00])
        .unwrap();
    let mut con = [0u8; 6];
    first.read_exact(&mut con).unwrap();
    assert_eq!(
        Apdu::decode(&con).unwrap().0.apci,
        Apci::U(UFunction::StartDtCon)
    );
    let mut sent = Vec::new();
    for i in 0..6u32 {
        let v = Value::MMeNc1(i as f32, Qds::new(Quality::GOOD));
        srt.update(&server, CA, ioa(300 + i % 5), v).unwrap();
        sent.push((ioa(300 + i % 5), v));
    }
    let on_first = read_asdus(&mut first, 6);
    assert_eq!(on_first.len(), 6);
    // The standby connection takes over.
    let mut client = crt.start(addr, fast_client());
    wait_for(crt, &mut client, "Started", |e| *e == ClientEvent::Started);
    for i in 0..3u32 {
        let v = Value::MSpNa1(Siq::new(i == 1, Quality::GOOD));
        srt.update(&server, CA, ioa(100 + i), v).unwrap();
        sent.push((ioa(100 + i), v));
    }
    let got = collect_objects(crt, &mut client, sent.len(), |k| k == DataKind::Spontaneous);
    assert_eq!(got, sent);
    // The replaced connection was closed by the server.
    let mut rest = [0u8; 256];
    let end = Instant::now() + STEP;
    loop {
        match first.read(&mut rest) {
            Ok(0) | Err(_) => break,
            Ok(_) => assert!(Instant::now() < end, "first connection not closed"),
        }
    }
    crt.stop(client);
    srt.stop(server);
}

/// The client reconnects (and starts data transfer again) after the server restarts on the
/// same port.
pub fn reconnect_after_restart<S: ServerRuntime, C: ClientRuntime>(srt: &S, crt: &C) {
    let (server, mut client) = started(srt, crt, ServerConfig::new(CA), Recorder::default());
    let addr = srt.addr(&server);
    srt.stop(server);
    wait_for(crt, &mut client, "Disconnected", |e| {
        matches!(e, ClientEvent::Disconnected(_))
    });
    let end = Instant::now() + STEP;
    let server = loop {
        match srt.start(addr, ServerConfig::new(CA), database(), Recorder::default()) {
            Ok(s) => break s,
            Err(e) => {
                assert!(Instant::now() < end, "rebind {addr}: {e}");
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    };
    wait_for(crt, &mut client, "Started again", |e| {
        *e == ClientEvent::Started
    });
    let gi = Request::Interrogation {
        ca: CA,
        qoi: Qoi::STATION,
    };
    let r = crt.request(&client, gi, Completion::OnTermination).unwrap();
    assert_eq!((r.outcome, r.objects), (Outcome::Terminated, GI_OBJECTS));
    crt.stop(client);
    srt.stop(server);
}

/// Without a server: connection attempts fail and are reported, requests are refused at
/// once, and the client still shuts down promptly while it backs off.
pub fn no_server<C: ClientRuntime>(crt: &C) {
    let addr = std::net::TcpListener::bind(local())
        .unwrap()
        .local_addr()
        .unwrap(); // the listener is dropped: nobody listens there now
    let mut client = crt.start(addr, fast_client());
    for _ in 0..2 {
        wait_for(crt, &mut client, "Disconnected", |e| {
            matches!(e, ClientEvent::Disconnected(_))
        });
    }
    let gi = Request::Interrogation {
        ca: CA,
        qoi: Qoi::STATION,
    };
    assert_eq!(
        crt.request(&client, gi, Completion::OnTermination),
        Err(ClientError::NotConnected)
    );
    crt.stop(client);
}
