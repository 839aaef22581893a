//! Device control (IEC 60870-6-503 clause 8.6, conformance block 5; objects of
//! IEC 60870-6-802 clause 5.1.6): select-before-operate with its timeout, direct operate,
//! and tags owned by the bilateral table that set them. Sans-IO and allocation-free: the
//! station maps reads of `<dev>_SBO` to [`DeviceControl::select`], writes of the device to
//! [`DeviceControl::operate`], writes of `<dev>_TAG` to [`DeviceControl::set_tag`], and
//! answers a refusal with [`ControlError::data_access_error`].

use core::fmt;
use core::time::Duration;

use mms_pdu::mms::DataAccessError;
use telecontrol_core::Instant;

use crate::{DeviceKind, DeviceValue, TagState, TagValue};

/// A device's fixed properties.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeviceConfig {
    /// What the device takes: [`DeviceKind::Command`], [`DeviceKind::DiscreteSetPoint`] or
    /// [`DeviceKind::RealSetPoint`].
    pub kind: DeviceKind,
    /// Select-before-operate (`<dev>_SBO` exists and must be read before each operate);
    /// false = direct operate.
    pub sbo: bool,
    /// How long a selection stays armed (SBO devices; at least 1 µs).
    pub select_timeout: Duration,
    /// The `CheckBackID` a select returns (identifies the device to the client).
    pub check_back_id: i16,
}

/// Who holds a device's tag and whether it is armed: what `<dev>_TAG` reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TagStatus<'a> {
    /// The tag.
    pub state: TagState,
    /// The bilateral table (owner id) that set it; `None` when untagged.
    pub owner: Option<u16>,
    /// `ArmedForExecution`: selected and waiting for the operate.
    pub armed_for_execution: bool,
    /// `Reason` given with the tag.
    pub reason: &'a str,
}

/// Something the station should know that is not an answer to a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ControlEvent {
    /// The selection made by `owner` timed out without an operate; the device is disarmed.
    SelectExpired {
        /// The owner (bilateral table) that selected.
        owner: u16,
    },
}

/// One controllable device: its selection state and its tag.
///
/// Owners are the station's ids of bilateral tables (one per peer). A tag belongs to the
/// owner that set it: another owner can neither change nor clear it. `OpenAndCloseInhibit`
/// refuses every select and operate; `CloseOnlyInhibit` lets only an opening command
/// through: [`DeviceValue::Command`]`(0)` (TASE.2 commands: 0 = OFF / OPEN / TRIP,
/// 1 = ON / CLOSE); every other command value, and every set-point, counts as closing
/// (fail safe: a value whose meaning is bilateral is not assumed to open).
///
/// Time: call [`handle_timeout`](Self::handle_timeout) at
/// [`poll_timeout`](Self::poll_timeout); an operate after the select timeout is refused
/// even if `handle_timeout` has not run yet.
#[derive(Clone, Debug)]
pub struct DeviceControl {
    cfg: DeviceConfig,
    armed: Option<Armed>,
    expired: Option<u16>,
    tag: TagState,
    tag_owner: Option<u16>,
    reason: [u8; DeviceControl::REASON_CAPACITY],
    reason_len: usize,
}

#[derive(Clone, Copy, Debug)]
struct Armed {
    owner: u16,
    deadline: Instant,
}

impl DeviceControl {
    /// Octets of tag reason kept.
    pub const REASON_CAPACITY: usize = 64;

    /// An untagged, unselected device.
    ///
    /// # Errors
    /// [`ControlError::BadConfig`] for kind [`DeviceKind::CheckBackId`] (not a device
    /// value) or an SBO device with a select timeout under 1 µs.
    pub fn new(cfg: DeviceConfig) -> Result<Self, ControlError> {
        if cfg.kind == DeviceKind::CheckBackId {
            return Err(ControlError::BadConfig { field: "kind" });
        }
        if cfg.sbo && cfg.select_timeout.as_micros() == 0 {
            return Err(ControlError::BadConfig {
                field: "select_timeout",
            });
        }
        Ok(DeviceControl {
            cfg,
            armed: None,
            expired: None,
            tag: TagState::NoTag,
            tag_owner: None,
            reason: [0; Self::REASON_CAPACITY],
            reason_len: 0,
        })
    }

    /// The device's properties.
    #[must_use]
    pub const fn config(&self) -> &DeviceConfig {
        &self.cfg
    }

    /// Select (read of `<dev>_SBO`): arms the device for `owner` until the select timeout
    /// and returns its `CheckBackID`.
    ///
    /// # Errors
    /// [`ControlError::NotSbo`] for a direct-operate device,
    /// [`ControlError::AlreadySelected`] while armed (by anyone),
    /// [`ControlError::Tagged`] under `OpenAndCloseInhibit`.
    pub fn select(&mut self, now: Instant, owner: u16) -> Result<i16, ControlError> {
        if !self.cfg.sbo {
            return Err(ControlError::NotSbo);
        }
        self.expire(now);
        if let Some(a) = self.armed {
            return Err(ControlError::AlreadySelected { owner: a.owner });
        }
        if self.tag == TagState::OpenAndCloseInhibit {
            return Err(ControlError::Tagged { tag: self.tag });
        }
        self.armed = Some(Armed {
            owner,
            deadline: now.saturating_add(self.cfg.select_timeout),
        });
        Ok(self.cfg.check_back_id)
    }

    /// Operate (write of the device value) by `owner`. An SBO device must be armed by the
    /// same owner and not timed out; a successful operate disarms it. The station performs
    /// the operation when this returns `Ok`.
    ///
    /// # Errors
    /// [`ControlError::WrongKind`] for a value of another kind,
    /// [`ControlError::ValueInvalid`] for a real set-point that is not finite,
    /// [`ControlError::Tagged`] when the tag inhibits the value,
    /// [`ControlError::SelectedByOther`] / [`ControlError::NotSelected`] for an SBO device
    /// not armed by `owner`. A refused operate leaves the selection as it was.
    pub fn operate(
        &mut self,
        now: Instant,
        owner: u16,
        value: DeviceValue,
    ) -> Result<(), ControlError> {
        self.expire(now);
        let kind = match value {
            DeviceValue::Command(_) => DeviceKind::Command,
            DeviceValue::DiscreteSetPoint(_) => DeviceKind::DiscreteSetPoint,
            DeviceValue::RealSetPoint(v) => {
                if !v.is_finite() {
                    return Err(ControlError::ValueInvalid);
                }
                DeviceKind::RealSetPoint
            }
            DeviceValue::CheckBackId(_) => DeviceKind::CheckBackId,
        };
        if kind != self.cfg.kind {
            return Err(ControlError::WrongKind {
                expected: self.cfg.kind,
            });
        }
        let inhibited = match self.tag {
            TagState::OpenAndCloseInhibit | TagState::Invalid => true,
            TagState::CloseOnlyInhibit => closes(value),
            TagState::NoTag => false,
        };
        if inhibited {
            return Err(ControlError::Tagged { tag: self.tag });
        }
        if self.cfg.sbo {
            match self.armed {
                Some(a) if a.owner == owner => {}
                Some(a) => return Err(ControlError::SelectedByOther { owner: a.owner }),
                None => return Err(ControlError::NotSelected),
            }
            self.armed = None;
        }
        Ok(())
    }

    /// Drop `owner`'s selection without an event (its association ended). Returns true if
    /// one was dropped.
    pub fn cancel(&mut self, owner: u16) -> bool {
        if self.armed.is_some_and(|a| a.owner == owner) {
            self.armed = None;
            return true;
        }
        false
    }

    /// Set the tag (write of `<dev>_TAG`) for `owner`; [`TagState::NoTag`] clears it.
    ///
    /// # Errors
    /// [`ControlError::TagOwned`] when another owner holds the tag,
    /// [`ControlError::InvalidTag`] for [`TagState::Invalid`],
    /// [`ControlError::ReasonTooLong`] for a reason over
    /// [`REASON_CAPACITY`](Self::REASON_CAPACITY) octets.
    pub fn set_tag(
        &mut self,
        owner: u16,
        state: TagState,
        reason: &str,
    ) -> Result<(), ControlError> {
        if let Some(o) = self.tag_owner.filter(|o| *o != owner) {
            return Err(ControlError::TagOwned { owner: o });
        }
        if state == TagState::Invalid {
            return Err(ControlError::InvalidTag);
        }
        let dst = self
            .reason
            .get_mut(..reason.len())
            .ok_or(ControlError::ReasonTooLong { len: reason.len() })?;
        dst.copy_from_slice(reason.as_bytes());
        self.reason_len = reason.len();
        self.tag = state;
        self.tag_owner = (state != TagState::NoTag).then_some(owner);
        Ok(())
    }

    /// The tag, its owner and whether the device is armed.
    #[must_use]
    pub fn tag(&self) -> TagStatus<'_> {
        let reason = self
            .reason
            .get(..self.reason_len)
            .and_then(|b| core::str::from_utf8(b).ok())
            .unwrap_or("");
        TagStatus {
            state: self.tag,
            owner: self.tag_owner,
            armed_for_execution: self.armed.is_some(),
            reason,
        }
    }

    /// The `<dev>_TAG` value to encode.
    #[must_use]
    pub fn tag_value(&self) -> TagValue<'_> {
        let t = self.tag();
        TagValue {
            tag: t.state,
            armed_for_execution: t.armed_for_execution,
            reason: t.reason,
        }
    }

    /// The owner whose selection is armed.
    #[must_use]
    pub fn armed_by(&self) -> Option<u16> {
        self.armed.map(|a| a.owner)
    }

    /// When to call [`handle_timeout`](Self::handle_timeout): the select deadline (or a
    /// past instant while an expiry noticed by `select`/`operate` is undelivered).
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        if self.expired.is_some() {
            return Some(Instant::ZERO);
        }
        self.armed.map(|a| a.deadline)
    }

    /// Disarm a selection whose timeout has come: [`ControlEvent::SelectExpired`].
    pub fn handle_timeout(&mut self, now: Instant) -> Option<ControlEvent> {
        self.expire(now);
        self.expired
            .take()
            .map(|owner| ControlEvent::SelectExpired { owner })
    }

    fn expire(&mut self, now: Instant) {
        if let Some(a) = self.armed.filter(|a| a.deadline <= now) {
            self.armed = None;
            self.expired = Some(a.owner);
        }
    }
}

/// True unless `value` is the opening command `Command(0)`.
const fn closes(value: DeviceValue) -> bool {
    !matches!(value, DeviceValue::Command(0))
}

/// A refused device control request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ControlError {
    /// Select on a direct-operate device.
    NotSbo,
    /// Select while the device is armed (by `owner`).
    AlreadySelected {
        /// The owner holding the selection.
        owner: u16,
    },
    /// Operate on an SBO device that is not armed (never selected, timed out, or already
    /// operated).
    NotSelected,
    /// Operate on an SBO device armed by another owner.
    SelectedByOther {
        /// The owner holding the selection.
        owner: u16,
    },
    /// The tag inhibits this select or operate.
    Tagged {
        /// The tag.
        tag: TagState,
    },
    /// A value of another kind than the device's.
    WrongKind {
        /// The device's kind.
        expected: DeviceKind,
    },
    /// A real set-point that is NaN or infinite.
    ValueInvalid,
    /// The tag is held by another owner.
    TagOwned {
        /// The owner holding the tag.
        owner: u16,
    },
    /// A tag state that cannot be set ([`TagState::Invalid`]).
    InvalidTag,
    /// A tag reason longer than [`DeviceControl::REASON_CAPACITY`].
    ReasonTooLong {
        /// Its length in octets.
        len: usize,
    },
    /// A device configuration that cannot run (the named field).
    BadConfig {
        /// The [`DeviceConfig`] field.
        field: &'static str,
    },
}

impl ControlError {
    /// The MMS `DataAccessError` the station answers with: `object-non-existent` (a
    /// direct-operate device has no `<dev>_SBO`), `temporarily-unavailable` (already
    /// selected; tagged), `object-access-denied` (not selected; selected or tagged by
    /// another owner), `type-inconsistent` (wrong kind), `object-value-invalid` (bad value,
    /// tag or reason), `object-attribute-inconsistent` (bad configuration).
    #[must_use]
    pub const fn data_access_error(self) -> DataAccessError {
        match self {
            ControlError::NotSbo => DataAccessError::ObjectNonExistent,
            ControlError::AlreadySelected { .. } | ControlError::Tagged { .. } => {
                DataAccessError::TemporarilyUnavailable
            }
            ControlError::NotSelected
            | ControlError::SelectedByOther { .. }
            | ControlError::TagOwned { .. } => DataAccessError::ObjectAccessDenied,
            ControlError::WrongKind { .. } => DataAccessError::TypeInconsistent,
            ControlError::ValueInvalid
            | ControlError::InvalidTag
            | ControlError::ReasonTooLong { .. } => DataAccessError::ObjectValueInvalid,
            ControlError::BadConfig { .. } => DataAccessError::ObjectAttributeInconsistent,
        }
    }
}

impl fmt::Display for ControlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            ControlError::NotSbo => {
                f.write_str("device is direct-operate, not select-before-operate")
            }
            ControlError::AlreadySelected { owner } => {
                write!(f, "device already selected by owner {owner}")
            }
            ControlError::NotSelected => {
                f.write_str("device not selected (or selection timed out)")
            }
            ControlError::SelectedByOther { owner } => {
                write!(f, "device selected by owner {owner}")
            }
            ControlError::Tagged { tag } => write!(f, "device tag {tag:?} inhibits the operation"),
            ControlError::WrongKind { expected } => {
                write!(f, "device takes a {expected:?} value")
            }
            ControlError::ValueInvalid => f.write_str("set-point is not a finite number"),
            ControlError::TagOwned { owner } => write!(f, "tag held by owner {owner}"),
            ControlError::InvalidTag => f.write_str("tag state INVALID cannot be set"),
            ControlError::ReasonTooLong { len } => write!(
                f,
                "tag reason of {len} octets exceeds {}",
                DeviceControl::REASON_CAPACITY
            ),
            ControlError::BadConfig { field } => write!(f, "device configuration: bad {field}"),
        }
    }
}

impl core::error::Error for ControlError {}
