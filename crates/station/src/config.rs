//! Configuration of the controlled and the controlling station.

use core::time::Duration;

use asdu::{AsduParams, CommonAddress};

use crate::event_queue::{EventRelease, OverflowPolicy};

/// How many common addresses one outstation serves at most.
pub const MAX_COMMON_ADDRESSES: usize = 8;

/// Which companion standard's rules apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Profile {
    /// IEC 60870-5-104: the 101-only types (CP24 time tags, C_TS_NA_1, C_CD_NA_1) are
    /// refused with cause 44 (104 §8); the test command is C_TS_TA_1.
    Iec104,
    /// IEC 60870-5-101: the test command is C_TS_NA_1 (FBP 0x55AA); C_TS_TA_1 is refused.
    Iec101,
}

/// Which originator address the outstation's confirmations carry (2-octet COT only).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OriginatorHandling {
    /// Confirmations and interrogated data repeat the request's originator address, so the
    /// requesting master recognises its answers (104 §7.2.3).
    Mirror,
    /// Every ASDU carries originator 0.
    Zero,
}

/// Configuration of an [`crate::Outstation`]. Build with [`OutstationConfig::new`], then set
/// fields.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct OutstationConfig {
    /// Field sizes and maximum ASDU length. No emitted ASDU is longer than its `max_len`.
    pub params: AsduParams,
    /// The common addresses served (at least one). The broadcast address is answered once
    /// per served address.
    pub common_addresses: heapless::Vec<CommonAddress, MAX_COMMON_ADDRESSES>,
    /// Companion standard.
    pub profile: Profile,
    /// Originator address of confirmations.
    pub originator: OriginatorHandling,
    /// How long a confirmed select stays armed, counted from the reception of the select.
    pub select_timeout: Duration,
    /// Commands with CP56Time2a older than this (against the clock set by clock
    /// synchronisation or [`crate::Outstation::set_clock`]) are refused; `None` disables the
    /// check. While no clock is known, time-tagged commands are refused when a limit is set.
    pub max_command_age: Option<Duration>,
    /// Whether C_CD_NA_1 (delay acquisition, 101 only) is accepted.
    pub accept_delay_acquisition: bool,
    /// What a full event buffer does.
    pub overflow_policy: OverflowPolicy,
    /// When a sent event leaves the buffer.
    pub event_release: EventRelease,
    /// Century of the two-digit year of CP56Time2a, for the command age check.
    pub year_base: u16,
}

impl OutstationConfig {
    /// `params`, serving `ca`, profile 104 if `params` is [`AsduParams::IEC104`] and 101
    /// otherwise (set `profile` to choose), originator mirrored, select timeout 10 s, no command age limit, delay
    /// acquisition refused, refuse-newest on overflow, release on acknowledge, year base 2000.
    #[must_use]
    pub fn new(params: AsduParams, ca: CommonAddress) -> Self {
        let mut common_addresses = heapless::Vec::new();
        let _ = common_addresses.push(ca);
        OutstationConfig {
            params,
            common_addresses,
            profile: if params == AsduParams::IEC104 {
                Profile::Iec104
            } else {
                Profile::Iec101
            },
            originator: OriginatorHandling::Mirror,
            select_timeout: Duration::from_secs(10),
            max_command_age: None,
            accept_delay_acquisition: false,
            overflow_policy: OverflowPolicy::RefuseNewest,
            event_release: EventRelease::OnAcknowledge,
            year_base: 2000,
        }
    }

    /// True if `ca` is one of the served addresses.
    #[must_use]
    pub fn serves(&self, ca: CommonAddress) -> bool {
        self.common_addresses.contains(&ca)
    }
}

/// Configuration of a [`crate::Master`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct MasterConfig {
    /// Field sizes and maximum ASDU length.
    pub params: AsduParams,
    /// Companion standard (chooses the test command).
    pub profile: Profile,
    /// Originator address put into every request (2-octet COT only).
    pub originator: u8,
    /// How long to wait for the activation confirmation (or the read answer), counted from the
    /// call that issued the request.
    pub confirmation_timeout: Duration,
    /// How long to wait for the activation termination after the confirmation.
    pub termination_timeout: Duration,
}

impl MasterConfig {
    /// `params`, profile as in [`OutstationConfig::new`], originator 0,
    /// 15 s for the confirmation (t1 of 104) and 60 s for the termination.
    #[must_use]
    pub fn new(params: AsduParams) -> Self {
        MasterConfig {
            params,
            profile: if params == AsduParams::IEC104 {
                Profile::Iec104
            } else {
                Profile::Iec101
            },
            originator: 0,
            confirmation_timeout: Duration::from_secs(15),
            termination_timeout: Duration::from_secs(60),
        }
    }
}
