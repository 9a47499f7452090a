//! What the active controller does for brokers and clients (KIP-631 `QuorumController`,
//! `ClusterControlManager`, `BrokerHeartbeatManager`, `ReplicationControlManager`):
//! registration, heartbeats and session leases, fencing, unfencing, controlled shutdown and
//! topic creation. Every decision is read from the working image and written as records.

use super::{Controller, HeartbeatRequest, Lease, Out, State};
use crate::kraft::image;
use crate::kraft::msg::{BrokerError, Msg};
use crate::kraft::record::{ConfigResourceType, Record};
use crate::kraft::{Change, Note, RefuseReason, Timer, INITIAL_TOPIC};
use crate::time::Time;
use crate::world::{NodeList, Output};
use crate::NodeId;

impl Controller {
    fn working_mut_parts(&mut self) -> Option<&mut super::LeaderState> {
        match &mut self.state {
            State::Leader(leader) => Some(leader),
            _ => None,
        }
    }

    /// Send `msg` once everything appended so far is committed (QuorumController completes a
    /// write event only when the high watermark passes its last record).
    fn reply_when_committed(&mut self, to: NodeId, msg: Msg, out: &mut Out) {
        let wait = self.log.end_offset();
        let hw = self.high_watermark;
        match &mut self.state {
            State::Leader(leader) if hw < wait => leader.pending.push((wait, to, msg)),
            _ => out.push(Output::Send { to, msg }),
        }
    }

    fn note_change(&self, change: Change, out: &mut Out) {
        out.push(Output::Note(Note::MetadataChange { change, epoch: self.epoch, end_offset: self.log.end_offset() }));
    }

    // ---- registration ---------------------------------------------------------------------

    pub(super) fn on_broker_registration(&mut self, now: Time, from: NodeId, incarnation: u64, out: &mut Out) {
        let Some(leader) = self.working_mut_parts() else {
            let msg = Msg::BrokerRegistrationResponse { epoch: self.epoch, leader: self.leader_id, broker_epoch: None };
            out.push(Output::Send { to: from, msg });
            return;
        };
        let existing = leader.working.broker(from).cloned();
        leader.leases.insert(from, Lease { last_contact: now, metadata_offset: 0, shutdown_offset: None });
        if let Some(reg) = existing.as_ref().filter(|r| r.incarnation == incarnation) {
            // A retried request: the registration is already in the log.
            let msg = Msg::BrokerRegistrationResponse {
                epoch: self.epoch,
                leader: Some(self.id),
                broker_epoch: Some(reg.broker_epoch),
            };
            self.reply_when_committed(from, msg, out);
            return;
        }
        // A new incarnation: the old process is gone. Its registration is replaced by a
        // fenced one, so the leaderships it held move first (in one batch with the record).
        let mut records = Vec::new();
        if let Some(reg) = existing.filter(|r| r.is_active()) {
            let fence = Record::BrokerRegistrationChange {
                broker: from,
                broker_epoch: reg.broker_epoch,
                fenced: Some(true),
                in_controlled_shutdown: None,
            };
            records = self.batch_with_changes(fence, from, false);
        }
        // KIP-631: broker epoch = the offset of the RegisterBrokerRecord.
        let broker_epoch = self.log.end_offset() + records.len() as u64;
        records.push(Record::RegisterBroker { broker: from, incarnation, broker_epoch });
        self.append_batch(now, records, out);
        self.note_change(Change::Registered { broker: from, broker_epoch }, out);
        let msg = Msg::BrokerRegistrationResponse {
            epoch: self.epoch,
            leader: Some(self.id),
            broker_epoch: Some(broker_epoch),
        };
        self.reply_when_committed(from, msg, out);
    }

    // ---- heartbeats -----------------------------------------------------------------------

    pub(super) fn on_broker_heartbeat(&mut self, now: Time, from: NodeId, req: HeartbeatRequest, out: &mut Out) {
        let epoch = self.epoch;
        let reply = |error, is_fenced, should_shut_down, is_caught_up, leader| Msg::BrokerHeartbeatResponse {
            epoch,
            leader,
            error,
            is_caught_up,
            is_fenced,
            should_shut_down,
        };
        let Some(leader) = self.working_mut_parts() else {
            let msg = reply(Some(BrokerError::NotController), true, false, false, self.leader_id);
            out.push(Output::Send { to: from, msg });
            return;
        };
        let Some(reg) = leader.working.broker(from).filter(|r| r.broker_epoch == req.broker_epoch).cloned() else {
            let msg = reply(Some(BrokerError::StaleBrokerEpoch), true, false, false, Some(self.id));
            out.push(Output::Send { to: from, msg });
            return;
        };
        let lease =
            leader.leases.get_or_insert(from, Lease { last_contact: now, metadata_offset: 0, shutdown_offset: None });
        lease.last_contact = now;
        lease.metadata_offset = req.current_metadata_offset;
        let shutdown_offset = lease.shutdown_offset;
        // KIP-631: caught up once the broker has replayed its own RegisterBrokerRecord.
        let is_caught_up = req.current_metadata_offset > reg.broker_epoch;
        let mut should_shut_down = false;
        if req.want_shut_down {
            if reg.fenced {
                // A fenced broker leads nothing: it may stop at once.
                should_shut_down = true;
            } else if !reg.in_controlled_shutdown {
                self.begin_controlled_shutdown(now, from, reg.broker_epoch, out);
            } else if self.may_shut_down_now(from, shutdown_offset) {
                // calculateNextBrokerState → SHUTDOWN_NOW; handleBrokerShutdown fences it.
                let record = Record::BrokerRegistrationChange {
                    broker: from,
                    broker_epoch: reg.broker_epoch,
                    fenced: Some(true),
                    in_controlled_shutdown: None,
                };
                self.append_batch(now, vec![record], out);
                self.note_change(Change::ShutdownNow { broker: from }, out);
                should_shut_down = true;
            }
        } else if reg.fenced && !reg.in_controlled_shutdown && is_caught_up {
            self.unfence(now, from, reg.broker_epoch, out);
        }
        let is_fenced = self.working_image().and_then(|w| w.broker(from)).is_none_or(|r| r.fenced);
        let msg = reply(None, is_fenced, should_shut_down, is_caught_up, Some(self.id));
        self.reply_when_committed(from, msg, out);
    }

    /// KIP-631 calculateNextBrokerState: SHUTDOWN_NOW once the broker leads nothing (true here
    /// by construction: its leaderships moved in the InControlledShutdown batch and elections
    /// skip it) and every active broker has replayed past the shutdown change.
    fn may_shut_down_now(&mut self, broker: NodeId, shutdown_offset: Option<u64>) -> bool {
        let end = self.log.end_offset();
        let Some(leader) = self.working_mut_parts() else { return false };
        // After a failover the soft state is gone: wait for what this leader's log holds now.
        let target = shutdown_offset.unwrap_or(end);
        if let Some(lease) = leader.leases.get_mut(&broker) {
            lease.shutdown_offset = Some(target);
        }
        leader
            .working
            .brokers
            .iter()
            .filter(|(_, r)| r.is_active())
            .map(|(b, _)| leader.leases.get(b).map_or(0, |l| l.metadata_offset))
            .min()
            .is_none_or(|lowest| lowest >= target)
    }

    fn begin_controlled_shutdown(&mut self, now: Time, broker: NodeId, broker_epoch: u64, out: &mut Out) {
        let record =
            Record::BrokerRegistrationChange { broker, broker_epoch, fenced: None, in_controlled_shutdown: Some(true) };
        let changes = self.batch_with_changes(record, broker, false);
        let n = changes.len() as u64 - 1;
        self.append_batch(now, changes, out);
        let end = self.log.end_offset();
        if let Some(leader) = self.working_mut_parts() {
            if let Some(lease) = leader.leases.get_mut(&broker) {
                lease.shutdown_offset = Some(end);
            }
        }
        self.note_change(Change::ControlledShutdown { broker, partition_changes: n }, out);
    }

    fn unfence(&mut self, now: Time, broker: NodeId, broker_epoch: u64, out: &mut Out) {
        let record = Record::BrokerRegistrationChange {
            broker,
            broker_epoch,
            fenced: Some(false),
            in_controlled_shutdown: None,
        };
        let changes = self.batch_with_changes(record, broker, true);
        let n = changes.len() as u64 - 1;
        self.append_batch(now, changes, out);
        self.note_change(Change::Unfenced { broker, partition_changes: n }, out);
    }

    fn fence(&mut self, now: Time, broker: NodeId, broker_epoch: u64, out: &mut Out) {
        let record =
            Record::BrokerRegistrationChange { broker, broker_epoch, fenced: Some(true), in_controlled_shutdown: None };
        let changes = self.batch_with_changes(record, broker, false);
        let n = changes.len() as u64 - 1;
        self.append_batch(now, changes, out);
        self.note_change(Change::Fenced { broker, partition_changes: n }, out);
    }

    /// The registration change followed by the PartitionChangeRecords it implies, decided on
    /// the working image as it will be after the registration change.
    fn batch_with_changes(&mut self, registration: Record, broker: NodeId, added: bool) -> Vec<Record> {
        let Some(working) = self.working_image() else { return Vec::new() };
        // Only the broker table is copied (O(brokers)); partitions are read in place.
        let mut brokers = working.brokers.clone();
        image::apply_broker_record(&mut brokers, &registration);
        let mut records = vec![registration];
        if added {
            image::add_broker_changes(&brokers, working, broker, &mut records);
        } else {
            image::remove_broker_changes(&brokers, working, broker, &mut records);
        }
        records
    }

    // ---- session leases -------------------------------------------------------------------

    /// KIP-631 `maybeFenceStaleBroker`: fence one broker whose lease of
    /// `broker.session.timeout.ms` expired, then look again.
    pub(super) fn on_session_check(&mut self, now: Time, out: &mut Out) {
        let session_us = self.config.broker_session_timeout_ms * 1_000;
        let Some(leader) = self.working_mut_parts() else { return };
        let mut oldest: Option<(Time, NodeId, u64)> = None;
        for &(b, ref reg) in &leader.working.brokers {
            if reg.fenced {
                continue;
            }
            let last = leader.leases.get(&b).map_or(now, |l| l.last_contact);
            if oldest.is_none_or(|(t, _, _)| last < t) {
                oldest = Some((last, b, reg.broker_epoch));
            }
        }
        match oldest {
            Some((last, broker, broker_epoch)) if now.since(last) >= session_us => {
                self.fence(now, broker, broker_epoch, out);
                out.push(Output::SetTimer { timer: Timer::SessionCheck, at: now });
            }
            Some((last, _, _)) => {
                out.push(Output::SetTimer { timer: Timer::SessionCheck, at: last.plus_us(session_us) });
            }
            None => out.push(Output::SetTimer { timer: Timer::SessionCheck, at: now.plus_us(session_us) }),
        }
    }

    // ---- topics ---------------------------------------------------------------------------

    pub(super) fn maybe_create_initial_topic(&mut self, now: Time, out: &mut Out) {
        let partitions = self.config.partitions;
        let rf = self.config.brokers.min(3) as u32;
        let Some(working) = self.working_image() else { return };
        if partitions == 0 || rf == 0 || working.topic_ids.contains_key(INITIAL_TOPIC) {
            return;
        }
        let active = working.brokers.values().filter(|r| r.is_active()).count() as u32;
        if active >= rf {
            self.create_topic(now, INITIAL_TOPIC.to_string(), partitions, rf, out);
        }
    }

    /// CreateTopics through the active controller: a TopicRecord and one PartitionRecord per
    /// partition, in one batch. Replicas are placed round-robin over the active brokers
    /// (Kafka's rack-unaware placement, without the random start).
    pub(super) fn create_topic(&mut self, now: Time, name: String, partitions: u32, rf: u32, out: &mut Out) {
        let Some(working) = self.working_image() else { return };
        let usable: Vec<NodeId> = working.brokers.iter().filter(|(_, r)| r.is_active()).map(|(b, _)| *b).collect();
        let refuse = if working.topic_ids.contains_key(&name) {
            Some(RefuseReason::AlreadyExists)
        } else if partitions == 0 || rf == 0 {
            Some(RefuseReason::Invalid)
        } else if rf as usize > usable.len() {
            Some(RefuseReason::NotEnoughBrokers { replication_factor: rf, active: usable.len() as u32 })
        } else {
            None
        };
        if let Some(reason) = refuse {
            out.push(Output::Note(Note::TopicRefused { name, reason }));
            return;
        }
        let topic_id = working.topics.keys().next_back().map_or(1, |id| id + 1);
        let n = usable.len();
        let mut records = Vec::with_capacity(partitions as usize + 1);
        records.push(Record::Topic { name: name.clone(), topic_id });
        for p in 0..partitions {
            let start = (topic_id as usize + p as usize) % n;
            let replicas: Vec<NodeId> = (0..rf as usize).map(|j| usable[(start + j) % n]).collect();
            let leader = replicas.first().copied();
            records.push(Record::Partition {
                topic_id,
                partition: p,
                isr: NodeList(replicas.clone()),
                replicas: NodeList(replicas),
                leader,
            });
        }
        self.append_batch(now, records, out);
        self.note_change(Change::TopicCreated { name, partitions, replication_factor: rf }, out);
    }

    // ---- configs --------------------------------------------------------------------------

    /// IncrementalAlterConfigs (one SET of one topic config) through the active controller.
    /// KIP-631: the change is a ConfigRecord (resource type TOPIC) in the metadata log; brokers
    /// learn it by replaying the log. `ConfigResourceExistenceChecker` refuses an unknown topic
    /// (UNKNOWN_TOPIC_OR_PARTITION), and an unchanged topic config writes no record.
    pub(super) fn alter_config(&mut self, now: Time, topic: String, key: String, value: String, out: &mut Out) {
        let Some(working) = self.working_image() else { return };
        if !working.topic_ids.contains_key(&topic) {
            out.push(Output::Note(Note::ConfigRefusedUnknownTopic { topic }));
            return;
        }
        if working.topic_config(&topic, &key) == Some(value.as_str()) {
            out.push(Output::Note(Note::ConfigUnchanged { topic, key, value }));
            return;
        }
        let record = Record::Config {
            resource_type: ConfigResourceType::Topic,
            resource_name: topic.clone(),
            name: key.clone(),
            value: value.clone(),
        };
        self.append_batch(now, vec![record], out);
        self.note_change(Change::ConfigAltered { topic, key, value }, out);
    }
}
