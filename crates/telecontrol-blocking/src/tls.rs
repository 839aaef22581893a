//! A mio TCP stream, plain or carrying TLS (rustls driven by hand over the non-blocking
//! socket), behind one `Read` / `Write` so the 104 loops run unchanged over either.

use std::io::{self, Read, Write};
use std::sync::Arc;
use std::time::Duration;

use mio::net::TcpStream;
use mio::{Events, Poll};
use rustls::HandshakeKind;
use rustls::pki_types::ServerName;
use telecontrol_tls::TlsCounters;

use crate::io::{after, poll_for};

/// A connection's byte stream.
pub(crate) enum Stream {
    /// Plain TCP.
    Plain(TcpStream),
    /// TLS over TCP.
    Tls(Box<TlsStream>),
}

/// rustls' connection state with its socket.
pub(crate) struct TlsStream {
    tcp: TcpStream,
    conn: rustls::Connection,
}

impl Stream {
    /// TLS over `tcp` with `conn` (a fresh client or server connection).
    pub(crate) fn tls(tcp: TcpStream, conn: impl Into<rustls::Connection>) -> Stream {
        Stream::Tls(Box::new(TlsStream {
            tcp,
            conn: conn.into(),
        }))
    }

    /// The socket (to register with mio, shut down, ...).
    pub(crate) fn tcp(&mut self) -> &mut TcpStream {
        match self {
            Stream::Plain(s) => s,
            Stream::Tls(t) => &mut t.tcp,
        }
    }

    /// Drive the TLS handshake as far as the socket allows now; `Ok(true)` once complete
    /// (always for plain TCP). Octets of application data that arrived with the end of the
    /// handshake stay buffered for the next `read`.
    ///
    /// # Errors
    /// The handshake failed (a rustls error inside an `InvalidData` I/O error), the peer
    /// closed (`UnexpectedEof`) or the socket failed.
    pub(crate) fn drive_handshake(&mut self) -> io::Result<bool> {
        let Stream::Tls(t) = self else {
            return Ok(true);
        };
        loop {
            t.flush_tls()?;
            if !t.conn.is_handshaking() {
                return Ok(true);
            }
            match t.conn.read_tls(&mut t.tcp) {
                Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
                Ok(_) => t.process()?,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    t.flush_tls()?;
                    return Ok(!t.conn.is_handshaking());
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// Whether the TLS handshake was full or resumed (`None` for plain TCP or while
    /// handshaking).
    pub(crate) fn handshake_kind(&self) -> Option<HandshakeKind> {
        match self {
            Stream::Plain(_) => None,
            Stream::Tls(t) => t.conn.handshake_kind(),
        }
    }

    /// What the TLS connection negotiated (`None` for plain TCP or while handshaking).
    pub(crate) fn tls_session(&self) -> Option<telecontrol_tls::TlsSession> {
        match self {
            Stream::Plain(_) => None,
            Stream::Tls(t) => telecontrol_tls::TlsSession::of(&t.conn),
        }
    }

    /// Whether rustls holds TLS records the socket has not taken yet.
    pub(crate) fn tls_pending(&self) -> bool {
        match self {
            Stream::Plain(_) => false,
            Stream::Tls(t) => t.conn.wants_write(),
        }
    }

    /// Whether this is a TLS stream.
    pub(crate) fn is_tls(&self) -> bool {
        matches!(self, Stream::Tls(_))
    }

    /// Write TLS records rustls holds as far as the socket takes them (nothing for plain
    /// TCP).
    ///
    /// # Errors
    /// A socket error other than `WouldBlock`.
    pub(crate) fn flush_tls(&mut self) -> io::Result<()> {
        match self {
            Stream::Plain(_) => Ok(()),
            Stream::Tls(t) => t.flush_tls(),
        }
    }

    /// Send TLS close_notify (best effort) and shut the socket down.
    pub(crate) fn close(&mut self) {
        if let Stream::Tls(t) = self {
            t.conn.send_close_notify();
            let _ = t.flush_tls();
        }
        let _ = self.tcp().shutdown(std::net::Shutdown::Both);
    }
}

impl TlsStream {
    fn process(&mut self) -> io::Result<()> {
        let r = self.conn.process_new_packets();
        // Send what rustls queued (handshake messages, or the alert of a refusal).
        let _ = self.flush_tls();
        r.map(|_| ())
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
    }

    fn flush_tls(&mut self) -> io::Result<()> {
        while self.conn.wants_write() {
            match self.conn.write_tls(&mut self.tcp) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(()),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}

impl Read for Stream {
    /// Plaintext; `WouldBlock` when the socket has nothing more; `Ok(0)` at the end.
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let t = match self {
            Stream::Plain(s) => return s.read(buf),
            Stream::Tls(t) => t,
        };
        loop {
            match t.conn.reader().read(buf) {
                Ok(n) => return Ok(n),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => return Err(e),
            }
            match t.conn.read_tls(&mut t.tcp) {
                Ok(0) => return Ok(0),
                Ok(_) => t.process()?,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    t.flush_tls()?;
                    return Err(e);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }
}

impl Write for Stream {
    /// Plaintext in; `WouldBlock` while earlier TLS records still wait for the socket, so
    /// the caller's own buffer (bounded like for plain TCP) keeps the rest.
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let t = match self {
            Stream::Plain(s) => return s.write(buf),
            Stream::Tls(t) => t,
        };
        t.flush_tls()?;
        if t.conn.wants_write() {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        let n = t.conn.writer().write(buf)?;
        t.flush_tls()?;
        if n == 0 && !buf.is_empty() {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Stream::Plain(s) => s.flush(),
            Stream::Tls(t) => t.flush_tls(),
        }
    }
}

/// Marks an error of the TLS handshake (as against one of the TCP connect).
#[derive(Debug)]
struct HandshakeFailed(io::Error);

impl std::fmt::Display for HandshakeFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for HandshakeFailed {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

/// The error of a failed TLS handshake from [`client_handshake`] (`None` for other errors:
/// TCP connect, poll).
pub(crate) fn handshake_error(e: &io::Error) -> Option<&io::Error> {
    e.get_ref()
        .and_then(|e| e.downcast_ref::<HandshakeFailed>())
        .map(|h| &h.0)
}

/// The client's TLS handshake over `tcp` (registered with `poll`) within `timeout`, counted
/// when complete; `None` when `stop` says so (checked on every wake-up). A failure comes back
/// as an I/O error that [`handshake_error`] recognises, with the rustls error (if any) still
/// inside for classification; the socket is deregistered then.
pub(crate) fn client_handshake(
    poll: &mut Poll,
    tcp: TcpStream,
    config: &Arc<rustls::ClientConfig>,
    name: &ServerName<'static>,
    timeout: Duration,
    counters: &TlsCounters,
    stop: impl FnMut() -> bool,
) -> io::Result<Option<Stream>> {
    let fail = |mut stream: Stream, poll: &mut Poll, e: io::Error| {
        let _ = poll.registry().deregister(stream.tcp());
        let kind = e.kind();
        Err(io::Error::new(kind, HandshakeFailed(e)))
    };
    let conn = match rustls::ClientConnection::new(Arc::clone(config), name.clone()) {
        Ok(c) => c,
        Err(e) => {
            let stream = Stream::Plain(tcp);
            return fail(stream, poll, io::Error::new(io::ErrorKind::InvalidData, e));
        }
    };
    let stream = Stream::tls(tcp, conn);
    match complete_handshake(poll, stream, timeout, stop) {
        Ok(Some(stream)) => {
            counters.handshake(stream.handshake_kind());
            Ok(Some(stream))
        }
        Ok(None) => Ok(None),
        Err(e) => Err(io::Error::new(e.kind(), HandshakeFailed(e))),
    }
}

/// Complete the TLS handshake of `stream` (its socket registered with `poll`) within
/// `timeout`, for either side; `None` when `stop` says so (checked on every wake-up). On
/// failure the socket is deregistered and the error comes back with the rustls error (if
/// any) inside, for [`TlsRefusal::of_io`](telecontrol_tls::TlsRefusal::of_io); a handshake
/// not complete in time fails with `TimedOut`. Nothing is counted here.
///
/// # Errors
/// The handshake failed, timed out, or the socket or poll failed.
pub(crate) fn complete_handshake(
    poll: &mut Poll,
    mut stream: Stream,
    timeout: Duration,
    mut stop: impl FnMut() -> bool,
) -> io::Result<Option<Stream>> {
    let fail = |mut stream: Stream, poll: &mut Poll, e: io::Error| {
        let _ = poll.registry().deregister(stream.tcp());
        Err(e)
    };
    let deadline = after(timeout);
    let mut ev = Events::with_capacity(8);
    loop {
        match stream.drive_handshake() {
            Ok(true) => return Ok(Some(stream)),
            Ok(false) => {}
            Err(e) => return fail(stream, poll, e),
        }
        if stop() {
            let _ = poll.registry().deregister(stream.tcp());
            return Ok(None);
        }
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        if left.is_zero() {
            return fail(stream, poll, io::ErrorKind::TimedOut.into());
        }
        if let Err(e) = poll_for(poll, &mut ev, Some(left)) {
            return fail(stream, poll, e);
        }
    }
}
