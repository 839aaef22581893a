//! The presentation layer kernel of ISO 8823-1 / X.226, normal mode, BER: CP-type,
//! CPA-PPDU, CPR-PPDU, ARU-PPDU, ARP-PPDU and the User-data of data transfer (TD) and
//! release.
//!
//! Each PPDU travels as session user data; which one it is follows from the SPDU (CN → CP,
//! AC → CPA, RF → CPR, AB → ARU or ARP, DT/FN/DN → User-data), so the decoders are per type
//! and [`Ppdu::decode_for`] picks by SPDU identifier. Lists (context definitions, results,
//! PDVs) are zero-copy [`SeqOf`]s. Not supported: x410-mode (X.410-1984) PPDUs, the
//! context-management functional unit (AC/ACA PPDUs), typed data (TTD), and the
//! default-context and protocol-options/extensions fields beyond keeping them verbatim.

use core::fmt;

use telecontrol_core::{Decode, Encode, EncodeError, Writer};

use crate::ber::emit::{Sink, count};
use crate::ber::{BerError, BerReader, BitString, Element, Oid, SeqOf, Tag, Tlv};

/// Abstract syntax of ACSE, `2.2.1.0.1` (joint-iso-itu-t association-control(2)
/// abstract-syntax(1) apdus(0) version1(1)).
pub const ACSE_ABSTRACT_SYNTAX: Oid<'static> = Oid::from_encoded(&[0x52, 0x01, 0x00, 0x01]);
/// Abstract syntax of MMS, `1.0.9506.2.1` (ISO 9506-2 mms-abstract-syntax-version1).
pub const MMS_ABSTRACT_SYNTAX: Oid<'static> = Oid::from_encoded(&[0x28, 0xCA, 0x22, 0x02, 0x01]);
/// The BER transfer syntax, `2.1.1` (joint-iso-itu-t asn1(1) basic-encoding(1)).
pub const BER_TRANSFER_SYNTAX: Oid<'static> = Oid::from_encoded(&[0x51, 0x01]);
/// `mode-value` of normal mode.
pub const NORMAL_MODE: i64 = 1;

const MODE_SELECTOR: Tag = Tag::context(0, true);
const NORMAL_MODE_PARAMETERS: Tag = Tag::context(2, true);
const PROTOCOL_VERSION: Tag = Tag::context(0, false);
const CALLING_SELECTOR: Tag = Tag::context(1, false);
const CALLED_SELECTOR: Tag = Tag::context(2, false);
const RESPONDING_SELECTOR: Tag = Tag::context(3, false);
const CONTEXT_LIST: Tag = Tag::context(4, true);
const RESULT_LIST: Tag = Tag::context(5, true);
const DEFAULT_CONTEXT_NAME: Tag = Tag::context(6, true);
const DEFAULT_CONTEXT_RESULT: Tag = Tag::context(7, false);
const PRESENTATION_REQUIREMENTS: Tag = Tag::context(8, false);
const USER_SESSION_REQUIREMENTS: Tag = Tag::context(9, false);
const PROVIDER_REASON: Tag = Tag::context(10, false);
const SIMPLY_ENCODED: Tag = Tag::application(0, false);
const FULLY_ENCODED: Tag = Tag::application(1, true);

/// Why a PPDU is malformed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PresentationError {
    /// The BER structure or a value is malformed, or a tag is not allowed there.
    Ber(BerError),
    /// A mandatory component is absent.
    Missing {
        /// Offset of the enclosing element.
        offset: usize,
        /// The component.
        field: &'static str,
    },
    /// A component has a value this kernel does not accept (e.g. a mode other than normal).
    Unsupported {
        /// Offset of the component.
        offset: usize,
        /// The component.
        field: &'static str,
    },
}

impl From<BerError> for PresentationError {
    fn from(e: BerError) -> Self {
        PresentationError::Ber(e)
    }
}

impl fmt::Display for PresentationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PresentationError::Ber(e) => write!(f, "presentation PPDU: {e}"),
            PresentationError::Missing { offset, field } => {
                write!(f, "presentation PPDU at {offset} lacks {field}")
            }
            PresentationError::Unsupported { offset, field } => {
                write!(f, "unsupported presentation {field} at {offset}")
            }
        }
    }
}

impl core::error::Error for PresentationError {}

/// One item of the presentation-context-definition-list (X.226 8.2, `Context-list`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ContextDefinition<'a> {
    /// presentation-context-identifier (odd for the initiator).
    pub id: i64,
    /// abstract-syntax-name.
    pub abstract_syntax: Oid<'a>,
    /// transfer-syntax-name-list.
    pub transfer_syntaxes: SeqOf<'a, Oid<'a>>,
}

/// One item of the presentation-context-definition-result-list (`Result-list`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ContextResult<'a> {
    /// result: 0 acceptance, 1 user-rejection, 2 provider-rejection.
    pub result: i64,
    /// transfer-syntax-name chosen.
    pub transfer_syntax: Option<Oid<'a>>,
    /// provider-reason (for a provider rejection).
    pub provider_reason: Option<i64>,
}

/// presentation-data-values of a PDV-list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PdvValue<'a> {
    /// single-ASN1-type `[0]`: one encoded value of the context's abstract syntax (for
    /// ACSE and MMS, the APDU's whole TLV).
    SingleAsn1Type(&'a [u8]),
    /// octet-aligned `[1]`.
    OctetAligned(&'a [u8]),
    /// arbitrary `[2]`.
    Arbitrary(BitString<'a>),
}

/// One PDV-list of fully-encoded-data (X.226 8.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pdv<'a> {
    /// transfer-syntax-name (only when several were proposed).
    pub transfer_syntax: Option<Oid<'a>>,
    /// presentation-context-identifier.
    pub context_id: i64,
    /// The value.
    pub value: PdvValue<'a>,
}

/// User-data (X.226 8.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UserData<'a> {
    /// simply-encoded-data `[APPLICATION 0]` (no context identifiers).
    Simple(&'a [u8]),
    /// fully-encoded-data `[APPLICATION 1]`: PDV-lists.
    Fully(SeqOf<'a, Pdv<'a>>),
}

impl<'a> UserData<'a> {
    /// The first PDV of fully-encoded data carrying a single ASN.1 value: (context id,
    /// encoded value). What ACSE and MMS use.
    #[must_use]
    pub fn single_value(&self) -> Option<(i64, &'a [u8])> {
        match self {
            UserData::Fully(list) => list.iter().find_map(|p| match p.value {
                PdvValue::SingleAsn1Type(v) => Some((p.context_id, v)),
                _ => None,
            }),
            UserData::Simple(_) => None,
        }
    }
}

/// CP-type, the connect presentation PPDU, normal mode (X.226 8.2).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ConnectPpdu<'a> {
    /// protocol-version (version-1 is bit 0).
    pub protocol_version: Option<BitString<'a>>,
    /// calling-presentation-selector.
    pub calling_selector: Option<&'a [u8]>,
    /// called-presentation-selector.
    pub called_selector: Option<&'a [u8]>,
    /// presentation-context-definition-list.
    pub context_list: Option<SeqOf<'a, ContextDefinition<'a>>>,
    /// default-context-name, verbatim contents.
    pub default_context_name: Option<&'a [u8]>,
    /// presentation-requirements.
    pub presentation_requirements: Option<BitString<'a>>,
    /// user-session-requirements.
    pub user_session_requirements: Option<BitString<'a>>,
    /// user-data: the AARQ.
    pub user_data: Option<UserData<'a>>,
}

/// CPA-PPDU, connect accept, normal mode (X.226 8.3).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AcceptPpdu<'a> {
    /// protocol-version.
    pub protocol_version: Option<BitString<'a>>,
    /// responding-presentation-selector.
    pub responding_selector: Option<&'a [u8]>,
    /// presentation-context-definition-result-list.
    pub result_list: Option<SeqOf<'a, ContextResult<'a>>>,
    /// presentation-requirements.
    pub presentation_requirements: Option<BitString<'a>>,
    /// user-session-requirements.
    pub user_session_requirements: Option<BitString<'a>>,
    /// user-data: the AARE.
    pub user_data: Option<UserData<'a>>,
}

/// CPR-PPDU, connect reject, normal mode (X.226 8.3).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RefusePpdu<'a> {
    /// protocol-version.
    pub protocol_version: Option<BitString<'a>>,
    /// responding-presentation-selector.
    pub responding_selector: Option<&'a [u8]>,
    /// presentation-context-definition-result-list.
    pub result_list: Option<SeqOf<'a, ContextResult<'a>>>,
    /// default-context-result.
    pub default_context_result: Option<i64>,
    /// provider-reason (0 not specified, 1 temporary congestion, 2 local limit exceeded, 3
    /// called presentation address unknown, 4 protocol version not supported, 5 default
    /// context not supported, 6 user data not readable, 7 no PSAP available).
    pub provider_reason: Option<i64>,
    /// user-data: an AARE (rejected).
    pub user_data: Option<UserData<'a>>,
}

/// ARU-PPDU, user abort, normal mode (X.226 8.5).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AbortUserPpdu<'a> {
    /// presentation-context-identifier-list, verbatim contents.
    pub context_id_list: Option<&'a [u8]>,
    /// user-data: the ABRT.
    pub user_data: Option<UserData<'a>>,
}

/// ARP-PPDU, provider abort (X.226 8.5).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AbortProviderPpdu {
    /// provider-reason `[0]`.
    pub provider_reason: Option<i64>,
    /// event-identifier `[1]`.
    pub event_identifier: Option<i64>,
}

/// A presentation PPDU of any kind this kernel handles.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Ppdu<'a> {
    /// CP-type.
    #[doc(alias = "CP")]
    Connect(ConnectPpdu<'a>),
    /// CPA-PPDU.
    #[doc(alias = "CPA")]
    Accept(AcceptPpdu<'a>),
    /// CPR-PPDU.
    #[doc(alias = "CPR")]
    Refuse(RefusePpdu<'a>),
    /// ARU-PPDU.
    #[doc(alias = "ARU")]
    AbortUser(AbortUserPpdu<'a>),
    /// ARP-PPDU.
    #[doc(alias = "ARP")]
    AbortProvider(AbortProviderPpdu),
    /// User-data alone: data transfer (TD) and release (in FN/DN).
    #[doc(alias = "TD")]
    Data(UserData<'a>),
}

impl<'a> Ppdu<'a> {
    /// Decode the PPDU carried by an SPDU with identifier `si` (see [`crate::session`]):
    /// CN → CP, AC → CPA, RF → CPR, AB → ARU (`[0]`) or ARP (SEQUENCE), others → User-data.
    ///
    /// # Errors
    /// [`PresentationError`].
    pub fn decode_for(si: u8, input: &'a [u8]) -> Result<Self, PresentationError> {
        use crate::session::{SI_AB, SI_AC, SI_CN, SI_RF};
        Ok(match si {
            SI_CN => Ppdu::Connect(ConnectPpdu::decode(input)?),
            SI_AC => Ppdu::Accept(AcceptPpdu::decode(input)?),
            SI_RF => Ppdu::Refuse(RefusePpdu::decode(input)?),
            SI_AB => match BerReader::new(input).peek_tag()? {
                Some(t) if t == Tag::SEQUENCE => {
                    Ppdu::AbortProvider(AbortProviderPpdu::decode(input)?)
                }
                _ => Ppdu::AbortUser(AbortUserPpdu::decode(input)?),
            },
            _ => Ppdu::Data(UserData::decode(input)?),
        })
    }

    /// The user data, if the PPDU carries some.
    #[must_use]
    pub fn user_data(&self) -> Option<UserData<'a>> {
        match self {
            Ppdu::Connect(p) => p.user_data,
            Ppdu::Accept(p) => p.user_data,
            Ppdu::Refuse(p) => p.user_data,
            Ppdu::AbortUser(p) => p.user_data,
            Ppdu::AbortProvider(_) => None,
            Ppdu::Data(d) => Some(*d),
        }
    }
}

mod codec;

#[cfg(test)]
mod tests;
