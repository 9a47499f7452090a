//! Controlled shutdown of a broker (domain.md §2.5; `KafkaServer.controlledShutdown`): ask the
//! controller to move leadership away, retry with a backoff, then close the ZooKeeper session
//! (which deletes `/brokers/ids/N`, and `/controller` if this broker holds it).

use crate::time::Time;
use crate::world::Output;

use super::{Broker, CtrlEvent, Purpose};
use crate::zk::client::ClientEvent;
use crate::zk::msg::{ClientOp, KafkaMsg, Msg};
use crate::zk::{Note, Out, Timer};

/// How far a broker's controlled shutdown has come.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shutdown {
    /// ControlledShutdown sent; `attempts` retries so far (up to
    /// `controlled.shutdown.max.retries`).
    Asking { attempts: u32 },
    /// The controller moved every leadership away: the session closes at the end of the step.
    Granted,
    /// The session is being closed; the process stops when the close is answered.
    Closing,
}

impl Broker {
    pub(super) fn start_shutdown(&mut self, now: Time, out: &mut Vec<Out>) {
        if self.shutting_down.is_some() {
            return;
        }
        self.shutting_down = Some(Shutdown::Asking { attempts: 0 });
        self.send_controlled_shutdown(now, out);
    }

    fn send_controlled_shutdown(&mut self, now: Time, out: &mut Vec<Out>) {
        if self.controller.is_some() {
            self.enqueue(CtrlEvent::ControlledShutdown { broker: self.id });
        } else if let Some(c) = self.known_controller {
            let msg = KafkaMsg::ControlledShutdown { broker: self.id, broker_epoch: self.broker_epoch };
            if c == self.id {
                self.on_kafka(now, self.node, msg, out);
            } else if let Some(to) = self.cfg.broker_node(c) {
                out.push(Output::Send { to, msg: Msg::Kafka(msg) });
            }
        }
        out.push(Output::SetTimer {
            timer: Timer::ShutdownRetry,
            at: now.plus_ms(self.cfg.controlled_shutdown_retry_backoff_ms),
        });
    }

    pub(super) fn retry_shutdown(&mut self, now: Time, out: &mut Vec<Out>, events: &mut Vec<ClientEvent>) {
        let max = self.cfg.controlled_shutdown_max_retries;
        match self.shutting_down {
            None => {}
            Some(Shutdown::Asking { attempts }) if attempts < max => {
                self.shutting_down = Some(Shutdown::Asking { attempts: attempts + 1 });
                self.send_controlled_shutdown(now, out);
            }
            // Out of retries: close the session anyway.
            Some(Shutdown::Asking { .. }) => {
                self.close_session(out, events);
                out.push(Output::SetTimer { timer: Timer::ShutdownRetry, at: now.plus_ms(self.cfg.tick_time_ms) });
            }
            // The close never came back: stop anyway.
            Some(Shutdown::Granted | Shutdown::Closing) => out.push(Output::Halt),
        }
    }

    /// The controller granted the shutdown (`finish_event` or its response): say so and close.
    pub(super) fn finish_granted_shutdown(&mut self, out: &mut Vec<Out>, events: &mut Vec<ClientEvent>) {
        if self.shutting_down == Some(Shutdown::Granted) {
            out.push(Output::Note(Note::ControlledShutdownDone { broker: self.id }));
            self.close_session(out, events);
        }
    }

    pub(super) fn close_session(&mut self, out: &mut Vec<Out>, events: &mut Vec<ClientEvent>) {
        self.shutting_down = Some(Shutdown::Closing);
        if self.zk.connected() {
            self.zk.request(Purpose::Close, ClientOp::CloseSession, out, events);
        } else {
            out.push(Output::Halt);
        }
    }
}
