//! An experiment's chart as inline SVG: laid out by plotters through [`SvgBackend`], with log
//! axes where the data spans decades, one line per series, and each linked point an SVG link to
//! the run behind it (keyboard-reachable, with a label a screen reader reads).

use std::fmt::Write;

use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::svg::{escape, SvgBackend};
use crate::experiments::{linked, t, tf, Plot, Series};
use crate::i18n::Lang;

/// Series colours: ZooKeeper's and KRaft's first (the page's mode colours), then more.
const COLOURS: [RGBColor; 8] = [
    RGBColor(0xc2, 0x41, 0x0c),
    RGBColor(0x1d, 0x4e, 0xd8),
    RGBColor(0x04, 0x78, 0x57),
    RGBColor(0x7e, 0x22, 0xce),
    RGBColor(0xb4, 0x53, 0x09),
    RGBColor(0x0e, 0x74, 0x90),
    RGBColor(0xbe, 0x18, 0x5d),
    RGBColor(0x47, 0x55, 0x69),
];
const TEXT: RGBColor = RGBColor(0x0f, 0x17, 0x2a);
const MUTED: RGBColor = RGBColor(0x47, 0x55, 0x69);
const GRID: RGBColor = RGBColor(0xe2, 0xe8, 0xf0);
const FAMILY: &str = "system-ui, sans-serif";

/// A number as an axis shows it: 1k, 10k, 1M; 0.5, 2, 150.
pub fn short(v: f64) -> String {
    let (v, unit) = if v >= 1e6 {
        (v / 1e6, "M")
    } else if v >= 1e3 {
        (v / 1e3, "k")
    } else {
        (v, "")
    };
    let digits = if v >= 10.0 || (v - v.round()).abs() < 1e-9 {
        0
    } else if v >= 1.0 {
        1
    } else {
        2
    };
    let mut s = format!("{v:.digits$}");
    if s.contains('.') {
        s = s.trim_end_matches('0').trim_end_matches('.').to_string();
    }
    s + unit
}

fn span(values: impl Iterator<Item = f64>, log: bool) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in values {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if !lo.is_finite() {
        return if log { (1.0, 10.0) } else { (0.0, 1.0) };
    }
    if log {
        let lo = lo.max(1e-3);
        (lo / 2.0, (hi.max(lo) * 2.0))
    } else {
        (0.0_f64.min(lo), if hi > 0.0 { hi * 1.1 } else { 1.0 })
    }
}

/// Tick values of a log axis from `lo` to `hi`: 1, 2 and 5 times each power of ten, or only
/// the powers when that would be too many.
pub fn log_ticks(lo: f64, hi: f64) -> Vec<f64> {
    let (a, b) = (lo.log10().floor() as i32, hi.log10().ceil() as i32);
    let within = |v: &f64| *v >= lo * 0.999 && *v <= hi * 1.001;
    let all: Vec<f64> = (a..=b).flat_map(|k| [1.0, 2.0, 5.0].map(|m| m * 10f64.powi(k))).filter(within).collect();
    if all.len() <= 8 {
        return all;
    }
    (a..=b).map(|k| 10f64.powi(k)).filter(within).collect()
}

/// The chart of `plot`, `width`×`height` CSS pixels, as an `<svg>` element. `suffix` is added
/// to each point's link (the page's language).
pub fn svg(plot: &Plot, lang: Lang, width: u32, height: u32, suffix: &str) -> String {
    let xs = span(plot.series.iter().flat_map(|s| s.points.iter().map(|p| p.x)), plot.x_log);
    let ys = if plot.cdf {
        (0.0, 1.0)
    } else {
        span(plot.series.iter().flat_map(|s| s.points.iter().map(|p| p.y)), plot.y_log)
    };
    let mut body = String::new();
    let title = format!("{} / {}", t(lang, plot.y_key), t(lang, plot.x_key));
    let size = (width, height);
    let r = (xs, ys);
    let log = |(lo, hi): (f64, f64)| (lo..hi).log_scale();
    match (plot.x_log, plot.y_log) {
        (true, true) => draw(&mut body, plot, lang, size, log(xs), log(ys), r, suffix),
        (true, false) => draw(&mut body, plot, lang, size, log(xs), ys.0..ys.1, r, suffix),
        (false, true) => draw(&mut body, plot, lang, size, xs.0..xs.1, log(ys), r, suffix),
        (false, false) => draw(&mut body, plot, lang, size, xs.0..xs.1, ys.0..ys.1, r, suffix),
    }
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" width=\"100%\" role=\"group\" aria-label=\"{}\">{body}</svg>",
        escape(&title)
    )
}

/// A series' line: its points joined, or for a CDF a step at each run (flat until the next
/// run's time, then up).
fn line_of(plot: &Plot, s: &Series) -> Vec<(f64, f64)> {
    if !plot.cdf {
        return s.points.iter().map(|p| (p.x, p.y)).collect();
    }
    let mut v = Vec::with_capacity(2 * s.points.len());
    let mut prev = 0.0;
    for p in &s.points {
        v.push((p.x, prev));
        v.push((p.x, p.y));
        prev = p.y;
    }
    v
}

/// The legend: a swatch and the series' name, three to a row.
fn draw_legend<DB: DrawingBackend>(legend: &DrawingArea<DB, Shift>, plot: &Plot, width: u32, style: TextStyle) {
    for (i, s) in plot.series.iter().enumerate() {
        let (col, row) = ((i % 3) as i32, (i / 3) as i32);
        let (lx, ly) = (70 + col * ((width as i32 - 80) / 3), 8 + row * 22);
        let colour = COLOURS[i % COLOURS.len()];
        let _ = legend.draw(&Rectangle::new([(lx, ly + 4), (lx + 14, ly + 8)], colour.filled()));
        let _ = legend.draw(&Text::new(s.label.clone(), (lx + 20, ly), style.clone()));
    }
}

#[allow(clippy::too_many_arguments)]
fn draw<X, Y>(
    out: &mut String,
    plot: &Plot,
    lang: Lang,
    size: (u32, u32),
    x: X,
    y: Y,
    (xs, ys): ((f64, f64), (f64, f64)),
    suffix: &str,
) where
    X: AsRangedCoord<Value = f64>,
    Y: AsRangedCoord<Value = f64>,
    X::CoordDescType: ValueFormatter<f64>,
    Y::CoordDescType: ValueFormatter<f64>,
{
    let legend_h = 22 * plot.series.len().div_ceil(3).max(1) as u32;
    let mut points: Vec<(usize, i32, i32, String)> = Vec::new();
    {
        let root = SvgBackend::new(out, size).into_drawing_area();
        let (plot_area, legend) = root.split_vertically(size.1 - legend_h);
        let font = |px: f64| FontDesc::new(FontFamily::Name(FAMILY), px, FontStyle::Normal);
        let Ok(mut chart) = ChartBuilder::on(&plot_area)
            .margin(12)
            .x_label_area_size(44)
            .y_label_area_size(58)
            .build_cartesian_2d(x, y)
        else {
            return;
        };
        let fmt = |v: &f64| short(*v);
        let _ = chart
            .configure_mesh()
            .light_line_style(TRANSPARENT)
            .bold_line_style(GRID)
            .axis_style(MUTED)
            .x_labels(8)
            .y_labels(6)
            .x_label_formatter(&fmt)
            .y_label_formatter(&fmt)
            .label_style(font(12.0).color(&MUTED))
            .axis_desc_style(font(13.0).color(&TEXT))
            .x_desc(t(lang, plot.x_key))
            .y_desc(t(lang, plot.y_key))
            .draw();
        // Plotters labels a log axis at its powers of ten only: the 2s and 5s between them too,
        // each with its grid line, when the axis spans less than a few decades.
        let (px, py) = chart.plotting_area().get_pixel_range();
        let label = font(12.0).color(&MUTED);
        if plot.y_log {
            for t in log_ticks(ys.0, ys.1).into_iter().filter(|t| (t.log10() - t.log10().round()).abs() > 1e-9) {
                let (_, y) = chart.backend_coord(&(xs.0, t));
                let _ = plot_area.draw(&PathElement::new(vec![(px.start, y), (px.end, y)], GRID));
                let style = label.pos(Pos::new(HPos::Right, VPos::Center));
                let _ = plot_area.draw(&Text::new(short(t), (px.start - 8, y), style));
            }
        }
        if plot.x_log {
            for t in log_ticks(xs.0, xs.1).into_iter().filter(|t| (t.log10() - t.log10().round()).abs() > 1e-9) {
                let (x, _) = chart.backend_coord(&(t, ys.0));
                let _ = plot_area.draw(&PathElement::new(vec![(x, py.start), (x, py.end)], GRID));
                let style = label.pos(Pos::new(HPos::Center, VPos::Top));
                let _ = plot_area.draw(&Text::new(short(t), (x, py.end + 8), style));
            }
        }
        for (i, s) in plot.series.iter().enumerate() {
            let colour = COLOURS[i % COLOURS.len()];
            let _ = chart.draw_series(LineSeries::new(line_of(plot, s), colour.stroke_width(2)));
            for k in linked(plot, s) {
                let p = &s.points[k];
                let (px, py) = chart.backend_coord(&(p.x, p.y));
                let label = tf(
                    lang,
                    "exp.point",
                    &[&s.label, t(lang, plot.x_key), &short(p.x), t(lang, plot.y_key), &short(p.y)],
                );
                points.push((i, px, py, format!("{}{suffix}|{label}", p.link)));
            }
        }
        draw_legend(&legend, plot, size.0, font(13.0).color(&TEXT));
    }
    // Each linked point: a link to its run around a dot.
    for (i, px, py, both) in points {
        let (href, label) = both.split_once('|').unwrap_or((&both, ""));
        let colour = COLOURS[i % COLOURS.len()];
        let _ = write!(
            out,
            "<a href=\"{}\" aria-label=\"{}\" class=\"point\"><title>{}</title><circle cx=\"{px}\" cy=\"{py}\" r=\"5\" fill=\"#{:02x}{:02x}{:02x}\" stroke=\"#fff\" stroke-width=\"1.5\"/></a>",
            escape(href),
            escape(label),
            escape(label),
            colour.0,
            colour.1,
            colour.2
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiments::{Point, Series};

    fn plot(cdf: bool) -> Plot {
        let series = vec![
            Series {
                label: "ZooKeeper".into(),
                points: vec![
                    Point { x: 1_000.0, y: 17.2, link: "?mode=zk&a=1".into() },
                    Point { x: 100_000.0, y: 31.2, link: "?mode=zk&a=2".into() },
                ],
            },
            Series { label: "KRaft".into(), points: vec![Point { x: 1_000.0, y: 2.8, link: "?mode=kraft".into() }] },
        ];
        Plot { x_key: "exp.axis.partitions", y_key: "exp.axis.seconds", x_log: true, y_log: !cdf, cdf, series }
    }

    #[test]
    fn every_point_is_a_link_to_its_run_with_a_label() {
        let text = svg(&plot(false), Lang::En, 640, 360, "&lang=en");
        assert!(text.starts_with("<svg"), "{text}");
        assert_eq!(text.matches("<a href=").count(), 3);
        assert!(text.contains("href=\"?mode=zk&amp;a=2&amp;lang=en\""), "{text}");
        assert!(text.contains("aria-label=\"ZooKeeper: Partitions 100k"), "{text}");
        assert!(text.contains(">ZooKeeper</text>") && text.contains(">KRaft</text>"), "legend: {text}");
        // The log axes' ticks: 1-2-5 (seconds from 1.4 to 62 here), and the partitions' decades.
        for tick in [">2</text>", ">5</text>", ">10</text>", ">20</text>", ">1k</text>", ">10k</text>", ">100k</text>"]
        {
            assert!(text.contains(tick), "{tick} in {text}");
        }
        let ko = svg(&plot(false), Lang::Ko, 640, 360, "&lang=ko");
        assert!(ko.contains("파티션"), "{ko}");
    }

    #[test]
    fn log_ticks_are_one_two_five_or_powers_of_ten() {
        assert_eq!(log_ticks(1.4, 62.0), [2.0, 5.0, 10.0, 20.0, 50.0]);
        assert_eq!(log_ticks(500.0, 2_000_000.0), [1_000.0, 10_000.0, 100_000.0, 1_000_000.0]);
    }

    #[test]
    fn short_numbers() {
        assert_eq!(short(1_000.0), "1k");
        assert_eq!(short(2_000_000.0), "2M");
        assert_eq!(short(150.0), "150");
        assert_eq!(short(2.5), "2.5");
        assert_eq!(short(0.25), "0.25");
        assert_eq!(short(31.2), "31");
    }
}
