//! The depth-first search over schedules: replay the tape from a checkpoint, extend it with
//! first options until the schedule ends, then move the last choice with an option left to its
//! next one (`backtrack`) and replay from the latest checkpoint taken before that choice.

use std::cell::RefCell;
use std::hash::{Hash, Hasher};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::rc::Rc;

use super::modes::Copyable;
use super::tape::{Choice, Options, Tape, TapeChooser};
use super::visited::{StateHasher, Visit, Visited};
use super::{Found, Plan, Report};
use crate::cluster::{Cluster, Core, NodeKind, Observer, Role};
use crate::hash::hash_debug;
use crate::time::Time;
use crate::world::{Action, Target};
use crate::NodeId;

/// Where the one crash of the leader stands in a schedule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Crash {
    /// The plan has none.
    Never,
    /// Still to come.
    Pending,
    /// Scheduled at `at` for `node`, the leader of `epoch`.
    Done { node: NodeId, epoch: u64, at: Time },
}

/// Why a schedule ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum End {
    Violation(String),
    /// The delivery bound or the horizon.
    AtBound,
    /// Every live quorum member follows one new leader.
    Settled,
    /// A state explored before with as much budget left.
    Pruned,
    /// Nothing left to happen.
    Quiet,
}

struct Checkpoint<M: Copyable> {
    pos: usize,
    losses: u32,
    crash: Crash,
    node_hashes: NodeHashes,
    core: Core<M::N, M::W>,
}

/// Each process's state hash, and its change count (`World::changes`) when it was taken.
type NodeHashes = Vec<(u32, u64)>;

pub(super) struct Search<M: Copyable> {
    plan: Plan,
    cluster: M,
    tape: Rc<RefCell<Tape>>,
    options: Rc<Options>,
    visited: Visited,
    /// Copies of the cluster along the current schedule, by the choices consumed before them.
    checkpoints: Vec<Checkpoint<M>>,
    /// The first choice of the tape that is not a replay of an earlier schedule: states reached
    /// before consuming it were explored already and are not looked up again.
    replay_len: usize,
    /// A replay for a person: no lookups, no checkpoints.
    replaying: bool,
    /// Off only to test that replaying from time zero explores the same (checkpoints are a
    /// cache of replays).
    checkpoints_on: bool,
    crash: Crash,
    /// Deliveries the world had made when exploring began.
    delivered_before: u64,
    report: Report,
    scratch: Vec<crate::cluster::FlightView>,
    /// The processes' hashes, taken again only for those that changed since.
    node_hashes: NodeHashes,
    probe: Option<Probe>,
}

/// A condition the search looks for besides the invariants (tests), as a violation.
pub type Probe = Box<dyn Fn(&dyn Cluster) -> Option<String>>;

/// One schedule, replayed: the cluster where it ended and what was chosen on the way.
pub struct Replayed {
    pub cluster: Box<dyn Cluster>,
    /// One line per choice.
    pub log: Vec<String>,
    /// Why the schedule ended.
    pub end: String,
    /// The crash: the node's name and when.
    pub crash: Option<(String, Time)>,
    /// A given choice was out of range (the vector is not one of this plan's schedules).
    pub diverged: bool,
}

impl<M: Copyable + 'static> Search<M> {
    pub(super) fn with_probe(mut self, probe: Option<Probe>) -> Search<M> {
        self.probe = probe;
        self
    }

    pub(super) fn new(plan: &Plan) -> Search<M> {
        let cluster = M::build(plan);
        let names = cluster.node_views().iter().map(|v| v.name()).collect();
        let options = Rc::new(Options {
            latencies_us: plan.latencies_us.clone(),
            max_losses: plan.max_losses,
            election_timeouts_us: plan.election_timeouts_ms.iter().map(|ms| ms * 1_000).collect(),
            names,
        });
        let mut search = Search {
            plan: plan.clone(),
            cluster,
            tape: Rc::default(),
            options,
            visited: Visited::default(),
            checkpoints: Vec::new(),
            replay_len: 0,
            replaying: false,
            checkpoints_on: true,
            crash: Crash::Never,
            delivered_before: 0,
            report: Report { plan: plan.name.clone(), complete: true, ..Report::default() },
            scratch: Vec::new(),
            node_hashes: Vec::new(),
            probe: None,
        };
        search.install_chooser();
        search
    }

    fn install_chooser(&mut self) {
        let chooser = TapeChooser::<<M::N as crate::world::Node>::Timer> {
            tape: self.tape.clone(),
            options: self.options.clone(),
            election_timer: M::is_election_timer,
        };
        self.cluster.core_mut().world.set_chooser(Box::new(chooser));
    }

    /// Run to `explore_from` with the first option everywhere, then start choosing.
    fn warm_up(&mut self) {
        self.cluster.run_until(self.plan.explore_from, usize::MAX);
        self.tape.borrow_mut().exploring = true;
        self.delivered_before = self.cluster.core().world.messages_delivered();
        self.crash = if self.plan.crash_window.is_some() { Crash::Pending } else { Crash::Never };
        self.checkpoints = vec![self.checkpoint()];
    }

    pub(super) fn explore(mut self) -> Report {
        self.warm_up();
        loop {
            let end = match self.cluster.violations().first() {
                Some(v) => End::Violation(v.clone()),
                None => self.forward(),
            };
            self.report.count(&end);
            if let End::Violation(what) = end {
                self.report.found = Some(self.found(what));
                break;
            }
            if self.visited.len() as u64 >= self.plan.max_states {
                self.report.complete = false;
                break;
            }
            if !self.backtrack() {
                break;
            }
        }
        self.report.states = self.visited.len() as u64;
        self.report
    }

    pub(super) fn replay(mut self, choices: &[usize], trace: bool) -> Replayed {
        if trace {
            self.cluster.record_trace();
        }
        self.replaying = true;
        self.replay_len = usize::MAX;
        {
            let mut tape = self.tape.borrow_mut();
            tape.log = Some(Vec::new());
            tape.choices = choices.iter().map(|&index| Choice { index, arity: 0 }).collect();
        }
        self.warm_up();
        let end = match self.cluster.violations().first() {
            Some(v) => End::Violation(v.clone()),
            None => self.forward(),
        };
        let mut tape = self.tape.borrow_mut();
        let crash = match self.crash {
            Crash::Done { node, at, .. } => Some((self.options.names[node].clone(), at)),
            Crash::Never | Crash::Pending => None,
        };
        Replayed {
            end: format!("{end:?}"),
            log: tape.log.take().unwrap_or_default(),
            diverged: tape.diverged,
            crash,
            cluster: Box::new(self.cluster),
        }
    }

    /// Step until the schedule ends.
    fn forward(&mut self) -> End {
        loop {
            if let Some(end) = self.at_boundary() {
                return end;
            }
            self.maybe_crash();
            let cluster = &mut self.cluster;
            match catch_unwind(AssertUnwindSafe(|| cluster.step_one())) {
                Err(panic) => return End::Violation(format!("a process panicked: {}", panic_text(&*panic))),
                Ok(false) => return End::Quiet,
                Ok(true) => self.report.events += 1,
            }
            if let Some(v) = self.cluster.violations().first() {
                return End::Violation(v.clone());
            }
            if let Some(found) = self.probe.as_ref().and_then(|probe| probe(&self.cluster)) {
                return End::Violation(found);
            }
        }
    }

    /// Between two events: prune, take a checkpoint, or end the schedule.
    fn at_boundary(&mut self) -> Option<End> {
        let pos = self.tape.borrow().pos;
        let depth = self.depth();
        if !self.replaying {
            // Nobody draws these: keep the copies small.
            self.cluster.landed(&mut self.scratch);
            if pos >= self.replay_len {
                let hash = self.state_hash();
                if self.visited.visit(hash, depth) == Visit::Seen {
                    return Some(End::Pruned);
                }
            }
            if self.checkpoints_on && pos > self.checkpoints.last().map_or(0, |c| c.pos) {
                let checkpoint = self.checkpoint();
                self.checkpoints.push(checkpoint);
            }
        }
        self.report.max_depth = self.report.max_depth.max(depth);
        let horizon = self.plan.explore_from.plus_us(self.plan.horizon.as_us());
        if depth >= self.plan.max_deliveries || self.cluster.now() > horizon {
            return Some(End::AtBound);
        }
        (self.plan.stop_when_settled && self.settled()).then_some(End::Settled)
    }

    /// Deliveries since exploring began.
    fn depth(&self) -> u32 {
        let delivered = self.cluster.core().world.messages_delivered() - self.delivered_before;
        u32::try_from(delivered).unwrap_or(u32::MAX)
    }

    /// Everything the rest of the schedule depends on: the world, the invariant checker's
    /// memory (what was committed, who led which epoch), and the explorer's own budget.
    fn state_hash(&mut self) -> u64 {
        let world = &self.cluster.core().world;
        self.node_hashes.resize(world.nodes().len(), (u32::MAX, 0));
        for (id, (changes, hash)) in self.node_hashes.iter_mut().enumerate() {
            if *changes != world.changes(id) || *hash == 0 {
                *changes = world.changes(id);
                *hash = world.node_hash::<StateHasher>(id).max(1);
            }
        }
        let node_hashes: Vec<u64> = self.node_hashes.iter().map(|(_, hash)| *hash).collect();
        let mut h = StateHasher::default();
        let core = self.cluster.core();
        core.world.state_hash(&mut h, &node_hashes);
        hash_debug(&core.watch, &mut h);
        let crash = match self.crash {
            Crash::Never => (0u8, 0, 0),
            Crash::Pending => (1, 0, 0),
            Crash::Done { node, epoch, .. } => (2, node, epoch),
        };
        (crash, self.tape.borrow().losses).hash(&mut h);
        h.finish()
    }

    /// While the crash is pending and a leader is up: crash it now, or (within the window)
    /// later.
    fn maybe_crash(&mut self) {
        let (Crash::Pending, Some(window)) = (self.crash, self.plan.crash_window) else { return };
        let world = &self.cluster.core().world;
        let Some((leader, epoch)) = M::W::roles(world).leader.filter(|(id, _)| world.is_alive(*id)) else {
            return;
        };
        let arity = if self.depth() < window { 2 } else { 1 };
        let name = &self.options.names[leader];
        let later =
            self.tape.borrow_mut().choose(arity, || format!("crash {name} (leader of epoch {epoch}) [now | later]"));
        if later == 0 {
            let now = self.cluster.now();
            self.cluster.core_mut().world.schedule(now, Action::Crash(Target::Node(leader)));
            self.crash = Crash::Done { node: leader, epoch, at: now };
        }
    }

    /// Every live quorum member follows one leader newer than the crashed one.
    fn settled(&self) -> bool {
        let old_epoch = match self.crash {
            Crash::Pending => return false,
            Crash::Never => 0,
            Crash::Done { epoch, .. } => epoch,
        };
        let world = &self.cluster.core().world;
        let Some((leader, epoch)) = M::W::roles(world).leader.filter(|(_, epoch)| *epoch > old_epoch) else {
            return false;
        };
        self.cluster.node_views().iter().filter(|v| v.alive && v.kind != NodeKind::Broker && v.id != leader).all(|v| {
            matches!(v.role, Role::Follower | Role::Following | Role::Observing)
                && v.vote == Some(leader)
                && v.epoch == epoch
        })
    }

    fn checkpoint(&self) -> Checkpoint<M> {
        let tape = self.tape.borrow();
        Checkpoint {
            pos: tape.pos,
            losses: tape.losses,
            crash: self.crash,
            node_hashes: self.node_hashes.clone(),
            core: self.cluster.core().clone(),
        }
    }

    /// Move the last choice with an option left to its next option, and go back to the latest
    /// checkpoint before it. False when every schedule was explored.
    fn backtrack(&mut self) -> bool {
        {
            let mut tape = self.tape.borrow_mut();
            let consumed = tape.pos;
            tape.choices.truncate(consumed);
            loop {
                match tape.choices.last_mut() {
                    None => return false,
                    Some(choice) if choice.index + 1 < choice.arity => {
                        choice.index += 1;
                        break;
                    }
                    Some(_) => {
                        tape.choices.pop();
                    }
                }
            }
            self.replay_len = tape.choices.len();
        }
        let changed = self.replay_len - 1;
        while self.checkpoints.len() > 1 && self.checkpoints.last().is_some_and(|c| c.pos > changed) {
            self.checkpoints.pop();
        }
        let Some(checkpoint) = self.checkpoints.last() else { return false };
        *self.cluster.core_mut() = checkpoint.core.clone();
        self.crash = checkpoint.crash;
        self.node_hashes.clone_from(&checkpoint.node_hashes);
        {
            let mut tape = self.tape.borrow_mut();
            tape.pos = checkpoint.pos;
            tape.losses = checkpoint.losses;
        }
        self.install_chooser();
        true
    }

    fn found(&self, what: String) -> Found {
        let tape = self.tape.borrow();
        let crash = match self.crash {
            Crash::Done { node, at, .. } => Some((self.options.names[node].clone(), at)),
            Crash::Never | Crash::Pending => None,
        };
        let mut choices: Vec<usize> = tape.choices[..tape.pos].iter().map(|c| c.index).collect();
        // A replay takes the first option where the vector ends: leave those out.
        while choices.last() == Some(&0) {
            choices.pop();
        }
        Found { choices, what, crash }
    }
}

fn panic_text(panic: &(dyn std::any::Any + Send)) -> String {
    match (panic.downcast_ref::<&str>(), panic.downcast_ref::<String>()) {
        (Some(s), _) => (*s).to_string(),
        (_, Some(s)) => s.clone(),
        _ => "(no message)".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kraft::KraftCluster;
    use crate::zk;

    /// The warm-up stops at `explore_from`: no event after it is taken without a choice (a
    /// chooser's world once took the next instant's events when every event due at the
    /// bound's instant was stale).
    #[test]
    fn the_warm_up_ends_at_explore_from() {
        for name in Plan::PRESETS {
            let plan = Plan::preset(name).unwrap();
            let mut search = Search::<KraftCluster>::new(&Plan { mode: crate::setup::Mode::Kraft, ..plan.clone() });
            search.warm_up();
            assert_eq!(search.cluster.now(), plan.explore_from, "{name}");
            let mut search = Search::<zk::Cluster>::new(&Plan { mode: crate::setup::Mode::Zk, ..plan.clone() });
            search.warm_up();
            assert_eq!(search.cluster.now(), plan.explore_from, "{name}");
        }
    }

    /// Checkpoints are a cache of replays: without them (every schedule replayed from the end
    /// of the warm-up) the search reaches the same states in the same order.
    #[test]
    fn checkpoints_change_nothing_but_the_cost() {
        for name in ["kraft-crash", "zk-crash"] {
            let plan = Plan::preset(name).unwrap().with_max_deliveries(7);
            let explore = |checkpoints_on: bool| match plan.mode {
                crate::setup::Mode::Kraft => Search::<KraftCluster> { checkpoints_on, ..Search::new(&plan) }.explore(),
                crate::setup::Mode::Zk => Search::<zk::Cluster> { checkpoints_on, ..Search::new(&plan) }.explore(),
            };
            let with = explore(true);
            let without = explore(false);
            assert!(without.events > with.events, "{name}: replays cost more events");
            assert_eq!(Report { events: 0, ..with }, Report { events: 0, ..without }, "{name}");
        }
    }
}
