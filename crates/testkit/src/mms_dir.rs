//! The directory of the MMS adapters' end-to-end tests, written once: each adapter's
//! `tests/mms_*.rs` includes it with `#[path = "../../testkit/src/mms_dir.rs"] mod mms_dir;`
//! (not a module of the testkit library: it needs `mms-pdu`'s `std` feature, which the
//! adapters turn on).
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    missing_docs
)]

use std::sync::Mutex;
use std::time::Duration;

use mms_pdu::association::Config;
use mms_pdu::mms::*;
use mms_pdu::server::{self, Directory};
use telecontrol_core::Writer;

/// Domain "DOM": "temp" (float, writable), "count" (integer, read-only); VMD "name"
/// (visible string); fixed list DOM/ALL = [temp, count]; lists defined by clients.
pub struct Dir {
    pub temp: Mutex<f32>,
    pub lists: Mutex<Vec<(String, Vec<String>)>>,
}

pub fn key(n: &ObjectName<'_>) -> String {
    match n.domain_id() {
        Some(d) => format!("{}/{}", d.as_str(), n.item().as_str()),
        None => n.item().as_str().to_owned(),
    }
}

pub fn parse(k: &str) -> ObjectName<'_> {
    match k.split_once('/') {
        Some((d, i)) => ObjectName::domain(d, i).unwrap(),
        None => ObjectName::vmd(k).unwrap(),
    }
}

impl Directory for Dir {
    fn identify(&self) -> IdentifyResponse<'_> {
        IdentifyResponse {
            vendor: b"telecontrol",
            model: b"test",
            revision: b"1",
            abstract_syntaxes: None,
        }
    }
    fn names(
        &self,
        _association: u64,
        class: ObjectClass,
        scope: ObjectScope<'_>,
        after: Option<&str>,
        out: &mut dyn FnMut(&str) -> bool,
    ) -> Result<(), ErrorClass> {
        let mut all: Vec<String> = match (class, scope) {
            (ObjectClass::Domain, ObjectScope::Vmd) => vec!["DOM".into()],
            (ObjectClass::NamedVariable, ObjectScope::Vmd) => vec!["name".into()],
            (ObjectClass::NamedVariable, ObjectScope::Domain(d)) if d.as_str() == "DOM" => {
                vec!["count".into(), "temp".into()]
            }
            (ObjectClass::NamedVariableList, ObjectScope::Domain(d)) if d.as_str() == "DOM" => {
                let mut v = vec!["ALL".to_owned()];
                v.extend(
                    self.lists
                        .lock()
                        .unwrap()
                        .iter()
                        .filter_map(|(k, _)| k.strip_prefix("DOM/").map(str::to_owned)),
                );
                v
            }
            (_, ObjectScope::Domain(_)) => return Err(server::OBJECT_NON_EXISTENT),
            _ => vec![],
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
        _association: u64,
        name: &ObjectName<'_>,
        out: &mut Writer<'_>,
    ) -> Result<bool, ErrorClass> {
        let t = match key(name).as_str() {
            "DOM/temp" => TypeDescription::FloatingPoint {
                format_width: 32,
                exponent_width: 8,
            },
            "DOM/count" => TypeDescription::Integer(32),
            "name" => TypeDescription::VisibleString(-32),
            _ => return Err(server::OBJECT_UNDEFINED),
        };
        TypeSpecification::Description(t)
            .write_element(out)
            .map_err(|_| server::CAPABILITY_UNAVAILABLE)?;
        Ok(false)
    }
    fn read(
        &self,
        _association: u64,
        name: &ObjectName<'_>,
        out: &mut Writer<'_>,
    ) -> Result<(), DataAccessError> {
        let d = match key(name).as_str() {
            "DOM/temp" => Data::FloatingPoint(FloatingPoint::Single(*self.temp.lock().unwrap())),
            "DOM/count" => Data::Integer(42),
            "name" => Data::VisibleString(b"vmd"),
            "DOM/slow" => {
                std::thread::sleep(Duration::from_millis(600));
                Data::Integer(0)
            }
            _ => return Err(DataAccessError::ObjectNonExistent),
        };
        d.write_element(out)
            .map_err(|_| DataAccessError::TemporarilyUnavailable)
    }
    fn write(
        &self,
        _association: u64,
        name: &ObjectName<'_>,
        value: &Data<'_>,
    ) -> Result<(), DataAccessError> {
        match (key(name).as_str(), value) {
            ("DOM/temp", Data::FloatingPoint(FloatingPoint::Single(v))) => {
                *self.temp.lock().unwrap() = *v;
                Ok(())
            }
            ("DOM/temp", _) => Err(DataAccessError::TypeInconsistent),
            ("DOM/count" | "name", _) => Err(DataAccessError::ObjectAccessDenied),
            _ => Err(DataAccessError::ObjectNonExistent),
        }
    }
    fn list_members(
        &self,
        _a: u64,
        name: &ObjectName<'_>,
        out: &mut dyn FnMut(&ObjectName<'_>),
    ) -> Result<bool, ErrorClass> {
        let k = key(name);
        if k == "DOM/ALL" {
            out(&parse("DOM/temp"));
            out(&parse("DOM/count"));
            return Ok(false);
        }
        let lists = self.lists.lock().unwrap().clone();
        let (_, members) = lists
            .iter()
            .find(|(n, _)| *n == k)
            .ok_or(server::OBJECT_UNDEFINED)?;
        for m in members {
            out(&parse(m));
        }
        Ok(true)
    }
    fn define_list(
        &self,
        _a: u64,
        name: &ObjectName<'_>,
        members: &[ObjectName<'_>],
    ) -> Result<(), ErrorClass> {
        let k = key(name);
        let mut lists = self.lists.lock().unwrap();
        if k == "DOM/ALL" || lists.iter().any(|(n, _)| *n == k) {
            return Err(server::OBJECT_EXISTS);
        }
        lists.push((k, members.iter().map(key).collect()));
        Ok(())
    }
    fn delete_list(&self, _a: u64, name: &ObjectName<'_>) -> Result<bool, ErrorClass> {
        let k = key(name);
        if k == "DOM/ALL" {
            return Ok(false);
        }
        let mut lists = self.lists.lock().unwrap();
        let before = lists.len();
        lists.retain(|(n, _)| *n != k);
        if lists.len() == before {
            Err(server::OBJECT_UNDEFINED)
        } else {
            Ok(true)
        }
    }
}

pub fn config() -> Config<'static> {
    let mut c = Config::DEFAULT;
    c.request_timeout = Duration::from_secs(2);
    c.connect_timeout = Duration::from_secs(2);
    c
}
