//! `--pcap FILE`: record a command's own TCP traffic without touching the adapters.
//!
//! A [`Capture`] owns one pcap file and the recording relays in front of the command's
//! sockets. For a client command the tool connects to a relay on 127.0.0.1 (an ephemeral
//! port) that connects to the real target ([`Capture::client`]); for a server command the
//! real server binds an internal 127.0.0.1 port and the relay listens on the user's address
//! ([`Capture::server`]). The relay copies bytes both ways unchanged and records each read as
//! one TCP segment of the user-facing connection, with its real addresses and ports, into
//! the one file ([`capture::TcpFlows`] behind a buffered writer: memory stays
//! bounded however long the command runs). [`Capture::finish`] waits briefly for the
//! connections' ends (FIN) and flushes the file; commands call it when they stop (Ctrl-C,
//! `--duration`, the end of the demo).

mod cli;
mod gateway;
mod relay;

pub use cli::{PcapArg, PcapGuard};
pub use gateway::relay_gateway;
pub use relay::Relay;

use anyhow::{Context, Result};
use capture::{FlowId, Side, TcpFlows};
use std::fs::File;
use std::io::BufWriter;
use std::net::{SocketAddr, TcpListener, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// How often the file is flushed while the command runs (a crash loses at most this much).
const FLUSH_EVERY: Duration = Duration::from_secs(1);

/// How long [`Capture::finish`] waits for open connections to close.
const FINISH_WAIT: Duration = Duration::from_secs(2);

/// One pcap file being written by relays.
#[derive(Clone, Debug)]
pub struct Recorder {
    inner: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    state: Mutex<State>,
    /// Connections relayed and not yet ended in both directions.
    active: AtomicUsize,
}

#[derive(Debug)]
struct State {
    flows: Option<TcpFlows<BufWriter<File>>>,
    last_flush: Instant,
    error: Option<String>,
}

impl Recorder {
    /// Create (or truncate) `path` and write the pcap header.
    ///
    /// # Errors
    /// The file cannot be created or written.
    pub fn create(path: &Path) -> Result<Recorder> {
        let file =
            File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
        let flows = TcpFlows::new(BufWriter::with_capacity(64 * 1024, file))
            .with_context(|| format!("cannot write {}", path.display()))?;
        Ok(Recorder {
            inner: Arc::new(Shared {
                state: Mutex::new(State {
                    flows: Some(flows),
                    last_flush: Instant::now(),
                    error: None,
                }),
                active: AtomicUsize::new(0),
            }),
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.inner
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Record with the file, if still open; the first write error stops the recording.
    fn with<T>(
        &self,
        f: impl FnOnce(&mut TcpFlows<BufWriter<File>>, Duration) -> std::io::Result<T>,
    ) -> Option<T> {
        let mut s = self.lock();
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or(Duration::ZERO);
        let flows = s.flows.as_mut()?;
        let mut r = f(flows, now);
        if r.is_ok() && s.last_flush.elapsed() >= FLUSH_EVERY {
            s.last_flush = Instant::now();
            if let Some(fl) = s.flows.as_mut()
                && let Err(e) = fl.flush()
            {
                r = Err(e);
            }
        }
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                tracing::warn!("pcap: recording stopped: {e}");
                s.error = Some(e.to_string());
                s.flows = None;
                None
            }
        }
    }

    fn open(&self, client: SocketAddr, server: SocketAddr) -> Option<FlowId> {
        self.with(|f, now| f.open(now, client, server))
    }

    fn send(&self, flow: FlowId, from: Side, data: &[u8]) {
        self.with(|f, now| f.send(now, flow, from, data));
    }

    fn close(&self, flow: FlowId, from: Side) {
        self.with(|f, now| f.close(now, flow, from));
    }

    fn reset(&self, flow: FlowId, from: Side) {
        self.with(|f, now| f.reset(now, flow, from));
    }

    /// Frames written so far.
    #[must_use]
    pub fn frames(&self) -> u64 {
        self.lock().flows.as_ref().map_or(0, TcpFlows::frames)
    }

    /// Flush and close the file: later segments are not recorded. Returns the frames
    /// written.
    ///
    /// # Errors
    /// The first write error, or the final flush's.
    pub fn finish(&self) -> Result<u64> {
        let mut s = self.lock();
        if let Some(e) = &s.error {
            anyhow::bail!("writing the capture failed: {e}");
        }
        let Some(flows) = s.flows.take() else {
            return Ok(0);
        };
        let frames = flows.frames();
        let mut w = flows.into_inner().context("flushing the capture")?;
        std::io::Write::flush(&mut w).context("flushing the capture")?;
        Ok(frames)
    }
}

/// `--pcap FILE` of one command: the file and the relays in front of its sockets.
#[derive(Debug)]
pub struct Capture {
    path: PathBuf,
    recorder: Recorder,
    relays: Vec<Relay>,
}

impl Capture {
    /// Start recording into `path`.
    ///
    /// # Errors
    /// The file cannot be created.
    pub fn start(path: &Path) -> Result<Capture> {
        Ok(Capture {
            path: path.to_path_buf(),
            recorder: Recorder::create(path)?,
            relays: Vec::new(),
        })
    }

    /// The file.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The recorder (frames so far).
    #[must_use]
    pub fn recorder(&self) -> &Recorder {
        &self.recorder
    }

    /// For a client command: a relay on 127.0.0.1 that connects to `target` for each
    /// connection it accepts. Returns the address the command must connect to.
    ///
    /// # Errors
    /// `target` does not resolve, or no local port can be bound.
    pub fn client(&mut self, target: impl ToSocketAddrs) -> Result<SocketAddr> {
        let target = target
            .to_socket_addrs()
            .context("resolving the target address")?
            .next()
            .context("the target address resolves to nothing")?;
        let relay = Relay::client(self.recorder.clone(), target)?;
        let addr = relay.local_addr();
        self.relays.push(relay);
        Ok(addr)
    }

    /// For a server command: a relay listening on `public` (the user's address) that
    /// forwards each connection to an internal 127.0.0.1 port. Returns the internal address
    /// the real server must bind.
    ///
    /// # Errors
    /// `public` cannot be bound, or no internal port is free.
    pub fn server(&mut self, public: SocketAddr) -> Result<SocketAddr> {
        let internal = free_local_port()?;
        let relay = Relay::server(self.recorder.clone(), public, internal)
            .with_context(|| format!("cannot listen on {public}"))?;
        eprintln!(
            "pcap: listening on {} (the server behind it on {internal}), recording to {}",
            relay.local_addr(),
            self.path.display()
        );
        self.relays.push(relay);
        Ok(internal)
    }

    /// The addresses the relays listen on, in the order they were made.
    #[must_use]
    pub fn listening(&self) -> Vec<SocketAddr> {
        self.relays.iter().map(Relay::local_addr).collect()
    }

    /// Stop accepting, wait up to 2 s for the relayed connections to end (so their FINs
    /// are recorded), then flush and close the file. Returns the frames written.
    ///
    /// # Errors
    /// Writing the file failed.
    pub fn finish(self) -> Result<u64> {
        drop(self.relays);
        let until = Instant::now() + FINISH_WAIT;
        while self.recorder.inner.active.load(Ordering::Acquire) > 0 && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(10));
        }
        self.recorder
            .finish()
            .with_context(|| format!("pcap {}", self.path.display()))
    }

    /// [`finish`](Capture::finish) and say on stderr how it went (for the commands).
    pub fn finish_and_report(self) {
        let path = self.path.clone();
        match self.finish() {
            Ok(n) => eprintln!("pcap: {n} frames written to {}", path.display()),
            Err(e) => eprintln!("pcap: {e:#}"),
        }
    }
}

/// An internal 127.0.0.1 port free right now (bound, then released for the server).
fn free_local_port() -> Result<SocketAddr> {
    let l = TcpListener::bind(("127.0.0.1", 0)).context("no free local port")?;
    l.local_addr().context("no free local port")
}

/// `--pcap` for a client command: the address to connect to (the relay's, or `target`
/// itself without `--pcap`) and the capture to finish at the end.
///
/// # Errors
/// The file cannot be created or the relay cannot start.
pub fn for_client(
    pcap: Option<&Path>,
    target: SocketAddr,
) -> Result<(SocketAddr, Option<Capture>)> {
    match pcap {
        None => Ok((target, None)),
        Some(p) => {
            let mut c = Capture::start(p)?;
            let addr = c.client(target)?;
            Ok((addr, Some(c)))
        }
    }
}

/// `--pcap` for a server command: the address the real server must bind (an internal
/// port behind a relay on `bind`, or `bind` itself without `--pcap`) and the capture.
///
/// # Errors
/// The file cannot be created or `bind` cannot be bound.
pub fn for_server(pcap: Option<&Path>, bind: SocketAddr) -> Result<(SocketAddr, Option<Capture>)> {
    match pcap {
        None => Ok((bind, None)),
        Some(p) => {
            let mut c = Capture::start(p)?;
            let addr = c.server(bind)?;
            Ok((addr, Some(c)))
        }
    }
}

#[cfg(test)]
mod tests;
