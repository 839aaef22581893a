//! Indication point values (IEC 60870-6-802 clause 5.1.1, the `Data_*` types) and their MMS
//! encoding: typed, `Copy`, decoded from and encoded to [`mms_pdu::mms::Data`].
//!
//! | -802 type | MMS structure (members in this order) |
//! |---|---|
//! | `Data_Real` / `Data_Discrete` | floating-point (single) / integer (Integer32) |
//! | `Data_State`, `Data_StateQ`, `Data_Flags` | bit-string(8) ([`DataFlags`]) |
//! | `Data_RealQ`, `Data_DiscreteQ` | { Value, Flags } |
//! | `Data_RealQTimeTag`, `Data_DiscreteQTimeTag` | { Value, TimeStamp (GMTBasedS, Integer32), Flags } |
//! | `Data_StateQTimeTag` | { TimeStamp, Flags } |
//! | `Data_RealExtended`, `Data_DiscreteExtended` | { Value, TimeStamp, Flags, COV (COV_Counter, Unsigned16) } |
//! | `Data_StateExtended` | { TimeStamp, Flags, COV } |
//! | `Data_RealQTimeTagExtended`, `Data_DiscreteQTimeTagExtended` | { Value, TimeStamp ({ GMTBasedS, Milliseconds (Integer16) }), Flags } |
//! | `Data_StateQTimeTagExtended` | { TimeStamp ({ GMTBasedS, Milliseconds }), Flags } |
//!
//! Several types share a shape (`Data_DiscreteQ` and `Data_StateQTimeTag` are both
//! { integer, bit-string(8) }): decoding is directed by the [`ValueKind`] the caller knows
//! from its data set or bilateral table; [`ValueKind::candidates`] lists the kinds a
//! received value can be.

use mms_pdu::mms::{Data, FloatingPoint, SeqOf};
use telecontrol_core::{Encode, EncodeError, Writer};

use crate::prim::{bits_of, bits8, f32_of, i16_of, i32_of, members, u16_of};
use crate::{DataFlags, Tase2Error};

/// `TimeStampExtended` (IEC 60870-6-802): seconds since 1970-01-01 UTC (`GMTBasedS`) and
/// the milliseconds within that second.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct TimeStampExtended {
    /// `GMTBasedS`: seconds since 1970-01-01 00:00 UTC.
    pub gmt_based_s: i32,
    /// `Milliseconds` (0..=999 in practice; Integer16 on the wire).
    pub milliseconds: i16,
}

/// A value member: `f32` (`Data_Real`), `i32` (`Data_Discrete`) or `()` (state types,
/// whose state lives in the flags).
pub trait PointValue: Copy + PartialEq + core::fmt::Debug + sealed::Sealed {
    /// The MMS value, `None` for `()`.
    fn to_data(self) -> Option<Data<'static>>;
    /// Decode the value member.
    ///
    /// # Errors
    /// [`Tase2Error`] for a member of the wrong MMS type or range.
    fn from_data(d: &Data<'_>, field: &'static str) -> Result<Self, Tase2Error>;
    /// Members this value takes (0 or 1).
    const MEMBERS: usize;
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for i32 {}
    impl Sealed for () {}
}

impl PointValue for f32 {
    fn to_data(self) -> Option<Data<'static>> {
        Some(Data::FloatingPoint(FloatingPoint::Single(self)))
    }
    fn from_data(d: &Data<'_>, field: &'static str) -> Result<Self, Tase2Error> {
        f32_of(d, field)
    }
    const MEMBERS: usize = 1;
}
impl PointValue for i32 {
    fn to_data(self) -> Option<Data<'static>> {
        Some(Data::Integer(i64::from(self)))
    }
    fn from_data(d: &Data<'_>, field: &'static str) -> Result<Self, Tase2Error> {
        i32_of(d, field)
    }
    const MEMBERS: usize = 1;
}
impl PointValue for () {
    fn to_data(self) -> Option<Data<'static>> {
        None
    }
    fn from_data(_: &Data<'_>, _: &'static str) -> Result<Self, Tase2Error> {
        Ok(())
    }
    const MEMBERS: usize = 0;
}

/// `{ Value, Flags }`: `Data_RealQ` (`Quality<f32>`), `Data_DiscreteQ` (`Quality<i32>`).
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct Quality<V> {
    /// `Value`.
    pub value: V,
    /// `Flags`.
    pub flags: DataFlags,
}

/// `{ Value, TimeStamp, Flags }`: the `QTimeTag` (`T` = `i32` GMTBasedS) and
/// `QTimeTagExtended` (`T` = [`TimeStampExtended`]) types; `V = ()` for the state ones.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct TimeTagged<V, T> {
    /// `Value` (absent for the state types).
    pub value: V,
    /// `TimeStamp`.
    pub time_stamp: T,
    /// `Flags`.
    pub flags: DataFlags,
}

/// `{ Value, TimeStamp, Flags, COV }`: the `Extended` types.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct Extended<V> {
    /// `Value` (absent for `Data_StateExtended`).
    pub value: V,
    /// `TimeStamp` (GMTBasedS).
    pub time_stamp: i32,
    /// `Flags`.
    pub flags: DataFlags,
    /// `COV`: the change-of-value counter.
    pub cov: u16,
}

/// `Data_RealQ`.
pub type DataRealQ = Quality<f32>;
/// `Data_DiscreteQ`.
pub type DataDiscreteQ = Quality<i32>;
/// `Data_RealQTimeTag`.
pub type DataRealQTimeTag = TimeTagged<f32, i32>;
/// `Data_StateQTimeTag`.
pub type DataStateQTimeTag = TimeTagged<(), i32>;
/// `Data_DiscreteQTimeTag`.
pub type DataDiscreteQTimeTag = TimeTagged<i32, i32>;
/// `Data_RealExtended`.
pub type DataRealExtended = Extended<f32>;
/// `Data_StateExtended`.
pub type DataStateExtended = Extended<()>;
/// `Data_DiscreteExtended`.
pub type DataDiscreteExtended = Extended<i32>;
/// `Data_RealQTimeTagExtended`.
pub type DataRealQTimeTagExtended = TimeTagged<f32, TimeStampExtended>;
/// `Data_StateQTimeTagExtended`.
pub type DataStateQTimeTagExtended = TimeTagged<(), TimeStampExtended>;
/// `Data_DiscreteQTimeTagExtended`.
pub type DataDiscreteQTimeTagExtended = TimeTagged<i32, TimeStampExtended>;

/// The -802 indication point types, without their values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[allow(missing_docs)]
pub enum ValueKind {
    #[doc(alias = "Data_Real")]
    Real,
    #[doc(alias = "Data_State")]
    State,
    #[doc(alias = "Data_Discrete")]
    Discrete,
    #[doc(alias = "Data_Flags")]
    Flags,
    #[doc(alias = "Data_RealQ")]
    RealQ,
    #[doc(alias = "Data_StateQ")]
    StateQ,
    #[doc(alias = "Data_DiscreteQ")]
    DiscreteQ,
    #[doc(alias = "Data_RealQTimeTag")]
    RealQTimeTag,
    #[doc(alias = "Data_StateQTimeTag")]
    StateQTimeTag,
    #[doc(alias = "Data_DiscreteQTimeTag")]
    DiscreteQTimeTag,
    #[doc(alias = "Data_RealExtended")]
    RealExtended,
    #[doc(alias = "Data_StateExtended")]
    StateExtended,
    #[doc(alias = "Data_DiscreteExtended")]
    DiscreteExtended,
    #[doc(alias = "Data_RealQTimeTagExtended")]
    RealQTimeTagExtended,
    #[doc(alias = "Data_StateQTimeTagExtended")]
    StateQTimeTagExtended,
    #[doc(alias = "Data_DiscreteQTimeTagExtended")]
    DiscreteQTimeTagExtended,
}

impl ValueKind {
    /// Every kind.
    pub const ALL: [ValueKind; 16] = [
        ValueKind::Real,
        ValueKind::State,
        ValueKind::Discrete,
        ValueKind::Flags,
        ValueKind::RealQ,
        ValueKind::StateQ,
        ValueKind::DiscreteQ,
        ValueKind::RealQTimeTag,
        ValueKind::StateQTimeTag,
        ValueKind::DiscreteQTimeTag,
        ValueKind::RealExtended,
        ValueKind::StateExtended,
        ValueKind::DiscreteExtended,
        ValueKind::RealQTimeTagExtended,
        ValueKind::StateQTimeTagExtended,
        ValueKind::DiscreteQTimeTagExtended,
    ];

    /// The -802 type name (`"Data_RealQTimeTag"`).
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            ValueKind::Real => "Data_Real",
            ValueKind::State => "Data_State",
            ValueKind::Discrete => "Data_Discrete",
            ValueKind::Flags => "Data_Flags",
            ValueKind::RealQ => "Data_RealQ",
            ValueKind::StateQ => "Data_StateQ",
            ValueKind::DiscreteQ => "Data_DiscreteQ",
            ValueKind::RealQTimeTag => "Data_RealQTimeTag",
            ValueKind::StateQTimeTag => "Data_StateQTimeTag",
            ValueKind::DiscreteQTimeTag => "Data_DiscreteQTimeTag",
            ValueKind::RealExtended => "Data_RealExtended",
            ValueKind::StateExtended => "Data_StateExtended",
            ValueKind::DiscreteExtended => "Data_DiscreteExtended",
            ValueKind::RealQTimeTagExtended => "Data_RealQTimeTagExtended",
            ValueKind::StateQTimeTagExtended => "Data_StateQTimeTagExtended",
            ValueKind::DiscreteQTimeTagExtended => "Data_DiscreteQTimeTagExtended",
        }
    }

    /// The kinds whose MMS shape `d` has, in [`ValueKind::ALL`] order (empty if none).
    /// More than one means the shape alone does not tell (e.g. `{ integer,
    /// bit-string(8) }` is `Data_DiscreteQ` or `Data_StateQTimeTag`).
    pub fn candidates<'d>(d: &'d Data<'d>) -> impl Iterator<Item = ValueKind> + 'd {
        ValueKind::ALL
            .into_iter()
            .filter(move |k| Value::decode(*k, d).is_ok())
    }
}

/// One indication point value of any -802 type.
#[derive(Clone, Copy, Debug, PartialEq)]
#[allow(missing_docs)]
pub enum Value {
    #[doc(alias = "Data_Real")]
    Real(f32),
    /// `Data_State`: the state in bits 0-1 of the flags octet.
    #[doc(alias = "Data_State")]
    State(DataFlags),
    #[doc(alias = "Data_Discrete")]
    Discrete(i32),
    #[doc(alias = "Data_Flags")]
    Flags(DataFlags),
    #[doc(alias = "Data_RealQ")]
    RealQ(DataRealQ),
    /// `Data_StateQ`: state and quality in one flags octet.
    #[doc(alias = "Data_StateQ")]
    StateQ(DataFlags),
    #[doc(alias = "Data_DiscreteQ")]
    DiscreteQ(DataDiscreteQ),
    #[doc(alias = "Data_RealQTimeTag")]
    RealQTimeTag(DataRealQTimeTag),
    #[doc(alias = "Data_StateQTimeTag")]
    StateQTimeTag(DataStateQTimeTag),
    #[doc(alias = "Data_DiscreteQTimeTag")]
    DiscreteQTimeTag(DataDiscreteQTimeTag),
    #[doc(alias = "Data_RealExtended")]
    RealExtended(DataRealExtended),
    #[doc(alias = "Data_StateExtended")]
    StateExtended(DataStateExtended),
    #[doc(alias = "Data_DiscreteExtended")]
    DiscreteExtended(DataDiscreteExtended),
    #[doc(alias = "Data_RealQTimeTagExtended")]
    RealQTimeTagExtended(DataRealQTimeTagExtended),
    #[doc(alias = "Data_StateQTimeTagExtended")]
    StateQTimeTagExtended(DataStateQTimeTagExtended),
    #[doc(alias = "Data_DiscreteQTimeTagExtended")]
    DiscreteQTimeTagExtended(DataDiscreteQTimeTagExtended),
}

const FLAGS: &str = "Data_Flags";

fn flags_of(d: &Data<'_>) -> Result<DataFlags, Tase2Error> {
    bits_of(d, FLAGS, 8).map(DataFlags)
}

fn quality<V: PointValue>(d: &Data<'_>, field: &'static str) -> Result<Quality<V>, Tase2Error> {
    let [v, f] = members::<2>(d, field)?;
    Ok(Quality {
        value: V::from_data(&v, field)?,
        flags: flags_of(&f)?,
    })
}

fn ts_ext(d: &Data<'_>) -> Result<TimeStampExtended, Tase2Error> {
    const F: &str = "TimeStampExtended";
    let [s, ms] = members::<2>(d, F)?;
    Ok(TimeStampExtended {
        gmt_based_s: i32_of(&s, F)?,
        milliseconds: i16_of(&ms, F)?,
    })
}

/// Decode `{ [Value,] TimeStamp, Flags }` with `ts` reading the time stamp member.
fn time_tagged<V: PointValue, T>(
    d: &Data<'_>,
    field: &'static str,
    ts: impl Fn(&Data<'_>) -> Result<T, Tase2Error>,
) -> Result<TimeTagged<V, T>, Tase2Error> {
    if V::MEMBERS == 1 {
        let [v, t, f] = members::<3>(d, field)?;
        Ok(TimeTagged {
            value: V::from_data(&v, field)?,
            time_stamp: ts(&t)?,
            flags: flags_of(&f)?,
        })
    } else {
        let [t, f] = members::<2>(d, field)?;
        Ok(TimeTagged {
            value: V::from_data(&t, field)?,
            time_stamp: ts(&t)?,
            flags: flags_of(&f)?,
        })
    }
}

fn extended<V: PointValue>(d: &Data<'_>, field: &'static str) -> Result<Extended<V>, Tase2Error> {
    let gmt = |t: &Data<'_>| i32_of(t, "GMTBasedS");
    if V::MEMBERS == 1 {
        let [v, t, f, c] = members::<4>(d, field)?;
        Ok(Extended {
            value: V::from_data(&v, field)?,
            time_stamp: gmt(&t)?,
            flags: flags_of(&f)?,
            cov: u16_of(&c, "COV_Counter")?,
        })
    } else {
        let [t, f, c] = members::<3>(d, field)?;
        Ok(Extended {
            value: V::from_data(&t, field)?,
            time_stamp: gmt(&t)?,
            flags: flags_of(&f)?,
            cov: u16_of(&c, "COV_Counter")?,
        })
    }
}

impl Value {
    /// Decode `d` as the -802 type `kind`.
    ///
    /// # Errors
    /// [`Tase2Error`] when `d` does not have the shape of `kind` (wrong MMS type, member
    /// count, bit count, or an integer outside Integer16/Integer32/Unsigned16).
    pub fn decode(kind: ValueKind, d: &Data<'_>) -> Result<Self, Tase2Error> {
        let gmt = |t: &Data<'_>| i32_of(t, "GMTBasedS");
        let n = kind.name();
        Ok(match kind {
            ValueKind::Real => Value::Real(f32_of(d, n)?),
            ValueKind::State => Value::State(flags_of(d)?),
            ValueKind::Discrete => Value::Discrete(i32_of(d, n)?),
            ValueKind::Flags => Value::Flags(flags_of(d)?),
            ValueKind::RealQ => Value::RealQ(quality(d, n)?),
            ValueKind::StateQ => Value::StateQ(flags_of(d)?),
            ValueKind::DiscreteQ => Value::DiscreteQ(quality(d, n)?),
            ValueKind::RealQTimeTag => Value::RealQTimeTag(time_tagged(d, n, gmt)?),
            ValueKind::StateQTimeTag => Value::StateQTimeTag(time_tagged(d, n, gmt)?),
            ValueKind::DiscreteQTimeTag => Value::DiscreteQTimeTag(time_tagged(d, n, gmt)?),
            ValueKind::RealExtended => Value::RealExtended(extended(d, n)?),
            ValueKind::StateExtended => Value::StateExtended(extended(d, n)?),
            ValueKind::DiscreteExtended => Value::DiscreteExtended(extended(d, n)?),
            ValueKind::RealQTimeTagExtended => {
                Value::RealQTimeTagExtended(time_tagged(d, n, ts_ext)?)
            }
            ValueKind::StateQTimeTagExtended => {
                Value::StateQTimeTagExtended(time_tagged(d, n, ts_ext)?)
            }
            ValueKind::DiscreteQTimeTagExtended => {
                Value::DiscreteQTimeTagExtended(time_tagged(d, n, ts_ext)?)
            }
        })
    }

    /// The -802 type of this value.
    #[must_use]
    pub const fn kind(&self) -> ValueKind {
        match self {
            Value::Real(_) => ValueKind::Real,
            Value::State(_) => ValueKind::State,
            Value::Discrete(_) => ValueKind::Discrete,
            Value::Flags(_) => ValueKind::Flags,
            Value::RealQ(_) => ValueKind::RealQ,
            Value::StateQ(_) => ValueKind::StateQ,
            Value::DiscreteQ(_) => ValueKind::DiscreteQ,
            Value::RealQTimeTag(_) => ValueKind::RealQTimeTag,
            Value::StateQTimeTag(_) => ValueKind::StateQTimeTag,
            Value::DiscreteQTimeTag(_) => ValueKind::DiscreteQTimeTag,
            Value::RealExtended(_) => ValueKind::RealExtended,
            Value::StateExtended(_) => ValueKind::StateExtended,
            Value::DiscreteExtended(_) => ValueKind::DiscreteExtended,
            Value::RealQTimeTagExtended(_) => ValueKind::RealQTimeTagExtended,
            Value::StateQTimeTagExtended(_) => ValueKind::StateQTimeTagExtended,
            Value::DiscreteQTimeTagExtended(_) => ValueKind::DiscreteQTimeTagExtended,
        }
    }

    /// The flags octet (`None` for `Data_Real` and `Data_Discrete`).
    #[must_use]
    pub const fn flags(&self) -> Option<DataFlags> {
        match *self {
            Value::Real(_) | Value::Discrete(_) => None,
            Value::State(f) | Value::Flags(f) | Value::StateQ(f) => Some(f),
            Value::RealQ(q) => Some(q.flags),
            Value::DiscreteQ(q) => Some(q.flags),
            Value::RealQTimeTag(q) => Some(q.flags),
            Value::StateQTimeTag(q) => Some(q.flags),
            Value::DiscreteQTimeTag(q) => Some(q.flags),
            Value::RealExtended(q) => Some(q.flags),
            Value::StateExtended(q) => Some(q.flags),
            Value::DiscreteExtended(q) => Some(q.flags),
            Value::RealQTimeTagExtended(q) => Some(q.flags),
            Value::StateQTimeTagExtended(q) => Some(q.flags),
            Value::DiscreteQTimeTagExtended(q) => Some(q.flags),
        }
    }

    /// The MMS value, its structure members written into the caller's `fields` and (for
    /// the `QTimeTagExtended` types) `time_stamp` storage: nothing is allocated.
    #[must_use]
    pub fn to_data<'b>(
        &self,
        time_stamp: &'b mut [Data<'static>; 2],
        fields: &'b mut [Data<'b>; 4],
    ) -> Data<'b> {
        let fl = |f: DataFlags| bits8(f.0, 8);
        let gmt = |s: i32| Data::Integer(i64::from(s));
        let ext = |t: TimeStampExtended, ts: &'b mut [Data<'static>; 2]| -> Data<'b> {
            *ts = [
                Data::Integer(i64::from(t.gmt_based_s)),
                Data::Integer(i64::from(t.milliseconds)),
            ];
            let ts: &'b [Data<'static>; 2] = ts;
            Data::Structure(SeqOf::from_slice(ts))
        };
        // Members after the (optional) value member.
        let (value, rest): (Option<Data<'static>>, [Option<Data<'b>>; 3]) = match *self {
            Value::Real(v) => return Data::FloatingPoint(FloatingPoint::Single(v)),
            Value::Discrete(v) => return Data::Integer(i64::from(v)),
            Value::State(f) | Value::Flags(f) | Value::StateQ(f) => return fl(f),
            Value::RealQ(q) => (q.value.to_data(), [Some(fl(q.flags)), None, None]),
            Value::DiscreteQ(q) => (q.value.to_data(), [Some(fl(q.flags)), None, None]),
            Value::RealQTimeTag(q) => tagged(q.value, gmt(q.time_stamp), q.flags),
            Value::StateQTimeTag(q) => tagged((), gmt(q.time_stamp), q.flags),
            Value::DiscreteQTimeTag(q) => tagged(q.value, gmt(q.time_stamp), q.flags),
            Value::RealExtended(q) => extended_parts(q),
            Value::StateExtended(q) => extended_parts(q),
            Value::DiscreteExtended(q) => extended_parts(q),
            Value::RealQTimeTagExtended(q) => {
                tagged(q.value, ext(q.time_stamp, time_stamp), q.flags)
            }
            Value::StateQTimeTagExtended(q) => tagged((), ext(q.time_stamp, time_stamp), q.flags),
            Value::DiscreteQTimeTagExtended(q) => {
                tagged(q.value, ext(q.time_stamp, time_stamp), q.flags)
            }
        };
        let mut n: usize = 0;
        for d in value.into_iter().chain(rest.into_iter().flatten()) {
            if let Some(slot) = fields.get_mut(n) {
                *slot = d;
                n = n.saturating_add(1);
            }
        }
        let fields: &'b [Data<'b>; 4] = fields;
        Data::Structure(SeqOf::from_slice(fields.get(..n).unwrap_or(&[])))
    }
}

fn tagged<'b, V: PointValue>(
    value: V,
    ts: Data<'b>,
    flags: DataFlags,
) -> (Option<Data<'static>>, [Option<Data<'b>>; 3]) {
    (value.to_data(), [Some(ts), Some(bits8(flags.0, 8)), None])
}

fn extended_parts<'b, V: PointValue>(
    q: Extended<V>,
) -> (Option<Data<'static>>, [Option<Data<'b>>; 3]) {
    (
        q.value.to_data(),
        [
            Some(Data::Integer(i64::from(q.time_stamp))),
            Some(bits8(q.flags.0, 8)),
            Some(Data::Unsigned(u64::from(q.cov))),
        ],
    )
}

impl Encode for Value {
    fn encoded_len(&self) -> usize {
        let mut ts = [Data::Boolean(false); 2];
        let mut fields = [Data::Boolean(false); 4];
        self.to_data(&mut ts, &mut fields).encoded_len()
    }

    fn write_to(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        let mut ts = [Data::Boolean(false); 2];
        let mut fields = [Data::Boolean(false); 4];
        self.to_data(&mut ts, &mut fields).write_to(w)
    }
}
