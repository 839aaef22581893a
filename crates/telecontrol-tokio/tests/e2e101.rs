//! End to end over pseudo-terminal pairs on tokio: a 101 master polling three slaves on one
//! shared line, and a balanced pair. A pty pair is point to point, so the shared line is
//! emulated by relay tasks joining four pairs into one bus (what the master writes reaches
//! every slave; what a slave writes reaches the master), as an RS-485 multi-drop line would.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use telecontrol_tokio::asdu::{CommonAddress, Ioa};
use telecontrol_tokio::iec101::{
    Balanced, LineEvent, LineEvents, Master, Role, SerialStream, Slave,
};
use telecontrol_tokio::{CommandAnswer, CommandRequest, Database};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc;

#[path = "../../testkit/src/e2e_101.rs"]
mod e2e_101;
use e2e_101::{T, balanced, config, db, script, single, spontaneous};

/// The bus relay: returns its tasks (aborted and awaited at the end).
fn relay(head: SerialStream, drops: Vec<SerialStream>) -> Vec<tokio::task::JoinHandle<()>> {
    let (mut head_rd, mut head_wr) = tokio::io::split(head);
    let (up_tx, mut up_rx) = mpsc::unbounded_channel::<Vec<u8>>();
    let mut tasks = Vec::new();
    let mut down = Vec::new();
    for d in drops {
        let (mut rd, wr) = tokio::io::split(d);
        down.push(wr);
        let up = up_tx.clone();
        tasks.push(tokio::spawn(async move {
            let mut buf = [0u8; 512];
            while let Ok(n) = rd.read(&mut buf).await
                && n > 0
            {
                if up.send(buf[..n].to_vec()).is_err() {
                    return;
                }
            }
        }));
    }
    tasks.push(tokio::spawn(async move {
        while let Some(b) = up_rx.recv().await {
            head_wr.write_all(&b).await.unwrap();
        }
    }));
    tasks.push(tokio::spawn(async move {
        let mut buf = [0u8; 512];
        while let Ok(n) = head_rd.read(&mut buf).await
            && n > 0
        {
            for w in &mut down {
                w.write_all(&buf[..n]).await.unwrap();
            }
        }
    }));
    tasks
}

async fn wait_for(events: &mut LineEvents, what: impl Fn(&LineEvent) -> bool) -> bool {
    tokio::time::timeout(T, async {
        while let Some(e) = events.recv().await {
            if what(&e) {
                return true;
            }
        }
        false
    })
    .await
    .unwrap_or(false)
}

#[tokio::test]
async fn master_polls_three_slaves_over_a_pty_bus() {
    let (master_end, head) = SerialStream::pair().unwrap();
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
    let relay = relay(head, drops);
    let (master, mut events) = Master::over(
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
            let r = master.request(a, step.request, T).await.unwrap();
            assert!((step.ok)(&r), "{} at {a}: {r:?}", step.what);
        }
    }
    // Select and execute reach the handler: two calls per slave.
    assert_eq!(executed.load(Ordering::Relaxed), 6);
    slaves[0]
        .update(CommonAddress(1), Ioa::from(2), single(true))
        .unwrap();
    assert!(
        wait_for(&mut events, |e| spontaneous(e, 10)).await,
        "no spontaneous data from 10"
    );
    master.shutdown().await;
    for s in slaves {
        s.shutdown().await;
    }
    for t in relay {
        t.abort();
        let _ = t.await;
    }
}

#[tokio::test]
async fn balanced_pair_over_a_pty() {
    let (a, b) = SerialStream::pair().unwrap();
    let ca = CommonAddress(7);
    let (control, mut events) = Balanced::over(
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
        let r = control.request(step.request, T).await.unwrap();
        assert!((step.ok)(&r), "{}: {r:?}", step.what);
    }
    station.update(ca, Ioa::from(1), single(false)).unwrap();
    assert!(
        wait_for(&mut events, |e| spontaneous(e, 2)).await,
        "no spontaneous data"
    );
    control.shutdown().await;
    station.shutdown().await;
}
