//! Variable access services: Read, Write, InformationReport, GetVariableAccessAttributes,
//! DefineNamedVariableList, GetNamedVariableListAttributes (ISO 9506-2 14.6 to 14.12).

use telecontrol_core::{EncodeError, Writer};

use super::MmsError;
use super::access::{VariableAccessSpecification, VariableListItem};
use super::data::{AccessResult, Data, DataAccessError};
use super::name::{Address, ObjectName};
use super::prim::{Fields, boolean, ctx, ctx_c, header, int, null, tlv, unexpected, write_bool};
use super::seq::{Element, SeqOf};
use super::types::TypeSpecification;
use crate::ber::{self, Tag, Tlv};

fn opt_bool_len(v: Option<bool>, tag: Tag) -> usize {
    v.map_or(0, |_| ber::bool_tlv_len(tag))
}

/// `Read-Request` (ISO 9506-2 14.6).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ReadRequest<'a> {
    /// `specificationWithResult [0]`, `None` when absent (DEFAULT FALSE).
    pub specification_with_result: Option<bool>,
    /// `variableAccessSpecification [1]`.
    pub variable_access_specification: VariableAccessSpecification<'a>,
}

impl<'a> ReadRequest<'a> {
    pub(crate) fn decode(tlv: &Tlv<'a>) -> Result<Self, MmsError> {
        let mut f = Fields::of(tlv, "Read-Request")?;
        let specification_with_result = f
            .opt(ctx(0))?
            .map(|t| boolean(&t, "specificationWithResult"))
            .transpose()?;
        let mut v = Fields::of(
            &f.req(ctx_c(1), "variableAccessSpecification")?,
            "variableAccessSpecification",
        )?;
        let variable_access_specification = VariableAccessSpecification::decode_element(
            &v.any("variableAccessSpecification")?,
            true,
        )?;
        v.end()?;
        f.end()?;
        Ok(ReadRequest {
            specification_with_result,
            variable_access_specification,
        })
    }

    pub(crate) fn content_len(&self) -> usize {
        opt_bool_len(self.specification_with_result, ctx(0)).saturating_add(tlv(
            ctx_c(1),
            self.variable_access_specification.element_len(),
        ))
    }

    pub(crate) fn write_content(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        if let Some(s) = self.specification_with_result {
            write_bool(w, ctx(0), s)?;
        }
        header(
            w,
            ctx_c(1),
            self.variable_access_specification.element_len(),
        )?;
        self.variable_access_specification.write_element(w)
    }
}

/// `Read-Response` (ISO 9506-2 14.6).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ReadResponse<'a> {
    /// `variableAccessSpecification [0]`, when the request asked for it.
    pub variable_access_specification: Option<VariableAccessSpecification<'a>>,
    /// `listOfAccessResult [1]`.
    pub results: SeqOf<'a, AccessResult<'a>>,
}

impl<'a> ReadResponse<'a> {
    pub(crate) fn decode(tlv: &Tlv<'a>) -> Result<Self, MmsError> {
        let mut f = Fields::of(tlv, "Read-Response")?;
        let variable_access_specification = match f.opt(ctx_c(0))? {
            Some(t) => {
                let mut v = Fields::of(&t, "variableAccessSpecification")?;
                let s = VariableAccessSpecification::decode_element(
                    &v.any("variableAccessSpecification")?,
                    true,
                )?;
                v.end()?;
                Some(s)
            }
            None => None,
        };
        let results = SeqOf::decode(
            &f.req(ctx_c(1), "listOfAccessResult")?,
            true,
            "listOfAccessResult",
        )?;
        f.end()?;
        Ok(ReadResponse {
            variable_access_specification,
            results,
        })
    }

    pub(crate) fn content_len(&self) -> usize {
        self.variable_access_specification
            .map_or(0, |v| tlv(ctx_c(0), v.element_len()))
            .saturating_add(self.results.tlv_len(ctx_c(1)))
    }

    pub(crate) fn write_content(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        if let Some(v) = self.variable_access_specification {
            header(w, ctx_c(0), v.element_len())?;
            v.write_element(w)?;
        }
        self.results.write(w, ctx_c(1))
    }
}

/// `Write-Request` (ISO 9506-2 14.7).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WriteRequest<'a> {
    /// `variableAccessSpecification`.
    pub variable_access_specification: VariableAccessSpecification<'a>,
    /// `listOfData [0]`.
    pub data: SeqOf<'a, Data<'a>>,
}

impl<'a> WriteRequest<'a> {
    pub(crate) fn decode(tlv: &Tlv<'a>) -> Result<Self, MmsError> {
        let mut f = Fields::of(tlv, "Write-Request")?;
        let variable_access_specification = VariableAccessSpecification::decode_element(
            &f.any("variableAccessSpecification")?,
            true,
        )?;
        let data = SeqOf::decode(&f.req(ctx_c(0), "listOfData")?, true, "listOfData")?;
        f.end()?;
        Ok(WriteRequest {
            variable_access_specification,
            data,
        })
    }

    pub(crate) fn content_len(&self) -> usize {
        self.variable_access_specification
            .element_len()
            .saturating_add(self.data.tlv_len(ctx_c(0)))
    }

    pub(crate) fn write_content(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        self.variable_access_specification.write_element(w)?;
        self.data.write(w, ctx_c(0))
    }
}

/// One result of a Write (ISO 9506-2 14.7): `failure [0] DataAccessError | success [1] NULL`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WriteResult {
    /// `failure [0]`.
    Failure(DataAccessError),
    /// `success [1]`.
    Success,
}

impl<'a> Element<'a> for WriteResult {
    type Error = MmsError;

    fn decode_element(tlv: &Tlv<'a>, _validate: bool) -> Result<Self, MmsError> {
        if tlv.tag == ctx(0) {
            Ok(WriteResult::Failure(DataAccessError::from_code(int(
                tlv, "failure",
            )?)))
        } else if tlv.tag == ctx(1) {
            null(tlv, "success")?;
            Ok(WriteResult::Success)
        } else {
            Err(unexpected(tlv, "Write-Response"))
        }
    }

    fn element_len(&self) -> usize {
        match self {
            WriteResult::Failure(e) => ber::i64_tlv_len(ctx(0), e.code()),
            WriteResult::Success => tlv(ctx(1), 0),
        }
    }

    fn write_element(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        match self {
            WriteResult::Failure(e) => {
                ber::write_i64(w, ctx(0), e.code())?;
                Ok(())
            }
            WriteResult::Success => header(w, ctx(1), 0),
        }
    }
}

/// `InformationReport` (ISO 9506-2 14.8): unsolicited values; in TASE.2 the data set
/// transfer reports.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct InformationReport<'a> {
    /// `variableAccessSpecification`.
    pub variable_access_specification: VariableAccessSpecification<'a>,
    /// `listOfAccessResult [0]`.
    pub results: SeqOf<'a, AccessResult<'a>>,
}

impl<'a> InformationReport<'a> {
    pub(crate) fn decode(tlv: &Tlv<'a>) -> Result<Self, MmsError> {
        let mut f = Fields::of(tlv, "InformationReport")?;
        let variable_access_specification = VariableAccessSpecification::decode_element(
            &f.any("variableAccessSpecification")?,
            true,
        )?;
        let results = SeqOf::decode(
            &f.req(ctx_c(0), "listOfAccessResult")?,
            true,
            "listOfAccessResult",
        )?;
        f.end()?;
        Ok(InformationReport {
            variable_access_specification,
            results,
        })
    }

    pub(crate) fn content_len(&self) -> usize {
        self.variable_access_specification
            .element_len()
            .saturating_add(self.results.tlv_len(ctx_c(0)))
    }

    pub(crate) fn write_content(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        self.variable_access_specification.write_element(w)?;
        self.results.write(w, ctx_c(0))
    }
}

/// `GetVariableAccessAttributes-Request` (ISO 9506-2 14.9).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GetVariableAccessAttributesRequest<'a> {
    /// `name [0]`.
    Name(ObjectName<'a>),
    /// `address [1]`.
    Address(Address<'a>),
}

impl<'a> GetVariableAccessAttributesRequest<'a> {
    pub(crate) fn decode(tlv: &Tlv<'a>) -> Result<Self, MmsError> {
        const F: &str = "GetVariableAccessAttributes-Request";
        let mut f = Fields::of(tlv, F)?;
        let choice = f.any(F)?;
        f.end()?;
        let mut c = Fields::of(&choice, F)?;
        let inner = c.any(F)?;
        c.end()?;
        if choice.tag == ctx_c(0) {
            Ok(Self::Name(ObjectName::decode_element(&inner, true)?))
        } else if choice.tag == ctx_c(1) {
            Ok(Self::Address(Address::decode_element(&inner, true)?))
        } else {
            Err(unexpected(&choice, F))
        }
    }

    fn inner_len(&self) -> usize {
        match self {
            Self::Name(n) => n.element_len(),
            Self::Address(a) => a.element_len(),
        }
    }

    pub(crate) fn content_len(&self) -> usize {
        tlv(ctx_c(0), self.inner_len())
    }

    pub(crate) fn write_content(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        match self {
            Self::Name(n) => {
                header(w, ctx_c(0), self.inner_len())?;
                n.write_element(w)
            }
            Self::Address(a) => {
                header(w, ctx_c(1), self.inner_len())?;
                a.write_element(w)
            }
        }
    }
}

/// `GetVariableAccessAttributes-Response` (ISO 9506-2 14.9).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GetVariableAccessAttributesResponse<'a> {
    /// `mmsDeletable [0]`.
    pub mms_deletable: bool,
    /// `address [1]`.
    pub address: Option<Address<'a>>,
    /// `typeSpecification [2]` (`typeDescription` in the 2003 edition).
    pub type_specification: TypeSpecification<'a>,
}

impl<'a> GetVariableAccessAttributesResponse<'a> {
    pub(crate) fn decode(tlv: &Tlv<'a>) -> Result<Self, MmsError> {
        let mut f = Fields::of(tlv, "GetVariableAccessAttributes-Response")?;
        let mms_deletable = boolean(&f.req(ctx(0), "mmsDeletable")?, "mmsDeletable")?;
        let address = match f.opt(ctx_c(1))? {
            Some(t) => {
                let mut a = Fields::of(&t, "address")?;
                let v = Address::decode_element(&a.any("address")?, true)?;
                a.end()?;
                Some(v)
            }
            None => None,
        };
        let mut t = Fields::of(&f.req(ctx_c(2), "typeSpecification")?, "typeSpecification")?;
        let type_specification =
            TypeSpecification::decode_element(&t.any("typeSpecification")?, true)?;
        t.end()?;
        f.end()?;
        Ok(GetVariableAccessAttributesResponse {
            mms_deletable,
            address,
            type_specification,
        })
    }

    pub(crate) fn content_len(&self) -> usize {
        ber::bool_tlv_len(ctx(0))
            .saturating_add(self.address.map_or(0, |a| tlv(ctx_c(1), a.element_len())))
            .saturating_add(tlv(ctx_c(2), self.type_specification.element_len()))
    }

    pub(crate) fn write_content(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        write_bool(w, ctx(0), self.mms_deletable)?;
        if let Some(a) = self.address {
            header(w, ctx_c(1), a.element_len())?;
            a.write_element(w)?;
        }
        header(w, ctx_c(2), self.type_specification.element_len())?;
        self.type_specification.write_element(w)
    }
}

/// `DefineNamedVariableList-Request` (ISO 9506-2 14.10): define a data set.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DefineNamedVariableListRequest<'a> {
    /// `variableListName`.
    pub name: ObjectName<'a>,
    /// `listOfVariable [0]`.
    pub variables: SeqOf<'a, VariableListItem<'a>>,
}

impl<'a> DefineNamedVariableListRequest<'a> {
    pub(crate) fn decode(tlv: &Tlv<'a>) -> Result<Self, MmsError> {
        let mut f = Fields::of(tlv, "DefineNamedVariableList-Request")?;
        let name = ObjectName::decode_element(&f.any("variableListName")?, true)?;
        let variables = SeqOf::decode(&f.req(ctx_c(0), "listOfVariable")?, true, "listOfVariable")?;
        f.end()?;
        Ok(DefineNamedVariableListRequest { name, variables })
    }

    pub(crate) fn content_len(&self) -> usize {
        self.name
            .element_len()
            .saturating_add(self.variables.tlv_len(ctx_c(0)))
    }

    pub(crate) fn write_content(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        self.name.write_element(w)?;
        self.variables.write(w, ctx_c(0))
    }
}

/// `GetNamedVariableListAttributes-Response` (ISO 9506-2 14.11).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GetNamedVariableListAttributesResponse<'a> {
    /// `mmsDeletable [0]`.
    pub mms_deletable: bool,
    /// `listOfVariable [1]`.
    pub variables: SeqOf<'a, VariableListItem<'a>>,
}

impl<'a> GetNamedVariableListAttributesResponse<'a> {
    pub(crate) fn decode(tlv: &Tlv<'a>) -> Result<Self, MmsError> {
        let mut f = Fields::of(tlv, "GetNamedVariableListAttributes-Response")?;
        let mms_deletable = boolean(&f.req(ctx(0), "mmsDeletable")?, "mmsDeletable")?;
        let variables = SeqOf::decode(&f.req(ctx_c(1), "listOfVariable")?, true, "listOfVariable")?;
        f.end()?;
        Ok(GetNamedVariableListAttributesResponse {
            mms_deletable,
            variables,
        })
    }

    pub(crate) fn content_len(&self) -> usize {
        ber::bool_tlv_len(ctx(0)).saturating_add(self.variables.tlv_len(ctx_c(1)))
    }

    pub(crate) fn write_content(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        write_bool(w, ctx(0), self.mms_deletable)?;
        self.variables.write(w, ctx_c(1))
    }
}

/// GetNamedVariableListAttributes-Request body: `[12] ObjectName` (explicit).
pub(crate) fn decode_explicit_name<'a>(
    tlv: &Tlv<'a>,
    field: &'static str,
) -> Result<ObjectName<'a>, MmsError> {
    let mut f = Fields::of(tlv, field)?;
    let n = ObjectName::decode_element(&f.any(field)?, true)?;
    f.end()?;
    Ok(n)
}
