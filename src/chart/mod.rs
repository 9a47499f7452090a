//! The live chart under each cluster: whether there was an active controller (a band, green
//! while there is one, red while there is none; in ZooKeeper mode a second band for the
//! ZooKeeper leader) and messages per second by class (one line per class, in the canvas's
//! message colours), over the last minute of virtual time.
//!
//! Drawn by plotters on its own canvas, through `plot::PenBackend`: the calls are recorded and
//! drawn by the renderer holding that canvas (the page's drawing worker). Plotters' coordinate
//! system (`Cartesian2d`) maps virtual time and rates to pixels, and its elements draw the bands,
//! the lines, the axes and the text; the ticks (every 10 s of the window; 0, half and the top of
//! the rates) are placed here rather than by plotters' chart builder and mesh, whose generic
//! layout code was 7 KB gzip of the download at start for the same picture.
//! Redrawn only when its data, language or size changed, and at most every `REDRAW_EVERY_MS`.

pub mod plot;
pub mod svg;
pub mod sweep;

use quorumlab_sim::setup::Mode;
use quorumlab_sim::{MsgClass, Time};
use web_sys::HtmlCanvasElement;

use plotters::coord::types::{RangedCoordu32, RangedCoordu64};
use plotters::coord::Shift;
use plotters::prelude::{
    Cartesian2d, Color, DrawingArea, FontDesc, FontFamily, FontStyle, IntoDrawingArea, PathElement, Rectangle, Text,
};
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::canvas::scene::{Meter, Pen};
use crate::canvas::worker::Sheet;
use crate::chart::plot::{rgb, PenBackend};

use crate::canvas::{class_colour, KRAFT_LEGEND, ZK_LEGEND};
use crate::i18n::{tr, Lang};
use crate::session::history::{History, Sample, SAMPLE_EVERY_US};

/// Wall time between two redraws while the data changes (at most twice a second).
pub const REDRAW_EVERY_MS: f64 = 500.0;
/// How much virtual time the chart shows.
pub const WINDOW_US: u64 = 60_000_000;

const BACKGROUND: &str = "#f8fafc";
const GRID: &str = "#e2e8f0";
const AXIS: &str = "#94a3b8";
const TEXT: &str = "#0f172a";
const MUTED: &str = "#475569";
const PRESENT: &str = "#6ee7b7";
const ABSENT: &str = "#fca5a5";
const FAMILY: &str = "system-ui, sans-serif";

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
            if self.unopened.as_ref().is_some_and(|c| crate::canvas::worker::same(c, canvas)) {
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
                let pen = Pen::new(&mut scratch, meter);
                let rows = legend_rows(&pen, mode, lang, &Axis::new(Time::ZERO, f64::from(draw_w)));
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

type Area<'p, 'a> = DrawingArea<PenBackend<'p, 'a>, Shift>;

fn font(size: f64, weight: FontStyle) -> FontDesc<'static> {
    FontDesc::new(FontFamily::Name(FAMILY), size, weight)
}

/// Text anchored at `pos` in `colour`.
fn text(area: &Area, s: &str, (x, y): (i32, i32), font: FontDesc, colour: &str, h: HPos, v: VPos) {
    let style = font.color(&rgb(colour)).pos(Pos::new(h, v));
    let _ = area.draw(&Text::new(s, (x, y), style));
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
    // The last minute; from time zero until a minute has passed.
    let end_us = history.samples().back().map_or(0, |s| s.at.as_us()).max(WINDOW_US);
    let from = Time(end_us - WINDOW_US);
    let first = history.first_from(from);
    let samples = history.len() - first;
    let axis = Axis::new(from, width);
    let legend_top = height - LEGEND_ROW_H * legend_rows as f64 - 4.0;
    let keys = legend_layout(pen, mode, lang, &axis);
    // The width of a band's "none", measured as the legend's words are (the band writes it in
    // long stretches without a controller only).
    let none_w =
        pen.measure_in(&crate::chart::plot::css(10.0, FontStyle::Normal, FAMILY), tr(lang, "chart.none")).ceil() as i32;
    pen.set_line_join("round");

    let root = PenBackend::new(pen, (width as u32, height as u32)).into_drawing_area();
    let _ = root.fill(&rgb(BACKGROUND));
    let mut y = BANDS_TOP;
    for (key, present) in bands(mode) {
        draw_band(&root, history, first, &axis, y, tr(lang, key), (tr(lang, "chart.none"), none_w), *present);
        y += CAPTION_H + BAND_H + 4.0;
    }
    let plot_bottom = (legend_top - AXIS_H).max(plot_top(mode) + 20.0);
    draw_rates(&root, history, first, mode, lang, &axis, plot_top(mode), plot_bottom);
    // The legend: every class the mode plots, in rows under the plot.
    for ((class, key), (x, row)) in series(mode).zip(keys) {
        let cy = (legend_top + 2.0 + row as f64 * LEGEND_ROW_H + 7.0) as i32;
        let line = rgb(class_colour(*class)).stroke_width(3);
        let _ = root.draw(&PathElement::new(vec![(x as i32, cy), (x as i32 + 13, cy)], line));
        text(&root, tr(lang, key), (x as i32 + 18, cy), font(11.0, FontStyle::Normal), TEXT, HPos::Left, VPos::Center);
    }
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
    root: &Area,
    history: &History,
    first: usize,
    axis: &Axis,
    top: f64,
    title: &str,
    (none, none_w): (&str, i32),
    present: Held,
) {
    let left = axis.left as i32;
    text(
        root,
        title,
        (left, (top + CAPTION_H - 1.0) as i32),
        font(11.0, FontStyle::Bold),
        TEXT,
        HPos::Left,
        VPos::Bottom,
    );
    let top = (top + CAPTION_H) as i32;
    let area = root.clone().shrink((left, top), (axis.width as u32, BAND_H as u32));
    let _ = area.fill(&rgb(GRID));
    // Time to x within the band, as plotters maps its x axis (the rates' chart below), without a
    // second chart type in the download (each coordinate type instantiates plotters again).
    let last = axis.width as i32 - 1;
    let x_of = |t: u64| {
        let share = (t as f64 - axis.from_us as f64) / WINDOW_US as f64;
        (f64::from(last) * share + 1e-3).floor() as i32
    };
    let samples = history.samples();
    // Runs of equal state: each sample stands until the next one.
    let mut runs = Vec::new();
    let mut i = first;
    while i < samples.len() {
        let state = present(&samples[i]);
        let mut j = i + 1;
        while j < samples.len() && present(&samples[j]) == state {
            j += 1;
        }
        let end = samples.get(j).map_or_else(|| samples[j - 1].at.plus_us(SAMPLE_EVERY_US), |s| s.at);
        runs.push((samples[i].at.as_us(), end.as_us().min(axis.from_us + WINDOW_US), state));
        i = j;
    }
    let (present_colour, absent_colour) = (rgb(PRESENT).filled(), rgb(ABSENT).filled());
    let bottom = BAND_H as i32 - 1;
    for &(t0, t1, state) in &runs {
        let colour = if state { present_colour } else { absent_colour };
        let _ = area.draw(&Rectangle::new([(x_of(t0), bottom), (x_of(t1), 0)], colour));
    }
    // Long stretches without one say so in words.
    let none_font = font(10.0, FontStyle::Normal);
    for (t0, t1, _) in runs.into_iter().filter(|run| !run.2) {
        let (x0, x1) = (left + x_of(t0), left + x_of(t1));
        if x1 - x0 > none_w + 12 {
            let at = ((x0 + x1) / 2, top + BAND_H as i32 / 2);
            text(root, none, at, none_font.clone(), "#7f1d1d", HPos::Center, VPos::Center);
        }
    }
}

/// Rates are plotted in hundredths of a message per second (whole numbers: plotters' float axis
/// would bring float formatting into the download).
const HUNDREDTHS: f64 = 100.0;

/// The top of the rate axis at most (messages per second); lines above it are cut.
const MAX_RATE: f64 = 1e6;

/// "0.5" for 50 hundredths, "20" for 2000.
fn rate_label(hundredths: u32) -> String {
    match hundredths % 100 {
        0 => (hundredths / 100).to_string(),
        part => format!("{}.{}", hundredths / 100, part / 10),
    }
}

/// Messages per second, one line per class with traffic in the window, over labelled axes.
#[allow(clippy::too_many_arguments)]
fn draw_rates(
    root: &Area,
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
    // Capped far below u32::MAX: plotters' integer key-point search multiplies its step by 10.
    let y_max = (nice_ceiling(max.clamp(1.0, MAX_RATE)) * HUNDREDTHS) as u32;
    text(
        root,
        tr(lang, "chart.rate_axis"),
        (axis.left as i32, (top - 6.0) as i32),
        font(11.0, FontStyle::Bold),
        TEXT,
        HPos::Left,
        VPos::Bottom,
    );
    // The plot's pixels, first and last row and column included: plotters' coordinates map the
    // window's time onto them left to right and the rates bottom to top.
    let (x0, x1) = (axis.left as i32, (axis.left + axis.width) as i32 - 1);
    let (y0, y1) = (top as i32, bottom as i32 - 1);
    if x1 <= x0 || y1 <= y0 {
        return;
    }
    let plot = root.apply_coord_spec(Cartesian2d::<RangedCoordu64, RangedCoordu32>::new(
        axis.from_us..axis.from_us + WINDOW_US,
        0..y_max,
        (x0..x1, y1..y0),
    ));
    let at = |t: u64, rate: u32| plot.map_coordinate(&(t, rate));
    let stroke = |from: (i32, i32), to: (i32, i32), colour: &str| {
        let _ = root.draw(&PathElement::new(vec![from, to], rgb(colour)));
    };
    let label =
        |s: &str, pos: (i32, i32), h: HPos, v: VPos| text(root, s, pos, font(11.0, FontStyle::Normal), MUTED, h, v);
    // Where plotters' mesh put them: the axes just outside the plot (the rates' left of its first
    // column, time's under its last row), ticks outward from them, labels past the ticks.
    let (y_axis, x_axis) = (x0 - 1, y1 + 1);
    // Rate ticks at 0, half and the top, each with a grid line across the plot.
    for r in [0, y_max / 2, y_max] {
        let y = at(axis.from_us, r).1;
        stroke((x0, y), (x1, y), GRID);
        stroke((y_axis - TICK, y), (y_axis, y), AXIS);
        label(&rate_label(r), (y_axis - TICK - 3, y), HPos::Right, VPos::Center);
    }
    // Time ticks at every whole 10 s of the window.
    let first_tick = axis.from_us.div_ceil(TICK_EVERY_US) * TICK_EVERY_US;
    for t in (first_tick..=axis.from_us + WINDOW_US).step_by(TICK_EVERY_US as usize) {
        let x = at(t, 0).0;
        stroke((x, x_axis), (x, x_axis + TICK), AXIS);
        label(&(t / 1_000_000).to_string(), (x, x_axis + TICK + 4), HPos::Center, VPos::Top);
    }
    stroke((y_axis, y0), (y_axis, y1), AXIS);
    stroke((x0, x_axis), (x1, x_axis), AXIS);
    let desc_at = (x0 + axis.width as i32 / 2, (bottom + AXIS_H) as i32);
    text(root, tr(lang, "chart.time_axis"), desc_at, font(11.0, FontStyle::Normal), TEXT, HPos::Center, VPos::Bottom);
    // One line per class.
    for (class, _) in series(mode) {
        if !has_traffic(history, first, *class) {
            continue;
        }
        let points = (first..len).map(|i| {
            (history.samples()[i].at.as_us(), (history.rate_per_s(i, *class).min(MAX_RATE) * HUNDREDTHS).round() as u32)
        });
        let _ = plot.draw(&PathElement::new(points.collect::<Vec<_>>(), rgb(class_colour(*class)).stroke_width(2)));
    }
}

/// The axes' tick marks (px) and the time axis's tick spacing.
const TICK: i32 = 4;
const TICK_EVERY_US: u64 = 10_000_000;

fn has_traffic(history: &History, first: usize, class: MsgClass) -> bool {
    (first..history.len()).any(|i| history.rate_per_s(i, class) > 0.0)
}

/// Lay out the legend: every class the mode plots, in rows under the plot. The left end and the
/// row of each entry.
fn legend_layout(pen: &Pen, mode: Mode, lang: Lang, axis: &Axis) -> Vec<(f64, usize)> {
    let (mut x, mut row) = (axis.left, 0usize);
    let right = axis.left + axis.width;
    let mut keys = Vec::new();
    // The font the legend is drawn in (`font(11.0, Normal)`), as the backend writes it.
    let legend_font = crate::chart::plot::css(11.0, FontStyle::Normal, FAMILY);
    for (i, (_, key)) in series(mode).enumerate() {
        let w = 18.0 + pen.measure_in(&legend_font, tr(lang, key)) + 14.0;
        if i > 0 && x + w > right {
            row += 1;
            x = axis.left;
        }
        keys.push((x, row));
        x += w;
    }
    keys
}

/// How many rows the legend takes.
fn legend_rows(pen: &Pen, mode: Mode, lang: Lang, axis: &Axis) -> usize {
    legend_layout(pen, mode, lang, axis).last().map_or(1, |(_, row)| row + 1)
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

    /// A drawing of `seconds` of history in `mode`, as recorded canvas calls.
    fn drawing(mode: Mode, seconds: u64) -> Vec<f64> {
        drawing_at(mode, seconds, 600.0)
    }

    fn drawing_at(mode: Mode, seconds: u64, width: f64) -> Vec<f64> {
        drawing_of(mode, seconds, width, 3)
    }

    /// `seconds` of history: no controller for the first 10 s, then one; `per_sample` fetches
    /// every sample (a quarter second).
    fn drawing_of(mode: Mode, seconds: u64, width: f64, per_sample: u64) -> Vec<f64> {
        let mut history = History::default();
        let mut sent = [0u64; quorumlab_sim::MSG_CLASSES];
        for i in 0..seconds * 4 {
            sent[MsgClass::Fetch.index()] += per_sample;
            history.record(i >= 40, i > 4, sent);
        }
        let meter = Meter::default();
        let mut ops = Vec::new();
        let mut pen = Pen::new(&mut ops, &meter);
        let rows = legend_rows(&pen, mode, Lang::En, &Axis::new(Time::ZERO, width));
        draw(&mut pen, &history, mode, Lang::En, width, height(mode, rows), rows);
        ops
    }

    /// Recorded calls as (code, text, numbers), read as `stage.js` reads them.
    fn calls(ops: &[f64]) -> Vec<(u8, String, Vec<f64>)> {
        let (mut out, mut i) = (Vec::new(), 0);
        while i < ops.len() {
            let code = ops[i] as u8;
            i += 1;
            let mut text = String::new();
            if matches!(code, 1 | 2 | 4 | 5 | 6 | 14 | 17) {
                let len = ops[i] as usize;
                text = String::from_utf16_lossy(&ops[i + 1..i + 1 + len].iter().map(|u| *u as u16).collect::<Vec<_>>());
                i += 1 + len;
            }
            let count = match code {
                3 | 16 => 1,
                9 | 10 | 14 | 15 => 2,
                7 => 4,
                11 => 5,
                _ => 0,
            };
            out.push((code, text, ops[i..i + count].to_vec()));
            i += count;
        }
        out
    }

    /// The texts drawn.
    fn texts(calls: &[(u8, String, Vec<f64>)]) -> Vec<&str> {
        calls.iter().filter(|c| c.0 == 14).map(|c| c.1.as_str()).collect()
    }

    #[test]
    fn a_chart_is_drawn_in_both_modes() {
        for mode in [Mode::Kraft, Mode::Zk] {
            for seconds in [0, 3, 90] {
                assert!(drawing(mode, seconds).len() > 100, "{mode:?} after {seconds} s");
            }
        }
    }

    #[test]
    fn the_chart_shows_its_bands_rates_and_axes() {
        let calls = calls(&drawing_of(Mode::Kraft, 20, 600.0, 100));
        let texts = texts(&calls);
        // Time ticks every 10 s of the first minute; rate ticks at 0, half and the top (400
        // fetches a second: the axis tops out at 500).
        for label in ["0", "10", "60", "250", "500", "virtual time (s)", "fetch", "none"] {
            assert!(texts.contains(&label), "{label:?} in {texts:?}");
        }
        // The band: the first 10 s in red, then green, each the band's full height.
        let after = |colour: &str| {
            let at = calls.iter().position(|c| c.0 == 1 && c.1 == colour).unwrap_or_else(|| panic!("{colour}"));
            calls[at..].iter().find(|c| c.0 == 7).unwrap().2.clone()
        };
        let (absent, present) = (after(ABSENT), after(PRESENT));
        assert_eq!((absent[3], present[3]), (BAND_H, BAND_H));
        assert!(
            absent[0] < present[0] && (absent[0] + absent[2] - present[0]).abs() <= 1.0,
            "{absent:?} then {present:?}"
        );
        // The fetch line: a stroke in its colour through every sample.
        let fetch = calls.iter().position(|c| c.0 == 2 && c.1 == class_colour(MsgClass::Fetch)).unwrap();
        let points = calls[fetch..].iter().skip_while(|c| c.0 != 9).take_while(|c| c.0 == 9 || c.0 == 10).count();
        assert_eq!(points, 80);
    }

    #[test]
    fn a_chart_of_any_width_is_drawn_without_a_panic() {
        // A collapsed canvas reports a width of 1; a projector's is wide.
        for width in [1.0, 20.0, 54.0, 120.0, 390.0, 4000.0] {
            for mode in [Mode::Kraft, Mode::Zk] {
                assert!(!drawing_at(mode, 70, width).is_empty(), "{mode:?} at {width}");
            }
        }
    }

    #[test]
    fn any_rate_is_drawn_without_a_panic() {
        for per_sample in [0, 1, 1_000_000, 1 << 40] {
            assert!(!drawing_of(Mode::Kraft, 20, 600.0, per_sample).is_empty());
        }
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
