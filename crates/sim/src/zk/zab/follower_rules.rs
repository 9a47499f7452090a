//! Rule tests of a learner's side of ZAB (`Learner.java`, `Follower.java`, `Observer.java`): who
//! it listens to, the FIFO stream, the epoch handshake, COMMITs and INFORMs before and after
//! UPTODATE, and reconnecting (issue 22).

use std::rc::Rc;

use crate::time::Time;
use crate::world::{Input, Output};
use crate::zk::msg::{make_zxid, Msg, QuorumPacket, ServerState, SyncMode, SyncPayload, Txn, TxnBody};
use crate::zk::server::Server;
use crate::zk::testkit::{q, server, step};
use crate::zk::zab::{expiry_deadline, FollowerPhase};
use crate::zk::{Note, Out, Timer};

fn txn(zxid: u64) -> Rc<Txn> {
    Rc::new(Txn { zxid, session: 0, origin: None, body: TxnBody::CreateSession { timeout_ms: 4_000 } })
}

/// zk1 following zk3 (node 2), its FOLLOWERINFO sent.
fn connecting() -> Server {
    let mut f = server(1);
    f.follow(Time::ZERO, 3, &mut Vec::new());
    f
}

fn feed(f: &mut Server, seq: u32, pkt: QuorumPacket) -> Vec<Out> {
    step(f, Time::from_ms(10 + u64::from(seq)), Input::Msg { from: 2, msg: q(seq, pkt) })
}

fn phase(f: &Server) -> Option<FollowerPhase> {
    match &f.role {
        crate::zk::server::Role::Following(fl) => Some(fl.phase),
        _ => None,
    }
}

/// zk1 synced with zk3 in epoch 1 (empty DIFF), before UPTODATE: packets 0–2 taken.
fn synced_before_up_to_date() -> Server {
    let mut f = connecting();
    feed(&mut f, 0, QuorumPacket::LeaderInfo { new_epoch: 1 });
    feed(&mut f, 1, QuorumPacket::Sync(Box::new(SyncPayload { mode: SyncMode::Diff, txns: vec![] })));
    feed(&mut f, 2, QuorumPacket::NewLeader { zxid: make_zxid(1, 0) });
    assert_eq!(phase(&f), Some(FollowerPhase::NewLeader));
    f
}

#[test]
fn a_packet_from_a_server_other_than_the_leader_is_refused_with_a_reset() {
    let mut f = connecting();
    let out =
        step(&mut f, Time::from_ms(5), Input::Msg { from: 1, msg: q(0, QuorumPacket::LeaderInfo { new_epoch: 1 }) });
    assert_eq!(out, vec![Output::Send { to: 1, msg: Msg::Reset }]);
    assert_eq!((f.accepted_epoch, phase(&f)), (0, Some(FollowerPhase::Discovery)));
}

#[test]
fn leader_info_of_a_new_epoch_is_accepted_and_acked_with_the_current_epoch() {
    // ZAB: LEADERINFO → acceptedEpoch recorded, ACKEPOCH(currentEpoch, lastZxid); −1 (None)
    // when that epoch was already accepted; an older epoch makes the learner give up.
    let mut f = connecting();
    f.current_epoch = 2;
    f.accepted_epoch = 2;
    let out = feed(&mut f, 0, QuorumPacket::LeaderInfo { new_epoch: 3 });
    let ack = QuorumPacket::AckEpoch { current_epoch: Some(2), last_zxid: 0 };
    assert_eq!(out[0], Output::Send { to: 2, msg: q(1, ack) });
    assert_eq!((f.accepted_epoch, phase(&f)), (3, Some(FollowerPhase::Sync)));
    let mut f = connecting();
    f.accepted_epoch = 3;
    let out = feed(&mut f, 0, QuorumPacket::LeaderInfo { new_epoch: 3 });
    assert_eq!(out[0], Output::Send { to: 2, msg: q(1, QuorumPacket::AckEpoch { current_epoch: None, last_zxid: 0 }) });
    let mut f = connecting();
    f.accepted_epoch = 4;
    feed(&mut f, 0, QuorumPacket::LeaderInfo { new_epoch: 3 });
    assert_eq!(f.state, ServerState::Looking);
}

#[test]
fn newleader_without_a_sync_breaks_the_connection() {
    let mut f = connecting();
    feed(&mut f, 0, QuorumPacket::LeaderInfo { new_epoch: 1 });
    feed(&mut f, 1, QuorumPacket::NewLeader { zxid: make_zxid(1, 0) });
    assert_eq!(f.state, ServerState::Looking);
}

#[test]
fn newleader_takes_the_epoch_and_acks_the_sync_and_the_proposals_that_came_with_it() {
    let mut f = connecting();
    feed(&mut f, 0, QuorumPacket::LeaderInfo { new_epoch: 1 });
    let txns = vec![txn(make_zxid(1, 1)), txn(make_zxid(1, 2))];
    feed(&mut f, 1, QuorumPacket::Sync(Box::new(SyncPayload { mode: SyncMode::Diff, txns })));
    let out = feed(&mut f, 2, QuorumPacket::NewLeader { zxid: make_zxid(1, 0) });
    assert_eq!(
        out[..3],
        [
            Output::Note(Note::Synced { mode: "DIFF" }),
            Output::Send { to: 2, msg: q(2, QuorumPacket::Ack { zxid: make_zxid(1, 0) }) },
            Output::Send { to: 2, msg: q(3, QuorumPacket::Ack { zxid: make_zxid(1, 2) }) },
        ]
    );
    assert_eq!((f.current_epoch, f.last_logged_zxid()), (1, make_zxid(1, 2)));
}

#[test]
fn commits_before_uptodate_are_applied_at_uptodate_and_after_it_at_once() {
    // Learner.syncWithLeader: COMMITs between NEWLEADER and UPTODATE are held, then applied.
    let mut f = synced_before_up_to_date();
    feed(&mut f, 3, QuorumPacket::Proposal(txn(make_zxid(1, 1))));
    feed(&mut f, 4, QuorumPacket::Commit { zxid: make_zxid(1, 1) });
    assert_eq!(f.applied_zxid(), 0, "held until UPTODATE");
    let out = feed(&mut f, 5, QuorumPacket::UpToDate { committed: 0 });
    assert!(out.contains(&Output::Note(Note::UpToDate)));
    assert_eq!(f.applied_zxid(), make_zxid(1, 1));
    assert_eq!(f.vote.peer_epoch, 1, "ZOOKEEPER-1732: the vote carries the new epoch");
    feed(&mut f, 6, QuorumPacket::Proposal(txn(make_zxid(1, 2))));
    feed(&mut f, 7, QuorumPacket::Commit { zxid: make_zxid(1, 2) });
    assert_eq!(f.applied_zxid(), make_zxid(1, 2));
    // A COMMIT for a proposal never logged: the stream is broken.
    feed(&mut f, 8, QuorumPacket::Commit { zxid: make_zxid(1, 9) });
    assert_eq!(f.state, ServerState::Looking);
}

#[test]
fn a_proposal_not_after_the_last_logged_zxid_breaks_the_connection() {
    let mut f = synced_before_up_to_date();
    feed(&mut f, 3, QuorumPacket::Proposal(txn(make_zxid(1, 1))));
    feed(&mut f, 4, QuorumPacket::Proposal(txn(make_zxid(1, 1))));
    assert_eq!(f.state, ServerState::Looking);
}

#[test]
fn a_ping_is_answered_with_the_session_touches_collected_since_the_last() {
    // Learner.ping: the follower passes its clients' touches to the leader.
    let mut f = synced_before_up_to_date();
    f.touches.insert(7, 6_000);
    let out = feed(&mut f, 3, QuorumPacket::Ping { touches: vec![] });
    assert_eq!(out[0], Output::Send { to: 2, msg: q(3, QuorumPacket::Ping { touches: vec![(7, 6_000)] }) });
    let out = feed(&mut f, 4, QuorumPacket::Ping { touches: vec![] });
    assert_eq!(out[0], Output::Send { to: 2, msg: q(4, QuorumPacket::Ping { touches: vec![] }) });
}

#[test]
fn an_observer_applies_informs_after_uptodate_and_holds_them_before() {
    let cfg = Rc::new(crate::zk::config::Config {
        ensemble: 3,
        observers: 1,
        brokers: 0,
        partitions: 0,
        ..crate::zk::config::Config::default()
    });
    let base = Rc::new(crate::zk::msg::Snapshot {
        tree: crate::zk::tree::DataTree::new(),
        zxid: 0,
        applied_count: 0,
        digest: 0,
    });
    let mut o = Server::new(4, cfg, base);
    o.follow(Time::ZERO, 3, &mut Vec::new());
    feed(&mut o, 0, QuorumPacket::LeaderInfo { new_epoch: 1 });
    feed(&mut o, 1, QuorumPacket::Sync(Box::new(SyncPayload { mode: SyncMode::Diff, txns: vec![] })));
    feed(&mut o, 2, QuorumPacket::NewLeader { zxid: make_zxid(1, 0) });
    feed(&mut o, 3, QuorumPacket::Inform(txn(make_zxid(1, 1))));
    assert_eq!((o.last_logged_zxid(), o.applied_zxid()), (make_zxid(1, 1), 0));
    feed(&mut o, 4, QuorumPacket::UpToDate { committed: 0 });
    assert_eq!(o.applied_zxid(), make_zxid(1, 1));
    feed(&mut o, 5, QuorumPacket::Inform(txn(make_zxid(1, 2))));
    assert_eq!(o.applied_zxid(), make_zxid(1, 2));
    feed(&mut o, 6, QuorumPacket::Inform(txn(make_zxid(1, 2))));
    assert_eq!(o.state, ServerState::Looking, "an INFORM out of order breaks the stream");
}

#[test]
fn a_refused_first_connection_is_retried_and_a_lost_leader_means_looking() {
    // Learner.connectToLeader: the leader is not listening yet → retry after 100 ms with a new
    // connection (FOLLOWERINFO again, packet 0). Once packets flowed, a reset loses the leader.
    let mut f = connecting();
    let out = step(&mut f, Time::from_ms(5), Input::Msg { from: 2, msg: Msg::Reset });
    assert_eq!(out, vec![Output::SetTimer { timer: Timer::LearnerConnect, at: Time::from_ms(105) }]);
    let out = step(&mut f, Time::from_ms(105), Input::Timer(Timer::LearnerConnect));
    assert_eq!(out, vec![Output::Send { to: 2, msg: q(0, QuorumPacket::FollowerInfo { accepted_epoch: 0 }) }]);
    // A reset from another server changes nothing.
    assert_eq!(step(&mut f, Time::from_ms(106), Input::Msg { from: 1, msg: Msg::Reset }), Vec::new());
    feed(&mut f, 0, QuorumPacket::LeaderInfo { new_epoch: 1 });
    // After LEADERINFO, a retry timer sends nothing: the connection is up.
    assert_eq!(step(&mut f, Time::from_ms(200), Input::Timer(Timer::LearnerConnect)), Vec::new());
    let out = step(&mut f, Time::from_ms(300), Input::Msg { from: 2, msg: Msg::Reset });
    assert_eq!(out[0], Output::Note(Note::LeaderLost));
    assert_eq!(f.state, ServerState::Looking);
}

#[test]
fn a_looking_server_refuses_learners_and_a_follower_forwards_writes() {
    let mut s = server(2);
    step(&mut s, Time::ZERO, Input::Start);
    let out = step(
        &mut s,
        Time::from_ms(5),
        Input::Msg { from: 0, msg: q(0, QuorumPacket::FollowerInfo { accepted_epoch: 0 }) },
    );
    assert_eq!(out, vec![Output::Send { to: 0, msg: Msg::Reset }]);
    let out = step(&mut s, Time::from_ms(6), Input::Msg { from: 0, msg: q(0, QuorumPacket::Ping { touches: vec![] }) });
    assert_eq!(out, Vec::new());
}

#[test]
fn session_deadlines_round_up_to_the_next_tick() {
    // ExpiryQueue.roundToNextInterval.
    assert_eq!(expiry_deadline(0, 2_000), 2_000);
    assert_eq!(expiry_deadline(1_999, 2_000), 2_000);
    assert_eq!(expiry_deadline(2_000, 2_000), 4_000);
    assert_eq!(expiry_deadline(7, 0), 8);
}

/// zk1 with three transactions of epoch 1 logged and applied, following zk3 after LEADERINFO
/// of epoch 2 (packet 0); `applied` of them applied.
fn returning_follower(applied: u64) -> Server {
    let mut f = server(1);
    f.log = (1..=3).map(|c| txn(make_zxid(1, c))).collect();
    f.current_epoch = 1;
    f.accepted_epoch = 1;
    f.apply_through(Time::ZERO, make_zxid(1, applied), &mut Vec::new());
    f.follow(Time::ZERO, 3, &mut Vec::new());
    feed(&mut f, 0, QuorumPacket::LeaderInfo { new_epoch: 2 });
    f
}

#[test]
fn trunc_below_what_was_applied_rebuilds_the_tree_from_the_snapshot() {
    // ZAB: a TRUNC drops proposals that never committed; if the follower had applied past the
    // truncation point, its state is rebuilt (here: from the base snapshot, then UPTODATE).
    let mut f = returning_follower(3);
    let trunc = SyncPayload { mode: SyncMode::Trunc { zxid: make_zxid(1, 2) }, txns: vec![] };
    feed(&mut f, 1, QuorumPacket::Sync(Box::new(trunc)));
    feed(&mut f, 2, QuorumPacket::NewLeader { zxid: make_zxid(2, 0) });
    assert_eq!((f.last_logged_zxid(), f.applied_zxid()), (make_zxid(1, 2), 0));
    feed(&mut f, 3, QuorumPacket::UpToDate { committed: make_zxid(1, 2) });
    assert_eq!(f.applied_zxid(), make_zxid(1, 2));
    // Truncated exactly to what it applied: nothing to rebuild.
    let mut f = returning_follower(2);
    let trunc = SyncPayload { mode: SyncMode::Trunc { zxid: make_zxid(1, 2) }, txns: vec![] };
    feed(&mut f, 1, QuorumPacket::Sync(Box::new(trunc)));
    feed(&mut f, 2, QuorumPacket::NewLeader { zxid: make_zxid(2, 0) });
    assert_eq!((f.last_logged_zxid(), f.applied_zxid()), (make_zxid(1, 2), make_zxid(1, 2)));
}

#[test]
fn a_sync_repeating_logged_transactions_does_not_log_them_twice() {
    let mut f = returning_follower(3);
    let txns = vec![txn(make_zxid(1, 3)), txn(make_zxid(2, 1))];
    feed(&mut f, 1, QuorumPacket::Sync(Box::new(SyncPayload { mode: SyncMode::Diff, txns })));
    feed(&mut f, 2, QuorumPacket::NewLeader { zxid: make_zxid(2, 0) });
    let zxids: Vec<u64> = f.log.iter().map(|t| t.zxid).collect();
    assert_eq!(zxids, vec![make_zxid(1, 1), make_zxid(1, 2), make_zxid(1, 3), make_zxid(2, 1)]);
}
