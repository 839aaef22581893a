//! IEC 60870-5-101 over a serial port (mio-serial) or a TCP terminal server (mio), one
//! thread per line driving the sans-IO [`Runner`] of `telecontrol-iec101-session`.

use std::collections::HashMap;
use std::io::{self, Read};
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, Sender};
use std::thread::JoinHandle;
use std::time::Duration;

use iec101_session::runner::Runner;
use iec104_session::shared::{
    ClientError, CommandHandler, Database, Request, UpdateError, instant_since, until,
};
use mio::event::Source;
use mio::{Events, Interest, Poll, Token, Waker};
use station::asdu::{CommonAddress, InfoObject, Ioa, Value};
use station::{CommandAnswer, RequestResult};

pub use iec101_session::iec101_link::LinkConfig;
pub use iec101_session::runner::{EchoFilter, LineConfig, LineEvent, Parity, Role, SerialSettings};
pub use mio_serial::SerialStream;

use crate::io::{flush, poll_for};

const LINE: Token = Token(0);
const WAKE: Token = Token(1);

/// Open a serial port for 101: `settings.baud`, 8 data bits, `settings.parity`, 1 stop bit.
///
/// # Errors
/// The port could not be opened or configured.
pub fn open_serial(path: &str, settings: &SerialSettings) -> io::Result<mio_serial::SerialStream> {
    let parity = match settings.parity {
        Parity::Odd => mio_serial::Parity::Odd,
        Parity::None => mio_serial::Parity::None,
        _ => mio_serial::Parity::Even,
    };
    let builder = mio_serial::new(path, settings.baud)
        .data_bits(mio_serial::DataBits::Eight)
        .parity(parity)
        .stop_bits(mio_serial::StopBits::One);
    mio_serial::SerialStream::open(&builder).map_err(io::Error::from)
}

/// `config` with the link's idle timeout derived from the serial `settings`.
#[must_use]
pub fn serial_config(mut config: LineConfig, settings: &SerialSettings) -> LineConfig {
    config.link.idle_timeout = Some(settings.idle_timeout());
    config
}

enum Command {
    Request(u16, Request, Sender<Result<RequestResult, ClientError>>),
    Event(CommonAddress, Ioa, Value<'static>),
    Shutdown,
}

/// The events of one line ([`LineEvent`]s in order); an iterator that ends when the line's
/// thread stopped.
#[derive(Debug)]
pub struct LineEvents {
    rx: Receiver<LineEvent>,
}

impl LineEvents {
    /// The next event, waiting at most `timeout`.
    pub fn recv_timeout(&self, timeout: Duration) -> Option<LineEvent> {
        self.rx.recv_timeout(timeout).ok()
    }

    /// The next event if one is ready.
    pub fn try_recv(&self) -> Option<LineEvent> {
        self.rx.try_recv().ok()
    }
}

impl Iterator for LineEvents {
    type Item = LineEvent;

    fn next(&mut self) -> Option<LineEvent> {
        self.rx.recv().ok()
    }
}

/// The thread driving one line, shared by [`Master`], [`Slave`] and [`Balanced`].
struct Line {
    commands: Sender<Command>,
    waker: Arc<Waker>,
    thread: Option<JoinHandle<()>>,
    db: Database,
}

impl Line {
    fn spawn<S>(
        mut stream: S,
        config: &LineConfig,
        db: Database,
        handler: Arc<dyn CommandHandler>,
        echo: bool,
    ) -> io::Result<(Line, LineEvents)>
    where
        S: Source + Read + io::Write + Send + 'static,
    {
        let runner = Runner::new(config, db.clone(), handler, echo)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        let poll = Poll::new()?;
        poll.registry()
            .register(&mut stream, LINE, Interest::READABLE | Interest::WRITABLE)?;
        let waker = Arc::new(Waker::new(poll.registry(), WAKE)?);
        let (commands, rx) = mpsc::channel();
        let (events_tx, events_rx) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("iec101-line".into())
            .spawn(move || run(poll, stream, runner, &rx, &events_tx))?;
        Ok((
            Line {
                commands,
                waker,
                thread: Some(thread),
                db,
            },
            LineEvents { rx: events_rx },
        ))
    }

    fn request(
        &self,
        address: u16,
        request: Request,
        timeout: Duration,
    ) -> Result<RequestResult, ClientError> {
        let (tx, rx) = mpsc::channel();
        self.commands
            .send(Command::Request(address, request, tx))
            .map_err(|_| ClientError::Shutdown)?;
        self.waker.wake().map_err(|_| ClientError::Shutdown)?;
        match rx.recv_timeout(timeout) {
            Ok(r) => r,
            Err(mpsc::RecvTimeoutError::Timeout) => Err(ClientError::TimedOut),
            Err(mpsc::RecvTimeoutError::Disconnected) => Err(ClientError::Shutdown),
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
            .map_err(|_| UpdateError::UnknownPoint { ca, ioa })?;
        let _ = self.waker.wake();
        Ok(())
    }

    fn shutdown(&mut self) {
        let _ = self.commands.send(Command::Shutdown);
        let _ = self.waker.wake();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Line {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn run<S: Source + Read + io::Write>(
    mut poll: Poll,
    mut stream: S,
    mut runner: Runner,
    commands: &Receiver<Command>,
    events: &Sender<LineEvent>,
) {
    let origin = std::time::Instant::now();
    let mut poll_events = Events::with_capacity(16);
    let mut waiting: HashMap<
        (u16, station::RequestId),
        Sender<Result<RequestResult, ClientError>>,
    > = HashMap::new();
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let now = instant_since(origin);
        while let Ok(cmd) = commands.try_recv() {
            match cmd {
                Command::Shutdown => return,
                Command::Request(address, request, reply) => {
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
                Command::Event(ca, ioa, value) => {
                    runner.queue_event(now, &[InfoObject::new(ioa, value)], ca);
                }
            }
        }
        if runner.poll_timeout().is_some_and(|t| t <= now) {
            runner.handle_timeout(now);
        }
        out.extend(runner.take_output());
        if flush(&mut stream, &mut out).is_err() {
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
        let timeout = runner
            .poll_timeout()
            .map_or(Duration::from_millis(100), |t| until(now, t))
            .min(Duration::from_millis(100));
        if poll_for(&mut poll, &mut poll_events, Some(timeout)).is_err() {
            return;
        }
        loop {
            match stream.read(&mut buf) {
                Ok(0) => {
                    runner.connection_lost();
                    return;
                }
                Ok(n) => runner.handle_input(instant_since(origin), buf.get(..n).unwrap_or(&[])),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => {
                    runner.connection_lost();
                    return;
                }
            }
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
    /// Run the master over `stream` (a [`mio_serial::SerialStream`] from [`open_serial`], or
    /// a [`mio::net::TcpStream`] to a terminal server) on a new thread.
    ///
    /// # Errors
    /// A refused configuration, or creating the poll instance or thread failed.
    pub fn over<S>(stream: S, config: &LineConfig, echo: bool) -> io::Result<(Master, LineEvents)>
    where
        S: Source + Read + io::Write + Send + 'static,
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
    pub fn request(
        &self,
        address: u16,
        request: Request,
        timeout: Duration,
    ) -> Result<RequestResult, ClientError> {
        self.line.request(address, request, timeout)
    }

    /// Stop the line's thread and wait for it.
    pub fn shutdown(mut self) {
        self.line.shutdown();
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
    /// Serve `db` over `stream` on a new thread; `handler` decides on commands.
    ///
    /// # Errors
    /// A refused configuration, or creating the poll instance or thread failed.
    pub fn over<S>(
        stream: S,
        config: &LineConfig,
        db: Database,
        handler: impl CommandHandler,
        echo: bool,
    ) -> io::Result<(Slave, LineEvents)>
    where
        S: Source + Read + io::Write + Send + 'static,
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

    /// Stop the line's thread and wait for it.
    pub fn shutdown(mut self) {
        self.line.shutdown();
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
    /// Run the station over `stream` on a new thread.
    ///
    /// # Errors
    /// A refused configuration, or creating the poll instance or thread failed.
    pub fn over<S>(
        stream: S,
        config: &LineConfig,
        db: Database,
        handler: impl CommandHandler,
        echo: bool,
    ) -> io::Result<(Balanced, LineEvents)>
    where
        S: Source + Read + io::Write + Send + 'static,
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
    pub fn request(
        &self,
        request: Request,
        timeout: Duration,
    ) -> Result<RequestResult, ClientError> {
        self.line.request(self.remote, request, timeout)
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

    /// Stop the line's thread and wait for it.
    pub fn shutdown(mut self) {
        self.line.shutdown();
    }
}
