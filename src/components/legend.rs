//! What each message colour on the stage means.

use leptos::prelude::*;
use quorumlab_sim::MsgClass;

use crate::canvas::class_colour;
use crate::context::{text, use_ui};

#[component]
pub fn Legend(entries: &'static [(MsgClass, &'static str)]) -> impl IntoView {
    let lang = use_ui().lang;
    view! {
        <ul class="legend" aria-label=text(lang, "legend.title")>
            {entries
                .iter()
                .map(|(class, key)| {
                    let colour = class_colour(*class);
                    view! {
                        <li>
                            <span class="swatch" style:background=colour></span>
                            {text(lang, key)}
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
}
