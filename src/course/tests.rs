//! The course's files, checked natively: they parse, both languages say the same things, every
//! step can be reached on the engine, and what the text claims is what the engine does.

use super::cond::{controller, leader};
use super::run::{enter, finish, open_chapter, prepare};
use super::*;
use crate::session::lab::Lab;

const COURSE: &str = include_str!("../../course/course.txt");
const KO: &str = include_str!("../../course/ko.txt");
const EN: &str = include_str!("../../course/en.txt");

fn course() -> Course {
    Course::parse(COURSE).expect("course.txt parses")
}

#[test]
fn both_languages_have_every_text_and_nothing_else() {
    let course = course();
    for (file, text) in [("ko.txt", KO), ("en.txt", EN)] {
        let texts = Texts::parse(file, text).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(texts.check(&course), Vec::<String>::new(), "{file}");
    }
}

#[test]
fn both_languages_have_the_same_paragraphs_and_point_at_the_same_nodes() {
    let (ko, en) = (Texts::parse("ko.txt", KO).unwrap(), Texts::parse("en.txt", EN).unwrap());
    assert_eq!(ko.keys().collect::<Vec<_>>(), en.keys().collect::<Vec<_>>());
    for key in ko.keys() {
        assert_eq!(ko.all(key).len(), en.all(key).len(), "{key}: paragraphs");
        let nodes = |t: &Texts| -> Vec<String> {
            let mut n: Vec<String> = t
                .all(key)
                .iter()
                .flat_map(|p| terms(p).unwrap())
                .filter_map(|p| match p {
                    Piece::Term { node, .. } => Some(node.to_string()),
                    _ => None,
                })
                .collect();
            n.sort();
            n
        };
        assert_eq!(nodes(&ko), nodes(&en), "{key}: the nodes its terms point at");
    }
}

#[test]
fn the_course_tells_the_lectures_story_in_order() {
    let ids: Vec<String> = course().chapters.iter().map(|c| c.id.clone()).collect();
    assert_eq!(
        ids,
        [
            "coordination",
            "zk-ensemble",
            "zk-znodes",
            "zk-watches",
            "zab",
            "kafka-on-zk",
            "what-hurt",
            "kraft",
            "metadata-log",
            "side-by-side",
            "now"
        ]
    );
}

/// Walk every chapter as a student who does every step would, checking that each step's
/// condition happens, and that each question's answer is what the engine shows.
#[test]
fn every_step_of_every_chapter_can_be_reached_and_every_answer_is_right() {
    for chapter in &course().chapters {
        let (mut labs, problems) = open_chapter(chapter).unwrap();
        assert!(problems.is_empty(), "{}: {problems:?}", chapter.id);
        for step in &chapter.steps {
            let entries = enter(&mut labs, step);
            for (lab, entry) in labs.iter().zip(&entries) {
                for t in &step.spot {
                    assert!(t.resolve(&lab.views, entry).is_some(), "{}.{}: spot {t:?}", chapter.id, step.id);
                }
            }
            finish(&mut labs, step, &entries).unwrap_or_else(|e| panic!("{}: {e}", chapter.id));
            if let Kind::Ask { answer, about: Some(about), .. } = &step.kind {
                for lab in &labs {
                    let shown = match about {
                        About::Leader => leader(&lab.views).map(|v| v.name()),
                        About::Controller => controller(&lab.views).map(|v| v.name()),
                    };
                    assert_eq!(shown.as_deref(), Some(answer.as_str()), "{}.{}", chapter.id, step.id);
                }
            }
            for lab in &labs {
                assert!(
                    lab.cluster.violations().is_empty(),
                    "{}.{}: {:?}",
                    chapter.id,
                    step.id,
                    lab.cluster.violations()
                );
            }
        }
    }
}

#[test]
fn a_step_opened_from_an_address_is_the_walk_up_to_it() {
    let course = course();
    let chapter = &course.chapters[course.chapter("zk-ensemble").unwrap()];
    let last = chapter.steps.len() - 1;
    let (labs, _) = prepare(chapter, last).unwrap();
    let (again, _) = prepare(chapter, last).unwrap();
    assert_eq!(labs[0].cluster.trace_hash(), again[0].cluster.trace_hash(), "deterministic");
    assert!(labs[0].cluster.now() > open_chapter(chapter).unwrap().0[0].cluster.now());
}

/// The facts the chapters state, on the engine.
mod facts {
    use super::*;
    use quorumlab_sim::Time;

    fn chapter(id: &str) -> Chapter {
        let course = course();
        course.chapters[course.chapter(id).unwrap()].clone()
    }

    /// The clusters after the chapter's steps up to `step` (its id) are done.
    fn after(id: &str, step: &str) -> Vec<Lab> {
        let ch = chapter(id);
        let i = ch.steps.iter().position(|s| s.id == step).unwrap();
        let (mut labs, entries) = prepare(&ch, i).unwrap();
        finish(&mut labs, &ch.steps[i], &entries).unwrap();
        labs
    }

    #[test]
    fn an_ephemeral_znode_outlives_its_crashed_broker_until_the_session_expires() {
        // zk-znodes: "b2 is down, but /brokers/ids/2 stays until its session (18 s) expires".
        let labs = after("zk-znodes", "expire");
        let lab = &labs[0];
        let mut notes = Vec::new();
        lab.cluster.notes(0, &mut notes);
        let crash = notes.iter().find(|n| n.key == "narr.crash").expect("b2 crashed").at;
        let expired = notes.iter().find(|n| n.key == "zk.session_expired").expect("its session expired").at;
        let waited = expired.as_ms() - crash.as_ms();
        assert!((16_000..=20_000).contains(&waited), "expired {waited} ms after the crash");
    }

    /// The notes with `key`, in order.
    fn said(lab: &Lab, key: &str) -> Vec<quorumlab_sim::cluster::NoteView> {
        let mut notes = Vec::new();
        lab.cluster.notes(0, &mut notes);
        notes.into_iter().filter(|n| n.key == key).collect()
    }

    #[test]
    fn the_new_zk_controller_loads_every_partition_and_ten_times_the_partitions_load_ten_times_longer() {
        // what-hurt: "about 1.5 s for 10,000", "about 14 seconds" for 100,000.
        let labs = after("what-hurt", "ceiling-100k");
        let loads: Vec<(u64, u64)> = said(&labs[0], "kafka.load_done")
            .iter()
            .map(|n| (n.args[0].parse().unwrap(), n.args[1].parse().unwrap()))
            .collect();
        let (p10k, ms10k) = loads[loads.len() - 2];
        let (p100k, ms100k) = loads[loads.len() - 1];
        assert!((10_000..11_000).contains(&p10k) && (100_000..101_000).contains(&p100k), "{loads:?}");
        assert!((1_200..=1_800).contains(&ms10k), "10k loaded in {ms10k} ms");
        assert!((12_000..=16_000).contains(&ms100k), "100k loaded in {ms100k} ms");
    }

    #[test]
    fn a_zk_controller_crash_is_noticed_when_its_session_expires() {
        // zk-watches: "only when the session expired, about 18 seconds later".
        let labs = after("zk-watches", "notice");
        let gap = labs[0].cluster.controller_gaps().1.unwrap();
        assert!((16_000..=21_000).contains(&gap), "no controller for {gap} ms");
    }

    #[test]
    fn a_cut_off_but_healthy_broker_loses_its_leaderships_in_zk_mode() {
        // what-hurt.spread: b3 never stopped, yet the controller took its leaderships.
        let labs = after("what-hurt", "spread");
        let b3 = labs[0].views.iter().find(|v| v.name() == "b3").unwrap();
        assert!(b3.alive);
        assert_eq!(said(&labs[0], "kafka.brokers_left").last().unwrap().args, ["b3"]);
    }

    #[test]
    fn kraft_followers_notice_a_dead_leader_after_the_fetch_timeout_and_elect_in_a_higher_epoch() {
        // kraft.crash: "after 2 seconds without an answer ... a higher epoch. A few seconds".
        let labs = after("kraft", "crash");
        let lab = &labs[0];
        let crash = said(lab, "narr.crash").last().unwrap().at;
        let elected = said(lab, "kraft.leader").pop().unwrap();
        let took = elected.at.as_ms() - crash.as_ms();
        assert!((2_000..=5_000).contains(&took), "new leader {took} ms after the crash");
        assert!(elected.args[0].parse::<u64>().unwrap() > 1, "a higher epoch");
    }

    #[test]
    fn a_kraft_broker_is_fenced_nine_seconds_after_its_last_heartbeat_and_unfenced_once_caught_up() {
        // metadata-log.fence / unfence.
        let labs = after("metadata-log", "unfence");
        let lab = &labs[0];
        let crash = said(lab, "narr.crash").last().unwrap().at.as_ms();
        let fenced = said(lab, "kraft.md_fenced").last().unwrap().at.as_ms();
        assert!((7_000..=11_000).contains(&(fenced - crash)), "fenced {} ms after the crash", fenced - crash);
        let registered = said(lab, "kraft.md_registered").last().unwrap().at;
        let unfenced = said(lab, "kraft.md_unfenced").last().unwrap().at;
        assert!(unfenced > registered);
    }

    #[test]
    fn zk_mode_failover_with_many_partitions_waits_for_the_load_kraft_does_not() {
        // what-hurt: the new controller reads every partition first; side-by-side: KRaft's gap
        // is shorter.
        let labs = after("side-by-side", "failover");
        let gap = |lab: &Lab| lab.cluster.controller_gaps().1.expect("a gap ended");
        let (zk, kraft) = (&labs[0], &labs[1]);
        assert!(gap(zk) > 2 * gap(kraft), "ZooKeeper {} ms, KRaft {} ms", gap(zk), gap(kraft));
        let _ = Time::ZERO;
    }
}

/// Course files with mistakes: a clear message with the line, never a panic.
mod bad_files {
    use super::*;

    fn error(text: &str) -> CourseError {
        Course::parse(text).expect_err("refused")
    }

    #[test]
    fn a_bad_course_file_names_the_line_and_the_problem() {
        assert_eq!(error("").line, 0);
        let e = error("chapter a\nopen mode=zk\nstep one\nwatch leader zk1 zk2\n");
        assert_eq!((e.line, e.what.contains("too many")), (4, true), "{e}");
        let e = error("chapter a\nopen mode=zk\nstep one\ndo crsh zk1\n");
        assert_eq!(e.line, 4, "{e}");
        let e = error("chapter a\nopen mode=zk\nstep one\nask zk1 zk2\nanswer zk3\nthen leader\n");
        assert!(e.what.contains("not an option"), "{e}");
        let e = error("step one\n");
        assert!(e.what.contains("before any chapter"), "{e}");
        let e = error("chapter a\nopen mode=zk\nstep one\ntask leader\n");
        assert!(e.what.contains("solve"), "{e}");
        let e = error("chapter a\nstep one\n");
        assert!(e.what.contains("open"), "{e}");
        assert!(error(&"#".repeat(MAX_FILE_BYTES + 1)).what.contains("KiB"));
        let e = error("chapter a\nopen mode=zk\nstep one\nmsgs vote shout\n");
        assert_eq!((e.line, e.what.contains("`msgs shout`")), (4, true), "{e}");
        let e = error("chapter a\nopen mode=zk\nstep one\nsee experiments nope\n");
        assert_eq!((e.line, e.what.contains("see experiments scale|")), (4, true), "{e}");
    }

    #[test]
    fn a_step_names_the_messages_it_is_about_by_the_legends_names() {
        let course = Course::parse("chapter a\nopen mode=zk\nstep one\nmsgs notification watch\nstep two\n").unwrap();
        let steps = &course.chapters[0].steps;
        assert_eq!(steps[0].msgs, [quorumlab_sim::MsgClass::Notification, quorumlab_sim::MsgClass::Watch]);
        assert!(steps[1].msgs.is_empty());
        // The course's own: the election, the watch, ZAB's and KRaft's steps name their messages.
        let course = Course::parse(COURSE).unwrap();
        let named = |chapter: &str, step: &str| {
            let c = &course.chapters[course.chapter(chapter).unwrap()];
            c.steps
                .iter()
                .find(|s| s.id == step)
                .unwrap()
                .msgs
                .iter()
                .map(|c| crate::canvas::class_name(*c))
                .collect::<Vec<_>>()
        };
        assert_eq!(named("zk-ensemble", "first"), ["notification"]);
        assert_eq!(named("zk-watches", "notice"), ["watch"]);
        assert_eq!(named("zab", "write"), ["proposal", "ack", "commit"]);
        assert_eq!(named("kraft", "crash"), ["prevote", "vote", "begin"]);
        assert_eq!(named("metadata-log", "topic"), ["fetch", "fetchdata"]);
    }

    #[test]
    fn a_step_may_link_to_an_experiment() {
        let course = Course::parse("chapter a\nopen mode=zk\nstep one\nsee experiments stall\nstep two\n").unwrap();
        let steps = &course.chapters[0].steps;
        assert_eq!((steps[0].see, steps[1].see), (Some(crate::link::Experiment::Stall), None));
        // The course's own: the partition ceiling's step leads to the scale experiment.
        let course = Course::parse(COURSE).unwrap();
        let linked: Vec<_> = course
            .chapters
            .iter()
            .flat_map(|c| c.steps.iter().filter_map(move |s| s.see.map(|e| (c.id.as_str(), s.id.as_str(), e))))
            .collect();
        assert_eq!(linked, [("what-hurt", "ceiling-100k", crate::link::Experiment::Scale)]);
    }

    #[test]
    fn a_bad_text_file_names_the_line_and_the_problem() {
        let e = Texts::parse("en.txt", "title: before a section\n").unwrap_err();
        assert_eq!(e.line, 1);
        let e = Texts::parse("en.txt", "[a]\nwhat: x\n").unwrap_err();
        assert!(e.what.contains("unknown key"), "{e}");
        let e = Texts::parse("en.txt", "[a.b]\ntext: {zk9 no bar}\n").unwrap_err();
        assert!(e.what.contains("term"), "{e}");
        let e = Texts::parse("en.txt", "[a.b]\ntext: {x1|not a node}\n").unwrap_err();
        assert!(e.what.contains("not a node"), "{e}");
        let e = Texts::parse("en.txt", "[A b]\n").unwrap_err();
        assert!(e.what.contains("expected [chapter]"), "{e}");
    }

    #[test]
    fn missing_and_unexpected_words_are_listed() {
        let course = course();
        let mut text = EN.replace("[now.today]", "[now.todayx]");
        text.push_str("\n[now.timeline]\nask: a question nobody asked\n");
        let problems = Texts::parse("en.txt", &text).unwrap().check(&course);
        assert!(problems.contains(&"missing: now.today.text".to_string()), "{problems:?}");
        assert!(problems.contains(&"not expected: now.timeline.ask".to_string()), "{problems:?}");
        assert!(problems.contains(&"unknown: now.todayx.text".to_string()), "{problems:?}");
    }

    #[test]
    fn terms_and_code_are_split_out() {
        assert_eq!(
            terms("a {zk1|the leader} writes `/controller`.").unwrap(),
            [
                Piece::Words("a "),
                Piece::Term { node: "zk1", words: "the leader" },
                Piece::Words(" writes "),
                Piece::Code("/controller"),
                Piece::Words("."),
            ]
        );
        assert!(terms("`open").is_err());
    }
}

#[test]
fn every_role_the_engine_shows_can_be_waited_for_by_its_slug() {
    use quorumlab_sim::cluster::Role;
    let mut slugs: Vec<&str> = Role::ALL.iter().map(|r| r.slug()).collect();
    for role in Role::ALL {
        let cond = Cond::parse(&format!("role b1 {}", role.slug())).unwrap();
        assert_eq!(cond, Cond::Role(Target::Named("b1".into()), role));
    }
    slugs.sort();
    slugs.dedup();
    assert_eq!(slugs.len(), Role::ALL.len(), "one slug per role");
    assert!(Cond::parse("role b1 sleeping").is_err());
}
