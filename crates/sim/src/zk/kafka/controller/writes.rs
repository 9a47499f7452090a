//! The controller's writes to ZooKeeper, one at a time, each a multi fenced by a CheckOp on
//! `/controller_epoch`'s zkVersion (KAFKA-6082), and what follows each reply: the new states
//! taken into the context and sent to brokers, a reload when someone else wrote a state, a
//! resignation when the epoch check failed, and the end of the event (controlled-shutdown
//! answers) once the queue is empty.

use crate::sorted::SortedSet;
use crate::world::Output;

use super::{Controller, CtrlHandler, CtrlOutcome, CtrlPhase, CtrlPurpose, TopicCtx, Write};
use crate::zk::kafka::shutdown::Shutdown;
use crate::zk::kafka::{Purpose, CONTROLLER_EPOCH_PATH};
use crate::zk::msg::{
    ClientOp, KafkaMsg, Msg, Op, OpResult, PartState, Shared, StateUpdate, Table, ZkError, ZkResult, Zxid,
};
use crate::zk::tree::StateZnode;
use crate::zk::{Note, Timer};

/// What a committed write changed in one topic.
struct Written {
    topic: String,
    changed: Table,
    /// The partitions with a new leader epoch: their replicas get LeaderAndIsr.
    new_epoch: SortedSet<u32>,
}

impl Controller {
    /// The states a committed `Set` wrote (those whose zkVersion still matched).
    fn take_states(&mut self, topic: String, ok: &Shared<Vec<StateUpdate>>, zxid: Zxid) -> Written {
        let mut new_epoch = SortedSet::new();
        if let Some(t) = self.topics.get_mut(&topic) {
            for u in ok.iter() {
                if let Some(z) = t.states.get_mut(u.partition as usize) {
                    if u.state.leader_epoch != z.state.leader_epoch {
                        new_epoch.insert(u.partition);
                    }
                    z.state = u.state;
                    z.version = u.expected_version + 1;
                    z.mzxid = zxid;
                }
            }
        }
        Written { topic, changed: Table::Updates(ok.clone()), new_epoch }
    }

    /// How many partitions `broker` still leads.
    fn leaderships(&self, broker: u32) -> u32 {
        self.topics.values().map(|t| t.states.iter().filter(|z| z.state.leader == broker as i32).count() as u32).sum()
    }
}

impl Write {
    /// How many partition states the write carries.
    fn partitions(&self) -> u64 {
        match self {
            Write::Set { updates, .. } => updates.len() as u64,
            Write::Create { states, .. } => states.len() as u64,
        }
    }
}

impl CtrlHandler<'_> {
    /// The write's processing time is up: send it.
    pub(crate) fn write_charged(&mut self) {
        if self.ctrl.writes.charge_done() {
            self.start_writes();
        }
    }

    /// Send the next planned write, unless one is in flight; with none left, the bounced
    /// brokers start again, or the event is done.
    pub(super) fn start_writes(&mut self) {
        if self.ctrl.writes.in_flight || self.ctrl.writes.charging {
            // One write at a time: its reply pops it from the queue.
            return;
        }
        let check = Op::Check { path: CONTROLLER_EPOCH_PATH.into(), version: self.ctrl.epoch_zk_version };
        let Some(write) = self.ctrl.writes.front().cloned() else {
            if !self.ctrl.bounced.is_empty() {
                // processBrokerChange: the bounced brokers' onBrokerFailure is done; they are
                // live again and go through onBrokerStartup (with their replicas back in the
                // ISRs, the model's stand-in for catch-up).
                let bounced = self.ctrl.bounced_ids();
                self.ctrl.restore_bounced();
                self.broker_startup(&bounced);
                self.plan_elections(&SortedSet::new());
                return self.start_writes();
            }
            self.ctrl.busy = false;
            self.finish_event();
            return;
        };
        self.ctrl.busy = true;
        // The model setting `controller.write.us.per.partition` (0 by default: nothing is
        // charged and nothing waits): the controller's processing of the write's partition
        // states before it goes out, one timer per write (see `zk::Config`).
        let cost_us = self.cfg.write_us_per_partition.saturating_mul(write.partitions());
        if cost_us > 0 && !self.ctrl.writes.charged {
            self.ctrl.writes.charging = true;
            self.out.push(Output::SetTimer { timer: Timer::WriteCost, at: self.now.plus_us(cost_us) });
            return;
        }
        self.ctrl.writes.charged = false;
        self.ctrl.writes.in_flight = true;
        // Every controller write carries a CheckOp on /controller_epoch (KAFKA-6082).
        let op = match write {
            Write::Set { topic, updates } => Op::SetStates { topic, updates },
            Write::Create { topic, states, .. } => Op::CreateStates { topic, states },
        };
        let write = ClientOp::Write { ops: vec![check, op], multi: true };
        self.zk.request(Purpose::Ctrl(CtrlPurpose::Write), write, self.out, self.events);
    }

    /// The reply to the write in flight.
    pub(super) fn on_write_done(&mut self, result: ZkResult, zxid: Zxid) -> CtrlOutcome {
        let Some(write) = self.ctrl.writes.answered() else {
            return CtrlOutcome::Handled;
        };
        debug_assert_eq!(self.ctrl.phase, CtrlPhase::Active, "writes run only once loaded");
        match result {
            Ok(OpResult::Multi(results)) => {
                let failed: SortedSet<u32> = match results.get(1) {
                    Some(OpResult::StatesSet { failed }) => failed.iter().copied().collect(),
                    _ => SortedSet::new(),
                };
                let (written, reload) = match write {
                    Write::Set { topic, updates } => self.states_set(topic, updates, &failed, zxid),
                    Write::Create { topic, assignment, states } => {
                        let znodes = states.iter().map(|s| StateZnode { state: *s, version: 0, mzxid: zxid }).collect();
                        self.ctrl.topics.insert(topic.clone(), TopicCtx { assignment, states: znodes });
                        (self.states_created(topic, states, zxid), false)
                    }
                };
                self.broadcast_changes(&written.topic, written.changed, &written.new_epoch);
                if reload {
                    // Someone else wrote these: reload (the model's simplification).
                    self.ctrl.writes.clear();
                    self.start_load();
                } else {
                    self.start_writes();
                }
            }
            Err(ZkError::BadVersion) => {
                // The epoch check failed: a newer controller exists. We are fenced.
                self.out.push(Output::Note(Note::Fenced { broker: self.me, epoch: self.ctrl.epoch }));
                return CtrlOutcome::Fenced;
            }
            Err(_) | Ok(_) => {
                // The bounced brokers' failure handling stops here; their startup still runs
                // (their czxid now matches, so no later broker change would find them).
                let bounced = self.ctrl.bounced_ids();
                self.ctrl.restore_bounced();
                self.broker_startup(&bounced);
                self.ctrl.writes.clear();
                self.ctrl.busy = false;
                self.finish_event();
            }
        }
        CtrlOutcome::Handled
    }

    /// A committed `Set`. The partitions whose zkVersion no longer matched were written by
    /// someone else: the caller reloads (true).
    fn states_set(
        &mut self,
        topic: String,
        updates: Shared<Vec<StateUpdate>>,
        failed: &SortedSet<u32>,
        zxid: Zxid,
    ) -> (Written, bool) {
        // What was written: the whole write, shared rather than copied, when nothing failed.
        let ok = if failed.is_empty() {
            updates
        } else {
            Shared::new(updates.iter().filter(|u| !failed.contains(&u.partition)).copied().collect())
        };
        let written = self.ctrl.take_states(topic, &ok, zxid);
        self.out.push(Output::Note(Note::StatesWritten {
            controller_epoch: self.ctrl.epoch,
            zxid,
            topic: written.topic.clone(),
            updates: ok,
        }));
        (written, !failed.is_empty())
    }

    fn states_created(&mut self, topic: String, states: Shared<Vec<PartState>>, zxid: Zxid) -> Written {
        self.out.push(Output::Note(Note::StatesCreated {
            controller_epoch: self.ctrl.epoch,
            zxid,
            topic: topic.clone(),
            states: states.clone(),
        }));
        self.out.push(Output::Note(Note::TopicCreated { topic: topic.clone(), partitions: states.len() as u32 }));
        let new_epoch = (0..states.len() as u32).collect();
        Written { topic, changed: Table::Dense(states), new_epoch }
    }

    /// The event is done: answer the controlled shutdowns it handled with how many partitions
    /// each broker still leads (this broker's own is finished by the broker's `pump`).
    pub(super) fn finish_event(&mut self) {
        for broker in std::mem::take(&mut self.ctrl.reply_shutdown) {
            let remaining = self.ctrl.leaderships(broker);
            if broker == self.me {
                if remaining == 0 {
                    if let Some(shutdown) = self.shutdown.as_mut() {
                        *shutdown = Shutdown::Granted;
                    }
                }
            } else {
                let msg = KafkaMsg::ControlledShutdownResponse { ok: remaining == 0, remaining };
                self.out.push(Output::Send { to: self.cfg.layout().broker_node(broker), msg: Msg::Kafka(msg) });
            }
        }
    }
}
