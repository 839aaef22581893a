//! COTP, the connection-oriented transport protocol of ISO 8073 / X.224, class 0 (the class
//! RFC 1006 runs over TCP): CR, CC, DR, DC, DT and ER TPDUs, the TPDU-size, calling and
//! called TSAP parameters, TPDU-size negotiation, and a [`Reassembler`] joining DT segments
//! into one TSDU in a caller buffer.
//!
//! Every TPDU starts with its length indicator (LI: octets of header after the LI itself,
//! X.224 13.2.1), then the TPDU code. Parameters (X.224 13.2.3) are code, length, value.
//! Decoding is strict except for the variable part of DR: stacks in the field put octets
//! there that are not parameters (the ICCP capture's DRs end with `00 00 00 00`); they are
//! kept verbatim and flagged by [`Disconnect::lenient`].

use core::fmt;

use telecontrol_core::{Decode, Encode, EncodeError, Reader, Writer};

/// TPDU code of CR, connection request (X.224 13.3), in the high nibble.
pub const CODE_CR: u8 = 0xE0;
/// TPDU code of CC, connection confirm (X.224 13.4).
pub const CODE_CC: u8 = 0xD0;
/// TPDU code of DR, disconnect request (X.224 13.5).
pub const CODE_DR: u8 = 0x80;
/// TPDU code of DC, disconnect confirm (X.224 13.6).
pub const CODE_DC: u8 = 0xC0;
/// TPDU code of DT, data (X.224 13.7).
pub const CODE_DT: u8 = 0xF0;
/// TPDU code of ER, TPDU error (X.224 13.12).
pub const CODE_ER: u8 = 0x70;

/// Parameter code of TPDU size (X.224 13.3.4 b).
pub const PARAM_TPDU_SIZE: u8 = 0xC0;
/// Parameter code of the calling TSAP (transport selector) (X.224 13.3.4 a).
pub const PARAM_CALLING_TSAP: u8 = 0xC1;
/// Parameter code of the called TSAP.
pub const PARAM_CALLED_TSAP: u8 = 0xC2;
/// Parameter code of DR additional information (X.224 13.5.4).
pub const PARAM_ADDITIONAL_INFO: u8 = 0xE0;
/// Parameter code of ER invalid TPDU (X.224 13.12.4).
pub const PARAM_INVALID_TPDU: u8 = 0xC1;

/// Octets of a class 0 DT header (LI, code, EOT/TPDU-NR).
pub const DT_HEADER_LEN: usize = 3;

/// Why a TPDU is malformed, or a TSDU does not fit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CotpError {
    /// The TPDU ends inside its header or a parameter.
    Truncated {
        /// Offset of the field that runs past the end.
        offset: usize,
    },
    /// The length indicator does not fit the TPDU type or the octets present.
    BadLengthIndicator {
        /// The LI found (offset 0).
        li: u8,
    },
    /// A TPDU code this class 0 implementation does not handle (offset 1).
    UnknownTpdu {
        /// The code octet.
        code: u8,
    },
    /// A parameter with a bad value or length.
    BadParameter {
        /// Offset of the parameter code.
        offset: usize,
        /// The parameter code.
        code: u8,
    },
    /// A reassembled TSDU would exceed the reassembly buffer.
    TsduTooLong {
        /// The buffer size.
        max: usize,
    },
}

impl fmt::Display for CotpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CotpError::Truncated { offset } => write!(f, "COTP TPDU truncated at {offset}"),
            CotpError::BadLengthIndicator { li } => write!(f, "bad COTP length indicator {li}"),
            CotpError::UnknownTpdu { code } => write!(f, "unsupported COTP TPDU code {code:#04x}"),
            CotpError::BadParameter { offset, code } => {
                write!(f, "bad COTP parameter {code:#04x} at {offset}")
            }
            CotpError::TsduTooLong { max } => write!(f, "COTP TSDU exceeds {max} octets"),
        }
    }
}

impl core::error::Error for CotpError {}

/// A TPDU size (X.224 13.3.4 b): 2^code octets, code 7 (128) to 13 (8192).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TpduSize(u8);

impl TpduSize {
    /// 128 octets, the default when CR carries no TPDU-size parameter.
    pub const S128: TpduSize = TpduSize(7);
    /// 1024 octets.
    pub const S1024: TpduSize = TpduSize(10);
    /// 2048 octets, the largest class 0 allows (X.224 14.2).
    pub const S2048: TpduSize = TpduSize(11);
    /// 8192 octets, the largest code defined.
    pub const S8192: TpduSize = TpduSize(13);

    /// The size with parameter code `code`; `None` outside 7..=13.
    #[must_use]
    pub const fn from_code(code: u8) -> Option<TpduSize> {
        if code >= 7 && code <= 13 {
            Some(TpduSize(code))
        } else {
            None
        }
    }

    /// The parameter value.
    #[must_use]
    pub const fn code(self) -> u8 {
        self.0
    }

    /// The size in octets (header included, as X.224 counts it).
    #[must_use]
    pub const fn octets(self) -> usize {
        1usize << self.0
    }
}

/// The TPDU size a class 0 responder confirms: the requested size (128 if CR had none),
/// capped at the responder's own maximum and at 2048.
#[must_use]
pub fn negotiate_tpdu_size(requested: Option<TpduSize>, local_max: TpduSize) -> TpduSize {
    requested
        .unwrap_or(TpduSize::S128)
        .min(local_max)
        .min(TpduSize::S2048)
}

/// CR or CC (X.224 13.3, 13.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Connect<'a> {
    /// DST-REF (zero in CR).
    pub dst_ref: u16,
    /// SRC-REF.
    pub src_ref: u16,
    /// Class and options octet (class in the high nibble; 0x00 for class 0).
    pub class_options: u8,
    /// Initial credit (low nibble of the code octet; 0 in class 0).
    pub credit: u8,
    /// TPDU size parameter, if present.
    pub tpdu_size: Option<TpduSize>,
    /// Calling TSAP-ID, if present.
    pub calling_tsap: Option<&'a [u8]>,
    /// Called TSAP-ID, if present.
    pub called_tsap: Option<&'a [u8]>,
    /// Other parameters (e.g. additional option selection, preferred maximum TPDU size),
    /// encoded, in received order; written after the ones above. On decode they must form
    /// one contiguous run.
    pub other_parameters: &'a [u8],
    /// User data after the header (not allowed in class 0; kept if present).
    pub user_data: &'a [u8],
}

/// DR (X.224 13.5).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Disconnect<'a> {
    /// DST-REF.
    pub dst_ref: u16,
    /// SRC-REF.
    pub src_ref: u16,
    /// Reason (X.224 13.5.3 e: 0 unspecified, 1 congestion, 2 session entity not attached,
    /// 3 address unknown, 128 normal, ...).
    pub reason: u8,
    /// The variable part, verbatim.
    pub variable: &'a [u8],
    /// User data after the header.
    pub user_data: &'a [u8],
    /// True if the variable part is not a well-formed list of DR parameters (E0 additional
    /// information, C3 checksum) and was accepted anyway.
    pub lenient: bool,
}

/// DT in class 0 (X.224 13.7): no DST-REF, EOT and a 7-bit TPDU-NR.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Data<'a> {
    /// End of TSDU: the last segment.
    pub eot: bool,
    /// TPDU-NR (always 0 in class 0 as sent by most stacks).
    pub number: u8,
    /// The segment of the TSDU.
    pub user_data: &'a [u8],
}

/// ER (X.224 13.12).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ErrorTpdu<'a> {
    /// DST-REF.
    pub dst_ref: u16,
    /// Reject cause (0 unspecified, 1 invalid parameter code, 2 invalid TPDU type, 3 invalid
    /// parameter value).
    pub cause: u8,
    /// The header of the rejected TPDU (parameter C1), if present.
    pub invalid_tpdu: Option<&'a [u8]>,
}

/// One COTP TPDU, the payload of a TPKT.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Tpdu<'a> {
    /// Connection request.
    #[doc(alias = "CR")]
    ConnectionRequest(Connect<'a>),
    /// Connection confirm.
    #[doc(alias = "CC")]
    ConnectionConfirm(Connect<'a>),
    /// Disconnect request.
    #[doc(alias = "DR")]
    DisconnectRequest(Disconnect<'a>),
    /// Disconnect confirm (DST-REF, SRC-REF).
    #[doc(alias = "DC")]
    DisconnectConfirm {
        /// DST-REF.
        dst_ref: u16,
        /// SRC-REF.
        src_ref: u16,
    },
    /// Data.
    #[doc(alias = "DT")]
    Data(Data<'a>),
    /// TPDU error.
    #[doc(alias = "ER")]
    Error(ErrorTpdu<'a>),
}

/// Walk a parameter list; `base` is its offset in the TPDU. Calls `f(offset, code, value)`.
fn for_each_param<'a>(
    params: &'a [u8],
    base: usize,
    mut f: impl FnMut(usize, u8, &'a [u8]) -> Result<(), CotpError>,
) -> Result<(), CotpError> {
    let mut r = Reader::new(params);
    while !r.is_empty() {
        let offset = base.saturating_add(r.position());
        let code = r.read_u8().map_err(|_| CotpError::Truncated { offset })?;
        let len = r.read_u8().map_err(|_| CotpError::Truncated { offset })?;
        let value = r
            .read_bytes(usize::from(len))
            .map_err(|_| CotpError::Truncated { offset })?;
        f(offset, code, value)?;
    }
    Ok(())
}

fn decode_connect<'a>(
    fixed: &mut Reader<'a>,
    credit: u8,
    user_data: &'a [u8],
) -> Result<Connect<'a>, CotpError> {
    let offset = fixed.position();
    let trunc = |_| CotpError::Truncated { offset };
    let dst_ref = fixed.read_u16_be().map_err(trunc)?;
    let src_ref = fixed.read_u16_be().map_err(trunc)?;
    let class_options = fixed.read_u8().map_err(trunc)?;
    let mut c = Connect {
        dst_ref,
        src_ref,
        class_options,
        credit,
        tpdu_size: None,
        calling_tsap: None,
        called_tsap: None,
        other_parameters: &[],
        user_data,
    };
    let base = fixed.position();
    let params = fixed.read_rest();
    // The unknown parameters, kept verbatim: one contiguous run (before, between or after
    // the known ones); unknown parameters in two separate runs cannot be kept and fail.
    let mut run: Option<(usize, usize)> = None;
    let mut run_closed = false;
    for_each_param(params, base, |offset, code, value| {
        let known = match code {
            PARAM_TPDU_SIZE => {
                let size = match value {
                    [v] => TpduSize::from_code(*v),
                    _ => None,
                };
                c.tpdu_size = Some(size.ok_or(CotpError::BadParameter { offset, code })?);
                true
            }
            PARAM_CALLING_TSAP => {
                c.calling_tsap = Some(value);
                true
            }
            PARAM_CALLED_TSAP => {
                c.called_tsap = Some(value);
                true
            }
            _ => false,
        };
        let start = offset.saturating_sub(base);
        let end = start.saturating_add(2).saturating_add(value.len());
        match (known, run) {
            (true, Some(_)) => run_closed = true,
            (true, None) => {}
            (false, None) => run = Some((start, end)),
            (false, Some((first, _))) if !run_closed => run = Some((first, end)),
            (false, Some(_)) => return Err(CotpError::BadParameter { offset, code }),
        }
        Ok(())
    })?;
    if let Some((start, end)) = run {
        c.other_parameters = params.get(start..end).unwrap_or(&[]);
    }
    Ok(c)
}

impl<'a> Decode<'a> for Tpdu<'a> {
    type Error = CotpError;

    fn decode(input: &'a [u8]) -> Result<Self, CotpError> {
        let mut r = Reader::new(input);
        let li = r
            .read_u8()
            .map_err(|_| CotpError::Truncated { offset: 0 })?;
        let header = r
            .read_bytes(usize::from(li))
            .map_err(|_| CotpError::BadLengthIndicator { li })?;
        let user_data = r.read_rest();
        let mut h = Reader::new(header);
        let code = h
            .read_u8()
            .map_err(|_| CotpError::BadLengthIndicator { li })?;
        // Offsets inside `h` are one less than in the TPDU; shift them.
        let fixed_len = |n: usize| {
            if header.len() < n {
                Err(CotpError::BadLengthIndicator { li })
            } else {
                Ok(())
            }
        };
        let shift = |e: CotpError| match e {
            CotpError::Truncated { offset } => CotpError::Truncated {
                offset: offset.saturating_add(1),
            },
            CotpError::BadParameter { offset, code } => CotpError::BadParameter {
                offset: offset.saturating_add(1),
                code,
            },
            other => other,
        };
        match code & 0xF0 {
            CODE_CR | CODE_CC => {
                fixed_len(6)?;
                let c = decode_connect(&mut h, code & 0x0F, user_data).map_err(shift)?;
                Ok(if code & 0xF0 == CODE_CR {
                    Tpdu::ConnectionRequest(c)
                } else {
                    Tpdu::ConnectionConfirm(c)
                })
            }
            CODE_DR if code == CODE_DR => {
                fixed_len(6)?;
                let [d0, d1, s0, s1, reason] = h
                    .read_array()
                    .map_err(|_| CotpError::BadLengthIndicator { li })?;
                let variable = h.read_rest();
                let mut strict = true;
                let parsed = for_each_param(variable, 6, |_, code, _| {
                    strict &= code == PARAM_ADDITIONAL_INFO || code == 0xC3;
                    Ok(())
                });
                Ok(Tpdu::DisconnectRequest(Disconnect {
                    dst_ref: u16::from_be_bytes([d0, d1]),
                    src_ref: u16::from_be_bytes([s0, s1]),
                    reason,
                    variable,
                    user_data,
                    lenient: parsed.is_err() || !strict,
                }))
            }
            CODE_DC if code == CODE_DC => {
                let [d0, d1, s0, s1] = h
                    .read_array()
                    .map_err(|_| CotpError::BadLengthIndicator { li })?;
                Ok(Tpdu::DisconnectConfirm {
                    dst_ref: u16::from_be_bytes([d0, d1]),
                    src_ref: u16::from_be_bytes([s0, s1]),
                })
            }
            CODE_DT if code == CODE_DT => {
                let [nr] = h
                    .read_array()
                    .map_err(|_| CotpError::BadLengthIndicator { li })?;
                if !h.is_empty() {
                    return Err(CotpError::BadLengthIndicator { li });
                }
                Ok(Tpdu::Data(Data {
                    eot: nr & 0x80 != 0,
                    number: nr & 0x7F,
                    user_data,
                }))
            }
            CODE_ER if code == CODE_ER => {
                let [d0, d1, cause] = h
                    .read_array()
                    .map_err(|_| CotpError::BadLengthIndicator { li })?;
                let mut invalid_tpdu = None;
                for_each_param(h.read_rest(), 4, |offset, code, value| {
                    if code == PARAM_INVALID_TPDU {
                        invalid_tpdu = Some(value);
                        Ok(())
                    } else {
                        Err(CotpError::BadParameter { offset, code })
                    }
                })
                .map_err(shift)?;
                Ok(Tpdu::Error(ErrorTpdu {
                    dst_ref: u16::from_be_bytes([d0, d1]),
                    cause,
                    invalid_tpdu,
                }))
            }
            _ => Err(CotpError::UnknownTpdu { code }),
        }
    }
}

fn param_len(value: Option<&[u8]>) -> usize {
    value.map_or(0, |v| v.len().saturating_add(2))
}

fn write_param(w: &mut Writer<'_>, code: u8, value: &[u8]) -> Result<(), EncodeError> {
    let len = u8::try_from(value.len()).map_err(|_| EncodeError::InvalidValue {
        field: "COTP parameter length",
    })?;
    w.write_bytes(&[code, len])?;
    w.write_bytes(value)?;
    Ok(())
}

impl Tpdu<'_> {
    /// Octets of the header after the LI octet.
    fn header_len(&self) -> usize {
        match self {
            Tpdu::ConnectionRequest(c) | Tpdu::ConnectionConfirm(c) => 6usize
                .saturating_add(param_len(c.tpdu_size.map(|_| &[0u8][..])))
                .saturating_add(param_len(c.calling_tsap))
                .saturating_add(param_len(c.called_tsap))
                .saturating_add(c.other_parameters.len()),
            Tpdu::DisconnectRequest(d) => 6usize.saturating_add(d.variable.len()),
            Tpdu::DisconnectConfirm { .. } => 5,
            Tpdu::Data(_) => 2,
            Tpdu::Error(e) => 4usize.saturating_add(param_len(e.invalid_tpdu)),
        }
    }

    fn user_data(&self) -> &[u8] {
        match self {
            Tpdu::ConnectionRequest(c) | Tpdu::ConnectionConfirm(c) => c.user_data,
            Tpdu::DisconnectRequest(d) => d.user_data,
            Tpdu::Data(d) => d.user_data,
            Tpdu::DisconnectConfirm { .. } | Tpdu::Error(_) => &[],
        }
    }
}

impl Encode for Tpdu<'_> {
    fn encoded_len(&self) -> usize {
        self.header_len()
            .saturating_add(1)
            .saturating_add(self.user_data().len())
    }

    fn write_to(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        let li = u8::try_from(self.header_len())
            .ok()
            .filter(|&li| li < 255)
            .ok_or(EncodeError::InvalidValue {
                field: "COTP length indicator",
            })?;
        w.write_u8(li)?;
        match self {
            Tpdu::ConnectionRequest(c) | Tpdu::ConnectionConfirm(c) => {
                let code = if matches!(self, Tpdu::ConnectionRequest(_)) {
                    CODE_CR
                } else {
                    CODE_CC
                };
                w.write_u8(code | (c.credit & 0x0F))?;
                w.write_u16_be(c.dst_ref)?;
                w.write_u16_be(c.src_ref)?;
                w.write_u8(c.class_options)?;
                if let Some(v) = c.calling_tsap {
                    write_param(w, PARAM_CALLING_TSAP, v)?;
                }
                if let Some(v) = c.called_tsap {
                    write_param(w, PARAM_CALLED_TSAP, v)?;
                }
                if let Some(s) = c.tpdu_size {
                    write_param(w, PARAM_TPDU_SIZE, &[s.code()])?;
                }
                w.write_bytes(c.other_parameters)?;
            }
            Tpdu::DisconnectRequest(d) => {
                w.write_u8(CODE_DR)?;
                w.write_u16_be(d.dst_ref)?;
                w.write_u16_be(d.src_ref)?;
                w.write_u8(d.reason)?;
                w.write_bytes(d.variable)?;
            }
            Tpdu::DisconnectConfirm { dst_ref, src_ref } => {
                w.write_u8(CODE_DC)?;
                w.write_u16_be(*dst_ref)?;
                w.write_u16_be(*src_ref)?;
            }
            Tpdu::Data(d) => {
                w.write_u8(CODE_DT)?;
                w.write_u8(if d.eot { 0x80 } else { 0 } | (d.number & 0x7F))?;
            }
            Tpdu::Error(e) => {
                w.write_u8(CODE_ER)?;
                w.write_u16_be(e.dst_ref)?;
                w.write_u8(e.cause)?;
                if let Some(v) = e.invalid_tpdu {
                    write_param(w, PARAM_INVALID_TPDU, v)?;
                }
            }
        }
        w.write_bytes(self.user_data())?;
        Ok(())
    }
}

/// Write a class 0 DT header (`02 F0 80` with EOT, `02 F0 00` without) for callers that
/// encode the TSDU segment in place after it.
///
/// # Errors
/// A full buffer.
pub fn write_data_header(w: &mut Writer<'_>, eot: bool) -> Result<(), EncodeError> {
    w.write_bytes(&[2, CODE_DT, if eot { 0x80 } else { 0 }])?;
    Ok(())
}

/// Joins the segments of a TSDU (DT TPDUs up to the one with EOT, X.224 6.3) into a caller
/// buffer of bounded size.
///
/// `S` is the storage: `[u8; N]`, `&mut [u8]`, or anything `AsMut<[u8]> + AsRef<[u8]>`.
#[derive(Debug)]
pub struct Reassembler<S> {
    storage: S,
    len: usize,
    complete: bool,
}

impl<S: AsMut<[u8]> + AsRef<[u8]>> Reassembler<S> {
    /// A reassembler writing into `storage`; TSDUs longer than it are refused.
    pub const fn new(storage: S) -> Self {
        Reassembler {
            storage,
            len: 0,
            complete: false,
        }
    }

    /// Octets of the TSDU collected so far (0 after a completed TSDU was handed out and
    /// before the next segment).
    pub const fn pending(&self) -> usize {
        if self.complete { 0 } else { self.len }
    }

    /// Drop a partial TSDU.
    pub fn reset(&mut self) {
        self.len = 0;
        self.complete = false;
    }

    /// Add a segment; returns the whole TSDU when `dt` carries EOT.
    ///
    /// # Errors
    /// [`CotpError::TsduTooLong`] if the TSDU would exceed the storage; the partial TSDU is
    /// dropped then and the next segment starts a new one.
    pub fn push(&mut self, dt: &Data<'_>) -> Result<Option<&[u8]>, CotpError> {
        if self.complete {
            self.reset();
        }
        let buf = self.storage.as_mut();
        let max = buf.len();
        let end = self.len.saturating_add(dt.user_data.len());
        let Some(dst) = buf.get_mut(self.len..end) else {
            self.reset();
            return Err(CotpError::TsduTooLong { max });
        };
        dst.copy_from_slice(dt.user_data);
        self.len = end;
        if !dt.eot {
            return Ok(None);
        }
        self.complete = true;
        Ok(self.storage.as_ref().get(..end))
    }
}

#[cfg(test)]
mod tests;
