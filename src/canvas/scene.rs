//! A stage's scene, recorded as numbers for `stage.js` (see `protocol.rs`): the front layer's
//! items (messages in flight, countdown rings, the clock) and, when it changed, the back layer's
//! drawing as canvas calls made with a [`Pen`]. A [`Meter`] measures text on the page for the
//! back layer's layout.

use js_sys::Float64Array;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};

use super::protocol::*;

/// The fixed part of a scene.
pub struct Header {
    /// The canvas's pixel size and drawing scale (device pixels per CSS pixel).
    pub px: (u32, u32),
    pub scale: f64,
    /// The stage's CSS size.
    pub css: (f64, f64),
    /// The virtual time of this scene, in microseconds.
    pub now_us: f64,
    /// Show this scene at once (a step, an action, a pause) instead of gliding to it.
    pub snap: bool,
    /// Radius of a message's dot, and where the clock's right edge and baseline are.
    pub dot: f64,
    pub clock: (f64, f64),
    /// When the page sent the scene: ms since the epoch shared by the page's and workers'
    /// clocks (`timeOrigin + now()`), so stages that get one tick's scenes at different moments
    /// glide alike.
    pub sent_ms: f64,
}

/// A scene recorded as numbers, strings included (as a length and UTF-16 code units), so it
/// is one buffer handed over without copying. Colours are sent once and then named by their
/// index in the renderer's palette.
#[derive(Default)]
pub struct Scene {
    ops: Vec<f64>,
    palette: Vec<&'static str>,
}

impl Scene {
    /// Start a scene (the previous one is forgotten).
    pub fn start(&mut self, h: &Header, label_font: &str, clock_font: &str) {
        self.ops.clear();
        // In the order of the `H_*` positions.
        self.ops.extend([
            f64::from(h.px.0),
            f64::from(h.px.1),
            h.scale,
            h.css.0,
            h.css.1,
            h.now_us,
            f64::from(u8::from(h.snap)),
            h.dot,
            h.clock.0,
            h.clock.1,
            h.sent_ms,
        ]);
        self.ops.push(ITEM_FONTS);
        self.string(label_font);
        self.string(clock_font);
    }

    fn string(&mut self, s: &str) {
        push_string(&mut self.ops, s);
    }

    fn colour(&mut self, colour: &'static str) -> f64 {
        if let Some(i) = self.palette.iter().position(|c| *c == colour) {
            return i as f64;
        }
        self.palette.push(colour);
        let index = (self.palette.len() - 1) as f64;
        self.ops.extend([ITEM_PALETTE, index]);
        self.string(colour);
        index
    }

    /// A countdown ring of radius `r` around (x, y): the timer was set at `set_us` and fires at
    /// `fires_us`.
    pub fn ring(&mut self, (x, y): (f64, f64), r: f64, set_us: f64, fires_us: f64) {
        self.ops.extend([ITEM_RING, x, y, r, set_us, fires_us]);
    }

    /// A message flying from `from` to `to` (CSS pixels), sent at `sent_us`, landing at
    /// `lands_us`. Messages of one colour should come one after another (drawn as one path).
    pub fn flight(
        &mut self,
        from: (f64, f64),
        to: (f64, f64),
        times: (f64, f64),
        colour: &'static str,
        response: bool,
    ) {
        let c = self.colour(colour);
        self.ops.extend([ITEM_FLIGHT, from.0, from.1, to.0, to.1, times.0, times.1, c, f64::from(u8::from(response))]);
    }

    /// A text label beside the last message added.
    pub fn label(&mut self, text: &str) {
        self.ops.push(ITEM_LABEL);
        self.string(text);
    }

    /// Start the back layer's drawing: every call made with the returned pen until the scene
    /// is sent draws it (the back layer is redrawn whole). `meter` measures text.
    pub fn back<'a>(&'a mut self, meter: &'a Meter) -> Pen<'a> {
        self.ops.push(ITEM_BACK);
        Pen { ops: &mut self.ops, meter, font: String::new() }
    }

    /// The back layer's recorded calls in this scene, if it has them.
    pub fn back_calls(&self) -> Option<&[f64]> {
        // Header and items are read in order to find the mark (a number in a string or a
        // coordinate can equal it).
        let ops = &self.ops;
        let mut i = HEADER_LEN;
        let skip_string = |i: usize| i + 1 + ops.get(i).copied().unwrap_or(0.0) as usize;
        while i < ops.len() {
            let code = ops[i];
            i += 1;
            i = match code {
                c if c == ITEM_PALETTE => skip_string(i + 1),
                c if c == ITEM_FONTS => skip_string(skip_string(i)),
                c if c == ITEM_RING => i + 5,
                c if c == ITEM_FLIGHT => i + 8,
                c if c == ITEM_LABEL => skip_string(i),
                c if c == ITEM_BACK => return ops.get(i..),
                _ => return None,
            };
        }
        None
    }

    /// The scene as one buffer, to hand over.
    pub(super) fn buffer(&self) -> JsValue {
        Float64Array::from(self.ops.as_slice()).buffer().into()
    }

    /// The colours sent so far, in palette order.
    #[cfg(test)]
    pub(super) fn palette(&self) -> &[&'static str] {
        &self.palette
    }

    /// The header's pixel size, scale and CSS size.
    pub(super) fn header(&self) -> &[f64] {
        &self.ops[..(H_CSS_H as usize + 1).min(self.ops.len())]
    }
}

fn push_string(ops: &mut Vec<f64>, s: &str) {
    let at = ops.len();
    ops.push(0.0);
    ops.extend(s.encode_utf16().map(f64::from));
    ops[at] = (ops.len() - at - 1) as f64;
}

/// Measures text for the back layer's layout on the page (a canvas of its own, never shown, so
/// nothing is rasterized), remembering what it measured: the texts laid out are few (role
/// names and the widest detail line) and come back every drawing.
#[derive(Default)]
pub struct Meter {
    ctx: Option<CanvasRenderingContext2d>,
    font: std::cell::RefCell<String>,
    known: std::cell::RefCell<Vec<(String, String, f64)>>,
}

impl Meter {
    fn width(&self, font: &str, text: &str) -> f64 {
        if let Some((_, _, w)) = self.known.borrow().iter().find(|(f, t, _)| f == font && t == text) {
            return *w;
        }
        let w = self.measure(font, text);
        let mut known = self.known.borrow_mut();
        if known.len() >= 64 {
            known.clear();
        }
        known.push((font.to_string(), text.to_string(), w));
        w
    }

    fn measure(&self, font: &str, text: &str) -> f64 {
        let ctx = match &self.ctx {
            Some(ctx) => ctx,
            None => return 0.6 * font_px(font) * text.chars().count() as f64,
        };
        if *self.font.borrow() != font {
            ctx.set_font(font);
            *self.font.borrow_mut() = font.to_string();
        }
        ctx.measure_text(text).map_or(0.0, |m| m.width())
    }

    /// A meter measuring with the browser's fonts (else it estimates from the font size).
    pub fn open() -> Meter {
        let ctx = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.create_element("canvas").ok())
            .and_then(|c| c.dyn_into::<HtmlCanvasElement>().ok())
            .and_then(|c| c.get_context("2d").ok().flatten())
            .and_then(|c| c.dyn_into::<CanvasRenderingContext2d>().ok());
        Meter { ctx, ..Meter::default() }
    }
}

/// The size in a CSS font shorthand ("600 13px system-ui"; whole pixels), 12 if none is found.
fn font_px(font: &str) -> f64 {
    font.split_whitespace().find_map(|w| w.strip_suffix("px")?.parse::<u32>().ok()).map_or(12.0, f64::from)
}

/// Records the back layer's canvas calls into a scene, with the names of the canvas API.
pub struct Pen<'a> {
    ops: &'a mut Vec<f64>,
    meter: &'a Meter,
    font: String,
}

impl<'a> Pen<'a> {
    /// A pen recording into `ops` (for a drawing that is only laid out, never sent).
    pub fn new(ops: &'a mut Vec<f64>, meter: &'a Meter) -> Pen<'a> {
        Pen { ops, meter, font: String::new() }
    }

    fn style(&mut self, code: f64, value: &str) {
        self.ops.push(code);
        push_string(self.ops, value);
    }

    pub fn set_fill_style(&mut self, colour: &str) {
        self.style(CALL_FILL_STYLE, colour);
    }

    pub fn set_stroke_style(&mut self, colour: &str) {
        self.style(CALL_STROKE_STYLE, colour);
    }

    pub fn set_font(&mut self, font: &str) {
        if self.font != font {
            self.font = font.to_string();
            self.style(CALL_FONT, font);
        }
    }

    pub fn set_text_align(&mut self, align: &str) {
        self.style(CALL_TEXT_ALIGN, align);
    }

    pub fn set_text_baseline(&mut self, baseline: &str) {
        self.style(CALL_TEXT_BASELINE, baseline);
    }

    pub fn set_line_join(&mut self, join: &str) {
        self.style(CALL_LINE_JOIN, join);
    }

    pub fn set_line_width(&mut self, width: f64) {
        self.ops.extend([CALL_LINE_WIDTH, width]);
    }

    pub fn set_global_alpha(&mut self, alpha: f64) {
        self.ops.extend([CALL_GLOBAL_ALPHA, alpha]);
    }

    /// Dashes of `on` then `off` pixels; (0, 0) for a solid line.
    pub fn set_line_dash(&mut self, on: f64, off: f64) {
        self.ops.extend([CALL_LINE_DASH, on, off]);
    }

    pub fn fill_rect(&mut self, x: f64, y: f64, w: f64, h: f64) {
        self.ops.extend([CALL_FILL_RECT, x, y, w, h]);
    }

    pub fn begin_path(&mut self) {
        self.ops.push(CALL_BEGIN_PATH);
    }

    pub fn move_to(&mut self, x: f64, y: f64) {
        self.ops.extend([CALL_MOVE_TO, x, y]);
    }

    pub fn line_to(&mut self, x: f64, y: f64) {
        self.ops.extend([CALL_LINE_TO, x, y]);
    }

    pub fn arc(&mut self, x: f64, y: f64, r: f64, start: f64, end: f64) {
        self.ops.extend([CALL_ARC, x, y, r, start, end]);
    }

    pub fn fill(&mut self) {
        self.ops.push(CALL_FILL);
    }

    pub fn stroke(&mut self) {
        self.ops.push(CALL_STROKE);
    }

    pub fn fill_text(&mut self, text: &str, x: f64, y: f64) {
        self.ops.push(CALL_FILL_TEXT);
        push_string(self.ops, text);
        self.ops.extend([x, y]);
    }

    /// The width of `text` in the current font, in CSS pixels.
    pub fn measure(&self, text: &str) -> f64 {
        self.meter.width(&self.font, text)
    }

    /// The width of `text` in `font` (the pen's font stays as it is).
    pub fn measure_in(&self, font: &str, text: &str) -> f64 {
        self.meter.width(font, text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pen_records_canvas_calls_after_the_back_mark_with_strings_as_utf16() {
        let mut scene = Scene::default();
        let meter = Meter::default();
        let mut pen = scene.back(&meter);
        pen.set_font("600 13px sans");
        pen.set_font("600 13px sans"); // the same font again: not recorded twice
        pen.fill_text("é1", 10.0, 20.0);
        pen.set_line_dash(6.0, 5.0);
        pen.arc(1.0, 2.0, 3.0, 0.0, 6.0);
        let font: Vec<f64> = "600 13px sans".encode_utf16().map(f64::from).collect();
        let mut want = vec![ITEM_BACK, CALL_FONT, font.len() as f64];
        want.extend(font);
        want.extend([
            CALL_FILL_TEXT,
            2.0,
            233.0,
            49.0,
            10.0,
            20.0,
            CALL_LINE_DASH,
            6.0,
            5.0,
            CALL_ARC,
            1.0,
            2.0,
            3.0,
            0.0,
            6.0,
        ]);
        assert_eq!(scene.ops, want);
    }

    #[test]
    fn the_back_layer_calls_are_found_after_the_front_items_whatever_numbers_they_hold() {
        let mut scene = Scene::default();
        let header = Header {
            px: (6, 6),
            scale: 1.0,
            css: (6.0, 6.0),
            now_us: 6.0,
            snap: true,
            dot: 6.0,
            clock: (6.0, 6.0),
            sent_ms: 6.0,
        };
        scene.start(&header, "6px a", "6px b");
        assert_eq!(scene.back_calls(), None, "no back layer in this scene");
        scene.ring((6.0, 6.0), 6.0, 6.0, 6.0);
        scene.flight((6.0, 6.0), (6.0, 6.0), (6.0, 6.0), "#666666", true);
        scene.label("\u{6}6");
        let meter = Meter::default();
        let mut pen = scene.back(&meter);
        pen.fill_rect(1.0, 2.0, 3.0, 4.0);
        assert_eq!(scene.back_calls(), Some(&[CALL_FILL_RECT, 1.0, 2.0, 3.0, 4.0][..]));
    }

    #[test]
    fn without_a_browser_the_meter_estimates_from_the_font_size_and_remembers() {
        let meter = Meter::default();
        assert_eq!(meter.width("600 10px sans", "abcd"), 24.0);
        assert!((meter.width("bold serif", "ab") - 14.4).abs() < 1e-9, "12 px when the font names no size");
        assert_eq!(meter.known.borrow().len(), 2);
        assert_eq!(meter.width("600 10px sans", "abcd"), 24.0);
        assert_eq!(meter.known.borrow().len(), 2, "measured once");
    }
}
