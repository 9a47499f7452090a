//! The stage's front layer (what moves: messages in flight, countdown rings, the clock) is
//! drawn by `stage.js` from a [`Scene`]: numbers that say where each message flies and when it
//! was sent and lands, each ring's timer, and the virtual time. The page sends a scene each
//! simulation tick (a few times a second); `stage.js` moves the shown time from one scene to
//! the next every animation frame. So the page's main thread does no per-frame work at all.
//!
//! `stage.js` runs in a worker that holds the canvas as an OffscreenCanvas. Without a GPU (many
//! school laptops, virtual machines, headless browsers), a canvas that changes every frame costs
//! the thread that rasterizes it several milliseconds a frame; in a worker, that cost leaves the
//! page's thread. Browsers without `transferControlToOffscreen` run the same `stage.js` on the
//! page.

use js_sys::{Array, Float64Array, Function};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Blob, BlobPropertyBag, HtmlCanvasElement, Url, Worker};

/// The front layer's renderer, shipped inside the app (no extra file to fetch, nothing to 404),
/// without its comments (`build.rs`).
const STAGE_JS: &str = include_str!(concat!(env!("OUT_DIR"), "/stage.js"));
/// In a worker: the first message is the canvas, every later one a scene.
const WORKER_GLUE: &str = "\nlet take = null;\nonmessage = ({ data }) => { if (data instanceof ArrayBuffer) { if (take) take(data); } else take = stage(data); };\n";

// A scene's item codes (stage.js reads the same numbers).
const PALETTE: f64 = 1.0;
const FONTS: f64 = 2.0;
const RING: f64 = 3.0;
const FLIGHT: f64 = 4.0;
const LABEL: f64 = 5.0;

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
        self.ops.push(FONTS);
        self.string(label_font);
        self.string(clock_font);
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

    /// A countdown ring of radius `r` around (x, y): the timer was set at `set_us` and fires at
    /// `fires_us`.
    pub fn ring(&mut self, (x, y): (f64, f64), r: f64, set_us: f64, fires_us: f64) {
        self.ops.extend([RING, x, y, r, set_us, fires_us]);
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
        self.ops.extend([FLIGHT, from.0, from.1, to.0, to.1, times.0, times.1, c, f64::from(u8::from(response))]);
    }

    /// A text label beside the last message added.
    pub fn label(&mut self, text: &str) {
        self.ops.push(LABEL);
        self.string(text);
    }

    fn buffer(&self) -> JsValue {
        Float64Array::from(self.ops.as_slice()).buffer().into()
    }
}

/// Where scenes go.
enum Target {
    /// A worker holding the canvas: each scene's buffer moves there (nothing is copied).
    Worker(Worker),
    /// `stage.js` on the page: the function that takes each scene.
    Page(Function),
}

/// A front layer and the renderer that draws it.
pub struct Remote {
    target: Target,
    pub scene: Scene,
}

impl Remote {
    /// Hand `canvas` to a new worker if this browser can, else start the renderer on the page.
    /// `None` if neither works (nothing is drawn on the front layer then).
    pub fn open(canvas: &HtmlCanvasElement) -> Option<Remote> {
        let target = match to_worker(canvas) {
            Some(worker) => Target::Worker(worker),
            None => {
                // `eval` reports a refusal (a page policy that forbids it) as an error, not a throw.
                let stage: Function =
                    js_sys::eval(&["(() => {", STAGE_JS, "\nreturn stage;\n})()"].concat()).ok()?.dyn_into().ok()?;
                Target::Page(stage.call1(&JsValue::NULL, canvas).ok()?.dyn_into().ok()?)
            }
        };
        Some(Remote { target, scene: Scene::default() })
    }

    /// Send the recorded scene.
    pub fn post(&self) {
        let buffer = self.scene.buffer();
        match &self.target {
            Target::Worker(worker) => {
                let _ = worker.post_message_with_transfer(&buffer, &Array::of1(&buffer));
            }
            Target::Page(take) => {
                let _ = take.call1(&JsValue::NULL, &buffer);
            }
        }
    }
}

fn to_worker(canvas: &HtmlCanvasElement) -> Option<Worker> {
    if !js_sys::Reflect::has(canvas, &"transferControlToOffscreen".into()).unwrap_or(false) {
        return None;
    }
    let options = BlobPropertyBag::new();
    options.set_type("text/javascript");
    let source = Array::of2(&STAGE_JS.into(), &WORKER_GLUE.into());
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
    Some(worker)
}

impl Drop for Remote {
    fn drop(&mut self) {
        if let Target::Worker(worker) = &self.target {
            worker.terminate();
        }
    }
}

/// Whether `a` and `b` are the same element (a re-rendered stage gets new canvases).
pub fn same(a: &HtmlCanvasElement, b: &HtmlCanvasElement) -> bool {
    let (a, b): (&JsValue, &JsValue) = (a.unchecked_ref(), b.unchecked_ref());
    a == b
}
