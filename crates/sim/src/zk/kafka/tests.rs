//! Rule tests of the broker: the race, the config listener, the broker side of the controller's
//! requests.

use super::*;
use crate::time::Time;
use crate::world::{Input, Output};
use crate::zk::msg::{
    isr_bit, ClientOp, ClientPacket, Data, EventType, KafkaMsg, OpResult, PartState, ReadOp, TopicStates, WatchKind,
    ZkResult,
};
use crate::zk::testkit::config;
use crate::zk::tree::Stat;
use crate::zk::Note;

fn broker(id: u32) -> Broker {
    let cfg = config();
    let node = cfg.layout().broker_node(id);
    Broker::new(id, node, cfg, 1)
}

fn lai(controller_epoch: u32, leader: i32, leader_epoch: u32) -> Msg {
    let state = PartState { leader, leader_epoch, controller_epoch, isr: isr_bit(1) | isr_bit(2) };
    let partitions = Shared::new(vec![TopicStates { topic: "t".into(), states: vec![(0, state)].into() }]);
    Msg::Kafka(KafkaMsg::LeaderAndIsr { controller_epoch, partitions })
}

fn step(b: &mut Broker, input: In) -> Vec<Out> {
    let mut out = Vec::new();
    b.step(Time::from_ms(1), input, &mut out);
    out
}

#[test]
fn brokers_reject_requests_from_an_older_controller_epoch() {
    let mut b = broker(1);
    step(&mut b, Input::Msg { from: 4, msg: lai(2, 2, 5) });
    assert_eq!(b.replicas["t"].get(0), Some((2, 5)));
    let out = step(&mut b, Input::Msg { from: 5, msg: lai(1, 3, 9) });
    // STALE_CONTROLLER_EPOCH (ReplicaManager): nothing applied.
    assert_eq!(
        out,
        vec![
            Output::Note(Note::StaleControllerEpoch { controller_epoch: 1, known: 2 }),
            Output::Send {
                to: 5,
                msg: Msg::Kafka(KafkaMsg::ControlResponse { api: "LeaderAndIsr response", stale: true })
            },
        ]
    );
    assert_eq!(b.replicas["t"].get(0), Some((2, 5)));
}

fn update_metadata(controller_epoch: u32, topic: &str, partitions: &[u32]) -> In {
    let state = PartState { leader: 1, leader_epoch: 0, controller_epoch, isr: isr_bit(1) };
    let states: Vec<_> = partitions.iter().map(|p| (*p, state)).collect();
    let partitions = Shared::new(vec![TopicStates { topic: topic.into(), states: states.into() }]);
    Input::Msg {
        from: 4,
        msg: Msg::Kafka(KafkaMsg::UpdateMetadata { controller_epoch, live_brokers: vec![1], partitions }),
    }
}

#[test]
fn update_metadata_caches_the_partitions_it_carries_unless_it_is_stale() {
    let mut b = broker(1);
    step(&mut b, update_metadata(2, "payments", &[0, 2]));
    step(&mut b, update_metadata(2, "payments", &[2, 70]));
    let known = &b.metadata_topics["payments"];
    assert_eq!(known.len(), 3);
    assert!(known.contains(0) && known.contains(2) && known.contains(70) && !known.contains(1));
    // STALE_CONTROLLER_EPOCH: an older controller's UpdateMetadata is not cached.
    step(&mut b, update_metadata(1, "orders", &[0]));
    assert!(!b.metadata_topics.contains_key("orders"));
}

#[test]
fn update_metadata_caches_each_partitions_leader() {
    let mut b = broker(1);
    step(&mut b, update_metadata(2, "payments", &[0, 2]));
    let mut moved = update_metadata(3, "payments", &[2]);
    if let Input::Msg { msg: Msg::Kafka(KafkaMsg::UpdateMetadata { partitions, .. }), .. } = &mut moved {
        let mut topics = (**partitions).clone();
        let mut states = topics[0].states.to_vec();
        states[0].1.leader = 3;
        topics[0].states = states.into();
        *partitions = Shared::new(topics);
    }
    step(&mut b, moved);
    let known = &b.metadata_topics["payments"];
    // The experiments read these (`experiment::scale`): the newest UpdateMetadata wins.
    assert_eq!((known.leader(0), known.leader(1), known.leader(2)), (Some(1), None, Some(3)));
}

fn client(seq: u32, pkt: ClientPacket) -> In {
    Input::Msg { from: 0, msg: Msg::Client { seq, pkt } }
}

fn request(seq: u32, xid: u64, op: ClientOp) -> Out {
    Output::Send { to: 0, msg: Msg::Client { seq, pkt: ClientPacket::Request { xid, op } } }
}

fn read(seq: u32, xid: u64, read: ReadOp) -> Out {
    request(seq, xid, ClientOp::Read(read))
}

fn reply(seq: u32, xid: u64, zxid: Zxid, result: ZkResult) -> In {
    client(seq, ClientPacket::Reply { xid, zxid, result })
}

/// After this, server→broker packets continue at seq 2 and the broker's requests at xid 3.
fn registered_broker_1() -> (Broker, Vec<Out>) {
    let mut b = broker(1);
    step(&mut b, Input::Start);
    step(&mut b, client(0, ClientPacket::Connected { session: 0x1_0000_0001, timeout_ms: 18_000 }));
    let stat = Stat { czxid: 0x1_0000_0002, ..Stat::default() };
    let out = step(&mut b, reply(1, 1, 0x1_0000_0002, Ok(OpResult::Created { path: "/brokers/ids/1".into(), stat })));
    (b, out)
}

#[test]
fn a_registered_broker_watches_the_config_change_notifications() {
    let (b, out) = registered_broker_1();
    // Kafka ZK mode: after registering, the broker's elector watches /controller and its
    // DynamicConfigManager's ZkNodeChangeNotificationListener reads /config/changes with a
    // child watch (KafkaZkClient.getChildren registers one).
    let sends: Vec<Out> = out.into_iter().filter(|o| matches!(o, Output::Send { .. })).collect();
    assert_eq!(
        sends,
        vec![
            read(2, 2, ReadOp::Exists { path: CONTROLLER_PATH.into(), watch: true }),
            read(3, 3, ReadOp::GetChildren { path: CONFIG_CHANGES_PATH.into(), watch: true }),
            // DynamicConfigManager.startup then reads every topic's overrides.
            read(4, 4, ReadOp::GetChildren { path: CONFIG_TOPICS_PATH.into(), watch: false }),
        ]
    );
    assert!(b.topic_configs.is_empty());
    assert_eq!(b.last_executed_change, None);
}

#[test]
fn a_config_change_event_reads_the_change_then_the_topic_config_and_re_arms_the_watch() {
    let (mut b, _) = registered_broker_1();
    let children = |names: &[&str]| {
        Ok(OpResult::Children { children: names.iter().map(|n| (n.to_string(), 0)).collect(), pzxid: 0 })
    };
    step(&mut b, reply(2, 2, 0x1_0000_0002, Ok(OpResult::Exists(None))));
    step(&mut b, reply(3, 3, 0x1_0000_0002, children(&[])));
    step(&mut b, reply(4, 4, 0x1_0000_0002, children(&[])));
    assert!(b.zk.watches.contains_key(&(CONFIG_CHANGES_PATH.to_string(), WatchKind::Child)));
    // The admin tool wrote /config/topics/orders and config_change_0000000000: the child
    // watch fires. processNotifications: getChildren again (re-arming the one-shot watch).
    let event = ClientPacket::Event {
        path: CONFIG_CHANGES_PATH.into(),
        event: EventType::NodeChildrenChanged,
        zxid: 0x1_0000_0009,
    };
    let out = step(&mut b, client(5, event));
    let change = "config_change_0000000000";
    let watch_again = read(6, 6, ReadOp::GetChildren { path: CONFIG_CHANGES_PATH.into(), watch: true });
    assert_eq!(out.iter().filter(|o| matches!(o, Output::Send { .. })).collect::<Vec<_>>(), vec![&watch_again]);
    // Every change newer than lastExecutedChange, in order: read it.
    let out = step(&mut b, reply(6, 6, 0x1_0000_0009, children(&[change, "not_a_change"])));
    let read_change = read(7, 7, ReadOp::GetData { path: format!("{CONFIG_CHANGES_PATH}/{change}"), watch: false });
    assert_eq!(out, vec![Output::SetTimer { timer: Timer::ClientTimeout, at: Time::from_ms(12_001) }, read_change]);
    // It names topics/orders: fetchEntityConfig reads /config/topics/orders.
    let data = Data::ConfigChange { entity_path: "topics/orders".into() };
    let out = step(&mut b, reply(7, 7, 0x1_0000_0009, Ok(OpResult::Data { data, stat: Stat::default() })));
    let read_config = read(8, 8, ReadOp::GetData { path: "/config/topics/orders".into(), watch: false });
    assert_eq!(out, vec![Output::SetTimer { timer: Timer::ClientTimeout, at: Time::from_ms(12_001) }, read_config]);
    // TopicConfigHandler applies it; lastExecutedChange = 0.
    let configs = Shared::new(vec![("retention.ms".to_string(), "3600000".to_string())]);
    let data = Data::TopicConfig(configs.clone());
    let out = step(&mut b, reply(8, 8, 0x1_0000_0009, Ok(OpResult::Data { data, stat: Stat::default() })));
    assert_eq!(
        out,
        vec![
            Output::SetTimer { timer: Timer::ClientTimeout, at: Time::from_ms(12_001) },
            Output::Note(Note::TopicConfigApplied { topic: "orders".into(), change: change.into(), configs }),
        ]
    );
    assert_eq!(b.last_executed_change, Some(0));
    assert_eq!(b.topic_configs["orders"][0], ("retention.ms".to_string(), "3600000".to_string()));
    // A later event lists the same change again: it is not read twice.
    step(
        &mut b,
        client(
            9,
            ClientPacket::Event { path: CONFIG_CHANGES_PATH.into(), event: EventType::NodeChildrenChanged, zxid: 0 },
        ),
    );
    let out = step(&mut b, reply(10, 9, 0x1_0000_000a, children(&[change])));
    assert!(!out.iter().any(|o| matches!(o, Output::Send { .. })), "{out:?}");
}

#[test]
fn at_startup_the_broker_applies_every_topic_config_without_a_notification() {
    // A config whose change notification never committed (its writer's ZooKeeper leader
    // lost the proposal): a restarted broker still applies it, from DynamicConfigManager's
    // startup read of /config/topics.
    let (mut b, _) = registered_broker_1();
    let topics = Ok(OpResult::Children { children: vec![("orders".to_string(), 0)], pzxid: 0 });
    let out = step(&mut b, reply(2, 4, 0x1_0000_0002, topics));
    let read_config = read(5, 5, ReadOp::GetData { path: "/config/topics/orders".into(), watch: false });
    assert!(out.contains(&read_config), "{out:?}");
    let configs = Shared::new(vec![("retention.ms".to_string(), "2".to_string())]);
    let data = Data::TopicConfig(configs.clone());
    let out = step(&mut b, reply(3, 5, 0x1_0000_0002, Ok(OpResult::Data { data, stat: Stat::default() })));
    assert!(out.contains(&Output::Note(Note::TopicConfigLoaded { topic: "orders".into(), configs: configs.clone() })));
    assert_eq!(b.topic_configs["orders"], configs);
    // No notification was processed.
    assert_eq!(b.last_executed_change, None);
}

#[test]
fn leader_and_isr_is_applied_only_for_a_newer_leader_epoch() {
    let mut b = broker(1);
    step(&mut b, Input::Msg { from: 4, msg: lai(2, 2, 5) });
    let out = step(&mut b, Input::Msg { from: 4, msg: lai(2, 1, 5) });
    assert!(out.contains(&Output::Note(Note::LeaderAndIsrApplied { controller_epoch: 2, partitions: 0, ignored: 1 })));
    assert_eq!(b.replicas["t"].get(0), Some((2, 5)));
}
