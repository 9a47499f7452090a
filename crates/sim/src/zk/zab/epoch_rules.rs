//! Rule tests of the epochs a ZAB round sets: the peerEpoch of the vote a server answers LOOKING
//! servers with once synced (`QuorumPeer.updateElectionVote`, ZOOKEEPER-1732).

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
use crate::zk::{In, Out};

/// A server of an ensemble of 3 voters and 1 observer (zk4).
fn server(sid: Sid) -> Server {
    let cfg = Rc::new(Config { ensemble: 3, observers: 1, brokers: 0, partitions: 0, ..Config::default() });
    let base = Rc::new(Snapshot { tree: DataTree::new(), zxid: 0, applied_count: 0, digest: 0 });
    Server::new(sid, cfg, base)
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
