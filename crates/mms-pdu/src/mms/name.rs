//! `ObjectName` and `Address` (ISO 9506-2 7.5 and 14.4.1).

use telecontrol_core::{Encode, EncodeError, Writer};

use super::MmsError;
use super::prim::{
    Fields, Identifier, ctx, ctx_c, header, int, int_len, tlv, unexpected, write_bytes, write_int,
};
use super::seq::Element;
use crate::ber::{Class, Tag, Tlv};

/// `ObjectName` (ISO 9506-2 7.5.1): the scope and name of a named MMS object.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ObjectName<'a> {
    /// `vmd-specific [0]`: an object of the whole VMD.
    #[doc(alias = "vmd-specific")]
    VmdSpecific(Identifier<'a>),
    /// `domain-specific [1]`: an object of a domain (in TASE.2, a bilateral table's domain).
    #[doc(alias = "domain-specific")]
    DomainSpecific {
        /// `domainId`.
        domain: Identifier<'a>,
        /// `itemId`.
        item: Identifier<'a>,
    },
    /// `aa-specific [2]`: an object of this application association.
    #[doc(alias = "aa-specific")]
    AaSpecific(Identifier<'a>),
}

const VMD: Tag = ctx(0);
const DOMAIN: Tag = ctx_c(1);
const AA: Tag = ctx(2);

impl<'a> ObjectName<'a> {
    /// A domain-specific name, `None` if either part is not a valid [`Identifier`].
    #[must_use]
    pub const fn domain(domain: &'a str, item: &'a str) -> Option<Self> {
        match (Identifier::new(domain), Identifier::new(item)) {
            (Some(domain), Some(item)) => Some(ObjectName::DomainSpecific { domain, item }),
            _ => None,
        }
    }

    /// A VMD-specific name, `None` if `item` is not a valid [`Identifier`].
    #[must_use]
    pub const fn vmd(item: &'a str) -> Option<Self> {
        match Identifier::new(item) {
            Some(i) => Some(ObjectName::VmdSpecific(i)),
            None => None,
        }
    }

    /// The item identifier, whatever the scope.
    #[must_use]
    pub const fn item(&self) -> Identifier<'a> {
        match *self {
            ObjectName::VmdSpecific(i) | ObjectName::AaSpecific(i) => i,
            ObjectName::DomainSpecific { item, .. } => item,
        }
    }

    /// The domain, for a domain-specific name.
    #[must_use]
    pub const fn domain_id(&self) -> Option<Identifier<'a>> {
        match *self {
            ObjectName::DomainSpecific { domain, .. } => Some(domain),
            _ => None,
        }
    }

    fn content_len(&self) -> usize {
        match self {
            ObjectName::VmdSpecific(i) | ObjectName::AaSpecific(i) => i.as_str().len(),
            ObjectName::DomainSpecific { domain, item } => domain
                .tlv_len(Tag::VISIBLE_STRING)
                .saturating_add(item.tlv_len(Tag::VISIBLE_STRING)),
        }
    }
}

impl<'a> Element<'a> for ObjectName<'a> {
    type Error = MmsError;

    fn decode_element(tlv: &Tlv<'a>, _validate: bool) -> Result<Self, MmsError> {
        match tlv.tag {
            VMD => Ok(ObjectName::VmdSpecific(Identifier::from_tlv(tlv)?)),
            AA => Ok(ObjectName::AaSpecific(Identifier::from_tlv(tlv)?)),
            DOMAIN => {
                let mut f = Fields::of(tlv, "ObjectName")?;
                let domain = Identifier::from_tlv(&f.req(Tag::VISIBLE_STRING, "domainId")?)?;
                let item = Identifier::from_tlv(&f.req(Tag::VISIBLE_STRING, "itemId")?)?;
                f.end()?;
                Ok(ObjectName::DomainSpecific { domain, item })
            }
            _ => Err(unexpected(tlv, "ObjectName")),
        }
    }

    fn element_len(&self) -> usize {
        let tag = match self {
            ObjectName::VmdSpecific(_) => VMD,
            ObjectName::DomainSpecific { .. } => DOMAIN,
            ObjectName::AaSpecific(_) => AA,
        };
        tlv(tag, self.content_len())
    }

    fn write_element(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        match self {
            ObjectName::VmdSpecific(i) => i.write(w, VMD),
            ObjectName::AaSpecific(i) => i.write(w, AA),
            ObjectName::DomainSpecific { domain, item } => {
                header(w, DOMAIN, self.content_len())?;
                domain.write(w, Tag::VISIBLE_STRING)?;
                item.write(w, Tag::VISIBLE_STRING)
            }
        }
    }
}

impl Encode for ObjectName<'_> {
    fn encoded_len(&self) -> usize {
        self.element_len()
    }
    fn write_to(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        self.write_element(w)
    }
}

/// `Address` (ISO 9506-2 14.4.1.2): where a variable lives in the VMD.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Address<'a> {
    /// `numericAddress [0] Unsigned32`.
    Numeric(u32),
    /// `symbolicAddress [1] MMSString` (octets as received).
    Symbolic(&'a [u8]),
    /// `unconstrainedAddress [2] OCTET STRING`.
    Unconstrained(&'a [u8]),
}

impl<'a> Element<'a> for Address<'a> {
    type Error = MmsError;

    fn decode_element(tlv: &Tlv<'a>, _validate: bool) -> Result<Self, MmsError> {
        if tlv.tag.class != Class::ContextSpecific || tlv.tag.constructed {
            return Err(unexpected(tlv, "Address"));
        }
        match tlv.tag.number {
            0 => Ok(Address::Numeric(int(tlv, "numericAddress")?)),
            1 => Ok(Address::Symbolic(tlv.value)),
            2 => Ok(Address::Unconstrained(tlv.value)),
            _ => Err(unexpected(tlv, "Address")),
        }
    }

    fn element_len(&self) -> usize {
        match *self {
            Address::Numeric(n) => int_len(ctx(0), i64::from(n)),
            Address::Symbolic(s) => tlv(ctx(1), s.len()),
            Address::Unconstrained(s) => tlv(ctx(2), s.len()),
        }
    }

    fn write_element(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        match *self {
            Address::Numeric(n) => write_int(w, ctx(0), i64::from(n)),
            Address::Symbolic(s) => write_bytes(w, ctx(1), s),
            Address::Unconstrained(s) => write_bytes(w, ctx(2), s),
        }
    }
}
