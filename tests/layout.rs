//! The code's layout stays readable: no source file under `src/` or `crates/` over 800 lines
//! (data tables excepted: the i18n table), and no function over 100 lines, counted from the
//! line of its `fn` (`function` in stage.js) to the line of its closing brace.

use std::fs;
use std::path::{Path, PathBuf};

const MAX_FILE_LINES: usize = 800;
const MAX_FN_LINES: usize = 100;
/// Data tables, exempt from the file limit (not from the function limit).
const DATA_TABLES: &[&str] = &["src/i18n.rs"];

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n != "target") {
                sources(&path, out);
            }
        } else if path.extension().is_some_and(|e| e == "rs" || e == "js") {
            out.push(path);
        }
    }
}

/// The code of a source with comments, strings and character literals blanked (each replaced by
/// spaces, newlines kept), so that only the code's own braces and keywords remain.
fn code_only(text: &str) -> Vec<u8> {
    let b = text.as_bytes();
    let mut out = b.to_vec();
    let blank = |out: &mut Vec<u8>, from: usize, to: usize| {
        for c in &mut out[from..to.min(b.len())] {
            if *c != b'\n' {
                *c = b' ';
            }
        }
    };
    let mut i = 0;
    while i < b.len() {
        let rest = &b[i..];
        if rest.starts_with(b"//") {
            let end = rest.iter().position(|&c| c == b'\n').map_or(b.len(), |n| i + n);
            blank(&mut out, i, end);
            i = end;
        } else if rest.starts_with(b"/*") {
            let end = text[i + 2..].find("*/").map_or(b.len(), |n| i + 2 + n + 2);
            blank(&mut out, i, end);
            i = end;
        } else if rest.starts_with(b"r#\"") || rest.starts_with(b"r\"") {
            let hashes = rest[1..].iter().take_while(|&&c| c == b'#').count();
            let close = format!("\"{}", "#".repeat(hashes));
            let body = i + 2 + hashes;
            let end = text[body..].find(&close).map_or(b.len(), |n| body + n + close.len());
            blank(&mut out, i, end);
            i = end;
        } else if matches!(b[i], b'"' | b'`') || (b[i] == b'\'' && is_char_literal(rest)) {
            let quote = b[i];
            let mut j = i + 1;
            while j < b.len() && b[j] != quote {
                j += if b[j] == b'\\' { 2 } else { 1 };
            }
            blank(&mut out, i, j + 1);
            i = j + 1;
        } else {
            i += 1;
        }
    }
    out
}

/// `'x'` or `'\n'`, not a lifetime (`'a`). JavaScript's single-quoted strings are longer, but
/// they hold no braces in stage.js, so a lifetime-like reading of them changes no count.
fn is_char_literal(rest: &[u8]) -> bool {
    match rest.get(1) {
        Some(b'\\') => true,
        Some(_) => {
            let len = std::str::from_utf8(&rest[1..]).ok().and_then(|s| s.chars().next()).map_or(1, char::len_utf8);
            rest.get(1 + len) == Some(&b'\'')
        }
        None => false,
    }
}

/// Each function of a source: (its name, the line of its keyword, how many lines it spans).
fn functions(text: &str, keyword: &str) -> Vec<(String, usize, usize)> {
    let code = code_only(text);
    let word = keyword.as_bytes();
    let line_at = |pos: usize| code[..pos].iter().filter(|&&c| c == b'\n').count() + 1;
    let mut found = Vec::new();
    for i in 0..code.len().saturating_sub(word.len() + 1) {
        let before = if i == 0 { b' ' } else { code[i - 1] };
        if !code[i..].starts_with(word)
            || before.is_ascii_alphanumeric()
            || before == b'_'
            || !code[i + word.len()].is_ascii_whitespace()
        {
            continue;
        }
        let name: String = code[i + word.len()..]
            .iter()
            .skip_while(|c| c.is_ascii_whitespace())
            .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_')
            .map(|&c| c as char)
            .collect();
        // Its body: the first `{` before any `;` (a declaration without a body has none).
        let Some(open) = code[i..].iter().position(|&c| c == b'{' || c == b';').map(|n| i + n) else { continue };
        if code[open] == b';' {
            continue;
        }
        let mut depth = 0usize;
        for (j, &c) in code.iter().enumerate().skip(open) {
            match c {
                b'{' => depth += 1,
                b'}' => {
                    depth -= 1;
                    if depth == 0 {
                        found.push((name.clone(), line_at(i), line_at(j) - line_at(i) + 1));
                        break;
                    }
                }
                _ => {}
            }
        }
    }
    found
}

fn all_sources() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    sources(&root.join("src"), &mut files);
    sources(&root.join("crates"), &mut files);
    files.sort();
    assert!(files.len() > 50, "found the sources ({} files)", files.len());
    files
        .into_iter()
        .map(|p| {
            let name = p.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/");
            (name, fs::read_to_string(&p).unwrap())
        })
        .collect()
}

#[test]
fn no_source_file_is_over_800_lines_but_the_data_tables() {
    let long: Vec<String> = all_sources()
        .into_iter()
        .filter(|(name, text)| !DATA_TABLES.contains(&name.as_str()) && text.lines().count() > MAX_FILE_LINES)
        .map(|(name, text)| format!("{name}: {} lines", text.lines().count()))
        .collect();
    assert!(long.is_empty(), "over {MAX_FILE_LINES} lines: {long:?}");
}

#[test]
fn no_function_is_over_100_lines() {
    let mut long = Vec::new();
    for (name, text) in all_sources() {
        let keyword = if name.ends_with(".js") { "function" } else { "fn" };
        for (f, line, lines) in functions(&text, keyword) {
            if lines > MAX_FN_LINES {
                long.push(format!("{name}:{line} {f}: {lines} lines"));
            }
        }
    }
    assert!(long.is_empty(), "over {MAX_FN_LINES} lines: {long:?}");
}

#[test]
fn the_counter_sees_functions_and_skips_what_only_looks_like_code() {
    let body = "    let x = 1;\n".repeat(101);
    let text = format!(
        "// fn commented() {{\nfn short() {{ let c = '{{'; let s = \"}} fn fake() {{\"; }}\nfn long<'a>(x: &'a str) {{\n{body}}}\ntrait T {{ fn declared(&self); }}\n"
    );
    let found = functions(&text, "fn");
    let names: Vec<&str> = found.iter().map(|(n, ..)| n.as_str()).collect();
    assert_eq!(names, ["short", "long"]);
    assert_eq!(found[0].2, 1, "one line, whatever its strings and characters hold");
    assert_eq!((found[1].1, found[1].2), (3, 103));
    let js = "function f(a) {\n  const t = `${a} }`;\n}\n";
    assert_eq!(functions(js, "function"), [("f".to_string(), 1, 3)]);
}
