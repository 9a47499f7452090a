//! Property tests for the scenario parser: it never panics on any text (scenario text arrives in
//! URLs), and every script it accepts survives `to_text` → `parse` unchanged but for line numbers.

use std::collections::BTreeSet;

use proptest::prelude::*;
use proptest::sample::Index;
use quorumlab_sim::scenario::{
    parse, NodePrefix, NodeRef, ParseError, ScenarioAction, Script, Step, MAX_PARTITIONS, MAX_REPLICATION_FACTOR,
    MAX_TIME,
};
use quorumlab_sim::Time;

const CASES: u32 = 512;

// --- Generators of valid scripts ---------------------------------------------------------

fn node() -> impl Strategy<Value = NodeRef> {
    let prefix = prop_oneof![Just(NodePrefix::Controller), Just(NodePrefix::Broker), Just(NodePrefix::Zk)];
    prop_oneof![
        1 => Just(NodeRef::Leader),
        1 => Just(NodeRef::Controller),
        8 => (prefix, 1..=999u32).prop_map(|(prefix, number)| NodeRef::Named { prefix, number }),
    ]
}

/// Times in every unit, so every rendering path is taken.
fn time() -> impl Strategy<Value = Time> {
    let max_us = MAX_TIME.as_us();
    prop_oneof![
        Just(Time::ZERO),
        Just(MAX_TIME),
        (0..=max_us).prop_map(Time),
        (0..=max_us / 1_000).prop_map(|ms| Time(ms * 1_000)),
        (0..=max_us / 1_000_000).prop_map(|s| Time(s * 1_000_000)),
        (0..=max_us / 60_000_000).prop_map(|m| Time(m * 60_000_000)),
        (0..=600_000u64).prop_map(|ms| Time(ms * 1_000)),
    ]
}

/// Two or more non-empty sides, no node on two sides.
fn partition_sides() -> impl Strategy<Value = Vec<Vec<NodeRef>>> {
    prop::collection::vec(prop::collection::vec(node(), 1..5), 2..5).prop_filter_map(
        "a node on every side repeated",
        |sides| {
            let mut seen = BTreeSet::new();
            let sides: Vec<Vec<NodeRef>> = sides
                .into_iter()
                .map(|side| side.into_iter().filter(|n| seen.insert(n.clone())).collect())
                .filter(|side: &Vec<NodeRef>| !side.is_empty())
                .collect();
            (sides.len() >= 2).then_some(sides)
        },
    )
}

fn topic_name() -> impl Strategy<Value = String> {
    "[A-Za-z0-9._-]{1,249}".prop_filter("reserved name", |name| name != "." && name != "..")
}

fn action() -> impl Strategy<Value = ScenarioAction> {
    prop_oneof![
        node().prop_map(ScenarioAction::Crash),
        node().prop_map(ScenarioAction::Restart),
        node().prop_map(ScenarioAction::Shutdown),
        partition_sides().prop_map(ScenarioAction::Partition),
        Just(ScenarioAction::Heal),
        (0..=1_000u32).prop_map(ScenarioAction::LossPerMille),
        (0..=10_000_000u64).prop_map(ScenarioAction::DelayUs),
        (topic_name(), 1..=MAX_PARTITIONS, 1..=MAX_REPLICATION_FACTOR).prop_map(
            |(name, partitions, replication_factor)| ScenarioAction::CreateTopic {
                name,
                partitions,
                replication_factor,
            }
        ),
        (topic_name(), "[a-z0-9._-]{1,40}", config_value())
            .prop_map(|(topic, key, value)| ScenarioAction::AlterConfig { topic, key, value }),
    ]
}

/// A config value: any token without whitespace or `#`, Unicode and `=` included.
fn config_value() -> impl Strategy<Value = String> {
    prop::collection::vec(any::<char>(), 1..16)
        .prop_map(|chars| chars.into_iter().filter(|c| !c.is_whitespace() && *c != '#').collect::<String>())
        .prop_filter("empty value", |value| !value.is_empty())
}

/// `key=value`: the value is any token without whitespace or `#`, Unicode included.
fn setting() -> impl Strategy<Value = (String, String)> {
    let value = prop::collection::vec(any::<char>(), 1..12)
        .prop_map(|chars| chars.into_iter().filter(|c| !c.is_whitespace() && *c != '#').collect::<String>())
        .prop_filter("empty value", |value| !value.is_empty());
    ("[a-z0-9._-]{1,24}", value)
}

/// A valid script whose lines are where `to_text` puts them.
fn script() -> impl Strategy<Value = Script> {
    (prop::collection::vec(setting(), 0..4), prop::collection::vec((time(), action()), 0..24)).prop_map(
        |(settings, steps)| {
            // The topics of one script have at most MAX_PARTITIONS in all: a topic that would go
            // over gets what is left, or is left out.
            let mut left = MAX_PARTITIONS;
            let steps = steps
                .into_iter()
                .filter_map(|(at, mut action)| {
                    if let ScenarioAction::CreateTopic { partitions, .. } = &mut action {
                        *partitions = (*partitions).min(left);
                        if *partitions == 0 {
                            return None;
                        }
                        left -= *partitions;
                    }
                    Some(Step { at, action, line: 0 })
                })
                .collect();
            Script { settings, steps }.renumbered()
        },
    )
}

// --- Generators of hostile text ----------------------------------------------------------

/// Words and separators the parser cares about, to get deep into it from random input.
fn scenario_soup() -> impl Strategy<Value = String> {
    let fragment = prop_oneof![
        Just("at"),
        Just("set"),
        Just(" "),
        Just(" "),
        Just("\n"),
        Just("\t"),
        Just("\r\n"),
        Just("#"),
        Just("|"),
        Just("="),
        Just("."),
        Just("%"),
        Just("-"),
        Just("5s"),
        Just("1.5"),
        Just("250ms"),
        Just("2m"),
        Just("100us"),
        Just("999999999999999999999"),
        Just("crash"),
        Just("restart"),
        Just("shutdown"),
        Just("partition"),
        Just("heal"),
        Just("loss"),
        Just("delay"),
        Just("create-topic"),
        Just("partitions="),
        Just("rf="),
        Just("alter-config"),
        Just("retention.ms="),
        Just("orders"),
        Just("c1"),
        Just("b2"),
        Just("zk3"),
        Just("leader"),
        Just("controller"),
        Just("0"),
        Just("7"),
        Just("한국어"),
        Just("😀"),
        Just("\u{3000}"),
        Just("\u{0301}"),
        Just("\u{feff}"),
        Just("\u{0}"),
    ];
    prop::collection::vec(fragment, 0..40).prop_map(|fragments| fragments.concat())
}

#[derive(Clone, Debug)]
enum Mutation {
    Insert(Index, char),
    Delete(Index),
    Replace(Index, char),
    Swap(Index),
    Truncate(Index),
    DuplicateLine(Index),
}

fn interesting_char() -> impl Strategy<Value = char> {
    prop_oneof![
        any::<char>(),
        prop::sample::select(vec![
            ' ', '\n', '\t', '#', '|', '=', '.', '-', '%', '0', '1', '9', 'a', 'm', 's', 'c', 'b', 'z', '한', '😀',
            '\u{3000}', '\u{0301}',
        ]),
    ]
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<Index>(), interesting_char()).prop_map(|(at, c)| Mutation::Insert(at, c)),
        any::<Index>().prop_map(Mutation::Delete),
        (any::<Index>(), interesting_char()).prop_map(|(at, c)| Mutation::Replace(at, c)),
        any::<Index>().prop_map(Mutation::Swap),
        any::<Index>().prop_map(Mutation::Truncate),
        any::<Index>().prop_map(Mutation::DuplicateLine),
    ]
}

fn mutate(text: &str, mutations: &[Mutation]) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for mutation in mutations {
        let len = chars.len();
        match mutation {
            Mutation::Insert(at, c) => chars.insert(at.index(len + 1), *c),
            Mutation::Delete(at) if len > 0 => {
                chars.remove(at.index(len));
            }
            Mutation::Replace(at, c) if len > 0 => chars[at.index(len)] = *c,
            Mutation::Swap(at) if len > 1 => chars.swap(at.index(len - 1), at.index(len - 1) + 1),
            Mutation::Truncate(at) => chars.truncate(at.index(len + 1)),
            Mutation::DuplicateLine(at) => {
                let text: String = chars.iter().collect();
                let mut lines: Vec<&str> = text.split('\n').collect();
                let line = lines[at.index(lines.len())];
                lines.insert(at.index(lines.len()), line);
                chars = lines.join("\n").chars().collect();
            }
            _ => {}
        }
    }
    chars.into_iter().collect()
}

// --- Checks ------------------------------------------------------------------------------

/// What must hold for any text: no panic; an accepted script round-trips through its canonical
/// text; a rejected one points inside the text.
fn check_any_text(text: &str) -> Result<(), TestCaseError> {
    match parse(text) {
        Ok(script) => {
            let canonical = script.to_text();
            let reparsed = parse(&canonical);
            prop_assert_eq!(&reparsed, &Ok(script.renumbered()), "canonical text:\n{}", canonical);
            if let Ok(reparsed) = reparsed {
                prop_assert_eq!(reparsed.to_text(), canonical);
            }
        }
        Err(error) => check_position(text, &error)?,
    }
    Ok(())
}

fn check_position(text: &str, error: &ParseError) -> Result<(), TestCaseError> {
    let lines: Vec<&str> = text.split('\n').collect();
    prop_assert!(error.line >= 1 && error.line <= lines.len(), "{:?}", error);
    let line_chars = lines.get(error.line - 1).map_or(0, |line| line.chars().count());
    prop_assert!(error.column >= 1 && error.column <= line_chars + 1, "{:?}", error);
    let message = error.to_string();
    let prefix = format!("line {}, column {}: ", error.line, error.column);
    prop_assert!(message.starts_with(&prefix), "{}", message);
    Ok(())
}

/// The script's text with blank lines, comments, indentation and odd spacing added; and the
/// script that text should parse to (its steps on their new lines).
fn noisy_text(script: &Script, noise: &[(u8, u8, u8, bool)]) -> (String, Script) {
    let mut text = String::new();
    let mut expected = script.clone();
    let mut line = 0;
    let mut noise = noise.iter().cycle();
    let canonical = script.to_text();
    for (index, canonical_line) in canonical.lines().enumerate() {
        let (blank_lines, indent, separator, comment) = noise.next().copied().unwrap_or_default();
        for blank in 0..blank_lines % 3 {
            text.push_str(if blank % 2 == 0 { "\n" } else { "  # note\n" });
            line += 1;
        }
        text.push_str(&" \t".repeat(usize::from(indent % 3)));
        let separator = ["  ", "\t", " \u{3000} "][usize::from(separator % 3)];
        text.push_str(&canonical_line.split(' ').collect::<Vec<_>>().join(separator));
        if comment {
            text.push_str(" # 설명 😀 | at 1s crash c1");
        }
        text.push_str(if index % 2 == 0 { "\n" } else { "\r\n" });
        line += 1;
        if let Some(step) = index.checked_sub(script.settings.len()).and_then(|step| expected.steps.get_mut(step)) {
            step.line = line;
        }
    }
    (text, expected)
}

/// In a module so that `cargo test scenario` selects these too.
mod scenario_parser {
    use super::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(CASES))]

        #[test]
        fn arbitrary_unicode_never_panics(text in any::<String>()) {
            check_any_text(&text)?;
        }

        #[test]
        fn arbitrary_chars_never_panic(chars in prop::collection::vec(any::<char>(), 0..200)) {
            check_any_text(&chars.into_iter().collect::<String>())?;
        }

        #[test]
        fn scenario_like_soup_never_panics(text in scenario_soup()) {
            check_any_text(&text)?;
        }

        #[test]
        fn valid_scripts_round_trip(script in script()) {
            let text = script.to_text();
            prop_assert_eq!(parse(&text), Ok(script), "text:\n{}", text);
        }

        #[test]
        fn formatting_noise_does_not_change_meaning(
            script in script(),
            noise in prop::collection::vec(any::<(u8, u8, u8, bool)>(), 1..8),
        ) {
            let (text, expected) = noisy_text(&script, &noise);
            prop_assert_eq!(parse(&text), Ok(expected), "text:\n{}", text);
        }

        #[test]
        fn mutated_valid_text_never_panics(
            script in script(),
            mutations in prop::collection::vec(mutation(), 1..6),
        ) {
            let text = mutate(&script.to_text(), &mutations);
            check_any_text(&text)?;
        }
    }
}
