//! 101 over TCP (as behind a terminal server): a master and a slave on the tokio adapter
//! over a real loopback connection carry an interrogation, a select-before-operate command,
//! a clock sync and spontaneous data. Every octet each side wrote is recorded, split into
//! FT1.2 frames, written to a pcap and dissected by tshark's `iec60870_101` dissector: every
//! frame must decode with no malformed packet and no expert error.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use std::pin::Pin;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use telecontrol_tokio::asdu::{CommonAddress, Ioa};
use telecontrol_tokio::iec101::iec101_link::{AddressSize, Frame};
use telecontrol_tokio::iec101::{Master, Role, Slave};
use telecontrol_tokio::{CommandAnswer, CommandRequest};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

#[path = "../../testkit/src/e2e_101.rs"]
mod e2e_101;
use e2e_101::{T, config, db, script, single, spontaneous};

type Log = Arc<Mutex<Vec<(bool, Vec<u8>)>>>;

/// A TCP stream that records what it writes (`client` tells the direction).
struct Recorded {
    inner: TcpStream,
    client: bool,
    log: Log,
}

impl AsyncRead for Recorded {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for Recorded {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write(cx, buf);
        if let Poll::Ready(Ok(n)) = &r {
            let c = self.client;
            self.log.lock().unwrap().push((c, buf[..*n].to_vec()));
        }
        r
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[tokio::test]
async fn master_and_slave_over_tcp_frames_decode_in_tshark() {
    let log: Log = Arc::default();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (client, server) = tokio::join!(TcpStream::connect(addr), listener.accept());
    let (client, (server, _)) = (client.unwrap(), server.unwrap());
    let ca = CommonAddress(1);
    let handler = |_: &CommandRequest| CommandAnswer::AcceptAndTerminate;
    let server = Recorded {
        inner: server,
        client: false,
        log: Arc::clone(&log),
    };
    let (slave, _ev) = Slave::over(
        server,
        &config(Role::Slave { address: 3 }, ca),
        db(ca),
        handler,
        false,
    )
    .unwrap();
    let client = Recorded {
        inner: client,
        client: true,
        log: Arc::clone(&log),
    };
    let (master, mut events) =
        Master::over(client, &config(Role::Master { slaves: vec![3] }, ca), false).unwrap();

    for step in script(ca) {
        let r = master.request(3, step.request, T).await.unwrap();
        assert!((step.ok)(&r), "{}: {r:?}", step.what);
    }
    slave.update(ca, Ioa::from(1), single(false)).unwrap();
    let spont = tokio::time::timeout(T, async {
        while let Some(e) = events.recv().await {
            if spontaneous(&e, 3) {
                return true;
            }
        }
        false
    })
    .await
    .unwrap_or(false);
    assert!(spont);
    master.shutdown().await;
    slave.shutdown().await;

    // Split every write into frames, one TCP segment each.
    let mut pcap = capture::TcpPcapWriter::new([127, 0, 0, 1], 40000, [127, 0, 0, 2], 2405);
    let mut frames = 0usize;
    let mut functions = std::collections::BTreeSet::new();
    for (client, bytes) in log.lock().unwrap().iter() {
        let mut rest = &bytes[..];
        while !rest.is_empty() {
            let (frame, n) = Frame::decode(rest, AddressSize::One).unwrap();
            if let Frame::Fixed { control, .. } | Frame::Variable { control, .. } = frame {
                functions.insert((*client, control & 0x0F));
            }
            pcap.send(*client, &rest[..n]);
            rest = &rest[n..];
            frames += 1;
        }
    }
    // Status, reset, class 1 and 2 polls, user data both ways were all on the wire.
    for f in [9, 0, 10, 11, 3] {
        assert!(
            functions.contains(&(true, f)),
            "master function {f} missing: {functions:?}"
        );
    }
    assert!(
        functions.contains(&(false, 8)),
        "no user data answer: {functions:?}"
    );

    if Command::new("tshark").arg("-v").output().is_err() {
        assert!(
            std::env::var_os("CI").is_none(),
            "tshark is required under CI"
        );
        eprintln!("tshark not installed: skipping the dissection");
        return;
    }
    let dir = std::env::temp_dir().join(format!("tcp_pcap101-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("101.pcap");
    pcap.write_file(&path).unwrap();
    let out = Command::new("tshark")
        .args([
            "-r",
            path.to_str().unwrap(),
            "-d",
            "tcp.port==2405,iec60870_101",
        ])
        .args([
            "-o",
            "iec60870_101.linkaddr_len:1 octet",
            "-o",
            "iec60870_101.cot_len:1 octet",
        ])
        .args([
            "-o",
            "iec60870_101.asdu_addr_len:1 octet",
            "-o",
            "iec60870_101.asdu_ioa_len:2 octet",
        ])
        .args(["-Y", "tcp.len > 0", "-T", "fields", "-E", "separator=|"])
        .args([
            "-e",
            "frame.number",
            "-e",
            "frame.protocols",
            "-e",
            "_ws.malformed",
            "-e",
            "_ws.expert.severity",
        ])
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let text = String::from_utf8_lossy(&out.stdout);
    let rows: Vec<Vec<&str>> = text.lines().map(|l| l.split('|').collect()).collect();
    assert_eq!(
        rows.len(),
        frames,
        "tshark output:\n{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for row in &rows {
        assert!(
            row[1].contains("iec60870_101"),
            "not dissected as 101: {row:?}\n{text}"
        );
        assert!(row[2].is_empty(), "malformed: {row:?}\n{text}");
        for sev in row[3].split(',').filter(|s| !s.is_empty()) {
            let v = match sev.strip_prefix("0x") {
                Some(h) => u32::from_str_radix(h, 16).unwrap(),
                None => sev.parse::<u32>().unwrap(),
            };
            assert!(v < 0x0080_0000, "expert error {sev}: {row:?}\n{text}");
        }
    }
}
