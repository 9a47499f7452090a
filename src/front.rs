//! Both layers of the stage are drawn by `stage.js` from a [`Scene`]. The front layer (what
//! moves: messages in flight, countdown rings, the clock) is numbers that say where each message
//! flies and when it was sent and lands, each ring's timer, and the virtual time. The page sends
//! a scene each simulation tick (a few times a second); `stage.js` moves the shown time from one
//! scene to the next every animation frame. When the back layer (links, nodes, their lines)
//! changed, the scene ends with its drawing, recorded as canvas calls by a [`Pen`]. So the page's
//! main thread rasterizes nothing on the stage.
//!
//! `stage.js` runs in a worker that holds both canvases as OffscreenCanvases. Without a GPU
//! (many school laptops, virtual machines, headless browsers), a canvas that changes costs the
//! thread that rasterizes it several milliseconds each time; in a worker, that cost leaves the
//! page's thread. Browsers without `transferControlToOffscreen` run the same `stage.js` on the
//! page.

use js_sys::{Array, Float64Array, Function};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Blob, BlobPropertyBag, CanvasRenderingContext2d, HtmlCanvasElement, Url, Worker};

/// The front layer's renderer, shipped inside the app (no extra file to fetch, nothing to 404),
/// without its comments (`build.rs`).
const STAGE_JS: &str = include_str!(concat!(env!("OUT_DIR"), "/stage.js"));
/// In the worker, which draws every canvas of the page: `[0, n, front, back]` hands it stage
/// n's canvases, `[3, n, canvas]` sheet n's, `[1, n, buffer, ...]` brings one tick's scenes
/// and sheets (a sheet's number as -1 - n), and `[2, n]` forgets stage n, `[4, n]` sheet n.
/// Once it has drawn its first scenes, it says so (one message back).
const WORKER_GLUE: &str = "\nconst takes = [], sheets = [];\nlet told = false;\nonmessage = ({ data }) => { const [kind, ...m] = data; if (kind === 0) takes[m[0]] = stage(m[1], m[2]); else if (kind === 3) sheets[m[0]] = sheet(m[1]); else if (kind === 2) delete takes[m[0]]; else if (kind === 4) delete sheets[m[0]]; else { for (let k = 0; k + 1 < m.length; k += 2) { const f = m[k] < 0 ? sheets[-1 - m[k]] : takes[m[k]]; try { if (f) f(m[k + 1]); } catch (e) {} } if (!told) { told = true; postMessage(0); } } };\n";

// A scene's item codes (stage.js reads the same numbers).
const PALETTE: f64 = 1.0;
const FONTS: f64 = 2.0;
const RING: f64 = 3.0;
const FLIGHT: f64 = 4.0;
const LABEL: f64 = 5.0;
const BACK: f64 = 6.0;

// The back layer's canvas calls (stage.js `paint` reads the same numbers).
const B_FILL_STYLE: f64 = 1.0;
const B_STROKE_STYLE: f64 = 2.0;
const B_LINE_WIDTH: f64 = 3.0;
const B_FONT: f64 = 4.0;
const B_ALIGN: f64 = 5.0;
const B_BASELINE: f64 = 6.0;
const B_FILL_RECT: f64 = 7.0;
const B_BEGIN: f64 = 8.0;
const B_MOVE: f64 = 9.0;
const B_LINE: f64 = 10.0;
const B_ARC: f64 = 11.0;
const B_FILL: f64 = 12.0;
const B_STROKE: f64 = 13.0;
const B_TEXT: f64 = 14.0;
const B_DASH: f64 = 15.0;
const B_ALPHA: f64 = 16.0;
const B_LINE_JOIN: f64 = 17.0;

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
        push_string(&mut self.ops, s);
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

    /// Start the back layer's drawing: every call made with the returned pen until the scene
    /// is sent draws it (the back layer is redrawn whole). `meter` measures text.
    pub fn back<'a>(&'a mut self, meter: &'a Meter) -> Pen<'a> {
        self.ops.push(BACK);
        Pen { ops: &mut self.ops, meter, font: String::new() }
    }

    /// The back layer's recorded calls in this scene, if it has them.
    pub fn back_calls(&self) -> Option<&[f64]> {
        // Header and items are read in order to find the mark (a number in a string or a
        // coordinate can equal it).
        let ops = &self.ops;
        let mut i = 11;
        let skip_string = |i: usize| i + 1 + ops.get(i).copied().unwrap_or(0.0) as usize;
        while i < ops.len() {
            let code = ops[i];
            i += 1;
            i = match code {
                c if c == PALETTE => skip_string(i + 1),
                c if c == FONTS => skip_string(skip_string(i)),
                c if c == RING => i + 5,
                c if c == FLIGHT => i + 8,
                c if c == LABEL => skip_string(i),
                c if c == BACK => return ops.get(i..),
                _ => return None,
            };
        }
        None
    }

    fn buffer(&self) -> JsValue {
        Float64Array::from(self.ops.as_slice()).buffer().into()
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
        self.style(B_FILL_STYLE, colour);
    }

    pub fn set_stroke_style(&mut self, colour: &str) {
        self.style(B_STROKE_STYLE, colour);
    }

    pub fn set_font(&mut self, font: &str) {
        if self.font != font {
            self.font = font.to_string();
            self.style(B_FONT, font);
        }
    }

    pub fn set_text_align(&mut self, align: &str) {
        self.style(B_ALIGN, align);
    }

    pub fn set_text_baseline(&mut self, baseline: &str) {
        self.style(B_BASELINE, baseline);
    }

    pub fn set_line_join(&mut self, join: &str) {
        self.style(B_LINE_JOIN, join);
    }

    pub fn set_line_width(&mut self, width: f64) {
        self.ops.extend([B_LINE_WIDTH, width]);
    }

    pub fn set_global_alpha(&mut self, alpha: f64) {
        self.ops.extend([B_ALPHA, alpha]);
    }

    /// Dashes of `on` then `off` pixels; (0, 0) for a solid line.
    pub fn set_line_dash(&mut self, on: f64, off: f64) {
        self.ops.extend([B_DASH, on, off]);
    }

    pub fn fill_rect(&mut self, x: f64, y: f64, w: f64, h: f64) {
        self.ops.extend([B_FILL_RECT, x, y, w, h]);
    }

    pub fn begin_path(&mut self) {
        self.ops.push(B_BEGIN);
    }

    pub fn move_to(&mut self, x: f64, y: f64) {
        self.ops.extend([B_MOVE, x, y]);
    }

    pub fn line_to(&mut self, x: f64, y: f64) {
        self.ops.extend([B_LINE, x, y]);
    }

    pub fn arc(&mut self, x: f64, y: f64, r: f64, start: f64, end: f64) {
        self.ops.extend([B_ARC, x, y, r, start, end]);
    }

    pub fn fill(&mut self) {
        self.ops.push(B_FILL);
    }

    pub fn stroke(&mut self) {
        self.ops.push(B_STROKE);
    }

    pub fn fill_text(&mut self, text: &str, x: f64, y: f64) {
        self.ops.push(B_TEXT);
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

/// Where a stage's scenes go.
enum Target {
    /// The page's worker, which holds this stage's canvases: scenes wait in the tick's batch
    /// ([`flush`]), and each buffer moves there (nothing is copied).
    Worker(u32),
    /// `stage.js` on the page: the function that takes each scene.
    Page(Function),
    /// Neither (no OffscreenCanvas, and a page policy that forbids `eval`): the page replays
    /// the recorded calls on this canvas itself (a stage's back layer: its front one is lost).
    Here(CanvasRenderingContext2d),
}

/// The 2D context of a canvas of the page.
fn context(canvas: &HtmlCanvasElement) -> Option<CanvasRenderingContext2d> {
    canvas.get_context("2d").ok().flatten()?.dyn_into().ok()
}

/// Draw recorded calls on a canvas of the page: `header` is the pixel size, scale and CSS size.
fn paint_here(ctx: &CanvasRenderingContext2d, header: &[f64], calls: &[f64]) {
    let [w, h, scale, cw, ch] = [0, 1, 2, 3, 4].map(|i| header.get(i).copied().unwrap_or(0.0));
    if let Some(canvas) = ctx.canvas() {
        if (canvas.width(), canvas.height()) != (w as u32, h as u32) {
            canvas.set_width(w as u32);
            canvas.set_height(h as u32);
        }
    }
    let _ = ctx.set_transform(scale, 0.0, 0.0, scale, 0.0, 0.0);
    ctx.clear_rect(0.0, 0.0, cw, ch);
    replay(ctx, calls);
}

thread_local! {
    /// The page's one drawing worker: every stage's layers, so one message and one wake-up per
    /// tick, and one animation loop, whatever the number of stages (on a machine with few
    /// cores, each wake-up of a drawing thread takes time from the page's). `None` until the
    /// first stage opens; `Some(None)` if this browser cannot have one.
    static WORKER: std::cell::RefCell<Option<Option<Worker>>> = const { std::cell::RefCell::new(None) };
    /// This tick's scenes for the worker: `1`, then stage number and buffer pairs.
    static BATCH: std::cell::RefCell<Option<Array>> = const { std::cell::RefCell::new(None) };
    static STAGES: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
    /// [`flush`] as a function the page can queue.
    static FLUSH: wasm_bindgen::closure::Closure<dyn FnMut()> = wasm_bindgen::closure::Closure::new(flush);
    static SHEETS: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
    /// Whether the first picture is on screen, and what waits for it.
    static PICTURED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    static AFTER_PICTURE: std::cell::RefCell<Vec<Box<dyn FnOnce()>>> = const { std::cell::RefCell::new(Vec::new()) };
    /// Whether the worker has drawn, and what waits for that (the posters to go).
    static WORKER_DREW: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    static AFTER_WORKER: std::cell::RefCell<Vec<Box<dyn FnOnce()>>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Run `f` once the first picture is on screen (see [`first_picture`]); at once if it is.
pub fn after_first_picture(f: impl FnOnce() + 'static) {
    if PICTURED.with(|p| p.get()) {
        f();
    } else {
        AFTER_PICTURE.with(|a| a.borrow_mut().push(Box::new(f)));
    }
}

/// The first picture is on screen: mark the moment (`make bench` reads it) and run what waited
/// for it. Called by the page once it drew the stages (itself: without a worker, or the poster
/// while the worker starts), else when the worker says it drew its first scenes. Only the
/// first call counts.
pub fn first_picture() {
    if PICTURED.with(|p| p.replace(true)) {
        return;
    }
    if let Some(perf) = web_sys::window().and_then(|w| w.performance()) {
        let _ = perf.mark("qlab-first-frame");
    }
    for f in AFTER_PICTURE.with(|a| std::mem::take(&mut *a.borrow_mut())) {
        f();
    }
}

/// Make recorded back-layer calls (see [`Pen`]) on a canvas of the page: the stage's first
/// picture, drawn at once while the worker starts (`stage.js` `calls` is the same for the worker).
pub fn replay(c: &CanvasRenderingContext2d, ops: &[f64]) {
    let mut i = 0;
    let n = |i: usize| ops.get(i).copied().unwrap_or(0.0);
    let string = |i: &mut usize| {
        let (from, to) = (*i + 1, (*i + 1).saturating_add(n(*i) as usize));
        let units: Vec<u16> = ops.get(from..to).unwrap_or(&[]).iter().map(|u| *u as u16).collect();
        *i = to;
        String::from_utf16_lossy(&units)
    };
    while i < ops.len() {
        let code = ops[i];
        i += 1;
        match code as u8 {
            1 => c.set_fill_style_str(&string(&mut i)),
            2 => c.set_stroke_style_str(&string(&mut i)),
            3 => {
                c.set_line_width(n(i));
                i += 1;
            }
            4 => c.set_font(&string(&mut i)),
            5 => c.set_text_align(&string(&mut i)),
            6 => c.set_text_baseline(&string(&mut i)),
            7 => {
                c.fill_rect(n(i), n(i + 1), n(i + 2), n(i + 3));
                i += 4;
            }
            8 => c.begin_path(),
            9 | 10 => {
                if code == B_MOVE {
                    c.move_to(n(i), n(i + 1));
                } else {
                    c.line_to(n(i), n(i + 1));
                }
                i += 2;
            }
            11 => {
                let _ = c.arc(n(i), n(i + 1), n(i + 2), n(i + 3), n(i + 4));
                i += 5;
            }
            12 => c.fill(),
            13 => c.stroke(),
            14 => {
                let text = string(&mut i);
                let _ = c.fill_text(&text, n(i), n(i + 1));
                i += 2;
            }
            15 => {
                let dash = if n(i) > 0.0 { Array::of2(&n(i).into(), &n(i + 1).into()) } else { Array::new() };
                let _ = c.set_line_dash(&dash);
                i += 2;
            }
            16 => {
                c.set_global_alpha(n(i));
                i += 1;
            }
            17 => c.set_line_join(&string(&mut i)),
            _ => return,
        }
    }
}

/// Run `f` once the worker has drawn its first scenes; at once if it has.
pub fn after_worker_drew(f: impl FnOnce() + 'static) {
    if WORKER_DREW.with(|d| d.get()) {
        f();
    } else {
        AFTER_WORKER.with(|a| a.borrow_mut().push(Box::new(f)));
    }
}

/// Whether the worker has drawn its first scenes.
pub fn worker_has_drawn() -> bool {
    WORKER_DREW.with(|d| d.get())
}

/// The worker says it drew its first scenes.
fn worker_drew() {
    if WORKER_DREW.with(|d| d.replace(true)) {
        return;
    }
    first_picture();
    for f in AFTER_WORKER.with(|a| std::mem::take(&mut *a.borrow_mut())) {
        f();
    }
}

fn worker() -> Option<Worker> {
    WORKER.with(|w| w.borrow_mut().get_or_insert_with(new_worker).clone())
}

/// A stage's two layers and the renderer that draws them.
pub struct Remote {
    target: Target,
    pub scene: Scene,
}

impl Remote {
    /// Hand both canvases to the page's worker if this browser can, else start the renderer
    /// on the page. `None` if neither works (nothing is drawn on the stage then).
    pub fn open(front: &HtmlCanvasElement, back: &HtmlCanvasElement) -> Option<Remote> {
        let target = match to_worker(front, back) {
            Some(index) => Target::Worker(index),
            // `eval` reports a refusal (a page policy that forbids it) as an error, not a throw.
            None => match js_sys::eval(&["(() => {", STAGE_JS, "\nreturn stage;\n})()"].concat())
                .ok()
                .and_then(|stage| stage.dyn_into::<Function>().ok())
                .and_then(|stage| stage.call2(&JsValue::NULL, front, back).ok()?.dyn_into().ok())
            {
                Some(take) => Target::Page(take),
                None => Target::Here(context(back)?),
            },
        };
        Some(Remote { target, scene: Scene::default() })
    }

    /// Whether the page's worker draws this stage.
    pub fn in_worker(&self) -> bool {
        matches!(self.target, Target::Worker(_))
    }

    /// Send the recorded scene (to the worker: with the next [`flush`]).
    pub fn post(&self) {
        match &self.target {
            Target::Worker(index) => batch(f64::from(*index), &self.scene.buffer()),
            Target::Page(take) => {
                let _ = take.call1(&JsValue::NULL, &self.scene.buffer());
            }
            Target::Here(ctx) => {
                if let Some(calls) = self.scene.back_calls() {
                    // The header: pixel size, scale, CSS size.
                    paint_here(ctx, &self.scene.ops[..5], calls);
                }
            }
        }
    }
}

/// Add a buffer for the worker's canvas `key` to this task's message, which goes when the task
/// is done (a microtask): every scene and sheet drawn in one go, one message, one wake-up.
fn batch(key: f64, buffer: &JsValue) {
    let fresh = BATCH.with(|b| {
        let mut b = b.borrow_mut();
        let fresh = b.is_none();
        let batch = b.get_or_insert_with(|| Array::of1(&1.into()));
        batch.push(&key.into());
        batch.push(buffer);
        fresh
    });
    if fresh {
        FLUSH.with(|f| {
            if let Some(window) = web_sys::window() {
                window.queue_microtask(f.as_ref().unchecked_ref());
            }
        });
    }
}

/// A canvas drawn whole from canvas calls (a chart): by the page's worker, or on the page
/// where a canvas cannot be handed over, so the page's thread rasterizes none of it.
pub struct Sheet {
    target: Target,
    canvas: HtmlCanvasElement,
    ops: Vec<f64>,
}

impl Sheet {
    /// `None` if no renderer can start (nothing is drawn then).
    pub fn open(canvas: &HtmlCanvasElement) -> Option<Sheet> {
        let worker = js_sys::Reflect::has(canvas, &"transferControlToOffscreen".into())
            .unwrap_or(false)
            .then(worker)
            .flatten()
            .and_then(|worker| {
                let offscreen = canvas.transfer_control_to_offscreen().ok()?;
                let index = SHEETS.with(|n| n.replace(n.get() + 1));
                let message = Array::of3(&3.into(), &index.into(), &offscreen);
                worker.post_message_with_transfer(&message, &Array::of1(&offscreen)).ok()?;
                Some(Target::Worker(index))
            });
        let target = match worker {
            Some(target) => target,
            None => match js_sys::eval(&["(() => {", STAGE_JS, "\nreturn sheet;\n})()"].concat())
                .ok()
                .and_then(|sheet| sheet.dyn_into::<Function>().ok())
                .and_then(|sheet| sheet.call1(&JsValue::NULL, canvas).ok()?.dyn_into().ok())
            {
                Some(take) => Target::Page(take),
                None => Target::Here(context(canvas)?),
            },
        };
        Some(Sheet { target, canvas: canvas.clone(), ops: Vec::new() })
    }

    /// Whether this sheet draws `canvas`.
    pub fn draws(&self, canvas: &HtmlCanvasElement) -> bool {
        same(&self.canvas, canvas)
    }

    /// Start a drawing `px` device pixels large, `css` CSS pixels, `scale` device pixels per
    /// CSS pixel (the previous drawing is forgotten); the pen records it.
    pub fn pen<'a>(&'a mut self, px: (u32, u32), scale: f64, css: (f64, f64), meter: &'a Meter) -> Pen<'a> {
        self.ops.clear();
        self.ops.extend([f64::from(px.0), f64::from(px.1), scale, css.0, css.1]);
        Pen { ops: &mut self.ops, meter, font: String::new() }
    }

    /// Send the drawing (to the worker: with the next [`flush`]).
    pub fn post(&self) {
        let buffer = || -> JsValue { Float64Array::from(self.ops.as_slice()).buffer().into() };
        match &self.target {
            Target::Worker(index) => batch(-1.0 - f64::from(*index), &buffer()),
            Target::Page(take) => {
                let _ = take.call1(&JsValue::NULL, &buffer());
            }
            Target::Here(ctx) => paint_here(ctx, &self.ops[..5.min(self.ops.len())], self.ops.get(5..).unwrap_or(&[])),
        }
    }
}

impl Drop for Sheet {
    fn drop(&mut self) {
        if let (Target::Worker(index), Some(worker)) = (&self.target, WORKER.with(|w| w.borrow().clone().flatten())) {
            let _ = worker.post_message(&Array::of2(&4.into(), &(*index).into()));
        }
    }
}

/// Send the worker every scene and sheet posted since the last flush, in one message.
fn flush() {
    let Some(batch) = BATCH.with(|b| b.borrow_mut().take()) else { return };
    let Some(worker) = worker() else { return };
    let buffers: Array = batch.iter().filter(|v| v.is_instance_of::<js_sys::ArrayBuffer>()).collect();
    let _ = worker.post_message_with_transfer(&batch, &buffers);
}

fn new_worker() -> Option<Worker> {
    let options = BlobPropertyBag::new();
    options.set_type("text/javascript");
    let source = Array::of2(&STAGE_JS.into(), &WORKER_GLUE.into());
    let blob = Blob::new_with_str_sequence_and_options(&source, &options).ok()?;
    let url = Url::create_object_url_with_blob(&blob).ok()?;
    let worker = Worker::new(&url).ok()?;
    let told = wasm_bindgen::closure::Closure::<dyn FnMut()>::new(worker_drew);
    worker.set_onmessage(Some(told.as_ref().unchecked_ref()));
    // A worker that cannot start (a page policy may refuse its script) is not used again:
    // canvases opened after that are drawn on the page.
    let failed = wasm_bindgen::closure::Closure::<dyn FnMut()>::new(|| WORKER.with(|w| *w.borrow_mut() = Some(None)));
    worker.set_onerror(Some(failed.as_ref().unchecked_ref()));
    // The worker lives as long as the page; so do its handlers.
    told.forget();
    failed.forget();
    Some(worker)
}

/// Hand a stage's canvases to the page's worker; its number there.
fn to_worker(front: &HtmlCanvasElement, back: &HtmlCanvasElement) -> Option<u32> {
    if !js_sys::Reflect::has(front, &"transferControlToOffscreen".into()).unwrap_or(false) {
        return None;
    }
    let worker = worker()?;
    let (Ok(front), Ok(back)) = (front.transfer_control_to_offscreen(), back.transfer_control_to_offscreen()) else {
        return None;
    };
    let index = STAGES.with(|n| n.replace(n.get() + 1));
    let message = Array::of4(&0.into(), &index.into(), &front, &back);
    worker.post_message_with_transfer(&message, &Array::of2(&front, &back)).ok()?;
    Some(index)
}

impl Drop for Remote {
    fn drop(&mut self) {
        if let (Target::Worker(index), Some(worker)) = (&self.target, WORKER.with(|w| w.borrow().clone().flatten())) {
            let _ = worker.post_message(&Array::of2(&2.into(), &(*index).into()));
        }
    }
}

/// Whether `a` and `b` are the same element (a re-rendered stage gets new canvases).
pub fn same(a: &HtmlCanvasElement, b: &HtmlCanvasElement) -> bool {
    let (a, b): (&JsValue, &JsValue) = (a.unchecked_ref(), b.unchecked_ref());
    a == b
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
        let mut want = vec![BACK, B_FONT, font.len() as f64];
        want.extend(font);
        want.extend([B_TEXT, 2.0, 233.0, 49.0, 10.0, 20.0, B_DASH, 6.0, 5.0, B_ARC, 1.0, 2.0, 3.0, 0.0, 6.0]);
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
        assert_eq!(scene.back_calls(), Some(&[B_FILL_RECT, 1.0, 2.0, 3.0, 4.0][..]));
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
