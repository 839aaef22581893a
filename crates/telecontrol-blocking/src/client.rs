//! The 104 [`Client`] on mio: one thread per client that connects (t0), starts data
//! transfer, reconnects with back-off, and carries requests and events over std channels.

use std::io::{self, Read};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, Sender, SyncSender};
use std::thread::JoinHandle;
use std::time::Duration;

use iec104_session::conn::ClientConn;
use iec104_session::shared::{
    Backoff, ClientConfig, ClientError, ClientEvent, Request, instant_since,
};
use mio::net::TcpStream;
use mio::{Events, Interest, Poll, Token, Waker};
use station::asdu::{CommonAddress, Cp56Time2a, Ioa, Qcc, Qoi, Qrp, Tsc, Value};
use station::{Completion, ExecuteMode, RequestResult};
use telecontrol_tls::pki_types::ServerName;
use telecontrol_tls::{TlsConfig, TlsCounters, TlsStats};

use crate::io::{after, flush, poll_for};
use crate::tls::{self, Stream};

type Reply = Sender<Result<RequestResult, ClientError>>;
type DtReply = Sender<Result<(), ClientError>>;

enum Command {
    Request(Request, Completion, Reply),
    /// Start (true) or stop data transfer.
    DataTransfer(bool, DtReply),
    Shutdown,
}

const SOCKET: Token = Token(0);
const WAKE: Token = Token(1);

/// A 104 client (controlling station) on a thread of its own. Requests block the caller
/// until the chosen [`Completion`] is reached; the [`ClientEvents`] returned by
/// [`Client::connect`] delivers received ASDUs and connection changes.
#[derive(Debug)]
pub struct Client {
    commands: Sender<Command>,
    waker: Arc<Waker>,
    thread: Option<JoinHandle<()>>,
    tls_counters: Arc<TlsCounters>,
}

/// What a TLS client needs for each connection attempt.
struct TlsClient {
    config: Arc<rustls::ClientConfig>,
    name: ServerName<'static>,
    timeout: Duration,
    counters: Arc<TlsCounters>,
}

impl std::fmt::Debug for Command {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Command::Request(r, c, _) => write!(f, "Request({r:?}, {c:?})"),
            Command::DataTransfer(start, _) => write!(f, "DataTransfer({start})"),
            Command::Shutdown => f.write_str("Shutdown"),
        }
    }
}

/// The client's event stream ([`ClientEvent`]s in order of arrival); also an iterator that
/// ends when the client stopped.
#[derive(Debug)]
pub struct ClientEvents {
    rx: Receiver<ClientEvent>,
}

impl ClientEvents {
    /// The next event, waiting at most `timeout`; `None` on time-out or once the client
    /// stopped and every event was read.
    pub fn recv_timeout(&self, timeout: Duration) -> Option<ClientEvent> {
        self.rx.recv_timeout(timeout).ok()
    }

    /// The next event, waiting as long as it takes; `None` once the client stopped.
    pub fn recv(&self) -> Option<ClientEvent> {
        self.rx.recv().ok()
    }

    /// The next event if one is ready.
    pub fn try_recv(&self) -> Option<ClientEvent> {
        self.rx.try_recv().ok()
    }
}

impl Iterator for ClientEvents {
    type Item = ClientEvent;

    fn next(&mut self) -> Option<ClientEvent> {
        self.recv()
    }
}

impl Client {
    /// Start a client of the server at `addr` on a new thread; it connects and reconnects on
    /// its own.
    ///
    /// # Errors
    /// Creating the poll instance or the thread failed.
    pub fn connect(addr: SocketAddr, config: ClientConfig) -> io::Result<(Client, ClientEvents)> {
        Client::start(addr, config, None, Arc::new(TlsCounters::new()), true)
    }

    /// As [`Client::connect`], as a standby connection of a redundancy group (IEC 60870-5-104
    /// clause 10.3): connections stay in the stopped state (TESTFR and S frames only) until
    /// [`Client::start_data_transfer`].
    ///
    /// # Errors
    /// As [`Client::connect`].
    pub fn connect_standby(
        addr: SocketAddr,
        config: ClientConfig,
    ) -> io::Result<(Client, ClientEvents)> {
        Client::start(addr, config, None, Arc::new(TlsCounters::new()), false)
    }

    /// As [`Client::connect`], over TLS (IEC 62351-3): each connection first completes a TLS
    /// handshake within [`TlsConfig::handshake_timeout`], presenting the own certificate of
    /// `tls` and verifying the server's against it; with a CA, the server's certificate must
    /// be valid for `server_name` (a DNS name or an IP address). One rustls client
    /// configuration serves every reconnect, so sessions are resumed. A refused handshake
    /// ends the attempt with a [`ClientEvent::Disconnected`] naming the reason, counted in
    /// [`Client::tls_stats`].
    ///
    /// # Errors
    /// As [`Client::connect`], or `tls` cannot be turned into a rustls client configuration
    /// (an [`io::ErrorKind::InvalidInput`] error carrying the [`telecontrol_tls::TlsError`]).
    pub fn connect_tls(
        addr: SocketAddr,
        config: ClientConfig,
        tls: &TlsConfig,
        server_name: ServerName<'static>,
    ) -> io::Result<(Client, ClientEvents)> {
        Client::start_tls(addr, config, tls, server_name, true)
    }

    /// As [`Client::connect_tls`], as a standby connection of a redundancy group (as
    /// [`Client::connect_standby`]): each connection completes its TLS handshake, then stays
    /// in the stopped state until [`Client::start_data_transfer`]. A refused handshake is
    /// reported and counted as with [`Client::connect_tls`].
    ///
    /// # Errors
    /// As [`Client::connect_tls`].
    pub fn connect_standby_tls(
        addr: SocketAddr,
        config: ClientConfig,
        tls: &TlsConfig,
        server_name: ServerName<'static>,
    ) -> io::Result<(Client, ClientEvents)> {
        Client::start_tls(addr, config, tls, server_name, false)
    }

    fn start_tls(
        addr: SocketAddr,
        config: ClientConfig,
        tls: &TlsConfig,
        server_name: ServerName<'static>,
        start: bool,
    ) -> io::Result<(Client, ClientEvents)> {
        let counters = Arc::new(TlsCounters::new());
        let t = TlsClient {
            config: tls
                .client_config()
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?,
            name: server_name,
            timeout: tls.handshake_timeout,
            counters: Arc::clone(&counters),
        };
        Client::start(addr, config, Some(t), counters, start)
    }

    fn start(
        addr: SocketAddr,
        config: ClientConfig,
        tls: Option<TlsClient>,
        tls_counters: Arc<TlsCounters>,
        start: bool,
    ) -> io::Result<(Client, ClientEvents)> {
        let poll = Poll::new()?;
        let waker = Arc::new(Waker::new(poll.registry(), WAKE)?);
        let (commands, rx) = mpsc::channel();
        let (events_tx, events_rx) = mpsc::sync_channel(config.events.max(1));
        let thread = std::thread::Builder::new()
            .name("iec104-client".into())
            .spawn(move || {
                let endpoints = Endpoints {
                    commands: &rx,
                    events: &events_tx,
                };
                run(poll, addr, &config, tls.as_ref(), start, &endpoints);
            })?;
        Ok((
            Client {
                commands,
                waker,
                thread: Some(thread),
                tls_counters,
            },
            ClientEvents { rx: events_rx },
        ))
    }

    /// Submit `request` and block until `completion` (or a negative confirmation, or the
    /// master's time-out).
    ///
    /// # Errors
    /// [`ClientError::NotConnected`] outside data transfer, [`ClientError::ConnectionLost`]
    /// if the connection drops first, [`ClientError::Refused`] from the master,
    /// [`ClientError::Shutdown`] after shutdown.
    pub fn request(
        &self,
        request: Request,
        completion: Completion,
    ) -> Result<RequestResult, ClientError> {
        let (tx, rx) = mpsc::channel();
        self.commands
            .send(Command::Request(request, completion, tx))
            .map_err(|_| ClientError::Shutdown)?;
        self.waker.wake().map_err(|_| ClientError::Shutdown)?;
        rx.recv().map_err(|_| ClientError::Shutdown)?
    }

    /// As [`Client::request`], giving up after `timeout` with [`ClientError::TimedOut`].
    ///
    /// # Errors
    /// As [`Client::request`], or [`ClientError::TimedOut`].
    pub fn request_timeout(
        &self,
        request: Request,
        completion: Completion,
        timeout: Duration,
    ) -> Result<RequestResult, ClientError> {
        let (tx, rx) = mpsc::channel();
        self.commands
            .send(Command::Request(request, completion, tx))
            .map_err(|_| ClientError::Shutdown)?;
        self.waker.wake().map_err(|_| ClientError::Shutdown)?;
        match rx.recv_timeout(timeout) {
            Ok(r) => r,
            Err(mpsc::RecvTimeoutError::Timeout) => Err(ClientError::TimedOut),
            Err(mpsc::RecvTimeoutError::Disconnected) => Err(ClientError::Shutdown),
        }
    }

    /// Start data transfer (STARTDT act, IEC 60870-5-104 clause 5.3) and block until STARTDT
    /// con: the server's active connection of a redundancy group becomes this one (clause
    /// 10.3). Later connections of this client start on their own.
    ///
    /// # Errors
    /// [`ClientError::NotConnected`] without a connection (the next one starts on its own),
    /// [`ClientError::ConnectionLost`] if it drops before the con,
    /// [`ClientError::Shutdown`] after shutdown.
    pub fn start_data_transfer(&self) -> Result<(), ClientError> {
        self.data_transfer(true)
    }

    /// Stop data transfer (STOPDT act, clause 5.3) and block until it stopped: the server
    /// sends no new I frames, the ones still arriving are acknowledged (and delivered as
    /// events before this returns), then STOPDT con. Also returns `Ok` when the connection
    /// ends first or there is none: later connections of this client stay stopped (standby)
    /// until [`Client::start_data_transfer`]. Requests are refused while stopped.
    ///
    /// # Errors
    /// [`ClientError::Shutdown`] after shutdown.
    pub fn stop_data_transfer(&self) -> Result<(), ClientError> {
        self.data_transfer(false)
    }

    fn data_transfer(&self, start: bool) -> Result<(), ClientError> {
        let (tx, rx) = mpsc::channel();
        self.commands
            .send(Command::DataTransfer(start, tx))
            .map_err(|_| ClientError::Shutdown)?;
        self.waker.wake().map_err(|_| ClientError::Shutdown)?;
        rx.recv().map_err(|_| ClientError::Shutdown)?
    }

    /// Station interrogation (QOI 20), complete at its termination.
    ///
    /// # Errors
    /// As [`Client::request`].
    pub fn general_interrogation(&self, ca: CommonAddress) -> Result<RequestResult, ClientError> {
        let r = Request::Interrogation {
            ca,
            qoi: Qoi::STATION,
        };
        self.request(r, Completion::OnTermination)
    }

    /// Counter interrogation, complete at its termination.
    ///
    /// # Errors
    /// As [`Client::request`].
    pub fn counter_interrogation(
        &self,
        ca: CommonAddress,
        qcc: Qcc,
    ) -> Result<RequestResult, ClientError> {
        let r = Request::CounterInterrogation { ca, qcc };
        self.request(r, Completion::OnTermination)
    }

    /// Clock synchronisation, complete at its confirmation.
    ///
    /// # Errors
    /// As [`Client::request`].
    pub fn clock_sync(
        &self,
        ca: CommonAddress,
        time: Cp56Time2a,
    ) -> Result<RequestResult, ClientError> {
        self.request(Request::ClockSync { ca, time }, Completion::OnConfirmation)
    }

    /// Read one object; the value arrives as a [`ClientEvent::Asdu`] with cause 5.
    ///
    /// # Errors
    /// As [`Client::request`].
    pub fn read(&self, ca: CommonAddress, ioa: Ioa) -> Result<RequestResult, ClientError> {
        self.request(Request::Read { ca, ioa }, Completion::OnConfirmation)
    }

    /// A command (single, double, regulating step, set-point, bitstring) with `mode`
    /// (direct or select-before-operate), complete at the termination.
    ///
    /// # Errors
    /// As [`Client::request`].
    pub fn command(
        &self,
        ca: CommonAddress,
        ioa: Ioa,
        value: Value<'static>,
        mode: ExecuteMode,
    ) -> Result<RequestResult, ClientError> {
        let r = Request::Command {
            ca,
            ioa,
            value,
            mode,
        };
        self.request(r, Completion::OnTermination)
    }

    /// Test command (C_TS_TA_1) with sequence counter `tsc` and time tag `time`, complete at
    /// its confirmation.
    ///
    /// # Errors
    /// As [`Client::request`].
    pub fn test(
        &self,
        ca: CommonAddress,
        tsc: Tsc,
        time: Cp56Time2a,
    ) -> Result<RequestResult, ClientError> {
        let r = Request::Test { ca, tsc, time };
        self.request(r, Completion::OnConfirmation)
    }

    /// Reset process (C_RP_NA_1) with qualifier `qrp`, complete at its confirmation.
    ///
    /// # Errors
    /// As [`Client::request`].
    pub fn reset_process(&self, ca: CommonAddress, qrp: Qrp) -> Result<RequestResult, ClientError> {
        let r = Request::ResetProcess { ca, qrp };
        self.request(r, Completion::OnConfirmation)
    }

    /// Load a parameter of measured values (P_ME_NA_1, P_ME_NB_1, P_ME_NC_1) or activate one
    /// (P_AC_NA_1), complete at its confirmation.
    ///
    /// # Errors
    /// As [`Client::request`]; [`ClientError::Refused`] if `value` is not of types 110–113.
    pub fn parameter(
        &self,
        ca: CommonAddress,
        ioa: Ioa,
        value: Value<'static>,
    ) -> Result<RequestResult, ClientError> {
        let r = Request::Parameter { ca, ioa, value };
        self.request(r, Completion::OnConfirmation)
    }

    /// TLS handshakes completed (full and resumed) and refused by reason (a TLS error before
    /// the first 104 octet from the server counts as refused); all zero without TLS.
    #[must_use]
    pub fn tls_stats(&self) -> TlsStats {
        self.tls_counters.stats()
    }

    /// Close the connection (no reconnect) and wait for the thread to end.
    pub fn shutdown(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        let _ = self.commands.send(Command::Shutdown);
        let _ = self.waker.wake();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        self.stop();
    }
}

enum End {
    Lost(String),
    Shutdown,
}

/// The client thread's channels.
struct Endpoints<'a> {
    commands: &'a Receiver<Command>,
    events: &'a SyncSender<ClientEvent>,
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

fn run(
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
