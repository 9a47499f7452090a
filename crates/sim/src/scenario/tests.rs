//! Tests of the scenario format: parsing, errors and their positions, suggestions, limits and
//! the canonical text.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use super::parser::tokenize;
use super::suggest::{edit_distance, lowercase};
use super::*;
use ParseErrorKind as K;

fn c(number: u32) -> NodeRef {
    NodeRef::Named { prefix: NodePrefix::Controller, number }
}
fn b(number: u32) -> NodeRef {
    NodeRef::Named { prefix: NodePrefix::Broker, number }
}
fn zk(number: u32) -> NodeRef {
    NodeRef::Named { prefix: NodePrefix::Zk, number }
}

/// The only step of a one-line script.
fn action(text: &str) -> ScenarioAction {
    let script = parse(text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
    assert_eq!(script.steps.len(), 1, "{text:?}");
    script.steps[0].action.clone()
}

fn time(text: &str) -> u64 {
    parse_time(text).unwrap_or_else(|e| panic!("{text:?}: {e}")).as_us()
}

/// (line, column, kind) of the error `text` gives.
fn error(text: &str) -> (usize, usize, ParseErrorKind) {
    let e = parse(text).expect_err(text);
    (e.line, e.column, e.kind)
}

fn unknown_node(found: &str, suggestion: Option<&str>) -> ParseErrorKind {
    K::UnknownNode { found: found.into(), suggestion: suggestion.map(Into::into) }
}

fn bad_time(found: &str, problem: TimeProblem) -> ParseErrorKind {
    K::BadTime { found: found.into(), problem }
}

const EXAMPLE: &str = "\
set broker.session.timeout.ms=9000
at 5s create-topic orders partitions=6 rf=3
at 10s crash controller
at 12s restart c1
at 20s partition c1 c2 | c3 b1 b2
at 30s heal
at 40s shutdown b2
at 41s loss 5
at 42.5s loss 0.5
";

// --- The whole format ----------------------------------------------------------------

#[test]
fn parses_the_documented_example() {
    let script = parse(EXAMPLE).unwrap();
    assert_eq!(script.settings, vec![("broker.session.timeout.ms".into(), "9000".into())]);
    let expected = vec![
        (5_000_000, ScenarioAction::CreateTopic { name: "orders".into(), partitions: 6, replication_factor: 3 }, 2),
        (10_000_000, ScenarioAction::Crash(NodeRef::Controller), 3),
        (12_000_000, ScenarioAction::Restart(c(1)), 4),
        (20_000_000, ScenarioAction::Partition(vec![vec![c(1), c(2)], vec![c(3), b(1), b(2)]]), 5),
        (30_000_000, ScenarioAction::Heal, 6),
        (40_000_000, ScenarioAction::Shutdown(b(2)), 7),
        (41_000_000, ScenarioAction::LossPerMille(50), 8),
        (42_500_000, ScenarioAction::LossPerMille(5), 9),
    ];
    let expected: Vec<Step> =
        expected.into_iter().map(|(micros, action, line)| Step { at: Time(micros), action, line }).collect();
    assert_eq!(script.steps, expected);
}

#[test]
fn empty_and_blank_texts_are_empty_scripts() {
    for text in ["", "\n", "   \n\t\n", "# only a comment", "  # indented comment\n\n"] {
        assert_eq!(parse(text), Ok(Script::default()), "{text:?}");
    }
}

#[test]
fn comments_start_anywhere_and_lines_count_from_one() {
    let text = "# header\n\nat 1s crash c1 # why\nat 2s heal#no space\n  set a=b#c\r\nat 3s restart c1\r\n";
    let script = parse(text).unwrap();
    let lines: Vec<usize> = script.steps.iter().map(|s| s.line).collect();
    assert_eq!(lines, vec![3, 4, 6]);
    assert_eq!(script.steps[1].action, ScenarioAction::Heal);
    assert_eq!(script.settings, vec![("a".into(), "b".into())]);
}

#[test]
fn steps_keep_the_order_written() {
    let script = parse("at 9s heal\nat 1s crash b1\nat 5s heal").unwrap();
    let times: Vec<u64> = script.steps.iter().map(|s| s.at.as_us()).collect();
    assert_eq!(times, vec![9_000_000, 1_000_000, 5_000_000]);
}

#[test]
fn extra_whitespace_between_tokens_is_fine() {
    assert_eq!(action("  at\t5s   crash \u{3000} c1  "), ScenarioAction::Crash(c(1)));
}

// --- Directives ----------------------------------------------------------------------

#[test]
fn a_line_must_start_with_at_or_set() {
    assert_eq!(
        error("at 1s heal\n  crash c1"),
        (2, 3, K::UnknownDirective { found: "crash".into(), suggestion: None })
    );
    assert_eq!(error("AT 1s heal"), (1, 1, K::UnknownDirective { found: "AT".into(), suggestion: Some("at".into()) }));
    assert_eq!(error("sett a=b"), (1, 1, K::UnknownDirective { found: "sett".into(), suggestion: Some("set".into()) }));
    // Too far from "at" for a two-letter word to count as a typo.
    assert_eq!(error("5s crash c1"), (1, 1, K::UnknownDirective { found: "5s".into(), suggestion: None }));
    assert_eq!(error("한국어 텍스트"), (1, 1, K::UnknownDirective { found: "한국어".into(), suggestion: None }));
}

// --- Settings ------------------------------------------------------------------------

#[test]
fn settings_keep_order_and_take_any_value_token() {
    let script = parse("set b=2\nset a.b_c-d9=x=y|z\nset b=3\nset ko=값😀").unwrap();
    let expected: Vec<(String, String)> = [("b", "2"), ("a.b_c-d9", "x=y|z"), ("b", "3"), ("ko", "값😀")]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    assert_eq!(script.settings, expected);
    assert!(script.steps.is_empty());
}

#[test]
fn setting_errors() {
    assert_eq!(error("set"), (1, 4, K::MissingArgument { what: Expected::Setting }));
    assert_eq!(error("set Foo=1"), (1, 5, K::BadSettingKey { found: "Foo".into() }));
    assert_eq!(error("set =1"), (1, 5, K::BadSettingKey { found: "".into() }));
    assert_eq!(error("set 키=1"), (1, 5, K::BadSettingKey { found: "키".into() }));
    assert_eq!(error("set foo"), (1, 8, K::MissingSettingValue { key: "foo".into() }));
    assert_eq!(error("set foo= 1"), (1, 9, K::MissingSettingValue { key: "foo".into() }));
    assert_eq!(error("set foo=#1"), (1, 9, K::MissingSettingValue { key: "foo".into() }));
    assert_eq!(error("set a=1 b=2"), (1, 9, K::UnexpectedArgument { found: "b=2".into() }));
}

// --- Times ---------------------------------------------------------------------------

#[test]
fn times_in_each_unit() {
    assert_eq!(time("100us"), 100);
    assert_eq!(time("250ms"), 250_000);
    assert_eq!(time("5s"), 5_000_000);
    assert_eq!(time("2m"), 120_000_000);
    assert_eq!(time("0s"), 0);
    assert_eq!(time("0us"), 0);
    assert_eq!(time("007s"), 7_000_000);
}

#[test]
fn decimal_times_are_exact_integers() {
    assert_eq!(time("1.5s"), 1_500_000);
    assert_eq!(time("42.5s"), 42_500_000);
    assert_eq!(time("0.001ms"), 1);
    assert_eq!(time("1.25m"), 75_000_000);
    assert_eq!(time("0.000001s"), 1);
    assert_eq!(time("0.0000001m"), 6);
    assert_eq!(time("2.500000000000000000000s"), 2_500_000);
    assert_eq!(time("3.0us"), 3);
}

#[test]
fn times_up_to_one_year() {
    assert_eq!(time("525600m"), MAX_TIME.as_us());
    assert_eq!(time("31536000000000us"), MAX_TIME.as_us());
    let too_large = |t: &str| Err(K::TimeTooLarge { found: t.into() });
    assert_eq!(parse_time("31536000000001us"), too_large("31536000000001us"));
    assert_eq!(parse_time("525600.000001m"), too_large("525600.000001m"));
    assert_eq!(parse_time("99999999999999999999999999m"), too_large("99999999999999999999999999m"));
    assert_eq!(parse_time("18446744073709551615us"), too_large("18446744073709551615us"));
}

#[test]
fn malformed_times() {
    let cases = [
        ("-5s", TimeProblem::Negative),
        ("-0.5ms", TimeProblem::Negative),
        ("5", TimeProblem::MissingUnit),
        ("1.5", TimeProblem::MissingUnit),
        ("5h", TimeProblem::UnknownUnit { unit: "h".into() }),
        ("5sec", TimeProblem::UnknownUnit { unit: "sec".into() }),
        ("5S", TimeProblem::UnknownUnit { unit: "S".into() }),
        ("1e3s", TimeProblem::UnknownUnit { unit: "e3s".into() }),
        ("5초", TimeProblem::UnknownUnit { unit: "초".into() }),
        ("s", TimeProblem::BadNumber),
        ("abc", TimeProblem::BadNumber),
        ("+5s", TimeProblem::BadNumber),
        (".5s", TimeProblem::BadNumber),
        ("5.s", TimeProblem::BadNumber),
        ("1.2.3s", TimeProblem::BadNumber),
        ("１s", TimeProblem::BadNumber),
        ("1.5us", TimeProblem::TooPrecise),
        ("0.0001ms", TimeProblem::TooPrecise),
        ("0.12345678901s", TimeProblem::TooPrecise),
    ];
    for (text, problem) in cases {
        assert_eq!(parse_time(text), Err(bad_time(text, problem)), "{text:?}");
    }
}

#[test]
fn step_time_errors_point_at_the_time() {
    assert_eq!(error("at"), (1, 3, K::MissingArgument { what: Expected::Time }));
    assert_eq!(error("at   # nothing"), (1, 3, K::MissingArgument { what: Expected::Time }));
    assert_eq!(error("at 5s"), (1, 6, K::MissingArgument { what: Expected::Action }));
    assert_eq!(error("\n  at 5 crash c1"), (2, 6, bad_time("5", TimeProblem::MissingUnit)));
    assert_eq!(error("at 2y heal"), (1, 4, bad_time("2y", TimeProblem::UnknownUnit { unit: "y".into() })));
    assert_eq!(error("at 600000m heal"), (1, 4, K::TimeTooLarge { found: "600000m".into() }));
}

#[test]
fn times_render_in_the_largest_exact_unit() {
    let cases = [
        (0, "0s"),
        (1, "1us"),
        (250, "250us"),
        (1_000, "1ms"),
        (1_500_000, "1500ms"),
        (2_000_000, "2s"),
        (60_000_000, "1m"),
        (90_000_000, "90s"),
        (120_000_000, "2m"),
        (1_000_001, "1000001us"),
        (MAX_TIME.as_us(), "525600m"),
    ];
    for (micros, text) in cases {
        assert_eq!(format_time(Time(micros)), text);
        assert_eq!(time(text), micros);
    }
}

// --- Nodes ---------------------------------------------------------------------------

#[test]
fn node_names() {
    assert_eq!(parse_node("c1"), Ok(c(1)));
    assert_eq!(parse_node("b999"), Ok(b(999)));
    assert_eq!(parse_node("zk3"), Ok(zk(3)));
    assert_eq!(parse_node("b10"), Ok(b(10)));
    assert_eq!(parse_node("leader"), Ok(NodeRef::Leader));
    assert_eq!(parse_node("controller"), Ok(NodeRef::Controller));
    assert_eq!("zk12".parse::<NodeRef>(), Ok(zk(12)));
}

#[test]
fn node_names_display_as_written() {
    for name in ["c1", "b999", "zk3", "leader", "controller"] {
        assert_eq!(parse_node(name).unwrap().to_string(), name);
    }
}

#[test]
fn node_numbers_are_1_to_999_without_leading_zeros() {
    for name in ["c0", "b01", "zk000", "c1000", "b99999999999999999999999"] {
        assert_eq!(parse_node(name), Err(K::BadNodeNumber { found: name.into() }), "{name}");
    }
}

#[test]
fn unknown_nodes_get_suggestions() {
    let cases = [
        ("C1", Some("c1")),
        ("ZK2", Some("zk2")),
        ("zk-1", Some("zk1")),
        ("b1,", Some("b1")),
        ("broker2", Some("b2")),
        ("Broker-2", Some("b2")),
        ("brokr2", Some("b2")),
        ("controller1", Some("c1")),
        ("z3", Some("zk3")),
        ("zookeeper3", Some("zk3")),
        ("kafka4", Some("b4")),
        ("ledaer", Some("leader")),
        ("Leader", Some("leader")),
        ("controler", Some("controller")),
        ("CONTROLLER", Some("controller")),
        ("c", None),
        ("zk", None),
        ("x1", None),
        ("node", None),
        ("c1a", None),
        ("리더", None),
        ("😀", None),
        ("broker0", None),
    ];
    for (found, suggestion) in cases {
        assert_eq!(parse_node(found), Err(unknown_node(found, suggestion)), "{found}");
    }
}

// --- Single-node actions -------------------------------------------------------------

#[test]
fn crash_restart_shutdown_take_one_node() {
    assert_eq!(action("at 1s crash zk2"), ScenarioAction::Crash(zk(2)));
    assert_eq!(action("at 1s restart leader"), ScenarioAction::Restart(NodeRef::Leader));
    assert_eq!(action("at 1s shutdown b3"), ScenarioAction::Shutdown(b(3)));
}

#[test]
fn single_node_action_errors() {
    assert_eq!(error("at 1s crash"), (1, 12, K::MissingArgument { what: Expected::Node }));
    assert_eq!(error("at 1s restart # c1"), (1, 14, K::MissingArgument { what: Expected::Node }));
    assert_eq!(error("at 1s shutdown c1 c2"), (1, 19, K::UnexpectedArgument { found: "c2".into() }));
    assert_eq!(error("at 1s crash brokr1"), (1, 13, unknown_node("brokr1", Some("b1"))));
    assert_eq!(error("at 1s crash b0"), (1, 13, K::BadNodeNumber { found: "b0".into() }));
    // Columns count chars, not bytes.
    assert_eq!(error("\u{3000}at 1s crash 노드"), (1, 14, unknown_node("노드", None)));
}

#[test]
fn unknown_actions_get_suggestions() {
    let cases = [
        ("crsh", Some("crash")),
        ("Crash", Some("crash")),
        ("restrat", Some("restart")),
        ("shutdwn", Some("shutdown")),
        ("partiton", Some("partition")),
        ("heel", Some("heal")),
        ("los", Some("loss")),
        ("createtopic", Some("create-topic")),
        ("create_topic", Some("create-topic")),
        ("kill", Some("crash")),
        ("stop", Some("shutdown")),
        ("explode", None),
        ("충돌", None),
    ];
    for (found, suggestion) in cases {
        let kind = K::UnknownAction { found: found.into(), suggestion: suggestion.map(Into::into) };
        assert_eq!(error(&format!("at 1s {found} c1")), (1, 7, kind), "{found}");
    }
}

// --- Partitions ----------------------------------------------------------------------

#[test]
fn partitions_have_two_or_more_sides() {
    assert_eq!(action("at 1s partition c1 | c2"), ScenarioAction::Partition(vec![vec![c(1)], vec![c(2)]]));
    assert_eq!(
        action("at 1s partition zk1 zk2 | zk3 | leader"),
        ScenarioAction::Partition(vec![vec![zk(1), zk(2)], vec![zk(3)], vec![NodeRef::Leader]])
    );
    // `|` need not be spaced.
    assert_eq!(
        action("at 1s partition c1|c2 c3 |b1"),
        ScenarioAction::Partition(vec![vec![c(1)], vec![c(2), c(3)], vec![b(1)]])
    );
}

#[test]
fn partition_errors() {
    let missing = K::MissingArgument { what: Expected::Node };
    assert_eq!(error("at 1s partition"), (1, 16, missing));
    assert_eq!(error("at 1s partition c1 c2"), (1, 7, K::PartitionNeedsTwoSides));
    assert_eq!(error("at 1s partition | c1"), (1, 17, K::EmptyPartitionSide));
    assert_eq!(error("at 1s partition c1 |"), (1, 20, K::EmptyPartitionSide));
    assert_eq!(error("at 1s partition c1 | | c2"), (1, 22, K::EmptyPartitionSide));
    assert_eq!(error("at 1s partition c1||c2"), (1, 20, K::EmptyPartitionSide));
    assert_eq!(error("at 1s partition |"), (1, 17, K::EmptyPartitionSide));
    assert_eq!(error("at 1s partition c1 c2 | c3 c1"), (1, 28, K::DuplicateNode { node: "c1".into() }));
    assert_eq!(error("at 1s partition leader leader | c1"), (1, 24, K::DuplicateNode { node: "leader".into() }));
    assert_eq!(error("at 1s partition c1|cx"), (1, 20, unknown_node("cx", None)));
    assert_eq!(error("at 1s partition 가|나"), (1, 17, unknown_node("가", None)));
    assert_eq!(error("at 1s partition c1|b2|나"), (1, 23, unknown_node("나", None)));
}

// --- Heal and loss -------------------------------------------------------------------

#[test]
fn heal_takes_nothing() {
    assert_eq!(action("at 1s heal"), ScenarioAction::Heal);
    assert_eq!(error("at 1s heal all"), (1, 12, K::UnexpectedArgument { found: "all".into() }));
}

#[test]
fn loss_is_stored_per_mille() {
    let cases =
        [("0", 0), ("5", 50), ("0.5", 5), ("99.9", 999), ("100", 1_000), ("100.0", 1_000), ("12.5%", 125), ("007", 70)];
    for (text, per_mille) in cases {
        assert_eq!(action(&format!("at 1s loss {text}")), ScenarioAction::LossPerMille(per_mille), "{text}");
    }
}

#[test]
fn delay_parses_round_trips_and_refuses_bad_values() {
    assert_eq!(action("at 1s delay 50ms"), ScenarioAction::DelayUs(50_000));
    assert_eq!(action("at 1s delay 0s"), ScenarioAction::DelayUs(0));
    assert_eq!(action("at 1s delay 10s"), ScenarioAction::DelayUs(10_000_000));
    assert_eq!(ScenarioAction::DelayUs(1_500_000).to_string(), "delay 1500ms");
    assert_eq!(error("at 1s delay"), (1, 12, K::MissingArgument { what: Expected::Delay }));
    let too_long = K::NumberOutOfRange { what: Expected::Delay, found: "11s".into(), min: 0, max: 10_000 };
    assert_eq!(error("at 1s delay 11s"), (1, 13, too_long.clone()));
    assert_eq!(too_long.to_string(), "delay \"11s\" out of range (0s to 10s)");
    assert!(matches!(error("at 1s delay 50").2, K::BadTime { .. }));
    assert!(matches!(error("at 1s delay 5ms 6ms").2, K::UnexpectedArgument { .. }));
    assert!(matches!(error("at 1s latency 5ms").2, K::UnknownAction { suggestion: Some(ref s), .. } if s == "delay"));
}

#[test]
fn loss_errors() {
    let bad = |t: &str| K::BadNumber { what: Expected::LossPercent, found: t.into() };
    let out_of_range = |t: &str| K::NumberOutOfRange { what: Expected::LossPercent, found: t.into(), min: 0, max: 100 };
    assert_eq!(error("at 1s loss"), (1, 11, K::MissingArgument { what: Expected::LossPercent }));
    for text in ["5.25", "abc", "-1", "1e2", ".5", "5.", "%", "5%%", "٥"] {
        assert_eq!(error(&format!("at 1s loss {text}")), (1, 12, bad(text)), "{text}");
    }
    for text in ["100.1", "101", "99999999999999999999999"] {
        assert_eq!(error(&format!("at 1s loss {text}")), (1, 12, out_of_range(text)), "{text}");
    }
    assert_eq!(error("at 1s loss 5 6"), (1, 14, K::UnexpectedArgument { found: "6".into() }));
}

// --- create-topic --------------------------------------------------------------------

#[test]
fn create_topic_takes_both_options_in_any_order() {
    let topic = |name: &str, partitions, replication_factor| ScenarioAction::CreateTopic {
        name: name.into(),
        partitions,
        replication_factor,
    };
    assert_eq!(action("at 1s create-topic orders partitions=6 rf=3"), topic("orders", 6, 3));
    assert_eq!(action("at 1s create-topic a.B_c-9 rf=1 partitions=1"), topic("a.B_c-9", 1, 1));
    assert_eq!(action("at 1s create-topic t partitions=1000000 rf=7"), topic("t", 1_000_000, 7));
    let longest = "x".repeat(MAX_TOPIC_NAME_CHARS);
    assert_eq!(action(&format!("at 1s create-topic {longest} partitions=1 rf=1")), topic(&longest, 1, 1));
    assert_eq!(action("at 1s create-topic ... partitions=1 rf=1"), topic("...", 1, 1));
}

#[test]
fn create_topic_name_errors() {
    assert_eq!(error("at 1s create-topic"), (1, 19, K::MissingArgument { what: Expected::TopicName }));
    assert_eq!(
        error("at 1s create-topic partitions=6 rf=3"),
        (1, 20, K::MissingArgument { what: Expected::TopicName })
    );
    let bad_name = |found: &str, problem| K::BadTopicName { found: found.into(), problem };
    assert_eq!(
        error("at 1s create-topic 주문 partitions=6 rf=3"),
        (1, 20, bad_name("주문", TopicNameProblem::BadChar { ch: '주' }))
    );
    assert_eq!(
        error("at 1s create-topic a/b partitions=6 rf=3"),
        (1, 20, bad_name("a/b", TopicNameProblem::BadChar { ch: '/' }))
    );
    assert_eq!(error("at 1s create-topic . partitions=6 rf=3"), (1, 20, bad_name(".", TopicNameProblem::DotOrDotDot)));
    assert_eq!(
        error("at 1s create-topic .. partitions=6 rf=3"),
        (1, 20, bad_name("..", TopicNameProblem::DotOrDotDot))
    );
    let too_long = "x".repeat(MAX_TOPIC_NAME_CHARS + 1);
    assert_eq!(
        error(&format!("at 1s create-topic {too_long} partitions=6 rf=3")),
        (1, 20, bad_name(&too_long, TopicNameProblem::TooLong { chars: 250 }))
    );
}

#[test]
fn create_topic_option_errors() {
    let missing = |what| K::MissingArgument { what };
    assert_eq!(error("at 1s create-topic t"), (1, 21, missing(Expected::Partitions)));
    assert_eq!(error("at 1s create-topic t rf=3"), (1, 26, missing(Expected::Partitions)));
    assert_eq!(error("at 1s create-topic t partitions=3"), (1, 34, missing(Expected::ReplicationFactor)));
    assert_eq!(
        error("at 1s create-topic t rf=3 rf=2 partitions=1"),
        (1, 27, K::DuplicateTopicOption { key: "rf".into() })
    );
    let unknown = |found: &str, suggestion: Option<&str>| K::UnknownTopicOption {
        found: found.into(),
        suggestion: suggestion.map(Into::into),
    };
    assert_eq!(error("at 1s create-topic t partition=6 rf=3"), (1, 22, unknown("partition", Some("partitions"))));
    assert_eq!(
        error("at 1s create-topic t partitions=6 replication-factor=3"),
        (1, 35, unknown("replication-factor", Some("rf")))
    );
    assert_eq!(error("at 1s create-topic t partitions=6 Rf=3"), (1, 35, unknown("Rf", Some("rf"))));
    assert_eq!(error("at 1s create-topic t 6 3"), (1, 22, unknown("6", None)));
    assert_eq!(error("at 1s create-topic t =6"), (1, 22, unknown("", None)));
}

#[test]
fn create_topic_number_errors_point_at_the_value() {
    let bad = |what, found: &str| K::BadNumber { what, found: found.into() };
    let range = |what, found: &str, max| K::NumberOutOfRange { what, found: found.into(), min: 1, max };
    let p = Expected::Partitions;
    let rf = Expected::ReplicationFactor;
    assert_eq!(error("at 1s create-topic t partitions=x rf=3"), (1, 33, bad(p, "x")));
    assert_eq!(error("at 1s create-topic t partitions= rf=3"), (1, 33, bad(p, "")));
    assert_eq!(error("at 1s create-topic t partitions=-1 rf=3"), (1, 33, bad(p, "-1")));
    assert_eq!(error("at 1s create-topic t partitions=1.5 rf=3"), (1, 33, bad(p, "1.5")));
    assert_eq!(error("at 1s create-topic t partitions=0 rf=3"), (1, 33, range(p, "0", MAX_PARTITIONS)));
    assert_eq!(error("at 1s create-topic t partitions=2000001 rf=3"), (1, 33, range(p, "2000001", MAX_PARTITIONS)));
    assert_eq!(
        error("at 1s create-topic t partitions=99999999999999999999999 rf=3"),
        (1, 33, range(p, "99999999999999999999999", MAX_PARTITIONS))
    );
    assert_eq!(error("at 1s create-topic t partitions=1 rf=0"), (1, 38, range(rf, "0", 7)));
    assert_eq!(error("at 1s create-topic t partitions=1 rf=8"), (1, 38, range(rf, "8", 7)));
    assert_eq!(error("at 1s create-topic t partitions=1 rf=셋"), (1, 38, bad(rf, "셋")));
}

// --- alter-config --------------------------------------------------------------------

fn alter(topic: &str, key: &str, value: &str) -> ScenarioAction {
    ScenarioAction::AlterConfig { topic: topic.into(), key: key.into(), value: value.into() }
}

#[test]
fn alter_config_takes_a_topic_and_one_config() {
    assert_eq!(action("at 5s alter-config orders retention.ms=3600000"), alter("orders", "retention.ms", "3600000"));
    assert_eq!(
        action("at 1s alter-config a.B_c-9 cleanup.policy=compact,delete"),
        alter("a.B_c-9", "cleanup.policy", "compact,delete")
    );
    // The value is everything after the first `=`, any non-empty token.
    assert_eq!(action("at 1s alter-config t x=y=z"), alter("t", "x", "y=z"));
    assert_eq!(action("at 1s alter-config t min.insync.replicas=2 # why"), alter("t", "min.insync.replicas", "2"));
    assert_eq!(action("at 1s alter-config t retention.ms=-1"), alter("t", "retention.ms", "-1"));
    assert_eq!(alter("orders", "retention.ms", "1").to_string(), "alter-config orders retention.ms=1");
}

#[test]
fn alter_config_errors() {
    let missing = |what| K::MissingArgument { what };
    assert_eq!(error("at 1s alter-config"), (1, 19, missing(Expected::TopicName)));
    assert_eq!(error("at 1s alter-config retention.ms=1"), (1, 20, missing(Expected::TopicName)));
    assert_eq!(
        error("at 1s alter-config 주문 retention.ms=1"),
        (1, 20, K::BadTopicName { found: "주문".into(), problem: TopicNameProblem::BadChar { ch: '주' } })
    );
    assert_eq!(error("at 1s alter-config t"), (1, 21, missing(Expected::TopicConfig)));
    assert_eq!(
        error("at 1s alter-config t retention.ms"),
        (1, 34, K::MissingConfigValue { key: "retention.ms".into() })
    );
    assert_eq!(
        error("at 1s alter-config t retention.ms="),
        (1, 35, K::MissingConfigValue { key: "retention.ms".into() })
    );
    assert_eq!(
        error("at 1s alter-config t Retention.ms=1"),
        (1, 22, K::BadConfigName { found: "Retention.ms".into() })
    );
    assert_eq!(error("at 1s alter-config t =1"), (1, 22, K::BadConfigName { found: "".into() }));
    assert_eq!(error("at 1s alter-config t 보존=1"), (1, 22, K::BadConfigName { found: "보존".into() }));
    assert_eq!(
        error("at 1s alter-config t retention.ms=1 segment.ms=2"),
        (1, 37, K::UnexpectedArgument { found: "segment.ms=2".into() })
    );
    let suggested = |found: &str| K::UnknownAction { found: found.into(), suggestion: Some("alter-config".into()) };
    assert_eq!(error("at 1s alter-configs t a=1"), (1, 7, suggested("alter-configs")));
    assert_eq!(error("at 1s alterconfig t a=1"), (1, 7, suggested("alterconfig")));
}

// --- Limits --------------------------------------------------------------------------

#[test]
fn text_longer_than_64_kib_is_rejected_where_it_overflows() {
    let exactly = format!("at 1s heal\n{}", "#".repeat(MAX_TEXT_BYTES - 11));
    assert_eq!(exactly.len(), MAX_TEXT_BYTES);
    assert!(parse(&exactly).is_ok());
    let over = format!("{exactly}x");
    assert_eq!(error(&over), (2, MAX_TEXT_BYTES - 11 + 1, K::TextTooLong { max_bytes: MAX_TEXT_BYTES }));
    // A multi-byte char straddling the limit: no slicing inside it.
    let straddling = format!("{}한", "#".repeat(MAX_TEXT_BYTES - 1));
    assert_eq!(error(&straddling), (1, MAX_TEXT_BYTES, K::TextTooLong { max_bytes: MAX_TEXT_BYTES }));
}

#[test]
fn at_most_2000_steps() {
    let full = "at 1s heal\n".repeat(MAX_STEPS);
    assert_eq!(parse(&full).unwrap().steps.len(), MAX_STEPS);
    let over = format!("set a=b\n{full}  at 1s heal");
    assert_eq!(error(&over), (MAX_STEPS + 2, 3, K::TooManySteps { max_steps: MAX_STEPS }));
}

// --- Messages ------------------------------------------------------------------------

#[test]
fn display_gives_position_and_english_message() {
    let e = parse("set a=1\n# comment\nat 10s crsh c1").unwrap_err();
    assert_eq!(e.to_string(), r#"line 3, column 8: unknown action "crsh" (did you mean "crash"?)"#);
    let messages = [
        (
            "at 1s crash nodex",
            r#"line 1, column 13: unknown node "nodex" (expected c<k>, b<k>, zk<k>, leader or controller)"#,
        ),
        ("at 1s crash broker1", r#"line 1, column 13: unknown node "broker1" (did you mean "b1"?)"#),
        ("at 1s crash", "line 1, column 12: missing node"),
        ("at 5 heal", r#"line 1, column 4: bad time "5": missing unit (us, ms, s or m)"#),
        ("at 2000000m heal", r#"line 1, column 4: time too large: "2000000m" (at most 1 year)"#),
        (
            "at 1s loss 0.25",
            r#"line 1, column 12: bad loss percentage "0.25" (expected 0 to 100 with at most one decimal, e.g. 0.5)"#,
        ),
        (
            "at 1s create-topic t partitions=1 rf=9",
            r#"line 1, column 38: replication factor "9" out of range (1 to 7)"#,
        ),
        ("at 1s partition c1", r#"line 1, column 7: a partition needs at least two sides separated by "|""#),
    ];
    for (text, message) in messages {
        assert_eq!(parse(text).unwrap_err().to_string(), message);
    }
    let boxed: Box<dyn std::error::Error> = Box::new(e);
    assert!(boxed.to_string().starts_with("line 3"));
}

#[test]
fn the_topics_of_one_scenario_have_at_most_two_million_partitions_in_all() {
    let two =
        "at 1s create-topic a partitions=1200000 rf=3\nat 2s crash c1\nat 3s create-topic b partitions=800000 rf=3";
    assert_eq!(parse(two).map(|s| s.steps.len()), Ok(3), "exactly the limit");
    let three = format!("{two}\n  at 4s create-topic c partitions=1 rf=1");
    assert_eq!(error(&three), (4, 3, K::TooManyPartitions { max_total: MAX_PARTITIONS }));
    assert_eq!(
        parse(&three).unwrap_err().to_string(),
        "line 4, column 3: the topics created add up to more than 2000000 partitions"
    );
}

#[test]
fn every_error_kind_has_a_message() {
    let kinds = [
        K::TextTooLong { max_bytes: 1 },
        K::TooManySteps { max_steps: 1 },
        K::TooManyPartitions { max_total: 1 },
        K::UnknownDirective { found: "x".into(), suggestion: None },
        K::BadSettingKey { found: "X".into() },
        K::MissingSettingValue { key: "k".into() },
        bad_time("x", TimeProblem::Negative),
        bad_time("x", TimeProblem::MissingUnit),
        bad_time("x", TimeProblem::UnknownUnit { unit: "h".into() }),
        bad_time("x", TimeProblem::BadNumber),
        bad_time("x", TimeProblem::TooPrecise),
        K::TimeTooLarge { found: "x".into() },
        K::UnknownAction { found: "x".into(), suggestion: None },
        unknown_node("x", None),
        K::BadNodeNumber { found: "c0".into() },
        K::MissingArgument { what: Expected::Time },
        K::UnexpectedArgument { found: "x".into() },
        K::PartitionNeedsTwoSides,
        K::EmptyPartitionSide,
        K::DuplicateNode { node: "c1".into() },
        K::BadNumber { what: Expected::Partitions, found: "x".into() },
        K::NumberOutOfRange { what: Expected::Partitions, found: "0".into(), min: 1, max: 2 },
        K::BadTopicName { found: ".".into(), problem: TopicNameProblem::DotOrDotDot },
        K::BadTopicName { found: "x".into(), problem: TopicNameProblem::TooLong { chars: 300 } },
        K::UnknownTopicOption { found: "x".into(), suggestion: Some("rf".into()) },
        K::DuplicateTopicOption { key: "rf".into() },
        K::BadConfigName { found: "X".into() },
        K::MissingConfigValue { key: "retention.ms".into() },
        K::MissingArgument { what: Expected::TopicConfig },
    ];
    for kind in kinds {
        let message = kind.to_string();
        assert!(message.len() > 8 && !message.contains('{'), "{kind:?}: {message}");
    }
}

// --- Canonical text ------------------------------------------------------------------

#[test]
fn to_text_is_canonical() {
    let text = "at 5s create-topic orders rf=3 partitions=6  # comment\n\
                set broker.session.timeout.ms=9000\n\n\
                at 1.5s partition c1 c2|c3 b1 b2\n\
                at 60000ms crash controller\n\
                at 0.25ms loss 0.5\n\
                at 90s loss 100.0%\n\
                at 0s heal\n";
    let script = parse(text).unwrap();
    let canonical = "set broker.session.timeout.ms=9000\n\
                     at 5s create-topic orders partitions=6 rf=3\n\
                     at 1500ms partition c1 c2 | c3 b1 b2\n\
                     at 1m crash controller\n\
                     at 250us loss 0.5\n\
                     at 90s loss 100\n\
                     at 0s heal\n";
    assert_eq!(script.to_text(), canonical);
    // Lines move (settings come first, comments and blank lines go): `renumbered` says where.
    let reparsed = parse(canonical).unwrap();
    assert_ne!(reparsed, script);
    assert_eq!(reparsed, script.clone().renumbered());
    assert_eq!(reparsed.to_text(), canonical);
}

#[test]
fn the_example_round_trips() {
    let script = parse(EXAMPLE).unwrap();
    // Canonical times have no decimal point: the largest unit that divides them exactly.
    assert_eq!(script.to_text(), EXAMPLE.replace("at 42.5s", "at 42500ms"));
    assert_eq!(parse(&script.to_text()), Ok(script.clone().renumbered()));
    assert_eq!(script.clone().renumbered(), script, "the example's lines are already where to_text puts them");
    assert_eq!(EXAMPLE.parse::<Script>(), Ok(script));
    assert_eq!(Script::default().to_text(), "");
}

#[test]
fn steps_display_as_canonical_lines() {
    let step = Step { at: Time(42_500_000), action: ScenarioAction::LossPerMille(5), line: 9 };
    assert_eq!(step.to_string(), "at 42500ms loss 0.5");
    assert_eq!(ScenarioAction::LossPerMille(1_000).to_string(), "loss 100");
    assert_eq!(
        ScenarioAction::Partition(vec![vec![zk(1)], vec![zk(2), NodeRef::Leader], vec![b(1)]]).to_string(),
        "partition zk1 | zk2 leader | b1"
    );
}

// --- Helpers -------------------------------------------------------------------------

#[test]
fn lowercase_agrees_with_unicode_wherever_suggestions_can_tell() {
    // Same number of characters, and the same character wherever either side is ASCII.
    for c in (0..=0x10_FFFF).filter_map(char::from_u32) {
        let ours: Vec<char> = lowercase(&c.to_string()).chars().collect();
        let unicode: Vec<char> = c.to_string().to_lowercase().chars().collect();
        assert_eq!(ours.len(), unicode.len(), "{c:?}");
        for (a, b) in ours.iter().zip(&unicode) {
            assert!(a == b || !(a.is_ascii() || b.is_ascii()), "{c:?}");
        }
    }
    assert_eq!(lowercase("KILL \u{212A}ill \u{130}x ΣΑΣ"), "kill kill i\u{307}x ΣΑΣ");
}

#[test]
fn edit_distance_is_levenshtein() {
    assert_eq!(edit_distance("", ""), 0);
    assert_eq!(edit_distance("abc", ""), 3);
    assert_eq!(edit_distance("", "abc"), 3);
    assert_eq!(edit_distance("crash", "crash"), 0);
    assert_eq!(edit_distance("crsh", "crash"), 1);
    assert_eq!(edit_distance("carsh", "crash"), 2);
    assert_eq!(edit_distance("kitten", "sitting"), 3);
    assert_eq!(edit_distance("리더", "리더십"), 1);
}

#[test]
fn tokens_carry_char_columns() {
    let tokens = tokenize("  한국 ab\tc#d e");
    let seen: Vec<(&str, usize, usize)> = tokens.iter().map(|t| (t.text, t.column, t.end_column)).collect();
    assert_eq!(seen, vec![("한국", 3, 5), ("ab", 6, 8), ("c", 9, 10)]);
}
