use super::*;
use crate::world::Input;
use crate::zk::config::Config;
use crate::zk::msg::{QuorumPacket, Snapshot};
use crate::zk::tree::DataTree;
use std::rc::Rc;

pub(crate) fn server(sid: Sid, ensemble: usize) -> Server {
    let cfg = Rc::new(Config { ensemble, brokers: 0, partitions: 0, ..Config::default() });
    let base = Rc::new(Snapshot { tree: DataTree::new(), zxid: 0, applied_count: 0, digest: 0 });
    Server::new(sid, cfg, base)
}

fn vote(leader: Sid, zxid: u64, election_epoch: u64, peer_epoch: u64) -> Vote {
    Vote { leader, zxid, election_epoch, peer_epoch }
}

fn notif(v: Vote, state: ServerState) -> Msg {
    Msg::Notification(Notification { vote: v, state })
}

fn step(s: &mut Server, now: Time, input: crate::zk::In) -> Vec<Out> {
    let mut out = Vec::new();
    s.step(now, input, &mut out);
    out
}

const CANCEL_ROLE_TIMERS: [Timer; 5] =
    [Timer::InitLimit, Timer::PeerTimeout, Timer::Tick, Timer::SessionCheck, Timer::LearnerConnect];

fn started(sid: Sid, ensemble: usize) -> Server {
    let mut s = server(sid, ensemble);
    step(&mut s, Time::ZERO, Input::Start);
    s
}

#[test]
fn total_order_predicate_compares_peer_epoch_then_zxid_then_sid() {
    // FLE: totalOrderPredicate: peerEpoch first…
    assert!(total_order_predicate(&vote(1, 0, 1, 2), &vote(3, 99, 1, 1)));
    // …then zxid…
    assert!(total_order_predicate(&vote(1, 5, 1, 1), &vote(3, 4, 1, 1)));
    // …then sid.
    assert!(total_order_predicate(&vote(3, 5, 1, 1), &vote(2, 5, 1, 1)));
    assert!(!total_order_predicate(&vote(2, 5, 1, 1), &vote(2, 5, 1, 1)));
}

#[test]
fn start_increments_logicalclock_votes_for_itself_and_tells_every_voter() {
    let mut s = server(1, 3);
    let out = step(&mut s, Time::ZERO, Input::Start);
    let mine = vote(1, 0, 1, 0);
    let mut expected: Vec<Out> = CANCEL_ROLE_TIMERS.iter().map(|t| Output::CancelTimer(*t)).collect();
    expected.extend([
        Output::Note(Note::ElectionRound { round: 1 }),
        Output::CancelTimer(Timer::FinalizeWait),
        Output::Send { to: 1, msg: notif(mine, ServerState::Looking) },
        Output::Send { to: 2, msg: notif(mine, ServerState::Looking) },
        // FLE: the first poll timeout is minNotificationInterval = 200 ms.
        Output::SetTimer { timer: Timer::ElectionPoll, at: Time::from_ms(200) },
    ]);
    assert_eq!(out, expected);
    assert_eq!(s.fle.logicalclock, 1);
}

#[test]
fn newer_round_clears_recvset_adopts_better_vote_and_waits_finalize() {
    let mut s = started(1, 3);
    // sid 3 is in round 3 and proposes itself: better by sid.
    let n = vote(3, 0, 3, 0);
    let out = step(&mut s, Time::from_ms(10), Input::Msg { from: 2, msg: notif(n, ServerState::Looking) });
    assert_eq!(
        out,
        vec![
            Output::SetTimer { timer: Timer::ElectionPoll, at: Time::from_ms(210) },
            // Same epoch and zxid as our own vote: sid 3 wins the tie-break.
            Output::Note(Note::VoteSwitched { to: 3, why: VoteWin::HigherSid { theirs: 3, ours: 1 } }),
            Output::Send { to: 1, msg: notif(n, ServerState::Looking) },
            Output::Send { to: 2, msg: notif(n, ServerState::Looking) },
            // Our own copy and sid 3's vote form a quorum of 2: wait finalizeWait = 200 ms.
            Output::CancelTimer(Timer::ElectionPoll),
            Output::SetTimer { timer: Timer::FinalizeWait, at: Time::from_ms(210) },
        ]
    );
    assert_eq!(s.fle.logicalclock, 3);
    assert!(s.fle.finalizing);
}

/// A started server whose log ends at `zxid`, with ZAB currentEpoch `current_epoch`.
fn started_at(sid: Sid, ensemble: usize, current_epoch: u64, zxid: u64) -> Server {
    let cfg = Rc::new(Config { ensemble, brokers: 0, partitions: 0, ..Config::default() });
    let base = Rc::new(Snapshot { tree: DataTree::new(), zxid, applied_count: 0, digest: 0 });
    let mut s = Server::new(sid, cfg, base);
    s.current_epoch = current_epoch;
    step(&mut s, Time::ZERO, Input::Start);
    s
}

fn switches(out: &[Out]) -> Vec<Note> {
    out.iter()
        .filter_map(|o| match o {
            Output::Note(n @ Note::VoteSwitched { .. }) => Some(n.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn vote_win_names_the_deciding_step_of_total_order_predicate() {
    assert_eq!(vote_win(&vote(1, 0, 1, 2), &vote(3, 99, 1, 1)), Some(VoteWin::HigherPeerEpoch { theirs: 2, ours: 1 }));
    assert_eq!(vote_win(&vote(1, 5, 1, 1), &vote(3, 4, 1, 1)), Some(VoteWin::HigherZxid { theirs: 5, ours: 4 }));
    assert_eq!(vote_win(&vote(3, 5, 1, 1), &vote(2, 5, 1, 1)), Some(VoteWin::HigherSid { theirs: 3, ours: 2 }));
    assert_eq!(vote_win(&vote(2, 5, 1, 1), &vote(3, 5, 1, 1)), None);
    assert_eq!(vote_win(&vote(2, 5, 1, 1), &vote(2, 5, 1, 1)), None);
}

#[test]
fn same_round_same_epoch_higher_zxid_switches_the_vote_and_says_why() {
    // FLE: same round, n's vote wins totalOrderPredicate on zxid (peerEpoch equal): adopt
    // it, broadcast, and narrate the switch zk1 → zk2.
    let mut s = started_at(1, 3, 1, 0x1_0000_0002);
    let theirs = vote(2, 0x1_0000_0004, 1, 1);
    let out = step(&mut s, Time::from_ms(10), Input::Msg { from: 1, msg: notif(theirs, ServerState::Looking) });
    assert_eq!(
        out,
        vec![
            Output::SetTimer { timer: Timer::ElectionPoll, at: Time::from_ms(210) },
            Output::Note(Note::VoteSwitched {
                to: 2,
                why: VoteWin::HigherZxid { theirs: 0x1_0000_0004, ours: 0x1_0000_0002 }
            }),
            Output::Send { to: 1, msg: notif(theirs, ServerState::Looking) },
            Output::Send { to: 2, msg: notif(theirs, ServerState::Looking) },
            Output::CancelTimer(Timer::ElectionPoll),
            Output::SetTimer { timer: Timer::FinalizeWait, at: Time::from_ms(210) },
        ]
    );
    assert_eq!(s.fle.proposed.leader, 2);
}

#[test]
fn a_higher_peer_epoch_wins_over_a_longer_log_and_the_note_says_so() {
    // zk3 has logged more of epoch 1, but zk1 proposes itself with peerEpoch 2.
    let mut s = started_at(3, 3, 1, 0x1_0000_0009);
    let theirs = vote(1, 0x2_0000_0001, 1, 2);
    let out = step(&mut s, Time::from_ms(10), Input::Msg { from: 0, msg: notif(theirs, ServerState::Looking) });
    assert_eq!(
        switches(&out),
        vec![Note::VoteSwitched { to: 1, why: VoteWin::HigherPeerEpoch { theirs: 2, ours: 1 } }]
    );
}

#[test]
fn only_a_change_of_proposed_leader_is_narrated() {
    let mut s = started(1, 5);
    let zk5 = vote(5, 0, 1, 0);
    let out = step(&mut s, Time::from_ms(10), Input::Msg { from: 4, msg: notif(zk5, ServerState::Looking) });
    assert_eq!(switches(&out).len(), 1);
    // The same vote again (from zk4), and a worse one (zk2): nothing to narrate.
    let out = step(&mut s, Time::from_ms(11), Input::Msg { from: 3, msg: notif(zk5, ServerState::Looking) });
    assert!(switches(&out).is_empty());
    let zk2 = vote(2, 0, 1, 0);
    let out = step(&mut s, Time::from_ms(12), Input::Msg { from: 1, msg: notif(zk2, ServerState::Looking) });
    assert!(switches(&out).is_empty());
    // A better vote for the same leader is adopted silently: still zk5.
    let better_zk5 = vote(5, 7, 1, 0);
    let out = step(&mut s, Time::from_ms(13), Input::Msg { from: 4, msg: notif(better_zk5, ServerState::Looking) });
    assert!(switches(&out).is_empty());
    assert_eq!(s.fle.proposed, better_zk5);
}

#[test]
fn a_newer_round_whose_vote_loses_to_our_own_is_not_a_switch() {
    // zk3 receives zk2's round-4 vote for zk2: it joins round 4 but keeps voting for itself.
    let mut s = started(3, 3);
    let out =
        step(&mut s, Time::from_ms(10), Input::Msg { from: 1, msg: notif(vote(2, 0, 4, 0), ServerState::Looking) });
    assert!(switches(&out).is_empty());
    assert_eq!((s.fle.logicalclock, s.fle.proposed.leader), (4, 3));
}

#[test]
fn finalize_wait_expiry_makes_a_follower_that_sends_followerinfo() {
    let mut s = started(1, 3);
    let n = vote(3, 0, 3, 0);
    step(&mut s, Time::from_ms(10), Input::Msg { from: 2, msg: notif(n, ServerState::Looking) });
    let out = step(&mut s, Time::from_ms(210), Input::Timer(Timer::FinalizeWait));
    assert_eq!(
        out,
        vec![
            Output::CancelTimer(Timer::ElectionPoll),
            Output::CancelTimer(Timer::FinalizeWait),
            Output::Note(Note::Elected { leader: 3, round: 3 }),
            // ZAB: FOLLOWERINFO with the acceptedEpoch; initLimit × tickTime to sync.
            Output::Send { to: 2, msg: Msg::Quorum { seq: 0, pkt: QuorumPacket::FollowerInfo { accepted_epoch: 0 } } },
            Output::SetTimer { timer: Timer::PeerTimeout, at: Time::from_ms(210 + 20_000) },
        ]
    );
    assert_eq!(s.state, ServerState::Following);
}

#[test]
fn a_worse_vote_during_finalize_wait_is_consumed_and_restarts_the_wait() {
    let mut s = started(1, 3);
    step(&mut s, Time::from_ms(10), Input::Msg { from: 2, msg: notif(vote(3, 0, 3, 0), ServerState::Looking) });
    let out =
        step(&mut s, Time::from_ms(100), Input::Msg { from: 1, msg: notif(vote(2, 0, 3, 0), ServerState::Looking) });
    assert_eq!(out, vec![Output::SetTimer { timer: Timer::FinalizeWait, at: Time::from_ms(300) }]);
    assert!(s.fle.finalizing);
}

#[test]
fn lower_round_is_ignored_but_answered_with_our_vote() {
    let mut s = started(1, 3);
    step(&mut s, Time::from_ms(1), Input::Msg { from: 2, msg: notif(vote(3, 0, 3, 0), ServerState::Looking) });
    s.fle.finalizing = false;
    let out =
        step(&mut s, Time::from_ms(2), Input::Msg { from: 1, msg: notif(vote(2, 0, 1, 0), ServerState::Looking) });
    assert_eq!(
        out,
        vec![
            Output::Send { to: 1, msg: notif(vote(3, 0, 3, 0), ServerState::Looking) },
            Output::SetTimer { timer: Timer::ElectionPoll, at: Time::from_ms(202) },
        ]
    );
    assert!(!s.fle.recvset.contains_key(&2));
}

#[test]
fn a_decided_server_answers_looking_servers_with_its_vote_and_state() {
    let mut s = started(1, 3);
    step(&mut s, Time::from_ms(10), Input::Msg { from: 2, msg: notif(vote(3, 0, 3, 0), ServerState::Looking) });
    step(&mut s, Time::from_ms(210), Input::Timer(Timer::FinalizeWait));
    let out =
        step(&mut s, Time::from_ms(300), Input::Msg { from: 1, msg: notif(vote(2, 0, 1, 0), ServerState::Looking) });
    assert_eq!(out, vec![Output::Send { to: 1, msg: notif(vote(3, 0, 3, 0), ServerState::Following) }]);
}

#[test]
fn a_restarted_server_joins_the_established_leader_at_once_without_the_finalize_wait() {
    // FLE: receivedFollowingNotification / outofelection: a quorum of FOLLOWING/LEADING
    // votes naming the same leader, and the leader itself says LEADING (checkLeader). The
    // notification that completes the quorum decides: no finalizeWait poll, so the note is
    // Joined (narrated without the wait), not Elected.
    let mut s = started(1, 3);
    let established = vote(3, 0x1_0000_0004, 7, 1);
    let out = step(&mut s, Time::from_ms(5), Input::Msg { from: 1, msg: notif(established, ServerState::Following) });
    assert!(!out.iter().any(|o| matches!(o, Output::Note(Note::Elected { .. } | Note::Joined { .. }))));
    let out = step(&mut s, Time::from_ms(6), Input::Msg { from: 2, msg: notif(established, ServerState::Leading) });
    assert_eq!(
        out,
        vec![
            Output::SetTimer { timer: Timer::ElectionPoll, at: Time::from_ms(206) },
            Output::CancelTimer(Timer::ElectionPoll),
            Output::CancelTimer(Timer::FinalizeWait),
            Output::Note(Note::Joined { leader: 3, round: 7 }),
            Output::Send { to: 2, msg: Msg::Quorum { seq: 0, pkt: QuorumPacket::FollowerInfo { accepted_epoch: 0 } } },
            Output::SetTimer { timer: Timer::PeerTimeout, at: Time::from_ms(6 + 20_000) },
        ]
    );
    assert_eq!(s.state, ServerState::Following);
    assert_eq!(s.fle.logicalclock, 7);
}

#[test]
fn a_same_round_leading_notification_completing_the_quorum_is_a_join_too() {
    // FLE: receivedFollowingNotification's first branch (n.electionEpoch == logicalclock,
    // recvset): decided at once as well.
    let mut s = started(1, 3);
    let leading = vote(3, 0, 1, 0);
    step(&mut s, Time::from_ms(5), Input::Msg { from: 1, msg: notif(leading, ServerState::Following) });
    let out = step(&mut s, Time::from_ms(6), Input::Msg { from: 2, msg: notif(leading, ServerState::Leading) });
    assert!(out.contains(&Output::Note(Note::Joined { leader: 3, round: 1 })));
    assert!(!out.iter().any(|o| matches!(o, Output::SetTimer { timer: Timer::FinalizeWait, .. })));
}

#[test]
fn following_votes_without_the_leader_saying_leading_are_not_enough() {
    let mut s = started(1, 5);
    let v = vote(5, 0, 4, 1);
    for from in [1, 2] {
        step(&mut s, Time::from_ms(5), Input::Msg { from, msg: notif(v, ServerState::Following) });
    }
    // Three FOLLOWING votes (a quorum of 5) but checkLeader fails: zk5 never said LEADING.
    let out = step(&mut s, Time::from_ms(6), Input::Msg { from: 3, msg: notif(v, ServerState::Following) });
    assert!(!out.iter().any(|o| matches!(o, Output::Note(Note::Elected { .. } | Note::Joined { .. }))));
    assert_eq!(s.state, ServerState::Looking);
}

fn with_observers(sid: Sid) -> Server {
    let cfg = Rc::new(Config { ensemble: 3, observers: 1, brokers: 0, partitions: 0, ..Config::default() });
    let base = Rc::new(Snapshot { tree: DataTree::new(), zxid: 0, applied_count: 0, digest: 0 });
    let mut s = Server::new(sid, cfg, base);
    step(&mut s, Time::ZERO, Input::Start);
    s
}

#[test]
fn an_observer_proposes_nobody_and_notifies_only_the_voters() {
    let mut s = server(4, 3);
    s.cfg = Rc::new(Config { ensemble: 3, observers: 1, brokers: 0, partitions: 0, ..Config::default() });
    let out = step(&mut s, Time::ZERO, Input::Start);
    let sends: Vec<usize> = out
        .iter()
        .filter_map(|o| match o {
            Output::Send { to, msg: Msg::Notification(n) } => {
                assert_eq!(n.vote.leader, 0, "an observer has no quorum weight");
                Some(*to)
            }
            _ => None,
        })
        .collect();
    assert_eq!(sends, vec![0, 1, 2]);
    assert!(s.fle.recvset.is_empty(), "its own vote never counts");
}

#[test]
fn an_observer_taking_up_a_voter_s_proposal_is_not_narrated_as_a_switch() {
    // It proposed nobody (no quorum weight): there was no vote to switch.
    let mut s = with_observers(4);
    let out =
        step(&mut s, Time::from_ms(5), Input::Msg { from: 2, msg: notif(vote(3, 0, 1, 0), ServerState::Looking) });
    assert!(switches(&out).is_empty());
    assert_eq!(s.fle.proposed.leader, 3);
}

#[test]
fn a_voter_answers_an_observer_without_counting_its_vote() {
    let mut s = with_observers(1);
    let before = s.fle.recvset.clone();
    let out =
        step(&mut s, Time::from_ms(5), Input::Msg { from: 3, msg: notif(vote(0, 9, 4, 9), ServerState::Looking) });
    assert_eq!(out, vec![Output::Send { to: 3, msg: notif(vote(1, 0, 1, 0), ServerState::Looking) }]);
    assert_eq!(s.fle.recvset, before);
}

#[test]
fn an_observer_joins_a_quorum_of_decided_voters_and_observes() {
    let mut s = with_observers(4);
    let established = vote(2, 0x1_0000_0001, 3, 1);
    step(&mut s, Time::from_ms(5), Input::Msg { from: 0, msg: notif(established, ServerState::Following) });
    let out = step(&mut s, Time::from_ms(6), Input::Msg { from: 1, msg: notif(established, ServerState::Leading) });
    assert!(out.contains(&Output::Send {
        to: 1,
        msg: Msg::Quorum { seq: 0, pkt: QuorumPacket::ObserverInfo { accepted_epoch: 0 } }
    }));
    assert_eq!(s.state, ServerState::Observing);
}

#[test]
fn notification_timeout_resends_and_doubles_up_to_sixty_seconds() {
    let mut s = started(1, 3);
    let mut now = Time::ZERO;
    let mut intervals = Vec::new();
    for _ in 0..12 {
        now = now.plus_ms(s.fle.interval_ms);
        let out = step(&mut s, now, Input::Timer(Timer::ElectionPoll));
        let sends = out.iter().filter(|o| matches!(o, Output::Send { .. })).count();
        assert_eq!(sends, 2);
        intervals.push(s.fle.interval_ms);
    }
    assert_eq!(intervals[..9], [400, 800, 1600, 3200, 6400, 12800, 25600, 51200, 60000]);
    assert_eq!(*intervals.last().unwrap(), 60_000);
}

// ---- guards and odd cases (issue 22) ------------------------------------------------------

#[test]
fn votes_compare_every_field_with_a_looking_side_and_only_leader_and_epoch_between_decided() {
    // FLE Vote.equals (format version 0x2).
    let a = vote(3, 5, 2, 1);
    for (b, looking_equal) in [
        (vote(3, 5, 2, 1), true),
        (vote(2, 5, 2, 1), false),
        (vote(3, 6, 2, 1), false),
        (vote(3, 5, 4, 1), false),
        (vote(3, 5, 2, 0), false),
    ] {
        assert_eq!(votes_equal(&a, ServerState::Looking, &b, ServerState::Following), looking_equal, "{b:?}");
        assert_eq!(votes_equal(&a, ServerState::Leading, &b, ServerState::Looking), looking_equal, "{b:?}");
    }
    // Decided on both sides: zxid and round do not matter, leader and peerEpoch do.
    assert!(votes_equal(&a, ServerState::Following, &vote(3, 9, 7, 1), ServerState::Leading));
    assert!(!votes_equal(&a, ServerState::Following, &vote(2, 5, 2, 1), ServerState::Leading));
    assert!(!votes_equal(&a, ServerState::Following, &vote(3, 5, 2, 2), ServerState::Leading));
}

#[test]
fn a_vote_for_nobody_never_wins_and_an_equal_vote_is_no_better() {
    // totalOrderPredicate: an observer's vote (leader 0) has no quorum weight.
    assert!(!total_order_predicate(&vote(0, 9, 1, 9), &vote(1, 0, 1, 0)));
    assert!(!total_order_predicate(&vote(1, 4, 1, 1), &vote(3, 5, 1, 1)));
    assert_eq!(vote_win(&vote(2, 5, 1, 1), &vote(2, 5, 1, 1)), None);
    assert_eq!(vote_win(&vote(1, 5, 1, 1), &vote(3, 5, 1, 1)), None);
}

#[test]
fn finalize_wait_expiring_when_not_finalizing_or_not_looking_decides_nothing() {
    // Only a LOOKING server whose quorum agreed (finalizing) decides when finalizeWait ends.
    let mut s = started(1, 3);
    assert_eq!(step(&mut s, Time::from_ms(210), Input::Timer(Timer::FinalizeWait)), Vec::new());
    step(&mut s, Time::from_ms(10), Input::Msg { from: 2, msg: notif(vote(3, 0, 3, 0), ServerState::Looking) });
    step(&mut s, Time::from_ms(210), Input::Timer(Timer::FinalizeWait));
    assert_eq!(s.state, ServerState::Following);
    s.fle.finalizing = true;
    assert_eq!(step(&mut s, Time::from_ms(420), Input::Timer(Timer::FinalizeWait)), Vec::new());
    assert_eq!(s.state, ServerState::Following);
}

#[test]
fn only_a_voter_can_be_elected() {
    // A proposal naming nobody (0) or an observer (sid above the ensemble) is never decided.
    for leader in [0, 4] {
        let mut s = with_observers(1);
        s.fle.proposed = vote(leader, 0, 1, 0);
        s.fle.finalizing = true;
        let out = step(&mut s, Time::from_ms(210), Input::Timer(Timer::FinalizeWait));
        assert_eq!(out, Vec::new(), "leader {leader}");
        assert_eq!(s.state, ServerState::Looking);
    }
}

#[test]
fn the_notification_timeout_does_nothing_while_finalizing_or_decided() {
    let mut s = started(1, 3);
    step(&mut s, Time::from_ms(10), Input::Msg { from: 2, msg: notif(vote(3, 0, 3, 0), ServerState::Looking) });
    assert!(s.fle.finalizing);
    assert_eq!(step(&mut s, Time::from_ms(200), Input::Timer(Timer::ElectionPoll)), Vec::new());
    step(&mut s, Time::from_ms(210), Input::Timer(Timer::FinalizeWait));
    assert_eq!(step(&mut s, Time::from_ms(400), Input::Timer(Timer::ElectionPoll)), Vec::new());
}

#[test]
fn a_quorum_waits_finalize_and_no_quorum_polls_again() {
    // A single-voter ensemble: its own copy is a quorum at once, so it waits finalizeWait.
    let mut s = server(1, 1);
    let out = step(&mut s, Time::ZERO, Input::Start);
    assert!(out.contains(&Output::SetTimer { timer: Timer::FinalizeWait, at: Time::from_ms(200) }), "{out:?}");
    // Three voters: the poll resends, doubles the interval and polls again.
    let mut s = started(1, 3);
    let out = step(&mut s, Time::from_ms(200), Input::Timer(Timer::ElectionPoll));
    assert_eq!(out.last(), Some(&Output::SetTimer { timer: Timer::ElectionPoll, at: Time::from_ms(600) }));
}

#[test]
fn a_same_round_better_vote_is_adopted_and_a_worse_one_only_recorded() {
    let mut s = started(1, 3);
    // Same round (1): zk2's own vote beats ours by sid; adopted and broadcast.
    let better = vote(2, 0, 1, 0);
    let out = step(&mut s, Time::from_ms(5), Input::Msg { from: 1, msg: notif(better, ServerState::Looking) });
    assert_eq!(s.fle.proposed.leader, 2);
    assert!(out.contains(&Output::Send { to: 2, msg: notif(better, ServerState::Looking) }), "{out:?}");
    // zk3 is in round 1 but proposes zk1: worse than zk2; recorded, not adopted, not sent.
    let mut s = started(2, 3);
    let worse = vote(1, 0, 1, 0);
    let out = step(&mut s, Time::from_ms(5), Input::Msg { from: 2, msg: notif(worse, ServerState::Looking) });
    assert_eq!(out, vec![Output::SetTimer { timer: Timer::ElectionPoll, at: Time::from_ms(205) }]);
    assert_eq!(s.fle.proposed.leader, 2);
    assert_eq!(s.fle.recvset.get(&3), Some(&(worse, ServerState::Looking)));
}

#[test]
fn a_server_that_is_itself_the_named_leader_joins_only_in_its_own_round() {
    // checkLeader: if the proposed leader is this server, the round must be ours.
    let mut s = started(3, 3);
    let me = vote(3, 0, 5, 0);
    step(&mut s, Time::from_ms(5), Input::Msg { from: 0, msg: notif(me, ServerState::Following) });
    let out = step(&mut s, Time::from_ms(6), Input::Msg { from: 1, msg: notif(me, ServerState::Following) });
    assert!(!out.iter().any(|o| matches!(o, Output::Note(Note::Joined { .. }))), "round 5 is not ours (1)");
    // In its own round 1, one FOLLOWING vote for it plus its own is a quorum of three.
    let mut s = started(3, 3);
    let mine = vote(3, 0, 1, 0);
    let out = step(&mut s, Time::from_ms(5), Input::Msg { from: 0, msg: notif(mine, ServerState::Following) });
    assert!(out.contains(&Output::Note(Note::Joined { leader: 3, round: 1 })), "{out:?}");
    assert_eq!(s.state, ServerState::Leading);
}

#[test]
fn a_leading_notification_alone_is_no_quorum_in_the_same_round_nor_across_rounds() {
    // FLE receivedFollowingNotification: a quorum naming the leader *and* checkLeader; the
    // leader saying LEADING is not enough by itself (five voters: three are needed).
    for round in [1, 4] {
        let mut s = started(1, 5);
        let v = vote(5, 0, round, 1);
        let out = step(&mut s, Time::from_ms(5), Input::Msg { from: 4, msg: notif(v, ServerState::Leading) });
        assert!(!out.iter().any(|o| matches!(o, Output::Note(Note::Joined { .. }))), "round {round}: {out:?}");
        assert_eq!(s.state, ServerState::Looking);
    }
}
