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

use telecontrol_core::{EncodeError, Writer};

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
    /// The line was idle too long inside a frame (see [`crate::idle_timeout_for_baud`]).
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
