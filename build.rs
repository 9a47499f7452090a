//! Ships `src/stage.js` (the stage's front-layer renderer, embedded in the wasm) without its
//! comments and indentation: about 1 KiB less to download. The source keeps them, and
//! `tests/browser/stage-renderer.test.mjs` runs the source.

use std::path::Path;

fn main() {
    println!("cargo:rerun-if-changed=src/stage.js");
    let source = std::fs::read_to_string("src/stage.js").expect("src/stage.js is readable");
    let mut shipped = String::with_capacity(source.len());
    for line in source.lines() {
        // A whole-line comment goes; so does a comment after code (stage.js writes no " // "
        // inside a string).
        let code = line.split(" // ").next().unwrap_or("").trim();
        if code.is_empty() || code.starts_with("//") {
            continue;
        }
        shipped.push_str(code);
        // Lines stay lines: JavaScript's automatic semicolons depend on them.
        shipped.push('\n');
    }
    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    std::fs::write(Path::new(&out).join("stage.js"), shipped).expect("OUT_DIR is writable");
}
