//! The recording TCP relay: a listener thread, and two copying threads per connection.

use super::Recorder;
use anyhow::{Context, Result};
use capture::{FlowId, Side};
use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// The most octets read (and recorded as one segment) at a time.
const READ_SIZE: usize = 16 * 1024;

/// How long a relay waits for the other side's connection to be accepted.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Which socket of a relayed connection faces the user's network (and is recorded).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    /// The tool is the client: the outbound socket to the target is recorded.
    Client,
    /// The tool is the server: the accepted socket from the peer is recorded.
    Server,
}

/// A recording relay: accepts on one address, connects to another for each connection,
/// copies both ways and records. Dropping it stops accepting (connections already relayed
/// continue until either end closes).
#[derive(Debug)]
pub struct Relay {
    local: SocketAddr,
    stop: Arc<AtomicBool>,
}

impl Relay {
    /// A relay on 127.0.0.1 (ephemeral port) for a client command, connecting to `target`.
    ///
    /// # Errors
    /// No local port can be bound.
    pub fn client(recorder: Recorder, target: SocketAddr) -> Result<Relay> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).context("binding a relay port")?;
        Relay::spawn(recorder, listener, target, Role::Client)
    }

    /// A relay listening on `public` for a server command, forwarding to `internal`.
    ///
    /// # Errors
    /// `public` cannot be bound.
    pub fn server(recorder: Recorder, public: SocketAddr, internal: SocketAddr) -> Result<Relay> {
        let listener = TcpListener::bind(public)?;
        Relay::spawn(recorder, listener, internal, Role::Server)
    }

    fn spawn(
        recorder: Recorder,
        listener: TcpListener,
        to: SocketAddr,
        role: Role,
    ) -> Result<Relay> {
        let local = listener.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = Arc::clone(&stop);
        std::thread::Builder::new()
            .name("pcap-relay".into())
            .spawn(move || {
                for conn in listener.incoming() {
                    if stopped.load(Ordering::Acquire) {
                        break;
                    }
                    match conn {
                        Ok(s) => {
                            let rec = recorder.clone();
                            let _ = std::thread::Builder::new()
                                .name("pcap-conn".into())
                                .spawn(move || connection(&rec, s, to, role));
                        }
                        Err(e) => tracing::debug!("pcap relay accept: {e}"),
                    }
                }
            })
            .context("starting the relay thread")?;
        Ok(Relay { local, stop })
    }

    /// The address the relay accepts on.
    #[must_use]
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        // Wake the accept call; an unspecified address is reached through loopback.
        let mut wake = self.local;
        if wake.ip().is_unspecified() {
            wake.set_ip(if wake.is_ipv4() {
                std::net::Ipv4Addr::LOCALHOST.into()
            } else {
                std::net::Ipv6Addr::LOCALHOST.into()
            });
        }
        let _ = TcpStream::connect_timeout(&wake, Duration::from_millis(500));
    }
}

/// Relay one accepted connection: connect the other side, record the handshake on the
/// user-facing socket's addresses, copy both ways.
fn connection(rec: &Recorder, accepted: TcpStream, to: SocketAddr, role: Role) {
    let other = match TcpStream::connect_timeout(&to, CONNECT_TIMEOUT) {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!("pcap relay: cannot connect to {to}: {e}");
            let _ = accepted.shutdown(Shutdown::Both);
            return;
        }
    };
    let _ = accepted.set_nodelay(true);
    let _ = other.set_nodelay(true);
    // The accepted stream carries the client's bytes in both roles; the recorded addresses
    // are those of the user-facing socket.
    let addrs = match role {
        Role::Client => (other.local_addr(), other.peer_addr()),
        Role::Server => (accepted.peer_addr(), accepted.local_addr()),
    };
    let (client_stream, server_stream) = (accepted, other);
    let (Ok(c), Ok(s)) = addrs else {
        return;
    };
    let Some(flow) = rec.open(c, s) else {
        // Recording stopped: still relay, as the command relies on it.
        copy_unrecorded(client_stream, server_stream);
        return;
    };
    rec.inner.active.fetch_add(1, Ordering::AcqRel);
    let (Ok(c2), Ok(s2)) = (client_stream.try_clone(), server_stream.try_clone()) else {
        rec.reset(flow, Side::Server);
        rec.inner.active.fetch_sub(1, Ordering::AcqRel);
        return;
    };
    let rec2 = rec.clone();
    let up = std::thread::Builder::new()
        .name("pcap-up".into())
        .spawn(move || pump(&rec2, flow, Side::Client, c2, s2));
    pump(rec, flow, Side::Server, server_stream, client_stream);
    if let Ok(h) = up {
        let _ = h.join();
    }
    rec.inner.active.fetch_sub(1, Ordering::AcqRel);
}

/// Copy `src` → `dst`, recording each read as a segment sent by `from`.
fn pump(rec: &Recorder, flow: FlowId, from: Side, mut src: TcpStream, mut dst: TcpStream) {
    let mut buf = vec![0u8; READ_SIZE];
    loop {
        match src.read(&mut buf) {
            Ok(0) => {
                rec.close(flow, from);
                let _ = dst.shutdown(Shutdown::Write);
                return;
            }
            Ok(n) => {
                let data = buf.get(..n).unwrap_or_default();
                // Recorded before it is forwarded, so an answer is never recorded first.
                rec.send(flow, from, data);
                if dst.write_all(data).is_err() {
                    rec.reset(flow, other(from));
                    let _ = src.shutdown(Shutdown::Both);
                    return;
                }
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(_) => {
                rec.reset(flow, from);
                let _ = dst.shutdown(Shutdown::Both);
                return;
            }
        }
    }
}

fn other(s: Side) -> Side {
    match s {
        Side::Client => Side::Server,
        Side::Server => Side::Client,
    }
}

/// Relay without recording (the file could not be written any more).
fn copy_unrecorded(a: TcpStream, b: TcpStream) {
    let (Ok(mut a2), Ok(mut b2)) = (a.try_clone(), b.try_clone()) else {
        return;
    };
    let t = std::thread::spawn(move || {
        let _ = std::io::copy(&mut a2, &mut b2);
        let _ = b2.shutdown(Shutdown::Write);
    });
    let (mut a, mut b) = (a, b);
    let _ = std::io::copy(&mut b, &mut a);
    let _ = a.shutdown(Shutdown::Write);
    let _ = t.join();
}
