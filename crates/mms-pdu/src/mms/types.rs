//! `TypeSpecification` and `TypeDescription` (ISO 9506-2 14.4.1.3 and 14.1): the types
//! GetVariableAccessAttributes reports.

use telecontrol_core::{EncodeError, Writer};

use super::MmsError;
use super::name::ObjectName;
use super::prim::{
    Fields, Identifier, boolean, ctx, ctx_c, header, int, int_len, null, tlv, unexpected,
    write_bool, write_int,
};
use super::seq::{Element, Nested, SeqOf};
use crate::ber::{self, Class, Tag, Tlv};

/// `TypeSpecification` (ISO 9506-2 14.4.1.3): a named type or a description.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum TypeSpecification<'a> {
    /// `typeName [0] ObjectName`.
    #[doc(alias = "typeName")]
    TypeName(ObjectName<'a>),
    /// `typeDescription`.
    #[doc(alias = "typeDescription")]
    Description(TypeDescription<'a>),
}

/// `TypeDescription` (ISO 9506-2 14.1.2).
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub enum TypeDescription<'a> {
    /// `array [1]`.
    Array {
        /// `packed`, `None` when absent (DEFAULT FALSE).
        packed: Option<bool>,
        /// `numberOfElements`.
        number_of_elements: u32,
        /// `elementType [2]`.
        element_type: Nested<'a, TypeSpecification<'a>>,
    },
    /// `structure [2]`.
    Structure {
        /// `packed`, `None` when absent (DEFAULT FALSE).
        packed: Option<bool>,
        /// `components [1]`.
        components: SeqOf<'a, StructComponent<'a>>,
    },
    /// `boolean [3]`.
    Boolean,
    /// `bit-string [4]`: size in bits; negative for a variable size up to `-size`.
    BitString(i32),
    /// `integer [5]`: size in bits.
    Integer(u8),
    /// `unsigned [6]`: size in bits.
    Unsigned(u8),
    /// `floating-point [7]`.
    FloatingPoint {
        /// `format-width`: total bits of the format (32 or 64).
        format_width: u8,
        /// `exponent-width`: 8 or 11.
        exponent_width: u8,
    },
    /// `octet-string [9]`: size; negative for a variable size.
    OctetString(i32),
    /// `visible-string [10]`: size; negative for a variable size.
    VisibleString(i32),
    /// `generalized-time [11]`.
    GeneralizedTime,
    /// `binary-time [12]`: true if the date is included (6 octets).
    BinaryTime(bool),
    /// `bcd [13]`: number of digits.
    Bcd(u8),
    /// `objId [15]`.
    ObjId,
    /// `mMSString [16]`: size; negative for a variable size.
    MmsString(i32),
    /// `utc-time [17]`.
    UtcTime,
}

/// One component of a structure type: `SEQUENCE { componentName [0] OPTIONAL,
/// componentType [1] TypeSpecification }`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StructComponent<'a> {
    /// `componentName`.
    pub name: Option<Identifier<'a>>,
    /// `componentType`.
    pub component_type: TypeSpecification<'a>,
}

impl TypeDescription<'_> {
    const fn tag(&self) -> Tag {
        match self {
            TypeDescription::Array { .. } => ctx_c(1),
            TypeDescription::Structure { .. } => ctx_c(2),
            TypeDescription::Boolean => ctx(3),
            TypeDescription::BitString(_) => ctx(4),
            TypeDescription::Integer(_) => ctx(5),
            TypeDescription::Unsigned(_) => ctx(6),
            TypeDescription::FloatingPoint { .. } => ctx_c(7),
            TypeDescription::OctetString(_) => ctx(9),
            TypeDescription::VisibleString(_) => ctx(10),
            TypeDescription::GeneralizedTime => ctx(11),
            TypeDescription::BinaryTime(_) => ctx(12),
            TypeDescription::Bcd(_) => ctx(13),
            TypeDescription::ObjId => ctx(15),
            TypeDescription::MmsString(_) => ctx(16),
            TypeDescription::UtcTime => ctx(17),
        }
    }

    fn content_len(&self) -> usize {
        let packed_len = |p: &Option<bool>| p.map_or(0, |_| ber::bool_tlv_len(ctx(0)));
        match self {
            TypeDescription::Array {
                packed,
                number_of_elements,
                element_type,
            } => packed_len(packed)
                .saturating_add(int_len(ctx(1), i64::from(*number_of_elements)))
                .saturating_add(tlv(ctx_c(2), element_type.element_len())),
            TypeDescription::Structure { packed, components } => {
                packed_len(packed).saturating_add(components.tlv_len(ctx_c(1)))
            }
            TypeDescription::Boolean
            | TypeDescription::GeneralizedTime
            | TypeDescription::ObjId
            | TypeDescription::UtcTime => 0,
            TypeDescription::BitString(n)
            | TypeDescription::OctetString(n)
            | TypeDescription::VisibleString(n)
            | TypeDescription::MmsString(n) => ber::i64_content_len(i64::from(*n)),
            TypeDescription::Integer(n)
            | TypeDescription::Unsigned(n)
            | TypeDescription::Bcd(n) => ber::i64_content_len(i64::from(*n)),
            TypeDescription::FloatingPoint {
                format_width,
                exponent_width,
            } => int_len(Tag::INTEGER, i64::from(*format_width))
                .saturating_add(int_len(Tag::INTEGER, i64::from(*exponent_width))),
            TypeDescription::BinaryTime(_) => 1,
        }
    }
}

impl<'a> TypeSpecification<'a> {
    fn decode_description(tlv: &Tlv<'a>, validate: bool) -> Result<TypeDescription<'a>, MmsError> {
        const F: &str = "TypeDescription";
        if tlv.tag.class != Class::ContextSpecific {
            return Err(unexpected(tlv, F));
        }
        let d = match (tlv.tag.number, tlv.tag.constructed) {
            (1, true) => {
                let mut f = Fields::of(tlv, "array")?;
                let packed = f.opt(ctx(0))?.map(|t| boolean(&t, "packed")).transpose()?;
                let number_of_elements =
                    int(&f.req(ctx(1), "numberOfElements")?, "numberOfElements")?;
                let mut e = Fields::of(&f.req(ctx_c(2), "elementType")?, "elementType")?;
                let element_type = Nested::decode(&e.any("elementType")?, validate)?;
                e.end()?;
                f.end()?;
                TypeDescription::Array {
                    packed,
                    number_of_elements,
                    element_type,
                }
            }
            (2, true) => {
                let mut f = Fields::of(tlv, "structure")?;
                let packed = f.opt(ctx(0))?.map(|t| boolean(&t, "packed")).transpose()?;
                let components =
                    SeqOf::decode(&f.req(ctx_c(1), "components")?, validate, "components")?;
                f.end()?;
                TypeDescription::Structure { packed, components }
            }
            (3, false) => {
                null(tlv, "boolean")?;
                TypeDescription::Boolean
            }
            (4, false) => TypeDescription::BitString(int(tlv, "bit-string")?),
            (5, false) => TypeDescription::Integer(int(tlv, "integer")?),
            (6, false) => TypeDescription::Unsigned(int(tlv, "unsigned")?),
            (7, true) => {
                let mut f = Fields::of(tlv, "floating-point")?;
                let format_width = int(&f.req(Tag::INTEGER, "format-width")?, "format-width")?;
                let exponent_width =
                    int(&f.req(Tag::INTEGER, "exponent-width")?, "exponent-width")?;
                f.end()?;
                TypeDescription::FloatingPoint {
                    format_width,
                    exponent_width,
                }
            }
            (9, false) => TypeDescription::OctetString(int(tlv, "octet-string")?),
            (10, false) => TypeDescription::VisibleString(int(tlv, "visible-string")?),
            (11, false) => {
                null(tlv, "generalized-time")?;
                TypeDescription::GeneralizedTime
            }
            (12, false) => TypeDescription::BinaryTime(boolean(tlv, "binary-time")?),
            (13, false) => TypeDescription::Bcd(int(tlv, "bcd")?),
            (15, false) => {
                null(tlv, "objId")?;
                TypeDescription::ObjId
            }
            (16, false) => TypeDescription::MmsString(int(tlv, "mMSString")?),
            (17, false) => {
                null(tlv, "utc-time")?;
                TypeDescription::UtcTime
            }
            _ => return Err(unexpected(tlv, F)),
        };
        Ok(d)
    }
}

const TYPE_NAME: Tag = ctx_c(0);

impl<'a> Element<'a> for TypeSpecification<'a> {
    type Error = MmsError;

    fn decode_element(tlv: &Tlv<'a>, validate: bool) -> Result<Self, MmsError> {
        if tlv.tag == TYPE_NAME {
            let mut f = Fields::of(tlv, "typeName")?;
            let name = ObjectName::decode_element(&f.any("typeName")?, validate)?;
            f.end()?;
            Ok(TypeSpecification::TypeName(name))
        } else {
            Self::decode_description(tlv, validate).map(TypeSpecification::Description)
        }
    }

    fn element_len(&self) -> usize {
        match self {
            TypeSpecification::TypeName(n) => tlv(TYPE_NAME, n.element_len()),
            TypeSpecification::Description(d) => tlv(d.tag(), d.content_len()),
        }
    }

    fn write_element(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        let d = match self {
            TypeSpecification::TypeName(n) => {
                header(w, TYPE_NAME, n.element_len())?;
                return n.write_element(w);
            }
            TypeSpecification::Description(d) => d,
        };
        header(w, d.tag(), d.content_len())?;
        match d {
            TypeDescription::Array {
                packed,
                number_of_elements,
                element_type,
            } => {
                if let Some(p) = packed {
                    write_bool(w, ctx(0), *p)?;
                }
                write_int(w, ctx(1), i64::from(*number_of_elements))?;
                header(w, ctx_c(2), element_type.element_len())?;
                element_type.write_element(w)
            }
            TypeDescription::Structure { packed, components } => {
                if let Some(p) = packed {
                    write_bool(w, ctx(0), *p)?;
                }
                components.write(w, ctx_c(1))
            }
            TypeDescription::Boolean
            | TypeDescription::GeneralizedTime
            | TypeDescription::ObjId
            | TypeDescription::UtcTime => Ok(()),
            TypeDescription::BitString(n)
            | TypeDescription::OctetString(n)
            | TypeDescription::VisibleString(n)
            | TypeDescription::MmsString(n) => {
                ber::write_i64_content(w, i64::from(*n))?;
                Ok(())
            }
            TypeDescription::Integer(n)
            | TypeDescription::Unsigned(n)
            | TypeDescription::Bcd(n) => {
                ber::write_i64_content(w, i64::from(*n))?;
                Ok(())
            }
            TypeDescription::FloatingPoint {
                format_width,
                exponent_width,
            } => {
                write_int(w, Tag::INTEGER, i64::from(*format_width))?;
                write_int(w, Tag::INTEGER, i64::from(*exponent_width))
            }
            TypeDescription::BinaryTime(b) => {
                ber::write_bool_content(w, *b)?;
                Ok(())
            }
        }
    }
}

impl<'a> StructComponent<'a> {
    fn content_len(&self) -> usize {
        self.name
            .map_or(0, |n| n.tlv_len(ctx(0)))
            .saturating_add(tlv(ctx_c(1), self.component_type.element_len()))
    }
}

impl<'a> Element<'a> for StructComponent<'a> {
    type Error = MmsError;

    fn decode_element(tlv: &Tlv<'a>, validate: bool) -> Result<Self, MmsError> {
        if tlv.tag != Tag::SEQUENCE {
            return Err(unexpected(tlv, "components"));
        }
        let mut f = Fields::of(tlv, "components")?;
        let name = f
            .opt(ctx(0))?
            .map(|t| Identifier::from_tlv(&t))
            .transpose()?;
        let mut c = Fields::of(&f.req(ctx_c(1), "componentType")?, "componentType")?;
        let component_type = TypeSpecification::decode_element(&c.any("componentType")?, validate)?;
        c.end()?;
        f.end()?;
        Ok(StructComponent {
            name,
            component_type,
        })
    }

    fn element_len(&self) -> usize {
        tlv(Tag::SEQUENCE, self.content_len())
    }

    fn write_element(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        header(w, Tag::SEQUENCE, self.content_len())?;
        if let Some(n) = self.name {
            n.write(w, ctx(0))?;
        }
        header(w, ctx_c(1), self.component_type.element_len())?;
        self.component_type.write_element(w)
    }
}
