//! The ready-made scenarios: the one the page opened, named above the stage with what to watch,
//! and the list of them all, each a link (the one the page opened is marked and its list open).

use leptos::prelude::*;

use crate::context::{text, use_ui};
use crate::scenarios;

/// The scenario the page opened, above the stage.
#[component]
pub fn ScenarioNow(preset: usize) -> impl IntoView {
    let lang = use_ui().lang;
    let preset = &scenarios::PRESETS[preset];
    view! {
        <p class="scenario-now" data-testid="scenario-now">
            <strong>{text(lang, preset.title)}</strong>
            " "
            {text(lang, preset.watch)}
        </p>
    }
}

/// Open the list of ready-made scenarios (the link to it then scrolls there).
pub fn open_list() {
    if let Some(list) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id("scenarios")) {
        let _ = list.set_attribute("open", "");
    }
}

#[component]
pub fn Scenarios(current: Option<usize>) -> impl IntoView {
    let ui = use_ui();
    let lang = ui.lang;
    view! {
        <details class="panel scenarios" id="scenarios" data-testid="scenarios" open=current.is_some()>
            <summary>{text(lang, "scn.title")}</summary>
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
        </details>
    }
}
