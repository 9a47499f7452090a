//! Pick a node and see its state as the engine holds it: log tail and metadata image (KRaft),
//! the znode tree with ephemeral owners and partition state znodes (ZooKeeper).

use leptos::prelude::*;

use crate::context::{text, use_player, use_ui};
use crate::i18n::tr;
use crate::player::SideView;
use quorumlab_sim::cluster::Inspect;

/// The panel, closed; its body's code is fetched the first time it opens (`src/lazy.rs`).
#[component]
pub fn Inspector(side: SideView) -> impl IntoView {
    let lang = use_ui().lang;
    let opened = RwSignal::new(false);
    view! {
        <details class="inspector" data-testid="inspector-panel" on:toggle=move |_| super::opened_once(opened)>
            <summary>{text(lang, "inspector.title")}</summary>
            {move || opened.get().then(|| crate::lazy::inspector(side, lang))}
        </details>
    }
}

/// What the panel shows once open: the node picker and what the engine holds for it.
#[component]
pub fn InspectorBody(side: SideView) -> impl IntoView {
    let lang = use_ui().lang;
    let player = use_player();
    let names: Vec<String> = side.lab.with_value(|lab| lab.views.iter().map(|v| v.name()).collect());
    side.inspect_with.set_value(Some(|cluster, node, out| cluster.inspect(node, out)));
    view! {
            <label>
                {text(lang, "inspector.node")}
                " "
                <select
                    data-testid="inspect-select"
                    on:change=move |ev| {
                        let v = event_target_value(&ev);
                        side.inspected.set(v.parse::<usize>().ok());
                        player.with(|p| p.publish(true));
                    }
                >
                    <option value="">"—"</option>
                    {names
                        .into_iter()
                        .enumerate()
                        .map(|(i, n)| view! { <option value=i.to_string()>{n}</option> })
                        .collect_view()}
                </select>
            </label>
            <pre data-testid="inspector">
                {move || {
                    let lines = side.inspector.get();
                    if side.inspected.get().is_some() && lines.is_empty() {
                        tr(lang.get(), "inspector.empty").to_string()
                    } else {
                        lines.join("\n")
                    }
                }}
            </pre>
    }
}
