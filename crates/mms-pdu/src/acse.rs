//! ACSE, the association control service element of ISO 8650-1 / X.227 (version 1, BER):
//! AARQ, AARE, RLRQ, RLRE and ABRT.
//!
//! Supported: AP-title in form 2 (object identifier), AE-qualifier in form 2 (integer),
//! AP/AE invocation identifiers, sender/responder requirements, the mechanism name and
//! authentication value (password: `charstring`; the `bitstring`, `external` and `other`
//! choices are kept verbatim), implementation information, and user information as one
//! EXTERNAL whose single-ASN1-type value (the MMS PDU) is exposed as a slice for the MMS
//! layer. Not supported: AP-title/AE-qualifier form 1 (directory names), the
//! application-context-name-list, and more than one EXTERNAL in user information (each is
//! an error, not silently dropped).

use core::fmt;

use telecontrol_core::{Decode, Encode, EncodeError, Writer};

use crate::ber::emit::{Sink, count};
use crate::ber::{BerError, BerReader, BitString, Oid, Tag, Tlv};
use crate::presentation::PdvValue;

/// The MMS application context, `1.0.9506.2.3` (ISO 9506-2 mms-application-context).
pub const MMS_APPLICATION_CONTEXT: Oid<'static> =
    Oid::from_encoded(&[0x28, 0xCA, 0x22, 0x02, 0x03]);
/// The password authentication mechanism, `2.2.3.1` (X.227 authentication-mechanism
/// password-1).
pub const PASSWORD_MECHANISM: Oid<'static> = Oid::from_encoded(&[0x52, 0x03, 0x01]);

const AARQ: Tag = Tag::application(0, true);
const AARE: Tag = Tag::application(1, true);
const RLRQ: Tag = Tag::application(2, true);
const RLRE: Tag = Tag::application(3, true);
const ABRT: Tag = Tag::application(4, true);
const USER_INFORMATION: Tag = Tag::context(30, true);
const IMPLEMENTATION_INFORMATION: Tag = Tag::context(29, false);

/// Why an APDU is malformed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AcseError {
    /// The BER structure or a value is malformed, a tag is unexpected, or a mandatory
    /// component is missing ([`BerError::MissingElement`]).
    Ber(BerError),
    /// A valid component this implementation does not handle.
    Unsupported {
        /// Offset of the component.
        offset: usize,
        /// The component.
        field: &'static str,
    },
}

impl From<BerError> for AcseError {
    fn from(e: BerError) -> Self {
        AcseError::Ber(e)
    }
}

impl fmt::Display for AcseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AcseError::Ber(e) => write!(f, "ACSE APDU: {e}"),
            AcseError::Unsupported { offset, field } => {
                write!(f, "unsupported ACSE {field} at {offset}")
            }
        }
    }
}

impl core::error::Error for AcseError {}

/// Authentication-value (X.227 7.1.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthenticationValue<'a> {
    /// `charstring [0]` GraphicString: the password of [`PASSWORD_MECHANISM`].
    CharString(&'a [u8]),
    /// `bitstring [1]`.
    BitString(BitString<'a>),
    /// `external [2]`, contents verbatim.
    External(&'a [u8]),
    /// `other [3]`, contents verbatim.
    Other(&'a [u8]),
}

/// An EXTERNAL (X.690 8.18) of user information.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct External<'a> {
    /// direct-reference.
    pub direct_reference: Option<Oid<'a>>,
    /// indirect-reference: the presentation context (3 for MMS in the usual CP).
    pub indirect_reference: Option<i64>,
    /// data-value-descriptor, contents verbatim.
    pub data_value_descriptor: Option<&'a [u8]>,
    /// encoding.
    pub encoding: PdvValue<'a>,
}

impl<'a> External<'a> {
    /// An EXTERNAL carrying one encoded value (e.g. an MMS PDU) in presentation context
    /// `context_id`.
    #[must_use]
    pub const fn single(context_id: i64, value: &'a [u8]) -> Self {
        External {
            direct_reference: None,
            indirect_reference: Some(context_id),
            data_value_descriptor: None,
            encoding: PdvValue::SingleAsn1Type(value),
        }
    }

    /// The single-ASN1-type value: the encoded MMS PDU for an MMS association.
    #[must_use]
    pub const fn single_value(&self) -> Option<&'a [u8]> {
        match self.encoding {
            PdvValue::SingleAsn1Type(v) => Some(v),
            _ => None,
        }
    }
}

/// Associate-source-diagnostic (X.227 7.1.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SourceDiagnostic {
    /// `acse-service-user [1]`: 0 null, 1 no reason, 2 context name not supported, 3-10
    /// AP/AE title/qualifier/invocation not recognised, 11-14 authentication.
    ServiceUser(i64),
    /// `acse-service-provider [2]`: 0 null, 1 no reason, 2 no common ACSE version.
    ServiceProvider(i64),
}

/// A-ASSOCIATE-REQUEST APDU (X.227 7.1.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Aarq<'a> {
    /// protocol-version `[0]` (default version1).
    pub protocol_version: Option<BitString<'a>>,
    /// application-context-name `[1]` ([`MMS_APPLICATION_CONTEXT`]).
    pub application_context: Oid<'a>,
    /// called-AP-title `[2]`.
    pub called_ap_title: Option<Oid<'a>>,
    /// called-AE-qualifier `[3]`.
    pub called_ae_qualifier: Option<i64>,
    /// called-AP-invocation-identifier `[4]`.
    pub called_ap_invocation_id: Option<i64>,
    /// called-AE-invocation-identifier `[5]`.
    pub called_ae_invocation_id: Option<i64>,
    /// calling-AP-title `[6]`.
    pub calling_ap_title: Option<Oid<'a>>,
    /// calling-AE-qualifier `[7]`.
    pub calling_ae_qualifier: Option<i64>,
    /// calling-AP-invocation-identifier `[8]`.
    pub calling_ap_invocation_id: Option<i64>,
    /// calling-AE-invocation-identifier `[9]`.
    pub calling_ae_invocation_id: Option<i64>,
    /// sender-acse-requirements `[10]` (bit 0: authentication).
    pub sender_requirements: Option<BitString<'a>>,
    /// mechanism-name `[11]` ([`PASSWORD_MECHANISM`]).
    pub mechanism_name: Option<Oid<'a>>,
    /// calling-authentication-value `[12]`.
    pub authentication_value: Option<AuthenticationValue<'a>>,
    /// implementation-information `[29]`, GraphicString contents.
    pub implementation_information: Option<&'a [u8]>,
    /// user-information `[30]`: the MMS initiate-RequestPDU.
    pub user_information: Option<External<'a>>,
}

impl<'a> Aarq<'a> {
    /// An AARQ with the given application context and nothing else.
    #[must_use]
    pub const fn new(application_context: Oid<'a>) -> Self {
        Aarq {
            protocol_version: None,
            application_context,
            called_ap_title: None,
            called_ae_qualifier: None,
            called_ap_invocation_id: None,
            called_ae_invocation_id: None,
            calling_ap_title: None,
            calling_ae_qualifier: None,
            calling_ap_invocation_id: None,
            calling_ae_invocation_id: None,
            sender_requirements: None,
            mechanism_name: None,
            authentication_value: None,
            implementation_information: None,
            user_information: None,
        }
    }

    /// The password, if the AARQ uses password authentication.
    #[must_use]
    pub fn password(&self) -> Option<&'a [u8]> {
        match (self.mechanism_name, self.authentication_value) {
            (Some(m), Some(AuthenticationValue::CharString(p))) if m == PASSWORD_MECHANISM => {
                Some(p)
            }
            _ => None,
        }
    }
}

/// A-ASSOCIATE-RESPONSE APDU (X.227 7.1.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Aare<'a> {
    /// protocol-version `[0]`.
    pub protocol_version: Option<BitString<'a>>,
    /// application-context-name `[1]`.
    pub application_context: Oid<'a>,
    /// result `[2]`: 0 accepted, 1 rejected (permanent), 2 rejected (transient).
    pub result: i64,
    /// result-source-diagnostic `[3]`.
    pub result_source_diagnostic: Option<SourceDiagnostic>,
    /// responding-AP-title `[4]`.
    pub responding_ap_title: Option<Oid<'a>>,
    /// responding-AE-qualifier `[5]`.
    pub responding_ae_qualifier: Option<i64>,
    /// responding-AP-invocation-identifier `[6]`.
    pub responding_ap_invocation_id: Option<i64>,
    /// responding-AE-invocation-identifier `[7]`.
    pub responding_ae_invocation_id: Option<i64>,
    /// responder-acse-requirements `[8]`.
    pub responder_requirements: Option<BitString<'a>>,
    /// mechanism-name `[9]`.
    pub mechanism_name: Option<Oid<'a>>,
    /// responding-authentication-value `[10]`.
    pub authentication_value: Option<AuthenticationValue<'a>>,
    /// implementation-information `[29]`.
    pub implementation_information: Option<&'a [u8]>,
    /// user-information `[30]`: the MMS initiate-ResponsePDU (or an error).
    pub user_information: Option<External<'a>>,
}

impl<'a> Aare<'a> {
    /// An AARE with the given context, result and diagnostic and nothing else.
    #[must_use]
    pub const fn new(application_context: Oid<'a>, result: i64, diag: SourceDiagnostic) -> Self {
        Aare {
            protocol_version: None,
            application_context,
            result,
            result_source_diagnostic: Some(diag),
            responding_ap_title: None,
            responding_ae_qualifier: None,
            responding_ap_invocation_id: None,
            responding_ae_invocation_id: None,
            responder_requirements: None,
            mechanism_name: None,
            authentication_value: None,
            implementation_information: None,
            user_information: None,
        }
    }
}

/// A-RELEASE-REQUEST / A-RELEASE-RESPONSE APDU (RLRQ, RLRE).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReleaseApdu<'a> {
    /// reason `[0]`: RLRQ 0 normal, 1 urgent, 30 user-defined; RLRE 0 normal, 1
    /// not-finished, 30 user-defined.
    pub reason: Option<i64>,
    /// user-information `[30]`.
    pub user_information: Option<External<'a>>,
}

/// A-ABORT APDU (ABRT).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AbortApdu<'a> {
    /// abort-source `[0]`: 0 acse-service-user, 1 acse-service-provider.
    pub source: i64,
    /// abort-diagnostic `[1]`.
    pub diagnostic: Option<i64>,
    /// user-information `[30]`.
    pub user_information: Option<External<'a>>,
}

/// An ACSE APDU.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Apdu<'a> {
    /// A-ASSOCIATE-REQUEST.
    #[doc(alias = "AARQ")]
    AssociateRequest(Aarq<'a>),
    /// A-ASSOCIATE-RESPONSE.
    #[doc(alias = "AARE")]
    AssociateResponse(Aare<'a>),
    /// A-RELEASE-REQUEST.
    #[doc(alias = "RLRQ")]
    ReleaseRequest(ReleaseApdu<'a>),
    /// A-RELEASE-RESPONSE.
    #[doc(alias = "RLRE")]
    ReleaseResponse(ReleaseApdu<'a>),
    /// A-ABORT.
    #[doc(alias = "ABRT")]
    Abort(AbortApdu<'a>),
}

impl<'a> Apdu<'a> {
    /// The user information EXTERNAL, if any.
    #[must_use]
    pub const fn user_information(&self) -> Option<External<'a>> {
        match self {
            Apdu::AssociateRequest(a) => a.user_information,
            Apdu::AssociateResponse(a) => a.user_information,
            Apdu::ReleaseRequest(r) | Apdu::ReleaseResponse(r) => r.user_information,
            Apdu::Abort(a) => a.user_information,
        }
    }

    /// The encoded MMS PDU in the user information, if any.
    #[must_use]
    pub const fn mms_pdu(&self) -> Option<&'a [u8]> {
        match self.user_information() {
            Some(e) => e.single_value(),
            None => None,
        }
    }
}

mod codec;

#[cfg(test)]
mod tests;
