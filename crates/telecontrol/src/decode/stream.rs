//! Splitting a byte stream into frames, with resynchronisation after garbage.
//!
//! The protocol module says, for the bytes at the current position, whether a whole frame
//! is there ([`Framing::Complete`]), more bytes are needed ([`Framing::Incomplete`]), or the
//! bytes are not a frame ([`Framing::Bad`]). After bad bytes the splitter skips either the
//! whole length-delimited frame (when its length octet is credible, see [`Skip`]) or one
//! octet, then moves to the next possible start octet.

/// What the protocol's framer found at the current position.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Framing {
    /// A complete frame of this many octets.
    Complete(usize),
    /// A valid beginning; the frame needs more octets.
    Incomplete {
        /// At least this many more octets.
        needed: usize,
    },
    /// Not a valid frame.
    Bad {
        /// Offset of the offending octet from the current position.
        offset: usize,
        /// Why.
        reason: String,
        /// How far to skip before looking for the next start octet.
        skip: Skip,
    },
}

/// How much a bad frame spans.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Skip {
    /// The framing is lost: skip one octet, then resynchronise on the next start octet.
    Resync,
    /// The frame's length octet delimits it: skip this many octets.
    Frame(usize),
}

/// One piece of the stream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Piece {
    /// A complete frame: decode it.
    Frame {
        /// Stream offset of the frame's first octet.
        offset: usize,
        /// The frame.
        bytes: Vec<u8>,
    },
    /// Octets that are not a frame.
    Malformed {
        /// Stream offset of the first octet.
        offset: usize,
        /// The octets skipped.
        bytes: Vec<u8>,
        /// Stream offset of the offending octet.
        error_offset: usize,
        /// Why.
        reason: String,
    },
}

/// A stream buffer for one direction; feed it bytes, take out pieces.
#[derive(Debug, Default)]
pub(crate) struct StreamSplitter {
    buf: Vec<u8>,
    /// Stream offset of `buf[0]`.
    base: usize,
}

impl StreamSplitter {
    /// Append bytes and return every piece now complete.
    pub(crate) fn push(
        &mut self,
        data: &[u8],
        is_start: impl Fn(u8) -> bool,
        framer: impl Fn(&[u8]) -> Framing,
    ) -> Vec<Piece> {
        self.buf.extend_from_slice(data);
        self.drain(false, is_start, framer)
    }

    /// The stream ended: return the remaining pieces, the last one reporting a truncated
    /// frame if the stream stopped inside one.
    pub(crate) fn finish(
        &mut self,
        is_start: impl Fn(u8) -> bool,
        framer: impl Fn(&[u8]) -> Framing,
    ) -> Vec<Piece> {
        self.drain(true, is_start, framer)
    }

    fn drain(
        &mut self,
        at_end: bool,
        is_start: impl Fn(u8) -> bool,
        framer: impl Fn(&[u8]) -> Framing,
    ) -> Vec<Piece> {
        let mut pieces = Vec::new();
        let mut pos = 0usize;
        let buf = &self.buf;
        while let Some(rest) = buf.get(pos..).filter(|r| !r.is_empty()) {
            let offset = self.base + pos;
            // Garbage before the next start octet.
            let lead = rest.iter().position(|&b| is_start(b)).unwrap_or(rest.len());
            if lead > 0 {
                let bytes = rest.get(..lead).unwrap_or_default().to_vec();
                pieces.push(Piece::Malformed {
                    offset,
                    error_offset: offset,
                    reason: format!("{lead} octet(s) before a start octet skipped"),
                    bytes,
                });
                pos += lead;
                continue;
            }
            match framer(rest) {
                Framing::Complete(len) => {
                    let len = len.clamp(1, rest.len());
                    let bytes = rest.get(..len).unwrap_or_default().to_vec();
                    pieces.push(Piece::Frame { offset, bytes });
                    pos += len;
                }
                Framing::Incomplete { needed } => {
                    if at_end {
                        pieces.push(Piece::Malformed {
                            offset,
                            bytes: rest.to_vec(),
                            error_offset: self.base + buf.len(),
                            reason: format!("truncated frame: stream ends {needed} octet(s) short"),
                        });
                        pos = buf.len();
                    }
                    break;
                }
                Framing::Bad {
                    offset: bad,
                    reason,
                    skip,
                } => {
                    let len = match skip {
                        Skip::Frame(n) => n,
                        Skip::Resync => {
                            1 + rest
                                .iter()
                                .skip(1)
                                .position(|&b| is_start(b))
                                .unwrap_or(rest.len() - 1)
                        }
                    }
                    .clamp(1, rest.len());
                    pieces.push(Piece::Malformed {
                        offset,
                        bytes: rest.get(..len).unwrap_or_default().to_vec(),
                        error_offset: offset + bad,
                        reason,
                    });
                    pos += len;
                }
            }
        }
        self.buf.drain(..pos.min(self.buf.len()));
        self.base += pos;
        pieces
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A toy framing: `0xAA len payload..`, length 0 is bad (resync), length 9 is bad with a
    /// credible length.
    fn toy(b: &[u8]) -> Framing {
        match b.get(1) {
            None => Framing::Incomplete { needed: 1 },
            Some(0) => Framing::Bad {
                offset: 1,
                reason: "zero".into(),
                skip: Skip::Resync,
            },
            Some(9) => Framing::Bad {
                offset: 1,
                reason: "nine".into(),
                skip: Skip::Frame(3),
            },
            Some(&n) if b.len() >= 2 + usize::from(n) => Framing::Complete(2 + usize::from(n)),
            Some(&n) => Framing::Incomplete {
                needed: 2 + usize::from(n) - b.len(),
            },
        }
    }

    fn start(b: u8) -> bool {
        b == 0xAA
    }

    #[test]
    fn frames_across_pushes_garbage_and_truncation() {
        let mut s = StreamSplitter::default();
        assert!(s.push(&[0xAA, 2, 1], start, toy).is_empty());
        let p = s.push(
            &[2, 0x01, 0x02, 0xAA, 0, 5, 0xAA, 9, 0, 0xAA, 1],
            start,
            toy,
        );
        assert_eq!(
            p,
            [
                Piece::Frame {
                    offset: 0,
                    bytes: vec![0xAA, 2, 1, 2]
                },
                Piece::Malformed {
                    offset: 4,
                    bytes: vec![1, 2],
                    error_offset: 4,
                    reason: "2 octet(s) before a start octet skipped".into()
                },
                Piece::Malformed {
                    offset: 6,
                    bytes: vec![0xAA, 0, 5],
                    error_offset: 7,
                    reason: "zero".into()
                },
                Piece::Malformed {
                    offset: 9,
                    bytes: vec![0xAA, 9, 0],
                    error_offset: 10,
                    reason: "nine".into()
                },
            ]
        );
        let end = s.finish(start, toy);
        assert_eq!(
            end,
            [Piece::Malformed {
                offset: 12,
                bytes: vec![0xAA, 1],
                error_offset: 14,
                reason: "truncated frame: stream ends 1 octet(s) short".into()
            }]
        );
    }
}
