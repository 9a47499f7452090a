//! The controls, docked under the stages: play, step, step back, reset, actions, faults on both
//! sides, links to copy, speed, message loss, latency, large text; the timeline; a hint; the
//! keyboard help.

use leptos::prelude::*;
use quorumlab_sim::scenario::{format_time, NodeRef as SimNode, ScenarioAction};
use quorumlab_sim::Time;

use crate::context::{text, use_player, use_ui, PlayerHandle};
use crate::i18n::{seconds, tr, Lang};
use crate::player::{Player, SideView};
use crate::session::snapshot::Snapshot;

/// Message loss the menu offers, per mille.
const LOSS_CHOICES: [u64; 6] = [0, 10, 50, 100, 250, 500];
/// Extra latency the menu offers, µs.
const DELAY_CHOICES_US: [u64; 6] = [0, 10_000, 50_000, 200_000, 1_000_000, 5_000_000];

#[component]
pub fn Controls(speed_step: RwSignal<i32>, help: RwSignal<bool>, first: SideView) -> impl IntoView {
    let ui = use_ui();
    let player = use_player();
    let lang = ui.lang;
    let first_snapshot = first.snapshot;
    let snapshots: Vec<_> = player.with(|p| p.sides.iter().map(|s| s.snapshot).collect());
    let horizon_ms = Memo::new(move |_| {
        snapshots.iter().map(|s| s.with(|s| s.horizon_us.max(s.time_us) / 1_000)).max().unwrap_or(0)
    });
    let seed = player.with(|p| p.view_and_sizes().1);
    view! {
        <section class="panel dock" data-testid="dock">
            <div class="controls">
                <button class="primary" data-testid="play" on:click=move |_| ui.playing.update(|p| *p = !*p)>
                    {move || if ui.playing.get() { tr(lang.get(), "btn.pause") } else { tr(lang.get(), "btn.play") }}
                </button>
                {actions(ACTIONS)}
                <button data-testid="new-seed" class="extra" on:click=move |_| new_seed(player)>
                    {text(lang, "btn.new_seed")}
                </button>
                {ui.both.then(|| actions(FAULTS_ON_BOTH))}
                <CopyButtons/>
                <button data-testid="help" class="extra" aria-expanded=move || help.get().to_string() on:click=move |_| help.update(|h| *h = !*h)>
                    "?"
                </button>
                <Speed speed_step=speed_step/>
                <NetworkChoices first=first/>
                <button data-testid="big" class="extra" aria-pressed=move || ui.big.get().to_string() on:click=move |_| ui.big.update(|b| *b = !*b)>
                    {text(lang, "btn.big")}
                </button>
                <span class="slowmo" class:on=move || first_snapshot.with(|s| s.slow_motion)>
                    {text(lang, "label.slowmo")}
                </span>
                <span class="seed">{text(lang, "label.seed")} " " <code data-testid="seed">{seed}</code></span>
            </div>
            <label class="timeline">
                <span>{text(lang, "label.timeline")}</span>
                <input
                    type="range"
                    min="0"
                    step="1"
                    data-testid="timeline"
                    max=move || horizon_ms.get().to_string()
                    prop:value=move || first_snapshot.with(|s| s.time_us / 1_000).to_string()
                    on:input=move |ev| {
                        if let Ok(ms) = event_target_value(&ev).parse::<u64>() {
                            player.with(|p| p.scrub(Time::from_ms(ms.min(horizon_ms.get_untracked()))));
                        }
                    }
                />
                <output data-testid="timeline-time">
                    {move || format!("{} / {}", seconds(first_snapshot.with(|s| s.time_us / 1_000)), seconds(horizon_ms.get()))}
                </output>
            </label>
            <p class="hint">
                {move || tr(lang.get(), if ui.both { "hint.both" } else { "hint.click" })}
                " "
                <a href="#scenarios" data-testid="to-scenarios" on:click=move |_| super::scenarios::open_list()>
                    {text(lang, "scn.title")}
                </a>
            </p>
            <Show when=move || help.get()>
                {crate::lazy::help(lang)}
            </Show>
        </section>
    }
}

/// A button that acts on the clusters: its test id, its label, its class and what it does.
type Act = (&'static str, &'static str, &'static str, fn(&Player));

/// The first controls after Play, in order.
const ACTIONS: &[Act] = &[
    ("step-back", "btn.step_back", "extra", |p| p.step_back()),
    ("step", "btn.step", "extra", |p| p.step()),
    ("reset", "btn.reset", "", |p| p.reset()),
    ("create-topic", "btn.create_topic", "extra", |p| p.create_topic()),
    ("alter-config", "btn.alter_config", "extra", |p| p.alter_config()),
];

/// Side by side: the same fault on both clusters at the same moment.
const FAULTS_ON_BOTH: &[Act] = &[
    ("crash-controller", "btn.crash_controller", "extra", |p| p.fault(SimNode::Controller)),
    ("crash-leader", "btn.crash_leader", "extra", |p| p.fault(SimNode::Leader)),
    ("isolate-leader", "btn.isolate_leader", "extra", |p| p.isolate_leader()),
];

fn actions(list: &'static [Act]) -> AnyView {
    let lang = use_ui().lang;
    let player = use_player();
    list.iter()
        .map(|&(id, key, class, act)| {
            view! {
                <button data-testid=id class=(!class.is_empty()).then_some(class) on:click=move |_| player.with(|p| act(p))>
                    {text(lang, key)}
                </button>
            }
        })
        .collect_view()
        .into_any()
}

/// A new seed is a new page: the permalink changes with it.
fn new_seed(player: PlayerHandle) {
    let seed = (js_sys::Math::random() * 1_000_000.0) as u64;
    let (view, _, sizes) = player.with(|p| p.view_and_sizes());
    crate::hooks::open(&player.with(|p| p.fresh_link(view, seed, sizes, None)));
}

/// Copy link (to the moment on screen, also while playing) and, outside an embed, Copy embed
/// code. A button says "copied" for a moment.
#[component]
fn CopyButtons() -> impl IntoView {
    let ui = use_ui();
    let player = use_player();
    let lang = ui.lang;
    // Which copy button just copied (its label says so for a moment).
    let copied = RwSignal::new(0_u8);
    let page = || web_sys::window().and_then(|w| w.location().href().ok()).unwrap_or_default();
    view! {
        <button
            data-testid="copy-link"
            class="extra"
            on:click=move |_| {
                let link = player.with(|p| p.address_at_moment());
                let href = page();
                let base = href.split('?').next().unwrap_or_default();
                copy_text(&format!("{base}{link}"), lang.get_untracked(), copied, COPIED_LINK);
            }
        >
            {move || if copied.get() == COPIED_LINK { tr(lang.get(), "btn.copied") } else { tr(lang.get(), "btn.copy_link") }}
        </button>
        {(!ui.embed).then(|| view! {
            <button
                data-testid="copy-embed"
                class="extra"
                on:click=move |_| {
                    let href = page();
                    let sep = if href.contains('?') { "&" } else { "?" };
                    let code = format!(
                        "<iframe src=\"{href}{sep}embed=1\" width=\"480\" height=\"320\" title=\"Quorum Lab\" loading=\"lazy\" style=\"border:0\"></iframe>"
                    );
                    copy_text(&code, lang.get_untracked(), copied, COPIED_EMBED);
                }
            >
                {move || if copied.get() == COPIED_EMBED { tr(lang.get(), "btn.copied_embed") } else { tr(lang.get(), "btn.copy_embed") }}
            </button>
        })}
    }
}

/// The speed slider works in hundredths of a decade: -200 is 0.01×, 0 is 1×, 200 is 100×.
pub fn speed_of(step: i32) -> f64 {
    crate::jsmath::pow(10.0, f64::from(step.clamp(-200, 200)) / 100.0)
}

fn format_speed(step: i32) -> String {
    let hundredths = (speed_of(step) * 100.0).round() as u64;
    if hundredths >= 1_000 {
        format!("{}×", hundredths / 100)
    } else {
        format!("{}.{:02}×", hundredths / 100, hundredths % 100)
    }
}

#[component]
fn Speed(speed_step: RwSignal<i32>) -> impl IntoView {
    let lang = use_ui().lang;
    view! {
        <label class="speed extra">
            <span>{text(lang, "label.speed")}</span>
            <input
                type="range"
                min="-200"
                max="200"
                step="5"
                data-testid="speed"
                prop:value=move || speed_step.get().to_string()
                on:input=move |ev| {
                    if let Ok(v) = event_target_value(&ev).parse::<i32>() {
                        speed_step.set(v.clamp(-200, 200));
                    }
                }
            />
            <output>{move || format_speed(speed_step.get())}</output>
        </label>
    }
}

/// Message loss and extra latency on every link (side by side, on both clusters).
#[component]
fn NetworkChoices(first: SideView) -> impl IntoView {
    let loss = network_select(
        first,
        ("label.loss", "loss"),
        &LOSS_CHOICES,
        |s| u64::from(s.loss_per_mille),
        |p| format!("{}%", p / 10),
        |p| ScenarioAction::LossPerMille(p.min(1_000) as u32),
    );
    let delay = network_select(
        first,
        ("label.delay", "delay"),
        &DELAY_CHOICES_US,
        |s| s.delay_us,
        |us| format_time(Time(us)),
        |us| ScenarioAction::DelayUs(us.min(10_000_000)),
    );
    view! { {loss} {delay} }
}

/// One network setting to choose: its label and test id, the choices, which is in force, how a
/// choice reads, and the action that sets it (taken on every cluster at the same moment).
fn network_select(
    first: SideView,
    (key, id): (&'static str, &'static str),
    choices: &'static [u64],
    now: fn(&Snapshot) -> u64,
    label: fn(u64) -> String,
    action: fn(u64) -> ScenarioAction,
) -> AnyView {
    let lang = use_ui().lang;
    let player = use_player();
    let snapshot = first.snapshot;
    view! {
        <label class="extra">
            <span>{text(lang, key)}</span>
            <select
                data-testid=id
                on:change=move |ev| {
                    if let Ok(choice) = event_target_value(&ev).parse::<u64>() {
                        player.with(|p| p.act_everywhere(action(choice)));
                    }
                }
            >
                {choices
                    .iter()
                    .map(|&choice| view! {
                        <option value=choice.to_string() selected=move || snapshot.with(|s| now(s) == choice)>
                            {label(choice)}
                        </option>
                    })
                    .collect_view()}
            </select>
        </label>
    }
    .into_any()
}

/// Which copy button just copied: its label says so for a moment.
const COPIED_LINK: u8 = 1;
const COPIED_EMBED: u8 = 2;
const COPIED_FOR: std::time::Duration = std::time::Duration::from_secs(2);

/// Put `text` on the clipboard and say so on button `which` for two seconds. A page without a
/// clipboard (served over http from another machine) or a browser that refuses offers the
/// text in a prompt, to copy by hand.
fn copy_text(text: &str, lang: Lang, copied: RwSignal<u8>, which: u8) {
    use wasm_bindgen::JsValue;
    let Some(window) = web_sys::window() else { return };
    let navigator = window.navigator();
    let clipboard = js_sys::Reflect::get(&navigator, &JsValue::from_str("clipboard"));
    if !clipboard.is_ok_and(|c| !c.is_undefined()) {
        let _ = window.prompt_with_message_and_default(tr(lang, "copy.by_hand"), text);
        return;
    }
    let by_hand = text.to_string();
    let refused = wasm_bindgen::closure::Closure::once(move |_: JsValue| {
        copied.set(0);
        if let Some(w) = web_sys::window() {
            let _ = w.prompt_with_message_and_default(tr(lang, "copy.by_hand"), &by_hand);
        }
    });
    let _ = navigator.clipboard().write_text(text).catch(&refused);
    // A one-shot handler: it frees itself once called; if the copy succeeds it is never
    // called, and the promise keeps it.
    refused.forget();
    copied.set(which);
    set_timeout(
        move || {
            // The page may be gone by then (the course's Back opens a new one).
            if copied.try_get_untracked() == Some(which) {
                copied.try_set(0);
            }
        },
        COPIED_FOR,
    );
}
