//! `Data_Flags` (IEC 60870-6-802 clause 5.1.1 "Indication point" types): the 8-bit quality
//! bit string of every indication point, which for `Data_State` also carries the state.
//!
//! Bit numbers are those of the ASN.1 BIT STRING (X.690 8.6: bit 0 is the most significant
//! bit of the octet on the wire):
//!
//! | bit | name | meaning |
//! |---|---|---|
//! | 0 | `State_hi` (`Data_State` only; unused otherwise) | high bit of [`State`] |
//! | 1 | `State_lo` (`Data_State` only; unused otherwise) | low bit of [`State`] |
//! | 2 | `Validity_hi` | high bit of [`Validity`] |
//! | 3 | `Validity_lo` | low bit of [`Validity`] |
//! | 4 | `CurrentSource_hi` | high bit of [`CurrentSource`] |
//! | 5 | `CurrentSource_lo` | low bit of [`CurrentSource`] |
//! | 6 | `NormalValue` | 0 normal, 1 abnormal |
//! | 7 | `TimeStampQuality` | 0 valid, 1 invalid |
//!
//! Each two-bit field is the number `2 × hi + lo`, so `State` CLOSED (2) is bit 0 alone
//! (octet `0x80`) and TRIPPED (1) is bit 1 alone (`0x40`). Nothing is swapped: APIs that
//! store bit 0 in the least significant bit of an integer must swap the two state values
//! themselves; this type keeps the wire octet.

/// `State` (IEC 60870-6-802, `Data_State` bits 0-1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum State {
    /// `BETWEEN` (0): neither open nor closed (intermediate).
    Between,
    /// `TRIPPED` / `OFF` (1).
    #[doc(alias = "OFF")]
    Tripped,
    /// `CLOSED` / `ON` (2).
    #[doc(alias = "ON")]
    Closed,
    /// `INVALID` (3).
    Invalid,
}

/// `Validity` (IEC 60870-6-802, `Data_Flags` bits 2-3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Validity {
    /// `VALID` (0).
    Valid,
    /// `HELD` (1): the last good value is kept.
    Held,
    /// `SUSPECT` (2).
    Suspect,
    /// `NOTVALID` (3).
    #[doc(alias = "NOTVALID")]
    NotValid,
}

/// `CurrentSource` (IEC 60870-6-802, `Data_Flags` bits 4-5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CurrentSource {
    /// `TELEMETERED` (0).
    Telemetered,
    /// `CALCULATED` (1).
    Calculated,
    /// `ENTERED` (2): manually entered.
    Entered,
    /// `ESTIMATED` (3).
    Estimated,
}

macro_rules! two_bits {
    ($t:ident: $a:ident $b:ident $c:ident $d:ident) => {
        impl $t {
            /// From the two-bit number `2 × hi + lo` (higher bits ignored).
            #[must_use]
            pub const fn from_bits(v: u8) -> Self {
                match v & 3 {
                    0 => $t::$a,
                    1 => $t::$b,
                    2 => $t::$c,
                    _ => $t::$d,
                }
            }
            /// The two-bit number `2 × hi + lo`.
            #[must_use]
            pub const fn bits(self) -> u8 {
                match self {
                    $t::$a => 0,
                    $t::$b => 1,
                    $t::$c => 2,
                    $t::$d => 3,
                }
            }
        }
    };
}
two_bits!(State: Between Tripped Closed Invalid);
two_bits!(Validity: Valid Held Suspect NotValid);
two_bits!(CurrentSource: Telemetered Calculated Entered Estimated);

/// `Data_Flags` (IEC 60870-6-802): the quality octet as sent (bit 0 = `0x80`), see the
/// module table. `Data_State` and `Data_StateQ` are this octet with the state bits used.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct DataFlags(pub u8);

impl DataFlags {
    /// All zero: valid, telemetered, normal, time stamp valid (state BETWEEN).
    pub const GOOD: DataFlags = DataFlags(0);
    /// `NormalValue` bit (bit 6).
    pub const NORMAL_VALUE: u8 = 0x02;
    /// `TimeStampQuality` bit (bit 7).
    pub const TIME_STAMP_QUALITY: u8 = 0x01;

    /// `State` (bits 0-1); meaningful for `Data_State` types only.
    #[must_use]
    pub const fn state(self) -> State {
        State::from_bits(self.0 >> 6)
    }
    /// `Validity` (bits 2-3).
    #[must_use]
    pub const fn validity(self) -> Validity {
        Validity::from_bits(self.0 >> 4)
    }
    /// `CurrentSource` (bits 4-5).
    #[must_use]
    pub const fn current_source(self) -> CurrentSource {
        CurrentSource::from_bits(self.0 >> 2)
    }
    /// `NormalValue` (bit 6): true when ABNORMAL.
    #[must_use]
    pub const fn abnormal(self) -> bool {
        self.0 & Self::NORMAL_VALUE != 0
    }
    /// `TimeStampQuality` (bit 7): true when the time stamp is INVALID.
    #[must_use]
    pub const fn time_stamp_invalid(self) -> bool {
        self.0 & Self::TIME_STAMP_QUALITY != 0
    }
    /// With `state` in bits 0-1.
    #[must_use]
    pub const fn with_state(self, s: State) -> Self {
        DataFlags((self.0 & 0x3F) | (s.bits() << 6))
    }
    /// With `validity` in bits 2-3.
    #[must_use]
    pub const fn with_validity(self, v: Validity) -> Self {
        DataFlags((self.0 & 0xCF) | (v.bits() << 4))
    }
    /// With `source` in bits 4-5.
    #[must_use]
    pub const fn with_current_source(self, c: CurrentSource) -> Self {
        DataFlags((self.0 & 0xF3) | (c.bits() << 2))
    }
    /// With `NormalValue` set (abnormal) or cleared.
    #[must_use]
    pub const fn with_abnormal(self, abnormal: bool) -> Self {
        if abnormal {
            DataFlags(self.0 | Self::NORMAL_VALUE)
        } else {
            DataFlags(self.0 & !Self::NORMAL_VALUE)
        }
    }
    /// With `TimeStampQuality` set (invalid) or cleared.
    #[must_use]
    pub const fn with_time_stamp_invalid(self, invalid: bool) -> Self {
        if invalid {
            DataFlags(self.0 | Self::TIME_STAMP_QUALITY)
        } else {
            DataFlags(self.0 & !Self::TIME_STAMP_QUALITY)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bit_positions_follow_the_bit_string_numbering() {
        // Bit 0 (0x80) alone is State_hi: CLOSED; bit 1 (0x40) alone is TRIPPED.
        assert_eq!(DataFlags(0x80).state(), State::Closed);
        assert_eq!(DataFlags(0x40).state(), State::Tripped);
        assert_eq!(DataFlags(0xC0).state(), State::Invalid);
        assert_eq!(DataFlags(0x20).validity(), Validity::Suspect);
        assert_eq!(DataFlags(0x10).validity(), Validity::Held);
        assert_eq!(DataFlags(0x08).current_source(), CurrentSource::Entered);
        assert_eq!(DataFlags(0x04).current_source(), CurrentSource::Calculated);
        assert!(DataFlags(0x02).abnormal());
        assert!(DataFlags(0x01).time_stamp_invalid());
        // A value the capture holds: 0x34 = NOTVALID, CALCULATED.
        let f = DataFlags(0x34);
        assert_eq!(f.validity(), Validity::NotValid);
        assert_eq!(f.current_source(), CurrentSource::Calculated);
        assert!(!f.abnormal() && !f.time_stamp_invalid());
    }

    #[test]
    fn setters_round_trip() {
        for s in [
            State::Between,
            State::Tripped,
            State::Closed,
            State::Invalid,
        ] {
            for v in [
                Validity::Valid,
                Validity::Held,
                Validity::Suspect,
                Validity::NotValid,
            ] {
                let f = DataFlags(0xFF).with_state(s).with_validity(v);
                assert_eq!((f.state(), f.validity()), (s, v));
                assert_eq!(f.0 & 0x0F, 0x0F);
            }
        }
        let f = DataFlags::GOOD
            .with_current_source(CurrentSource::Estimated)
            .with_abnormal(true)
            .with_time_stamp_invalid(true);
        assert_eq!(f.0, 0x0F);
        assert_eq!(
            f.with_abnormal(false).with_time_stamp_invalid(false).0,
            0x0C
        );
    }
}
