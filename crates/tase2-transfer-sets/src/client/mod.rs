//! The TASE.2 client procedures (IEC 60870-6-503 clauses 7 and 8), sans-IO: each procedure
//! is a request builder (an MMS [`ConfirmedServiceRequest`](mms_pdu::mms::ConfirmedServiceRequest) or unconfirmed service over the
//! caller's storage) and an interpreter of the answer (typed values or a [`ClientError`]).
//! An adapter sends the requests on an MMS association and hands the answers back; nothing
//! here keeps state, allocates or touches time.
//!
//! | procedure (-503) | request | answer |
//! |---|---|---|
//! | association check: `TASE2_Version`, `Supported_Features`, `Bilateral_Table_ID` | [`identity_request`] | [`check_identity`] |
//! | discovery (GetNameList) | [`name_list_request`] | [`name_list_response`] |
//! | read points | [`read_request`] | [`read_results`], [`typed_value`] |
//! | data set define / delete (ICC scope) | [`define_data_set_request`], [`delete_data_set_request`] | [`define_data_set_response`], [`delete_data_set_response`] |
//! | get a transfer set (`Next_DSTransfer_Set`) | [`next_transfer_set_request`] | [`next_transfer_set_response`] |
//! | write a DS transfer set, whole or by component | [`write_transfer_set_request`], [`write_component_request`] | [`write_response`] |
//! | transfer reports, critical acknowledgement | [`classify_report`], [`ReportHeader`] | [`report_ack`], [`report_nack`] |
//! | device control: select (`<dev>_SBO`), operate, tag (`<dev>_TAG`) | [`select_request`], [`operate_request`], [`tag_read_request`], [`tag_write_request`] | [`select_response`], [`write_response`], [`tag_response`] |
//! | information messages: `IM_Transfer_Set`, `Info_Mess_Header` + `Info_Buff_<n>` | [`im_transfer_set_request`], [`message_report`] | [`InfoMessage::from_report`] |

#[cfg(feature = "std")]
mod controls;
mod device;
mod error;
mod identity;
mod messages;
#[cfg(feature = "std")]
mod procedures;
mod reports;
mod requests;
#[cfg(feature = "std")]
mod session;
#[cfg(feature = "std")]
mod tracker;

pub use device::{
    Suffixed, operate_request, select_request, select_response, tag_read_request, tag_response,
    tag_write_request,
};
pub use error::ClientError;
pub use identity::{
    Expectation, IdentityStorage, PeerCheck, TableId, check_identity, identity_request,
};
pub use messages::{
    InfoMessage, MessageStorage, im_transfer_set_request, info_buffer_name, message_report,
};
pub use reports::{
    AckStorage, ReportAck, ReportClass, ReportHeader, TRANSFER_REPORT_ACK, TRANSFER_REPORT_NACK,
    classify_report, report_ack, report_nack,
};
pub use requests::{
    ComponentStorage, PLACEHOLDER_ITEM, PLACEHOLDER_NAME, TransferSetStorage, WriteStorage,
    define_data_set_request, define_data_set_response, delete_data_set_request,
    delete_data_set_response, name_list_request, name_list_response, next_transfer_set_request,
    next_transfer_set_response, read_request, read_results, typed_value, write_component_request,
    write_request, write_response, write_transfer_set_request,
};

#[cfg(feature = "std")]
pub use controls::{ReadTag, Select, Write};
#[cfg(feature = "std")]
pub use procedures::{
    DefineDataSet, DeleteDataSet, IdentityCheck, Names, Procedure, Read, ReadValue, RequestStorage,
    StartTransferSet, StopTransferSet,
};
#[cfg(feature = "std")]
pub use session::{
    ClientSession, SET_ASIDE, Tase2ClientConfig, Tase2ClientError, Tase2ClientEvent,
    service_response, unconfirmed_service,
};
#[cfg(feature = "std")]
pub use tracker::{
    DATA_SET_HEADER, DeviceTag, PointName, Reading, Received, ReportTracker, Tase2Message,
    Tase2Report, TransferSetOptions, encode_message, encode_nack,
};

use mms_pdu::mms::ObjectName;

use crate::objects::Scope;

/// The MMS name of an object of `scope`: VMD-specific, or domain-specific in `icc_domain`.
///
/// # Errors
/// [`ClientError::BadName`] if `name` or `icc_domain` is not an MMS identifier.
pub fn object_name<'a>(
    scope: Scope,
    icc_domain: &'a str,
    name: &'a str,
) -> Result<ObjectName<'a>, ClientError> {
    match scope {
        Scope::Vmd => ObjectName::vmd(name),
        Scope::Icc => ObjectName::domain(icc_domain, name),
    }
    .ok_or(ClientError::BadName {
        what: "object name",
    })
}
