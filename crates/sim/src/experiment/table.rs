//! The rows of an experiment as a table: named columns and their cells, written as CSV or JSON
//! the same way by `qlab experiment --csv|--json` and by the page's downloads.

use std::fmt::Write;

/// One cell of a row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cell {
    Int(u64),
    Text(String),
    Bool(bool),
    /// No value (a phase that did not finish): empty in CSV, `null` in JSON.
    Empty,
}

impl From<u64> for Cell {
    fn from(v: u64) -> Cell {
        Cell::Int(v)
    }
}

impl From<usize> for Cell {
    fn from(v: usize) -> Cell {
        Cell::Int(v as u64)
    }
}

impl From<u32> for Cell {
    fn from(v: u32) -> Cell {
        Cell::Int(u64::from(v))
    }
}

impl From<bool> for Cell {
    fn from(v: bool) -> Cell {
        Cell::Bool(v)
    }
}

impl From<&str> for Cell {
    fn from(v: &str) -> Cell {
        Cell::Text(v.to_string())
    }
}

impl From<&String> for Cell {
    fn from(v: &String) -> Cell {
        Cell::Text(v.clone())
    }
}

impl From<Option<u64>> for Cell {
    fn from(v: Option<u64>) -> Cell {
        v.map_or(Cell::Empty, Cell::Int)
    }
}

impl Cell {
    /// As a person reads it in a table or CSV (empty when there is no value).
    pub fn plain(&self) -> String {
        match self {
            Cell::Int(v) => v.to_string(),
            Cell::Text(s) => s.clone(),
            Cell::Bool(b) => b.to_string(),
            Cell::Empty => String::new(),
        }
    }
}

/// A row of an experiment: its columns (the same for every row of its kind) and their cells.
pub trait Row {
    const COLUMNS: &'static [&'static str];
    /// One cell per column, in [`Row::COLUMNS`]' order.
    fn cells(&self) -> Vec<Cell>;
}

/// RFC 4180: a header line, then one line per row; a cell with a comma, quote or line break is
/// quoted, its quotes doubled.
pub fn csv<R: Row>(rows: &[R]) -> String {
    let quote = |s: String| {
        if s.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s
        }
    };
    let mut text = R::COLUMNS.iter().map(|c| quote(c.to_string())).collect::<Vec<_>>().join(",");
    for row in rows {
        text.push('\n');
        text += &row.cells().into_iter().map(|c| quote(c.plain())).collect::<Vec<_>>().join(",");
    }
    text.push('\n');
    text
}

/// A JSON array of objects, keys in column order.
pub fn json<R: Row>(rows: &[R]) -> String {
    let mut text = String::from("[");
    for (i, row) in rows.iter().enumerate() {
        if i > 0 {
            text.push(',');
        }
        text.push('{');
        for (j, (name, cell)) in R::COLUMNS.iter().zip(row.cells()).enumerate() {
            if j > 0 {
                text.push(',');
            }
            json_string(&mut text, name);
            text.push(':');
            match cell {
                Cell::Int(v) => {
                    let _ = write!(text, "{v}");
                }
                Cell::Text(s) => json_string(&mut text, &s),
                Cell::Bool(b) => text.push_str(if b { "true" } else { "false" }),
                Cell::Empty => text.push_str("null"),
            }
        }
        text.push('}');
    }
    text.push(']');
    text
}

/// A JSON string literal (RFC 8259 §7): quotes, backslashes and control characters escaped.
fn json_string(out: &mut String, s: &str) {
    out.push('"');
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    struct R(u64, &'static str, Option<u64>, bool);

    impl Row for R {
        const COLUMNS: &'static [&'static str] = &["n", "name", "ms", "ok"];
        fn cells(&self) -> Vec<Cell> {
            vec![self.0.into(), self.1.into(), self.2.into(), self.3.into()]
        }
    }

    #[test]
    fn csv_quotes_what_needs_it_and_leaves_no_value_empty() {
        let rows = [R(1, "plain", Some(20), true), R(2, "a, \"b\"", None, false)];
        assert_eq!(csv(&rows), "n,name,ms,ok\n1,plain,20,true\n2,\"a, \"\"b\"\"\",,false\n");
    }

    #[test]
    fn json_escapes_strings_and_writes_null_for_no_value() {
        let rows = [R(7, "x\"y\\z\n\u{1}", None, true)];
        assert_eq!(json(&rows), r#"[{"n":7,"name":"x\"y\\z\n\u0001","ms":null,"ok":true}]"#);
        assert_eq!(json::<R>(&[]), "[]");
    }
}
