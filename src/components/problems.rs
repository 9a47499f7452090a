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
                {move || Problem::texts(&problems, lang.get()).into_iter().map(|t| view! { <li>{t}</li> }).collect_view()}
            </ul>
        </div>
    }
}
