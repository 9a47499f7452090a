//! The admin tool's writes (`kafka-topics --zookeeper`, `kafka-configs --zookeeper`: Kafka's
//! `AdminZkClient`), which need ZooKeeper and not the controller: the ZooKeeper leader proposes
//! them on the tool's behalf (`zk/server.rs`), or a broker sends them through its session.

use crate::sorted::insertion_sort_by;

use super::super::Out;
use super::{Broker, Purpose, CONFIG_CHANGES_PATH, CONFIG_CHANGE_PREFIX, CONFIG_TOPICS_PATH, TOPICS_PATH};
use crate::zk::client::ClientEvent;
use crate::zk::config::Config;
use crate::zk::msg::{Assignment, ClientOp, Data, Op, Shared};
use crate::zk::tree::DataTree;

/// The admin tool's writes for `AdminZkClient.changeTopicConfig(topic, configs)`, read from
/// `tree`: `None` when the topic does not exist (`validateTopicConfig`:
/// UnknownTopicOrPartitionException). Otherwise `setOrCreateEntityConfigs` (setData on
/// `/config/topics/T` with the full merged config, or create it) and then
/// `createConfigChangeNotification` (a persistent sequential `/config/changes/config_change_`
/// naming `topics/T`), as two requests.
pub(crate) fn change_topic_config_ops(tree: &DataTree, topic: &str, key: &str, value: &str) -> Option<[Op; 2]> {
    tree.get(&format!("{TOPICS_PATH}/{topic}"))?;
    let path = format!("{CONFIG_TOPICS_PATH}/{topic}");
    // kafka-configs reads the current overrides and writes them back with the new one.
    let mut configs: Vec<(String, String)> = match tree.get(&path).map(|z| &z.data) {
        Some(Data::TopicConfig(current)) => current.iter().filter(|(k, _)| k != key).cloned().collect(),
        _ => Vec::new(),
    };
    configs.push((key.to_string(), value.to_string()));
    insertion_sort_by(&mut configs, |a, b| a < b);
    let data = Data::TopicConfig(Shared::new(configs));
    let write_config = match tree.get(&path) {
        Some(_) => Op::SetData { path, data, version: None },
        None => Op::Create { path, data, ephemeral: false, sequential: false },
    };
    let notify = Op::Create {
        path: format!("{CONFIG_CHANGES_PATH}/{CONFIG_CHANGE_PREFIX}"),
        data: Data::ConfigChange { entity_path: format!("topics/{topic}") },
        ephemeral: false,
        sequential: true,
    };
    Some([write_config, notify])
}

/// The admin path's write (`AdminZkClient.createTopic`): `/brokers/topics/T` with a round-robin
/// assignment over the brokers, or `None` for a request Kafka would refuse (empty name or one
/// with '/', more than 249 characters; the model also caps a topic at the scenario parser's limit,
/// [`crate::scenario::MAX_PARTITIONS`]).
pub(crate) fn create_topic_op(cfg: &Config, name: &str, partitions: u32, rf: u32) -> Option<Op> {
    if name.is_empty()
        || name.len() > 249
        || name.contains('/')
        || partitions == 0
        || partitions > crate::scenario::MAX_PARTITIONS
    {
        return None;
    }
    let assignment = Assignment::round_robin(partitions, rf, cfg.brokers as u32);
    Some(Op::Create {
        path: format!("{TOPICS_PATH}/{name}"),
        data: Data::Assignment(Shared::new(assignment)),
        ephemeral: false,
        sequential: false,
    })
}

impl Broker {
    /// The admin path: write `/brokers/topics/T` with the assignment; the controller's child
    /// watch on `/brokers/topics` does the rest.
    pub(super) fn create_topic(
        &mut self,
        name: String,
        partitions: u32,
        rf: u32,
        out: &mut Vec<Out>,
        events: &mut Vec<ClientEvent>,
    ) {
        if let Some(op) = create_topic_op(&self.cfg, &name, partitions, rf) {
            self.zk.request(Purpose::CreateTopic, ClientOp::Write { ops: vec![op], multi: false }, out, events);
        }
    }
}
