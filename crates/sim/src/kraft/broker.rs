//! A KRaft broker: an observer of the metadata quorum (KIP-595: it fetches but never votes
//! and does not count toward the high watermark) and a registered member of the cluster
//! (KIP-631: registration, heartbeats, fencing, controlled shutdown). It learns who leads the
//! quorum from `CurrentLeader` in responses, and everything about partitions only from the
//! committed log it replays.

use super::fetcher::Fetcher;
use super::image::MetadataImage;
use super::log::Log;
use super::msg::{BrokerError, FetchBody, Msg};
use super::{Cmd, Config, Note, Timer, CONTROLLED_SHUTDOWN_GIVE_UP_MS};
use crate::rng::Rng;
use crate::time::Time;
use crate::world::{Input, Output};
use crate::NodeId;

type Out = Vec<Output<Msg, Timer, Note>>;

/// Heartbeat period while waiting for SHUTDOWN_NOW (Kafka polls at once; the model waits a
/// little so the animation stays readable).
const SHUTDOWN_POLL_MS: u64 = 100;

/// The broker's lifecycle as its heartbeat responses describe it (BrokerLifecycleManager).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Lifecycle {
    /// Not registered yet (or the registration was replaced).
    Starting,
    /// Registered, fenced: serves nothing.
    Fenced,
    /// Unfenced: may lead and follow partitions.
    Active,
    /// Controlled shutdown requested.
    ShuttingDown,
}

#[derive(Clone, Debug)]
pub struct Broker {
    pub id: NodeId,
    pub voters: Vec<NodeId>,
    config: Config,
    // Durable: the local copy of `__cluster_metadata-0` and the start count (the incarnation
    // id is a fresh UUID per start in Kafka).
    pub log: Log,
    pub incarnation: u64,
    // Volatile.
    /// The quorum epoch and leader (= active controller) this broker knows.
    pub epoch: u64,
    pub leader: Option<NodeId>,
    pub high_watermark: u64,
    /// Replayed from the log up to the high watermark only.
    pub image: MetadataImage,
    pub broker_epoch: Option<u64>,
    pub lifecycle: Lifecycle,
    /// Where the next Fetch goes.
    fetcher: Fetcher,
    /// Kafka 4.0/4.1 `pollFollowerAsObserver`: no successful fetch from the leader within the
    /// fetch timeout, so every fetch goes to a random voter until one succeeds.
    fetch_timed_out: bool,
}

impl Broker {
    pub fn new(id: NodeId, voters: Vec<NodeId>, config: Config, seed: u64) -> Broker {
        let fetcher = Fetcher::new(id, &voters, Rng::stream(seed, 0x4B42_0000 + id as u64)); // "KB" + id
        Broker {
            id,
            voters,
            config,
            log: Log::default(),
            incarnation: 0,
            epoch: 0,
            leader: None,
            high_watermark: 0,
            image: MetadataImage::default(),
            broker_epoch: None,
            lifecycle: Lifecycle::Starting,
            fetcher,
            fetch_timed_out: false,
        }
    }

    pub fn crash(&mut self) {
        self.epoch = 0;
        self.leader = None;
        self.high_watermark = 0;
        self.image = MetadataImage::default();
        self.broker_epoch = None;
        self.lifecycle = Lifecycle::Starting;
        self.fetcher.reset();
        self.fetch_timed_out = false;
    }

    pub fn step(&mut self, now: Time, input: Input<Msg, Timer, Cmd>, out: &mut Out) {
        match input {
            Input::Start => self.start(now, out),
            Input::Timer(timer) => self.on_timer(now, timer, out),
            Input::Msg { from, msg } => self.on_msg(now, from, msg, out),
            Input::Unreachable { to, msg: Msg::Fetch { .. } } => {
                // The fetch target's process is gone: it backs off, and the next fetch goes
                // elsewhere at once; the fetch timeout keeps running.
                if self.fetcher.refused(to, now) {
                    self.poll_fetch(now, out);
                }
            }
            Input::Unreachable { .. } => {}
            Input::Shutdown => self.shutdown(now, out),
            Input::Client(_) => {}
        }
    }

    fn start(&mut self, now: Time, out: &mut Out) {
        self.crash();
        self.incarnation += 1;
        out.push(Output::Note(Note::Started { epoch: 0 }));
        // Unattached: fetch from a bootstrap server to find the leader.
        self.poll_fetch(now, out);
        out.push(Output::SetTimer {
            timer: Timer::Heartbeat,
            at: now.plus_ms(self.config.broker_heartbeat_interval_ms),
        });
    }

    fn on_timer(&mut self, now: Time, timer: Timer, out: &mut Out) {
        match timer {
            Timer::FetchTimeout if self.leader.is_some() => {
                // Kafka 4.0/4.1 pollFollowerAsObserver: the observer keeps its leader, but until
                // a fetch succeeds every fetch goes to a random bootstrap server (4.2, after
                // KAFKA-19354, keeps fetching from the leader).
                out.push(Output::Note(Note::BrokerFetchTimeout));
                self.fetch_timed_out = true;
                self.poll_fetch(now, out);
            }
            Timer::FetchRetry => self.poll_fetch(now, out),
            Timer::Heartbeat => {
                self.send_heartbeat(out);
                out.push(Output::SetTimer {
                    timer: Timer::Heartbeat,
                    at: now.plus_ms(self.config.broker_heartbeat_interval_ms),
                });
            }
            Timer::ShutdownDone => {
                out.push(Output::Note(Note::BrokerShutdownGaveUp));
                out.push(Output::Halt);
            }
            _ => {}
        }
    }

    fn shutdown(&mut self, now: Time, out: &mut Out) {
        if self.broker_epoch.is_none() || self.lifecycle == Lifecycle::Fenced {
            // Nothing to hand over.
            out.push(Output::Note(Note::BrokerShutdownDone));
            out.push(Output::Halt);
            return;
        }
        if self.lifecycle != Lifecycle::ShuttingDown {
            self.lifecycle = Lifecycle::ShuttingDown;
            out.push(Output::Note(Note::BrokerShuttingDown));
            out.push(Output::SetTimer { timer: Timer::ShutdownDone, at: now.plus_ms(CONTROLLED_SHUTDOWN_GIVE_UP_MS) });
            self.send_heartbeat(out);
        }
    }

    // ---- fetching the metadata log --------------------------------------------------------

    /// Send the next Fetch if one may go now (Kafka 4.1 `pollFollowerAsObserver` →
    /// `maybeSendFetchToBestNode`, or `maybeSendFetchToAnyBootstrap` once the fetch timeout
    /// passed; `pollUnattachedCommon` while no leader is known), else wake up when one may.
    fn poll_fetch(&mut self, now: Time, out: &mut Out) {
        let next = match self.leader {
            Some(leader) if !self.fetch_timed_out => self.fetcher.to_best_node(now, leader),
            _ => self.fetcher.to_any_bootstrap(now),
        };
        self.fetcher.act(next, now, self.epoch, &self.log, out);
    }

    /// Kafka 4.1 `transitionToFollower` for an observer: a new fetch timer, the request manager
    /// reset; the caller sends the next fetch.
    fn follow(&mut self, now: Time, epoch: u64, leader: NodeId, out: &mut Out) {
        let changed = self.leader != Some(leader) || self.epoch != epoch;
        self.epoch = epoch;
        self.leader = Some(leader);
        self.fetcher.reset();
        self.fetch_timed_out = false;
        out.push(Output::SetTimer { timer: Timer::FetchTimeout, at: now.plus_ms(self.config.fetch_timeout_ms) });
        if changed {
            out.push(Output::Note(Note::BrokerFollows { leader, epoch }));
            if self.broker_epoch.is_none() {
                out.push(Output::Send { to: leader, msg: Msg::BrokerRegistration { incarnation: self.incarnation } });
            }
        }
    }

    /// `transitionToUnattached` for an observer: a newer epoch with no leader named. It has no
    /// election timeout; it fetches from bootstrap servers until it learns the leader.
    fn unattached(&mut self, epoch: u64, out: &mut Out) {
        self.epoch = epoch;
        self.leader = None;
        self.fetcher.reset();
        self.fetch_timed_out = false;
        out.push(Output::CancelTimer(Timer::FetchTimeout));
    }

    /// An awaited fetch answer. Kafka 4.1 `maybeHandleCommonResponse`: an older epoch is
    /// ignored; a newer one, or NOT_LEADER_OR_FOLLOWER, moves the observer (to the leader it
    /// names, or Unattached); an answer of its epoch naming a leader it did not know makes it
    /// follow that leader. Records and DivergingEpoch from the leader are applied and reset the
    /// fetch timer. Then the next fetch.
    fn on_fetch_response(&mut self, now: Time, from: NodeId, reply: FetchReply, out: &mut Out) {
        let FetchReply { epoch, leader, high_watermark, body } = reply;
        let leader = leader.filter(|l| *l != self.id);
        if epoch > self.epoch {
            match leader {
                Some(l) => self.follow(now, epoch, l, out),
                None => self.unattached(epoch, out),
            }
        } else if epoch == self.epoch {
            if let Some(l) = leader.filter(|_| self.leader.is_none()) {
                self.follow(now, epoch, l, out);
            }
            let from_leader = leader == Some(from) && self.leader == Some(from);
            if from_leader && !matches!(body, FetchBody::NotLeader) {
                self.take_records(body, high_watermark, out);
                self.fetch_timed_out = false;
                out.push(Output::SetTimer {
                    timer: Timer::FetchTimeout,
                    at: now.plus_ms(self.config.fetch_timeout_ms),
                });
            }
        }
        self.poll_fetch(now, out);
    }

    fn take_records(&mut self, body: FetchBody, high_watermark: Option<u64>, out: &mut Out) {
        match body {
            FetchBody::Records { base_offset, entries } => {
                if let Some(hw) = self.log.append_fetched(base_offset, entries, high_watermark, self.high_watermark) {
                    self.high_watermark = hw;
                    // KIP-631: brokers apply only what is committed.
                    self.image.replay(&self.log, hw);
                }
            }
            FetchBody::Diverging { epoch: diverging_epoch, end_offset } => {
                // KIP-595: truncate to the end of the diverging epoch and fetch again. Nothing
                // applied is ever dropped: applied entries are committed.
                let (to_offset, dropped) = self.log.truncate_diverging(diverging_epoch, end_offset, self.image.applied);
                out.push(Output::Note(Note::Truncated { to_offset, dropped }));
            }
            FetchBody::NotLeader => {}
        }
    }

    // ---- registration and heartbeats ------------------------------------------------------

    fn send_heartbeat(&self, out: &mut Out) {
        let Some(leader) = self.leader else { return };
        let msg = match self.broker_epoch {
            None => Msg::BrokerRegistration { incarnation: self.incarnation },
            Some(broker_epoch) => Msg::BrokerHeartbeat {
                broker_epoch,
                current_metadata_offset: self.image.applied,
                want_shut_down: self.lifecycle == Lifecycle::ShuttingDown,
            },
        };
        out.push(Output::Send { to: leader, msg });
    }

    fn on_msg(&mut self, now: Time, from: NodeId, msg: Msg, out: &mut Out) {
        match msg {
            // Kafka 4.1 handleInboundMessage: an answer no longer awaited is ignored.
            Msg::FetchResponse { epoch, leader, high_watermark, body } if self.fetcher.expects(from) => {
                self.fetcher.answered(from);
                self.on_fetch_response(now, from, FetchReply { epoch, leader, high_watermark, body }, out)
            }
            Msg::BrokerRegistrationResponse { error: Some(BrokerError::DuplicateBrokerRegistration), .. }
                if self.broker_epoch.is_none() =>
            {
                // Kafka 4.1 BrokerLifecycleManager: any registration error →
                // scheduleNextCommunicationAfterFailure, a fixed broker.heartbeat.interval.ms
                // (KAFKA-19294; 4.0.0 backed off exponentially from 100 ms).
                let retry_ms = self.config.broker_heartbeat_interval_ms;
                out.push(Output::Note(Note::BrokerDuplicateRegistration { retry_ms }));
                out.push(Output::SetTimer { timer: Timer::Heartbeat, at: now.plus_ms(retry_ms) });
            }
            Msg::BrokerRegistrationResponse { broker_epoch: Some(broker_epoch), .. } if self.broker_epoch.is_none() => {
                self.broker_epoch = Some(broker_epoch);
                if self.lifecycle == Lifecycle::Starting {
                    self.lifecycle = Lifecycle::Fenced;
                }
                out.push(Output::Note(Note::BrokerRegistered { broker_epoch }));
                self.send_heartbeat(out);
            }
            Msg::BrokerHeartbeatResponse { error, is_fenced, should_shut_down, .. } => {
                self.on_heartbeat_response(now, error, is_fenced, should_shut_down, out)
            }
            // A broker is no voter: it ignores quorum requests.
            _ => {}
        }
    }

    fn on_heartbeat_response(
        &mut self,
        now: Time,
        error: Option<BrokerError>,
        is_fenced: bool,
        shut_down: bool,
        out: &mut Out,
    ) {
        match error {
            Some(BrokerError::NotController) => {}
            Some(BrokerError::StaleBrokerEpoch) if self.broker_epoch.is_some() => {
                out.push(Output::Note(Note::BrokerStaleEpoch));
                self.broker_epoch = None;
                if self.lifecycle != Lifecycle::ShuttingDown {
                    self.lifecycle = Lifecycle::Starting;
                }
                self.send_heartbeat(out);
            }
            Some(BrokerError::StaleBrokerEpoch | BrokerError::DuplicateBrokerRegistration) => {}
            None if self.lifecycle == Lifecycle::ShuttingDown => {
                if shut_down {
                    out.push(Output::Note(Note::BrokerShutdownDone));
                    out.push(Output::Halt);
                } else {
                    // BrokerLifecycleManager asks again soon while it waits for SHUTDOWN_NOW.
                    let at = now.plus_ms(SHUTDOWN_POLL_MS);
                    out.push(Output::SetTimer { timer: Timer::Heartbeat, at });
                }
            }
            None if self.broker_epoch.is_some() => match (self.lifecycle, is_fenced) {
                (Lifecycle::Active, true) => {
                    self.lifecycle = Lifecycle::Fenced;
                    out.push(Output::Note(Note::BrokerFencedNow));
                }
                (Lifecycle::Fenced | Lifecycle::Starting, false) => {
                    self.lifecycle = Lifecycle::Active;
                    out.push(Output::Note(Note::BrokerUnfencedNow));
                }
                _ => {}
            },
            None => {}
        }
    }
}

struct FetchReply {
    epoch: u64,
    leader: Option<NodeId>,
    high_watermark: Option<u64>,
    body: FetchBody,
}

#[cfg(test)]
#[path = "broker_tests.rs"]
mod tests;
