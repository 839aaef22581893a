//! The FT1.2 stream decoder: frames out of a byte stream of any chunking, with
//! resynchronisation and the line idle rule (IEC 60870-5-1 clause 6.2.4.2).

use core::time::Duration;

use telecontrol_core::Instant;

use crate::frame::{
    AddressSize, Frame, FrameError, MAX_FRAME_LEN, SINGLE_ACK, START_FIXED, START_VARIABLE,
};

/// The longest line idle interval accepted between two characters of one frame, as a
/// receiver that time-stamps each delivered character can measure it.
///
/// IEC 60870-5-1 clause 6.2.4.2 (FT1.2 transmission rules, as this crate reads them; the
/// standard's text was not at hand to check the exact wording): a sender transmits the
/// characters of a frame with no line idle between them, and after an error a line idle of at
/// least 33 bits separates frames, which is what lets receivers resynchronise. A receiver
/// therefore treats idle of more than 33 bit times inside a frame as the end of a broken
/// frame. Octets reach a sans-IO core time-stamped at the *end* of each character, so the
/// interval between two stamps is the idle plus one character: this helper returns
/// `33 bits + 1 character` (`bits_per_char` is 11 for the 8E1 format FT1.2 prescribes),
/// rounded up to whole microseconds. Adapters behind OS serial drivers or USB adapters
/// should add their delivery jitter (often milliseconds) on top.
///
/// Returns [`Duration::MAX`] (never time out) for a baud rate of 0.
#[must_use]
pub fn idle_timeout_for_baud(baud: u32, bits_per_char: u8) -> Duration {
    if baud == 0 {
        return Duration::MAX;
    }
    let bits = 33u64.saturating_add(u64::from(bits_per_char));
    let micros = bits.saturating_mul(1_000_000).div_ceil(u64::from(baud));
    Duration::from_micros(micros)
}

/// What [`FrameDecoder::handle_input`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decoded<'a> {
    /// A complete, valid frame.
    Frame(Frame<'a>),
    /// Octets dropped while resynchronising: garbage before a start character, a frame whose
    /// checks failed (`reason`), or a partial frame after the line went idle.
    Discarded {
        /// Octets dropped.
        octets: usize,
        /// Why.
        reason: FrameError,
    },
}

/// A stream decoder: accepts octets in chunks of any size, yields frames, and resynchronises
/// on the next start character after garbage or a broken frame.
///
/// The decoder copies only the octets of the current candidate frame into its own buffer
/// (at most [`MAX_FRAME_LEN`]), never more than the frame needs, so its output is independent
/// of how the stream is chunked.
#[derive(Clone, Debug)]
pub struct FrameDecoder {
    buf: [u8; MAX_FRAME_LEN],
    len: usize,
    address_size: AddressSize,
    idle_timeout: Option<Duration>,
    last_rx: Option<Instant>,
    discarded_total: u64,
    rescan: bool,
    front: usize,
}

impl FrameDecoder {
    /// A decoder for `address_size`; `idle_timeout` drops a partial frame when the gap
    /// between two deliveries exceeds it (see [`idle_timeout_for_baud`]; `None` disables).
    #[must_use]
    pub const fn new(address_size: AddressSize, idle_timeout: Option<Duration>) -> Self {
        FrameDecoder {
            buf: [0; MAX_FRAME_LEN],
            len: 0,
            address_size,
            idle_timeout,
            last_rx: None,
            discarded_total: 0,
            rescan: false,
            front: 0,
        }
    }

    /// Octets discarded since creation.
    #[must_use]
    pub const fn discarded_total(&self) -> u64 {
        self.discarded_total
    }

    /// Octets of a partial frame held.
    #[must_use]
    pub const fn buffered(&self) -> usize {
        self.len.saturating_sub(self.front)
    }

    /// When a held partial frame times out, if one is held and an idle timeout is set.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        if self.buffered() == 0 {
            return None;
        }
        Some(self.last_rx?.saturating_add(self.idle_timeout?))
    }

    /// Drop a partial frame whose idle timeout has passed.
    pub fn handle_timeout(&mut self, now: Instant) -> Option<Decoded<'static>> {
        let due = self.poll_timeout()?;
        if due < now {
            Some(self.drop_partial())
        } else {
            None
        }
    }

    fn drop_partial(&mut self) -> Decoded<'static> {
        let octets = self.buffered();
        self.len = 0;
        self.front = 0;
        self.rescan = false;
        self.count(octets);
        Decoded::Discarded {
            octets,
            reason: FrameError::IdleTimeout { received: octets },
        }
    }

    fn count(&mut self, n: usize) {
        self.discarded_total = self
            .discarded_total
            .saturating_add(u64::try_from(n).unwrap_or(u64::MAX));
    }

    /// Feed octets received at `now`. Returns how many octets of `input` were consumed and
    /// what was found, if anything. Call again with the rest of the input (and once more with
    /// an empty slice after a `Discarded`, which may leave a complete frame buffered) until it
    /// returns `(0, None)`. A returned frame borrows the decoder until the next call.
    pub fn handle_input(&mut self, now: Instant, input: &[u8]) -> (usize, Option<Decoded<'_>>) {
        if self.front > 0 {
            self.buf.copy_within(self.front.min(self.len)..self.len, 0);
            self.len = self.len.saturating_sub(self.front);
            self.front = 0;
        }
        if !input.is_empty() {
            if let (Some(last), Some(idle)) = (self.last_rx, self.idle_timeout)
                && self.len > 0
                && now.saturating_duration_since(last) > idle
            {
                return (0, Some(self.drop_partial()));
            }
            self.last_rx = Some(now);
        }
        let mut consumed = 0usize;
        if self.len == 0 {
            // Skip to the next start character.
            let skip = input
                .iter()
                .position(|b| matches!(*b, START_FIXED | START_VARIABLE | SINGLE_ACK))
                .unwrap_or(input.len());
            if skip > 0 {
                self.count(skip);
                let value = input.first().copied().unwrap_or(0);
                return (
                    skip,
                    Some(Decoded::Discarded {
                        octets: skip,
                        reason: FrameError::BadStart { offset: 0, value },
                    }),
                );
            }
            if input.first() == Some(&SINGLE_ACK) {
                return (1, Some(Decoded::Frame(Frame::SingleAck)));
            }
        }
        loop {
            if self.len == 0 && consumed >= input.len() {
                return (consumed, None);
            }
            let held = self.buf.get(..self.len).unwrap_or(&[]);
            let needed = match Frame::decode(held, self.address_size) {
                Ok((_, n)) => {
                    self.front = n;
                    self.rescan = self.len > n;
                    let bytes = self.buf.get(..n).unwrap_or(&[]);
                    return match Frame::decode(bytes, self.address_size) {
                        Ok((frame, _)) => (consumed, Some(Decoded::Frame(frame))),
                        Err(reason) => (consumed, Some(Decoded::Discarded { octets: n, reason })),
                    };
                }
                Err(FrameError::Incomplete { needed, .. }) if self.len > 0 => needed,
                Err(FrameError::Incomplete { .. }) => 1,
                Err(reason) => return (consumed, Some(self.resync(reason))),
            };
            let want = needed.saturating_sub(self.len);
            let rest = input.get(consumed..).unwrap_or(&[]);
            let take = want.min(rest.len());
            if take == 0 {
                return (consumed, None);
            }
            let end = self.len.saturating_add(take);
            match (self.buf.get_mut(self.len..end), rest.get(..take)) {
                (Some(dst), Some(src)) => dst.copy_from_slice(src),
                _ => {
                    return (
                        consumed,
                        Some(self.resync(FrameError::LengthTooShort {
                            offset: 1,
                            value: 0,
                        })),
                    );
                }
            }
            self.len = end;
            consumed = consumed.saturating_add(take);
        }
    }

    /// Drop the held frame's start character and everything up to the next start character
    /// in the held octets.
    fn resync(&mut self, reason: FrameError) -> Decoded<'static> {
        let held = self.buf.get(1..self.len).unwrap_or(&[]);
        let next = held
            .iter()
            .position(|b| matches!(*b, START_FIXED | START_VARIABLE | SINGLE_ACK))
            .map_or(self.len, |p| p.saturating_add(1));
        self.buf.copy_within(next..self.len, 0);
        self.len = self.len.saturating_sub(next);
        self.rescan = self.len > 0;
        self.count(next);
        Decoded::Discarded {
            octets: next,
            reason,
        }
    }

    /// True when octets are held that may already form a frame: call
    /// [`handle_input`](FrameDecoder::handle_input) with an empty slice.
    #[must_use]
    pub const fn needs_rescan(&self) -> bool {
        self.rescan
    }
}
