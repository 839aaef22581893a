//! Progress of a long `decode --pcap` on stderr: while the capture is read (large files)
//! and while its TCP segments are decoded, a line updated in place at most ten times a
//! second, erased when done. Only when stderr is a terminal: piped or redirected, nothing
//! is written, so logs and tests see the decoder's output alone.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

/// Captures smaller than this are read without a message.
const READ_MESSAGE_BYTES: u64 = 1 << 20;
/// Fewer segments than this are decoded without progress.
const MIN_SEGMENTS: usize = 2_000;
/// The line is redrawn at most this often.
const EVERY: Duration = Duration::from_millis(100);

/// A progress line; erased when dropped.
pub(crate) struct Progress {
    what: &'static str,
    total: usize,
    on: bool,
    shown: bool,
    last: Option<Instant>,
    out: Box<dyn Write>,
}

impl Progress {
    /// Progress of `total` steps on stderr, if stderr is a terminal and the work is long.
    pub(crate) fn new(what: &'static str, total: usize) -> Progress {
        let on = std::io::stderr().is_terminal() && total >= MIN_SEGMENTS;
        Progress::with_writer(what, total, on, Box::new(std::io::stderr()))
    }

    fn with_writer(what: &'static str, total: usize, on: bool, out: Box<dyn Write>) -> Progress {
        Progress {
            what,
            total,
            on,
            shown: false,
            last: None,
            out,
        }
    }

    /// `done` steps are done.
    pub(crate) fn step(&mut self, done: usize) {
        if !self.on || self.last.is_some_and(|t| t.elapsed() < EVERY) {
            return;
        }
        self.last = Some(Instant::now());
        let _ = write!(self.out, "\r{}", line(self.what, done, self.total));
        let _ = self.out.flush();
        self.shown = true;
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if self.shown {
            let _ = write!(self.out, "\r\x1b[K");
            let _ = self.out.flush();
        }
    }
}

/// `decoding:  42% (4200/10000 TCP segments)`.
fn line(what: &str, done: usize, total: usize) -> String {
    let pct = done
        .saturating_mul(100)
        .checked_div(total)
        .unwrap_or(100)
        .min(100);
    format!("{what}: {pct:3}% ({done}/{total} TCP segments)")
}

/// While reading a large capture: `reading FILE (N MiB)...` on a terminal, erased when
/// the returned guard drops.
pub(crate) fn reading(path: &std::path::Path) -> Option<Progress> {
    let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    if !std::io::stderr().is_terminal() || size < READ_MESSAGE_BYTES {
        return None;
    }
    let mut p = Progress::with_writer("reading", 0, true, Box::new(std::io::stderr()));
    let _ = write!(p.out, "reading {} ({} MiB)...", path.display(), size >> 20);
    let _ = p.out.flush();
    p.shown = true;
    Some(p)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Buf(Arc<Mutex<Vec<u8>>>);

    impl Write for Buf {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn the_line_counts_segments() {
        assert_eq!(
            line("decoding", 0, 10_000),
            "decoding:   0% (0/10000 TCP segments)"
        );
        assert_eq!(
            line("decoding", 4_200, 10_000),
            "decoding:  42% (4200/10000 TCP segments)"
        );
        assert_eq!(line("decoding", 0, 0), "decoding: 100% (0/0 TCP segments)");
    }

    #[test]
    fn shown_at_most_every_tenth_of_a_second_then_erased() {
        let buf = Buf::default();
        let mut p = Progress::with_writer("decoding", 3_000, true, Box::new(buf.clone()));
        p.step(0);
        p.step(1);
        p.step(2);
        drop(p);
        let text = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
        assert_eq!(
            text, "\rdecoding:   0% (0/3000 TCP segments)\r\x1b[K",
            "one line (the others came too soon), then erased"
        );
    }

    #[test]
    fn off_writes_nothing() {
        let buf = Buf::default();
        let mut p = Progress::with_writer("decoding", 3_000, false, Box::new(buf.clone()));
        p.step(0);
        drop(p);
        assert!(buf.0.lock().unwrap().is_empty());
    }
}
