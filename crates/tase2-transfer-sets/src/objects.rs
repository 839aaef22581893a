//! The mandatory TASE.2 objects and special variables (IEC 60870-6-503 clause 8 and
//! IEC 60870-6-802 clause 5): their MMS names and typed values.

use mms_pdu::ber::BitString;
use mms_pdu::mms::{Data, SeqOf};

use crate::Tase2Error;
use crate::prim::{bits8, i16_of, i32_of, members, str_of, u8_of};

/// `TASE2_Version` (VMD-specific): the edition the server implements.
pub const TASE2_VERSION: &str = "TASE2_Version";
/// `Supported_Features` (VMD-specific): the conformance blocks the server supports.
pub const SUPPORTED_FEATURES: &str = "Supported_Features";
/// `Bilateral_Table_ID` (ICC domain-specific): the bilateral table's version id.
pub const BILATERAL_TABLE_ID: &str = "Bilateral_Table_ID";
/// `Next_DSTransfer_Set` (ICC domain-specific): reading it hands out a free DS transfer set.
pub const NEXT_DS_TRANSFER_SET: &str = "Next_DSTransfer_Set";
/// `Transfer_Set_Name` (special variable of a transfer report).
pub const TRANSFER_SET_NAME: &str = "Transfer_Set_Name";
/// `Transfer_Set_Time_Stamp` (special variable of a transfer report).
pub const TRANSFER_SET_TIME_STAMP: &str = "Transfer_Set_Time_Stamp";
/// `DSConditions_Detected` (special variable of a transfer report).
pub const DS_CONDITIONS_DETECTED: &str = "DSConditions_Detected";
/// `Event_Code_Detected` (special variable of a transfer report).
pub const EVENT_CODE_DETECTED: &str = "Event_Code_Detected";
/// `IM_Transfer_Set` (association-specific): written true/false to enable information
/// message transfer (block 4).
pub const IM_TRANSFER_SET: &str = "IM_Transfer_Set";
/// `Info_Mess_Header`: the header variable reported before an information buffer.
pub const INFO_MESS_HEADER: &str = "Info_Mess_Header";
/// Prefix of the information buffer variables `Info_Buff_<size>`.
pub const INFO_BUFF_PREFIX: &str = "Info_Buff_";
/// Suffix of a device's select-before-operate CheckBackID variable (`<dev>_SBO`).
pub const SBO_SUFFIX: &str = "_SBO";
/// Suffix of a device's tag variable (`<dev>_TAG`).
pub const TAG_SUFFIX: &str = "_TAG";

/// The special variables of a transfer report, in the order they precede the data.
pub const SPECIAL_VARIABLES: [&str; 4] = [
    TRANSFER_SET_NAME,
    TRANSFER_SET_TIME_STAMP,
    DS_CONDITIONS_DETECTED,
    EVENT_CODE_DETECTED,
];

/// `TASE2_Version` value: `{ MajorVersionNumber, MinorVersionNumber }` (Integer16 each);
/// the edition year and month of IEC 60870-6-503.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Tase2Version {
    /// `MajorVersionNumber` (the year: 1996, 2000).
    pub major: i16,
    /// `MinorVersionNumber` (the month: 8).
    pub minor: i16,
}

impl Tase2Version {
    /// Edition 2000-08 (IEC 60870-6-503:2002 / -802:2002, "version 2000-8").
    pub const EDITION_2000_08: Tase2Version = Tase2Version {
        major: 2000,
        minor: 8,
    };
    /// Edition 1996-08 (the first IEC edition, "version 1996-8").
    pub const EDITION_1996_08: Tase2Version = Tase2Version {
        major: 1996,
        minor: 8,
    };

    /// Decode `{ major, minor }`.
    ///
    /// # Errors
    /// [`Tase2Error`] if `d` is not a structure of two Integer16.
    pub fn from_data(d: &Data<'_>) -> Result<Self, Tase2Error> {
        const F: &str = "TASE2_Version";
        let [a, b] = members::<2>(d, F)?;
        Ok(Tase2Version {
            major: i16_of(&a, F)?,
            minor: i16_of(&b, F)?,
        })
    }

    /// The MMS value, its two members written into `fields`.
    #[must_use]
    pub fn to_data<'b>(&self, fields: &'b mut [Data<'static>; 2]) -> Data<'b> {
        *fields = [
            Data::Integer(i64::from(self.major)),
            Data::Integer(i64::from(self.minor)),
        ];
        let fields: &'b [Data<'static>; 2] = fields;
        Data::Structure(SeqOf::from_slice(fields))
    }
}

/// `Supported_Features`: a bit string, bit `n - 1` set when conformance block `n` is
/// supported (bit 0 = block 1 "basic services", 1 = block 2 "extended data set condition
/// monitoring", 3 = block 4 "information messages", 4 = block 5 "device control", ...).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SupportedFeatures {
    bits: u16,
    len: u8,
}

impl SupportedFeatures {
    /// Blocks `blocks` (1..=16) in a bit string of `len` bits (at least the highest
    /// block; the capture's peers send 12). Blocks outside 1..=len are ignored.
    #[must_use]
    pub fn new(blocks: &[u8], len: u8) -> Self {
        let len = len.min(16);
        let mut bits = 0u16;
        for &b in blocks {
            if (1..=len).contains(&b) {
                bits |= 0x8000u16
                    .checked_shr(u32::from(b.saturating_sub(1)))
                    .unwrap_or(0);
            }
        }
        SupportedFeatures { bits, len }
    }

    /// True if conformance block `block` (1-based) is flagged.
    #[must_use]
    pub fn block(&self, block: u8) -> bool {
        (1..=self.len).contains(&block)
            && self.bits
                & 0x8000u16
                    .checked_shr(u32::from(block.saturating_sub(1)))
                    .unwrap_or(0)
                != 0
    }

    /// Number of bits.
    #[must_use]
    pub const fn len(&self) -> u8 {
        self.len
    }

    /// True for an empty bit string.
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Decode the bit string (at most 16 bits).
    ///
    /// # Errors
    /// [`Tase2Error`] for another MMS type or more than 16 bits.
    pub fn from_data(d: &Data<'_>) -> Result<Self, Tase2Error> {
        const F: &str = "Supported_Features";
        let Data::BitString(b) = *d else {
            return Err(Tase2Error::WrongType {
                field: F,
                expected: "bit-string",
            });
        };
        let len = u8::try_from(b.len())
            .ok()
            .filter(|l| *l <= 16)
            .ok_or(Tase2Error::BitCount {
                field: F,
                expected: 16,
                found: b.len(),
            })?;
        let mut bits = 0u16;
        for i in 0..usize::from(len) {
            if b.bit(i) {
                bits |= 0x8000u16
                    .checked_shr(u32::try_from(i).unwrap_or(16))
                    .unwrap_or(0);
            }
        }
        Ok(SupportedFeatures { bits, len })
    }

    /// The MMS value; its octets live in `storage`.
    #[must_use]
    pub fn to_data<'b>(&self, storage: &'b mut [u8; 2]) -> Data<'b> {
        *storage = self.bits.to_be_bytes();
        let n = usize::from(self.len.div_ceil(8));
        let unused =
            u8::try_from(n.saturating_mul(8).saturating_sub(usize::from(self.len))).unwrap_or(0);
        let storage: &'b [u8; 2] = storage;
        let bytes = storage.get(..n).unwrap_or(&[]);
        BitString::new(bytes, unused).map_or(Data::Boolean(false), Data::BitString)
    }
}

/// `Scope` of a TASE.2 object name: VMD (0) or ICC / bilateral table domain (1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scope {
    /// `VMD` (0).
    Vmd,
    /// `ICC` (1).
    Icc,
}

/// A TASE.2 object name as a value (`DataSetName`, `Transfer_Set_Name`, the value of
/// `Next_DSTransfer_Set`): `{ Scope, DomainName, Name }` (Unsigned8, Identifier, Identifier).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[doc(alias = "ObjectName")]
pub struct Tase2Name<'a> {
    /// `Scope`.
    pub scope: Scope,
    /// `DomainName` (the ICC's domain; empty for VMD scope in practice).
    pub domain: &'a str,
    /// `Name`.
    pub name: &'a str,
}

impl<'a> Tase2Name<'a> {
    /// Decode `{ Scope, DomainName, Name }`.
    ///
    /// # Errors
    /// [`Tase2Error`] for another shape, a scope other than 0 or 1, or a name that is not
    /// UTF-8.
    pub fn from_data(d: &Data<'a>) -> Result<Self, Tase2Error> {
        const F: &str = "ObjectName";
        let [s, dom, n] = members::<3>(d, F)?;
        let scope = match u8_of(&s, "ObjectName.Scope")? {
            0 => Scope::Vmd,
            1 => Scope::Icc,
            v => {
                return Err(Tase2Error::OutOfRange {
                    field: "ObjectName.Scope",
                    value: i64::from(v),
                });
            }
        };
        Ok(Tase2Name {
            scope,
            domain: str_of(&dom, "ObjectName.DomainName")?,
            name: str_of(&n, "ObjectName.Name")?,
        })
    }

    /// The MMS value, its members written into `fields`.
    #[must_use]
    pub fn to_data<'b>(&self, fields: &'b mut [Data<'a>; 3]) -> Data<'b>
    where
        'a: 'b,
    {
        let scope = match self.scope {
            Scope::Vmd => 0,
            Scope::Icc => 1,
        };
        *fields = [
            Data::Unsigned(scope),
            Data::VisibleString(self.domain.as_bytes()),
            Data::VisibleString(self.name.as_bytes()),
        ];
        let fields: &'b [Data<'a>; 3] = fields;
        Data::Structure(SeqOf::from_slice(fields))
    }
}

/// `DSConditions` (a 5-bit string): the conditions requested in a DS transfer set
/// (`DSConditionsRequested`) and detected in a report (`DSConditions_Detected`).
/// The octet is kept as on the wire, bit 0 = `0x80`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct DsConditions(pub u8);

impl DsConditions {
    /// Bit 0, `IntervalTimeOut`.
    pub const INTERVAL_TIMEOUT: u8 = 0x80;
    /// Bit 1, `IntegrityTimeOut`.
    pub const INTEGRITY_TIMEOUT: u8 = 0x40;
    /// Bit 2, `ObjectChange`.
    pub const OBJECT_CHANGE: u8 = 0x20;
    /// Bit 3, `OperatorRequest`.
    pub const OPERATOR_REQUEST: u8 = 0x10;
    /// Bit 4, `OtherExternalEvent`.
    pub const OTHER_EXTERNAL_EVENT: u8 = 0x08;
    /// Number of bits on the wire.
    pub const BITS: u8 = 5;

    /// True if every bit of `mask` is set.
    #[must_use]
    pub const fn contains(self, mask: u8) -> bool {
        self.0 & mask == mask
    }

    /// Decode the 5-bit string.
    ///
    /// # Errors
    /// [`Tase2Error`] for another MMS type or length.
    pub fn from_data(d: &Data<'_>) -> Result<Self, Tase2Error> {
        crate::prim::bits_of(d, "DSConditions", 5).map(|b| DsConditions(b & 0xF8))
    }

    /// The MMS value (5 bits; the three padding bits cleared).
    #[must_use]
    pub fn to_data(self) -> Data<'static> {
        bits8(self.0, Self::BITS)
    }
}

/// `Transfer_Set_Time_Stamp` / `GMTBasedS`: seconds since 1970-01-01 UTC (Integer32).
///
/// # Errors
/// [`Tase2Error`] for another MMS type or a value outside Integer32.
pub fn gmt_based_s(d: &Data<'_>) -> Result<i32, Tase2Error> {
    i32_of(d, "GMTBasedS")
}

/// `Event_Code_Detected` (Integer16).
///
/// # Errors
/// [`Tase2Error`] for another MMS type or a value outside Integer16.
pub fn event_code(d: &Data<'_>) -> Result<i16, Tase2Error> {
    i16_of(d, "Event_Code_Detected")
}

/// `Bilateral_Table_ID` (a VisibleString of at most 32 characters).
///
/// # Errors
/// [`Tase2Error`] for another MMS type or non-UTF-8 contents.
pub fn bilateral_table_id<'a>(d: &Data<'a>) -> Result<&'a str, Tase2Error> {
    str_of(d, "Bilateral_Table_ID")
}
