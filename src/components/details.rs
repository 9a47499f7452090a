//! A cluster's details: virtual time, events, the trace hash, whether every invariant holds,
//! and the settings it runs with (a field to change them: a fresh run from time zero, whose code
//! is fetched when the details first open: `crate::lazy`).

use leptos::html;
use leptos::prelude::*;
use quorumlab_sim::hash::hex;
use quorumlab_sim::setup::Mode;

use crate::context::{text, use_player, use_ui};
use crate::i18n::{tr, trf};
use crate::link::Problem;
use crate::player::SideView;
use crate::session::settings::{settings_typed, MAX_SETTINGS_CHARS};

#[component]
pub fn Details(side: SideView) -> impl IntoView {
    let ui = use_ui();
    let lang = ui.lang;
    let snapshot = side.snapshot;
    let opened = RwSignal::new(false);
    view! {
        <details class="panel details" data-testid="details" data-side=side.mode.as_str() on:toggle=move |_| super::opened_once(opened)>
            <summary>{text(lang, "details.title")} {ui.both.then(|| view! { " · " {text(lang, side.mode_key())} })}</summary>
            <dl>
                <dt>{text(lang, "details.time_us")}</dt>
                <dd data-testid="virtual-time-us">{move || snapshot.with(|s| s.time_us)}</dd>
                <dt>{text(lang, "details.events")}</dt>
                <dd data-testid="events">{move || snapshot.with(|s| s.events)}</dd>
                <dt>{text(lang, "details.hash")}</dt>
                <dd>
                    <code data-testid="trace-hash">{move || snapshot.with(|s| hex(s.hash))}</code>
                </dd>
                <dt>{text(lang, "details.settings")}</dt>
                <dd>
                    <Settings side=side/>
                    {move || opened.get().then(|| crate::lazy::settings_form(side, lang))}
                </dd>
                <dt>{text(lang, "details.invariants")}</dt>
                <dd data-testid="invariants">
                    {move || {
                        let n = snapshot.with(|s| s.violations.len());
                        if n == 0 {
                            tr(lang.get(), "inv.ok").to_string()
                        } else {
                            trf(lang.get(), "inv.bad", &[&n.to_string()])
                        }
                    }}
                </dd>
            </dl>
        </details>
    }
}

/// What this cluster runs with other than Kafka's defaults (from the link).
#[component]
fn Settings(side: SideView) -> impl IntoView {
    let lang = use_ui().lang;
    let settings = settings_of(side);
    let mode = side.mode;
    view! {
        <span data-testid="settings">
            {move || if settings.is_empty() { tr(lang.get(), if mode == Mode::Zk { "details.defaults.zk" } else { "details.defaults" }).to_string() } else { settings.clone() }}
        </span>
    }
}

fn settings_of(side: SideView) -> String {
    side.lab.with_value(|lab| {
        lab.setup.script.settings.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(", ")
    })
}

/// A field to type other settings: Apply (or Enter) opens the same seed from time zero with them
/// (side by side, the other cluster keeps its own). What it does not take is said beside the
/// field, which keeps the text, and nothing restarts.
#[component]
pub fn SettingsForm(side: SideView) -> impl IntoView {
    let lang = use_ui().lang;
    let player = use_player();
    let current = settings_of(side);
    let field = NodeRef::<html::Input>::new();
    let mode = side.mode;
    // Why the typed settings were not applied.
    let refused = RwSignal::new(None::<Problem>);
    let apply = move || {
        let Some(input) = field.get_untracked() else { return };
        match settings_typed(mode, &input.value()) {
            Ok(settings) => {
                let (view, seed, sizes) = player.with(|p| p.view_and_sizes());
                crate::hooks::open(&player.with(|p| p.fresh_link(view, seed, sizes, Some((mode, &settings)))));
            }
            Err(problem) => refused.set(Some(problem)),
        }
    };
    view! {
        <span class="settings-form">
            <input
                node_ref=field
                data-testid="settings-input"
                aria-label=text(lang, "details.settings")
                placeholder=if mode == Mode::Zk { "zookeeper.session.timeout.ms=6000" } else { "quorum.pre.vote=off" }
                value=current
                maxlength=MAX_SETTINGS_CHARS.to_string()
                on:keydown=move |ev| {
                    if ev.key() == "Enter" {
                        apply();
                    }
                }
            />
            <button data-testid="settings-apply" on:click=move |_| apply()>{text(lang, "btn.apply_settings")}</button>
        </span>
        <span class="settings-error" role="alert" data-testid="settings-error">
            {move || refused.get().map(|p| trf(lang.get(), p.key, &p.args.iter().map(String::as_str).collect::<Vec<_>>()))}
        </span>
    }
}
