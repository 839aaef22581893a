//! Device control (block 5, IEC 60870-6-503 clause 8.5): select by reading `<dev>_SBO`
//! (the CheckBackID), operate by writing the device's command or set-point, and read or
//! write the device tag `<dev>_TAG`.

use mms_pdu::mms::{
    AccessResult, ConfirmedServiceRequest, ConfirmedServiceResponse, Data, Identifier, ObjectName,
    VariableListItem,
};

use super::ClientError;
use super::requests::{WriteStorage, read_one, read_results, write_request};
use crate::{DeviceKind, DeviceValue, TagValue};

/// A device's companion variable name, `<dev><suffix>` (`_SBO`, `_TAG`), held by copy.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Suffixed {
    bytes: [u8; 32],
    len: u8,
}

impl Suffixed {
    /// `device` followed by `suffix`.
    ///
    /// # Errors
    /// [`ClientError::BadName`] if the result is longer than 32 characters or not an MMS
    /// identifier.
    pub fn new(device: &str, suffix: &str) -> Result<Self, ClientError> {
        let bad = ClientError::BadName {
            what: "device variable",
        };
        let total = device.len().checked_add(suffix.len()).ok_or(bad)?;
        let len = u8::try_from(total).ok().filter(|l| *l <= 32).ok_or(bad)?;
        let mut bytes = [0u8; 32];
        let (a, b) = bytes.split_at_mut(device.len());
        a.copy_from_slice(device.as_bytes());
        b.get_mut(..suffix.len())
            .ok_or(bad)?
            .copy_from_slice(suffix.as_bytes());
        let s = Suffixed { bytes, len };
        Identifier::new(s.as_str()).ok_or(bad)?;
        Ok(s)
    }

    /// The name.
    #[must_use]
    pub fn as_str(&self) -> &str {
        self.bytes
            .get(..usize::from(self.len))
            .and_then(|b| core::str::from_utf8(b).ok())
            .unwrap_or("")
    }

    /// This name in the scope of `device` (same domain, or VMD).
    ///
    /// # Errors
    /// [`ClientError::BadName`] (not expected for a name built by [`Suffixed::new`]).
    pub fn in_scope_of<'b>(
        &'b self,
        device: &ObjectName<'b>,
    ) -> Result<ObjectName<'b>, ClientError> {
        let item = Identifier::new(self.as_str()).ok_or(ClientError::BadName {
            what: "device variable",
        })?;
        Ok(match *device {
            ObjectName::DomainSpecific { domain, .. } => {
                ObjectName::DomainSpecific { domain, item }
            }
            ObjectName::VmdSpecific(_) => ObjectName::VmdSpecific(item),
            ObjectName::AaSpecific(_) => ObjectName::AaSpecific(item),
        })
    }
}

impl core::fmt::Debug for Suffixed {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Suffixed({:?})", self.as_str())
    }
}

/// Select a device: Read of its `<dev>_SBO` variable (`sbo`, from
/// [`Suffixed::new`]`(dev, SBO_SUFFIX)`).
#[must_use]
pub fn select_request<'b>(
    sbo: ObjectName<'b>,
    items: &'b mut [VariableListItem<'b>; 1],
) -> ConfirmedServiceRequest<'b> {
    read_one(sbo, items)
}

/// The CheckBackID of a select answer: the device is armed for its select timeout.
///
/// # Errors
/// [`ClientError::Access`] when the server refuses the select (not armed: already
/// selected, tagged, no operate right), [`ClientError::Value`] for a value that is not an
/// Integer16; the errors of [`read_results`].
pub fn select_response(response: &ConfirmedServiceResponse<'_>) -> Result<i16, ClientError> {
    match read_results(response, 1)?.iter().next() {
        Some(AccessResult::Success(d)) => match DeviceValue::decode(DeviceKind::CheckBackId, &d)? {
            DeviceValue::CheckBackId(id) => Ok(id),
            _ => Err(ClientError::UnexpectedResponse {
                expected: "CheckBackID",
            }),
        },
        Some(AccessResult::Failure(error)) => Err(ClientError::Access { index: 0, error }),
        None => Err(ClientError::ResultCount {
            expected: 1,
            found: 0,
        }),
    }
}

/// Operate a device: Write of its command or set-point value (after a select for an SBO
/// device). Check the answer with [`write_response`](super::write_response)`(r, 1)`.
#[must_use]
pub fn operate_request<'b>(
    device: ObjectName<'b>,
    value: DeviceValue,
    storage: &'b mut WriteStorage<'b>,
) -> ConfirmedServiceRequest<'b> {
    write_request(device, value.to_data(), storage)
}

/// Read a device tag `<dev>_TAG` (`tag`, from [`Suffixed::new`]`(dev, TAG_SUFFIX)`).
#[must_use]
pub fn tag_read_request<'b>(
    tag: ObjectName<'b>,
    items: &'b mut [VariableListItem<'b>; 1],
) -> ConfirmedServiceRequest<'b> {
    read_one(tag, items)
}

/// The tag value of a tag read answer.
///
/// # Errors
/// [`ClientError::Access`] (`object-access-denied` without the get-tag right),
/// [`ClientError::Value`]; the errors of [`read_results`].
pub fn tag_response<'a>(
    response: &ConfirmedServiceResponse<'a>,
) -> Result<TagValue<'a>, ClientError> {
    match read_results(response, 1)?.iter().next() {
        Some(AccessResult::Success(d)) => Ok(TagValue::from_data(&d)?),
        Some(AccessResult::Failure(error)) => Err(ClientError::Access { index: 0, error }),
        None => Err(ClientError::ResultCount {
            expected: 1,
            found: 0,
        }),
    }
}

/// Set a device tag: Write of `value` to `<dev>_TAG`; its two members go into `fields`.
/// Check the answer with [`write_response`](super::write_response)`(r, 1)`.
#[must_use]
pub fn tag_write_request<'b>(
    tag: ObjectName<'b>,
    value: &TagValue<'b>,
    fields: &'b mut [Data<'b>; 2],
    storage: &'b mut WriteStorage<'b>,
) -> ConfirmedServiceRequest<'b> {
    write_request(tag, value.to_data(fields), storage)
}
