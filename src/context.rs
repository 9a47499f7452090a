//! What every component of the page may need, handed down through Leptos's context (as todomvc
//! hands down its setter) rather than as props through every component: the page's settings
//! ([`Ui`]) and the [`Player`] that runs the clusters.

use std::rc::Rc;

use leptos::prelude::*;

use crate::i18n::{tr, Lang};
use crate::player::Player;

/// The page's settings and the signals many components read.
#[derive(Clone, Copy)]
pub struct Ui {
    pub lang: RwSignal<Lang>,
    /// Large text for a projector (kept in the address).
    pub big: RwSignal<bool>,
    pub playing: RwSignal<bool>,
    /// The compact layout for an iframe (`embed=1`, kept in the address).
    pub embed: bool,
    /// ZooKeeper and KRaft side by side.
    pub both: bool,
    /// The page shows a course step (the arrow keys move through steps, not events).
    pub course: bool,
    /// Whether the controls and panels are built: one frame after the first picture, so the
    /// first layout (which drawing forces) covers only the header and the stages.
    pub later: RwSignal<bool>,
}

/// The player, cheap to copy into closures; the player itself lives outside the reactive graph.
#[derive(Clone, Copy)]
pub struct PlayerHandle(pub StoredValue<Rc<Player>, LocalStorage>);

impl PlayerHandle {
    pub fn with<R>(&self, f: impl FnOnce(&Rc<Player>) -> R) -> R {
        self.0.with_value(f)
    }
}

pub fn use_ui() -> Ui {
    expect_context::<Ui>()
}

pub fn use_player() -> PlayerHandle {
    expect_context::<PlayerHandle>()
}

/// A translated text that follows the page's language. One closure type for every such text,
/// so the renderer's code for it is compiled once: each `move || tr(..)` written out is its own
/// type, with its own copy of that code in the download.
pub fn text(lang: RwSignal<Lang>, key: &'static str) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
    move || tr(lang.get(), key)
}
