//! The MMS types of the station's variables (IEC 60870-6-802 clause 5 type definitions as
//! ISO 9506 `TypeSpecification`s), answered by GetVariableAccessAttributes.

use mms_pdu::mms::{Identifier, SeqOf, StructComponent, TypeDescription, TypeSpecification};

use crate::ValueKind;

const fn id(s: &'static str) -> Option<Identifier<'static>> {
    Identifier::new(s)
}

const fn d(t: TypeDescription<'static>) -> TypeSpecification<'static> {
    TypeSpecification::Description(t)
}

const fn c(name: &'static str, t: TypeSpecification<'static>) -> StructComponent<'static> {
    StructComponent {
        name: id(name),
        component_type: t,
    }
}

const fn st(components: &'static [StructComponent<'static>]) -> TypeSpecification<'static> {
    d(TypeDescription::Structure {
        packed: None,
        components: SeqOf::from_slice(components),
    })
}

/// `Data_Real`: floating-point (single).
pub(crate) const REAL: TypeSpecification<'static> = d(TypeDescription::FloatingPoint {
    format_width: 32,
    exponent_width: 8,
});
/// Integer16.
pub(crate) const I16: TypeSpecification<'static> = d(TypeDescription::Integer(16));
/// Integer32.
pub(crate) const I32: TypeSpecification<'static> = d(TypeDescription::Integer(32));
/// Unsigned8.
const U8: TypeSpecification<'static> = d(TypeDescription::Unsigned(8));
/// Unsigned16 (`COV_Counter`).
const U16: TypeSpecification<'static> = d(TypeDescription::Unsigned(16));
/// The flags octet (bit-string(8)).
const FLAGS: TypeSpecification<'static> = d(TypeDescription::BitString(8));
/// `Identifier` / `Bilateral_Table_ID`: visible-string(32).
pub(crate) const NAME32: TypeSpecification<'static> = d(TypeDescription::VisibleString(32));
/// Boolean.
pub(crate) const BOOLEAN: TypeSpecification<'static> = d(TypeDescription::Boolean);
/// `DSConditions`: bit-string(5).
pub(crate) const DS_CONDITIONS: TypeSpecification<'static> = d(TypeDescription::BitString(5));

const TS_EXT: [StructComponent<'static>; 2] = [c("GMTBasedS", I32), c("Milliseconds", I16)];
const TIME_STAMP_EXTENDED: TypeSpecification<'static> = st(&TS_EXT);

const REAL_Q: [StructComponent<'static>; 2] = [c("Value", REAL), c("Flags", FLAGS)];
const DISCRETE_Q: [StructComponent<'static>; 2] = [c("Value", I32), c("Flags", FLAGS)];
const REAL_QTT: [StructComponent<'static>; 3] =
    [c("Value", REAL), c("TimeStamp", I32), c("Flags", FLAGS)];
const STATE_QTT: [StructComponent<'static>; 2] = [c("TimeStamp", I32), c("Flags", FLAGS)];
const DISCRETE_QTT: [StructComponent<'static>; 3] =
    [c("Value", I32), c("TimeStamp", I32), c("Flags", FLAGS)];
const REAL_EXT: [StructComponent<'static>; 4] = [
    c("Value", REAL),
    c("TimeStamp", I32),
    c("Flags", FLAGS),
    c("COV", U16),
];
const STATE_EXT: [StructComponent<'static>; 3] =
    [c("TimeStamp", I32), c("Flags", FLAGS), c("COV", U16)];
const DISCRETE_EXT: [StructComponent<'static>; 4] = [
    c("Value", I32),
    c("TimeStamp", I32),
    c("Flags", FLAGS),
    c("COV", U16),
];
const REAL_QTTE: [StructComponent<'static>; 3] = [
    c("Value", REAL),
    c("TimeStamp", TIME_STAMP_EXTENDED),
    c("Flags", FLAGS),
];
const STATE_QTTE: [StructComponent<'static>; 2] =
    [c("TimeStamp", TIME_STAMP_EXTENDED), c("Flags", FLAGS)];
const DISCRETE_QTTE: [StructComponent<'static>; 3] = [
    c("Value", I32),
    c("TimeStamp", TIME_STAMP_EXTENDED),
    c("Flags", FLAGS),
];

/// The type of an indication point of kind `k`.
pub(crate) const fn point(k: ValueKind) -> TypeSpecification<'static> {
    match k {
        ValueKind::Real => REAL,
        ValueKind::Discrete => I32,
        ValueKind::State | ValueKind::Flags | ValueKind::StateQ => FLAGS,
        ValueKind::RealQ => st(&REAL_Q),
        ValueKind::DiscreteQ => st(&DISCRETE_Q),
        ValueKind::RealQTimeTag => st(&REAL_QTT),
        ValueKind::StateQTimeTag => st(&STATE_QTT),
        ValueKind::DiscreteQTimeTag => st(&DISCRETE_QTT),
        ValueKind::RealExtended => st(&REAL_EXT),
        ValueKind::StateExtended => st(&STATE_EXT),
        ValueKind::DiscreteExtended => st(&DISCRETE_EXT),
        ValueKind::RealQTimeTagExtended => st(&REAL_QTTE),
        ValueKind::StateQTimeTagExtended => st(&STATE_QTTE),
        ValueKind::DiscreteQTimeTagExtended => st(&DISCRETE_QTTE),
    }
}

const VERSION: [StructComponent<'static>; 2] =
    [c("MajorVersionNumber", I16), c("MinorVersionNumber", I16)];
/// `TASE2_Version`.
pub(crate) const TASE2_VERSION: TypeSpecification<'static> = st(&VERSION);

const OBJECT_NAME_C: [StructComponent<'static>; 3] =
    [c("Scope", U8), c("DomainName", NAME32), c("Name", NAME32)];
/// A TASE.2 object name as a value (`Next_DSTransfer_Set`, `Transfer_Set_Name`, ...).
pub(crate) const OBJECT_NAME: TypeSpecification<'static> = st(&OBJECT_NAME_C);

const DS_TS_13: [StructComponent<'static>; 13] = [
    c("DataSetName", OBJECT_NAME),
    c("StartTime", I32),
    c("Interval", I32),
    c("TLE", I32),
    c("BufferTime", I32),
    c("IntegrityCheck", I32),
    c("DSConditionsRequested", DS_CONDITIONS),
    c("BlockData", BOOLEAN),
    c("Critical", BOOLEAN),
    c("RBE", BOOLEAN),
    c("AllChangesReported", BOOLEAN),
    c("Status", BOOLEAN),
    c("EventCodeRequested", I16),
];

/// `DSTransferSet`: 13 members (2000-08) or the first 12 (1996-08).
pub(crate) fn ds_transfer_set(edition_2000: bool) -> TypeSpecification<'static> {
    let n = if edition_2000 { 13 } else { 12 };
    let all: &'static [StructComponent<'static>] = &DS_TS_13;
    st(all.get(..n).unwrap_or(all))
}

const TAG_C: [StructComponent<'static>; 2] = [
    c("Flags", d(TypeDescription::BitString(3))),
    c("Reason", d(TypeDescription::VisibleString(-255))),
];
/// `<dev>_TAG`.
pub(crate) const TAG: TypeSpecification<'static> = st(&TAG_C);

const HEADER_C: [StructComponent<'static>; 4] = [
    c("InfoReference", I32),
    c("LocalReference", I32),
    c("MessageId", I32),
    c("Size", I32),
];
/// `Info_Mess_Header`.
pub(crate) const INFO_MESS_HEADER: TypeSpecification<'static> = st(&HEADER_C);

/// `Info_Buff_<size>`: octet-string(size).
pub(crate) fn info_buffer(size: u32) -> TypeSpecification<'static> {
    d(TypeDescription::OctetString(
        i32::try_from(size).unwrap_or(i32::MAX),
    ))
}

/// `Supported_Features`: bit-string of `bits`.
pub(crate) fn features(bits: u8) -> TypeSpecification<'static> {
    d(TypeDescription::BitString(i32::from(bits)))
}
