//! Quorum Lab's browser app: Leptos (CSR) over the `quorumlab-sim` engine. It owns no
//! protocol logic; it turns clicks into scheduled engine actions and draws snapshots.
//!
//! | module | what lives there |
//! |---|---|
//! | `app` | read the address, open the clusters, show the page |
//! | `link` | the address as one typed value: parse and write |
//! | `session` | the clusters as the page holds them (no web dependencies) |
//! | `player` | the tick loop, slow motion, actions, publishing to the DOM |
//! | `hooks` | ties to the browser: keys, visibility, embed in view, the address bar |
//! | `context` | what components share through Leptos's context |
//! | `components` | the page's components, one per file |
//! | `canvas` | the stage's picture and the drawing protocol with `stage.js` |
//! | `chart` | the live chart, laid out by plotters |
//! | `course` | the course: its chapters as data, conditions, replays (no web dependencies) |
//! | `experiments` | the experiments' runs and what their charts show (no web dependencies) |
//! | `scenarios` | the ready-made scenarios |
//! | `lazy` | views whose code is fetched when they open (split points) |
//! | `engines` | the clusters' engines: KRaft's at start, ZooKeeper mode's fetched when a page needs it |
//! | `i18n` | every string a person reads, in English and Korean |

pub mod app;
pub mod canvas;
pub mod chart;
pub mod components;
pub mod context;
pub mod course;
pub mod engines;
pub mod experiments;
pub mod hooks;
pub mod i18n;
mod jsmath;
mod lazy;
pub mod link;
pub mod player;
pub mod scenarios;
pub mod session;

pub fn start() {
    // For `make bench`: when the wasm starts running (compiled and instantiated).
    if let Some(perf) = web_sys::window().and_then(|w| w.performance()) {
        let _ = perf.mark("qlab-start");
    }
    console_error_panic_hook::set_once();
    // A page that shows ZooKeeper mode fetches that engine first, a Korean page its words, and an
    // address with actions or a problem the scenario parser, while the shell stays up.
    let search = hooks::location_search();
    let (link, problems) = link::Link::parse(&search);
    let zk = engines::needs_zk(&link);
    let korean = link.lang.unwrap_or_else(hooks::browser_lang) == i18n::Lang::Ko && !i18n::korean_ready();
    // Most of what can be wrong with an address is said in words that come with the parser (not
    // a parameter the page does not know, such as a tracker's: that is said at once).
    let words_later = problems.iter().any(|p| !i18n::PARAM_AT_START.contains(&p.key));
    let script = (link::script::in_address(&search) || words_later) && !link::script::is_ready();
    if zk || korean || script {
        // Leptos's own executor is set up by the mount, which has not happened yet.
        wasm_bindgen_futures::spawn_local(async move {
            if korean {
                i18n::load_korean().await;
            }
            if zk {
                engines::load_zk().await;
            }
            if script {
                link::script::load().await;
                // A ready-made scenario names itself above the stage, in words that come with
                // the closed panels (its list is one of them). Presets all carry actions.
                if scenarios::current(&search).is_some() {
                    i18n::load_words(i18n::Words::Panels).await;
                }
            }
            mount();
        });
    } else {
        mount();
    }
}

fn mount() {
    leptos::mount::mount_to_body(app::App);
    // The app's first picture is laid out as the shell that showed while it loaded (index.html):
    // it takes the shell's place in the same task, so nothing moves on screen.
    if let Some(shell) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id("shell")) {
        shell.remove();
    }
}
