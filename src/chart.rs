//! The live chart under each cluster: whether there was an active controller (a band, green
//! while there is one, red while there is none; in ZooKeeper mode a second band for the
//! ZooKeeper leader) and messages per second by class (one line per class, in the canvas's
//! message colours), over the last minute of virtual time.
//!
//! Drawn by hand on its own small canvas rather than with plotters + plotters-canvas (as the
//! design guide suggests), for download size: plotters + plotters-canvas measured +21.3 KB gzip
//! of wasm (+0.3 KB of JS) for one line chart; this whole module costs a fraction of that.
//! Redrawn only when its data, language or size changed, and at most every `REDRAW_EVERY_MS`.

use quorumlab_sim::setup::Mode;
use quorumlab_sim::{MsgClass, Time};
use web_sys::HtmlCanvasElement;

use crate::front::{Meter, Pen, Sheet};

use crate::history::{History, Sample, SAMPLE_EVERY_US};
use crate::i18n::{tr, Lang};
use crate::render::{class_colour, KRAFT_LEGEND, ZK_LEGEND};

/// Wall time between two redraws while the data changes (at most twice a second).
pub const REDRAW_EVERY_MS: f64 = 500.0;
/// How much virtual time the chart shows.
pub const WINDOW_US: u64 = 60_000_000;
const TICK_EVERY_US: u64 = 10_000_000;

const BACKGROUND: &str = "#f8fafc";
const GRID: &str = "#e2e8f0";
const AXIS: &str = "#94a3b8";
const TEXT: &str = "#0f172a";
const MUTED: &str = "#475569";
const PRESENT: &str = "#6ee7b7";
const ABSENT: &str = "#fca5a5";
const FONT: &str = "11px system-ui, sans-serif";
const FONT_BOLD: &str = "600 11px system-ui, sans-serif";

/// Classes the mode sends that its canvas legend does not list, plotted after the legend's.
const KRAFT_EXTRA: &[(MsgClass, &str)] = &[(MsgClass::ControlRequest, "chart.registration")];
const ZK_EXTRA: &[(MsgClass, &str)] = &[
    (MsgClass::BeginEpoch, "chart.zab_epoch"),
    (MsgClass::Heartbeat, "chart.session_ping"),
    (MsgClass::Other, "chart.reset"),
];

fn series(mode: Mode) -> impl Iterator<Item = &'static (MsgClass, &'static str)> {
    let (legend, extra) = match mode {
        Mode::Kraft => (KRAFT_LEGEND, KRAFT_EXTRA),
        Mode::Zk => (ZK_LEGEND, ZK_EXTRA),
    };
    legend.iter().chain(extra)
}

/// What one drawing showed, for the page to expose as data attributes (tests read them).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shown {
    pub from: Time,
    pub samples: usize,
    pub ms_without_controller: u64,
}

/// Per-chart state kept between redraws.
#[derive(Default)]
pub struct ChartCache {
    /// Who draws the canvas (the page's drawing worker, as a rule).
    sheet: Option<Sheet>,
    /// A canvas no renderer could take.
    unopened: Option<HtmlCanvasElement>,
    meter: Option<Meter>,
    /// What the last drawing was of: (history version, language, pixel size, zoom).
    drawn: Option<(u64, Lang, u32, u32, u64)>,
    /// Legend rows for (language, drawing width): they set the canvas height.
    legend: Option<(Lang, i32, usize)>,
    last_ms: f64,
}

impl ChartCache {
    /// Redraw if the history, language or size changed since the last drawing, and (unless
    /// `force`) the last one is at least `REDRAW_EVERY_MS` old. `wall_ms` is the page clock.
    /// `zoom` scales the whole chart, text included (large-text mode on a projector).
    #[allow(clippy::too_many_arguments)]
    pub fn update(
        &mut self,
        canvas: &HtmlCanvasElement,
        history: &History,
        mode: Mode,
        lang: Lang,
        force: bool,
        wall_ms: f64,
        zoom: f64,
    ) {
        if !force && wall_ms - self.last_ms < REDRAW_EVERY_MS {
            return;
        }
        if !self.sheet.as_ref().is_some_and(|sheet| sheet.draws(canvas)) {
            // A canvas no renderer could take is not tried again at every tick.
            if self.unopened.as_ref().is_some_and(|c| crate::front::same(c, canvas)) {
                return;
            }
            self.sheet = Sheet::open(canvas);
            self.unopened = self.sheet.is_none().then(|| canvas.clone());
            self.drawn = None;
        }
        let meter = self.meter.get_or_insert_with(Meter::open);
        // The legend lists every class the mode sends, so its rows (and the canvas height) change
        // only with the width and the language, never while playing.
        let css_w = canvas.client_width().max(1);
        // Drawn in units of `zoom` CSS pixels: the chart lays itself out for a narrower width.
        let zoom = zoom.max(1.0);
        let draw_w = (f64::from(css_w) / zoom).round() as i32;
        let rows = match self.legend {
            Some((l, width, rows)) if (l, width) == (lang, draw_w) => rows,
            _ => {
                let mut scratch = Vec::new();
                let mut pen = Pen::new(&mut scratch, meter);
                let rows = legend(&mut pen, mode, lang, &Axis::new(Time::ZERO, f64::from(draw_w)), None);
                self.legend = Some((lang, draw_w, rows));
                rows
            }
        };
        let draw_h = height(mode, rows);
        let css_h = (draw_h * zoom).round();
        if canvas.client_height() != css_h as i32 {
            let _ = canvas.style().set_property("height", &format!("{}px", css_h as u32));
        }
        let dpr = web_sys::window().map_or(1.0, |w| w.device_pixel_ratio()).max(1.0);
        let (px_w, px_h) = ((f64::from(css_w) * dpr).round() as u32, (css_h * dpr).round() as u32);
        let key = (history.version(), lang, px_w, px_h, zoom.to_bits());
        if self.drawn == Some(key) {
            return;
        }
        let Some(sheet) = self.sheet.as_mut() else { return };
        let mut pen = sheet.pen((px_w, px_h), dpr * zoom, (f64::from(draw_w), draw_h), meter);
        let shown = draw(&mut pen, history, mode, lang, f64::from(draw_w), draw_h, rows);
        sheet.post();
        let _ = canvas.set_attribute("data-samples", &shown.samples.to_string());
        let _ = canvas.set_attribute("data-from-ms", &shown.from.as_ms().to_string());
        let _ = canvas.set_attribute("data-no-controller-ms", &shown.ms_without_controller.to_string());
        self.drawn = Some(key);
        self.last_ms = wall_ms;
    }
}

/// The smallest 1, 2 or 5 × 10ⁿ at or above `x` (the top of the rate axis).
pub fn nice_ceiling(x: f64) -> f64 {
    let mut step = 1.0;
    loop {
        for m in [1.0, 2.0, 5.0] {
            if m * step >= x {
                return m * step;
            }
        }
        step *= 10.0;
    }
}

/// A whole number as text without float formatting (which costs download size).
fn whole(x: f64) -> String {
    (x.round() as i64).to_string()
}

/// Horizontal geometry: virtual time to x.
struct Axis {
    from_us: u64,
    left: f64,
    width: f64,
}

impl Axis {
    fn new(from: Time, width: f64) -> Axis {
        Axis { from_us: from.as_us(), left: 44.0, width: (width - 44.0 - 10.0).max(10.0) }
    }

    fn x(&self, at: Time) -> f64 {
        self.left + at.as_us().saturating_sub(self.from_us) as f64 / WINDOW_US as f64 * self.width
    }
}

fn bands(mode: Mode) -> &'static [(&'static str, Held)] {
    match mode {
        Mode::Kraft => &[("chart.controller_kraft", |s| s.controller)],
        Mode::Zk => &[("chart.controller_zk", |s| s.controller), ("chart.zk_leader", |s| s.quorum_leader)],
    }
}

const BANDS_TOP: f64 = 4.0;
const PLOT_H: f64 = 110.0;
/// Under the plot: time ticks and the time axis title.
const AXIS_H: f64 = 32.0;
const LEGEND_ROW_H: f64 = 16.0;

/// The canvas height (CSS px) for this mode with this many legend rows.
fn height(mode: Mode, legend_rows: usize) -> f64 {
    plot_top(mode) + PLOT_H + AXIS_H + LEGEND_ROW_H * legend_rows as f64 + 4.0
}

fn plot_top(mode: Mode) -> f64 {
    BANDS_TOP + bands(mode).len() as f64 * (CAPTION_H + BAND_H + 4.0) + 14.0
}

pub fn draw(
    pen: &mut Pen,
    history: &History,
    mode: Mode,
    lang: Lang,
    width: f64,
    height: f64,
    legend_rows: usize,
) -> Shown {
    pen.set_fill_style(BACKGROUND);
    pen.fill_rect(0.0, 0.0, width, height);
    // The last minute; from time zero until a minute has passed.
    let end_us = history.samples().back().map_or(0, |s| s.at.as_us()).max(WINDOW_US);
    let from = Time(end_us - WINDOW_US);
    let first = history.first_from(from);
    let samples = history.len() - first;
    let axis = Axis::new(from, width);

    let mut y = BANDS_TOP;
    for (key, present) in bands(mode) {
        draw_band(pen, history, first, &axis, y, tr(lang, key), lang, *present);
        y += CAPTION_H + BAND_H + 4.0;
    }
    let legend_top = height - LEGEND_ROW_H * legend_rows as f64 - 4.0;
    let plot_bottom = (legend_top - AXIS_H).max(plot_top(mode) + 20.0);
    draw_rates(pen, history, first, mode, lang, &axis, plot_top(mode), plot_bottom);
    legend(pen, mode, lang, &axis, Some(legend_top + 2.0));
    Shown { from, samples, ms_without_controller: history.ms_without_controller(from) }
}

const BAND_H: f64 = 12.0;
/// A band's title sits on its own line above it, so it never hides the state.
const CAPTION_H: f64 = 13.0;

/// Whether a sample had the role a band shows.
type Held = fn(&Sample) -> bool;

/// One availability band under its title: filled green where `present`, red where not.
#[allow(clippy::too_many_arguments)]
fn draw_band(
    pen: &mut Pen,
    history: &History,
    first: usize,
    axis: &Axis,
    top: f64,
    title: &str,
    lang: Lang,
    present: Held,
) {
    pen.set_font(FONT_BOLD);
    pen.set_fill_style(TEXT);
    pen.fill_text(title, axis.left, top + CAPTION_H - 3.0);
    let top = top + CAPTION_H;
    pen.set_fill_style(GRID);
    pen.fill_rect(axis.left, top, axis.width, BAND_H);
    let samples = history.samples();
    // Runs of equal state: each sample stands until the next one.
    let mut i = first;
    let mut absent_runs = Vec::new();
    while i < samples.len() {
        let state = present(&samples[i]);
        let mut j = i + 1;
        while j < samples.len() && present(&samples[j]) == state {
            j += 1;
        }
        let x0 = axis.x(samples[i].at);
        let x1 = samples.get(j).map_or_else(|| axis.x(samples[j - 1].at.plus_us(SAMPLE_EVERY_US)), |s| axis.x(s.at));
        let x1 = x1.min(axis.left + axis.width);
        pen.set_fill_style(if state { PRESENT } else { ABSENT });
        pen.fill_rect(x0, top, (x1 - x0).max(1.0), BAND_H);
        if !state {
            absent_runs.push((x0, x1));
        }
        i = j;
    }
    let mid = top + BAND_H / 2.0 + 0.5;
    pen.set_text_baseline("middle");
    // Long stretches without one say so in words.
    pen.set_font("10px system-ui, sans-serif");
    pen.set_fill_style("#7f1d1d");
    let none = tr(lang, "chart.none");
    let none_w = pen.measure(none);
    for (x0, x1) in absent_runs {
        let x = (x0 + x1 - none_w) / 2.0;
        if x1 - x0 > none_w + 12.0 {
            pen.fill_text(none, x, mid);
        }
    }
    pen.set_text_baseline("alphabetic");
}

/// Messages per second, one line per class with traffic in the window, over labelled axes.
#[allow(clippy::too_many_arguments)]
fn draw_rates(
    pen: &mut Pen,
    history: &History,
    first: usize,
    mode: Mode,
    lang: Lang,
    axis: &Axis,
    top: f64,
    bottom: f64,
) {
    let len = history.len();
    let mut max = 0.0f64;
    for (class, _) in series(mode) {
        for i in first..len {
            max = max.max(history.rate_per_s(i, *class));
        }
    }
    let y_max = nice_ceiling(max.max(1.0));
    let y = |rate: f64| bottom - rate / y_max * (bottom - top);
    let right = axis.left + axis.width;

    // Grid and rate ticks: 0, half, top.
    pen.set_font(FONT);
    pen.set_fill_style(MUTED);
    pen.set_text_align("right");
    pen.set_text_baseline("middle");
    pen.set_stroke_style(GRID);
    pen.set_line_width(1.0);
    pen.begin_path();
    for tick in [0.0, y_max / 2.0, y_max] {
        let ty = y(tick).round() + 0.5;
        pen.move_to(axis.left, ty);
        pen.line_to(right, ty);
        // Half of 1 is 0.5: show it as such; every other tick is whole.
        let label = if tick.fract() == 0.0 { whole(tick) } else { "0.5".to_string() };
        pen.fill_text(&label, axis.left - 5.0, ty);
    }
    pen.stroke();
    // Time ticks every 10 s of virtual time.
    pen.set_text_align("center");
    pen.set_text_baseline("top");
    pen.set_stroke_style(AXIS);
    pen.begin_path();
    let mut t = axis.from_us.div_ceil(TICK_EVERY_US) * TICK_EVERY_US;
    while t <= axis.from_us + WINDOW_US {
        let tx = axis.x(Time(t)).round() + 0.5;
        pen.move_to(tx, bottom);
        pen.line_to(tx, bottom + 4.0);
        pen.fill_text(&(t / 1_000_000).to_string(), tx, bottom + 6.0);
        t += TICK_EVERY_US;
    }
    pen.move_to(axis.left + 0.5, top);
    pen.line_to(axis.left + 0.5, bottom + 0.5);
    pen.line_to(right, bottom + 0.5);
    pen.stroke();
    // Axis titles.
    pen.set_fill_style(TEXT);
    pen.set_text_baseline("alphabetic");
    pen.set_text_align("start");
    pen.set_font(FONT_BOLD);
    pen.fill_text(tr(lang, "chart.rate_axis"), axis.left, top - 6.0);
    pen.set_font(FONT);
    pen.set_text_align("right");
    pen.fill_text(tr(lang, "chart.time_axis"), right, bottom + 28.0);
    pen.set_text_align("start");

    // One line per class.
    pen.set_line_width(2.0);
    pen.set_line_join("round");
    for (class, _) in series(mode) {
        if !has_traffic(history, first, *class) {
            continue;
        }
        pen.set_stroke_style(class_colour(*class));
        pen.begin_path();
        for i in first..len {
            let (x, r) = (axis.x(history.samples()[i].at), y(history.rate_per_s(i, *class)));
            if i == first {
                pen.move_to(x, r);
            } else {
                pen.line_to(x, r);
            }
        }
        pen.stroke();
    }
}

fn has_traffic(history: &History, first: usize, class: MsgClass) -> bool {
    (first..history.len()).any(|i| history.rate_per_s(i, class) > 0.0)
}

/// Lay out (and, given a top, draw) the legend: every class the mode plots, in rows under
/// the plot. Returns how many rows it takes.
fn legend(pen: &mut Pen, mode: Mode, lang: Lang, axis: &Axis, top: Option<f64>) -> usize {
    pen.set_font(FONT);
    pen.set_text_baseline("middle");
    let (mut x, mut row) = (axis.left, 0usize);
    let right = axis.left + axis.width;
    for (i, (class, key)) in series(mode).enumerate() {
        let label = tr(lang, key);
        let w = 18.0 + pen.measure(label) + 14.0;
        if i > 0 && x + w > right {
            row += 1;
            x = axis.left;
        }
        if let Some(top) = top {
            let cy = top + row as f64 * LEGEND_ROW_H + 7.0;
            pen.set_stroke_style(class_colour(*class));
            pen.set_line_width(3.0);
            pen.begin_path();
            pen.move_to(x, cy);
            pen.line_to(x + 13.0, cy);
            pen.stroke();
            pen.set_fill_style(TEXT);
            pen.fill_text(label, x + 18.0, cy);
        }
        x += w;
    }
    pen.set_text_baseline("alphabetic");
    row + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rate_axis_tops_out_at_a_round_number() {
        assert_eq!(nice_ceiling(1.0), 1.0);
        assert_eq!(nice_ceiling(1.2), 2.0);
        assert_eq!(nice_ceiling(3.0), 5.0);
        assert_eq!(nice_ceiling(63.0), 100.0);
        assert_eq!(nice_ceiling(40.0), 50.0);
        assert_eq!(nice_ceiling(150.0), 200.0);
    }

    #[test]
    fn every_plotted_class_has_a_label_in_both_languages() {
        for mode in [Mode::Kraft, Mode::Zk] {
            for (_, key) in series(mode) {
                assert_ne!(tr(Lang::En, key), *key);
                assert_ne!(tr(Lang::Ko, key), *key);
            }
        }
    }
}
