//! KRaft scenarios that must play out as in the real system (issue 3; shared/reference/
//! domain.md §3.4–§3.6 and §5.2). Each test asserts what Kafka does, with its default timers.

use quorumlab_sim::cluster::{Cluster, Inspect as _, NodeKind, NoteView, Role};
use quorumlab_sim::kraft::controller::State;
use quorumlab_sim::kraft::log::Entry;
use quorumlab_sim::kraft::msg::{FetchBody, Msg};
use quorumlab_sim::kraft::record::Record;
use quorumlab_sim::kraft::{Config, Controller, KraftCluster};
use quorumlab_sim::scenario::{NodePrefix, NodeRef, ScenarioAction};
use quorumlab_sim::{Input, Output, Time};

fn cluster(seed: u64, brokers: usize, partitions: u32) -> KraftCluster {
    KraftCluster::new(seed, Config { brokers, partitions, ..Config::default() })
}

fn ctl(n: u32) -> NodeRef {
    NodeRef::Named { prefix: NodePrefix::Controller, number: n }
}

fn b(n: u32) -> NodeRef {
    NodeRef::Named { prefix: NodePrefix::Broker, number: n }
}

fn notes(c: &KraftCluster) -> Vec<NoteView> {
    let mut notes = Vec::new();
    c.notes(0, &mut notes);
    notes
}

fn dump(c: &KraftCluster) -> String {
    let mut s = String::new();
    for n in notes(c) {
        s += &format!("{} {} {} {:?}\n", n.at, c.name(n.node), n.key, n.args);
    }
    for v in c.node_views() {
        s += &format!(
            "{} {:?} epoch {} leo {} hw {} vote {:?}\n",
            v.name(),
            v.role,
            v.epoch,
            v.log_end,
            v.committed,
            v.vote
        );
    }
    s + &format!("{:?}", c.violations())
}

fn leader(c: &KraftCluster) -> Option<(usize, u64)> {
    c.active_controller().map(|l| (l.id, l.epoch))
}

/// Every partition's leader as the brokers' images say (they must agree).
fn partition_leaders(c: &KraftCluster) -> Vec<Option<usize>> {
    let b = c.brokers().find(|b| c.world().is_alive(b.id)).expect("a live broker");
    b.image.partitions().map(|(_, _, p)| p.leader).collect()
}

#[test]
fn brokers_register_unfence_and_the_initial_topic_is_created() {
    for seed in 0..20 {
        let mut c = cluster(seed, 3, 6);
        c.run_until(Time::from_secs(10), usize::MAX);
        assert!(c.violations().is_empty(), "{}", dump(&c));
        for v in c.node_views().iter().filter(|v| v.kind == NodeKind::Broker) {
            assert_eq!(v.role, Role::Active, "seed {seed}: {} is {:?}\n{}", v.name(), v.role, dump(&c));
        }
        // KIP-631: broker epoch = offset of its RegisterBrokerRecord.
        for b in c.brokers() {
            let epoch = b.broker_epoch.expect("registered");
            let entry = b.log.get(epoch).expect("record");
            assert!(matches!(entry.record, Record::RegisterBroker { broker, .. } if broker == b.id));
            assert_eq!(b.image.partition_count, 6);
        }
        assert!(!c.summary().metadata_change_latency_ms.is_empty());
    }
}

#[test]
fn crash_the_active_controller_then_prevote_vote_new_leader_and_brokers_follow() {
    for seed in 0..20 {
        let mut c = cluster(seed, 3, 6);
        c.run_until(Time::from_secs(10), usize::MAX);
        let (old, old_epoch) = leader(&c).expect("leader");
        let before = partition_leaders(&c);
        c.schedule(Time::from_secs(10), &ScenarioAction::Crash(NodeRef::Controller)).unwrap();
        c.run_until(Time::from_secs(20), usize::MAX);
        let log = dump(&c);
        assert!(c.violations().is_empty(), "{log}");
        let (new, new_epoch) = leader(&c).unwrap_or_else(|| panic!("seed {seed}: no new leader\n{log}"));
        assert_ne!(new, old);
        assert!(new_epoch > old_epoch);
        // §3.5: fetch timeout → Prospective (pre-vote) → Candidate (vote) → Leader, in order.
        let after: Vec<NoteView> = notes(&c).into_iter().filter(|n| n.at >= Time::from_secs(10)).collect();
        let on_new = |key: &str| after.iter().find(|n| n.node == new && n.key == key).map(|n| n.at);
        let timeout = on_new("kraft.fetch_timeout").unwrap_or_else(|| panic!("no fetch timeout\n{log}"));
        let prospective = on_new("kraft.prospective").expect("pre-vote");
        let candidate = on_new("kraft.candidate").expect("vote");
        let elected = on_new("kraft.leader").expect("leader");
        assert!(timeout <= prospective && prospective <= candidate && candidate <= elected, "{log}");
        // Detection takes the 2 s fetch timeout (counted from the last fetch answer).
        let detect_ms = timeout.since(Time::from_secs(10)) / 1_000;
        assert!((1_400..=2_100).contains(&detect_ms), "seed {seed}: detected after {detect_ms} ms\n{log}");
        // Brokers follow the new leader; partition leadership does not change. Kafka 4.1
        // maybeSendFetchToBestNode: while the crashed leader refuses, each fetch goes to another
        // voter, whose answer names the new leader as soon as there is one.
        for b in c.brokers() {
            assert_eq!(b.leader, Some(new), "seed {seed}\n{log}");
            let follows = after
                .iter()
                .find(|n| n.node == b.id && n.key == "kraft.broker_follows" && n.args[0] == c.name(new))
                .unwrap_or_else(|| panic!("{log}"));
            assert!(
                follows.at.since(elected) <= 100_000,
                "seed {seed}: {} follows at {:?}\n{log}",
                c.name(b.id),
                follows.at
            );
        }
        assert_eq!(partition_leaders(&c), before, "seed {seed}: §3.5 no partition moves\n{log}");
        assert!(!after.iter().any(|n| n.key == "kraft.md_fenced"), "no broker is fenced on failover\n{log}");
    }
}

#[test]
fn crash_a_broker_it_is_fenced_after_the_session_timeout_and_leaders_move() {
    for seed in 0..20 {
        let mut c = cluster(seed, 3, 6);
        c.run_until(Time::from_secs(10), usize::MAX);
        let b1 = c.broker_id(1).unwrap();
        let led = partition_leaders(&c).iter().filter(|l| **l == Some(b1)).count();
        assert!(led > 0, "round-robin placement gives b1 some leaderships");
        c.schedule(Time::from_secs(10), &ScenarioAction::Crash(b(1))).unwrap();
        c.run_until(Time::from_secs(25), usize::MAX);
        let log = dump(&c);
        assert!(c.violations().is_empty(), "{log}");
        let fenced = notes(&c)
            .into_iter()
            .find(|n| n.key == "kraft.md_fenced" && n.args[0] == "b1")
            .unwrap_or_else(|| panic!("b1 never fenced\n{log}"));
        // The lease started at its last heartbeat, at most 2 s before the crash; Kafka 4.x fences
        // at the first periodic check (every 9 s / 8 = 1 125 ms) after it expired.
        let after_ms = fenced.at.since(Time::from_secs(10)) / 1_000;
        assert!((7_000..=10_135).contains(&after_ms), "seed {seed}: fenced {after_ms} ms after the crash\n{log}");
        assert!(notes(&c).iter().all(|n| n.key != "kraft.md_fenced" || n.at >= Time::from_secs(17)), "{log}");
        // KIP-631: its partitions moved to the first live ISR replica; it left every ISR.
        for live in c.brokers().filter(|b| c.world().is_alive(b.id)) {
            for (_, _, p) in live.image.partitions() {
                assert_ne!(p.leader, Some(b1), "seed {seed}\n{log}");
                assert!(p.leader.is_some());
                assert!(!p.isr.contains(b1), "{log}");
                assert_eq!(p.leader, p.replicas.iter().find(|r| *r != b1), "assignment order");
            }
        }
        // Restarted, it registers again (new broker epoch), is unfenced and rejoins the ISRs.
        c.schedule(Time::from_secs(25), &ScenarioAction::Restart(b(1))).unwrap();
        c.run_until(Time::from_secs(32), usize::MAX);
        let v = c.node_views().into_iter().find(|v| v.id == b1).unwrap();
        assert_eq!(v.role, Role::Active, "{}", dump(&c));
        assert!(c.violations().is_empty(), "{}", dump(&c));
    }
}

#[test]
fn a_broker_restarted_within_its_session_waits_until_its_old_registration_is_fenced() {
    // Kafka 4.1 ClusterControlManager.registerBroker: DUPLICATE_BROKER_REGISTRATION while the
    // old incarnation's session is valid; BrokerLifecycleManager retries every 2 s; the periodic
    // maybeFenceStaleBroker check (every 1 125 ms) fences the old registration once its session
    // expired and moves its leaderships; the next attempt is taken. ZooKeeper mode waits the
    // same way for the old /brokers/ids/N ephemeral to go.
    for seed in 0..20 {
        let mut c = cluster(seed, 3, 6);
        c.run_until(Time::from_secs(10), usize::MAX);
        let b1 = c.broker_id(1).unwrap();
        c.schedule(Time::from_secs(10), &ScenarioAction::Crash(b(1))).unwrap();
        c.schedule(Time::from_secs(11), &ScenarioAction::Restart(b(1))).unwrap();
        c.run_until(Time::from_secs(16), usize::MAX);
        let log = dump(&c);
        assert!(partition_leaders(&c).contains(&Some(b1)), "seed {seed}: still leads until fenced\n{log}");
        c.run_until(Time::from_secs(30), usize::MAX);
        let log = dump(&c);
        assert!(c.violations().is_empty(), "{log}");
        let on_b1 = |key: &str| {
            notes(&c).into_iter().filter(|n| n.node == b1 && n.key == key).map(|n| n.at).collect::<Vec<_>>()
        };
        let refused = on_b1("kraft.broker_duplicate_registration");
        // The old registration's leaderships move once its session expired: fenced by the
        // periodic check, or, if the retry comes first, in the accepted registration's batch.
        let first_after = |key: &str| {
            notes(&c)
                .into_iter()
                .find(|n| n.key == key && n.args[0] == "b1" && n.at > Time::from_secs(10))
                .map(|n| n.at)
        };
        let registered = first_after("kraft.md_registered")
            .or(first_after("kraft.md_registered_replacing"))
            .unwrap_or_else(|| panic!("seed {seed}: never registered again\n{log}"));
        let moved = first_after("kraft.md_fenced").unwrap_or(registered);
        // Its last heartbeat was in (8 s, 10 s]: moved after 17 s and by 20.125 s.
        assert!(
            moved > Time::from_secs(17) && moved <= Time::from_ms(20_135),
            "seed {seed}: moved at {moved:?}\n{log}"
        );
        assert!(!refused.is_empty() && refused.iter().all(|t| *t < moved), "seed {seed}: {refused:?}\n{log}");
        // Retries are 2 s apart; the first after the session expired is taken.
        assert!(refused.windows(2).all(|w| w[1].since(w[0]) >= 2_000_000), "{refused:?}");
        assert!(
            registered >= moved && registered.since(moved) <= 2_100_000,
            "seed {seed}: registered at {registered:?}\n{log}"
        );
        let v = c.node_views().into_iter().find(|v| v.id == b1).unwrap();
        assert_eq!(v.role, Role::Active, "{log}");
    }
}

#[test]
fn controlled_shutdown_moves_leaders_away_before_the_broker_stops() {
    for seed in 0..10 {
        let mut c = cluster(seed, 3, 6);
        c.run_until(Time::from_secs(10), usize::MAX);
        let b2 = c.broker_id(2).unwrap();
        c.schedule(Time::from_secs(10), &ScenarioAction::Shutdown(b(2))).unwrap();
        c.run_until(Time::from_secs(16), usize::MAX);
        let log = dump(&c);
        assert!(c.violations().is_empty(), "{log}");
        let keys: Vec<&str> = notes(&c).iter().map(|n| n.key).collect();
        let pos = |k: &str| keys.iter().position(|x| *x == k).unwrap_or_else(|| panic!("no {k}\n{log}"));
        assert!(pos("kraft.broker_shutting_down") < pos("kraft.md_controlled_shutdown"));
        assert!(pos("kraft.md_controlled_shutdown") < pos("kraft.md_shutdown_now"));
        assert!(pos("kraft.md_shutdown_now") < pos("kraft.broker_shutdown_done"));
        assert!(!c.world().is_alive(b2), "{log}");
        // It left without waiting for a session timeout, and leads nothing.
        assert!(partition_leaders(&c).iter().all(|l| *l != Some(b2) && l.is_some()), "{log}");
    }
}

#[test]
fn create_topic_through_the_active_controller_and_refusals() {
    let mut c = cluster(5, 3, 0);
    let create = |name: &str, partitions, rf| ScenarioAction::CreateTopic {
        name: name.into(),
        partitions,
        replication_factor: rf,
    };
    c.schedule(Time::from_secs(5), &create("orders", 4, 3)).unwrap();
    c.schedule(Time::from_secs(6), &create("orders", 4, 3)).unwrap();
    c.schedule(Time::from_secs(7), &create("big", 4, 4)).unwrap();
    c.run_until(Time::from_secs(10), usize::MAX);
    let log = dump(&c);
    let keys: Vec<&str> = notes(&c).iter().map(|n| n.key).collect();
    assert!(keys.contains(&"kraft.md_topic_created"), "{log}");
    assert!(keys.contains(&"kraft.topic_exists"), "{log}");
    assert!(keys.contains(&"kraft.topic_not_enough_brokers"), "{log}");
    for b in c.brokers() {
        assert_eq!(b.image.topic_ids.len(), 1);
        assert_eq!(b.image.partition_count, 4);
    }
    let latencies = c.summary().metadata_change_latency_ms;
    assert!(latencies.iter().all(|ms| *ms < 100), "{latencies:?}");
    assert!(c.violations().is_empty(), "{log}");
}

#[test]
fn a_leader_cut_into_a_minority_resigns_by_check_quorum_and_the_majority_elects_another() {
    for seed in 0..20 {
        let mut c = cluster(seed, 2, 2);
        c.run_until(Time::from_secs(10), usize::MAX);
        let (old, old_epoch) = leader(&c).unwrap();
        let others: Vec<NodeRef> =
            (0..3).filter(|i| *i != old).map(|i| ctl(i as u32 + 1)).chain([b(1), b(2)]).collect();
        let cut = ScenarioAction::Partition(vec![vec![ctl(old as u32 + 1)], others]);
        c.schedule(Time::from_secs(10), &cut).unwrap();
        c.run_until(Time::from_secs(16), usize::MAX);
        let log = dump(&c);
        assert!(c.violations().is_empty(), "{log}");
        // KIP-595 check-quorum: no fetch from a majority within 1.5 × fetch timeout = 3 s.
        let resigned = notes(&c)
            .into_iter()
            .find(|n| n.node == old && n.key == "kraft.check_quorum")
            .unwrap_or_else(|| panic!("seed {seed}: no check-quorum resignation\n{log}"));
        let after_ms = resigned.at.since(Time::from_secs(10)) / 1_000;
        assert!((2_500..=3_100).contains(&after_ms), "seed {seed}: resigned after {after_ms} ms\n{log}");
        let (new, new_epoch) = leader(&c).unwrap_or_else(|| panic!("seed {seed}: no leader\n{log}"));
        assert_ne!(new, old);
        assert!(new_epoch > old_epoch);
        // After healing the old leader follows the new one, and so does every broker. (Before:
        // Kafka 4.1's observers send each fetch to a random voter once their fetch timeout
        // passed, and one sent to the cut-off old leader waits out the 2 s request timeout, so a
        // broker may take a few of those to find the new leader.)
        c.schedule(Time::from_secs(16), &ScenarioAction::Heal).unwrap();
        c.run_until(Time::from_secs(22), usize::MAX);
        let v = &c.node_views()[old];
        assert_eq!((v.role, v.vote), (Role::Follower, Some(new)), "seed {seed}\n{}", dump(&c));
        for b in c.brokers() {
            assert_eq!(b.leader, Some(new), "seed {seed}\n{}", dump(&c));
        }
        assert!(c.violations().is_empty());
    }
}

#[test]
fn a_restarted_voter_with_a_stale_tail_truncates_on_diverging_epoch() {
    for seed in 0..20 {
        let mut c = cluster(seed, 2, 0);
        c.run_until(Time::from_secs(10), usize::MAX);
        let (old, _) = leader(&c).unwrap();
        let others: Vec<NodeRef> =
            (0..3).filter(|i| *i != old).map(|i| ctl(i as u32 + 1)).chain([b(1), b(2)]).collect();
        c.schedule(Time::from_secs(10), &ScenarioAction::Partition(vec![vec![ctl(old as u32 + 1)], others])).unwrap();
        // The isolated leader still accepts a topic (and NoOps): uncommitted records.
        let create = ScenarioAction::CreateTopic { name: "lost".into(), partitions: 2, replication_factor: 2 };
        c.schedule(Time::from_ms(10_500), &create).unwrap();
        c.schedule(Time::from_ms(12_000), &ScenarioAction::Crash(ctl(old as u32 + 1))).unwrap();
        c.schedule(Time::from_secs(15), &ScenarioAction::Heal).unwrap();
        c.schedule(Time::from_secs(16), &ScenarioAction::Restart(ctl(old as u32 + 1))).unwrap();
        c.run_until(Time::from_secs(22), usize::MAX);
        let log = dump(&c);
        assert!(c.violations().is_empty(), "{log}");
        let truncated = notes(&c)
            .into_iter()
            .find(|n| n.node == old && n.key == "kraft.truncated")
            .unwrap_or_else(|| panic!("seed {seed}: no truncation\n{log}"));
        assert!(truncated.args[0].parse::<u64>().unwrap() > 0, "{log}");
        assert!(truncated.at >= Time::from_secs(16));
        // Its log now matches the leader's; the topic it accepted alone never existed.
        let (new, _) = leader(&c).unwrap();
        let (a, l) = (c.controller(old).unwrap(), c.controller(new).unwrap());
        let common = a.log.end_offset().min(l.log.end_offset());
        assert_eq!(a.log.entries()[..common as usize], l.log.entries()[..common as usize]);
        for b in c.brokers() {
            assert!(!b.image.topic_ids.contains_key("lost"), "{log}");
        }
    }
}

/// Raft Figure 8 (§5.4.2): an entry of an older epoch that sits on a majority is not
/// committed until the new leader gets an entry of its own epoch (KRaft: the
/// LeaderChangeMessage at the epoch start offset) onto a majority.
#[test]
fn figure_8_an_old_entry_on_a_majority_is_committed_only_with_one_of_the_new_epoch() {
    let voters: Vec<usize> = (0..5).collect();
    let mut s1 = Controller::new(0, voters, Config { controllers: 5, ..Config::default() }, 1);
    // (a)–(c): S1's log holds index 0 of epoch 1 and index 1 of epoch 2 (the entry S1 wrote
    // as leader of epoch 2), and S1 now wins epoch 4.
    s1.log.append(Entry { epoch: 1, record: Record::NoOp, batch_end: true });
    s1.log.append(Entry { epoch: 2, record: Record::NoOp, batch_end: true });
    s1.epoch = 4;
    s1.voted_for = Some(0);
    s1.state = State::Candidate { granted: [0].into(), rejected: Default::default() };
    let mut out = Vec::new();
    let now = Time::from_secs(1);
    for voter in [1, 2] {
        let msg = Msg::VoteResponse { epoch: 4, leader: None, granted: true, pre_vote: false };
        s1.step(now, Input::Msg { from: voter, msg }, &mut out);
    }
    assert!(s1.is_leader());
    assert_eq!(s1.log.end_offset(), 3, "LeaderChangeMessage appended at the epoch start offset 2");
    // S2 and S3 fetch up to offset 2: the epoch-2 entry is on a majority (S1, S2, S3)...
    out.clear();
    for voter in [1, 2] {
        let msg = Msg::Fetch { epoch: 4, fetch_offset: 2, last_fetched_epoch: 2 };
        s1.step(now, Input::Msg { from: voter, msg }, &mut out);
    }
    // ...but it is not committed: the high watermark stays and is not even reported.
    assert_eq!(s1.high_watermark, 0);
    for o in &out {
        if let Output::Send {
            msg: Msg::FetchResponse { high_watermark, body: FetchBody::Records { .. }, .. }, ..
        } = o
        {
            assert_eq!(*high_watermark, None);
        }
    }
    // (e): once the LeaderChangeMessage of epoch 4 is on a majority, everything up to it commits.
    out.clear();
    for voter in [1, 2] {
        let msg = Msg::Fetch { epoch: 4, fetch_offset: 3, last_fetched_epoch: 4 };
        s1.step(now, Input::Msg { from: voter, msg }, &mut out);
    }
    assert_eq!(s1.high_watermark, 3);
}

/// The same situation in a running cluster: a voter partitioned away with pre-vote off keeps
/// raising its epoch, and when it comes back its Vote requests depose a healthy leader. With
/// KIP-996 pre-vote it stays Prospective at the same epoch and rejoins without disruption.
#[test]
fn pre_vote_prevents_the_disruption_a_rejoining_partitioned_voter_causes() {
    let run = |pre_vote: bool, seed: u64| {
        let mut c = KraftCluster::new(seed, Config { brokers: 1, pre_vote, ..Config::default() });
        c.run_until(Time::from_secs(10), usize::MAX);
        let (l, epoch) = leader(&c).unwrap();
        let f = (l + 1) % 3;
        let rest: Vec<NodeRef> = (0..3).filter(|i| *i != f).map(|i| ctl(i as u32 + 1)).chain([b(1)]).collect();
        c.schedule(Time::from_secs(10), &ScenarioAction::Partition(vec![vec![ctl(f as u32 + 1)], rest])).unwrap();
        c.schedule(Time::from_secs(20), &ScenarioAction::Heal).unwrap();
        c.run_until(Time::from_secs(19), usize::MAX);
        let isolated_epoch = c.node_views()[f].epoch;
        c.run_until(Time::from_secs(30), usize::MAX);
        assert!(c.violations().is_empty(), "{}", dump(&c));
        let changes = c.summary().quorum_leader_history.iter().filter(|p| p.t_ms >= 20_000).count();
        (epoch, isolated_epoch, leader(&c).unwrap(), changes)
    };
    for seed in 0..10 {
        let (epoch, isolated, (_, after), changes) = run(false, seed);
        assert!(isolated > epoch + 2, "seed {seed}: without pre-vote the isolated voter bumps its epoch");
        assert!(after > epoch && changes > 0, "seed {seed}: the rejoining voter forces a new election");
        let (epoch, isolated, (_, after), changes) = run(true, seed);
        assert_eq!(isolated, epoch, "seed {seed}: pre-vote does not bump the epoch");
        assert_eq!((after, changes), (epoch, 0), "seed {seed}: no disruption with pre-vote");
    }
}

#[test]
fn odd_action_sequences_never_panic_and_keep_every_invariant() {
    let create = |name: &str, partitions, rf| ScenarioAction::CreateTopic {
        name: name.into(),
        partitions,
        replication_factor: rf,
    };
    let steps = [
        (500, ScenarioAction::Crash(b(1))),
        (600, ScenarioAction::Crash(b(1))),
        (700, ScenarioAction::Restart(ctl(1))),
        (1_100, ScenarioAction::Shutdown(ctl(2))),
        (1_200, ScenarioAction::Shutdown(NodeRef::Controller)),
        (1_300, create("early", 3, 1)),
        (4_000, ScenarioAction::Shutdown(b(2))),
        (4_001, ScenarioAction::Shutdown(b(2))),
        (4_500, create("zero", 0, 0)),
        (4_600, create("wide", 2, 9)),
        (5_000, ScenarioAction::Restart(b(1))),
        (5_000, ScenarioAction::Restart(b(1))),
        (6_000, ScenarioAction::Crash(NodeRef::Leader)),
        (6_000, ScenarioAction::Crash(NodeRef::Leader)),
        (6_000, ScenarioAction::Crash(NodeRef::Leader)),
        (7_000, ScenarioAction::Restart(ctl(1))),
        (7_000, ScenarioAction::Restart(ctl(2))),
        (7_000, ScenarioAction::Restart(ctl(3))),
        (9_000, create("late", 2, 2)),
    ];
    for seed in 0..20 {
        let mut c = cluster(seed, 3, 4);
        for (at, a) in &steps {
            c.schedule(Time::from_ms(*at), a).unwrap();
        }
        assert!(c.schedule(Time::ZERO, &ScenarioAction::Crash(b(9))).is_err());
        c.run_until(Time::from_secs(30), usize::MAX);
        assert!(c.violations().is_empty(), "seed {seed}\n{}", dump(&c));
        assert!(leader(&c).is_some(), "seed {seed}\n{}", dump(&c));
    }
}

#[test]
fn alter_config_appends_a_config_record_that_every_broker_replays() {
    let script = quorumlab_sim::scenario::parse(
        "at 10s alter-config orders retention.ms=3600000\n\
         at 11s alter-config payments retention.ms=1\n\
         at 12s crash b2\n\
         at 13s alter-config orders cleanup.policy=compact\n\
         at 14s crash controller\n\
         at 14100ms alter-config orders min.insync.replicas=2\n\
         at 20s restart b2\n\
         at 25s alter-config orders retention.ms=3600000\n",
    )
    .unwrap();
    let mut c = cluster(5, 3, 2);
    for step in &script.steps {
        c.schedule(step.at, &step.action).unwrap();
    }
    c.run_until(Time::from_secs(30), usize::MAX);
    let log = dump(&c);
    assert!(c.violations().is_empty(), "{log}");
    let count = |key: &str| notes(&c).iter().filter(|n| n.key == key).count();
    // KIP-631: two ConfigRecords; the unknown topic is refused (UNKNOWN_TOPIC_OR_PARTITION);
    // the request sent while no controller was active is lost; an unchanged value writes none.
    assert_eq!(count("kraft.md_config_altered"), 2, "{log}");
    assert_eq!(count("kraft.config_unknown_topic"), 1, "{log}");
    assert_eq!(count("kraft.config_unchanged"), 1, "{log}");
    let altered = notes(&c).into_iter().find(|n| n.key == "kraft.md_config_altered").unwrap();
    assert_eq!(altered.args, vec!["orders".to_string(), "retention.ms".to_string(), "3600000".to_string()]);
    let leader = c.active_controller().expect("a leader after the failover");
    let config_records = (0..leader.log.end_offset())
        .filter(|o| matches!(leader.log.get(*o).map(|e| &e.record), Some(Record::Config { .. })))
        .count();
    assert_eq!(config_records, 2, "{log}");
    // Every broker, the one that was down for the second record included, replayed both.
    let expected = [("cleanup.policy", "compact"), ("retention.ms", "3600000")];
    for b in c.brokers() {
        let configs: Vec<(&str, &str)> =
            b.image.topic_configs["orders"].iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(configs, expected, "{}\n{log}", c.name(b.id));
    }
    let mut lines = Vec::new();
    c.inspect(c.broker_id(2).unwrap(), &mut lines);
    assert!(lines.contains(&"orders  configs  cleanup.policy=compact, retention.ms=3600000".to_string()), "{lines:#?}");
    // Metadata-change latency counts the config changes like any other record.
    assert!(!c.summary().metadata_change_latency_ms.is_empty());
}
