//! Small non-blocking I/O helpers for mio's edge-triggered readiness.

use std::io::{self, Write};
use std::time::Duration;

use mio::{Events, Poll};

/// Write as much of `buf` as the socket takes now; what is written leaves `buf`.
///
/// # Errors
/// A write error other than `WouldBlock` / `Interrupted`, or a socket that accepts nothing.
pub(crate) fn flush(stream: &mut impl Write, buf: &mut Vec<u8>) -> io::Result<()> {
    while !buf.is_empty() {
        match stream.write(buf) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => {
                buf.drain(..n.min(buf.len()));
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(()),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// `poll.poll`, treating an interrupted wait as a wake-up.
///
/// # Errors
/// The poll error.
pub(crate) fn poll_for(
    poll: &mut Poll,
    events: &mut Events,
    timeout: Option<Duration>,
) -> io::Result<()> {
    match poll.poll(events, timeout) {
        Err(e) if e.kind() == io::ErrorKind::Interrupted => Ok(()),
        other => other,
    }
}

/// The instant `d` from now (now itself if that overflows the clock).
pub(crate) fn after(d: Duration) -> std::time::Instant {
    let now = std::time::Instant::now();
    now.checked_add(d).unwrap_or(now)
}
