//! The bilateral-table enforcement of the station as one matrix (IEC 60870-6-503 clause
//! 7.2): every right (read, write, operate, get-tag, set-tag) × allowed / denied × VCC /
//! ICC scope × known / unknown peer × closed / open station, each cell driven through
//! `mms_pdu::server::answer` over the station's `Directory` as an adapter does, and every
//! failing cell reported (not only the first).
//!
//! The model under test:
//! - A peer is *known* when a bilateral table names its calling AP-title, and the
//!   AE-qualifier and ACSE password that table requires. Anything else (another AP-title,
//!   the right AP-title with a wrong or missing AE-qualifier or password) is *unknown*: a
//!   closed station refuses the association (ACSE result 1, one diagnostic for every cause,
//!   `StationEvent::AssociationRefused`); an open station serves it under the table without
//!   a peer (here `GUEST_T`, ICC `GUEST`), never under a named peer's table.
//! - VCC scope is a VMD-specific name; ICC scope a name in the table's own ICC domain.
//! - "Allowed" grants exactly the right under test; "denied" grants every right but it,
//!   so the object stays visible and the refusal is about that right alone: the answer is
//!   `object-access-denied`, nothing happens (no `Operate`, no `TagChanged`).
//! - The write right grants nothing (PICS deviation 9: indication points are read-only to
//!   clients), so "write allowed" is refused like "write denied".
//! - Not leaked (`bilateral_matrix/leaks.rs`): an object of the peer's own scopes that the
//!   table does not name (a point, a device with its `_SBO` and `_TAG`, an information
//!   buffer and its header) is neither listed by GetNameList nor typed, and answers every
//!   service (Read, Write, a component write, GetVariableAccessAttributes,
//!   DefineNamedVariableList as a member, the list services) octet for octet as a name
//!   that does not exist; another table's ICC domain answers exactly as a domain or name
//!   that does not exist; so a peer cannot probe names. The station's special objects
//!   still answer.
#![cfg(feature = "std")]
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::too_many_lines,
    clippy::print_stdout
)]

mod station_support;

#[path = "bilateral_matrix/leaks.rs"]
mod leaks;

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Duration;

use station_support::{
    Clock, PEER_OID, STRANGER_OID, associate, data, define, dom, names, read, type_of, vmd, write,
};
use telecontrol_tase2_transfer_sets::mms_pdu::acse::SourceDiagnostic;
use telecontrol_tase2_transfer_sets::mms_pdu::association::Refusal;
use telecontrol_tase2_transfer_sets::mms_pdu::mms::{
    Data, DataAccessError, ErrorClass, FloatingPoint, Identifier, ObjectClass, ObjectName,
    ObjectScope,
};
use telecontrol_tase2_transfer_sets::station::{
    BilateralTableConfig, ControlMode, DataSetConfig, DeviceConfig, Domain, MessageBufferConfig,
    PeerConfig, PointConfig, StationConfig, StationEvent, Tase2Station,
};
use telecontrol_tase2_transfer_sets::{
    AccessRights, DataFlags, DataRealQ, DeviceKind, DeviceValue, TagState, TagValue, Value,
    ValueKind,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Right {
    Read,
    Write,
    Operate,
    GetTag,
    SetTag,
}

const RIGHTS: [Right; 5] = [
    Right::Read,
    Right::Write,
    Right::Operate,
    Right::GetTag,
    Right::SetTag,
];

impl Right {
    fn bit(self) -> AccessRights {
        match self {
            Right::Read => AccessRights::READ,
            Right::Write => AccessRights::WRITE,
            Right::Operate => AccessRights::OPERATE,
            Right::GetTag => AccessRights::GET_TAG,
            Right::SetTag => AccessRights::SET_TAG,
        }
    }
    /// The object of the cell: `{prefix}{RIGHT}_{OK|NO}`.
    fn object(self, prefix: &str, allowed: bool) -> String {
        let r = match self {
            Right::Read => "READ",
            Right::Write => "WRITE",
            Right::Operate => "OPERATE",
            Right::GetTag => "GETTAG",
            Right::SetTag => "SETTAG",
        };
        format!("{prefix}{r}_{}", if allowed { "OK" } else { "NO" })
    }
}

const ALL: AccessRights = AccessRights(0x1F);

fn without(r: AccessRights) -> AccessRights {
    AccessRights(ALL.0 & !r.0)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Peer {
    Known,
    /// An AP-title no table names.
    Stranger,
    /// The known AP-title, another AE-qualifier.
    WrongAeQualifier,
    /// The known AP-title and AE-qualifier, another password.
    WrongPassword,
    /// The known AP-title and AE-qualifier, no password.
    NoPassword,
}

const PEERS: [Peer; 5] = [
    Peer::Known,
    Peer::Stranger,
    Peer::WrongAeQualifier,
    Peer::WrongPassword,
    Peer::NoPassword,
];

impl Peer {
    fn associate(self, st: &Tase2Station, a: u64) -> Result<(), Refusal> {
        match self {
            Peer::Known => associate(st, a, &PEER_OID, Some(12), Some(b"pw")),
            Peer::Stranger => associate(st, a, &STRANGER_OID, Some(12), Some(b"pw")),
            Peer::WrongAeQualifier => associate(st, a, &PEER_OID, Some(13), Some(b"pw")),
            Peer::WrongPassword => associate(st, a, &PEER_OID, Some(12), Some(b"px")),
            Peer::NoPassword => associate(st, a, &PEER_OID, Some(12), None),
        }
    }
    fn ap_title(self) -> &'static str {
        if self == Peer::Stranger {
            "1.3.9999.9"
        } else {
            "1.3.9999.1"
        }
    }
}

const KNOWN_ICC: &str = "KNOWN";
const KNOWN_TABLE: &str = "KNOWN_T";
const GUEST_ICC: &str = "GUEST";
const GUEST_TABLE: &str = "GUEST_T";
const CHECK_BACK: i16 = 41;

fn real(v: f32) -> Value {
    Value::RealQ(DataRealQ {
        value: v,
        flags: DataFlags::GOOD,
    })
}

/// The station of the matrix: for each scope (VCC `V_*`, and the same objects `I_*` in
/// each table's ICC) and right, an object granted exactly that right (`*_OK`) and one
/// granted every other right (`*_NO`), plus objects the tables do not name: a point
/// `*_HIDDEN`, a tagged SBO device `*_HIDDEN_DEV`, an information buffer and a data set
/// `*_HIDDEN_DS` of `*_HIDDEN` (and `*_SEEN_DS` of `*_READ_NO`, which they name). Read and
/// write objects are RealQ points; operate objects SBO commands; tag objects direct
/// commands with a tag. Both tables grant the same pattern; the guest table (no peer)
/// matters only to an open station.
fn station(open: bool) -> (Arc<Tase2Station>, Clock) {
    let clock = Clock::default();
    let c = clock.clone();
    let st = Arc::new(Tase2Station::new(
        StationConfig {
            open,
            ..StationConfig::default()
        },
        move || c.now(),
    ));
    let scopes = [
        (Domain::Vcc, "V_"),
        (Domain::icc(KNOWN_ICC), "I_"),
        (Domain::icc(GUEST_ICC), "I_"),
    ];
    for (d, prefix) in &scopes {
        for r in RIGHTS {
            for allowed in [true, false] {
                let name = r.object(prefix, allowed);
                match r {
                    Right::Read | Right::Write => {
                        let p = st
                            .add_point(PointConfig {
                                domain: d.clone(),
                                name,
                                kind: ValueKind::RealQ,
                                initial: None,
                            })
                            .unwrap();
                        st.update(p, real(7.5)).unwrap();
                    }
                    Right::Operate | Right::GetTag | Right::SetTag => {
                        st.add_device(DeviceConfig {
                            domain: d.clone(),
                            name,
                            kind: DeviceKind::Command,
                            mode: if r == Right::Operate {
                                ControlMode::SelectBeforeOperate {
                                    select_timeout: Duration::from_secs(10),
                                }
                            } else {
                                ControlMode::Direct
                            },
                            tagged: true,
                            check_back_id: CHECK_BACK,
                        })
                        .unwrap();
                    }
                }
            }
        }
        st.add_point(PointConfig {
            domain: d.clone(),
            name: format!("{prefix}HIDDEN"),
            kind: ValueKind::RealQ,
            initial: None,
        })
        .unwrap();
        st.add_device(DeviceConfig {
            domain: d.clone(),
            name: format!("{prefix}HIDDEN_DEV"),
            kind: DeviceKind::Command,
            mode: ControlMode::SelectBeforeOperate {
                select_timeout: Duration::from_secs(10),
            },
            tagged: true,
            check_back_id: CHECK_BACK,
        })
        .unwrap();
        st.add_message_buffer(MessageBufferConfig {
            domain: d.clone(),
            size: leaks::HIDDEN_BUFFER,
        })
        .unwrap();
        // Data sets: one with a member the tables do not name, one whose member they name
        // (without the read right).
        for (list, member) in [("HIDDEN_DS", "HIDDEN"), ("SEEN_DS", "READ_NO")] {
            st.add_data_set(DataSetConfig {
                domain: d.clone(),
                name: format!("{prefix}{list}"),
                members: vec![(d.clone(), format!("{prefix}{member}"))],
            })
            .unwrap();
        }
    }
    for (peer, icc, table_id) in [
        (
            Some(PeerConfig {
                ap_title: vec![1, 3, 9999, 1],
                ae_qualifier: Some(12),
                password: Some(b"pw".to_vec()),
            }),
            KNOWN_ICC,
            KNOWN_TABLE,
        ),
        (None, GUEST_ICC, GUEST_TABLE),
    ] {
        let mut objects = Vec::new();
        for r in RIGHTS {
            for allowed in [true, false] {
                let rights = if allowed { r.bit() } else { without(r.bit()) };
                objects.push((Domain::Vcc, r.object("V_", allowed), rights));
                objects.push((Domain::icc(icc), r.object("I_", allowed), rights));
            }
        }
        st.add_bilateral_table(BilateralTableConfig {
            peer,
            icc_domain: icc.into(),
            table_id: table_id.into(),
            objects,
            vcc_default: AccessRights::NONE,
            icc_default: AccessRights::NONE,
        })
        .unwrap();
    }
    (st, clock)
}

/// Where the cell's object lives, for the peer's table.
fn object_name<'a>(vcc: bool, icc: &'a str, item: &'a str) -> ObjectName<'a> {
    if vcc { vmd(item) } else { dom(icc, item) }
}

fn events(st: &Tase2Station) -> Vec<StationEvent> {
    std::iter::from_fn(|| st.poll_event()).collect()
}

/// Check `got == want`, noting a mismatch under `what`.
fn check<T: PartialEq + std::fmt::Debug>(fails: &mut Vec<String>, what: &str, got: T, want: T) {
    if got != want {
        fails.push(format!("{what}: got {got:?}, want {want:?}"));
    }
}

const DENIED: Result<Vec<u8>, DataAccessError> = Err(DataAccessError::ObjectAccessDenied);
/// `access` / `object-access-denied` (ISO 9506-2 7.4.1.3).
const ACCESS_DENIED: ErrorClass = ErrorClass::Access(3);

/// `n` in the scope of `name`.
fn beside<'a>(name: &ObjectName<'a>, n: &'a str) -> ObjectName<'a> {
    match name {
        ObjectName::DomainSpecific { domain, .. } => dom(domain.as_str(), n),
        _ => vmd(n),
    }
}

/// Exercise the right of the cell on `name` through `association`: `Ok` when the station
/// did it (with what the application heard), the first refusal otherwise.
fn exercise(
    st: &Tase2Station,
    a: u64,
    right: Right,
    name: &ObjectName<'_>,
    fails: &mut Vec<String>,
) -> Result<(), DataAccessError> {
    let item = name.item().as_str();
    let sibling = |suffix: &str| format!("{item}{suffix}");
    match right {
        Right::Read => {
            let v = read(st, a, *name)?;
            check(
                fails,
                "value read",
                Value::decode(ValueKind::RealQ, &data(&v)).ok(),
                Some(real(7.5)),
            );
            Ok(())
        }
        Right::Write => write(
            st,
            a,
            *name,
            Data::FloatingPoint(FloatingPoint::Single(1.0)),
        ),
        Right::Operate => {
            let sbo = sibling("_SBO");
            let id = read(st, a, beside(name, &sbo))?;
            check(
                fails,
                "CheckBackID",
                data(&id),
                Data::Integer(i64::from(CHECK_BACK)),
            );
            write(st, a, *name, DeviceValue::Command(1).to_data())?;
            let operated = events(st)
                .into_iter()
                .filter(|e| matches!(e, StationEvent::Operate { name: n, value: DeviceValue::Command(1), .. } if n == item))
                .count();
            check(fails, "Operate events", operated, 1);
            Ok(())
        }
        Right::GetTag => {
            let t = read(st, a, beside(name, &sibling("_TAG")))?;
            let d = data(&t);
            check(
                fails,
                "tag read",
                TagValue::from_data(&d).map(|t| t.tag).ok(),
                Some(TagState::NoTag),
            );
            Ok(())
        }
        Right::SetTag => {
            let t = TagValue {
                tag: TagState::OpenAndCloseInhibit,
                armed_for_execution: false,
                reason: "matrix",
            };
            let mut f = [Data::Boolean(false); 2];
            write(st, a, beside(name, &sibling("_TAG")), t.to_data(&mut f))?;
            let tagged = events(st)
                .into_iter()
                .filter(|e| {
                    matches!(
                        e,
                        StationEvent::TagChanged {
                            tag: TagState::OpenAndCloseInhibit,
                            ..
                        }
                    )
                })
                .count();
            check(fails, "TagChanged events", tagged, 1);
            Ok(())
        }
    }
}

/// One cell: every mismatch, prefixed by the cell's coordinates.
fn cell(open: bool, peer: Peer, vcc: bool, right: Right, allowed: bool) -> Vec<String> {
    let (st, _clock) = station(open);
    let a = 1;
    let mut fails = Vec::new();
    let accepted = peer == Peer::Known || open;
    let (icc, other, table) = if peer == Peer::Known {
        (KNOWN_ICC, GUEST_ICC, KNOWN_TABLE)
    } else {
        (GUEST_ICC, KNOWN_ICC, GUEST_TABLE)
    };
    let item = right.object(if vcc { "V_" } else { "I_" }, allowed);
    let name = object_name(vcc, icc, &item);

    let assoc = peer.associate(&st, a);
    let ev = events(&st);
    if accepted {
        check(&mut fails, "association", assoc, Ok(()));
        check(
            &mut fails,
            "association events",
            ev,
            vec![StationEvent::Associated {
                association: a,
                table_id: Some(table.into()),
            }],
        );
        let id = read(&st, a, dom(icc, "Bilateral_Table_ID"));
        check(
            &mut fails,
            "Bilateral_Table_ID",
            id.map(|v| data(&v) == Data::VisibleString(table.as_bytes())),
            Ok(true),
        );
    } else {
        // One answer for every cause: the refusal does not tell which part failed.
        check(
            &mut fails,
            "association",
            assoc,
            Err(Refusal::Acse {
                result: 1,
                diagnostic: Some(SourceDiagnostic::ServiceUser(3)),
            }),
        );
        check(
            &mut fails,
            "association events",
            ev,
            vec![StationEvent::AssociationRefused {
                association: a,
                ap_title: Some(peer.ap_title().into()),
            }],
        );
        // An adapter never serves a refused association; if one did, nothing is granted.
        check(
            &mut fails,
            "Bilateral_Table_ID on the refused association",
            read(&st, a, dom(KNOWN_ICC, "Bilateral_Table_ID")),
            DENIED,
        );
    }

    // The cell's right: done only when allowed on an accepted association (write: never).
    let done = exercise(&st, a, right, &name, &mut fails);
    let want = if accepted && allowed && right != Right::Write {
        Ok(())
    } else {
        Err(DataAccessError::ObjectAccessDenied)
    };
    check(&mut fails, "answer", done, want);
    if right == Right::Read {
        // A data set member needs the read right too (the peer's own list, aa-specific).
        let list = ObjectName::AaSpecific(Identifier::new("READ_PROBE").unwrap());
        check(
            &mut fails,
            "data set member",
            define(&st, a, list, &[name]),
            if accepted && allowed {
                Ok(())
            } else {
                Err(ACCESS_DENIED)
            },
        );
    }
    if right == Right::Write {
        let p = st
            .point(&if vcc { Domain::Vcc } else { Domain::icc(icc) }, &item)
            .unwrap();
        check(
            &mut fails,
            "point after write",
            st.value(p),
            Some(real(7.5)),
        );
    }
    let stray: Vec<_> = events(&st)
        .into_iter()
        .filter(|e| {
            matches!(
                e,
                StationEvent::Operate { .. } | StationEvent::TagChanged { .. }
            )
        })
        .collect();
    check(&mut fails, "events after the answer", stray, vec![]);

    if accepted {
        // Visible (allowed or denied, the table names it): listed and typed.
        let scope_names = if vcc {
            names(&st, a, ObjectClass::NamedVariable, ObjectScope::Vmd)
        } else {
            names(
                &st,
                a,
                ObjectClass::NamedVariable,
                ObjectScope::Domain(Identifier::new(icc).unwrap()),
            )
        };
        check(
            &mut fails,
            "listed",
            scope_names.map(|n| n.contains(&item)),
            Ok(true),
        );
        check(&mut fails, "typed", type_of(&st, a, name).is_ok(), true);
        leaks::leaks(&st, a, icc, other, &mut fails);
    }

    let coords = format!(
        "{} {peer:?} {} {right:?} {}",
        if open { "open" } else { "closed" },
        if vcc { "VCC" } else { "ICC" },
        if allowed { "allowed" } else { "denied" },
    );
    fails
        .into_iter()
        .map(|f| format!("[{coords}] {f}"))
        .collect()
}

#[test]
fn every_right_scope_and_peer_is_enforced() {
    let mut fails = Vec::new();
    let mut cells = 0;
    let mut table = String::new();
    for open in [false, true] {
        for peer in PEERS {
            for vcc in [true, false] {
                for right in RIGHTS {
                    for allowed in [true, false] {
                        let f = cell(open, peer, vcc, right, allowed);
                        cells += 1;
                        if !f.is_empty() {
                            let _ = writeln!(table, "{}", f.join("\n"));
                        }
                        fails.extend(f);
                    }
                }
            }
        }
    }
    assert_eq!(cells, 2 * 5 * 2 * 5 * 2);
    assert!(
        fails.is_empty(),
        "{} failing checks in {cells} cells:\n{table}",
        fails.len()
    );
}
