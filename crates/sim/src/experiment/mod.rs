//! Experiments: sweeps of many simulated runs whose results are rows, one row per run, each
//! with the seed and the scenario that replays it (and the page address that opens it).
//!
//! - [`scale`]: controller failover, broker-crash recovery and controlled shutdown against the
//!   number of partitions, in both modes.
//! - [`elections`]: the distribution of time without a leader over many seeds, for a KRaft
//!   quorum and a ZooKeeper ensemble, across election-timeout settings (with a preset of the
//!   Raft paper's Figure 16 setup).
//! - [`propagation`]: metadata-change latency (create topic, alter config) against the number
//!   of brokers.
//! - [`stall`]: the metadata quorum cut off from every broker for N seconds.
//!
//! Everything here is as deterministic as the engine (no clocks, threads or hash-ordered
//! maps): the same parameters give the same rows on every target. Each experiment is a
//! [`Sweep`] that runs one point at a time and at most a given number of simulated events per
//! call, so a page can run it between frames, show [`Progress`] and cancel it by simply no
//! longer calling it (dropping it frees everything).

pub mod elections;
pub mod propagation;
pub mod scale;
mod sim;
pub mod stall;
pub mod table;

pub use sim::{encode_component, link_for};

/// How far a sweep has come: points done out of the total.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    pub done: usize,
    pub total: usize,
}

/// What one call of [`Sweep::advance`] achieved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Advance<R> {
    /// The event budget ran out inside a point; call again.
    Working,
    /// A point finished: its row.
    Row(R),
    /// Every point is done.
    Finished,
}

/// The part of every sweep's [`Sweep::advance`] after it has a current point: slice it with
/// `advance`; when the point yields its row, drop it and call `done` (count it).
pub(crate) fn slice_current<P, R>(
    current: &mut Option<P>,
    advance: impl FnOnce(&mut P) -> Option<R>,
    done: impl FnOnce(),
) -> Advance<R> {
    let Some(run) = current.as_mut() else { return Advance::Finished };
    match advance(run) {
        Some(row) => {
            *current = None;
            done();
            Advance::Row(row)
        }
        None => Advance::Working,
    }
}

/// One point of a sweep, run a slice at a time until it yields its row.
pub(crate) trait PointRun {
    type Row;
    /// Run at most `max_events` simulated events (at least one); the row once the point is done.
    fn advance(&mut self, max_events: usize) -> Option<Self::Row>;
}

/// A sweep over a list of points (each with what its run needs), one run at a time: `start`
/// makes a point's run when its turn comes. Scale, propagation and stall are such sweeps.
pub struct Points<P, R> {
    points: Vec<P>,
    next: usize,
    current: Option<Box<dyn PointRun<Row = R>>>,
    start: fn(&P) -> Box<dyn PointRun<Row = R>>,
}

impl<P, R> Points<P, R> {
    pub(crate) fn over(points: Vec<P>, start: fn(&P) -> Box<dyn PointRun<Row = R>>) -> Points<P, R> {
        Points { points, next: 0, current: None, start }
    }
}

impl<P, R> Sweep for Points<P, R> {
    type Row = R;

    fn advance(&mut self, max_events: usize) -> Advance<R> {
        if self.current.is_none() {
            let Some(point) = self.points.get(self.next) else { return Advance::Finished };
            self.current = Some((self.start)(point));
        }
        slice_current(&mut self.current, |run| run.advance(max_events), || self.next += 1)
    }

    fn progress(&self) -> Progress {
        Progress { done: self.next, total: self.points.len() }
    }
}

/// An experiment run one slice at a time.
pub trait Sweep {
    type Row;
    /// Run at most `max_events` simulated events of the current point (at least one event
    /// when any is left), returning its row when the point finishes.
    fn advance(&mut self, max_events: usize) -> Advance<Self::Row>;
    fn progress(&self) -> Progress;
}

/// Run a sweep to the end (the CLI, the tests).
pub fn run_all<S: Sweep>(sweep: &mut S) -> Vec<S::Row> {
    let mut rows = Vec::new();
    loop {
        match sweep.advance(usize::MAX) {
            Advance::Working => {}
            Advance::Row(row) => rows.push(row),
            Advance::Finished => return rows,
        }
    }
}

/// A 64-bit mix of a seed and a salt (splitmix64's finaliser): per-run draws the experiments
/// make themselves (when to crash), in integer maths, independent of the engine's streams.
pub fn mix(seed: u64, salt: u64) -> u64 {
    let mut z = seed ^ salt.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}
