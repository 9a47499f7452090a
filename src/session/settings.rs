//! Settings (`set key=value`) as the page takes them: from a link, or typed into a cluster's
//! Details, each checked as the engine would apply it and against the page's own limits, and
//! the translated message for what a cluster leaves out.

use quorumlab_sim::cluster::{ActionError, SettingError};
use quorumlab_sim::setup::{check_setting, Mode};

use crate::link::Problem;

/// The most a settings field takes (a link carries it in its address).
pub const MAX_SETTINGS_CHARS: usize = 1_000;

/// Settings typed as `key=value, key=value` (or one per line), each checked as a link's would
/// be. The first that would be left out is the reason nothing is applied.
pub fn settings_typed(mode: Mode, typed: &str) -> Result<Vec<(String, String)>, Problem> {
    if typed.chars().count() > MAX_SETTINGS_CHARS {
        return Err(Problem { key: "settings.too_long", args: vec![MAX_SETTINGS_CHARS.to_string()] });
    }
    let mut settings = Vec::new();
    for item in typed.split([',', '\n']).map(str::trim).filter(|item| !item.is_empty()) {
        let Some((key, value)) = item.split_once('=').map(|(k, v)| (k.trim(), v.trim())) else {
            return Err(Problem { key: "settings.not_pair", args: vec![item.to_string()] });
        };
        if let Err(error) = check(mode, key, value) {
            let key =
                if matches!(error, SettingError::UnknownKey(_)) { "settings.unknown" } else { "settings.bad_value" };
            return Err(Problem { key, args: setting_left_out(mode, &error).args });
        }
        settings.push((key.to_string(), value.to_string()));
    }
    Ok(settings)
}

/// Whether a cluster of `mode` takes `key=value` on this page.
pub fn check(mode: Mode, key: &str, value: &str) -> Result<(), SettingError> {
    check_setting(mode, key, value).and_then(|()| page_allows(key, value))
}

/// What a link may set on this page, beyond what the engine takes: not the cluster's size (the
/// page's own parameters say that, within the page's limits), and no KRaft timing so short that
/// elections or idle records never stop (measured: a 10 ms fetch timeout made a million events
/// take seconds, most of it in elections and their invariant checks).
fn page_allows(key: &str, value: &str) -> Result<(), SettingError> {
    const SIZES: [&str; 5] = ["brokers", "partitions", "ensemble", "observers", "controllers"];
    const FLOORS_MS: [(&str, u64); 5] = [
        ("controller.quorum.fetch.timeout.ms", 500),
        ("controller.quorum.election.timeout.ms", 100),
        ("metadata.max.idle.interval.ms", 500),
        ("broker.heartbeat.interval.ms", 100),
        ("broker.session.timeout.ms", 500),
    ];
    let too_low = FLOORS_MS.iter().any(|(k, floor)| *k == key && value.parse::<u64>().is_ok_and(|v| v < *floor));
    if SIZES.contains(&key) || too_low {
        return Err(SettingError::BadValue { key: key.to_string(), value: value.to_string() });
    }
    Ok(())
}

fn cluster_name(mode: Mode) -> String {
    if mode == Mode::Zk { "ZooKeeper" } else { "KRaft" }.to_string()
}

/// The message for a setting a cluster does not take.
pub fn setting_left_out(mode: Mode, error: &SettingError) -> Problem {
    match error {
        SettingError::UnknownKey(key) => {
            Problem { key: "param.setting_unknown", args: vec![cluster_name(mode), key.clone()] }
        }
        SettingError::BadValue { key, value } => {
            Problem { key: "param.setting_bad_value", args: vec![cluster_name(mode), key.clone(), value.clone()] }
        }
    }
}

/// The message for an action a cluster cannot take (see `Cluster::check`).
pub fn action_left_out(mode: Mode, param: &str, line: usize, error: &ActionError) -> Problem {
    let mut args = vec![cluster_name(mode), line.to_string(), param.to_string()];
    let key = match error {
        ActionError::NoSuchNode(node) => {
            args.push(node.to_string());
            "param.no_such_node"
        }
        ActionError::NotInThisMode => "param.not_in_mode",
    };
    Problem { key, args }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_settings_become_settings_or_the_first_reason_nothing_is_applied() {
        let typed = " quorum.pre.vote = off,controller.quorum.election.timeout.ms=1500 \n";
        let pair = |k: &str, v: &str| (k.to_string(), v.to_string());
        assert_eq!(
            settings_typed(Mode::Kraft, typed),
            Ok(vec![pair("quorum.pre.vote", "off"), pair("controller.quorum.election.timeout.ms", "1500")])
        );
        assert_eq!(settings_typed(Mode::Kraft, " , \n"), Ok(Vec::new()), "nothing typed: Kafka's defaults");
        let refused = |mode, typed: &str| settings_typed(mode, typed).map_err(|p| (p.key, p.args));
        assert_eq!(refused(Mode::Kraft, "quorum.pre.vote=off, =").unwrap_err().0, "settings.unknown");
        assert_eq!(refused(Mode::Kraft, "pre.vote"), Err(("settings.not_pair", vec!["pre.vote".to_string()])));
        assert_eq!(refused(Mode::Zk, "quorum.pre.vote=off").unwrap_err().0, "settings.unknown", "a KRaft key");
        assert_eq!(
            refused(Mode::Kraft, "controller.quorum.fetch.timeout.ms=10"),
            Err((
                "settings.bad_value",
                vec!["KRaft".to_string(), "controller.quorum.fetch.timeout.ms".to_string(), "10".to_string()]
            )),
            "below the page's floor"
        );
        assert!(refused(Mode::Kraft, "brokers=64").is_err(), "not the size");
        assert_eq!(refused(Mode::Kraft, &"x".repeat(MAX_SETTINGS_CHARS + 1)).unwrap_err().0, "settings.too_long");
    }
}
