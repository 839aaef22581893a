//! BER output of the station: MMS elements appended to growing buffers, and the
//! InformationReport PDUs (IEC 60870-6-503 clause 8.4.5; ISO 9506-2 `unconfirmed-PDU [3]`
//! `informationReport [0]`) assembled from pre-encoded names and results, split so that
//! every PDU fits the maximum PDU size.

use std::vec::Vec;

use mms_pdu::ber::{self, Tag};
use mms_pdu::mms::{AccessResult, Data, Element, ObjectName, VariableListItem};
use telecontrol_core::Writer;

use crate::Value;

/// `unconfirmed-PDU [3]`.
const UNCONFIRMED: Tag = Tag::context(3, true);
/// `informationReport [0]`.
const INFORMATION_REPORT: Tag = Tag::context(0, true);
/// `listOfVariable [0]`.
const LIST_OF_VARIABLE: Tag = Tag::context(0, true);
/// `variableListName [1]`.
const VARIABLE_LIST_NAME: Tag = Tag::context(1, true);
/// `listOfAccessResult [0]`.
const RESULTS: Tag = Tag::context(0, true);

/// Append one MMS element to `out`; nothing when it cannot be written.
pub(crate) fn append<'a, E: Element<'a>>(e: &E, out: &mut Vec<u8>) {
    let start = out.len();
    let n = e.element_len();
    out.resize(start.saturating_add(n), 0);
    let ok = out
        .get_mut(start..)
        .is_some_and(|tail| e.write_element(&mut Writer::new(tail)).is_ok());
    if !ok {
        out.truncate(start);
    }
}

/// Append `Data` as an `AccessResult` success.
pub(crate) fn append_data(d: Data<'_>, out: &mut Vec<u8>) {
    append(&AccessResult::Success(d), out);
}

/// Append a point value as an `AccessResult` success.
pub(crate) fn append_value(v: &Value, out: &mut Vec<u8>) {
    let mut ts = [Data::Boolean(false); 2];
    let mut fields = [Data::Boolean(false); 4];
    append_data(v.to_data(&mut ts, &mut fields), out);
}

/// Append a `listOfVariable` entry naming `domain`/`item` (VMD-specific when `domain` is
/// `None`); nothing for a name that is not an MMS identifier.
pub(crate) fn append_name(domain: Option<&str>, item: &str, out: &mut Vec<u8>) {
    let name = match domain {
        Some(d) => ObjectName::domain(d, item),
        None => ObjectName::vmd(item),
    };
    if let Some(n) = name {
        append(&VariableListItem::named(n), out);
    }
}

/// Octets of an InformationReport PDU whose variable access specification has
/// `spec_len` octets and whose results have `results_len` octets of contents.
pub(crate) fn report_len(spec_len: usize, results_len: usize) -> usize {
    let body = spec_len.saturating_add(ber::tlv_len(RESULTS, results_len));
    ber::tlv_len(UNCONFIRMED, ber::tlv_len(INFORMATION_REPORT, body))
}

/// Octets of a `listOfVariable` specification over `names_len` octets of entries.
pub(crate) fn list_of_variable_len(names_len: usize) -> usize {
    ber::tlv_len(LIST_OF_VARIABLE, names_len)
}

/// The variable access specification of a report.
pub(crate) enum Spec<'a> {
    /// `listOfVariable`: the encoded entries, in parts written back to back.
    List(&'a [&'a [u8]]),
    /// `variableListName`: the data set.
    Named(ObjectName<'a>),
}

impl Spec<'_> {
    /// Octets of the whole specification element.
    pub(crate) fn len(&self) -> usize {
        match self {
            Spec::List(n) => list_of_variable_len(parts_len(n)),
            Spec::Named(n) => ber::tlv_len(VARIABLE_LIST_NAME, n.element_len()),
        }
    }
}

fn parts_len(parts: &[&[u8]]) -> usize {
    parts.iter().fold(0usize, |a, p| a.saturating_add(p.len()))
}

/// Write the InformationReport PDU into `out` (cleared first). `results` are the encoded
/// `AccessResult` elements, in parts written back to back.
pub(crate) fn write_report(spec: &Spec<'_>, results: &[&[u8]], out: &mut Vec<u8>) {
    out.clear();
    let results_len = parts_len(results);
    let body = spec
        .len()
        .saturating_add(ber::tlv_len(RESULTS, results_len));
    out.reserve(ber::tlv_len(
        UNCONFIRMED,
        ber::tlv_len(INFORMATION_REPORT, body),
    ));
    header(out, UNCONFIRMED, ber::tlv_len(INFORMATION_REPORT, body));
    header(out, INFORMATION_REPORT, body);
    match spec {
        Spec::List(names) => {
            header(out, LIST_OF_VARIABLE, parts_len(names));
            for p in *names {
                out.extend_from_slice(p);
            }
        }
        Spec::Named(n) => {
            header(out, VARIABLE_LIST_NAME, n.element_len());
            append(n, out);
        }
    }
    header(out, RESULTS, results_len);
    for p in results {
        out.extend_from_slice(p);
    }
}

fn header(out: &mut Vec<u8>, tag: Tag, len: usize) {
    let mut h = [0u8; 12];
    let mut w = Writer::new(&mut h);
    if ber::write_header(&mut w, tag, len).is_ok() {
        let n = w.position();
        out.extend_from_slice(h.get(..n).unwrap_or_default());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mms_pdu::mms::{MmsPdu, UnconfirmedService, VariableAccessSpecification};
    use telecontrol_core::Decode;

    #[test]
    fn a_list_report_decodes_back() {
        let (mut names, mut results) = (Vec::new(), Vec::new());
        append_name(Some("ICC1"), "P1", &mut names);
        append_value(&Value::Real(1.5), &mut results);
        append_name(None, "P2", &mut names);
        append_value(&Value::Discrete(-3), &mut results);
        let mut out = Vec::new();
        write_report(&Spec::List(&[&names]), &[&results], &mut out);
        let len = list_of_variable_len(names.len());
        assert_eq!(out.len(), report_len(len, results.len()));
        let Ok(MmsPdu::Unconfirmed(UnconfirmedService::InformationReport(ir))) =
            MmsPdu::decode(&out)
        else {
            panic!("not a report: {out:02x?}");
        };
        let VariableAccessSpecification::ListOfVariable(l) = ir.variable_access_specification
        else {
            panic!("not a list");
        };
        assert_eq!((l.len(), ir.results.len()), (2, 2));
    }
}
