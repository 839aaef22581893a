//! The typed information element set of every type: [`Value`] (101 §7.3, 104 §8).

use core::fmt;

use telecontrol_core::Writer;

use crate::TypeId;
use crate::command::{Coi, Dco, Fbp, Qcc, Qoi, Qos, Qpa, Qpm, Qrp, Rco, Sco, Tsc};
use crate::file::{Afq, Chs, Frq, Lof, Los, Lsq, Nof, Nos, Scq, Segment, Sof, Srq};
use crate::measured::{Bcr, Bsi, Nva, Scd, Sva};
use crate::quality::{Diq, Oci, Qdp, Qds, Quality, Sep, Siq, Spe, Vti};
use crate::time::{Cp16Time2a, Cp24Time2a, Cp56Time2a};
use crate::type_id::RawTypeId;
use crate::wire::{Bad, Short, Wire, encode_into, put_slice, take_chunk, take_slice};

/// The time tag closing an information object.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TimeTag {
    /// CP24Time2a (101 only).
    Cp24(Cp24Time2a),
    /// CP56Time2a.
    Cp56(Cp56Time2a),
}

impl fmt::Display for TimeTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TimeTag::Cp24(t) => t.fmt(f),
            TimeTag::Cp56(t) => t.fmt(f),
        }
    }
}

/// What an element contributes to the object-level accessors.
trait Facet {
    fn tag(&self) -> Option<TimeTag> {
        None
    }
    fn quality(&self) -> Option<Quality> {
        None
    }
}

macro_rules! no_facet {
    ($($t:ty),*) => {$( impl Facet for $t {} )*};
}
no_facet!(
    f32,
    Nva,
    Sva,
    Bsi,
    Scd,
    Vti,
    Spe,
    Oci,
    Cp16Time2a,
    Sco,
    Dco,
    Rco,
    Qos,
    Qoi,
    Qcc,
    Qrp,
    Qpm,
    Qpa,
    Coi,
    Fbp,
    Tsc,
    Nof,
    Nos,
    Lof,
    Los,
    Frq,
    Srq,
    Scq,
    Lsq,
    Afq,
    Chs,
    Sof,
    Segment<'_>
);

impl Facet for Cp24Time2a {
    fn tag(&self) -> Option<TimeTag> {
        Some(TimeTag::Cp24(*self))
    }
}
impl Facet for Cp56Time2a {
    fn tag(&self) -> Option<TimeTag> {
        Some(TimeTag::Cp56(*self))
    }
}
impl Facet for Siq {
    fn quality(&self) -> Option<Quality> {
        Some(Siq::quality(*self))
    }
}
impl Facet for Diq {
    fn quality(&self) -> Option<Quality> {
        Some(Diq::quality(*self))
    }
}
impl Facet for Qds {
    fn quality(&self) -> Option<Quality> {
        Some(Qds::quality(*self))
    }
}
impl Facet for Qdp {
    fn quality(&self) -> Option<Quality> {
        Some(Qdp::quality(*self))
    }
}
impl Facet for Sep {
    fn quality(&self) -> Option<Quality> {
        Some(Sep::quality(*self))
    }
}
impl Facet for Bcr {
    fn quality(&self) -> Option<Quality> {
        Some(Quality::GOOD.with_invalid(self.invalid()))
    }
}

macro_rules! values {
    ($( $var:ident $mn:literal ( $($f:ident : $t:ty),+ ); )*) => {
        /// The information element set of one object, one variant per type identification
        /// (101 §7.3, 104 §8), fields in wire order. Time tags are the last field.
        ///
        /// The variant fixes the type: [`Value::type_id`].
        #[derive(Clone, Copy, Debug, PartialEq)]
        #[non_exhaustive]
        pub enum Value<'a> {
            $(
                #[doc = concat!("`", $mn, "`: ", stringify!($($f: $t),+), ".")]
                #[doc(alias = $mn)]
                $var($($t),+),
            )*
            /// `C_RD_NA_1`: read command, no element.
            #[doc(alias = "C_RD_NA_1")]
            CRdNa1,
            /// Type 41 or a private type: the octets of one element, uninterpreted.
            Raw(RawTypeId, &'a [u8]),
        }

        impl<'a> Value<'a> {
            /// The type identification this value belongs to.
            #[must_use]
            #[inline]
            pub const fn type_id(&self) -> TypeId {
                match self {
                    $( Value::$var(..) => TypeId::$var, )*
                    Value::CRdNa1 => TypeId::CRdNa1,
                    Value::Raw(t, _) => TypeId::Raw(*t),
                }
            }

            /// Octets of the element set on the wire (without the object address).
            #[must_use]
            #[inline]
            pub fn encoded_len(&self) -> usize {
                match self {
                    $( Value::$var($($f),+) => 0usize $(.saturating_add(Wire::wire_len($f)))+, )*
                    Value::CRdNa1 => 0,
                    Value::Raw(_, b) => b.len(),
                }
            }

            /// The time tag, for types with one (the `TA`/`TB`/`TC` types, C_TS_TA_1 and
            /// F_DR_TA_1). The clock of C_CS_NA_1 and the range of F_SC_NB_1 are values, not
            /// tags: see the variants' fields.
            #[must_use]
            pub fn time_tag(&self) -> Option<TimeTag> {
                if !self.type_id().has_time_tag() {
                    return None;
                }
                match self {
                    $( Value::$var($($f),+) => {
                        let mut tag = None;
                        $( if let Some(t) = Facet::tag($f) { tag = Some(t); } )+
                        tag
                    } )*
                    Value::CRdNa1 | Value::Raw(..) => None,
                }
            }

            /// The quality flags, for types with a quality descriptor (SIQ, DIQ, QDS, QDP,
            /// SEP; the IV flag of a BCR).
            #[must_use]
            pub fn quality(&self) -> Option<Quality> {
                match self {
                    $( Value::$var($($f),+) => {
                        $( if let Some(q) = Facet::quality($f) { return Some(q); } )+
                        None
                    } )*
                    Value::CRdNa1 | Value::Raw(..) => None,
                }
            }

            /// Read the element set of `type_id`; `raw_len` is the element length of raw types.
            #[inline(always)]
            pub(crate) fn read(type_id: TypeId, b: &mut &'a [u8], raw_len: usize) -> Result<Self, Bad> {
                Ok(match type_id {
                    $( TypeId::$var => {
                        // Fixed size: one split at a length known at compile time, then
                        // reads whose own checks the optimizer removes.
                        const N: usize = match TypeId::$var.element_size() {
                            Some(n) => n,
                            None => 0,
                        };
                        if N == 0 {
                            Value::$var($(<$t as Wire<'a>>::read(b)?),+)
                        } else {
                            let mut chunk = &take_chunk::<N>(b)?[..];
                            Value::$var($(<$t as Wire<'a>>::read(&mut chunk)?),+)
                        }
                    } )*
                    TypeId::CRdNa1 => Value::CRdNa1,
                    TypeId::Raw(t) => Value::Raw(t, take_slice(b, raw_len)?),
                })
            }

            /// Write the element set at the front of `out` and advance it.
            #[inline(always)]
            pub(crate) fn put(&self, out: &mut &mut [u8]) -> Result<(), Short> {
                match self {
                    $( Value::$var($($f),+) => { $( Wire::put($f, out)?; )+ } )*
                    Value::CRdNa1 => {}
                    Value::Raw(_, b) => put_slice(out, b)?,
                }
                Ok(())
            }
        }

        impl telecontrol_core::Encode for Value<'_> {
            fn encoded_len(&self) -> usize {
                Value::encoded_len(self)
            }
            fn write_to(&self, w: &mut Writer<'_>) -> Result<(), telecontrol_core::EncodeError> {
                encode_into(w, Value::encoded_len(self), |out| self.put(out))
            }
        }

        impl fmt::Display for Value<'_> {
            /// `field=value` pairs in wire order, e.g. `siq=on (good) time=24-03-15 …`.
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self {
                    $( Value::$var($($f),+) => {
                        let mut sep = "";
                        $(
                            write!(f, concat!("{}", stringify!($f), "={}"), sep, $f)?;
                            sep = " ";
                        )+
                        let _ = sep;
                        Ok(())
                    } )*
                    Value::CRdNa1 => f.write_str("read"),
                    Value::Raw(_, b) => {
                        f.write_str("raw=")?;
                        for x in *b {
                            write!(f, "{x:02x}")?;
                        }
                        Ok(())
                    }
                }
            }
        }

        /// Markers of the type identifications for [`AsduView::typed`](crate::AsduView::typed):
        /// each names its type's element set, read without building a [`Value`].
        pub mod typed {
            use super::*;
            $(
                #[doc = concat!("`", $mn, "`: element set `(", stringify!($($t),+), ")`.")]
                #[doc(alias = $mn)]
                #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
                pub struct $var;

                impl crate::element::Sealed for $var {}

                impl crate::element::Element for $var {
                    const TYPE_ID: TypeId = TypeId::$var;
                    type Set<'a> = ($($t,)+);

                    #[inline(always)]
                    fn read_set<'a>(b: &mut &'a [u8]) -> Option<Self::Set<'a>> {
                        // Fixed size: one split at a length known at compile time, then
                        // reads whose own checks the optimizer removes.
                        const N: usize = match TypeId::$var.element_size() {
                            Some(n) => n,
                            None => 0,
                        };
                        if N == 0 {
                            return Some(($(<$t as Wire<'a>>::read(b).ok()?,)+));
                        }
                        let mut chunk = &take_chunk::<N>(b).ok()?[..];
                        Some(($(<$t as Wire<'a>>::read(&mut chunk).ok()?,)+))
                    }

                    #[inline]
                    fn value(set: Self::Set<'_>) -> Value<'_> {
                        let ($($f,)+) = set;
                        Value::$var($($f),+)
                    }
                }
            )*
        }
    };
}

values! {
    MSpNa1 "M_SP_NA_1" (siq: Siq);
    MSpTa1 "M_SP_TA_1" (siq: Siq, time: Cp24Time2a);
    MDpNa1 "M_DP_NA_1" (diq: Diq);
    MDpTa1 "M_DP_TA_1" (diq: Diq, time: Cp24Time2a);
    MStNa1 "M_ST_NA_1" (vti: Vti, qds: Qds);
    MStTa1 "M_ST_TA_1" (vti: Vti, qds: Qds, time: Cp24Time2a);
    MBoNa1 "M_BO_NA_1" (bsi: Bsi, qds: Qds);
    MBoTa1 "M_BO_TA_1" (bsi: Bsi, qds: Qds, time: Cp24Time2a);
    MMeNa1 "M_ME_NA_1" (nva: Nva, qds: Qds);
    MMeTa1 "M_ME_TA_1" (nva: Nva, qds: Qds, time: Cp24Time2a);
    MMeNb1 "M_ME_NB_1" (sva: Sva, qds: Qds);
    MMeTb1 "M_ME_TB_1" (sva: Sva, qds: Qds, time: Cp24Time2a);
    MMeNc1 "M_ME_NC_1" (value: f32, qds: Qds);
    MMeTc1 "M_ME_TC_1" (value: f32, qds: Qds, time: Cp24Time2a);
    MItNa1 "M_IT_NA_1" (bcr: Bcr);
    MItTa1 "M_IT_TA_1" (bcr: Bcr, time: Cp24Time2a);
    MEpTa1 "M_EP_TA_1" (sep: Sep, elapsed: Cp16Time2a, time: Cp24Time2a);
    MEpTb1 "M_EP_TB_1" (spe: Spe, qdp: Qdp, duration: Cp16Time2a, time: Cp24Time2a);
    MEpTc1 "M_EP_TC_1" (oci: Oci, qdp: Qdp, operating: Cp16Time2a, time: Cp24Time2a);
    MPsNa1 "M_PS_NA_1" (scd: Scd, qds: Qds);
    MMeNd1 "M_ME_ND_1" (nva: Nva);
    MSpTb1 "M_SP_TB_1" (siq: Siq, time: Cp56Time2a);
    MDpTb1 "M_DP_TB_1" (diq: Diq, time: Cp56Time2a);
    MStTb1 "M_ST_TB_1" (vti: Vti, qds: Qds, time: Cp56Time2a);
    MBoTb1 "M_BO_TB_1" (bsi: Bsi, qds: Qds, time: Cp56Time2a);
    MMeTd1 "M_ME_TD_1" (nva: Nva, qds: Qds, time: Cp56Time2a);
    MMeTe1 "M_ME_TE_1" (sva: Sva, qds: Qds, time: Cp56Time2a);
    MMeTf1 "M_ME_TF_1" (value: f32, qds: Qds, time: Cp56Time2a);
    MItTb1 "M_IT_TB_1" (bcr: Bcr, time: Cp56Time2a);
    MEpTd1 "M_EP_TD_1" (sep: Sep, elapsed: Cp16Time2a, time: Cp56Time2a);
    MEpTe1 "M_EP_TE_1" (spe: Spe, qdp: Qdp, duration: Cp16Time2a, time: Cp56Time2a);
    MEpTf1 "M_EP_TF_1" (oci: Oci, qdp: Qdp, operating: Cp16Time2a, time: Cp56Time2a);
    CScNa1 "C_SC_NA_1" (sco: Sco);
    CDcNa1 "C_DC_NA_1" (dco: Dco);
    CRcNa1 "C_RC_NA_1" (rco: Rco);
    CSeNa1 "C_SE_NA_1" (nva: Nva, qos: Qos);
    CSeNb1 "C_SE_NB_1" (sva: Sva, qos: Qos);
    CSeNc1 "C_SE_NC_1" (value: f32, qos: Qos);
    CBoNa1 "C_BO_NA_1" (bsi: Bsi);
    CScTa1 "C_SC_TA_1" (sco: Sco, time: Cp56Time2a);
    CDcTa1 "C_DC_TA_1" (dco: Dco, time: Cp56Time2a);
    CRcTa1 "C_RC_TA_1" (rco: Rco, time: Cp56Time2a);
    CSeTa1 "C_SE_TA_1" (nva: Nva, qos: Qos, time: Cp56Time2a);
    CSeTb1 "C_SE_TB_1" (sva: Sva, qos: Qos, time: Cp56Time2a);
    CSeTc1 "C_SE_TC_1" (value: f32, qos: Qos, time: Cp56Time2a);
    CBoTa1 "C_BO_TA_1" (bsi: Bsi, time: Cp56Time2a);
    MEiNa1 "M_EI_NA_1" (coi: Coi);
    CIcNa1 "C_IC_NA_1" (qoi: Qoi);
    CCiNa1 "C_CI_NA_1" (qcc: Qcc);
    CCsNa1 "C_CS_NA_1" (clock: Cp56Time2a);
    CTsNa1 "C_TS_NA_1" (fbp: Fbp);
    CRpNa1 "C_RP_NA_1" (qrp: Qrp);
    CCdNa1 "C_CD_NA_1" (delay: Cp16Time2a);
    CTsTa1 "C_TS_TA_1" (tsc: Tsc, time: Cp56Time2a);
    PMeNa1 "P_ME_NA_1" (nva: Nva, qpm: Qpm);
    PMeNb1 "P_ME_NB_1" (sva: Sva, qpm: Qpm);
    PMeNc1 "P_ME_NC_1" (value: f32, qpm: Qpm);
    PAcNa1 "P_AC_NA_1" (qpa: Qpa);
    FFrNa1 "F_FR_NA_1" (nof: Nof, lof: Lof, frq: Frq);
    FSrNa1 "F_SR_NA_1" (nof: Nof, nos: Nos, los: Los, srq: Srq);
    FScNa1 "F_SC_NA_1" (nof: Nof, nos: Nos, scq: Scq);
    FLsNa1 "F_LS_NA_1" (nof: Nof, nos: Nos, lsq: Lsq, chs: Chs);
    FAfNa1 "F_AF_NA_1" (nof: Nof, nos: Nos, afq: Afq);
    FSgNa1 "F_SG_NA_1" (nof: Nof, nos: Nos, segment: Segment<'a>);
    FDrTa1 "F_DR_TA_1" (nof: Nof, lof: Lof, sof: Sof, time: Cp56Time2a);
    FScNb1 "F_SC_NB_1" (nof: Nof, start: Cp56Time2a, stop: Cp56Time2a);
}
