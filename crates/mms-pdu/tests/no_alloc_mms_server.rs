//! Answering requests from a directory allocates nothing: `server::answer` for GetNameList,
//! Read (variables and a named list), Write, GetVariableAccessAttributes, Define and Delete,
//! measured by a counting allocator (allocation-counter, per thread).

#![allow(clippy::unwrap_used, clippy::indexing_slicing, missing_docs)]

use core::cell::Cell;

use telecontrol_core::{Encode, Writer};
use telecontrol_mms_pdu::mms::{
    ConfirmedRequest, ConfirmedServiceRequest, Data, DataAccessError,
    DefineNamedVariableListRequest, DeleteNamedVariableListRequest, Element, ErrorClass,
    ExtendedObjectClass, GetNameListRequest, GetVariableAccessAttributesRequest, IdentifyResponse,
    MmsPdu, ObjectClass, ObjectName, ObjectScope, ReadRequest, SeqOf, TypeDescription,
    TypeSpecification, VariableAccessSpecification, VariableListItem, WriteRequest,
};
use telecontrol_mms_pdu::mms::{ConfirmedResponse, ConfirmedServiceResponse};
use telecontrol_mms_pdu::server::{self, Context, Directory, answer};

struct Dir(Cell<i64>, Cell<bool>);

impl Directory for Dir {
    fn identify(&self) -> IdentifyResponse<'_> {
        IdentifyResponse {
            vendor: b"v",
            model: b"m",
            revision: b"r",
            abstract_syntaxes: None,
        }
    }
    fn names(
        &self,
        _association: u64,
        _c: ObjectClass,
        _s: ObjectScope<'_>,
        after: Option<&str>,
        out: &mut dyn FnMut(&str) -> bool,
    ) -> Result<(), ErrorClass> {
        for n in ["a", "b", "c"]
            .iter()
            .filter(|n| after.is_none_or(|a| **n > a))
        {
            if !out(n) {
                break;
            }
        }
        Ok(())
    }
    fn variable_type(
        &self,
        _association: u64,
        _n: &ObjectName<'_>,
        out: &mut Writer<'_>,
    ) -> Result<bool, ErrorClass> {
        TypeSpecification::Description(TypeDescription::Integer(32))
            .write_element(out)
            .unwrap();
        Ok(false)
    }
    fn read(
        &self,
        _association: u64,
        _n: &ObjectName<'_>,
        out: &mut Writer<'_>,
    ) -> Result<(), DataAccessError> {
        Data::Integer(self.0.get())
            .write_element(out)
            .map_err(|_| DataAccessError::HardwareFault)
    }
    fn write(
        &self,
        _association: u64,
        _n: &ObjectName<'_>,
        v: &Data<'_>,
    ) -> Result<(), DataAccessError> {
        let Data::Integer(i) = v else {
            return Err(DataAccessError::TypeInconsistent);
        };
        self.0.set(*i);
        Ok(())
    }
    fn list_members(
        &self,
        _a: u64,
        _n: &ObjectName<'_>,
        out: &mut dyn FnMut(&ObjectName<'_>),
    ) -> Result<bool, ErrorClass> {
        out(&ObjectName::domain("D", "a").unwrap());
        out(&ObjectName::domain("D", "b").unwrap());
        Ok(true)
    }
    fn define_list(
        &self,
        _a: u64,
        _n: &ObjectName<'_>,
        m: &[ObjectName<'_>],
    ) -> Result<(), ErrorClass> {
        self.1.set(m.len() == 1);
        Ok(())
    }
    fn delete_list(&self, _a: u64, _n: &ObjectName<'_>) -> Result<bool, ErrorClass> {
        Ok(self.1.replace(false))
    }
}

#[test]
fn answering_allocates_nothing() {
    let dir = Dir(Cell::new(5), Cell::new(false));
    let item = [VariableListItem::named(
        ObjectName::domain("D", "a").unwrap(),
    )];
    let value = [Data::Integer(9)];
    let list = [ObjectName::domain("D", "L").unwrap()];
    let requests = [
        ConfirmedServiceRequest::GetNameList(GetNameListRequest {
            object_class: ExtendedObjectClass::Basic(ObjectClass::NamedVariable),
            object_scope: ObjectScope::Vmd,
            continue_after: None,
        }),
        ConfirmedServiceRequest::Read(ReadRequest {
            specification_with_result: None,
            variable_access_specification: VariableAccessSpecification::VariableListName(list[0]),
        }),
        ConfirmedServiceRequest::Write(WriteRequest {
            variable_access_specification: VariableAccessSpecification::ListOfVariable(
                SeqOf::from_slice(&item),
            ),
            data: SeqOf::from_slice(&value),
        }),
        ConfirmedServiceRequest::GetVariableAccessAttributes(
            GetVariableAccessAttributesRequest::Name(list[0]),
        ),
        ConfirmedServiceRequest::DefineNamedVariableList(DefineNamedVariableListRequest {
            name: list[0],
            variables: SeqOf::from_slice(&item),
        }),
        ConfirmedServiceRequest::GetNamedVariableListAttributes(list[0]),
        ConfirmedServiceRequest::DeleteNamedVariableList(DeleteNamedVariableListRequest {
            scope: None,
            names: Some(SeqOf::from_slice(&list)),
            domain: None,
        }),
        ConfirmedServiceRequest::Identify,
    ];
    let ctx = Context {
        max_pdu_size: 8000,
        association: 1,
    };
    let mut scratch = vec![0u8; 4096];
    let mut out = vec![0u8; 4096];
    let mut answered = 0;
    let info = allocation_counter::measure(|| {
        for (i, req) in requests.iter().enumerate() {
            let resp = answer(&dir, req, ctx, &mut scratch).unwrap();
            assert!(!matches!(resp, ConfirmedServiceResponse::Unsupported(_)));
            let pdu = MmsPdu::ConfirmedResponse(ConfirmedResponse {
                invoke_id: u32::try_from(i).unwrap(),
                service: resp,
            });
            pdu.encode(&mut out).unwrap();
            answered += 1;
        }
        let _ = ConfirmedRequest::new(0, ConfirmedServiceRequest::Identify);
    });
    assert_eq!(answered, requests.len());
    assert_eq!(info.count_total, 0, "allocations in server::answer");
    assert_eq!(dir.0.get(), 9);
    let _ = server::OBJECT_UNDEFINED;
    let seen = allocation_counter::measure(|| drop(std::hint::black_box(vec![1u8; 64])));
    assert_eq!(seen.count_total, 1);
}
