//! The sample object directory that `telecontrol mms server` serves.

use std::collections::BTreeMap;
use std::sync::Mutex;

use mms_pdu::ber::BitString;
use mms_pdu::mms::{
    Data, DataAccessError, Element, ErrorClass, FloatingPoint, Identifier, IdentifyResponse,
    ObjectClass, ObjectName, ObjectScope, SeqOf, StructComponent, TypeDescription,
    TypeSpecification,
};
use mms_pdu::server::{self, Directory};
use telecontrol_core::Writer;

/// The sample's domain.
pub const DOMAIN: &str = "SAMPLE";
/// The sample's fixed named variable list (reported periodically).
pub const DATASET: &str = "DS1";

/// A variable's value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// Single float.
    Float(f32),
    /// 32-bit integer.
    Int(i64),
    /// Boolean.
    Bool(bool),
    /// 8-bit bit string.
    Bits(u8),
    /// Visible string (up to 32).
    Text(String),
    /// Structure {value float, quality bit string(8), count integer}.
    Struct(f32, u8, i64),
}

impl Value {
    fn with_data<R>(&self, f: impl FnOnce(&Data<'_>) -> R) -> R {
        let bits;
        match self {
            Value::Float(v) => f(&Data::FloatingPoint(FloatingPoint::Single(*v))),
            Value::Int(v) => f(&Data::Integer(*v)),
            Value::Bool(v) => f(&Data::Boolean(*v)),
            Value::Bits(b) => {
                bits = [*b];
                f(&BitString::new(&bits, 0).map_or(Data::Boolean(false), Data::BitString))
            }
            Value::Text(s) => f(&Data::VisibleString(s.as_bytes())),
            Value::Struct(v, q, c) => {
                bits = [*q];
                let fields = [
                    Data::FloatingPoint(FloatingPoint::Single(*v)),
                    BitString::new(&bits, 0).map_or(Data::Boolean(false), Data::BitString),
                    Data::Integer(*c),
                ];
                f(&Data::Structure(SeqOf::from_slice(&fields)))
            }
        }
    }

    /// Encode as one `Data` element.
    fn write_data(&self, out: &mut Writer<'_>) -> Result<(), DataAccessError> {
        self.with_data(|d| d.write_element(out))
            .map_err(|_| DataAccessError::TemporarilyUnavailable)
    }

    fn write_type(&self, out: &mut Writer<'_>) -> Result<(), ErrorClass> {
        let float = TypeSpecification::Description(TypeDescription::FloatingPoint {
            format_width: 32,
            exponent_width: 8,
        });
        let t = match self {
            Value::Float(_) => TypeDescription::FloatingPoint {
                format_width: 32,
                exponent_width: 8,
            },
            Value::Int(_) => TypeDescription::Integer(32),
            Value::Bool(_) => TypeDescription::Boolean,
            Value::Bits(_) => TypeDescription::BitString(8),
            Value::Text(_) => TypeDescription::VisibleString(-32),
            Value::Struct(..) => {
                let comps = [
                    StructComponent {
                        name: Identifier::new("value"),
                        component_type: float,
                    },
                    StructComponent {
                        name: Identifier::new("quality"),
                        component_type: TypeSpecification::Description(TypeDescription::BitString(
                            8,
                        )),
                    },
                    StructComponent {
                        name: Identifier::new("count"),
                        component_type: TypeSpecification::Description(TypeDescription::Integer(
                            32,
                        )),
                    },
                ];
                return TypeSpecification::Description(TypeDescription::Structure {
                    packed: None,
                    components: SeqOf::from_slice(&comps),
                })
                .write_element(out)
                .map_err(|_| server::CAPABILITY_UNAVAILABLE);
            }
        };
        TypeSpecification::Description(t)
            .write_element(out)
            .map_err(|_| server::CAPABILITY_UNAVAILABLE)
    }

    /// The same kind of value from `data`, if it matches.
    fn same_kind_from(&self, data: &Data<'_>) -> Option<Value> {
        let bits = |b: &BitString<'_>| {
            (0..8).fold(0u8, |acc, i| if b.bit(i) { acc | (0x80 >> i) } else { acc })
        };
        Some(match (self, data) {
            (Value::Float(_), Data::FloatingPoint(FloatingPoint::Single(v))) => Value::Float(*v),
            (Value::Int(_), Data::Integer(v)) if i32::try_from(*v).is_ok() => Value::Int(*v),
            (Value::Bool(_), Data::Boolean(v)) => Value::Bool(*v),
            (Value::Bits(_), Data::BitString(b)) => Value::Bits(bits(b)),
            (Value::Text(_), Data::VisibleString(s)) if s.len() <= 32 => {
                Value::Text(String::from_utf8_lossy(s).into_owned())
            }
            _ => return None,
        })
    }
}

struct Var {
    value: Value,
    writable: bool,
}

/// The sample directory: domain `SAMPLE` with variables of several types, VMD variable
/// `Vendor`, the fixed list `SAMPLE/DS1` and lists that clients define.
pub struct SampleDirectory {
    vars: Mutex<BTreeMap<String, Var>>,
    lists: Mutex<BTreeMap<String, Vec<String>>>,
}

/// `domain/item` or `item`.
#[must_use]
pub fn key(n: &ObjectName<'_>) -> String {
    match n {
        ObjectName::DomainSpecific { domain, item } => {
            format!("{}/{}", domain.as_str(), item.as_str())
        }
        ObjectName::VmdSpecific(i) => i.as_str().to_owned(),
        ObjectName::AaSpecific(i) => format!("@{}", i.as_str()),
    }
}

/// Parse `domain/item` or `item` (VMD scope).
#[must_use]
pub fn parse_name(k: &str) -> Option<ObjectName<'_>> {
    match k.split_once('/') {
        Some((d, i)) => ObjectName::domain(d, i),
        None => ObjectName::vmd(k),
    }
}

impl Default for SampleDirectory {
    fn default() -> Self {
        let mut vars = BTreeMap::new();
        let mut add = |k: &str, value, writable| {
            vars.insert(k.to_owned(), Var { value, writable });
        };
        add("SAMPLE/Float1", Value::Float(230.5), false);
        add("SAMPLE/Int1", Value::Int(0), false);
        add("SAMPLE/Setpoint", Value::Float(50.0), true);
        add("SAMPLE/Counter", Value::Int(7), true);
        add("SAMPLE/Bool1", Value::Bool(false), true);
        add("SAMPLE/Bits1", Value::Bits(0b1010_0000), true);
        add("SAMPLE/Text1", Value::Text("hello".into()), true);
        add("SAMPLE/Struct1", Value::Struct(1.5, 0, 0), false);
        add("Vendor", Value::Text("telecontrol".into()), false);
        add("Mode", Value::Int(1), true);
        let mut lists = BTreeMap::new();
        lists.insert(
            format!("{DOMAIN}/{DATASET}"),
            vec![
                "SAMPLE/Float1".into(),
                "SAMPLE/Int1".into(),
                "SAMPLE/Struct1".into(),
            ],
        );
        SampleDirectory {
            vars: Mutex::new(vars),
            lists: Mutex::new(lists),
        }
    }
}

impl SampleDirectory {
    /// Advance the changing values by one step (`Float1`, `Int1`, `Struct1`).
    pub fn tick(&self, step: u64) {
        let mut vars = self
            .vars
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let phase = (step % 20) as f32;
        if let Some(v) = vars.get_mut("SAMPLE/Float1") {
            v.value = Value::Float(230.0 + phase / 4.0);
        }
        if let Some(v) = vars.get_mut("SAMPLE/Int1") {
            v.value = Value::Int(i64::try_from(step).unwrap_or(i64::MAX));
        }
        if let Some(v) = vars.get_mut("SAMPLE/Struct1") {
            v.value = Value::Struct(
                phase,
                u8::from(step % 2 == 1),
                i64::try_from(step).unwrap_or(0),
            );
        }
    }
}

impl Directory for SampleDirectory {
    fn identify(&self) -> IdentifyResponse<'_> {
        IdentifyResponse {
            vendor: b"telecontrol",
            model: b"mms server sample",
            revision: env!("CARGO_PKG_VERSION").as_bytes(),
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
        let prefix = match scope {
            ObjectScope::Domain(d) if d.as_str() == DOMAIN => format!("{DOMAIN}/"),
            ObjectScope::Domain(_) => return Err(server::OBJECT_NON_EXISTENT),
            ObjectScope::Vmd => String::new(),
            ObjectScope::Aa => return Ok(()),
        };
        let in_scope = |k: &String| -> Option<String> {
            if prefix.is_empty() {
                (!k.contains('/')).then(|| k.clone())
            } else {
                k.strip_prefix(&prefix).map(str::to_owned)
            }
        };
        let names: Vec<String> = match class {
            ObjectClass::Domain if prefix.is_empty() => vec![DOMAIN.to_owned()],
            ObjectClass::NamedVariable => {
                let vars = self
                    .vars
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                vars.keys().filter_map(in_scope).collect()
            }
            ObjectClass::NamedVariableList => {
                let lists = self
                    .lists
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                lists.keys().filter_map(in_scope).collect()
            }
            _ => Vec::new(),
        };
        for n in names
            .iter()
            .filter(|n| after.is_none_or(|a| n.as_str() > a))
        {
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
        let vars = self
            .vars
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let var = vars.get(&key(name)).ok_or(server::OBJECT_UNDEFINED)?;
        var.value.write_type(out)?;
        Ok(false)
    }

    fn read(
        &self,
        _association: u64,
        name: &ObjectName<'_>,
        out: &mut Writer<'_>,
    ) -> Result<(), DataAccessError> {
        let value = {
            let vars = self
                .vars
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            vars.get(&key(name)).map(|v| v.value.clone())
        };
        value
            .ok_or(DataAccessError::ObjectNonExistent)?
            .write_data(out)
    }

    fn write(
        &self,
        _association: u64,
        name: &ObjectName<'_>,
        value: &Data<'_>,
    ) -> Result<(), DataAccessError> {
        let mut vars = self
            .vars
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let var = vars
            .get_mut(&key(name))
            .ok_or(DataAccessError::ObjectNonExistent)?;
        if !var.writable {
            return Err(DataAccessError::ObjectAccessDenied);
        }
        var.value = var
            .value
            .same_kind_from(value)
            .ok_or(DataAccessError::TypeInconsistent)?;
        Ok(())
    }

    fn list_members(
        &self,
        _association: u64,
        name: &ObjectName<'_>,
        out: &mut dyn FnMut(&ObjectName<'_>),
    ) -> Result<bool, ErrorClass> {
        let k = key(name);
        let members = {
            let lists = self
                .lists
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            lists.get(&k).cloned().ok_or(server::OBJECT_UNDEFINED)?
        };
        for m in &members {
            if let Some(n) = parse_name(m) {
                out(&n);
            }
        }
        Ok(k != format!("{DOMAIN}/{DATASET}"))
    }

    fn define_list(
        &self,
        _association: u64,
        name: &ObjectName<'_>,
        members: &[ObjectName<'_>],
    ) -> Result<(), ErrorClass> {
        if matches!(name, ObjectName::AaSpecific(_)) {
            return Err(server::SERVICE_UNSUPPORTED);
        }
        let vars = self
            .vars
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if members.iter().any(|m| !vars.contains_key(&key(m))) {
            return Err(server::OBJECT_ATTRIBUTE_INCONSISTENT);
        }
        drop(vars);
        let mut lists = self
            .lists
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let k = key(name);
        if lists.contains_key(&k) {
            return Err(server::OBJECT_EXISTS);
        }
        lists.insert(k, members.iter().map(key).collect());
        Ok(())
    }

    fn delete_list(&self, _association: u64, name: &ObjectName<'_>) -> Result<bool, ErrorClass> {
        let k = key(name);
        if k == format!("{DOMAIN}/{DATASET}") {
            return Ok(false);
        }
        let mut lists = self
            .lists
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        lists
            .remove(&k)
            .map(|_| true)
            .ok_or(server::OBJECT_UNDEFINED)
    }
}
