//! The bounded exhaustive explorer (`quorumlab_sim::explore`) on small bounds, quick enough
//! for every `cargo test`: every schedule of an election after the leader crashes keeps every
//! invariant, in both modes; the search is deterministic; and it finds a kind of schedule it is
//! asked for (a split vote), whose choice vector replays it from time zero. `make explore`
//! runs the same plans with their full bounds (and `zk-crash-broker`, too large for here).

use quorumlab_sim::cluster::{Cluster, Role};
use quorumlab_sim::explore::{self, Plan, Probe};

fn plan(name: &str, max_deliveries: u32) -> Plan {
    Plan::preset(name).expect("a preset").with_max_deliveries(max_deliveries)
}

fn assert_clean(plan: &Plan) -> explore::Report {
    let report = explore::explore(plan);
    if let Some(found) = &report.found {
        panic!("{}", found.explain(plan));
    }
    assert!(report.complete, "{}", report.figures());
    assert!(report.settled > 0, "no schedule got as far as a new leader: {}", report.figures());
    report
}

#[test]
fn every_kraft_election_schedule_within_the_bound_keeps_the_invariants() {
    let report = assert_clean(&plan("kraft-crash", 10));
    assert!(report.states > 1_000, "{}", report.figures());
}

#[test]
fn every_zookeeper_election_schedule_within_the_bound_keeps_the_invariants() {
    // One loss instead of the preset's two: seconds, not a minute.
    let report = assert_clean(&Plan { max_losses: 1, ..plan("zk-crash", 12) });
    assert!(report.states > 1_000, "{}", report.figures());
}

#[test]
fn the_search_is_deterministic() {
    let plan = plan("kraft-crash", 7);
    assert_eq!(explore::explore(&plan), explore::explore(&plan));
}

/// Two live voters are candidates of the same epoch: they split the vote.
fn split_vote() -> Probe {
    Box::new(|cluster: &dyn Cluster| {
        let views = cluster.node_views();
        let candidates: Vec<_> = views.iter().filter(|v| v.alive && v.role == Role::Candidate).collect();
        match candidates.as_slice() {
            [a, b] if a.epoch == b.epoch => {
                Some(format!("{} and {} both run in epoch {}", a.name(), b.name(), a.epoch))
            }
            _ => None,
        }
    })
}

#[test]
fn a_split_vote_is_found_and_its_schedule_replays_it() {
    let plan = plan("kraft-crash", 12);
    let report = explore::explore_until(&plan, Some(split_vote()));
    let found = report.found.expect("a split vote within the bound");
    let replayed = explore::replay(&plan, &found.choices, false, Some(split_vote()));
    assert_eq!(replayed.end, format!("Violation({:?})", found.what));
    assert!(!replayed.diverged);
    assert!(found.explain(&plan).contains(&found.choice_text()));
}

#[test]
fn a_zookeeper_follower_can_sync_before_its_leader_has_decided() {
    let probe: Probe = Box::new(|cluster: &dyn Cluster| {
        let views = cluster.node_views();
        let following = views.iter().any(|v| v.role == Role::Following);
        let looking = views.iter().any(|v| v.role == Role::Looking);
        (following && looking).then(|| "one server follows while another still looks".to_string())
    });
    let plan = Plan { max_losses: 1, ..plan("zk-crash", 10) };
    let report = explore::explore_until(&plan, Some(probe));
    assert!(report.found.is_some(), "{}", report.figures());
}
