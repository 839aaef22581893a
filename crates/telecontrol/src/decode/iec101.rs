//! IEC 60870-5-101: FT1.2 frames from hex, with the ASDU of variable frames.

use super::report::{LinkReport, Malformed, Report};
use super::stream::{Framing, Piece, Skip, StreamSplitter};
use super::{asdu_report, hex, tcp};
use asdu::AsduParams;
use capture::{CaptureError, Chunk};
use iec101_link::{
    AddressSize, ControlField, Frame, FrameError, SINGLE_ACK, START_FIXED, START_VARIABLE,
};

/// The system parameters a 101 decoder needs: they are not on the wire (101 §7.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Params101 {
    /// Link address field size.
    pub link_address: AddressSize,
    /// ASDU field sizes.
    pub asdu: AsduParams,
}

impl Default for Params101 {
    /// One-octet link address; 1-octet COT, 1-octet common address, 2-octet IOA.
    fn default() -> Self {
        Params101 {
            link_address: AddressSize::One,
            asdu: AsduParams::IEC101_COMPACT,
        }
    }
}

/// Decode every FT1.2 frame in `bytes` (one input: one or several concatenated frames).
#[must_use]
pub fn decode_bytes(bytes: &[u8], input: Option<usize>, params: Params101) -> Vec<Report> {
    let framer = |b: &[u8]| framing(b, params.link_address);
    let mut s = StreamSplitter::default();
    let mut pieces = s.push(bytes, is_start, framer);
    pieces.extend(s.finish(is_start, framer));
    pieces
        .into_iter()
        .map(|p| {
            let mut r = report(p, params);
            r.input = input;
            r
        })
        .collect()
}

/// Decode hex text (see [`hex::parse`]) as one input.
///
/// # Errors
/// [`hex::HexError`] if the text is not hex.
pub fn decode_hex(
    text: &str,
    input: Option<usize>,
    params: Params101,
) -> Result<Vec<Report>, hex::HexError> {
    Ok(decode_bytes(&hex::parse(text)?, input, params))
}

/// Decode the FT1.2 frames of every TCP direction with `port` at either end in a
/// pcap/pcapng file (IEC 101 carried over TCP, e.g. through a terminal server).
///
/// # Errors
/// [`CaptureError`] if the file cannot be read.
pub fn decode_pcap(
    path: &std::path::Path,
    port: u16,
    params: Params101,
) -> Result<Vec<Report>, CaptureError> {
    let reading = super::progress::reading(path);
    let chunks = capture::read_tcp(path)?;
    drop(reading);
    Ok(decode_chunks(&chunks, port, params))
}

/// Decode reassembled TCP chunks (see [`capture::read_tcp_bytes`]); directions not using
/// `port` are ignored. A frame is reported with the number of the pcap frame that completed
/// it.
#[must_use]
pub fn decode_chunks(chunks: &[Chunk], port: u16, params: Params101) -> Vec<Report> {
    let framer = move |b: &[u8]| framing(b, params.link_address);
    tcp::decode_chunks(chunks, port, is_start, framer, |p| report(p, params))
}

fn is_start(b: u8) -> bool {
    matches!(b, START_FIXED | START_VARIABLE | SINGLE_ACK)
}

fn framing(bytes: &[u8], asize: AddressSize) -> Framing {
    match Frame::decode(bytes, asize) {
        Ok((_, used)) => Framing::Complete(used),
        Err(FrameError::Incomplete { available, needed }) => Framing::Incomplete {
            needed: needed.saturating_sub(available).max(1),
        },
        Err(e) => {
            // A wrong checksum or end character leaves the length credible.
            let total = match (e, bytes.first()) {
                (FrameError::Checksum { .. } | FrameError::BadEnd { .. }, Some(&START_FIXED)) => {
                    Some(asize.fixed_frame_len())
                }
                (FrameError::Checksum { .. } | FrameError::BadEnd { .. }, _) => {
                    bytes.get(1).map(|&l| usize::from(l) + 6)
                }
                _ => None,
            };
            let delimited = total.filter(|&n| bytes.get(n).is_none_or(|&b| is_start(b)));
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
        | FrameError::LengthMismatch { offset, .. }
        | FrameError::LengthTooShort { offset, .. }
        | FrameError::BadSecondStart { offset, .. }
        | FrameError::Checksum { offset, .. }
        | FrameError::BadEnd { offset, .. } => offset,
        _ => 0,
    }
}

fn report(piece: Piece, params: Params101) -> Report {
    match piece {
        Piece::Malformed {
            offset,
            bytes,
            error_offset,
            reason,
        } => Report {
            protocol: "101",
            offset,
            raw: hex::format(&bytes),
            error: Some(Malformed {
                offset: error_offset,
                reason,
            }),
            ..Report::default()
        },
        Piece::Frame { offset, bytes } => frame_report(offset, &bytes, params),
    }
}

fn frame_report(offset: usize, bytes: &[u8], params: Params101) -> Report {
    let mut r = Report {
        protocol: "101",
        offset,
        raw: hex::format(bytes),
        ..Report::default()
    };
    let frame = match Frame::decode(bytes, params.link_address) {
        Ok((frame, _)) => frame,
        Err(e) => {
            r.error = Some(Malformed {
                offset: offset + error_offset(&e),
                reason: e.to_string(),
            });
            return r;
        }
    };
    match frame {
        Frame::SingleAck => {
            r.link = Some(LinkReport {
                kind: "single_char",
                control: None,
                prm: None,
                dir: None,
                fcb_acd: None,
                fcv_dfc: None,
                function_code: None,
                function: Some("ACK".into()),
                address: None,
            });
        }
        Frame::Fixed { control, address } => {
            r.link = Some(link_report("fixed", control, address, params));
            r.error = control_error(control, offset + 1);
        }
        Frame::Variable {
            control,
            address,
            data,
        } => {
            r.link = Some(link_report("variable", control, address, params));
            r.error = control_error(control, offset + 4);
            // 0x68 L L 0x68 C A..: the user data starts after the address field.
            let data_offset = offset + 5 + params.link_address.octets();
            match asdu_report::report(data, params.asdu) {
                Ok(a) => r.asdu = Some(a),
                Err((at, reason)) => {
                    r.error = r.error.or(Some(Malformed {
                        offset: data_offset + at,
                        reason: format!("ASDU: {reason}"),
                    }));
                }
            }
        }
    }
    r
}

/// An undefined function code makes the frame malformed (IEC 60870-5-2 §5.1.2); the rest
/// of the frame is still decoded.
fn control_error(control: u8, offset: usize) -> Option<Malformed> {
    ControlField::decode(control).err().map(|e| Malformed {
        offset,
        reason: e.to_string(),
    })
}

fn link_report(kind: &'static str, control: u8, address: u16, params: Params101) -> LinkReport {
    let prm = control & 0x40 != 0;
    let function = match ControlField::decode(control) {
        Ok(ControlField::Primary { function, .. }) => Some(format!("{function:?}")),
        Ok(ControlField::Secondary { function, .. }) => Some(format!("{function:?}")),
        Err(_) => None,
    };
    LinkReport {
        kind,
        control: Some(control),
        prm: Some(prm),
        dir: Some(control & 0x80 != 0),
        fcb_acd: Some(control & 0x20 != 0),
        fcv_dfc: Some(control & 0x10 != 0),
        function_code: Some(control & 0x0F),
        function,
        address: (params.link_address != AddressSize::None).then_some(address),
    }
}
