//! A chapter on the engine, without the page: open it, enter a step (its highlights and
//! actions), finish a step as a student who did what it asks would have (its `solve`, then
//! time until what it waits for holds). Opening step N from an address replays steps 1..N this
//! way; the native tests walk every chapter with it and check what the text claims.

use quorumlab_sim::cluster::NodeView;
use quorumlab_sim::Time;

use super::{Chapter, Cond, Entry, Kind, Step};
use crate::link::{Link, Problem};
use crate::session::lab::Lab;
use crate::session::open::open_labs;

/// How often a replay looks at the state while it waits for a step's condition.
const LOOK_EVERY: Time = Time(50_000);
/// A step's condition must hold within this much simulated time of the step opening.
pub const MAX_WAIT: Time = Time(300_000_000);

/// The chapter's clusters as it opens (before its first step). A bad `open` line is the
/// course's fault: the problems come back so the page can say so.
pub fn open_chapter(chapter: &Chapter) -> Result<(Vec<Lab>, Vec<Problem>), String> {
    let (link, mut problems) = Link::parse(&chapter.open);
    let labs = open_labs(&link, &mut problems)?;
    Ok((labs, problems))
}

/// The step opens: who leads now (for `@leader`), its highlights, its actions on every
/// cluster that has the nodes they name. One entry per cluster.
pub fn enter(labs: &mut [Lab], step: &Step) -> Vec<Entry> {
    labs.iter_mut().map(|lab| enter_lab(lab, step)).collect()
}

/// [`enter`] on one cluster.
pub fn enter_lab(lab: &mut Lab, step: &Step) -> Entry {
    let entry = Entry::of(lab);
    lab.spotlight = spotlight(&lab.views, step, &entry);
    lab.spot_msgs = step.msgs.clone();
    for action in &step.actions {
        if lab.cluster.check(action).is_ok() {
            lab.act(action.clone());
        }
    }
    entry
}

/// The ids of the nodes a step highlights on one cluster.
pub fn spotlight(views: &[NodeView], step: &Step, entry: &Entry) -> Vec<usize> {
    step.spot.iter().filter_map(|t| t.resolve(views, entry)).collect()
}

/// Whether what the step waits for holds on every cluster.
pub fn done(labs: &[Lab], cond: &Cond, entries: &[Entry]) -> bool {
    labs.iter().zip(entries).all(|(lab, entry)| cond.holds(lab, entry))
}

/// Finish a step as a student who did what it asks: its `solve` actions, then on until what
/// it waits for holds (or, for a step that waits for nothing, for its `for`). Err if that never
/// happens within [`MAX_WAIT`]: the course asks for something the engine does not do.
pub fn finish(labs: &mut [Lab], step: &Step, entries: &[Entry]) -> Result<(), String> {
    if let Kind::Task { solve, .. } = &step.kind {
        for lab in labs.iter_mut() {
            for action in solve {
                if lab.cluster.check(action).is_ok() {
                    lab.act(action.clone());
                }
            }
        }
    }
    let start = labs.iter().map(|lab| lab.cluster.now()).max().unwrap_or(Time::ZERO);
    let Some(cond) = step.kind.until() else {
        run_all(labs, Time(start.as_us() + step.dwell.as_us()));
        return Ok(());
    };
    let mut t = start;
    while !done(labs, cond, entries) {
        if t.as_us() >= start.as_us() + MAX_WAIT.as_us() {
            return Err(format!("step `{}`: `{cond:?}` did not happen within {} s", step.id, MAX_WAIT.as_ms() / 1000));
        }
        t = Time(t.as_us() + LOOK_EVERY.as_us());
        run_all(labs, t);
    }
    Ok(())
}

fn run_all(labs: &mut [Lab], until: Time) {
    for lab in labs.iter_mut() {
        lab.run_to(until);
    }
}

/// The chapter's clusters as step `index` opens, the steps before it done as [`finish`] does
/// them (what an address `course=<chapter>&step=<n>` opens). With the entries of that step.
pub fn prepare(chapter: &Chapter, index: usize) -> Result<(Vec<Lab>, Vec<Entry>), String> {
    let (mut labs, problems) = open_chapter(chapter)?;
    if let Some(p) = problems.first() {
        return Err(format!("chapter `{}`: its opening has a problem: {} {:?}", chapter.id, p.key, p.args));
    }
    let mut entries = Vec::new();
    for (i, step) in chapter.steps.iter().enumerate().take(index + 1) {
        entries = enter(&mut labs, step);
        if i < index {
            finish(&mut labs, step, &entries)?;
        }
    }
    Ok((labs, entries))
}
