//! MMS over the OSI upper layers (ISO 9506 on ACSE, presentation, session, COTP class 0 and
//! RFC 1006 TPKT), as TASE.2/ICCP and IEC 61850 use it: one [`MmsReport`] per TPKT, with
//! every layer it completes.
//!
//! Each TCP direction is split into TPKTs (a stream that is not TPKT resynchronises on the
//! next `03 00` header); COTP DT segments are joined until EOT; the TSDU is then peeled
//! (session SPDU → presentation PPDU → ACSE APDU and/or MMS PDU) with
//! `telecontrol-mms-pdu`. A layer that fails to decode makes the report malformed (offset
//! and reason); decoding goes on with the next TPKT.

use capture::{CaptureError, Chunk, Flow};
use mms_pdu::acse::Apdu;
use mms_pdu::cotp::Tpdu;
use mms_pdu::mms::{
    ConfirmedServiceRequest as Req, ConfirmedServiceResponse as Resp,
    GetVariableAccessAttributesRequest, MmsPdu, ObjectName, ObjectScope, UnconfirmedService,
    VariableAccessSpecification, VariableSpecification,
};
use mms_pdu::presentation::Ppdu;
use mms_pdu::session::Spdu;
use mms_pdu::{stack, tpkt};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use telecontrol_core::Decode;

use super::hex;
use super::report::Malformed;

/// The registered ISO-TSAP TCP port (RFC 1006).
pub const DEFAULT_PORT: u16 = 102;

/// Longest TSDU joined from DT segments; longer ones are reported malformed.
const MAX_TSDU: usize = 1 << 20;

/// What the decoder says about one TPKT. Serialises to the JSON object `decode mms --json`
/// prints; absent layers are omitted.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct MmsReport {
    /// Always `"mms"`.
    pub protocol: &'static str,
    /// The pcap frame number that completed this TPKT.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frame: Option<u64>,
    /// The 1-based hex argument (or stdin line).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input: Option<usize>,
    /// The TCP direction, `"src:port -> dst:port"`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flow: Option<String>,
    /// `"client_to_server"` (towards the port) or `"server_to_client"`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub direction: Option<&'static str>,
    /// Offset of the TPKT in its input or direction stream.
    pub offset: usize,
    /// The TPKT's octets, hex.
    pub raw: String,
    /// Layers present, outermost first (`"tpkt"`, `"cotp"`, `"session"`, ...).
    pub layers: Vec<&'static str>,
    /// The COTP TPDU.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cotp: Option<CotpReport>,
    /// The session SPDU kind (`"CN"`, `"AC"`, `"RF"`, `"FN"`, `"DN"`, `"AB"`, `"GT+DT"`, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session: Option<&'static str>,
    /// The presentation PPDU.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub presentation: Option<PresentationReport>,
    /// The ACSE APDU.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acse: Option<AcseReport>,
    /// The MMS PDU.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mms: Option<MmsPduReport>,
    /// Set when a layer is malformed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<Malformed>,
}

/// A COTP TPDU (ISO 8073 class 0).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct CotpReport {
    /// `"CR"`, `"CC"`, `"DR"`, `"DC"`, `"DT"` or `"ER"`.
    pub kind: &'static str,
    /// DT: last data unit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eot: Option<bool>,
    /// DT with EOT: octets of the joined TSDU and its number of segments.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tsdu_len: Option<usize>,
    /// See `tsdu_len`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub segments: Option<usize>,
    /// CR/CC/DR/DC: source reference.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub src_ref: Option<u16>,
    /// CR/CC/DR/DC: destination reference.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dst_ref: Option<u16>,
    /// CR/CC: TPDU size in octets.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tpdu_size: Option<usize>,
    /// DR: reason.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<u8>,
}

/// A presentation PPDU.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PresentationReport {
    /// `"CP"`, `"CPA"`, `"CPR"`, `"ARU"`, `"ARP"` or `"TD"`.
    pub kind: &'static str,
    /// The presentation context of the MMS PDU.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context_id: Option<i64>,
}

/// An ACSE APDU.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct AcseReport {
    /// `"AARQ"`, `"AARE"`, `"RLRQ"`, `"RLRE"` or `"ABRT"`.
    pub kind: &'static str,
    /// AARE: 0 accepted, 1 rejected (permanent), 2 rejected (transient).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<i64>,
    /// AARQ: calling AP-title (dotted).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub calling_ap_title: Option<String>,
    /// AARQ: calling AE-qualifier.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub calling_ae_qualifier: Option<i64>,
    /// AARQ: called AP-title; AARE: responding AP-title.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub called_ap_title: Option<String>,
    /// AARQ: called AE-qualifier; AARE: responding AE-qualifier.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub called_ae_qualifier: Option<i64>,
}

/// An MMS PDU (ISO 9506-2).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct MmsPduReport {
    /// The `MMSpdu` choice (`"confirmed-RequestPDU"`, `"unconfirmed-PDU"`, ...).
    pub pdu: &'static str,
    /// The service (`"read"`, `"informationReport"`, ...), for confirmed and unconfirmed
    /// PDUs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<&'static str>,
    /// The invoke id of a confirmed PDU (the original one of a Reject or Cancel).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invoke_id: Option<u32>,
    /// Object names involved (`domain/item`, `item` for VMD-specific, `aa:item`), and the
    /// identifiers of a GetNameList response.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub objects: Vec<String>,
    /// Reject reason, or the service error class, as text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

impl MmsReport {
    /// True if a layer is malformed.
    #[must_use]
    pub fn is_malformed(&self) -> bool {
        self.error.is_some()
    }

    /// The JSON object, one line.
    #[must_use]
    pub fn to_json_line(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }

    /// The human-readable tree.
    #[must_use]
    pub fn to_tree(&self) -> String {
        let mut s = String::new();
        let mut head = Vec::new();
        if let Some(n) = self.frame {
            head.push(format!("frame {n}"));
        }
        if let Some(n) = self.input {
            head.push(format!("input {n}"));
        }
        if let Some(f) = &self.flow {
            head.push(f.clone());
        }
        head.push(format!("offset {}", self.offset));
        let _ = writeln!(s, "{}", head.join(", "));
        let octets = self.raw.len() / 2;
        if octets <= 48 {
            let _ = writeln!(s, "  raw: {}", spaced(&self.raw));
        } else {
            let _ = writeln!(
                s,
                "  raw: {} ... ({octets} octets)",
                spaced(self.raw.get(..96).unwrap_or(&self.raw))
            );
        }
        if let Some(c) = &self.cotp {
            let mut line = format!("  COTP {}", c.kind);
            if let Some(eot) = c.eot {
                line += if eot { " (EOT)" } else { " (more follows)" };
            }
            if let (Some(len), Some(n)) = (c.tsdu_len, c.segments) {
                let _ = write!(line, ", TSDU {len} octets in {n} segment(s)");
            }
            if let (Some(src), Some(dst)) = (c.src_ref, c.dst_ref) {
                let _ = write!(line, " src-ref 0x{src:04x} dst-ref 0x{dst:04x}");
            }
            if let Some(t) = c.tpdu_size {
                let _ = write!(line, " TPDU size {t}");
            }
            if let Some(r) = c.reason {
                let _ = write!(line, " reason {r}");
            }
            let _ = writeln!(s, "{line}");
        }
        if let Some(k) = self.session {
            let _ = writeln!(s, "    session {k}");
        }
        if let Some(p) = &self.presentation {
            let _ = match p.context_id {
                Some(c) => writeln!(s, "      presentation {} (context {c})", p.kind),
                None => writeln!(s, "      presentation {}", p.kind),
            };
        }
        if let Some(a) = &self.acse {
            let mut line = format!("        ACSE {}", a.kind);
            if let Some(r) = a.result {
                let _ = write!(line, " result {r}");
            }
            if let Some(t) = &a.calling_ap_title {
                let _ = write!(line, " calling AP-title {t}");
            }
            if let Some(q) = a.calling_ae_qualifier {
                let _ = write!(line, " calling AE-qualifier {q}");
            }
            if let Some(t) = &a.called_ap_title {
                let _ = write!(line, " called/responding AP-title {t}");
            }
            if let Some(q) = a.called_ae_qualifier {
                let _ = write!(line, " called/responding AE-qualifier {q}");
            }
            let _ = writeln!(s, "{line}");
        }
        if let Some(m) = &self.mms {
            let mut line = format!("          MMS {}", m.pdu);
            if let Some(sv) = m.service {
                let _ = write!(line, " {sv}");
            }
            if let Some(id) = m.invoke_id {
                let _ = write!(line, ", invoke id {id}");
            }
            if let Some(d) = &m.detail {
                let _ = write!(line, ", {d}");
            }
            let _ = writeln!(s, "{line}");
            for o in &m.objects {
                let _ = writeln!(s, "            {o}");
            }
        }
        if let Some(e) = &self.error {
            let _ = writeln!(s, "  MALFORMED at offset {}: {}", e.offset, e.reason);
        }
        s
    }
}

fn spaced(hex: &str) -> String {
    hex.as_bytes()
        .chunks(2)
        .map(|c| std::str::from_utf8(c).unwrap_or("??"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn to_hex(b: &[u8]) -> String {
    b.iter()
        .fold(String::with_capacity(b.len() * 2), |mut s, x| {
            let _ = write!(s, "{x:02x}");
            s
        })
}

/// One direction: pending stream octets and the TSDU being joined.
#[derive(Default)]
struct Direction {
    buf: Vec<u8>,
    /// Stream offset of `buf[0]`.
    base: usize,
    tsdu: Vec<u8>,
    segments: usize,
}

impl Direction {
    /// Append octets and report every complete TPKT (and malformed stretches).
    fn push(&mut self, data: &[u8]) -> Vec<MmsReport> {
        self.buf.extend_from_slice(data);
        let mut out = Vec::new();
        let mut pos = 0usize;
        loop {
            let rest = self.buf.get(pos..).unwrap_or_default();
            if rest.is_empty() {
                break;
            }
            match tpkt::next_frame(rest, tpkt::MAX_LEN) {
                Ok(tpkt::Framing::Complete { consumed, .. }) => {
                    let frame = rest.get(..consumed).unwrap_or_default().to_vec();
                    out.push(self.report(&frame, self.base + pos));
                    pos += consumed;
                }
                Ok(tpkt::Framing::Incomplete { .. }) => break,
                Err(e) => {
                    // Resynchronise on the next `03 00` header.
                    let skip = rest
                        .windows(2)
                        .skip(1)
                        .position(|w| w == [3, 0])
                        .map_or(rest.len(), |p| p + 1);
                    out.push(MmsReport {
                        protocol: "mms",
                        offset: self.base + pos,
                        raw: to_hex(rest.get(..skip).unwrap_or_default()),
                        error: Some(Malformed {
                            offset: self.base + pos,
                            reason: format!("TPKT: {e}; {skip} octet(s) skipped"),
                        }),
                        ..MmsReport::default()
                    });
                    pos += skip;
                }
            }
        }
        self.buf.drain(..pos);
        self.base += pos;
        out
    }

    /// The stream's end: a partial TPKT left over is malformed.
    fn finish(&mut self) -> Option<MmsReport> {
        if self.buf.is_empty() {
            return None;
        }
        Some(MmsReport {
            protocol: "mms",
            offset: self.base,
            raw: to_hex(&self.buf),
            error: Some(Malformed {
                offset: self.base + self.buf.len(),
                reason: format!("stream ends inside a TPKT ({} octets)", self.buf.len()),
            }),
            ..MmsReport::default()
        })
    }

    fn report(&mut self, frame: &[u8], offset: usize) -> MmsReport {
        let mut r = MmsReport {
            protocol: "mms",
            offset,
            raw: to_hex(frame),
            layers: vec!["tpkt"],
            ..MmsReport::default()
        };
        let payload = frame.get(tpkt::HEADER_LEN..).unwrap_or(&[]);
        let tpdu = match Tpdu::decode(payload) {
            Ok(t) => t,
            Err(e) => {
                r.error = Some(Malformed {
                    offset: offset + tpkt::HEADER_LEN,
                    reason: format!("COTP: {e}"),
                });
                return r;
            }
        };
        r.layers.push("cotp");
        let mut c = CotpReport::default();
        match tpdu {
            Tpdu::ConnectionRequest(x) | Tpdu::ConnectionConfirm(x) => {
                c.kind = if matches!(tpdu, Tpdu::ConnectionRequest(_)) {
                    "CR"
                } else {
                    "CC"
                };
                c.src_ref = Some(x.src_ref);
                c.dst_ref = Some(x.dst_ref);
                c.tpdu_size = x.tpdu_size.map(|t| t.octets());
            }
            Tpdu::DisconnectRequest(d) => {
                c.kind = "DR";
                c.src_ref = Some(d.src_ref);
                c.dst_ref = Some(d.dst_ref);
                c.reason = Some(d.reason);
            }
            Tpdu::DisconnectConfirm { dst_ref, src_ref } => {
                c.kind = "DC";
                c.src_ref = Some(src_ref);
                c.dst_ref = Some(dst_ref);
            }
            Tpdu::Error(_) => c.kind = "ER",
            Tpdu::Data(dt) => {
                c.kind = "DT";
                c.eot = Some(dt.eot);
                if self.tsdu.len() + dt.user_data.len() > MAX_TSDU {
                    self.tsdu.clear();
                    self.segments = 0;
                    r.cotp = Some(c);
                    r.error = Some(Malformed {
                        offset,
                        reason: format!("COTP: TSDU longer than {MAX_TSDU} octets"),
                    });
                    return r;
                }
                self.tsdu.extend_from_slice(dt.user_data);
                self.segments += 1;
                if dt.eot {
                    let tsdu = std::mem::take(&mut self.tsdu);
                    c.tsdu_len = Some(tsdu.len());
                    c.segments = Some(std::mem::take(&mut self.segments));
                    r.cotp = Some(c);
                    // The TSDU starts in this TPKT when it has one segment.
                    let tsdu_offset = (r.cotp.as_ref().and_then(|c| c.segments) == Some(1))
                        .then_some(offset + tpkt::HEADER_LEN + 3);
                    upper_layers(&mut r, &tsdu, tsdu_offset.unwrap_or(offset));
                    return r;
                }
            }
            _ => c.kind = "?",
        }
        r.cotp = Some(c);
        r
    }
}

fn spdu_kind(s: &Spdu<'_>) -> &'static str {
    match s {
        Spdu::Connect(_) => "CN",
        Spdu::Accept(_) => "AC",
        Spdu::Refuse(_) => "RF",
        Spdu::Finish(_) => "FN",
        Spdu::Disconnect(_) => "DN",
        Spdu::NotFinished(_) => "NF",
        Spdu::Abort(_) => "AB",
        Spdu::AbortAccept => "AA",
        Spdu::Data(d) if d.dt_parameters.is_some() => "GT+DT",
        Spdu::Data(_) => "GT",
        Spdu::OverflowAccept(_) => "OA",
        Spdu::ConnectDataOverflow(_) => "CDO",
        _ => "?",
    }
}

fn ppdu_kind(p: &Ppdu<'_>) -> &'static str {
    match p {
        Ppdu::Connect(_) => "CP",
        Ppdu::Accept(_) => "CPA",
        Ppdu::Refuse(_) => "CPR",
        Ppdu::AbortUser(_) => "ARU",
        Ppdu::AbortProvider(_) => "ARP",
        Ppdu::Data(_) => "TD",
        _ => "?",
    }
}

fn acse_report(a: &Apdu<'_>) -> AcseReport {
    let oid = |o: Option<mms_pdu::ber::Oid<'_>>| o.map(|o| o.to_string());
    match a {
        Apdu::AssociateRequest(q) => AcseReport {
            kind: "AARQ",
            calling_ap_title: oid(q.calling_ap_title),
            calling_ae_qualifier: q.calling_ae_qualifier,
            called_ap_title: oid(q.called_ap_title),
            called_ae_qualifier: q.called_ae_qualifier,
            ..AcseReport::default()
        },
        Apdu::AssociateResponse(e) => AcseReport {
            kind: "AARE",
            result: Some(e.result),
            called_ap_title: oid(e.responding_ap_title),
            called_ae_qualifier: e.responding_ae_qualifier,
            ..AcseReport::default()
        },
        Apdu::ReleaseRequest(_) => AcseReport {
            kind: "RLRQ",
            ..AcseReport::default()
        },
        Apdu::ReleaseResponse(_) => AcseReport {
            kind: "RLRE",
            ..AcseReport::default()
        },
        Apdu::Abort(_) => AcseReport {
            kind: "ABRT",
            ..AcseReport::default()
        },
        _ => AcseReport {
            kind: "?",
            ..AcseReport::default()
        },
    }
}

/// Session, presentation, ACSE and MMS of one TSDU, whose first octet is at `base` in the
/// stream (or the offset of the TPKT that completed it, when it came in several).
fn upper_layers(r: &mut MmsReport, tsdu: &[u8], base: usize) {
    let p = match stack::peel(tsdu) {
        Ok(p) => p,
        Err(e) => {
            r.error = Some(Malformed {
                offset: base,
                reason: e.to_string(),
            });
            return;
        }
    };
    r.layers.push("session");
    r.session = Some(spdu_kind(&p.spdu));
    if let Some(ppdu) = &p.ppdu {
        r.layers.push("presentation");
        r.presentation = Some(PresentationReport {
            kind: ppdu_kind(ppdu),
            context_id: p.context_id,
        });
    }
    if let Some(a) = &p.acse {
        r.layers.push("acse");
        r.acse = Some(acse_report(a));
    }
    let Some(mms) = p.mms else { return };
    let at = tsdu
        .windows(mms.len().max(1))
        .position(|w| std::ptr::eq(w.as_ptr(), mms.as_ptr()))
        .map_or(base, |i| base + i);
    match MmsPdu::decode(mms) {
        Ok(pdu) => {
            r.layers.push("mms");
            r.mms = Some(mms_report(&pdu));
        }
        Err(e) => {
            r.error = Some(Malformed {
                offset: at + e.offset(),
                reason: format!("MMS: {e}"),
            });
        }
    }
}

fn name(n: &ObjectName<'_>) -> String {
    match n {
        ObjectName::VmdSpecific(i) => i.to_string(),
        ObjectName::DomainSpecific { domain, item } => format!("{domain}/{item}"),
        ObjectName::AaSpecific(i) => format!("aa:{i}"),
    }
}

fn access_names(v: &VariableAccessSpecification<'_>, out: &mut Vec<String>) {
    match v {
        VariableAccessSpecification::VariableListName(n) => out.push(name(n)),
        VariableAccessSpecification::ListOfVariable(items) => {
            for it in items.iter() {
                match it.specification {
                    VariableSpecification::Name(n) => out.push(name(&n)),
                    _ => out.push("(unnamed variable)".to_string()),
                }
            }
        }
    }
}

/// The report of a decoded MMS PDU: kind, service, invoke id and object names.
#[must_use]
pub fn mms_report(pdu: &MmsPdu<'_>) -> MmsPduReport {
    let mut m = MmsPduReport {
        pdu: pdu.kind_name(),
        invoke_id: pdu.invoke_id(),
        ..MmsPduReport::default()
    };
    match pdu {
        MmsPdu::ConfirmedRequest(r) => {
            m.service = Some(request_name(&r.service));
            match &r.service {
                Req::Read(x) => access_names(&x.variable_access_specification, &mut m.objects),
                Req::Write(x) => access_names(&x.variable_access_specification, &mut m.objects),
                Req::GetNameList(x) => {
                    if let ObjectScope::Domain(d) = x.object_scope {
                        m.objects.push(format!("domain {d}"));
                    }
                }
                Req::DefineNamedVariableList(x) => {
                    m.objects.push(name(&x.name));
                    access_names(
                        &VariableAccessSpecification::ListOfVariable(x.variables),
                        &mut m.objects,
                    );
                }
                Req::DeleteNamedVariableList(x) => {
                    if let Some(names) = &x.names {
                        m.objects.extend(names.iter().map(|n| name(&n)));
                    }
                }
                Req::GetNamedVariableListAttributes(n) => m.objects.push(name(n)),
                Req::GetVariableAccessAttributes(GetVariableAccessAttributesRequest::Name(n)) => {
                    m.objects.push(name(n));
                }
                _ => {}
            }
        }
        MmsPdu::ConfirmedResponse(r) => {
            m.service = Some(response_name(&r.service));
            match &r.service {
                Resp::Read(x) => {
                    if let Some(v) = &x.variable_access_specification {
                        access_names(v, &mut m.objects);
                    }
                }
                Resp::GetNameList(x) => {
                    m.objects
                        .extend(x.identifiers.iter().map(|i| i.to_string()));
                }
                _ => {}
            }
        }
        MmsPdu::ConfirmedError(e) => {
            m.detail = Some(format!("{:?}", e.service_error.error_class));
        }
        MmsPdu::Unconfirmed(u) => match u {
            UnconfirmedService::InformationReport(ir) => {
                m.service = Some("informationReport");
                access_names(&ir.variable_access_specification, &mut m.objects);
            }
            UnconfirmedService::UnsolicitedStatus(_) => m.service = Some("unsolicitedStatus"),
            _ => m.service = Some("unsupported"),
        },
        MmsPdu::Reject(r) => {
            m.invoke_id = r.original_invoke_id;
            m.detail = Some(format!("{:?}", r.reason));
        }
        MmsPdu::CancelRequest(id) | MmsPdu::CancelResponse(id) => m.invoke_id = Some(*id),
        MmsPdu::CancelError(e) => m.invoke_id = Some(e.original_invoke_id),
        MmsPdu::InitiateError(e) | MmsPdu::ConcludeError(e) => {
            m.detail = Some(format!("{:?}", e.error_class));
        }
        _ => {}
    }
    m
}

fn request_name(s: &Req<'_>) -> &'static str {
    match s {
        Req::Status(_) => "status",
        Req::GetNameList(_) => "getNameList",
        Req::Identify => "identify",
        Req::Read(_) => "read",
        Req::Write(_) => "write",
        Req::GetVariableAccessAttributes(_) => "getVariableAccessAttributes",
        Req::DefineNamedVariableList(_) => "defineNamedVariableList",
        Req::GetNamedVariableListAttributes(_) => "getNamedVariableListAttributes",
        Req::DeleteNamedVariableList(_) => "deleteNamedVariableList",
        _ => "unsupported",
    }
}

fn response_name(s: &Resp<'_>) -> &'static str {
    match s {
        Resp::Status(_) => "status",
        Resp::GetNameList(_) => "getNameList",
        Resp::Identify(_) => "identify",
        Resp::Read(_) => "read",
        Resp::Write(_) => "write",
        Resp::GetVariableAccessAttributes(_) => "getVariableAccessAttributes",
        Resp::DefineNamedVariableList => "defineNamedVariableList",
        Resp::GetNamedVariableListAttributes(_) => "getNamedVariableListAttributes",
        Resp::DeleteNamedVariableList(_) => "deleteNamedVariableList",
        _ => "unsupported",
    }
}

/// Decode one input (a stream of TPKTs of one direction). `input` is the 1-based argument
/// number put in each report.
#[must_use]
pub fn decode_bytes(bytes: &[u8], input: Option<usize>) -> Vec<MmsReport> {
    let mut d = Direction::default();
    let mut out = d.push(bytes);
    out.extend(d.finish());
    for r in &mut out {
        r.input = input;
    }
    out
}

/// Decode hex text (see [`hex::parse`]) as one input.
///
/// # Errors
/// [`hex::HexError`] if the text is not hex.
pub fn decode_hex(text: &str, input: Option<usize>) -> Result<Vec<MmsReport>, hex::HexError> {
    Ok(decode_bytes(&hex::parse(text)?, input))
}

/// Decode every TCP direction with `port` at either end in a pcap/pcapng file.
///
/// # Errors
/// [`CaptureError`] if the file cannot be read.
pub fn decode_pcap(path: &std::path::Path, port: u16) -> Result<Vec<MmsReport>, CaptureError> {
    let reading = super::progress::reading(path);
    let chunks = capture::read_tcp(path)?;
    drop(reading);
    Ok(decode_chunks(&chunks, port))
}

/// Decode reassembled TCP chunks; directions not using `port` are ignored. Reports come in
/// capture order, each with the frame that completed its TPKT; the remains of a direction
/// that ends inside a TPKT come last.
#[must_use]
pub fn decode_chunks(chunks: &[Chunk], port: u16) -> Vec<MmsReport> {
    let mut dirs: BTreeMap<Flow, Direction> = BTreeMap::new();
    let mut out = Vec::new();
    let label = |r: &mut MmsReport, flow: &Flow, frame: Option<u64>| {
        r.frame = frame;
        r.flow = Some(flow.to_string());
        r.direction = Some(if flow.dst_port == port {
            "client_to_server"
        } else {
            "server_to_client"
        });
    };
    let mut progress = super::progress::Progress::new("decoding", chunks.len());
    for (i, c) in chunks
        .iter()
        .enumerate()
        .filter(|(_, c)| c.flow.src_port == port || c.flow.dst_port == port)
    {
        progress.step(i);
        for mut r in dirs.entry(c.flow).or_default().push(&c.data) {
            label(&mut r, &c.flow, Some(c.frame));
            out.push(r);
        }
    }
    for (flow, mut d) in dirs {
        if let Some(mut r) = d.finish() {
            label(&mut r, &flow, None);
            out.push(r);
        }
    }
    out
}
