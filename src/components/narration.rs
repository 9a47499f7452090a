//! A cluster's narration: what happened, newest first, read out by a screen reader as it comes.

use leptos::prelude::*;

use crate::context::{text, use_ui};
use crate::i18n::trf;
use crate::player::SideView;
use crate::session::snapshot::Line;

#[component]
pub fn Narration(side: SideView) -> impl IntoView {
    let ui = use_ui();
    let lang = ui.lang;
    view! {
        <section class="panel narration" data-side=side.mode.as_str()>
            <h2>{text(lang, "narration.title")} {ui.both.then(|| view! { " · " {text(lang, side.mode_key())} })}</h2>
            <ol aria-live="polite" data-testid="narration">
                // Keyed: a new line is one new item, and the lines already there (and read out
                // by a screen reader) stay as they are.
                <For each=move || side.narration.get().into_iter().rev() key=|line| line.serial let:line>
                    {
                        let Line { at_ms, node, key, args, .. } = line;
                        let at = format!("{}.{:03}s", at_ms / 1000, at_ms % 1000);
                        let said = move || {
                            let args: Vec<&str> = args.iter().map(String::as_str).collect();
                            trf(lang.get(), key, &args)
                        };
                        view! {
                            <li>
                                <time>{at}</time>
                                " "
                                <strong>{node}</strong>
                                " "
                                {said}
                            </li>
                        }
                    }
                </For>
            </ol>
        </section>
    }
}
