//! The app: read the address, open the clusters it names, show the page.

use leptos::prelude::*;

use crate::components::page::{page_view, Opened};
use crate::hooks;
use crate::link::Link;
use crate::session::open::open_labs;

#[component]
pub fn App() -> impl IntoView {
    let search = hooks::location_search();
    let (link, mut problems) = Link::parse(&search);
    let lang = RwSignal::new(link.lang.unwrap_or_else(hooks::browser_lang));
    if crate::link::script::in_address(&search) && !crate::link::script::is_ready() {
        // The scenario parser's chunk could not be fetched (lib.rs `start` fetched it): opened
        // without its actions, the page would write an address without them.
        return crate::lazy::failed(lang);
    }
    if link.experiments.is_some() {
        // The experiments' code too (src/lazy.rs).
        return crate::lazy::experiments(link, lang, problems);
    }
    if link.course.is_some() {
        // The course's code is fetched when it opens (src/lazy.rs).
        return crate::lazy::course(link, lang, problems);
    }
    if crate::engines::needs_zk(&link) && !crate::engines::zk_ready() {
        // Its chunk could not be fetched (lib.rs `start` fetched it before mounting).
        return crate::lazy::failed(lang);
    }
    let labs = match open_labs(&link, &mut problems) {
        Ok(labs) => labs,
        Err(e) => return view! { <p role="alert">{e}</p> }.into_any(),
    };
    // A permalink opens paused at its moment; so does a page for someone who asked the system
    // for reduced motion (nothing moves until they press Play).
    let start_playing = link.until.is_none() && !hooks::prefers_reduced_motion();
    // Only the course (a split chunk) passes a lesson and a pinned address. Opaque Nones here keep
    // the optimiser from seeing one closure type ever passed to `page_view` (a None's vtable half
    // is undefined), specialising on it and so pulling the course's panel into the start module.
    page_view(
        Opened { labs, lang, problems, start_playing, embed: link.embed, big: link.big },
        std::hint::black_box(None),
        std::hint::black_box(None),
    )
}
