//! `zk::Config`: ensemble and cluster sizes, and the real settings by their real names.

use crate::cluster::SettingError;
use crate::net::NetConfig;

/// Controller failover load, calibrated on domain.md §4 (see [`Config::load_batch`]).
pub const DEFAULT_LOAD_BATCH: u32 = 1_000;
/// Per-partition cost of reading and deserialising a `state` znode during the controller's
/// `initializeControllerContext`, in microseconds.
pub const DEFAULT_LOAD_US_PER_PARTITION: u64 = 135;
/// Per-partition cost of a partition-state write, in microseconds, as the experiments charge it.
///
/// Calibration (domain.md §4, the 2018 blog, Kafka 1.1): the controlled shutdown of a broker
/// with about 10,000 partitions took 3 s (5 brokers, 25,000 single-partition topics with 2
/// replicas: the broker leads about 5,000 partitions, whose leadership moves, and follows
/// about 5,000, whose ISR shrinks), so about 10,000 state writes in 3 s: 300 µs each.
pub const CALIBRATED_WRITE_US_PER_PARTITION: u64 = 300;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// Voting ZooKeeper servers (3, 5 or 7): `zk1..zkN`.
    pub ensemble: usize,
    /// Observers (`peerType=observer`), 0..=4: `zk(N+1)..`, after the voters.
    pub observers: usize,
    /// Kafka brokers (0..=64).
    pub brokers: usize,
    /// Partitions of the initial topic (0: no topic).
    pub partitions: u32,
    /// Replication factor of the initial topic (clamped to the broker count).
    pub replication_factor: u32,
    /// Name of the initial topic.
    pub topic: String,
    /// `tickTime` (zoo_sample.cfg: 2000; the code default, `ZooKeeperServer.DEFAULT_TICK_TIME`,
    /// is 3000). The three tick settings default to zoo_sample.cfg, the sample configuration
    /// ZooKeeper ships and Kafka deployments commonly start from; Kafka's own
    /// config/zookeeper.properties sets none of them.
    pub tick_time_ms: u64,
    /// `initLimit`, in ticks (zoo_sample.cfg: 10; no code default: a replicated ensemble
    /// refuses to start without it).
    pub init_limit: u64,
    /// `syncLimit`, in ticks (zoo_sample.cfg: 5; no code default either).
    pub sync_limit: u64,
    /// FLE `finalizeWait`.
    pub finalize_wait_ms: u64,
    /// `zookeeper.fastleader.minNotificationInterval`.
    pub min_notification_interval_ms: u64,
    /// `zookeeper.fastleader.maxNotificationInterval`.
    pub max_notification_interval_ms: u64,
    /// `minSessionTimeout` / `maxSessionTimeout` (default 2 and 20 × tickTime).
    pub min_session_timeout_ms: Option<u64>,
    pub max_session_timeout_ms: Option<u64>,
    /// `zookeeper.session.timeout.ms` of every broker.
    pub session_timeout_ms: u64,
    /// `unclean.leader.election.enable`.
    pub unclean_leader_election: bool,
    /// `auto.leader.rebalance.enable`.
    pub auto_leader_rebalance: bool,
    /// `leader.imbalance.check.interval.seconds`, in ms.
    pub leader_imbalance_check_interval_ms: u64,
    /// `controlled.shutdown.max.retries`.
    pub controlled_shutdown_max_retries: u32,
    /// `controlled.shutdown.retry.backoff.ms`.
    pub controlled_shutdown_retry_backoff_ms: u64,
    /// Partition states read per pipelined batch during the controller's metadata load.
    ///
    /// Calibration (domain.md §4): Kafka ≥ 1.1 loads 100 000 partitions in about 14 s with
    /// async, pipelined ZooKeeper reads (28 s before; ~60 s at 200 000 partitions in
    /// LinkedIn's measurements). The model reads states in batches of 1 000 (one round trip
    /// each) and charges 135 µs per partition for the reads and deserialisation, so
    /// 100 000 partitions take 100 × (RTT + 135 ms) ≈ 14 s, 10 000 about 1.4 s and 1 000 000
    /// about 140 s. Only the per-partition term scales; broker and topic reads are cheap.
    pub load_batch: u32,
    pub load_us_per_partition: u64,
    /// MODEL SETTING (`controller.write.us.per.partition`, not a Kafka config): the controller's
    /// processing time per partition state it writes to ZooKeeper (leader elections, ISR
    /// changes, new partitions), charged before each write goes out. 0 by default, so the
    /// page's runs and the golden traces are those of the reference model; the scale
    /// experiment sets [`CALIBRATED_WRITE_US_PER_PARTITION`].
    pub write_us_per_partition: u64,
    pub net: NetConfig,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            ensemble: 3,
            observers: 0,
            brokers: 3,
            partitions: 6,
            replication_factor: 3,
            topic: "orders".to_string(),
            tick_time_ms: 2_000,
            init_limit: 10,
            sync_limit: 5,
            finalize_wait_ms: 200,
            min_notification_interval_ms: 200,
            max_notification_interval_ms: 60_000,
            min_session_timeout_ms: None,
            max_session_timeout_ms: None,
            session_timeout_ms: 18_000,
            unclean_leader_election: false,
            auto_leader_rebalance: true,
            leader_imbalance_check_interval_ms: 300_000,
            controlled_shutdown_max_retries: 3,
            controlled_shutdown_retry_backoff_ms: 5_000,
            load_batch: DEFAULT_LOAD_BATCH,
            load_us_per_partition: DEFAULT_LOAD_US_PER_PARTITION,
            write_us_per_partition: 0,
            net: NetConfig::default(),
        }
    }
}

impl Config {
    /// Apply one `set key=value` line (real ZooKeeper/Kafka names where one exists).
    pub fn apply_setting(&mut self, key: &str, value: &str) -> Result<(), SettingError> {
        let bad = || SettingError::BadValue { key: key.to_string(), value: value.to_string() };
        let num = |lo: u64, hi: u64| value.parse::<u64>().ok().filter(|v| (lo..=hi).contains(v)).ok_or_else(bad);
        // ZooKeeper's keys are camelCase (`tickTime`) but scenario text allows only lowercase
        // keys: match without regard to case.
        let lower = key.to_ascii_lowercase();
        match lower.as_str() {
            "ticktime" | "tick.time.ms" => self.tick_time_ms = num(10, 60_000)?,
            "initlimit" => self.init_limit = num(1, 1_000)?,
            "synclimit" => self.sync_limit = num(1, 1_000)?,
            "finalizewait" | "zookeeper.fastleader.finalizewait" => self.finalize_wait_ms = num(0, 60_000)?,
            "zookeeper.fastleader.minnotificationinterval" => {
                self.min_notification_interval_ms = num(1, 600_000)?;
            }
            "zookeeper.fastleader.maxnotificationinterval" => {
                self.max_notification_interval_ms = num(1, 600_000)?;
            }
            "minsessiontimeout" => self.min_session_timeout_ms = Some(num(1, 3_600_000)?),
            "maxsessiontimeout" => self.max_session_timeout_ms = Some(num(1, 3_600_000)?),
            "zookeeper.session.timeout.ms" => self.session_timeout_ms = num(1, 3_600_000)?,
            "unclean.leader.election.enable" => {
                self.unclean_leader_election = match value {
                    "true" => true,
                    "false" => false,
                    _ => return Err(bad()),
                }
            }
            "auto.leader.rebalance.enable" => {
                self.auto_leader_rebalance = match value {
                    "true" => true,
                    "false" => false,
                    _ => return Err(bad()),
                }
            }
            "leader.imbalance.check.interval.seconds" => {
                self.leader_imbalance_check_interval_ms = num(1, 86_400)? * 1_000;
            }
            "controlled.shutdown.max.retries" => self.controlled_shutdown_max_retries = num(0, 100)? as u32,
            "controlled.shutdown.retry.backoff.ms" => self.controlled_shutdown_retry_backoff_ms = num(0, 600_000)?,
            "ensemble" => self.ensemble = num(3, 7).ok().filter(|v| v % 2 == 1).ok_or_else(bad)? as usize,
            "observers" => self.observers = num(0, 4)? as usize,
            "brokers" => self.brokers = num(0, 64)? as usize,
            "partitions" => self.partitions = num(0, u64::from(crate::scenario::MAX_PARTITIONS))? as u32,
            "replication.factor" | "default.replication.factor" => self.replication_factor = num(1, 7)? as u32,
            "controller.load.batch" => self.load_batch = num(1, 1_000_000)? as u32,
            "controller.load.us.per.partition" => self.load_us_per_partition = num(0, 100_000)?,
            "controller.write.us.per.partition" => self.write_us_per_partition = num(0, 100_000)?,
            "latency.min.us" => self.net.latency_min_us = num(0, 10_000_000)?,
            "latency.max.us" => self.net.latency_max_us = num(0, 10_000_000)?,
            "jitter.us" => self.net.jitter_us = num(0, 10_000_000)?,
            _ => return Err(SettingError::UnknownKey(key.to_string())),
        }
        Ok(())
    }

    /// The session timeout a server grants: clamped to [2, 20] × tickTime unless
    /// `minSessionTimeout`/`maxSessionTimeout` are set (§1.3).
    pub fn negotiate_session_timeout(&self, requested_ms: u64) -> u64 {
        let min = self.min_session_timeout_ms.unwrap_or(2 * self.tick_time_ms);
        let max = self.max_session_timeout_ms.unwrap_or(20 * self.tick_time_ms).max(min);
        requested_ms.clamp(min, max)
    }

    /// Every ZooKeeper server, voters then observers (node ids `0..servers()`).
    pub fn servers(&self) -> usize {
        self.ensemble + self.observers
    }

    /// A majority of the voters (observers never count).
    pub fn quorum(&self) -> usize {
        self.ensemble / 2 + 1
    }

    /// The ensemble size actually used (3, 5 or 7; anything else becomes the nearest of these).
    pub fn sanitized(mut self) -> Config {
        self.ensemble = match self.ensemble {
            0..=3 => 3,
            4..=5 => 5,
            _ => 7,
        };
        self.observers = self.observers.min(4);
        self.brokers = self.brokers.min(64);
        self.partitions = self.partitions.min(crate::scenario::MAX_PARTITIONS);
        self.replication_factor = self.replication_factor.clamp(1, 7);
        self.tick_time_ms = self.tick_time_ms.max(10);
        self.init_limit = self.init_limit.max(1);
        self.sync_limit = self.sync_limit.max(1);
        self.min_notification_interval_ms = self.min_notification_interval_ms.max(1);
        self.max_notification_interval_ms = self.max_notification_interval_ms.max(self.min_notification_interval_ms);
        self.load_batch = self.load_batch.max(1);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_use_real_names_and_reject_bad_values() {
        let mut c = Config::default();
        c.apply_setting("tickTime", "3000").unwrap();
        c.apply_setting("initlimit", "12").unwrap();
        assert_eq!(c.init_limit, 12);
        c.apply_setting("zookeeper.session.timeout.ms", "6000").unwrap();
        c.apply_setting("unclean.leader.election.enable", "true").unwrap();
        assert_eq!((c.tick_time_ms, c.session_timeout_ms, c.unclean_leader_election), (3000, 6000, true));
        assert!(matches!(c.apply_setting("tickTime", "x"), Err(SettingError::BadValue { .. })));
        assert!(matches!(c.apply_setting("ensemble", "4"), Err(SettingError::BadValue { .. })));
        assert!(matches!(c.apply_setting("nope", "1"), Err(SettingError::UnknownKey(_))));
    }

    #[test]
    fn session_timeout_is_clamped_to_2_to_20_ticks() {
        let c = Config::default();
        assert_eq!(c.negotiate_session_timeout(1_000), 4_000);
        assert_eq!(c.negotiate_session_timeout(18_000), 18_000);
        assert_eq!(c.negotiate_session_timeout(100_000), 40_000);
        let mut c = Config::default();
        c.apply_setting("maxSessionTimeout", "10000").unwrap();
        assert_eq!(c.negotiate_session_timeout(18_000), 10_000);
    }
}
