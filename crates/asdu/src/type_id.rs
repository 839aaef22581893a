//! Type identification (101 §7.2.1, 104 §8): every type of IEC 60870-5-101/104.

use core::fmt;

/// The kind of time tag that ends an information object of a type, if any.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TimeTagKind {
    /// Three-octet binary time, CP24Time2a (101 §7.2.6.19): 101 only.
    Cp24,
    /// Seven-octet binary time, CP56Time2a (101 §7.2.6.18).
    Cp56,
}

/// A type identification outside the standard set that this crate still decodes, as raw
/// information objects: 41 and the private range 128–255.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RawTypeId(u8);

impl RawTypeId {
    /// `value` if it is 41 or in 128–255.
    #[must_use]
    pub const fn new(value: u8) -> Option<Self> {
        if value == 41 || value >= 128 {
            Some(RawTypeId(value))
        } else {
            None
        }
    }

    /// The wire value.
    #[must_use]
    pub const fn value(self) -> u8 {
        self.0
    }
}

macro_rules! type_ids {
    ($( $(#[$m:meta])* $var:ident = $code:literal, $mn:literal, $size:literal, $time:expr, $in104:literal; )*) => {
        /// A type identification (101 §7.2.1.1 table 8, 104 §8 table 1).
        ///
        /// Variants are the standard's mnemonics in Rust case (`MSpNa1` is `M_SP_NA_1`);
        /// each has the mnemonic as a doc alias. Types 41 and 128–255 are [`TypeId::Raw`].
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum TypeId {
            $( $(#[$m])* #[doc(alias = $mn)] $var, )*
            /// Type 41 or a private type (128–255): decoded as raw information objects.
            Raw(RawTypeId),
        }

        impl TypeId {
            /// Every standard type identification, in numeric order.
            pub const ALL: &'static [TypeId] = &[$(TypeId::$var),*];

            /// The type for a wire value; `None` for undefined values (0, 22–29, 42–44,
            /// 52–57, 65–69, 71–99, 108–109, 114–119).
            #[must_use]
            pub const fn from_u8(value: u8) -> Option<TypeId> {
                match value {
                    $( $code => Some(TypeId::$var), )*
                    _ => match RawTypeId::new(value) {
                        Some(r) => Some(TypeId::Raw(r)),
                        None => None,
                    },
                }
            }

            /// The wire value.
            #[must_use]
            #[inline]
            pub const fn code(self) -> u8 {
                match self {
                    $( TypeId::$var => $code, )*
                    TypeId::Raw(r) => r.value(),
                }
            }

            /// The standard's mnemonic, e.g. `"M_SP_NA_1"`; `"RAW"` for raw types.
            #[must_use]
            pub const fn mnemonic(self) -> &'static str {
                match self {
                    $( TypeId::$var => $mn, )*
                    TypeId::Raw(_) => "RAW",
                }
            }

            /// Octets of one information element set (an object without its address);
            /// `None` when the size varies (F_SG_NA_1 and raw types).
            #[must_use]
            #[allow(unreachable_patterns)]
            pub const fn element_size(self) -> Option<usize> {
                match self {
                    TypeId::FSgNa1 | TypeId::Raw(_) => None,
                    $( TypeId::$var => Some($size), )*
                }
            }

            /// The time tag closing each object, if the type has one.
            #[must_use]
            pub const fn time_tag(self) -> Option<TimeTagKind> {
                match self {
                    $( TypeId::$var => $time, )*
                    TypeId::Raw(_) => None,
                }
            }

            /// True if IEC 60870-5-104 allows the type (104 §8): not the CP24Time2a types,
            /// C_TS_NA_1 (104) nor C_CD_NA_1 (106). A 104 station answers others with
            /// cause 44 (unknown type identification). Raw types are left to the caller (true).
            #[must_use]
            pub const fn allowed_in_104(self) -> bool {
                match self {
                    $( TypeId::$var => $in104, )*
                    TypeId::Raw(_) => true,
                }
            }
        }
    };
}

const N: Option<TimeTagKind> = None;
const T24: Option<TimeTagKind> = Some(TimeTagKind::Cp24);
const T56: Option<TimeTagKind> = Some(TimeTagKind::Cp56);

type_ids! {
    /// Single-point information.
    MSpNa1 = 1, "M_SP_NA_1", 1, N, true;
    /// Single-point information with CP24 time tag (101 only).
    MSpTa1 = 2, "M_SP_TA_1", 4, T24, false;
    /// Double-point information.
    MDpNa1 = 3, "M_DP_NA_1", 1, N, true;
    /// Double-point information with CP24 time tag (101 only).
    MDpTa1 = 4, "M_DP_TA_1", 4, T24, false;
    /// Step position information.
    MStNa1 = 5, "M_ST_NA_1", 2, N, true;
    /// Step position information with CP24 time tag (101 only).
    MStTa1 = 6, "M_ST_TA_1", 5, T24, false;
    /// Bitstring of 32 bits.
    MBoNa1 = 7, "M_BO_NA_1", 5, N, true;
    /// Bitstring of 32 bits with CP24 time tag (101 only).
    MBoTa1 = 8, "M_BO_TA_1", 8, T24, false;
    /// Measured value, normalized.
    MMeNa1 = 9, "M_ME_NA_1", 3, N, true;
    /// Measured value, normalized, with CP24 time tag (101 only).
    MMeTa1 = 10, "M_ME_TA_1", 6, T24, false;
    /// Measured value, scaled.
    MMeNb1 = 11, "M_ME_NB_1", 3, N, true;
    /// Measured value, scaled, with CP24 time tag (101 only).
    MMeTb1 = 12, "M_ME_TB_1", 6, T24, false;
    /// Measured value, short floating point.
    MMeNc1 = 13, "M_ME_NC_1", 5, N, true;
    /// Measured value, short floating point, with CP24 time tag (101 only).
    MMeTc1 = 14, "M_ME_TC_1", 8, T24, false;
    /// Integrated totals.
    MItNa1 = 15, "M_IT_NA_1", 5, N, true;
    /// Integrated totals with CP24 time tag (101 only).
    MItTa1 = 16, "M_IT_TA_1", 8, T24, false;
    /// Event of protection equipment with CP24 time tag (101 only).
    MEpTa1 = 17, "M_EP_TA_1", 6, T24, false;
    /// Packed start events of protection equipment with CP24 time tag (101 only).
    MEpTb1 = 18, "M_EP_TB_1", 7, T24, false;
    /// Packed output circuit information of protection equipment with CP24 time tag (101 only).
    MEpTc1 = 19, "M_EP_TC_1", 7, T24, false;
    /// Packed single-point information with status change detection.
    MPsNa1 = 20, "M_PS_NA_1", 5, N, true;
    /// Measured value, normalized, without quality descriptor.
    MMeNd1 = 21, "M_ME_ND_1", 2, N, true;
    /// Single-point information with CP56 time tag.
    MSpTb1 = 30, "M_SP_TB_1", 8, T56, true;
    /// Double-point information with CP56 time tag.
    MDpTb1 = 31, "M_DP_TB_1", 8, T56, true;
    /// Step position information with CP56 time tag.
    MStTb1 = 32, "M_ST_TB_1", 9, T56, true;
    /// Bitstring of 32 bits with CP56 time tag.
    MBoTb1 = 33, "M_BO_TB_1", 12, T56, true;
    /// Measured value, normalized, with CP56 time tag.
    MMeTd1 = 34, "M_ME_TD_1", 10, T56, true;
    /// Measured value, scaled, with CP56 time tag.
    MMeTe1 = 35, "M_ME_TE_1", 10, T56, true;
    /// Measured value, short floating point, with CP56 time tag.
    MMeTf1 = 36, "M_ME_TF_1", 12, T56, true;
    /// Integrated totals with CP56 time tag.
    MItTb1 = 37, "M_IT_TB_1", 12, T56, true;
    /// Event of protection equipment with CP56 time tag.
    MEpTd1 = 38, "M_EP_TD_1", 10, T56, true;
    /// Packed start events of protection equipment with CP56 time tag.
    MEpTe1 = 39, "M_EP_TE_1", 11, T56, true;
    /// Packed output circuit information of protection equipment with CP56 time tag.
    MEpTf1 = 40, "M_EP_TF_1", 11, T56, true;
    /// Single command.
    CScNa1 = 45, "C_SC_NA_1", 1, N, true;
    /// Double command.
    CDcNa1 = 46, "C_DC_NA_1", 1, N, true;
    /// Regulating step command.
    CRcNa1 = 47, "C_RC_NA_1", 1, N, true;
    /// Set-point command, normalized value.
    CSeNa1 = 48, "C_SE_NA_1", 3, N, true;
    /// Set-point command, scaled value.
    CSeNb1 = 49, "C_SE_NB_1", 3, N, true;
    /// Set-point command, short floating point value.
    CSeNc1 = 50, "C_SE_NC_1", 5, N, true;
    /// Bitstring of 32 bits command.
    CBoNa1 = 51, "C_BO_NA_1", 4, N, true;
    /// Single command with CP56 time tag.
    CScTa1 = 58, "C_SC_TA_1", 8, T56, true;
    /// Double command with CP56 time tag.
    CDcTa1 = 59, "C_DC_TA_1", 8, T56, true;
    /// Regulating step command with CP56 time tag.
    CRcTa1 = 60, "C_RC_TA_1", 8, T56, true;
    /// Set-point command, normalized value, with CP56 time tag.
    CSeTa1 = 61, "C_SE_TA_1", 10, T56, true;
    /// Set-point command, scaled value, with CP56 time tag.
    CSeTb1 = 62, "C_SE_TB_1", 10, T56, true;
    /// Set-point command, short floating point value, with CP56 time tag.
    CSeTc1 = 63, "C_SE_TC_1", 12, T56, true;
    /// Bitstring of 32 bits command with CP56 time tag.
    CBoTa1 = 64, "C_BO_TA_1", 11, T56, true;
    /// End of initialization.
    MEiNa1 = 70, "M_EI_NA_1", 1, N, true;
    /// Interrogation command.
    CIcNa1 = 100, "C_IC_NA_1", 1, N, true;
    /// Counter interrogation command.
    CCiNa1 = 101, "C_CI_NA_1", 1, N, true;
    /// Read command (no information element).
    CRdNa1 = 102, "C_RD_NA_1", 0, N, true;
    /// Clock synchronization command (the CP56 time is the element, not a time tag).
    CCsNa1 = 103, "C_CS_NA_1", 7, N, true;
    /// Test command (101 only).
    CTsNa1 = 104, "C_TS_NA_1", 2, N, false;
    /// Reset process command.
    CRpNa1 = 105, "C_RP_NA_1", 1, N, true;
    /// Delay acquisition command (101 only).
    CCdNa1 = 106, "C_CD_NA_1", 2, N, false;
    /// Test command with CP56 time tag.
    CTsTa1 = 107, "C_TS_TA_1", 9, T56, true;
    /// Parameter of measured value, normalized value.
    PMeNa1 = 110, "P_ME_NA_1", 3, N, true;
    /// Parameter of measured value, scaled value.
    PMeNb1 = 111, "P_ME_NB_1", 3, N, true;
    /// Parameter of measured value, short floating point value.
    PMeNc1 = 112, "P_ME_NC_1", 5, N, true;
    /// Parameter activation.
    PAcNa1 = 113, "P_AC_NA_1", 1, N, true;
    /// File ready.
    FFrNa1 = 120, "F_FR_NA_1", 6, N, true;
    /// Section ready.
    FSrNa1 = 121, "F_SR_NA_1", 7, N, true;
    /// Call directory, select file, call file, call section.
    FScNa1 = 122, "F_SC_NA_1", 4, N, true;
    /// Last section, last segment.
    FLsNa1 = 123, "F_LS_NA_1", 5, N, true;
    /// Ack file, ack section.
    FAfNa1 = 124, "F_AF_NA_1", 4, N, true;
    /// Segment (variable length: 4 octets plus the segment).
    FSgNa1 = 125, "F_SG_NA_1", 4, N, true;
    /// Directory (the CP56 time, creation time of the file, closes the object).
    FDrTa1 = 126, "F_DR_TA_1", 13, T56, true;
    /// Query log, request archive file (104 §8).
    FScNb1 = 127, "F_SC_NB_1", 16, N, true;
}

impl TypeId {
    /// True for types with at least one time tag, CP24 or CP56.
    #[must_use]
    pub const fn has_time_tag(self) -> bool {
        self.time_tag().is_some()
    }

    /// True for the monitor direction (process information, end of initialisation).
    #[must_use]
    pub const fn is_monitor(self) -> bool {
        matches!(self.code(), 1..=40 | 70)
    }
}

impl From<TypeId> for u8 {
    fn from(t: TypeId) -> u8 {
        t.code()
    }
}

impl fmt::Display for TypeId {
    /// The mnemonic, and the number for raw types (`RAW(200)`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TypeId::Raw(r) => write!(f, "RAW({})", r.value()),
            t => f.write_str(t.mnemonic()),
        }
    }
}

#[cfg(test)]
#[allow(clippy::arithmetic_side_effects)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_gaps_are_undefined() {
        let mut defined = 0;
        for v in 0..=255u8 {
            match TypeId::from_u8(v) {
                Some(t) => {
                    assert_eq!(t.code(), v);
                    defined += 1;
                }
                None => assert!(matches!(
                    v,
                    0 | 22..=29 | 42..=44 | 52..=57 | 65..=69 | 71..=99 | 108..=109 | 114..=119
                )),
            }
        }
        assert_eq!(TypeId::ALL.len(), 67);
        assert_eq!(defined, 67 + 1 + 128);
    }

    #[test]
    fn metadata() {
        assert_eq!(TypeId::MSpNa1.mnemonic(), "M_SP_NA_1");
        assert_eq!(TypeId::MMeNc1.element_size(), Some(5));
        assert_eq!(TypeId::FSgNa1.element_size(), None);
        assert_eq!(TypeId::MSpTb1.time_tag(), Some(TimeTagKind::Cp56));
        assert!(!TypeId::CCsNa1.has_time_tag());
        assert!(TypeId::MEiNa1.is_monitor());
        assert!(!TypeId::CScNa1.is_monitor());
        let not104: [u8; 13] = [2, 4, 6, 8, 10, 12, 14, 16, 17, 18, 19, 104, 106];
        for t in TypeId::ALL {
            assert_eq!(t.allowed_in_104(), !not104.contains(&t.code()), "{t}");
            assert_eq!(
                t.time_tag() == Some(TimeTagKind::Cp24),
                (2..=19).contains(&t.code()) && t.code() % 2 == 0 || (17..=19).contains(&t.code())
            );
        }
        let raw = TypeId::from_u8(200).unwrap();
        assert!(matches!(raw, TypeId::Raw(r) if r.value() == 200));
        assert_eq!(raw.mnemonic(), "RAW");
        assert_eq!(raw.element_size(), None);
    }
}
