//! How a device answers, for testing a client (IEC 60870-6-503 8.6: select = Read of
//! `<dev>_SBO`, operate = Write of `<dev>`): as the control engine decides (the normal
//! case), refused with a chosen `DataAccessError` in the Read / Write response, or not
//! at all (no MMS response, so the client's request timeout fires).
//!
//! -503 and -802 name no access error for a device that refuses to execute (the codes the
//! engine uses for its own refusals are in `ControlError::data_access_error`); a test
//! server picks one, by default `hardware-fault` (ISO 9506-2: the object could not be
//! accessed because of a hardware fault), the natural answer of a device that does not
//! execute.

use std::string::String;

use mms_pdu::mms::{
    ConfirmedServiceRequest, DataAccessError, ObjectName, VariableAccessSpecification,
    VariableSpecification,
};

use super::access::Lookup;
use super::inner::{Inner, Obj};
use super::{DeviceId, StationError, StationEvent, Tase2Station};
use crate::AccessRights;

/// How a device answers the selects and operates its peers may make.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum DeviceAnswer {
    /// The control engine decides (select before operate, timeouts, tags): the normal
    /// behaviour.
    #[default]
    Positive,
    /// Every select and operate the peer has the right to make is refused with this
    /// error in the Read / Write response ([`StationEvent::DeviceRefused`]); the device is
    /// neither armed nor operated. A peer without the right is still answered
    /// `object-access-denied`.
    Negative(DataAccessError),
    /// Every select and operate of the device is left without any MMS response (the
    /// whole Read or Write that names it: [`mms_pdu::server::Directory::withhold`]); the
    /// device is neither armed nor operated ([`StationEvent::DeviceIgnored`]).
    None,
}

impl DeviceAnswer {
    /// The refusal a test server gives by default: `hardware-fault`.
    pub const REFUSED: DeviceAnswer = DeviceAnswer::Negative(DataAccessError::HardwareFault);
}

/// Which device control request an event is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeviceRequest {
    /// A select (Read of `<dev>_SBO`).
    Select,
    /// An operate (Write of `<dev>`).
    Operate,
}

impl Tase2Station {
    /// Make `device` answer its selects and operates as `answer` says (for testing a
    /// client; the default is [`DeviceAnswer::Positive`]).
    ///
    /// # Errors
    /// [`StationError::Unknown`] for a device this station does not have.
    pub fn set_device_answer(
        &self,
        device: DeviceId,
        answer: DeviceAnswer,
    ) -> Result<(), StationError> {
        let mut g = self.lock();
        let d = usize::try_from(device.0)
            .ok()
            .and_then(|i| g.devices.get_mut(i))
            .ok_or(StationError::Unknown { what: "device" })?;
        d.answer = answer;
        Ok(())
    }
}

impl Inner {
    /// The device a select (`operate` false) or an operate of `name` addresses, with its
    /// answer, when `association` may control it (its scope, and the operate right).
    fn control_target(
        &self,
        association: u64,
        name: &ObjectName<'_>,
        operate: bool,
    ) -> Option<(u32, DeviceAnswer)> {
        let i = match self.lookup(association, name) {
            Lookup::Found(_, Obj::Sbo(i)) if !operate => i,
            Lookup::Found(_, Obj::Device(i)) if operate => i,
            _ => return None,
        };
        if !self
            .device_rights(association, i)
            .allows(AccessRights::OPERATE)
        {
            return None;
        }
        Some((i, self.device(i)?.answer))
    }

    fn device_event(
        &mut self,
        association: u64,
        i: u32,
        request: DeviceRequest,
        answer: DeviceAnswer,
    ) {
        let name: String = self.device(i).map(|d| d.name.clone()).unwrap_or_default();
        let device = DeviceId(i);
        self.events.push_back(match answer {
            DeviceAnswer::Negative(error) => StationEvent::DeviceRefused {
                association,
                device,
                name,
                request,
                error,
            },
            _ => StationEvent::DeviceIgnored {
                association,
                device,
                name,
                request,
            },
        });
    }

    /// The refusal configured for a select (`operate` false) or operate of `name` by
    /// `association`, reported as an event; `None`: serve it normally.
    pub(super) fn refusal(
        &mut self,
        association: u64,
        name: &ObjectName<'_>,
        operate: bool,
    ) -> Option<DataAccessError> {
        let (i, answer) = self.control_target(association, name, operate)?;
        let DeviceAnswer::Negative(error) = answer else {
            return None;
        };
        let request = if operate {
            DeviceRequest::Operate
        } else {
            DeviceRequest::Select
        };
        self.device_event(association, i, request, answer);
        Some(error)
    }

    /// Whether `request` selects or operates a device set to [`DeviceAnswer::None`]
    /// (reported as an event): then it gets no response at all.
    pub(super) fn ignores(
        &mut self,
        association: u64,
        request: &ConfirmedServiceRequest<'_>,
    ) -> bool {
        let (spec, operate) = match request {
            ConfirmedServiceRequest::Read(r) => (&r.variable_access_specification, false),
            ConfirmedServiceRequest::Write(w) => (&w.variable_access_specification, true),
            _ => return false,
        };
        let VariableAccessSpecification::ListOfVariable(items) = spec else {
            return false;
        };
        let ignored = items.iter().find_map(|item| match item.specification {
            VariableSpecification::Name(name) => self
                .control_target(association, &name, operate)
                .filter(|(_, a)| *a == DeviceAnswer::None),
            _ => None,
        });
        let Some((i, answer)) = ignored else {
            return false;
        };
        let request = if operate {
            DeviceRequest::Operate
        } else {
            DeviceRequest::Select
        };
        self.device_event(association, i, request, answer);
        true
    }
}
