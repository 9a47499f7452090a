//! The page's header: the title, the view switch (KRaft, ZooKeeper, side by side; each a link
//! to a fresh run with the same seed, sizes and settings, not in an embed) and the language.

use leptos::prelude::*;
use quorumlab_sim::setup::Mode;

use crate::context::{text, use_player, use_ui};
use crate::i18n::Lang;
use crate::link::{Experiment, Link, View};

#[component]
pub fn Header() -> impl IntoView {
    let ui = use_ui();
    let lang = ui.lang;
    view! {
        <header class="top">
            <div>
                // The doors to the course and the experiments sit beside the title, so the
                // switches on the right keep to one line on a laptop.
                <div class="title-row">
                    <h1>{text(lang, "app.title")}</h1>
                    {(!ui.embed).then(|| view! { <CourseSwitch/> })}
                </div>
                <p class="tagline">{text(lang, "app.tagline")}</p>
            </div>
            <div class="switches">
                {(!ui.embed && !ui.course).then(|| view! { <ViewSwitch/> })}
                <LangSwitch lang=lang/>
            </div>
        </header>
    }
}

/// English / 한국어: the page's language (every page's header has it).
#[component]
pub fn LangSwitch(lang: RwSignal<Lang>) -> impl IntoView {
    // Whether the Korean words could not be fetched (a Korean page opened without them, or the
    // switch asked for them in vain).
    let failed = RwSignal::new(lang.get_untracked() == Lang::Ko && !crate::i18n::korean_ready());
    view! {
        <div class="lang" role="group" aria-label=text(lang, "label.language")>
            <button aria-pressed=move || (lang.get() == Lang::En).to_string() on:click=move |_| lang.set(Lang::En)>
                "English"
            </button>
            <button aria-pressed=move || (lang.get() == Lang::Ko).to_string() on:click=move |_| to_korean(lang, failed)>
                "한국어"
            </button>
            {move || failed.get().then(|| view! { <p class="problems" role="alert" data-testid="lang-failed">{text(lang, "lang.ko_failed")}</p> })}
        </div>
    }
}

/// Switch to Korean once its words are here (fetched the first time: an English page does not
/// download them); if they cannot be fetched, the page stays in English and says so.
fn to_korean(lang: RwSignal<Lang>, failed: RwSignal<bool>) {
    if crate::i18n::korean_ready() {
        lang.set(Lang::Ko);
    } else {
        leptos::task::spawn_local(async move {
            let loaded = crate::i18n::load_korean().await;
            failed.set(!loaded);
            if loaded {
                lang.set(Lang::Ko);
            }
        });
    }
}

/// The course and the simulation: a door from each to the other (the course opens where the
/// student left off).
#[component]
fn CourseSwitch() -> impl IntoView {
    let ui = use_ui();
    let (key, id) = if ui.course { ("course.sandbox", "to-sandbox") } else { ("course.title", "to-course") };
    let href = move || {
        let l = ui.lang.get();
        if ui.course {
            format!("?lang={}", l.code())
        } else {
            super::course::course_address(l)
        }
    };
    let experiments = move || {
        Link { lang: Some(ui.lang.get()), experiments: Some(Experiment::Scale), ..Link::default() }.experiments_query()
    };
    view! {
        <nav class="doors">
            <a class="course-link" data-testid=id href=href>{text(ui.lang, key)}</a>
            <a class="course-link" data-testid="to-experiments" href=experiments>{text(ui.lang, "exp.title")}</a>
        </nav>
    }
}

/// The view: one mode, or both side by side; each opens a fresh run with the same seed and sizes.
#[component]
fn ViewSwitch() -> impl IntoView {
    let ui = use_ui();
    let player = use_player();
    let (shown, seed, sizes) = player.with(|p| p.view_and_sizes());
    let views = [
        (View::One(Mode::Kraft), "view.kraft", "view-kraft"),
        (View::One(Mode::Zk), "view.zk", "view-zk"),
        (View::Both, "view.both", "view-both"),
    ];
    view! {
        <nav class="views" aria-label=text(ui.lang, "label.view")>
            {views
                .into_iter()
                .map(|(view, key, id)| {
                    view! {
                        <a
                            data-testid=id
                            href=move || {
                                let _ = (ui.lang.get(), ui.big.get());
                                player.with(|p| p.fresh_link(view, seed, sizes, None))
                            }
                            aria-current=(view == shown).then_some("page")
                        >
                            {text(ui.lang, key)}
                        </a>
                    }
                })
                .collect_view()}
        </nav>
    }
}
