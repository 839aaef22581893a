//! Link parameters shared by every procedure, command errors, counters, and the small
//! buffers the machines share.

use core::fmt;
use core::time::Duration;

use crate::frame::{AddressSize, Frame, MAX_FRAME_LEN};

/// Link parameters (IEC 60870-5-101 clause 7.2 and the interoperability list, clause 8.4:
/// address field size, maximum frame length, single-character use; the response timeout and
/// retry count are system parameters of IEC 60870-5-2 clause 5.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LinkConfig {
    /// Size of the link address field (0 only in balanced mode).
    pub address_size: AddressSize,
    /// Send the single character 0xE5 instead of a fixed ACK / NACK-no-data frame when no
    /// ACD/DFC bit must be signalled. Received 0xE5 is always accepted.
    pub single_char_ack: bool,
    /// How long a primary waits for the reply before repeating the request.
    pub response_timeout: Duration,
    /// Repetitions after the first transmission before the link is declared failed.
    pub retries: u8,
    /// Longest frame sent, in octets (12..=261); bounds the user data per frame.
    pub max_frame_len: usize,
    /// Line idle interval that ends a partial frame (see [`crate::idle_timeout_for_baud`]);
    /// `None` disables the check.
    pub idle_timeout: Option<Duration>,
}

impl Default for LinkConfig {
    /// One-octet addresses, single character allowed, 1 s response timeout, 3 retries,
    /// 261-octet frames, no idle check.
    fn default() -> Self {
        LinkConfig {
            address_size: AddressSize::One,
            single_char_ack: true,
            response_timeout: Duration::from_secs(1),
            retries: 3,
            max_frame_len: MAX_FRAME_LEN,
            idle_timeout: None,
        }
    }
}

/// The smallest accepted `max_frame_len`: a variable frame with a 2-octet address and 3
/// octets of user data (frame overhead is 7 octets plus the address).
pub const MIN_FRAME_LEN: usize = 12;

impl LinkConfig {
    /// Check the parameters.
    ///
    /// # Errors
    /// [`ConfigError`] naming the first invalid parameter.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.response_timeout.is_zero() {
            return Err(ConfigError::ZeroResponseTimeout);
        }
        if !(MIN_FRAME_LEN..=MAX_FRAME_LEN).contains(&self.max_frame_len) {
            return Err(ConfigError::MaxFrameLen {
                value: self.max_frame_len,
            });
        }
        if self.idle_timeout.is_some_and(|d| d.is_zero()) {
            return Err(ConfigError::ZeroIdleTimeout);
        }
        Ok(())
    }

    /// The most ASDU octets one frame carries under this configuration.
    #[must_use]
    pub fn max_user_data(&self) -> usize {
        self.max_frame_len
            .saturating_sub(6)
            .saturating_sub(1)
            .saturating_sub(self.address_size.octets())
            .min(self.address_size.max_user_data())
    }

    pub(crate) fn check_unbalanced_address(&self, address: u16) -> Result<(), ConfigError> {
        if self.address_size == AddressSize::None {
            return Err(ConfigError::AddressFieldRequired);
        }
        if address >= self.address_size.max_address() {
            return Err(ConfigError::Address {
                value: address,
                max: self.address_size.max_address().saturating_sub(1),
            });
        }
        Ok(())
    }
}

/// An invalid parameter, reported when a machine is constructed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigError {
    /// The response timeout is zero.
    ZeroResponseTimeout,
    /// The idle timeout is zero.
    ZeroIdleTimeout,
    /// `max_frame_len` outside 12..=261.
    MaxFrameLen {
        /// The value given.
        value: usize,
    },
    /// Unbalanced transmission needs a 1- or 2-octet address field.
    AddressFieldRequired,
    /// A station address does not fit the address field (or is the broadcast address).
    Address {
        /// The address given.
        value: u16,
        /// The largest allowed.
        max: u16,
    },
    /// A timing parameter is inconsistent (named).
    Timing {
        /// The parameter.
        field: &'static str,
    },
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            ConfigError::ZeroResponseTimeout => f.write_str("response timeout must be > 0"),
            ConfigError::ZeroIdleTimeout => f.write_str("idle timeout must be > 0"),
            ConfigError::MaxFrameLen { value } => write!(
                f,
                "max frame length {value} outside {MIN_FRAME_LEN}..={MAX_FRAME_LEN}"
            ),
            ConfigError::AddressFieldRequired => {
                f.write_str("unbalanced transmission needs a 1- or 2-octet link address")
            }
            ConfigError::Address { value, max } => {
                write!(f, "link address {value} outside 0..={max}")
            }
            ConfigError::Timing { field } => write!(f, "timing parameter {field} is invalid"),
        }
    }
}

impl core::error::Error for ConfigError {}

/// A command the machine cannot carry out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum LinkError {
    /// The queue is full (policy: the new item is rejected; counted in
    /// [`LinkStats::queue_overflows`]).
    QueueFull,
    /// The ASDU is longer than the configured frame allows.
    TooLong {
        /// Its length.
        len: usize,
        /// The most allowed.
        max: usize,
    },
    /// No secondary with this address is configured.
    UnknownSecondary {
        /// The address.
        address: u16,
    },
    /// All secondary slots are in use.
    CapacityExceeded,
    /// The address is invalid for this use (out of range, or already configured).
    InvalidAddress {
        /// The address.
        address: u16,
    },
}

impl fmt::Display for LinkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            LinkError::QueueFull => f.write_str("queue full"),
            LinkError::TooLong { len, max } => {
                write!(f, "ASDU of {len} octets exceeds the maximum of {max}")
            }
            LinkError::UnknownSecondary { address } => {
                write!(f, "no secondary with link address {address}")
            }
            LinkError::CapacityExceeded => f.write_str("all secondary slots in use"),
            LinkError::InvalidAddress { address } => {
                write!(f, "link address {address} is invalid here")
            }
        }
    }
}

impl core::error::Error for LinkError {}

/// Counters every machine keeps.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct LinkStats {
    /// Valid frames received.
    pub frames_received: u64,
    /// Frames handed to `poll_transmit`.
    pub frames_sent: u64,
    /// Octets the decoder dropped (garbage, broken frames, idle gaps).
    pub octets_discarded: u64,
    /// Frames ignored: wrong address, wrong direction, invalid in this state.
    pub frames_ignored: u64,
    /// Repeated frames answered with the stored response (secondary).
    pub repeats_answered: u64,
    /// Frames whose FCB was not the expected one without a stored response (secondary).
    pub fcb_errors: u64,
    /// Request repetitions after a response timeout (primary).
    pub retransmissions: u64,
    /// Link failures after exhausting the retries (primary).
    pub link_failures: u64,
    /// Commands rejected because a queue was full.
    pub queue_overflows: u64,
    /// Events dropped because the event queue was full (oldest dropped).
    pub events_dropped: u64,
}

/// One frame waiting for `poll_transmit`, already encoded.
#[derive(Clone, Debug)]
pub(crate) struct TxBuf {
    pub buf: [u8; MAX_FRAME_LEN],
    pub len: usize,
}

impl TxBuf {
    pub const fn new() -> Self {
        TxBuf {
            buf: [0; MAX_FRAME_LEN],
            len: 0,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    #[allow(dead_code)]
    pub fn bytes(&self) -> &[u8] {
        self.buf.get(..self.len).unwrap_or(&[])
    }

    /// Encode `frame`; on error (only possible with an internal bug) leaves the buffer empty.
    pub fn set(&mut self, frame: &Frame<'_>, a: AddressSize) {
        self.len = frame.encode(a, &mut self.buf).unwrap_or(0);
    }

    pub fn clear(&mut self) {
        self.len = 0;
    }

    pub fn copy_from(&mut self, other: &TxBuf) {
        self.buf = other.buf;
        self.len = other.len;
    }

    /// Copy into `out` and empty the buffer; `None` if empty or `out` too small (then the
    /// frame stays queued).
    pub fn take(&mut self, out: &mut [u8]) -> Option<usize> {
        if self.len == 0 {
            return None;
        }
        let dst = out.get_mut(..self.len)?;
        dst.copy_from_slice(self.buf.get(..self.len)?);
        let n = self.len;
        self.len = 0;
        Some(n)
    }
}

/// A received ASDU held until the application polls the event that carries it.
#[derive(Clone, Debug)]
pub(crate) struct RxBuf {
    pub buf: [u8; 255],
    pub len: usize,
}

impl RxBuf {
    pub const fn new() -> Self {
        RxBuf {
            buf: [0; 255],
            len: 0,
        }
    }

    pub fn store(&mut self, data: &[u8]) {
        let n = data.len().min(self.buf.len());
        if let (Some(dst), Some(src)) = (self.buf.get_mut(..n), data.get(..n)) {
            dst.copy_from_slice(src);
            self.len = n;
        }
    }

    pub fn bytes(&self) -> &[u8] {
        self.buf.get(..self.len).unwrap_or(&[])
    }
}

/// An ASDU in a send queue.
pub(crate) type AsduBuf = heapless::Vec<u8, 253>;

pub(crate) fn asdu_buf(asdu: &[u8], cfg: &LinkConfig) -> Result<AsduBuf, LinkError> {
    let max = cfg.max_user_data();
    if asdu.len() > max {
        return Err(LinkError::TooLong {
            len: asdu.len(),
            max,
        });
    }
    AsduBuf::from_slice(asdu).map_err(|()| LinkError::TooLong {
        len: asdu.len(),
        max,
    })
}

pub(crate) fn count(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}
