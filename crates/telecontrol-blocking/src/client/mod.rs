//! The 104 [`Client`] on mio: one thread per client that connects (t0), starts data
//! transfer, reconnects with back-off, and carries requests and events over std channels.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, Sender};
use std::thread::JoinHandle;
use std::time::Duration;

use iec104_session::shared::{ClientConfig, ClientError, ClientEvent, Request};
use mio::{Poll, Token, Waker};
use station::asdu::{CommonAddress, Cp56Time2a, Ioa, Qcc, Qoi, Qrp, Tsc, Value};
use station::{Completion, ExecuteMode, RequestResult};
use telecontrol_tls::pki_types::ServerName;
use telecontrol_tls::{TlsConfig, TlsCounters, TlsStats};

mod conn;

use conn::{Endpoints, run};

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
