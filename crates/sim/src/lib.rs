//! Quorum Lab's engine: a deterministic, in-memory simulation of Kafka's two ways of
//! coordinating itself. No clocks, no threads, no web: everything the browser shows is derived
//! from here, and the same seed and actions give the same trace hash on every target.
//!
//! Where things live: `world.rs` (virtual clock, event queue, crash/restart, user actions, trace
//! hash) with `net.rs`, `rng.rs`, `time.rs`, `hash.rs` and `sorted.rs` under it; `cluster.rs`
//! (what the app and the CLI drive, with `cluster/shared.rs` holding what both modes share);
//! `experiment/` (sweeps of many runs: scale, elections, propagation, stall);
//! `explore/` (a bounded exhaustive explorer of every schedule of a small cluster);
//! `layout.rs` (node ids, numbers and names); `kraft/` and `zk/` (the two modes); `scenario/`
//! (scenario text); `setup.rs` (building a cluster from a person's choices); `summary.rs` (the
//! run summary).

pub mod cluster;
pub mod experiment;
pub mod explore;
pub mod hash;
pub mod kraft;
pub mod layout;
pub mod net;
pub mod rng;
pub mod time;
pub mod world;

/// Index of a node in its world.
pub type NodeId = usize;

pub use time::Time;
pub use world::{
    Action, Input, Message, MsgClass, Node, NodeList, Output, RoleRef, RunStop, Target, World, MSG_CLASSES,
};
pub mod scenario;
pub mod setup;
pub mod sorted;
pub mod summary;
pub mod zk;
