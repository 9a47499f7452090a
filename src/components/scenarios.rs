//! The ready-made scenarios: the one the page opened, named above the stage with what to watch,
//! and the list of them all, each a link (the one the page opened is marked and its list open).
//! The list's body and the scenarios' words come with the closed panels' chunk (`src/lazy.rs`),
//! fetched when the list first opens, and before the page mounts when it opens a scenario.

use leptos::prelude::*;

use crate::context::{text, use_ui};
use crate::scenarios;

/// The scenario the page opened, above the stage.
#[component]
pub fn ScenarioNow(preset: usize) -> impl IntoView {
    let lang = use_ui().lang;
    let preset = &scenarios::PRESETS[preset];
    // Its words are fetched before the page mounts: if they could not be, the list says so.
    if !crate::i18n::has(preset.title) {
        return None;
    }
    Some(view! {
        <p class="scenario-now" data-testid="scenario-now">
            <strong>{text(lang, preset.title)}</strong>
            " "
            {text(lang, preset.watch)}
        </p>
    })
}

/// Open the list of ready-made scenarios (the link to it then scrolls there).
pub fn open_list() {
    if let Some(list) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id("scenarios")) {
        let _ = list.set_attribute("open", "");
    }
}

/// The list, closed unless the page opened one of them; its body is fetched when it first opens.
#[component]
pub fn Scenarios(current: Option<usize>) -> impl IntoView {
    let lang = use_ui().lang;
    let opened = RwSignal::new(current.is_some());
    view! {
        <details
            class="panel scenarios"
            id="scenarios"
            data-testid="scenarios"
            open=current.is_some()
            on:toggle=move |_| super::opened_once(opened)
        >
            <summary>{text(lang, "scn.title")}</summary>
            {move || opened.get().then(|| crate::lazy::scenario_list(current, lang))}
        </details>
    }
}

/// The list's body: every scenario as a link, with what to watch in it.
#[component]
pub fn ScenarioList(current: Option<usize>) -> impl IntoView {
    let ui = use_ui();
    let lang = ui.lang;
    view! {
            <p class="hint">{text(lang, "scn.hint")}</p>
            <ol>
                {scenarios::PRESETS
                    .iter()
                    .enumerate()
                    .map(|(i, preset)| {
                        let here = current == Some(i);
                        view! {
                            <li class:current=here>
                                <a
                                    href=move || scenarios::link(preset, lang.get(), ui.big.get())
                                    aria-current=here.then_some("page")
                                >
                                    {text(lang, preset.title)}
                                </a>
                                <p>{text(lang, preset.watch)}</p>
                            </li>
                        }
                    })
                    .collect_view()}
            </ol>
    }
}
