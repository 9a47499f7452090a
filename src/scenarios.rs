//! Ready-made scenarios for a class: each is a permalink (mode, seed, scripted actions) with a
//! title and a line on what to watch, both translated. Each opens paused at time zero (`t=0`: a
//! permalink otherwise opens at its last action) and its actions happen as it plays, so a student
//! sees the first election, then the fault. The tests check that each fault does what its line
//! says.

use quorumlab_sim::scenario::ScenarioAction;
use quorumlab_sim::setup::Mode;
use quorumlab_sim::Time;

use crate::i18n::Lang;
use crate::link::{Link, View};

pub struct Preset {
    /// Its title (an i18n key).
    pub title: &'static str,
    /// What to watch in it (an i18n key).
    pub watch: &'static str,
    /// The link's parameters, without the language and text size.
    pub query: &'static str,
}

pub const PRESETS: &[Preset] = &[
    Preset {
        title: "scn.kraft_failover",
        watch: "scn.kraft_failover.watch",
        query: "mode=kraft&seed=7&s=at+5s+crash+controller&t=0",
    },
    Preset {
        title: "scn.kraft_prevote",
        watch: "scn.kraft_prevote.watch",
        query: "mode=kraft&seed=7&s=at+5s+partition+c2+%7C+c1+c3%0Aat+20s+heal&t=0",
    },
    Preset {
        title: "scn.kraft_no_prevote",
        watch: "scn.kraft_no_prevote.watch",
        query: "mode=kraft&seed=7&s=set+quorum.pre.vote%3Doff%0Aat+5s+partition+c2+%7C+c1+c3%0Aat+20s+heal&t=0",
    },
    Preset {
        title: "scn.zk_election",
        watch: "scn.zk_election.watch",
        query: "mode=zk&ensemble=5&seed=7&s=at+5s+crash+leader&t=0",
    },
    Preset {
        title: "scn.zk_controller",
        watch: "scn.zk_controller.watch",
        query: "mode=zk&seed=7&s=at+5s+crash+controller&t=0",
    },
    Preset {
        title: "scn.zk_short_session",
        watch: "scn.zk_short_session.watch",
        query: "mode=zk&seed=7&s=set+zookeeper.session.timeout.ms%3D6000%0Aat+5s+crash+controller&t=0",
    },
    Preset {
        title: "scn.both_failover",
        watch: "scn.both_failover.watch",
        query: "mode=both&seed=7&s=at+5s+crash+controller&t=0",
    },
    Preset {
        title: "scn.both_topic",
        watch: "scn.both_topic.watch",
        query: "mode=both&seed=7&s=at+5s+create-topic+payments+partitions%3D3+rf%3D3&t=0",
    },
];

/// The link that opens `preset` in `lang` (with large text if `big`).
pub fn link(preset: &Preset, lang: Lang, big: bool) -> String {
    ["?", preset.query, "&lang=", lang.code(), if big { "&big=1" } else { "" }].concat()
}

/// What a page opened with shows, whatever its language, text size or how its address spells
/// it (the page rewrites its address in a canonical form, where side by side `s` becomes `szk`
/// and `skraft`): the view, the clusters, the moment, and per mode its actions and settings.
type Opens =
    (View, u64, crate::link::Sizes, Option<Time>, bool, Vec<(Vec<(Time, ScenarioAction)>, Vec<(String, String)>)>);

fn opens(search: &str) -> Option<Opens> {
    let (link, problems) = Link::parse(search);
    if !problems.is_empty() {
        return None;
    }
    let per_mode = [Mode::Zk, Mode::Kraft]
        .into_iter()
        .map(|mode| {
            let script = link.script_for(mode);
            (script.steps.into_iter().map(|s| (s.at, s.action)).collect(), script.settings)
        })
        .collect();
    Some((link.view, link.seed, link.sizes, link.until, link.embed, per_mode))
}

/// The preset a page's address (`location.search`) opens, if any.
pub fn current(search: &str) -> Option<usize> {
    let page = opens(search)?;
    PRESETS.iter().position(|p| opens(p.query).as_ref() == Some(&page))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::tr;
    use quorumlab_sim::cluster::{Cluster, Inspect, NodeView, Role};
    use quorumlab_sim::setup::{build, Setup};
    use quorumlab_sim::Time;

    #[test]
    fn every_preset_opens_without_a_problem_and_has_words_in_both_languages() {
        for preset in PRESETS {
            let (params, problems) = Link::parse(&link(preset, Lang::Ko, true));
            assert!(problems.is_empty(), "{}: {:?}", preset.title, problems);
            assert_eq!(params.until, Some(Time::ZERO), "{} opens at time zero", preset.title);
            for lang in [Lang::En, Lang::Ko] {
                for key in [preset.title, preset.watch] {
                    assert_ne!(tr(lang, key), key, "{key} in {lang:?}");
                }
            }
        }
    }

    /// The cluster a single-mode preset opens, run to `at`.
    fn run(key: &str, at: Time) -> Box<dyn Cluster> {
        let preset = PRESETS.iter().find(|p| p.title == ["scn.", key].concat()).unwrap();
        let View::One(mode) = Link::parse(&link(preset, Lang::En, false)).0.view else {
            panic!("{key} shows one mode")
        };
        run_side(key, mode, at)
    }

    fn leader(cluster: &dyn Cluster) -> Option<NodeView> {
        cluster.node_views().into_iter().find(|n| matches!(n.role, Role::Leader | Role::Leading))
    }

    #[test]
    fn each_preset_shows_what_its_words_say() {
        // KRaft: c1 leads epoch 1, crashes at 5 s; another controller leads epoch 2.
        let c = run("kraft_failover", Time::from_ms(15_000));
        let l = leader(&*c).unwrap();
        assert_eq!((l.name() != "c1", l.epoch), (true, 2));
        // The brokers fetch from it within a few milliseconds of the election (6.627 s).
        let c = run("kraft_failover", Time::from_ms(6_700));
        let l = leader(&*c).unwrap();
        let brokers: Vec<NodeView> = c.node_views().into_iter().filter(|n| n.name().starts_with('b')).collect();
        assert!(brokers.len() == 3 && brokers.iter().all(|b| b.vote == Some(l.id)), "{brokers:?}");
        // Cut off from 5 s to 20 s: with pre-vote c2 never raises the epoch and c1 stays leader.
        let c = run("kraft_prevote", Time::from_ms(30_000));
        assert_eq!(leader(&*c).map(|l| (l.name(), l.epoch)), Some(("c1".into(), 1)));
        assert!(c.node_views().iter().all(|n| n.epoch == 1));
        // Without it, c2's epoch climbs and, healed, ends c1's leadership.
        let c = run("kraft_no_prevote", Time::from_ms(30_000));
        let l = leader(&*c).unwrap();
        assert!(l.epoch > 3 && l.name() != "c1", "{l:?}");
        // ZooKeeper: zk5 of five leads, crashes at 5 s; another server leads soon after.
        let c = run("zk_election", Time::from_ms(4_000));
        assert_eq!(leader(&*c).unwrap().name(), "zk5");
        let c = run("zk_election", Time::from_ms(8_000));
        assert_ne!(leader(&*c).unwrap().name(), "zk5");
        // ZooKeeper mode: b3 is the controller; no new one for more than 6 s after the crash (the
        // 18 s session), and sooner with the 6 s session.
        let controller = |c: &dyn Cluster| c.node_views().into_iter().find(|n| n.is_controller).map(|n| n.name());
        assert_eq!(controller(&*run("zk_controller", Time::from_ms(4_900))).as_deref(), Some("b3"));
        assert_eq!(controller(&*run("zk_controller", Time::from_ms(12_500))), None);
        assert!(controller(&*run("zk_controller", Time::from_ms(30_000))).is_some_and(|n| n != "b3"));
        assert!(controller(&*run("zk_short_session", Time::from_ms(12_500))).is_some_and(|n| n != "b3"));
    }

    #[test]
    fn the_zookeeper_election_preset_narrates_the_finalize_wait_its_words_mention() {
        // "after the 200 ms finalize wait the winner leads a new epoch": the servers left after
        // zk5's crash run a LOOKING round, and the winner's own decision is the finalize loop's
        // (FLE), narrated with the configured 200 ms; nobody joins an established leader.
        let c = run("zk_election", Time::from_ms(8_000));
        let winner = leader(&*c).unwrap();
        let mut notes = Vec::new();
        c.notes(0, &mut notes);
        let after = |key: &str| {
            notes.iter().filter(|n| n.at > Time::from_secs(5) && n.key == key).map(|n| n.node).collect::<Vec<_>>()
        };
        assert!(after("zk.joined").is_empty());
        let elected: Vec<_> = notes.iter().filter(|n| n.at > Time::from_secs(5) && n.key == "zk.elected").collect();
        let own = elected.iter().find(|n| n.node == winner.id).expect("the winner's decision");
        assert_eq!(own.args[2], "200");
        let words = crate::i18n::trf(Lang::En, own.key, &own.args.iter().map(String::as_str).collect::<Vec<_>>());
        assert!(words.contains("200 ms finalize wait"), "{words}");
    }

    /// One mode of a side-by-side preset, run to `at`.
    fn run_side(key: &str, mode: Mode, at: Time) -> Box<dyn Cluster> {
        let preset = PRESETS.iter().find(|p| p.title == ["scn.", key].concat()).unwrap();
        let opened = Link::parse(&link(preset, Lang::En, false)).0;
        let setup = Setup { script: opened.script_for(mode), ..opened.setup(mode) };
        let mut cluster = build(&setup).unwrap();
        cluster.run_until(at, usize::MAX);
        assert!(cluster.violations().is_empty());
        cluster
    }

    #[test]
    fn side_by_side_presets_show_what_their_words_say() {
        // The same crash at 5 s: KRaft has a controller again within seconds, ZooKeeper mode
        // still has none 10 s later (the session), then one.
        let kraft = run_side("both_failover", Mode::Kraft, Time::from_ms(15_000));
        let zk = run_side("both_failover", Mode::Zk, Time::from_ms(15_000));
        // (gap running now, last gap that ended), in ms.
        assert!(matches!(kraft.controller_gaps(), (None, Some(gap)) if gap < 4_000), "{:?}", kraft.controller_gaps());
        assert!(matches!(zk.controller_gaps(), (Some(gap), _) if gap >= 10_000), "{:?}", zk.controller_gaps());
        let zk = run_side("both_failover", Mode::Zk, Time::from_ms(30_000));
        assert!(matches!(zk.controller_gaps(), (None, Some(gap)) if gap > 10_000), "{:?}", zk.controller_gaps());
        // A topic created at 5 s on both: in the metadata (the first controller's log, the
        // first ZooKeeper server's tree) by 10 s, and a metadata-change latency measured.
        for mode in [Mode::Kraft, Mode::Zk] {
            let has_topic = |c: &dyn Cluster| {
                let mut lines = Vec::new();
                c.inspect(0, &mut lines);
                lines.iter().any(|l| l.contains("payments"))
            };
            assert!(!has_topic(&*run_side("both_topic", mode, Time::from_ms(4_900))), "{mode:?}");
            let after = run_side("both_topic", mode, Time::from_ms(10_000));
            assert!(has_topic(&*after), "{mode:?}");
            assert!(after.last_metadata_latency_ms().is_some(), "{mode:?}");
        }
    }

    #[test]
    fn a_page_knows_the_preset_it_opened_whatever_its_language_or_text_size() {
        for (i, preset) in PRESETS.iter().enumerate() {
            assert_eq!(current(&link(preset, Lang::En, false)), Some(i));
            assert_eq!(current(&link(preset, Lang::Ko, true)), Some(i));
        }
        // As the page rewrites its address.
        let canonical = [
            "?mode=both&seed=7&controllers=3&ensemble=3&brokers=3&lang=en&szk=at%205000000us%20crash%20controller%0A&skraft=at%205000000us%20crash%20controller%0A&t=0",
            "?mode=zk&seed=7&ensemble=3&brokers=3&lang=ko&s=set%20zookeeper.session.timeout.ms%3D6000%0Aat%205000000us%20crash%20controller%0A&t=0",
            "?mode=kraft&seed=7&controllers=3&brokers=3&lang=en&s=set%20quorum.pre.vote%3Doff%0Aat%205000000us%20partition%20c2%20%7C%20c1%20c3%0Aat%2020000000us%20heal%0A&t=0&big=1",
        ];
        let key = |search| current(search).map(|i| PRESETS[i].title);
        assert_eq!(key(canonical[0]), Some("scn.both_failover"));
        assert_eq!(key(canonical[1]), Some("scn.zk_short_session"));
        assert_eq!(key(canonical[2]), Some("scn.kraft_no_prevote"));
        // Not a preset: no actions, another seed, another moment, embedded, a bad address.
        assert_eq!(current("?mode=kraft&seed=7"), None);
        assert_eq!(current("?mode=kraft&seed=7&s=at+5s+crash+controller&t=1"), None);
        assert_eq!(current("?mode=kraft&seed=7&s=at+5s+crash+controller&t=0&embed=1"), None);
        assert_eq!(current("?mode=kraft&seed=7&s=at+5s+crash+controller&t=0&bogus=1"), None);
        assert_eq!(current("?mode=kraft&seed=8&s=at+5s+crash+controller"), None);
        assert_eq!(current(""), None);
    }
}
