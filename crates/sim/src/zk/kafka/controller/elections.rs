//! Partition leaders and ISRs (PartitionStateMachine, ReplicaStateMachine): which states the
//! controller plans to write after a broker change, a controlled shutdown, a preferred-replica
//! election or a new topic. Planning reads only the controller's context; `writes.rs` writes.

use crate::sorted::SortedSet;

use super::{Controller, Write};
use crate::zk::msg::{isr_bit, Assignment, PartState, Shared, StateUpdate};

impl Controller {
    /// PartitionStateMachine: new leaders for partitions whose leader is gone (first live ISR
    /// replica in assignment order; any live replica if `unclean`), ISR shrink for dead replicas,
    /// and ISR expansion for replicas that came back. `leaving` are brokers in controlled shutdown
    /// to move away from.
    pub(super) fn plan_elections(&mut self, unclean: bool, leaving: &SortedSet<u32>) {
        let epoch = self.epoch;
        let usable = |b: &u32| self.live.contains_key(b) && !self.shutting_down.contains(b) && !leaving.contains(b);
        for (topic, t) in &self.topics {
            let mut updates = Vec::new();
            for (p, z) in t.states.iter().enumerate() {
                let p = p as u32;
                let replicas = t.assignment.replicas_of(p);
                let old = z.state;
                let mut new = old;
                // Leader −1 is none.
                let leader_ok = u32::try_from(old.leader).is_ok_and(|l| usable(&l));
                // OfflineReplica: dead or leaving replicas leave the ISR, but a sole member
                // stays (with leader −1 if it is dead and cannot lead).
                let live_isr = replicas.iter().filter(|b| old.in_isr(**b) && usable(b)).fold(0, |m, b| m | isr_bit(*b));
                new.isr = if live_isr == 0 { old.isr } else { live_isr };
                if leader_ok {
                    // A replica that returned rejoins the ISR (stands in for catch-up and
                    // AlterPartition).
                    for b in replicas.iter().filter(|b| self.live.contains_key(b) && !self.shutting_down.contains(b)) {
                        if !leaving.contains(b) {
                            new.isr |= isr_bit(*b);
                        }
                    }
                } else {
                    // OfflinePartition → OnlinePartition: first live replica in the ISR.
                    let clean = replicas.iter().copied().find(|b| old.in_isr(*b) && usable(b));
                    // A leader still alive is only shutting down: ControlledShutdownPartition-
                    // LeaderElectionStrategy hands over to a live ISR replica or fails, and the
                    // broker keeps leading (its shutdown answer counts the partition); never
                    // unclean, never leader −1.
                    let alive = u32::try_from(old.leader).is_ok_and(|l| self.live.contains_key(&l));
                    let choice = clean.or_else(|| {
                        if unclean && !alive {
                            replicas.iter().copied().find(|b| usable(b))
                        } else {
                            None
                        }
                    });
                    match choice {
                        Some(b) => {
                            new.leader = b as i32;
                            if clean.is_none() {
                                new.isr = isr_bit(b);
                            }
                        }
                        None if alive => {}
                        None => new.leader = -1,
                    }
                }
                if new.leader != old.leader || new.isr != old.isr {
                    // The controller bumps the leader epoch when it changes the leader or removes
                    // a replica from the ISR (`removeReplicasFromIsr` → `newLeaderAndIsr`); an ISR
                    // that only grew keeps it (in Kafka the leader grows it, AlterPartition).
                    if new.leader != old.leader || old.isr & !new.isr != 0 {
                        new.leader_epoch = old.leader_epoch + 1;
                    }
                    new.controller_epoch = epoch;
                    updates.push(StateUpdate { partition: p, state: new, expected_version: z.version });
                }
            }
            if !updates.is_empty() {
                self.writes.push_back(Write::Set { topic: topic.clone(), updates: Shared::new(updates) });
            }
        }
    }

    /// Auto leader rebalance (`auto.leader.rebalance.enable`): give each partition back to its
    /// preferred replica (the first in assignment order) when that replica is alive and in the
    /// ISR. (Kafka only acts above `leader.imbalance.per.broker.percentage` = 10 %; the model
    /// rebalances every imbalanced partition.)
    pub(super) fn plan_preferred(&mut self) {
        let epoch = self.epoch;
        for (topic, t) in &self.topics {
            let mut updates = Vec::new();
            for (p, z) in t.states.iter().enumerate() {
                let Some(&preferred) = t.assignment.replicas_of(p as u32).first() else { continue };
                let usable = self.live.contains_key(&preferred) && !self.shutting_down.contains(&preferred);
                if z.state.leader != preferred as i32 && usable && z.state.in_isr(preferred) {
                    let state = PartState {
                        leader: preferred as i32,
                        leader_epoch: z.state.leader_epoch + 1,
                        controller_epoch: epoch,
                        isr: z.state.isr,
                    };
                    updates.push(StateUpdate { partition: p as u32, state, expected_version: z.version });
                }
            }
            if !updates.is_empty() {
                self.writes.push_back(Write::Set { topic: topic.clone(), updates: Shared::new(updates) });
            }
        }
    }

    /// onNewPartitionCreation: NewPartition → OnlinePartition: the first live replica leads,
    /// the live replicas form the ISR.
    pub(super) fn new_partition_states(&self, assignment: &Assignment) -> Vec<PartState> {
        (0..assignment.partitions())
            .map(|p| {
                let live: Vec<u32> =
                    assignment.replicas_of(p).iter().copied().filter(|b| self.live.contains_key(b)).collect();
                PartState {
                    leader: live.first().map_or(-1, |b| *b as i32),
                    leader_epoch: 0,
                    controller_epoch: self.epoch,
                    isr: live.iter().fold(0, |m, b| m | isr_bit(*b)),
                }
            })
            .collect()
    }
}
