//! The drawing protocol between the page and `stage.js`, defined once: each number here has a
//! constant of the same name in `stage.js`, and the test below fails when the two disagree (a
//! constant missing on either side, or another value).
//!
//! A scene is one `Float64Array`: the header (`H_*`, by position), then items, each a code
//! (`ITEM_*`) and its numbers; strings are a length, then UTF-16 code units. The back layer's
//! drawing, and a sheet (a chart), are canvas calls: a code (`CALL_*`) and its arguments.
//! Messages to the worker are arrays whose first element is a `MSG_*` kind.

macro_rules! protocol {
    ($($(#[$doc:meta])* $name:ident = $value:literal;)*) => {
        $($(#[$doc])* pub const $name: f64 = $value as f64;)*
        /// Every constant, by the name `stage.js` gives it.
        #[cfg(test)]
        const ALL: &[(&str, f64)] = &[$((stringify!($name), $value as f64)),*];
    };
}

protocol! {
    // The scene's header, by position.
    /// The canvas's size in device pixels.
    H_PX_W = 0;
    H_PX_H = 1;
    /// Device pixels per CSS pixel.
    H_SCALE = 2;
    /// The stage's size in CSS pixels.
    H_CSS_W = 3;
    H_CSS_H = 4;
    /// The scene's virtual time (µs).
    H_NOW = 5;
    /// 1: show it at once (a step, an action, a pause); 0: glide there.
    H_SNAP = 6;
    /// The radius of a message's dot.
    H_DOT = 7;
    /// Where the clock's right edge and baseline are.
    H_CLOCK_X = 8;
    H_CLOCK_Y = 9;
    /// When the page sent it (ms since the epoch shared by the page's and the workers' clocks).
    H_SENT = 10;
    /// How many numbers the header has.
    H_LEN = 11;

    // A scene's items.
    /// index, colour: a colour of the palette, named by its index from then on.
    ITEM_PALETTE = 1;
    /// label font, clock font.
    ITEM_FONTS = 2;
    /// x, y, r, set, fires: a countdown ring.
    ITEM_RING = 3;
    /// from x, y, to x, y, sent, lands, colour, response: a message in flight.
    ITEM_FLIGHT = 4;
    /// text: a label beside the last message.
    ITEM_LABEL = 5;
    /// The rest of the scene is the back layer's drawing (canvas calls).
    ITEM_BACK = 6;

    // Canvas calls, with the canvas API's arguments.
    CALL_FILL_STYLE = 1;
    CALL_STROKE_STYLE = 2;
    CALL_LINE_WIDTH = 3;
    CALL_FONT = 4;
    CALL_TEXT_ALIGN = 5;
    CALL_TEXT_BASELINE = 6;
    CALL_FILL_RECT = 7;
    CALL_BEGIN_PATH = 8;
    CALL_MOVE_TO = 9;
    CALL_LINE_TO = 10;
    CALL_ARC = 11;
    CALL_FILL = 12;
    CALL_STROKE = 13;
    CALL_FILL_TEXT = 14;
    /// on, off: dashes (0, 0: a solid line).
    CALL_LINE_DASH = 15;
    CALL_GLOBAL_ALPHA = 16;
    CALL_LINE_JOIN = 17;
    /// A sheet's numbers before its calls: pixel size, scale, CSS size.
    SHEET_HEADER_LEN = 5;

    // Messages to the worker: [kind, ...].
    /// [kind, n, front, back]: stage n's canvases.
    MSG_STAGE = 0;
    /// [kind, n, buffer, m, buffer, ...]: one tick's scenes (a sheet's number as -1 - n).
    MSG_DRAW = 1;
    /// [kind, n]: forget stage n.
    MSG_FORGET_STAGE = 2;
    /// [kind, n, canvas]: sheet n's canvas.
    MSG_SHEET = 3;
    /// [kind, n]: forget sheet n.
    MSG_FORGET_SHEET = 4;
}

/// The scene header's length as an index.
pub const HEADER_LEN: usize = H_LEN as usize;

#[cfg(test)]
mod tests {
    use super::*;

    /// `const NAME = value` declarations of `stage.js`, by name.
    fn js_constants() -> Vec<(String, f64)> {
        let source = include_str!("stage.js");
        let mut found = Vec::new();
        for line in source.lines().map(str::trim).filter(|l| l.starts_with("const ")) {
            for decl in line.trim_start_matches("const ").trim_end_matches(';').split(',') {
                let Some((name, value)) = decl.split_once('=') else { continue };
                let name = name.trim();
                let prefixed = ["H_", "ITEM_", "CALL_", "MSG_", "SHEET_"].iter().any(|p| name.starts_with(p));
                if let (true, Ok(value)) = (prefixed, value.trim().parse::<f64>()) {
                    found.push((name.to_string(), value));
                }
            }
        }
        found
    }

    #[test]
    fn stage_js_has_every_constant_of_the_protocol_with_the_same_value_and_no_other() {
        let js = js_constants();
        for (name, value) in ALL {
            let theirs: Vec<f64> = js.iter().filter(|(n, _)| n == name).map(|(_, v)| *v).collect();
            assert_eq!(theirs, [*value], "{name} in stage.js");
        }
        for (name, _) in &js {
            assert!(ALL.iter().any(|(n, _)| n == name), "{name} is in stage.js but not in protocol.rs");
        }
        // Codes of one kind are distinct.
        for prefix in ["ITEM_", "CALL_", "MSG_"] {
            let mut codes: Vec<u32> =
                ALL.iter().filter(|(n, _)| n.starts_with(prefix)).map(|(_, v)| *v as u32).collect();
            let count = codes.len();
            codes.sort_unstable();
            codes.dedup();
            assert_eq!(codes.len(), count, "{prefix} codes are distinct");
        }
    }
}
