//! The experiments view's runs (no web dependencies; tested natively): the sweep each
//! experiment runs at each size (the engine's `quorumlab_sim::experiment`, the same code as
//! `qlab experiment`), the rows collected, and what a chart of them shows.

use quorumlab_sim::experiment::elections::{self, ElectionParams, ElectionRow, ElectionSweep};
use quorumlab_sim::experiment::propagation::{PropagationParams, PropagationRow, PropagationSweep};
use quorumlab_sim::experiment::scale::{ScaleParams, ScaleRow, ScaleSweep};
use quorumlab_sim::experiment::stall::{StallParams, StallRow, StallSweep};
use quorumlab_sim::experiment::{table, Advance, Progress, Sweep};
use quorumlab_sim::setup::Mode;

use crate::i18n::{fill, lookup, Lang};
use crate::link::Experiment;

/// The experiments view's words (kept apart from the page's table, so they load with the view).
pub fn t(lang: Lang, key: &'static str) -> &'static str {
    lookup(TEXT, lang, key)
}

/// [`t`] with `{0}`, `{1}`… replaced by `args`.
pub fn tf(lang: Lang, key: &'static str, args: &[&str]) -> String {
    fill(t(lang, key), args)
}

/// Key, English, Korean.
pub const TEXT: &[(&str, &str, &str)] = &[
    ("exp.tab.scale", "Scale", "규모"),
    ("exp.tab.elections", "Elections", "리더 선출"),
    ("exp.tab.propagation", "Propagation", "메타데이터 전파"),
    ("exp.tab.stall", "A stall", "쿼럼 멈춤"),
    (
        "exp.about.scale",
        "Each run crashes the active controller, then a broker, then shuts another broker down, and measures how long each takes to be over: until a new controller can act, until every partition the crashed broker led has a new leader that every live broker knows, until the broker leads nothing. A ZooKeeper-mode controller must first read every partition's state from ZooKeeper (135 µs a partition, calibrated on the published 14 s for 100,000 partitions); a KRaft standby controller already holds the metadata log. Everything else comes from the default timeouts (ZooKeeper session 18 s, KRaft broker session 9 s). A guess, labelled so: the model charges a KRaft controller and broker nothing per metadata record, so KRaft's lines are lower bounds; they stay flat because nothing in them grows with the partitions, not because a measurement says so.",
        "실행마다 활성 컨트롤러를 중단시키고, 이어서 브로커 하나를 중단시키고, 다른 브로커 하나를 제어된 종료로 내립니다. 그리고 각각이 끝나기까지 걸린 시간을 잽니다. 새 컨트롤러가 일을 시작할 때까지, 중단된 브로커가 리더였던 모든 파티션에 살아 있는 모든 브로커가 아는 새 리더가 생길 때까지, 종료하는 브로커가 어떤 파티션의 리더도 아니게 될 때까지입니다. ZooKeeper 모드의 컨트롤러는 먼저 모든 파티션의 상태를 ZooKeeper에서 읽어야 합니다(파티션당 135 µs, 파티션 100,000개에 14초가 걸렸다는 공개된 측정값으로 맞췄습니다). KRaft의 대기 컨트롤러는 이미 메타데이터 로그를 모두 갖고 있습니다. 나머지는 모두 기본 타임아웃(ZooKeeper 세션 18초, KRaft 브로커 세션 9초)에서 나옵니다. 추정이 들어간 부분: KRaft 컨트롤러와 브로커가 메타데이터 레코드 하나를 처리하는 비용은 모델에 넣지 않았으므로 KRaft 쪽 값은 하한입니다. KRaft 선이 평평한 것은 파티션 수에 따라 늘어나는 비용이 모델에 없기 때문이지, 측정값이 그렇게 말해서가 아닙니다.",
    ),
    (
        "exp.about.elections",
        "Time without a leader after the leader crashes, over many seeds, drawn as a distribution: the share of runs (up) that had a new leader within a time (across). The Raft paper's Figure 16 preset: 5 voters, about 15 ms round trips, election timeouts drawn from 150–150, 150–155, 150–200 and 150–300 ms. Kafka draws its election timeout from [T, 2T) and has no setting for the range: the model settings model.election.timeout.max.ms and model.fetch.max.wait.ms stand in for the paper's, and are labelled so. Nothing is fitted to the paper's curves.",
        "리더가 중단된 뒤 리더가 없는 시간을 여러 시드에 걸쳐 분포로 그립니다. 세로축은 가로축의 시간 안에 새 리더가 생긴 실행의 비율입니다. 'Raft 논문 그림 16' 설정은 투표자 5개, 왕복 약 15 ms, 선출 타임아웃을 150–150, 150–155, 150–200, 150–300 ms에서 뽑습니다. Kafka는 선출 타임아웃을 [T, 2T)에서 뽑고 그 범위를 바꾸는 설정이 없습니다. 그래서 논문의 값을 대신하는 모델 설정 model.election.timeout.max.ms와 model.fetch.max.wait.ms를 쓰며, 이름에 그렇게 밝혀 두었습니다. 논문의 곡선에 맞춘 값은 없습니다.",
    ),
    (
        "exp.about.propagation",
        "How long a metadata change takes to reach every broker, against the number of brokers: a topic creation and a configuration change. ZooKeeper mode writes it to ZooKeeper, the controller reads it back and pushes UpdateMetadata to each broker; in KRaft every broker fetches the metadata log. A guess, labelled so: no cost per broker is charged on the controller, so both lines stay nearly flat.",
        "메타데이터 변경이 모든 브로커에 닿기까지 걸리는 시간을 브로커 수에 따라 잽니다. 토픽 생성과 설정 변경입니다. ZooKeeper 모드에서는 변경을 ZooKeeper에 쓰고, 컨트롤러가 다시 읽어서 브로커마다 UpdateMetadata를 보냅니다. KRaft에서는 브로커가 메타데이터 로그를 가져갑니다(fetch). 추정이 들어간 부분: 컨트롤러가 브로커마다 쓰는 비용은 모델에 넣지 않았으므로 두 선 모두 거의 평평합니다.",
    ),
    (
        "exp.about.stall",
        "The ZooKeeper ensemble, or the KRaft controller quorum, cut off from every broker for a number of seconds: how many broker sessions expire, how many leaderships move, how many client requests fail. ZooKeeper's session is 18 s, a KRaft broker's 9 s. The clients are a model (a guess): one request per partition a second.",
        "ZooKeeper 앙상블이나 KRaft 컨트롤러 쿼럼을 몇 초 동안 모든 브로커에서 끊습니다. 그동안 만료되는 브로커 세션 수, 옮겨 가는 리더 수, 실패하는 클라이언트 요청 수를 셉니다. ZooKeeper 세션은 18초, KRaft 브로커 세션은 9초입니다. 클라이언트는 모델입니다(추정): 파티션마다 1초에 요청 하나.",
    ),
    ("exp.size", "Runs", "실행 범위"),
    ("exp.quick", "Quick", "빠르게"),
    ("exp.full", "Full", "전체"),
    ("exp.preset", "Settings", "설정"),
    ("exp.preset.fig16", "Raft paper, Figure 16", "Raft 논문 그림 16"),
    ("exp.preset.kafka", "Kafka's defaults", "Kafka 기본값"),
    ("exp.metric", "Measure", "측정값"),
    ("exp.run", "Run", "실행"),
    ("exp.cancel", "Cancel", "취소"),
    ("exp.progress", "{0} of {1} runs", "{1}개 중 {0}개 실행"),
    ("exp.idle", "Press Run: the runs go one after another and the chart grows as they finish.", "실행을 누르세요. 실행이 하나씩 끝날 때마다 차트가 자랍니다."),
    ("exp.done", "Done: {0} runs.", "완료: 실행 {0}개."),
    ("exp.cancelled", "Cancelled after {0} runs; what finished is shown.", "실행 {0}개 뒤 취소했습니다. 끝난 실행만 보여 줍니다."),
    ("exp.failed", "This experiment could not start: {0}", "이 실험을 시작하지 못했습니다: {0}"),
    ("exp.hint", "Each dot is one simulated run: open it to see that run in the simulation.", "점 하나가 시뮬레이션 실행 하나입니다. 점을 누르면 그 실행을 시뮬레이션에서 엽니다."),
    ("exp.csv", "Download CSV", "CSV 내려받기"),
    ("exp.json", "Download JSON", "JSON 내려받기"),
    (
        "exp.scale_note",
        "Quick runs 1,000 and 100,000 partitions; Full runs 1,000 to 2,000,000 and takes half a minute or more (qlab experiment scale runs the same sweep natively).",
        "'빠르게'는 파티션 1,000개와 100,000개를, '전체'는 1,000개부터 2,000,000개까지 실행하며 30초 넘게 걸릴 수 있습니다(qlab experiment scale도 같은 실험을 네이티브로 실행합니다).",
    ),
    ("exp.metric.failover", "Controller failover", "컨트롤러 장애 조치"),
    ("exp.metric.broker_crash", "Recovery from a broker crash", "브로커 중단 후 복구"),
    ("exp.metric.shutdown", "Controlled shutdown", "제어된 종료"),
    ("exp.metric.leaderless", "Time without a leader", "리더가 없는 시간"),
    ("exp.metric.create_topic", "Topic creation", "토픽 생성"),
    ("exp.metric.alter_config", "Configuration change", "설정 변경"),
    ("exp.metric.sessions", "Broker sessions expired", "만료된 브로커 세션"),
    ("exp.metric.leaderships", "Leaderships moved", "옮겨 간 리더"),
    ("exp.metric.requests", "Requests failed", "실패한 요청"),
    ("exp.axis.partitions", "Partitions", "파티션"),
    ("exp.axis.seconds", "Seconds", "초"),
    ("exp.axis.leaderless_ms", "Time without a leader (ms)", "리더가 없는 시간 (ms)"),
    ("exp.axis.fraction", "Share of runs", "실행 비율"),
    ("exp.axis.brokers", "Brokers", "브로커"),
    ("exp.axis.ms", "Milliseconds", "밀리초"),
    ("exp.axis.stall_s", "Stall (s)", "멈춘 시간 (초)"),
    ("exp.axis.count", "Count", "개수"),
    ("exp.point", "{0}: {1} {2}, {3} {4}. Opens this run in the simulation.", "{0}: {1} {2}, {3} {4}. 이 실행을 시뮬레이션에서 엽니다."),
    (
        "exp.modelled",
        "Modelled on the simulation's engines, not measured on Kafka: see each experiment's text for what calibrates what.",
        "Kafka에서 잰 값이 아니라 시뮬레이션 엔진으로 모델링한 값입니다. 무엇을 무엇에 맞췄는지는 각 실험의 설명을 보세요.",
    ),
];

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

/// Partition counts of the scale sweep in the page. Full goes to the engine's limit, as `qlab`
/// does: a run at 2,000,000 partitions peaks at about 800 MB natively (less in the browser's
/// 32-bit memory); the whole Full sweep took 32 s in headless Chromium here.
const SCALE_QUICK: [u32; 2] = [1_000, 100_000];
const SCALE_FULL: [u32; 5] = [1_000, 10_000, 100_000, 1_000_000, 2_000_000];
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
