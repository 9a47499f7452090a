//! Helpers for the rule tests beside the code: servers and brokers driven through `step`.

use std::rc::Rc;

use crate::time::Time;
use crate::world::Input;

use super::config::Config;
use super::msg::{make_zxid, Msg, QuorumPacket, ServerState, Sid, Snapshot, Vote};
use super::server::Server;
use super::tree::DataTree;
use super::{In, Out};

pub fn config() -> Rc<Config> {
    Rc::new(Config { ensemble: 3, brokers: 3, partitions: 0, ..Config::default() })
}

pub fn server(sid: Sid) -> Server {
    let base = Rc::new(Snapshot { tree: DataTree::new(), zxid: 0, applied_count: 0, digest: 0 });
    Server::new(sid, config(), base)
}

pub fn step(s: &mut Server, now: Time, input: In) -> Vec<Out> {
    let mut out = Vec::new();
    s.step(now, input, &mut out);
    out
}

pub fn q(seq: u32, pkt: QuorumPacket) -> Msg {
    Msg::Quorum { seq, pkt }
}

/// `s` (zk3) elected leader at t=0 by the votes of zk1 and itself: it starts leading epoch 1.
pub fn elected(mut s: Server) -> Server {
    s.state = ServerState::Looking;
    s.vote = Vote { leader: 3, zxid: 0, election_epoch: 1, peer_epoch: 0 };
    s.lead(Time::ZERO, &mut Vec::new());
    s
}

/// A leader from [`elected`] established in epoch 1 with zk1 and zk2 up to date (learner
/// streams at seq 3 in both directions).
pub fn establish(mut l: Server) -> Server {
    for from in [0, 1] {
        step(&mut l, Time::ZERO, Input::Msg { from, msg: q(0, QuorumPacket::FollowerInfo { accepted_epoch: 0 }) });
    }
    for from in [0, 1] {
        let ack = QuorumPacket::AckEpoch { current_epoch: Some(0), last_zxid: 0 };
        step(&mut l, Time::ZERO, Input::Msg { from, msg: q(1, ack) });
    }
    for from in [0, 1] {
        step(&mut l, Time::ZERO, Input::Msg { from, msg: q(2, QuorumPacket::Ack { zxid: make_zxid(1, 0) }) });
    }
    assert_eq!(l.established_epoch(), Some(1));
    l
}

/// zk3 established as leader of epoch 1 with zk1 and zk2 up to date (learner streams at
/// seq 3 in both directions).
pub fn established_leader() -> Server {
    establish(elected(server(3)))
}
