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

use leptos::prelude::{GetUntracked, RwSignal, Set};

/// A closed panel's `toggle` (it fires on closing too): its body is built the first time the
/// panel opens and kept (setting a signal to the value it holds still notifies, which would
/// build the body again, losing what the person chose in it).
pub(crate) fn opened_once(opened: RwSignal<bool>) {
    if !opened.get_untracked() {
        opened.set(true);
    }
}
