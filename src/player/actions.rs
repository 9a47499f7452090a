//! What a person does to the clusters: step, step back, scrub the timeline, reset, and actions
//! (crash, restart, partition, topics, configs, faults on both sides). Each is taken at the
//! current moment through the lab (so a link replays it) and shown at once.

use leptos::prelude::*;
use quorumlab_sim::kraft::INITIAL_TOPIC;
use quorumlab_sim::scenario::{NodeRef, ScenarioAction};
use quorumlab_sim::Time;

use super::Player;
use crate::session::lab::Lab;

impl Player {
    /// Show the state now (after the labs were changed from outside the player).
    pub fn show(&self) {
        self.show_now();
    }

    /// Show the state now: draw it at once, publish it, write the address.
    fn show_now(&self) {
        self.draw();
        self.publish(true);
    }

    /// One event forward (pauses first). Side by side: both clusters move to the earliest
    /// next event of either, so their clocks stay equal.
    pub fn step(&self) {
        self.playing.set(false);
        if self.both() {
            let next = self.sides.iter().filter_map(|s| s.lab.with_value(|lab| lab.cluster.next_event_time())).min();
            if let Some(t) = next {
                for side in &self.sides {
                    side.lab.update_value(|lab| lab.run_to(t));
                }
            }
        } else {
            self.sides[0].lab.update_value(|lab| lab.step());
        }
        self.show_now();
    }

    /// One event back: replay from the seed to the event before. Side by side, both clusters
    /// go back to just before the latest event of either, so their clocks stay equal.
    pub fn step_back(&self) {
        self.playing.set(false);
        if self.both() {
            let last = self.sides.iter().map(|s| s.lab.with_value(|lab| lab.cluster.last_event_at())).max();
            match last {
                Some(t) if t.as_us() > 0 => self.rewind_all(Time(t.as_us() - 1)),
                _ => return,
            }
        } else {
            self.sides[0].lab.update_value(|lab| {
                let _ = lab.step_back();
            });
        }
        self.renarrate();
        self.show_now();
    }

    fn rewind_all(&self, at: Time) {
        for side in &self.sides {
            side.lab.update_value(|lab| {
                let _ = lab.rewind_to(at);
            });
        }
    }

    /// The timeline: every cluster replayed to the moment `at` (pauses first).
    pub fn scrub(&self, at: Time) {
        self.playing.set(false);
        self.rewind_all(at);
        self.renarrate();
        self.show_now();
    }

    /// Start again from the seed (with the link's scenario, if any).
    pub fn reset(&self) {
        for side in &self.sides {
            side.lab.update_value(|lab| {
                let _ = lab.reset();
            });
        }
        self.renarrate();
        self.show_now();
    }

    /// One action on one side, or on every side at the same moment (loss, latency, heal,
    /// isolate the leader). The world narrates what each action did, so a link or a replay
    /// tells it the same way.
    pub fn act_on(&self, only: Option<usize>, act: &dyn Fn(&mut Lab)) {
        for (k, side) in self.sides.iter().enumerate() {
            if only.is_none_or(|i| i == k) {
                side.lab.update_value(act);
            }
        }
        self.show_now();
    }

    /// The same scenario action on every side, now.
    pub fn act_everywhere(&self, action: ScenarioAction) {
        self.act_on(None, &|lab| {
            lab.act(action.clone());
        });
    }

    /// The partition tool: cut the picked nodes of one side off from the rest.
    pub fn partition(&self, side_index: usize, picked: &[usize]) {
        self.act_on(Some(side_index), &|lab| {
            lab.partition(picked);
        });
    }

    /// Crash or restart a node now (click or Enter on it).
    pub fn toggle(&self, side_index: usize, id: usize) {
        self.act_on(Some(side_index), &|lab| {
            lab.toggle(id);
        });
    }

    /// A client creates a topic through the controller (on every side at the same moment).
    pub fn create_topic(&self) {
        self.act_on(None, &|lab| {
            let name = format!("topic-{}", lab.actions.len() + 1);
            lab.act(ScenarioAction::CreateTopic { name, partitions: 3, replication_factor: 3 });
        });
    }

    /// A client changes a config of the initial topic (a metadata write: a ConfigRecord in
    /// KRaft, /config/topics + a /config/changes notification in ZooKeeper mode), on every side
    /// at the same moment. A new retention each time, since an unchanged value writes nothing.
    pub fn alter_config(&self) {
        self.act_on(None, &|lab| {
            let hours = lab.actions.len() as u64 + 1;
            lab.act(ScenarioAction::AlterConfig {
                topic: INITIAL_TOPIC.to_string(),
                key: "retention.ms".to_string(),
                value: (hours * 3_600_000).to_string(),
            });
        });
    }

    /// The same fault on every side at the same moment ("crash the controller").
    pub fn fault(&self, target: NodeRef) {
        self.act_on(None, &|lab| {
            if lab.cluster_target_name(&target).is_some() {
                lab.act(ScenarioAction::Crash(target.clone()));
            }
        });
    }

    /// The quorum leader alone on one side of a partition, on every side.
    pub fn isolate_leader(&self) {
        self.act_on(None, &|lab| {
            lab.isolate_leader();
        });
    }
}
