//! The page's ties to the browser that live as long as the page: keyboard shortcuts, the tab
//! being hidden or shown, an embed scrolled out of view, a resized window, the address bar.
//! Each listener is removed when the page is (`on_cleanup`).

use leptos::ev;
use leptos::html;
use leptos::prelude::*;
use quorumlab_sim::scenario::NodeRef as SimNode;
use send_wrapper::SendWrapper;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

use crate::context::{PlayerHandle, Ui};
use crate::i18n::Lang;

/// Rewrite the address bar without a new history entry.
pub fn replace_url(url: &str) {
    let Some(window) = web_sys::window() else { return };
    if let Ok(history) = window.history() {
        let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(url));
    }
}

/// Open another address (a fresh run).
pub fn open(search: &str) {
    if let Some(w) = web_sys::window() {
        let _ = w.location().set_search(search);
    }
}

/// The address's query (`?...`), as the page was opened.
pub fn location_search() -> String {
    web_sys::window().and_then(|w| w.location().search().ok()).unwrap_or_default()
}

pub fn prefers_reduced_motion() -> bool {
    web_sys::window()
        .and_then(|w| w.match_media("(prefers-reduced-motion: reduce)").ok().flatten())
        .is_some_and(|m| m.matches())
}

pub fn browser_lang() -> Lang {
    web_sys::window().and_then(|w| w.navigator().language()).and_then(|l| Lang::parse(&l)).unwrap_or(Lang::En)
}

/// Keyboard shortcuts (listed in the help overlay). Keys typed into a field are left alone;
/// Space on a focused button presses that button instead.
pub fn use_shortcuts(ui: Ui, player: PlayerHandle, help: RwSignal<bool>) {
    let keys = window_event_listener(ev::keydown, move |ev| {
        if ev.ctrl_key() || ev.meta_key() || ev.alt_key() {
            return;
        }
        let tag = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .map(|e| e.tag_name().to_ascii_lowercase())
            .unwrap_or_default();
        if tag == "input" || tag == "textarea" || tag == "select" {
            return;
        }
        let handled = match ev.key().as_str() {
            " " if tag != "button" => {
                ui.playing.update(|p| *p = !*p);
                true
            }
            "ArrowRight" | "ArrowLeft" if ui.course => false,
            "ArrowRight" | "." => {
                player.with(|p| p.step());
                true
            }
            "ArrowLeft" | "," => {
                player.with(|p| p.step_back());
                true
            }
            "r" | "R" => {
                player.with(|p| p.reset());
                true
            }
            "c" | "C" => {
                player.with(|p| p.fault(SimNode::Controller));
                true
            }
            "?" => {
                help.update(|h| *h = !*h);
                true
            }
            "l" | "L" => {
                ui.big.update(|b| *b = !*b);
                true
            }
            "Escape" => {
                help.set(false);
                false
            }
            _ => false,
        };
        if handled {
            ev.prevent_default();
        }
    });
    on_cleanup(move || keys.remove());
}

/// A hidden tab stops the player's loop by itself; this starts it again when the tab is shown.
/// A resized window redraws the stages and charts at their new size.
pub fn use_visibility(player: PlayerHandle) {
    let shown = Closure::<dyn FnMut()>::new(move || {
        let hidden = web_sys::window().and_then(|w| w.document()).is_some_and(|d| d.hidden());
        if !hidden {
            player.with(|p| p.resume());
        }
    });
    let document = || web_sys::window().and_then(|w| w.document());
    if let Some(doc) = document() {
        let _ = doc.add_event_listener_with_callback("visibilitychange", shown.as_ref().unchecked_ref());
    }
    let resized = window_event_listener(ev::resize, move |_| {
        player.with(|p| {
            p.draw();
            p.draw_charts(true);
        })
    });
    // Kept until the page goes (the page has one thread: `on_cleanup` asks for `Send`).
    let shown = SendWrapper::new(shown);
    on_cleanup(move || {
        resized.remove();
        if let Some(doc) = document() {
            let _ = doc.remove_event_listener_with_callback("visibilitychange", shown.as_ref().unchecked_ref());
        }
    });
}

/// An embed scrolled out of view (below the fold of its page): the loop stops; back in view, it
/// resumes. The full page goes on while the person reads below its stages.
pub fn use_embed_in_view(ui: Ui, player: PlayerHandle, stages: NodeRef<html::Div>) {
    if !ui.embed {
        return;
    }
    let seen = Closure::<dyn FnMut(js_sys::Array)>::new(move |entries: js_sys::Array| {
        let last = entries.get(entries.length().saturating_sub(1));
        let Ok(entry) = last.dyn_into::<web_sys::IntersectionObserverEntry>() else { return };
        player.with(|p| p.set_on_screen(entry.is_intersecting()));
    });
    let Ok(watch) = web_sys::IntersectionObserver::new(seen.as_ref().unchecked_ref()) else { return };
    let target = watch.clone();
    // Once the stages exist: they are watched from then on.
    Effect::new(move |_| {
        if let Some(el) = stages.get() {
            target.observe(&el);
        }
    });
    // Kept until the page goes (the page has one thread: `on_cleanup` asks for `Send`).
    let kept = SendWrapper::new((watch, seen));
    on_cleanup(move || kept.0.disconnect());
}
