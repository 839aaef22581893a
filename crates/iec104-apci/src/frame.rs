//! APCI frames: the 6-octet header of every IEC 60870-5-104 APDU (clause 5.1) and its three
//! formats, I (numbered information transfer), S (numbered supervisory) and U (unnumbered
//! control).

use core::fmt;

use telecontrol_core::{Encode, EncodeError, Writer};

/// The start octet of every APDU (IEC 60870-5-104 clause 5.1).
pub const START: u8 = 0x68;
/// The largest APDU: start octet, length octet and at most 253 octets (clause 5.1).
pub const MAX_APDU_LEN: usize = 255;
/// The largest ASDU an I frame carries: 253 minus the 4 control-field octets (clause 5.1).
pub const MAX_ASDU_LEN: usize = 249;
/// The APCI header: start octet, length octet and four control-field octets (clause 5.1).
pub const HEADER_LEN: usize = 6;
/// The smallest value of the length octet: the four control-field octets (clause 5.1).
pub const MIN_LENGTH_OCTET: u8 = 4;
/// The largest value of the length octet (clause 5.1).
pub const MAX_LENGTH_OCTET: u8 = 253;

const SEQ_MASK: u16 = 0x7FFF;

/// A 15-bit send or receive sequence number, N(S) or N(R) (IEC 60870-5-104 clause 5.1), with
/// modulo-32768 arithmetic.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Seq(u16);

impl Seq {
    /// Sequence number 0, the first on every new connection (clause 5.1).
    pub const ZERO: Seq = Seq(0);
    /// Sequence number 32767, the last before the wrap to 0.
    pub const MAX: Seq = Seq(SEQ_MASK);
    /// The modulus of sequence-number arithmetic.
    pub const MODULUS: u32 = 32_768;

    /// `value` as a sequence number, or `None` if it does not fit in 15 bits.
    #[must_use]
    pub const fn new(value: u16) -> Option<Seq> {
        if value <= SEQ_MASK {
            Some(Seq(value))
        } else {
            None
        }
    }

    /// The low 15 bits of `value`.
    #[must_use]
    pub const fn wrapping_from(value: u16) -> Seq {
        Seq(value & SEQ_MASK)
    }

    /// The number, 0..=32767.
    #[must_use]
    pub const fn value(self) -> u16 {
        self.0
    }

    /// The next number, 32767 wrapping to 0.
    #[must_use]
    pub const fn next(self) -> Seq {
        self.wrapping_add(1)
    }

    /// `self + n` modulo 32768.
    #[must_use]
    pub const fn wrapping_add(self, n: u16) -> Seq {
        Seq(self.0.wrapping_add(n) & SEQ_MASK)
    }

    /// How many steps forward from `self` reach `later`, modulo 32768 (0..=32767).
    #[must_use]
    pub const fn distance_to(self, later: Seq) -> u16 {
        later.0.wrapping_sub(self.0) & SEQ_MASK
    }

    /// True when `self` lies in the half-open range `[from, from + len)` modulo 32768.
    #[must_use]
    pub const fn is_within(self, from: Seq, len: u16) -> bool {
        from.distance_to(self) < len
    }

    /// The number as the two control-field octets that carry it: bit 0 of the first octet
    /// is 0, bits 1..=7 are the low 7 bits, the second octet the high 8 bits.
    #[must_use]
    pub const fn to_octets(self) -> [u8; 2] {
        // self.0 <= 0x7FFF, so the shift cannot lose a bit.
        self.0.wrapping_shl(1).to_le_bytes()
    }

    /// The number carried by two control-field octets (bit 0 of `low` ignored).
    #[must_use]
    pub const fn from_octets(low: u8, high: u8) -> Seq {
        Seq(u16::from_le_bytes([low, high]).wrapping_shr(1))
    }
}

impl fmt::Display for Seq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// The function of a U frame (IEC 60870-5-104 clause 5.3): exactly one of the six bits of the
/// first control octet above bits 0-1 is set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UFunction {
    /// STARTDT act: start data transfer, activation.
    #[doc(alias = "STARTDT act")]
    StartDtAct,
    /// STARTDT con: start data transfer, confirmation.
    #[doc(alias = "STARTDT con")]
    StartDtCon,
    /// STOPDT act: stop data transfer, activation.
    #[doc(alias = "STOPDT act")]
    StopDtAct,
    /// STOPDT con: stop data transfer, confirmation.
    #[doc(alias = "STOPDT con")]
    StopDtCon,
    /// TESTFR act: test frame, activation.
    #[doc(alias = "TESTFR act")]
    TestFrAct,
    /// TESTFR con: test frame, confirmation.
    #[doc(alias = "TESTFR con")]
    TestFrCon,
}

impl UFunction {
    /// Every function, in bit order.
    pub const ALL: [UFunction; 6] = [
        UFunction::StartDtAct,
        UFunction::StartDtCon,
        UFunction::StopDtAct,
        UFunction::StopDtCon,
        UFunction::TestFrAct,
        UFunction::TestFrCon,
    ];

    /// The first control octet of the U frame, format bits `11` included.
    #[must_use]
    pub const fn control_octet(self) -> u8 {
        match self {
            UFunction::StartDtAct => 0x07,
            UFunction::StartDtCon => 0x0B,
            UFunction::StopDtAct => 0x13,
            UFunction::StopDtCon => 0x23,
            UFunction::TestFrAct => 0x43,
            UFunction::TestFrCon => 0x83,
        }
    }

    /// The function of a first control octet, or `None` unless the format bits are `11` and
    /// exactly one function bit is set.
    #[must_use]
    pub const fn from_control_octet(octet: u8) -> Option<UFunction> {
        match octet {
            0x07 => Some(UFunction::StartDtAct),
            0x0B => Some(UFunction::StartDtCon),
            0x13 => Some(UFunction::StopDtAct),
            0x23 => Some(UFunction::StopDtCon),
            0x43 => Some(UFunction::TestFrAct),
            0x83 => Some(UFunction::TestFrCon),
            _ => None,
        }
    }

    /// True for the three activations.
    #[must_use]
    pub const fn is_act(self) -> bool {
        matches!(
            self,
            UFunction::StartDtAct | UFunction::StopDtAct | UFunction::TestFrAct
        )
    }

    /// The confirmation answering an activation (a confirmation maps to itself).
    #[must_use]
    pub const fn confirmation(self) -> UFunction {
        match self {
            UFunction::StartDtAct | UFunction::StartDtCon => UFunction::StartDtCon,
            UFunction::StopDtAct | UFunction::StopDtCon => UFunction::StopDtCon,
            UFunction::TestFrAct | UFunction::TestFrCon => UFunction::TestFrCon,
        }
    }
}

impl fmt::Display for UFunction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            UFunction::StartDtAct => "STARTDT act",
            UFunction::StartDtCon => "STARTDT con",
            UFunction::StopDtAct => "STOPDT act",
            UFunction::StopDtCon => "STOPDT con",
            UFunction::TestFrAct => "TESTFR act",
            UFunction::TestFrCon => "TESTFR con",
        })
    }
}

/// The three frame formats (IEC 60870-5-104 clause 5.1, figures 6-8).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// Numbered information transfer.
    I,
    /// Numbered supervisory functions.
    S,
    /// Unnumbered control functions.
    U,
}

/// The control field of an APDU (IEC 60870-5-104 clause 5.1).
///
/// As an [`Encode`] value it writes the four control-field octets only; [`Apdu`] writes the
/// whole frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Apci {
    /// I format: carries an ASDU, the sender's N(S) and its acknowledgement N(R).
    I {
        /// N(S): this frame's send sequence number.
        send_seq: Seq,
        /// N(R): the next sequence number the sender expects, acknowledging all before it.
        recv_seq: Seq,
    },
    /// S format: acknowledges received I frames without carrying data.
    S {
        /// N(R): the next sequence number the sender expects.
        recv_seq: Seq,
    },
    /// U format: STARTDT, STOPDT or TESTFR.
    U(UFunction),
}

impl Apci {
    /// The frame format.
    #[must_use]
    pub const fn format(&self) -> Format {
        match self {
            Apci::I { .. } => Format::I,
            Apci::S { .. } => Format::S,
            Apci::U(_) => Format::U,
        }
    }

    /// The four control-field octets (clause 5.1, figures 6-8).
    #[must_use]
    pub const fn control_octets(&self) -> [u8; 4] {
        match *self {
            Apci::I { send_seq, recv_seq } => {
                let [a, b] = send_seq.to_octets();
                let [c, d] = recv_seq.to_octets();
                [a, b, c, d]
            }
            Apci::S { recv_seq } => {
                let [c, d] = recv_seq.to_octets();
                [0x01, 0x00, c, d]
            }
            Apci::U(f) => [f.control_octet(), 0, 0, 0],
        }
    }

    /// Parse four control-field octets; `offset` is where they start in the caller's input
    /// and only serves the error.
    ///
    /// # Errors
    /// [`FrameError::BadControlField`] when a bit the standard fixes is wrong (bit 0 of the
    /// third octet set, non-zero spare bits of an S or U frame) and
    /// [`FrameError::BadUFunction`] when a U frame does not set exactly one function bit.
    pub fn from_control_octets(octets: [u8; 4], offset: usize) -> Result<Apci, FrameError> {
        let [a, b, c, d] = octets;
        let at = |i: usize| offset.saturating_add(i);
        if a & 0x01 == 0 {
            if c & 0x01 != 0 {
                return Err(FrameError::BadControlField {
                    offset: at(2),
                    value: c,
                });
            }
            return Ok(Apci::I {
                send_seq: Seq::from_octets(a, b),
                recv_seq: Seq::from_octets(c, d),
            });
        }
        if a & 0x03 == 0x01 {
            if a != 0x01 {
                return Err(FrameError::BadControlField {
                    offset: at(0),
                    value: a,
                });
            }
            if b != 0 {
                return Err(FrameError::BadControlField {
                    offset: at(1),
                    value: b,
                });
            }
            if c & 0x01 != 0 {
                return Err(FrameError::BadControlField {
                    offset: at(2),
                    value: c,
                });
            }
            return Ok(Apci::S {
                recv_seq: Seq::from_octets(c, d),
            });
        }
        let function = UFunction::from_control_octet(a).ok_or(FrameError::BadUFunction {
            offset: at(0),
            value: a,
        })?;
        for (i, v) in [(1, b), (2, c), (3, d)] {
            if v != 0 {
                return Err(FrameError::BadControlField {
                    offset: at(i),
                    value: v,
                });
            }
        }
        Ok(Apci::U(function))
    }
}

impl Encode for Apci {
    fn encoded_len(&self) -> usize {
        4
    }

    fn write_to(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        w.write_bytes(&self.control_octets())?;
        Ok(())
    }
}

impl fmt::Display for Apci {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Apci::I { send_seq, recv_seq } => write!(f, "I N(S)={send_seq} N(R)={recv_seq}"),
            Apci::S { recv_seq } => write!(f, "S N(R)={recv_seq}"),
            Apci::U(func) => write!(f, "U {func}"),
        }
    }
}

/// One APDU: the APCI and, for I frames, the ASDU it carries, borrowed from the input
/// (IEC 60870-5-104 clause 5.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Apdu<'a> {
    /// The control field.
    pub apci: Apci,
    /// The ASDU octets: 1..=249 for I frames, empty for S and U frames.
    pub asdu: &'a [u8],
}

impl<'a> Apdu<'a> {
    /// An I frame carrying `asdu`.
    #[must_use]
    pub const fn i(send_seq: Seq, recv_seq: Seq, asdu: &'a [u8]) -> Self {
        Apdu {
            apci: Apci::I { send_seq, recv_seq },
            asdu,
        }
    }

    /// An S frame.
    #[must_use]
    pub const fn s(recv_seq: Seq) -> Self {
        Apdu {
            apci: Apci::S { recv_seq },
            asdu: &[],
        }
    }

    /// A U frame.
    #[must_use]
    pub const fn u(function: UFunction) -> Self {
        Apdu {
            apci: Apci::U(function),
            asdu: &[],
        }
    }

    /// Decode the first APDU at the start of a stream buffer, returning it and the number of
    /// octets it occupies; octets after it are left for the next call (clause 5.1).
    ///
    /// The rules checked: start octet 0x68; length octet 4..=253; an I frame carries at
    /// least one ASDU octet; S and U frames have length exactly 4; bit 0 of the third control
    /// octet is 0 for I and S frames; the spare bits of S and U frames are 0; a U frame sets
    /// exactly one function bit.
    ///
    /// # Errors
    /// [`FrameError::Incomplete`] when `bytes` holds a valid beginning of a frame but not all
    /// of it (a stream reassembler waits for more), or the typed malformed-frame error. The
    /// start and length octets are checked as soon as they are present.
    pub fn decode(bytes: &'a [u8]) -> Result<(Apdu<'a>, usize), FrameError> {
        let (&start, rest) = bytes
            .split_first()
            .ok_or(FrameError::Incomplete { needed: 2 })?;
        if start != START {
            return Err(FrameError::BadStart {
                offset: 0,
                value: start,
            });
        }
        let &length = rest.first().ok_or(FrameError::Incomplete { needed: 1 })?;
        if !(MIN_LENGTH_OCTET..=MAX_LENGTH_OCTET).contains(&length) {
            return Err(FrameError::BadLength {
                offset: 1,
                value: length,
            });
        }
        let total = usize::from(length).saturating_add(2);
        let Some(frame) = bytes.get(..total) else {
            return Err(FrameError::Incomplete {
                needed: total.saturating_sub(bytes.len()),
            });
        };
        let (control, asdu) = match frame.get(2..) {
            Some([a, b, c, d, asdu @ ..]) => ([*a, *b, *c, *d], asdu),
            // Unreachable: length >= 4 guarantees six octets.
            _ => return Err(FrameError::Incomplete { needed: 4 }),
        };
        let apci = Apci::from_control_octets(control, 2)?;
        match apci {
            Apci::I { .. } if asdu.is_empty() => Err(FrameError::MissingAsdu { offset: 1 }),
            Apci::S { .. } | Apci::U(_) if !asdu.is_empty() => Err(FrameError::UnexpectedAsdu {
                offset: 1,
                format: apci.format(),
                value: length,
            }),
            _ => Ok((Apdu { apci, asdu }, total)),
        }
    }
}

impl<'a> telecontrol_core::Decode<'a> for Apdu<'a> {
    type Error = FrameError;

    /// Decode exactly one APDU filling `input`.
    ///
    /// # Errors
    /// As [`Apdu::decode`], plus [`FrameError::TrailingOctets`] if octets follow the frame.
    fn decode(input: &'a [u8]) -> Result<Self, FrameError> {
        let (apdu, used) = Apdu::decode(input)?;
        if used == input.len() {
            Ok(apdu)
        } else {
            Err(FrameError::TrailingOctets { offset: used })
        }
    }
}

impl Encode for Apdu<'_> {
    fn encoded_len(&self) -> usize {
        HEADER_LEN.saturating_add(self.asdu.len())
    }

    fn write_to(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        let asdu_ok = match self.apci {
            Apci::I { .. } => (1..=MAX_ASDU_LEN).contains(&self.asdu.len()),
            Apci::S { .. } | Apci::U(_) => self.asdu.is_empty(),
        };
        let length = u8::try_from(self.asdu.len().saturating_add(4))
            .ok()
            .filter(|_| asdu_ok)
            .ok_or(EncodeError::InvalidValue { field: "asdu" })?;
        w.write_u8(START)?;
        w.write_u8(length)?;
        self.apci.write_to(w)?;
        w.write_bytes(self.asdu)?;
        Ok(())
    }
}

impl fmt::Display for Apdu<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.apci {
            Apci::I { .. } => write!(f, "{} ASDU {} octets", self.apci, self.asdu.len()),
            _ => write!(f, "{}", self.apci),
        }
    }
}

/// Why octets are not a valid APDU (IEC 60870-5-104 clause 5.1). Offsets count from the start
/// of the frame (the start octet).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FrameError {
    /// The frame is not complete: at least `needed` more octets are required (exactly
    /// `needed` once the length octet is present). Not an error on a stream: wait for more.
    Incomplete {
        /// More octets required.
        needed: usize,
    },
    /// The first octet is not 0x68.
    BadStart {
        /// Offset of the octet.
        offset: usize,
        /// The octet found.
        value: u8,
    },
    /// The length octet is outside 4..=253.
    BadLength {
        /// Offset of the length octet.
        offset: usize,
        /// The length found.
        value: u8,
    },
    /// An I frame with length 4: no ASDU.
    MissingAsdu {
        /// Offset of the length octet.
        offset: usize,
    },
    /// An S or U frame whose length is not 4.
    UnexpectedAsdu {
        /// Offset of the length octet.
        offset: usize,
        /// The frame's format.
        format: Format,
        /// The length found.
        value: u8,
    },
    /// A control-field bit the standard fixes has the wrong value.
    BadControlField {
        /// Offset of the control octet.
        offset: usize,
        /// The octet found.
        value: u8,
    },
    /// A U frame that does not set exactly one function bit.
    BadUFunction {
        /// Offset of the first control octet.
        offset: usize,
        /// The octet found.
        value: u8,
    },
    /// Octets after a complete frame where exactly one frame was expected.
    TrailingOctets {
        /// Offset of the first extra octet.
        offset: usize,
    },
}

impl FrameError {
    /// True for [`FrameError::Incomplete`]: not malformed, only short.
    #[must_use]
    pub const fn is_incomplete(&self) -> bool {
        matches!(self, FrameError::Incomplete { .. })
    }
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FrameError::Incomplete { needed } => {
                write!(f, "incomplete APDU: at least {needed} more octet(s) needed")
            }
            FrameError::BadStart { offset, value } => {
                write!(
                    f,
                    "start octet {value:#04x} at offset {offset}, expected 0x68"
                )
            }
            FrameError::BadLength { offset, value } => {
                write!(f, "APDU length {value} at offset {offset} outside 4..=253")
            }
            FrameError::MissingAsdu { offset } => {
                write!(f, "I frame without ASDU (length 4 at offset {offset})")
            }
            FrameError::UnexpectedAsdu {
                offset,
                format,
                value,
            } => write!(
                f,
                "{format:?} frame with length {value} at offset {offset}, expected 4"
            ),
            FrameError::BadControlField { offset, value } => {
                write!(f, "invalid control octet {value:#04x} at offset {offset}")
            }
            FrameError::BadUFunction { offset, value } => write!(
                f,
                "U frame control octet {value:#04x} at offset {offset} does not set exactly one function"
            ),
            FrameError::TrailingOctets { offset } => {
                write!(f, "octets after the APDU at offset {offset}")
            }
        }
    }
}

impl core::error::Error for FrameError {}
