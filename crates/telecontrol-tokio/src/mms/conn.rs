//! One association over one TCP stream: the IO task around the shared
//! [`Link`](mms_pdu::driver::Link) (all protocol and directory logic lives there).

use std::sync::Arc;

use mms_pdu::driver::{BUF, Link, Serving, Work};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::Notify;

/// A link and the wake-up of its task (a caller queued something to send).
pub(crate) struct Shared {
    pub(crate) link: Link,
    pub(crate) notify: Notify,
}

impl Shared {
    pub(crate) fn new(link: Link) -> Arc<Self> {
        Arc::new(Shared {
            link,
            notify: Notify::new(),
        })
    }
}

/// Run the association on `stream` until it is closed and its last octets are sent, then
/// tell the directory that it was released (if it must hear it).
pub(crate) async fn drive(stream: TcpStream, shared: Arc<Shared>, serving: Serving) {
    run(stream, &shared, &serving).await;
    shared.link.release(&serving);
}

async fn run(mut stream: TcpStream, shared: &Shared, serving: &Serving) {
    let link = &shared.link;
    let _ = stream.set_nodelay(true);
    let mut rx = vec![0u8; 16_384];
    let mut tx = vec![0u8; 16_384];
    let mut scratch = vec![0u8; BUF];
    let mut work: Vec<Work> = Vec::new();
    loop {
        while let Some(n) = link.poll_transmit(&mut tx) {
            let sent = stream.write_all(tx.get(..n).unwrap_or_default()).await;
            if sent.is_err() {
                link.transport_closed();
                return;
            }
        }
        if link.is_finished() {
            let _ = stream.shutdown().await;
            return;
        }
        let sleep = link.time_to_deadline().map(|wait| {
            let now = tokio::time::Instant::now();
            now.checked_add(wait).unwrap_or(now)
        });
        tokio::select! {
            r = stream.read(&mut rx) => match r {
                Ok(0) | Err(_) => link.transport_closed(),
                Ok(n) => link.input(rx.get(..n).unwrap_or_default(), serving, &mut work),
            },
            () = shared.notify.notified() => {}
            () = async {
                match sleep {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => std::future::pending().await,
                }
            } => link.timeout(),
        }
        link.serve(serving, &mut work, &mut scratch);
    }
}
