//! The server side of MMS: an application's object directory ([`Directory`]) and the
//! request → response logic ([`answer`]) over it, without allocation.
//!
//! The application implements [`Directory`] (names, types, values, named variable lists,
//! Identify); [`answer`] turns one decoded confirmed request into the response or the
//! `ServiceError`, encoding what the directory hands out into a caller scratch buffer that
//! the response then borrows (lists are validated views over that buffer).
//!
//! Every directory method takes `&self`: an application with changing values keeps them
//! behind its own interior mutability, so that an adapter never holds a lock of its own
//! while the application runs.

use telecontrol_core::Writer;

use crate::association::{AssociateIndication, Refusal};
use crate::ber::{self, BerReader, Tag};
use crate::mms::{
    AccessResult, AlternateAccess, ConfirmedServiceRequest, ConfirmedServiceResponse, Data,
    DataAccessError, DeleteNamedVariableListResponse, DeleteScope, Element, ErrorClass,
    ExtendedObjectClass, GetNameListResponse, GetNamedVariableListAttributesResponse,
    GetVariableAccessAttributesRequest, GetVariableAccessAttributesResponse, Identifier,
    IdentifyResponse, ObjectClass, ObjectName, ObjectScope, ReadResponse, SeqOf, ServiceError,
    StatusResponse, TypeSpecification, VariableAccessSpecification, VariableListItem,
    VariableSpecification, VmdLogicalStatus, VmdPhysicalStatus, WriteResult,
};

/// `definition` error code `object-undefined` (ISO 9506-2 7.4.1.4).
pub const OBJECT_UNDEFINED: ErrorClass = ErrorClass::Definition(1);
/// `definition` error code `object-exists`.
pub const OBJECT_EXISTS: ErrorClass = ErrorClass::Definition(5);
/// `access` error code `object-non-existent`.
pub const OBJECT_NON_EXISTENT: ErrorClass = ErrorClass::Access(2);
/// `service` error code `object-constraint-conflict` (answer to an unsupported service).
pub const SERVICE_UNSUPPORTED: ErrorClass = ErrorClass::Service(5);
/// `resource` error code `capability-unavailable` (4, ISO 9506-2 7.4.1.4): the answer does not fit.
pub const CAPABILITY_UNAVAILABLE: ErrorClass = ErrorClass::Resource(4);
/// `definition` error code `object-attribute-inconsistent` (e.g. a list member that does
/// not exist).
pub const OBJECT_ATTRIBUTE_INCONSISTENT: ErrorClass = ErrorClass::Definition(6);

/// Octets of a confirmed-ResponsePDU around its service's list (invoke id, tags, lengths,
/// `moreFollows`), kept free below the negotiated PDU size.
const PDU_OVERHEAD: usize = 32;

/// An application's MMS object directory: what [`answer`] serves.
///
/// Every association has an id (`u64`, unique within the process that runs the adapter,
/// never 0: an application may use 0 for calls of its own):
/// [`associate`](Self::associate) is called when a peer asks to associate,
/// [`released`](Self::released) once when an association that `associate` accepted ends,
/// and every service call names the association it serves (for `aa-specific` objects and
/// per-association state such as TASE.2 transfer sets). An association we initiate and
/// that serves the peer's requests (an adapter's `connect_serving`) is not announced with
/// `associate` (there is no AARQ to judge), but it has an id of its own and `released` is
/// called once when it ends, if it was established.
///
/// Names are handed out through callbacks and values and types are encoded by the
/// application into a [`Writer`] (one BER element: a [`Data`] or a [`TypeSpecification`]
/// written with [`Element::write_element`]), so the directory may keep them behind a lock
/// that it takes and releases within each call.
pub trait Directory {
    /// The Identify answer.
    fn identify(&self) -> IdentifyResponse<'_>;

    /// A peer asks to associate (after the adapter's own authorisation accepted it, before
    /// the AARE is sent): `Ok` accepts, `Err` refuses the attempt in the way given. By
    /// default every attempt is accepted.
    ///
    /// # Errors
    /// The [`Refusal`] the adapter answers the AARQ with.
    fn associate(
        &self,
        association: u64,
        indication: &AssociateIndication<'_>,
    ) -> Result<(), Refusal> {
        let _ = (association, indication);
        Ok(())
    }

    /// The association ended (released, aborted, refused after `associate`, timed out or
    /// the connection lost): called once for each `association` that
    /// [`associate`](Self::associate) accepted, and for each established association that
    /// we initiated while serving. By default nothing happens.
    fn released(&self, association: u64) {
        let _ = association;
    }

    /// Whether to leave the confirmed request `request` of `association` unanswered: the
    /// adapter then sends nothing for it, not even a ServiceError, and frees its invoke id
    /// ([`Association::withhold`](crate::association::Association::withhold)), so that the
    /// peer's request timeout fires. Meant for test servers that play a peer which never
    /// answers (e.g. a TASE.2 device set to answer nothing); called before
    /// [`answer`], whose directory calls are then not made. By default every request is
    /// answered.
    fn withhold(&self, association: u64, request: &ConfirmedServiceRequest<'_>) -> bool {
        let _ = (association, request);
        false
    }

    /// The Status answer; by default state changes allowed, operational.
    fn status(&self) -> StatusResponse<'_> {
        StatusResponse {
            logical: VmdLogicalStatus::StateChangesAllowed,
            physical: VmdPhysicalStatus::Operational,
            local_detail: None,
        }
    }

    /// Call `out` with each name of `class` in `scope` in ascending order, starting after
    /// `after` when given; stop as soon as `out` returns false. `association` is the
    /// association asking (its `aa-specific` names).
    ///
    /// # Errors
    /// The `ServiceError` class for an unknown domain or an unsupported class.
    fn names(
        &self,
        association: u64,
        class: ObjectClass,
        scope: ObjectScope<'_>,
        after: Option<&str>,
        out: &mut dyn FnMut(&str) -> bool,
    ) -> Result<(), ErrorClass>;

    /// Write the type of the named variable (one [`TypeSpecification`] element) into `out`;
    /// return whether it is deletable. `association` is the association asking.
    ///
    /// # Errors
    /// [`OBJECT_UNDEFINED`] for an unknown variable.
    fn variable_type(
        &self,
        association: u64,
        name: &ObjectName<'_>,
        out: &mut Writer<'_>,
    ) -> Result<bool, ErrorClass>;

    /// Write the value of the named variable (one [`Data`] element) into `out`, for the
    /// association `association`.
    ///
    /// # Errors
    /// The [`DataAccessError`] reported in the Read response.
    fn read(
        &self,
        association: u64,
        name: &ObjectName<'_>,
        out: &mut Writer<'_>,
    ) -> Result<(), DataAccessError>;

    /// Store `value` in the named variable, written by the association `association`.
    ///
    /// # Errors
    /// The [`DataAccessError`] reported in the Write response (`type-inconsistent` for a
    /// value of the wrong type, `object-access-denied` for a read-only variable).
    fn write(
        &self,
        association: u64,
        name: &ObjectName<'_>,
        value: &Data<'_>,
    ) -> Result<(), DataAccessError>;

    /// Store `value` in the part of the named variable that `access` selects (a Write with
    /// alternate access, ISO 9506-2 14.5: structure components, e.g. one member of a TASE.2
    /// DS transfer set). Default: `object-access-unsupported`.
    ///
    /// # Errors
    /// As [`write`](Self::write), and `object-access-unsupported` for a selection the
    /// variable does not offer.
    fn write_part(
        &self,
        association: u64,
        name: &ObjectName<'_>,
        access: &AlternateAccess<'_>,
        value: &Data<'_>,
    ) -> Result<(), DataAccessError> {
        let _ = (association, name, access, value);
        Err(DataAccessError::ObjectAccessUnsupported)
    }

    /// Call `out` with each member of the named variable list, in order; return whether the
    /// list is deletable. `association` identifies the association for `aa-specific` lists.
    ///
    /// # Errors
    /// [`OBJECT_UNDEFINED`] for an unknown list.
    fn list_members(
        &self,
        association: u64,
        name: &ObjectName<'_>,
        out: &mut dyn FnMut(&ObjectName<'_>),
    ) -> Result<bool, ErrorClass>;

    /// Define a named variable list of `members`.
    ///
    /// # Errors
    /// [`OBJECT_EXISTS`], [`OBJECT_ATTRIBUTE_INCONSISTENT`] for an unknown member, or a
    /// resource error.
    fn define_list(
        &self,
        association: u64,
        name: &ObjectName<'_>,
        members: &[ObjectName<'_>],
    ) -> Result<(), ErrorClass>;

    /// Delete the named variable list; `Ok(false)` if it exists but is not deletable.
    ///
    /// # Errors
    /// [`OBJECT_UNDEFINED`] for an unknown list.
    fn delete_list(&self, association: u64, name: &ObjectName<'_>) -> Result<bool, ErrorClass>;
}

/// What [`answer`] needs besides the directory and the request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Context {
    /// The negotiated MMS PDU size: GetNameList stops (with `moreFollows`) before it.
    pub max_pdu_size: usize,
    /// Identifies the association: passed to every [`Directory`] call.
    pub association: u64,
}

/// Most members of a list defined by DefineNamedVariableList.
pub const MAX_LIST_MEMBERS: usize = 256;

/// Answer one confirmed request from `dir`, using `scratch` for the encoded values, names
/// and types that the response borrows.
///
/// # Errors
/// The `ServiceError` to send: the directory's, [`SERVICE_UNSUPPORTED`] for services
/// this module does not serve, [`CAPABILITY_UNAVAILABLE`] when the answer does not fit in
/// `scratch`.
pub fn answer<'s, D: Directory + ?Sized>(
    dir: &'s D,
    request: &ConfirmedServiceRequest<'_>,
    ctx: Context,
    scratch: &'s mut [u8],
) -> Result<ConfirmedServiceResponse<'s>, ServiceError<'static>> {
    let err = |c: ErrorClass| ServiceError::new(c);
    match request {
        ConfirmedServiceRequest::Status(_) => Ok(ConfirmedServiceResponse::Status(dir.status())),
        ConfirmedServiceRequest::Identify => Ok(ConfirmedServiceResponse::Identify(dir.identify())),
        ConfirmedServiceRequest::GetNameList(req) => {
            let ExtendedObjectClass::Basic(class) = req.object_class else {
                return Err(err(SERVICE_UNSUPPORTED));
            };
            let budget = ctx
                .max_pdu_size
                .saturating_sub(PDU_OVERHEAD)
                .min(scratch.len().saturating_sub(HEAD));
            let mut more = false;
            let mut w = Writer::new(scratch.get_mut(HEAD..).unwrap_or_default());
            let after = req.continue_after.map(|i| i.as_str());
            dir.names(
                ctx.association,
                class,
                req.object_scope,
                after,
                &mut |name| {
                    let Some(id) = Identifier::new(name) else {
                        return true;
                    };
                    if w.position().saturating_add(id.element_len()) > budget
                        || id.write_element(&mut w).is_err()
                    {
                        more = true;
                        return false;
                    }
                    true
                },
            )
            .map_err(err)?;
            let len = w.position();
            let identifiers = seal(scratch, len)?;
            Ok(ConfirmedServiceResponse::GetNameList(GetNameListResponse {
                identifiers,
                more_follows: Some(more),
            }))
        }
        ConfirmedServiceRequest::Read(req) => {
            let (names_buf, rest) = split(scratch);
            let names = collect_names(dir, ctx, &req.variable_access_specification, names_buf)?;
            let body = rest.get_mut(HEAD..).unwrap_or_default();
            let mut len: usize = 0;
            for name in names.iter() {
                let free = body.get_mut(len..).unwrap_or_default();
                let mut w = Writer::new(free);
                let used = match dir.read(ctx.association, &name, &mut w) {
                    Ok(()) => w.position(),
                    Err(e) => {
                        let mut w = Writer::new(body.get_mut(len..).unwrap_or_default());
                        AccessResult::Failure(e)
                            .write_element(&mut w)
                            .map_err(|_| err(CAPABILITY_UNAVAILABLE))?;
                        w.position()
                    }
                };
                len = len.saturating_add(used);
            }
            let results: SeqOf<'s, AccessResult<'s>> = seal(rest, len)?;
            Ok(ConfirmedServiceResponse::Read(ReadResponse {
                variable_access_specification: None,
                results,
            }))
        }
        ConfirmedServiceRequest::Write(req) => {
            let (names_buf, rest) = split(scratch);
            let names = collect_names(dir, ctx, &req.variable_access_specification, names_buf)?;
            if names.len() != req.data.len() {
                return Err(err(OBJECT_ATTRIBUTE_INCONSISTENT));
            }
            let mut w = Writer::new(rest.get_mut(HEAD..).unwrap_or_default());
            // Alternate access per item, for a list of variables (none for a named list).
            let parts = match &req.variable_access_specification {
                VariableAccessSpecification::ListOfVariable(items) => Some(items),
                VariableAccessSpecification::VariableListName(_) => None,
            };
            for (i, (name, value)) in names.iter().zip(req.data.iter()).enumerate() {
                let access = parts
                    .and_then(|items| items.iter().nth(i))
                    .and_then(|item| item.alternate_access);
                let written = match &access {
                    Some(a) => dir.write_part(ctx.association, &name, a, &value),
                    None => dir.write(ctx.association, &name, &value),
                };
                let result = match written {
                    Ok(()) => WriteResult::Success,
                    Err(e) => WriteResult::Failure(e),
                };
                result
                    .write_element(&mut w)
                    .map_err(|_| err(CAPABILITY_UNAVAILABLE))?;
            }
            let len = w.position();
            Ok(ConfirmedServiceResponse::Write(seal(rest, len)?))
        }
        ConfirmedServiceRequest::GetVariableAccessAttributes(req) => {
            let GetVariableAccessAttributesRequest::Name(name) = req else {
                return Err(err(SERVICE_UNSUPPORTED));
            };
            let body = scratch.get_mut(HEAD..).unwrap_or_default();
            let mut w = Writer::new(body);
            let deletable = dir
                .variable_type(ctx.association, name, &mut w)
                .map_err(err)?;
            let len = w.position();
            let written: &'s [u8] = scratch
                .get(HEAD..HEAD.saturating_add(len))
                .unwrap_or_default();
            let tlv = BerReader::new(written)
                .read_tlv()
                .map_err(|_| err(CAPABILITY_UNAVAILABLE))?;
            let type_specification = TypeSpecification::decode_element(&tlv, true)
                .map_err(|_| err(CAPABILITY_UNAVAILABLE))?;
            Ok(ConfirmedServiceResponse::GetVariableAccessAttributes(
                GetVariableAccessAttributesResponse {
                    mms_deletable: deletable,
                    address: None,
                    type_specification,
                },
            ))
        }
        ConfirmedServiceRequest::DefineNamedVariableList(req) => {
            let mut members = [ObjectName::VmdSpecific(PLACEHOLDER); MAX_LIST_MEMBERS];
            let mut n: usize = 0;
            for item in req.variables.iter() {
                let VariableSpecification::Name(name) = item.specification else {
                    return Err(err(OBJECT_ATTRIBUTE_INCONSISTENT));
                };
                let slot = members.get_mut(n).ok_or(err(CAPABILITY_UNAVAILABLE))?;
                *slot = name;
                n = n.saturating_add(1);
            }
            let members = members.get(..n).unwrap_or_default();
            dir.define_list(ctx.association, &req.name, members)
                .map_err(err)?;
            Ok(ConfirmedServiceResponse::DefineNamedVariableList)
        }
        ConfirmedServiceRequest::GetNamedVariableListAttributes(name) => {
            let mut w = Writer::new(scratch.get_mut(HEAD..).unwrap_or_default());
            let mut full = false;
            let deletable = dir
                .list_members(ctx.association, name, &mut |m| {
                    if VariableListItem::named(*m).write_element(&mut w).is_err() {
                        full = true;
                    }
                })
                .map_err(err)?;
            if full {
                return Err(err(CAPABILITY_UNAVAILABLE));
            }
            let len = w.position();
            Ok(ConfirmedServiceResponse::GetNamedVariableListAttributes(
                GetNamedVariableListAttributesResponse {
                    mms_deletable: deletable,
                    variables: seal(scratch, len)?,
                },
            ))
        }
        ConfirmedServiceRequest::DeleteNamedVariableList(req) => {
            let specific = matches!(req.scope, None | Some(DeleteScope::Specific));
            let (Some(names), true) = (req.names, specific) else {
                return Err(err(SERVICE_UNSUPPORTED));
            };
            let (mut matched, mut deleted) = (0u32, 0u32);
            for name in names.iter() {
                match dir.delete_list(ctx.association, &name) {
                    Ok(true) => {
                        matched = matched.saturating_add(1);
                        deleted = deleted.saturating_add(1);
                    }
                    Ok(false) => matched = matched.saturating_add(1),
                    Err(_) => {}
                }
            }
            Ok(ConfirmedServiceResponse::DeleteNamedVariableList(
                DeleteNamedVariableListResponse {
                    number_matched: matched,
                    number_deleted: deleted,
                },
            ))
        }
        _ => Err(err(SERVICE_UNSUPPORTED)),
    }
}

/// Room before a list's contents in the scratch buffer for its tag and length.
const HEAD: usize = 8;

const PLACEHOLDER: Identifier<'static> = match Identifier::new("_") {
    Some(i) => i,
    None => panic!("valid identifier"),
};

fn split(scratch: &mut [u8]) -> (&mut [u8], &mut [u8]) {
    let half = scratch.len() / 4;
    scratch.split_at_mut(half)
}

/// Put a SEQUENCE header before the `len` octets written at `HEAD..` and decode the
/// elements as a validated list view.
fn seal<'s, T: Element<'s>>(
    scratch: &'s mut [u8],
    len: usize,
) -> Result<SeqOf<'s, T>, ServiceError<'static>> {
    let fail = ServiceError::new(CAPABILITY_UNAVAILABLE);
    let mut head = [0u8; HEAD];
    let mut hw = Writer::new(&mut head);
    ber::write_header(&mut hw, Tag::SEQUENCE, len).map_err(|_| fail)?;
    let hlen = hw.position();
    let start = HEAD.checked_sub(hlen).ok_or(fail)?;
    let dst = scratch.get_mut(start..HEAD).ok_or(fail)?;
    dst.copy_from_slice(head.get(..hlen).ok_or(fail)?);
    let end = HEAD.checked_add(len).ok_or(fail)?;
    let whole: &'s [u8] = scratch.get(start..end).ok_or(fail)?;
    let tlv = BerReader::new(whole).read_tlv().map_err(|_| fail)?;
    SeqOf::decode_contents(&tlv, true).map_err(|_| fail)
}

/// The variables a Read or Write names, as a list view over `buf`.
fn collect_names<'n, D: Directory + ?Sized>(
    dir: &D,
    ctx: Context,
    spec: &VariableAccessSpecification<'_>,
    buf: &'n mut [u8],
) -> Result<SeqOf<'n, ObjectName<'n>>, ServiceError<'static>> {
    let err = |c: ErrorClass| ServiceError::new(c);
    let mut w = Writer::new(buf.get_mut(HEAD..).unwrap_or_default());
    match spec {
        VariableAccessSpecification::ListOfVariable(items) => {
            for item in items.iter() {
                let VariableSpecification::Name(name) = item.specification else {
                    return Err(err(SERVICE_UNSUPPORTED));
                };
                name.write_element(&mut w)
                    .map_err(|_| err(CAPABILITY_UNAVAILABLE))?;
            }
        }
        VariableAccessSpecification::VariableListName(list) => {
            let mut full = false;
            dir.list_members(ctx.association, list, &mut |m| {
                if m.write_element(&mut w).is_err() {
                    full = true;
                }
            })
            .map_err(err)?;
            if full {
                return Err(err(CAPABILITY_UNAVAILABLE));
            }
        }
    }
    let len = w.position();
    seal(buf, len)
}

#[cfg(test)]
mod tests;
