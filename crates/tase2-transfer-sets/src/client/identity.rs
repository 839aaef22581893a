//! The association check (IEC 60870-6-503 clause 7.1 and 8.1.1): after associating, a
//! client reads `TASE2_Version` and `Supported_Features` (VMD scope) and
//! `Bilateral_Table_ID` (ICC scope) and checks them against what it agreed with the peer.

use mms_pdu::mms::{
    AccessResult, ConfirmedServiceRequest, ConfirmedServiceResponse, ObjectName, ReadRequest,
    SeqOf, VariableAccessSpecification, VariableListItem,
};

use super::ClientError;
use super::requests::{PLACEHOLDER_ITEM, read_results};
use crate::Tase2Error;
use crate::objects::{
    BILATERAL_TABLE_ID, SUPPORTED_FEATURES, SupportedFeatures, TASE2_VERSION, Tase2Version,
    bilateral_table_id,
};

/// What the client expects of the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Expectation<'a> {
    /// The ICC domain the bilateral table gives this client.
    pub icc_domain: &'a str,
    /// The `Bilateral_Table_ID` agreed; `None` accepts any.
    pub table_id: Option<&'a str>,
    /// The editions accepted; empty accepts any.
    pub versions: &'a [Tase2Version],
    /// Conformance blocks the server must support (1-based).
    pub blocks: &'a [u8],
}

impl<'a> Expectation<'a> {
    /// ICC `icc_domain`, any table id, edition 2000-08 or 1996-08, block 1 required.
    #[must_use]
    pub const fn new(icc_domain: &'a str) -> Self {
        Expectation {
            icc_domain,
            table_id: None,
            versions: &[Tase2Version::EDITION_2000_08, Tase2Version::EDITION_1996_08],
            blocks: &[1],
        }
    }
}

/// A `Bilateral_Table_ID` value held by copy (at most 32 octets, as -802 allows).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct TableId {
    bytes: [u8; 32],
    len: u8,
}

impl TableId {
    /// `id`, or `None` if longer than 32 octets.
    #[must_use]
    pub fn new(id: &str) -> Option<Self> {
        let len = u8::try_from(id.len()).ok().filter(|l| *l <= 32)?;
        let mut bytes = [0u8; 32];
        bytes.get_mut(..id.len())?.copy_from_slice(id.as_bytes());
        Some(TableId { bytes, len })
    }

    /// The id.
    #[must_use]
    pub fn as_str(&self) -> &str {
        self.bytes
            .get(..usize::from(self.len))
            .and_then(|b| core::str::from_utf8(b).ok())
            .unwrap_or("")
    }
}

impl core::fmt::Debug for TableId {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "TableId({:?})", self.as_str())
    }
}

/// What the association check found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PeerCheck {
    /// `TASE2_Version`.
    pub version: Tase2Version,
    /// `Supported_Features`.
    pub features: SupportedFeatures,
    /// `Bilateral_Table_ID` of the client's ICC.
    pub table_id: TableId,
}

/// Storage for [`identity_request`].
#[derive(Clone, Copy, Debug)]
pub struct IdentityStorage<'a> {
    items: [VariableListItem<'a>; 3],
}

impl Default for IdentityStorage<'_> {
    fn default() -> Self {
        IdentityStorage {
            items: [PLACEHOLDER_ITEM; 3],
        }
    }
}

/// The Read of `TASE2_Version`, `Supported_Features` (VMD) and `Bilateral_Table_ID` (in
/// `icc_domain`), in that order.
///
/// # Errors
/// [`ClientError::BadName`] if `icc_domain` is not an MMS identifier.
pub fn identity_request<'b>(
    icc_domain: &'b str,
    storage: &'b mut IdentityStorage<'b>,
) -> Result<ConfirmedServiceRequest<'b>, ClientError> {
    let bad = ClientError::BadName { what: "ICC domain" };
    let names = [
        ObjectName::vmd(TASE2_VERSION).ok_or(bad)?,
        ObjectName::vmd(SUPPORTED_FEATURES).ok_or(bad)?,
        ObjectName::domain(icc_domain, BILATERAL_TABLE_ID).ok_or(bad)?,
    ];
    for (slot, n) in storage.items.iter_mut().zip(names) {
        *slot = VariableListItem::named(n);
    }
    let items: &'b [VariableListItem<'b>; 3] = &storage.items;
    Ok(ConfirmedServiceRequest::Read(ReadRequest {
        specification_with_result: None,
        variable_access_specification: VariableAccessSpecification::ListOfVariable(
            SeqOf::from_slice(items),
        ),
    }))
}

/// Interpret the answer to [`identity_request`] and check it against `expect`.
///
/// # Errors
/// [`ClientError::Access`] if an object could not be read (index 0, 1, 2 in request
/// order), [`ClientError::Value`] for a value of the wrong type, then
/// [`ClientError::Version`], [`ClientError::Feature`], [`ClientError::TableId`] when the
/// server is not the one expected; the errors of [`read_results`].
pub fn check_identity(
    response: &ConfirmedServiceResponse<'_>,
    expect: &Expectation<'_>,
) -> Result<PeerCheck, ClientError> {
    let results = read_results(response, 3)?;
    let mut it = results.iter().enumerate().map(|(index, r)| match r {
        AccessResult::Success(d) => Ok(d),
        AccessResult::Failure(error) => Err(ClientError::Access { index, error }),
    });
    let mut next = || {
        it.next().unwrap_or(Err(ClientError::ResultCount {
            expected: 3,
            found: 0,
        }))
    };
    let version = Tase2Version::from_data(&next()?)?;
    let features = SupportedFeatures::from_data(&next()?)?;
    let id = bilateral_table_id(&next()?)?;
    let table_id = TableId::new(id).ok_or(ClientError::Value(Tase2Error::BadName {
        field: BILATERAL_TABLE_ID,
    }))?;
    if !expect.versions.is_empty() && !expect.versions.contains(&version) {
        return Err(ClientError::Version { found: version });
    }
    if let Some(&block) = expect.blocks.iter().find(|b| !features.block(**b)) {
        return Err(ClientError::Feature { block });
    }
    if expect.table_id.is_some_and(|t| t != id) {
        return Err(ClientError::TableId { found: table_id });
    }
    Ok(PeerCheck {
        version,
        features,
        table_id,
    })
}
