//! Rule tests of the epochs a ZAB round sets: the new epoch `Leader.getEpochToPropose` chooses
//! (observers included), and the peerEpoch of the vote a server answers LOOKING servers with
//! once synced (`QuorumPeer.updateElectionVote`, ZOOKEEPER-1732).

use std::rc::Rc;

use crate::time::Time;
use crate::world::{Input, Output};
use crate::zk::config::Config;
use crate::zk::msg::{
    make_zxid, Msg, Notification, QuorumPacket, ServerState, Sid, Snapshot, SyncMode, SyncPayload, Vote,
};
use crate::zk::server::Server;
use crate::zk::testkit::{established_leader, q, step};
use crate::zk::tree::DataTree;
use crate::zk::{In, Note, Out};

/// A server of an ensemble of 3 voters and 1 observer (zk4).
fn server(sid: Sid) -> Server {
    let cfg = Rc::new(Config { ensemble: 3, observers: 1, brokers: 0, partitions: 0, ..Config::default() });
    let base = Rc::new(Snapshot { tree: DataTree::new(), zxid: 0, applied_count: 0, digest: 0 });
    Server::new(sid, cfg, base)
}

/// zk3 elected at t=0 (its accepted epoch `accepted`) and waiting for learners.
fn leader(accepted: u64) -> Server {
    let mut l = server(3);
    l.accepted_epoch = accepted;
    l.current_epoch = accepted;
    l.vote = Vote { leader: 3, zxid: 0, election_epoch: 1, peer_epoch: accepted };
    l.lead(Time::ZERO, &mut Vec::new());
    l
}

fn info(from: usize, accepted_epoch: u64, observer: bool) -> In {
    let pkt = if observer {
        QuorumPacket::ObserverInfo { accepted_epoch }
    } else {
        QuorumPacket::FollowerInfo { accepted_epoch }
    };
    Input::Msg { from, msg: q(0, pkt) }
}

fn new_epoch_note(out: &[Out]) -> Option<u64> {
    out.iter().find_map(|o| match o {
        Output::Note(Note::NewEpoch { epoch }) => Some(*epoch),
        _ => None,
    })
}

#[test]
fn an_observer_s_accepted_epoch_raises_the_new_epoch_but_does_not_count_for_the_quorum() {
    // ZAB: Leader.getEpochToPropose runs for OBSERVERINFO too: `if (lastAcceptedEpoch >= epoch)
    // epoch = lastAcceptedEpoch + 1` before `if (isParticipant(sid))
    // connectingFollowers.add(sid)`. Voters at 3, observer zk4 at 7 → epoch 8.
    let mut l = leader(3);
    let out = step(&mut l, Time::from_ms(1), info(3, 7, true));
    // zk4 alone (with the leader) is no quorum: nothing proposed yet.
    assert_eq!(new_epoch_note(&out), None);
    let out = step(&mut l, Time::from_ms(2), info(0, 3, false));
    assert_eq!(new_epoch_note(&out), Some(8));
    // LEADERINFO goes to every learner waiting, the observer included.
    for to in [3, 0] {
        assert!(out.contains(&Output::Send { to, msg: q(0, QuorumPacket::LeaderInfo { new_epoch: 8 }) }), "{to}");
    }
    assert_eq!(l.accepted_epoch, 8);
}

#[test]
fn an_observer_arriving_after_the_epoch_is_fixed_changes_nothing() {
    // ZAB: getEpochToPropose returns the fixed epoch once `waitingForNewEpoch` is false.
    let mut l = leader(3);
    step(&mut l, Time::from_ms(1), info(0, 3, false));
    let out = step(&mut l, Time::from_ms(2), info(3, 7, true));
    assert_eq!(out, vec![Output::Send { to: 3, msg: q(0, QuorumPacket::LeaderInfo { new_epoch: 4 }) }]);
    assert_eq!(l.accepted_epoch, 4);
}

/// A LOOKING notification from zk2 (node 1) in round 5.
fn looking() -> In {
    let vote = Vote { leader: 2, zxid: 0, election_epoch: 5, peer_epoch: 0 };
    Input::Msg { from: 1, msg: Msg::Notification(Notification { vote, state: ServerState::Looking }) }
}

fn reply_peer_epoch(out: &[Out]) -> Option<(u64, ServerState)> {
    out.iter().find_map(|o| match o {
        Output::Send { to: 1, msg: Msg::Notification(n) } => Some((n.vote.peer_epoch, n.state)),
        _ => None,
    })
}

#[test]
fn the_leader_answers_looking_servers_with_the_new_epoch_once_established() {
    // ZOOKEEPER-1732: Leader.startZkServer, after a quorum ACKed NEWLEADER, calls
    // updateElectionVote(getEpoch()): the LEADING reply carries peerEpoch 1, not the 0 it was
    // elected with.
    let mut l = established_leader();
    assert_eq!(reply_peer_epoch(&step(&mut l, Time::from_ms(5), looking())), Some((1, ServerState::Leading)));
    // Only the peerEpoch changes: the zxid and election epoch stay as elected.
    assert_eq!(l.vote, Vote { leader: 3, zxid: 0, election_epoch: 1, peer_epoch: 1 });
}

/// A learner of zk3 (elected with peerEpoch 0 in round 1) through LEADERINFO, an empty DIFF and
/// NEWLEADER of epoch 1.
fn synced_learner(sid: Sid) -> Server {
    let mut f = server(sid);
    f.vote = Vote { leader: 3, zxid: 0, election_epoch: 1, peer_epoch: 0 };
    f.follow(Time::ZERO, 3, &mut Vec::new());
    let diff = QuorumPacket::Sync(Box::new(SyncPayload { mode: SyncMode::Diff, txns: vec![] }));
    let packets = [QuorumPacket::LeaderInfo { new_epoch: 1 }, diff, QuorumPacket::NewLeader { zxid: make_zxid(1, 0) }];
    for (seq, pkt) in packets.into_iter().enumerate() {
        step(&mut f, Time::from_ms(1), Input::Msg { from: 2, msg: q(seq as u32, pkt) });
    }
    assert_eq!(f.current_epoch, 1);
    f
}

#[test]
fn a_learner_answers_looking_servers_with_the_new_epoch_once_up_to_date() {
    // ZOOKEEPER-1732: Learner.syncWithLeader calls updateElectionVote(newEpoch) after UPTODATE,
    // for followers (zk1) and observers (zk4) alike; before it, the vote is as elected.
    for (sid, state) in [(1, ServerState::Following), (4, ServerState::Observing)] {
        let mut f = synced_learner(sid);
        assert_eq!(reply_peer_epoch(&step(&mut f, Time::from_ms(2), looking())), Some((0, state)), "zk{sid}");
        step(&mut f, Time::from_ms(3), Input::Msg { from: 2, msg: q(3, QuorumPacket::UpToDate { committed: 0 }) });
        assert_eq!(reply_peer_epoch(&step(&mut f, Time::from_ms(4), looking())), Some((1, state)), "zk{sid}");
        assert_eq!(f.vote, Vote { leader: 3, zxid: 0, election_epoch: 1, peer_epoch: 1 }, "zk{sid}");
    }
}
