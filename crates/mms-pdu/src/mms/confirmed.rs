//! Confirmed services (ISO 9506-2 7.2, 7.3, 7.4): the request and response choices and the
//! confirmed PDUs that carry them.

use telecontrol_core::{EncodeError, Writer};

use super::MmsError;
use super::errors::ServiceError;
use super::name::ObjectName;
use super::prim::{
    Fields, RawElement, ctx, ctx_c, header, int, int_len, null, tlv, unexpected, write_int,
};
use super::seq::Element;
use super::seq::SeqOf;
use super::services::{
    DeleteNamedVariableListRequest, DeleteNamedVariableListResponse, GetNameListRequest,
    GetNameListResponse, IdentifyResponse, StatusResponse, decode_status_request,
};
use super::variables::{
    DefineNamedVariableListRequest, GetNamedVariableListAttributesResponse,
    GetVariableAccessAttributesRequest, GetVariableAccessAttributesResponse, ReadRequest,
    ReadResponse, WriteRequest, WriteResult, decode_explicit_name,
};
use crate::ber::{self, Class, Tag, Tlv};

/// `ConfirmedServiceRequest` (ISO 9506-2 7.2.1): the services this crate models, and any
/// other as [`Unsupported`](ConfirmedServiceRequest::Unsupported) so that the caller can
/// answer it with a Reject or a ServiceError.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub enum ConfirmedServiceRequest<'a> {
    /// `status [0]`: `extendedDerivation`.
    Status(bool),
    /// `getNameList [1]`.
    GetNameList(GetNameListRequest<'a>),
    /// `identify [2]`.
    Identify,
    /// `read [4]`.
    Read(ReadRequest<'a>),
    /// `write [5]`.
    Write(WriteRequest<'a>),
    /// `getVariableAccessAttributes [6]`.
    GetVariableAccessAttributes(GetVariableAccessAttributesRequest<'a>),
    /// `defineNamedVariableList [11]`.
    DefineNamedVariableList(DefineNamedVariableListRequest<'a>),
    /// `getNamedVariableListAttributes [12]`: the list's name.
    GetNamedVariableListAttributes(ObjectName<'a>),
    /// `deleteNamedVariableList [13]`.
    DeleteNamedVariableList(DeleteNamedVariableListRequest<'a>),
    /// Another service (its context tag number is the service's number in the choice),
    /// kept as received.
    Unsupported(RawElement<'a>),
}

impl<'a> ConfirmedServiceRequest<'a> {
    /// The service's tag.
    #[must_use]
    pub const fn tag(&self) -> Tag {
        match self {
            Self::Status(_) => ctx(0),
            Self::GetNameList(_) => ctx_c(1),
            Self::Identify => ctx(2),
            Self::Read(_) => ctx_c(4),
            Self::Write(_) => ctx_c(5),
            Self::GetVariableAccessAttributes(_) => ctx_c(6),
            Self::DefineNamedVariableList(_) => ctx_c(11),
            Self::GetNamedVariableListAttributes(_) => ctx_c(12),
            Self::DeleteNamedVariableList(_) => ctx_c(13),
            Self::Unsupported(raw) => raw.tag,
        }
    }

    fn decode(tlv: &Tlv<'a>) -> Result<Self, MmsError> {
        if tlv.tag.class != Class::ContextSpecific {
            return Err(unexpected(tlv, "ConfirmedServiceRequest"));
        }
        let known = matches!(tlv.tag.number, 0..=2 | 4..=6 | 11..=13);
        if !known {
            return Ok(Self::Unsupported(RawElement::from_tlv(tlv)));
        }
        let s = match (tlv.tag.number, tlv.tag.constructed) {
            (0, false) => Self::Status(decode_status_request(tlv)?),
            (1, true) => Self::GetNameList(GetNameListRequest::decode(tlv)?),
            (2, false) => {
                null(tlv, "Identify-Request")?;
                Self::Identify
            }
            (4, true) => Self::Read(ReadRequest::decode(tlv)?),
            (5, true) => Self::Write(WriteRequest::decode(tlv)?),
            (6, true) => {
                Self::GetVariableAccessAttributes(GetVariableAccessAttributesRequest::decode(tlv)?)
            }
            (11, true) => {
                Self::DefineNamedVariableList(DefineNamedVariableListRequest::decode(tlv)?)
            }
            (12, true) => Self::GetNamedVariableListAttributes(decode_explicit_name(
                tlv,
                "GetNamedVariableListAttributes-Request",
            )?),
            (13, true) => {
                Self::DeleteNamedVariableList(DeleteNamedVariableListRequest::decode(tlv)?)
            }
            _ => return Err(unexpected(tlv, "ConfirmedServiceRequest")),
        };
        Ok(s)
    }

    fn content_len(&self) -> usize {
        match self {
            Self::Status(_) => 1,
            Self::GetNameList(r) => r.content_len(),
            Self::Identify => 0,
            Self::Read(r) => r.content_len(),
            Self::Write(r) => r.content_len(),
            Self::GetVariableAccessAttributes(r) => r.content_len(),
            Self::DefineNamedVariableList(r) => r.content_len(),
            Self::GetNamedVariableListAttributes(n) => n.element_len(),
            Self::DeleteNamedVariableList(r) => r.content_len(),
            Self::Unsupported(raw) => raw.content.len(),
        }
    }

    fn tlv_len(&self) -> usize {
        tlv(self.tag(), self.content_len())
    }

    fn write(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        header(w, self.tag(), self.content_len())?;
        match self {
            Self::Status(b) => {
                ber::write_bool_content(w, *b)?;
                Ok(())
            }
            Self::GetNameList(r) => r.write_content(w),
            Self::Identify => Ok(()),
            Self::Read(r) => r.write_content(w),
            Self::Write(r) => r.write_content(w),
            Self::GetVariableAccessAttributes(r) => r.write_content(w),
            Self::DefineNamedVariableList(r) => r.write_content(w),
            Self::GetNamedVariableListAttributes(n) => n.write_element(w),
            Self::DeleteNamedVariableList(r) => r.write_content(w),
            Self::Unsupported(raw) => {
                w.write_bytes(raw.content)?;
                Ok(())
            }
        }
    }
}

/// `ConfirmedServiceResponse` (ISO 9506-2 7.3.1).
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub enum ConfirmedServiceResponse<'a> {
    /// `status [0]`.
    Status(StatusResponse<'a>),
    /// `getNameList [1]`.
    GetNameList(GetNameListResponse<'a>),
    /// `identify [2]`.
    Identify(IdentifyResponse<'a>),
    /// `read [4]`.
    Read(ReadResponse<'a>),
    /// `write [5]`: one result per written variable.
    Write(SeqOf<'a, WriteResult>),
    /// `getVariableAccessAttributes [6]`.
    GetVariableAccessAttributes(GetVariableAccessAttributesResponse<'a>),
    /// `defineNamedVariableList [11]`.
    DefineNamedVariableList,
    /// `getNamedVariableListAttributes [12]`.
    GetNamedVariableListAttributes(GetNamedVariableListAttributesResponse<'a>),
    /// `deleteNamedVariableList [13]`.
    DeleteNamedVariableList(DeleteNamedVariableListResponse),
    /// Another service, kept as received.
    Unsupported(RawElement<'a>),
}

impl<'a> ConfirmedServiceResponse<'a> {
    /// The service's tag.
    #[must_use]
    pub const fn tag(&self) -> Tag {
        match self {
            Self::Status(_) => ctx_c(0),
            Self::GetNameList(_) => ctx_c(1),
            Self::Identify(_) => ctx_c(2),
            Self::Read(_) => ctx_c(4),
            Self::Write(_) => ctx_c(5),
            Self::GetVariableAccessAttributes(_) => ctx_c(6),
            Self::DefineNamedVariableList => ctx(11),
            Self::GetNamedVariableListAttributes(_) => ctx_c(12),
            Self::DeleteNamedVariableList(_) => ctx_c(13),
            Self::Unsupported(raw) => raw.tag,
        }
    }

    fn decode(tlv: &Tlv<'a>) -> Result<Self, MmsError> {
        if tlv.tag.class != Class::ContextSpecific {
            return Err(unexpected(tlv, "ConfirmedServiceResponse"));
        }
        let known = matches!(tlv.tag.number, 0..=2 | 4..=6 | 11..=13);
        if !known {
            return Ok(Self::Unsupported(RawElement::from_tlv(tlv)));
        }
        let s = match (tlv.tag.number, tlv.tag.constructed) {
            (0, true) => Self::Status(StatusResponse::decode(tlv)?),
            (1, true) => Self::GetNameList(GetNameListResponse::decode(tlv)?),
            (2, true) => Self::Identify(IdentifyResponse::decode(tlv)?),
            (4, true) => Self::Read(ReadResponse::decode(tlv)?),
            (5, true) => Self::Write(SeqOf::decode(tlv, true, "Write-Response")?),
            (6, true) => {
                Self::GetVariableAccessAttributes(GetVariableAccessAttributesResponse::decode(tlv)?)
            }
            (11, false) => {
                null(tlv, "DefineNamedVariableList-Response")?;
                Self::DefineNamedVariableList
            }
            (12, true) => Self::GetNamedVariableListAttributes(
                GetNamedVariableListAttributesResponse::decode(tlv)?,
            ),
            (13, true) => {
                Self::DeleteNamedVariableList(DeleteNamedVariableListResponse::decode(tlv)?)
            }
            _ => return Err(unexpected(tlv, "ConfirmedServiceResponse")),
        };
        Ok(s)
    }

    fn content_len(&self) -> usize {
        match self {
            Self::Status(r) => r.content_len(),
            Self::GetNameList(r) => r.content_len(),
            Self::Identify(r) => r.content_len(),
            Self::Read(r) => r.content_len(),
            Self::Write(r) => r.content_len(),
            Self::GetVariableAccessAttributes(r) => r.content_len(),
            Self::DefineNamedVariableList => 0,
            Self::GetNamedVariableListAttributes(r) => r.content_len(),
            Self::DeleteNamedVariableList(r) => r.content_len(),
            Self::Unsupported(raw) => raw.content.len(),
        }
    }

    fn tlv_len(&self) -> usize {
        tlv(self.tag(), self.content_len())
    }

    fn write(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        header(w, self.tag(), self.content_len())?;
        match self {
            Self::Status(r) => r.write_content(w),
            Self::GetNameList(r) => r.write_content(w),
            Self::Identify(r) => r.write_content(w),
            Self::Read(r) => r.write_content(w),
            Self::Write(r) => r.write_content(w),
            Self::GetVariableAccessAttributes(r) => r.write_content(w),
            Self::DefineNamedVariableList => Ok(()),
            Self::GetNamedVariableListAttributes(r) => r.write_content(w),
            Self::DeleteNamedVariableList(r) => r.write_content(w),
            Self::Unsupported(raw) => {
                w.write_bytes(raw.content)?;
                Ok(())
            }
        }
    }
}

/// `Confirmed-RequestPDU` (ISO 9506-2 7.2).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ConfirmedRequest<'a> {
    /// `invokeID`.
    pub invoke_id: u32,
    /// `listOfModifier`: the contents of the SEQUENCE OF Modifier, kept as received.
    pub modifiers: Option<&'a [u8]>,
    /// The service request.
    pub service: ConfirmedServiceRequest<'a>,
}

impl<'a> ConfirmedRequest<'a> {
    /// A request without modifiers.
    #[must_use]
    pub const fn new(invoke_id: u32, service: ConfirmedServiceRequest<'a>) -> Self {
        ConfirmedRequest {
            invoke_id,
            modifiers: None,
            service,
        }
    }

    pub(crate) fn decode(tlv: &Tlv<'a>) -> Result<Self, MmsError> {
        let mut f = Fields::of(tlv, "Confirmed-RequestPDU")?;
        let invoke_id = int(&f.req(Tag::INTEGER, "invokeID")?, "invokeID")?;
        let modifiers = f.opt(Tag::SEQUENCE)?.map(|t| t.value);
        let service = ConfirmedServiceRequest::decode(&f.any("confirmedServiceRequest")?)?;
        f.end()?;
        Ok(ConfirmedRequest {
            invoke_id,
            modifiers,
            service,
        })
    }

    pub(crate) fn content_len(&self) -> usize {
        int_len(Tag::INTEGER, i64::from(self.invoke_id))
            .saturating_add(self.modifiers.map_or(0, |m| tlv(Tag::SEQUENCE, m.len())))
            .saturating_add(self.service.tlv_len())
    }

    pub(crate) fn write_content(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        write_int(w, Tag::INTEGER, i64::from(self.invoke_id))?;
        if let Some(m) = self.modifiers {
            header(w, Tag::SEQUENCE, m.len())?;
            w.write_bytes(m)?;
        }
        self.service.write(w)
    }
}

/// `Confirmed-ResponsePDU` (ISO 9506-2 7.3).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ConfirmedResponse<'a> {
    /// `invokeID` of the request answered.
    pub invoke_id: u32,
    /// The service response.
    pub service: ConfirmedServiceResponse<'a>,
}

impl<'a> ConfirmedResponse<'a> {
    pub(crate) fn decode(tlv: &Tlv<'a>) -> Result<Self, MmsError> {
        let mut f = Fields::of(tlv, "Confirmed-ResponsePDU")?;
        let invoke_id = int(&f.req(Tag::INTEGER, "invokeID")?, "invokeID")?;
        let service = ConfirmedServiceResponse::decode(&f.any("confirmedServiceResponse")?)?;
        f.end()?;
        Ok(ConfirmedResponse { invoke_id, service })
    }

    pub(crate) fn content_len(&self) -> usize {
        int_len(Tag::INTEGER, i64::from(self.invoke_id)).saturating_add(self.service.tlv_len())
    }

    pub(crate) fn write_content(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        write_int(w, Tag::INTEGER, i64::from(self.invoke_id))?;
        self.service.write(w)
    }
}

/// `Confirmed-ErrorPDU` (ISO 9506-2 7.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConfirmedErrorPdu<'a> {
    /// `invokeID [0]` of the failed request.
    pub invoke_id: u32,
    /// `modifierPosition [1]`.
    pub modifier_position: Option<u32>,
    /// `serviceError [2]`.
    pub service_error: ServiceError<'a>,
}

impl<'a> ConfirmedErrorPdu<'a> {
    pub(crate) fn decode(tlv: &Tlv<'a>) -> Result<Self, MmsError> {
        let mut f = Fields::of(tlv, "Confirmed-ErrorPDU")?;
        let invoke_id = int(&f.req(ctx(0), "invokeID")?, "invokeID")?;
        let modifier_position = f
            .opt(ctx(1))?
            .map(|t| int(&t, "modifierPosition"))
            .transpose()?;
        let service_error = ServiceError::decode(&f.req(ctx_c(2), "serviceError")?)?;
        f.end()?;
        Ok(ConfirmedErrorPdu {
            invoke_id,
            modifier_position,
            service_error,
        })
    }

    pub(crate) fn content_len(&self) -> usize {
        int_len(ctx(0), i64::from(self.invoke_id))
            .saturating_add(
                self.modifier_position
                    .map_or(0, |m| int_len(ctx(1), i64::from(m))),
            )
            .saturating_add(tlv(ctx_c(2), self.service_error.content_len()))
    }

    pub(crate) fn write_content(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        write_int(w, ctx(0), i64::from(self.invoke_id))?;
        if let Some(m) = self.modifier_position {
            write_int(w, ctx(1), i64::from(m))?;
        }
        header(w, ctx_c(2), self.service_error.content_len())?;
        self.service_error.write_content(w)
    }
}
