//! A KRaft broker: an observer of the metadata quorum (KIP-595: it fetches but never votes
//! and does not count toward the high watermark) and a registered member of the cluster
//! (KIP-631: registration, heartbeats, fencing, controlled shutdown). It learns who leads the
//! quorum from `CurrentLeader` in responses, and everything about partitions only from the
//! committed log it replays.

use super::image::MetadataImage;
use super::log::Log;
use super::msg::{BrokerError, FetchBody, Msg};
use super::{Cmd, Config, Note, Timer, CONTROLLED_SHUTDOWN_GIVE_UP_MS};
use crate::time::Time;
use crate::world::{Input, Output};
use crate::NodeId;

type Out = Vec<Output<Msg, Timer, Note>>;

/// Reconnect backoff after a refused connection or an unhelpful answer: 50 ms doubling to 1 s.
const RETRY_BACKOFF_MS: u64 = 50;
const RETRY_BACKOFF_MAX_MS: u64 = 1_000;
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
    /// Where the one outstanding fetch went.
    fetch_target: NodeId,
    next_voter: usize,
    backoff_ms: u64,
}

impl Broker {
    pub fn new(id: NodeId, voters: Vec<NodeId>, config: Config) -> Broker {
        let first = voters.first().copied().unwrap_or(0);
        Broker {
            id,
            next_voter: id % voters.len().max(1),
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
            fetch_target: first,
            backoff_ms: RETRY_BACKOFF_MS,
        }
    }

    pub fn crash(&mut self) {
        self.epoch = 0;
        self.leader = None;
        self.high_watermark = 0;
        self.image = MetadataImage::default();
        self.broker_epoch = None;
        self.lifecycle = Lifecycle::Starting;
        self.backoff_ms = RETRY_BACKOFF_MS;
    }

    pub fn step(&mut self, now: Time, input: Input<Msg, Timer, Cmd>, out: &mut Out) {
        match input {
            Input::Start => self.start(now, out),
            Input::Timer(timer) => self.on_timer(now, timer, out),
            Input::Msg { from, msg } => self.on_msg(now, from, msg, out),
            Input::Unreachable { to, msg: Msg::Fetch { .. } } if to == self.fetch_target => {
                // The fetch target's process is gone: try again after a backoff (another voter
                // if we do not know the leader); the fetch timeout keeps running.
                if self.leader != Some(to) {
                    self.rotate_voter();
                }
                self.retry_fetch_later(now, out);
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
        self.fetch_target = self.voters[self.next_voter % self.voters.len().max(1)];
        self.send_fetch(now, out);
        out.push(Output::SetTimer {
            timer: Timer::Heartbeat,
            at: now.plus_ms(self.config.broker_heartbeat_interval_ms),
        });
    }

    fn on_timer(&mut self, now: Time, timer: Timer, out: &mut Out) {
        match timer {
            Timer::FetchTimeout => {
                // Observers: no answer within the fetch timeout → forget the leader and ask
                // the next voter.
                out.push(Output::Note(Note::BrokerFetchTimeout));
                self.leader = None;
                self.rotate_voter();
                self.send_fetch(now, out);
            }
            Timer::FetchRetry => self.send_fetch(now, out),
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

    fn rotate_voter(&mut self) {
        let n = self.voters.len().max(1);
        self.next_voter = (self.next_voter + 1) % n;
        self.fetch_target = self.voters[self.next_voter % n];
    }

    fn retry_fetch_later(&mut self, now: Time, out: &mut Out) {
        let wait = self.backoff_ms;
        self.backoff_ms = (self.backoff_ms * 2).min(RETRY_BACKOFF_MAX_MS);
        out.push(Output::SetTimer { timer: Timer::FetchRetry, at: now.plus_ms(wait) });
    }

    fn send_fetch(&mut self, now: Time, out: &mut Out) {
        if let Some(leader) = self.leader {
            self.fetch_target = leader;
        }
        let msg = Msg::Fetch {
            epoch: self.epoch,
            fetch_offset: self.log.end_offset(),
            last_fetched_epoch: self.log.last_epoch(),
        };
        out.push(Output::Send { to: self.fetch_target, msg });
        // The fetch timeout runs from the last fetch sent while no answer came.
        if self.leader.is_none() {
            out.push(Output::SetTimer { timer: Timer::FetchTimeout, at: now.plus_ms(self.config.fetch_timeout_ms) });
        }
    }

    fn follow(&mut self, now: Time, epoch: u64, leader: NodeId, out: &mut Out) {
        let changed = self.leader != Some(leader) || self.epoch != epoch;
        self.epoch = epoch;
        self.leader = Some(leader);
        self.fetch_target = leader;
        if changed {
            out.push(Output::Note(Note::BrokerFollows { leader, epoch }));
            out.push(Output::SetTimer { timer: Timer::FetchTimeout, at: now.plus_ms(self.config.fetch_timeout_ms) });
            if self.broker_epoch.is_none() {
                out.push(Output::Send { to: leader, msg: Msg::BrokerRegistration { incarnation: self.incarnation } });
            }
        }
    }

    fn on_fetch_response(&mut self, now: Time, from: NodeId, reply: FetchReply, out: &mut Out) {
        let FetchReply { epoch, leader, high_watermark, body } = reply;
        if from != self.fetch_target {
            return; // an answer to a fetch we gave up on
        }
        if epoch < self.epoch {
            // A voter behind the times: ask another.
            self.leader = None;
            self.rotate_voter();
            self.retry_fetch_later(now, out);
            return;
        }
        match leader {
            Some(l) if l != self.id => {
                if l != from || Some(l) != self.leader || epoch != self.epoch {
                    self.follow(now, epoch, l, out);
                }
                if l != from {
                    self.send_fetch(now, out);
                    return;
                }
            }
            _ => {
                // Nobody leads yet: ask again later, another voter.
                self.epoch = epoch;
                self.leader = None;
                self.rotate_voter();
                self.retry_fetch_later(now, out);
                return;
            }
        }
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
        self.backoff_ms = RETRY_BACKOFF_MS;
        out.push(Output::SetTimer { timer: Timer::FetchTimeout, at: now.plus_ms(self.config.fetch_timeout_ms) });
        self.send_fetch(now, out);
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
            Msg::FetchResponse { epoch, leader, high_watermark, body } => {
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
