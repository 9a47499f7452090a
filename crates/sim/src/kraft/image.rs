//! The metadata image (KIP-631 `MetadataImage`): what a controller or broker knows about
//! brokers, topics and partitions, built only by replaying the metadata log in order. Every
//! process replays the committed log (up to the high watermark); the active controller also
//! keeps a working image that includes its own uncommitted records (Kafka's timeline data
//! structures), dropped when it stops leading.

use crate::sorted::SortedMap;

use super::log::{Batch, Entry, Log};
pub use super::partitions::Partitions;
use super::partitions::{built_run, change_run, merge_change};
use super::record::{ConfigResourceType, Record};
use crate::world::NodeList;
use crate::NodeId;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BrokerRegistration {
    /// KIP-631: the offset of the broker's RegisterBrokerRecord.
    pub broker_epoch: u64,
    pub incarnation: u64,
    pub fenced: bool,
    pub in_controlled_shutdown: bool,
}

impl BrokerRegistration {
    /// KIP-841: a replica may lead only if its broker is unfenced and not shutting down.
    pub fn is_active(&self) -> bool {
        !self.fenced && !self.in_controlled_shutdown
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PartitionState {
    /// Assignment order: leader elections prefer earlier replicas.
    pub replicas: NodeList,
    pub isr: NodeList,
    /// `None` is Kafka's leader -1.
    pub leader: Option<NodeId>,
    pub leader_epoch: u64,
    pub partition_epoch: u64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TopicImage {
    pub name: String,
    pub partitions: Partitions,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MetadataImage {
    pub brokers: SortedMap<NodeId, BrokerRegistration>,
    pub topics: SortedMap<u32, TopicImage>,
    pub topic_ids: SortedMap<String, u32>,
    /// The quorum leader named by the last LeaderChangeMessage, and its epoch.
    pub controller: Option<(NodeId, u64)>,
    /// Offsets `0..applied` have been replayed.
    pub applied: u64,
    /// Running digest of every replayed entry (ghost state for the invariant checker: equal
    /// digests at equal offsets mean the same records were replayed in the same order).
    pub digest: u64,
    pub partition_count: u64,
    /// KIP-631 `ConfigurationsImage`, topics only: topic name → config name → value.
    pub topic_configs: SortedMap<String, SortedMap<String, String>>,
}

/// The running digest after replaying `entry` at `offset` on top of `digest`. It folds in
/// (offset, epoch) only, with an integer mix rather than hashing the record: the checker's log
/// matching and election safety make (epoch, offset) name one record, so this is enough to
/// show a process replayed the committed entries in order, and it stays cheap when 50 brokers
/// replay 10,000 partition records.
pub fn digest_step(digest: u64, offset: u64, entry: &Entry) -> u64 {
    let mut z = digest ^ offset.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ entry.epoch.wrapping_mul(0xD1B5_4A32_D192_ED03);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl MetadataImage {
    pub fn broker(&self, id: NodeId) -> Option<&BrokerRegistration> {
        self.brokers.get(&id)
    }

    pub fn is_active(&self, id: NodeId) -> bool {
        self.brokers.get(&id).is_some_and(BrokerRegistration::is_active)
    }

    pub fn partition(&self, topic_id: u32, partition: u32) -> Option<&PartitionState> {
        self.topics.get(&topic_id)?.partitions.get(partition as usize)
    }

    /// Every partition, as (topic id, index, state).
    pub fn partitions(&self) -> impl Iterator<Item = (u32, u32, &PartitionState)> {
        self.topics.iter().flat_map(|(id, t)| t.partitions.iter().enumerate().map(move |(i, p)| (*id, i as u32, p)))
    }

    /// How many partitions `broker` leads (O(partitions): for views and tests).
    pub fn leader_count(&self, broker: NodeId) -> usize {
        self.partitions().filter(|(_, _, p)| p.leader == Some(broker)).count()
    }

    /// Replay the log from `applied` up to (not including) `upto`. A run of PartitionRecords
    /// that starts a chunk of its topic is taken whole, as the states the first image to replay
    /// it built (`link_run`); a run of PartitionChangeRecords on one chunk too, as the chunk the
    /// first image to replay it onto the same chunk built (`link_changes`): the same image as
    /// replaying them one by one, shared.
    pub fn replay(&mut self, log: &Log, upto: u64) {
        let upto = upto.min(log.end_offset());
        let slices = log.slices();
        let mut i = slices.partition_point(|(start, _)| *start <= self.applied).saturating_sub(1);
        while self.applied < upto {
            let Some((start, slice)) = slices.get(i) else { return };
            let index = slice.from + (self.applied - start) as u32;
            if index >= slice.to {
                i += 1;
                continue;
            }
            let limit = (u64::from(slice.to - index)).min(upto - self.applied) as u32;
            if self.link_run(&slice.batch, index, index + limit)
                || self.link_changes(&slice.batch, index, index + limit)
            {
                continue;
            }
            self.apply(&slice.batch.entries()[index as usize]);
        }
    }

    /// If entry `index` of `batch` is a PartitionRecord that starts a chunk of its topic, and the
    /// whole run of records that fills the chunk lies before `limit`, replay the run at once by
    /// linking its shared states. Whether it did.
    pub fn link_run(&mut self, batch: &Batch, index: u32, limit: u32) -> bool {
        let Some(Record::Partition { topic_id, partition, .. }) =
            batch.entries().get(index as usize).map(|e| &e.record)
        else {
            return false;
        };
        let Some(topic) = self.topics.get(topic_id) else { return false };
        if topic.partitions.len() != *partition as usize || topic.partitions.len() % Partitions::CHUNK != 0 {
            return false;
        }
        let Some(run) = built_run(batch, index) else { return false };
        let n = run.len() as u32;
        if n == 0 || index + n > limit {
            return false;
        }
        if let Some(topic) = self.topics.get_mut(topic_id) {
            topic.partitions.link(run);
        }
        self.partition_count += u64::from(n);
        for entry in &batch.entries()[index as usize..(index + n) as usize] {
            self.digest = digest_step(self.digest, self.applied, entry);
            self.applied += 1;
        }
        true
    }

    /// If entry `index` of `batch` is a PartitionChangeRecord, replay at once the run of changes
    /// to the same chunk of the same topic that it starts (`change_run`), up to `limit`: the
    /// whole run by linking the chunk an image that replayed it onto the same chunk built
    /// (`Partitions::replay_changes`). Whether it did (not if the topic or chunk is missing:
    /// `apply` then replays the record, which changes nothing).
    pub fn link_changes(&mut self, batch: &Batch, index: u32, limit: u32) -> bool {
        let Some(run) = change_run(batch, index) else { return false };
        let end = run.end.min(limit);
        let Some(topic) = self.topics.get_mut(&run.topic_id) else { return false };
        if end <= index || !topic.partitions.replay_changes(batch, index, end, run) {
            return false;
        }
        for entry in &batch.entries()[index as usize..end as usize] {
            self.digest = digest_step(self.digest, self.applied, entry);
            self.applied += 1;
        }
        true
    }

    /// Replay one entry, the next one after `applied`.
    pub fn apply(&mut self, entry: &Entry) {
        self.digest = digest_step(self.digest, self.applied, entry);
        self.applied += 1;
        match &entry.record {
            Record::LeaderChange { leader, .. } => self.controller = Some((*leader, entry.epoch)),
            Record::NoOp => {}
            Record::RegisterBroker { .. } | Record::BrokerRegistrationChange { .. } => {
                apply_broker_record(&mut self.brokers, &entry.record)
            }
            Record::Topic { name, topic_id } => {
                self.topic_ids.insert(name.clone(), *topic_id);
                self.topics.insert(*topic_id, TopicImage { name: name.clone(), partitions: Partitions::default() });
            }
            Record::Partition { topic_id, partition, replicas, isr, leader } => {
                let Some(topic) = self.topics.get_mut(topic_id) else { return };
                let state = PartitionState {
                    replicas: *replicas,
                    isr: *isr,
                    leader: *leader,
                    leader_epoch: 0,
                    partition_epoch: 0,
                };
                let index = *partition as usize;
                if let Some(p) = topic.partitions.get_mut(index) {
                    *p = state;
                } else if index == topic.partitions.len() {
                    topic.partitions.push(state);
                    self.partition_count += 1;
                }
            }
            Record::PartitionChange { topic_id, partition, isr, leader } => {
                let Some(p) = self.topics.get_mut(topic_id).and_then(|t| t.partitions.get_mut(*partition as usize))
                else {
                    return;
                };
                merge_change(p, *isr, *leader);
            }
            Record::Config { resource_type: ConfigResourceType::Topic, resource_name, name, value } => {
                // ConfigurationControlManager.replay: set (a null value would remove it).
                self.topic_configs
                    .get_or_insert(resource_name.clone(), SortedMap::new())
                    .insert(name.clone(), value.clone());
            }
        }
    }

    /// The value of one topic config, if it was set.
    pub fn topic_config(&self, topic: &str, key: &str) -> Option<&str> {
        self.topic_configs.get(topic)?.get(key).map(String::as_str)
    }
}

/// Replay a broker record into a broker table (ClusterControlManager.replay).
pub fn apply_broker_record(brokers: &mut SortedMap<NodeId, BrokerRegistration>, record: &Record) {
    match record {
        Record::RegisterBroker { broker, incarnation, broker_epoch } => {
            // KIP-631: a (re-)registered broker starts fenced.
            let registration = BrokerRegistration {
                broker_epoch: *broker_epoch,
                incarnation: *incarnation,
                fenced: true,
                in_controlled_shutdown: false,
            };
            brokers.insert(*broker, registration);
        }
        Record::BrokerRegistrationChange { broker, broker_epoch, fenced, in_controlled_shutdown } => {
            // Ignored unless the broker epoch matches.
            if let Some(b) = brokers.get_mut(broker).filter(|b| b.broker_epoch == *broker_epoch) {
                if let Some(f) = fenced {
                    b.fenced = *f;
                }
                if let Some(s) = in_controlled_shutdown {
                    b.in_controlled_shutdown = *s;
                }
            }
        }
        _ => {}
    }
}

// ---- decisions of the active controller (ReplicationControlManager) ----------------------

/// The broker table a decision is made against (the working image's, with the batch's
/// registration change already applied).
pub type Brokers = SortedMap<NodeId, BrokerRegistration>;

fn active(brokers: &Brokers, id: NodeId) -> bool {
    brokers.get(&id).is_some_and(BrokerRegistration::is_active)
}

/// KIP-631/KIP-841 leader choice: keep the current leader if it is still in the ISR and
/// active; otherwise the first replica in assignment order that is in the ISR and active;
/// otherwise none (no unclean election).
pub fn choose_leader(brokers: &Brokers, p: &PartitionState, isr: &[NodeId]) -> Option<NodeId> {
    if let Some(l) = p.leader.filter(|l| isr.contains(l) && active(brokers, *l)) {
        return Some(l);
    }
    p.replicas.iter().find(|r| isr.contains(r) && active(brokers, *r))
}

/// The PartitionChangeRecord for a partition whose ISR becomes `isr`, if anything changes.
fn change_for(
    brokers: &Brokers,
    topic_id: u32,
    partition: u32,
    p: &PartitionState,
    isr: Vec<NodeId>,
) -> Option<Record> {
    let leader = choose_leader(brokers, p, &isr);
    let isr_changed = !p.isr.is(&isr);
    let leader_changed = leader != p.leader;
    if !isr_changed && !leader_changed {
        return None;
    }
    Some(Record::PartitionChange {
        topic_id,
        partition,
        isr: isr_changed.then(|| NodeList::from_slice(&isr)),
        leader: leader_changed.then_some(leader),
    })
}

/// `generateLeaderAndIsrUpdates` for a broker that was just fenced or entered controlled
/// shutdown (the image already says so): drop it from every ISR and move the leaderships it
/// held. Without ELR the ISR never becomes empty: a last member stays, with leader -1.
pub fn remove_broker_changes(brokers: &Brokers, image: &MetadataImage, broker: NodeId, out: &mut Vec<Record>) {
    for (topic_id, partition, p) in image.partitions() {
        if !p.isr.contains(broker) && p.leader != Some(broker) {
            continue;
        }
        let mut isr: Vec<NodeId> = p.isr.iter().filter(|r| *r != broker).collect();
        if isr.is_empty() {
            isr = p.isr.to_vec();
        }
        out.extend(change_for(brokers, topic_id, partition, p, isr));
    }
}

/// Changes after a broker was unfenced (the image already says so): leaderless partitions
/// whose ISR holds it get a leader. Simplification: a partition that has a leader takes the
/// broker back into its ISR at once (in Kafka the partition leader does so by AlterPartition
/// once the replica has caught up on data, which this model does not replicate).
pub fn add_broker_changes(brokers: &Brokers, image: &MetadataImage, broker: NodeId, out: &mut Vec<Record>) {
    for (topic_id, partition, p) in image.partitions() {
        if !p.replicas.contains(broker) {
            continue;
        }
        let mut isr = p.isr.to_vec();
        if !isr.contains(&broker) && p.leader.is_some() {
            isr.push(broker);
        }
        out.extend(change_for(brokers, topic_id, partition, p, isr));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(record: Record) -> Entry {
        Entry { epoch: 1, record, batch_end: true }
    }

    fn image_with(brokers: &[(NodeId, bool)]) -> MetadataImage {
        let mut image = MetadataImage::default();
        for (i, &(b, fenced)) in brokers.iter().enumerate() {
            image.apply(&entry(Record::RegisterBroker { broker: b, incarnation: 1, broker_epoch: i as u64 }));
            if !fenced {
                image.apply(&entry(Record::BrokerRegistrationChange {
                    broker: b,
                    broker_epoch: i as u64,
                    fenced: Some(false),
                    in_controlled_shutdown: None,
                }));
            }
        }
        image.apply(&entry(Record::Topic { name: "t".into(), topic_id: 1 }));
        image
    }

    #[test]
    fn fencing_the_leader_elects_the_first_live_isr_replica_in_assignment_order() {
        let mut image = image_with(&[(3, false), (4, false), (5, false)]);
        image.apply(&entry(Record::Partition {
            topic_id: 1,
            partition: 0,
            replicas: NodeList::from_slice(&[4, 5, 3]),
            isr: NodeList::from_slice(&[3, 4, 5]),
            leader: Some(4),
        }));
        let mut brokers = image.brokers.clone();
        if let Some(b) = brokers.get_mut(&4) {
            b.fenced = true;
        }
        let mut out = Vec::new();
        remove_broker_changes(&brokers, &image, 4, &mut out);
        // KIP-631: replicas in assignment order 4, 5, 3: 4 is fenced, so 5 leads.
        assert_eq!(
            out,
            vec![Record::PartitionChange {
                topic_id: 1,
                partition: 0,
                isr: Some(NodeList::from_slice(&[3, 5])),
                leader: Some(Some(5)),
            }]
        );
        image.apply(&entry(out[0].clone()));
        let p = image.partition(1, 0).unwrap();
        assert_eq!((p.leader, p.leader_epoch, p.partition_epoch), (Some(5), 1, 1));
    }

    #[test]
    fn the_last_isr_member_stays_and_the_leader_becomes_none() {
        let mut image = image_with(&[(3, false)]);
        image.apply(&entry(Record::Partition {
            topic_id: 1,
            partition: 0,
            replicas: NodeList::from_slice(&[3]),
            isr: NodeList::from_slice(&[3]),
            leader: Some(3),
        }));
        let mut brokers = image.brokers.clone();
        if let Some(b) = brokers.get_mut(&3) {
            b.fenced = true;
        }
        let mut out = Vec::new();
        remove_broker_changes(&brokers, &image, 3, &mut out);
        assert_eq!(out, vec![Record::PartitionChange { topic_id: 1, partition: 0, isr: None, leader: Some(None) }]);
        // Unfencing it again makes it leader (it is the ISR).
        image.apply(&entry(out[0].clone()));
        out.clear();
        add_broker_changes(&image.brokers, &image, 3, &mut out);
        assert_eq!(out, vec![Record::PartitionChange { topic_id: 1, partition: 0, isr: None, leader: Some(Some(3)) }]);
    }

    #[test]
    fn registration_change_with_a_stale_broker_epoch_is_ignored() {
        let mut image = image_with(&[(3, true)]);
        image.apply(&entry(Record::BrokerRegistrationChange {
            broker: 3,
            broker_epoch: 99,
            fenced: Some(false),
            in_controlled_shutdown: None,
        }));
        assert!(image.broker(3).unwrap().fenced);
    }
}
