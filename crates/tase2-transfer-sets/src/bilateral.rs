//! The bilateral table (IEC 60870-6-503 clause 7.2): which peer may use which objects of
//! which ICC, and how. No allocation: the caller owns the object list.

use mms_pdu::ber::Oid;

use crate::Tase2Error;
use crate::objects::Scope;

/// How a peer identifies itself in the ACSE association request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PeerIdentity<'a> {
    /// Calling AP-title (object identifier form).
    pub ap_title: Oid<'a>,
    /// Calling AE-qualifier.
    pub ae_qualifier: Option<i64>,
    /// Password (ACSE authentication `2.2.3.1`), when the table requires one.
    pub password: Option<&'a [u8]>,
}

impl PeerIdentity<'_> {
    /// True if the association request's calling AP-title, AE-qualifier and password
    /// match this identity (an AE-qualifier or password this identity leaves out is not
    /// checked).
    #[must_use]
    pub fn matches(
        &self,
        ap_title: Option<Oid<'_>>,
        ae_qualifier: Option<i64>,
        password: Option<&[u8]>,
    ) -> bool {
        ap_title.is_some_and(|t| t.as_bytes() == self.ap_title.as_bytes())
            && self.ae_qualifier.is_none_or(|q| ae_qualifier == Some(q))
            && self.password.is_none_or(|p| password == Some(p))
    }
}

/// Access rights to one object (a bit set).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct AccessRights(pub u8);

impl AccessRights {
    /// MMS Read (and inclusion in data sets).
    pub const READ: AccessRights = AccessRights(0x01);
    /// MMS Write.
    pub const WRITE: AccessRights = AccessRights(0x02);
    /// Device operate (write of the command or set-point).
    pub const OPERATE: AccessRights = AccessRights(0x04);
    /// Read of `<dev>_TAG`.
    pub const GET_TAG: AccessRights = AccessRights(0x08);
    /// Write of `<dev>_TAG`.
    pub const SET_TAG: AccessRights = AccessRights(0x10);
    /// No access.
    pub const NONE: AccessRights = AccessRights(0);

    /// Both sets of rights.
    #[must_use]
    pub const fn union(self, other: AccessRights) -> AccessRights {
        AccessRights(self.0 | other.0)
    }

    /// True if every right of `other` is granted.
    #[must_use]
    pub const fn allows(self, other: AccessRights) -> bool {
        self.0 & other.0 == other.0
    }
}

/// One object of the table with its rights.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ObjectRights<'a> {
    /// VMD or ICC scope.
    pub scope: Scope,
    /// Object name.
    pub name: &'a str,
    /// Rights.
    pub rights: AccessRights,
}

/// A bilateral table: the peer, the ICC domain it may use, the table id reported in
/// `Bilateral_Table_ID`, and the objects with their rights, sorted by (scope, name) for a
/// binary-search lookup.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BilateralTable<'a> {
    peer: PeerIdentity<'a>,
    icc_domain: &'a str,
    table_id: &'a str,
    objects: &'a [ObjectRights<'a>],
}

fn key<'a>(o: &ObjectRights<'a>) -> (u8, &'a str) {
    (
        match o.scope {
            Scope::Vmd => 0,
            Scope::Icc => 1,
        },
        o.name,
    )
}

impl<'a> BilateralTable<'a> {
    /// A table over `objects`, which must be sorted by scope (VMD first) then name,
    /// without duplicates.
    ///
    /// # Errors
    /// [`Tase2Error::BadName`] if `objects` is not strictly sorted, or `table_id` is longer
    /// than 32 characters.
    pub fn new(
        peer: PeerIdentity<'a>,
        icc_domain: &'a str,
        table_id: &'a str,
        objects: &'a [ObjectRights<'a>],
    ) -> Result<Self, Tase2Error> {
        if table_id.len() > 32 {
            return Err(Tase2Error::BadName {
                field: "Bilateral_Table_ID",
            });
        }
        if objects.windows(2).any(|w| match w {
            [a, b] => key(a) >= key(b),
            _ => false,
        }) {
            return Err(Tase2Error::BadName {
                field: "bilateral table objects (unsorted or duplicate)",
            });
        }
        Ok(BilateralTable {
            peer,
            icc_domain,
            table_id,
            objects,
        })
    }

    /// The peer this table is for.
    #[must_use]
    pub const fn peer(&self) -> &PeerIdentity<'a> {
        &self.peer
    }

    /// The ICC's MMS domain name.
    #[must_use]
    pub const fn icc_domain(&self) -> &'a str {
        self.icc_domain
    }

    /// The `Bilateral_Table_ID` value.
    #[must_use]
    pub const fn table_id(&self) -> &'a str {
        self.table_id
    }

    /// The rights of the peer on an object named in MMS terms: VMD-specific, or
    /// domain-specific in this table's ICC domain. Objects of other domains, and objects
    /// not in the table, get [`AccessRights::NONE`].
    #[must_use]
    pub fn rights(&self, name: &mms_pdu::mms::ObjectName<'_>) -> AccessRights {
        use mms_pdu::mms::ObjectName;
        let k = match name {
            ObjectName::VmdSpecific(i) => (0u8, i.as_str()),
            ObjectName::DomainSpecific { domain, item } if domain.as_str() == self.icc_domain => {
                (1u8, item.as_str())
            }
            _ => return AccessRights::NONE,
        };
        self.objects
            .binary_search_by(|o| key(o).cmp(&k))
            .ok()
            .and_then(|i| self.objects.get(i))
            .map_or(AccessRights::NONE, |o| o.rights)
    }
}
