use super::*;
use proptest::prelude::*;
use quorumlab_sim::scenario::{NodePrefix, NodeRef};

fn parse(search: &str) -> (Link, Vec<Problem>) {
    Link::parse(search)
}

fn keys(problems: &[Problem]) -> Vec<&'static str> {
    problems.iter().map(|p| p.key).collect()
}

fn encoded(text: &str) -> String {
    query::encode(text)
}

#[test]
fn good_parameters_are_used() {
    let (link, problems) = parse("?seed=42&lang=ko&controllers=5&mode=zk&ensemble=7&brokers=4");
    assert!(problems.is_empty());
    assert_eq!(link.view, View::One(Mode::Zk));
    assert_eq!(link.sizes, Sizes { controllers: 5, ensemble: 7, brokers: 4, partitions: 6 });
    assert_eq!((link.seed, link.lang), (42, Some(Lang::Ko)));
    assert_eq!(parse("?mode=both&seed=3").0.view, View::Both);
    assert_eq!(parse("?mode=both&mode=kraft").0.view, View::One(Mode::Kraft));
}

#[test]
fn problems_are_told_in_words_each_once() {
    let (_, problems) = parse("?seed=x&what=1&what=1");
    let texts = Problem::texts(&problems, Lang::En);
    assert_eq!(problems.len(), 3);
    assert_eq!(texts.len(), 2, "{texts:?}");
    assert!(texts[0].starts_with("The seed \"x\"") && texts[1].contains("\"what\""), "{texts:?}");
}

#[test]
fn bad_parameters_give_messages_and_defaults() {
    let (link, problems) = parse("?seed=notanumber&mode=foo&controllers=99&lang=xx&what=1&ensemble=4&brokers=-1");
    assert_eq!(link, Link::default());
    assert_eq!(
        keys(&problems),
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
    let (link, problems) = parse(&format!("?seed={}", "9".repeat(10_000)));
    assert_eq!(link.seed, DEFAULT_SEED);
    assert_eq!(problems[0].key, "param.too_long");
    assert!(problems[0].args[0].len() < 100);
}

#[test]
fn a_permalink_script_and_moment_are_read_and_bad_ones_reported() {
    let (link, problems) = parse(&format!("?s={}&t=4000000", encoded("at 1500ms crash leader\nat 3s restart c1\n")));
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(link.shared.steps.len(), 2);
    assert_eq!(link.until, Some(Time(4_000_000)));
    let (link, problems) = parse(&format!("?s={}&t=soon", encoded("at 1s crsh c1")));
    assert_eq!(keys(&problems), ["param.bad_script", "param.bad_time"]);
    assert_eq!(problems[0].args[0], "1");
    assert!(link.shared.steps.is_empty());
}

#[test]
fn side_by_side_both_scripts_together_keep_to_the_partition_limit() {
    let topic = |name: &str, n: u32| encoded(&format!("at 1s create-topic {name} partitions={n} rf=3"));
    let (link, problems) = parse(&format!(
        "?mode=both&s={}&szk={}&skraft={}",
        topic("a", 1_200_000),
        topic("b", 800_000),
        topic("c", 800_001)
    ));
    assert_eq!(keys(&problems), ["param.too_many_partitions"]);
    assert_eq!(problems[0].args, ["skraft", "2000000"]);
    assert_eq!(
        (link.shared.steps.len(), link.zk.steps.len(), link.kraft.steps.len()),
        (1, 1, 0),
        "KRaft's own are left out"
    );
}

#[test]
fn actions_too_many_to_write_back_into_a_link_are_left_out() {
    // 1,200 lines each: fine alone, 2,400 together on the ZooKeeper side.
    let heals: String = (1..=1_200).map(|i| format!("at {i}ms heal\n")).collect();
    let (link, problems) = parse(&format!("?mode=both&s={0}&szk={0}", encoded(&heals)));
    assert_eq!(keys(&problems), ["param.too_many_actions"]);
    assert_eq!(problems[0].args, ["szk", "2000", "64"]);
    assert_eq!((link.shared.steps.len(), link.zk.steps.len()), (1_200, 0));
    // Short to type, long once written in microseconds: `at 525599m ...` becomes
    // `at 31535940000000us ...`, nine characters more on each of 2,000 lines.
    let far: String = (0..2_000).map(|_| "at 525599m alter-config t a=bb\n").collect();
    assert!(far.len() <= scenario::MAX_TEXT_BYTES);
    let (link, problems) = parse(&format!("?s={}", encoded(&far)));
    assert_eq!(keys(&problems), ["param.too_many_actions"]);
    assert!(link.shared.steps.is_empty());
}

#[test]
fn settings_in_a_link_are_read_with_its_actions_and_each_cluster_gets_its_own() {
    let text = encoded("set controller.quorum.fetch.timeout.ms=500\nat 1s crash c1\n");
    let zk = encoded("set zookeeper.session.timeout.ms=6000\nat 2s crash zk1\n");
    let (link, problems) = parse(&format!("?mode=both&s={text}&szk={zk}&big=1&t=5000000"));
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(link.shared.settings, [("controller.quorum.fetch.timeout.ms".to_string(), "500".to_string())]);
    let zk_side = link.script_for(Mode::Zk);
    assert_eq!(zk_side.settings.len(), 2);
    assert_eq!(zk_side.steps.len(), 2);
    assert_eq!(link.script_for(Mode::Kraft).steps.len(), 1);
    assert!(link.big);
    // One cluster alone takes `s` only.
    let (alone, _) = parse(&format!("?mode=zk&s={text}&szk={zk}"));
    assert_eq!(alone.script_for(Mode::Zk).steps.len(), 1);
    assert_eq!(parse(&format!("?big=loud&skraft={}", encoded("at 1s crsh c1"))).1.len(), 2);
}

#[test]
fn the_opening_moment_is_t_else_the_last_action_shown() {
    let (link, _) = parse(&format!("?mode=both&s={}&szk={}", encoded("at 1s heal"), encoded("at 9s heal")));
    assert_eq!(link.opening_moment(), Some(Time::from_secs(9)));
    let (link, _) = parse(&format!("?mode=kraft&s={}&szk={}", encoded("at 1s heal"), encoded("at 9s heal")));
    assert_eq!(link.opening_moment(), Some(Time::from_secs(1)), "szk is not shown");
    assert_eq!(parse("?t=5").0.opening_moment(), Some(Time(5)));
    assert_eq!(parse("").0.opening_moment(), None);
}

#[test]
fn odd_encodings_never_panic() {
    for s in ["%", "%%", "%e9", "a=%", "=%zz", "seed=%F0%9F%98%80", "seed=%ED%95%9C", "&&&", "?=", "seed==1", "%C3"] {
        let _ = parse(s);
    }
}

#[test]
fn the_address_written_uses_percent_twenty_for_spaces() {
    let (mut link, _) = parse(&format!("?s={}", encoded("at 2s crash controller")));
    link.lang = Some(Lang::En);
    let q = link.to_query();
    assert!(q.contains("&s=at%202000000us%20crash%20controller%0A"), "{q}");
    assert!(q.starts_with("?mode=kraft&seed=1&controllers=3&ensemble=3&brokers=3&lang=en"), "{q}");
}

// --- Any valid link written and parsed again is the same value ---------------------------

fn action() -> impl Strategy<Value = ScenarioAction> {
    let node = prop_oneof![
        Just(NodeRef::Leader),
        Just(NodeRef::Controller),
        (prop_oneof![Just(NodePrefix::Controller), Just(NodePrefix::Broker), Just(NodePrefix::Zk)], 1..=12u32)
            .prop_map(|(prefix, number)| NodeRef::Named { prefix, number }),
    ];
    prop_oneof![
        node.clone().prop_map(ScenarioAction::Crash),
        node.clone().prop_map(ScenarioAction::Restart),
        node.prop_map(ScenarioAction::Shutdown),
        Just(ScenarioAction::Partition(vec![
            vec![NodeRef::Named { prefix: NodePrefix::Controller, number: 1 }],
            vec![NodeRef::Named { prefix: NodePrefix::Broker, number: 2 }, NodeRef::Leader],
        ])),
        Just(ScenarioAction::Heal),
        (0..=1_000u32).prop_map(ScenarioAction::LossPerMille),
        (0..=10_000_000u64).prop_map(ScenarioAction::DelayUs),
        ("[a-z0-9][a-z0-9._-]{0,19}", 1..=1_000u32, 1..=3u32).prop_map(|(name, partitions, replication_factor)| {
            ScenarioAction::CreateTopic { name, partitions, replication_factor }
        }),
        ("[a-z0-9][a-z0-9._-]{0,19}", "[a-z.]{1,20}", "[^\\s#]{1,10}")
            .prop_map(|(topic, key, value)| ScenarioAction::AlterConfig { topic, key, value }),
    ]
}

fn script() -> impl Strategy<Value = Script> {
    let setting = ("[a-z][a-z0-9._-]{0,30}", "[^\\s#]{1,12}");
    let step = (0..=scenario::MAX_TIME.as_us(), action());
    (prop::collection::vec(setting, 0..3), prop::collection::vec(step, 0..12)).prop_map(|(settings, steps)| {
        let steps = steps.into_iter().map(|(at, action)| Step { at: Time(at), action, line: 0 }).collect();
        Script { settings, steps }.renumbered()
    })
}

fn link() -> impl Strategy<Value = Link> {
    let view = prop_oneof![Just(View::One(Mode::Kraft)), Just(View::One(Mode::Zk)), Just(View::Both)];
    let sizes =
        (prop::sample::select(&CONTROLLER_CHOICES[..]), prop::sample::select(&ENSEMBLE_CHOICES[..]), 0..=MAX_BROKERS)
            .prop_map(|(controllers, ensemble, brokers)| Sizes { controllers, ensemble, brokers, partitions: 6 });
    let sizes = (sizes, prop_oneof![Just(6u32), 0..=scenario::MAX_PARTITIONS])
        .prop_map(|(sizes, partitions)| Sizes { partitions, ..sizes });
    let lang = prop_oneof![Just(None), Just(Some(Lang::En)), Just(Some(Lang::Ko))];
    let until = prop_oneof![Just(None), (0..=scenario::MAX_TIME.as_us()).prop_map(|t| Some(Time(t)))];
    let course = prop_oneof![Just(None), ("[a-z0-9-]{1,40}", 0..MAX_COURSE_STEPS).prop_map(Some)];
    let experiments = prop_oneof![Just(None), prop::sample::select(&Experiment::ALL[..]).prop_map(Some)];
    let flags = (any::<bool>(), any::<bool>(), course, experiments);
    (view, any::<u64>(), sizes, lang, (script(), script(), script()), until, flags).prop_map(
        |(view, seed, sizes, lang, (shared, zk, kraft), until, (big, embed, course, experiments))| Link {
            view,
            seed,
            sizes,
            lang,
            shared,
            zk,
            kraft,
            until,
            big,
            embed,
            course,
            experiments,
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_valid_link_written_and_parsed_again_is_the_same_value(link in link()) {
        let (again, problems) = Link::parse(&link.to_query());
        prop_assert!(problems.is_empty(), "{:?}", problems);
        prop_assert_eq!(again, link.renumbered());
    }

    #[test]
    fn any_text_in_any_parameter_gives_a_link_whose_address_opens_again(
        key in prop_oneof![
            Just("s".to_string()),
            Just("szk".to_string()),
            Just("skraft".to_string()),
            Just("seed".to_string()),
            Just("t".to_string()),
            Just("mode".to_string()),
            "[a-z]{1,3}",
        ],
        value in ".{0,80}",
    ) {
        let (link, _) = Link::parse(&format!("?mode=both&{key}={}", encoded(&value)));
        let (again, problems) = Link::parse(&link.to_query());
        prop_assert!(problems.is_empty(), "{:?}", problems);
        prop_assert_eq!(again, link.renumbered());
    }
}

#[test]
fn an_experiments_address_is_read_and_a_bad_one_reported() {
    let (link, problems) = parse("?experiments=stall&lang=ko");
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(link.experiments, Some(Experiment::Stall));
    assert_eq!(link.experiments_query(), "?experiments=stall&lang=ko");
    for e in Experiment::ALL {
        assert_eq!(parse(&format!("?experiments={}", e.as_str())).0.experiments, Some(e));
    }
    // An unknown one still opens the view, at the first experiment, and says so.
    let (link, problems) = parse("?experiments=%3Cscript%3E");
    assert_eq!(keys(&problems), ["param.bad_experiment"]);
    assert_eq!(link.experiments, Some(Experiment::Scale));
}

#[test]
fn a_course_address_is_read_and_bad_ones_reported() {
    let (link, problems) = parse("?course=zk-watches&step=3&lang=ko");
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(link.course, Some(("zk-watches".to_string(), 2)));
    assert_eq!(link.course_query(), "?course=zk-watches&step=3&lang=ko");
    // The step may come first; without one, the chapter's first.
    assert_eq!(parse("?step=2&course=kraft").0.course, Some(("kraft".to_string(), 1)));
    assert_eq!(parse("?course=kraft").0.course, Some(("kraft".to_string(), 0)));
    let (link, problems) = parse("?course=Bad%20Name&step=0");
    assert_eq!(keys(&problems), ["param.bad_course", "param.bad_step"]);
    assert_eq!(link.course, None);
    let (link, problems) = parse("?step=4");
    assert_eq!(keys(&problems), ["param.step_without_course"]);
    assert_eq!(link.course, None);
}

#[test]
fn the_initial_topics_partitions_are_read_and_a_bad_count_is_told() {
    let (link, problems) = parse("?mode=zk&partitions=100000");
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!((link.sizes.partitions, link.setup(Mode::Zk).partitions), (100_000, 100_000));
    assert!(link.to_query().contains("&partitions=100000"));
    assert!(!Link::default().to_query().contains("partitions"), "the default is left out");
    let (link, problems) = parse("?partitions=2000001");
    assert_eq!(keys(&problems), ["param.bad_partitions"]);
    assert_eq!(link.sizes.partitions, 6);
}

#[test]
fn an_experiments_run_opens_in_the_page_as_it_ran() {
    // The link each experiment row carries (crates/sim/src/experiment) is read back whole: its
    // sizes, partitions, settings and actions.
    use quorumlab_sim::setup::Setup;
    let script =
        scenario::parse("set controller.write.us.per.partition=300\nat 21s crash controller\nat 50s crash b1\n")
            .unwrap();
    let setup = Setup { mode: Mode::Zk, seed: 9, brokers: 6, partitions: 100_000, script, ..Setup::default() };
    let (link, problems) = Link::parse(&quorumlab_sim::experiment::link_for(&setup));
    assert!(problems.is_empty(), "{problems:?}");
    let opened = link.setup(Mode::Zk);
    assert_eq!((opened.seed, opened.brokers, opened.partitions), (9, 6, 100_000));
    assert_eq!(link.shared.settings, setup.script.settings);
    assert_eq!(link.shared.steps.len(), 2);
    let mut problems = Vec::new();
    let labs = crate::session::open::open_labs(&link, &mut problems).unwrap();
    assert!(problems.is_empty(), "the page takes its settings and actions: {problems:?}");
    assert!(labs[0].cluster.now().as_ms() >= 50_000, "opened at its last action");
}
