//! Device control and single writes as [`Procedure`]s (feature `std`): select, operate,
//! read and set a device tag, write a transfer set component, enable information
//! messages.

use std::string::String;

use mms_pdu::mms::{
    ConfirmedServiceRequest, ConfirmedServiceResponse, ObjectName, VariableListItem,
};

use super::procedures::RequestStorage;
use super::{ClientError, DeviceTag, PointName, Procedure, Suffixed};
use crate::objects::{SBO_SUFFIX, TAG_SUFFIX};
use crate::{ComponentValue, DeviceValue, DsTransferSetComponent, TagState, TagValue};

/// A single Write of a variable (answer checked to be one success): the write of one
/// transfer set component, operate, set tag, enable messages.
#[derive(Clone, Copy, Debug)]
pub struct Write<'a>(WriteOf<'a>);

#[derive(Clone, Copy, Debug)]
enum WriteOf<'a> {
    Component(&'a PointName, DsTransferSetComponent, ComponentValue<'a>),
    Operate(&'a PointName, DeviceValue),
    Tag(&'a PointName, Suffixed, TagState, &'a str),
    Messages(bool),
}

impl<'a> Write<'a> {
    /// Write one component of a transfer set (MMS alternate access); a value of another
    /// type fails the request with [`ClientError::Value`].
    #[must_use]
    pub fn component(
        transfer_set: &'a PointName,
        component: DsTransferSetComponent,
        value: ComponentValue<'a>,
    ) -> Self {
        Write(WriteOf::Component(transfer_set, component, value))
    }

    /// Operate a device (Write of its value; after a [`Select`] for an SBO device).
    #[must_use]
    pub fn operate(device: &'a PointName, value: DeviceValue) -> Self {
        Write(WriteOf::Operate(device, value))
    }

    /// Set a device's tag (Write of `<dev>_TAG`).
    ///
    /// # Errors
    /// [`ClientError::BadName`] for a device whose `_TAG` name is not an identifier.
    pub fn tag(device: &'a PointName, tag: TagState, reason: &'a str) -> Result<Self, ClientError> {
        let name = Suffixed::new(&device.item, TAG_SUFFIX)?;
        Ok(Write(WriteOf::Tag(device, name, tag, reason)))
    }

    /// Enable or disable information messages on the association (`IM_Transfer_Set`).
    #[must_use]
    pub fn messages(enable: bool) -> Self {
        Write(WriteOf::Messages(enable))
    }
}

impl Procedure for Write<'_> {
    type Output = ();
    fn request<'b>(
        &'b self,
        storage: &'b mut RequestStorage<'b>,
    ) -> Result<ConfirmedServiceRequest<'b>, ClientError> {
        let RequestStorage {
            fields,
            write,
            component,
            ..
        } = storage;
        Ok(match &self.0 {
            WriteOf::Component(ts, c, value) => {
                super::write_component_request(ts.object_name()?, *c, *value, component)?
            }
            WriteOf::Operate(device, value) => {
                super::operate_request(device.object_name()?, *value, write)
            }
            WriteOf::Tag(device, name, tag, reason) => {
                let dev = device.object_name()?;
                let value = TagValue {
                    tag: *tag,
                    armed_for_execution: false,
                    reason,
                };
                super::tag_write_request(name.in_scope_of(&dev)?, &value, fields, write)
            }
            WriteOf::Messages(enable) => super::im_transfer_set_request(*enable, write),
        })
    }
    fn answer(&mut self, answer: &ConfirmedServiceResponse<'_>) -> Result<Option<()>, ClientError> {
        super::write_response(answer, 1).map(Some)
    }
}

/// Select a device for operation: Read of `<dev>_SBO`; gives its CheckBackID.
#[derive(Debug)]
pub struct Select<'a>(Companion<'a>);

impl<'a> Select<'a> {
    /// Select `device`.
    ///
    /// # Errors
    /// [`ClientError::BadName`] for a device whose `_SBO` name is not an identifier.
    pub fn new(device: &'a PointName) -> Result<Self, ClientError> {
        Companion::new(device, SBO_SUFFIX).map(Select)
    }
}

impl Procedure for Select<'_> {
    type Output = i16;
    fn request<'b>(
        &'b self,
        storage: &'b mut RequestStorage<'b>,
    ) -> Result<ConfirmedServiceRequest<'b>, ClientError> {
        self.0.read(storage, super::select_request)
    }
    fn answer(
        &mut self,
        answer: &ConfirmedServiceResponse<'_>,
    ) -> Result<Option<i16>, ClientError> {
        super::select_response(answer).map(Some)
    }
}

/// Read a device's tag (`<dev>_TAG`).
#[derive(Debug)]
pub struct ReadTag<'a>(Companion<'a>);

impl<'a> ReadTag<'a> {
    /// Read the tag of `device`.
    ///
    /// # Errors
    /// [`ClientError::BadName`] for a device whose `_TAG` name is not an identifier.
    pub fn new(device: &'a PointName) -> Result<Self, ClientError> {
        Companion::new(device, TAG_SUFFIX).map(ReadTag)
    }
}

impl Procedure for ReadTag<'_> {
    type Output = DeviceTag;
    fn request<'b>(
        &'b self,
        storage: &'b mut RequestStorage<'b>,
    ) -> Result<ConfirmedServiceRequest<'b>, ClientError> {
        self.0.read(storage, super::tag_read_request)
    }
    fn answer(
        &mut self,
        answer: &ConfirmedServiceResponse<'_>,
    ) -> Result<Option<DeviceTag>, ClientError> {
        let t = super::tag_response(answer)?;
        Ok(Some(DeviceTag {
            tag: t.tag,
            armed_for_execution: t.armed_for_execution,
            reason: String::from(t.reason),
        }))
    }
}

/// A device and one of its companion variables (`_SBO`, `_TAG`).
#[derive(Debug)]
struct Companion<'a> {
    device: &'a PointName,
    name: Suffixed,
}

type ReadOne =
    for<'b> fn(ObjectName<'b>, &'b mut [VariableListItem<'b>; 1]) -> ConfirmedServiceRequest<'b>;

impl<'a> Companion<'a> {
    fn new(device: &'a PointName, suffix: &str) -> Result<Self, ClientError> {
        let name = Suffixed::new(&device.item, suffix)?;
        Ok(Companion { device, name })
    }

    /// The read `build` makes of the companion variable, in the device's scope.
    fn read<'b>(
        &'b self,
        storage: &'b mut RequestStorage<'b>,
        build: ReadOne,
    ) -> Result<ConfirmedServiceRequest<'b>, ClientError> {
        let dev = self.device.object_name()?;
        Ok(build(self.name.in_scope_of(&dev)?, &mut storage.one))
    }
}
