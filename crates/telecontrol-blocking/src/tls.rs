//! A mio TCP stream, plain or carrying TLS (rustls driven by hand over the non-blocking
//! socket), behind one `Read` / `Write` so the 104 loops run unchanged over either.

use std::io::{self, Read, Write};

use mio::net::TcpStream;
use rustls::HandshakeKind;

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
