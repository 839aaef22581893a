//! Process-wide counts of what the limits against broken or hostile peers did, over every
//! association a [`Link`](super::Link) drove (servers' and clients'), for monitoring.

use core::sync::atomic::{AtomicU64, Ordering};

use crate::association::{AssocError, CloseReason, Event};

/// How often each limit acted since the process started (see [`limit_counts`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct LimitCounts {
    /// Associations closed because the peer stopped taking our octets
    /// ([`CloseReason::SlowPeer`]).
    pub slow_peer: u64,
    /// Associations closed because nothing was received for the idle timeout
    /// ([`CloseReason::Idle`]).
    pub idle: u64,
    /// Associations closed because the CR, CC, CN, AC or release answer did not come
    /// within the connect timeout ([`CloseReason::Timeout`]).
    pub handshake_timeout: u64,
    /// Associations aborted for a protocol error (TPKT, COTP, TPDU or TSDU too long,
    /// session, presentation, ACSE; [`CloseReason::Protocol`]).
    pub protocol_error: u64,
    /// MMS Rejects sent (malformed or oversized PDUs, more requests than negotiated, ...).
    pub rejects_sent: u64,
    /// Unconfirmed PDUs (reports) refused: the link's send queue would have overflowed
    /// (the association then closes as a slow peer) or the PDU is above the negotiated size
    /// ([`AssocError::TransmitFull`], [`AssocError::PduTooLarge`]).
    pub unconfirmed_refused: u64,
    /// Peer requests left unanswered on purpose because the directory said so
    /// ([`Directory::withhold`](crate::server::Directory::withhold): a test server playing
    /// a peer that never answers).
    pub withheld: u64,
}

static SLOW_PEER: AtomicU64 = AtomicU64::new(0);
static IDLE: AtomicU64 = AtomicU64::new(0);
static HANDSHAKE_TIMEOUT: AtomicU64 = AtomicU64::new(0);
static PROTOCOL_ERROR: AtomicU64 = AtomicU64::new(0);
static REJECTS_SENT: AtomicU64 = AtomicU64::new(0);
static UNCONFIRMED_REFUSED: AtomicU64 = AtomicU64::new(0);
static WITHHELD: AtomicU64 = AtomicU64::new(0);

/// The counts so far.
#[must_use]
pub fn limit_counts() -> LimitCounts {
    let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
    LimitCounts {
        slow_peer: get(&SLOW_PEER),
        idle: get(&IDLE),
        handshake_timeout: get(&HANDSHAKE_TIMEOUT),
        protocol_error: get(&PROTOCOL_ERROR),
        rejects_sent: get(&REJECTS_SENT),
        unconfirmed_refused: get(&UNCONFIRMED_REFUSED),
        withheld: get(&WITHHELD),
    }
}

fn bump(c: &AtomicU64) {
    c.fetch_add(1, Ordering::Relaxed);
}

/// Count what an association event says about the limits.
pub(super) fn count_event(e: &Event<'_>) {
    match e {
        Event::Closed(CloseReason::SlowPeer { .. }) => bump(&SLOW_PEER),
        Event::Closed(CloseReason::Idle) => bump(&IDLE),
        Event::Closed(CloseReason::Timeout) => bump(&HANDSHAKE_TIMEOUT),
        Event::Closed(CloseReason::Protocol(_)) => bump(&PROTOCOL_ERROR),
        Event::RejectSent(_) => bump(&REJECTS_SENT),
        _ => {}
    }
}

/// Count a peer request left unanswered on purpose.
pub(super) fn count_withheld() {
    bump(&WITHHELD);
}

/// Count an unconfirmed PDU the association did not queue.
pub(super) fn count_refused<T>(r: &Result<T, AssocError>) {
    if matches!(
        r,
        Err(AssocError::TransmitFull { .. } | AssocError::PduTooLarge { .. })
    ) {
        bump(&UNCONFIRMED_REFUSED);
    }
}
