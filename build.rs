//! Ships `src/canvas/stage.js` (the stage's renderer, embedded in the wasm) smaller: without its
//! comments and indentation, and with the drawing protocol's named constants (`const H_NOW = 5,
//! ...`, see `src/canvas/protocol.rs`) written as their numbers. The source keeps both, and
//! `tests/browser/stage-renderer.test.mjs` runs the source.

use std::path::Path;

const SOURCE: &str = "src/canvas/stage.js";
const PROTOCOL_PREFIXES: [&str; 5] = ["H_", "ITEM_", "CALL_", "MSG_", "SHEET_"];

fn main() {
    println!("cargo:rerun-if-changed={SOURCE}");
    let source = std::fs::read_to_string(SOURCE).expect("stage.js is readable");
    let mut constants: Vec<(String, String)> = Vec::new();
    let mut shipped = String::with_capacity(source.len());
    for line in source.lines() {
        // A whole-line comment goes; so does a comment after code (stage.js writes no " // "
        // inside a string).
        let code = line.split(" // ").next().unwrap_or("").trim();
        if code.is_empty() || code.starts_with("//") {
            continue;
        }
        if let Some(found) = protocol_constants(code) {
            constants.extend(found);
            continue;
        }
        shipped.push_str(code);
        // Lines stay lines: JavaScript's automatic semicolons depend on them.
        shipped.push('\n');
    }
    let shipped = substitute(&shipped, &constants);
    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    std::fs::write(Path::new(&out).join("stage.js"), shipped).expect("OUT_DIR is writable");
}

/// `const H_PX_W = 0, H_PX_H = 1;`: its names and values, if every name is the protocol's.
fn protocol_constants(code: &str) -> Option<Vec<(String, String)>> {
    let list = code.strip_prefix("const ")?.strip_suffix(';')?;
    list.split(',')
        .map(|decl| {
            let (name, value) = decl.split_once('=')?;
            let (name, value) = (name.trim(), value.trim());
            let ours = PROTOCOL_PREFIXES.iter().any(|p| name.starts_with(p));
            (ours && value.parse::<f64>().is_ok()).then(|| (name.to_string(), value.to_string()))
        })
        .collect()
}

/// Every identifier that is a protocol constant, replaced by its value.
fn substitute(code: &str, constants: &[(String, String)]) -> String {
    let mut out = String::with_capacity(code.len());
    let mut word = String::new();
    let ident = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '$';
    let flush = |word: &mut String, out: &mut String| {
        match constants.iter().find(|(name, _)| name == word) {
            Some((_, value)) => out.push_str(value),
            None => out.push_str(word),
        }
        word.clear();
    };
    for c in code.chars() {
        if ident(c) {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}
