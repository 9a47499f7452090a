//! The page's components, one per file. Each reads the page's settings and the player through
//! context (`crate::context`), not props passed through every layer.

mod controls;
pub mod course;
pub mod details;
pub mod experiments;
pub mod header;
pub mod help;
pub mod inspector;
mod legend;
mod narration;
pub mod network;
pub mod page;
mod problems;
pub mod scenarios;
mod side;
mod stats;

pub use page::Page;
