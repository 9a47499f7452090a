//! One cluster: its heading (with its sizes to choose), its stage (the canvases and a focusable
//! button over each node, for the mouse, the keyboard and screen readers) and, once the first
//! picture is on screen, its chart, stats, legend, inspector, network tool and model notes.

use leptos::prelude::*;
use quorumlab_sim::cluster::{NodeKind, NodeView};
use quorumlab_sim::setup::Mode;

use super::inspector::Inspector;
use super::legend::Legend;
use super::network::NetworkTool;
use super::stats::Stats;
use crate::canvas::{layout, node_detail, vote_of, KRAFT_LEGEND, ZK_LEGEND};
use crate::context::{text, use_player, use_ui};
use crate::i18n::{role_key, tr, trf, Lang};
use crate::link::{Sizes, CONTROLLER_CHOICES, ENSEMBLE_CHOICES, MAX_BROKERS};
use crate::player::SideView;

#[component]
pub fn Side(side: SideView, index: usize) -> impl IntoView {
    let ui = use_ui();
    let lang = ui.lang;
    let legend = if side.mode == Mode::Kraft { KRAFT_LEGEND } else { ZK_LEGEND };
    let about = if side.mode == Mode::Kraft { "about.kraft" } else { "about.zk" };
    let about_opened = RwSignal::new(false);
    view! {
        <section class="panel side" data-side=side.mode.as_str()>
            <div class="side-head">
                <h2 class="mode" data-testid="mode">{text(lang, side.mode_key())}</h2>
                // In the first picture, so that nothing moves when the panels come (and laid out as
                // index.html's shell lays them out).
                {(!ui.embed).then(|| view! { <SizeChoice side=side/> })}
            </div>
            <Stage side=side index=index/>
            <Show when=move || ui.later.get()>
                {(!ui.embed).then(|| view! {
                    <canvas
                        class="chart"
                        data-testid="chart"
                        node_ref=side.chart
                        role="img"
                        aria-label=text(lang, "chart.title")
                        style="display:block;width:100%;height:240px;margin-top:8px;border-radius:8px"
                    ></canvas>
                })}
                <Stats snapshot=side.snapshot/>
                <Legend entries=legend/>
                <Inspector side=side/>
                <NetworkTool side=side index=index/>
                <details class="about" data-testid="about" on:toggle=move |_| super::opened_once(about_opened)>
                    <summary>{text(lang, "about.title")}</summary>
                    {move || about_opened.get().then(|| crate::lazy::about(about, lang))}
                </details>
            </Show>
        </section>
    }
}

/// The stage: the poster, the back and front canvases, the partition banner, the node buttons.
#[component]
fn Stage(side: SideView, index: usize) -> impl IntoView {
    let lang = use_ui().lang;
    let player = use_player();
    let snapshot = side.snapshot;
    let lab = side.lab;
    let node = move |i: usize, f: &dyn Fn(&NodeView, &[NodeView]) -> String| {
        snapshot.with(|s| s.nodes.get(i).map(|v| f(v, &s.nodes)).unwrap_or_default())
    };
    let position = move |i: usize| {
        lab.with_value(|lab| {
            let mut pos = Vec::new();
            layout::positions(&lab.views, &mut pos);
            pos.get(i).copied().unwrap_or((0.5, 0.5))
        })
    };
    view! {
        <div class="stage" data-testid="stage">
            <canvas node_ref=side.poster class="poster" aria-hidden="true"></canvas>
            <canvas node_ref=side.canvas class="back" aria-hidden="true"></canvas>
            <canvas node_ref=side.front class="front" aria-hidden="true"></canvas>
            <Show when=move || snapshot.with(|s| s.cut.iter().any(|c| *c != 0))>
                <p class="cut-banner" data-testid="partition">
                    {move || {
                        let groups = snapshot.with(|s| partition_groups(&s.nodes, &s.cut));
                        trf(lang.get(), "partition.banner", &[&groups])
                    }}
                </p>
            </Show>
            <For each=move || 0..side.node_count key=|i| *i let:i>
                <button
                    class="node-hit"
                    data-node=move || node(i, &|v, _| v.name())
                    data-role=move || node(i, &|v, _| v.role.slug().to_string())
                    data-cut=move || snapshot.with(|s| s.cut.get(i).copied().unwrap_or(0).min(4).to_string())
                    data-spot=move || snapshot.with(|s| s.spotlight.contains(&i)).then_some("1")
                    style:left=move || percent(position(i).0)
                    style:top=move || percent(position(i).1)
                    aria-label=move || node(i, &|v, _| node_label(lang.get(), v))
                    title=move || node(i, &|v, all| node_description(lang.get(), v, all))
                    on:click=move |_| player.with(|p| p.toggle(index, i))
                ></button>
            </For>
        </div>
    }
}

/// The cluster's sizes (controllers or ZooKeeper servers, and brokers): each choice opens a
/// fresh run with the same seed. Side by side both clusters have as many brokers: either
/// choice sets both.
#[component]
fn SizeChoice(side: SideView) -> impl IntoView {
    let player = use_player();
    let (view, seed, sizes) = player.with(|p| p.view_and_sizes());
    let open = move |sizes: Sizes| crate::hooks::open(&player.with(|p| p.fresh_link(view, seed, sizes, None)));
    let quorum = match side.mode {
        Mode::Kraft => {
            size_select("size.controllers", "size-controllers", &CONTROLLER_CHOICES, sizes.controllers, move |n| {
                open(Sizes { controllers: n, ..sizes })
            })
        }
        Mode::Zk => size_select("size.ensemble", "size-ensemble", &ENSEMBLE_CHOICES, sizes.ensemble, move |n| {
            open(Sizes { ensemble: n, ..sizes })
        }),
    };
    let brokers = size_select("size.brokers", "size-brokers", &BROKER_CHOICES, sizes.brokers, move |n| {
        open(Sizes { brokers: n, ..sizes })
    });
    // The partition ceiling, live: a ZooKeeper-mode controller reads every partition's state
    // before it acts; KRaft's standby controllers already hold them.
    let partitions =
        size_select("size.partitions", "size-partitions", &PARTITION_CHOICES, sizes.partitions as usize, move |n| {
            open(Sizes { partitions: n as u32, ..sizes })
        });
    view! { <div class="sizes">{quorum}{brokers}{partitions}</div> }
}

/// The initial topic's partitions a page offers (the address takes any count up to the
/// scenario limit).
const PARTITION_CHOICES: [usize; 7] = [0, 6, 1_000, 10_000, 100_000, 1_000_000, 2_000_000];

/// Every number of brokers a page may show.
const BROKER_CHOICES: [usize; MAX_BROKERS + 1] = {
    let mut choices = [0; MAX_BROKERS + 1];
    let mut n = 0;
    while n <= MAX_BROKERS {
        choices[n] = n;
        n += 1;
    }
    choices
};

/// One cluster size to choose; picking one calls `pick`.
fn size_select(
    key: &'static str,
    id: &'static str,
    choices: &'static [usize],
    now: usize,
    pick: impl Fn(usize) + 'static,
) -> AnyView {
    let lang = use_ui().lang;
    view! {
        <label>
            <span>{text(lang, key)}</span>
            <select
                data-testid=id
                on:change=move |ev| {
                    if let Ok(n) = event_target_value(&ev).parse::<usize>() {
                        pick(n);
                    }
                }
            >
                {choices.iter().map(|&n| view! { <option value=n.to_string() selected=n == now>{n.to_string()}</option> }).collect_view()}
            </select>
        </label>
    }
    .into_any()
}

/// A fraction as a CSS percentage with two decimals, without float formatting (which costs
/// download size).
fn percent(fraction: f64) -> String {
    let hundredths = (fraction * 10_000.0).round() as i64;
    format!("{}.{:02}%", hundredths / 100, hundredths.rem_euclid(100))
}

/// A node's accessible name: its id, role and epoch (and whether it is the Kafka controller).
/// It changes only with them, so a screen reader does not re-read a focused node at every
/// record; what moves faster is in [`node_description`].
fn node_label(lang: Lang, v: &NodeView) -> String {
    if !v.alive {
        return trf(lang, "node.down", &[&v.name()]);
    }
    let mut label = trf(lang, "node.label", &[&v.name(), tr(lang, role_key(v.role)), &v.epoch.to_string()]);
    if v.kind == NodeKind::Broker && v.is_controller {
        label.push_str(", ");
        label.push_str(tr(lang, "label.controller"));
    }
    label
}

/// The rest of what the stage shows under a node (log end offset and high watermark, zxid, its
/// vote): the node's accessible description and tooltip.
fn node_description(lang: Lang, v: &NodeView, views: &[NodeView]) -> String {
    if v.kind == NodeKind::Broker || !v.alive {
        return String::new();
    }
    node_detail(lang, v, vote_of(v, views))
}

/// `c1 | c2, c3, b1`: the nodes of each side of a partition (those it does not name last).
fn partition_groups(nodes: &[NodeView], cut: &[u8]) -> String {
    let mut sides: Vec<u8> = cut.iter().copied().filter(|c| *c != 0).collect();
    quorumlab_sim::sorted::insertion_sort_by(&mut sides, |a, b| a < b);
    sides.dedup();
    let names = |side: u8| -> String {
        let picked: Vec<String> = nodes.iter().zip(cut).filter(|(_, c)| **c == side).map(|(v, _)| v.name()).collect();
        picked.join(", ")
    };
    let mut groups: Vec<String> = sides.into_iter().map(names).collect();
    if cut.contains(&0) {
        groups.push(names(0));
    }
    groups.join(" | ")
}
