//! URL parameters → what to build, plus the problems to tell the person about. Pure Rust so
//! it is tested natively; never panics on any input.

use quorumlab_sim::scenario::{self, Step};
use quorumlab_sim::setup::{Mode, Setup};
use quorumlab_sim::Time;

use crate::i18n::Lang;
use crate::lab::{script_line, settings_line};

/// Longest value we accept for one parameter.
pub const MAX_VALUE_CHARS: usize = 256;
/// Longest scenario text (`s`, a permalink's actions) we accept: as long as the scenario
/// parser takes (64 KiB, 2,000 steps), so every link the app writes opens again.
pub const MAX_SCRIPT_CHARS: usize = quorumlab_sim::scenario::MAX_TEXT_BYTES;
/// Parameters beyond this many are ignored.
const MAX_PARAMS: usize = 32;
pub const DEFAULT_SEED: u64 = 1;
pub const MAX_BROKERS: usize = 12;

/// A problem with the URL, as an i18n key and its arguments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub key: &'static str,
    pub args: Vec<String>,
}

/// One cluster, or ZooKeeper and KRaft side by side on one seed and one clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum View {
    One,
    Both,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Params {
    pub view: View,
    /// `embed=1`: the compact layout for an iframe.
    pub embed: bool,
    pub setup: Setup,
    /// The language asked for in the URL, if any.
    pub lang: Option<Lang>,
    /// The person's actions from a permalink (`s`), replayed as they were taken. Side by side,
    /// `s` applies to both clusters and `szk` / `skraft` to one each.
    pub steps: Vec<Step>,
    pub steps_zk: Vec<Step>,
    pub steps_kraft: Vec<Step>,
    /// The `set key=value` lines of `s`, `szk` and `skraft` (each cluster takes the ones its
    /// mode knows).
    pub settings: Vec<(String, String)>,
    pub settings_zk: Vec<(String, String)>,
    pub settings_kraft: Vec<(String, String)>,
    /// `big=1`: large text for a projector.
    pub big: bool,
    /// The moment a permalink points at (`t`, µs); the page opens paused there.
    pub until: Option<Time>,
    pub problems: Vec<Problem>,
}

impl Params {
    /// Side by side, one cluster's own parameter: its name, actions and settings.
    pub fn own(&self, mode: Mode) -> (&'static str, &[Step], &[(String, String)]) {
        match mode {
            Mode::Zk => ("szk", &self.steps_zk, &self.settings_zk),
            Mode::Kraft => ("skraft", &self.steps_kraft, &self.settings_kraft),
        }
    }
}

fn problem(key: &'static str, args: &[&str]) -> Problem {
    Problem { key, args: args.iter().map(|a| a.to_string()).collect() }
}

/// Shorten what we echo back so a 10 KB parameter does not become a 10 KB message.
fn shown(value: &str) -> String {
    shorten(value, 40)
}

fn shorten(value: &str, max: usize) -> String {
    let mut s: String = value.chars().take(max).collect();
    if value.chars().count() > max {
        s.push('…');
    }
    s
}

/// Decode `%XX` and `+`; invalid escapes are kept as they are.
pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = |b: u8| (b as char).to_digit(16);
                match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                    (Some(h), Some(l)) => {
                        out.push((h * 16 + l) as u8);
                        i += 2;
                    }
                    _ => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Parse `?a=1&b=2` (with or without the `?`).
pub fn parse(search: &str) -> Params {
    let mut setup = Setup { seed: DEFAULT_SEED, ..Setup::default() };
    let mut lang = None;
    let mut view = View::One;
    let mut embed = false;
    let mut steps = Vec::new();
    let mut steps_zk = Vec::new();
    let mut steps_kraft = Vec::new();
    let (mut settings, mut settings_zk, mut settings_kraft) = (Vec::new(), Vec::new(), Vec::new());
    let mut big = false;
    let mut until = None;
    let mut problems = Vec::new();
    let query = search.strip_prefix('?').unwrap_or(search);
    for pair in query.split('&').filter(|p| !p.is_empty()).take(MAX_PARAMS) {
        let (raw_key, raw_value) = pair.split_once('=').unwrap_or((pair, ""));
        let key = percent_decode(raw_key);
        let value = percent_decode(raw_value);
        let chars = value.chars().count();
        let limit = if matches!(key.as_str(), "s" | "szk" | "skraft") { MAX_SCRIPT_CHARS } else { MAX_VALUE_CHARS };
        if chars > limit || key.chars().count() > MAX_VALUE_CHARS {
            problems.push(problem("param.too_long", &[&shown(&key), &chars.max(key.chars().count()).to_string()]));
            continue;
        }
        match key.as_str() {
            "seed" => match value.trim().parse::<u64>() {
                Ok(seed) => setup.seed = seed,
                Err(_) => problems.push(problem("param.bad_seed", &[&shown(&value), &DEFAULT_SEED.to_string()])),
            },
            "mode" if value.trim() == "both" => view = View::Both,
            "embed" => match flag(&value) {
                Some(on) => embed = on,
                None => problems.push(problem("param.bad_embed", &[&shown(&value)])),
            },
            "big" => match flag(&value) {
                Some(on) => big = on,
                None => problems.push(problem("param.bad_big", &[&shown(&value)])),
            },
            "mode" => match Mode::parse(value.trim()) {
                Some(mode) => {
                    setup.mode = mode;
                    view = View::One;
                }
                None => problems.push(problem("param.bad_mode", &[&shown(&value)])),
            },
            "lang" => match Lang::parse(value.trim()) {
                Some(l) => lang = Some(l),
                None => problems.push(problem("param.bad_lang", &[&shown(&value)])),
            },
            "controllers" => match value.trim().parse::<usize>() {
                Ok(n) if (3..=5).contains(&n) => setup.controllers = n,
                _ => problems.push(problem("param.bad_controllers", &[&shown(&value)])),
            },
            "ensemble" => match value.trim().parse::<usize>() {
                Ok(n) if [3, 5, 7].contains(&n) => setup.ensemble = n,
                _ => problems.push(problem("param.bad_ensemble", &[&shown(&value)])),
            },
            "brokers" => match value.trim().parse::<usize>() {
                Ok(n) if n <= MAX_BROKERS => setup.brokers = n,
                _ => problems.push(problem("param.bad_brokers", &[&shown(&value)])),
            },
            "s" | "szk" | "skraft" => match scenario::parse(&value) {
                Ok(script) => match key.as_str() {
                    "szk" => (steps_zk, settings_zk) = (script.steps, script.settings),
                    "skraft" => (steps_kraft, settings_kraft) = (script.steps, script.settings),
                    _ => (steps, settings) = (script.steps, script.settings),
                },
                Err(e) => problems.push(problem(
                    "param.bad_script",
                    &[&e.line.to_string(), &e.column.to_string(), &shorten(&e.kind.to_string(), 120)],
                )),
            },
            "t" => match value.trim().parse::<u64>() {
                Ok(us) if us <= scenario::MAX_TIME.as_us() => until = Some(Time(us)),
                _ => problems.push(problem("param.bad_time", &[&shown(&value)])),
            },
            _ => problems.push(problem("param.unknown", &[&shown(&key)])),
        }
    }
    // The page writes each cluster's settings and actions back into its link, with times in
    // microseconds: that text must stay within what the parser takes too, or the link would not
    // open again. Side by side, `s` and one side's own lines land on one cluster together.
    let fits = |steps: &[&Vec<Step>], settings: &[&Vec<(String, String)>]| {
        let lines: usize = steps.iter().map(|s| s.len()).sum();
        let text = steps.iter().flat_map(|s| s.iter()).map(|s| script_line(s.at, &s.action).len()).sum::<usize>()
            + settings.iter().flat_map(|s| s.iter()).map(|(k, v)| settings_line(k, v).len()).sum::<usize>();
        lines <= scenario::MAX_STEPS && text <= scenario::MAX_TEXT_BYTES
    };
    let limits = [scenario::MAX_STEPS.to_string(), (scenario::MAX_TEXT_BYTES / 1024).to_string()];
    if !fits(&[&steps], &[&settings]) {
        problems.push(problem("param.too_many_actions", &["s", &limits[0], &limits[1]]));
        (steps, settings) = (Vec::new(), Vec::new());
    }
    if view == View::Both {
        for (key, own, own_settings) in
            [("szk", &mut steps_zk, &mut settings_zk), ("skraft", &mut steps_kraft, &mut settings_kraft)]
        {
            if !fits(&[&steps, own], &[&settings, own_settings]) {
                problems.push(problem("param.too_many_actions", &[key, &limits[0], &limits[1]]));
                own.clear();
                own_settings.clear();
            }
        }
    }
    // Side by side, `s` and one side's own actions land on one cluster: together they keep to
    // the scenario's partition limit too, or that side's own actions are left out.
    let created = |steps: &[Step]| steps.iter().map(|s| s.action.partitions_created()).sum::<u64>();
    for (key, side) in [("szk", &mut steps_zk), ("skraft", &mut steps_kraft)] {
        if created(&steps) + created(side) > u64::from(scenario::MAX_PARTITIONS) {
            problems.push(problem("param.too_many_partitions", &[key, &scenario::MAX_PARTITIONS.to_string()]));
            side.clear();
        }
    }
    Params {
        view,
        embed,
        setup,
        lang,
        steps,
        steps_zk,
        steps_kraft,
        settings,
        settings_zk,
        settings_kraft,
        big,
        until,
        problems,
    }
}

/// `1`/`true` or `0`/`false`.
fn flag(value: &str) -> Option<bool> {
    match value.trim() {
        "1" | "true" => Some(true),
        "0" | "false" => Some(false),
        _ => None,
    }
}

/// Percent-encode a query value (unreserved characters stay as they are).
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_parameters_are_used() {
        let p = parse("?seed=42&lang=ko&controllers=5&mode=zk&ensemble=7&brokers=4");
        assert_eq!(p.setup.mode, Mode::Zk);
        assert_eq!(p.setup.ensemble, 7);
        assert_eq!(p.setup.brokers, 4);
        assert_eq!(p.view, View::One);
        assert_eq!(parse("?mode=both&seed=3").view, View::Both);
        assert_eq!(p.setup.seed, 42);
        assert_eq!(p.setup.controllers, 5);
        assert_eq!(p.lang, Some(Lang::Ko));
        assert!(p.problems.is_empty());
    }

    #[test]
    fn bad_parameters_give_messages_and_defaults() {
        let p = parse("?seed=notanumber&mode=foo&controllers=99&lang=xx&what=1&ensemble=4&brokers=-1");
        assert_eq!(p.setup.seed, DEFAULT_SEED);
        assert_eq!(p.setup.mode, Mode::Kraft);
        assert_eq!(p.setup.controllers, 3);
        let keys: Vec<&str> = p.problems.iter().map(|p| p.key).collect();
        assert_eq!(
            keys,
            [
                "param.bad_seed",
                "param.bad_mode",
                "param.bad_controllers",
                "param.bad_lang",
                "param.unknown",
                "param.bad_ensemble",
                "param.bad_brokers"
            ]
        );
    }

    #[test]
    fn a_huge_parameter_is_refused_and_not_echoed_whole() {
        let big = "9".repeat(10_000);
        let p = parse(&format!("?seed={big}"));
        assert_eq!(p.setup.seed, DEFAULT_SEED);
        assert_eq!(p.problems[0].key, "param.too_long");
        assert!(p.problems[0].args[0].len() < 100);
    }

    #[test]
    fn a_permalink_script_and_moment_are_read_and_bad_ones_reported() {
        let text = "at 1500ms crash leader\nat 3s restart c1\n";
        let p = parse(&format!("?s={}&t=4000000", percent_encode(text)));
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        assert_eq!(p.steps.len(), 2);
        assert_eq!(p.until, Some(Time(4_000_000)));
        let p = parse(&format!("?s={}&t=soon", percent_encode("at 1s crsh c1")));
        let keys: Vec<&str> = p.problems.iter().map(|p| p.key).collect();
        assert_eq!(keys, ["param.bad_script", "param.bad_time"]);
        assert_eq!(p.problems[0].args[0], "1");
        assert!(p.steps.is_empty());
    }

    #[test]
    fn side_by_side_both_scripts_together_keep_to_the_partition_limit() {
        let topic = |name: &str, n: u32| percent_encode(&format!("at 1s create-topic {name} partitions={n} rf=3"));
        let p = parse(&format!(
            "?mode=both&s={}&szk={}&skraft={}",
            topic("a", 600_000),
            topic("b", 400_000),
            topic("c", 400_001)
        ));
        let keys: Vec<&str> = p.problems.iter().map(|p| p.key).collect();
        assert_eq!(keys, ["param.too_many_partitions"]);
        assert_eq!(p.problems[0].args, ["skraft", "1000000"]);
        assert_eq!(
            (p.steps.len(), p.steps_zk.len(), p.steps_kraft.len()),
            (1, 1, 0),
            "KRaft's own actions are left out"
        );
    }

    #[test]
    fn actions_too_many_to_write_back_into_a_link_are_left_out() {
        // 1,200 lines each: fine alone, 2,400 together on the ZooKeeper side.
        let heals: String = (1..=1_200).map(|i| format!("at {i}ms heal\n")).collect();
        let text = percent_encode(&heals);
        let p = parse(&format!("?mode=both&s={text}&szk={text}"));
        let keys: Vec<&str> = p.problems.iter().map(|p| p.key).collect();
        assert_eq!(keys, ["param.too_many_actions"]);
        assert_eq!(p.problems[0].args, ["szk", "2000", "64"]);
        assert_eq!((p.steps.len(), p.steps_zk.len()), (1_200, 0));
        // Short to type, long once written in microseconds: `at 525599m ...` becomes
        // `at 31535940000000us ...`, nine characters more on each of 2,000 lines.
        let far: String = (0..2_000).map(|_| "at 525599m alter-config t a=bb\n").collect();
        assert!(far.len() <= scenario::MAX_TEXT_BYTES);
        let p = parse(&format!("?s={}", percent_encode(&far)));
        assert_eq!(p.problems.iter().map(|p| p.key).collect::<Vec<_>>(), ["param.too_many_actions"]);
        assert!(p.steps.is_empty());
    }

    #[test]
    fn settings_in_a_link_are_read_with_its_actions() {
        let text = percent_encode("set controller.quorum.fetch.timeout.ms=500\nat 1s crash c1\n");
        let zk = percent_encode("set zookeeper.session.timeout.ms=6000\n");
        let p = parse(&format!("?mode=both&s={text}&szk={zk}"));
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        assert_eq!(p.settings, [("controller.quorum.fetch.timeout.ms".to_string(), "500".to_string())]);
        assert_eq!(p.settings_zk, [("zookeeper.session.timeout.ms".to_string(), "6000".to_string())]);
        assert!(p.settings_kraft.is_empty());
        assert_eq!(p.steps.len(), 1);
    }

    #[test]
    fn side_by_side_scripts_and_projector_mode_are_read() {
        let zk = percent_encode("at 2s crash zk1\n");
        let kraft = percent_encode("at 3s crash c2\nat 4s restart c2\n");
        let p = parse(&format!("?mode=both&szk={zk}&skraft={kraft}&big=1&t=5000000"));
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        assert_eq!((p.steps_zk.len(), p.steps_kraft.len(), p.steps.len()), (1, 2, 0));
        assert!(p.big);
        let p = parse(&format!("?big=loud&skraft={}", percent_encode("at 1s crsh c1")));
        let keys: Vec<&str> = p.problems.iter().map(|p| p.key).collect();
        assert_eq!(keys, ["param.bad_big", "param.bad_script"]);
        assert!(!p.big && p.steps_kraft.is_empty());
    }

    #[test]
    fn odd_encodings_never_panic() {
        for s in ["%", "%%", "%e9", "a=%", "=%zz", "seed=%F0%9F%98%80", "seed=%ED%95%9C", "&&&", "?=", "seed==1", "%C3"]
        {
            let _ = parse(s);
        }
        assert_eq!(percent_decode("a%20b+c"), "a b c");
        assert_eq!(percent_decode("%ED%95%9C"), "한");
    }
}
