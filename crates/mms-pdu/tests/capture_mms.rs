//! Golden vector: every MMS PDU of the real multi-vendor ICCP capture
//! (`/work/shared/captures/iccp-switchover-real.pcap`, peeled from TPKT/COTP/session/
//! presentation/ACSE by `common::capture_mms_pdus`) decodes into the typed model, with the
//! counts per PDU kind and per service that tshark 4.0's dissector reports
//! (`tshark -r ... -Y mms -T fields -e mms.confirmedServiceRequest
//! -e mms.confirmedServiceResponse -e mms.unconfirmedService`), and re-encodes to the
//! identical bytes except where the peer's encoding is not canonical. The values inside,
//! counted per Data kind, equal tshark's counts too.

#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::panic,
    missing_docs
)]

mod common;

use std::collections::BTreeMap;

use telecontrol_core::{Decode, Encode};
use telecontrol_mms_pdu::ber::BerReader;
use telecontrol_mms_pdu::mms::{
    AccessResult, ConfirmedServiceRequest, ConfirmedServiceResponse, Data, MmsPdu, SeqOf,
    UnconfirmedService, WriteResult,
};

fn request_name(s: &ConfirmedServiceRequest<'_>) -> &'static str {
    match s {
        ConfirmedServiceRequest::Status(_) => "status",
        ConfirmedServiceRequest::GetNameList(_) => "getNameList",
        ConfirmedServiceRequest::Identify => "identify",
        ConfirmedServiceRequest::Read(_) => "read",
        ConfirmedServiceRequest::Write(_) => "write",
        ConfirmedServiceRequest::GetVariableAccessAttributes(_) => "getVariableAccessAttributes",
        ConfirmedServiceRequest::DefineNamedVariableList(_) => "defineNamedVariableList",
        ConfirmedServiceRequest::GetNamedVariableListAttributes(_) => {
            "getNamedVariableListAttributes"
        }
        ConfirmedServiceRequest::DeleteNamedVariableList(_) => "deleteNamedVariableList",
        _ => "unsupported",
    }
}

fn response_name(s: &ConfirmedServiceResponse<'_>) -> &'static str {
    match s {
        ConfirmedServiceResponse::Status(_) => "status",
        ConfirmedServiceResponse::GetNameList(_) => "getNameList",
        ConfirmedServiceResponse::Identify(_) => "identify",
        ConfirmedServiceResponse::Read(_) => "read",
        ConfirmedServiceResponse::Write(_) => "write",
        ConfirmedServiceResponse::GetVariableAccessAttributes(_) => "getVariableAccessAttributes",
        ConfirmedServiceResponse::DefineNamedVariableList => "defineNamedVariableList",
        ConfirmedServiceResponse::GetNamedVariableListAttributes(_) => {
            "getNamedVariableListAttributes"
        }
        ConfirmedServiceResponse::DeleteNamedVariableList(_) => "deleteNamedVariableList",
        _ => "unsupported",
    }
}

/// Values in `d`, nested ones included (walks every lazy list).
fn count_values(d: &Data<'_>) -> usize {
    match d.elements() {
        Some(s) => 1 + s.iter().map(|e| count_values(&e)).sum::<usize>(),
        None => 1,
    }
}

type Tally = BTreeMap<&'static str, usize>;

/// Count `d` and its nested values per Data kind, with the names of tshark's fields.
fn tally_data(d: &Data<'_>, t: &mut Tally) {
    let k = match d {
        Data::Array(_) => "mms.array",
        Data::Structure(_) => "mms.structure",
        Data::Boolean(_) => "mms.boolean",
        Data::BitString(_) => "mms.data_bit-string",
        Data::Integer(_) => "mms.integer",
        Data::Unsigned(_) => "mms.unsigned",
        Data::FloatingPoint(_) => "mms.floating_point",
        Data::OctetString(_) => "mms.data.octet-string",
        Data::VisibleString(_) => "mms.data.visible-string",
        Data::BinaryTime(_) => "mms.data.binary-time",
        _ => "other",
    };
    *t.entry(k).or_default() += 1;
    if let Some(s) = d.elements() {
        s.iter().for_each(|e| tally_data(&e, t));
    }
}

/// Count the values of every Read response, Write request and InformationReport, and the
/// failures of AccessResults and Write results (tshark's `mms.failure`).
fn tally_pdu(pdu: &MmsPdu<'_>, t: &mut Tally) {
    let results = |r: SeqOf<'_, AccessResult<'_>>, t: &mut Tally| {
        for a in r.iter() {
            match a {
                AccessResult::Success(d) => tally_data(&d, t),
                AccessResult::Failure(_) => *t.entry("mms.failure").or_default() += 1,
            }
        }
    };
    match pdu {
        MmsPdu::Unconfirmed(UnconfirmedService::InformationReport(ir)) => results(ir.results, t),
        MmsPdu::ConfirmedResponse(r) => match r.service {
            ConfirmedServiceResponse::Read(read) => results(read.results, t),
            ConfirmedServiceResponse::Write(w) => {
                let failures = w.iter().filter(|x| matches!(x, WriteResult::Failure(_)));
                *t.entry("mms.failure").or_default() += failures.count();
            }
            _ => {}
        },
        MmsPdu::ConfirmedRequest(r) => {
            if let ConfirmedServiceRequest::Write(w) = r.service {
                w.data.iter().for_each(|d| tally_data(&d, t));
            }
        }
        _ => {}
    }
}

/// True if every element of `bytes`, nested ones included, has the minimal definite
/// length (and the shortest tag): the form the encoder writes.
fn lengths_minimal(bytes: &[u8]) -> bool {
    fn walk(mut r: BerReader<'_>) -> bool {
        while !r.is_empty() {
            let Ok(t) = r.read_tlv() else { return false };
            if !t.is_minimal() || (t.tag.constructed && !walk(t.reader())) {
                return false;
            }
        }
        true
    }
    walk(BerReader::new(bytes))
}

/// The only difference is BOOLEAN TRUE sent as a non-0xFF octet: X.690 BER allows any
/// non-zero value, the encoder writes 0xFF (the canonical form of X.690 11.1).
fn only_boolean_true_differs(input: &[u8], output: &[u8]) -> bool {
    input.len() == output.len()
        && (0..input.len())
            .filter(|&i| input[i] != output[i])
            .all(|i| {
                i >= 2
                    && input[i] != 0
                    && output[i] == 0xFF
                    && output[i - 1] == 0x01
                    && output[i - 2] & 0xE0 == 0x80
            })
}

#[test]
fn every_mms_pdu_of_the_capture_decodes_and_round_trips() {
    let pdus = common::capture_mms_pdus();
    let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
    let (mut identical, mut boolean_only, mut values) = (0usize, 0usize, 0usize);
    let mut non_minimal = 0usize;
    let mut data = Tally::new();
    for (frame, bytes) in &pdus {
        let pdu = MmsPdu::decode(bytes).unwrap_or_else(|e| panic!("frame {frame}: {e}"));
        let key = match &pdu {
            MmsPdu::ConfirmedRequest(r) => {
                format!("{} {}", pdu.kind_name(), request_name(&r.service))
            }
            MmsPdu::ConfirmedResponse(r) => {
                format!("{} {}", pdu.kind_name(), response_name(&r.service))
            }
            MmsPdu::Unconfirmed(UnconfirmedService::InformationReport(ir)) => {
                values += ir
                    .results
                    .iter()
                    .map(|r| match r {
                        AccessResult::Success(d) => count_values(&d),
                        AccessResult::Failure(_) => 1,
                    })
                    .sum::<usize>();
                format!("{} informationReport", pdu.kind_name())
            }
            other => other.kind_name().to_string(),
        };
        *kinds.entry(key).or_default() += 1;
        tally_pdu(&pdu, &mut data);

        let mut out = vec![0u8; pdu.encoded_len()];
        assert_eq!(pdu.encode(&mut out), Ok(out.len()));
        assert!(
            lengths_minimal(&out),
            "frame {frame}: encoder output not minimal"
        );
        if out == *bytes {
            identical += 1;
        } else if !lengths_minimal(bytes) {
            // Indefinite or long-form lengths: not canonical, re-encoded with minimal ones.
            non_minimal += 1;
            assert_eq!(MmsPdu::decode(&out).unwrap(), pdu, "frame {frame}");
        } else {
            assert!(
                only_boolean_true_differs(bytes, &out),
                "frame {frame}: re-encoding differs beyond BOOLEAN TRUE"
            );
            boolean_only += 1;
            // The canonical re-encoding decodes to the same value.
            assert_eq!(MmsPdu::decode(&out).unwrap(), pdu, "frame {frame}");
        }
    }
    for (k, n) in &kinds {
        println!("{n:6}  {k}");
    }
    println!(
        "{} PDUs: {identical} re-encode identically; {boolean_only} with minimal lengths differ \
         only in BOOLEAN TRUE sent as 0x01; {non_minimal} use non-minimal or indefinite lengths \
         (re-encoded minimal, same value); {values} values in InformationReports",
        pdus.len()
    );
    let expected: BTreeMap<String, usize> = [
        ("confirmed-RequestPDU getNameList", 4),
        ("confirmed-RequestPDU identify", 121),
        ("confirmed-RequestPDU read", 90),
        ("confirmed-RequestPDU write", 64),
        ("confirmed-RequestPDU defineNamedVariableList", 41),
        ("confirmed-RequestPDU deleteNamedVariableList", 23),
        ("confirmed-ResponsePDU getNameList", 4),
        ("confirmed-ResponsePDU identify", 121),
        ("confirmed-ResponsePDU read", 90),
        ("confirmed-ResponsePDU write", 63),
        ("confirmed-ResponsePDU defineNamedVariableList", 36),
        ("confirmed-ResponsePDU deleteNamedVariableList", 14),
        ("confirmed-ErrorPDU", 15),
        ("unconfirmed-PDU informationReport", 1896),
        ("initiate-RequestPDU", 9),
        ("initiate-ResponsePDU", 9),
    ]
    .into_iter()
    .map(|(k, n)| (k.to_string(), n))
    .collect();
    assert_eq!(kinds, expected);
    assert_eq!(pdus.len(), 2600);
    // Every value, per Data kind, as tshark counts the fields over the capture
    // (`tshark -r ... -Y mms -T fields -e mms.floating_point -E occurrence=a`, etc.).
    println!("{data:?}");
    let expected: Tally = [
        ("mms.structure", 217_460),
        ("mms.floating_point", 189_352),
        ("mms.data_bit-string", 203_132),
        ("mms.integer", 27_777),
        ("mms.unsigned", 1_741),
        ("mms.data.visible-string", 3_500),
        ("mms.boolean", 181),
        ("mms.failure", 98),
    ]
    .into_iter()
    .collect();
    assert_eq!(data, expected);
    assert_eq!(identical + boolean_only + non_minimal, 2600);
    // Every PDU whose lengths are canonical re-encodes identically but for BOOLEAN TRUE.
    assert_eq!((identical, boolean_only, non_minimal), (2540, 55, 5));
}
