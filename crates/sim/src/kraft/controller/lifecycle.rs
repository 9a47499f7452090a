//! What the active controller does for brokers and clients (KIP-631 `QuorumController`,
//! `ClusterControlManager`, `BrokerHeartbeatManager`, `ReplicationControlManager`):
//! registration, heartbeats and session leases, fencing, unfencing, controlled shutdown and
//! topic creation. Every decision is read from the working image and written as records.

use super::{Controller, HeartbeatRequest, Lease, Out, State};
use crate::kraft::image::{self, BrokerRegistration};
use crate::kraft::msg::{BrokerError, Msg};
use crate::kraft::record::{ConfigResourceType, Record};
use crate::kraft::{Change, Note, RefuseReason, Timer, INITIAL_TOPIC};
use crate::time::Time;
use crate::world::{NodeList, Output};
use crate::NodeId;

/// `PeriodicTask.immediatePeriodNs`: a periodic task that did some work runs again this soon.
const FENCE_CHECK_AGAIN_MS: u64 = 10;

impl Lease {
    pub(super) fn new(broker_epoch: u64, now: Time) -> Lease {
        Lease { broker_epoch, last_contact: now, metadata_offset: 0, shutdown_offset: None }
    }

    /// `BrokerHeartbeatTracker.isExpired`: `now > t && t + sessionTimeout < now`.
    pub(super) fn expired(&self, now: Time, session_us: u64) -> bool {
        self.last_contact.plus_us(session_us) < now
    }
}

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
        let epoch = self.epoch;
        let reply =
            |leader, error, broker_epoch| Msg::BrokerRegistrationResponse { epoch, leader, error, broker_epoch };
        let session_us = self.config.broker_session_timeout_ms * 1_000;
        let Some(leader) = self.working_mut_parts() else {
            let msg = reply(self.leader_id, Some(BrokerError::NotController), None);
            out.push(Output::Send { to: from, msg });
            return;
        };
        let existing = leader.working.broker(from).cloned();
        if let Some(reg) = existing.as_ref().filter(|r| r.incarnation == incarnation) {
            // A retried request: the registration is already in the log (Kafka amends it and
            // writes nothing).
            let msg = reply(Some(self.id), None, Some(reg.broker_epoch));
            self.reply_when_committed(from, msg, out);
            return;
        }
        // Kafka 4.1 ClusterControlManager.registerBroker: another incarnation whose session is
        // still valid (`heartbeatManager.hasValidSession(id, existing.epoch())`, i.e. now ≤ last
        // contact + broker.session.timeout.ms) → DUPLICATE_BROKER_REGISTRATION, nothing written:
        // "this should self-resolve once the heartbeat manager expires the broker's session".
        let valid_session = |r: &BrokerRegistration| {
            leader.leases.get(&from).is_some_and(|l| l.broker_epoch == r.broker_epoch && !l.expired(now, session_us))
        };
        if existing.as_ref().is_some_and(valid_session) {
            let msg = reply(Some(self.id), Some(BrokerError::DuplicateBrokerRegistration), None);
            out.push(Output::Send { to: from, msg });
            return;
        }
        // Accepted. `brokerShutdownHandler.addRecordsForShutdown` (ReplicationControlManager
        // .handleBrokerShutdown, without ELR): PartitionChangeRecords that drop the old
        // incarnation from every ISR and move its leaderships come first, the RegisterBrokerRecord
        // (fenced) last, no BrokerRegistrationChangeRecord. The registration does not touch the
        // heartbeat tracker: the new incarnation's session starts with its first heartbeat.
        leader.leases.remove(&from);
        let mut records = Vec::new();
        if existing.is_some() {
            let placeholder = Record::RegisterBroker { broker: from, incarnation, broker_epoch: 0 };
            records = self.batch_with_changes(placeholder, from, false);
            records.remove(0);
        }
        // KIP-631: broker epoch = the offset of the RegisterBrokerRecord. (Kafka takes the offset
        // of the batch's first record, the same when there are no cleanup records; it compares
        // heartbeats' metadata offsets with the RegisterBrokerRecord's, as here.)
        let partition_changes = records.len() as u64;
        let broker_epoch = self.log.end_offset() + partition_changes;
        records.push(Record::RegisterBroker { broker: from, incarnation, broker_epoch });
        self.append_batch(records, out);
        self.note_change(Change::Registered { broker: from, broker_epoch, partition_changes }, out);
        self.reply_when_committed(from, reply(Some(self.id), None, Some(broker_epoch)), out);
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
        // ClusterControlManager.trackBrokerHeartbeat: every heartbeat, fenced or not.
        let lease = leader.leases.get_or_insert(from, Lease::new(reg.broker_epoch, now));
        lease.broker_epoch = reg.broker_epoch;
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
                self.begin_controlled_shutdown(from, reg.broker_epoch, out);
            } else if self.may_shut_down_now(from, shutdown_offset) {
                // calculateNextBrokerState → SHUTDOWN_NOW; handleBrokerShutdown fences it.
                let record = Record::BrokerRegistrationChange {
                    broker: from,
                    broker_epoch: reg.broker_epoch,
                    fenced: Some(true),
                    in_controlled_shutdown: None,
                };
                self.append_batch(vec![record], out);
                self.note_change(Change::ShutdownNow { broker: from }, out);
                should_shut_down = true;
            }
        } else if reg.fenced && !reg.in_controlled_shutdown && is_caught_up {
            self.unfence(from, reg.broker_epoch, out);
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

    fn begin_controlled_shutdown(&mut self, broker: NodeId, broker_epoch: u64, out: &mut Out) {
        let record =
            Record::BrokerRegistrationChange { broker, broker_epoch, fenced: None, in_controlled_shutdown: Some(true) };
        let changes = self.batch_with_changes(record, broker, false);
        let n = changes.len() as u64 - 1;
        self.append_batch(changes, out);
        let end = self.log.end_offset();
        if let Some(leader) = self.working_mut_parts() {
            if let Some(lease) = leader.leases.get_mut(&broker) {
                lease.shutdown_offset = Some(end);
            }
        }
        self.note_change(Change::ControlledShutdown { broker, partition_changes: n }, out);
    }

    fn unfence(&mut self, broker: NodeId, broker_epoch: u64, out: &mut Out) {
        let record = Record::BrokerRegistrationChange {
            broker,
            broker_epoch,
            fenced: Some(false),
            in_controlled_shutdown: None,
        };
        let changes = self.batch_with_changes(record, broker, true);
        let n = changes.len() as u64 - 1;
        self.append_batch(changes, out);
        self.note_change(Change::Unfenced { broker, partition_changes: n }, out);
    }

    fn fence(&mut self, broker: NodeId, broker_epoch: u64, out: &mut Out) {
        let record =
            Record::BrokerRegistrationChange { broker, broker_epoch, fenced: Some(true), in_controlled_shutdown: None };
        let mut changes = self.batch_with_changes(record, broker, false);
        // ReplicationControlManager.handleBrokerFenced: the PartitionChangeRecords first, the
        // BrokerRegistrationChangeRecord (FENCE) last.
        changes.rotate_left(1);
        let n = changes.len() as u64 - 1;
        self.append_batch(changes, out);
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

    /// Kafka 4.x `QuorumController.maybeFenceStaleBrokerPeriodNs`: the fencing check runs every
    /// session timeout / 8 (1 125 ms by default), "so we'll generally fence a broker in no more
    /// than 112.5% of the given broker session timeout".
    pub(super) fn fence_check_period_us(&self) -> u64 {
        (self.config.broker_session_timeout_ms * 1_000 / 8).max(1_000)
    }

    /// Kafka 4.x periodic task `maybeFenceStaleBroker` → `ReplicationControlManager
    /// .maybeFenceOneStaleBroker`: take at most one expired tracker entry (`last + session < now`,
    /// strictly); fence its registration if the epoch still matches; run again 10 ms later
    /// (`immediatePeriodNs`) if an entry was taken, else one period later. Kafka takes the first
    /// expired entry of a hash map; the model the oldest, ties by id. A registration already
    /// fenced gets no record here (Kafka writes a FENCE change that changes nothing).
    pub(super) fn on_session_check(&mut self, now: Time, out: &mut Out) {
        let session_us = self.config.broker_session_timeout_ms * 1_000;
        let period_us = self.fence_check_period_us();
        let Some(leader) = self.working_mut_parts() else { return };
        let mut oldest: Option<(Time, NodeId)> = None;
        for &(b, ref lease) in &leader.leases {
            if lease.expired(now, session_us) && oldest.is_none_or(|(t, _)| lease.last_contact < t) {
                oldest = Some((lease.last_contact, b));
            }
        }
        let Some((_, broker)) = oldest else {
            out.push(Output::SetTimer { timer: Timer::SessionCheck, at: now.plus_us(period_us) });
            return;
        };
        let lease = leader.leases.remove(&broker);
        let current = leader.working.broker(broker).filter(|r| lease.is_some_and(|l| l.broker_epoch == r.broker_epoch));
        if let Some(reg) = current.filter(|r| !r.fenced).cloned() {
            self.fence(broker, reg.broker_epoch, out);
        }
        out.push(Output::SetTimer { timer: Timer::SessionCheck, at: now.plus_ms(FENCE_CHECK_AGAIN_MS) });
    }

    // ---- topics ---------------------------------------------------------------------------

    pub(super) fn maybe_create_initial_topic(&mut self, out: &mut Out) {
        let partitions = self.config.partitions;
        let rf = self.config.brokers.min(3) as u32;
        let Some(working) = self.working_image() else { return };
        if partitions == 0 || rf == 0 || working.topic_ids.contains_key(INITIAL_TOPIC) {
            return;
        }
        let active = working.brokers.values().filter(|r| r.is_active()).count() as u32;
        if active >= rf {
            self.create_topic(INITIAL_TOPIC.to_string(), partitions, rf, out);
        }
    }

    /// CreateTopics through the active controller: a TopicRecord and one PartitionRecord per
    /// partition, in one batch. Replicas are placed round-robin over the active brokers
    /// (Kafka's rack-unaware placement, without the random start).
    pub(super) fn create_topic(&mut self, name: String, partitions: u32, rf: u32, out: &mut Out) {
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
        let topic = Record::Topic { name: name.clone(), topic_id };
        let partition_records = (0..partitions).map(|p| {
            let start = topic_id as usize + p as usize;
            let replicas: Vec<NodeId> = (0..rf as usize).map(|j| usable[(start + j) % n]).collect();
            Record::Partition {
                topic_id,
                partition: p,
                isr: NodeList::from_slice(&replicas),
                replicas: NodeList::from_slice(&replicas),
                leader: replicas.first().copied(),
            }
        });
        let records = std::iter::once(topic).chain(partition_records);
        self.append_records(records, out);
        self.note_change(Change::TopicCreated { name, partitions, replication_factor: rf }, out);
    }

    // ---- configs --------------------------------------------------------------------------

    /// IncrementalAlterConfigs (one SET of one topic config) through the active controller.
    /// KIP-631: the change is a ConfigRecord (resource type TOPIC) in the metadata log; brokers
    /// learn it by replaying the log. `ConfigResourceExistenceChecker` refuses an unknown topic
    /// (UNKNOWN_TOPIC_OR_PARTITION), and an unchanged topic config writes no record.
    pub(super) fn alter_config(&mut self, topic: String, key: String, value: String, out: &mut Out) {
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
        self.append_batch(vec![record], out);
        self.note_change(Change::ConfigAltered { topic, key, value }, out);
    }
}
