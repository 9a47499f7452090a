//! What the address asked for that the page could not do, each in the page's language.

use leptos::prelude::*;

use crate::context::use_ui;
use crate::link::Problem;

#[component]
pub fn Problems(problems: Vec<Problem>) -> impl IntoView {
    let lang = use_ui().lang;
    view! {
        <div class="problems" role="alert" data-testid="problems">
            <ul>
                {problems
                    .into_iter()
                    .map(|p| {
                        view! {
                            <li>{move || p.text(lang.get())}</li>
                        }
                    })
                    .collect_view()}
            </ul>
        </div>
    }
}
