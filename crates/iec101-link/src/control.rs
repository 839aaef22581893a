//! The link control field (IEC 60870-5-2 clause 5.1.2, IEC 60870-5-101 clause 7.2.3).
//!
//! ```text
//! bit      7        6     5          4          3..0
//! primary  RES/DIR  PRM=1 FCB        FCV        function code (PrimaryFunction)
//! second.  RES/DIR  PRM=0 ACD (RES)  DFC        function code (SecondaryFunction)
//! ```
//!
//! Bit 7 is DIR (physical direction) in balanced transmission and reserved (0) in
//! unbalanced; bit 5 of a secondary frame is ACD in unbalanced and reserved in balanced.

use core::fmt;

const DIR: u8 = 0x80;
const PRM: u8 = 0x40;
const FCB_ACD: u8 = 0x20;
const FCV_DFC: u8 = 0x10;

/// Function codes of frames sent by a primary station (PRM = 1), IEC 60870-5-2 table 3 / 101.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
#[repr(u8)]
pub enum PrimaryFunction {
    /// 0: reset of remote link (SEND/CONFIRM, FCV = 0).
    ResetRemoteLink = 0,
    /// 1: reset of user process (SEND/CONFIRM, FCV = 0).
    ResetUserProcess = 1,
    /// 2: test function for link (SEND/CONFIRM, FCV = 1; balanced only).
    TestLink = 2,
    /// 3: user data (SEND/CONFIRM, FCV = 1).
    UserDataConfirmed = 3,
    /// 4: user data (SEND/NO REPLY, FCV = 0).
    UserDataNoReply = 4,
    /// 8: request for access demand (REQUEST/RESPOND, FCV = 0; unbalanced only).
    RequestAccessDemand = 8,
    /// 9: request status of link (REQUEST/RESPOND, FCV = 0).
    RequestLinkStatus = 9,
    /// 10: request user data class 1 (REQUEST/RESPOND, FCV = 1; unbalanced only).
    RequestClass1 = 10,
    /// 11: request user data class 2 (REQUEST/RESPOND, FCV = 1; unbalanced only).
    RequestClass2 = 11,
}

impl PrimaryFunction {
    /// The function for code `fc` (0..=15), if defined.
    #[must_use]
    pub const fn from_code(fc: u8) -> Option<Self> {
        Some(match fc {
            0 => Self::ResetRemoteLink,
            1 => Self::ResetUserProcess,
            2 => Self::TestLink,
            3 => Self::UserDataConfirmed,
            4 => Self::UserDataNoReply,
            8 => Self::RequestAccessDemand,
            9 => Self::RequestLinkStatus,
            10 => Self::RequestClass1,
            11 => Self::RequestClass2,
            _ => return None,
        })
    }

    /// The 4-bit code.
    #[must_use]
    pub const fn code(self) -> u8 {
        self as u8
    }

    /// True when the frame count bit is valid (FCV = 1) for this function.
    #[must_use]
    pub const fn uses_fcb(self) -> bool {
        matches!(
            self,
            Self::TestLink | Self::UserDataConfirmed | Self::RequestClass1 | Self::RequestClass2
        )
    }

    /// True when the secondary answers (everything but SEND/NO REPLY).
    #[must_use]
    pub const fn expects_reply(self) -> bool {
        !matches!(self, Self::UserDataNoReply)
    }
}

/// Function codes of frames sent by a secondary station (PRM = 0), IEC 60870-5-2 table 4 / 101.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
#[repr(u8)]
pub enum SecondaryFunction {
    /// 0: ACK, positive acknowledgement (CONFIRM).
    Ack = 0,
    /// 1: NACK, message not accepted, link busy (CONFIRM).
    Nack = 1,
    /// 8: user data (RESPOND).
    UserData = 8,
    /// 9: NACK, requested data not available (RESPOND).
    NackNoData = 9,
    /// 11: status of link or access demand (RESPOND).
    LinkStatus = 11,
    /// 14: link service not functioning.
    NotFunctioning = 14,
    /// 15: link service not implemented.
    NotImplemented = 15,
}

impl SecondaryFunction {
    /// The function for code `fc` (0..=15), if defined.
    #[must_use]
    pub const fn from_code(fc: u8) -> Option<Self> {
        Some(match fc {
            0 => Self::Ack,
            1 => Self::Nack,
            8 => Self::UserData,
            9 => Self::NackNoData,
            11 => Self::LinkStatus,
            14 => Self::NotFunctioning,
            15 => Self::NotImplemented,
            _ => return None,
        })
    }

    /// The 4-bit code.
    #[must_use]
    pub const fn code(self) -> u8 {
        self as u8
    }
}

/// A decoded control field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ControlField {
    /// Sent by the primary (initiating) station: PRM = 1.
    Primary {
        /// DIR (balanced; reserved and 0 in unbalanced).
        dir: bool,
        /// Frame count bit.
        fcb: bool,
        /// Frame count bit valid.
        fcv: bool,
        /// The function.
        function: PrimaryFunction,
    },
    /// Sent by the secondary (responding) station: PRM = 0.
    Secondary {
        /// DIR (balanced; reserved and 0 in unbalanced).
        dir: bool,
        /// Access demand: class 1 data waits (unbalanced; reserved in balanced).
        acd: bool,
        /// Data flow control: further messages may overflow the secondary.
        dfc: bool,
        /// The function.
        function: SecondaryFunction,
    },
}

/// A control field with an undefined function code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ControlError {
    /// The control octet.
    pub value: u8,
    /// True if PRM was set (the code was looked up among primary functions).
    pub primary: bool,
}

impl fmt::Display for ControlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let dir = if self.primary { "primary" } else { "secondary" };
        write!(
            f,
            "control field 0x{:02X}: function code {} undefined for a {dir} frame",
            self.value,
            self.value & 0x0F
        )
    }
}

impl core::error::Error for ControlError {}

impl ControlField {
    /// A primary control field.
    #[must_use]
    pub const fn primary(function: PrimaryFunction, fcb: bool, fcv: bool, dir: bool) -> Self {
        ControlField::Primary {
            dir,
            fcb,
            fcv,
            function,
        }
    }

    /// A secondary control field.
    #[must_use]
    pub const fn secondary(function: SecondaryFunction, acd: bool, dfc: bool, dir: bool) -> Self {
        ControlField::Secondary {
            dir,
            acd,
            dfc,
            function,
        }
    }

    /// Decode a control octet.
    ///
    /// # Errors
    /// [`ControlError`] if the function code is not defined for the direction PRM selects.
    pub const fn decode(value: u8) -> Result<Self, ControlError> {
        let dir = value & DIR != 0;
        let b5 = value & FCB_ACD != 0;
        let b4 = value & FCV_DFC != 0;
        let fc = value & 0x0F;
        if value & PRM != 0 {
            match PrimaryFunction::from_code(fc) {
                Some(function) => Ok(ControlField::Primary {
                    dir,
                    fcb: b5,
                    fcv: b4,
                    function,
                }),
                None => Err(ControlError {
                    value,
                    primary: true,
                }),
            }
        } else {
            match SecondaryFunction::from_code(fc) {
                Some(function) => Ok(ControlField::Secondary {
                    dir,
                    acd: b5,
                    dfc: b4,
                    function,
                }),
                None => Err(ControlError {
                    value,
                    primary: false,
                }),
            }
        }
    }

    /// The control octet.
    #[must_use]
    pub const fn encode(self) -> u8 {
        let (dir, prm, b5, b4, fc) = match self {
            ControlField::Primary {
                dir,
                fcb,
                fcv,
                function,
            } => (dir, true, fcb, fcv, function.code()),
            ControlField::Secondary {
                dir,
                acd,
                dfc,
                function,
            } => (dir, false, acd, dfc, function.code()),
        };
        (if dir { DIR } else { 0 })
            | (if prm { PRM } else { 0 })
            | (if b5 { FCB_ACD } else { 0 })
            | (if b4 { FCV_DFC } else { 0 })
            | fc
    }
}

impl TryFrom<u8> for ControlField {
    type Error = ControlError;
    fn try_from(value: u8) -> Result<Self, ControlError> {
        ControlField::decode(value)
    }
}

impl From<ControlField> for u8 {
    fn from(c: ControlField) -> u8 {
        c.encode()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn primary_vectors() {
        // Request status of link, unbalanced: 0x49; class 2 with FCB=1: 0x7B; class 1 FCB=0: 0x5A.
        let cases = [
            (0x40, PrimaryFunction::ResetRemoteLink, false, false, false),
            (0x41, PrimaryFunction::ResetUserProcess, false, false, false),
            (0xD2, PrimaryFunction::TestLink, true, false, true),
            (0x73, PrimaryFunction::UserDataConfirmed, false, true, true),
            (0x53, PrimaryFunction::UserDataConfirmed, false, false, true),
            (0x44, PrimaryFunction::UserDataNoReply, false, false, false),
            (
                0x48,
                PrimaryFunction::RequestAccessDemand,
                false,
                false,
                false,
            ),
            (
                0x49,
                PrimaryFunction::RequestLinkStatus,
                false,
                false,
                false,
            ),
            (0x5A, PrimaryFunction::RequestClass1, false, false, true),
            (0x7B, PrimaryFunction::RequestClass2, false, true, true),
        ];
        for (byte, function, dir, fcb, fcv) in cases {
            let c = ControlField::primary(function, fcb, fcv, dir);
            assert_eq!(c.encode(), byte, "{function:?}");
            assert_eq!(ControlField::decode(byte), Ok(c));
        }
    }

    #[test]
    fn secondary_vectors() {
        let cases = [
            (0x00, SecondaryFunction::Ack, false, false),
            (0x20, SecondaryFunction::Ack, true, false),
            (0x11, SecondaryFunction::Nack, false, true),
            (0x08, SecondaryFunction::UserData, false, false),
            (0x28, SecondaryFunction::UserData, true, false),
            (0x09, SecondaryFunction::NackNoData, false, false),
            (0x0B, SecondaryFunction::LinkStatus, false, false),
            (0x0E, SecondaryFunction::NotFunctioning, false, false),
            (0x0F, SecondaryFunction::NotImplemented, false, false),
        ];
        for (byte, function, acd, dfc) in cases {
            let c = ControlField::secondary(function, acd, dfc, false);
            assert_eq!(c.encode(), byte, "{function:?}");
            assert_eq!(ControlField::decode(byte), Ok(c));
        }
        assert_eq!(
            ControlField::decode(0x80),
            Ok(ControlField::secondary(
                SecondaryFunction::Ack,
                false,
                false,
                true
            ))
        );
    }

    #[test]
    fn undefined_codes_are_errors() {
        for fc in [5u8, 6, 7, 12, 13, 14, 15] {
            assert_eq!(
                ControlField::decode(0x40 | fc),
                Err(ControlError {
                    value: 0x40 | fc,
                    primary: true
                })
            );
        }
        for fc in [2u8, 3, 4, 5, 6, 7, 10, 12, 13] {
            assert_eq!(
                ControlField::decode(fc),
                Err(ControlError {
                    value: fc,
                    primary: false
                })
            );
        }
    }

    #[test]
    fn every_octet_decodes_or_errors_and_round_trips() {
        for b in 0..=255u8 {
            if let Ok(c) = ControlField::decode(b) {
                assert_eq!(c.encode(), b);
            }
        }
    }

    #[test]
    fn fcv_rules() {
        assert!(PrimaryFunction::UserDataConfirmed.uses_fcb());
        assert!(PrimaryFunction::RequestClass1.uses_fcb());
        assert!(!PrimaryFunction::RequestLinkStatus.uses_fcb());
        assert!(!PrimaryFunction::ResetRemoteLink.uses_fcb());
        assert!(!PrimaryFunction::UserDataNoReply.expects_reply());
        assert!(PrimaryFunction::TestLink.expects_reply());
    }
}
