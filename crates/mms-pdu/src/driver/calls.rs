//! The requests behind the adapters' convenience calls and the reading of their answers,
//! so that the async and the blocking `MmsAssociation` only send and wait.

extern crate std;

use std::borrow::ToOwned;
use std::string::String;
use std::vec::Vec;

use super::{MmsError, Response};
use crate::mms::{
    ConfirmedServiceRequest, ConfirmedServiceResponse, Data, DefineNamedVariableListRequest,
    DeleteNamedVariableListRequest, ExtendedObjectClass, GetNameListRequest,
    GetVariableAccessAttributesRequest, Identifier, ObjectClass, ObjectName, ObjectScope,
    ReadRequest, SeqOf, VariableAccessSpecification, VariableListItem, WriteRequest, WriteResult,
};

/// The list items naming `names`, for [`read()`] and [`write()`].
#[must_use]
pub fn named<'a>(names: &[ObjectName<'a>]) -> Vec<VariableListItem<'a>> {
    names.iter().map(|n| VariableListItem::named(*n)).collect()
}

/// Read the variables `items` name.
#[must_use]
pub fn read<'a>(items: &'a [VariableListItem<'a>]) -> ConfirmedServiceRequest<'a> {
    ConfirmedServiceRequest::Read(ReadRequest {
        specification_with_result: None,
        variable_access_specification: VariableAccessSpecification::ListOfVariable(
            SeqOf::from_slice(items),
        ),
    })
}

/// Read a named variable list.
#[must_use]
pub fn read_list(list: ObjectName<'_>) -> ConfirmedServiceRequest<'_> {
    ConfirmedServiceRequest::Read(ReadRequest {
        specification_with_result: None,
        variable_access_specification: VariableAccessSpecification::VariableListName(list),
    })
}

/// Write `values` to the variables `items` name (one each).
#[must_use]
pub fn write<'a>(
    items: &'a [VariableListItem<'a>],
    values: &'a [Data<'a>],
) -> ConfirmedServiceRequest<'a> {
    ConfirmedServiceRequest::Write(WriteRequest {
        variable_access_specification: VariableAccessSpecification::ListOfVariable(
            SeqOf::from_slice(items),
        ),
        data: SeqOf::from_slice(values),
    })
}

/// Define the named variable list `name` of the variables `items` name.
#[must_use]
pub fn define_list<'a>(
    name: ObjectName<'a>,
    items: &'a [VariableListItem<'a>],
) -> ConfirmedServiceRequest<'a> {
    ConfirmedServiceRequest::DefineNamedVariableList(DefineNamedVariableListRequest {
        name,
        variables: SeqOf::from_slice(items),
    })
}

/// Delete the named variable lists `names` (specific scope).
#[must_use]
pub fn delete_lists<'a>(names: &'a [ObjectName<'a>]) -> ConfirmedServiceRequest<'a> {
    ConfirmedServiceRequest::DeleteNamedVariableList(DeleteNamedVariableListRequest {
        scope: None,
        names: Some(SeqOf::from_slice(names)),
        domain: None,
    })
}

/// The type of a named variable (GetVariableAccessAttributes).
#[must_use]
pub fn variable_type(name: ObjectName<'_>) -> ConfirmedServiceRequest<'_> {
    ConfirmedServiceRequest::GetVariableAccessAttributes(GetVariableAccessAttributesRequest::Name(
        name,
    ))
}

/// Identify's (vendor, model, revision), Latin-1 read as UTF-8 lossily.
///
/// # Errors
/// [`MmsError::UnexpectedAnswer`] for another response.
pub fn identity(r: &Response) -> Result<(String, String, String), MmsError> {
    match r.service() {
        Some(ConfirmedServiceResponse::Identify(i)) => Ok((
            String::from_utf8_lossy(i.vendor).into_owned(),
            String::from_utf8_lossy(i.model).into_owned(),
            String::from_utf8_lossy(i.revision).into_owned(),
        )),
        _ => Err(MmsError::UnexpectedAnswer),
    }
}

/// A Write response's results, one per variable.
///
/// # Errors
/// [`MmsError::UnexpectedAnswer`] for another response.
pub fn write_results(r: &Response) -> Result<Vec<WriteResult>, MmsError> {
    match r.service() {
        Some(ConfirmedServiceResponse::Write(w)) => Ok(w.iter().collect()),
        _ => Err(MmsError::UnexpectedAnswer),
    }
}

/// How many lists a DeleteNamedVariableList response says were deleted.
///
/// # Errors
/// [`MmsError::UnexpectedAnswer`] for another response.
pub fn deleted(r: &Response) -> Result<u32, MmsError> {
    match r.service() {
        Some(ConfirmedServiceResponse::DeleteNamedVariableList(d)) => Ok(d.number_deleted),
        _ => Err(MmsError::UnexpectedAnswer),
    }
}

/// A GetNameList walk: one request after another, each continuing after the last name,
/// until the server says no more follow (or an answer ends in no new name: a server that
/// repeats itself is not asked for ever).
#[derive(Clone, Debug)]
pub struct NameList<'s> {
    class: ObjectClass,
    scope: ObjectScope<'s>,
    names: Vec<String>,
    done: bool,
}

impl<'s> NameList<'s> {
    /// A walk over the names of `class` in `scope`.
    #[must_use]
    pub fn new(class: ObjectClass, scope: ObjectScope<'s>) -> Self {
        NameList {
            class,
            scope,
            names: Vec::new(),
            done: false,
        }
    }

    /// The next request to send, `None` once the walk is complete.
    #[must_use]
    pub fn next_request(&self) -> Option<ConfirmedServiceRequest<'_>> {
        if self.done {
            return None;
        }
        let continue_after = self.names.last().and_then(|n| Identifier::new(n));
        Some(ConfirmedServiceRequest::GetNameList(GetNameListRequest {
            object_class: ExtendedObjectClass::Basic(self.class),
            object_scope: self.scope,
            continue_after,
        }))
    }

    /// Take the answer to the last request.
    ///
    /// # Errors
    /// [`MmsError::UnexpectedAnswer`] for another response.
    pub fn absorb(&mut self, r: &Response) -> Result<(), MmsError> {
        let Some(ConfirmedServiceResponse::GetNameList(l)) = r.service() else {
            return Err(MmsError::UnexpectedAnswer);
        };
        // Progress: the answer's last name is one not gathered before (a peer that
        // repeats itself with `moreFollows` would otherwise be asked for ever).
        let progress = l
            .identifiers
            .iter()
            .last()
            .is_some_and(|last| !self.names.iter().any(|n| n == last.as_str()));
        self.names
            .extend(l.identifiers.iter().map(|i| i.as_str().to_owned()));
        self.done = !l.more_follows() || !progress;
        Ok(())
    }

    /// The names gathered.
    #[must_use]
    pub fn into_names(self) -> Vec<String> {
        self.names
    }
}
