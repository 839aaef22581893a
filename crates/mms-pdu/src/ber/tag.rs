//! Identifiers: class, form, number (X.690 8.1.2).

use core::fmt;

/// The class of a tag (X.690 8.1.2.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Class {
    /// Universal: types defined in X.680 (INTEGER, SEQUENCE, ...).
    Universal,
    /// Application-wide tags (`[APPLICATION n]`).
    Application,
    /// Context-specific tags (`[n]`).
    ContextSpecific,
    /// Private tags (`[PRIVATE n]`).
    Private,
}

impl Class {
    /// The two class bits, already in place (bits 8-7 of the identifier octet).
    #[must_use]
    pub const fn bits(self) -> u8 {
        match self {
            Class::Universal => 0x00,
            Class::Application => 0x40,
            Class::ContextSpecific => 0x80,
            Class::Private => 0xC0,
        }
    }

    /// The class encoded in the identifier octet `b`.
    #[must_use]
    pub const fn from_identifier(b: u8) -> Class {
        match b & 0xC0 {
            0x00 => Class::Universal,
            0x40 => Class::Application,
            0x80 => Class::ContextSpecific,
            _ => Class::Private,
        }
    }
}

/// A BER tag: class, primitive/constructed, number (X.690 8.1.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Tag {
    /// The tag class.
    pub class: Class,
    /// True for a constructed encoding (contents are TLVs).
    pub constructed: bool,
    /// The tag number.
    pub number: u32,
}

impl Tag {
    /// End-of-contents, `[UNIVERSAL 0]` primitive.
    pub const END_OF_CONTENTS: Tag = Tag::universal(0, false);
    /// BOOLEAN, `[UNIVERSAL 1]`.
    pub const BOOLEAN: Tag = Tag::universal(1, false);
    /// INTEGER, `[UNIVERSAL 2]`.
    pub const INTEGER: Tag = Tag::universal(2, false);
    /// BIT STRING, `[UNIVERSAL 3]` primitive.
    pub const BIT_STRING: Tag = Tag::universal(3, false);
    /// OCTET STRING, `[UNIVERSAL 4]` primitive.
    pub const OCTET_STRING: Tag = Tag::universal(4, false);
    /// NULL, `[UNIVERSAL 5]`.
    pub const NULL: Tag = Tag::universal(5, false);
    /// OBJECT IDENTIFIER, `[UNIVERSAL 6]`.
    pub const OID: Tag = Tag::universal(6, false);
    /// ObjectDescriptor, `[UNIVERSAL 7]`.
    pub const OBJECT_DESCRIPTOR: Tag = Tag::universal(7, false);
    /// EXTERNAL, `[UNIVERSAL 8]` constructed.
    pub const EXTERNAL: Tag = Tag::universal(8, true);
    /// REAL, `[UNIVERSAL 9]`.
    pub const REAL: Tag = Tag::universal(9, false);
    /// ENUMERATED, `[UNIVERSAL 10]`.
    pub const ENUMERATED: Tag = Tag::universal(10, false);
    /// UTF8String, `[UNIVERSAL 12]` primitive.
    pub const UTF8_STRING: Tag = Tag::universal(12, false);
    /// SEQUENCE / SEQUENCE OF, `[UNIVERSAL 16]` constructed.
    pub const SEQUENCE: Tag = Tag::universal(16, true);
    /// SET / SET OF, `[UNIVERSAL 17]` constructed.
    pub const SET: Tag = Tag::universal(17, true);
    /// NumericString, `[UNIVERSAL 18]` primitive.
    pub const NUMERIC_STRING: Tag = Tag::universal(18, false);
    /// PrintableString, `[UNIVERSAL 19]` primitive.
    pub const PRINTABLE_STRING: Tag = Tag::universal(19, false);
    /// IA5String, `[UNIVERSAL 22]` primitive.
    pub const IA5_STRING: Tag = Tag::universal(22, false);
    /// UTCTime, `[UNIVERSAL 23]` primitive.
    pub const UTC_TIME: Tag = Tag::universal(23, false);
    /// GeneralizedTime, `[UNIVERSAL 24]` primitive.
    pub const GENERALIZED_TIME: Tag = Tag::universal(24, false);
    /// GraphicString, `[UNIVERSAL 25]` primitive.
    pub const GRAPHIC_STRING: Tag = Tag::universal(25, false);
    /// VisibleString, `[UNIVERSAL 26]` primitive.
    pub const VISIBLE_STRING: Tag = Tag::universal(26, false);
    /// GeneralString, `[UNIVERSAL 27]` primitive.
    pub const GENERAL_STRING: Tag = Tag::universal(27, false);

    /// A tag of any class.
    #[must_use]
    pub const fn new(class: Class, constructed: bool, number: u32) -> Tag {
        Tag {
            class,
            constructed,
            number,
        }
    }

    /// A context-specific tag `[n]`.
    #[must_use]
    pub const fn context(number: u32, constructed: bool) -> Tag {
        Tag::new(Class::ContextSpecific, constructed, number)
    }

    /// An application tag `[APPLICATION n]`.
    #[must_use]
    pub const fn application(number: u32, constructed: bool) -> Tag {
        Tag::new(Class::Application, constructed, number)
    }

    /// A universal tag `[UNIVERSAL n]`.
    #[must_use]
    pub const fn universal(number: u32, constructed: bool) -> Tag {
        Tag::new(Class::Universal, constructed, number)
    }

    /// A private tag `[PRIVATE n]`.
    #[must_use]
    pub const fn private(number: u32, constructed: bool) -> Tag {
        Tag::new(Class::Private, constructed, number)
    }

    /// The same class and number, constructed.
    #[must_use]
    pub const fn to_constructed(self) -> Tag {
        Tag::new(self.class, true, self.number)
    }

    /// The same class and number, primitive.
    #[must_use]
    pub const fn to_primitive(self) -> Tag {
        Tag::new(self.class, false, self.number)
    }

    /// Octets of the shortest identifier encoding (X.690 8.1.2.4: numbers from 31 on use
    /// the high-tag-number form, base 128).
    #[must_use]
    pub const fn encoded_len(self) -> usize {
        if self.number < 31 {
            1
        } else {
            let bits = 32u32.saturating_sub(self.number.leading_zeros());
            (bits.div_ceil(7) as usize).saturating_add(1)
        }
    }
}

impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let form = if self.constructed { "c" } else { "p" };
        match self.class {
            Class::Universal => write!(f, "[UNIVERSAL {}]{form}", self.number),
            Class::Application => write!(f, "[APPLICATION {}]{form}", self.number),
            Class::ContextSpecific => write!(f, "[{}]{form}", self.number),
            Class::Private => write!(f, "[PRIVATE {}]{form}", self.number),
        }
    }
}
