//! The client thread: connect (t0, TLS handshake), run the 104 session until the
//! connection ends, back off and reconnect; requests that come while disconnected are
//! refused.

use std::io::{self, Read};
use std::net::SocketAddr;
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::time::Duration;

use iec104_session::conn::ClientConn;
use iec104_session::shared::{Backoff, ClientConfig, ClientError, ClientEvent, instant_since};
use mio::net::TcpStream;
use mio::{Events, Interest, Poll};
use telecontrol_tls::TlsCounters;

use crate::io::{after, flush, poll_for};
use crate::tls::{self, Stream};

use super::{Command, DtReply, Reply, SOCKET, TlsClient};

enum End {
    Lost(String),
    Shutdown,
}

/// The client thread's channels.
pub(super) struct Endpoints<'a> {
    pub(super) commands: &'a Receiver<Command>,
    pub(super) events: &'a SyncSender<ClientEvent>,
}

/// Answer queued requests with "not connected" and remember the data-transfer wish for the
/// next connection (a stop holds already); true on shutdown.
fn refuse_requests(commands: &Receiver<Command>, want_started: &mut bool) -> bool {
    loop {
        match commands.try_recv() {
            Ok(Command::Request(_, _, reply)) => {
                let _ = reply.send(Err(ClientError::NotConnected));
            }
            Ok(Command::DataTransfer(start, reply)) => {
                *want_started = start;
                let _ = reply.send(if start {
                    Err(ClientError::NotConnected)
                } else {
                    Ok(())
                });
            }
            Ok(Command::Shutdown) | Err(mpsc::TryRecvError::Disconnected) => return true,
            Err(mpsc::TryRecvError::Empty) => return false,
        }
    }
}

pub(super) fn run(
    mut poll: Poll,
    addr: SocketAddr,
    config: &ClientConfig,
    tls: Option<&TlsClient>,
    start: bool,
    endpoints: &Endpoints<'_>,
) {
    let (commands, events) = (endpoints.commands, endpoints.events);
    let origin = std::time::Instant::now();
    let mut backoff = config.backoff;
    let mut want_started = start;
    loop {
        let connected = connect(&mut poll, addr, config, commands, &mut want_started);
        let connected = connected.and_then(|s| match (s, tls) {
            (Some(tcp), Some(t)) => {
                let stop = || refuse_requests(commands, &mut want_started);
                tls::client_handshake(
                    &mut poll,
                    tcp,
                    &t.config,
                    &t.name,
                    t.timeout,
                    &t.counters,
                    stop,
                )
            }
            (s, _) => Ok(s.map(Stream::Plain)),
        });
        let end = match connected {
            Ok(Some(mut stream)) => {
                let _ = events.send(ClientEvent::Connected(addr));
                let mut ctx = Session {
                    addr,
                    config,
                    origin,
                    commands,
                    events,
                    tls: tls.map(|t| &*t.counters),
                    want_started: &mut want_started,
                };
                let end = session(&mut poll, &mut stream, &mut ctx, &mut backoff);
                let _ = poll.registry().deregister(stream.tcp());
                end
            }
            Ok(None) => End::Shutdown,
            Err(e) => match (tls, tls::handshake_error(&e)) {
                (Some(t), Some(inner)) => {
                    let reason = t.counters.refuse_io(addr, inner);
                    End::Lost(format!("TLS handshake with {addr} refused: {reason} ({e})"))
                }
                _ => End::Lost(format!("connect to {addr}: {e}")),
            },
        };
        match end {
            End::Shutdown => return,
            End::Lost(why) => {
                let _ = events.send(ClientEvent::Disconnected(why));
                if !config.reconnect {
                    return;
                }
            }
        }
        let until = after(backoff.next_delay());
        let mut ev = Events::with_capacity(4);
        loop {
            if refuse_requests(commands, &mut want_started) {
                return;
            }
            let left = until.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                break;
            }
            let _ = poll.poll(&mut ev, Some(left));
        }
    }
}

/// Open TCP within t0; `None` on shutdown.
fn connect(
    poll: &mut Poll,
    addr: SocketAddr,
    config: &ClientConfig,
    commands: &Receiver<Command>,
    want_started: &mut bool,
) -> io::Result<Option<TcpStream>> {
    let mut stream = TcpStream::connect(addr)?;
    poll.registry()
        .register(&mut stream, SOCKET, Interest::READABLE | Interest::WRITABLE)?;
    let deadline = after(config.apci.t0());
    let mut ev = Events::with_capacity(8);
    loop {
        if refuse_requests(commands, want_started) {
            let _ = poll.registry().deregister(&mut stream);
            return Ok(None);
        }
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        if left.is_zero() {
            let _ = poll.registry().deregister(&mut stream);
            return Err(io::Error::new(io::ErrorKind::TimedOut, "t0 expired"));
        }
        poll_for(poll, &mut ev, Some(left))?;
        if ev.iter().any(|e| e.token() == SOCKET) {
            if let Some(e) = stream.take_error()? {
                let _ = poll.registry().deregister(&mut stream);
                return Err(e);
            }
            match stream.peer_addr() {
                Ok(_) => {
                    let _ = stream.set_nodelay(true);
                    return Ok(Some(stream));
                }
                Err(e) if e.kind() == io::ErrorKind::NotConnected => {}
                Err(e) => {
                    let _ = poll.registry().deregister(&mut stream);
                    return Err(e);
                }
            }
        }
    }
}

/// One connection's context.
struct Session<'a> {
    addr: SocketAddr,
    config: &'a ClientConfig,
    origin: std::time::Instant,
    commands: &'a Receiver<Command>,
    events: &'a SyncSender<ClientEvent>,
    /// Counters of a TLS connection: a TLS error before the first octet from the server
    /// (the server refusing our certificate after a TLS 1.3 handshake) counts as refused.
    tls: Option<&'a TlsCounters>,
    /// Data transfer wished on the next connection (kept across reconnects).
    want_started: &'a mut bool,
}

fn session(
    poll: &mut Poll,
    stream: &mut Stream,
    s: &mut Session<'_>,
    backoff: &mut Backoff,
) -> End {
    let (config, origin, commands, events) = (s.config, s.origin, s.commands, s.events);
    let mut received = false;
    let now = instant_since(origin);
    let mut conn: ClientConn<Reply, DtReply> =
        match ClientConn::with_data_transfer(config, *s.want_started, now) {
            Ok(c) => c,
            Err(e) => return End::Lost(format!("configuration: {e}")),
        };
    let mut wbuf = Vec::new();
    let mut rbuf = vec![0u8; 4 * 1024];
    let mut new_events = Vec::new();
    let mut done = Vec::new();
    let mut ev = Events::with_capacity(16);
    let end = 'outer: loop {
        wbuf.extend(conn.take_output());
        if let Err(e) = flush(stream, &mut wbuf).and_then(|()| stream.flush_tls()) {
            break End::Lost(format!("write: {e}"));
        }
        for e in new_events.drain(..) {
            if e == ClientEvent::Started {
                backoff.reset();
            }
            let _ = events.send(e);
        }
        for (reply, result) in done.drain(..) {
            let _ = Reply::send(&reply, result);
        }
        // After the events: a caller of stop_data_transfer finds every ASDU received before
        // STOPDT con already in the event stream.
        for (reply, result) in conn.take_data_transfer_done() {
            let _ = reply.send(result);
        }
        if conn.is_closed() {
            break End::Lost("connection closed by the protocol".into());
        }
        let timeout = conn.deadline().map(|d| {
            let now = instant_since(origin);
            Duration::from_micros(d.as_micros().saturating_sub(now.as_micros()))
        });
        if let Err(e) = poll_for(poll, &mut ev, timeout) {
            break End::Lost(format!("poll: {e}"));
        }
        // Commands (woken or not: a wake may coincide with socket readiness).
        loop {
            match commands.try_recv() {
                Ok(Command::Request(request, completion, reply)) => {
                    let now = instant_since(origin);
                    if let Err((reply, e)) = conn.submit(now, &request, completion, reply) {
                        let _ = reply.send(Err(e));
                    }
                }
                Ok(Command::DataTransfer(start, reply)) => {
                    *s.want_started = start;
                    conn.set_data_transfer(instant_since(origin), start, reply);
                }
                Ok(Command::Shutdown) | Err(mpsc::TryRecvError::Disconnected) => {
                    conn.close();
                    wbuf.extend(conn.take_output());
                    let _ = flush(stream, &mut wbuf);
                    stream.close();
                    break 'outer End::Shutdown;
                }
                Err(mpsc::TryRecvError::Empty) => break,
            }
        }
        // Edge-triggered: read until it would block.
        loop {
            match stream.read(&mut rbuf) {
                Ok(0) => break 'outer End::Lost("closed by the server".into()),
                Ok(n) => {
                    received = true;
                    let bytes = rbuf.get(..n).unwrap_or(&[]);
                    conn.input(instant_since(origin), bytes, &mut new_events, &mut done);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => match s.tls {
                    Some(c) if !received => {
                        let reason = c.refuse_io(s.addr, &e);
                        let why = format!("TLS refused by {}: {reason} ({e})", s.addr);
                        break 'outer End::Lost(why);
                    }
                    _ => break 'outer End::Lost(format!("read: {e}")),
                },
            }
        }
        let now = instant_since(origin);
        if conn.deadline().is_some_and(|d| d <= now) {
            conn.timeout(now, &mut new_events, &mut done);
        }
    };
    let error = match end {
        End::Shutdown => ClientError::Shutdown,
        End::Lost(_) => ClientError::ConnectionLost,
    };
    for e in new_events.drain(..) {
        let _ = events.send(e);
    }
    for (reply, result) in done.drain(..).chain(conn.fail_all(&error)) {
        let _ = reply.send(result);
    }
    for (reply, result) in conn.take_data_transfer_done() {
        let _ = reply.send(result);
    }
    end
}
