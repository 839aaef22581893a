//! A live table of points for the terminal: one row per point (value, quality, the
//! point's own time tag, when it was received, how many updates), redrawn in place with
//! ANSI cursor moves when stdout is a terminal; other messages scroll above it, and one
//! status line (the last command's confirmation or termination, say) stays under it.
//! When stdout is not a terminal (a pipe, a file, a test), every update, message and
//! status is printed as its own line instead.
//!
//! On a terminal the table fits the window (asked of the terminal before each redraw):
//! lines are cut to its width, so that none wraps and the cursor moves stay exact, and a
//! table taller than the window shows its first rows and how many more there are (the
//! others are still kept; `--json` prints them all).
//!
//! The table writes to stdout by default, or to any writer ([`LiveTable::with_writer`],
//! [`LiveTable::with_size`]): tests render into a buffer and check the cursor moves.

use std::fmt::Write as _;
use std::io::{IsTerminal, Write};
use std::sync::{Mutex, PoisonError};

/// One point's row.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Row {
    name: String,
    value: String,
    quality: String,
    /// The point's own time tag (empty: none).
    time: String,
    received: String,
    updates: u64,
}

/// The table and where it is drawn.
pub struct LiveTable {
    rows: Vec<Row>,
    /// The status line under the table (terminal only).
    status: Option<String>,
    /// Lines of the table (and status) currently on screen (0: not drawn).
    drawn: usize,
    tty: bool,
    out: Box<dyn Write + Send>,
    /// The window, columns and rows: fixed, or asked of stdout's terminal, or none.
    size: Size,
}

/// Where the table's window size comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Size {
    /// Unlimited (a writer that is not a terminal).
    Unlimited,
    /// Asked of stdout's terminal before each redraw.
    Stdout,
    /// Fixed columns and rows.
    Fixed(usize, usize),
}

impl std::fmt::Debug for LiveTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveTable")
            .field("rows", &self.rows.len())
            .field("drawn", &self.drawn)
            .field("tty", &self.tty)
            .finish_non_exhaustive()
    }
}

impl LiveTable {
    /// A table for stdout: live when stdout is a terminal, lines otherwise.
    #[must_use]
    pub fn stdout() -> LiveTable {
        LiveTable::new(std::io::stdout().is_terminal())
    }

    /// A table on stdout, drawn in place (`tty`) or printed as lines.
    #[must_use]
    pub fn new(tty: bool) -> LiveTable {
        let mut t = LiveTable::with_writer(tty, Box::new(std::io::stdout()));
        t.size = Size::Stdout;
        t
    }

    /// A table written to `out`, drawn in place (`tty`) or printed as lines.
    #[must_use]
    pub fn with_writer(tty: bool, out: Box<dyn Write + Send>) -> LiveTable {
        LiveTable {
            rows: Vec::new(),
            status: None,
            drawn: 0,
            tty,
            out,
            size: Size::Unlimited,
        }
    }

    /// As [`with_writer`](Self::with_writer), drawn in a window of `columns` × `rows`.
    #[must_use]
    pub fn with_size(
        tty: bool,
        out: Box<dyn Write + Send>,
        columns: usize,
        rows: usize,
    ) -> LiveTable {
        let mut t = LiveTable::with_writer(tty, out);
        t.size = Size::Fixed(columns, rows);
        t
    }

    /// Whether the table is redrawn in place.
    #[must_use]
    pub fn is_live(&self) -> bool {
        self.tty
    }

    /// A message: above the table on a terminal, a plain line otherwise.
    pub fn line(&mut self, text: &str) {
        if self.tty {
            self.redraw_with(&format!("{text}\n"));
        } else {
            self.emit(&format!("{text}\n"));
        }
    }

    /// The status line: on a terminal one line under the table, replaced by the next
    /// status; a plain line otherwise.
    pub fn status(&mut self, text: &str) {
        if self.tty {
            self.status = Some(text.to_owned());
            self.redraw();
        } else {
            self.emit(&format!("{text}\n"));
        }
    }

    /// A point's new value and quality. On a terminal the table is redrawn; otherwise
    /// `fallback` is printed as a line (nothing when empty).
    pub fn update(&mut self, name: &str, value: &str, quality: &str, fallback: &str) {
        self.update_timed(name, value, quality, None, fallback);
    }

    /// As [`update`](Self::update), with the point's own time tag.
    pub fn update_timed(
        &mut self,
        name: &str,
        value: &str,
        quality: &str,
        time: Option<&str>,
        fallback: &str,
    ) {
        let received = clock_now();
        let time = time.unwrap_or_default();
        match self.rows.iter_mut().find(|r| r.name == name) {
            Some(r) => {
                value.clone_into(&mut r.value);
                quality.clone_into(&mut r.quality);
                time.clone_into(&mut r.time);
                r.received = received;
                r.updates = r.updates.saturating_add(1);
            }
            None => self.rows.push(Row {
                name: name.to_owned(),
                value: value.to_owned(),
                quality: quality.to_owned(),
                time: time.to_owned(),
                received,
                updates: 1,
            }),
        }
        if self.tty {
            self.redraw();
        } else if !fallback.is_empty() {
            self.emit(&format!("{fallback}\n"));
        }
    }

    /// The table as text: a header and one line per point, in order of first appearance
    /// (and, on a terminal, the status line).
    #[must_use]
    pub fn render(&self) -> String {
        let mut s = String::new();
        for l in self.table_lines() {
            s.push_str(&l);
            s.push('\n');
        }
        if let Some(st) = &self.status {
            s.push_str(st);
            s.push('\n');
        }
        s
    }

    /// The header and one line per point.
    fn table_lines(&self) -> Vec<String> {
        let w =
            |f: fn(&Row) -> usize, min: usize| self.rows.iter().map(f).max().unwrap_or(0).max(min);
        let (wn, wv, wq, wt) = (
            w(|r| r.name.chars().count(), 5),
            w(|r| r.value.chars().count(), 5),
            w(|r| r.quality.chars().count(), 7),
            w(|r| r.time.chars().count(), 4),
        );
        let mut v = vec![format!(
            "{:<wn$}  {:>wv$}  {:<wq$}  {:<wt$}  {:<12}  UPDATES",
            "POINT", "VALUE", "QUALITY", "TIME", "RECEIVED"
        )];
        for r in &self.rows {
            let time = if r.time.is_empty() { "-" } else { &r.time };
            v.push(format!(
                "{:<wn$}  {:>wv$}  {:<wq$}  {:<wt$}  {:<12}  {}",
                r.name, r.value, r.quality, time, r.received, r.updates
            ));
        }
        v
    }

    fn redraw(&mut self) {
        self.redraw_with("");
    }

    /// Move up over the drawn table, clear to the end of the screen, write `above`, draw
    /// the table again. The stdout table does it holding [`ON_SCREEN`], where it leaves
    /// what it drew for the log lines ([`log_writer`]).
    fn redraw_with(&mut self, above: &str) {
        let table = if self.rows.is_empty() && self.status.is_none() {
            String::new()
        } else {
            fit(self.table_lines(), self.status.as_deref(), self.window())
        };
        let mut shared = (self.size == Size::Stdout)
            .then(|| ON_SCREEN.lock().unwrap_or_else(PoisonError::into_inner));
        let drawn = shared.as_ref().map_or(self.drawn, |g| g.0);
        let mut out = String::new();
        if drawn > 0 {
            let _ = write!(out, "\x1b[{drawn}A\r\x1b[J");
        }
        out.push_str(above);
        out.push_str(&table);
        self.drawn = table.lines().count();
        if let Some(g) = &mut shared {
            **g = (self.drawn, table);
        }
        self.emit(&out);
    }

    /// The window's columns and rows, if limited.
    fn window(&self) -> Option<(usize, usize)> {
        match self.size {
            Size::Unlimited => None,
            Size::Fixed(c, r) => Some((c, r)),
            Size::Stdout => rustix::termios::tcgetwinsize(std::io::stdout())
                .ok()
                .filter(|w| w.ws_col > 0 && w.ws_row > 0)
                .map(|w| (usize::from(w.ws_col), usize::from(w.ws_row))),
        }
    }

    fn emit(&mut self, s: &str) {
        let _ = self.out.write_all(s.as_bytes());
        let _ = self.out.flush();
    }
}

/// What the stdout table has on screen: its lines and their text.
static ON_SCREEN: Mutex<(usize, String)> = Mutex::new((0, String::new()));

/// The writer for log lines (tracing) on stderr: when a live table is on the terminal
/// and stderr is that terminal too, each log line goes above the table (the table is
/// erased, the line written, the table drawn again) instead of through it.
#[must_use]
pub fn log_writer() -> LogLine {
    LogLine(Vec::new())
}

/// One log event's text, written to stderr when dropped.
#[derive(Debug)]
pub struct LogLine(Vec<u8>);

impl Write for LogLine {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for LogLine {
    fn drop(&mut self) {
        let shown = ON_SCREEN.lock().unwrap_or_else(PoisonError::into_inner);
        let over = shown.0 > 0 && std::io::stderr().is_terminal();
        let _ = log_over(
            &shown,
            over,
            &self.0,
            &mut std::io::stdout().lock(),
            &mut std::io::stderr().lock(),
        );
    }
}

/// Write the log `text` to `err`; `over` a table `shown` (lines, text) on `out`: erase the
/// table first and draw it again after.
fn log_over(
    shown: &(usize, String),
    over: bool,
    text: &[u8],
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> std::io::Result<()> {
    if over {
        write!(out, "\x1b[{}A\r\x1b[J", shown.0)?;
        out.flush()?;
    }
    err.write_all(text)?;
    err.flush()?;
    if over {
        out.write_all(shown.1.as_bytes())?;
        out.flush()?;
    }
    Ok(())
}

/// The table's lines and status line cut to a window of `columns` × `rows`: each line to
/// `columns - 1` characters (a line as wide as the window would wrap on some terminals),
/// and at most `rows - 2` lines in all (room for a message scrolling above): the header,
/// the first point rows, one line saying how many more are hidden, the status line.
fn fit(mut lines: Vec<String>, status: Option<&str>, window: Option<(usize, usize)>) -> String {
    if let Some((columns, rows)) = window {
        let room = rows.saturating_sub(2).max(3);
        let all = lines.len().saturating_add(usize::from(status.is_some()));
        if all > room {
            // Keep the header and as many rows as fit beside the "more" and status lines.
            let keep = room
                .saturating_sub(1 + usize::from(status.is_some()))
                .max(1);
            let hidden = lines.len().saturating_sub(keep);
            lines.truncate(keep);
            lines.push(format!("... and {hidden} more points"));
        }
        lines.extend(status.map(str::to_owned));
        let width = columns.saturating_sub(1).max(1);
        for l in &mut lines {
            if l.chars().count() > width {
                *l = l.chars().take(width).collect();
            }
        }
    } else {
        lines.extend(status.map(str::to_owned));
    }
    let mut s = String::new();
    for l in lines {
        s.push_str(&l);
        s.push('\n');
    }
    s
}

/// UTC time of day, `HH:MM:SS.mmm`.
fn clock_now() -> String {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let s = d.as_secs() % 86_400;
    format!(
        "{:02}:{:02}:{:02}.{:03}",
        s / 3_600,
        s / 60 % 60,
        s % 60,
        d.subsec_millis()
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    /// A writer the test reads back.
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

    impl Buf {
        fn take(&self) -> String {
            String::from_utf8(std::mem::take(&mut *self.0.lock().unwrap())).unwrap()
        }
    }

    fn row(name: &str, value: &str) -> Row {
        Row {
            name: name.into(),
            value: value.into(),
            quality: "Valid".into(),
            time: String::new(),
            received: "10:00:00.000".into(),
            updates: 1,
        }
    }

    #[test]
    fn rows_keep_their_place_and_count_updates() {
        let mut t = LiveTable::with_writer(false, Box::new(Buf::default()));
        t.rows.push(row("RTU1_MW", "12.5"));
        t.rows.push(row("RTU1_BRK1_POS", "ON"));
        let text = t.render();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[0].starts_with("POINT"));
        assert!(lines[1].starts_with("RTU1_MW        "));
        assert!(lines[2].starts_with("RTU1_BRK1_POS  "));
        // Columns line up: the value column ends at the same place on every line.
        let end = |l: &str, v: &str| l.find(v).unwrap() + v.len();
        assert_eq!(end(lines[0], "VALUE"), end(lines[1], "12.5"));
        assert_eq!(end(lines[1], "12.5"), end(lines[2], "ON"));
        // No time tag: a dash under TIME.
        assert_eq!(
            lines[1].find(" - "),
            Some(lines[0].find("TIME").unwrap() - 1)
        );
    }

    #[test]
    fn not_a_terminal_prints_the_fallback_lines_only() {
        let buf = Buf::default();
        let mut t = LiveTable::with_writer(false, Box::new(buf.clone()));
        t.update("A", "1", "Valid", "A = 1");
        t.update("B", "2", "Valid", "");
        t.update_timed("A", "3", "Held", Some("2026-01-01T00:00:00.000"), "A = 3");
        t.status("command accepted");
        t.line("hello");
        assert_eq!(buf.take(), "A = 1\nA = 3\ncommand accepted\nhello\n");
        assert_eq!(t.rows.len(), 2);
        assert_eq!(t.rows[0].value, "3");
        assert_eq!(t.rows[0].quality, "Held");
        assert_eq!(t.rows[0].time, "2026-01-01T00:00:00.000");
        assert_eq!(t.rows[0].updates, 2);
        assert_eq!(t.drawn, 0);
    }

    #[test]
    fn on_a_terminal_rows_update_in_place() {
        let buf = Buf::default();
        let mut t = LiveTable::with_writer(true, Box::new(buf.clone()));
        t.update("1/100", "12.5", "good", "ignored");
        let first = buf.take();
        // Nothing drawn before: the header and one row, no cursor move.
        assert!(!first.contains('\x1b'));
        assert_eq!(first.lines().count(), 2);
        let cols: Vec<&str> = first.lines().nth(1).unwrap().split_whitespace().collect();
        assert_eq!(cols[..4], ["1/100", "12.5", "good", "-"]);
        t.update("1/101", "ON", "good", "ignored");
        let second = buf.take();
        // Up over the two lines drawn, clear, then three lines.
        assert!(second.starts_with("\x1b[2A\r\x1b[J"));
        assert_eq!(second.lines().count(), 3);
        t.update("1/100", "13", "IV", "ignored");
        let third = buf.take();
        assert!(third.starts_with("\x1b[3A\r\x1b[J"));
        let rows: Vec<&str> = third.lines().collect();
        // The first point's row changed where it was; still two points.
        assert_eq!(rows.len(), 3);
        assert!(rows[1].contains("1/100") && rows[1].contains(" 13 ") && rows[1].contains("IV"));
        assert!(
            rows[1].trim_end().ends_with(" 2"),
            "two updates: {}",
            rows[1]
        );
        assert!(rows[2].contains("1/101") && rows[2].trim_end().ends_with(" 1"));
        // A status line goes under the table and replaces the previous one.
        t.status("C_SC_NA_1 IOA 2000: activation confirmation");
        let fourth = buf.take();
        assert!(fourth.starts_with("\x1b[3A\r\x1b[J"));
        assert_eq!(
            fourth.lines().last(),
            Some("C_SC_NA_1 IOA 2000: activation confirmation")
        );
        t.status("C_SC_NA_1 IOA 2000: activation termination");
        let fifth = buf.take();
        assert!(fifth.starts_with("\x1b[4A\r\x1b[J"));
        assert_eq!(fifth.lines().count(), 4);
        assert!(!fifth.contains("confirmation"));
        // A message scrolls above the table, which is drawn again under it.
        t.line("link up");
        let sixth = buf.take();
        assert!(sixth.starts_with("\x1b[4A\r\x1b[Jlink up\nPOINT"));
        assert_eq!(t.drawn, 4);
    }

    #[test]
    fn a_small_window_cuts_lines_and_hides_rows() {
        let buf = Buf::default();
        let mut t = LiveTable::with_size(true, Box::new(buf.clone()), 30, 6);
        for i in 0..10 {
            t.update(&format!("1/{i}"), "1.5", "good", "");
        }
        t.status("C_SC_NA_1 CA 1 IOA 1100: actcon (negative)");
        let shown = buf.take();
        let last = shown.rsplit("\x1b[J").next().unwrap();
        let lines: Vec<&str> = last.lines().collect();
        // 6 rows: 4 lines (2 left for a message), none wider than 29 characters.
        assert_eq!(lines.len(), 4, "{last:?}");
        assert!(lines.iter().all(|l| l.chars().count() <= 29), "{last:?}");
        assert!(lines[0].starts_with("POINT"));
        assert!(lines[1].starts_with("1/0 "));
        assert_eq!(lines[2], "... and 9 more points");
        assert_eq!(lines[3], "C_SC_NA_1 CA 1 IOA 1100: actc");
        // The next redraw goes up exactly over those 4 lines.
        t.update("1/0", "2", "good", "");
        assert!(buf.take().starts_with("\x1b[4A\r\x1b[J"));
        // Every point is still kept.
        assert_eq!(t.render().lines().count(), 12);
    }

    #[test]
    fn log_lines_go_above_the_table() {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let shown = (2, "POINT\n1/100\n".to_owned());
        log_over(&shown, true, b"INFO hello\n", &mut out, &mut err).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "\x1b[2A\r\x1b[JPOINT\n1/100\n"
        );
        assert_eq!(err, b"INFO hello\n");
        let (mut out, mut err) = (Vec::new(), Vec::new());
        log_over(&shown, false, b"INFO hello\n", &mut out, &mut err).unwrap();
        assert!(out.is_empty());
        assert_eq!(err, b"INFO hello\n");
    }

    #[test]
    fn the_clock_has_milliseconds() {
        let c = clock_now();
        assert_eq!(c.len(), 12);
        assert_eq!(&c[2..3], ":");
        assert_eq!(&c[8..9], ".");
    }
}
