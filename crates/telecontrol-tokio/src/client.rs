//! The 104 [`Client`] on tokio: one task per client that connects (t0), starts data
//! transfer, reconnects with back-off, and carries requests and events over channels.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use iec104_session::conn::ClientConn;
use iec104_session::shared::{ClientConfig, ClientError, ClientEvent, Request, instant_since};
use station::asdu::{CommonAddress, Cp56Time2a, Ioa, Qcc, Qoi, Qrp, Tsc, Value};
use station::{Completion, ExecuteMode, RequestResult};
use telecontrol_tls::pki_types::ServerName;
use telecontrol_tls::{TlsConfig, TlsCounters, TlsError, TlsStats};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

type Reply = oneshot::Sender<Result<RequestResult, ClientError>>;
type DtReply = oneshot::Sender<Result<(), ClientError>>;

enum Command {
    Request(Request, Completion, Reply),
    /// Start (true) or stop data transfer.
    DataTransfer(bool, DtReply),
    Shutdown,
}

/// A 104 client (controlling station) running on the current tokio runtime. Requests are
/// `async` and resolve when the chosen [`Completion`] is reached; the [`ClientEvents`]
/// returned by [`Client::connect`] delivers received ASDUs and connection changes.
#[derive(Debug)]
pub struct Client {
    commands: mpsc::UnboundedSender<Command>,
    task: Option<JoinHandle<()>>,
    tls_counters: Arc<TlsCounters>,
}

/// What a TLS client needs for each connection attempt.
struct TlsClient {
    connector: tokio_rustls::TlsConnector,
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

/// The client's event stream ([`ClientEvent`]s in order of arrival).
#[derive(Debug)]
pub struct ClientEvents {
    rx: mpsc::Receiver<ClientEvent>,
}

impl ClientEvents {
    /// The next event; `None` once the client stopped and every event was read.
    pub async fn recv(&mut self) -> Option<ClientEvent> {
        self.rx.recv().await
    }

    /// The next event if one is ready, without waiting.
    pub fn try_recv(&mut self) -> Option<ClientEvent> {
        self.rx.try_recv().ok()
    }
}

impl Client {
    /// Start a client of the server at `addr`: it connects (and reconnects) in a task of
    /// its own. Must be called within a tokio runtime.
    #[must_use]
    pub fn connect(addr: SocketAddr, config: ClientConfig) -> (Client, ClientEvents) {
        Client::start(addr, config, None, Arc::new(TlsCounters::new()), true)
    }

    /// As [`Client::connect`], as a standby connection of a redundancy group (IEC 60870-5-104
    /// clause 10.3): connections stay in the stopped state (TESTFR and S frames only) until
    /// [`Client::start_data_transfer`].
    #[must_use]
    pub fn connect_standby(addr: SocketAddr, config: ClientConfig) -> (Client, ClientEvents) {
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
    /// `tls` cannot be turned into a rustls client configuration.
    pub fn connect_tls(
        addr: SocketAddr,
        config: ClientConfig,
        tls: &TlsConfig,
        server_name: ServerName<'static>,
    ) -> Result<(Client, ClientEvents), TlsError> {
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
    ) -> Result<(Client, ClientEvents), TlsError> {
        Client::start_tls(addr, config, tls, server_name, false)
    }

    fn start_tls(
        addr: SocketAddr,
        config: ClientConfig,
        tls: &TlsConfig,
        server_name: ServerName<'static>,
        start: bool,
    ) -> Result<(Client, ClientEvents), TlsError> {
        let counters = Arc::new(TlsCounters::new());
        let t = TlsClient {
            connector: tokio_rustls::TlsConnector::from(tls.client_config()?),
            name: server_name,
            timeout: tls.handshake_timeout,
            counters: Arc::clone(&counters),
        };
        Ok(Client::start(addr, config, Some(t), counters, start))
    }

    fn start(
        addr: SocketAddr,
        config: ClientConfig,
        tls: Option<TlsClient>,
        tls_counters: Arc<TlsCounters>,
        start: bool,
    ) -> (Client, ClientEvents) {
        let (commands, rx) = mpsc::unbounded_channel();
        let (events_tx, events_rx) = mpsc::channel(config.events.max(1));
        let task = tokio::spawn(run(addr, config, tls, start, rx, events_tx));
        (
            Client {
                commands,
                task: Some(task),
                tls_counters,
            },
            ClientEvents { rx: events_rx },
        )
    }

    /// TLS handshakes completed (full and resumed) and refused by reason (a TLS error before
    /// the first 104 octet from the server counts as refused); all zero without TLS.
    #[must_use]
    pub fn tls_stats(&self) -> TlsStats {
        self.tls_counters.stats()
    }

    /// Submit `request` and wait until `completion` (or a negative confirmation, or the
    /// master's time-out).
    ///
    /// # Errors
    /// [`ClientError::NotConnected`] outside data transfer, [`ClientError::ConnectionLost`]
    /// if the connection drops first, [`ClientError::Refused`] from the master,
    /// [`ClientError::Shutdown`] after shutdown.
    pub async fn request(
        &self,
        request: Request,
        completion: Completion,
    ) -> Result<RequestResult, ClientError> {
        let (tx, rx) = oneshot::channel();
        self.commands
            .send(Command::Request(request, completion, tx))
            .map_err(|_| ClientError::Shutdown)?;
        rx.await.map_err(|_| ClientError::Shutdown)?
    }

    /// Start data transfer (STARTDT act, IEC 60870-5-104 clause 5.3) and wait for STARTDT
    /// con: the server's active connection of a redundancy group becomes this one (clause
    /// 10.3). Later connections of this client start on their own.
    ///
    /// # Errors
    /// [`ClientError::NotConnected`] without a connection (the next one starts on its own),
    /// [`ClientError::ConnectionLost`] if it drops before the con,
    /// [`ClientError::Shutdown`] after shutdown.
    pub async fn start_data_transfer(&self) -> Result<(), ClientError> {
        self.data_transfer(true).await
    }

    /// Stop data transfer (STOPDT act, clause 5.3) and wait until it stopped: the server
    /// sends no new I frames, the ones still arriving are acknowledged (and delivered as
    /// events before this returns), then STOPDT con. Also returns `Ok` when the connection
    /// ends first or there is none: later connections of this client stay stopped (standby)
    /// until [`Client::start_data_transfer`]. Requests are refused while stopped.
    ///
    /// # Errors
    /// [`ClientError::Shutdown`] after shutdown.
    pub async fn stop_data_transfer(&self) -> Result<(), ClientError> {
        self.data_transfer(false).await
    }

    async fn data_transfer(&self, start: bool) -> Result<(), ClientError> {
        let (tx, rx) = oneshot::channel();
        self.commands
            .send(Command::DataTransfer(start, tx))
            .map_err(|_| ClientError::Shutdown)?;
        rx.await.map_err(|_| ClientError::Shutdown)?
    }

    /// Station interrogation (QOI 20), complete at its termination.
    ///
    /// # Errors
    /// As [`Client::request`].
    pub async fn general_interrogation(
        &self,
        ca: CommonAddress,
    ) -> Result<RequestResult, ClientError> {
        let r = Request::Interrogation {
            ca,
            qoi: Qoi::STATION,
        };
        self.request(r, Completion::OnTermination).await
    }

    /// Counter interrogation, complete at its termination.
    ///
    /// # Errors
    /// As [`Client::request`].
    pub async fn counter_interrogation(
        &self,
        ca: CommonAddress,
        qcc: Qcc,
    ) -> Result<RequestResult, ClientError> {
        let r = Request::CounterInterrogation { ca, qcc };
        self.request(r, Completion::OnTermination).await
    }

    /// Clock synchronisation, complete at its confirmation.
    ///
    /// # Errors
    /// As [`Client::request`].
    pub async fn clock_sync(
        &self,
        ca: CommonAddress,
        time: Cp56Time2a,
    ) -> Result<RequestResult, ClientError> {
        let r = Request::ClockSync { ca, time };
        self.request(r, Completion::OnConfirmation).await
    }

    /// Read one object; the value arrives as a [`ClientEvent::Asdu`] with cause 5.
    ///
    /// # Errors
    /// As [`Client::request`].
    pub async fn read(&self, ca: CommonAddress, ioa: Ioa) -> Result<RequestResult, ClientError> {
        self.request(Request::Read { ca, ioa }, Completion::OnConfirmation)
            .await
    }

    /// A command (single, double, regulating step, set-point, bitstring) with `mode`
    /// (direct or select-before-operate), complete at the termination.
    ///
    /// # Errors
    /// As [`Client::request`].
    pub async fn command(
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
        self.request(r, Completion::OnTermination).await
    }

    /// Test command (C_TS_TA_1) with sequence counter `tsc` and time tag `time`, complete at
    /// its confirmation.
    ///
    /// # Errors
    /// As [`Client::request`].
    pub async fn test(
        &self,
        ca: CommonAddress,
        tsc: Tsc,
        time: Cp56Time2a,
    ) -> Result<RequestResult, ClientError> {
        let r = Request::Test { ca, tsc, time };
        self.request(r, Completion::OnConfirmation).await
    }

    /// Reset process (C_RP_NA_1) with qualifier `qrp`, complete at its confirmation.
    ///
    /// # Errors
    /// As [`Client::request`].
    pub async fn reset_process(
        &self,
        ca: CommonAddress,
        qrp: Qrp,
    ) -> Result<RequestResult, ClientError> {
        let r = Request::ResetProcess { ca, qrp };
        self.request(r, Completion::OnConfirmation).await
    }

    /// Load a parameter of measured values (P_ME_NA_1, P_ME_NB_1, P_ME_NC_1) or activate one
    /// (P_AC_NA_1), complete at its confirmation.
    ///
    /// # Errors
    /// As [`Client::request`]; [`ClientError::Refused`] if `value` is not of types 110–113.
    pub async fn parameter(
        &self,
        ca: CommonAddress,
        ioa: Ioa,
        value: Value<'static>,
    ) -> Result<RequestResult, ClientError> {
        let r = Request::Parameter { ca, ioa, value };
        self.request(r, Completion::OnConfirmation).await
    }

    /// Close the connection (no reconnect) and wait for the task to end.
    pub async fn shutdown(mut self) {
        let _ = self.commands.send(Command::Shutdown);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        // Dropping without `shutdown` still ends the task: it sees the closed channel.
        let _ = self.commands.send(Command::Shutdown);
    }
}

/// How a connection ended.
enum End {
    Lost(String),
    Shutdown,
}

async fn run(
    addr: SocketAddr,
    config: ClientConfig,
    tls: Option<TlsClient>,
    start: bool,
    mut commands: mpsc::UnboundedReceiver<Command>,
    events: mpsc::Sender<ClientEvent>,
) {
    let origin = std::time::Instant::now();
    let mut backoff = config.backoff;
    let mut want_started = start;
    loop {
        let attempt = tokio::time::timeout(config.apci.t0(), TcpStream::connect(addr));
        let end = tokio::select! {
            r = attempt => match r {
                Ok(Ok(stream)) => {
                    let _ = stream.set_nodelay(true);
                    let mut s = Session { addr, config: &config, origin, commands: &mut commands, events: &events, backoff: &mut backoff, tls: None, want_started: &mut want_started };
                    match &tls {
                        None => {
                            let _ = events.send(ClientEvent::Connected(addr)).await;
                            session(stream, &mut s).await
                        }
                        Some(t) => match handshake(t, stream, addr).await {
                            Ok(stream) => {
                                let _ = events.send(ClientEvent::Connected(addr)).await;
                                s.tls = Some(&t.counters);
                                session(stream, &mut s).await
                            }
                            Err(why) => End::Lost(why),
                        },
                    }
                }
                Ok(Err(e)) => End::Lost(format!("connect to {addr}: {e}")),
                Err(_) => End::Lost(format!("connect to {addr}: t0 expired")),
            },
            shutdown = wait_shutdown(&mut commands, &mut want_started) => shutdown,
        };
        match end {
            End::Shutdown => return,
            End::Lost(why) => {
                let _ = events.send(ClientEvent::Disconnected(why)).await;
                if !config.reconnect {
                    return;
                }
            }
        }
        let delay = backoff.next_delay();
        let sleep = tokio::time::sleep(delay);
        tokio::pin!(sleep);
        loop {
            tokio::select! {
                () = &mut sleep => break,
                c = commands.recv() => match c {
                    Some(Command::Request(_, _, reply)) => {
                        let _ = reply.send(Err(ClientError::NotConnected));
                    }
                    Some(Command::DataTransfer(start, reply)) => {
                        unconnected_data_transfer(&mut want_started, start, reply);
                    }
                    Some(Command::Shutdown) | None => return,
                },
            }
        }
    }
}

/// While connecting: answer requests with "not connected", remember the data-transfer wish;
/// resolve on shutdown.
async fn wait_shutdown(
    commands: &mut mpsc::UnboundedReceiver<Command>,
    want_started: &mut bool,
) -> End {
    loop {
        match commands.recv().await {
            Some(Command::Request(_, _, reply)) => {
                let _ = reply.send(Err(ClientError::NotConnected));
            }
            Some(Command::DataTransfer(start, reply)) => {
                unconnected_data_transfer(want_started, start, reply);
            }
            Some(Command::Shutdown) | None => return End::Shutdown,
        }
    }
}

/// Without a connection: the wish holds for the next one; a stop holds already.
fn unconnected_data_transfer(want_started: &mut bool, start: bool, reply: DtReply) {
    *want_started = start;
    let _ = reply.send(if start {
        Err(ClientError::NotConnected)
    } else {
        Ok(())
    });
}

/// The TLS handshake over `stream`, counted; the refusal as text.
async fn handshake(
    t: &TlsClient,
    stream: TcpStream,
    addr: SocketAddr,
) -> Result<tokio_rustls::client::TlsStream<TcpStream>, String> {
    let connect = t.connector.connect(t.name.clone(), stream);
    let r = tokio::time::timeout(t.timeout, connect)
        .await
        .unwrap_or_else(|_| Err(std::io::ErrorKind::TimedOut.into()));
    match r {
        Ok(s) => {
            t.counters.handshake(s.get_ref().1.handshake_kind());
            Ok(s)
        }
        Err(e) => {
            let reason = t.counters.refuse_io(addr, &e);
            Err(format!("TLS handshake with {addr} refused: {reason} ({e})"))
        }
    }
}

/// One connection's context.
struct Session<'a> {
    addr: SocketAddr,
    config: &'a ClientConfig,
    origin: std::time::Instant,
    commands: &'a mut mpsc::UnboundedReceiver<Command>,
    events: &'a mpsc::Sender<ClientEvent>,
    backoff: &'a mut iec104_session::shared::Backoff,
    /// Counters of a TLS connection: a TLS error before the first octet from the server
    /// (the server refusing our certificate after a TLS 1.3 handshake) counts as refused.
    tls: Option<&'a TlsCounters>,
    /// Data transfer wished on the next connection (kept across reconnects).
    want_started: &'a mut bool,
}

async fn session<S: AsyncRead + AsyncWrite + Unpin>(mut stream: S, s: &mut Session<'_>) -> End {
    let (config, origin, events) = (s.config, s.origin, s.events);
    let mut received = false;
    let now = instant_since(origin);
    let mut conn: ClientConn<Reply, DtReply> =
        match ClientConn::with_data_transfer(config, *s.want_started, now) {
            Ok(c) => c,
            Err(e) => return End::Lost(format!("configuration: {e}")),
        };
    let mut buf = vec![0u8; 4 * 1024];
    let mut new_events = Vec::new();
    let mut done = Vec::new();
    let end = loop {
        let out = conn.take_output();
        if !out.is_empty() && write_out(&mut stream, &out).await.is_err() {
            break End::Lost("write failed".into());
        }
        for e in new_events.drain(..) {
            if e == ClientEvent::Started {
                s.backoff.reset();
            }
            let _ = events.send(e).await;
        }
        for (reply, result) in done.drain(..) {
            let _ = Reply::send(reply, result);
        }
        // After the events: a caller of stop_data_transfer finds every ASDU received before
        // STOPDT con already in the event stream.
        for (reply, result) in conn.take_data_transfer_done() {
            let _ = reply.send(result);
        }
        if conn.is_closed() {
            break End::Lost("connection closed by the protocol".into());
        }
        let sleep = match conn.deadline() {
            Some(d) => {
                let now = instant_since(origin);
                Duration::from_micros(d.as_micros().saturating_sub(now.as_micros()))
            }
            None => Duration::from_secs(3600),
        };
        tokio::select! {
            r = stream.read(&mut buf) => match r {
                Ok(0) => break End::Lost("closed by the server".into()),
                Ok(n) => {
                    received = true;
                    let bytes = buf.get(..n).unwrap_or(&[]);
                    conn.input(instant_since(origin), bytes, &mut new_events, &mut done);
                }
                Err(e) => match s.tls {
                    Some(c) if !received => {
                        let reason = c.refuse_io(s.addr, &e);
                        break End::Lost(format!("TLS refused by {}: {reason} ({e})", s.addr));
                    }
                    _ => break End::Lost(format!("read: {e}")),
                },
            },
            () = tokio::time::sleep(sleep) => {
                conn.timeout(instant_since(origin), &mut new_events, &mut done);
            }
            c = s.commands.recv() => match c {
                Some(Command::Request(request, completion, reply)) => {
                    if let Err((reply, e)) = conn.submit(instant_since(origin), &request, completion, reply) {
                        let _ = reply.send(Err(e));
                    }
                }
                Some(Command::DataTransfer(start, reply)) => {
                    *s.want_started = start;
                    conn.set_data_transfer(instant_since(origin), start, reply);
                }
                Some(Command::Shutdown) | None => {
                    conn.close();
                    let out = conn.take_output();
                    let _ = stream.write_all(&out).await;
                    let _ = stream.flush().await;
                    let _ = stream.shutdown().await;
                    break End::Shutdown;
                }
            },
        }
    };
    let error = match end {
        End::Shutdown => ClientError::Shutdown,
        End::Lost(_) => ClientError::ConnectionLost,
    };
    for e in new_events.drain(..) {
        let _ = events.send(e).await;
    }
    for (reply, result) in done.drain(..).chain(conn.fail_all(&error)) {
        let _ = reply.send(result);
    }
    for (reply, result) in conn.take_data_transfer_done() {
        let _ = reply.send(result);
    }
    end
}

/// Write `out` and flush: a TLS stream keeps records the socket did not take yet until it is
/// flushed (a no-op for plain TCP).
async fn write_out<S: AsyncWrite + Unpin>(stream: &mut S, out: &[u8]) -> std::io::Result<()> {
    stream.write_all(out).await?;
    stream.flush().await
}
