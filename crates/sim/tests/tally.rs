//! The vote tally each node shows while it runs an election, and the time of the last event.

use quorumlab_sim::cluster::{Cluster, NodeKind, Role};
use quorumlab_sim::setup::{build, Mode, Setup};
use quorumlab_sim::Time;

/// (role, votes, needed) as one node showed it.
type Seen = (Role, u32, u32);

/// The highest tally each node showed, by name.
fn best_by_node(setup: &Setup) -> std::collections::BTreeMap<String, u32> {
    let mut cluster = build(setup).expect("builds");
    let mut best = std::collections::BTreeMap::new();
    while cluster.now() < Time::from_secs(10) && cluster.step_one() {
        for v in cluster.node_views() {
            if let Some((votes, _)) = v.tally {
                let entry = best.entry(v.name()).or_insert(0);
                *entry = votes.max(*entry);
            }
        }
    }
    best
}

/// Step event by event through the first election, collecting every tally seen.
fn tallies_during_first_election(setup: &Setup) -> (Vec<Seen>, Box<dyn Cluster>) {
    let mut cluster = build(setup).expect("builds");
    let mut seen = Vec::new();
    while cluster.now() < Time::from_secs(10) && cluster.step_one() {
        for v in cluster.node_views() {
            if let Some((votes, needed)) = v.tally {
                seen.push((v.role, votes, needed));
            }
        }
    }
    (seen, cluster)
}

#[test]
fn kraft_candidates_count_granted_votes_towards_a_majority() {
    let setup = Setup { seed: 3, controllers: 5, ..Setup::default() };
    let (seen, cluster) = tallies_during_first_election(&setup);
    assert!(seen.iter().any(|(role, ..)| *role == Role::Candidate), "a candidate shows a tally");
    assert!(seen.iter().all(|(role, _, needed)| matches!(role, Role::Candidate | Role::Prospective) && *needed == 3));
    assert!(seen.iter().all(|(_, votes, _)| (1..=5).contains(votes)), "its own vote counts, at most 5");
    // KIP-595: the vote that completes a majority moves the node on (candidate → leader,
    // prospective → candidate) in the same event, so a shown tally is always short of it.
    assert!(seen.iter().all(|(_, votes, needed)| votes < needed));
    let views = cluster.node_views();
    assert!(views.iter().any(|v| v.role == Role::Leader));
    assert!(views.iter().all(|v| v.tally.is_none()), "no tally once the election is over");
}

#[test]
fn zookeeper_looking_servers_count_notifications_that_agree_with_their_proposal() {
    let setup = Setup { seed: 3, mode: Mode::Zk, ensemble: 5, ..Setup::default() };
    let (seen, cluster) = tallies_during_first_election(&setup);
    assert!(!seen.is_empty());
    assert!(seen.iter().all(|(role, _, needed)| *role == Role::Looking && *needed == 3));
    assert!(seen.iter().any(|(_, votes, _)| *votes >= 3), "a quorum agreed before the servers left LOOKING");
    let views = cluster.node_views();
    assert!(views.iter().filter(|v| v.kind == NodeKind::ZkServer).all(|v| v.tally.is_none()));
    // FLE: every server, the one everybody ends up voting for included, saw a quorum agree
    // with its proposal before leaving LOOKING (it counts its own notification too).
    let leader = views.iter().find(|v| v.role == Role::Leading).map(|v| v.name()).expect("a leader");
    let best = best_by_node(&setup);
    assert!(best.get(&leader).is_some_and(|votes| *votes >= 3), "{leader}: {best:?}");
    assert!(best.values().all(|votes| *votes >= 3), "{best:?}");
}

#[test]
fn last_event_at_stays_at_the_last_event_while_the_clock_runs_on() {
    for mode in [Mode::Kraft, Mode::Zk] {
        let mut cluster = build(&Setup { mode, ..Setup::default() }).expect("builds");
        cluster.run_until(Time::from_secs(3), usize::MAX);
        let next = cluster.next_event_time().expect("more to do");
        assert!(cluster.last_event_at() <= cluster.now());
        assert!(cluster.step_one());
        assert_eq!(cluster.last_event_at(), next);
        assert_eq!(cluster.now(), next);
    }
}
