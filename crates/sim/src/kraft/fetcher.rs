//! Where a replica sends its next Fetch: Kafka 4.1 `RequestManager` and
//! `KafkaRaftClient.maybeSendFetchToBestNode` / `maybeSendFetchToAnyBootstrap`, shared by a
//! follower or Unattached voter (a controller) and an observer (a broker).
//!
//! One fetch is in flight at a time, to any node. A request waits up to
//! `controller.quorum.request.timeout.ms` for its answer; a node that refused the connection is
//! left alone for the raft NetworkClient's reconnect backoff (50 ms doubling to 500 ms, reset when
//! it answers), during which requests to it fail at once in Kafka (each followed by the 20 ms
//! `controller.quorum.retry.backoff.ms`); the model lets the refusal take one trip back and then
//! waits out the reconnect backoff (never less than the retry backoff). The bootstrap servers
//! are the voters (`controller.quorum.voters`) without the replica itself (Kafka's list includes a
//! voter's own address; fetching from itself would only tell it what it knows).

use super::log::Log;
use super::msg::Msg;
use super::{Note, Timer};
use crate::rng::Rng;
use crate::sorted::SortedMap;
use crate::time::Time;
use crate::world::Output;
use crate::NodeId;

/// `controller.quorum.request.timeout.ms`.
pub const REQUEST_TIMEOUT_MS: u64 = 2_000;
/// `controller.quorum.retry.backoff.ms`.
pub const RETRY_BACKOFF_MS: u64 = 20;
/// The raft NetworkClient's `reconnectBackoffMs` and `reconnectBackoffMax` (Kafka 4.1
/// `RaftManager`, hard-coded).
pub const RECONNECT_BACKOFF_MS: u64 = 50;
pub const RECONNECT_BACKOFF_MAX_MS: u64 = 500;

#[derive(Clone, Debug)]
pub struct Fetcher {
    bootstrap: Vec<NodeId>,
    /// AWAITING_RESPONSE: the node and when the request left.
    in_flight: Option<(NodeId, Time)>,
    /// BACKING_OFF: node → when it is ready again.
    backing_off: SortedMap<NodeId, Time>,
    /// The next reconnect backoff of a node that refused a connection.
    reconnect_ms: SortedMap<NodeId, u64>,
    /// The replica's own stream for picking a bootstrap server.
    rng: Rng,
}

/// What the replica does now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Next {
    /// Send a Fetch to this node.
    Send(NodeId),
    /// Nothing can be sent before then (an answer is awaited, or every node is backing off).
    WaitUntil(Time),
    /// Nobody to ask (a lone voter).
    Idle,
}

impl Fetcher {
    /// Do what `next` says: send a Fetch from the end of `log` in `epoch`, with the request
    /// timeout as the retry timer (if no answer comes, the next poll looks elsewhere); or wake
    /// up when a fetch may go; or nothing.
    pub fn act(&mut self, next: Next, now: Time, epoch: u64, log: &Log, out: &mut Vec<Output<Msg, Timer, Note>>) {
        match next {
            Next::Send(to) => {
                self.sent(to, now);
                let msg = Msg::Fetch { epoch, fetch_offset: log.end_offset(), last_fetched_epoch: log.last_epoch() };
                out.push(Output::Send { to, msg });
                out.push(Output::SetTimer { timer: Timer::FetchRetry, at: now.plus_ms(REQUEST_TIMEOUT_MS) });
            }
            Next::WaitUntil(at) => out.push(Output::SetTimer { timer: Timer::FetchRetry, at }),
            Next::Idle => {}
        }
    }

    pub fn new(me: NodeId, voters: &[NodeId], rng: Rng) -> Fetcher {
        Fetcher {
            bootstrap: voters.iter().copied().filter(|v| *v != me).collect(),
            in_flight: None,
            backing_off: SortedMap::new(),
            reconnect_ms: SortedMap::new(),
            rng,
        }
    }

    /// `resetConnections` on every role change: the request in flight is forgotten and its
    /// answer, if it comes, ignored. (Reconnect backoffs live in the NetworkClient and stay.)
    pub fn reset(&mut self) {
        self.in_flight = None;
    }

    /// Whether an answer from `from` is the one awaited (`isResponseExpected`); others are
    /// ignored.
    pub fn expects(&self, from: NodeId) -> bool {
        self.in_flight.is_some_and(|(to, _)| to == from)
    }

    /// The request in flight that has not timed out.
    fn live_in_flight(&self, now: Time) -> Option<(NodeId, Time)> {
        self.in_flight.filter(|(_, sent)| now < sent.plus_ms(REQUEST_TIMEOUT_MS))
    }

    fn is_backing_off(&self, node: NodeId, now: Time) -> bool {
        self.backing_off.get(&node).is_some_and(|ready| now < *ready)
    }

    /// `maybeSendFetchToBestNode`: to the leader, unless its request timed out or it is backing
    /// off, in which case to any ready bootstrap server, to learn whether the leader changed.
    pub fn to_best_node(&mut self, now: Time, leader: NodeId) -> Next {
        let leader_timed_out = self.in_flight.is_some_and(|(to, _)| to == leader) && self.live_in_flight(now).is_none();
        if leader_timed_out {
            self.in_flight = None;
            return self.to_any_bootstrap(now);
        }
        if self.is_backing_off(leader, now) {
            return self.to_any_bootstrap(now);
        }
        match self.live_in_flight(now) {
            Some((_, sent)) => Next::WaitUntil(sent.plus_ms(REQUEST_TIMEOUT_MS)),
            None => Next::Send(leader),
        }
    }

    /// `maybeSendFetchToAnyBootstrap` → `findReadyBootstrapServer`: nothing while a request is in
    /// flight; otherwise the first ready node from a random start in the list.
    pub fn to_any_bootstrap(&mut self, now: Time) -> Next {
        if let Some((_, sent)) = self.live_in_flight(now) {
            return Next::WaitUntil(sent.plus_ms(REQUEST_TIMEOUT_MS));
        }
        self.in_flight = None;
        let n = self.bootstrap.len();
        if n == 0 {
            return Next::Idle;
        }
        let start = self.rng.below(n as u64) as usize;
        if let Some(node) = (0..n).map(|i| self.bootstrap[(start + i) % n]).find(|b| !self.is_backing_off(*b, now)) {
            return Next::Send(node);
        }
        // `backoffBeforeAvailableBootstrapServer`: until the first one is ready again.
        let ready = self.backing_off.values().copied().filter(|t| *t > now).min();
        Next::WaitUntil(ready.unwrap_or(now.plus_ms(RETRY_BACKOFF_MS)))
    }

    pub fn sent(&mut self, to: NodeId, now: Time) {
        self.in_flight = Some((to, now));
    }

    /// The awaited answer came (`onResponseResult` with success: the connection is ready, and
    /// the NetworkClient's reconnect backoff starts over).
    pub fn answered(&mut self, from: NodeId) {
        if self.expects(from) {
            self.in_flight = None;
        }
        self.reconnect_ms.remove(&from);
    }

    /// `to` refused the connection (Kafka: BROKER_NOT_AVAILABLE). Whether it was the request
    /// in flight (a refusal of a forgotten one changes only the backoff).
    pub fn refused(&mut self, to: NodeId, now: Time) -> bool {
        let backoff = self.reconnect_ms.get(&to).copied().unwrap_or(RECONNECT_BACKOFF_MS);
        self.backing_off.insert(to, now.plus_ms(backoff.max(RETRY_BACKOFF_MS)));
        self.reconnect_ms.insert(to, (backoff * 2).min(RECONNECT_BACKOFF_MAX_MS));
        let expected = self.expects(to);
        if expected {
            self.in_flight = None;
        }
        expected
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fetcher() -> Fetcher {
        // Controller 0 of three: its bootstrap servers are 1 and 2.
        Fetcher::new(0, &[0, 1, 2], Rng::stream(7, 1))
    }

    #[test]
    fn to_the_leader_while_it_answers_and_one_request_at_a_time() {
        let mut f = fetcher();
        let t = Time::from_secs(1);
        assert_eq!(f.to_best_node(t, 1), Next::Send(1));
        f.sent(1, t);
        // One fetch in flight: wait for it, at most the request timeout.
        assert_eq!(f.to_best_node(t.plus_ms(10), 1), Next::WaitUntil(t.plus_ms(2_000)));
        assert_eq!(f.to_any_bootstrap(t.plus_ms(10)), Next::WaitUntil(t.plus_ms(2_000)));
        f.answered(1);
        assert_eq!(f.to_best_node(t.plus_ms(10), 1), Next::Send(1));
    }

    #[test]
    fn a_refusing_or_silent_leader_sends_the_fetch_to_another_voter() {
        let mut f = fetcher();
        let t = Time::from_secs(1);
        f.sent(1, t);
        // Refused: the leader backs off 50 ms (then 100, 200, 400, 500 ms); meanwhile the only
        // other bootstrap server is asked.
        assert!(f.refused(1, t.plus_ms(5)));
        assert_eq!(f.to_best_node(t.plus_ms(5), 1), Next::Send(2));
        f.sent(2, t.plus_ms(5));
        f.answered(2);
        assert_eq!(f.to_best_node(t.plus_ms(54), 1), Next::Send(2));
        assert_eq!(f.to_best_node(t.plus_ms(55), 1), Next::Send(1));
        f.sent(1, t.plus_ms(55));
        assert!(f.refused(1, t.plus_ms(60)));
        assert!(f.is_backing_off(1, t.plus_ms(159)) && !f.is_backing_off(1, t.plus_ms(160)));
        // Silent (a partition): after the 2 s request timeout, a bootstrap server instead.
        let mut f = fetcher();
        f.sent(1, t);
        assert_eq!(f.to_best_node(t.plus_ms(1_999), 1), Next::WaitUntil(t.plus_ms(2_000)));
        assert!(matches!(f.to_best_node(t.plus_ms(2_000), 1), Next::Send(_)));
    }

    #[test]
    fn every_bootstrap_server_backing_off_means_waiting_for_the_first() {
        let mut f = fetcher();
        let t = Time::from_secs(1);
        f.refused(1, t);
        f.refused(2, t.plus_ms(10));
        assert_eq!(f.to_any_bootstrap(t.plus_ms(20)), Next::WaitUntil(t.plus_ms(50)));
        assert_eq!(f.to_any_bootstrap(t.plus_ms(50)), Next::Send(1));
    }

    #[test]
    fn the_bootstrap_server_is_drawn_at_random_from_the_replicas_own_stream() {
        let mut f = Fetcher::new(9, &[0, 1, 2], Rng::stream(7, 9));
        let picks: Vec<NodeId> = (0..30)
            .map(|i| match f.to_any_bootstrap(Time::from_ms(i)) {
                Next::Send(n) => n,
                other => panic!("{other:?}"),
            })
            .collect();
        for voter in 0..3 {
            assert!(picks.contains(&voter), "{picks:?}");
        }
    }
}
