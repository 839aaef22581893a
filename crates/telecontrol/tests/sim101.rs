//! `telecontrol 101 master` against `telecontrol 101 slave`, as built, over pseudo terminals:
//! each process opens the device path of its own pty pair and the test joins the two other
//! ends (a null-modem cable). Every child is killed when its guard drops.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use serde_json::Value;
use std::process::{Child, Command, Stdio};
use telecontrol_tokio::iec101::{SerialPort, SerialStream};

const BIN: &str = env!("CARGO_BIN_EXE_telecontrol");

/// Kills and reaps the child on drop.
struct Guard(Option<Child>);

impl Drop for Guard {
    fn drop(&mut self) {
        if let Some(c) = &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn master_interrogates_slave_over_a_pty_null_modem() {
    let (mut m1, s1) = SerialStream::pair().unwrap();
    let (mut m2, s2) = SerialStream::pair().unwrap();
    let (p1, p2) = (s1.name().unwrap(), s2.name().unwrap());
    let relay = tokio::spawn(async move {
        let _ = tokio::io::copy_bidirectional(&mut m1, &mut m2).await;
    });
    let slave = Command::new(BIN)
        .args([
            "101",
            "slave",
            "--device",
            &p2,
            "--link-address",
            "3",
            "--json",
        ])
        .args(["--tick-ms", "200", "--duration", "20"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let _slave = Guard(Some(slave));
    let master = Command::new(BIN)
        .args([
            "101",
            "master",
            "--device",
            &p1,
            "--slaves",
            "3",
            "--json",
            "--duration",
            "4",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut guard = Guard(Some(master));
    let child = guard.0.take().unwrap();
    let out = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    relay.abort();
    let _ = relay.await;
    drop((s1, s2));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "master failed: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(
        lines
            .iter()
            .any(|l| l["event"] == "link_up" && l["address"] == 3),
        "{stdout}"
    );
    // Interrogated data in the decode schema: protocol 101, cause 20, from link address 3.
    let interrogated = lines
        .iter()
        .filter(|l| l["protocol"] == "101" && l["asdu"]["cot"] == 20)
        .count();
    assert!(interrogated >= 2, "{stdout}");
    assert!(
        lines
            .iter()
            .any(|l| l["event"] == "interrogation" && l["outcome"] == "Ok(Terminated)"),
        "{stdout}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_balanced_stations_interrogate_each_other_over_a_pty_null_modem() {
    let (mut m1, s1) = SerialStream::pair().unwrap();
    let (mut m2, s2) = SerialStream::pair().unwrap();
    let (p1, p2) = (s1.name().unwrap(), s2.name().unwrap());
    let relay = tokio::spawn(async move {
        let _ = tokio::io::copy_bidirectional(&mut m1, &mut m2).await;
    });
    let station = |dev: &str, local: &str, remote: &str| {
        Command::new(BIN)
            .args(["101", "balanced", "--device", dev, "--link-address", local])
            .args([
                "--remote-address",
                remote,
                "--json",
                "--duration",
                "4",
                "--tick-ms",
                "300",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let mut a = Guard(Some(station(&p1, "1", "2")));
    let mut b = Guard(Some(station(&p2, "2", "1")));
    let (ca, cb) = (a.0.take().unwrap(), b.0.take().unwrap());
    let (oa, ob) =
        tokio::task::spawn_blocking(move || (ca.wait_with_output(), cb.wait_with_output()))
            .await
            .unwrap();
    relay.abort();
    let _ = relay.await;
    drop((s1, s2));
    for out in [oa.unwrap(), ob.unwrap()] {
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let lines: Vec<Value> = stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert!(
            lines
                .iter()
                .any(|l| l["event"] == "interrogation" && l["outcome"] == "Ok(Terminated)"),
            "{stdout}"
        );
        // The remote's interrogated data arrived in the decode schema.
        assert!(
            lines
                .iter()
                .any(|l| l["protocol"] == "101" && l["asdu"]["cot"] == 20),
            "{stdout}"
        );
    }
}
