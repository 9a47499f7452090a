//! The stage's front layer (what moves every frame) is drawn through a [`Painter`]: straight
//! onto its canvas, or recorded as numbers and replayed by a worker on an OffscreenCanvas.
//!
//! Why a worker: without a GPU (many school laptops, virtual machines, headless browsers), a
//! canvas that changes every frame costs the thread that rasterizes it several milliseconds a
//! frame, whatever is drawn on it. Drawn in a worker, that cost leaves the page's main thread,
//! which keeps the simulation and the controls responsive. Browsers without
//! `transferControlToOffscreen` get the direct path.

use js_sys::{Array, Float64Array};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Blob, BlobPropertyBag, CanvasRenderingContext2d, HtmlCanvasElement, Url, Worker};

/// The worker's source, shipped inside the app (no extra file to fetch, nothing to 404).
const WORKER_JS: &str = include_str!("stage_worker.js");

/// What the front layer draws with.
pub trait Painter {
    fn stroke_style(&mut self, colour: &'static str);
    fn fill_style(&mut self, colour: &'static str);
    fn line_width(&mut self, width: f64);
    fn alpha(&mut self, alpha: f64);
    fn begin(&mut self);
    fn move_to(&mut self, x: f64, y: f64);
    fn line_to(&mut self, x: f64, y: f64);
    fn arc(&mut self, x: f64, y: f64, radius: f64, start: f64, end: f64);
    fn stroke(&mut self);
    fn fill(&mut self);
    /// Text at (x, y) (alphabetic baseline), starting there or, if `right`, ending there.
    fn text(&mut self, font: &str, text: &str, x: f64, y: f64, right: bool);
}

impl Painter for CanvasRenderingContext2d {
    fn stroke_style(&mut self, colour: &'static str) {
        self.set_stroke_style_str(colour);
    }
    fn fill_style(&mut self, colour: &'static str) {
        self.set_fill_style_str(colour);
    }
    fn line_width(&mut self, width: f64) {
        self.set_line_width(width);
    }
    fn alpha(&mut self, alpha: f64) {
        self.set_global_alpha(alpha);
    }
    fn begin(&mut self) {
        self.begin_path();
    }
    fn move_to(&mut self, x: f64, y: f64) {
        CanvasRenderingContext2d::move_to(self, x, y);
    }
    fn line_to(&mut self, x: f64, y: f64) {
        CanvasRenderingContext2d::line_to(self, x, y);
    }
    fn arc(&mut self, x: f64, y: f64, radius: f64, start: f64, end: f64) {
        let _ = CanvasRenderingContext2d::arc(self, x, y, radius, start, end);
    }
    fn stroke(&mut self) {
        CanvasRenderingContext2d::stroke(self);
    }
    fn fill(&mut self) {
        CanvasRenderingContext2d::fill(self);
    }
    fn text(&mut self, font: &str, text: &str, x: f64, y: f64, right: bool) {
        self.set_font(font);
        if right {
            self.set_text_align("right");
        }
        let _ = self.fill_text(text, x, y);
        if right {
            self.set_text_align("start");
        }
    }
}

// The recording's operation codes (stage_worker.js reads the same numbers).
const SIZE: f64 = 0.0;
const STROKE_STYLE: f64 = 1.0;
const FILL_STYLE: f64 = 2.0;
const LINE_WIDTH: f64 = 3.0;
const ALPHA: f64 = 4.0;
const BEGIN: f64 = 5.0;
const MOVE: f64 = 6.0;
const LINE: f64 = 7.0;
const ARC: f64 = 8.0;
const STROKE: f64 = 9.0;
const FILL: f64 = 10.0;
const TEXT: f64 = 11.0;
const PALETTE: f64 = 12.0;

/// A frame recorded as numbers, strings included (as a length and UTF-16 code units), so a
/// frame is one buffer handed to the worker without copying. Colours are sent once and then
/// named by their index in the worker's palette.
#[derive(Default)]
pub struct Recorder {
    ops: Vec<f64>,
    palette: Vec<&'static str>,
}

impl Recorder {
    /// Start a frame: the canvas's pixel size, drawing scale and CSS size (it is cleared).
    pub fn start(&mut self, px: (u32, u32), scale: f64, css: (f64, f64)) {
        self.ops.clear();
        self.ops.extend([SIZE, f64::from(px.0), f64::from(px.1), scale, css.0, css.1]);
    }

    fn string(&mut self, s: &str) {
        let at = self.ops.len();
        self.ops.push(0.0);
        self.ops.extend(s.encode_utf16().map(f64::from));
        self.ops[at] = (self.ops.len() - at - 1) as f64;
    }

    fn colour(&mut self, colour: &'static str) -> f64 {
        if let Some(i) = self.palette.iter().position(|c| *c == colour) {
            return i as f64;
        }
        self.palette.push(colour);
        let index = (self.palette.len() - 1) as f64;
        self.ops.extend([PALETTE, index]);
        self.string(colour);
        index
    }

    /// Send the frame to the worker (its buffer moves there: nothing is copied).
    fn post(&self, worker: &Worker) {
        let ops = Float64Array::from(self.ops.as_slice());
        let buffer = ops.buffer();
        let _ = worker.post_message_with_transfer(&buffer, &Array::of1(&buffer));
    }
}

impl Painter for Recorder {
    fn stroke_style(&mut self, colour: &'static str) {
        let i = self.colour(colour);
        self.ops.extend([STROKE_STYLE, i]);
    }
    fn fill_style(&mut self, colour: &'static str) {
        let i = self.colour(colour);
        self.ops.extend([FILL_STYLE, i]);
    }
    fn line_width(&mut self, width: f64) {
        self.ops.extend([LINE_WIDTH, width]);
    }
    fn alpha(&mut self, alpha: f64) {
        self.ops.extend([ALPHA, alpha]);
    }
    fn begin(&mut self) {
        self.ops.push(BEGIN);
    }
    fn move_to(&mut self, x: f64, y: f64) {
        self.ops.extend([MOVE, x, y]);
    }
    fn line_to(&mut self, x: f64, y: f64) {
        self.ops.extend([LINE, x, y]);
    }
    fn arc(&mut self, x: f64, y: f64, radius: f64, start: f64, end: f64) {
        self.ops.extend([ARC, x, y, radius, start, end]);
    }
    fn stroke(&mut self) {
        self.ops.push(STROKE);
    }
    fn fill(&mut self) {
        self.ops.push(FILL);
    }
    fn text(&mut self, font: &str, text: &str, x: f64, y: f64, right: bool) {
        self.ops.extend([TEXT, x, y, f64::from(u8::from(right))]);
        self.string(font);
        self.string(text);
    }
}

/// A front layer drawn by a worker: the canvas was handed over and cannot be drawn here.
pub struct Remote {
    worker: Worker,
    pub recorder: Recorder,
}

impl Remote {
    /// Hand `canvas` to a new worker, if this browser can. `None` leaves the canvas untouched.
    pub fn open(canvas: &HtmlCanvasElement) -> Option<Remote> {
        let can = js_sys::Reflect::has(canvas, &"transferControlToOffscreen".into()).unwrap_or(false);
        if !can {
            return None;
        }
        let options = BlobPropertyBag::new();
        options.set_type("text/javascript");
        let source = Array::of1(&WORKER_JS.into());
        let blob = Blob::new_with_str_sequence_and_options(&source, &options).ok()?;
        let url = Url::create_object_url_with_blob(&blob).ok()?;
        let worker = Worker::new(&url).ok()?;
        let Ok(offscreen) = canvas.transfer_control_to_offscreen() else {
            worker.terminate();
            return None;
        };
        if worker.post_message_with_transfer(&offscreen, &Array::of1(&offscreen)).is_err() {
            worker.terminate();
            return None;
        }
        Some(Remote { worker, recorder: Recorder::default() })
    }

    /// Send the recorded frame.
    pub fn post(&self) {
        self.recorder.post(&self.worker);
    }
}

impl Drop for Remote {
    fn drop(&mut self) {
        self.worker.terminate();
    }
}

/// Whether `a` and `b` are the same element (a re-rendered stage gets new canvases).
pub fn same(a: &HtmlCanvasElement, b: &HtmlCanvasElement) -> bool {
    let (a, b): (&JsValue, &JsValue) = (a.unchecked_ref(), b.unchecked_ref());
    a == b
}
