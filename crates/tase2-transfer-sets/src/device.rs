//! Information messages (block 4, IEC 60870-6-802 clause 5.1.5) and device control
//! objects (block 5, clause 5.1.6).

use mms_pdu::mms::{Data, FloatingPoint, SeqOf};

use crate::Tase2Error;
use crate::prim::{bits_of, bits8, f32_of, i16_of, i32_of, members, str_of};

/// `Info_Mess_Header`: `{ InfoReference, LocalReference, MessageId, Size }`, all Integer32.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct InfoMessHeader {
    /// `InfoReference`: which kind of message (agreed bilaterally).
    pub info_reference: i32,
    /// `LocalReference`.
    pub local_reference: i32,
    /// `MessageId`.
    pub message_id: i32,
    /// `Size`: octets of the message in the `Info_Buff_<n>` that follows.
    pub size: i32,
}

impl InfoMessHeader {
    /// Decode the header structure.
    ///
    /// # Errors
    /// [`Tase2Error`] if `d` is not a structure of four Integer32.
    pub fn from_data(d: &Data<'_>) -> Result<Self, Tase2Error> {
        const F: &str = "Info_Mess_Header";
        let [a, b, c, e] = members::<4>(d, F)?;
        Ok(InfoMessHeader {
            info_reference: i32_of(&a, F)?,
            local_reference: i32_of(&b, F)?,
            message_id: i32_of(&c, F)?,
            size: i32_of(&e, F)?,
        })
    }

    /// The MMS value, members in `fields`.
    #[must_use]
    pub fn to_data<'b>(&self, fields: &'b mut [Data<'static>; 4]) -> Data<'b> {
        let i = |v: i32| Data::Integer(i64::from(v));
        *fields = [
            i(self.info_reference),
            i(self.local_reference),
            i(self.message_id),
            i(self.size),
        ];
        let fields: &'b [Data<'static>; 4] = fields;
        Data::Structure(SeqOf::from_slice(fields))
    }
}

/// The contents of an `Info_Buff_<n>` variable: its octets (an octet string; peers also
/// send a visible string).
///
/// # Errors
/// [`Tase2Error::WrongType`] for another MMS type.
pub fn info_buffer<'a>(d: &Data<'a>) -> Result<&'a [u8], Tase2Error> {
    match *d {
        Data::OctetString(b) | Data::VisibleString(b) => Ok(b),
        _ => Err(Tase2Error::WrongType {
            field: "Info_Buff",
            expected: "octet-string",
        }),
    }
}

/// `Info_Buff_<size>`'s size from its name, e.g. 2048 for `"Info_Buff_2048"`.
#[must_use]
pub fn info_buffer_size(name: &str) -> Option<u32> {
    name.strip_prefix(crate::objects::INFO_BUFF_PREFIX)?
        .parse()
        .ok()
}

/// A device control object value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum DeviceValue {
    /// `Command` (Integer16): 0 OFF/TRIP, 1 ON/CLOSE.
    Command(i16),
    /// `Discrete` set-point (Integer16).
    DiscreteSetPoint(i16),
    /// `Real` set-point (Floating-point, single).
    RealSetPoint(f32),
    /// `<dev>_SBO`'s `CheckBackID` (Integer16), read to select.
    CheckBackId(i16),
}

/// Which device value a variable holds (the bilateral table says).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum DeviceKind {
    Command,
    DiscreteSetPoint,
    RealSetPoint,
    CheckBackId,
}

impl DeviceValue {
    /// Decode `d` as `kind`.
    ///
    /// # Errors
    /// [`Tase2Error`] for another MMS type or an integer outside Integer16.
    pub fn decode(kind: DeviceKind, d: &Data<'_>) -> Result<Self, Tase2Error> {
        Ok(match kind {
            DeviceKind::Command => DeviceValue::Command(i16_of(d, "Command")?),
            DeviceKind::DiscreteSetPoint => DeviceValue::DiscreteSetPoint(i16_of(d, "Discrete")?),
            DeviceKind::RealSetPoint => DeviceValue::RealSetPoint(f32_of(d, "Real")?),
            DeviceKind::CheckBackId => DeviceValue::CheckBackId(i16_of(d, "CheckBackID")?),
        })
    }

    /// The MMS value.
    #[must_use]
    pub fn to_data(self) -> Data<'static> {
        match self {
            DeviceValue::Command(v)
            | DeviceValue::DiscreteSetPoint(v)
            | DeviceValue::CheckBackId(v) => Data::Integer(i64::from(v)),
            DeviceValue::RealSetPoint(v) => Data::FloatingPoint(FloatingPoint::Single(v)),
        }
    }
}

/// The tag state of a device (`Tag_Flags` bits 0-1, `2 × hi + lo`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TagState {
    /// `NO_TAG` (0).
    NoTag,
    /// `OPEN_AND_CLOSE_INHIBIT` (1).
    OpenAndCloseInhibit,
    /// `CLOSE_ONLY_INHIBIT` (2).
    CloseOnlyInhibit,
    /// `INVALID` (3).
    Invalid,
}

/// `<dev>_TAG` value: `{ Flags (bit-string(3): tag bits 0-1, ArmedForExecution bit 2),
/// Reason (VisibleString) }`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TagValue<'a> {
    /// The tag.
    pub tag: TagState,
    /// `ArmedForExecution`: the device is selected (SBO) and waits for the operate.
    pub armed_for_execution: bool,
    /// `Reason`.
    pub reason: &'a str,
}

impl<'a> TagValue<'a> {
    /// Decode the tag structure.
    ///
    /// # Errors
    /// [`Tase2Error`] for another shape.
    pub fn from_data(d: &Data<'a>) -> Result<Self, Tase2Error> {
        const F: &str = "Tag_Value";
        let [flags, reason] = members::<2>(d, F)?;
        let b = bits_of(&flags, "Tag_Flags", 3)?;
        let tag = match b >> 6 {
            0 => TagState::NoTag,
            1 => TagState::OpenAndCloseInhibit,
            2 => TagState::CloseOnlyInhibit,
            _ => TagState::Invalid,
        };
        Ok(TagValue {
            tag,
            armed_for_execution: b & 0x20 != 0,
            reason: str_of(&reason, "Tag_Value.Reason")?,
        })
    }

    /// The MMS value, members in `fields`.
    #[must_use]
    pub fn to_data<'b>(&self, fields: &'b mut [Data<'a>; 2]) -> Data<'b>
    where
        'a: 'b,
    {
        let t: u8 = match self.tag {
            TagState::NoTag => 0,
            TagState::OpenAndCloseInhibit => 0x40,
            TagState::CloseOnlyInhibit => 0x80,
            TagState::Invalid => 0xC0,
        };
        let armed = if self.armed_for_execution { 0x20 } else { 0 };
        *fields = [
            bits8(t | armed, 3),
            Data::VisibleString(self.reason.as_bytes()),
        ];
        let fields: &'b [Data<'a>; 2] = fields;
        Data::Structure(SeqOf::from_slice(fields))
    }
}
