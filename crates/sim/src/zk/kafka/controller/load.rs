//! The context load on failover (`onControllerFailover` → `initializeControllerContext`): the
//! live brokers, the topics, each topic's assignment and then every partition state, read in
//! batches whose processing time is charged per partition (see `Config::load_batch`). No
//! partition leader election happens until the load is done (domain.md §2.6).

use crate::sorted::SortedSet;
use crate::world::Output;

use super::{CtrlHandler, CtrlPhase, CtrlPurpose, FIRST_REBALANCE_DELAY_MS};
use crate::zk::kafka::{BROKER_IDS_PATH, TOPICS_PATH};
use crate::zk::msg::{OpResult, ReadOp, ZkResult};
use crate::zk::{Note, Timer};

impl CtrlHandler<'_> {
    /// onControllerFailover: register the watches and read the whole cluster state (also after
    /// a lost connection, and after a write that found states written by someone else).
    pub(crate) fn start_load(&mut self) {
        let c = &mut *self.ctrl;
        c.set_phase(CtrlPhase::Loading);
        c.busy = true;
        c.load_started = self.now;
        // The reload reads the live set afresh and tells every broker everything.
        c.bounced.clear();
        c.topics.clear();
        c.to_load.clear();
        c.loaded_partitions = 0;
        self.out.push(Output::Note(Note::LoadStarted { partitions: 0 }));
        self.read(CtrlPurpose::Brokers, ReadOp::GetChildren { path: BROKER_IDS_PATH.into(), watch: true });
    }

    /// One step of the metadata load: the next topic's assignment, or its next batch of states.
    pub(crate) fn load_next(&mut self) {
        if self.ctrl.phase != CtrlPhase::Loading {
            return;
        }
        let Some(topic) = self.ctrl.to_load.front().cloned() else {
            return self.finish_load();
        };
        match self.ctrl.topics.get(&topic).map(|t| t.assignment.partitions()) {
            None => {
                let read = ReadOp::GetData { path: format!("{TOPICS_PATH}/{topic}"), watch: false };
                self.read(CtrlPurpose::Topic(topic), read);
            }
            Some(n) if self.ctrl.next_from < n => {
                let read =
                    ReadOp::GetStates { topic: topic.clone(), from: self.ctrl.next_from, count: self.cfg.load_batch };
                self.read(CtrlPurpose::States { topic }, read);
            }
            Some(_) => {
                self.ctrl.to_load.pop_front();
                self.ctrl.next_from = 0;
                self.load_next();
            }
        }
    }

    /// A batch of one topic's partition states; the next step comes when its processing time
    /// is up (`Timer::Load`).
    pub(super) fn on_states(&mut self, topic: String, result: ZkResult) {
        let (c, now) = (&mut *self.ctrl, self.now);
        let Ok(OpResult::States { states, .. }) = result else {
            // No state znodes yet (a topic created while there was no controller): the
            // partitions are NewPartition; onNewPartitionCreation runs once loaded.
            c.to_load.pop_front();
            c.next_from = 0;
            if c.topics.get(&topic).is_some_and(|t| t.states.is_empty()) {
                c.topics.remove(&topic);
                c.pending_topics.push_back(topic);
            }
            self.out.push(Output::SetTimer { timer: Timer::Load, at: now });
            return;
        };
        let n = states.len() as u32;
        if let Some(t) = c.topics.get_mut(&topic) {
            t.states.extend(states);
        }
        c.loaded_partitions += u64::from(n);
        c.next_from += n.max(1);
        // The reads' processing cost (see Config::load_batch for the calibration).
        let at = now.plus_us(u64::from(n) * self.cfg.load_us_per_partition);
        self.out.push(Output::SetTimer { timer: Timer::Load, at });
    }

    /// The load is done: the controller is active, tells every broker what it knows, then
    /// elects leaders for offline partitions and creates the partitions of new topics (as one
    /// event: the event thread waits until this is done).
    pub(super) fn finish_load(&mut self) {
        let c = &mut *self.ctrl;
        c.set_phase(CtrlPhase::Active);
        c.busy = false;
        let partitions = c.partitions();
        let ms = self.now.since(c.load_started) / 1_000;
        self.out.push(Output::Note(Note::LoadDone { partitions, ms }));
        if self.cfg.auto_leader_rebalance {
            let at = self.now.plus_ms(FIRST_REBALANCE_DELAY_MS);
            self.out.push(Output::SetTimer { timer: Timer::Rebalance, at });
        }
        // onControllerFailover: the live set to every broker ("Broker may have been killed
        // before controller failover"), then LeaderAndIsr for every online replica, with
        // UpdateMetadata for their partitions…
        let live = self.ctrl.live_ids();
        self.send_live_set(&live);
        self.send_full_state_to(&live, false);
        // …then elect leaders for offline partitions, and create the partitions of topics that
        // have none yet.
        self.ctrl.busy = true;
        self.plan_elections(&SortedSet::new());
        self.next_new_topic();
    }
}
