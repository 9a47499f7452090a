//! Registration under `/brokers/ids` and the race for `/controller` (KafkaZkClient,
//! KafkaController's elector): every broker watches `/controller`, races with one multi that
//! creates it and bumps `/controller_epoch` when it is free, resigns when someone else holds it,
//! and becomes the controller when it wins.

use crate::time::Time;
use crate::world::Output;

use super::{Broker, Controller, Purpose, BROKER_IDS_PATH, CONTROLLER_EPOCH_PATH, CONTROLLER_PATH};
use crate::zk::client::ClientEvent;
use crate::zk::msg::{ClientOp, Data, Op, OpResult, ReadOp, ZkError, ZkResult, Zxid};
use crate::zk::{Note, Out, Timer};

impl Broker {
    pub(super) fn register(&mut self, out: &mut Vec<Out>, events: &mut Vec<ClientEvent>) {
        if self.registered || !self.zk.connected() {
            return;
        }
        let op = Op::Create {
            path: format!("{BROKER_IDS_PATH}/{}", self.id),
            data: Data::Broker(self.id),
            ephemeral: true,
            sequential: false,
        };
        self.zk.request(Purpose::Register, ClientOp::Write { ops: vec![op], multi: false }, out, events);
    }

    /// Every broker watches `/controller` (exists + watch), and races when it is absent.
    pub(super) fn watch_controller(&mut self, out: &mut Vec<Out>, events: &mut Vec<ClientEvent>) {
        let read = ReadOp::Exists { path: CONTROLLER_PATH.into(), watch: true };
        self.zk.request(Purpose::WatchController, ClientOp::Read(read), out, events);
    }

    pub(super) fn elect(&mut self, out: &mut Vec<Out>, events: &mut Vec<ClientEvent>) {
        if self.controller.is_some() || self.electing || self.shutting_down.is_some() || !self.registered {
            return;
        }
        self.electing = true;
        let read = ReadOp::GetData { path: CONTROLLER_EPOCH_PATH.into(), watch: false };
        self.zk.request(Purpose::ReadControllerEpoch, ClientOp::Read(read), out, events);
    }

    pub(super) fn resign(&mut self, out: &mut Vec<Out>) {
        if let Some(c) = self.controller.take() {
            out.push(Output::Note(Note::ControllerResigned { broker: self.id, epoch: c.epoch }));
        }
    }

    /// This broker won the race (or learned that it had): it is the controller of `epoch`, and
    /// starts by loading the cluster state (onControllerFailover).
    pub(super) fn become_controller(
        &mut self,
        now: Time,
        epoch: u32,
        zk_version: u32,
        zxid: Zxid,
        out: &mut Vec<Out>,
        events: &mut Vec<ClientEvent>,
    ) {
        self.known_controller = Some(self.id);
        self.max_controller_epoch = self.max_controller_epoch.max(epoch);
        self.controller = Some(Box::new(Controller::new(epoch, zk_version, now)));
        out.push(Output::Note(Note::ControllerElected { broker: self.id, epoch, zxid }));
        if let Some(mut ctrl) = self.ctrl(now, out, events) {
            ctrl.start_load();
        }
    }

    pub(super) fn on_register_reply(&mut self, result: ZkResult, out: &mut Vec<Out>, events: &mut Vec<ClientEvent>) {
        match result {
            Ok(OpResult::Created { stat, .. }) => self.registered(stat.czxid, out, events),
            // KafkaZkClient.checkedEphemeralCreate: on NODEEXISTS, read the node; it may be
            // ours (an earlier create committed but its reply was lost).
            Err(ZkError::NodeExists) => {
                let read = ReadOp::GetData { path: format!("{BROKER_IDS_PATH}/{}", self.id), watch: false };
                self.zk.request(Purpose::CheckRegistration, ClientOp::Read(read), out, events);
            }
            _ => {}
        }
    }

    pub(super) fn on_check_registration(
        &mut self,
        now: Time,
        result: ZkResult,
        out: &mut Vec<Out>,
        events: &mut Vec<ClientEvent>,
    ) {
        match result {
            Ok(OpResult::Data { stat, .. }) if stat.ephemeral_owner == self.zk.session && !self.registered => {
                self.registered(stat.czxid, out, events)
            }
            Ok(OpResult::Data { stat, .. }) if stat.ephemeral_owner == self.zk.session => {}
            // Gone meanwhile: create it now.
            Err(ZkError::NoNode) => self.register(out, events),
            // The previous session's ephemeral is still there: retry every tick until it
            // expires (Kafka would exit here).
            Ok(_) => out.push(Output::SetTimer { timer: Timer::RegisterRetry, at: now.plus_ms(self.cfg.tick_time_ms) }),
            _ => {}
        }
    }

    /// KIP-380: the broker epoch is the czxid of `/brokers/ids/N`. Then the elector watches
    /// `/controller`, and the config listener starts.
    fn registered(&mut self, czxid: Zxid, out: &mut Vec<Out>, events: &mut Vec<ClientEvent>) {
        self.registered = true;
        self.broker_epoch = czxid;
        out.push(Output::Note(Note::Registered { broker: self.id, broker_epoch: czxid }));
        self.watch_controller(out, events);
        self.start_config_listener(out, events);
    }

    pub(super) fn on_watch_controller_reply(
        &mut self,
        result: ZkResult,
        out: &mut Vec<Out>,
        events: &mut Vec<ClientEvent>,
    ) {
        match result {
            Ok(OpResult::Exists(None)) => self.elect(out, events),
            Ok(OpResult::Exists(Some(_))) => {
                let read = ReadOp::GetData { path: CONTROLLER_PATH.into(), watch: false };
                self.zk.request(Purpose::ReadController, ClientOp::Read(read), out, events);
            }
            _ => {}
        }
    }

    pub(super) fn on_read_controller(&mut self, result: ZkResult, out: &mut Vec<Out>, events: &mut Vec<ClientEvent>) {
        match result {
            Ok(OpResult::Data { data: Data::Broker(id), stat }) => {
                self.known_controller = Some(id);
                if id != self.id {
                    // maybeResign: someone else holds /controller.
                    self.resign(out);
                } else if self.controller.is_none() && stat.ephemeral_owner == self.zk.session {
                    // Our election went through but its reply was lost: read the epoch.
                    let read = ReadOp::GetData { path: CONTROLLER_EPOCH_PATH.into(), watch: false };
                    self.zk.request(Purpose::Reclaim, ClientOp::Read(read), out, events);
                }
            }
            Err(ZkError::NoNode) => self.elect(out, events),
            _ => {}
        }
    }

    /// elect(): one multi creates /controller (ephemeral) and bumps /controller_epoch
    /// conditionally on its zkVersion.
    pub(super) fn on_controller_epoch(&mut self, result: ZkResult, out: &mut Vec<Out>, events: &mut Vec<ClientEvent>) {
        self.electing = false;
        let Ok(OpResult::Data { data: Data::Int(epoch), stat }) = result else { return };
        let new_epoch = (epoch as u32).saturating_add(1);
        let ops = vec![
            Op::Create {
                path: CONTROLLER_PATH.into(),
                data: Data::Broker(self.id),
                ephemeral: true,
                sequential: false,
            },
            Op::SetData {
                path: CONTROLLER_EPOCH_PATH.into(),
                data: Data::Int(u64::from(new_epoch)),
                version: Some(stat.version),
            },
        ];
        let purpose = Purpose::Elect { epoch: new_epoch, zk_version: stat.version + 1 };
        self.zk.request(purpose, ClientOp::Write { ops, multi: true }, out, events);
    }

    pub(super) fn on_elect(
        &mut self,
        now: Time,
        (epoch, zk_version): (u32, u32),
        result: ZkResult,
        zxid: Zxid,
        out: &mut Vec<Out>,
        events: &mut Vec<ClientEvent>,
    ) {
        match result {
            Ok(_) => self.become_controller(now, epoch, zk_version, zxid, out, events),
            // NODEEXISTS or BADVERSION: another broker won; learn who.
            Err(e @ (ZkError::NodeExists | ZkError::BadVersion)) => {
                out.push(Output::Note(Note::ControllerRaceLost { exists: e == ZkError::NodeExists }));
                self.watch_controller(out, events)
            }
            _ => {}
        }
    }

    pub(super) fn on_reclaim(
        &mut self,
        now: Time,
        result: ZkResult,
        zxid: Zxid,
        out: &mut Vec<Out>,
        events: &mut Vec<ClientEvent>,
    ) {
        if let Ok(OpResult::Data { data: Data::Int(epoch), stat }) = result {
            if self.controller.is_none() {
                self.become_controller(now, epoch as u32, stat.version, zxid, out, events);
            }
        }
    }
}
