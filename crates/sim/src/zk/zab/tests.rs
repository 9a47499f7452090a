//! ZAB's server-side tests (moved out of zab.rs, which they made over 800 lines).

use super::*;
use crate::world::Input;
use crate::zk::config::Config;
use crate::zk::msg::make_zxid;
use crate::zk::msg::Snapshot;
use crate::zk::testkit::{elected, establish};
use crate::zk::tree::DataTree;
use crate::zk::In;

fn server(sid: Sid) -> Server {
    let cfg = Rc::new(Config { ensemble: 3, brokers: 0, partitions: 0, ..Config::default() });
    let base = Rc::new(Snapshot { tree: DataTree::new(), zxid: 0, applied_count: 0, digest: 0 });
    Server::new(sid, cfg, base)
}

fn step(s: &mut Server, now: Time, input: In) -> Vec<Out> {
    let mut out = Vec::new();
    s.step(now, input, &mut out);
    out
}

fn q(seq: u32, pkt: QuorumPacket) -> Msg {
    Msg::Quorum { seq, pkt }
}

fn txn(zxid: Zxid) -> Rc<Txn> {
    Rc::new(Txn { zxid, session: 0, origin: None, body: TxnBody::CreateSession { timeout_ms: 4_000 } })
}

fn log(zxids: &[Zxid]) -> Vec<Rc<Txn>> {
    zxids.iter().map(|z| txn(*z)).collect()
}

/// zk3 elected leader at t=0 by the votes of zk1 and itself (this file's servers know no
/// brokers).
fn leader() -> Server {
    elected(server(3))
}

/// A leader established in epoch 1 with zk1 and zk2 up to date.
fn established() -> Server {
    establish(leader())
}

#[test]
fn sync_plan_follows_sync_follower() {
    let e1 = |c| make_zxid(1, c);
    let e2 = |c| make_zxid(2, c);
    let l = log(&[e1(1), e1(2), e1(3), e2(1)]);
    // Equal zxids: an empty DIFF.
    assert_eq!(sync_plan(&l, 0, 4, 10, e2(1)), Plan::Diff { from: 4 });
    // Within the committed log: DIFF of what follows.
    assert_eq!(sync_plan(&l, 0, 4, 10, e1(2)), Plan::Diff { from: 2 });
    assert_eq!(sync_plan(&l, 0, 4, 10, 0), Plan::Diff { from: 0 });
    // Ahead of maxCommittedLog: TRUNC to it (the outstanding proposals follow).
    assert_eq!(sync_plan(&l, 0, 3, 10, e2(1)), Plan::Trunc { to: e1(3), from: 3 });
    assert_eq!(sync_plan(&l, 0, 4, 10, e2(5)), Plan::Trunc { to: e2(1), from: 4 });
    // A proposal the leader never saw (e1(4), never committed): TRUNC to e1(3), then DIFF.
    assert_eq!(sync_plan(&l, 0, 4, 10, e1(4)), Plan::Trunc { to: e1(3), from: 3 });
}

#[test]
fn sync_plan_uses_snap_beyond_the_committed_log_when_the_txn_log_is_large() {
    let zxids: Vec<Zxid> = (1..=(COMMIT_LOG_COUNT as u64 + 100)).map(|c| make_zxid(1, c)).collect();
    let l = log(&zxids);
    let n = l.len();
    // 600 transactions missing, snapshot of 100 znodes: 600 > 0.33 × 100 → SNAP.
    assert_eq!(sync_plan(&l, 0, n, 100, make_zxid(1, 5)), Plan::Snap { from: n });
    // With a large snapshot the txn log is used instead: DIFF.
    assert_eq!(sync_plan(&l, 0, n, 1_000_000, make_zxid(1, 5)), Plan::Diff { from: 5 });
    // The boundary (LearnerHandler: txn log size ≤ 0.33 × snapshot size): 595 missing
    // transactions need a snapshot of at least 595 × 100 / 33 = 1 803.03 znodes.
    assert_eq!(sync_plan(&l, 0, n, 1_804, make_zxid(1, 5)), Plan::Diff { from: 5 });
    assert_eq!(sync_plan(&l, 0, n, 1_803, make_zxid(1, 5)), Plan::Snap { from: n });
}

#[test]
fn leader_proposes_epoch_after_a_quorum_of_followerinfo() {
    let mut l = leader();
    let out = step(
        &mut l,
        Time::from_ms(5),
        Input::Msg { from: 0, msg: q(0, QuorumPacket::FollowerInfo { accepted_epoch: 4 }) },
    );
    assert_eq!(
        out,
        vec![
            // ZAB: new epoch = max(acceptedEpoch) + 1.
            Output::Note(Note::NewEpoch { epoch: 5 }),
            Output::Send { to: 0, msg: q(0, QuorumPacket::LeaderInfo { new_epoch: 5 }) },
            Output::SetTimer { timer: Timer::InitLimit, at: Time::from_ms(5 + 20_000) },
        ]
    );
    assert_eq!(l.accepted_epoch, 5);
}

#[test]
fn follower_acks_the_epoch_with_its_current_epoch_or_minus_one() {
    let mut f = server(1);
    f.current_epoch = 2;
    f.accepted_epoch = 2;
    let mut out = Vec::new();
    f.follow(Time::ZERO, 3, &mut out);
    let out =
        step(&mut f, Time::from_ms(3), Input::Msg { from: 2, msg: q(0, QuorumPacket::LeaderInfo { new_epoch: 3 }) });
    assert_eq!(
        out,
        vec![
            Output::Send { to: 2, msg: q(1, QuorumPacket::AckEpoch { current_epoch: Some(2), last_zxid: 0 }) },
            Output::SetTimer { timer: Timer::PeerTimeout, at: Time::from_ms(3 + 20_000) },
        ]
    );
    assert_eq!(f.accepted_epoch, 3);
    // The same epoch again (a new connection): ACKEPOCH carries −1.
    let mut g = server(1);
    g.accepted_epoch = 3;
    g.follow(Time::ZERO, 3, &mut Vec::new());
    let out =
        step(&mut g, Time::from_ms(3), Input::Msg { from: 2, msg: q(0, QuorumPacket::LeaderInfo { new_epoch: 3 }) });
    assert!(
        out.contains(&Output::Send { to: 2, msg: q(1, QuorumPacket::AckEpoch { current_epoch: None, last_zxid: 0 }) })
    );
}

#[test]
fn follower_rejects_a_leader_epoch_below_its_accepted_epoch() {
    let mut f = server(1);
    f.accepted_epoch = 7;
    f.follow(Time::ZERO, 3, &mut Vec::new());
    step(&mut f, Time::from_ms(3), Input::Msg { from: 2, msg: q(0, QuorumPacket::LeaderInfo { new_epoch: 6 }) });
    assert_eq!(f.state, ServerState::Looking);
}

#[test]
fn leader_gives_up_when_a_follower_is_ahead_of_it() {
    let mut l = leader();
    step(&mut l, Time::ZERO, Input::Msg { from: 0, msg: q(0, QuorumPacket::FollowerInfo { accepted_epoch: 0 }) });
    let ack = QuorumPacket::AckEpoch { current_epoch: Some(0), last_zxid: make_zxid(0, 9) };
    let out = step(&mut l, Time::from_ms(1), Input::Msg { from: 0, msg: q(1, ack) });
    assert!(out.contains(&Output::Note(Note::GaveUp { reason: crate::zk::GiveUp::FollowerAhead })));
    assert_eq!(l.state, ServerState::Looking);
}

#[test]
fn epoch_ack_quorum_sends_diff_and_newleader_then_uptodate_after_newleader_acks() {
    let mut l = leader();
    step(&mut l, Time::ZERO, Input::Msg { from: 0, msg: q(0, QuorumPacket::FollowerInfo { accepted_epoch: 0 }) });
    let ack = QuorumPacket::AckEpoch { current_epoch: Some(0), last_zxid: 0 };
    let out = step(&mut l, Time::from_ms(1), Input::Msg { from: 0, msg: q(1, ack) });
    let diff = SyncPayload { mode: SyncMode::Diff, txns: vec![] };
    assert_eq!(
        out,
        vec![
            Output::Send { to: 0, msg: q(1, QuorumPacket::Sync(Box::new(diff))) },
            Output::Send { to: 0, msg: q(2, QuorumPacket::NewLeader { zxid: make_zxid(1, 0) }) },
            Output::SetTimer { timer: Timer::InitLimit, at: Time::from_ms(1 + 20_000) },
        ]
    );
    assert_eq!(l.current_epoch, 1);
    let out =
        step(&mut l, Time::from_ms(2), Input::Msg { from: 0, msg: q(2, QuorumPacket::Ack { zxid: make_zxid(1, 0) }) });
    assert_eq!(
        out,
        vec![
            Output::Send { to: 0, msg: q(3, QuorumPacket::UpToDate { committed: 0 }) },
            Output::Note(Note::Established { epoch: 1 }),
            Output::CancelTimer(Timer::InitLimit),
            Output::SetTimer { timer: Timer::Tick, at: Time::from_ms(1_002) },
            Output::SetTimer { timer: Timer::SessionCheck, at: Time::from_ms(2_000) },
        ]
    );
}

#[test]
fn proposals_commit_in_zxid_order_after_a_quorum_of_cumulative_acks() {
    let mut l = established();
    let mut out = Vec::new();
    l.propose(Time::from_ms(10), 0, None, TxnBody::CreateSession { timeout_ms: 4_000 }, &mut out);
    l.propose(Time::from_ms(10), 0, None, TxnBody::CreateSession { timeout_ms: 4_000 }, &mut out);
    let (z1, z2) = (make_zxid(1, 1), make_zxid(1, 2));
    assert_eq!(
        out.iter()
            .filter(|o| matches!(o, Output::Send { msg: Msg::Quorum { pkt: QuorumPacket::Proposal(_), .. }, .. }))
            .count(),
        4
    );
    // zk2 acknowledges z2: on a FIFO channel that covers z1 too; both commit, in order.
    let out = step(&mut l, Time::from_ms(12), Input::Msg { from: 1, msg: q(3, QuorumPacket::Ack { zxid: z2 }) });
    let commits: Vec<Zxid> = out
        .iter()
        .filter_map(|o| match o {
            Output::Send { to: 0, msg: Msg::Quorum { pkt: QuorumPacket::Commit { zxid }, .. } } => Some(*zxid),
            _ => None,
        })
        .collect();
    assert_eq!(commits, vec![z1, z2]);
    assert_eq!(l.applied_zxid(), z2);
    assert_eq!(l.tree.sessions.len(), 2);
}

#[test]
fn follower_logs_acks_and_applies_on_commit_and_a_gap_breaks_the_connection() {
    let mut f = server(1);
    f.follow(Time::ZERO, 3, &mut Vec::new());
    let feed = |f: &mut Server, seq: u32, pkt: QuorumPacket| {
        step(f, Time::from_ms(u64::from(seq)), Input::Msg { from: 2, msg: q(seq, pkt) })
    };
    feed(&mut f, 0, QuorumPacket::LeaderInfo { new_epoch: 1 });
    feed(&mut f, 1, QuorumPacket::Sync(Box::new(SyncPayload { mode: SyncMode::Diff, txns: vec![] })));
    let out = feed(&mut f, 2, QuorumPacket::NewLeader { zxid: make_zxid(1, 0) });
    assert!(out.contains(&Output::Send { to: 2, msg: q(2, QuorumPacket::Ack { zxid: make_zxid(1, 0) }) }));
    assert_eq!(f.current_epoch, 1);
    feed(&mut f, 3, QuorumPacket::UpToDate { committed: 0 });
    assert!(f.serving());
    let out = feed(&mut f, 4, QuorumPacket::Proposal(txn(make_zxid(1, 1))));
    assert_eq!(
        out,
        vec![
            Output::Send { to: 2, msg: q(3, QuorumPacket::Ack { zxid: make_zxid(1, 1) }) },
            Output::SetTimer { timer: Timer::PeerTimeout, at: Time::from_ms(4 + 10_000) },
        ]
    );
    assert_eq!(f.applied_zxid(), 0);
    feed(&mut f, 5, QuorumPacket::Commit { zxid: make_zxid(1, 1) });
    assert_eq!(f.applied_zxid(), make_zxid(1, 1));
    // Packet 6 was lost: packet 7 reveals the hole and the follower goes LOOKING.
    feed(&mut f, 7, QuorumPacket::Ping { touches: vec![] });
    assert_eq!(f.state, ServerState::Looking);
}

#[test]
fn trunc_drops_the_uncommitted_tail_of_a_returning_follower() {
    let mut f = server(1);
    f.log = log(&[make_zxid(1, 1), make_zxid(1, 2), make_zxid(1, 3)]);
    f.current_epoch = 1;
    f.accepted_epoch = 1;
    f.follow(Time::ZERO, 3, &mut Vec::new());
    let feed =
        |f: &mut Server, seq: u32, pkt: QuorumPacket| step(f, Time::ZERO, Input::Msg { from: 2, msg: q(seq, pkt) });
    feed(&mut f, 0, QuorumPacket::LeaderInfo { new_epoch: 2 });
    let payload = SyncPayload { mode: SyncMode::Trunc { zxid: make_zxid(1, 2) }, txns: log(&[make_zxid(2, 1)]) };
    feed(&mut f, 1, QuorumPacket::Sync(Box::new(payload)));
    feed(&mut f, 2, QuorumPacket::NewLeader { zxid: make_zxid(2, 0) });
    let zxids: Vec<Zxid> = f.log.iter().map(|t| t.zxid).collect();
    assert_eq!(zxids, vec![make_zxid(1, 1), make_zxid(1, 2), make_zxid(2, 1)]);
}

#[test]
fn leader_pings_every_half_tick_and_gives_up_without_a_synced_quorum() {
    let mut l = established();
    let out = step(&mut l, Time::from_ms(1_000), Input::Timer(Timer::Tick));
    let pings = out
        .iter()
        .filter(|o| matches!(o, Output::Send { msg: Msg::Quorum { pkt: QuorumPacket::Ping { .. }, .. }, .. }))
        .count();
    assert_eq!(pings, 2);
    // Nothing heard from either follower: after syncLimit (5) ticks the quorum is lost.
    let mut now = Time::from_ms(1_000);
    for _ in 0..12 {
        now = now.plus_ms(1_000);
        step(&mut l, now, Input::Timer(Timer::Tick));
        if l.state == ServerState::Looking {
            break;
        }
    }
    assert_eq!(l.state, ServerState::Looking);
    // Last packet at tick 0, deadline tick 0 + syncLimit = 5: the check at tick 6 fails.
    assert_eq!(now, Time::from_ms(12_000));
}
