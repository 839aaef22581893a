//! A fault-injecting TCP proxy for robustness tests.
//!
//! [`FaultProxy`] listens on `127.0.0.1:0` and forwards every accepted connection to a target
//! address, both directions, through a seeded, deterministic [`FaultPlan`]: each chunk read
//! from one side may be coalesced with the next one, have a bit flipped, have a few octets
//! duplicated, be delayed, be held back for a while (a stall), be written in several pieces
//! (segmentation), be cut short with the connection closed after a prefix (truncation), or be
//! dropped with the connection (both sides closed), or — reordering across reconnects — have
//! the client side closed at once while the chunk (client→server) is held back and delivered
//! to the server only after a newer connection's first octets reached it, before the old
//! server side closes. The decisions come from a SplitMix64
//! generator seeded from the plan's seed, the connection's number and the direction, so a
//! plan replays the same decisions for the same chunks (the chunking itself depends on the
//! kernel's timing). What was injected is counted in [`FaultCounts`].
//!
//! Bounded: one read buffer of [`CHUNK`] octets per direction (a chunk grows to at most
//! four times that by coalescing and duplication), at most [`FaultPlan::max_connections`]
//! connections at once (further ones are closed on accept). [`FaultProxy::shutdown`] (or
//! dropping the proxy) ends the accept task and every connection task.
//!
//! Corruption and duplication can target any octet, or — with
//! [`FaultTarget::Iec104Apci`] — only the six APCI octets (start, length, control field) of
//! IEC 60870-5-104 frames, tracked on the stream as the sender wrote it. 104 has no checksum
//! of its own (it relies on TCP's), so a flipped bit in an ASDU value is a valid frame with a
//! different value; tests that must tell a loss from a fault target the APCI.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};

/// Octets read at once per direction.
pub const CHUNK: usize = 4096;

/// Which octets corruption and duplication may touch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultTarget {
    /// Any octet of the chunk.
    AnyOctet,
    /// Only the APCI octets (start 0x68, length, four control octets) of 104 frames.
    Iec104Apci,
}

/// Probabilities (per chunk read, 0.0–1.0) and sizes of the faults.
#[derive(Clone, Debug)]
pub struct FaultPlan {
    /// Seed of the decisions.
    pub seed: u64,
    /// Close both sides instead of forwarding the chunk.
    pub drop: f64,
    /// Forward a strict prefix of the chunk, then close both sides.
    pub truncate: f64,
    /// Flip one bit of one octet.
    pub corrupt: f64,
    /// Repeat a run of 1–4 octets in place.
    pub duplicate: f64,
    /// Sleep up to `max_delay` before forwarding.
    pub delay: f64,
    /// Longest delay.
    pub max_delay: Duration,
    /// Stop forwarding this direction for up to `max_stall`, then resume.
    pub stall: f64,
    /// Longest stall.
    pub max_stall: Duration,
    /// Write the chunk in 2–4 pieces with a short pause between them.
    pub split: f64,
    /// Wait up to 5 ms for more octets and forward both reads as one write.
    pub coalesce: f64,
    /// Client→server only: close the client side at once, hold the chunk until a newer
    /// connection forwarded its first octets to the server (at most `max_reorder`), then
    /// write it on the old connection and close that: the old connection's last octets reach
    /// the server after the new connection's first ones.
    pub reorder: f64,
    /// Longest a reordered chunk is held.
    pub max_reorder: Duration,
    /// Octets corruption and duplication may touch.
    pub target: FaultTarget,
    /// Most connections forwarded at once.
    pub max_connections: usize,
    /// Corrupt and duplicate in the client→server direction (toward the target).
    pub alter_upstream: bool,
    /// Corrupt and duplicate in the server→client direction.
    pub alter_downstream: bool,
}

impl FaultPlan {
    /// No faults: every octet forwarded unchanged, in order.
    #[must_use]
    pub fn clean(seed: u64) -> Self {
        FaultPlan {
            seed,
            drop: 0.0,
            truncate: 0.0,
            corrupt: 0.0,
            duplicate: 0.0,
            delay: 0.0,
            max_delay: Duration::from_millis(5),
            stall: 0.0,
            max_stall: Duration::from_millis(300),
            split: 0.0,
            coalesce: 0.0,
            reorder: 0.0,
            max_reorder: Duration::from_millis(500),
            target: FaultTarget::AnyOctet,
            max_connections: 64,
            alter_upstream: true,
            alter_downstream: true,
        }
    }
}

/// What the proxy did so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FaultCounts {
    /// Connections accepted and forwarded.
    pub connections: u64,
    /// Octets written to either side.
    pub octets: u64,
    /// Connections dropped by the proxy.
    pub drops: u64,
    /// Connections closed after a prefix of a chunk.
    pub truncations: u64,
    /// Bits flipped.
    pub corruptions: u64,
    /// Octet runs repeated.
    pub duplications: u64,
    /// Chunks delayed.
    pub delays: u64,
    /// Stalls.
    pub stalls: u64,
    /// Chunks written in pieces.
    pub splits: u64,
    /// Chunks merged with the next read.
    pub coalesces: u64,
    /// Connections whose last client→server chunk was held back ([`FaultPlan::reorder`]).
    pub reorders: u64,
    /// Of those, the ones delivered after a newer connection's first octets (the others
    /// after `max_reorder`).
    pub reorders_overtaken: u64,
    /// Connections with a corruption that a peer then closed (end of stream or error).
    pub corrupted_closed_by_peer: u64,
    /// Connections with a corruption that the proxy dropped or truncated before a peer
    /// reacted.
    pub corrupted_closed_by_proxy: u64,
    /// Connections with a corruption still open at shutdown.
    pub corrupted_open_at_shutdown: u64,
}

#[derive(Default)]
struct Counters {
    connections: AtomicU64,
    octets: AtomicU64,
    drops: AtomicU64,
    truncations: AtomicU64,
    corruptions: AtomicU64,
    duplications: AtomicU64,
    delays: AtomicU64,
    stalls: AtomicU64,
    splits: AtomicU64,
    coalesces: AtomicU64,
    reorders: AtomicU64,
    reorders_overtaken: AtomicU64,
    /// Connections that forwarded client→server octets.
    upstream_started: AtomicU64,
    corrupted_closed_by_peer: AtomicU64,
    corrupted_closed_by_proxy: AtomicU64,
    corrupted_open_at_shutdown: AtomicU64,
}

fn bump(c: &AtomicU64) {
    c.fetch_add(1, Ordering::Relaxed);
}

/// A running fault-injecting proxy.
pub struct FaultProxy {
    local_addr: SocketAddr,
    counters: Arc<Counters>,
    shutdown: watch::Sender<bool>,
    accept: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for FaultProxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FaultProxy")
            .field("local_addr", &self.local_addr)
            .finish_non_exhaustive()
    }
}

impl FaultProxy {
    /// Listen on `127.0.0.1:0` and forward to `target` under `plan`.
    ///
    /// # Errors
    /// The bind error.
    pub async fn start(target: SocketAddr, plan: FaultPlan) -> std::io::Result<FaultProxy> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let local_addr = listener.local_addr()?;
        let counters = Arc::new(Counters::default());
        let (shutdown, rx) = watch::channel(false);
        let accept = tokio::spawn(accept_loop(
            listener,
            target,
            plan,
            Arc::clone(&counters),
            rx,
        ));
        Ok(FaultProxy {
            local_addr,
            counters,
            shutdown,
            accept: Some(accept),
        })
    }

    /// The address clients connect to.
    #[must_use]
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// What was injected so far.
    #[must_use]
    pub fn counts(&self) -> FaultCounts {
        let c = &self.counters;
        let l = |a: &AtomicU64| a.load(Ordering::Relaxed);
        FaultCounts {
            connections: l(&c.connections),
            octets: l(&c.octets),
            drops: l(&c.drops),
            truncations: l(&c.truncations),
            corruptions: l(&c.corruptions),
            duplications: l(&c.duplications),
            delays: l(&c.delays),
            stalls: l(&c.stalls),
            splits: l(&c.splits),
            coalesces: l(&c.coalesces),
            reorders: l(&c.reorders),
            reorders_overtaken: l(&c.reorders_overtaken),
            corrupted_closed_by_peer: l(&c.corrupted_closed_by_peer),
            corrupted_closed_by_proxy: l(&c.corrupted_closed_by_proxy),
            corrupted_open_at_shutdown: l(&c.corrupted_open_at_shutdown),
        }
    }

    /// Stop accepting, close every forwarded connection and wait for every task.
    pub async fn shutdown(mut self) -> FaultCounts {
        let _ = self.shutdown.send(true);
        if let Some(accept) = self.accept.take() {
            let _ = accept.await;
        }
        self.counts()
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
        if let Some(accept) = self.accept.take() {
            accept.abort();
        }
    }
}

async fn accept_loop(
    listener: TcpListener,
    target: SocketAddr,
    plan: FaultPlan,
    counters: Arc<Counters>,
    mut shutdown: watch::Receiver<bool>,
) {
    let plan = Arc::new(plan);
    let mut tasks = JoinSet::new();
    let mut number = 0u64;
    loop {
        tokio::select! {
            _ = shutdown.changed() => break,
            Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
            r = listener.accept() => {
                let Ok((inbound, _)) = r else { continue };
                if tasks.len() >= plan.max_connections {
                    drop(inbound);
                    continue;
                }
                number += 1;
                tasks.spawn(connection(
                    inbound,
                    target,
                    Arc::clone(&plan),
                    number,
                    Arc::clone(&counters),
                    shutdown.clone(),
                ));
            }
        }
    }
    // Every connection task watches the same signal; wait for them, bounded.
    let all = async { while tasks.join_next().await.is_some() {} };
    if tokio::time::timeout(Duration::from_secs(5), all)
        .await
        .is_err()
    {
        tasks.abort_all();
    }
}

/// How one direction ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum End {
    /// End of stream or an I/O error from a peer.
    Peer,
    /// The proxy dropped or truncated.
    Fault,
    /// The proxy closed the client side and holds a client→server chunk.
    Reorder,
    /// Shutdown.
    Shutdown,
}

async fn connection(
    inbound: TcpStream,
    target: SocketAddr,
    plan: Arc<FaultPlan>,
    number: u64,
    counters: Arc<Counters>,
    mut shutdown: watch::Receiver<bool>,
) {
    let outbound = tokio::select! {
        _ = shutdown.changed() => return,
        r = tokio::time::timeout(Duration::from_secs(5), TcpStream::connect(target)) => match r {
            Ok(Ok(s)) => s,
            _ => return,
        },
    };
    let _ = inbound.set_nodelay(true);
    let _ = outbound.set_nodelay(true);
    bump(&counters.connections);
    let corrupted = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (mut in_r, mut in_w) = inbound.into_split();
    let (mut out_r, mut out_w) = outbound.into_split();
    let seed = plan.seed ^ number.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    let mut up = Pump::new(&plan, seed, &counters, &corrupted, plan.alter_upstream);
    up.upstream = true;
    let mut down = Pump::new(
        &plan,
        seed ^ 0xD1B5_4A32_D192_ED03,
        &counters,
        &corrupted,
        plan.alter_downstream,
    );
    let end = tokio::select! {
        e = up.run(&mut in_r, &mut out_w) => e,
        e = down.run(&mut out_r, &mut in_w) => e,
        _ = shutdown.changed() => End::Shutdown,
    };
    if corrupted.load(Ordering::Relaxed) {
        bump(match end {
            End::Peer => &counters.corrupted_closed_by_peer,
            End::Fault | End::Reorder => &counters.corrupted_closed_by_proxy,
            End::Shutdown => &counters.corrupted_open_at_shutdown,
        });
    }
    if end == End::Reorder {
        // The client sees its connection close now; the server gets the held octets on the
        // old connection only after a newer connection's first octets (or the time limit).
        drop((in_r, in_w));
        let held = core::mem::take(&mut up.held);
        bump(&counters.reorders);
        let seen = counters.upstream_started.load(Ordering::Relaxed);
        let overtaken = async {
            while counters.upstream_started.load(Ordering::Relaxed) == seen {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        };
        tokio::select! {
            r = tokio::time::timeout(plan.max_reorder, overtaken) => {
                if r.is_ok() {
                    bump(&counters.reorders_overtaken);
                }
                if out_w.write_all(&held).await.is_ok() {
                    counters.octets.fetch_add(held.len() as u64, Ordering::Relaxed);
                }
            }
            _ = shutdown.changed() => {}
        }
    }
    // Both halves of both sockets drop here: both sides see the connection close.
}

/// SplitMix64.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn chance(&mut self, p: f64) -> bool {
        #[allow(clippy::cast_precision_loss)]
        let u = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        u < p
    }
    /// Uniform in `0..n` (`n` > 0).
    fn below(&mut self, n: usize) -> usize {
        let n64 = u64::try_from(n).unwrap_or(u64::MAX).max(1);
        usize::try_from(self.next() % n64).unwrap_or(0)
    }
    fn duration(&mut self, max: Duration) -> Duration {
        let micros = u64::try_from(max.as_micros()).unwrap_or(u64::MAX).max(1);
        Duration::from_micros(self.next() % micros)
    }
}

/// Tracks 104 frame boundaries on the stream as the sender wrote it.
#[derive(Default)]
struct FrameTracker {
    /// Position in the current frame (0 = expecting the start octet).
    pos: usize,
    /// Total length of the current frame (0 until its length octet was seen).
    len: usize,
}

impl FrameTracker {
    /// Whether each octet of `chunk` is an APCI octet; advances over the chunk.
    fn apci_positions(&mut self, chunk: &[u8], out: &mut Vec<usize>) {
        out.clear();
        for (i, &b) in chunk.iter().enumerate() {
            match self.pos {
                0 if b != 0x68 => continue, // out of step: wait for a start octet
                1 => self.len = usize::from(b) + 2,
                _ => {}
            }
            if self.pos < 6 {
                out.push(i);
            }
            self.pos += 1;
            if self.pos >= 2 && self.pos >= self.len {
                self.pos = 0;
                self.len = 0;
            }
        }
    }
}

struct Pump<'a> {
    plan: &'a FaultPlan,
    rng: Rng,
    counters: &'a Counters,
    corrupted: &'a std::sync::atomic::AtomicBool,
    tracker: FrameTracker,
    /// Corruption and duplication apply to this direction.
    alter: bool,
    /// Client→server: may reorder, counts its first forwarded octets.
    upstream: bool,
    announced: bool,
    /// The chunk held back by a reorder.
    held: Vec<u8>,
}

impl<'a> Pump<'a> {
    fn new(
        plan: &'a FaultPlan,
        seed: u64,
        counters: &'a Counters,
        corrupted: &'a std::sync::atomic::AtomicBool,
        alter: bool,
    ) -> Self {
        Pump {
            plan,
            rng: Rng(seed),
            counters,
            corrupted,
            tracker: FrameTracker::default(),
            alter,
            upstream: false,
            announced: false,
            held: Vec::new(),
        }
    }

    async fn run(&mut self, from: &mut OwnedReadHalf, to: &mut OwnedWriteHalf) -> End {
        let mut buf = vec![0u8; CHUNK];
        let mut chunk: Vec<u8> = Vec::with_capacity(4 * CHUNK);
        let mut targets = Vec::with_capacity(2 * CHUNK);
        let plan = self.plan;
        loop {
            let n = match from.read(&mut buf).await {
                Ok(0) | Err(_) => return End::Peer,
                Ok(n) => n,
            };
            chunk.clear();
            chunk.extend_from_slice(buf.get(..n).unwrap_or_default());
            if self.rng.chance(plan.coalesce) {
                bump(&self.counters.coalesces);
                let more =
                    tokio::time::timeout(Duration::from_millis(5), from.read(&mut buf)).await;
                match more {
                    Ok(Ok(0) | Err(_)) => return End::Peer,
                    Ok(Ok(m)) => chunk.extend_from_slice(buf.get(..m).unwrap_or_default()),
                    Err(_) => {} // nothing more within 5 ms
                }
            }
            if plan.target == FaultTarget::Iec104Apci {
                self.tracker.apci_positions(&chunk, &mut targets);
            } else {
                targets.clear();
                targets.extend(0..chunk.len());
            }
            if self.rng.chance(plan.drop) {
                bump(&self.counters.drops);
                return End::Fault;
            }
            if self.upstream && plan.reorder > 0.0 && self.rng.chance(plan.reorder) {
                self.held = chunk;
                return End::Reorder;
            }
            if chunk.len() >= 2 && self.rng.chance(plan.truncate) {
                bump(&self.counters.truncations);
                let keep = 1 + self.rng.below(chunk.len() - 1);
                let _ = to.write_all(chunk.get(..keep).unwrap_or_default()).await;
                self.announce();
                self.counters
                    .octets
                    .fetch_add(keep as u64, Ordering::Relaxed);
                return End::Fault;
            }
            if !self.alter {
                targets.clear();
            }
            if !targets.is_empty() && self.rng.chance(plan.corrupt) {
                let at = targets.get(self.rng.below(targets.len())).copied();
                let bit = self.rng.below(8);
                if let Some(o) = at.and_then(|i| chunk.get_mut(i)) {
                    *o ^= 1u8 << bit;
                    bump(&self.counters.corruptions);
                    self.corrupted.store(true, Ordering::Relaxed);
                }
            }
            if !targets.is_empty() && self.rng.chance(plan.duplicate) {
                let start = targets.get(self.rng.below(targets.len())).copied();
                if let Some(start) = start {
                    // A run of 1–4 octets, within the APCI when targeting it.
                    let mut end = start + 1 + self.rng.below(4);
                    end = end.min(chunk.len());
                    if plan.target == FaultTarget::Iec104Apci {
                        while end > start + 1 && !targets.contains(&(end - 1)) {
                            end -= 1;
                        }
                    }
                    let run: Vec<u8> = chunk.get(start..end).unwrap_or_default().to_vec();
                    chunk.splice(end..end, run);
                    bump(&self.counters.duplications);
                    self.corrupted.store(true, Ordering::Relaxed);
                }
            }
            if self.rng.chance(plan.delay) {
                bump(&self.counters.delays);
                tokio::time::sleep(self.rng.duration(plan.max_delay)).await;
            }
            if self.rng.chance(plan.stall) {
                bump(&self.counters.stalls);
                tokio::time::sleep(self.rng.duration(plan.max_stall)).await;
            }
            let written = if chunk.len() >= 2 && self.rng.chance(plan.split) {
                bump(&self.counters.splits);
                let pieces = 2 + self.rng.below(3);
                self.write_split(to, &chunk, pieces).await
            } else {
                to.write_all(&chunk).await
            };
            if written.is_err() {
                return End::Peer;
            }
            self.announce();
            self.counters
                .octets
                .fetch_add(chunk.len() as u64, Ordering::Relaxed);
        }
    }

    /// Client→server: the first octets of this connection reached the server.
    fn announce(&mut self) {
        if self.upstream && !self.announced {
            self.announced = true;
            bump(&self.counters.upstream_started);
        }
    }

    async fn write_split(
        &mut self,
        to: &mut OwnedWriteHalf,
        chunk: &[u8],
        pieces: usize,
    ) -> std::io::Result<()> {
        let mut rest = chunk;
        for left in (1..=pieces).rev() {
            let take = if left == 1 || rest.len() <= 1 {
                rest.len()
            } else {
                1 + self.rng.below(rest.len() - 1)
            };
            let (head, tail) = rest.split_at(take);
            to.write_all(head).await?;
            to.flush().await?;
            rest = tail;
            if rest.is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation
)]
mod tests {
    use super::*;

    fn rt() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap()
    }

    /// An echo server; returns its address.
    async fn echo() -> SocketAddr {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((s, _)) = l.accept().await {
                tokio::spawn(async move {
                    let (mut r, mut w) = s.into_split();
                    let _ = tokio::io::copy(&mut r, &mut w).await;
                });
            }
        });
        addr
    }

    /// Send `data` through the proxy to a server that only records; what it received.
    async fn one_way(plan: FaultPlan, data: &[u8]) -> (Vec<u8>, FaultCounts) {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let target = l.local_addr().unwrap();
        let sink = tokio::spawn(async move {
            let (mut s, _) = l.accept().await.unwrap();
            let mut got = Vec::new();
            let _ = tokio::time::timeout(Duration::from_secs(10), s.read_to_end(&mut got)).await;
            got
        });
        let proxy = FaultProxy::start(target, plan).await.unwrap();
        let mut s = TcpStream::connect(proxy.local_addr()).await.unwrap();
        s.write_all(data).await.unwrap();
        s.shutdown().await.unwrap();
        let got = sink.await.unwrap();
        let counts = tokio::time::timeout(Duration::from_secs(10), proxy.shutdown())
            .await
            .expect("proxy shutdown is bounded");
        (got, counts)
    }

    fn pattern(n: usize) -> Vec<u8> {
        (0..n).map(|i| (i * 7 + i / 251) as u8).collect()
    }

    /// Send `data` through the proxy to the echo server; what came back (until close or 3 s
    /// of silence).
    async fn round_trip(plan: FaultPlan, data: &[u8]) -> (Vec<u8>, FaultCounts) {
        let proxy = FaultProxy::start(echo().await, plan).await.unwrap();
        let s = TcpStream::connect(proxy.local_addr()).await.unwrap();
        let (mut r, mut w) = s.into_split();
        let out = data.to_vec();
        let writer = tokio::spawn(async move {
            for piece in out.chunks(1000) {
                if w.write_all(piece).await.is_err() {
                    break;
                }
            }
            w
        });
        let mut got = Vec::new();
        let mut buf = [0u8; 8192];
        while got.len() < data.len() * 2 {
            match tokio::time::timeout(Duration::from_secs(3), r.read(&mut buf)).await {
                Ok(Ok(0) | Err(_)) | Err(_) => break,
                Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
            }
            if got.len() == data.len() && writer.is_finished() {
                break;
            }
        }
        drop(writer.await);
        let counts = tokio::time::timeout(Duration::from_secs(10), proxy.shutdown())
            .await
            .expect("proxy shutdown is bounded");
        (got, counts)
    }

    #[test]
    fn clean_plan_passes_octets_unchanged() {
        rt().block_on(async {
            let data = pattern(200_000);
            let (got, c) = round_trip(FaultPlan::clean(1), &data).await;
            assert_eq!(got, data);
            assert_eq!(c.connections, 1);
            assert_eq!(c.octets, 2 * data.len() as u64);
            assert_eq!(c.drops + c.truncations + c.corruptions + c.duplications, 0);
        });
    }

    #[test]
    fn segmentation_delay_and_stall_keep_octets() {
        rt().block_on(async {
            let data = pattern(100_000);
            let plan = FaultPlan {
                split: 0.5,
                coalesce: 0.3,
                delay: 0.3,
                stall: 0.02,
                max_stall: Duration::from_millis(50),
                ..FaultPlan::clean(2)
            };
            let (got, c) = round_trip(plan, &data).await;
            assert_eq!(got, data);
            assert!(
                c.splits > 0 && c.coalesces > 0 && c.delays > 0 && c.stalls > 0,
                "{c:?}"
            );
        });
    }

    #[test]
    fn corruption_flips_one_bit_per_fault() {
        rt().block_on(async {
            let data = pattern(50_000);
            let plan = FaultPlan {
                corrupt: 1.0,
                ..FaultPlan::clean(3)
            };
            let (got, c) = round_trip(plan, &data).await;
            assert_eq!(got.len(), data.len());
            let flipped: u32 = got
                .iter()
                .zip(&data)
                .map(|(a, b)| (a ^ b).count_ones())
                .sum();
            assert!(c.corruptions > 0);
            // Each chunk is corrupted in both directions; flips may cancel out, never exceed.
            assert!(
                flipped > 0 && u64::from(flipped) <= c.corruptions,
                "{flipped} {c:?}"
            );
        });
    }

    #[test]
    fn duplication_lengthens_the_stream() {
        rt().block_on(async {
            let data = pattern(20_000);
            let plan = FaultPlan {
                duplicate: 1.0,
                ..FaultPlan::clean(4)
            };
            let (got, c) = round_trip(plan, &data).await;
            assert!(c.duplications > 0);
            assert!(got.len() > data.len(), "{} {c:?}", got.len());
        });
    }

    #[test]
    fn drop_and_truncate_close_the_connection() {
        rt().block_on(async {
            let data = pattern(100_000);
            let plan = FaultPlan {
                drop: 0.5,
                ..FaultPlan::clean(5)
            };
            let (got, c) = round_trip(plan, &data).await;
            assert_eq!(c.drops, 1);
            assert!(got.len() < data.len() && data.starts_with(&got));
            let plan = FaultPlan {
                truncate: 1.0,
                ..FaultPlan::clean(6)
            };
            let (got, c) = round_trip(plan, &data).await;
            assert_eq!(c.truncations, 1);
            assert!(got.len() < data.len() && data.starts_with(&got));
        });
    }

    #[test]
    fn apci_target_touches_only_apci_octets() {
        // 104 I-frames with a 10-octet ASDU of 0x00 octets: only the APCI may change.
        let frame = [0x68u8, 14, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        let data: Vec<u8> = frame
            .iter()
            .copied()
            .cycle()
            .take(frame.len() * 2000)
            .collect();
        let mut t = FrameTracker::default();
        let mut pos = Vec::new();
        t.apci_positions(&data[..40], &mut pos);
        assert_eq!(
            pos,
            vec![
                0, 1, 2, 3, 4, 5, 16, 17, 18, 19, 20, 21, 32, 33, 34, 35, 36, 37
            ]
        );
        rt().block_on(async {
            let plan = FaultPlan {
                corrupt: 1.0,
                target: FaultTarget::Iec104Apci,
                ..FaultPlan::clean(7)
            };
            let (got, c) = one_way(plan, &data).await;
            assert!(c.corruptions > 0);
            assert_eq!(got.len(), data.len());
            let mut changed = 0;
            for (i, (a, b)) in got.iter().zip(&data).enumerate() {
                if a != b {
                    changed += 1;
                    assert!(i % frame.len() < 6, "octet {i} outside the APCI changed");
                }
            }
            assert!(changed > 0);
        });
    }

    #[test]
    fn reorder_delivers_the_old_connection_late() {
        // A seed whose first client→server chunk is held on connection 1 and not on
        // connection 2 (the draws per chunk: coalesce, drop, reorder).
        let p = 0.5;
        let held = |seed: u64, number: u64| {
            let mut r = Rng(seed ^ number.wrapping_mul(0x9E37_79B9_7F4A_7C15));
            r.next();
            r.next();
            r.chance(p)
        };
        let seed = (0..1000u64).find(|&s| held(s, 1) && !held(s, 2)).unwrap();
        rt().block_on(async {
            let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let target = l.local_addr().unwrap();
            let arrivals = Arc::new(std::sync::Mutex::new(Vec::new()));
            let log = Arc::clone(&arrivals);
            tokio::spawn(async move {
                let mut n = 0u32;
                while let Ok((mut s, _)) = l.accept().await {
                    n = n.wrapping_add(1);
                    let log = Arc::clone(&log);
                    tokio::spawn(async move {
                        let mut b = [0u8; 64];
                        while let Ok(k) = s.read(&mut b).await {
                            if k == 0 {
                                break;
                            }
                            log.lock().unwrap().push((n, b[..k].to_vec()));
                        }
                    });
                }
            });
            let plan = FaultPlan {
                reorder: p,
                max_reorder: Duration::from_secs(5),
                ..FaultPlan::clean(seed)
            };
            let proxy = FaultProxy::start(target, plan).await.unwrap();
            let mut old = TcpStream::connect(proxy.local_addr()).await.unwrap();
            old.write_all(b"old").await.unwrap();
            let mut b = [0u8; 8];
            let n = tokio::time::timeout(Duration::from_secs(5), old.read(&mut b))
                .await
                .expect("the client side closes at once");
            assert!(matches!(n, Ok(0) | Err(_)));
            let mut new = TcpStream::connect(proxy.local_addr()).await.unwrap();
            new.write_all(b"new").await.unwrap();
            let end = std::time::Instant::now() + Duration::from_secs(5);
            while arrivals.lock().unwrap().len() < 2 {
                assert!(std::time::Instant::now() < end, "{:?}", arrivals.lock());
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            let got = arrivals.lock().unwrap().clone();
            assert_eq!(got, vec![(2, b"new".to_vec()), (1, b"old".to_vec())]);
            let c = tokio::time::timeout(Duration::from_secs(10), proxy.shutdown())
                .await
                .unwrap();
            assert_eq!((c.reorders, c.reorders_overtaken), (1, 1));
        });
    }

    #[test]
    fn shutdown_ends_open_connections() {
        rt().block_on(async {
            let proxy = FaultProxy::start(echo().await, FaultPlan::clean(8))
                .await
                .unwrap();
            let mut s = TcpStream::connect(proxy.local_addr()).await.unwrap();
            s.write_all(b"x").await.unwrap();
            let mut b = [0u8; 1];
            s.read_exact(&mut b).await.unwrap();
            tokio::time::timeout(Duration::from_secs(10), proxy.shutdown())
                .await
                .expect("shutdown is bounded");
            let n = tokio::time::timeout(Duration::from_secs(5), s.read(&mut b))
                .await
                .expect("closed");
            assert!(matches!(n, Ok(0) | Err(_)));
        });
    }
}
