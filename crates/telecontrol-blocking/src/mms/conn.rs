//! One association over one TCP stream: the IO thread around the shared
//! [`Link`](mms_pdu::driver::Link) (all protocol and directory logic lives there).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use mms_pdu::driver::{BUF, Link, Serving, Work};

/// A link and the stream half any thread sends on.
pub(crate) struct Shared {
    pub(crate) link: Link,
    /// Held while draining the transmit queue to the socket, so that octets keep their
    /// order whichever thread sends.
    writer: Mutex<Option<TcpStream>>,
}

impl Shared {
    pub(crate) fn new(link: Link) -> Arc<Self> {
        Arc::new(Shared {
            link,
            writer: Mutex::new(None),
        })
    }

    /// Send everything queued (from any thread); a write error closes the association.
    pub(crate) fn flush(&self) {
        let mut writer = self.writer.lock().unwrap_or_else(PoisonError::into_inner);
        let mut buf = [0u8; 4096];
        while let Some(n) = self.link.poll_transmit(&mut buf) {
            let ok = writer
                .as_mut()
                .is_some_and(|s| s.write_all(buf.get(..n).unwrap_or_default()).is_ok());
            if !ok {
                self.link.transport_closed();
                break;
            }
        }
    }
}

/// Longest read wait: bounds how late a deadline or a close is noticed.
const POLL: Duration = Duration::from_millis(20);

/// Run the association on `stream` until it is closed and its last octets are sent, then
/// tell the directory that it was released (if it must hear it).
pub(crate) fn drive(stream: TcpStream, shared: Arc<Shared>, serving: Serving) {
    run(stream, &shared, &serving);
    shared.link.release(&serving);
}

fn run(mut stream: TcpStream, shared: &Shared, serving: &Serving) {
    let link = &shared.link;
    let _ = stream.set_nodelay(true);
    if let Ok(w) = stream.try_clone() {
        *shared.writer.lock().unwrap_or_else(PoisonError::into_inner) = Some(w);
    }
    let mut rx = vec![0u8; 16_384];
    let mut scratch = vec![0u8; BUF];
    let mut work: Vec<Work> = Vec::new();
    loop {
        shared.flush();
        if link.is_finished() {
            let _ = stream.shutdown(std::net::Shutdown::Both);
            return;
        }
        let wait = link
            .time_to_deadline()
            .unwrap_or(POLL)
            .clamp(Duration::from_millis(1), POLL);
        let _ = stream.set_read_timeout(Some(wait));
        match stream.read(&mut rx) {
            Ok(0) => link.transport_closed(),
            Ok(n) => link.input(rx.get(..n).unwrap_or_default(), serving, &mut work),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock
                        | std::io::ErrorKind::TimedOut
                        | std::io::ErrorKind::Interrupted
                ) =>
            {
                link.timeout();
            }
            Err(_) => link.transport_closed(),
        }
        link.serve(serving, &mut work, &mut scratch);
    }
}
