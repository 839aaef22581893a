//! Request builders and answer interpreters of the data services a TASE.2 client uses
//! (IEC 60870-6-503 clause 8.1 data values, 8.2 data sets, 8.3-8.4 transfer sets).

use mms_pdu::mms::{
    AccessResult, AccessSelection, AlternateAccessItem, AlternateAccessSelection,
    ConfirmedServiceRequest, ConfirmedServiceResponse, Data, DefineNamedVariableListRequest,
    DeleteNamedVariableListRequest, ExtendedObjectClass, GetNameListRequest, Identifier,
    ObjectClass, ObjectName, ObjectScope, ReadRequest, SeqOf, VariableAccessSpecification,
    VariableListItem, WriteRequest, WriteResult,
};

use super::ClientError;
use crate::objects::{NEXT_DS_TRANSFER_SET, Tase2Name};
use crate::{ComponentValue, DsTransferSet, DsTransferSetComponent, Value, ValueKind};

const PLACEHOLDER_ID: Identifier<'static> = match Identifier::new("_") {
    Some(i) => i,
    None => panic!("valid identifier"),
};

/// A name to fill storage arrays with before a builder overwrites them.
pub const PLACEHOLDER_NAME: ObjectName<'static> = ObjectName::VmdSpecific(PLACEHOLDER_ID);
/// A list item to fill storage arrays with before a builder overwrites them.
pub const PLACEHOLDER_ITEM: VariableListItem<'static> = VariableListItem::named(PLACEHOLDER_NAME);

/// GetNameList of `class` in `scope` (VMD, a domain, or the association), continuing
/// after `after`.
///
/// # Errors
/// [`ClientError::BadName`] if `after` is not an MMS identifier.
pub fn name_list_request<'b>(
    class: ObjectClass,
    scope: ObjectScope<'b>,
    after: Option<&'b str>,
) -> Result<ConfirmedServiceRequest<'b>, ClientError> {
    let continue_after = match after {
        Some(a) => Some(Identifier::new(a).ok_or(ClientError::BadName {
            what: "continueAfter",
        })?),
        None => None,
    };
    Ok(ConfirmedServiceRequest::GetNameList(GetNameListRequest {
        object_class: ExtendedObjectClass::Basic(class),
        object_scope: scope,
        continue_after,
    }))
}

/// The names of a GetNameList answer and whether more follow (ask again after the last).
///
/// # Errors
/// [`ClientError::UnexpectedResponse`] for another answer.
pub fn name_list_response<'a>(
    response: &ConfirmedServiceResponse<'a>,
) -> Result<(SeqOf<'a, Identifier<'a>>, bool), ClientError> {
    match response {
        ConfirmedServiceResponse::GetNameList(l) => Ok((l.identifiers, l.more_follows())),
        _ => Err(ClientError::UnexpectedResponse {
            expected: "GetNameList",
        }),
    }
}

/// Put `names` into `items` as a `listOfVariable`.
fn list<'b>(
    names: &[ObjectName<'b>],
    items: &'b mut [VariableListItem<'b>],
) -> Result<SeqOf<'b, VariableListItem<'b>>, ClientError> {
    let needed = names.len();
    let items = items
        .get_mut(..needed)
        .ok_or(ClientError::Capacity { needed })?;
    for (slot, n) in items.iter_mut().zip(names) {
        *slot = VariableListItem::named(*n);
    }
    let items: &'b [VariableListItem<'b>] = items;
    Ok(SeqOf::from_slice(items))
}

/// Read of the one variable `name`.
pub(crate) fn read_one<'b>(
    name: ObjectName<'b>,
    items: &'b mut [VariableListItem<'b>; 1],
) -> ConfirmedServiceRequest<'b> {
    *items = [VariableListItem::named(name)];
    let items: &'b [VariableListItem<'b>; 1] = items;
    ConfirmedServiceRequest::Read(ReadRequest {
        specification_with_result: None,
        variable_access_specification: VariableAccessSpecification::ListOfVariable(
            SeqOf::from_slice(items),
        ),
    })
}

/// Read the named variables (`listOfVariable`), their items written into `items`.
///
/// # Errors
/// [`ClientError::Capacity`] if `items` is shorter than `names`.
pub fn read_request<'b>(
    names: &[ObjectName<'b>],
    items: &'b mut [VariableListItem<'b>],
) -> Result<ConfirmedServiceRequest<'b>, ClientError> {
    Ok(ConfirmedServiceRequest::Read(ReadRequest {
        specification_with_result: None,
        variable_access_specification: VariableAccessSpecification::ListOfVariable(list(
            names, items,
        )?),
    }))
}

/// The results of a Read answer, checked to be `expected` in number (`None`: any, e.g.
/// the read of a named variable list).
///
/// # Errors
/// [`ClientError::UnexpectedResponse`] for another answer, [`ClientError::ResultCount`].
pub fn read_results<'a>(
    response: &ConfirmedServiceResponse<'a>,
    expected: impl Into<Option<usize>>,
) -> Result<SeqOf<'a, AccessResult<'a>>, ClientError> {
    let ConfirmedServiceResponse::Read(r) = response else {
        return Err(ClientError::UnexpectedResponse { expected: "Read" });
    };
    let found = r.results.len();
    match expected.into() {
        Some(expected) if expected != found => Err(ClientError::ResultCount { expected, found }),
        _ => Ok(r.results),
    }
}

/// The `index`-th result of a read as the -802 type `kind`.
///
/// # Errors
/// [`ClientError::Access`] for a failure result, [`ClientError::Value`] for a value of
/// another type.
pub fn typed_value(
    result: &AccessResult<'_>,
    index: usize,
    kind: ValueKind,
) -> Result<Value, ClientError> {
    match result {
        AccessResult::Success(d) => Ok(Value::decode(kind, d)?),
        AccessResult::Failure(error) => Err(ClientError::Access {
            index,
            error: *error,
        }),
    }
}

/// Storage for [`write_request`].
#[derive(Clone, Copy, Debug)]
pub struct WriteStorage<'a> {
    items: [VariableListItem<'a>; 1],
    data: [Data<'a>; 1],
}

impl Default for WriteStorage<'_> {
    fn default() -> Self {
        WriteStorage {
            items: [PLACEHOLDER_ITEM],
            data: [Data::Boolean(false)],
        }
    }
}

/// Write `value` to the variable `name`.
#[must_use]
pub fn write_request<'b>(
    name: ObjectName<'b>,
    value: Data<'b>,
    storage: &'b mut WriteStorage<'b>,
) -> ConfirmedServiceRequest<'b> {
    storage.items = [VariableListItem::named(name)];
    storage.data = [value];
    let WriteStorage { items, data } = storage;
    write_of(items, data)
}

fn write_of<'b>(
    items: &'b [VariableListItem<'b>; 1],
    data: &'b [Data<'b>; 1],
) -> ConfirmedServiceRequest<'b> {
    ConfirmedServiceRequest::Write(WriteRequest {
        variable_access_specification: VariableAccessSpecification::ListOfVariable(
            SeqOf::from_slice(items),
        ),
        data: SeqOf::from_slice(data),
    })
}

/// Check a Write answer: `expected` results, all successes.
///
/// # Errors
/// [`ClientError::UnexpectedResponse`], [`ClientError::ResultCount`], or
/// [`ClientError::Access`] for the first failure (`object-access-denied`,
/// `object-attribute-inconsistent` for an enabled transfer set, ...).
pub fn write_response(
    response: &ConfirmedServiceResponse<'_>,
    expected: usize,
) -> Result<(), ClientError> {
    let ConfirmedServiceResponse::Write(results) = response else {
        return Err(ClientError::UnexpectedResponse { expected: "Write" });
    };
    let found = results.len();
    if found != expected {
        return Err(ClientError::ResultCount { expected, found });
    }
    for (index, r) in results.iter().enumerate() {
        if let WriteResult::Failure(error) = r {
            return Err(ClientError::Access { index, error });
        }
    }
    Ok(())
}

/// DefineNamedVariableList `name` of `members` (an ICC data set: `name` and the members
/// domain-specific in the ICC domain, or VMD-specific points).
///
/// # Errors
/// [`ClientError::Capacity`] if `items` is shorter than `members`.
pub fn define_data_set_request<'b>(
    name: ObjectName<'b>,
    members: &[ObjectName<'b>],
    items: &'b mut [VariableListItem<'b>],
) -> Result<ConfirmedServiceRequest<'b>, ClientError> {
    Ok(ConfirmedServiceRequest::DefineNamedVariableList(
        DefineNamedVariableListRequest {
            name,
            variables: list(members, items)?,
        },
    ))
}

/// Check a DefineNamedVariableList answer.
///
/// # Errors
/// [`ClientError::UnexpectedResponse`] for another answer.
pub fn define_data_set_response(
    response: &ConfirmedServiceResponse<'_>,
) -> Result<(), ClientError> {
    match response {
        ConfirmedServiceResponse::DefineNamedVariableList => Ok(()),
        _ => Err(ClientError::UnexpectedResponse {
            expected: "DefineNamedVariableList",
        }),
    }
}

/// DeleteNamedVariableList of the one list `name` (kept in `storage`).
#[must_use]
pub fn delete_data_set_request<'b>(
    name: ObjectName<'b>,
    storage: &'b mut [ObjectName<'b>; 1],
) -> ConfirmedServiceRequest<'b> {
    *storage = [name];
    let storage: &'b [ObjectName<'b>; 1] = storage;
    ConfirmedServiceRequest::DeleteNamedVariableList(DeleteNamedVariableListRequest {
        scope: None,
        names: Some(SeqOf::from_slice(storage)),
        domain: None,
    })
}

/// Whether the list was deleted (false: unknown, or not deletable).
///
/// # Errors
/// [`ClientError::UnexpectedResponse`] for another answer.
pub fn delete_data_set_response(
    response: &ConfirmedServiceResponse<'_>,
) -> Result<bool, ClientError> {
    match response {
        ConfirmedServiceResponse::DeleteNamedVariableList(d) => Ok(d.number_deleted == 1),
        _ => Err(ClientError::UnexpectedResponse {
            expected: "DeleteNamedVariableList",
        }),
    }
}

/// Read `Next_DSTransfer_Set` of `icc_domain`: the server hands out a free transfer set.
///
/// # Errors
/// [`ClientError::BadName`] if `icc_domain` is not an MMS identifier.
pub fn next_transfer_set_request<'b>(
    icc_domain: &'b str,
    items: &'b mut [VariableListItem<'b>; 1],
) -> Result<ConfirmedServiceRequest<'b>, ClientError> {
    let name = ObjectName::domain(icc_domain, NEXT_DS_TRANSFER_SET)
        .ok_or(ClientError::BadName { what: "ICC domain" })?;
    Ok(read_one(name, items))
}

/// The transfer set name the server handed out.
///
/// # Errors
/// [`ClientError::Access`] (`temporarily-unavailable` when none is free,
/// `object-access-denied`), [`ClientError::Value`] for a value that is not an object
/// name; the errors of [`read_results`].
pub fn next_transfer_set_response<'a>(
    response: &ConfirmedServiceResponse<'a>,
) -> Result<Tase2Name<'a>, ClientError> {
    let results = read_results(response, 1)?;
    match results.iter().next() {
        Some(AccessResult::Success(d)) => Ok(Tase2Name::from_data(&d)?),
        Some(AccessResult::Failure(error)) => Err(ClientError::Access { index: 0, error }),
        None => Err(ClientError::ResultCount {
            expected: 1,
            found: 0,
        }),
    }
}

/// Storage for [`write_transfer_set_request`].
#[derive(Clone, Copy, Debug)]
pub struct TransferSetStorage<'a> {
    items: [VariableListItem<'a>; 1],
    name: [Data<'a>; 3],
    fields: [Data<'a>; 13],
    data: [Data<'a>; 1],
}

impl Default for TransferSetStorage<'_> {
    fn default() -> Self {
        TransferSetStorage {
            items: [PLACEHOLDER_ITEM],
            name: [Data::Boolean(false); 3],
            fields: [Data::Boolean(false); 13],
            data: [Data::Boolean(false)],
        }
    }
}

/// Write the whole DS transfer set `ts` to the transfer set `name` (the name
/// [`next_transfer_set_response`] gave, domain-specific in the ICC). With `status` true
/// this starts it; with `status` false it stops it.
#[must_use]
pub fn write_transfer_set_request<'b>(
    name: ObjectName<'b>,
    ts: &DsTransferSet<'b>,
    storage: &'b mut TransferSetStorage<'b>,
) -> ConfirmedServiceRequest<'b> {
    let TransferSetStorage {
        items,
        name: name_fields,
        fields,
        data,
    } = storage;
    *items = [VariableListItem::named(name)];
    *data = [ts.to_data(name_fields, fields)];
    write_of(items, data)
}

/// Storage for [`write_component_request`].
#[derive(Clone, Copy, Debug)]
pub struct ComponentStorage<'a> {
    items: [VariableListItem<'a>; 1],
    access: [AlternateAccessItem<'a>; 1],
    name: [Data<'a>; 3],
    data: [Data<'a>; 1],
}

impl Default for ComponentStorage<'_> {
    fn default() -> Self {
        ComponentStorage {
            items: [PLACEHOLDER_ITEM],
            access: [AlternateAccessItem::Unnamed(
                AlternateAccessSelection::SelectAccess(AccessSelection::AllElements),
            )],
            name: [Data::Boolean(false); 3],
            data: [Data::Boolean(false)],
        }
    }
}

/// Write one component of the transfer set `name` through MMS alternate access
/// (`component` selection by the component's name), e.g. `Status` false to stop it.
///
/// # Errors
/// [`ClientError::Value`] if `value` is not of the component's type.
pub fn write_component_request<'b>(
    name: ObjectName<'b>,
    component: DsTransferSetComponent,
    value: ComponentValue<'b>,
    storage: &'b mut ComponentStorage<'b>,
) -> Result<ConfirmedServiceRequest<'b>, ClientError> {
    use DsTransferSetComponent as C;
    let mismatch = ClientError::Value(crate::Tase2Error::WrongType {
        field: component.name(),
        expected: "the component's type",
    });
    let ComponentStorage {
        items,
        access,
        name: name_fields,
        data,
    } = storage;
    let d = match (component, value) {
        (C::DataSetName, ComponentValue::Name(n)) => n.to_data(name_fields),
        (
            C::StartTime | C::Interval | C::Tle | C::BufferTime | C::IntegrityCheck,
            ComponentValue::Integer(v),
        ) => Data::Integer(i64::from(v)),
        (C::EventCodeRequested, ComponentValue::EventCode(v)) => Data::Integer(i64::from(v)),
        (C::DsConditionsRequested, ComponentValue::Conditions(c)) => c.to_data(),
        (
            C::BlockData | C::Critical | C::Rbe | C::AllChangesReported | C::Status,
            ComponentValue::Boolean(b),
        ) => Data::Boolean(b),
        _ => return Err(mismatch),
    };
    let id = Identifier::new(component.name()).ok_or(mismatch)?;
    *access = [AlternateAccessItem::Unnamed(
        AlternateAccessSelection::SelectAccess(AccessSelection::Component(id)),
    )];
    let access: &'b [AlternateAccessItem<'b>; 1] = access;
    *items = [VariableListItem {
        alternate_access: Some(SeqOf::from_slice(access)),
        ..VariableListItem::named(name)
    }];
    *data = [d];
    Ok(write_of(items, data))
}
