//! IEC 60870-5-101 over a serial port (tokio-serial) or a TCP terminal server (tokio), one
//! task per line driving the sans-IO [`Runner`] of `telecontrol-iec101-session`.

use std::collections::HashMap;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use iec101_session::runner::Runner;
use iec104_session::shared::{
    ClientError, CommandHandler, Database, Request, UpdateError, instant_since, until,
};
use station::asdu::{CommonAddress, InfoObject, Ioa, Value};
use station::{CommandAnswer, RequestResult};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

pub use iec101_session::iec101_link;
pub use iec101_session::iec101_link::LinkConfig;
pub use iec101_session::runner::{EchoFilter, LineConfig, LineEvent, Parity, Role, SerialSettings};
pub use tokio_serial::{SerialPort, SerialStream};

/// Open a serial port for 101: `settings.baud`, 8 data bits, `settings.parity`, 1 stop bit.
///
/// # Errors
/// The port could not be opened or configured.
pub fn open_serial(path: &str, settings: &SerialSettings) -> io::Result<SerialStream> {
    let parity = match settings.parity {
        Parity::Odd => tokio_serial::Parity::Odd,
        Parity::None => tokio_serial::Parity::None,
        _ => tokio_serial::Parity::Even,
    };
    let builder = tokio_serial::new(path, settings.baud)
        .data_bits(tokio_serial::DataBits::Eight)
        .parity(parity)
        .stop_bits(tokio_serial::StopBits::One);
    SerialStream::open(&builder).map_err(io::Error::from)
}

/// `config` with the link's idle timeout derived from the serial `settings`.
#[must_use]
pub fn serial_config(mut config: LineConfig, settings: &SerialSettings) -> LineConfig {
    config.link.idle_timeout = Some(settings.idle_timeout());
    config
}

enum Command {
    Request(
        u16,
        Request,
        oneshot::Sender<Result<RequestResult, ClientError>>,
    ),
    Event(CommonAddress, Ioa, Value<'static>),
}

/// The events of one line ([`LineEvent`]s in order); `recv` returns `None` once the line's
/// task stopped.
#[derive(Debug)]
pub struct LineEvents {
    rx: mpsc::UnboundedReceiver<LineEvent>,
}

impl LineEvents {
    /// The next event; `None` once the line stopped and every event was read.
    pub async fn recv(&mut self) -> Option<LineEvent> {
        self.rx.recv().await
    }

    /// The next event if one is ready.
    pub fn try_recv(&mut self) -> Option<LineEvent> {
        self.rx.try_recv().ok()
    }
}

/// The task driving one line, shared by [`Master`], [`Slave`] and [`Balanced`].
struct Line {
    commands: mpsc::UnboundedSender<Command>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
    db: Database,
}

impl Line {
    fn spawn<S>(
        stream: S,
        config: &LineConfig,
        db: Database,
        handler: Arc<dyn CommandHandler>,
        echo: bool,
    ) -> io::Result<(Line, LineEvents)>
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let runner = Runner::new(config, db.clone(), handler, echo)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        let (commands, rx) = mpsc::unbounded_channel();
        let (events_tx, events_rx) = mpsc::unbounded_channel();
        let (stop, stop_rx) = oneshot::channel();
        let task = tokio::spawn(run(stream, runner, rx, events_tx, stop_rx));
        Ok((
            Line {
                commands,
                stop: Some(stop),
                task: Some(task),
                db,
            },
            LineEvents { rx: events_rx },
        ))
    }

    async fn request(
        &self,
        address: u16,
        request: Request,
        timeout: Duration,
    ) -> Result<RequestResult, ClientError> {
        let (tx, rx) = oneshot::channel();
        self.commands
            .send(Command::Request(address, request, tx))
            .map_err(|_| ClientError::Shutdown)?;
        match tokio::time::timeout(timeout, rx).await {
            Ok(Ok(r)) => r,
            Ok(Err(_)) => Err(ClientError::Shutdown),
            Err(_) => Err(ClientError::TimedOut),
        }
    }

    fn update(
        &self,
        ca: CommonAddress,
        ioa: Ioa,
        value: Value<'static>,
    ) -> Result<(), UpdateError> {
        if self.db.set_value(ca, ioa, value).is_none() {
            return Err(UpdateError::UnknownPoint { ca, ioa });
        }
        self.commands
            .send(Command::Event(ca, ioa, value))
            .map_err(|_| UpdateError::UnknownPoint { ca, ioa })
    }

    async fn shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Line {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

async fn run<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    mut runner: Runner,
    mut commands: mpsc::UnboundedReceiver<Command>,
    events: mpsc::UnboundedSender<LineEvent>,
    mut stop: oneshot::Receiver<()>,
) {
    type Reply = oneshot::Sender<Result<RequestResult, ClientError>>;
    let origin = std::time::Instant::now();
    let mut waiting: HashMap<(u16, station::RequestId), Reply> = HashMap::new();
    let mut buf = vec![0u8; 4096];
    loop {
        let now = instant_since(origin);
        if runner.poll_timeout().is_some_and(|t| t <= now) {
            runner.handle_timeout(now);
        }
        let out = runner.take_output();
        if !out.is_empty() && stream.write_all(&out).await.is_err() {
            return;
        }
        while let Some(ev) = runner.poll_event() {
            if let LineEvent::Result(address, result) = &ev
                && let Some(reply) = waiting.remove(&(*address, result.id))
            {
                let _ = reply.send(Ok(*result));
            }
            let _ = events.send(ev);
        }
        let sleep = runner
            .poll_timeout()
            .map_or(Duration::from_millis(100), |t| until(now, t))
            .min(Duration::from_millis(100));
        tokio::select! {
            _ = &mut stop => return,
            cmd = commands.recv() => {
                let now = instant_since(origin);
                match cmd {
                    None => return,
                    Some(Command::Request(address, request, reply)) => {
                        match runner.submit(now, address, &request) {
                            Ok(id) => {
                                waiting.insert((address, id), reply);
                            }
                            Err(iec101_session::runner::RunnerError::Station(e)) => {
                                let _ = reply.send(Err(ClientError::Refused(e)));
                            }
                            Err(_) => {
                                let _ = reply.send(Err(ClientError::NotConnected));
                            }
                        }
                    }
                    Some(Command::Event(ca, ioa, value)) => {
                        runner.queue_event(now, &[InfoObject::new(ioa, value)], ca);
                    }
                }
            }
            read = stream.read(&mut buf) => match read {
                Ok(0) | Err(_) => {
                    runner.connection_lost();
                    return;
                }
                Ok(n) => runner.handle_input(instant_since(origin), buf.get(..n).unwrap_or(&[])),
            },
            () = tokio::time::sleep(sleep) => {}
        }
    }
}

fn refuse_all(_: &station::CommandRequest) -> CommandAnswer {
    CommandAnswer::Reject
}

/// An unbalanced 101 master polling the slaves of [`Role::Master`] on one line.
pub struct Master {
    line: Line,
}

impl std::fmt::Debug for Master {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Master")
    }
}

impl Master {
    /// Run the master over `stream` (a [`SerialStream`] from [`open_serial`], or a
    /// [`tokio::net::TcpStream`] to a terminal server) on a new task.
    ///
    /// # Errors
    /// A refused configuration.
    pub fn over<S>(stream: S, config: &LineConfig, echo: bool) -> io::Result<(Master, LineEvents)>
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let (line, events) =
            Line::spawn(stream, config, Database::new(), Arc::new(refuse_all), echo)?;
        Ok((Master { line }, events))
    }

    /// Submit `request` to the slave at link `address` and wait for its result (at most
    /// `timeout`).
    ///
    /// # Errors
    /// [`ClientError::Refused`] by the master, [`ClientError::NotConnected`] for an unknown
    /// address, [`ClientError::TimedOut`], [`ClientError::Shutdown`].
    pub async fn request(
        &self,
        address: u16,
        request: Request,
        timeout: Duration,
    ) -> Result<RequestResult, ClientError> {
        self.line.request(address, request, timeout).await
    }

    /// Stop the line's task and wait for it.
    pub async fn shutdown(mut self) {
        self.line.shutdown().await;
    }
}

/// An unbalanced 101 slave serving `db` at the link address of [`Role::Slave`].
pub struct Slave {
    line: Line,
}

impl std::fmt::Debug for Slave {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Slave")
    }
}

impl Slave {
    /// Serve `db` over `stream` on a new task; `handler` decides on commands (it runs on the
    /// line's task: keep it short).
    ///
    /// # Errors
    /// A refused configuration.
    pub fn over<S>(
        stream: S,
        config: &LineConfig,
        db: Database,
        handler: impl CommandHandler,
        echo: bool,
    ) -> io::Result<(Slave, LineEvents)>
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let (line, events) = Line::spawn(stream, config, db, Arc::new(handler), echo)?;
        Ok((Slave { line }, events))
    }

    /// Set the point's value and queue it as a spontaneous event (class 1).
    ///
    /// # Errors
    /// [`UpdateError::UnknownPoint`] if the database has no such point.
    pub fn update(
        &self,
        ca: CommonAddress,
        ioa: Ioa,
        value: Value<'static>,
    ) -> Result<(), UpdateError> {
        self.line.update(ca, ioa, value)
    }

    /// Stop the line's task and wait for it.
    pub async fn shutdown(mut self) {
        self.line.shutdown().await;
    }
}

/// A balanced 101 station: a master and, if [`Role::Balanced`] says so, an outstation
/// serving `db`.
pub struct Balanced {
    line: Line,
    remote: u16,
}

impl std::fmt::Debug for Balanced {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Balanced")
    }
}

impl Balanced {
    /// Run the station over `stream` on a new task.
    ///
    /// # Errors
    /// A refused configuration.
    pub fn over<S>(
        stream: S,
        config: &LineConfig,
        db: Database,
        handler: impl CommandHandler,
        echo: bool,
    ) -> io::Result<(Balanced, LineEvents)>
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let remote = match config.role {
            Role::Balanced { remote_address, .. } => remote_address,
            _ => 0,
        };
        let (line, events) = Line::spawn(stream, config, db, Arc::new(handler), echo)?;
        Ok((Balanced { line, remote }, events))
    }

    /// Submit `request` to the remote station and wait for its result (at most `timeout`).
    ///
    /// # Errors
    /// As [`Master::request`].
    pub async fn request(
        &self,
        request: Request,
        timeout: Duration,
    ) -> Result<RequestResult, ClientError> {
        self.line.request(self.remote, request, timeout).await
    }

    /// Set the point's value and queue it as a spontaneous event.
    ///
    /// # Errors
    /// [`UpdateError::UnknownPoint`] if the database has no such point.
    pub fn update(
        &self,
        ca: CommonAddress,
        ioa: Ioa,
        value: Value<'static>,
    ) -> Result<(), UpdateError> {
        self.line.update(ca, ioa, value)
    }

    /// Stop the line's task and wait for it.
    pub async fn shutdown(mut self) {
        self.line.shutdown().await;
    }
}
