//! What must not leak to an accepted peer, checked in every accepted cell of the matrix:
//! - within its own scopes (VCC and its own ICC), an object that exists but that its
//!   bilateral table does not name is neither listed nor typed, and answers every service
//!   octet for octet as a name that does not exist;
//! - the other table's ICC answers every service as an absent domain or name does;
//!
//! so a peer cannot probe which names the station holds outside its table. And the
//! objects every peer sees (the station's special variables, its own ICC's transfer sets)
//! still answer.

use telecontrol_tase2_transfer_sets::mms_pdu::mms::{
    AccessSelection, AlternateAccessItem, AlternateAccessSelection, ConfirmedServiceRequest, Data,
    DefineNamedVariableListRequest, DeleteNamedVariableListRequest,
    GetVariableAccessAttributesRequest, Identifier, ObjectClass, ObjectName, ObjectScope,
    ReadRequest, SeqOf, VariableAccessSpecification, VariableListItem, VariableSpecification,
    WriteRequest,
};
use telecontrol_tase2_transfer_sets::mms_pdu::server::OBJECT_UNDEFINED;
use telecontrol_tase2_transfer_sets::station::Tase2Station;
use telecontrol_tase2_transfer_sets::{TagState, TagValue};

use super::{check, object_name};
use crate::station_support::{answer_octets, dom, names, read, serve, type_of, vmd};

/// What must not leak to an associated peer of table `icc` (the other table's ICC is
/// `other`): the unnamed objects of its scopes, and anything of the other ICC; and what
/// it must still see.
pub(crate) fn leaks(st: &Tase2Station, a: u64, icc: &str, other: &str, fails: &mut Vec<String>) {
    let own = names(st, a, ObjectClass::NamedVariable, ObjectScope::Vmd).unwrap_or_default();
    check(
        fails,
        "V_HIDDEN listed",
        own.iter().any(|n| n == "V_HIDDEN"),
        false,
    );
    let icc_names = names(
        st,
        a,
        ObjectClass::NamedVariable,
        ObjectScope::Domain(Identifier::new(icc).unwrap()),
    )
    .unwrap_or_default();
    check(
        fails,
        "I_HIDDEN listed",
        icc_names.iter().any(|n| n == "I_HIDDEN"),
        false,
    );
    check(
        fails,
        "type of V_HIDDEN",
        type_of(st, a, vmd("V_HIDDEN")).err(),
        Some(OBJECT_UNDEFINED),
    );
    check(
        fails,
        "type of own I_HIDDEN",
        type_of(st, a, dom(icc, "I_HIDDEN")).err(),
        Some(OBJECT_UNDEFINED),
    );
    // Data sets: listed and described only when the table names every member.
    for vcc in [true, false] {
        let (scope, prefix) = if vcc {
            (ObjectScope::Vmd, "V_")
        } else {
            (ObjectScope::Domain(Identifier::new(icc).unwrap()), "I_")
        };
        let lists = names(st, a, ObjectClass::NamedVariableList, scope).unwrap_or_default();
        for (list, want) in [("HIDDEN_DS", false), ("SEEN_DS", true)] {
            let list = format!("{prefix}{list}");
            check(
                fails,
                &format!("{list} listed"),
                lists.contains(&list),
                want,
            );
            let described = serve(
                st,
                a,
                16_000,
                ConfirmedServiceRequest::GetNamedVariableListAttributes(object_name(
                    vcc, icc, &list,
                )),
                |r| r.is_ok(),
            );
            check(fails, &format!("{list} described"), described, want);
        }
    }
    // The domains a peer sees: its own ICC only.
    check(
        fails,
        "domains listed",
        names(st, a, ObjectClass::Domain, ObjectScope::Vmd),
        Ok(vec![icc.to_owned()]),
    );
    // The other ICC answers as a domain that does not exist, name by name.
    let other_id = Identifier::new(other).unwrap();
    let ghost_id = Identifier::new("NO_SUCH_DOMAIN").unwrap();
    check(
        fails,
        "names of the other ICC vs. no domain",
        names(
            st,
            a,
            ObjectClass::NamedVariable,
            ObjectScope::Domain(other_id),
        ),
        names(
            st,
            a,
            ObjectClass::NamedVariable,
            ObjectScope::Domain(ghost_id),
        ),
    );
    for item in [
        "I_READ_OK",
        "I_OPERATE_OK",
        "I_OPERATE_OK_SBO",
        "I_GETTAG_OK_TAG",
        "Bilateral_Table_ID",
    ] {
        for absent in [dom(other, ABSENT), dom("NO_SUCH_DOMAIN", item)] {
            same_answers(st, a, icc, dom(other, item), absent, fails);
        }
    }
    hidden_as_absent(st, a, icc, fails);
    special_objects(st, a, icc, fails);
}

/// Objects each scope holds that no table names (`station` adds them with the prefix of
/// the scope: a point, a data set of it, a tagged SBO device with its `_SBO` and `_TAG`
/// variables, an information buffer and so its header).
pub(crate) const HIDDEN: [&str; 7] = [
    "HIDDEN",
    "HIDDEN_DS",
    "HIDDEN_DEV",
    "HIDDEN_DEV_SBO",
    "HIDDEN_DEV_TAG",
    "Info_Buff_64",
    "Info_Mess_Header",
];

/// The information buffer size `station` adds, unnamed by the tables, in every scope.
pub(crate) const HIDDEN_BUFFER: u32 = 64;

/// A name no scope holds.
const ABSENT: &str = "NO_SUCH_ITEM";

/// `item` as the scope names it: the VCC's objects carry the prefix `V_`, the ICC's `I_`
/// (the station's own names, `Info_*`, none).
fn scoped(prefix: &str, item: &str) -> String {
    if item.starts_with("Info_") {
        item.to_owned()
    } else {
        format!("{prefix}{item}")
    }
}

/// Every service a peer can aim at `name`, each with the encoded PDU the station answers:
/// read (a point's value, a select through `_SBO`, a tag through `_TAG`), write (a value,
/// an operate, a tag structure, a component by alternate access),
/// GetVariableAccessAttributes, a member of a data set the peer defines in its ICC, and the
/// list services on the name.
fn answers(st: &Tase2Station, a: u64, icc: &str, name: ObjectName<'_>) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut ask = |what: &str, request: ConfirmedServiceRequest<'_>| {
        out.push((what.to_owned(), answer_octets(st, a, 16_000, request)));
    };
    let items = [VariableListItem::named(name)];
    let one = || VariableAccessSpecification::ListOfVariable(SeqOf::from_slice(&items));
    ask(
        "Read",
        ConfirmedServiceRequest::Read(ReadRequest {
            specification_with_result: None,
            variable_access_specification: one(),
        }),
    );
    let mut tag_fields = [Data::Boolean(false); 2];
    let tag = TagValue {
        tag: TagState::OpenAndCloseInhibit,
        armed_for_execution: false,
        reason: "probe",
    }
    .to_data(&mut tag_fields);
    for (what, value) in [
        ("Write of an integer (operate)", Data::Integer(1)),
        ("Write of a tag structure", tag),
    ] {
        let values = [value];
        ask(
            what,
            ConfirmedServiceRequest::Write(WriteRequest {
                variable_access_specification: one(),
                data: SeqOf::from_slice(&values),
            }),
        );
    }
    let status = [AlternateAccessItem::Unnamed(
        AlternateAccessSelection::SelectAccess(AccessSelection::Component(
            Identifier::new("Status").unwrap(),
        )),
    )];
    let part = [VariableListItem {
        specification: VariableSpecification::Name(name),
        alternate_access: Some(SeqOf::from_slice(&status)),
    }];
    let values = [Data::Boolean(false)];
    ask(
        "Write of a component (alternate access)",
        ConfirmedServiceRequest::Write(WriteRequest {
            variable_access_specification: VariableAccessSpecification::ListOfVariable(
                SeqOf::from_slice(&part),
            ),
            data: SeqOf::from_slice(&values),
        }),
    );
    ask(
        "GetVariableAccessAttributes",
        ConfirmedServiceRequest::GetVariableAccessAttributes(
            GetVariableAccessAttributesRequest::Name(name),
        ),
    );
    ask(
        "DefineNamedVariableList member",
        ConfirmedServiceRequest::DefineNamedVariableList(DefineNamedVariableListRequest {
            name: dom(icc, "PROBE"),
            variables: SeqOf::from_slice(&items),
        }),
    );
    ask(
        "Read as a list",
        ConfirmedServiceRequest::Read(ReadRequest {
            specification_with_result: None,
            variable_access_specification: VariableAccessSpecification::VariableListName(name),
        }),
    );
    ask(
        "GetNamedVariableListAttributes",
        ConfirmedServiceRequest::GetNamedVariableListAttributes(name),
    );
    let names = [name];
    ask(
        "DeleteNamedVariableList",
        ConfirmedServiceRequest::DeleteNamedVariableList(DeleteNamedVariableListRequest {
            scope: None,
            names: Some(SeqOf::from_slice(&names)),
            domain: None,
        }),
    );
    out
}

/// Every service on `existing` answers as on `absent`, octet for octet.
fn same_answers(
    st: &Tase2Station,
    a: u64,
    icc: &str,
    existing: ObjectName<'_>,
    absent: ObjectName<'_>,
    fails: &mut Vec<String>,
) {
    let got = answers(st, a, icc, existing);
    let want = answers(st, a, icc, absent);
    for ((what, got), (_, want)) in got.iter().zip(&want) {
        check(
            fails,
            &format!("{what}: {existing:?} vs. {absent:?}"),
            got,
            want,
        );
    }
}

/// Every object of [`HIDDEN`] in the VCC and in the peer's ICC `icc` answers as
/// [`ABSENT`] in the same scope.
fn hidden_as_absent(st: &Tase2Station, a: u64, icc: &str, fails: &mut Vec<String>) {
    for vcc in [true, false] {
        let prefix = if vcc { "V_" } else { "I_" };
        for item in HIDDEN {
            let item = scoped(prefix, item);
            same_answers(
                st,
                a,
                icc,
                object_name(vcc, icc, &item),
                object_name(vcc, icc, ABSENT),
                fails,
            );
        }
    }
}

/// The objects every accepted peer sees answer: the VCC's `TASE2_Version` and
/// `Supported_Features`, its ICC's `Next_DSTransfer_Set` (a transfer set name) and the
/// transfer set it hands out.
fn special_objects(st: &Tase2Station, a: u64, icc: &str, fails: &mut Vec<String>) {
    for name in [
        vmd("TASE2_Version"),
        vmd("Supported_Features"),
        dom(icc, "Bilateral_Table_ID"),
        dom(icc, "Next_DSTransfer_Set"),
        dom(icc, "DSTransferSet0001"),
    ] {
        check(
            fails,
            &format!("read of {name:?} answers"),
            read(st, a, name).is_ok(),
            true,
        );
        check(
            fails,
            &format!("type of {name:?} answers"),
            type_of(st, a, name).is_ok(),
            true,
        );
    }
}
