//! Rule tests of the leader's side of ZAB (`Leader.java`, `LearnerHandler.java`): learner
//! connections and their streams, requests only once established, the initLimit bound, and
//! the tick's quorum check (issue 22).

use crate::time::Time;
use crate::world::{Input, Output};
use crate::zk::msg::{make_zxid, Msg, Origin, QuorumPacket, Request, ServerState, TxnBody};
use crate::zk::server::Server;
use crate::zk::testkit::{established_leader, q, server, step};
use crate::zk::{GiveUp, Note, Timer};

/// zk3 leading, in discovery: no learner connected yet.
fn discovering() -> Server {
    let mut l = server(3);
    l.state = ServerState::Looking;
    l.vote = crate::zk::msg::Vote { leader: 3, zxid: 0, election_epoch: 1, peer_epoch: 0 };
    l.lead(Time::ZERO, &mut Vec::new());
    l
}

fn request(seq: u32) -> Msg {
    let req = Request {
        session: 0,
        origin: Origin { server: 1, client: 9, xid: 1 },
        body: TxnBody::CreateSession { timeout_ms: 6_000 },
    };
    q(seq, QuorumPacket::Request(Box::new(req)))
}

fn proposals(out: &[crate::zk::Out]) -> usize {
    out.iter()
        .filter(|o| matches!(o, Output::Send { msg: Msg::Quorum { pkt: QuorumPacket::Proposal(_), .. }, .. }))
        .count()
}

#[test]
fn a_learner_joining_after_the_epoch_is_fixed_gets_leaderinfo_at_once() {
    let mut l = established_leader();
    // zk1 reconnects (a new connection: packet 0 again).
    let out = step(
        &mut l,
        Time::from_ms(5),
        Input::Msg { from: 0, msg: q(0, QuorumPacket::FollowerInfo { accepted_epoch: 1 }) },
    );
    assert_eq!(out, vec![Output::Send { to: 0, msg: q(0, QuorumPacket::LeaderInfo { new_epoch: 1 }) }]);
    // A FOLLOWERINFO that is not the first packet of a connection is ignored.
    let out = step(
        &mut l,
        Time::from_ms(6),
        Input::Msg { from: 1, msg: q(3, QuorumPacket::FollowerInfo { accepted_epoch: 1 }) },
    );
    assert_eq!(out, Vec::new());
}

#[test]
fn a_packet_from_an_unknown_learner_or_out_of_sequence_closes_its_connection() {
    // No connection from zk1 yet: its packet is answered with a reset.
    let mut l = discovering();
    let out = step(&mut l, Time::from_ms(5), Input::Msg { from: 0, msg: q(1, QuorumPacket::Ping { touches: vec![] }) });
    assert_eq!(out, vec![Output::Send { to: 0, msg: Msg::Reset }]);
    let mut l = established_leader();
    // zk1's stream is at 3: packet 4 reveals a hole; the handler is dropped.
    let out = step(&mut l, Time::from_ms(6), Input::Msg { from: 0, msg: q(4, QuorumPacket::Ping { touches: vec![] }) });
    assert_eq!(out, vec![Output::Send { to: 0, msg: Msg::Reset }]);
    let out = step(&mut l, Time::from_ms(7), Input::Msg { from: 0, msg: q(3, QuorumPacket::Ping { touches: vec![] }) });
    assert_eq!(out, vec![Output::Send { to: 0, msg: Msg::Reset }], "no handler left");
}

#[test]
fn forwarded_requests_are_proposed_only_once_the_leader_is_established() {
    let mut l = discovering();
    step(&mut l, Time::ZERO, Input::Msg { from: 0, msg: q(0, QuorumPacket::FollowerInfo { accepted_epoch: 0 }) });
    let out = step(&mut l, Time::from_ms(1), Input::Msg { from: 0, msg: request(1) });
    assert_eq!(proposals(&out), 0);
    let mut l = established_leader();
    let out = step(&mut l, Time::from_ms(1), Input::Msg { from: 0, msg: request(3) });
    assert_eq!(proposals(&out), 2, "PROPOSAL to both followers");
    assert_eq!(l.last_logged_zxid(), make_zxid(1, 1));
}

#[test]
fn discovery_and_sync_are_bounded_by_init_limit() {
    let mut l = discovering();
    let out = step(&mut l, Time::from_ms(20_000), Input::Timer(Timer::InitLimit));
    assert_eq!(out[0], Output::Note(Note::GaveUp { reason: GiveUp::InitLimit }));
    assert_eq!(l.state, ServerState::Looking);
    let mut l = established_leader();
    assert_eq!(step(&mut l, Time::from_ms(20_000), Input::Timer(Timer::InitLimit)), Vec::new());
    // A leader not yet established does not tick either.
    let mut l = discovering();
    assert_eq!(step(&mut l, Time::from_ms(1_000), Input::Timer(Timer::Tick)), Vec::new());
}

#[test]
fn a_learner_that_keeps_talking_keeps_the_quorum_synced() {
    // LearnerHandler: any packet moves the learner's deadline to tick + syncLimit.
    let mut l = established_leader();
    let mut now = Time::from_ms(1_000);
    for seq in 3..23 {
        step(&mut l, now, Input::Timer(Timer::Tick));
        step(&mut l, now, Input::Msg { from: 0, msg: q(seq, QuorumPacket::Ping { touches: vec![] }) });
        now = now.plus_ms(1_000);
    }
    assert_eq!(l.state, ServerState::Leading, "zk1 and the leader are a quorum of three");
}

#[test]
fn a_learner_that_connects_counts_as_synced_for_init_limit_plus_sync_limit_ticks() {
    // LearnerHandler: a new connection may take initLimit ticks to sync, then syncLimit more
    // to ack (10 + 5 ticks here). zk1 reconnects at tick 0 and stays silent, zk2 is silent:
    // the leader keeps its quorum through tick 15 and gives up at tick 16 (32 s, tickTime 2 s).
    let mut l = established_leader();
    step(&mut l, Time::ZERO, Input::Msg { from: 0, msg: q(0, QuorumPacket::FollowerInfo { accepted_epoch: 1 }) });
    let mut now = Time::ZERO;
    while l.state == ServerState::Leading && now < Time::from_secs(120) {
        now = now.plus_ms(1_000);
        step(&mut l, now, Input::Timer(Timer::Tick));
    }
    assert_eq!(now, Time::from_secs(32));
}

#[test]
fn proposals_go_to_synced_followers_only_never_to_observers() {
    // ZAB: PROPOSAL to the followers; observers learn a transaction by INFORM once committed.
    let cfg = std::rc::Rc::new(crate::zk::config::Config {
        ensemble: 3,
        observers: 1,
        brokers: 0,
        partitions: 0,
        ..crate::zk::config::Config::default()
    });
    let base = std::rc::Rc::new(crate::zk::msg::Snapshot {
        tree: crate::zk::tree::DataTree::new(),
        zxid: 0,
        applied_count: 0,
        digest: 0,
    });
    let mut l = Server::new(3, cfg, base);
    l.state = ServerState::Looking;
    l.vote = crate::zk::msg::Vote { leader: 3, zxid: 0, election_epoch: 1, peer_epoch: 0 };
    l.lead(Time::ZERO, &mut Vec::new());
    let info = |observer| {
        if observer {
            QuorumPacket::ObserverInfo { accepted_epoch: 0 }
        } else {
            QuorumPacket::FollowerInfo { accepted_epoch: 0 }
        }
    };
    for (from, observer) in [(3, true), (0, false), (1, false)] {
        step(&mut l, Time::ZERO, Input::Msg { from, msg: q(0, info(observer)) });
    }
    for from in [3, 0, 1] {
        step(
            &mut l,
            Time::ZERO,
            Input::Msg { from, msg: q(1, QuorumPacket::AckEpoch { current_epoch: Some(0), last_zxid: 0 }) },
        );
    }
    for from in [3, 0, 1] {
        step(&mut l, Time::ZERO, Input::Msg { from, msg: q(2, QuorumPacket::Ack { zxid: make_zxid(1, 0) }) });
    }
    assert_eq!(l.established_epoch(), Some(1));
    let out = step(&mut l, Time::from_ms(1), Input::Msg { from: 0, msg: request(3) });
    let to: Vec<usize> = out
        .iter()
        .filter_map(|o| match o {
            Output::Send { to, msg: Msg::Quorum { pkt: QuorumPacket::Proposal(_), .. } } => Some(*to),
            _ => None,
        })
        .collect();
    assert_eq!(to, vec![0, 1]);
}

#[test]
fn a_proposal_that_would_take_counter_0xffffffff_forces_a_re_election() {
    // ZAB (Leader.propose, domain.md §1.2): when the zxid counter reaches 0xffffffff the leader
    // gives up and a new epoch starts at (e + 1, 0).
    let mut l = established_leader();
    if let crate::zk::server::Role::Leading(leader) = &mut l.role {
        leader.next_counter = 0xffff_fffe;
    }
    let out = step(&mut l, Time::from_ms(1), Input::Msg { from: 0, msg: request(3) });
    assert_eq!(proposals(&out), 2);
    assert_eq!(l.last_logged_zxid(), make_zxid(1, 0xffff_fffe));
    step(&mut l, Time::from_ms(2), Input::Msg { from: 0, msg: request(4) });
    assert_eq!(l.state, ServerState::Looking);
    assert_eq!(l.last_logged_zxid(), make_zxid(1, 0xffff_fffe));
}
