//! The partition tool of one cluster: pick the nodes of one side, cut, heal.

use leptos::prelude::*;
use quorumlab_sim::scenario::ScenarioAction;

use crate::context::{text, use_player, use_ui};
use crate::player::SideView;

/// The panel, closed; its body's code is fetched the first time it opens (`src/lazy.rs`).
#[component]
pub fn NetworkTool(side: SideView, index: usize) -> impl IntoView {
    let lang = use_ui().lang;
    let opened = RwSignal::new(false);
    view! {
        <details class="network" data-testid="network-panel" on:toggle=move |_| super::opened_once(opened)>
            <summary>{text(lang, "net.title")}</summary>
            {move || opened.get().then(|| crate::lazy::network(side, index, lang))}
        </details>
    }
}

/// What the panel shows once open: a box per node, Cut and Heal.
#[component]
pub fn NetworkBody(side: SideView, index: usize) -> impl IntoView {
    let lang = use_ui().lang;
    let player = use_player();
    let names: Vec<String> = side.lab.with_value(|lab| lab.views.iter().map(|v| v.name()).collect());
    let total = names.len();
    let picked = RwSignal::new(Vec::<usize>::new());
    let cuttable = move || picked.with(|p| !p.is_empty() && p.len() < total);
    view! {
            <fieldset>
                <legend>{text(lang, "net.partition")}</legend>
                {names
                    .into_iter()
                    .enumerate()
                    .map(|(i, name)| {
                        view! {
                            <label class="pick">
                                <input
                                    type="checkbox"
                                    data-testid="partition-pick"
                                    data-node=name.clone()
                                    prop:checked=move || picked.with(|p| p.contains(&i))
                                    on:change=move |_| {
                                        picked.update(|p| match p.iter().position(|x| *x == i) {
                                            Some(at) => {
                                                p.remove(at);
                                            }
                                            None => p.push(i),
                                        })
                                    }
                                />
                                {name}
                            </label>
                        }
                    })
                    .collect_view()}
            </fieldset>
            <button
                data-testid="cut"
                prop:disabled=move || !cuttable()
                on:click=move |_| {
                    let p = picked.get_untracked();
                    player.with(|pl| pl.partition(index, &p));
                }
            >
                {text(lang, "btn.cut")}
            </button>
            <button
                data-testid="heal"
                on:click=move |_| {
                    player.with(|p| {
                        p.act_on(Some(index), &|lab| {
                            lab.act(ScenarioAction::Heal);
                        })
                    });
                    picked.set(Vec::new());
                }
            >
                {text(lang, "btn.heal")}
            </button>
    }
}
