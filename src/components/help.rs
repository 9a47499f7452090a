//! The keyboard shortcuts, listed (`?` shows or hides them).

use leptos::prelude::*;

use crate::context::{text, use_ui};

#[component]
pub fn Help() -> impl IntoView {
    let lang = use_ui().lang;
    view! {
        <div class="help" role="dialog" data-testid="help-overlay" aria-label=text(lang, "help.title")>
            <h3>{text(lang, "help.title")}</h3>
            <dl>
                <dt><kbd>"Space"</kbd></dt><dd>{text(lang, "help.space")}</dd>
                <dt><kbd>"→"</kbd>" "<kbd>"."</kbd></dt><dd>{text(lang, "help.step")}</dd>
                <dt><kbd>"←"</kbd>" "<kbd>","</kbd></dt><dd>{text(lang, "help.step_back")}</dd>
                <dt><kbd>"R"</kbd></dt><dd>{text(lang, "help.reset")}</dd>
                <dt><kbd>"C"</kbd></dt><dd>{text(lang, "help.crash_controller")}</dd>
                <dt><kbd>"Tab"</kbd>" "<kbd>"Enter"</kbd></dt><dd>{text(lang, "help.node")}</dd>
                <dt><kbd>"L"</kbd></dt><dd>{text(lang, "help.big")}</dd>
                <dt>{text(lang, "label.timeline")}</dt><dd>{text(lang, "help.timeline")}</dd>
                <dt><kbd>"?"</kbd></dt><dd>{text(lang, "help.help")}</dd>
            </dl>
        </div>
    }
}
