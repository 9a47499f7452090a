//! Quorum Lab's browser app: Leptos (CSR) over the `quorumlab-sim` engine. It owns no
//! protocol logic; it turns clicks into scheduled engine actions and draws snapshots.

pub mod app;
pub mod chart;
pub mod front;
pub mod history;
pub mod i18n;
mod jsmath;
pub mod lab;
pub mod layout;
pub mod params;
pub mod plot;
pub mod render;
pub mod scenarios;

pub fn start() {
    // For `make bench`: when the wasm starts running (compiled and instantiated).
    if let Some(perf) = web_sys::window().and_then(|w| w.performance()) {
        let _ = perf.mark("qlab-start");
    }
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}
