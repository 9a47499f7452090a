//! Views whose code is not in the download at start: each is a split point
//! (`#[wasm_split(name)]`, the helper Leptos itself uses for its lazy routes). The build cuts the
//! module there (`scripts/bin/wasm-bindgen`): what only a split function reaches goes into a
//! chunk the page fetches the first time that view opens. Natively (tests) the call is direct.
//!
//! Each view shows a line while its chunk loads, and a translated message with a way on if it
//! cannot be fetched (the page keeps running).

use std::future::Future;
use std::pin::{pin, Pin};
use std::task::{Context, Poll, Waker};

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos::wasm_split::{wasm_split, SplitLoaderError};

use crate::components::course::CourseView;
use crate::components::details::SettingsForm;
use crate::components::experiments::ExperimentsView;
use crate::components::help::Help;
use crate::components::inspector::InspectorBody;
use crate::components::network::NetworkBody;
use crate::components::scenarios::ScenarioList;
use crate::context::text;
use crate::i18n::{load_words, Lang, Words};
use crate::link::{Link, Problem};
use crate::player::SideView;

// The split function takes and returns plain Rust values (it is called through a C-like
// function pointer on the web): the view it builds is handed back as a finished `AnyView`.
#[wasm_split(course, wasm_split_path = ::leptos::wasm_split, fallible, preload(preload_course))]
fn course_chunk(link: Link, lang: RwSignal<Lang>, problems: Vec<Problem>) -> Result<AnyView, SplitLoaderError> {
    add_style("course-style", include_str!("../styles/course.css"));
    Ok(view! { <CourseView link=link lang=lang problems=problems/> }.into_any())
}

/// The course, once its chunk is here.
pub fn course(link: Link, lang: RwSignal<Lang>, problems: Vec<Problem>) -> AnyView {
    // Its chapters open ZooKeeper-mode clusters, and their links carry actions: that engine and
    // the scenario parser come with it.
    let load = async {
        preload_course().await.is_ok()
            && load_words(Words::Course).await
            && crate::engines::load_zk().await
            && crate::link::script::load().await
    };
    page_view(link, lang, problems, ("course.loading", "course-loading"), Box::pin(load), course_chunk)
}

#[wasm_split(experiments, wasm_split_path = ::leptos::wasm_split, fallible, preload(preload_experiments))]
fn experiments_chunk(link: Link, lang: RwSignal<Lang>, problems: Vec<Problem>) -> Result<AnyView, SplitLoaderError> {
    add_style("experiments-style", include_str!("../styles/experiments.css"));
    Ok(view! { <ExperimentsView link=link lang=lang problems=problems/> }.into_any())
}

/// The experiments view, once its chunk is here.
pub fn experiments(link: Link, lang: RwSignal<Lang>, problems: Vec<Problem>) -> AnyView {
    let load = async { preload_experiments().await.is_ok() };
    page_view(link, lang, problems, ("exp.loading", "experiments-loading"), Box::pin(load), experiments_chunk)
}

/// A view of the whole page (the course, the experiments), built by `chunk` from the page's
/// link, language and problems once `load` is done; a line (`loading`: its key and test id) until
/// then.
fn page_view<F: Future<Output = Result<AnyView, SplitLoaderError>>>(
    link: Link,
    lang: RwSignal<Lang>,
    problems: Vec<Problem>,
    (loading_key, testid): (&'static str, &'static str),
    load: Load,
    chunk: impl Fn(Link, RwSignal<Lang>, Vec<Problem>) -> F + Send + Sync + 'static,
) -> AnyView {
    let args = StoredValue::new_local(Some((link, lang, problems)));
    lazy_view(
        lang,
        loading_key,
        testid,
        load,
        Box::new(move || {
            let (link, lang, problems) = args.try_update_value(|a| a.take()).flatten()?;
            ready(chunk(link, lang, problems)).and_then(Result::ok)
        }),
    )
}

// The panels that start closed (the inspector, the network tool, the settings field of the
// details, the keyboard shortcuts): their bodies, one chunk for all, fetched when one first opens.
// (Each split function keeps its own loader, so each is waited for by its own preload.)
#[wasm_split(panels, wasm_split_path = ::leptos::wasm_split, fallible, preload(preload_panels))]
fn inspector_chunk(side: SideView) -> Result<AnyView, SplitLoaderError> {
    add_style(PANELS_STYLE.0, PANELS_STYLE.1);
    Ok(view! { <InspectorBody side=side/> }.into_any())
}

#[wasm_split(panels, wasm_split_path = ::leptos::wasm_split, fallible, preload(preload_network))]
fn network_chunk(side: SideView, index: usize) -> Result<AnyView, SplitLoaderError> {
    add_style(PANELS_STYLE.0, PANELS_STYLE.1);
    Ok(view! { <NetworkBody side=side index=index/> }.into_any())
}

#[wasm_split(panels, wasm_split_path = ::leptos::wasm_split, fallible, preload(preload_settings))]
fn settings_chunk(side: SideView) -> Result<AnyView, SplitLoaderError> {
    add_style(PANELS_STYLE.0, PANELS_STYLE.1);
    Ok(view! { <SettingsForm side=side/> }.into_any())
}

#[wasm_split(panels, wasm_split_path = ::leptos::wasm_split, fallible, preload(preload_scenarios))]
fn scenarios_chunk(current: Option<usize>) -> Result<AnyView, SplitLoaderError> {
    add_style(PANELS_STYLE.0, PANELS_STYLE.1);
    Ok(view! { <ScenarioList current=current/> }.into_any())
}

#[wasm_split(panels, wasm_split_path = ::leptos::wasm_split, fallible, preload(preload_help))]
fn help_chunk() -> Result<AnyView, SplitLoaderError> {
    add_style(PANELS_STYLE.0, PANELS_STYLE.1);
    Ok(view! { <Help/> }.into_any())
}

/// The closed panels' bodies' own style, added with the first of them to open.
const PANELS_STYLE: (&str, &str) = ("panels-style", include_str!("../styles/panels.css"));

/// Adds `css` to the page as a style element with id `id`, unless it is there: the style of a
/// view whose code comes in a chunk comes with it (the text lies in the chunk), so the page's own
/// style at start (index.html) holds only what the first picture can show.
fn add_style(id: &str, css: &str) {
    #[cfg(target_arch = "wasm32")]
    {
        let Some(document) = web_sys::window().and_then(|w| w.document()) else { return };
        if document.get_element_by_id(id).is_some() {
            return;
        }
        let (Ok(style), Some(head)) = (document.create_element("style"), document.head()) else { return };
        style.set_id(id);
        style.set_text_content(Some(css));
        let _ = head.append_child(&style);
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = (id, css);
}

/// The inspector's body, once its chunk is here.
pub fn inspector(side: SideView, lang: RwSignal<Lang>) -> AnyView {
    panel_body(
        lang,
        Box::pin(async { preload_panels().await.is_ok() && load_words(Words::Panels).await }),
        Box::new(move || ready(inspector_chunk(side)).and_then(Result::ok)),
    )
}

/// The network tool's body, once its chunk is here.
pub fn network(side: SideView, index: usize, lang: RwSignal<Lang>) -> AnyView {
    panel_body(
        lang,
        Box::pin(async { preload_network().await.is_ok() && load_words(Words::Panels).await }),
        Box::new(move || ready(network_chunk(side, index)).and_then(Result::ok)),
    )
}

/// The settings field of a cluster's details, once its chunk is here.
pub fn settings_form(side: SideView, lang: RwSignal<Lang>) -> AnyView {
    panel_body(
        lang,
        Box::pin(async { preload_settings().await.is_ok() && load_words(Words::Panels).await }),
        Box::new(move || ready(settings_chunk(side)).and_then(Result::ok)),
    )
}

/// An About text (`key`), once the closed panels' words are here (`crate::i18n::Words`).
pub fn about(key: &'static str, lang: RwSignal<Lang>) -> AnyView {
    panel_body(
        lang,
        Box::pin(load_words(Words::Panels)),
        Box::new(move || Some(view! { <p data-testid="about-text">{text(lang, key)}</p> }.into_any())),
    )
}

/// The ready-made scenarios' list, once its chunk and its words are here.
pub fn scenario_list(current: Option<usize>, lang: RwSignal<Lang>) -> AnyView {
    let load = async { preload_scenarios().await.is_ok() && load_words(Words::Panels).await };
    panel_body(lang, Box::pin(load), Box::new(move || ready(scenarios_chunk(current)).and_then(Result::ok)))
}

/// The keyboard shortcuts' list, once its chunk is here.
pub fn help(lang: RwSignal<Lang>) -> AnyView {
    panel_body(
        lang,
        Box::pin(async { preload_help().await.is_ok() && load_words(Words::Panels).await }),
        Box::new(move || ready(help_chunk()).and_then(Result::ok)),
    )
}

/// What a lazy view waits for (boxed: one copy of the code below serves every view).
type Load = Pin<Box<dyn Future<Output = bool>>>;
/// How a lazy view builds itself once loaded.
type Build = Box<dyn Fn() -> Option<AnyView> + Send + Sync>;

/// None while `load` runs; then whether it loaded.
fn loaded_when(load: Load) -> RwSignal<Option<bool>> {
    let loaded = RwSignal::new(None::<bool>);
    spawn_local(async move {
        let ok = load.await;
        loaded.set(Some(ok));
    });
    loaded
}

/// A panel's body: nothing while its chunk loads (a moment), then the body, or the failure
/// message in a line.
fn panel_body(lang: RwSignal<Lang>, load: Load, build: Build) -> AnyView {
    let loaded = loaded_when(load);
    (move || match loaded.get() {
        None => ().into_any(),
        Some(true) => build().unwrap_or_else(|| panel_failed(lang)),
        Some(false) => panel_failed(lang),
    })
    .into_any()
}

fn panel_failed(lang: RwSignal<Lang>) -> AnyView {
    view! { <p class="problems" role="alert">{text(lang, "lazy.failed")}</p> }.into_any()
}

/// A line while `load` runs; then `build`'s view (built under this view's owner, so its signals
/// and effects live as long as it is shown), or the failure message.
fn lazy_view(
    lang: RwSignal<Lang>,
    loading_key: &'static str,
    testid: &'static str,
    load: Load,
    build: Build,
) -> AnyView {
    let loaded = loaded_when(load);
    (move || match loaded.get() {
        None => view! {
            <main class="app"><p class="loading" data-testid=testid>{text(lang, loading_key)}</p></main>
        }
        .into_any(),
        Some(true) => build().unwrap_or_else(|| failed(lang)),
        Some(false) => failed(lang),
    })
    .into_any()
}

pub(crate) fn failed(lang: RwSignal<Lang>) -> AnyView {
    let sandbox = format!("?lang={}", lang.get_untracked().code());
    view! {
        <main class="app">
            <div class="problems" role="alert" data-testid="problems">
                <p>{text(lang, "lazy.failed")}</p>
                <p><a href=sandbox>{text(lang, "course.sandbox")}</a></p>
            </div>
        </main>
    }
    .into_any()
}

/// The value of a future that is already done: a split function called after its chunk has
/// loaded (its wrapper only checks that it has, then calls). `None` if it would have to wait.
pub(crate) fn ready<T>(fut: impl Future<Output = T>) -> Option<T> {
    match pin!(fut).poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(v) => Some(v),
        Poll::Pending => None,
    }
}
