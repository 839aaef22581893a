//! VMD and name services: Status, GetNameList, Identify, DeleteNamedVariableList
//! (ISO 9506-2 10.3, 10.5, 10.6, 14.13).

use telecontrol_core::{EncodeError, Writer};

use super::MmsError;
use super::name::ObjectName;
use super::prim::{
    Fields, Identifier, boolean, code_enum, ctx, ctx_c, header, int, int_len, null, tlv,
    unexpected, write_bool, write_bytes, write_int,
};
use super::seq::{Element, SeqOf};
use crate::ber::{self, BitString, Oid, Tag, Tlv};

impl<'a> Element<'a> for Identifier<'a> {
    type Error = MmsError;

    fn decode_element(tlv: &Tlv<'a>, _validate: bool) -> Result<Self, MmsError> {
        if tlv.tag != Tag::VISIBLE_STRING {
            return Err(unexpected(tlv, "Identifier"));
        }
        Identifier::from_tlv(tlv)
    }
    fn element_len(&self) -> usize {
        self.tlv_len(Tag::VISIBLE_STRING)
    }
    fn write_element(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        self.write(w, Tag::VISIBLE_STRING)
    }
}

code_enum! {
    /// `vmdLogicalStatus` of a Status response (ISO 9506-2 10.3).
    VmdLogicalStatus {
        /// `state-changes-allowed (0)`.
        StateChangesAllowed = 0,
        /// `no-state-changes-allowed (1)`.
        NoStateChangesAllowed = 1,
        /// `limited-services-permitted (2)`.
        LimitedServicesPermitted = 2,
        /// `support-services-allowed (3)`.
        SupportServicesAllowed = 3,
    }
}

code_enum! {
    /// `vmdPhysicalStatus` of a Status response (ISO 9506-2 10.3).
    VmdPhysicalStatus {
        /// `operational (0)`.
        Operational = 0,
        /// `partially-operational (1)`.
        PartiallyOperational = 1,
        /// `inoperable (2)`.
        Inoperable = 2,
        /// `needs-commissioning (3)`.
        NeedsCommissioning = 3,
    }
}

/// `Status-Response` (ISO 9506-2 10.3), also the body of UnsolicitedStatus.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StatusResponse<'a> {
    /// `vmdLogicalStatus [0]`.
    pub logical: VmdLogicalStatus,
    /// `vmdPhysicalStatus [1]`.
    pub physical: VmdPhysicalStatus,
    /// `localDetail [2]`.
    pub local_detail: Option<BitString<'a>>,
}

impl<'a> StatusResponse<'a> {
    pub(crate) fn decode(tlv: &Tlv<'a>) -> Result<Self, MmsError> {
        let mut f = Fields::of(tlv, "Status-Response")?;
        let logical = VmdLogicalStatus::from_code(int(
            &f.req(ctx(0), "vmdLogicalStatus")?,
            "vmdLogicalStatus",
        )?);
        let physical = VmdPhysicalStatus::from_code(int(
            &f.req(ctx(1), "vmdPhysicalStatus")?,
            "vmdPhysicalStatus",
        )?);
        let local_detail = f.opt(ctx(2))?.map(|t| t.as_bit_string()).transpose()?;
        f.end()?;
        Ok(StatusResponse {
            logical,
            physical,
            local_detail,
        })
    }

    pub(crate) fn content_len(&self) -> usize {
        int_len(ctx(0), self.logical.code())
            .saturating_add(int_len(ctx(1), self.physical.code()))
            .saturating_add(
                self.local_detail
                    .map_or(0, |b| tlv(ctx(2), b.content_len())),
            )
    }

    pub(crate) fn write_content(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        write_int(w, ctx(0), self.logical.code())?;
        write_int(w, ctx(1), self.physical.code())?;
        if let Some(b) = self.local_detail {
            header(w, ctx(2), b.content_len())?;
            b.write_content(w)?;
        }
        Ok(())
    }
}

code_enum! {
    /// `ObjectClass` of GetNameList (ISO 9506-2 10.5, basic object classes).
    ObjectClass {
        /// `namedVariable (0)`.
        NamedVariable = 0,
        /// `scatteredAccess (1)`.
        ScatteredAccess = 1,
        /// `namedVariableList (2)`.
        NamedVariableList = 2,
        /// `namedType (3)`.
        NamedType = 3,
        /// `semaphore (4)`.
        Semaphore = 4,
        /// `eventCondition (5)`.
        EventCondition = 5,
        /// `eventAction (6)`.
        EventAction = 6,
        /// `eventEnrollment (7)`.
        EventEnrollment = 7,
        /// `journal (8)`.
        Journal = 8,
        /// `domain (9)`.
        Domain = 9,
        /// `programInvocation (10)`.
        ProgramInvocation = 10,
        /// `operatorStation (11)`.
        OperatorStation = 11,
        /// `dataExchange (12)`.
        DataExchange = 12,
        /// `accessControlList (13)`.
        AccessControlList = 13,
    }
}

/// `extendedObjectClass` of GetNameList.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExtendedObjectClass {
    /// `objectClass [0]`.
    Basic(ObjectClass),
    /// `csObjectClass [1]` (companion-standard classes).
    CompanionStandard(i64),
}

/// `objectScope` of GetNameList.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ObjectScope<'a> {
    /// `vmdSpecific [0]`.
    Vmd,
    /// `domainSpecific [1]`: objects of this domain.
    Domain(Identifier<'a>),
    /// `aaSpecific [2]`.
    Aa,
}

/// `GetNameList-Request` (ISO 9506-2 10.5).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GetNameListRequest<'a> {
    /// `extendedObjectClass [0]`.
    pub object_class: ExtendedObjectClass,
    /// `objectScope [1]`.
    pub object_scope: ObjectScope<'a>,
    /// `continueAfter [2]`: the last name of the previous response.
    pub continue_after: Option<Identifier<'a>>,
}

impl<'a> GetNameListRequest<'a> {
    pub(crate) fn decode(tlv: &Tlv<'a>) -> Result<Self, MmsError> {
        let mut f = Fields::of(tlv, "GetNameList-Request")?;
        let mut c = Fields::of(
            &f.req(ctx_c(0), "extendedObjectClass")?,
            "extendedObjectClass",
        )?;
        let class = c.any("objectClass")?;
        c.end()?;
        let object_class = if class.tag == ctx(0) {
            ExtendedObjectClass::Basic(ObjectClass::from_code(int(&class, "objectClass")?))
        } else if class.tag == ctx(1) {
            ExtendedObjectClass::CompanionStandard(int(&class, "csObjectClass")?)
        } else {
            return Err(unexpected(&class, "extendedObjectClass"));
        };
        let mut s = Fields::of(&f.req(ctx_c(1), "objectScope")?, "objectScope")?;
        let scope = s.any("objectScope")?;
        s.end()?;
        let object_scope = if scope.tag == ctx(0) {
            null(&scope, "vmdSpecific")?;
            ObjectScope::Vmd
        } else if scope.tag == ctx(1) {
            ObjectScope::Domain(Identifier::from_tlv(&scope)?)
        } else if scope.tag == ctx(2) {
            null(&scope, "aaSpecific")?;
            ObjectScope::Aa
        } else {
            return Err(unexpected(&scope, "objectScope"));
        };
        let continue_after = f
            .opt(ctx(2))?
            .map(|t| Identifier::from_tlv(&t))
            .transpose()?;
        f.end()?;
        Ok(GetNameListRequest {
            object_class,
            object_scope,
            continue_after,
        })
    }

    fn class_len(&self) -> usize {
        match self.object_class {
            ExtendedObjectClass::Basic(c) => int_len(ctx(0), c.code()),
            ExtendedObjectClass::CompanionStandard(c) => int_len(ctx(1), c),
        }
    }

    fn scope_len(&self) -> usize {
        match self.object_scope {
            ObjectScope::Vmd => tlv(ctx(0), 0),
            ObjectScope::Domain(d) => d.tlv_len(ctx(1)),
            ObjectScope::Aa => tlv(ctx(2), 0),
        }
    }

    pub(crate) fn content_len(&self) -> usize {
        tlv(ctx_c(0), self.class_len())
            .saturating_add(tlv(ctx_c(1), self.scope_len()))
            .saturating_add(self.continue_after.map_or(0, |c| c.tlv_len(ctx(2))))
    }

    pub(crate) fn write_content(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        header(w, ctx_c(0), self.class_len())?;
        match self.object_class {
            ExtendedObjectClass::Basic(c) => write_int(w, ctx(0), c.code())?,
            ExtendedObjectClass::CompanionStandard(c) => write_int(w, ctx(1), c)?,
        }
        header(w, ctx_c(1), self.scope_len())?;
        match self.object_scope {
            ObjectScope::Vmd => header(w, ctx(0), 0)?,
            ObjectScope::Domain(d) => d.write(w, ctx(1))?,
            ObjectScope::Aa => header(w, ctx(2), 0)?,
        }
        if let Some(c) = self.continue_after {
            c.write(w, ctx(2))?;
        }
        Ok(())
    }
}

/// `GetNameList-Response` (ISO 9506-2 10.5).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GetNameListResponse<'a> {
    /// `listOfIdentifier [0]`.
    pub identifiers: SeqOf<'a, Identifier<'a>>,
    /// `moreFollows [1]`, `None` when absent (DEFAULT TRUE).
    pub more_follows: Option<bool>,
}

impl<'a> GetNameListResponse<'a> {
    /// `moreFollows` with its default applied.
    #[must_use]
    pub fn more_follows(&self) -> bool {
        self.more_follows.unwrap_or(true)
    }

    pub(crate) fn decode(tlv: &Tlv<'a>) -> Result<Self, MmsError> {
        let mut f = Fields::of(tlv, "GetNameList-Response")?;
        let identifiers = SeqOf::decode(
            &f.req(ctx_c(0), "listOfIdentifier")?,
            true,
            "listOfIdentifier",
        )?;
        let more_follows = f
            .opt(ctx(1))?
            .map(|t| boolean(&t, "moreFollows"))
            .transpose()?;
        f.end()?;
        Ok(GetNameListResponse {
            identifiers,
            more_follows,
        })
    }

    pub(crate) fn content_len(&self) -> usize {
        self.identifiers
            .tlv_len(ctx_c(0))
            .saturating_add(self.more_follows.map_or(0, |_| ber::bool_tlv_len(ctx(1))))
    }

    pub(crate) fn write_content(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        self.identifiers.write(w, ctx_c(0))?;
        if let Some(m) = self.more_follows {
            write_bool(w, ctx(1), m)?;
        }
        Ok(())
    }
}

/// `Identify-Response` (ISO 9506-2 10.6). Strings are the received octets.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct IdentifyResponse<'a> {
    /// `vendorName [0]`.
    pub vendor: &'a [u8],
    /// `modelName [1]`.
    pub model: &'a [u8],
    /// `revision [2]`.
    pub revision: &'a [u8],
    /// `listOfAbstractSyntaxes [3]`.
    pub abstract_syntaxes: Option<SeqOf<'a, Oid<'a>>>,
}

impl<'a> IdentifyResponse<'a> {
    pub(crate) fn decode(tlv: &Tlv<'a>) -> Result<Self, MmsError> {
        let mut f = Fields::of(tlv, "Identify-Response")?;
        let vendor = f.req(ctx(0), "vendorName")?.value;
        let model = f.req(ctx(1), "modelName")?.value;
        let revision = f.req(ctx(2), "revision")?.value;
        let abstract_syntaxes = f
            .opt(ctx_c(3))?
            .map(|t| SeqOf::decode(&t, true, "listOfAbstractSyntaxes"))
            .transpose()?;
        f.end()?;
        Ok(IdentifyResponse {
            vendor,
            model,
            revision,
            abstract_syntaxes,
        })
    }

    pub(crate) fn content_len(&self) -> usize {
        tlv(ctx(0), self.vendor.len())
            .saturating_add(tlv(ctx(1), self.model.len()))
            .saturating_add(tlv(ctx(2), self.revision.len()))
            .saturating_add(self.abstract_syntaxes.map_or(0, |s| s.tlv_len(ctx_c(3))))
    }

    pub(crate) fn write_content(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        write_bytes(w, ctx(0), self.vendor)?;
        write_bytes(w, ctx(1), self.model)?;
        write_bytes(w, ctx(2), self.revision)?;
        if let Some(s) = self.abstract_syntaxes {
            s.write(w, ctx_c(3))?;
        }
        Ok(())
    }
}

code_enum! {
    /// `scopeOfDelete` of DeleteNamedVariableList (ISO 9506-2 14.13).
    DeleteScope {
        /// `specific (0)`: the lists named in the request.
        Specific = 0,
        /// `aa-specific (1)`.
        AaSpecific = 1,
        /// `domain (2)`.
        Domain = 2,
        /// `vmd (3)`.
        Vmd = 3,
    }
}

/// `DeleteNamedVariableList-Request` (ISO 9506-2 14.13).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DeleteNamedVariableListRequest<'a> {
    /// `scopeOfDelete [0]`, `None` when absent (DEFAULT specific).
    pub scope: Option<DeleteScope>,
    /// `listOfVariableListName [1]`.
    pub names: Option<SeqOf<'a, ObjectName<'a>>>,
    /// `domainName [2]`.
    pub domain: Option<Identifier<'a>>,
}

impl<'a> DeleteNamedVariableListRequest<'a> {
    pub(crate) fn decode(tlv: &Tlv<'a>) -> Result<Self, MmsError> {
        let mut f = Fields::of(tlv, "DeleteNamedVariableList-Request")?;
        let scope = f
            .opt(ctx(0))?
            .map(|t| int(&t, "scopeOfDelete").map(DeleteScope::from_code))
            .transpose()?;
        let names = f
            .opt(ctx_c(1))?
            .map(|t| SeqOf::decode(&t, true, "listOfVariableListName"))
            .transpose()?;
        let domain = f
            .opt(ctx(2))?
            .map(|t| Identifier::from_tlv(&t))
            .transpose()?;
        f.end()?;
        Ok(DeleteNamedVariableListRequest {
            scope,
            names,
            domain,
        })
    }

    pub(crate) fn content_len(&self) -> usize {
        self.scope
            .map_or(0, |s| int_len(ctx(0), s.code()))
            .saturating_add(self.names.map_or(0, |n| n.tlv_len(ctx_c(1))))
            .saturating_add(self.domain.map_or(0, |d| d.tlv_len(ctx(2))))
    }

    pub(crate) fn write_content(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        if let Some(s) = self.scope {
            write_int(w, ctx(0), s.code())?;
        }
        if let Some(n) = self.names {
            n.write(w, ctx_c(1))?;
        }
        if let Some(d) = self.domain {
            d.write(w, ctx(2))?;
        }
        Ok(())
    }
}

/// `DeleteNamedVariableList-Response` (ISO 9506-2 14.13).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeleteNamedVariableListResponse {
    /// `numberMatched [0]`.
    pub number_matched: u32,
    /// `numberDeleted [1]`.
    pub number_deleted: u32,
}

impl DeleteNamedVariableListResponse {
    pub(crate) fn decode(tlv: &Tlv<'_>) -> Result<Self, MmsError> {
        let mut f = Fields::of(tlv, "DeleteNamedVariableList-Response")?;
        let number_matched = int(&f.req(ctx(0), "numberMatched")?, "numberMatched")?;
        let number_deleted = int(&f.req(ctx(1), "numberDeleted")?, "numberDeleted")?;
        f.end()?;
        Ok(DeleteNamedVariableListResponse {
            number_matched,
            number_deleted,
        })
    }

    pub(crate) fn content_len(&self) -> usize {
        int_len(ctx(0), i64::from(self.number_matched))
            .saturating_add(int_len(ctx(1), i64::from(self.number_deleted)))
    }

    pub(crate) fn write_content(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        write_int(w, ctx(0), i64::from(self.number_matched))?;
        write_int(w, ctx(1), i64::from(self.number_deleted))
    }
}

/// `Status-Request` body: `extendedDerivation` BOOLEAN.
pub(crate) fn decode_status_request(tlv: &Tlv<'_>) -> Result<bool, MmsError> {
    boolean(tlv, "Status-Request")
}
