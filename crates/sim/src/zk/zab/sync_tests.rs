//! Syncing a learner from a real leader: a DIFF within the committed log, a SNAP beyond it.

use super::*;
use crate::world::Input;
use crate::zk::testkit::{established_leader, q, server, step};

/// The leader commits `n` createSession transactions, acknowledged by zk1.
fn leader_with(n: usize) -> Server {
    let mut l = established_leader();
    // zk1's stream to the leader is at packet 3 after the sync.
    for ack_seq in (3..).take(n) {
        let mut out = Vec::new();
        l.propose(Time::from_ms(5), 0, None, TxnBody::CreateSession { timeout_ms: 6_000 }, &mut out);
        let zxid = l.last_logged_zxid();
        step(&mut l, Time::from_ms(5), Input::Msg { from: 0, msg: q(ack_seq, QuorumPacket::Ack { zxid }) });
    }
    assert_eq!(l.applied, n);
    l
}

/// zk2 (node 1) reconnects to the leader from an empty state; returns the sync packet label.
fn join(l: &mut Server) -> (Server, &'static str) {
    use crate::world::Message;
    let mut f = server(2);
    f.follow(Time::ZERO, 3, &mut Vec::new());
    let info = QuorumPacket::FollowerInfo { accepted_epoch: 0 };
    let mut to_follower = step(l, Time::from_ms(6), Input::Msg { from: 1, msg: q(0, info) });
    let mut label = "";
    // Shuttle packets both ways until the follower is up to date.
    for _ in 0..8 {
        let mut to_leader = Vec::new();
        for o in to_follower.drain(..) {
            if let Output::Send { to: 1, msg } = o {
                if matches!(msg, Msg::Quorum { pkt: QuorumPacket::Sync(_), .. }) {
                    label = msg.label();
                }
                to_leader.extend(step(&mut f, Time::from_ms(7), Input::Msg { from: 2, msg }));
            }
        }
        for o in to_leader {
            if let Output::Send { to: 2, msg } = o {
                to_follower.extend(step(l, Time::from_ms(8), Input::Msg { from: 1, msg }));
            }
        }
        if f.serving() {
            break;
        }
    }
    (f, label)
}

#[test]
fn a_learner_within_the_committed_log_gets_a_diff_and_the_same_history() {
    let mut l = leader_with(20);
    let (f, label) = join(&mut l);
    assert_eq!(label, "DIFF");
    assert!(f.serving());
    assert_eq!((f.applied_zxid(), f.applied_count(), f.digest), (l.applied_zxid(), l.applied_count(), l.digest));
}

#[test]
fn a_learner_beyond_the_committed_log_gets_a_snap_and_the_same_state() {
    // 600 > 500 proposals kept in memory, and 600 transactions is far more than a third of
    // a tiny snapshot: SNAP.
    let mut l = leader_with(COMMIT_LOG_COUNT + 100);
    let (f, label) = join(&mut l);
    assert_eq!(label, "SNAP");
    assert!(f.serving());
    assert_eq!((f.applied_zxid(), f.applied_count(), f.digest), (l.applied_zxid(), l.applied_count(), l.digest));
    assert_eq!(f.tree.sessions.len(), COMMIT_LOG_COUNT + 100);
    assert!(f.log.is_empty(), "the snapshot replaced the log");
}
