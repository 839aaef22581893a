//! Variable access: `VariableAccessSpecification`, `VariableSpecification` and
//! `AlternateAccess` (ISO 9506-2 14.4.1, 14.5, 14.6).

use telecontrol_core::{EncodeError, Writer};

use super::MmsError;
use super::name::{Address, ObjectName};
use super::prim::{
    Fields, Identifier, ctx, ctx_c, header, int, int_len, null, tlv, unexpected, write_int,
};
use super::seq::{Element, SeqOf};
use super::types::TypeSpecification;
use crate::ber::{Tag, Tlv};

/// `VariableAccessSpecification` (ISO 9506-2 14.6.1): which variables a Read, Write or
/// InformationReport is about.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum VariableAccessSpecification<'a> {
    /// `listOfVariable [0]`: the variables one by one.
    #[doc(alias = "listOfVariable")]
    ListOfVariable(SeqOf<'a, VariableListItem<'a>>),
    /// `variableListName [1]`: a named variable list (a TASE.2 data set).
    #[doc(alias = "variableListName")]
    VariableListName(ObjectName<'a>),
}

const LIST_OF_VARIABLE: Tag = ctx_c(0);
const VARIABLE_LIST_NAME: Tag = ctx_c(1);

impl<'a> VariableAccessSpecification<'a> {
    fn content_len(&self) -> usize {
        match self {
            VariableAccessSpecification::ListOfVariable(l) => l.content_len(),
            VariableAccessSpecification::VariableListName(n) => n.element_len(),
        }
    }
}

impl<'a> Element<'a> for VariableAccessSpecification<'a> {
    type Error = MmsError;

    fn decode_element(tlv: &Tlv<'a>, validate: bool) -> Result<Self, MmsError> {
        match tlv.tag {
            LIST_OF_VARIABLE => Ok(VariableAccessSpecification::ListOfVariable(SeqOf::decode(
                tlv,
                validate,
                "listOfVariable",
            )?)),
            VARIABLE_LIST_NAME => {
                let mut f = Fields::of(tlv, "variableListName")?;
                let name = ObjectName::decode_element(&f.any("variableListName")?, validate)?;
                f.end()?;
                Ok(VariableAccessSpecification::VariableListName(name))
            }
            _ => Err(unexpected(tlv, "VariableAccessSpecification")),
        }
    }

    fn element_len(&self) -> usize {
        let tag = match self {
            VariableAccessSpecification::ListOfVariable(_) => LIST_OF_VARIABLE,
            VariableAccessSpecification::VariableListName(_) => VARIABLE_LIST_NAME,
        };
        tlv(tag, self.content_len())
    }

    fn write_element(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        match self {
            VariableAccessSpecification::ListOfVariable(l) => l.write(w, LIST_OF_VARIABLE),
            VariableAccessSpecification::VariableListName(n) => {
                header(w, VARIABLE_LIST_NAME, n.element_len())?;
                n.write_element(w)
            }
        }
    }
}

/// One entry of a `listOfVariable`: `SEQUENCE { variableSpecification, alternateAccess [5]
/// OPTIONAL }` (ISO 9506-2 14.6.1).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct VariableListItem<'a> {
    /// `variableSpecification`.
    pub specification: VariableSpecification<'a>,
    /// `alternateAccess [5]`: a part of the variable (structure components, array elements).
    pub alternate_access: Option<AlternateAccess<'a>>,
}

const ALTERNATE_ACCESS: Tag = ctx_c(5);

impl<'a> VariableListItem<'a> {
    /// The whole of the named variable.
    #[must_use]
    pub const fn named(name: ObjectName<'a>) -> Self {
        VariableListItem {
            specification: VariableSpecification::Name(name),
            alternate_access: None,
        }
    }

    fn content_len(&self) -> usize {
        self.specification.element_len().saturating_add(
            self.alternate_access
                .map_or(0, |a| a.tlv_len(ALTERNATE_ACCESS)),
        )
    }
}

impl<'a> Element<'a> for VariableListItem<'a> {
    type Error = MmsError;

    fn decode_element(tlv: &Tlv<'a>, validate: bool) -> Result<Self, MmsError> {
        if tlv.tag != Tag::SEQUENCE {
            return Err(unexpected(tlv, "listOfVariable"));
        }
        let mut f = Fields::of(tlv, "listOfVariable")?;
        let specification =
            VariableSpecification::decode_element(&f.any("variableSpecification")?, validate)?;
        let alternate_access = match f.opt(ALTERNATE_ACCESS)? {
            Some(t) => Some(SeqOf::decode(&t, validate, "alternateAccess")?),
            None => None,
        };
        f.end()?;
        Ok(VariableListItem {
            specification,
            alternate_access,
        })
    }

    fn element_len(&self) -> usize {
        tlv(Tag::SEQUENCE, self.content_len())
    }

    fn write_element(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        header(w, Tag::SEQUENCE, self.content_len())?;
        self.specification.write_element(w)?;
        if let Some(a) = self.alternate_access {
            a.write(w, ALTERNATE_ACCESS)?;
        }
        Ok(())
    }
}

/// `VariableSpecification` (ISO 9506-2 14.4.1).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum VariableSpecification<'a> {
    /// `name [0] ObjectName`.
    Name(ObjectName<'a>),
    /// `address [1] Address`.
    Address(Address<'a>),
    /// `variableDescription [2]`: an unnamed variable by address and type.
    #[doc(alias = "variableDescription")]
    VariableDescription {
        /// `address`.
        address: Address<'a>,
        /// `typeSpecification`.
        type_specification: TypeSpecification<'a>,
    },
    /// `scatteredAccessDescription [3]`: kept as the received contents octets.
    #[doc(alias = "scatteredAccessDescription")]
    ScatteredAccessDescription(&'a [u8]),
    /// `invalidated [4] NULL`.
    Invalidated,
}

impl VariableSpecification<'_> {
    fn content_len(&self) -> usize {
        match self {
            VariableSpecification::Name(n) => n.element_len(),
            VariableSpecification::Address(a) => a.element_len(),
            VariableSpecification::VariableDescription {
                address,
                type_specification,
            } => address
                .element_len()
                .saturating_add(type_specification.element_len()),
            VariableSpecification::ScatteredAccessDescription(raw) => raw.len(),
            VariableSpecification::Invalidated => 0,
        }
    }

    const fn tag(&self) -> Tag {
        match self {
            VariableSpecification::Name(_) => ctx_c(0),
            VariableSpecification::Address(_) => ctx_c(1),
            VariableSpecification::VariableDescription { .. } => ctx_c(2),
            VariableSpecification::ScatteredAccessDescription(_) => ctx_c(3),
            VariableSpecification::Invalidated => ctx(4),
        }
    }
}

impl<'a> Element<'a> for VariableSpecification<'a> {
    type Error = MmsError;

    fn decode_element(tlv: &Tlv<'a>, validate: bool) -> Result<Self, MmsError> {
        const F: &str = "VariableSpecification";
        let t = tlv.tag;
        if t == ctx_c(0) || t == ctx_c(1) {
            let mut f = Fields::of(tlv, F)?;
            let inner = f.any(F)?;
            f.end()?;
            if t == ctx_c(0) {
                Ok(VariableSpecification::Name(ObjectName::decode_element(
                    &inner, validate,
                )?))
            } else {
                Ok(VariableSpecification::Address(Address::decode_element(
                    &inner, validate,
                )?))
            }
        } else if t == ctx_c(2) {
            let mut f = Fields::of(tlv, F)?;
            let address = Address::decode_element(&f.any("address")?, validate)?;
            let type_specification =
                TypeSpecification::decode_element(&f.any("typeSpecification")?, validate)?;
            f.end()?;
            Ok(VariableSpecification::VariableDescription {
                address,
                type_specification,
            })
        } else if t == ctx_c(3) {
            Ok(VariableSpecification::ScatteredAccessDescription(tlv.value))
        } else if t == ctx(4) {
            null(tlv, "invalidated")?;
            Ok(VariableSpecification::Invalidated)
        } else {
            Err(unexpected(tlv, F))
        }
    }

    fn element_len(&self) -> usize {
        tlv(self.tag(), self.content_len())
    }

    fn write_element(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        header(w, self.tag(), self.content_len())?;
        match self {
            VariableSpecification::Name(n) => n.write_element(w),
            VariableSpecification::Address(a) => a.write_element(w),
            VariableSpecification::VariableDescription {
                address,
                type_specification,
            } => {
                address.write_element(w)?;
                type_specification.write_element(w)
            }
            VariableSpecification::ScatteredAccessDescription(raw) => {
                w.write_bytes(raw)?;
                Ok(())
            }
            VariableSpecification::Invalidated => Ok(()),
        }
    }
}

/// `AlternateAccess` (ISO 9506-2 14.5): a path into a structured variable.
pub type AlternateAccess<'a> = SeqOf<'a, AlternateAccessItem<'a>>;

/// One step of an [`AlternateAccess`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum AlternateAccessItem<'a> {
    /// `unnamed AlternateAccessSelection`.
    Unnamed(AlternateAccessSelection<'a>),
    /// `named [5] SEQUENCE { componentName [0], access }`.
    Named {
        /// `componentName`.
        component_name: Identifier<'a>,
        /// `access`.
        access: AlternateAccessSelection<'a>,
    },
}

/// `AlternateAccessSelection` (ISO 9506-2 14.5).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum AlternateAccessSelection<'a> {
    /// `selectAlternateAccess [0]`: select, then apply a nested alternate access.
    #[doc(alias = "selectAlternateAccess")]
    SelectAlternateAccess {
        /// `accessSelection`.
        selection: AccessSelection<'a>,
        /// `alternateAccess`.
        alternate_access: AlternateAccess<'a>,
    },
    /// `selectAccess`: a component or elements.
    #[doc(alias = "selectAccess")]
    SelectAccess(AccessSelection<'a>),
}

/// The selection inside an [`AlternateAccessSelection`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccessSelection<'a> {
    /// `component`: a structure component by name.
    Component(Identifier<'a>),
    /// `index`: one array element.
    Index(u32),
    /// `indexRange`: `count` array elements from `low`.
    IndexRange {
        /// `lowIndex`.
        low: u32,
        /// `numberOfElements`.
        count: u32,
    },
    /// `allElements`.
    AllElements,
}

impl<'a> AccessSelection<'a> {
    /// Decode with context numbers starting at `first` (0 inside `selectAlternateAccess`,
    /// 1 for `selectAccess`).
    fn decode(tlv: &Tlv<'a>, first: u32) -> Result<Self, MmsError> {
        const F: &str = "accessSelection";
        let t = tlv.tag;
        if t == ctx(first) {
            Ok(AccessSelection::Component(Identifier::from_tlv(tlv)?))
        } else if t == ctx(first.saturating_add(1)) {
            Ok(AccessSelection::Index(int(tlv, "index")?))
        } else if t == ctx_c(first.saturating_add(2)) {
            let mut f = Fields::of(tlv, F)?;
            let low = int(&f.req(ctx(0), "lowIndex")?, "lowIndex")?;
            let count = int(&f.req(ctx(1), "numberOfElements")?, "numberOfElements")?;
            f.end()?;
            Ok(AccessSelection::IndexRange { low, count })
        } else if t == ctx(first.saturating_add(3)) {
            null(tlv, "allElements")?;
            Ok(AccessSelection::AllElements)
        } else {
            Err(unexpected(tlv, F))
        }
    }

    fn content_len(&self) -> usize {
        match *self {
            AccessSelection::Component(i) => i.as_str().len(),
            AccessSelection::Index(i) => crate::ber::i64_content_len(i64::from(i)),
            AccessSelection::IndexRange { low, count } => {
                int_len(ctx(0), i64::from(low)).saturating_add(int_len(ctx(1), i64::from(count)))
            }
            AccessSelection::AllElements => 0,
        }
    }

    const fn tag(&self, first: u32) -> Tag {
        match self {
            AccessSelection::Component(_) => ctx(first),
            AccessSelection::Index(_) => ctx(first.saturating_add(1)),
            AccessSelection::IndexRange { .. } => ctx_c(first.saturating_add(2)),
            AccessSelection::AllElements => ctx(first.saturating_add(3)),
        }
    }

    fn tlv_len(&self, first: u32) -> usize {
        tlv(self.tag(first), self.content_len())
    }

    fn write(&self, w: &mut Writer<'_>, first: u32) -> Result<(), EncodeError> {
        header(w, self.tag(first), self.content_len())?;
        match *self {
            AccessSelection::Component(i) => w.write_bytes(i.as_str().as_bytes())?,
            AccessSelection::Index(i) => crate::ber::write_i64_content(w, i64::from(i))?,
            AccessSelection::IndexRange { low, count } => {
                write_int(w, ctx(0), i64::from(low))?;
                write_int(w, ctx(1), i64::from(count))?;
            }
            AccessSelection::AllElements => {}
        }
        Ok(())
    }
}

const SELECT_ALTERNATE: Tag = ctx_c(0);

impl<'a> AlternateAccessSelection<'a> {
    fn decode(tlv: &Tlv<'a>, validate: bool) -> Result<Self, MmsError> {
        if tlv.tag == SELECT_ALTERNATE {
            let mut f = Fields::of(tlv, "selectAlternateAccess")?;
            let selection = AccessSelection::decode(&f.any("accessSelection")?, 0)?;
            let inner = f.req(Tag::SEQUENCE, "alternateAccess")?;
            let alternate_access = SeqOf::decode(&inner, validate, "alternateAccess")?;
            f.end()?;
            Ok(AlternateAccessSelection::SelectAlternateAccess {
                selection,
                alternate_access,
            })
        } else {
            AccessSelection::decode(tlv, 1).map(AlternateAccessSelection::SelectAccess)
        }
    }

    fn content_len_select_alternate(
        selection: &AccessSelection<'_>,
        alt: &AlternateAccess<'_>,
    ) -> usize {
        selection
            .tlv_len(0)
            .saturating_add(alt.tlv_len(Tag::SEQUENCE))
    }

    fn tlv_len(&self) -> usize {
        match self {
            AlternateAccessSelection::SelectAlternateAccess {
                selection,
                alternate_access,
            } => tlv(
                SELECT_ALTERNATE,
                Self::content_len_select_alternate(selection, alternate_access),
            ),
            AlternateAccessSelection::SelectAccess(s) => s.tlv_len(1),
        }
    }

    fn write(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        match self {
            AlternateAccessSelection::SelectAlternateAccess {
                selection,
                alternate_access,
            } => {
                let len = Self::content_len_select_alternate(selection, alternate_access);
                header(w, SELECT_ALTERNATE, len)?;
                selection.write(w, 0)?;
                alternate_access.write(w, Tag::SEQUENCE)
            }
            AlternateAccessSelection::SelectAccess(s) => s.write(w, 1),
        }
    }
}

const NAMED: Tag = ctx_c(5);

impl<'a> Element<'a> for AlternateAccessItem<'a> {
    type Error = MmsError;

    fn decode_element(tlv: &Tlv<'a>, validate: bool) -> Result<Self, MmsError> {
        if tlv.tag == NAMED {
            let mut f = Fields::of(tlv, "named")?;
            let component_name = Identifier::from_tlv(&f.req(ctx(0), "componentName")?)?;
            let access = AlternateAccessSelection::decode(&f.any("access")?, validate)?;
            f.end()?;
            Ok(AlternateAccessItem::Named {
                component_name,
                access,
            })
        } else {
            AlternateAccessSelection::decode(tlv, validate).map(AlternateAccessItem::Unnamed)
        }
    }

    fn element_len(&self) -> usize {
        match self {
            AlternateAccessItem::Unnamed(s) => s.tlv_len(),
            AlternateAccessItem::Named {
                component_name,
                access,
            } => tlv(
                NAMED,
                component_name
                    .tlv_len(ctx(0))
                    .saturating_add(access.tlv_len()),
            ),
        }
    }

    fn write_element(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        match self {
            AlternateAccessItem::Unnamed(s) => s.write(w),
            AlternateAccessItem::Named {
                component_name,
                access,
            } => {
                let len = component_name
                    .tlv_len(ctx(0))
                    .saturating_add(access.tlv_len());
                header(w, NAMED, len)?;
                component_name.write(w, ctx(0))?;
                access.write(w)
            }
        }
    }
}
