#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::cast_possible_truncation,
    clippy::arithmetic_side_effects,
    clippy::float_cmp
)]

use core::cell::Cell;

use telecontrol_core::Writer;

use super::*;
use crate::mms::{
    DefineNamedVariableListRequest, DeleteNamedVariableListRequest, FloatingPoint,
    GetNameListRequest, ReadRequest, TypeDescription, WriteRequest,
};

/// Domain "D" with variables "a" (float, writable), "b" (integer, read-only), "c".."z"
/// (booleans); VMD variable "v"; list "D/L" = [a, b] (fixed) and one definable list.
struct Dir {
    a: Cell<f32>,
    defined: Cell<bool>,
    /// The association of the last names/variable_type/read/write call.
    last: Cell<u64>,
}

const LETTERS: &str = "abcdefghijklmnopqrstuvwxyz";

fn item<'n>(name: &ObjectName<'n>) -> (Option<&'n str>, &'n str) {
    (name.domain_id().map(|d| d.as_str()), name.item().as_str())
}

impl Directory for Dir {
    fn identify(&self) -> IdentifyResponse<'_> {
        IdentifyResponse {
            vendor: b"V",
            model: b"M",
            revision: b"1",
            abstract_syntaxes: None,
        }
    }
    fn names(
        &self,
        association: u64,
        class: ObjectClass,
        scope: ObjectScope<'_>,
        after: Option<&str>,
        out: &mut dyn FnMut(&str) -> bool,
    ) -> Result<(), ErrorClass> {
        self.last.set(association);
        let all: &[&str] = match (class, scope) {
            (ObjectClass::Domain, ObjectScope::Vmd) => &["D"],
            (ObjectClass::NamedVariable, ObjectScope::Vmd) => &["v"],
            (ObjectClass::NamedVariable, ObjectScope::Domain(d)) if d.as_str() == "D" => &[
                "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "p",
            ],
            (ObjectClass::NamedVariableList, ObjectScope::Domain(d)) if d.as_str() == "D" => {
                if self.defined.get() {
                    &["L", "X"]
                } else {
                    &["L"]
                }
            }
            (_, ObjectScope::Domain(_)) => return Err(OBJECT_NON_EXISTENT),
            _ => &[],
        };
        for n in all.iter().filter(|n| after.is_none_or(|a| **n > a)) {
            if !out(n) {
                break;
            }
        }
        Ok(())
    }
    fn variable_type(
        &self,
        association: u64,
        name: &ObjectName<'_>,
        out: &mut Writer<'_>,
    ) -> Result<bool, ErrorClass> {
        self.last.set(association);
        let t = match item(name) {
            (Some("D"), "a") => TypeDescription::FloatingPoint {
                format_width: 32,
                exponent_width: 8,
            },
            (Some("D"), "b") => TypeDescription::Integer(32),
            _ => return Err(OBJECT_UNDEFINED),
        };
        TypeSpecification::Description(t)
            .write_element(out)
            .unwrap();
        Ok(false)
    }
    fn read(
        &self,
        association: u64,
        name: &ObjectName<'_>,
        out: &mut Writer<'_>,
    ) -> Result<(), DataAccessError> {
        self.last.set(association);
        let d = match item(name) {
            (Some("D"), "a") => Data::FloatingPoint(FloatingPoint::Single(self.a.get())),
            (Some("D"), "b") => Data::Integer(-7),
            (Some("D"), x) if x.len() == 1 && LETTERS.contains(x) => Data::Boolean(true),
            (None, "v") => Data::VisibleString(b"vmd"),
            _ => return Err(DataAccessError::ObjectNonExistent),
        };
        d.write_element(out)
            .map_err(|_| DataAccessError::TemporarilyUnavailable)
    }
    fn write(
        &self,
        association: u64,
        name: &ObjectName<'_>,
        value: &Data<'_>,
    ) -> Result<(), DataAccessError> {
        self.last.set(association);
        match (item(name), value) {
            ((Some("D"), "a"), Data::FloatingPoint(f)) => {
                self.a.set(f.to_f64() as f32);
                Ok(())
            }
            ((Some("D"), "a"), _) => Err(DataAccessError::TypeInconsistent),
            ((Some("D"), "b"), _) => Err(DataAccessError::ObjectAccessDenied),
            _ => Err(DataAccessError::ObjectNonExistent),
        }
    }
    fn list_members(
        &self,
        _association: u64,
        name: &ObjectName<'_>,
        out: &mut dyn FnMut(&ObjectName<'_>),
    ) -> Result<bool, ErrorClass> {
        match item(name) {
            (Some("D"), "L") => {
                out(&ObjectName::domain("D", "a").unwrap());
                out(&ObjectName::domain("D", "b").unwrap());
                Ok(false)
            }
            (Some("D"), "X") if self.defined.get() => {
                out(&ObjectName::vmd("v").unwrap());
                Ok(true)
            }
            _ => Err(OBJECT_UNDEFINED),
        }
    }
    fn define_list(
        &self,
        _a: u64,
        name: &ObjectName<'_>,
        members: &[ObjectName<'_>],
    ) -> Result<(), ErrorClass> {
        match item(name) {
            (Some("D"), "X") if self.defined.get() => Err(OBJECT_EXISTS),
            (Some("D"), "X") if members == [ObjectName::vmd("v").unwrap()] => {
                self.defined.set(true);
                Ok(())
            }
            _ => Err(OBJECT_ATTRIBUTE_INCONSISTENT),
        }
    }
    fn delete_list(&self, _a: u64, name: &ObjectName<'_>) -> Result<bool, ErrorClass> {
        match item(name) {
            (Some("D"), "L") => Ok(false),
            (Some("D"), "X") if self.defined.get() => {
                self.defined.set(false);
                Ok(true)
            }
            _ => Err(OBJECT_UNDEFINED),
        }
    }
}

fn dir() -> Dir {
    Dir {
        a: Cell::new(1.5),
        defined: Cell::new(false),
        last: Cell::new(0),
    }
}

#[test]
fn every_call_names_the_association() {
    let d = dir();
    let mut scratch = [0u8; 1024];
    let ctx = Context {
        max_pdu_size: 8000,
        association: 42,
    };
    let a = [VariableListItem::named(
        ObjectName::domain("D", "a").unwrap(),
    )];
    let spec = VariableAccessSpecification::ListOfVariable(SeqOf::from_slice(&a));
    let value = [Data::FloatingPoint(FloatingPoint::Single(2.0))];
    let requests = [
        ConfirmedServiceRequest::GetNameList(GetNameListRequest {
            object_class: ExtendedObjectClass::Basic(ObjectClass::Domain),
            object_scope: ObjectScope::Vmd,
            continue_after: None,
        }),
        ConfirmedServiceRequest::GetVariableAccessAttributes(
            GetVariableAccessAttributesRequest::Name(ObjectName::domain("D", "a").unwrap()),
        ),
        ConfirmedServiceRequest::Read(ReadRequest {
            specification_with_result: None,
            variable_access_specification: spec,
        }),
        ConfirmedServiceRequest::Write(WriteRequest {
            variable_access_specification: spec,
            data: SeqOf::from_slice(&value),
        }),
    ];
    for req in &requests {
        d.last.set(0);
        answer(&d, req, ctx, &mut scratch).unwrap();
        assert_eq!(d.last.get(), 42, "{req:?}");
    }
}

const CTX: Context = Context {
    max_pdu_size: 8000,
    association: 1,
};

fn names<'a>(list: &GetNameListResponse<'a>) -> ([&'a str; 16], usize) {
    let mut out = [""; 16];
    let mut n = 0;
    for (slot, id) in out.iter_mut().zip(list.identifiers.iter()) {
        *slot = id.as_str();
        n += 1;
    }
    (out, n)
}

#[test]
fn get_name_list_pages_by_pdu_size() {
    let d = dir();
    let mut scratch = [0u8; 1024];
    let scope = ObjectScope::Domain(Identifier::new("D").unwrap());
    let req = |after| {
        ConfirmedServiceRequest::GetNameList(GetNameListRequest {
            object_class: ExtendedObjectClass::Basic(ObjectClass::NamedVariable),
            object_scope: scope,
            continue_after: after,
        })
    };
    // 16 names of 3 octets each; a PDU of 32 + 20 octets holds 6 of them.
    let small = Context {
        max_pdu_size: PDU_OVERHEAD + 20,
        association: 1,
    };
    let r = answer(&d, &req(None), small, &mut scratch).unwrap();
    let ConfirmedServiceResponse::GetNameList(list) = r else {
        panic!()
    };
    let (first, n) = names(&list);
    assert_eq!(&first[..n], ["a", "b", "c", "d", "e", "f"]);
    assert!(list.more_follows());
    let r = answer(&d, &req(Identifier::new("p")), CTX, &mut scratch).unwrap();
    let ConfirmedServiceResponse::GetNameList(list) = r else {
        panic!()
    };
    assert_eq!(list.identifiers.len(), 0);
    assert!(!list.more_follows());
    let r = answer(&d, &req(Identifier::new("f")), CTX, &mut scratch).unwrap();
    let ConfirmedServiceResponse::GetNameList(list) = r else {
        panic!()
    };
    assert_eq!(list.identifiers.iter().next().unwrap().as_str(), "g");
    assert_eq!(list.identifiers.len(), 10);
    assert!(!list.more_follows());
    let bad = ConfirmedServiceRequest::GetNameList(GetNameListRequest {
        object_class: ExtendedObjectClass::Basic(ObjectClass::NamedVariable),
        object_scope: ObjectScope::Domain(Identifier::new("Nope").unwrap()),
        continue_after: None,
    });
    assert_eq!(
        answer(&d, &bad, CTX, &mut scratch).unwrap_err().error_class,
        OBJECT_NON_EXISTENT
    );
}

fn read_items<'a>(items: &'a [VariableListItem<'a>]) -> ConfirmedServiceRequest<'a> {
    ConfirmedServiceRequest::Read(ReadRequest {
        specification_with_result: None,
        variable_access_specification: VariableAccessSpecification::ListOfVariable(
            SeqOf::from_slice(items),
        ),
    })
}

#[test]
fn read_variables_and_a_named_list() {
    let d = dir();
    let mut scratch = [0u8; 1024];
    let items = [
        VariableListItem::named(ObjectName::domain("D", "a").unwrap()),
        VariableListItem::named(ObjectName::vmd("v").unwrap()),
        VariableListItem::named(ObjectName::domain("D", "zz").unwrap()),
    ];
    let r = answer(&d, &read_items(&items), CTX, &mut scratch).unwrap();
    let ConfirmedServiceResponse::Read(read) = r else {
        panic!()
    };
    let got: [AccessResult<'_>; 3] = {
        let mut it = read.results.iter();
        [it.next().unwrap(), it.next().unwrap(), it.next().unwrap()]
    };
    assert_eq!(
        got[0],
        AccessResult::Success(Data::FloatingPoint(FloatingPoint::Single(1.5)))
    );
    assert_eq!(got[1], AccessResult::Success(Data::VisibleString(b"vmd")));
    assert_eq!(
        got[2],
        AccessResult::Failure(DataAccessError::ObjectNonExistent)
    );

    let list = ConfirmedServiceRequest::Read(ReadRequest {
        specification_with_result: None,
        variable_access_specification: VariableAccessSpecification::VariableListName(
            ObjectName::domain("D", "L").unwrap(),
        ),
    });
    let r = answer(&d, &list, CTX, &mut scratch).unwrap();
    let ConfirmedServiceResponse::Read(read) = r else {
        panic!()
    };
    let mut it = read.results.iter();
    assert_eq!(
        it.next(),
        Some(AccessResult::Success(Data::FloatingPoint(
            FloatingPoint::Single(1.5)
        )))
    );
    assert_eq!(it.next(), Some(AccessResult::Success(Data::Integer(-7))));
    assert_eq!(it.next(), None);

    // A scratch too small for the answer is a resource error, not a panic.
    let mut tiny = [0u8; 20];
    let err = answer(&d, &list, CTX, &mut tiny).unwrap_err();
    assert_eq!(err.error_class, CAPABILITY_UNAVAILABLE);
}

#[test]
fn write_checks_type_and_access() {
    let d = dir();
    let mut scratch = [0u8; 512];
    let items = [
        VariableListItem::named(ObjectName::domain("D", "a").unwrap()),
        VariableListItem::named(ObjectName::domain("D", "b").unwrap()),
        VariableListItem::named(ObjectName::domain("D", "a").unwrap()),
    ];
    let data = [
        Data::FloatingPoint(FloatingPoint::Single(42.0)),
        Data::Integer(1),
        Data::Boolean(true),
    ];
    let req = ConfirmedServiceRequest::Write(WriteRequest {
        variable_access_specification: VariableAccessSpecification::ListOfVariable(
            SeqOf::from_slice(&items),
        ),
        data: SeqOf::from_slice(&data),
    });
    let r = answer(&d, &req, CTX, &mut scratch).unwrap();
    let ConfirmedServiceResponse::Write(results) = r else {
        panic!()
    };
    let mut it = results.iter();
    assert_eq!(it.next(), Some(WriteResult::Success));
    assert_eq!(
        it.next(),
        Some(WriteResult::Failure(DataAccessError::ObjectAccessDenied))
    );
    assert_eq!(
        it.next(),
        Some(WriteResult::Failure(DataAccessError::TypeInconsistent))
    );
    assert_eq!(d.a.get(), 42.0);
    // Fewer values than variables.
    let short = ConfirmedServiceRequest::Write(WriteRequest {
        variable_access_specification: VariableAccessSpecification::ListOfVariable(
            SeqOf::from_slice(&items),
        ),
        data: SeqOf::from_slice(&data[..1]),
    });
    assert!(answer(&d, &short, CTX, &mut scratch).is_err());
}

#[test]
fn attributes_identify_and_list_life() {
    let d = dir();
    let mut scratch = [0u8; 512];
    let gva = ConfirmedServiceRequest::GetVariableAccessAttributes(
        GetVariableAccessAttributesRequest::Name(ObjectName::domain("D", "b").unwrap()),
    );
    let r = answer(&d, &gva, CTX, &mut scratch).unwrap();
    let ConfirmedServiceResponse::GetVariableAccessAttributes(a) = r else {
        panic!()
    };
    assert_eq!(
        a.type_specification,
        TypeSpecification::Description(TypeDescription::Integer(32))
    );
    let gva = ConfirmedServiceRequest::GetVariableAccessAttributes(
        GetVariableAccessAttributesRequest::Name(ObjectName::domain("D", "q").unwrap()),
    );
    assert_eq!(
        answer(&d, &gva, CTX, &mut scratch).unwrap_err().error_class,
        OBJECT_UNDEFINED
    );

    let r = answer(&d, &ConfirmedServiceRequest::Identify, CTX, &mut scratch).unwrap();
    assert!(matches!(r, ConfirmedServiceResponse::Identify(i) if i.vendor == b"V"));
    let r = answer(
        &d,
        &ConfirmedServiceRequest::Status(false),
        CTX,
        &mut scratch,
    )
    .unwrap();
    assert!(matches!(r, ConfirmedServiceResponse::Status(_)));

    let members = [VariableListItem::named(ObjectName::vmd("v").unwrap())];
    let define = ConfirmedServiceRequest::DefineNamedVariableList(DefineNamedVariableListRequest {
        name: ObjectName::domain("D", "X").unwrap(),
        variables: SeqOf::from_slice(&members),
    });
    assert_eq!(
        answer(&d, &define, CTX, &mut scratch).unwrap(),
        ConfirmedServiceResponse::DefineNamedVariableList
    );
    assert_eq!(
        answer(&d, &define, CTX, &mut scratch)
            .unwrap_err()
            .error_class,
        OBJECT_EXISTS
    );

    let attrs = ConfirmedServiceRequest::GetNamedVariableListAttributes(
        ObjectName::domain("D", "X").unwrap(),
    );
    let r = answer(&d, &attrs, CTX, &mut scratch).unwrap();
    let ConfirmedServiceResponse::GetNamedVariableListAttributes(a) = r else {
        panic!()
    };
    assert!(a.mms_deletable);
    assert_eq!(a.variables.iter().next(), Some(members[0]));

    let names = [
        ObjectName::domain("D", "X").unwrap(),
        ObjectName::domain("D", "L").unwrap(),
        ObjectName::domain("D", "none").unwrap(),
    ];
    let delete = ConfirmedServiceRequest::DeleteNamedVariableList(DeleteNamedVariableListRequest {
        scope: None,
        names: Some(SeqOf::from_slice(&names)),
        domain: None,
    });
    let r = answer(&d, &delete, CTX, &mut scratch).unwrap();
    assert_eq!(
        r,
        ConfirmedServiceResponse::DeleteNamedVariableList(DeleteNamedVariableListResponse {
            number_matched: 2,
            number_deleted: 1
        })
    );
    assert!(!d.defined.get());
}
