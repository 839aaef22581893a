//! Information messages (block 4, IEC 60870-6-503 clause 8.6): a client enables delivery
//! on its association by writing the association-specific `IM_Transfer_Set` true; a
//! message travels as an InformationReport of `Info_Mess_Header` (`InfoReference`,
//! `LocalReference`, `MessageId`, `Size`) and an `Info_Buff_<n>` octet string holding at
//! least `Size` octets, both VMD- or ICC-specific. Either end may send one.

use mms_pdu::mms::{
    AccessResult, ConfirmedServiceRequest, Data, Identifier, InformationReport, ObjectName, SeqOf,
    UnconfirmedService, VariableAccessSpecification, VariableListItem, VariableSpecification,
};

use super::requests::{PLACEHOLDER_ITEM, WriteStorage, write_request};
use super::{ClientError, Suffixed, object_name};
use crate::objects::{IM_TRANSFER_SET, INFO_BUFF_PREFIX, INFO_MESS_HEADER, Scope};
use crate::{InfoMessHeader, info_buffer};

/// Enable (true) or disable information message delivery on this association: Write of
/// the aa-specific `IM_Transfer_Set`. Check the answer with
/// [`write_response`](super::write_response)`(r, 1)`.
#[must_use]
pub fn im_transfer_set_request<'b>(
    enable: bool,
    storage: &'b mut WriteStorage<'b>,
) -> ConfirmedServiceRequest<'b> {
    let name = match Identifier::new(IM_TRANSFER_SET) {
        Some(i) => ObjectName::AaSpecific(i),
        None => super::requests::PLACEHOLDER_NAME,
    };
    write_request(name, Data::Boolean(enable), storage)
}

/// The buffer variable name `Info_Buff_<size>`.
///
/// # Errors
/// [`ClientError::BadName`] never for a `u32` (the name has at most 20 characters).
pub fn info_buffer_name(size: u32) -> Result<Suffixed, ClientError> {
    let mut digits = [0u8; 10];
    let mut n = size;
    let mut start = digits.len();
    loop {
        start = start.saturating_sub(1);
        if let Some(d) = digits.get_mut(start) {
            // n % 10 < 10: the cast cannot truncate.
            *d = b'0'.saturating_add(u8::try_from(n % 10).unwrap_or(0));
        }
        n /= 10;
        if n == 0 || start == 0 {
            break;
        }
    }
    let text = digits
        .get(start..)
        .and_then(|d| core::str::from_utf8(d).ok())
        .unwrap_or("0");
    Suffixed::new(INFO_BUFF_PREFIX, text)
}

/// A received information message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InfoMessage<'a> {
    /// `Info_Mess_Header`.
    pub header: InfoMessHeader,
    /// The header's variable name (its scope: VMD or the ICC domain).
    pub header_name: ObjectName<'a>,
    /// The `Info_Buff_<n>` variable name.
    pub buffer_name: ObjectName<'a>,
    /// The message: the first `Size` octets of the buffer.
    pub text: &'a [u8],
}

impl<'a> InfoMessage<'a> {
    /// Decode an information message report; `Ok(None)` if `ir` is not one (its first
    /// variable is not `Info_Mess_Header`).
    ///
    /// # Errors
    /// [`ClientError::ResultCount`] unless header and buffer come as two named variables
    /// with values, [`ClientError::BadName`] if the second is not `Info_Buff_<n>`,
    /// [`ClientError::Value`] for values of the wrong type, [`ClientError::MessageSize`]
    /// if the buffer is shorter than `Size`.
    pub fn from_report(ir: &InformationReport<'a>) -> Result<Option<Self>, ClientError> {
        let VariableAccessSpecification::ListOfVariable(list) = ir.variable_access_specification
        else {
            return Ok(None);
        };
        let mut names = list.iter().map(|i| match i.specification {
            VariableSpecification::Name(n) => Some(n),
            _ => None,
        });
        let Some(Some(header_name)) = names.next() else {
            return Ok(None);
        };
        if header_name.item().as_str() != INFO_MESS_HEADER {
            return Ok(None);
        }
        let count = ClientError::ResultCount {
            expected: 2,
            found: ir.results.len().min(list.len()),
        };
        let buffer_name = names.next().flatten().ok_or(count)?;
        if names.next().is_some() || ir.results.len() != 2 {
            return Err(count);
        }
        if crate::info_buffer_size(buffer_name.item().as_str()).is_none() {
            return Err(ClientError::BadName {
                what: "Info_Buff_<n>",
            });
        }
        let mut results = ir.results.iter();
        let (Some(AccessResult::Success(h)), Some(AccessResult::Success(b))) =
            (results.next(), results.next())
        else {
            return Err(count);
        };
        let header = InfoMessHeader::from_data(&h)?;
        let buffer = info_buffer(&b)?;
        let text = usize::try_from(header.size)
            .ok()
            .and_then(|n| buffer.get(..n))
            .ok_or(ClientError::MessageSize {
                size: header.size,
                buffer: buffer.len(),
            })?;
        Ok(Some(InfoMessage {
            header,
            header_name,
            buffer_name,
            text,
        }))
    }
}

/// Storage for [`message_report`].
#[derive(Clone, Copy, Debug)]
pub struct MessageStorage<'a> {
    items: [VariableListItem<'a>; 2],
    header: [Data<'static>; 4],
    results: [AccessResult<'a>; 2],
}

impl Default for MessageStorage<'_> {
    fn default() -> Self {
        MessageStorage {
            items: [PLACEHOLDER_ITEM; 2],
            header: [Data::Boolean(false); 4],
            results: [AccessResult::Success(Data::Boolean(false)); 2],
        }
    }
}

/// An information message to send: `Info_Mess_Header` (with `Size` set to `text`'s
/// length) and the buffer `buffer` (from [`info_buffer_name`]; at least as large as the
/// text) as an octet string, both in `scope` (`icc_domain` for ICC scope).
///
/// # Errors
/// [`ClientError::BadName`] for an ICC domain that is not an identifier,
/// [`ClientError::MessageSize`] if `text` is longer than the buffer's size or than
/// `i32::MAX`.
pub fn message_report<'b>(
    scope: Scope,
    icc_domain: &'b str,
    buffer: &'b Suffixed,
    header: InfoMessHeader,
    text: &'b [u8],
    storage: &'b mut MessageStorage<'b>,
) -> Result<UnconfirmedService<'b>, ClientError> {
    let too_long = ClientError::MessageSize {
        size: header.size,
        buffer: text.len(),
    };
    let size = i32::try_from(text.len()).map_err(|_| too_long)?;
    let room = crate::info_buffer_size(buffer.as_str()).ok_or(ClientError::BadName {
        what: "Info_Buff_<n>",
    })?;
    if u32::try_from(size).map_or(true, |s| s > room) {
        return Err(too_long);
    }
    let header = InfoMessHeader { size, ..header };
    let MessageStorage {
        items,
        header: fields,
        results,
    } = storage;
    *items = [
        VariableListItem::named(object_name(scope, icc_domain, INFO_MESS_HEADER)?),
        VariableListItem::named(object_name(scope, icc_domain, buffer.as_str())?),
    ];
    *results = [
        AccessResult::Success(header.to_data(fields)),
        AccessResult::Success(Data::OctetString(text)),
    ];
    let (items, results): (&'b [VariableListItem<'b>; 2], &'b [AccessResult<'b>; 2]) =
        (items, results);
    Ok(UnconfirmedService::InformationReport(InformationReport {
        variable_access_specification: VariableAccessSpecification::ListOfVariable(
            SeqOf::from_slice(items),
        ),
        results: SeqOf::from_slice(results),
    }))
}
