//! The session layer kernel of ISO 8327-1 / X.225 (full duplex, version 2): the SPDUs an
//! MMS association uses, and the parameters of CN and AC.
//!
//! An SPDU is SI (SPDU identifier), LI (length: one octet, or 0xFF and two octets), then
//! parameters, each PI/PGI code, LI, value (X.225 8.2). One TSDU carries one SPDU, except
//! the basic concatenation real stacks send for data: GIVE TOKENS (`01 00`) followed by DATA
//! TRANSFER (`01 00` + user information), decoded as [`Spdu::Data`].
//!
//! Supported: CN, AC, RF, FN, DN, NF, AB, AA, GT (alone or with DT), DT, and the data
//! overflow SPDUs OA and CDO (X.225 8.3.15, 8.3.16). CN/AC parameters:
//! connection identifier (kept verbatim), connect/accept item (protocol options, TSDU
//! maximum size, version number; other sub-parameters are skipped), token item, session
//! user requirements, calling/called (responding) session selectors, data overflow, user
//! data and extended user data. A CN with data overflow `1` is answered by OA, then CDO
//! SPDUs carry the rest of the user data; the [`association`](crate::association) runs
//! that procedure (this module is the codec). Not supported: extended concatenation, the
//! activity and synchronisation functional units, PT/GTC/GTA SPDUs.

use core::fmt;

use telecontrol_core::{Decode, Reader};
#[cfg(test)]
use telecontrol_core::{Encode, Writer};

/// SI of DATA TRANSFER and of GIVE TOKENS (X.225 8.3.1, 8.3.4).
pub const SI_DT: u8 = 1;
/// SI of CONNECT (X.225 8.3.1).
pub const SI_CN: u8 = 13;
/// SI of ACCEPT.
pub const SI_AC: u8 = 14;
/// SI of REFUSE.
pub const SI_RF: u8 = 12;
/// SI of FINISH.
pub const SI_FN: u8 = 9;
/// SI of DISCONNECT.
pub const SI_DN: u8 = 10;
/// SI of NOT FINISHED.
pub const SI_NF: u8 = 8;
/// SI of ABORT.
pub const SI_AB: u8 = 25;
/// SI of ABORT ACCEPT.
pub const SI_AA: u8 = 26;
/// SI of CONNECT DATA OVERFLOW (X.225 8.3.16).
pub const SI_CDO: u8 = 15;
/// SI of OVERFLOW ACCEPT (X.225 8.3.15).
pub const SI_OA: u8 = 16;

/// PGI connection identifier.
pub const PGI_CONNECTION_ID: u8 = 1;
/// PGI connect/accept item.
pub const PGI_CONNECT_ACCEPT: u8 = 5;
/// PI token item.
pub const PI_TOKEN_ITEM: u8 = 16;
/// PI transport disconnect.
pub const PI_TRANSPORT_DISCONNECT: u8 = 17;
/// PI protocol options (inside the connect/accept item).
pub const PI_PROTOCOL_OPTIONS: u8 = 19;
/// PI session user requirements.
pub const PI_SESSION_REQUIREMENTS: u8 = 20;
/// PI TSDU maximum size (inside the connect/accept item).
pub const PI_TSDU_MAX_SIZE: u8 = 21;
/// PI version number (inside the connect/accept item).
pub const PI_VERSION_NUMBER: u8 = 22;
/// PI enclosure item.
pub const PI_ENCLOSURE: u8 = 25;
/// PI reflect parameter values.
pub const PI_REFLECT: u8 = 49;
/// PI reason code (REFUSE).
pub const PI_REASON_CODE: u8 = 50;
/// PI calling session selector.
pub const PI_CALLING_SELECTOR: u8 = 51;
/// PI called (in CN) or responding (in AC) session selector.
pub const PI_CALLED_SELECTOR: u8 = 52;
/// PI data overflow.
pub const PI_DATA_OVERFLOW: u8 = 60;
/// PGI user data.
pub const PGI_USER_DATA: u8 = 193;
/// PGI extended user data.
pub const PGI_EXTENDED_USER_DATA: u8 = 194;

/// Data overflow value: more user data follows in CDO SPDUs (X.225 8.3.1.18).
pub const DATA_OVERFLOW_MORE: u8 = 0x01;
/// Enclosure item bit 1: beginning of the SSDU.
pub const ENCLOSURE_BEGINNING: u8 = 0x01;
/// Enclosure item bit 2: end of the SSDU.
pub const ENCLOSURE_END: u8 = 0x02;
/// Most octets of the User Data parameter of a CN.
pub const MAX_CONNECT_USER_DATA: usize = 512;
/// Most octets of the Extended User Data parameter of a CN.
pub const MAX_EXTENDED_USER_DATA: usize = 10_240;

/// Version number bit for version 2 (X.225 8.3.1.9).
pub const VERSION_2: u8 = 0x02;
/// Session user requirements: the duplex functional unit (X.225 8.3.1.16).
pub const REQUIREMENT_DUPLEX: u16 = 0x0002;

/// Why an SPDU is malformed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SessionError {
    /// A length runs past the end of the TSDU.
    Truncated {
        /// Offset of the SPDU or parameter.
        offset: usize,
    },
    /// An SPDU identifier this kernel does not handle.
    UnknownSpdu {
        /// Offset of the SI.
        offset: usize,
        /// The SI.
        si: u8,
    },
    /// A parameter with a wrong length or not allowed in this SPDU.
    BadParameter {
        /// Offset of the PI/PGI code.
        offset: usize,
        /// The code.
        code: u8,
    },
    /// Octets after the SPDU(s) of a TSDU.
    TrailingData {
        /// Offset of the first surplus octet.
        offset: usize,
    },
}

impl fmt::Display for SessionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SessionError::Truncated { offset } => write!(f, "SPDU truncated at {offset}"),
            SessionError::UnknownSpdu { offset, si } => {
                write!(f, "unsupported SPDU identifier {si} at {offset}")
            }
            SessionError::BadParameter { offset, code } => {
                write!(f, "bad session parameter {code} at {offset}")
            }
            SessionError::TrailingData { offset } => {
                write!(f, "octets after the SPDU at {offset}")
            }
        }
    }
}

impl core::error::Error for SessionError {}

/// CN or AC parameters (X.225 8.3.1, 8.3.2).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ConnectAccept<'a> {
    /// Connection identifier PGI contents, verbatim.
    pub connection_identifier: Option<&'a [u8]>,
    /// Protocol options (bit 1: extended concatenation), in the connect/accept item.
    pub protocol_options: Option<u8>,
    /// TSDU maximum size (initiator to responder in the high 16 bits).
    pub tsdu_max_size: Option<u32>,
    /// Version number bits ([`VERSION_2`]).
    pub version_number: Option<u8>,
    /// Token item (AC only).
    pub token_item: Option<u8>,
    /// Session user requirements ([`REQUIREMENT_DUPLEX`]).
    pub session_requirements: Option<u16>,
    /// Calling session selector.
    pub calling_selector: Option<&'a [u8]>,
    /// Called (CN) or responding (AC) session selector.
    pub called_selector: Option<&'a [u8]>,
    /// Data overflow (CN only: more user data follows in CDO SPDUs).
    pub data_overflow: Option<u8>,
    /// User data: the presentation CP / CPA PPDU.
    pub user_data: Option<&'a [u8]>,
    /// Extended user data (CN user data over 512 octets, X.225 8.3.1.19).
    pub extended_user_data: Option<&'a [u8]>,
}

impl ConnectAccept<'_> {
    /// Whether the data overflow parameter says more user data follows in CDO SPDUs.
    #[must_use]
    pub fn more_data_follows(&self) -> bool {
        self.data_overflow
            .is_some_and(|v| v & DATA_OVERFLOW_MORE != 0)
    }
}

/// OVERFLOW ACCEPT parameters (X.225 8.3.15): the responder's answer to a CN with data
/// overflow, inviting the CDO SPDUs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OverflowAccept {
    /// TSDU maximum size (initiator to responder in the high 16 bits).
    pub tsdu_max_size: Option<u32>,
    /// Version number bits ([`VERSION_2`]).
    pub version_number: Option<u8>,
}

/// CONNECT DATA OVERFLOW parameters (X.225 8.3.16): one more piece of CN user data.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ConnectDataOverflow<'a> {
    /// Enclosure item ([`ENCLOSURE_BEGINNING`], [`ENCLOSURE_END`]).
    pub enclosure: Option<u8>,
    /// User data: the next octets of the presentation CP PPDU.
    pub user_data: Option<&'a [u8]>,
}

impl ConnectDataOverflow<'_> {
    /// Whether the enclosure item marks this CDO as the last one.
    #[must_use]
    pub fn is_end(&self) -> bool {
        self.enclosure.is_some_and(|v| v & ENCLOSURE_END != 0)
    }
}

/// REFUSE parameters (X.225 8.3.3).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Refuse<'a> {
    /// Connection identifier PGI contents, verbatim.
    pub connection_identifier: Option<&'a [u8]>,
    /// Transport disconnect (bit 1: release the transport connection).
    pub transport_disconnect: Option<u8>,
    /// Session user requirements.
    pub session_requirements: Option<u16>,
    /// Version number.
    pub version_number: Option<u8>,
    /// Reason code PI: the reason octet, then (reason 2, rejection by the SS-user) user data.
    pub reason: Option<&'a [u8]>,
}

impl<'a> Refuse<'a> {
    /// The reason code octet.
    #[must_use]
    pub fn reason_code(&self) -> Option<u8> {
        self.reason.and_then(|r| r.first().copied())
    }

    /// The user data after the reason octet (the presentation CPR PPDU).
    #[must_use]
    pub fn user_data(&self) -> Option<&'a [u8]> {
        self.reason
            .and_then(|r| r.get(1..))
            .filter(|d| !d.is_empty())
    }
}

/// FINISH, DISCONNECT, NOT FINISHED or ABORT parameters (X.225 8.3.5-8.3.7, 8.3.9).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Release<'a> {
    /// Transport disconnect (FN, AB).
    pub transport_disconnect: Option<u8>,
    /// Reflect parameter values (AB).
    pub reflect: Option<&'a [u8]>,
    /// User data: a presentation PPDU (ACSE RLRQ/RLRE, ARU/ARP).
    pub user_data: Option<&'a [u8]>,
}

/// GIVE TOKENS, alone or concatenated with DATA TRANSFER (X.225 8.3.4, 8.3.12).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DataTransfer<'a> {
    /// The GT parameters field, verbatim (normally empty).
    pub gt_parameters: &'a [u8],
    /// The DT parameters field, verbatim (normally empty); `None` for a GT alone.
    pub dt_parameters: Option<&'a [u8]>,
    /// The user information after DT: the presentation user data.
    pub user_information: &'a [u8],
}

impl<'a> DataTransfer<'a> {
    /// GT + DT with empty parameter fields carrying `user_information`: the `01 00 01 00`
    /// form every MMS stack sends.
    #[must_use]
    pub const fn new(user_information: &'a [u8]) -> Self {
        DataTransfer {
            gt_parameters: &[],
            dt_parameters: Some(&[]),
            user_information,
        }
    }
}

/// The SPDU(s) of one TSDU.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Spdu<'a> {
    /// CONNECT.
    #[doc(alias = "CN")]
    Connect(ConnectAccept<'a>),
    /// ACCEPT.
    #[doc(alias = "AC")]
    Accept(ConnectAccept<'a>),
    /// REFUSE.
    #[doc(alias = "RF")]
    Refuse(Refuse<'a>),
    /// FINISH.
    #[doc(alias = "FN")]
    Finish(Release<'a>),
    /// DISCONNECT.
    #[doc(alias = "DN")]
    Disconnect(Release<'a>),
    /// NOT FINISHED.
    #[doc(alias = "NF")]
    NotFinished(Release<'a>),
    /// ABORT.
    #[doc(alias = "AB")]
    Abort(Release<'a>),
    /// ABORT ACCEPT.
    #[doc(alias = "AA")]
    AbortAccept,
    /// GIVE TOKENS + DATA TRANSFER (or GIVE TOKENS alone).
    #[doc(alias = "DT")]
    #[doc(alias = "GT")]
    Data(DataTransfer<'a>),
    /// OVERFLOW ACCEPT.
    #[doc(alias = "OA")]
    OverflowAccept(OverflowAccept),
    /// CONNECT DATA OVERFLOW.
    #[doc(alias = "CDO")]
    ConnectDataOverflow(ConnectDataOverflow<'a>),
}

impl<'a> Spdu<'a> {
    /// The user data this SPDU hands to the presentation layer, if any.
    #[must_use]
    pub fn user_data(&self) -> Option<&'a [u8]> {
        match self {
            Spdu::Connect(c) | Spdu::Accept(c) => c.user_data.or(c.extended_user_data),
            Spdu::Refuse(r) => r.user_data(),
            Spdu::Finish(r) | Spdu::Disconnect(r) | Spdu::NotFinished(r) | Spdu::Abort(r) => {
                r.user_data
            }
            Spdu::AbortAccept => None,
            Spdu::Data(d) => d.dt_parameters.map(|_| d.user_information),
            Spdu::OverflowAccept(_) => None,
            Spdu::ConnectDataOverflow(c) => c.user_data,
        }
    }

    /// The SPDU identifier.
    #[must_use]
    pub const fn si(&self) -> u8 {
        match self {
            Spdu::Connect(_) => SI_CN,
            Spdu::Accept(_) => SI_AC,
            Spdu::Refuse(_) => SI_RF,
            Spdu::Finish(_) => SI_FN,
            Spdu::Disconnect(_) => SI_DN,
            Spdu::NotFinished(_) => SI_NF,
            Spdu::Abort(_) => SI_AB,
            Spdu::AbortAccept => SI_AA,
            Spdu::Data(_) => SI_DT,
            Spdu::OverflowAccept(_) => SI_OA,
            Spdu::ConnectDataOverflow(_) => SI_CDO,
        }
    }
}

/// Read an LI (one octet, or 0xFF and a big-endian u16).
fn read_li(r: &mut Reader<'_>, offset: usize) -> Result<usize, SessionError> {
    let trunc = |_| SessionError::Truncated { offset };
    match r.read_u8().map_err(trunc)? {
        0xFF => r.read_u16_be().map(usize::from).map_err(trunc),
        n => Ok(usize::from(n)),
    }
}

/// Read one SPDU header and parameter field; returns (SI, parameters, offset of parameters).
fn read_spdu<'a>(r: &mut Reader<'a>, base: usize) -> Result<(u8, &'a [u8], usize), SessionError> {
    let offset = base.saturating_add(r.position());
    let si = r
        .read_u8()
        .map_err(|_| SessionError::Truncated { offset })?;
    let len = read_li(r, offset)?;
    let params_offset = base.saturating_add(r.position());
    let params = r
        .read_bytes(len)
        .map_err(|_| SessionError::Truncated { offset })?;
    Ok((si, params, params_offset))
}

/// Walk a parameter field: calls `f(offset, code, value)` for each PI/PGI.
fn for_each_param<'a>(
    params: &'a [u8],
    base: usize,
    mut f: impl FnMut(usize, u8, &'a [u8], usize) -> Result<(), SessionError>,
) -> Result<(), SessionError> {
    let mut r = Reader::new(params);
    while !r.is_empty() {
        let offset = base.saturating_add(r.position());
        let code = r
            .read_u8()
            .map_err(|_| SessionError::Truncated { offset })?;
        let len = read_li(&mut r, offset)?;
        let value_offset = base.saturating_add(r.position());
        let value = r
            .read_bytes(len)
            .map_err(|_| SessionError::Truncated { offset })?;
        f(offset, code, value, value_offset)?;
    }
    Ok(())
}

fn one(offset: usize, code: u8, value: &[u8]) -> Result<u8, SessionError> {
    match value {
        [v] => Ok(*v),
        _ => Err(SessionError::BadParameter { offset, code }),
    }
}

fn two(offset: usize, code: u8, value: &[u8]) -> Result<u16, SessionError> {
    match value {
        [a, b] => Ok(u16::from_be_bytes([*a, *b])),
        _ => Err(SessionError::BadParameter { offset, code }),
    }
}

fn tsdu_max(offset: usize, code: u8, value: &[u8]) -> Result<u32, SessionError> {
    match value {
        [a, b, d, e] => Ok(u32::from_be_bytes([*a, *b, *d, *e])),
        _ => Err(SessionError::BadParameter { offset, code }),
    }
}

fn decode_overflow_accept(params: &[u8], base: usize) -> Result<OverflowAccept, SessionError> {
    let mut oa = OverflowAccept::default();
    for_each_param(params, base, |offset, code, value, _| {
        match code {
            PI_TSDU_MAX_SIZE => oa.tsdu_max_size = Some(tsdu_max(offset, code, value)?),
            PI_VERSION_NUMBER => oa.version_number = Some(one(offset, code, value)?),
            _ => return Err(SessionError::BadParameter { offset, code }),
        }
        Ok(())
    })?;
    Ok(oa)
}

fn decode_cdo(params: &[u8], base: usize) -> Result<ConnectDataOverflow<'_>, SessionError> {
    let mut cdo = ConnectDataOverflow::default();
    for_each_param(params, base, |offset, code, value, _| {
        match code {
            PI_ENCLOSURE => cdo.enclosure = Some(one(offset, code, value)?),
            PGI_USER_DATA => cdo.user_data = Some(value),
            _ => return Err(SessionError::BadParameter { offset, code }),
        }
        Ok(())
    })?;
    Ok(cdo)
}

fn decode_connect_accept(params: &[u8], base: usize) -> Result<ConnectAccept<'_>, SessionError> {
    let mut c = ConnectAccept::default();
    for_each_param(params, base, |offset, code, value, value_offset| {
        match code {
            PGI_CONNECTION_ID => c.connection_identifier = Some(value),
            PGI_CONNECT_ACCEPT => {
                for_each_param(value, value_offset, |offset, code, value, _| {
                    match code {
                        PI_PROTOCOL_OPTIONS => c.protocol_options = Some(one(offset, code, value)?),
                        PI_VERSION_NUMBER => c.version_number = Some(one(offset, code, value)?),
                        PI_TSDU_MAX_SIZE => c.tsdu_max_size = Some(tsdu_max(offset, code, value)?),
                        // Serial numbers and token settings: activity and synchronisation
                        // functional units, not supported by this kernel; skipped.
                        _ => {}
                    }
                    Ok(())
                })?;
            }
            PI_TOKEN_ITEM => c.token_item = Some(one(offset, code, value)?),
            PI_SESSION_REQUIREMENTS => c.session_requirements = Some(two(offset, code, value)?),
            PI_CALLING_SELECTOR => c.calling_selector = Some(value),
            PI_CALLED_SELECTOR => c.called_selector = Some(value),
            PI_DATA_OVERFLOW => c.data_overflow = Some(one(offset, code, value)?),
            PGI_USER_DATA => c.user_data = Some(value),
            PGI_EXTENDED_USER_DATA => c.extended_user_data = Some(value),
            _ => return Err(SessionError::BadParameter { offset, code }),
        }
        Ok(())
    })?;
    Ok(c)
}

fn decode_release(params: &[u8], base: usize) -> Result<Release<'_>, SessionError> {
    let mut rel = Release::default();
    for_each_param(params, base, |offset, code, value, _| {
        match code {
            PI_TRANSPORT_DISCONNECT => rel.transport_disconnect = Some(one(offset, code, value)?),
            PI_REFLECT => rel.reflect = Some(value),
            PGI_USER_DATA => rel.user_data = Some(value),
            // Enclosure item: only meaningful with segmentation; ignored.
            PI_ENCLOSURE => {}
            _ => return Err(SessionError::BadParameter { offset, code }),
        }
        Ok(())
    })?;
    Ok(rel)
}

fn decode_refuse(params: &[u8], base: usize) -> Result<Refuse<'_>, SessionError> {
    let mut rf = Refuse::default();
    for_each_param(params, base, |offset, code, value, _| {
        match code {
            PGI_CONNECTION_ID => rf.connection_identifier = Some(value),
            PI_TRANSPORT_DISCONNECT => rf.transport_disconnect = Some(one(offset, code, value)?),
            PI_SESSION_REQUIREMENTS => rf.session_requirements = Some(two(offset, code, value)?),
            PI_VERSION_NUMBER => rf.version_number = Some(one(offset, code, value)?),
            PI_REASON_CODE => rf.reason = Some(value),
            PI_ENCLOSURE => {}
            _ => return Err(SessionError::BadParameter { offset, code }),
        }
        Ok(())
    })?;
    Ok(rf)
}

impl<'a> Decode<'a> for Spdu<'a> {
    type Error = SessionError;

    /// Decode the SPDU(s) of one whole TSDU.
    fn decode(tsdu: &'a [u8]) -> Result<Self, SessionError> {
        let mut r = Reader::new(tsdu);
        let (si, params, pbase) = read_spdu(&mut r, 0)?;
        let spdu = match si {
            SI_CN => Spdu::Connect(decode_connect_accept(params, pbase)?),
            SI_AC => Spdu::Accept(decode_connect_accept(params, pbase)?),
            SI_RF => Spdu::Refuse(decode_refuse(params, pbase)?),
            SI_FN => Spdu::Finish(decode_release(params, pbase)?),
            SI_DN => Spdu::Disconnect(decode_release(params, pbase)?),
            SI_NF => Spdu::NotFinished(decode_release(params, pbase)?),
            SI_AB => Spdu::Abort(decode_release(params, pbase)?),
            SI_OA => Spdu::OverflowAccept(decode_overflow_accept(params, pbase)?),
            SI_CDO => Spdu::ConnectDataOverflow(decode_cdo(params, pbase)?),
            SI_AA => {
                for_each_param(params, pbase, |_, _, _, _| Ok(()))?;
                Spdu::AbortAccept
            }
            SI_DT => {
                for_each_param(params, pbase, |_, _, _, _| Ok(()))?;
                let dt_parameters = if r.is_empty() {
                    None
                } else {
                    let (si2, dt_params, dbase) = read_spdu(&mut r, 0)?;
                    if si2 != SI_DT {
                        return Err(SessionError::UnknownSpdu {
                            offset: dbase.saturating_sub(2),
                            si: si2,
                        });
                    }
                    for_each_param(dt_params, dbase, |_, _, _, _| Ok(()))?;
                    Some(dt_params)
                };
                return Ok(Spdu::Data(DataTransfer {
                    gt_parameters: params,
                    dt_parameters,
                    user_information: r.read_rest(),
                }));
            }
            _ => return Err(SessionError::UnknownSpdu { offset: 0, si }),
        };
        if r.is_empty() {
            Ok(spdu)
        } else {
            Err(SessionError::TrailingData {
                offset: r.position(),
            })
        }
    }
}

mod encode;
pub use encode::{data_transfer_header_len, write_data_transfer_header};

#[cfg(test)]
mod tests;
