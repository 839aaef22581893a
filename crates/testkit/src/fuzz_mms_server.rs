//! Fuzz body for the MMS server logic of `telecontrol-mms-pdu` (`server::answer`) against a
//! small sample [`Directory`]: variables of several types in a domain and the VMD, paging of
//! GetNameList, and named variable lists the requests define and delete.
#![allow(
    clippy::indexing_slicing,
    clippy::expect_used,
    clippy::missing_panics_doc,
    clippy::cast_possible_truncation,
    clippy::panic
)]

use std::cell::{Cell, RefCell};

use mms_pdu::mms::{
    ConfirmedResponse, Data, DataAccessError, Element, ErrorClass, FloatingPoint, IdentifyResponse,
    MmsPdu, ObjectClass, ObjectName, ObjectScope, TypeDescription, TypeSpecification,
};
use mms_pdu::server::{
    Context, Directory, OBJECT_ATTRIBUTE_INCONSISTENT, OBJECT_EXISTS, OBJECT_NON_EXISTENT,
    OBJECT_UNDEFINED, answer,
};
use telecontrol_core::{Decode, Encode, Writer};

/// An owned object name: (domain, item), the domain `None` for VMD- and `Some("")` never.
type Name = (Option<String>, String, bool);

fn owned(n: &ObjectName<'_>) -> Name {
    (
        n.domain_id().map(|d| d.as_str().to_string()),
        n.item().as_str().to_string(),
        matches!(n, ObjectName::AaSpecific(_)),
    )
}

/// Domain "D": `f` (float, writable), `i` (integer, read-only), `b00`..`b39` (booleans,
/// writable), `t` (visible string); VMD variable `vmd`; list `D/fixed` = [f, i] (not
/// deletable) and up to four defined lists (per association for `aa-specific` ones).
struct Sample {
    f: Cell<f32>,
    bools: Cell<u64>,
    lists: RefCell<Vec<(Name, Vec<Name>)>>,
}

fn variable(n: &Name) -> Option<&'static str> {
    match (n.0.as_deref(), n.1.as_str(), n.2) {
        (Some("D"), "f", false) => Some("f"),
        (Some("D"), "i", false) => Some("i"),
        (Some("D"), "t", false) => Some("t"),
        (None, "vmd", false) => Some("vmd"),
        (Some("D"), b, false) if bool_index(b).is_some() => Some("b"),
        _ => None,
    }
}

fn bool_index(item: &str) -> Option<u32> {
    let n: u32 = item.strip_prefix('b')?.parse().ok()?;
    (item.len() == 3 && n < 40).then_some(n)
}

impl Directory for Sample {
    fn identify(&self) -> IdentifyResponse<'_> {
        IdentifyResponse {
            vendor: b"telecontrol",
            model: b"fuzz",
            revision: b"1",
            abstract_syntaxes: None,
        }
    }

    fn names(
        &self,
        _: u64,
        class: ObjectClass,
        scope: ObjectScope<'_>,
        after: Option<&str>,
        out: &mut dyn FnMut(&str) -> bool,
    ) -> Result<(), ErrorClass> {
        let mut all: Vec<String> = match (class, scope) {
            (ObjectClass::Domain, ObjectScope::Vmd) => vec!["D".into()],
            (ObjectClass::NamedVariable, ObjectScope::Vmd) => vec!["vmd".into()],
            (ObjectClass::NamedVariable, ObjectScope::Domain(d)) if d.as_str() == "D" => {
                let mut v: Vec<String> = (0..40).map(|i| format!("b{i:02}")).collect();
                v.extend(["f".into(), "i".into(), "t".into()]);
                v
            }
            (ObjectClass::NamedVariableList, ObjectScope::Domain(d)) if d.as_str() == "D" => {
                let mut v = vec!["fixed".to_string()];
                v.extend(
                    self.lists
                        .borrow()
                        .iter()
                        .filter(|(n, _)| n.0.as_deref() == Some("D"))
                        .map(|(n, _)| n.1.clone()),
                );
                v
            }
            (_, ObjectScope::Domain(_)) => return Err(OBJECT_NON_EXISTENT),
            _ => Vec::new(),
        };
        all.sort();
        for n in all.iter().filter(|n| after.is_none_or(|a| n.as_str() > a)) {
            if !out(n) {
                break;
            }
        }
        Ok(())
    }

    fn variable_type(
        &self,
        _: u64,
        name: &ObjectName<'_>,
        out: &mut Writer<'_>,
    ) -> Result<bool, ErrorClass> {
        let t = match variable(&owned(name)) {
            Some("f") => TypeDescription::FloatingPoint {
                format_width: 32,
                exponent_width: 8,
            },
            Some("i") => TypeDescription::Integer(32),
            Some("b") => TypeDescription::Boolean,
            Some("t" | "vmd") => TypeDescription::VisibleString(-32),
            _ => return Err(OBJECT_UNDEFINED),
        };
        TypeSpecification::Description(t)
            .write_element(out)
            .map_err(|_| mms_pdu::server::CAPABILITY_UNAVAILABLE)?;
        Ok(false)
    }

    fn read(
        &self,
        _: u64,
        name: &ObjectName<'_>,
        out: &mut Writer<'_>,
    ) -> Result<(), DataAccessError> {
        let n = owned(name);
        let d = match variable(&n) {
            Some("f") => Data::FloatingPoint(FloatingPoint::Single(self.f.get())),
            Some("i") => Data::Integer(-7),
            Some("t") => Data::VisibleString(b"text"),
            Some("vmd") => Data::VisibleString(b"vmd"),
            Some("b") => {
                let i = bool_index(&n.1).unwrap_or(0);
                Data::Boolean(self.bools.get() >> i & 1 == 1)
            }
            _ => return Err(DataAccessError::ObjectNonExistent),
        };
        d.write_element(out)
            .map_err(|_| DataAccessError::TemporarilyUnavailable)
    }

    fn write(
        &self,
        _: u64,
        name: &ObjectName<'_>,
        value: &Data<'_>,
    ) -> Result<(), DataAccessError> {
        let n = owned(name);
        match (variable(&n), value) {
            (Some("f"), Data::FloatingPoint(f)) => {
                self.f.set(f.to_f64() as f32);
                Ok(())
            }
            (Some("b"), Data::Boolean(b)) => {
                let i = bool_index(&n.1).unwrap_or(0);
                let mask = 1u64 << i;
                let v = self.bools.get();
                self.bools.set(if *b { v | mask } else { v & !mask });
                Ok(())
            }
            (Some("f" | "b"), _) => Err(DataAccessError::TypeInconsistent),
            (Some(_), _) => Err(DataAccessError::ObjectAccessDenied),
            (None, _) => Err(DataAccessError::ObjectNonExistent),
        }
    }

    fn list_members(
        &self,
        _: u64,
        name: &ObjectName<'_>,
        out: &mut dyn FnMut(&ObjectName<'_>),
    ) -> Result<bool, ErrorClass> {
        let n = owned(name);
        if n == (Some("D".into()), "fixed".into(), false) {
            out(&ObjectName::domain("D", "f").expect("valid"));
            out(&ObjectName::domain("D", "i").expect("valid"));
            return Ok(false);
        }
        let lists = self.lists.borrow();
        let (_, members) = lists
            .iter()
            .find(|(l, _)| *l == n)
            .ok_or(OBJECT_UNDEFINED)?;
        for m in members {
            let name = match &m.0 {
                Some(d) => ObjectName::domain(d, &m.1),
                None => ObjectName::vmd(&m.1),
            };
            if let Some(name) = name {
                out(&name);
            }
        }
        Ok(true)
    }

    fn define_list(
        &self,
        _: u64,
        name: &ObjectName<'_>,
        members: &[ObjectName<'_>],
    ) -> Result<(), ErrorClass> {
        let n = owned(name);
        let mut lists = self.lists.borrow_mut();
        if lists.iter().any(|(l, _)| *l == n) || n.1 == "fixed" {
            return Err(OBJECT_EXISTS);
        }
        let members: Vec<Name> = members.iter().map(owned).collect();
        if members.iter().any(|m| variable(m).is_none()) {
            return Err(OBJECT_ATTRIBUTE_INCONSISTENT);
        }
        if lists.len() >= 4 {
            return Err(ErrorClass::Resource(3));
        }
        lists.push((n, members));
        Ok(())
    }

    fn delete_list(&self, _: u64, name: &ObjectName<'_>) -> Result<bool, ErrorClass> {
        let n = owned(name);
        if n == (Some("D".into()), "fixed".into(), false) {
            return Ok(false);
        }
        let mut lists = self.lists.borrow_mut();
        let at = lists
            .iter()
            .position(|(l, _)| *l == n)
            .ok_or(OBJECT_UNDEFINED)?;
        lists.remove(at);
        Ok(true)
    }
}

/// `mms_server`: byte 0 picks the negotiated PDU size (and, with bit 7, a small scratch
/// buffer); the rest is a sequence of requests, each a length octet and that many octets of
/// an MMS PDU. Every confirmed request is answered by `server::answer` from one sample
/// directory (state carries over between requests); nothing panics, and every response
/// encodes into exactly `encoded_len()` octets that decode again to a response of the same
/// invoke id and re-encode to themselves; GetNameList answers fit the PDU size.
pub fn mms_server(data: &[u8]) {
    let Some((&sel, mut rest)) = data.split_first() else {
        return;
    };
    let max_pdu_size = [64usize, 256, 1024, 8000][usize::from(sel & 3)];
    let scratch_len = if sel & 0x80 != 0 { 200 } else { 16 * 1024 };
    let dir = Sample {
        f: Cell::new(1.5),
        bools: Cell::new(0),
        lists: RefCell::new(Vec::new()),
    };
    let mut scratch = vec![0u8; scratch_len];
    while let Some((&len, tail)) = rest.split_first() {
        let n = usize::from(len).min(tail.len());
        let (pdu, after) = tail.split_at(n);
        rest = after;
        let Ok(MmsPdu::ConfirmedRequest(req)) = MmsPdu::decode(pdu) else {
            continue;
        };
        let ctx = Context {
            max_pdu_size,
            association: 1,
        };
        let is_name_list = matches!(
            req.service,
            mms_pdu::mms::ConfirmedServiceRequest::GetNameList(_)
        );
        let Ok(service) = answer(&dir, &req.service, ctx, &mut scratch) else {
            continue;
        };
        let resp = MmsPdu::ConfirmedResponse(ConfirmedResponse {
            invoke_id: req.invoke_id,
            service,
        });
        let mut out = vec![0u8; resp.encoded_len()];
        let used = resp.encode(&mut out).expect("encodes into encoded_len");
        assert_eq!(used, out.len(), "encoded_len is exact");
        if is_name_list {
            assert!(
                out.len() <= max_pdu_size.max(64),
                "GetNameList answer beyond the PDU size"
            );
        }
        let again = MmsPdu::decode(&out).expect("own response decodes");
        let MmsPdu::ConfirmedResponse(r) = &again else {
            panic!("own response decodes as something else");
        };
        assert_eq!(r.invoke_id, req.invoke_id);
        let mut out2 = vec![0u8; again.encoded_len()];
        let used2 = again.encode(&mut out2).expect("re-encodes");
        assert_eq!(&out2[..used2], &out[..], "canonical re-encoding");
    }
}
