//! The public types of the unbalanced primary: configuration, events, link state snapshot.

use core::time::Duration;

use crate::config::LinkConfig;
use crate::control::SecondaryFunction;
use crate::frame::FrameError;

/// Configuration of an unbalanced primary.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PrimaryConfig {
    /// Link parameters (the address size must be 1 or 2 octets).
    pub link: LinkConfig,
    /// First wait before a failed secondary is tried again.
    pub backoff_min: Duration,
    /// Longest wait between attempts on a failed secondary.
    pub backoff_max: Duration,
    /// Class 1 requests in a row to one secondary (while ACD stays set) before the
    /// scheduler moves on (at least 1).
    pub class1_burst: u8,
}

impl Default for PrimaryConfig {
    /// Default link parameters, back-off 5 s .. 60 s, class 1 burst 4.
    fn default() -> Self {
        PrimaryConfig {
            link: LinkConfig::default(),
            backoff_min: Duration::from_secs(5),
            backoff_max: Duration::from_secs(60),
            class1_burst: 4,
        }
    }
}

/// Which class of data a poll requested.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DataClass {
    /// Class 1 (events, high priority; requested while ACD is set).
    Class1,
    /// Class 2 (cyclic, low priority).
    Class2,
}

/// What the application of a primary must know; every event names the secondary.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PrimaryEvent<'a> {
    /// The secondary's link was reset and is ready.
    LinkUp {
        /// Link address of the secondary.
        address: u16,
    },
    /// A secondary whose link was up stopped answering (or reported its link not
    /// functioning); the link restarts after the back-off.
    LinkDown {
        /// Link address of the secondary.
        address: u16,
    },
    /// A request got no valid reply after all retries.
    NoResponse {
        /// Link address of the secondary.
        address: u16,
    },
    /// User data (an ASDU) received from a secondary in answer to a poll.
    UserData {
        /// Link address of the secondary.
        address: u16,
        /// The class that was requested.
        class: DataClass,
        /// The ASDU.
        asdu: &'a [u8],
    },
    /// SEND/CONFIRM user data was acknowledged.
    UserDataConfirmed {
        /// Link address of the secondary.
        address: u16,
    },
    /// SEND/CONFIRM user data was refused (NACK, link busy); it stays queued.
    UserDataRefused {
        /// Link address of the secondary.
        address: u16,
    },
    /// Broadcast user data was sent (SEND/NO REPLY).
    BroadcastSent,
    /// The secondary answered "link service not functioning / not implemented".
    ServiceUnavailable {
        /// Link address of the secondary.
        address: u16,
        /// Function 14 or 15.
        function: SecondaryFunction,
    },
    /// Octets dropped by the frame decoder.
    Discarded {
        /// How many.
        octets: usize,
        /// Why.
        reason: FrameError,
    },
}

/// A snapshot of one secondary's link state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SecondaryInfo {
    /// Link address.
    pub address: u16,
    /// True when the link is reset and polled.
    pub link_up: bool,
    /// ACD of the last response (class 1 data waits).
    pub acd: bool,
    /// DFC of the last response (no SEND/CONFIRM until it clears).
    pub dfc: bool,
}
