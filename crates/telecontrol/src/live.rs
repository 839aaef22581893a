//! A live table of points for the terminal: one row per point (value, quality, when it was
//! received, how many updates), redrawn in place with ANSI cursor moves when stdout is a
//! terminal; other messages scroll above it. When stdout is not a terminal (a pipe, a
//! file, a test), every update is printed as its own line instead, as before.

use std::fmt::Write as _;
use std::io::{IsTerminal, Write};

/// One point's row.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Row {
    name: String,
    value: String,
    quality: String,
    received: String,
    updates: u64,
}

/// The table and where it is drawn.
#[derive(Debug)]
pub struct LiveTable {
    rows: Vec<Row>,
    /// Lines of the table currently on screen (0: not drawn).
    drawn: usize,
    tty: bool,
}

impl LiveTable {
    /// A table for stdout: live when stdout is a terminal, lines otherwise.
    #[must_use]
    pub fn stdout() -> LiveTable {
        LiveTable::new(std::io::stdout().is_terminal())
    }

    /// A table drawn in place (`tty`) or printed as lines.
    #[must_use]
    pub fn new(tty: bool) -> LiveTable {
        LiveTable {
            rows: Vec::new(),
            drawn: 0,
            tty,
        }
    }

    /// Whether the table is redrawn in place.
    #[must_use]
    pub fn is_live(&self) -> bool {
        self.tty
    }

    /// A message: above the table on a terminal, a plain line otherwise.
    pub fn line(&mut self, text: &str) {
        let mut out = String::new();
        if self.tty {
            self.erase(&mut out);
            out.push_str(text);
            out.push('\n');
            self.draw(&mut out);
        } else {
            out.push_str(text);
            out.push('\n');
        }
        emit(&out);
    }

    /// A point's new value and quality. On a terminal the table is redrawn; otherwise
    /// `fallback` is printed as a line.
    pub fn update(&mut self, name: &str, value: &str, quality: &str, fallback: &str) {
        let received = clock_now();
        match self.rows.iter_mut().find(|r| r.name == name) {
            Some(r) => {
                value.clone_into(&mut r.value);
                quality.clone_into(&mut r.quality);
                r.received = received;
                r.updates = r.updates.saturating_add(1);
            }
            None => self.rows.push(Row {
                name: name.to_owned(),
                value: value.to_owned(),
                quality: quality.to_owned(),
                received,
                updates: 1,
            }),
        }
        if self.tty {
            let mut out = String::new();
            self.erase(&mut out);
            self.draw(&mut out);
            emit(&out);
        } else {
            emit(&format!("{fallback}\n"));
        }
    }

    /// The table as text (header and one line per point, in order of first appearance).
    #[must_use]
    pub fn render(&self) -> String {
        let w =
            |f: fn(&Row) -> usize, min: usize| self.rows.iter().map(f).max().unwrap_or(0).max(min);
        let (wn, wv, wq) = (
            w(|r| r.name.chars().count(), 5),
            w(|r| r.value.chars().count(), 5),
            w(|r| r.quality.chars().count(), 7),
        );
        let mut s = String::new();
        let _ = writeln!(
            s,
            "{:<wn$}  {:>wv$}  {:<wq$}  {:<12}  UPDATES",
            "POINT", "VALUE", "QUALITY", "RECEIVED"
        );
        for r in &self.rows {
            let _ = writeln!(
                s,
                "{:<wn$}  {:>wv$}  {:<wq$}  {:<12}  {}",
                r.name, r.value, r.quality, r.received, r.updates
            );
        }
        s
    }

    /// Move up over the drawn table and clear to the end of the screen.
    fn erase(&mut self, out: &mut String) {
        if self.drawn > 0 {
            let _ = write!(out, "\x1b[{}A\r\x1b[J", self.drawn);
            self.drawn = 0;
        }
    }

    fn draw(&mut self, out: &mut String) {
        if self.rows.is_empty() {
            return;
        }
        let table = self.render();
        self.drawn = table.lines().count();
        out.push_str(&table);
    }
}

fn emit(s: &str) {
    let mut o = std::io::stdout().lock();
    let _ = o.write_all(s.as_bytes());
    let _ = o.flush();
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

    #[test]
    fn rows_keep_their_place_and_count_updates() {
        let mut t = LiveTable::new(false);
        t.rows.push(Row {
            name: "RTU1_MW".into(),
            value: "12.5".into(),
            quality: "Valid".into(),
            received: "10:00:00.000".into(),
            updates: 1,
        });
        t.rows.push(Row {
            name: "RTU1_BRK1_POS".into(),
            value: "ON".into(),
            quality: "Valid".into(),
            received: "10:00:00.000".into(),
            updates: 1,
        });
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
    }

    #[test]
    fn updates_replace_the_row_in_place() {
        let mut t = LiveTable::new(false);
        t.update("A", "1", "Valid", "A 1");
        t.update("B", "2", "Valid", "B 2");
        t.update("A", "3", "Held", "A 3");
        assert_eq!(t.rows.len(), 2);
        assert_eq!(t.rows[0].value, "3");
        assert_eq!(t.rows[0].quality, "Held");
        assert_eq!(t.rows[0].updates, 2);
        // Not a terminal: nothing was drawn.
        assert_eq!(t.drawn, 0);
    }

    #[test]
    fn on_a_terminal_the_table_is_erased_before_redrawing() {
        let mut t = LiveTable::new(true);
        t.rows.push(Row {
            name: "A".into(),
            value: "1".into(),
            quality: "Valid".into(),
            received: String::new(),
            updates: 1,
        });
        let mut out = String::new();
        t.draw(&mut out);
        assert_eq!(t.drawn, 2);
        let mut again = String::new();
        t.erase(&mut again);
        assert_eq!(again, "\x1b[2A\r\x1b[J");
        assert_eq!(t.drawn, 0);
    }

    #[test]
    fn the_clock_has_milliseconds() {
        let c = clock_now();
        assert_eq!(c.len(), 12);
        assert_eq!(&c[2..3], ":");
        assert_eq!(&c[8..9], ".");
    }
}
