//! Per cluster: the stopwatch of time without an active controller, messages sent, the votes of
//! an election running, the last metadata-change latency.

use leptos::prelude::*;

use crate::context::{text, use_ui};
use crate::i18n::{seconds, tr, trf};
use crate::session::snapshot::Snapshot;

#[component]
pub fn Stats(snapshot: RwSignal<Snapshot>) -> impl IntoView {
    let lang = use_ui().lang;
    view! {
        <dl class="stats">
            <dt>{text(lang, "stats.without_controller")}</dt>
            <dd data-testid="without-controller">{move || snapshot.with(|s| seconds(s.ms_without_controller))}</dd>
            <dt>{text(lang, "stats.stopwatch")}</dt>
            <dd data-testid="stopwatch">
                {move || {
                    let l = lang.get();
                    snapshot.with(|s| match s.gaps {
                        (Some(now), _) => trf(l, "stopwatch.running", &[&seconds(now)]),
                        (None, Some(last)) => trf(l, "stopwatch.last", &[&seconds(last)]),
                        (None, None) => "–".to_string(),
                    })
                }}
            </dd>
            <dt>{text(lang, "stats.messages")}</dt>
            <dd data-testid="messages">{move || snapshot.with(|s| s.messages)}</dd>
            <dt>{text(lang, "stats.tally")}</dt>
            <dd data-testid="tally">
                {move || {
                    let l = lang.get();
                    let entries: Vec<String> = snapshot.with(|s| {
                        s.nodes
                            .iter()
                            .filter_map(|v| {
                                let (votes, needed) = v.tally?;
                                Some(trf(l, "tally.entry", &[&v.name(), &votes.to_string(), &needed.to_string()]))
                            })
                            .collect()
                    });
                    if entries.is_empty() { tr(l, "tally.none").to_string() } else { entries.join(" · ") }
                }}
            </dd>
            <dt>{text(lang, "stats.latency")}</dt>
            <dd data-testid="latency">
                {move || snapshot.with(|s| s.last_metadata_latency_ms.map_or_else(|| "–".to_string(), |ms| format!("{ms} ms")))}
            </dd>
        </dl>
    }
}
