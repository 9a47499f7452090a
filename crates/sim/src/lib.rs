//! Quorum Lab's engine: a deterministic, in-memory simulation of Kafka's two ways of
//! coordinating itself. No clocks, no threads, no web: everything the browser shows is derived
//! from here, and the same seed and actions give the same trace hash on every target.

pub mod cluster;
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
