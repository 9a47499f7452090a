//! The addresses the player writes, all as a [`Link`]: the page's own (a permalink to the
//! moment while paused), and fresh runs (another view, size, seed or settings).

use leptos::prelude::*;
use quorumlab_sim::setup::Mode;

use super::Player;
use crate::link::{Link, Sizes, View};

impl Player {
    /// What this page shows, as a link: the view, seed, sizes, language and text size, the
    /// layout, and each cluster's settings and actions (side by side in `szk` / `skraft`).
    fn link_of_page(&self) -> Link {
        let setup = self.sides[0].lab.with_value(|lab| lab.setup.clone());
        let mut link = Link {
            view: if self.both() { View::Both } else { View::One(setup.mode) },
            seed: setup.seed,
            sizes: Sizes {
                controllers: setup.controllers,
                ensemble: setup.ensemble,
                brokers: setup.brokers,
                partitions: setup.partitions,
            },
            lang: Some(self.lang.get_untracked()),
            big: self.big.get_untracked(),
            embed: self.embed,
            ..Link::default()
        };
        for side in &self.sides {
            let script = side.lab.with_value(|lab| lab.script());
            if self.both() {
                *link.own_mut(side.mode) = script;
            } else {
                link.shared = script;
            }
        }
        link
    }

    /// The page's address: a permalink, to the moment shown while paused.
    pub fn address(&self) -> String {
        if let Some(pinned) = &self.pinned {
            return pinned();
        }
        self.address_with(!self.playing.get_untracked())
    }

    /// The page's address to the moment on screen, also while playing (Copy link).
    pub fn address_at_moment(&self) -> String {
        self.address_with(true)
    }

    fn address_with(&self, moment: bool) -> String {
        let mut link = self.link_of_page();
        if moment {
            link.until = Some(self.sides[0].lab.with_value(|lab| lab.cluster.now()));
        }
        link.to_query()
    }

    /// A fresh run in `view` with `seed` and `sizes`: the same language and large text, and each
    /// cluster's settings where that cluster still shows (`replace` gives one mode new ones). The
    /// actions are not kept: they may name nodes the new cluster lacks.
    pub fn fresh_link(
        &self,
        view: View,
        seed: u64,
        sizes: Sizes,
        replace: Option<(Mode, &[(String, String)])>,
    ) -> String {
        let mut link = Link {
            view,
            seed,
            sizes,
            lang: Some(self.lang.get_untracked()),
            big: self.big.get_untracked(),
            ..Link::default()
        };
        for side in &self.sides {
            if !view.modes().contains(&side.mode) {
                continue;
            }
            let settings = match replace {
                Some((mode, settings)) if mode == side.mode => settings.to_vec(),
                _ => side.lab.with_value(|lab| lab.setup.script.settings.clone()),
            };
            let script = if view == View::Both { link.own_mut(side.mode) } else { &mut link.shared };
            script.settings = settings;
        }
        link.to_query()
    }

    /// The view shown and the clusters' sizes.
    pub fn view_and_sizes(&self) -> (View, u64, Sizes) {
        let link = self.link_of_page();
        (link.view, link.seed, link.sizes)
    }
}
