#![doc = include_str!("README.md")]

mod access;
mod confirmed;
mod data;
mod error;
mod errors;
mod initiate;
mod name;
mod pdu;
mod prim;
mod seq;
mod services;
mod types;
mod variables;

pub use access::{
    AccessSelection, AlternateAccess, AlternateAccessItem, AlternateAccessSelection,
    VariableAccessSpecification, VariableListItem, VariableSpecification,
};
pub use confirmed::{
    ConfirmedErrorPdu, ConfirmedRequest, ConfirmedResponse, ConfirmedServiceRequest,
    ConfirmedServiceResponse,
};
pub use data::{AccessResult, BinaryTime, Data, DataAccessError, DataSeq, FloatingPoint, UtcTime};
pub use error::MmsError;
pub use errors::{
    CancelError, ConfirmedRequestReject, ConfirmedResponseReject, ErrorClass, PduErrorReject,
    RejectPdu, RejectReason, ServiceError,
};
pub use initiate::{InitDetail, InitiateParams, parameter_cbb, service_support};
pub use name::{Address, ObjectName};
pub use pdu::{MmsPdu, UnconfirmedService};
pub use prim::{Identifier, RawElement};
pub use seq::{Element, Nested, SeqIter, SeqOf};
pub use services::{
    DeleteNamedVariableListRequest, DeleteNamedVariableListResponse, DeleteScope,
    ExtendedObjectClass, GetNameListRequest, GetNameListResponse, IdentifyResponse, ObjectClass,
    ObjectScope, StatusResponse, VmdLogicalStatus, VmdPhysicalStatus,
};
pub use types::{StructComponent, TypeDescription, TypeSpecification};
pub use variables::{
    DefineNamedVariableListRequest, GetNamedVariableListAttributesResponse,
    GetVariableAccessAttributesRequest, GetVariableAccessAttributesResponse, InformationReport,
    ReadRequest, ReadResponse, WriteRequest, WriteResult,
};

#[cfg(test)]
mod tests;
