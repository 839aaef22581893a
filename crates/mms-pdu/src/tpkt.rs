//! TPKT, the ISO transport service on top of TCP (RFC 1006 section 6): a 4-octet header
//! `03 00 LL LL` (version 3, reserved, big-endian length including the header) before each
//! COTP TPDU.
//!
//! [`Tpkt::decode`] reads exactly one packet; [`next_frame`] splits a TCP byte stream and
//! tells an incomplete packet (wait for more bytes) from a malformed one (close the
//! connection), with a caller-chosen maximum length.

use core::fmt;

use telecontrol_core::{Decode, Encode, EncodeError, Reader, Writer};

/// The TPKT version octet (RFC 1006).
pub const VERSION: u8 = 3;
/// Octets of the TPKT header.
pub const HEADER_LEN: usize = 4;
/// The smallest valid TPKT length: header plus the shortest COTP TPDU (RFC 1006: ≥ 7).
pub const MIN_LEN: usize = 7;
/// The largest length the 16-bit field can carry.
pub const MAX_LEN: usize = 0xFFFF;

/// Why a TPKT is malformed (or cannot be encoded).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TpktError {
    /// The version octet is not 3 (offset 0).
    BadVersion {
        /// The octet found.
        found: u8,
    },
    /// The length field is below [`MIN_LEN`] (offset 2).
    LengthTooShort {
        /// The length found.
        length: usize,
    },
    /// The length field exceeds the configured maximum (offset 2).
    LengthTooLong {
        /// The length found (or needed, when encoding).
        length: usize,
        /// The maximum.
        max: usize,
    },
    /// [`Tpkt::decode`]: fewer octets than the header announces.
    Truncated {
        /// Octets the packet needs.
        needed: usize,
        /// Octets present.
        available: usize,
    },
    /// [`Tpkt::decode`]: more octets than the header announces.
    TrailingData {
        /// Offset of the first surplus octet.
        offset: usize,
    },
}

impl fmt::Display for TpktError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TpktError::BadVersion { found } => write!(f, "TPKT version {found}, expected 3"),
            TpktError::LengthTooShort { length } => {
                write!(f, "TPKT length {length} below the minimum of {MIN_LEN}")
            }
            TpktError::LengthTooLong { length, max } => {
                write!(f, "TPKT length {length} above the maximum of {max}")
            }
            TpktError::Truncated { needed, available } => {
                write!(
                    f,
                    "TPKT truncated: {needed} octets announced, {available} present"
                )
            }
            TpktError::TrailingData { offset } => write!(f, "octets after the TPKT at {offset}"),
        }
    }
}

impl core::error::Error for TpktError {}

/// One TPKT: the payload is a COTP TPDU (RFC 1006 section 6).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tpkt<'a> {
    /// The TPDU carried (everything after the 4-octet header).
    pub payload: &'a [u8],
}

/// The result of looking for one TPKT at the start of a byte stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Framing<'a> {
    /// A whole packet is present.
    Complete {
        /// The packet.
        tpkt: Tpkt<'a>,
        /// Octets it occupies (header included): drop them from the stream.
        consumed: usize,
    },
    /// Not enough octets yet.
    Incomplete {
        /// Total octets the packet needs (4 while the header is incomplete).
        needed: usize,
    },
}

fn check_header(header: [u8; 4], max_len: usize) -> Result<usize, TpktError> {
    let [version, _reserved, hi, lo] = header;
    if version != VERSION {
        return Err(TpktError::BadVersion { found: version });
    }
    let length = usize::from(u16::from_be_bytes([hi, lo]));
    if length < MIN_LEN {
        return Err(TpktError::LengthTooShort { length });
    }
    if length > max_len {
        return Err(TpktError::LengthTooLong {
            length,
            max: max_len,
        });
    }
    Ok(length)
}

/// Find the TPKT at the start of `stream`, accepting lengths up to `max_len` (at most
/// [`MAX_LEN`]; a smaller bound protects a receiver with small buffers).
///
/// The version is checked as soon as the first octet is there, so a peer that does not
/// speak TPKT is detected without waiting for 4 octets.
///
/// # Errors
/// [`TpktError::BadVersion`], [`TpktError::LengthTooShort`] or
/// [`TpktError::LengthTooLong`]: the stream is not TPKT and the connection should be closed.
pub fn next_frame(stream: &[u8], max_len: usize) -> Result<Framing<'_>, TpktError> {
    let mut r = Reader::new(stream);
    let Ok(header) = r.read_array::<HEADER_LEN>() else {
        return match stream.first() {
            Some(&v) if v != VERSION => Err(TpktError::BadVersion { found: v }),
            _ => Ok(Framing::Incomplete { needed: HEADER_LEN }),
        };
    };
    let length = check_header(header, max_len.min(MAX_LEN))?;
    match r.read_bytes(length.saturating_sub(HEADER_LEN)) {
        Ok(payload) => Ok(Framing::Complete {
            tpkt: Tpkt { payload },
            consumed: length,
        }),
        Err(_) => Ok(Framing::Incomplete { needed: length }),
    }
}

impl<'a> Tpkt<'a> {
    /// A packet carrying `payload`.
    #[must_use]
    pub const fn new(payload: &'a [u8]) -> Self {
        Tpkt { payload }
    }
}

impl<'a> Decode<'a> for Tpkt<'a> {
    type Error = TpktError;

    /// Decode exactly one packet (any length up to [`MAX_LEN`]).
    fn decode(input: &'a [u8]) -> Result<Self, TpktError> {
        match next_frame(input, MAX_LEN)? {
            Framing::Complete { tpkt, consumed } if consumed == input.len() => Ok(tpkt),
            Framing::Complete { consumed, .. } => Err(TpktError::TrailingData { offset: consumed }),
            Framing::Incomplete { needed } => Err(TpktError::Truncated {
                needed,
                available: input.len(),
            }),
        }
    }
}

impl Encode for Tpkt<'_> {
    fn encoded_len(&self) -> usize {
        self.payload.len().saturating_add(HEADER_LEN)
    }

    fn write_to(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        let len = u16::try_from(self.encoded_len())
            .ok()
            .filter(|&l| usize::from(l) >= MIN_LEN)
            .ok_or(EncodeError::InvalidValue {
                field: "TPKT length (7..=65535)",
            })?;
        w.write_u8(VERSION)?;
        w.write_u8(0)?;
        w.write_u16_be(len)?;
        w.write_bytes(self.payload)?;
        Ok(())
    }
}

/// Write a TPKT header for a payload of `payload_len` octets, for callers that encode the
/// TPDU in place right after it.
///
/// # Errors
/// [`EncodeError::InvalidValue`] if the total is outside 7..=65535, or a full buffer.
pub fn write_header(w: &mut Writer<'_>, payload_len: usize) -> Result<(), EncodeError> {
    let len = payload_len
        .checked_add(HEADER_LEN)
        .and_then(|l| u16::try_from(l).ok())
        .filter(|&l| usize::from(l) >= MIN_LEN)
        .ok_or(EncodeError::InvalidValue {
            field: "TPKT length (7..=65535)",
        })?;
    w.write_bytes(&[VERSION, 0])?;
    w.write_u16_be(len)?;
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    // CR from the ICCP capture (frame 7).
    const CR: [u8; 19] = [
        0x03, 0x00, 0x00, 0x13, 0x0e, 0xe0, 0x00, 0x00, 0x09, 0x34, 0x00, 0xc1, 0x02, 0x00, 0x60,
        0xc2, 0x02, 0x00, 0x05,
    ];

    #[test]
    fn decode_and_encode() {
        let t = Tpkt::decode(&CR).unwrap();
        assert_eq!(t.payload, &CR[4..]);
        let mut out = [0u8; 19];
        assert_eq!(t.encode(&mut out), Ok(19));
        assert_eq!(out, CR);
        assert_eq!(
            Tpkt::decode(&CR[..10]),
            Err(TpktError::Truncated {
                needed: 19,
                available: 10
            })
        );
        let mut long = [0u8; 20];
        long[..19].copy_from_slice(&CR);
        assert_eq!(
            Tpkt::decode(&long),
            Err(TpktError::TrailingData { offset: 19 })
        );
        assert!(
            Tpkt::new(&[1, 2]).encode(&mut out).is_err(),
            "below 7 octets"
        );
    }

    #[test]
    fn stream_framing() {
        assert_eq!(next_frame(&[], 100), Ok(Framing::Incomplete { needed: 4 }));
        assert_eq!(
            next_frame(&[3, 0], 100),
            Ok(Framing::Incomplete { needed: 4 })
        );
        assert_eq!(
            next_frame(&[0x16], 100),
            Err(TpktError::BadVersion { found: 0x16 })
        );
        assert_eq!(
            next_frame(&CR[..5], 100),
            Ok(Framing::Incomplete { needed: 19 })
        );
        let mut two = [0u8; 38];
        two[..19].copy_from_slice(&CR);
        two[19..].copy_from_slice(&CR);
        assert_eq!(
            next_frame(&two, 100),
            Ok(Framing::Complete {
                tpkt: Tpkt::new(&CR[4..]),
                consumed: 19
            })
        );
        assert_eq!(
            next_frame(&CR, 18),
            Err(TpktError::LengthTooLong {
                length: 19,
                max: 18
            })
        );
        assert_eq!(
            next_frame(&[3, 0, 0, 6, 0, 0], 100),
            Err(TpktError::LengthTooShort { length: 6 })
        );
    }
}
