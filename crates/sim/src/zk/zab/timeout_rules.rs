//! Rule tests of a learner's read timeout (`Learner.java`): tickTime × initLimit while it
//! connects and syncs, tickTime × syncLimit from NEWLEADER on, and the note saying which fired.

use crate::time::Time;
use crate::world::{Input, Output};
use crate::zk::msg::{make_zxid, QuorumPacket, ServerState, SyncMode, SyncPayload};
use crate::zk::server::Server;
use crate::zk::testkit::{q, server, step};
use crate::zk::{Limit, Note, Timer};

/// zk1 following zk3 (node 2), fed `packets` on the leader's stream at `at_ms`.
fn follower(packets: Vec<QuorumPacket>, at_ms: u64) -> (Server, Vec<crate::zk::Out>) {
    let mut f = server(1);
    f.follow(Time::ZERO, 3, &mut Vec::new());
    let mut last = Vec::new();
    for (seq, pkt) in packets.into_iter().enumerate() {
        last = step(&mut f, Time::from_ms(at_ms), Input::Msg { from: 2, msg: q(seq as u32, pkt) });
    }
    (f, last)
}

fn peer_timeout(out: &[crate::zk::Out]) -> Option<Time> {
    out.iter().rev().find_map(|o| match o {
        Output::SetTimer { timer: Timer::PeerTimeout, at } => Some(*at),
        _ => None,
    })
}

#[test]
fn a_connecting_follower_goes_looking_after_init_limit_ticks_of_silence_and_says_which() {
    let mut f = server(1);
    f.follow(Time::ZERO, 3, &mut Vec::new());
    // Learner.connectToLeader: the socket's read timeout is tickTime × initLimit.
    let out = step(&mut f, Time::from_ms(20_000), Input::Timer(Timer::PeerTimeout));
    assert!(out.contains(&Output::Note(Note::LeaderTimeout { limit: Limit::InitLimit })));
    assert_eq!(f.state, ServerState::Looking);
}

#[test]
fn from_newleader_on_the_read_timeout_is_sync_limit_ticks() {
    // Learner.syncWithLeader, `case Leader.NEWLEADER`: after the synced history is logged and
    // the epoch taken, `sock.setSoTimeout(self.tickTime * self.syncLimit)`, before ACKing and
    // before UPTODATE. Until then (LEADERINFO, the sync packet) it stays initLimit.
    let diff = QuorumPacket::Sync(Box::new(SyncPayload { mode: SyncMode::Diff, txns: vec![] }));
    let (_, out) = follower(vec![QuorumPacket::LeaderInfo { new_epoch: 1 }, diff.clone()], 100);
    assert_eq!(peer_timeout(&out), Some(Time::from_ms(100 + 10 * 2_000)));
    let newleader = QuorumPacket::NewLeader { zxid: make_zxid(1, 0) };
    let (mut f, out) = follower(vec![QuorumPacket::LeaderInfo { new_epoch: 1 }, diff, newleader], 100);
    assert_eq!(peer_timeout(&out), Some(Time::from_ms(100 + 5 * 2_000)));
    // No UPTODATE within syncLimit: the note says syncLimit fired.
    let out = step(&mut f, Time::from_ms(10_100), Input::Timer(Timer::PeerTimeout));
    assert!(out.contains(&Output::Note(Note::LeaderTimeout { limit: Limit::SyncLimit })));
    assert_eq!(f.state, ServerState::Looking);
}
