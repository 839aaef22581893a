//! Bilateral table: construction checks and the rights lookup.

#![allow(clippy::unwrap_used, missing_docs)]

use mms_pdu::ber::Oid;
use mms_pdu::mms::ObjectName;
use telecontrol_tase2_transfer_sets::*;

const PEER: PeerIdentity<'static> = PeerIdentity {
    ap_title: Oid::from_encoded(&[0x29, 0x01, 0x02]),
    ae_qualifier: Some(12),
    password: Some(b"secret"),
};

#[test]
fn lookup_by_scope_and_domain() {
    let rw = AccessRights::READ.union(AccessRights::WRITE);
    let objects = [
        ObjectRights {
            scope: Scope::Vmd,
            name: "TASE2_Version",
            rights: AccessRights::READ,
        },
        ObjectRights {
            scope: Scope::Icc,
            name: "BRK_1",
            rights: AccessRights::OPERATE,
        },
        ObjectRights {
            scope: Scope::Icc,
            name: "BRK_1_TAG",
            rights: AccessRights::GET_TAG,
        },
        ObjectRights {
            scope: Scope::Icc,
            name: "DS_TS_1",
            rights: rw,
        },
    ];
    let t = BilateralTable::new(PEER, "ICC1", "BT1", &objects).unwrap();
    assert_eq!(t.table_id(), "BT1");
    assert_eq!(t.icc_domain(), "ICC1");
    let d = |n| ObjectName::domain("ICC1", n).unwrap();
    assert!(t.rights(&d("DS_TS_1")).allows(rw));
    assert!(t.rights(&d("BRK_1")).allows(AccessRights::OPERATE));
    assert!(!t.rights(&d("BRK_1")).allows(AccessRights::SET_TAG));
    assert!(t.rights(&d("BRK_1_TAG")).allows(AccessRights::GET_TAG));
    assert_eq!(t.rights(&d("UNKNOWN")), AccessRights::NONE);
    // Another ICC's domain, or the VMD name in ICC scope: nothing.
    assert_eq!(
        t.rights(&ObjectName::domain("ICC2", "DS_TS_1").unwrap()),
        AccessRights::NONE
    );
    assert_eq!(t.rights(&d("TASE2_Version")), AccessRights::NONE);
    assert!(
        t.rights(&ObjectName::vmd("TASE2_Version").unwrap())
            .allows(AccessRights::READ)
    );
}

#[test]
fn peer_identity_and_construction_checks() {
    let title = Oid::from_encoded(&[0x29, 0x01, 0x02]);
    assert!(PEER.matches(Some(title), Some(12), Some(b"secret")));
    assert!(!PEER.matches(Some(title), Some(12), Some(b"wrong")));
    assert!(!PEER.matches(Some(title), Some(13), Some(b"secret")));
    assert!(!PEER.matches(
        Some(Oid::from_encoded(&[0x29, 0x01])),
        Some(12),
        Some(b"secret")
    ));
    assert!(!PEER.matches(None, Some(12), Some(b"secret")));

    let unsorted = [
        ObjectRights {
            scope: Scope::Icc,
            name: "B",
            rights: AccessRights::READ,
        },
        ObjectRights {
            scope: Scope::Icc,
            name: "A",
            rights: AccessRights::READ,
        },
    ];
    assert!(BilateralTable::new(PEER, "ICC1", "BT1", &unsorted).is_err());
    let duplicate = [
        ObjectRights {
            scope: Scope::Icc,
            name: "A",
            rights: AccessRights::READ,
        },
        ObjectRights {
            scope: Scope::Icc,
            name: "A",
            rights: AccessRights::WRITE,
        },
    ];
    assert!(BilateralTable::new(PEER, "ICC1", "BT1", &duplicate).is_err());
    let long_id = "X".repeat(33);
    assert!(BilateralTable::new(PEER, "ICC1", &long_id, &[]).is_err());
}
