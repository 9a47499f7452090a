//! Building a cluster from what a person chose: mode, sizes, seed and a scenario script.
//! Shared by the CLI and the app so both replay the same thing from the same inputs.

use crate::cluster::{ActionError, Cluster, SettingError};
use crate::kraft::{self, KraftCluster};
use crate::scenario::Script;
use crate::zk;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Mode {
    Kraft,
    Zk,
}

impl Mode {
    pub fn parse(s: &str) -> Option<Mode> {
        match s {
            "kraft" => Some(Mode::Kraft),
            "zk" | "zookeeper" => Some(Mode::Zk),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Kraft => "kraft",
            Mode::Zk => "zk",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Setup {
    pub mode: Mode,
    pub seed: u64,
    /// KRaft controllers (3–5).
    pub controllers: usize,
    /// ZooKeeper servers (3, 5 or 7).
    pub ensemble: usize,
    pub brokers: usize,
    /// Partitions of the initial topic (0: none).
    pub partitions: u32,
    pub script: Script,
}

impl Default for Setup {
    fn default() -> Self {
        Setup {
            mode: Mode::Kraft,
            seed: 1,
            controllers: 3,
            ensemble: 3,
            brokers: 3,
            partitions: 6,
            script: Script::default(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SetupError {
    Setting {
        line_key: String,
        error: SettingError,
    },
    Action {
        line: usize,
        error: ActionError,
    },
    /// This mode cannot be built in this version.
    ModeUnavailable(Mode),
}

impl std::fmt::Display for SetupError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SetupError::Setting { error: SettingError::UnknownKey(k), .. } => write!(f, "unknown setting \"{k}\""),
            SetupError::Setting { error: SettingError::BadValue { key, value }, .. } => {
                write!(f, "bad value \"{value}\" for setting \"{key}\"")
            }
            SetupError::Action { line, error: ActionError::NoSuchNode(n) } => {
                write!(f, "line {line}: there is no node \"{n}\" in this cluster")
            }
            SetupError::Action { line, error: ActionError::NotInThisMode } => {
                write!(f, "line {line}: this action is not available in this mode")
            }
            SetupError::ModeUnavailable(m) => write!(f, "mode \"{}\" is not available yet", m.as_str()),
        }
    }
}

impl std::error::Error for SetupError {}

/// Whether `mode` takes the setting `key=value`, as [`build`] would apply it.
pub fn check_setting(mode: Mode, key: &str, value: &str) -> Result<(), SettingError> {
    match mode {
        Mode::Kraft => kraft::Config::default().apply_setting(key, value),
        Mode::Zk => zk::Config::default().apply_setting(key, value),
    }
}

/// Apply the script's `set key=value` lines through `apply` (one mode's `Config::apply_setting`).
fn apply_settings(
    setup: &Setup,
    apply: &mut dyn FnMut(&str, &str) -> Result<(), SettingError>,
) -> Result<(), SetupError> {
    for (key, value) in &setup.script.settings {
        apply(key, value).map_err(|error| SetupError::Setting { line_key: key.clone(), error })?;
    }
    Ok(())
}

/// Build the cluster, apply the script's settings, and schedule its steps.
pub fn build(setup: &Setup) -> Result<Box<dyn Cluster>, SetupError> {
    Ok(match setup.mode {
        Mode::Kraft => Box::new(build_kraft(setup)?),
        Mode::Zk => Box::new(build_zk(setup)?),
    })
}

/// [`build`] for KRaft mode, keeping the cluster's own type (the experiments read its state).
/// The mode of `setup` is not looked at.
pub fn build_kraft(setup: &Setup) -> Result<KraftCluster, SetupError> {
    let mut config = kraft::Config {
        controllers: setup.controllers,
        brokers: setup.brokers,
        partitions: setup.partitions,
        ..kraft::Config::default()
    };
    apply_settings(setup, &mut |key, value| config.apply_setting(key, value))?;
    let mut cluster = KraftCluster::new(setup.seed, config);
    schedule_steps(setup, &mut cluster)?;
    Ok(cluster)
}

/// [`build`] for ZooKeeper mode, keeping the cluster's own type. The mode of `setup` is not
/// looked at.
pub fn build_zk(setup: &Setup) -> Result<zk::Cluster, SetupError> {
    let mut config = zk::Config {
        ensemble: setup.ensemble,
        brokers: setup.brokers,
        partitions: setup.partitions,
        ..zk::Config::default()
    };
    apply_settings(setup, &mut |key, value| config.apply_setting(key, value))?;
    let mut cluster = zk::Cluster::new(setup.seed, config);
    schedule_steps(setup, &mut cluster)?;
    Ok(cluster)
}

fn schedule_steps(setup: &Setup, cluster: &mut dyn Cluster) -> Result<(), SetupError> {
    for step in &setup.script.steps {
        cluster.schedule(step.at, &step.action).map_err(|error| SetupError::Action { line: step.line, error })?;
    }
    Ok(())
}
