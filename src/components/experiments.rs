//! The experiments view (`?experiments=<which>`): one of the engine's sweeps, run in the page a
//! slice at a time between frames (so a click is answered at once), with its progress, a Cancel
//! button, the chart growing as runs finish (each dot a link to the run behind it), and the
//! rows to download as CSV or JSON, written as `qlab experiment` writes them. Its code is
//! fetched when the view opens (`crate::lazy`).

use std::time::Duration;

use leptos::prelude::*;
use wasm_bindgen::JsValue;

use super::header::LangSwitch;
use crate::chart::sweep::svg;
use crate::context::text;
use crate::experiments::{metrics, t, tf, Preset, Rows, Running, Size};
use crate::hooks;
use crate::i18n::Lang;
use crate::link::{Experiment, Link, Problem};

/// How long one slice of a sweep may run before the page takes its turn (ms).
const SLICE_MS: f64 = 12.0;
/// Simulated events between two looks at the clock.
const EVENTS_PER_STEP: usize = 2_000;
/// The chart is redrawn at most this often while runs finish (ms).
const REDRAW_MS: f64 = 300.0;
/// The chart's own units: its text is 12–13 of them, so a narrow window gets a smaller chart
/// (scaled up less) and its text stays readable.
fn chart_size() -> (u32, u32) {
    let width = web_sys::window().and_then(|w| w.inner_width().ok()).and_then(|w| w.as_f64()).unwrap_or(1280.0);
    if width < 600.0 {
        (420, 380)
    } else {
        (760, 440)
    }
}

const IDLE: u8 = 0;
const RUNNING: u8 = 1;
const DONE: u8 = 2;
const CANCELLED: u8 = 3;
const FAILED: u8 = 4;

fn now() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map_or(0.0, |p| p.now())
}

/// The view's state, shared by its parts.
#[derive(Clone, Copy)]
struct Exp {
    which: Experiment,
    lang: RwSignal<Lang>,
    full: RwSignal<bool>,
    fig16: RwSignal<bool>,
    metric: RwSignal<usize>,
    status: RwSignal<u8>,
    /// Runs done and in all.
    progress: RwSignal<(usize, usize)>,
    /// Bumped when the chart should be drawn again.
    drawn: RwSignal<u32>,
    rows: StoredValue<Option<Rows>, LocalStorage>,
    running: StoredValue<Option<Running>, LocalStorage>,
    /// Which run the scheduled slices belong to (a new run or Cancel ends the old one's).
    generation: StoredValue<u32>,
    error: StoredValue<String>,
    /// The downloads' object URLs (CSV, JSON), made when a sweep stops.
    urls: RwSignal<Option<(String, String)>>,
}

impl Exp {
    fn start(self) {
        self.stop(IDLE);
        self.revoke_urls();
        let size = if self.full.get_untracked() { Size::Full } else { Size::Quick };
        let preset = if self.fig16.get_untracked() { Preset::Fig16 } else { Preset::Kafka };
        match Running::new(self.which, size, preset) {
            Ok((running, rows)) => {
                let p = running.progress();
                self.progress.set((p.done, p.total));
                self.running.set_value(Some(running));
                self.rows.set_value(Some(rows));
                self.generation.update_value(|g| *g += 1);
                self.status.set(RUNNING);
                self.drawn.update(|d| *d += 1);
                let generation = self.generation.get_value();
                set_timeout(move || self.slice(generation, now()), Duration::ZERO);
            }
            Err(e) => {
                self.error.set_value(e);
                self.status.set(FAILED);
            }
        }
    }

    /// Stop the sweep (its scheduled slice finds the generation changed) and keep its rows.
    fn stop(self, status: u8) {
        self.generation.update_value(|g| *g += 1);
        self.running.set_value(None);
        if self.status.get_untracked() == RUNNING || status == IDLE {
            self.status.set(status);
        }
        self.drawn.update(|d| *d += 1);
        if status != IDLE {
            self.make_urls();
        }
    }

    /// One slice: run the sweep for about [`SLICE_MS`], then give the page its turn.
    fn slice(self, generation: u32, last_drawn: f64) {
        // Cancelled, a new run, or the view is gone.
        if self.generation.try_get_value() != Some(generation) {
            return;
        }
        let start = now();
        let mut finished = false;
        let mut rows_before = 0;
        let mut rows_after = 0;
        self.running.update_value(|running| {
            let Some(running) = running.as_mut() else {
                finished = true;
                return;
            };
            self.rows.update_value(|rows| {
                let Some(rows) = rows.as_mut() else { return };
                rows_before = rows.len();
                while !finished && now() - start < SLICE_MS {
                    finished = running.advance(rows, EVENTS_PER_STEP);
                }
                rows_after = rows.len();
            });
            let p = running.progress();
            self.progress.set((p.done, p.total));
        });
        if finished {
            self.running.set_value(None);
            self.status.set(DONE);
            self.drawn.update(|d| *d += 1);
            self.make_urls();
            return;
        }
        let mut last = last_drawn;
        if rows_after > rows_before && now() - last_drawn >= REDRAW_MS {
            self.drawn.update(|d| *d += 1);
            last = now();
        }
        set_timeout(move || self.slice(generation, last), Duration::ZERO);
    }

    /// Object URLs of the rows as CSV and JSON (the old ones released).
    fn make_urls(self) {
        self.revoke_urls();
        let made = self.rows.with_value(|rows| {
            let rows = rows.as_ref().filter(|r| !r.is_empty())?;
            Some((blob_url(&rows.csv(), "text/csv")?, blob_url(&rows.json(), "application/json")?))
        });
        self.urls.set(made);
    }
}

impl Exp {
    fn revoke_urls(self) {
        if let Some((csv, json)) = self.urls.get_untracked() {
            let _ = web_sys::Url::revoke_object_url(&csv);
            let _ = web_sys::Url::revoke_object_url(&json);
        }
        self.urls.set(None);
    }
}

/// One of the view's own words, in the page's language (reactive).
fn xt(lang: RwSignal<Lang>, key: &'static str) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
    move || t(lang.get(), key)
}

fn blob_url(text: &str, kind: &str) -> Option<String> {
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(kind);
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options).ok()?;
    web_sys::Url::create_object_url_with_blob(&blob).ok()
}

fn tab_key(e: Experiment) -> &'static str {
    match e {
        Experiment::Scale => "exp.tab.scale",
        Experiment::Elections => "exp.tab.elections",
        Experiment::Propagation => "exp.tab.propagation",
        Experiment::Stall => "exp.tab.stall",
    }
}

fn about_key(e: Experiment) -> &'static str {
    match e {
        Experiment::Scale => "exp.about.scale",
        Experiment::Elections => "exp.about.elections",
        Experiment::Propagation => "exp.about.propagation",
        Experiment::Stall => "exp.about.stall",
    }
}

#[component]
pub fn ExperimentsView(link: Link, lang: RwSignal<Lang>, problems: Vec<Problem>) -> impl IntoView {
    let which = link.experiments.unwrap_or(Experiment::Scale);
    let big = link.big;
    let exp = Exp {
        which,
        lang,
        full: RwSignal::new(false),
        fig16: RwSignal::new(true),
        metric: RwSignal::new(0),
        status: RwSignal::new(IDLE),
        progress: RwSignal::new((0, 0)),
        drawn: RwSignal::new(0),
        rows: StoredValue::new_local(None),
        running: StoredValue::new_local(None),
        generation: StoredValue::new(0),
        error: StoredValue::new(String::new()),
        urls: RwSignal::new(None),
    };
    // The address keeps the experiment and the language.
    Effect::new(move |_| {
        let l = lang.get();
        let q = Link { lang: Some(l), experiments: Some(which), big, ..Link::default() }.experiments_query();
        hooks::replace_url(&q);
        if let Some(root) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.document_element()) {
            root.set_attribute("lang", l.code()).ok();
        }
    });
    // Leaving the view stops the sweep.
    on_cleanup(move || exp.generation.update_value(|g| *g += 1));
    let address = move |e: Experiment| {
        Link { lang: Some(lang.get()), experiments: Some(e), big, ..Link::default() }.experiments_query()
    };
    let sandbox = move || format!("?lang={}", lang.get().code());
    let course = move || super::course::course_address(lang.get());
    let class = if big { "app experiments big" } else { "app experiments" };
    view! {
        <main class=class>
            <header class="top">
                <div>
                    <h1>{text(lang, "app.title")}</h1>
                    <p class="tagline">{text(lang, "exp.title")}</p>
                </div>
                <div class="switches">
                    <a class="course-link" data-testid="to-sandbox" href=sandbox>{text(lang, "course.sandbox")}</a>
                    <a class="course-link" data-testid="to-course" href=course>{text(lang, "course.title")}</a>
                    <LangSwitch lang=lang/>
                </div>
            </header>
            {(!problems.is_empty()).then(|| view! {
                <div class="problems" role="alert" data-testid="problems">
                    <ul>
                        {move || Problem::texts(&problems, lang.get()).into_iter().map(|t| view! { <li>{t}</li> }).collect_view()}
                    </ul>
                </div>
            })}
            <nav class="views exp-tabs" aria-label=text(lang, "exp.title")>
                {Experiment::ALL.into_iter().map(|e| view! {
                    <a data-testid=format!("exp-{}", e.as_str()) href=move || address(e) aria-current=(e == which).then_some("page")>
                        {xt(lang, tab_key(e))}
                    </a>
                }).collect_view()}
            </nav>
            <section class="panel exp" data-testid="experiment" data-experiment=which.as_str()>
                <h2>{xt(lang, tab_key(which))}</h2>
                <p class="about">{xt(lang, about_key(which))}</p>
                {(which == Experiment::Scale).then(|| view! { <p class="hint">{xt(lang, "exp.scale_note")}</p> })}
                <Controls exp=exp/>
                <Status exp=exp/>
                <Chart exp=exp/>
                <Downloads exp=exp/>
            </section>
        </main>
    }
}

#[component]
fn Controls(exp: Exp) -> impl IntoView {
    let lang = exp.lang;
    let running = move || exp.status.get() == RUNNING;
    let metric_choice = (metrics(exp.which).len() > 1).then(|| {
        view! {
            <label>
                {xt(lang, "exp.metric")} " "
                <select data-testid="exp-metric" on:change=move |ev| exp.metric.set(event_target_value(&ev).parse().unwrap_or(0))>
                    {metrics(exp.which).iter().enumerate().map(|(i, key)| view! {
                        <option value=i.to_string() selected=move || exp.metric.get() == i>{xt(lang, key)}</option>
                    }).collect_view()}
                </select>
            </label>
        }
    });
    let preset_choice = (exp.which == Experiment::Elections).then(|| {
        view! {
            <label>
                {xt(lang, "exp.preset")} " "
                <select data-testid="exp-preset" prop:disabled=running on:change=move |ev| exp.fig16.set(event_target_value(&ev) == "fig16")>
                    <option value="fig16" selected=move || exp.fig16.get()>{xt(lang, "exp.preset.fig16")}</option>
                    <option value="kafka" selected=move || !exp.fig16.get()>{xt(lang, "exp.preset.kafka")}</option>
                </select>
            </label>
        }
    });
    view! {
        <div class="controls exp-controls">
            <label>
                {xt(lang, "exp.size")} " "
                <select data-testid="exp-size" prop:disabled=running on:change=move |ev| exp.full.set(event_target_value(&ev) == "full")>
                    <option value="quick" selected=move || !exp.full.get()>{xt(lang, "exp.quick")}</option>
                    <option value="full" selected=move || exp.full.get()>{xt(lang, "exp.full")}</option>
                </select>
            </label>
            {preset_choice}
            <button class="primary" data-testid="exp-run" prop:disabled=running on:click=move |_| exp.start()>
                {xt(lang, "exp.run")}
            </button>
            <button data-testid="exp-cancel" prop:disabled=move || !running() on:click=move |_| exp.stop(CANCELLED)>
                {xt(lang, "exp.cancel")}
            </button>
            {metric_choice}
        </div>
    }
}

#[component]
fn Status(exp: Exp) -> impl IntoView {
    let lang = exp.lang;
    let line = move || {
        let l = lang.get();
        let (done, total) = exp.progress.get();
        match exp.status.get() {
            RUNNING => tf(l, "exp.progress", &[&done.to_string(), &total.to_string()]),
            DONE => tf(l, "exp.done", &[&done.to_string()]),
            CANCELLED => tf(l, "exp.cancelled", &[&done.to_string()]),
            FAILED => tf(l, "exp.failed", &[&exp.error.get_value()]),
            _ => t(l, "exp.idle").to_string(),
        }
    };
    view! {
        <div class="exp-status">
            <progress
                data-testid="exp-progress"
                max=move || exp.progress.get().1.max(1).to_string()
                value=move || exp.progress.get().0.to_string()
            ></progress>
            <p data-testid="exp-status" data-status=move || exp.status.get().to_string() role="status">{line}</p>
        </div>
    }
}

#[component]
fn Chart(exp: Exp) -> impl IntoView {
    let lang = exp.lang;
    let markup = move || {
        let _ = exp.drawn.get();
        let l = lang.get();
        let metric = exp.metric.get();
        let suffix = format!("&lang={}", l.code());
        exp.rows.with_value(|rows| {
            rows.as_ref().filter(|r| !r.is_empty()).map(|r| {
                let (w, h) = chart_size();
                svg(&r.plot(metric), l, w, h, &suffix)
            })
        })
    };
    view! {
        <div class="exp-chart" data-testid="exp-chart" inner_html=move || markup().unwrap_or_default()></div>
        <p class="hint">{xt(lang, "exp.hint")} " " {xt(lang, "exp.modelled")}</p>
    }
}

#[component]
fn Downloads(exp: Exp) -> impl IntoView {
    let lang = exp.lang;
    let name = move |ext: &str| format!("quorumlab-{}.{ext}", exp.which.as_str());
    move || {
        exp.urls.get().map(|(csv, json)| {
            view! {
                <p class="exp-downloads">
                    <a data-testid="exp-csv" download=name("csv") href=csv>{xt(lang, "exp.csv")}</a>
                    " · "
                    <a data-testid="exp-json" download=name("json") href=json>{xt(lang, "exp.json")}</a>
                </p>
            }
        })
    }
}
