//! Tests for the chunks images share (`partitions.rs`): the same states as replaying the
//! records one by one, held once however many images replay them, and no chunk kept alive by
//! the batch's memo.

use std::rc::Rc;

use super::*;
use crate::cluster::Cluster;
use crate::kraft::image::MetadataImage;
use crate::kraft::log::{Entry, Log};
use crate::kraft::{Config, KraftCluster};
use crate::scenario::{NodePrefix, NodeRef, ScenarioAction};
use crate::time::Time;

/// Every chunk of topic `topic_id` in `image`.
fn chunks(image: &MetadataImage, topic_id: u32) -> Vec<Rc<Chunk>> {
    let Some(topic) = image.topics.get(&topic_id) else { return Vec::new() };
    (0..).map_while(|i| topic.partitions.chunk(i).cloned()).collect()
}

fn entry(record: Record) -> Entry {
    Entry { epoch: 1, record, batch_end: false }
}

/// Topic 1 with `n` partitions on brokers 3, 4, 5 (leader 3), then one batch that moves the
/// leadership of every third partition to 4 and shrinks its ISR (as fencing broker 3 would).
fn log_with_changes(n: u32) -> Log {
    let mut log = Log::default();
    let replicas = NodeList::from_slice(&[3, 4, 5]);
    let created = (0..n)
        .map(|partition| entry(Record::Partition { topic_id: 1, partition, replicas, isr: replicas, leader: Some(3) }));
    log.append_batch(std::iter::once(entry(Record::Topic { name: "t".into(), topic_id: 1 })).chain(created).collect());
    let changes = (0..n).step_by(3).map(|partition| {
        let isr = Some(NodeList::from_slice(&[4, 5]));
        entry(Record::PartitionChange { topic_id: 1, partition, isr, leader: Some(Some(4)) })
    });
    log.append_batch(changes.collect());
    log
}

/// The image replaying `log` one record at a time, sharing nothing.
fn replayed_one_by_one(log: &Log) -> MetadataImage {
    let mut image = MetadataImage::default();
    for e in log.iter() {
        image.apply(e);
    }
    image
}

#[test]
fn images_that_replay_the_same_changes_hold_the_same_chunks_with_the_states_of_a_replay_one_by_one() {
    let n = 2 * Partitions::CHUNK as u32 + 300;
    let log = log_with_changes(n);
    let mut first = MetadataImage::default();
    first.replay(&log, log.end_offset());
    let mut second = MetadataImage::default();
    second.replay(&log, log.end_offset());
    let alone = replayed_one_by_one(&log);
    assert_eq!(first, alone);
    assert_eq!(second, alone);
    assert_eq!(first.partition(1, 3).map(|p| (p.leader, p.leader_epoch, p.partition_epoch)), Some((Some(4), 1, 1)));
    let (a, b) = (chunks(&first, 1), chunks(&second, 1));
    assert_eq!(a.len(), 3);
    assert!(a.iter().zip(&b).all(|(a, b)| Rc::ptr_eq(a, b)), "the changed chunks are shared");
    // An image that took a copy of its own (replayed one by one) and then replays the next
    // changes shares the others' result from there on (equal states).
    let mut next = log.clone();
    next.append_batch(vec![entry(Record::PartitionChange {
        topic_id: 1,
        partition: 1,
        isr: None,
        leader: Some(None),
    })]);
    first.replay(&next, next.end_offset());
    let mut lone = alone.clone();
    lone.replay(&next, next.end_offset());
    assert_eq!(lone, first);
    assert!(Rc::ptr_eq(&chunks(&lone, 1)[0], &chunks(&first, 1)[0]));
}

#[test]
fn a_run_cut_by_the_replay_limit_gives_the_states_of_a_replay_one_by_one() {
    let log = log_with_changes(Partitions::CHUNK as u32 + 10);
    let alone = replayed_one_by_one(&log);
    let mut cut = MetadataImage::default();
    // Up to the middle of the first run of changes, then the rest.
    cut.replay(&log, log.end_offset() - 200);
    cut.replay(&log, log.end_offset());
    assert_eq!(cut, alone);
}

#[test]
fn the_batch_keeps_no_chunk_alive() {
    let log = log_with_changes(Partitions::CHUNK as u32);
    let mut image = MetadataImage::default();
    image.replay(&log, log.end_offset());
    let changed = Rc::downgrade(&chunks(&image, 1)[0]);
    drop(image);
    // Only the log is left: the changed states are gone, and the created ones too.
    assert!(changed.upgrade().is_none());
    let (_, creation) = &log.slices()[0];
    assert!(creation.batch.built.borrow().get(&1).is_some_and(|built| built.upgrade().is_none()));
    let mut again = MetadataImage::default();
    again.replay(&log, log.end_offset());
    assert_eq!(again, replayed_one_by_one(&log));
}

#[test]
fn after_a_broker_crash_moves_leaderships_every_image_holds_the_same_changed_chunks() {
    let partitions = 2 * Partitions::CHUNK as u32 + 500;
    let mut c = KraftCluster::new(1, Config { brokers: 6, partitions, ..Config::default() });
    c.run_until(Time::from_secs(10), usize::MAX);
    let b1 = c.broker_id(1).expect("b1");
    let topic_id = *c.brokers().next().and_then(|b| b.image.topic_ids.get(crate::kraft::INITIAL_TOPIC)).expect("topic");
    let before = chunks(&c.brokers().next().expect("a broker").image, topic_id);
    assert_eq!(before.len(), 3);
    c.schedule(Time::from_secs(10), &ScenarioAction::Crash(NodeRef::Named { prefix: NodePrefix::Broker, number: 1 }))
        .expect("b1 exists");
    c.run_until(Time::from_secs(30), usize::MAX);
    assert!(c.violations().is_empty(), "{:?}", c.violations());
    let world = c.world();
    let mut images: Vec<&MetadataImage> = c.brokers().filter(|b| world.is_alive(b.id)).map(|b| &b.image).collect();
    for id in 0..c.config().controllers {
        let controller = c.controller(id).filter(|_| world.is_alive(id)).expect("every controller is up");
        images.push(&controller.image);
        images.extend(controller.working_image());
    }
    assert_eq!(images.len(), 5 + 3 + 1);
    let shared = chunks(images[0], topic_id);
    for image in &images {
        // KIP-631: b1 was fenced, its leaderships moved and it left every ISR...
        assert_eq!(image.leader_count(b1), 0);
        assert!(image.partitions().all(|(_, _, p)| !p.isr.contains(b1)));
        // ...so every chunk changed, and every image holds the one chunk the first image to
        // replay the changes built, not a copy of its own.
        let held = chunks(image, topic_id);
        assert_eq!(held.len(), 3);
        for (i, chunk) in held.iter().enumerate() {
            assert!(!Rc::ptr_eq(chunk, &before[i]), "chunk {i} changed");
            assert!(Rc::ptr_eq(chunk, &shared[i]), "chunk {i} is shared");
        }
    }
}
