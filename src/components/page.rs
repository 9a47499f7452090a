//! The page: one cluster or two side by side (ZooKeeper and KRaft on one seed and one virtual
//! clock), each a stage with its panels, the controls docked under the stages, then narration,
//! details and the ready-made scenarios. It makes the player and hands it, with the page's
//! settings, to every component through context.

use std::rc::Rc;

use leptos::html;
use leptos::prelude::*;

use super::controls::Controls;
use super::details::Details;
use super::header::Header;
use super::narration::Narration;
use super::problems::Problems;
use super::scenarios::{ScenarioNow, Scenarios};
use super::side::Side;
use crate::context::{PlayerHandle, Ui};
use crate::hooks;
use crate::i18n::Lang;
use crate::link::Problem;
use crate::player::{Player, SideView};
use crate::scenarios;
use crate::session::lab::Lab;

#[component]
pub fn Page(
    labs: Vec<Lab>,
    lang: RwSignal<Lang>,
    problems: Vec<Problem>,
    start_playing: bool,
    embed: bool,
    big: bool,
    /// A course step's panel, shown beside the stages (the page is then the course's).
    #[prop(optional)]
    lesson: Option<ViewFn>,
    /// The address the page keeps (the course's), instead of the clusters' permalink.
    #[prop(optional)]
    pinned: Option<Rc<dyn Fn() -> String>>,
) -> impl IntoView {
    // The ready-made scenario this address opens, if any (read before the page rewrites it).
    let preset = scenarios::current(&hooks::location_search());
    let sides: Vec<SideView> = labs.into_iter().map(SideView::new).collect();
    let ui = Ui {
        lang,
        big: RwSignal::new(big),
        playing: RwSignal::new(start_playing),
        embed,
        both: sides.len() > 1,
        course: lesson.is_some(),
        later: RwSignal::new(false),
    };
    let speed_step = RwSignal::new(0_i32);
    let speed = Memo::new(move |_| super::controls::speed_of(speed_step.get()));
    let mut player = Player::new(sides.clone(), ui.playing, speed, lang, ui.big, embed);
    player.pinned = pinned;
    let player = PlayerHandle(StoredValue::new_local(Rc::new(player)));
    provide_context(ui);
    provide_context(player);
    on_cleanup(move || player.with(|p| p.close()));

    let help = RwSignal::new(false);
    let stages_ref = NodeRef::<html::Div>::new();
    start_when_drawn(ui, player, sides.iter().map(|s| s.canvas).collect());
    follow_settings(ui, player);
    hooks::use_shortcuts(ui, player, help);
    hooks::use_visibility(player);
    hooks::use_embed_in_view(ui, player, stages_ref);

    let stages = sides.iter().enumerate().map(|(k, side)| view! { <Side side=*side index=k/> }).collect_view();
    let first = sides[0];
    let later = ui.later;
    view! {
        <main class="app" class:both=ui.both class:embed=embed class:big=move || ui.big.get() class:course=ui.course>
            <Header/>
            {(!problems.is_empty()).then(|| view! { <Problems problems=problems.clone()/> })}
            {lesson.map(|lesson| lesson.run())}
            {preset.map(|i| view! { <ScenarioNow preset=i/> })}
            <div class="sides stages" node_ref=stages_ref>{stages}</div>
            <Show when=move || later.get()>
                <Controls speed_step=speed_step help=help first=first/>
                <div class="sides">{sides.iter().map(|side| view! { <Narration side=*side/> }).collect_view()}</div>
                <div class="sides">{sides.iter().map(|side| view! { <Details side=*side/> }).collect_view()}</div>
                {(!embed && !ui.course).then(|| view! { <Scenarios current=preset/> })}
            </Show>
        </main>
    }
}

/// What a page opens with.
pub struct Opened {
    pub labs: Vec<Lab>,
    pub lang: RwSignal<Lang>,
    pub problems: Vec<Problem>,
    pub start_playing: bool,
    pub embed: bool,
    pub big: bool,
}

/// The page, built in one place for the app and the course: each `view!` that names a component
/// is a copy of that component's code in the download.
#[inline(never)]
pub fn page_view(opened: Opened, lesson: Option<ViewFn>, pinned: Option<Rc<dyn Fn() -> String>>) -> AnyView {
    let Opened { labs, lang, problems, start_playing, embed, big } = opened;
    Page(PageProps { labs, lang, problems, start_playing, embed, big, lesson, pinned }).into_any()
}

/// Start once the canvases exist; restart when play is pressed. The controls and the panels
/// are built after the first frame is on screen: the first layout, which drawing forces, then
/// covers only the header and the stages, so the picture appears sooner.
fn start_when_drawn(ui: Ui, player: PlayerHandle, canvases: Vec<NodeRef<html::Canvas>>) {
    let later = ui.later;
    Effect::new(move |_| {
        if later.get() {
            // The page may have grown a scrollbar: measure the stages again, draw the charts.
            player.with(|p| {
                p.draw();
                p.draw_charts(true);
            });
        }
    });
    Effect::new(move |_| {
        let ready = canvases.iter().all(|c| c.get().is_some());
        let play = ui.playing.get();
        if !ready {
            return;
        }
        if !later.get_untracked() {
            // After the first picture (drawn by the worker, as a rule) and the page's next
            // paint: an animation frame, then a task (or a quarter second, where frames are held
            // back: an embed out of view).
            // Either may come after this page is gone (the course opens a new page for Back at
            // once): then there is nothing to show.
            let show = move || {
                if later.try_get_untracked() == Some(false) {
                    later.try_set(true);
                }
            };
            crate::canvas::worker::after_first_picture(move || {
                let _ = request_animation_frame_with_handle(move || set_timeout(show, std::time::Duration::ZERO));
            });
            set_timeout(show, std::time::Duration::from_millis(250));
        }
        player.with(|p| {
            p.draw();
            if play {
                p.resume();
            } else {
                p.publish(true);
            }
        });
    });
}

/// The language and large text: the page's `lang` attribute, the address, and what the canvases
/// draw. (Their first run is at mount: the start effect draws then, once.)
fn follow_settings(ui: Ui, player: PlayerHandle) {
    Effect::new(move |first: Option<()>| {
        let l = ui.lang.get();
        if let Some(root) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.document_element()) {
            let _ = root.set_attribute("lang", l.code());
        }
        redraw(player, first.is_some());
    });
    Effect::new(move |first: Option<()>| {
        let _ = ui.big.get();
        redraw(player, first.is_some());
    });
}

/// The address again and, after the first run, the stages and charts.
fn redraw(player: PlayerHandle, again: bool) {
    player.with(|p| {
        hooks::replace_url(&p.address());
        if again {
            p.draw();
            p.draw_charts(true);
        }
    });
}
