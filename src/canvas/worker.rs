//! Where scenes and sheets are drawn. Both layers of the stage are drawn by `stage.js` from a
//! [`Scene`]. The front layer (what
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

use super::protocol::*;
use super::scene::{Meter, Pen, Scene};

/// The front layer's renderer, shipped inside the app (no extra file to fetch, nothing to 404),
/// without its comments (`build.rs`).
const STAGE_JS: &str = include_str!(concat!(env!("OUT_DIR"), "/stage.js"));
/// In the worker, which draws every canvas of the page (messages: `MSG_*` in `protocol.rs`).
const WORKER_GLUE: &str = "\nserve();\n";

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
        match code {
            CALL_FILL_STYLE => c.set_fill_style_str(&string(&mut i)),
            CALL_STROKE_STYLE => c.set_stroke_style_str(&string(&mut i)),
            CALL_LINE_WIDTH => {
                c.set_line_width(n(i));
                i += 1;
            }
            CALL_FONT => c.set_font(&string(&mut i)),
            CALL_TEXT_ALIGN => c.set_text_align(&string(&mut i)),
            CALL_TEXT_BASELINE => c.set_text_baseline(&string(&mut i)),
            CALL_FILL_RECT => {
                c.fill_rect(n(i), n(i + 1), n(i + 2), n(i + 3));
                i += 4;
            }
            CALL_BEGIN_PATH => c.begin_path(),
            CALL_MOVE_TO | CALL_LINE_TO => {
                if code == CALL_MOVE_TO {
                    c.move_to(n(i), n(i + 1));
                } else {
                    c.line_to(n(i), n(i + 1));
                }
                i += 2;
            }
            CALL_ARC => {
                let _ = c.arc(n(i), n(i + 1), n(i + 2), n(i + 3), n(i + 4));
                i += 5;
            }
            CALL_FILL => c.fill(),
            CALL_STROKE => c.stroke(),
            CALL_FILL_TEXT => {
                let text = string(&mut i);
                let _ = c.fill_text(&text, n(i), n(i + 1));
                i += 2;
            }
            CALL_LINE_DASH => {
                let dash = if n(i) > 0.0 { Array::of2(&n(i).into(), &n(i + 1).into()) } else { Array::new() };
                let _ = c.set_line_dash(&dash);
                i += 2;
            }
            CALL_GLOBAL_ALPHA => {
                c.set_global_alpha(n(i));
                i += 1;
            }
            CALL_LINE_JOIN => c.set_line_join(&string(&mut i)),
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
                    paint_here(ctx, self.scene.header(), calls);
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
        let batch = b.get_or_insert_with(|| Array::of1(&MSG_DRAW.into()));
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
                let message = Array::of3(&MSG_SHEET.into(), &index.into(), &offscreen);
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
        Pen::new(&mut self.ops, meter)
    }

    /// Send the drawing (to the worker: with the next [`flush`]).
    pub fn post(&self) {
        let buffer = || -> JsValue { Float64Array::from(self.ops.as_slice()).buffer().into() };
        match &self.target {
            Target::Worker(index) => batch(-1.0 - f64::from(*index), &buffer()),
            Target::Page(take) => {
                let _ = take.call1(&JsValue::NULL, &buffer());
            }
            Target::Here(ctx) => {
                let header = SHEET_HEADER_LEN as usize;
                paint_here(ctx, &self.ops[..header.min(self.ops.len())], self.ops.get(header..).unwrap_or(&[]))
            }
        }
    }
}

impl Drop for Sheet {
    fn drop(&mut self) {
        if let (Target::Worker(index), Some(worker)) = (&self.target, WORKER.with(|w| w.borrow().clone().flatten())) {
            let _ = worker.post_message(&Array::of2(&MSG_FORGET_SHEET.into(), &(*index).into()));
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
    let message = Array::of4(&MSG_STAGE.into(), &index.into(), &front, &back);
    worker.post_message_with_transfer(&message, &Array::of2(&front, &back)).ok()?;
    Some(index)
}

impl Drop for Remote {
    fn drop(&mut self) {
        if let (Target::Worker(index), Some(worker)) = (&self.target, WORKER.with(|w| w.borrow().clone().flatten())) {
            let _ = worker.post_message(&Array::of2(&MSG_FORGET_STAGE.into(), &(*index).into()));
        }
    }
}

/// Whether `a` and `b` are the same element (a re-rendered stage gets new canvases).
pub fn same(a: &HtmlCanvasElement, b: &HtmlCanvasElement) -> bool {
    let (a, b): (&JsValue, &JsValue) = (a.unchecked_ref(), b.unchecked_ref());
    a == b
}
