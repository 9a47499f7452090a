//! The stage's picture: what a cluster looks like (`stage.rs`, `back.rs`, `flights.rs`,
//! `colours.rs`, `layout.rs`), recorded as numbers (`scene.rs`) in the drawing protocol
//! (`protocol.rs`) that `stage.js` draws, in the page's drawing worker or on the page
//! (`worker.rs`). The page's main thread rasterizes nothing on the stage.

mod back;
pub mod colours;
mod flights;
pub mod layout;
pub mod protocol;
pub mod scene;
pub mod stage;
#[cfg(test)]
mod tests;
pub mod worker;

pub use back::{node_detail, vote_of};
pub use colours::{class_colour, class_name, class_named, KRAFT_LEGEND, ZK_LEGEND};
pub use stage::{Stage, BIG_TEXT};
