//! IEC 60870-5-104: APDUs from hex or from TCP streams in a capture.

use super::report::{Malformed, Report};
use super::stream::{Framing, Piece, Skip, StreamSplitter};
use super::{asdu_report, hex, tcp};
use asdu::AsduParams;
use capture::{CaptureError, Chunk};
use iec104_apci::frame::START;
use iec104_apci::{Apci, Apdu, FrameError, UFunction};

/// The registered IEC 60870-5-104 TCP port.
pub const DEFAULT_PORT: u16 = 2404;

/// Decode every APDU in `bytes` (one input: one or several concatenated APDUs). `input` is
/// the 1-based argument number put in each report.
#[must_use]
pub fn decode_bytes(bytes: &[u8], input: Option<usize>) -> Vec<Report> {
    let mut s = StreamSplitter::default();
    let mut pieces = s.push(bytes, is_start, framing);
    pieces.extend(s.finish(is_start, framing));
    pieces
        .into_iter()
        .map(|p| {
            let mut r = report(p);
            r.input = input;
            r
        })
        .collect()
}

/// Decode hex text (see [`hex::parse`]) as one input.
///
/// # Errors
/// [`hex::HexError`] if the text is not hex.
pub fn decode_hex(text: &str, input: Option<usize>) -> Result<Vec<Report>, hex::HexError> {
    Ok(decode_bytes(&hex::parse(text)?, input))
}

/// Decode the APDUs of every TCP direction with `port` at either end in a pcap/pcapng file.
///
/// # Errors
/// [`CaptureError`] if the file cannot be read.
pub fn decode_pcap(path: &std::path::Path, port: u16) -> Result<Vec<Report>, CaptureError> {
    let reading = super::progress::reading(path);
    let chunks = capture::read_tcp(path)?;
    drop(reading);
    Ok(decode_chunks(&chunks, port))
}

/// Decode reassembled TCP chunks (see [`capture::read_tcp_bytes`]); directions not using
/// `port` are ignored. Reports come in capture order; a frame is reported with the number
/// of the pcap frame that completed it.
#[must_use]
pub fn decode_chunks(chunks: &[Chunk], port: u16) -> Vec<Report> {
    tcp::decode_chunks(chunks, port, is_start, framing, report)
}

fn is_start(b: u8) -> bool {
    b == START
}

/// Frame boundaries by the APCI codec. A frame whose start and length octets are valid but
/// whose control field or length/format combination is not keeps its length: the next
/// frame is taken to start after it when the octet there is a start octet (or the input
/// ends); otherwise the splitter resynchronises octet by octet.
fn framing(bytes: &[u8]) -> Framing {
    match Apdu::decode(bytes) {
        Ok((_, used)) => Framing::Complete(used),
        Err(FrameError::Incomplete { needed }) => Framing::Incomplete { needed },
        Err(e) => {
            let delimited = match e {
                FrameError::BadStart { .. } | FrameError::BadLength { .. } => None,
                _ => bytes
                    .get(1)
                    .map(|&l| usize::from(l) + 2)
                    .filter(|&n| bytes.get(n).is_none_or(|&b| b == START)),
            };
            Framing::Bad {
                offset: error_offset(&e),
                reason: e.to_string(),
                skip: delimited.map_or(Skip::Resync, Skip::Frame),
            }
        }
    }
}

fn error_offset(e: &FrameError) -> usize {
    match *e {
        FrameError::BadStart { offset, .. }
        | FrameError::BadLength { offset, .. }
        | FrameError::MissingAsdu { offset }
        | FrameError::UnexpectedAsdu { offset, .. }
        | FrameError::BadControlField { offset, .. }
        | FrameError::BadUFunction { offset, .. }
        | FrameError::TrailingOctets { offset } => offset,
        _ => 0,
    }
}

/// The JSON name of a U function.
#[must_use]
pub fn u_function_name(f: UFunction) -> &'static str {
    match f {
        UFunction::StartDtAct => "STARTDT_ACT",
        UFunction::StartDtCon => "STARTDT_CON",
        UFunction::StopDtAct => "STOPDT_ACT",
        UFunction::StopDtCon => "STOPDT_CON",
        UFunction::TestFrAct => "TESTFR_ACT",
        UFunction::TestFrCon => "TESTFR_CON",
    }
}

fn report(piece: Piece) -> Report {
    match piece {
        Piece::Malformed {
            offset,
            bytes,
            error_offset,
            reason,
        } => Report {
            protocol: "104",
            offset,
            raw: hex::format(&bytes),
            error: Some(Malformed {
                offset: error_offset,
                reason,
            }),
            ..Report::default()
        },
        Piece::Frame { offset, bytes } => frame_report(offset, &bytes),
    }
}

fn frame_report(offset: usize, bytes: &[u8]) -> Report {
    let mut r = Report {
        protocol: "104",
        offset,
        raw: hex::format(bytes),
        ..Report::default()
    };
    let apdu = match Apdu::decode(bytes) {
        Ok((apdu, _)) => apdu,
        Err(e) => {
            // The splitter only hands over frames the codec accepted.
            r.error = Some(Malformed {
                offset: offset + error_offset(&e),
                reason: e.to_string(),
            });
            return r;
        }
    };
    match apdu.apci {
        Apci::I { send_seq, recv_seq } => {
            r.apci = Some("I");
            r.send_seq = Some(send_seq.value());
            r.recv_seq = Some(recv_seq.value());
            let asdu_offset = offset + iec104_apci::HEADER_LEN;
            match asdu_report::report(apdu.asdu, AsduParams::IEC104) {
                Ok(a) => r.asdu = Some(a),
                Err((at, reason)) => {
                    r.error = Some(Malformed {
                        offset: asdu_offset + at,
                        reason: format!("ASDU: {reason}"),
                    });
                }
            }
        }
        Apci::S { recv_seq } => {
            r.apci = Some("S");
            r.recv_seq = Some(recv_seq.value());
        }
        Apci::U(f) => {
            r.apci = Some("U");
            r.function = Some(u_function_name(f));
        }
    }
    r
}
