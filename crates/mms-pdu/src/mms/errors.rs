//! Errors the peer reports: `ServiceError` (ISO 9506-2 7.4), the Reject PDU (7.6) and the
//! Cancel error (7.7).

use telecontrol_core::{EncodeError, Writer};

use super::MmsError;
use super::prim::{
    Fields, RawElement, code_enum, ctx, ctx_c, header, int, int_len, tlv, unexpected, write_bytes,
    write_int,
};
use crate::ber::{Class, Tlv};

/// `errorClass` of a [`ServiceError`] with its code (ISO 9506-2 7.4.1). The codes are
/// listed per class in the standard (e.g. `definition`: 1 object-undefined, 5
/// object-exists; `access`: 2 object-non-existent, 3 object-access-denied).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorClass {
    /// `vmd-state [0]`.
    VmdState(i64),
    /// `application-reference [1]`.
    ApplicationReference(i64),
    /// `definition [2]`.
    Definition(i64),
    /// `resource [3]`.
    Resource(i64),
    /// `service [4]`.
    Service(i64),
    /// `service-preempt [5]`.
    ServicePreempt(i64),
    /// `time-resolution [6]`.
    TimeResolution(i64),
    /// `access [7]`.
    Access(i64),
    /// `initiate [8]`.
    Initiate(i64),
    /// `conclude [9]`.
    Conclude(i64),
    /// `cancel [10]`.
    Cancel(i64),
    /// `file [11]`.
    File(i64),
    /// `others [12]`.
    Others(i64),
}

impl ErrorClass {
    /// The class number (the context tag) and the code.
    #[must_use]
    pub const fn parts(self) -> (u32, i64) {
        match self {
            ErrorClass::VmdState(c) => (0, c),
            ErrorClass::ApplicationReference(c) => (1, c),
            ErrorClass::Definition(c) => (2, c),
            ErrorClass::Resource(c) => (3, c),
            ErrorClass::Service(c) => (4, c),
            ErrorClass::ServicePreempt(c) => (5, c),
            ErrorClass::TimeResolution(c) => (6, c),
            ErrorClass::Access(c) => (7, c),
            ErrorClass::Initiate(c) => (8, c),
            ErrorClass::Conclude(c) => (9, c),
            ErrorClass::Cancel(c) => (10, c),
            ErrorClass::File(c) => (11, c),
            ErrorClass::Others(c) => (12, c),
        }
    }

    /// The class numbered `class` with `code`; `None` beyond 12.
    #[must_use]
    pub const fn from_parts(class: u32, code: i64) -> Option<Self> {
        Some(match class {
            0 => ErrorClass::VmdState(code),
            1 => ErrorClass::ApplicationReference(code),
            2 => ErrorClass::Definition(code),
            3 => ErrorClass::Resource(code),
            4 => ErrorClass::Service(code),
            5 => ErrorClass::ServicePreempt(code),
            6 => ErrorClass::TimeResolution(code),
            7 => ErrorClass::Access(code),
            8 => ErrorClass::Initiate(code),
            9 => ErrorClass::Conclude(code),
            10 => ErrorClass::Cancel(code),
            11 => ErrorClass::File(code),
            12 => ErrorClass::Others(code),
            _ => return None,
        })
    }
}

/// `ServiceError` (ISO 9506-2 7.4): why a confirmed service, Initiate, Conclude or Cancel
/// failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ServiceError<'a> {
    /// `errorClass [0]`.
    pub error_class: ErrorClass,
    /// `additionalCode [1]`.
    pub additional_code: Option<i64>,
    /// `additionalDescription [2]` (octets as received).
    pub additional_description: Option<&'a [u8]>,
    /// `serviceSpecificInformation [3]`: the chosen alternative, kept as received.
    pub service_specific: Option<RawElement<'a>>,
}

impl<'a> ServiceError<'a> {
    /// A service error with only its class and code.
    #[must_use]
    pub const fn new(error_class: ErrorClass) -> Self {
        ServiceError {
            error_class,
            additional_code: None,
            additional_description: None,
            service_specific: None,
        }
    }

    /// Decode the contents of the constructed `tlv` (its tag is implicit).
    pub(crate) fn decode(tlv: &Tlv<'a>) -> Result<Self, MmsError> {
        let mut f = Fields::of(tlv, "ServiceError")?;
        let mut c = Fields::of(&f.req(ctx_c(0), "errorClass")?, "errorClass")?;
        let class = c.any("errorClass")?;
        c.end()?;
        if class.tag.class != Class::ContextSpecific || class.tag.constructed {
            return Err(unexpected(&class, "errorClass"));
        }
        let error_class = ErrorClass::from_parts(class.tag.number, int(&class, "errorClass")?)
            .ok_or(unexpected(&class, "errorClass"))?;
        let additional_code = f
            .opt(ctx(1))?
            .map(|t| int(&t, "additionalCode"))
            .transpose()?;
        let additional_description = f.opt(ctx(2))?.map(|t| t.value);
        let service_specific = match f.opt(ctx_c(3))? {
            Some(t) => {
                let mut s = Fields::of(&t, "serviceSpecificInformation")?;
                let inner = s.any("serviceSpecificInformation")?;
                s.end()?;
                Some(RawElement::from_tlv(&inner))
            }
            None => None,
        };
        f.end()?;
        Ok(ServiceError {
            error_class,
            additional_code,
            additional_description,
            service_specific,
        })
    }

    fn class_len(&self) -> usize {
        let (n, code) = self.error_class.parts();
        int_len(ctx(n), code)
    }

    /// Octets of the contents.
    pub(crate) fn content_len(&self) -> usize {
        tlv(ctx_c(0), self.class_len())
            .saturating_add(self.additional_code.map_or(0, |c| int_len(ctx(1), c)))
            .saturating_add(
                self.additional_description
                    .map_or(0, |d| tlv(ctx(2), d.len())),
            )
            .saturating_add(
                self.service_specific
                    .map_or(0, |s| tlv(ctx_c(3), s.tlv_len())),
            )
    }

    /// Write the contents.
    pub(crate) fn write_content(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        header(w, ctx_c(0), self.class_len())?;
        let (n, code) = self.error_class.parts();
        write_int(w, ctx(n), code)?;
        if let Some(c) = self.additional_code {
            write_int(w, ctx(1), c)?;
        }
        if let Some(d) = self.additional_description {
            write_bytes(w, ctx(2), d)?;
        }
        if let Some(s) = self.service_specific {
            header(w, ctx_c(3), s.tlv_len())?;
            s.write(w)?;
        }
        Ok(())
    }
}

code_enum! {
    /// Reject reasons for a `confirmed-requestPDU` (ISO 9506-2 7.6).
    ConfirmedRequestReject {
        /// `other (0)`.
        Unspecified = 0,
        /// `unrecognized-service (1)`.
        UnrecognizedService = 1,
        /// `unrecognized-modifier (2)`.
        UnrecognizedModifier = 2,
        /// `invalid-invokeID (3)`.
        InvalidInvokeId = 3,
        /// `invalid-argument (4)`.
        InvalidArgument = 4,
        /// `invalid-modifier (5)`.
        InvalidModifier = 5,
        /// `max-serv-outstanding-exceeded (6)`.
        MaxServOutstandingExceeded = 6,
        /// `max-recursion-exceeded (8)`.
        MaxRecursionExceeded = 8,
        /// `value-out-of-range (9)`.
        ValueOutOfRange = 9,
    }
}

code_enum! {
    /// Reject reasons for a `confirmed-responsePDU` (ISO 9506-2 7.6).
    ConfirmedResponseReject {
        /// `other (0)`.
        Unspecified = 0,
        /// `unrecognized-service (1)`.
        UnrecognizedService = 1,
        /// `invalid-invokeID (2)`.
        InvalidInvokeId = 2,
        /// `invalid-result (3)`.
        InvalidResult = 3,
        /// `max-recursion-exceeded (5)`.
        MaxRecursionExceeded = 5,
        /// `value-out-of-range (6)`.
        ValueOutOfRange = 6,
    }
}

code_enum! {
    /// Reject reasons for a `pdu-error` (ISO 9506-2 7.6).
    PduErrorReject {
        /// `unknown-pdu-type (0)`.
        UnknownPduType = 0,
        /// `invalid-pdu (1)`.
        InvalidPdu = 1,
        /// `illegal-acse-mapping (2)`.
        IllegalAcseMapping = 2,
    }
}

/// `rejectReason` of a Reject PDU (ISO 9506-2 7.6): which kind of PDU was rejected, and
/// the code. The codes of the kinds without their own enum are listed in the standard
/// (e.g. `unconfirmedPDU`: 1 unrecognized-service, 2 invalid-argument).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RejectReason {
    /// `confirmed-requestPDU [1]`.
    ConfirmedRequest(ConfirmedRequestReject),
    /// `confirmed-responsePDU [2]`.
    ConfirmedResponse(ConfirmedResponseReject),
    /// `confirmed-errorPDU [3]`: 1 unrecognized-service, 2 invalid-invokeID,
    /// 3 invalid-serviceError, 4 value-out-of-range.
    ConfirmedError(i64),
    /// `unconfirmedPDU [4]`: 1 unrecognized-service, 2 invalid-argument,
    /// 3 max-recursion-exceeded, 4 value-out-of-range.
    Unconfirmed(i64),
    /// `pdu-error [5]`.
    PduError(PduErrorReject),
    /// `cancel-requestPDU [6]`: 1 invalid-invokeID.
    CancelRequest(i64),
    /// `cancel-responsePDU [7]`: 1 invalid-invokeID.
    CancelResponse(i64),
    /// `cancel-errorPDU [8]`: 1 invalid-invokeID, 2 invalid-serviceError,
    /// 3 value-out-of-range.
    CancelError(i64),
    /// `conclude-requestPDU [9]`: 1 invalid-argument.
    ConcludeRequest(i64),
    /// `conclude-responsePDU [10]`: 1 invalid-result.
    ConcludeResponse(i64),
    /// `conclude-errorPDU [11]`: 1 invalid-serviceError, 2 value-out-of-range.
    ConcludeError(i64),
}

impl RejectReason {
    /// The context number and the code.
    #[must_use]
    pub const fn parts(self) -> (u32, i64) {
        match self {
            RejectReason::ConfirmedRequest(c) => (1, c.code()),
            RejectReason::ConfirmedResponse(c) => (2, c.code()),
            RejectReason::ConfirmedError(c) => (3, c),
            RejectReason::Unconfirmed(c) => (4, c),
            RejectReason::PduError(c) => (5, c.code()),
            RejectReason::CancelRequest(c) => (6, c),
            RejectReason::CancelResponse(c) => (7, c),
            RejectReason::CancelError(c) => (8, c),
            RejectReason::ConcludeRequest(c) => (9, c),
            RejectReason::ConcludeResponse(c) => (10, c),
            RejectReason::ConcludeError(c) => (11, c),
        }
    }

    /// The reason for context number `n` and `code`; `None` outside 1..=11.
    #[must_use]
    pub const fn from_parts(n: u32, code: i64) -> Option<Self> {
        Some(match n {
            1 => RejectReason::ConfirmedRequest(ConfirmedRequestReject::from_code(code)),
            2 => RejectReason::ConfirmedResponse(ConfirmedResponseReject::from_code(code)),
            3 => RejectReason::ConfirmedError(code),
            4 => RejectReason::Unconfirmed(code),
            5 => RejectReason::PduError(PduErrorReject::from_code(code)),
            6 => RejectReason::CancelRequest(code),
            7 => RejectReason::CancelResponse(code),
            8 => RejectReason::CancelError(code),
            9 => RejectReason::ConcludeRequest(code),
            10 => RejectReason::ConcludeResponse(code),
            11 => RejectReason::ConcludeError(code),
            _ => return None,
        })
    }
}

/// `RejectPDU` (ISO 9506-2 7.6).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RejectPdu {
    /// `originalInvokeID [0]`, when the rejected PDU had a readable one.
    pub original_invoke_id: Option<u32>,
    /// `rejectReason`.
    pub reason: RejectReason,
}

impl RejectPdu {
    pub(crate) fn decode(tlv: &Tlv<'_>) -> Result<Self, MmsError> {
        let mut f = Fields::of(tlv, "RejectPDU")?;
        let original_invoke_id = f
            .opt(ctx(0))?
            .map(|t| int(&t, "originalInvokeID"))
            .transpose()?;
        let r = f.any("rejectReason")?;
        f.end()?;
        if r.tag.class != Class::ContextSpecific || r.tag.constructed {
            return Err(unexpected(&r, "rejectReason"));
        }
        let reason = RejectReason::from_parts(r.tag.number, int(&r, "rejectReason")?)
            .ok_or(unexpected(&r, "rejectReason"))?;
        Ok(RejectPdu {
            original_invoke_id,
            reason,
        })
    }

    pub(crate) fn content_len(&self) -> usize {
        let (n, code) = self.reason.parts();
        self.original_invoke_id
            .map_or(0, |i| int_len(ctx(0), i64::from(i)))
            .saturating_add(int_len(ctx(n), code))
    }

    pub(crate) fn write_content(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        if let Some(i) = self.original_invoke_id {
            write_int(w, ctx(0), i64::from(i))?;
        }
        let (n, code) = self.reason.parts();
        write_int(w, ctx(n), code)
    }
}

/// `Cancel-ErrorPDU` (ISO 9506-2 7.7).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CancelError<'a> {
    /// `originalInvokeID [0]`.
    pub original_invoke_id: u32,
    /// `serviceError [1]`.
    pub service_error: ServiceError<'a>,
}

impl<'a> CancelError<'a> {
    pub(crate) fn decode(tlv: &Tlv<'a>) -> Result<Self, MmsError> {
        let mut f = Fields::of(tlv, "Cancel-ErrorPDU")?;
        let original_invoke_id = int(&f.req(ctx(0), "originalInvokeID")?, "originalInvokeID")?;
        let service_error = ServiceError::decode(&f.req(ctx_c(1), "serviceError")?)?;
        f.end()?;
        Ok(CancelError {
            original_invoke_id,
            service_error,
        })
    }

    pub(crate) fn content_len(&self) -> usize {
        int_len(ctx(0), i64::from(self.original_invoke_id))
            .saturating_add(tlv(ctx_c(1), self.service_error.content_len()))
    }

    pub(crate) fn write_content(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        write_int(w, ctx(0), i64::from(self.original_invoke_id))?;
        header(w, ctx_c(1), self.service_error.content_len())?;
        self.service_error.write_content(w)
    }
}
