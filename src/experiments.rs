//! The experiments view's runs (no web dependencies; tested natively): the sweep each
//! experiment runs at each size (the engine's `quorumlab_sim::experiment`, the same code as
//! `qlab experiment`), the rows collected, and what a chart of them shows.

use quorumlab_sim::experiment::elections::{self, ElectionParams, ElectionRow, ElectionSweep};
use quorumlab_sim::experiment::propagation::{PropagationParams, PropagationRow, PropagationSweep};
use quorumlab_sim::experiment::scale::{ScaleParams, ScaleRow, ScaleSweep};
use quorumlab_sim::experiment::stall::{StallParams, StallRow, StallSweep};
use quorumlab_sim::experiment::{table, Advance, Progress, Sweep};
use quorumlab_sim::setup::Mode;

use crate::link::Experiment;

/// How much a run covers: a quick look, or the experiment's full sweep as far as a browser tab
/// holds it (the largest sizes are `qlab`'s: see each experiment's `full` note).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Size {
    Quick,
    Full,
}

/// The election experiment's settings: the Raft paper's Figure 16, or Kafka's defaults.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Preset {
    Fig16,
    Kafka,
}

/// Partition counts of the scale sweep in the page. A run at 1,000,000 partitions holds a few
/// hundred MB in the engine, so the page stops there; `qlab` goes to 2,000,000.
const SCALE_QUICK: [u32; 2] = [1_000, 100_000];
const SCALE_FULL: [u32; 4] = [1_000, 10_000, 100_000, 1_000_000];
const PROPAGATION_QUICK: [usize; 4] = [3, 6, 12, 25];
const STALL_QUICK: [u64; 4] = [0, 10, 20, 30];
/// Seeds per election setting.
pub const ELECTION_SEEDS_QUICK: u64 = 100;
pub const ELECTION_SEEDS_FULL: u64 = 1_000;

/// A sweep under way (one at a time: the size difference between them does not matter).
#[allow(clippy::large_enum_variant)]
pub enum Running {
    Scale(ScaleSweep),
    Elections(ElectionSweep),
    Propagation(PropagationSweep),
    Stall(StallSweep),
}

/// The rows collected so far.
#[derive(Clone, Debug, PartialEq)]
pub enum Rows {
    Scale(Vec<ScaleRow>),
    Elections(Vec<ElectionRow>),
    Propagation(Vec<PropagationRow>),
    Stall(Vec<StallRow>),
}

impl Running {
    pub fn new(which: Experiment, size: Size, preset: Preset) -> Result<(Running, Rows), String> {
        let full = size == Size::Full;
        Ok(match which {
            Experiment::Scale => {
                let partitions = if full { SCALE_FULL.to_vec() } else { SCALE_QUICK.to_vec() };
                (
                    Running::Scale(ScaleSweep::new(ScaleParams { partitions, ..ScaleParams::default() })?),
                    Rows::Scale(Vec::new()),
                )
            }
            Experiment::Elections => {
                let settings = match preset {
                    Preset::Fig16 => elections::fig16(),
                    Preset::Kafka => elections::kafka_defaults(),
                };
                let seeds = if full { ELECTION_SEEDS_FULL } else { ELECTION_SEEDS_QUICK };
                let params = ElectionParams { settings, seeds, ..ElectionParams::default() };
                (Running::Elections(ElectionSweep::new(params)?), Rows::Elections(Vec::new()))
            }
            Experiment::Propagation => {
                let mut params = PropagationParams::default();
                if !full {
                    params.brokers = PROPAGATION_QUICK.to_vec();
                }
                (Running::Propagation(PropagationSweep::new(params)?), Rows::Propagation(Vec::new()))
            }
            Experiment::Stall => {
                let mut params = StallParams::default();
                if !full {
                    params.stall_s = STALL_QUICK.to_vec();
                }
                (Running::Stall(StallSweep::new(params)?), Rows::Stall(Vec::new()))
            }
        })
    }

    /// Run at most `max_events` simulated events; a finished point's row goes into `rows`.
    /// Whether the sweep is done.
    pub fn advance(&mut self, rows: &mut Rows, max_events: usize) -> bool {
        fn step<S: Sweep>(sweep: &mut S, rows: &mut Vec<S::Row>, max_events: usize) -> bool {
            match sweep.advance(max_events) {
                Advance::Working => false,
                Advance::Row(row) => {
                    rows.push(row);
                    false
                }
                Advance::Finished => true,
            }
        }
        match (self, rows) {
            (Running::Scale(s), Rows::Scale(r)) => step(s, r, max_events),
            (Running::Elections(s), Rows::Elections(r)) => step(s, r, max_events),
            (Running::Propagation(s), Rows::Propagation(r)) => step(s, r, max_events),
            (Running::Stall(s), Rows::Stall(r)) => step(s, r, max_events),
            _ => true,
        }
    }

    pub fn progress(&self) -> Progress {
        match self {
            Running::Scale(s) => s.progress(),
            Running::Elections(s) => s.progress(),
            Running::Propagation(s) => s.progress(),
            Running::Stall(s) => s.progress(),
        }
    }
}

/// What a chart shows: its axes (i18n keys), and its series of points.
#[derive(Clone, Debug, PartialEq)]
pub struct Plot {
    pub x_key: &'static str,
    pub y_key: &'static str,
    pub x_log: bool,
    pub y_log: bool,
    /// A cumulative distribution: each series is a step line through its points, and the
    /// linked points are a few of them (quantiles).
    pub cdf: bool,
    pub series: Vec<Series>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    /// Shown as it is in both languages (a mode's name, a setting's label).
    pub label: String,
    pub points: Vec<Point>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Point {
    pub x: f64,
    pub y: f64,
    /// The run behind the point (a page address, `?mode=…`).
    pub link: String,
}

/// The metrics an experiment can chart (i18n keys of the choice), in order.
pub fn metrics(which: Experiment) -> &'static [&'static str] {
    match which {
        Experiment::Scale => &["exp.metric.failover", "exp.metric.broker_crash", "exp.metric.shutdown"],
        Experiment::Elections => &["exp.metric.leaderless"],
        Experiment::Propagation => &["exp.metric.create_topic", "exp.metric.alter_config"],
        Experiment::Stall => &["exp.metric.sessions", "exp.metric.leaderships", "exp.metric.requests"],
    }
}

fn mode_label(mode: Mode) -> String {
    match mode {
        Mode::Zk => "ZooKeeper".into(),
        Mode::Kraft => "KRaft".into(),
    }
}

/// One series per mode, in the order the modes first appear.
fn by_mode<R>(rows: &[R], mode: impl Fn(&R) -> Mode, point: impl Fn(&R) -> Option<Point>) -> Vec<Series> {
    let mut series: Vec<(Mode, Series)> = Vec::new();
    for r in rows {
        let m = mode(r);
        let i = match series.iter().position(|(s, _)| *s == m) {
            Some(i) => i,
            None => {
                series.push((m, Series { label: mode_label(m), points: Vec::new() }));
                series.len() - 1
            }
        };
        if let Some(p) = point(r) {
            series[i].1.points.push(p);
        }
    }
    series.into_iter().map(|(_, s)| s).collect()
}

/// Several runs at one x (seeds): their mean, linked to the first run.
fn mean_per_x(series: &mut [Series]) {
    for s in series {
        let mut merged: Vec<(Point, usize)> = Vec::new();
        for p in s.points.drain(..) {
            match merged.iter_mut().find(|(m, _)| m.x == p.x) {
                Some((m, n)) => {
                    m.y += p.y;
                    *n += 1;
                }
                None => merged.push((p, 1)),
            }
        }
        s.points = merged.into_iter().map(|(p, n)| Point { y: p.y / n as f64, ..p }).collect();
    }
}

/// How many points of a distribution are links (quantiles; the line goes through all of them).
pub const CDF_LINKS: usize = 20;

impl Rows {
    pub fn len(&self) -> usize {
        match self {
            Rows::Scale(r) => r.len(),
            Rows::Elections(r) => r.len(),
            Rows::Propagation(r) => r.len(),
            Rows::Stall(r) => r.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The rows as `qlab experiment … --csv` writes them.
    pub fn csv(&self) -> String {
        match self {
            Rows::Scale(r) => table::csv(r),
            Rows::Elections(r) => table::csv(r),
            Rows::Propagation(r) => table::csv(r),
            Rows::Stall(r) => table::csv(r),
        }
    }

    /// The rows as `qlab experiment … --json` writes them.
    pub fn json(&self) -> String {
        match self {
            Rows::Scale(r) => table::json(r),
            Rows::Elections(r) => table::json(r),
            Rows::Propagation(r) => table::json(r),
            Rows::Stall(r) => table::json(r),
        }
    }

    /// The chart of metric `metric` (an index into [`metrics`]).
    pub fn plot(&self, metric: usize) -> Plot {
        let ms = |v: Option<u64>| v.map(|v| v as f64);
        match self {
            Rows::Scale(rows) => {
                let value = |r: &ScaleRow| match metric {
                    0 => r.controller_failover_ms,
                    1 => r.broker_crash_recovery_ms,
                    _ => r.controlled_shutdown_ms,
                };
                let series = by_mode(
                    rows,
                    |r| r.mode,
                    |r| {
                        // Seconds; a phase that did not finish has no point.
                        ms(value(r)).map(|y| Point { x: f64::from(r.partitions), y: y / 1_000.0, link: r.link.clone() })
                    },
                );
                Plot {
                    x_key: "exp.axis.partitions",
                    y_key: "exp.axis.seconds",
                    x_log: true,
                    y_log: true,
                    cdf: false,
                    series,
                }
            }
            Rows::Elections(rows) => {
                let mut series: Vec<Series> = Vec::new();
                let mut runs: Vec<usize> = Vec::new();
                for r in rows {
                    let i = match series.iter().position(|s| s.label == r.setting) {
                        Some(i) => i,
                        None => {
                            series.push(Series { label: r.setting.clone(), points: Vec::new() });
                            runs.push(0);
                            series.len() - 1
                        }
                    };
                    runs[i] += 1;
                    if let Some(v) = r.leaderless_ms {
                        series[i].points.push(Point { x: v.max(1) as f64, y: 0.0, link: r.link.clone() });
                    }
                }
                // Each run that elected a leader is a step of 1/runs (a run that did not keeps the
                // curve below 1).
                for (s, n) in series.iter_mut().zip(runs) {
                    s.points.sort_by(|a, b| a.x.total_cmp(&b.x));
                    for (k, p) in s.points.iter_mut().enumerate() {
                        p.y = (k + 1) as f64 / n as f64;
                    }
                }
                Plot {
                    x_key: "exp.axis.leaderless_ms",
                    y_key: "exp.axis.fraction",
                    x_log: true,
                    y_log: false,
                    cdf: true,
                    series,
                }
            }
            Rows::Propagation(rows) => {
                let value = |r: &PropagationRow| if metric == 0 { r.create_topic_ms } else { r.alter_config_ms };
                let mut series = by_mode(
                    rows,
                    |r| r.mode,
                    |r| ms(value(r)).map(|y| Point { x: r.brokers as f64, y, link: r.link.clone() }),
                );
                mean_per_x(&mut series);
                Plot { x_key: "exp.axis.brokers", y_key: "exp.axis.ms", x_log: true, y_log: true, cdf: false, series }
            }
            Rows::Stall(rows) => {
                let value = |r: &StallRow| match metric {
                    0 => r.sessions_expired,
                    1 => r.leaderships_moved,
                    _ => r.requests_failed,
                };
                let mut series = by_mode(
                    rows,
                    |r| r.mode,
                    |r| Some(Point { x: r.stall_s as f64, y: value(r) as f64, link: r.link.clone() }),
                );
                mean_per_x(&mut series);
                Plot {
                    x_key: "exp.axis.stall_s",
                    y_key: "exp.axis.count",
                    x_log: false,
                    y_log: false,
                    cdf: false,
                    series,
                }
            }
        }
    }
}

/// The points of a series that are links: all of them, or for a distribution about
/// [`CDF_LINKS`] quantiles (always the last).
pub fn linked(plot: &Plot, series: &Series) -> Vec<usize> {
    let n = series.points.len();
    if !plot.cdf || n <= CDF_LINKS {
        return (0..n).collect();
    }
    let mut v: Vec<usize> = (1..=CDF_LINKS).map(|k| k * n / CDF_LINKS - 1).collect();
    v.dedup();
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use quorumlab_sim::experiment::table::Row;

    fn run(which: Experiment, size: Size, preset: Preset) -> Rows {
        let (mut running, mut rows) = Running::new(which, size, preset).unwrap();
        let mut slices = 0;
        // Small slices, as the page runs it between frames.
        while !running.advance(&mut rows, 5_000) {
            slices += 1;
            assert!(slices < 1_000_000, "the sweep ends");
        }
        assert_eq!(running.progress().done, running.progress().total);
        rows
    }

    #[test]
    fn the_quick_scale_sweep_charts_a_point_per_mode_and_size_with_its_run() {
        let rows = run(Experiment::Scale, Size::Quick, Preset::Fig16);
        assert_eq!(rows.len(), 4);
        let plot = rows.plot(0);
        assert_eq!(plot.series.iter().map(|s| s.label.as_str()).collect::<Vec<_>>(), ["ZooKeeper", "KRaft"]);
        for s in &plot.series {
            assert_eq!(s.points.iter().map(|p| p.x).collect::<Vec<_>>(), [1_000.0, 100_000.0]);
            assert!(s.points.iter().all(|p| p.link.starts_with("?mode=") && p.y > 0.0));
        }
        // ZooKeeper mode's failover grows with the partitions; KRaft's does not.
        let zk = &plot.series[0].points;
        let kraft = &plot.series[1].points;
        assert!(zk[1].y > zk[0].y, "{zk:?}");
        assert!(kraft[0].y < zk[0].y && kraft[1].y < zk[1].y, "{kraft:?} {zk:?}");
        assert!(kraft[1].y < 2.0 * kraft[0].y, "{kraft:?}");
        // The downloads are the CLI's formats, a row per run.
        assert_eq!(rows.csv().lines().count(), 5);
        assert!(rows.csv().starts_with(&ScaleRow::COLUMNS.join(",")));
        assert!(rows.json().starts_with("[{\"mode\":\"zk\""));
    }

    #[test]
    fn an_election_distribution_rises_to_the_share_of_runs_that_elected() {
        let (mut running, mut rows) = Running::new(Experiment::Elections, Size::Quick, Preset::Kafka).unwrap();
        // Only the first 30 runs (one setting): enough to see the curve.
        while rows.len() < 30 && !running.advance(&mut rows, 5_000) {}
        let plot = rows.plot(0);
        assert!(plot.cdf);
        let s = &plot.series[0];
        assert!(s.points.windows(2).all(|w| w[0].x <= w[1].x && w[0].y < w[1].y), "{s:?}");
        let last = s.points.last().unwrap();
        assert!(last.y <= 1.0 && last.y > 0.9, "{last:?}");
        let links = linked(&plot, s);
        assert!(links.len() <= CDF_LINKS && links.contains(&(s.points.len() - 1)));
    }

    #[test]
    fn mean_per_x_averages_seeds_and_keeps_the_first_run() {
        let mut s = vec![Series {
            label: "x".into(),
            points: vec![
                Point { x: 3.0, y: 10.0, link: "a".into() },
                Point { x: 3.0, y: 20.0, link: "b".into() },
                Point { x: 6.0, y: 5.0, link: "c".into() },
            ],
        }];
        mean_per_x(&mut s);
        assert_eq!(
            s[0].points,
            [Point { x: 3.0, y: 15.0, link: "a".into() }, Point { x: 6.0, y: 5.0, link: "c".into() }]
        );
    }
}
