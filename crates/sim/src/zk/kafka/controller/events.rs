//! The controller's event thread (`ControllerEventManager`): one event at a time, once loaded —
//! a broker change (`processBrokerChange`, with `onBrokerStartup` and `onBrokerFailure`), a
//! topic change (`onNewPartitionCreation`), a controlled shutdown, a preferred-replica election.
//! The reads of `/brokers/ids` and `/brokers/topics` serve the load too, which they continue
//! while loading.

use crate::sorted::{SortedMap, SortedSet};
use crate::world::Output;

use super::{CtrlEvent, CtrlHandler, CtrlPhase, CtrlPurpose, TopicCtx, Write};
use crate::zk::kafka::{BROKER_IDS_PATH, TOPICS_PATH};
use crate::zk::msg::{Data, OpResult, ReadOp, Shared, ZkResult, Zxid};
use crate::zk::Note;

/// What the event thread did when the broker offered it a turn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Pumped {
    /// Nothing to do now (busy, not loaded, disconnected, or no event waiting).
    Idle,
    /// A broker-failure event ended: the live set went to every broker.
    Announced,
    /// An event started: its requests are out (some may have failed at once).
    Started,
}

impl CtrlHandler<'_> {
    /// Start the next event, if the thread is free: loaded, idle and connected.
    pub(crate) fn next_event(&mut self) -> Pumped {
        if self.ctrl.busy || self.ctrl.phase != CtrlPhase::Active || !self.zk.connected() {
            return Pumped::Idle;
        }
        if self.ctrl.announce_live {
            // The broker-failure event is done (onBrokerFailure's last step).
            self.ctrl.announce_live = false;
            let live = self.ctrl.live_ids();
            self.send_live_set(&live);
            return Pumped::Announced;
        }
        let Some(event) = self.ctrl.queue.pop_front() else { return Pumped::Idle };
        self.ctrl.busy = true;
        match event {
            CtrlEvent::BrokerChange => {
                self.read(CtrlPurpose::Brokers, ReadOp::GetChildren { path: BROKER_IDS_PATH.into(), watch: true })
            }
            CtrlEvent::TopicChange => {
                self.read(CtrlPurpose::Topics, ReadOp::GetChildren { path: TOPICS_PATH.into(), watch: true })
            }
            CtrlEvent::PreferredReplicaElection => {
                self.ctrl.plan_preferred();
                self.start_writes();
            }
            CtrlEvent::ControlledShutdown { broker } => {
                // §2.5: move leadership away and shrink the ISR, then answer.
                self.ctrl.reply_shutdown.push(broker);
                let mut leaving = SortedSet::new();
                leaving.insert(broker);
                self.plan_elections(&leaving);
                self.ctrl.shutting_down.insert(broker);
                self.start_writes();
            }
        }
        Pumped::Started
    }

    /// The children of `/brokers/ids`: the live brokers for the load, or a broker change.
    pub(super) fn on_brokers(&mut self, result: ZkResult) {
        let Ok(OpResult::Children { children, .. }) = result else {
            return;
        };
        let new_live: SortedMap<u32, Zxid> =
            children.iter().filter_map(|(name, czxid)| name.parse::<u32>().ok().map(|id| (id, *czxid))).collect();
        if self.ctrl.phase.is_loading() {
            self.ctrl.live = new_live;
            self.read(CtrlPurpose::Topics, ReadOp::GetChildren { path: TOPICS_PATH.into(), watch: true });
            return;
        }
        self.broker_change(new_live);
    }

    /// processBrokerChange: new, dead and bounced (same id, larger czxid: the broker restarted
    /// between two reads) brokers.
    fn broker_change(&mut self, new_live: SortedMap<u32, Zxid>) {
        let c = &mut *self.ctrl;
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
                self.out.push(Output::Note(Note::BrokerChange { joined, left, bounced }));
            }
        }
        // The bounced brokers leave the live set for `onBrokerFailure`, and come back once its
        // writes are done (`start_writes`).
        for (b, _) in &bounced {
            c.live.remove(b);
        }
        let writes_before = c.writes.len();
        self.broker_startup(&joined);
        // onBrokerFailure for the bounced and the dead brokers (Kafka runs it for the bounced
        // ones first, then the dead ones; the model runs both at once): new leaders for their
        // partitions, their replicas out of the ISRs. The same pass also gives the new brokers'
        // replicas back their ISR places (the model's stand-in for catch-up).
        self.plan_elections(&SortedSet::new());
        // KAFKA-13225 (Kafka 3.1+): the new leaders and shrunk ISRs go out with UpdateMetadata
        // to every live broker; when the failed brokers hosted no replica and no election ran,
        // the controller sends the live set on its own, as onBrokerFailure's last step. (The
        // model's test is "no partition state changed": a broker with only out-of-ISR replicas
        // gets the live set this way, where Kafka sends it with those partitions.)
        let unchanged = self.ctrl.writes.len() == writes_before;
        if !bounced.is_empty() {
            self.ctrl.bounced = bounced;
            if unchanged {
                let live = self.ctrl.live_ids();
                self.send_live_set(&live);
            }
        } else if !dead.is_empty() && unchanged {
            self.ctrl.announce_live = true;
        }
        self.start_writes();
    }

    /// onBrokerStartup: UpdateMetadata without partition states to the existing brokers, "so
    /// that they know about the new brokers"; then the full metadata and the replicas'
    /// LeaderAndIsr to the new ones, with their partitions' UpdateMetadata to every broker.
    pub(super) fn broker_startup(&mut self, joined: &[u32]) {
        if joined.is_empty() {
            return;
        }
        let existing: Vec<u32> = self.ctrl.live.keys().filter(|b| !joined.contains(b)).copied().collect();
        self.send_live_set(&existing);
        self.send_full_state_to(joined, true);
    }

    /// The children of `/brokers/topics`: the topics to load, or the new ones to create.
    pub(super) fn on_topics(&mut self, result: ZkResult) {
        let Ok(OpResult::Children { children, .. }) = result else {
            return;
        };
        let c = &mut *self.ctrl;
        let names: Vec<String> = children.into_iter().map(|(n, _)| n).filter(|n| !c.topics.contains_key(n)).collect();
        if c.phase.is_loading() {
            c.to_load = names.into();
            self.load_next();
        } else {
            c.pending_topics.extend(names);
            self.next_new_topic();
        }
    }

    /// Read the next new topic's assignment, or, with none left, write what was planned.
    pub(super) fn next_new_topic(&mut self) {
        match self.ctrl.pending_topics.pop_front() {
            Some(topic) => {
                let read = ReadOp::GetData { path: format!("{TOPICS_PATH}/{topic}"), watch: false };
                self.read(CtrlPurpose::Topic(topic), read);
            }
            None => self.start_writes(),
        }
    }

    /// A topic's assignment (`/brokers/topics/T`): for the load, or for a new topic.
    pub(super) fn on_topic_data(&mut self, topic: String, result: ZkResult) {
        let assignment = match result {
            Ok(OpResult::Data { data: Data::Assignment(a), .. }) => a,
            _ => {
                // Gone or not a topic: skip it.
                if self.ctrl.phase.is_loading() {
                    self.ctrl.to_load.pop_front();
                    self.ctrl.next_from = 0;
                    self.load_next();
                } else {
                    self.next_new_topic();
                }
                return;
            }
        };
        if self.ctrl.phase.is_loading() {
            self.ctrl.topics.insert(topic, TopicCtx { assignment, states: Vec::new() });
            self.ctrl.next_from = 0;
            self.load_next();
            return;
        }
        // onNewPartitionCreation: NewPartition → OnlinePartition.
        let states = self.ctrl.new_partition_states(&assignment);
        self.ctrl.writes.push_back(Write::Create { topic, assignment, states: Shared::new(states) });
        self.next_new_topic();
    }
}
