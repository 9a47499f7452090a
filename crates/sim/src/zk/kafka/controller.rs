//! The Kafka controller in ZooKeeper mode (domain.md §2.2–§2.6; `KafkaController.scala`,
//! `PartitionStateMachine.scala`, `ReplicaStateMachine.scala`): the metadata load on failover,
//! broker changes, partition leader election, topic creation, controlled shutdown, the automatic
//! preferred-replica election, and fencing by controller epoch. It runs inside the broker that
//! holds `/controller`, as methods of [`Broker`].

use std::collections::VecDeque;

use crate::sorted::{SortedMap, SortedSet};

use crate::time::Time;
use crate::world::Output;

use super::super::client::ClientEvent;
use super::super::msg::{
    isr_bit, Assignment, ClientOp, Data, KafkaMsg, Msg, Op, OpResult, PartState, ReadOp, Shared, StateUpdate,
    TopicStates, ZkError, ZkResult, Zxid,
};
use super::super::tree::StateZnode;
use super::super::{Note, Out, Timer};
use super::{Broker, Purpose, BROKER_IDS_PATH, CONTROLLER_EPOCH_PATH, TOPICS_PATH};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CtrlPurpose {
    Brokers,
    Topics,
    Topic(String),
    States { topic: String },
    Write,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CtrlEvent {
    BrokerChange,
    TopicChange,
    ControlledShutdown { broker: u32 },
    PreferredReplicaElection,
}

/// The first automatic rebalance runs 5 s after failover (`onControllerFailover`).
pub const FIRST_REBALANCE_DELAY_MS: u64 = 5_000;

#[derive(Clone, Debug)]
pub struct TopicCtx {
    pub assignment: Shared<Assignment>,
    pub states: Vec<StateZnode>,
}

/// One controller write: a multi with the controller-epoch check (KAFKA-6082).
#[derive(Clone, Debug)]
pub(super) enum Write {
    Set { topic: String, updates: Shared<Vec<StateUpdate>> },
    Create { topic: String, assignment: Shared<Assignment>, states: Shared<Vec<PartState>> },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CtrlPhase {
    /// `initializeControllerContext`: reading brokers, topics and every partition state.
    Loading,
    Active,
}

#[derive(Clone, Debug)]
pub struct Controller {
    pub epoch: u32,
    pub epoch_zk_version: u32,
    pub phase: CtrlPhase,
    pub live: SortedMap<u32, Zxid>,
    pub shutting_down: SortedSet<u32>,
    pub topics: SortedMap<String, TopicCtx>,
    pub(super) queue: VecDeque<CtrlEvent>,
    busy: bool,
    writes: VecDeque<Write>,
    reply_shutdown: Vec<u32>,
    /// Load progress: topics left to read, and the partition to read next in the current one.
    to_load: VecDeque<String>,
    next_from: u32,
    load_started: Time,
    pub loaded_partitions: u64,
    /// The ZooKeeper connection was lost mid-operation: reload after reconnecting.
    pub(super) needs_reload: bool,
    /// A state write is awaiting its reply.
    write_in_flight: bool,
    /// Topics seen in `/brokers/topics` whose states are not created yet.
    pending_topics: VecDeque<String>,
    /// Brokers died and no partition state changed: once this event is done, tell every live
    /// broker the new live set (`onBrokerFailure`).
    announce_live: bool,
    /// Bounced brokers (the same id in a new session, with a larger czxid): out of `live` while
    /// `onBrokerFailure`'s writes for them run, then back through `onBrokerStartup`.
    bounced: Vec<(u32, Zxid)>,
}

impl Controller {
    fn new(epoch: u32, epoch_zk_version: u32, now: Time) -> Controller {
        Controller {
            epoch,
            epoch_zk_version,
            phase: CtrlPhase::Loading,
            live: SortedMap::new(),
            shutting_down: SortedSet::new(),
            topics: SortedMap::new(),
            queue: VecDeque::new(),
            busy: false,
            writes: VecDeque::new(),
            reply_shutdown: Vec::new(),
            to_load: VecDeque::new(),
            next_from: 0,
            load_started: now,
            loaded_partitions: 0,
            needs_reload: false,
            write_in_flight: false,
            pending_topics: VecDeque::new(),
            announce_live: false,
            bounced: Vec::new(),
        }
    }

    /// An event ended early: the bounced brokers waiting for their startup are live again. After
    /// a lost connection the reload tells everyone; after a failed write, `on_write_done` runs
    /// their startup at once.
    fn restore_bounced(&mut self) {
        for (b, czxid) in std::mem::take(&mut self.bounced) {
            self.live.insert(b, czxid);
        }
    }

    pub fn partitions(&self) -> u64 {
        self.topics.values().map(|t| t.states.len() as u64).sum()
    }
}

impl Broker {
    pub(super) fn become_controller(
        &mut self,
        now: Time,
        epoch: u32,
        zk_version: u32,
        zxid: Zxid,
        out: &mut Vec<Out>,
        events: &mut Vec<ClientEvent>,
    ) {
        self.known_controller = Some(self.id);
        self.max_controller_epoch = self.max_controller_epoch.max(epoch);
        self.controller = Some(Box::new(Controller::new(epoch, zk_version, now)));
        out.push(Output::Note(Note::ControllerElected { broker: self.id, epoch, zxid }));
        self.start_load(now, out, events);
    }

    /// onControllerFailover: register the watches and read the whole cluster state.
    pub(super) fn start_load(&mut self, now: Time, out: &mut Vec<Out>, events: &mut Vec<ClientEvent>) {
        let Some(c) = self.controller.as_mut() else {
            return;
        };
        c.phase = CtrlPhase::Loading;
        c.busy = true;
        c.load_started = now;
        // The reload reads the live set afresh and tells every broker everything.
        c.bounced.clear();
        c.topics.clear();
        c.to_load.clear();
        c.loaded_partitions = 0;
        out.push(Output::Note(Note::LoadStarted { partitions: 0 }));
        let read = ReadOp::GetChildren { path: BROKER_IDS_PATH.into(), watch: true };
        self.request(Purpose::Ctrl(CtrlPurpose::Brokers), ClientOp::Read(read), out, events);
    }

    pub(super) fn ctrl_lost_connection(&mut self) {
        if let Some(c) = self.controller.as_mut() {
            c.restore_bounced();
            c.needs_reload = true;
            c.busy = false;
            c.write_in_flight = false;
            c.writes.clear();
            c.phase = CtrlPhase::Loading;
        }
    }

    pub(super) fn on_ctrl_reply(
        &mut self,
        now: Time,
        purpose: CtrlPurpose,
        result: ZkResult,
        zxid: Zxid,
        out: &mut Vec<Out>,
        events: &mut Vec<ClientEvent>,
    ) {
        if self.controller.is_none() {
            return;
        }
        if matches!(result, Err(ZkError::ConnectionLoss) | Err(ZkError::SessionExpired)) {
            self.ctrl_lost_connection();
            return;
        }
        match purpose {
            CtrlPurpose::Brokers => self.on_brokers(now, result, out, events),
            CtrlPurpose::Topics => self.on_topics(now, result, out, events),
            CtrlPurpose::Topic(topic) => self.on_topic_data(now, topic, result, out, events),
            CtrlPurpose::States { topic } => self.on_states(now, topic, result, out),
            CtrlPurpose::Write => self.on_write_done(now, result, zxid, out, events),
        }
    }

    pub(super) fn on_brokers(
        &mut self,
        now: Time,
        result: ZkResult,
        out: &mut Vec<Out>,
        events: &mut Vec<ClientEvent>,
    ) {
        let Ok(OpResult::Children { children, .. }) = result else {
            return;
        };
        let new_live: SortedMap<u32, Zxid> =
            children.iter().filter_map(|(name, czxid)| name.parse::<u32>().ok().map(|id| (id, *czxid))).collect();
        let Some(c) = self.controller.as_mut() else {
            return;
        };
        if c.phase == CtrlPhase::Loading {
            c.live = new_live;
            let read = ReadOp::GetChildren { path: TOPICS_PATH.into(), watch: true };
            self.request(Purpose::Ctrl(CtrlPurpose::Topics), ClientOp::Read(read), out, events);
            return;
        }
        // processBrokerChange: new, dead and bounced (same id, larger czxid: the broker restarted
        // between two reads) brokers.
        let old = std::mem::replace(&mut c.live, new_live);
        let dead: SortedSet<u32> = old.keys().filter(|b| !c.live.contains_key(b)).copied().collect();
        let joined: Vec<u32> = c.live.keys().filter(|b| !old.contains_key(b)).copied().collect();
        let bounced: Vec<(u32, Zxid)> =
            c.live.iter().filter(|(b, czxid)| old.get(b).is_some_and(|o| o != czxid)).map(|(b, z)| (*b, *z)).collect();
        for b in dead.iter().chain(&joined).chain(bounced.iter().map(|(b, _)| b)) {
            c.shutting_down.remove(b);
        }
        // One narration line per kind of change (the cluster words each).
        let bounced_ids: Vec<u32> = bounced.iter().map(|(b, _)| *b).collect();
        let lines = [
            (joined.clone(), vec![], vec![]),
            (vec![], dead.iter().copied().collect(), vec![]),
            (vec![], vec![], bounced_ids),
        ];
        for (joined, left, bounced) in lines {
            if !(joined.is_empty() && left.is_empty() && bounced.is_empty()) {
                out.push(Output::Note(Note::BrokerChange { joined, left, bounced }));
            }
        }
        // The bounced brokers leave the live set for `onBrokerFailure`, and come back once its
        // writes are done (`start_writes`).
        for (b, _) in &bounced {
            c.live.remove(b);
        }
        let writes_before = c.writes.len();
        self.broker_startup(now, &joined, out);
        // onBrokerFailure for the bounced and the dead brokers (Kafka runs it for the bounced
        // ones first, then the dead ones; the model runs both at once): new leaders for their
        // partitions, their replicas out of the ISRs. The same pass also gives the new brokers'
        // replicas back their ISR places (the model's stand-in for catch-up).
        self.plan_elections(&SortedSet::new());
        let Some(c) = self.controller.as_mut() else { return };
        // KAFKA-13225 (Kafka 3.1+): the new leaders and shrunk ISRs go out with UpdateMetadata
        // to every live broker; when the failed brokers hosted no replica and no election ran,
        // the controller sends the live set on its own, as onBrokerFailure's last step. (The
        // model's test is "no partition state changed": a broker with only out-of-ISR replicas
        // gets the live set this way, where Kafka sends it with those partitions.)
        let unchanged = c.writes.len() == writes_before;
        if !bounced.is_empty() {
            c.bounced = bounced;
            if unchanged {
                let live: Vec<u32> = c.live.keys().copied().collect();
                self.send_live_set(now, &live, out);
            }
        } else if !dead.is_empty() && unchanged {
            c.announce_live = true;
        }
        self.start_writes(now, out, events);
    }

    /// onBrokerStartup: UpdateMetadata without partition states to the existing brokers, "so
    /// that they know about the new brokers"; then the full metadata and the replicas'
    /// LeaderAndIsr to the new ones, with their partitions' UpdateMetadata to every broker.
    fn broker_startup(&mut self, now: Time, joined: &[u32], out: &mut Vec<Out>) {
        let Some(c) = self.controller.as_ref() else { return };
        if joined.is_empty() {
            return;
        }
        let existing: Vec<u32> = c.live.keys().filter(|b| !joined.contains(b)).copied().collect();
        self.send_live_set(now, &existing, out);
        self.send_full_state_to(now, joined, true, out);
    }

    pub(super) fn on_topics(&mut self, now: Time, result: ZkResult, out: &mut Vec<Out>, events: &mut Vec<ClientEvent>) {
        let Ok(OpResult::Children { children, .. }) = result else {
            return;
        };
        let Some(c) = self.controller.as_mut() else {
            return;
        };
        let names: Vec<String> = children.into_iter().map(|(n, _)| n).filter(|n| !c.topics.contains_key(n)).collect();
        if c.phase == CtrlPhase::Loading {
            c.to_load = names.into();
            self.load_next(now, out, events);
        } else {
            c.pending_topics.extend(names);
            self.next_new_topic(now, out, events);
        }
    }

    pub(super) fn next_new_topic(&mut self, now: Time, out: &mut Vec<Out>, events: &mut Vec<ClientEvent>) {
        let Some(c) = self.controller.as_mut() else {
            return;
        };
        match c.pending_topics.pop_front() {
            Some(topic) => {
                let read = ReadOp::GetData { path: format!("{TOPICS_PATH}/{topic}"), watch: false };
                self.request(Purpose::Ctrl(CtrlPurpose::Topic(topic)), ClientOp::Read(read), out, events);
            }
            None => self.start_writes(now, out, events),
        }
    }

    /// One step of the metadata load: the next topic's assignment, or its next batch of states.
    pub(super) fn load_next(&mut self, now: Time, out: &mut Vec<Out>, events: &mut Vec<ClientEvent>) {
        let batch = self.cfg.load_batch;
        let Some(c) = self.controller.as_mut() else {
            return;
        };
        if c.phase != CtrlPhase::Loading || c.needs_reload {
            return;
        }
        if let Some(topic) = c.to_load.front().cloned() {
            let have = c.topics.get(&topic).map(|t| t.assignment.partitions());
            match have {
                None => {
                    let read = ReadOp::GetData { path: format!("{TOPICS_PATH}/{topic}"), watch: false };
                    self.request(Purpose::Ctrl(CtrlPurpose::Topic(topic)), ClientOp::Read(read), out, events);
                }
                Some(n) if c.next_from < n => {
                    let from = c.next_from;
                    let read = ReadOp::GetStates { topic: topic.clone(), from, count: batch };
                    self.request(Purpose::Ctrl(CtrlPurpose::States { topic }), ClientOp::Read(read), out, events);
                }
                Some(_) => {
                    c.to_load.pop_front();
                    c.next_from = 0;
                    self.load_next(now, out, events);
                }
            }
            return;
        }
        self.finish_load(now, out, events);
    }

    pub(super) fn on_topic_data(
        &mut self,
        now: Time,
        topic: String,
        result: ZkResult,
        out: &mut Vec<Out>,
        events: &mut Vec<ClientEvent>,
    ) {
        let Some(c) = self.controller.as_mut() else {
            return;
        };
        let assignment = match result {
            Ok(OpResult::Data { data: Data::Assignment(a), .. }) => a,
            _ => {
                // Gone or not a topic: skip it.
                if c.phase == CtrlPhase::Loading {
                    c.to_load.pop_front();
                    c.next_from = 0;
                    self.load_next(now, out, events);
                } else {
                    self.next_new_topic(now, out, events);
                }
                return;
            }
        };
        if c.phase == CtrlPhase::Loading {
            c.topics.insert(topic, TopicCtx { assignment, states: Vec::new() });
            c.next_from = 0;
            self.load_next(now, out, events);
            return;
        }
        // onNewPartitionCreation: NewPartition → OnlinePartition: the first live replica leads,
        // the live replicas form the ISR.
        let epoch = c.epoch;
        let states: Vec<PartState> = (0..assignment.partitions())
            .map(|p| {
                let live: Vec<u32> =
                    assignment.replicas_of(p).iter().copied().filter(|b| c.live.contains_key(b)).collect();
                PartState {
                    leader: live.first().map_or(-1, |b| *b as i32),
                    leader_epoch: 0,
                    controller_epoch: epoch,
                    isr: live.iter().fold(0, |m, b| m | isr_bit(*b)),
                }
            })
            .collect();
        c.writes.push_back(Write::Create { topic, assignment, states: Shared::new(states) });
        self.next_new_topic(now, out, events);
    }

    pub(super) fn on_states(&mut self, now: Time, topic: String, result: ZkResult, out: &mut Vec<Out>) {
        let us = self.cfg.load_us_per_partition;
        let Some(c) = self.controller.as_mut() else {
            return;
        };
        let Ok(OpResult::States { states, .. }) = result else {
            // No state znodes yet (a topic created while there was no controller): the
            // partitions are NewPartition; onNewPartitionCreation runs once loaded.
            c.to_load.pop_front();
            c.next_from = 0;
            if c.topics.get(&topic).is_some_and(|t| t.states.is_empty()) {
                c.topics.remove(&topic);
                c.pending_topics.push_back(topic);
            }
            out.push(Output::SetTimer { timer: Timer::Load, at: now });
            return;
        };
        let n = states.len() as u32;
        if let Some(t) = c.topics.get_mut(&topic) {
            t.states.extend(states);
        }
        c.loaded_partitions += u64::from(n);
        c.next_from += n.max(1);
        // The reads' processing cost (see Config::load_batch for the calibration).
        out.push(Output::SetTimer { timer: Timer::Load, at: now.plus_us(u64::from(n) * us) });
    }

    pub(super) fn finish_load(&mut self, now: Time, out: &mut Vec<Out>, events: &mut Vec<ClientEvent>) {
        let Some(c) = self.controller.as_mut() else {
            return;
        };
        c.phase = CtrlPhase::Active;
        c.busy = false;
        let partitions = c.partitions();
        let ms = now.since(c.load_started) / 1_000;
        out.push(Output::Note(Note::LoadDone { partitions, ms }));
        if self.cfg.auto_leader_rebalance {
            out.push(Output::SetTimer { timer: Timer::Rebalance, at: now.plus_ms(FIRST_REBALANCE_DELAY_MS) });
        }
        // onControllerFailover: the live set to every broker ("Broker may have been killed
        // before controller failover"), then LeaderAndIsr for every online replica, with
        // UpdateMetadata for their partitions…
        let live: Vec<u32> = c.live.keys().copied().collect();
        self.send_live_set(now, &live, out);
        self.send_full_state_to(now, &live, false, out);
        // …then elect leaders for offline partitions, and create the partitions of topics that
        // have none yet (the event thread waits until this is done).
        if let Some(c) = self.controller.as_mut() {
            c.busy = true;
        }
        self.plan_elections(&SortedSet::new());
        self.next_new_topic(now, out, events);
    }

    /// The metadata `brokers` need. With `startup` (onBrokerStartup), first UpdateMetadata with
    /// every partition to them. Then the replica state machine's OnlineReplica for their replicas
    /// (onBrokerStartup, and onControllerFailover for every live broker): LeaderAndIsr to each
    /// broker for its replicas (none to a broker that hosts none), and, as
    /// `addLeaderAndIsrRequestForBrokers` adds it, UpdateMetadata with those partitions (at
    /// failover, every partition) to every live broker; the batch sends LeaderAndIsr first.
    pub(super) fn send_full_state_to(&mut self, now: Time, brokers: &[u32], startup: bool, out: &mut Vec<Out>) {
        let Some(c) = self.controller.as_ref() else {
            return;
        };
        let mut all = Vec::with_capacity(c.topics.len());
        let mut hosted = Vec::new();
        let mut mine: SortedMap<u32, Vec<TopicStates>> = brokers.iter().map(|b| (*b, Vec::new())).collect();
        for (topic, t) in &c.topics {
            let states: Vec<(u32, PartState)> = t.states.iter().enumerate().map(|(p, z)| (p as u32, z.state)).collect();
            let mut own: SortedMap<u32, Vec<(u32, PartState)>> = SortedMap::new();
            let mut ours = Vec::new();
            for (p, state) in &states {
                let mut hosts = false;
                for b in t.assignment.replicas_of(*p) {
                    if mine.contains_key(b) {
                        own.get_or_insert(*b, Default::default()).push((*p, *state));
                        hosts = true;
                    }
                }
                if hosts {
                    ours.push((*p, *state));
                }
            }
            for (b, states) in own {
                if let Some(list) = mine.get_mut(&b) {
                    list.push(TopicStates { topic: topic.clone(), states });
                }
            }
            if !ours.is_empty() {
                hosted.push(TopicStates { topic: topic.clone(), states: ours });
            }
            all.push(TopicStates { topic: topic.clone(), states });
        }
        let epoch = c.epoch;
        let live: Vec<u32> = c.live.keys().copied().collect();
        let update_metadata = |partitions: &Shared<Vec<TopicStates>>| KafkaMsg::UpdateMetadata {
            controller_epoch: epoch,
            live_brokers: live.clone(),
            partitions: partitions.clone(),
        };
        let (all, hosted) = (Shared::new(all), Shared::new(hosted));
        let mut sends = Vec::new();
        if startup {
            sends.extend(brokers.iter().map(|b| (*b, update_metadata(&all))));
        }
        for (b, list) in mine.into_iter().filter(|(_, list)| !list.is_empty()) {
            sends.push((b, KafkaMsg::LeaderAndIsr { controller_epoch: epoch, partitions: Shared::new(list) }));
        }
        // At failover Kafka's OfflineReplica batch also adds every partition without a live
        // replica (`removeReplicasFromIsr` returns them), so every live broker learns every
        // partition.
        let partitions = if startup { hosted } else { all };
        if !partitions.is_empty() {
            sends.extend(live.iter().map(|b| (*b, update_metadata(&partitions))));
        }
        for (b, msg) in sends {
            self.send_kafka(now, b, msg, out);
        }
    }

    /// UpdateMetadata with the live brokers and no partition states
    /// (`sendUpdateMetadataRequest(brokers, Set.empty)`).
    fn send_live_set(&mut self, now: Time, brokers: &[u32], out: &mut Vec<Out>) {
        let Some(c) = self.controller.as_ref() else {
            return;
        };
        let (epoch, live): (u32, Vec<u32>) = (c.epoch, c.live.keys().copied().collect());
        let none = Shared::new(Vec::new());
        for &b in brokers {
            let msg = KafkaMsg::UpdateMetadata {
                controller_epoch: epoch,
                live_brokers: live.clone(),
                partitions: none.clone(),
            };
            self.send_kafka(now, b, msg, out);
        }
    }

    pub(super) fn send_kafka(&mut self, now: Time, broker: u32, msg: KafkaMsg, out: &mut Vec<Out>) {
        if broker == self.id {
            self.on_kafka(now, self.node, msg, out);
        } else if broker >= 1 && (broker as usize) <= self.cfg.brokers {
            out.push(Output::Send { to: self.cfg.layout().broker_node(broker), msg: Msg::Kafka(msg) });
        }
    }

    /// PartitionStateMachine: new leaders for partitions whose leader is gone (first live ISR
    /// replica in assignment order), ISR shrink for dead replicas, and ISR expansion for
    /// replicas that came back. `leaving` are brokers in controlled shutdown to move away from.
    pub(super) fn plan_elections(&mut self, leaving: &SortedSet<u32>) {
        let unclean = self.cfg.unclean_leader_election;
        let Some(c) = self.controller.as_mut() else {
            return;
        };
        let epoch = c.epoch;
        let usable = |b: &u32| c.live.contains_key(b) && !c.shutting_down.contains(b) && !leaving.contains(b);
        for (topic, t) in &c.topics {
            let mut updates = Vec::new();
            for (p, z) in t.states.iter().enumerate() {
                let p = p as u32;
                let replicas = t.assignment.replicas_of(p);
                let old = z.state;
                let mut new = old;
                let leader_ok = old.leader > 0 && usable(&(old.leader as u32));
                // OfflineReplica: dead or leaving replicas leave the ISR, but a sole member
                // stays (with leader −1 if it cannot lead).
                let live_isr = replicas.iter().filter(|b| old.in_isr(**b) && usable(b)).fold(0, |m, b| m | isr_bit(*b));
                new.isr = if live_isr == 0 { old.isr } else { live_isr };
                if leader_ok {
                    // A replica that returned rejoins the ISR (stands in for catch-up and
                    // AlterPartition).
                    for b in replicas.iter().filter(|b| c.live.contains_key(b) && !c.shutting_down.contains(b)) {
                        if !leaving.contains(b) {
                            new.isr |= isr_bit(*b);
                        }
                    }
                } else {
                    // OfflinePartition → OnlinePartition: first live replica in the ISR.
                    let clean = replicas.iter().copied().find(|b| old.in_isr(*b) && usable(b));
                    let choice =
                        clean.or_else(|| if unclean { replicas.iter().copied().find(|b| usable(b)) } else { None });
                    match choice {
                        Some(b) => {
                            new.leader = b as i32;
                            if clean.is_none() {
                                new.isr = isr_bit(b);
                            }
                        }
                        None => new.leader = -1,
                    }
                }
                if new.leader != old.leader || new.isr != old.isr {
                    // The controller bumps the leader epoch when it changes the leader or removes
                    // a replica from the ISR (`removeReplicasFromIsr` → `newLeaderAndIsr`); an ISR
                    // that only grew keeps it (in Kafka the leader grows it, AlterPartition).
                    if new.leader != old.leader || old.isr & !new.isr != 0 {
                        new.leader_epoch = old.leader_epoch + 1;
                    }
                    new.controller_epoch = epoch;
                    updates.push(StateUpdate { partition: p, state: new, expected_version: z.version });
                }
            }
            if !updates.is_empty() {
                c.writes.push_back(Write::Set { topic: topic.clone(), updates: Shared::new(updates) });
            }
        }
    }

    /// Auto leader rebalance (`auto.leader.rebalance.enable`): give each partition back to its
    /// preferred replica (the first in assignment order) when that replica is alive and in the
    /// ISR. (Kafka only acts above `leader.imbalance.per.broker.percentage` = 10 %; the model
    /// rebalances every imbalanced partition.)
    pub(super) fn plan_preferred(&mut self) {
        let Some(c) = self.controller.as_mut() else { return };
        let epoch = c.epoch;
        for (topic, t) in &c.topics {
            let mut updates = Vec::new();
            for (p, z) in t.states.iter().enumerate() {
                let Some(&preferred) = t.assignment.replicas_of(p as u32).first() else { continue };
                let usable = c.live.contains_key(&preferred) && !c.shutting_down.contains(&preferred);
                if z.state.leader != preferred as i32 && usable && z.state.in_isr(preferred) {
                    let state = PartState {
                        leader: preferred as i32,
                        leader_epoch: z.state.leader_epoch + 1,
                        controller_epoch: epoch,
                        isr: z.state.isr,
                    };
                    updates.push(StateUpdate { partition: p as u32, state, expected_version: z.version });
                }
            }
            if !updates.is_empty() {
                c.writes.push_back(Write::Set { topic: topic.clone(), updates: Shared::new(updates) });
            }
        }
    }

    pub(super) fn start_writes(&mut self, now: Time, out: &mut Vec<Out>, events: &mut Vec<ClientEvent>) {
        let Some(c) = self.controller.as_mut() else {
            return;
        };
        if c.write_in_flight {
            // One write at a time: its reply pops it from the queue.
            return;
        }
        let check = Op::Check { path: CONTROLLER_EPOCH_PATH.into(), version: c.epoch_zk_version };
        let Some(write) = c.writes.front().cloned() else {
            if !c.bounced.is_empty() {
                // processBrokerChange: the bounced brokers' onBrokerFailure is done; they are
                // live again and go through onBrokerStartup (with their replicas back in the
                // ISRs, the model's stand-in for catch-up).
                let bounced: Vec<u32> = c.bounced.iter().map(|(b, _)| *b).collect();
                c.restore_bounced();
                self.broker_startup(now, &bounced, out);
                self.plan_elections(&SortedSet::new());
                return self.start_writes(now, out, events);
            }
            c.busy = false;
            self.finish_event(out);
            return;
        };
        c.busy = true;
        c.write_in_flight = true;
        // Every controller write carries a CheckOp on /controller_epoch (KAFKA-6082).
        let op = match write {
            Write::Set { topic, updates } => Op::SetStates { topic, updates },
            Write::Create { topic, states, .. } => Op::CreateStates { topic, states },
        };
        self.request(
            Purpose::Ctrl(CtrlPurpose::Write),
            ClientOp::Write { ops: vec![check, op], multi: true },
            out,
            events,
        );
    }

    pub(super) fn on_write_done(
        &mut self,
        now: Time,
        result: ZkResult,
        zxid: Zxid,
        out: &mut Vec<Out>,
        events: &mut Vec<ClientEvent>,
    ) {
        let id = self.id;
        if let Some(c) = self.controller.as_mut() {
            c.write_in_flight = false;
        }
        let Some(c) = self.controller.as_mut() else {
            return;
        };
        let Some(write) = c.writes.pop_front() else {
            return;
        };
        let epoch = c.epoch;
        match result {
            Ok(OpResult::Multi(results)) => {
                let failed: SortedSet<u32> = match results.get(1) {
                    Some(OpResult::StatesSet { failed }) => failed.iter().copied().collect(),
                    _ => SortedSet::new(),
                };
                // The partitions with a new leader epoch: their replicas get LeaderAndIsr.
                let mut new_epoch = SortedSet::new();
                let (topic, changed) = match write {
                    Write::Set { topic, updates } => {
                        let ok: Vec<StateUpdate> =
                            updates.iter().filter(|u| !failed.contains(&u.partition)).copied().collect();
                        if let Some(t) = c.topics.get_mut(&topic) {
                            for u in &ok {
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
                        if !failed.is_empty() {
                            // Someone else wrote these: reload (the model's simplification).
                            c.needs_reload = true;
                        }
                        let ok = Shared::new(ok);
                        out.push(Output::Note(Note::StatesWritten {
                            controller_epoch: epoch,
                            zxid,
                            topic: topic.clone(),
                            updates: ok.clone(),
                        }));
                        let changed: Vec<(u32, PartState)> = ok.iter().map(|u| (u.partition, u.state)).collect();
                        (topic, changed)
                    }
                    Write::Create { topic, assignment, states } => {
                        let znodes = states.iter().map(|s| StateZnode { state: *s, version: 0, mzxid: zxid }).collect();
                        c.topics.insert(topic.clone(), TopicCtx { assignment, states: znodes });
                        out.push(Output::Note(Note::StatesCreated {
                            controller_epoch: epoch,
                            zxid,
                            topic: topic.clone(),
                            states: states.clone(),
                        }));
                        out.push(Output::Note(Note::TopicCreated {
                            topic: topic.clone(),
                            partitions: states.len() as u32,
                        }));
                        new_epoch.extend(0..states.len() as u32);
                        (topic, states.iter().enumerate().map(|(p, s)| (p as u32, *s)).collect())
                    }
                };
                self.broadcast_changes(now, &topic, changed, &new_epoch, out);
                if self.controller.as_ref().is_some_and(|c| c.needs_reload) {
                    if let Some(c) = self.controller.as_mut() {
                        c.needs_reload = false;
                        c.writes.clear();
                    }
                    self.start_load(now, out, events);
                    return;
                }
                self.start_writes(now, out, events);
            }
            Err(ZkError::BadVersion) => {
                // The epoch check failed: a newer controller exists. We are fenced.
                out.push(Output::Note(Note::Fenced { broker: id, epoch }));
                self.resign(out);
                self.watch_controller(out, events);
            }
            Err(_) | Ok(_) => {
                // The bounced brokers' failure handling stops here; their startup still runs
                // (their czxid now matches, so no later broker change would find them).
                let bounced: Vec<u32> = c.bounced.iter().map(|(b, _)| *b).collect();
                c.restore_bounced();
                self.broker_startup(now, &bounced, out);
                if let Some(c) = self.controller.as_mut() {
                    c.writes.clear();
                    c.busy = false;
                }
                self.finish_event(out);
            }
        }
    }

    /// LeaderAndIsr to the replicas of the partitions with a new leader epoch, UpdateMetadata
    /// with every changed partition to every broker. An ISR that only grew keeps its leader
    /// epoch: in Kafka the leader grew it (AlterPartition), and the controller sends only
    /// UpdateMetadata.
    pub(super) fn broadcast_changes(
        &mut self,
        now: Time,
        topic: &str,
        changed: Vec<(u32, PartState)>,
        new_epoch: &SortedSet<u32>,
        out: &mut Vec<Out>,
    ) {
        let Some(c) = self.controller.as_ref() else {
            return;
        };
        let Some(t) = c.topics.get(topic) else { return };
        let epoch = c.epoch;
        let live: Vec<u32> = c.live.keys().copied().collect();
        let mut per_broker: SortedMap<u32, Vec<(u32, PartState)>> = SortedMap::new();
        for (p, s) in changed.iter().filter(|(p, _)| new_epoch.contains(p)) {
            for b in t.assignment.replicas_of(*p) {
                if c.live.contains_key(b) {
                    per_broker.get_or_insert(*b, Default::default()).push((*p, *s));
                }
            }
        }
        let um = Shared::new(vec![TopicStates { topic: topic.to_string(), states: changed }]);
        for (b, states) in per_broker {
            let partitions = Shared::new(vec![TopicStates { topic: topic.to_string(), states }]);
            self.send_kafka(now, b, KafkaMsg::LeaderAndIsr { controller_epoch: epoch, partitions }, out);
        }
        for b in live.iter().copied() {
            let msg = KafkaMsg::UpdateMetadata {
                controller_epoch: epoch,
                live_brokers: live.clone(),
                partitions: um.clone(),
            };
            self.send_kafka(now, b, msg, out);
        }
    }

    pub(super) fn finish_event(&mut self, out: &mut Vec<Out>) {
        let Some(c) = self.controller.as_mut() else {
            return;
        };
        let replies = std::mem::take(&mut c.reply_shutdown);
        let remaining: Vec<(u32, u32)> = replies
            .iter()
            .map(|b| {
                let led = c
                    .topics
                    .values()
                    .map(|t| t.states.iter().filter(|z| z.state.leader == *b as i32).count() as u32)
                    .sum::<u32>();
                (*b, led)
            })
            .collect();
        for (broker, remaining) in remaining {
            if broker == self.id {
                // Our own controlled shutdown: finished by `pump`.
                if remaining == 0 {
                    self.shutting_down = self.shutting_down.map(|_| u32::MAX);
                }
            } else {
                let msg = KafkaMsg::ControlledShutdownResponse { ok: remaining == 0, remaining };
                out.push(Output::Send { to: self.cfg.layout().broker_node(broker), msg: Msg::Kafka(msg) });
            }
        }
    }

    /// The controller's event thread: one event at a time, only once loaded.
    pub(super) fn pump(&mut self, now: Time, out: &mut Vec<Out>, events: &mut Vec<ClientEvent>) {
        if self.shutting_down == Some(u32::MAX) {
            self.shutting_down = Some(self.cfg.controlled_shutdown_max_retries + 1);
            out.push(Output::Note(Note::ControlledShutdownDone { broker: self.id }));
            self.close_session(out, events);
        }
        loop {
            let Some(c) = self.controller.as_mut() else {
                return;
            };
            if c.busy || c.phase != CtrlPhase::Active || !self.zk.connected() {
                return;
            }
            if c.announce_live {
                // The broker-failure event is done (onBrokerFailure's last step).
                c.announce_live = false;
                let live: Vec<u32> = c.live.keys().copied().collect();
                self.send_live_set(now, &live, out);
                continue;
            }
            let Some(event) = c.queue.pop_front() else {
                return;
            };
            c.busy = true;
            match event {
                CtrlEvent::BrokerChange => {
                    let read = ReadOp::GetChildren { path: BROKER_IDS_PATH.into(), watch: true };
                    self.request(Purpose::Ctrl(CtrlPurpose::Brokers), ClientOp::Read(read), out, events);
                }
                CtrlEvent::TopicChange => {
                    let read = ReadOp::GetChildren { path: TOPICS_PATH.into(), watch: true };
                    self.request(Purpose::Ctrl(CtrlPurpose::Topics), ClientOp::Read(read), out, events);
                }
                CtrlEvent::PreferredReplicaElection => {
                    self.plan_preferred();
                    self.start_writes(now, out, events);
                }
                CtrlEvent::ControlledShutdown { broker } => {
                    // §2.5: move leadership away and shrink the ISR, then answer.
                    c.reply_shutdown.push(broker);
                    let mut leaving = SortedSet::new();
                    leaving.insert(broker);
                    self.plan_elections(&leaving);
                    if let Some(c) = self.controller.as_mut() {
                        c.shutting_down.insert(broker);
                    }
                    self.start_writes(now, out, events);
                }
            }
            // Requests that failed at once come back as events: handle them now.
            let mut rounds = 0;
            while !events.is_empty() && rounds < 64 {
                rounds += 1;
                for event in std::mem::take(events) {
                    self.on_zk_event(now, event, out, events);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::zk::testkit::config;

    fn broker(id: u32) -> Broker {
        let cfg = config();
        let node = cfg.layout().broker_node(id);
        Broker::new(id, node, cfg, 1)
    }

    #[test]
    fn a_controller_whose_epoch_check_fails_is_fenced_and_resigns() {
        let mut b = broker(1);
        let mut c = Controller::new(3, 3, Time::ZERO);
        c.phase = CtrlPhase::Active;
        let updates = Shared::new(vec![StateUpdate { partition: 0, state: PartState::default(), expected_version: 0 }]);
        c.writes.push_back(Write::Set { topic: "t".into(), updates });
        c.busy = true;
        b.controller = Some(Box::new(c));
        let mut out = Vec::new();
        let mut events = Vec::new();
        // KAFKA-6082: the CheckOp on /controller_epoch's zkVersion failed: BADVERSION.
        let purpose = Purpose::Ctrl(CtrlPurpose::Write);
        b.on_reply(Time::from_ms(1), purpose, Err(ZkError::BadVersion), 0, &mut out, &mut events);
        assert_eq!(out[0], Output::Note(Note::Fenced { broker: 1, epoch: 3 }));
        assert_eq!(out[1], Output::Note(Note::ControllerResigned { broker: 1, epoch: 3 }));
        assert!(b.controller.is_none());
    }

    /// Broker 1 controls brokers 1–3 (czxids 10, 20, 30); `states` for topic "t", whose
    /// partition p has replicas `replicas[2p..2p+2]`.
    fn controlling(replicas: Vec<u32>, states: Vec<PartState>) -> Broker {
        let mut b = broker(1);
        let mut c = Controller::new(2, 2, Time::ZERO);
        c.phase = CtrlPhase::Active;
        c.busy = true;
        c.live = [(1, 10), (2, 20), (3, 30)].into_iter().collect();
        let assignment = Shared::new(Assignment { rf: 2, replicas });
        let states = states.into_iter().map(|state| StateZnode { state, version: 7, mzxid: 0 }).collect();
        c.topics.insert("t".into(), TopicCtx { assignment, states });
        b.controller = Some(Box::new(c));
        b
    }

    /// The Kafka requests in `out`, as (recipient broker, message), in order.
    fn kafka_sent(out: &[Out]) -> Vec<(u32, KafkaMsg)> {
        let cfg = config();
        out.iter()
            .filter_map(|o| match o {
                Output::Send { to, msg: Msg::Kafka(m) } => {
                    let b = (1..=cfg.brokers as u32).find(|b| cfg.layout().broker_node(*b) == *to)?;
                    Some((b, m.clone()))
                }
                _ => None,
            })
            .collect()
    }

    fn update_metadata(m: &KafkaMsg) -> Option<(Vec<u32>, usize)> {
        match m {
            KafkaMsg::UpdateMetadata { live_brokers, partitions, .. } => Some((live_brokers.clone(), partitions.len())),
            _ => None,
        }
    }

    fn brokers_read(children: &[(u32, Zxid)]) -> ZkResult {
        let children = children.iter().map(|(b, z)| (b.to_string(), *z)).collect();
        Ok(OpResult::Children { children, pzxid: 0 })
    }

    /// b2 leads p0 (replicas [2, 3], ISR {2, 3}, leader epoch 4) and comes back with czxid 25:
    /// the controller has read /brokers/ids.
    fn b2_bounces_while_leading() -> (Broker, Vec<Out>, Vec<ClientEvent>) {
        let led_by_2 = PartState { leader: 2, leader_epoch: 4, controller_epoch: 1, isr: isr_bit(2) | isr_bit(3) };
        let mut b = controlling(vec![2, 3], vec![led_by_2]);
        let (mut out, mut events) = (Vec::new(), Vec::new());
        b.on_brokers(Time::from_ms(1), brokers_read(&[(1, 10), (2, 25), (3, 30)]), &mut out, &mut events);
        (b, out, events)
    }

    #[test]
    fn a_bounced_broker_loses_its_leaderships_before_it_starts_again() {
        // processBrokerChange: b2's znode has a larger czxid (25 > 20), so b2 restarted between
        // two reads. Kafka runs onBrokerFailure for it, then onBrokerStartup.
        let (mut b, out, mut events) = b2_bounces_while_leading();
        let c = b.controller.as_ref().unwrap();
        assert_eq!(c.live.keys().copied().collect::<Vec<_>>(), vec![1, 3], "b2 is out of the live set meanwhile");
        let Some(Write::Set { updates, .. }) = c.writes.front() else { panic!("no election planned") };
        // OfflinePartition → OnlinePartition: b3, the next live ISR replica; b2 leaves the ISR.
        let moved = PartState { leader: 3, leader_epoch: 5, controller_epoch: 2, isr: isr_bit(3) };
        assert_eq!(updates.to_vec(), vec![StateUpdate { partition: 0, state: moved, expected_version: 7 }]);
        assert!(kafka_sent(&out).is_empty(), "nothing is sent before the election is written: {out:?}");
        let said = Note::BrokerChange { joined: vec![], left: vec![], bounced: vec![2] };
        assert!(out.contains(&Output::Note(said)), "{out:?}");

        let mut out = Vec::new();
        let written = Ok(OpResult::Multi(vec![OpResult::Checked, OpResult::StatesSet { failed: vec![] }]));
        b.on_reply(Time::from_ms(2), Purpose::Ctrl(CtrlPurpose::Write), written, 40, &mut out, &mut events);
        let sent = kafka_sent(&out);
        let to = |r: u32| sent.iter().filter(|(b, _)| *b == r).map(|(_, m)| m.clone()).collect::<Vec<_>>();
        // b3: the new leadership, the UpdateMetadata without b2, then the one that lists b2 again,
        // then b2's replicas' partitions (OnlineReplica's UpdateMetadata to every live broker).
        let to_3 = to(3);
        assert!(matches!(&to_3[0], KafkaMsg::LeaderAndIsr { .. }), "{to_3:?}");
        assert_eq!(update_metadata(&to_3[1]), Some((vec![1, 3], 1)), "{to_3:?}");
        assert_eq!(update_metadata(&to_3[2]), Some((vec![1, 2, 3], 0)), "{to_3:?}");
        assert_eq!(update_metadata(&to_3[3]), Some((vec![1, 2, 3], 1)), "{to_3:?}");
        assert_eq!(to_3.len(), 4, "{to_3:?}");
        // b2: UpdateMetadata with every partition first, then LeaderAndIsr as a follower of b3,
        // then the partitions of its replicas.
        let to_2 = to(2);
        assert_eq!(update_metadata(&to_2[0]), Some((vec![1, 2, 3], 1)), "{to_2:?}");
        let KafkaMsg::LeaderAndIsr { partitions, .. } = &to_2[1] else { panic!("{to_2:?}") };
        assert_eq!(partitions[0].states, vec![(0, moved)]);
        assert_eq!(update_metadata(&to_2[2]), Some((vec![1, 2, 3], 1)), "{to_2:?}");
        assert_eq!(to_2.len(), 3, "{to_2:?}");
        let c = b.controller.as_ref().unwrap();
        assert_eq!(c.live.get(&2), Some(&25), "b2 is live again, in its new session");
    }

    #[test]
    fn an_isr_that_only_grows_goes_out_in_update_metadata_not_leader_and_isr() {
        // b2 is back and rejoins the ISR of b3's partition: the leader epoch stays 5 (in Kafka
        // the leader grew the ISR with AlterPartition), so the replicas get no LeaderAndIsr.
        let without_2 = PartState { leader: 3, leader_epoch: 5, controller_epoch: 1, isr: isr_bit(3) };
        let mut b = controlling(vec![2, 3], vec![without_2]);
        let (mut out, mut events) = (Vec::new(), Vec::new());
        b.plan_elections(&SortedSet::new());
        b.start_writes(Time::from_ms(1), &mut out, &mut events);
        let grown = PartState { isr: isr_bit(2) | isr_bit(3), controller_epoch: 2, ..without_2 };
        let c = b.controller.as_ref().unwrap();
        let Some(Write::Set { updates, .. }) = c.writes.front() else { panic!("no ISR change planned") };
        assert_eq!(updates.to_vec(), vec![StateUpdate { partition: 0, state: grown, expected_version: 7 }]);
        let mut out = Vec::new();
        let written = Ok(OpResult::Multi(vec![OpResult::Checked, OpResult::StatesSet { failed: vec![] }]));
        b.on_reply(Time::from_ms(2), Purpose::Ctrl(CtrlPurpose::Write), written, 40, &mut out, &mut events);
        let sent = kafka_sent(&out);
        assert_eq!(sent.len(), 2, "{sent:?}");
        for (_, m) in &sent {
            let KafkaMsg::UpdateMetadata { partitions, .. } = m else { panic!("{m:?}") };
            assert_eq!(partitions[0].states, vec![(0, grown)]);
        }
    }

    #[test]
    fn a_bounced_broker_still_starts_when_the_failure_write_fails() {
        let (mut b, _, mut events) = b2_bounces_while_leading();
        let mut out = Vec::new();
        b.on_reply(Time::from_ms(2), Purpose::Ctrl(CtrlPurpose::Write), Err(ZkError::NoNode), 0, &mut out, &mut events);
        let to_2: Vec<KafkaMsg> = kafka_sent(&out).into_iter().filter(|(b, _)| *b == 2).map(|(_, m)| m).collect();
        assert_eq!(update_metadata(&to_2[0]), Some((vec![1, 2, 3], 1)), "onBrokerStartup still runs: {to_2:?}");
        let c = b.controller.as_ref().unwrap();
        assert_eq!(c.live.get(&2), Some(&25));
        assert!(!c.busy && c.bounced.is_empty());
    }

    #[test]
    fn an_isr_that_grows_and_shrinks_at_once_gets_a_new_leader_epoch() {
        // Replicas [1, 2, 3], leader b1, ISR {1, 3}: in one read of /brokers/ids b3 is gone and
        // b2 is back. b3 leaves the ISR (a shrink bumps the leader epoch) as b2 rejoins it.
        let state = PartState { leader: 1, leader_epoch: 4, controller_epoch: 1, isr: isr_bit(1) | isr_bit(3) };
        let mut b = controlling(vec![1, 2], vec![state]);
        if let Some(c) = b.controller.as_mut() {
            c.live = [(1, 10), (3, 30)].into_iter().collect();
            if let Some(t) = c.topics.get_mut("t") {
                t.assignment = Shared::new(Assignment { rf: 3, replicas: vec![1, 2, 3] });
            }
        }
        let (mut out, mut events) = (Vec::new(), Vec::new());
        b.on_brokers(Time::from_ms(1), brokers_read(&[(1, 10), (2, 20)]), &mut out, &mut events);
        let c = b.controller.as_ref().unwrap();
        let Some(Write::Set { updates, .. }) = c.writes.front() else { panic!("no write planned") };
        let next = PartState { leader: 1, leader_epoch: 5, controller_epoch: 2, isr: isr_bit(1) | isr_bit(2) };
        assert_eq!(updates.to_vec(), vec![StateUpdate { partition: 0, state: next, expected_version: 7 }]);
        let mut out = Vec::new();
        let written = Ok(OpResult::Multi(vec![OpResult::Checked, OpResult::StatesSet { failed: vec![] }]));
        b.on_reply(Time::from_ms(2), Purpose::Ctrl(CtrlPurpose::Write), written, 40, &mut out, &mut events);
        // The new leader epoch goes to the live replicas in LeaderAndIsr (b1 is this controller).
        let lai: Vec<u32> = kafka_sent(&out)
            .into_iter()
            .filter(|(_, m)| matches!(m, KafkaMsg::LeaderAndIsr { .. }))
            .map(|(b, _)| b)
            .collect();
        assert_eq!(lai, vec![2], "{out:?}");
    }

    #[test]
    fn a_new_controller_sends_the_live_set_then_leader_and_isr_then_the_partitions() {
        // onControllerFailover: sendUpdateMetadataRequest(live, Set.empty), then the replica
        // state machine's startup: LeaderAndIsr to each live replica, and UpdateMetadata with
        // every partition to every live broker, p1 too, whose only replica (b3) is dead.
        let on_2 = PartState { leader: 2, leader_epoch: 4, controller_epoch: 1, isr: isr_bit(2) };
        let offline = PartState { leader: -1, leader_epoch: 3, controller_epoch: 1, isr: isr_bit(3) };
        let mut b = controlling(vec![2, 3], vec![on_2, offline]);
        if let Some(c) = b.controller.as_mut() {
            c.live = [(1, 10), (2, 20)].into_iter().collect();
            if let Some(t) = c.topics.get_mut("t") {
                t.assignment = Shared::new(Assignment { rf: 1, replicas: vec![2, 3] });
            }
        }
        let (mut out, mut events) = (Vec::new(), Vec::new());
        b.finish_load(Time::from_ms(1), &mut out, &mut events);
        let to: Vec<KafkaMsg> = kafka_sent(&out).into_iter().filter(|(b, _)| *b == 2).map(|(_, m)| m).collect();
        assert_eq!(to.len(), 3, "{to:?}");
        assert_eq!(update_metadata(&to[0]), Some((vec![1, 2], 0)), "{to:?}");
        let KafkaMsg::LeaderAndIsr { partitions, .. } = &to[1] else { panic!("{to:?}") };
        assert_eq!(partitions[0].states, vec![(0, on_2)]);
        let KafkaMsg::UpdateMetadata { partitions, .. } = &to[2] else { panic!("{to:?}") };
        assert_eq!(partitions[0].states, vec![(0, on_2), (1, offline)]);
        assert_eq!(b.metadata_topics.get("t").map(|known| known.len()), Some(2), "the controller's own cache too");
    }

    #[test]
    fn a_bounced_broker_that_hosts_nothing_leaves_and_returns_in_the_live_set() {
        // onBrokerFailure with no partition change (KAFKA-13225): the live set without b2 goes
        // out on its own; then onBrokerStartup's live set with it.
        let led_by_3 = PartState { leader: 3, leader_epoch: 1, controller_epoch: 1, isr: isr_bit(3) | isr_bit(1) };
        let mut b = controlling(vec![3, 1], vec![led_by_3]);
        let (mut out, mut events) = (Vec::new(), Vec::new());
        b.on_brokers(Time::from_ms(1), brokers_read(&[(1, 10), (2, 25), (3, 30)]), &mut out, &mut events);
        let sent = kafka_sent(&out);
        let to_3: Vec<_> = sent.iter().filter(|(b, _)| *b == 3).filter_map(|(_, m)| update_metadata(m)).collect();
        assert_eq!(to_3, vec![(vec![1, 3], 0), (vec![1, 2, 3], 0)]);
        let to_2: Vec<_> = sent.iter().filter(|(b, _)| *b == 2).map(|(_, m)| m.clone()).collect();
        assert_eq!(update_metadata(&to_2[0]), Some((vec![1, 2, 3], 1)), "{to_2:?}");
        assert_eq!(to_2.len(), 1, "no LeaderAndIsr for a broker that hosts no replica: {to_2:?}");
        let c = b.controller.as_ref().unwrap();
        assert!(!c.busy && c.bounced.is_empty(), "the event is done");
        assert_eq!(c.live.keys().copied().collect::<Vec<_>>(), vec![1, 2, 3]);
    }

    #[test]
    fn offline_partitions_get_the_first_live_isr_replica_in_assignment_order() {
        let mut b = broker(1);
        let mut c = Controller::new(2, 2, Time::ZERO);
        c.phase = CtrlPhase::Active;
        c.live = [(1, 1), (3, 3)].into_iter().collect();
        let assignment = Shared::new(Assignment { rf: 3, replicas: vec![2, 3, 1, 2, 1, 3] });
        let dead_leader = |isr| StateZnode {
            state: PartState { leader: 2, leader_epoch: 4, controller_epoch: 1, isr },
            version: 7,
            mzxid: 0,
        };
        // p0: replicas [2, 3, 1], ISR {2, 1}: b3 is alive but not in the ISR → b1.
        // p1: replicas [2, 1, 3], ISR {2}: no live ISR member → leader −1, ISR kept.
        let states = vec![dead_leader(isr_bit(2) | isr_bit(1)), dead_leader(isr_bit(2))];
        c.topics.insert("t".into(), TopicCtx { assignment, states });
        b.controller = Some(Box::new(c));
        b.plan_elections(&SortedSet::new());
        let c = b.controller.as_ref().unwrap();
        let Some(Write::Set { updates, .. }) = c.writes.front() else { panic!("no write planned") };
        assert_eq!(
            updates.to_vec(),
            vec![
                StateUpdate {
                    partition: 0,
                    state: PartState { leader: 1, leader_epoch: 5, controller_epoch: 2, isr: isr_bit(1) },
                    expected_version: 7,
                },
                StateUpdate {
                    partition: 1,
                    state: PartState { leader: -1, leader_epoch: 5, controller_epoch: 2, isr: isr_bit(2) },
                    expected_version: 7,
                },
            ]
        );
    }
}
