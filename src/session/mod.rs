//! The simulation as the page holds it, without any web dependency (tested natively): a
//! [`lab::Lab`] is one cluster with what the person did to it (actions, timeline, replay), and
//! its [`history::History`] is what the chart plots.

pub mod history;
pub mod lab;
pub mod open;
pub mod settings;
pub mod snapshot;
