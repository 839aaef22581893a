//! One association over one byte stream (plain TCP or TLS): the IO task around the shared
//! [`Link`](mms_pdu::driver::Link) (all protocol and directory logic lives there). The task
//! is the stream's only owner: callers queue in the link and wake the task, which writes.

use std::sync::{Arc, OnceLock};

use mms_pdu::driver::{BUF, Link, Serving, Work};
use telecontrol_tls::TlsRefusal;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
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

/// Where a TLS client's connection puts the reason when the server closes the TLS
/// connection with an error before its first octet (a TLS 1.3 server refusing our
/// certificate after the client's side of the handshake completed).
pub(crate) type RefusalSlot = Arc<OnceLock<TlsRefusal>>;

/// Run the association on `stream` until it is closed and its last octets are sent, then
/// tell the directory that it was released (if it must hear it).
pub(crate) async fn drive<S: AsyncRead + AsyncWrite + Unpin>(
    stream: S,
    shared: Arc<Shared>,
    serving: Serving,
    refusal: Option<RefusalSlot>,
) {
    run(stream, &shared, &serving, refusal.as_deref()).await;
    shared.link.release(&serving);
}

async fn run<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    shared: &Shared,
    serving: &Serving,
    refusal: Option<&OnceLock<TlsRefusal>>,
) {
    let link = &shared.link;
    let mut rx = vec![0u8; 16_384];
    let mut tx = vec![0u8; 16_384];
    let mut scratch = vec![0u8; BUF];
    let mut work: Vec<Work> = Vec::new();
    let mut received = false;
    loop {
        let mut wrote = false;
        while let Some(n) = link.poll_transmit(&mut tx) {
            wrote = true;
            let write = stream.write_all(tx.get(..n).unwrap_or_default());
            let Some(sent) = unstalled(link, write).await else {
                return;
            };
            if let Err(e) = sent {
                refused(refusal, received, Some(&e));
                link.transport_closed();
                return;
            }
        }
        // A TLS stream keeps records until flushed (a no-op for plain TCP).
        if wrote {
            let Some(flushed) = unstalled(link, stream.flush()).await else {
                return;
            };
            if let Err(e) = flushed {
                refused(refusal, received, Some(&e));
                link.transport_closed();
                return;
            }
        }
        if link.is_finished() {
            let _ = unstalled(link, stream.shutdown()).await;
            return;
        }
        let sleep = link.time_to_deadline().map(|wait| {
            let now = tokio::time::Instant::now();
            now.checked_add(wait).unwrap_or(now)
        });
        tokio::select! {
            r = stream.read(&mut rx) => match r {
                Ok(0) => {
                    refused(refusal, received, None);
                    link.transport_closed();
                }
                Ok(n) => {
                    received = true;
                    link.input(rx.get(..n).unwrap_or_default(), serving, &mut work);
                }
                Err(e) => {
                    refused(refusal, received, Some(&e));
                    link.transport_closed();
                }
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

/// A TLS client's connection that ends before the server's first octet (a TLS 1.3 server
/// refusing our certificate after our side of the handshake completed: its alert, or the
/// close or reset that follows it): put the reason where `connect_tls` finds it, before the
/// link hears of the close.
fn refused(slot: Option<&OnceLock<TlsRefusal>>, received: bool, e: Option<&std::io::Error>) {
    if let Some(slot) = slot.filter(|_| !received) {
        let reason = e.map_or(TlsRefusal::Closed, TlsRefusal::of_io);
        tracing::warn!(%reason, detail = ?e, "TLS connection refused by the server");
        let _ = slot.set(reason);
    }
}

/// `io` (a write, flush or shutdown), bounded by the link's send stall timeout: a peer
/// that stops reading blocks it. `None` if it stalled: the association is then closed as
/// a slow peer and the connection is dropped.
async fn unstalled<T>(link: &Link, io: impl Future<Output = T>) -> Option<T> {
    let Some(limit) = link.send_stall_timeout() else {
        return Some(io.await);
    };
    let done = tokio::time::timeout(limit, io).await.ok();
    if done.is_none() {
        link.send_stalled();
    }
    done
}
