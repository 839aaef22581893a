//! End to end over pseudo-terminal pairs: a 101 master polling three slaves on one shared
//! line, and a balanced pair. A pty pair is point to point, so the shared line is emulated by
//! a relay thread joining four pairs into one bus (what the master writes reaches every
//! slave; what a slave writes reaches the master), as an RS-485 multi-drop line would.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use std::io::{Read, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::Duration;

use telecontrol_blocking::asdu::{CommonAddress, Ioa};
use telecontrol_blocking::iec101::{
    Balanced, LineEvent, LineEvents, Master, Role, SerialStream, Slave,
};
use telecontrol_blocking::{CommandAnswer, CommandRequest, Database, Outcome, Request};

#[path = "../../testkit/src/e2e_101.rs"]
mod e2e_101;
use e2e_101::{T, balanced, config, db, script, single, spontaneous};

/// Joins `head` (the master's far end) with every slave's far end until `stop`.
fn relay(mut head: SerialStream, mut drops: Vec<SerialStream>, stop: Arc<AtomicBool>) {
    let mut buf = [0u8; 512];
    while !stop.load(Ordering::Relaxed) {
        let mut idle = true;
        if let Ok(n) = head.read(&mut buf)
            && n > 0
        {
            idle = false;
            for d in &mut drops {
                d.write_all(&buf[..n]).unwrap();
            }
        }
        for d in &mut drops {
            if let Ok(n) = d.read(&mut buf)
                && n > 0
            {
                idle = false;
                head.write_all(&buf[..n]).unwrap();
            }
        }
        if idle {
            std::thread::sleep(Duration::from_millis(1));
        }
    }
}

fn wait_for(events: &LineEvents, what: impl Fn(&LineEvent) -> bool) -> bool {
    let end = std::time::Instant::now() + T;
    while let Some(left) = end.checked_duration_since(std::time::Instant::now()) {
        match events.recv_timeout(left) {
            Some(e) if what(&e) => return true,
            Some(_) => {}
            None => return false,
        }
    }
    false
}

#[test]
fn master_polls_three_slaves_over_a_pty_bus() {
    let (master_end, head) = SerialStream::pair().unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let mut drops = Vec::new();
    let mut slaves = Vec::new();
    let executed = Arc::new(AtomicU32::new(0));
    for i in 0..3u16 {
        let (near, far) = SerialStream::pair().unwrap();
        drops.push(far);
        let ca = CommonAddress(i + 1);
        let ex = Arc::clone(&executed);
        let handler = move |_: &CommandRequest| {
            ex.fetch_add(1, Ordering::Relaxed);
            CommandAnswer::AcceptAndTerminate
        };
        let (s, _ev) = Slave::over(
            near,
            &config(Role::Slave { address: 10 + i }, ca),
            db(ca),
            handler,
            false,
        )
        .unwrap();
        slaves.push(s);
    }
    let relay_stop = Arc::clone(&stop);
    let relay = std::thread::spawn(move || relay(head, drops, relay_stop));
    let (master, events) = Master::over(
        master_end,
        &config(
            Role::Master {
                slaves: vec![10, 11, 12],
            },
            CommonAddress(1),
        ),
        false,
    )
    .unwrap();

    for i in 0..3u16 {
        let (a, ca) = (10 + i, CommonAddress(i + 1));
        for step in script(ca) {
            let r = master.request(a, step.request, T).unwrap();
            assert!((step.ok)(&r), "{} at {a}: {r:?}", step.what);
        }
    }
    // Select and execute reach the handler: two calls per slave.
    assert_eq!(executed.load(Ordering::Relaxed), 6);
    slaves[2]
        .update(CommonAddress(3), Ioa::from(2), single(true))
        .unwrap();
    assert!(
        wait_for(&events, |e| spontaneous(e, 12)),
        "no spontaneous data from 12"
    );

    master.shutdown();
    for s in slaves {
        s.shutdown();
    }
    stop.store(true, Ordering::Relaxed);
    relay.join().unwrap();
}

#[test]
fn balanced_pair_over_a_pty() {
    let (a, b) = SerialStream::pair().unwrap();
    let ca = CommonAddress(7);
    let (control, events) = Balanced::over(
        a,
        &config(balanced(true, 1, 2, false), ca),
        Database::new(),
        |_: &CommandRequest| CommandAnswer::Reject,
        false,
    )
    .unwrap();
    let (station, _ev) = Balanced::over(
        b,
        &config(balanced(false, 2, 1, true), ca),
        db(ca),
        |_: &CommandRequest| CommandAnswer::AcceptAndTerminate,
        false,
    )
    .unwrap();
    for step in script(ca) {
        let r = control.request(step.request, T).unwrap();
        assert!((step.ok)(&r), "{}: {r:?}", step.what);
    }
    station.update(ca, Ioa::from(1), single(false)).unwrap();
    assert!(
        wait_for(&events, |e| spontaneous(e, 2)),
        "no spontaneous data"
    );
    control.shutdown();
    station.shutdown();
}

/// Both ends of a TCP connection on 127.0.0.1 (server side first), as mio streams.
fn tcp_pair() -> (mio::net::TcpStream, mio::net::TcpStream) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (server, _) = listener.accept().unwrap();
    let mio = |s: std::net::TcpStream| {
        s.set_nonblocking(true).unwrap();
        mio::net::TcpStream::from_std(s)
    };
    (mio(server), mio(client))
}

/// 101 over TCP (a terminal server's socket) with mio streams: the same link core.
#[test]
fn master_and_slave_over_tcp() {
    let (server, client) = tcp_pair();
    let ca = CommonAddress(1);
    let handler = |_: &CommandRequest| CommandAnswer::AcceptAndTerminate;
    let (slave, _ev) = Slave::over(
        server,
        &config(Role::Slave { address: 3 }, ca),
        db(ca),
        handler,
        false,
    )
    .unwrap();
    let (master, events) =
        Master::over(client, &config(Role::Master { slaves: vec![3] }, ca), false).unwrap();
    for step in script(ca) {
        let r = master.request(3, step.request, T).unwrap();
        assert!((step.ok)(&r), "{}: {r:?}", step.what);
    }
    slave.update(ca, Ioa::from(2), single(true)).unwrap();
    assert!(
        wait_for(&events, |e| spontaneous(e, 3)),
        "no spontaneous data"
    );
    master.shutdown();
    slave.shutdown();
}

/// Resets seen by the slave's handler (which accepts every command).
#[derive(Clone, Default)]
struct Resets(Arc<std::sync::Mutex<Vec<(CommonAddress, telecontrol_blocking::asdu::Qrp)>>>);

impl telecontrol_blocking::CommandHandler for Resets {
    fn command(&self, _: &CommandRequest) -> CommandAnswer {
        CommandAnswer::AcceptAndTerminate
    }

    fn reset_process(&self, ca: CommonAddress, qrp: telecontrol_blocking::asdu::Qrp) {
        self.0.lock().unwrap().push((ca, qrp));
    }
}

#[test]
fn reset_process_reaches_the_slave_handler() {
    use telecontrol_blocking::asdu::Qrp;
    let (server, client) = tcp_pair();
    let ca = CommonAddress(1);
    let resets = Resets::default();
    let (slave, _ev) = Slave::over(
        server,
        &config(Role::Slave { address: 3 }, ca),
        db(ca),
        resets.clone(),
        false,
    )
    .unwrap();
    let (master, _events) =
        Master::over(client, &config(Role::Master { slaves: vec![3] }, ca), false).unwrap();
    let r = master
        .request(
            3,
            Request::ResetProcess {
                ca,
                qrp: Qrp::EVENT_BUFFER,
            },
            T,
        )
        .unwrap();
    assert_eq!(r.outcome, Outcome::Confirmed);
    // The station confirms before the handler hears of it: wait (bounded) for the handler.
    let end = std::time::Instant::now() + T;
    while resets.0.lock().unwrap().is_empty() && std::time::Instant::now() < end {
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(*resets.0.lock().unwrap(), [(ca, Qrp::EVENT_BUFFER)]);
    master.shutdown();
    slave.shutdown();
}
