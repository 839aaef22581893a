//! System parameters: the sizes of the header fields and the maximum ASDU length.

use crate::AsduError;

/// The field sizes and maximum length agreed for a link (101 §7.1, 104 §9).
///
/// The sizes are fixed per system: both stations must use the same values. The constructor
/// checks them, so every `AsduParams` is valid.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AsduParams {
    cot_size: u8,
    ca_size: u8,
    ioa_size: u8,
    max_len: u8,
}

impl AsduParams {
    /// IEC 60870-5-104 (104 §9): 2-octet cause of transmission (with originator address),
    /// 2-octet common address, 3-octet information object address, at most 249 octets
    /// (an APDU carries at most 253 octets after the start octet and length, 4 of them APCI).
    pub const IEC104: AsduParams = AsduParams {
        cot_size: 2,
        ca_size: 2,
        ioa_size: 3,
        max_len: 249,
    };

    /// The compact IEC 60870-5-101 profile: 1-octet cause of transmission, 1-octet common
    /// address, 2-octet information object address, at most 253 octets: an FT1.2 variable
    /// frame's length L counts at most 255 octets (60870-5-1 §6.2.4.2), of which one is the
    /// control field and one a 1-octet link address.
    pub const IEC101_COMPACT: AsduParams = AsduParams {
        cot_size: 1,
        ca_size: 1,
        ioa_size: 2,
        max_len: 253,
    };

    /// The wide IEC 60870-5-101 profile: 2/2/3 octets as in 104, at most 252 octets: 255
    /// minus the control field and a 2-octet link address.
    pub const IEC101_WIDE: AsduParams = AsduParams {
        cot_size: 2,
        ca_size: 2,
        ioa_size: 3,
        max_len: 252,
    };

    /// Parameters with the given sizes and maximum ASDU length.
    ///
    /// # Errors
    /// [`AsduError::DoesNotFit`] naming the field if `cot_size` is not 1 or 2, `ca_size` not
    /// 1 or 2, `ioa_size` not 1, 2 or 3, or `max_len` is shorter than a header plus one
    /// address (an ASDU must hold at least one C_RD_NA_1 object).
    pub fn new(cot_size: u8, ca_size: u8, ioa_size: u8, max_len: u8) -> Result<Self, AsduError> {
        if !(1..=2).contains(&cot_size) {
            return Err(AsduError::DoesNotFit {
                field: "cause-of-transmission size",
                value: u32::from(cot_size),
            });
        }
        if !(1..=2).contains(&ca_size) {
            return Err(AsduError::DoesNotFit {
                field: "common-address size",
                value: u32::from(ca_size),
            });
        }
        if !(1..=3).contains(&ioa_size) {
            return Err(AsduError::DoesNotFit {
                field: "information-object-address size",
                value: u32::from(ioa_size),
            });
        }
        let p = AsduParams {
            cot_size,
            ca_size,
            ioa_size,
            max_len,
        };
        if usize::from(max_len) < p.header_len().saturating_add(usize::from(ioa_size)) {
            return Err(AsduError::DoesNotFit {
                field: "maximum ASDU length",
                value: u32::from(max_len),
            });
        }
        Ok(p)
    }

    /// The same sizes with another maximum length.
    ///
    /// # Errors
    /// As [`AsduParams::new`].
    pub fn with_max_len(self, max_len: u8) -> Result<Self, AsduError> {
        AsduParams::new(self.cot_size, self.ca_size, self.ioa_size, max_len)
    }

    /// Octets of the cause of transmission: 1, or 2 with the originator address.
    #[must_use]
    pub const fn cot_size(&self) -> u8 {
        self.cot_size
    }

    /// Octets of the common address: 1 or 2.
    #[must_use]
    pub const fn ca_size(&self) -> u8 {
        self.ca_size
    }

    /// Octets of an information object address: 1, 2 or 3.
    #[must_use]
    pub const fn ioa_size(&self) -> u8 {
        self.ioa_size
    }

    /// The maximum ASDU length in octets.
    #[must_use]
    pub const fn max_len(&self) -> u8 {
        self.max_len
    }

    /// Octets of the data unit identifier: type id, VSQ, COT and common address.
    #[must_use]
    pub const fn header_len(&self) -> usize {
        match (self.cot_size, self.ca_size) {
            (1, 1) => 4,
            (2, 2) => 6,
            _ => 5,
        }
    }

    /// The largest information object address: 0xFF, 0xFFFF or 0xFF_FFFF.
    #[must_use]
    pub const fn max_ioa(&self) -> u32 {
        match self.ioa_size {
            1 => 0xFF,
            2 => 0xFFFF,
            _ => 0xFF_FFFF,
        }
    }

    /// The largest common address, which is also the broadcast (global) address: 0xFF or
    /// 0xFFFF (101 §7.2.4).
    #[must_use]
    pub const fn max_ca(&self) -> u16 {
        match self.ca_size {
            1 => 0xFF,
            _ => 0xFFFF,
        }
    }
}

impl Default for AsduParams {
    /// [`AsduParams::IEC104`].
    fn default() -> Self {
        AsduParams::IEC104
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_pass_the_constructor() {
        for p in [
            AsduParams::IEC104,
            AsduParams::IEC101_COMPACT,
            AsduParams::IEC101_WIDE,
        ] {
            assert_eq!(
                AsduParams::new(p.cot_size(), p.ca_size(), p.ioa_size(), p.max_len()),
                Ok(p)
            );
        }
        assert_eq!(AsduParams::IEC104.header_len(), 6);
        assert_eq!(AsduParams::IEC101_COMPACT.header_len(), 4);
        assert_eq!(AsduParams::IEC101_COMPACT.max_ioa(), 0xFFFF);
        assert_eq!(AsduParams::IEC101_COMPACT.max_ca(), 0xFF);
    }

    #[test]
    fn constructor_rejects_bad_sizes() {
        assert!(matches!(
            AsduParams::new(0, 2, 3, 249),
            Err(AsduError::DoesNotFit { value: 0, .. })
        ));
        assert!(AsduParams::new(3, 2, 3, 249).is_err());
        assert!(AsduParams::new(2, 0, 3, 249).is_err());
        assert!(AsduParams::new(2, 3, 3, 249).is_err());
        assert!(AsduParams::new(2, 2, 0, 249).is_err());
        assert!(AsduParams::new(2, 2, 4, 249).is_err());
        assert!(AsduParams::new(2, 2, 3, 8).is_err());
        assert!(AsduParams::new(2, 2, 3, 9).is_ok());
        assert!(AsduParams::IEC104.with_max_len(200).is_ok());
    }
}
