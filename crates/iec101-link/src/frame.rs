//! FT1.2 frames (IEC 60870-5-1 clause 6.2.4.2, format class FT1.2) and a stream decoder.
//!
//! Three frame kinds exist on the line:
//!
//! - fixed length: `0x10 C A.. CS 0x16` (no user data),
//! - variable length: `0x68 L L 0x68 C A.. data.. CS 0x16`, where `L` counts the control
//!   field, the address field and the user data (so `L <= 255`),
//! - the single character `0xE5` (used as ACK / "no data"; the other single character of the
//!   format class, `0xA2`, is not used by IEC 60870-5-101 and is treated as garbage).
//!
//! The link address field has 0, 1 or 2 octets (fixed per system, IEC 60870-5-101 clause 7.2.4),
//! little-endian. The checksum is the arithmetic sum modulo 256 of C, A and the user data.

use core::fmt;
use core::time::Duration;

use telecontrol_core::{EncodeError, Instant, Writer};

/// Start character of a fixed-length frame.
pub const START_FIXED: u8 = 0x10;
/// Start character of a variable-length frame (sent twice).
pub const START_VARIABLE: u8 = 0x68;
/// End character of fixed and variable frames.
pub const END: u8 = 0x16;
/// The single control character used by IEC 60870-5-101 (ACK, or NACK "no data").
pub const SINGLE_ACK: u8 = 0xE5;
/// The longest FT1.2 frame: `0x68 L L 0x68` + 255 octets + `CS 0x16`.
pub const MAX_FRAME_LEN: usize = 261;

/// Size of the link address field (IEC 60870-5-101 clause 7.2.4: a fixed system parameter).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AddressSize {
    /// No address field (balanced point-to-point only).
    None,
    /// One octet (addresses 0..=255, broadcast 255).
    One,
    /// Two octets, little-endian (addresses 0..=65535, broadcast 65535).
    Two,
}

impl AddressSize {
    /// Octets of the address field.
    #[must_use]
    pub const fn octets(self) -> usize {
        match self {
            AddressSize::None => 0,
            AddressSize::One => 1,
            AddressSize::Two => 2,
        }
    }

    /// The largest address the field can carry; in unbalanced mode it is the broadcast
    /// address ("all ones", IEC 60870-5-2 clause 4.3 / 101 clause 7.2.4).
    #[must_use]
    pub const fn max_address(self) -> u16 {
        match self {
            AddressSize::None => 0,
            AddressSize::One => 0xFF,
            AddressSize::Two => 0xFFFF,
        }
    }

    /// Octets of a fixed-length frame with this address size.
    #[must_use]
    pub const fn fixed_frame_len(self) -> usize {
        match self {
            AddressSize::None => 4,
            AddressSize::One => 5,
            AddressSize::Two => 6,
        }
    }

    /// The most user data octets a variable-length frame can carry (`255 - 1 - address`).
    #[must_use]
    pub const fn max_user_data(self) -> usize {
        match self {
            AddressSize::None => 254,
            AddressSize::One => 253,
            AddressSize::Two => 252,
        }
    }
}

/// One FT1.2 frame, borrowing its user data from the decoded bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Frame<'a> {
    /// Fixed-length frame: control field and link address, no user data.
    Fixed {
        /// The raw control field (see [`crate::ControlField`]).
        control: u8,
        /// The link address (0 when the address field is empty).
        address: u16,
    },
    /// Variable-length frame carrying link user data (an ASDU).
    Variable {
        /// The raw control field (see [`crate::ControlField`]).
        control: u8,
        /// The link address (0 when the address field is empty).
        address: u16,
        /// The link user data.
        data: &'a [u8],
    },
    /// The single character `0xE5`.
    SingleAck,
}

/// Why bytes are not a valid FT1.2 frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FrameError {
    /// More octets are needed: `needed` is the total frame length known so far (a lower bound
    /// until the length field has been read).
    Incomplete {
        /// Octets available.
        available: usize,
        /// Octets the frame needs in total.
        needed: usize,
    },
    /// The first octet is not a start character (0x10, 0x68, 0xE5).
    BadStart {
        /// Offset of the octet.
        offset: usize,
        /// The octet.
        value: u8,
    },
    /// The two length octets of a variable frame differ.
    LengthMismatch {
        /// Offset of the second length octet.
        offset: usize,
        /// First length octet.
        first: u8,
        /// Second length octet.
        second: u8,
    },
    /// The length is too small to hold the control and address fields.
    LengthTooShort {
        /// Offset of the length octet.
        offset: usize,
        /// The length.
        value: u8,
    },
    /// The fourth octet of a variable frame is not 0x68.
    BadSecondStart {
        /// Offset (3).
        offset: usize,
        /// The octet.
        value: u8,
    },
    /// The checksum octet does not match the sum of C, A and data.
    Checksum {
        /// Offset of the checksum octet.
        offset: usize,
        /// The computed sum.
        expected: u8,
        /// The octet received.
        found: u8,
    },
    /// The last octet is not 0x16.
    BadEnd {
        /// Offset of the octet.
        offset: usize,
        /// The octet.
        value: u8,
    },
    /// The line was idle too long inside a frame (see [`idle_timeout_for_baud`]).
    IdleTimeout {
        /// Octets of the partial frame received before the gap.
        received: usize,
    },
}

impl FrameError {
    /// True for [`FrameError::Incomplete`]: not an error yet, wait for more octets.
    #[must_use]
    pub const fn is_incomplete(&self) -> bool {
        matches!(self, FrameError::Incomplete { .. })
    }
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            FrameError::Incomplete { available, needed } => {
                write!(f, "incomplete frame: {available} of {needed} octets")
            }
            FrameError::BadStart { offset, value } => {
                write!(f, "no start character at offset {offset}: 0x{value:02X}")
            }
            FrameError::LengthMismatch {
                offset,
                first,
                second,
            } => write!(
                f,
                "length octets differ at offset {offset}: {first} and {second}"
            ),
            FrameError::LengthTooShort { offset, value } => {
                write!(f, "length {value} at offset {offset} too short for C and A")
            }
            FrameError::BadSecondStart { offset, value } => {
                write!(
                    f,
                    "second start character at offset {offset} is 0x{value:02X}"
                )
            }
            FrameError::Checksum {
                offset,
                expected,
                found,
            } => write!(
                f,
                "checksum at offset {offset}: computed 0x{expected:02X}, received 0x{found:02X}"
            ),
            FrameError::BadEnd { offset, value } => {
                write!(f, "end character at offset {offset} is 0x{value:02X}")
            }
            FrameError::IdleTimeout { received } => {
                write!(f, "line idle inside a frame after {received} octets")
            }
        }
    }
}

impl core::error::Error for FrameError {}

/// The arithmetic sum modulo 256 of `bytes` (the FT1.2 checksum).
#[must_use]
pub fn checksum(bytes: &[u8]) -> u8 {
    bytes.iter().fold(0u8, |acc, b| acc.wrapping_add(*b))
}

fn octet(bytes: &[u8], offset: usize, needed: usize) -> Result<u8, FrameError> {
    bytes.get(offset).copied().ok_or(FrameError::Incomplete {
        available: bytes.len(),
        needed,
    })
}

fn read_address(field: &[u8]) -> u16 {
    match *field {
        [a] => u16::from(a),
        [lo, hi] => u16::from_le_bytes([lo, hi]),
        _ => 0,
    }
}

impl<'a> Frame<'a> {
    /// Decode one frame from the start of `bytes`; returns it with the octets it occupies.
    /// Octets after the frame are left alone.
    ///
    /// # Errors
    /// [`FrameError::Incomplete`] if `bytes` holds only the beginning of a frame (wait for
    /// more); any other [`FrameError`] if the bytes are not a valid frame (with the offset).
    pub fn decode(
        bytes: &'a [u8],
        address_size: AddressSize,
    ) -> Result<(Frame<'a>, usize), FrameError> {
        let asize = address_size.octets();
        let start = octet(bytes, 0, 1)?;
        match start {
            SINGLE_ACK => Ok((Frame::SingleAck, 1)),
            START_FIXED => {
                let total = address_size.fixed_frame_len();
                let body = bytes
                    .get(1..total.saturating_sub(2))
                    .ok_or(FrameError::Incomplete {
                        available: bytes.len(),
                        needed: total,
                    })?;
                let (control, address) = split_control_address(body, asize);
                check_tail(bytes, body, total)?;
                Ok((Frame::Fixed { control, address }, total))
            }
            START_VARIABLE => {
                let l1 = octet(bytes, 1, 4)?;
                let l2 = octet(bytes, 2, 4)?;
                if l1 != l2 {
                    return Err(FrameError::LengthMismatch {
                        offset: 2,
                        first: l1,
                        second: l2,
                    });
                }
                let s2 = octet(bytes, 3, 4)?;
                if s2 != START_VARIABLE {
                    return Err(FrameError::BadSecondStart {
                        offset: 3,
                        value: s2,
                    });
                }
                let l = usize::from(l1);
                if l < 1usize.saturating_add(asize) {
                    return Err(FrameError::LengthTooShort {
                        offset: 1,
                        value: l1,
                    });
                }
                let total = l.saturating_add(6);
                let body = bytes
                    .get(4..l.saturating_add(4))
                    .ok_or(FrameError::Incomplete {
                        available: bytes.len(),
                        needed: total,
                    })?;
                let (control, address) = split_control_address(body, asize);
                check_tail(bytes, body, total)?;
                let data = body.get(1usize.saturating_add(asize)..).unwrap_or(&[]);
                Ok((
                    Frame::Variable {
                        control,
                        address,
                        data,
                    },
                    total,
                ))
            }
            value => Err(FrameError::BadStart { offset: 0, value }),
        }
    }

    /// Octets [`encode`](Frame::encode) writes for this frame.
    #[must_use]
    pub fn encoded_len(&self, address_size: AddressSize) -> usize {
        match self {
            Frame::SingleAck => 1,
            Frame::Fixed { .. } => address_size.fixed_frame_len(),
            Frame::Variable { data, .. } => data
                .len()
                .saturating_add(address_size.octets())
                .saturating_add(7),
        }
    }

    /// Encode into the start of `out`; returns the octets written.
    ///
    /// # Errors
    /// [`EncodeError::BufferTooSmall`] if `out` is shorter than
    /// [`encoded_len`](Frame::encoded_len) (`out` is then untouched);
    /// [`EncodeError::InvalidValue`] if the address does not fit `address_size` or the user
    /// data is longer than [`AddressSize::max_user_data`].
    pub fn encode(&self, address_size: AddressSize, out: &mut [u8]) -> Result<usize, EncodeError> {
        let (control, address, data) = match *self {
            Frame::SingleAck => (0, 0, None),
            Frame::Fixed { control, address } => (control, address, None),
            Frame::Variable {
                control,
                address,
                data,
            } => (control, address, Some(data)),
        };
        if address > address_size.max_address() {
            return Err(EncodeError::InvalidValue {
                field: "link address",
            });
        }
        if data.is_some_and(|d| d.len() > address_size.max_user_data()) {
            return Err(EncodeError::InvalidValue {
                field: "user data length",
            });
        }
        let needed = self.encoded_len(address_size);
        let available = out.len();
        let dst = out
            .get_mut(..needed)
            .ok_or(EncodeError::BufferTooSmall { needed, available })?;
        let mut w = Writer::new(dst);
        let addr = address.to_le_bytes();
        let addr = addr.get(..address_size.octets()).unwrap_or(&[]);
        match data {
            None if matches!(self, Frame::SingleAck) => w.write_u8(SINGLE_ACK)?,
            None => {
                w.write_u8(START_FIXED)?;
                w.write_u8(control)?;
                w.write_bytes(addr)?;
                w.write_u8(control.wrapping_add(checksum(addr)))?;
                w.write_u8(END)?;
            }
            Some(data) => {
                let l = u8::try_from(data.len().saturating_add(1).saturating_add(addr.len()))
                    .map_err(|_| EncodeError::InvalidValue {
                        field: "user data length",
                    })?;
                w.write_bytes(&[START_VARIABLE, l, l, START_VARIABLE, control])?;
                w.write_bytes(addr)?;
                w.write_bytes(data)?;
                let cs = control
                    .wrapping_add(checksum(addr))
                    .wrapping_add(checksum(data));
                w.write_u8(cs)?;
                w.write_u8(END)?;
            }
        }
        Ok(w.position())
    }

    /// The raw control field, if the frame has one.
    #[must_use]
    pub const fn control(&self) -> Option<u8> {
        match self {
            Frame::Fixed { control, .. } | Frame::Variable { control, .. } => Some(*control),
            Frame::SingleAck => None,
        }
    }

    /// The link address, if the frame has one.
    #[must_use]
    pub const fn address(&self) -> Option<u16> {
        match self {
            Frame::Fixed { address, .. } | Frame::Variable { address, .. } => Some(*address),
            Frame::SingleAck => None,
        }
    }
}

fn split_control_address(body: &[u8], asize: usize) -> (u8, u16) {
    let control = body.first().copied().unwrap_or(0);
    let addr = body.get(1..1usize.saturating_add(asize)).unwrap_or(&[]);
    (control, read_address(addr))
}

/// Checks the checksum (after `body`, which starts at offset 1 or 4) and the end character.
fn check_tail(bytes: &[u8], body: &[u8], total: usize) -> Result<(), FrameError> {
    let cs_off = total.saturating_sub(2);
    let end_off = total.saturating_sub(1);
    let found = octet(bytes, cs_off, total)?;
    let end = octet(bytes, end_off, total)?;
    let expected = checksum(body);
    if found != expected {
        return Err(FrameError::Checksum {
            offset: cs_off,
            expected,
            found,
        });
    }
    if end != END {
        return Err(FrameError::BadEnd {
            offset: end_off,
            value: end,
        });
    }
    Ok(())
}

/// The longest line idle interval accepted between two characters of one frame, as a
/// receiver that time-stamps each delivered character can measure it.
///
/// IEC 60870-5-1 clause 6.2.4.2 (FT1.2 transmission rules): a sender transmits the characters
/// of a frame with no line idle between them (R3), and after an error a line idle of at least
/// 33 bits separates frames (R4), which is what lets receivers resynchronise. A receiver
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
