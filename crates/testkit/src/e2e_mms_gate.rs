//! The association-aware directory of the MMS adapters' association tests, written once:
//! each adapter's `tests/mms_*_associate.rs` includes it with
//! `#[path = "../../testkit/src/e2e_mms_gate.rs"]` (not a module of the testkit library: it
//! needs `mms-pdu`'s `std` feature, which the adapters turn on).
//!
//! [`Gate`] has one variable "x" whose value is the id of the association reading it, logs
//! every call (`associate`, `released`, the service calls with their association id), and
//! refuses the AE-qualifier [`REFUSED_BY_DIRECTORY`].
#![allow(
    dead_code,
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs
)]

use std::sync::Mutex;
use std::time::Duration;

use mms_pdu::acse::SourceDiagnostic;
use mms_pdu::association::{AssociateIndication, Config, Refusal};
use mms_pdu::mms::{
    AccessResult, ConfirmedServiceResponse, Data, DataAccessError, Element, ErrorClass,
    IdentifyResponse, ObjectClass, ObjectName, ObjectScope, TypeDescription, TypeSpecification,
};
use mms_pdu::server::{self, Directory};
use telecontrol_core::Writer;

/// The AE-qualifier the directory refuses.
pub const REFUSED_BY_DIRECTORY: i64 = 13;
/// The AE-qualifier the adapter's `authorize` refuses (the directory never hears it).
pub const REFUSED_BY_AUTHORIZE: i64 = 99;

pub const REFUSAL: Refusal = Refusal::Acse {
    result: 1,
    diagnostic: Some(SourceDiagnostic::ServiceUser(4)),
};

/// One variable "x" (integer: the id of the association reading it); a log of calls.
#[derive(Default)]
pub struct Gate {
    log: Mutex<Vec<String>>,
}

impl Gate {
    pub fn log(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }
    fn push(&self, s: String) {
        self.log.lock().unwrap().push(s);
    }
}

impl Directory for Gate {
    fn identify(&self) -> IdentifyResponse<'_> {
        IdentifyResponse {
            vendor: b"v",
            model: b"m",
            revision: b"1",
            abstract_syntaxes: None,
        }
    }
    fn associate(&self, association: u64, ind: &AssociateIndication<'_>) -> Result<(), Refusal> {
        let q = ind.calling_ae_qualifier.unwrap_or(-1);
        self.push(format!("associate {association} {q}"));
        if q == REFUSED_BY_DIRECTORY {
            return Err(REFUSAL);
        }
        Ok(())
    }
    fn released(&self, association: u64) {
        self.push(format!("released {association}"));
    }
    fn names(
        &self,
        association: u64,
        _class: ObjectClass,
        _scope: ObjectScope<'_>,
        _after: Option<&str>,
        out: &mut dyn FnMut(&str) -> bool,
    ) -> Result<(), ErrorClass> {
        self.push(format!("names {association}"));
        out("x");
        Ok(())
    }
    fn variable_type(
        &self,
        association: u64,
        _name: &ObjectName<'_>,
        out: &mut Writer<'_>,
    ) -> Result<bool, ErrorClass> {
        self.push(format!("type {association}"));
        TypeSpecification::Description(TypeDescription::Integer(64))
            .write_element(out)
            .map_err(|_| server::CAPABILITY_UNAVAILABLE)?;
        Ok(false)
    }
    fn read(
        &self,
        association: u64,
        _name: &ObjectName<'_>,
        out: &mut Writer<'_>,
    ) -> Result<(), DataAccessError> {
        self.push(format!("read {association}"));
        Data::Integer(i64::try_from(association).unwrap())
            .write_element(out)
            .map_err(|_| DataAccessError::HardwareFault)
    }
    fn write(
        &self,
        association: u64,
        _name: &ObjectName<'_>,
        _value: &Data<'_>,
    ) -> Result<(), DataAccessError> {
        self.push(format!("write {association}"));
        Ok(())
    }
    fn list_members(
        &self,
        _association: u64,
        _name: &ObjectName<'_>,
        _out: &mut dyn FnMut(&ObjectName<'_>),
    ) -> Result<bool, ErrorClass> {
        Err(server::OBJECT_UNDEFINED)
    }
    fn define_list(
        &self,
        _association: u64,
        _name: &ObjectName<'_>,
        _members: &[ObjectName<'_>],
    ) -> Result<(), ErrorClass> {
        Err(server::SERVICE_UNSUPPORTED)
    }
    fn delete_list(&self, _association: u64, _name: &ObjectName<'_>) -> Result<bool, ErrorClass> {
        Err(server::OBJECT_UNDEFINED)
    }
}

pub fn config(qualifier: i64) -> Config<'static> {
    let mut c = Config::DEFAULT;
    c.local.ae_qualifier = Some(qualifier);
    c.request_timeout = Duration::from_secs(2);
    c.connect_timeout = Duration::from_secs(2);
    c
}

/// The integer read from "x" (the id of the association the directory served).
pub fn read_x(r: &mms_pdu::driver::Response) -> i64 {
    let Some(ConfirmedServiceResponse::Read(r)) = r.service() else {
        panic!("{r:?}")
    };
    match r.results.iter().next() {
        Some(AccessResult::Success(Data::Integer(i))) => i,
        other => panic!("{other:?}"),
    }
}
