//! The course (its data and replays live in `src/course`): it fetches the course's files when
//! opened, keeps the chapter and step (in the address and the browser's storage), and shows
//! each step's panel beside a live stage whose clusters the step opens. Next within a chapter
//! goes on with the same clusters (what the student did stays); Back opens the previous step's
//! moment again by replay; a chapter, or a step opened from an address, is prepared by
//! replaying the steps before it as a student who did each would have.

use std::rc::Rc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use super::page::{page_view, Opened};
use crate::context::{text, use_player, use_ui, PlayerHandle};
use crate::course::{run, terms, Chapter, Course, Entry, Kind, Piece, Step, Target, Texts, DIR};
use crate::hooks;
use crate::i18n::{tr, trf, Lang};
use crate::link::{Link, Problem};
use crate::session::lab::Lab;
use crate::session::open::open_labs;

/// Where the browser remembers the student's place.
const STORAGE_KEY: &str = "quorumlab.course";
/// The course's first chapter: where the header's Course link starts a new student.
pub const FIRST_CHAPTER: &str = "coordination";

// Where the current step stands (a `u8` signal: the page already has that type's code; each new
// signal type adds its own to the download).
/// Waiting for what the step asks (a task, a question's answer, something to happen).
const WAITING: u8 = 0;
/// A question answered (or revealed), playing until the answer shows.
const ANSWERED: u8 = 1;
const DONE: u8 = 2;

/// A step as it was when it opened: Back returns there by replaying this address.
#[derive(Clone)]
struct Saved {
    at: (usize, usize),
    query: String,
    entries: Vec<Entry>,
}

/// The clusters a page opens with, and what to tell the person about them.
type Opening = (Vec<Lab>, Vec<Problem>);

/// The course's state, shared with the step's panel (which lives inside the page it opens).
#[derive(Clone, Copy)]
struct CourseCtx {
    course: StoredValue<Rc<Course>, LocalStorage>,
    texts: StoredValue<Option<Rc<Texts>>, LocalStorage>,
    /// Bumped when `texts` arrive (the words in another language).
    texts_seen: RwSignal<u8>,
    /// Chapter and step shown, as `chapter * 100 + step` (see [`CourseCtx::place`]).
    at: RwSignal<Option<usize>>,
    status: RwSignal<u8>,
    entries: StoredValue<Vec<Entry>, LocalStorage>,
    trail: StoredValue<Vec<Saved>, LocalStorage>,
    /// The clusters the next page opens with, and what to tell the person about them.
    staged: StoredValue<Option<Opening>, LocalStorage>,
    /// A new page (new clusters) each time this changes.
    mount: RwSignal<u8>,
    start_playing: RwSignal<bool>,
    lang: RwSignal<Lang>,
}

impl CourseCtx {
    /// Chapter and step shown (tracked).
    fn place(&self) -> (usize, usize) {
        split(self.at.get())
    }

    fn place_untracked(&self) -> (usize, usize) {
        split(self.at.get_untracked())
    }

    fn set_place(&self, c: usize, s: usize) {
        self.at.set(Some(c * 100 + s));
    }

    /// The paragraphs under `key` in the current language (tracked: they change with it).
    fn words(&self, key: &str) -> Vec<String> {
        let _ = self.texts_seen.get();
        self.texts.with_value(|t| t.as_ref().map(|t| t.all(key).to_vec()).unwrap_or_default())
    }

    fn one(&self, key: &str) -> String {
        self.words(key).into_iter().next().unwrap_or_default()
    }

    fn step(&self) -> Option<Step> {
        let (c, s) = self.place_untracked();
        self.course.with_value(|course| course.chapters.get(c).and_then(|ch| ch.steps.get(s).cloned()))
    }

    fn chapter(&self, c: usize) -> Option<Chapter> {
        self.course.with_value(|course| course.chapters.get(c).cloned())
    }

    /// Open chapter `c` at step `s` on fresh clusters, the steps before done by replay.
    fn open(&self, c: usize, s: usize, mut problems: Vec<Problem>) {
        let Some(chapter) = self.chapter(c) else { return };
        let s = s.min(chapter.steps.len().saturating_sub(1));
        let (labs, entries, s) = match run::prepare(&chapter, s) {
            Ok((labs, entries)) => (labs, entries, s),
            Err(e) => {
                problems.push(Problem::new("course.replay_failed", &[&e]));
                match run::prepare(&chapter, 0) {
                    Ok((labs, entries)) => (labs, entries, 0),
                    Err(e) => {
                        problems.push(Problem::new("course.replay_failed", &[&e]));
                        return;
                    }
                }
            }
        };
        self.trail.set_value(Vec::new());
        self.show(c, s, labs, entries, problems);
    }

    /// A new page with these clusters at chapter `c`, step `s`.
    fn show(&self, c: usize, s: usize, labs: Vec<Lab>, entries: Vec<Entry>, problems: Vec<Problem>) {
        self.set_place(c, s);
        self.entries.set_value(entries);
        let kind = self.step().map(|st| st.kind);
        self.status.set(initial(kind.as_ref()));
        self.start_playing.set(!matches!(kind, Some(Kind::Ask { .. })) && !hooks::prefers_reduced_motion());
        self.staged.set_value(Some((labs, problems)));
        self.mount.update(|m| *m = m.wrapping_add(1));
    }

    /// Back: the previous step's moment again, by replay of the address saved when it opened
    /// (or, with none saved, as an address to it would open it).
    fn back(&self) {
        let (c, s) = self.place_untracked();
        let mut trail = self.trail.get_value();
        trail.pop();
        self.trail.set_value(trail.clone());
        if let Some(saved) = trail.last().cloned() {
            let (link, mut problems) = Link::parse(&saved.query);
            if let Ok(mut labs) = open_labs(&link, &mut problems) {
                let (pc, ps) = saved.at;
                if let Some(step) = self.chapter(pc).and_then(|ch| ch.steps.get(ps).cloned()) {
                    for (lab, entry) in labs.iter_mut().zip(&saved.entries) {
                        lab.spotlight = run::spotlight(&lab.views, &step, entry);
                        lab.spot_msgs = step.msgs.clone();
                    }
                }
                // The page saves this step again when it opens.
                self.trail.update_value(|t| {
                    t.pop();
                });
                self.show(pc, ps, labs, saved.entries, problems);
                return;
            }
        }
        if s > 0 {
            self.open(c, s - 1, Vec::new());
        } else if c > 0 {
            let last = self.chapter(c - 1).map_or(0, |ch| ch.steps.len().saturating_sub(1));
            self.open(c - 1, last, Vec::new());
        }
    }

    fn address(&self) -> String {
        let (c, s) = self.place_untracked();
        let id = self.course.with_value(|course| course.chapters.get(c).map(|ch| ch.id.clone())).unwrap_or_default();
        let link = Link { lang: Some(self.lang.get()), course: Some((id, s)), ..Link::default() };
        link.course_query()
    }
}

fn initial(kind: Option<&Kind>) -> u8 {
    match kind {
        Some(Kind::Read) | None => DONE,
        _ => WAITING,
    }
}

fn split(at: Option<usize>) -> (usize, usize) {
    let at = at.unwrap_or(0);
    (at / 100, at % 100)
}

/// Fetch a text file next to the page.
async fn fetch_text(path: String) -> Result<String, String> {
    let window = web_sys::window().ok_or("no window")?;
    let js = |e: wasm_bindgen::JsValue| e.as_string().unwrap_or_else(|| format!("{path}: network error"));
    let response = JsFuture::from(window.fetch_with_str(&path)).await.map_err(js)?;
    let response: web_sys::Response = response.dyn_into().map_err(|_| format!("{path}: not a response"))?;
    if !response.ok() {
        return Err(format!("{path}: HTTP {}", response.status()));
    }
    let text = JsFuture::from(response.text().map_err(js)?).await.map_err(js)?;
    text.as_string().ok_or_else(|| format!("{path}: not text"))
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window().and_then(|w| w.local_storage().ok().flatten())
}

/// Where the header's Course link goes: where the student left off, else the beginning.
pub fn course_address(lang: Lang) -> String {
    let kept = storage().and_then(|s| s.get_item(STORAGE_KEY).ok().flatten());
    let kept = kept.filter(|q| Link::parse(q).0.course.is_some());
    kept.unwrap_or_else(|| format!("?course={FIRST_CHAPTER}&step=1&lang={}", lang.code()))
}

#[component]
pub fn CourseView(link: Link, lang: RwSignal<Lang>, problems: Vec<Problem>) -> impl IntoView {
    let ctx = CourseCtx {
        course: StoredValue::new_local(Rc::new(Course::default())),
        texts: StoredValue::new_local(None),
        texts_seen: RwSignal::new(0),
        at: RwSignal::new(None),
        status: RwSignal::new(DONE),
        entries: StoredValue::new_local(Vec::new()),
        trail: StoredValue::new_local(Vec::new()),
        staged: StoredValue::new_local(None),
        mount: RwSignal::new(0),
        start_playing: RwSignal::new(false),
        lang,
    };
    provide_context(ctx);
    let failed = RwSignal::new(None::<String>);
    let (big, embed) = (link.big, link.embed);
    let (wanted, wanted_step) = link.course.clone().unwrap_or_default();

    // The structure once; the words again whenever the language changes.
    spawn_local(async move {
        let parsed =
            fetch_text(format!("{DIR}course.txt")).await.and_then(|t| Course::parse(&t).map_err(|e| e.to_string()));
        match parsed {
            Ok(course) => {
                let mut problems = problems;
                let c = course.chapter(&wanted).unwrap_or_else(|| {
                    problems.push(Problem::new("param.bad_course", &[&wanted]));
                    0
                });
                let s = if course.chapter(&wanted).is_some() { wanted_step } else { 0 };
                ctx.course.set_value(Rc::new(course));
                ctx.open(c, s, problems);
            }
            Err(e) => failed.set(Some(e)),
        }
    });
    Effect::new(move |_| {
        let l = lang.get();
        spawn_local(async move {
            match fetch_text(format!("{DIR}{}.txt", l.code())).await {
                Ok(t) => match Texts::parse(&format!("{}.txt", l.code()), &t) {
                    Ok(texts) => {
                        ctx.texts.set_value(Some(Rc::new(texts)));
                        ctx.texts_seen.update(|n| *n = n.wrapping_add(1));
                    }
                    Err(e) => failed.set(Some(e.to_string())),
                },
                Err(e) => failed.set(Some(e)),
            }
        });
    });
    // The place, in the address and in the browser's memory.
    Effect::new(move |_| {
        let _ = (ctx.at.get(), lang.get());
        let q = ctx.address();
        if ctx.mount.get() > 0 {
            hooks::replace_url(&q);
            if let Some(s) = storage() {
                let _ = s.set_item(STORAGE_KEY, &q);
            }
        }
    });

    move || {
        if let Some(e) = failed.get() {
            let sandbox = format!("?lang={}", lang.get_untracked().code());
            return view! {
                <main class="app">
                    <div class="problems" role="alert" data-testid="problems">
                        <p>{move || trf(lang.get(), "course.failed", &[&e])}</p>
                        <p><a href=sandbox>{text(lang, "course.sandbox")}</a></p>
                    </div>
                </main>
            }
            .into_any();
        }
        // A new page for new clusters: keyed, so its stages get new canvases (a canvas handed to
        // the drawing worker cannot be handed over again, and a re-rendered view would keep it).
        let page = move |_: u8| {
            let Some((labs, problems)) = ctx.staged.try_update_value(|s| s.take()).flatten() else {
                return view! { <main class="app"><p class="loading" data-testid="course-loading">{text(lang, "course.loading")}</p></main> }
                    .into_any();
            };
            let lesson = ViewFn::from(move || view! { <Lesson/> });
            let start = ctx.start_playing.get_untracked();
            let pinned: Rc<dyn Fn() -> String> = Rc::new(move || ctx.address());
            page_view(Opened { labs, lang, problems, start_playing: start, embed, big }, Some(lesson), Some(pinned))
        };
        view! { <For each=move || [ctx.mount.get()] key=|m| *m children=page/> }.into_any()
    }
}

/// Where the student is: (chapter, step, chapters, steps in this chapter).
fn counts(ctx: CourseCtx) -> (usize, usize, usize, usize) {
    let (c, s) = ctx.place();
    let (chapters, steps) = ctx.course.with_value(|course| (course.chapters.len(), course.chapters[c].steps.len()));
    (c, s, chapters, steps)
}

/// The step's panel: where the student is, the step's words, what it asks, Back and Next.
#[component]
fn Lesson() -> impl IntoView {
    let ctx = expect_context::<CourseCtx>();
    let ui = use_ui();
    let player = use_player();
    let lang = ui.lang;
    // This page's step, saved for Back (once per page: Next saves the steps it opens itself).
    let at = ctx.place_untracked();
    if ctx.trail.with_value(|t| t.last().is_none_or(|s| s.at != at)) {
        save(ctx, player);
    }
    watch_done(ctx, player);
    use_step_keys(ctx, player);

    let words = move |key: String| ctx.words(&key);
    let one = move |key: String| ctx.one(&key);
    let key = move |what: &str| {
        let (c, s) = ctx.place();
        ctx.course.with_value(|course| {
            let ch = &course.chapters[c];
            format!("{}.{}.{what}", ch.id, ch.steps[s].id)
        })
    };
    let counts = move || counts(ctx);
    let chapter_title = move || {
        let (c, ..) = counts();
        let id = ctx.course.with_value(|course| course.chapters[c].id.clone());
        one(format!("{id}.title"))
    };
    let kind = move || {
        let _ = ctx.at.get();
        ctx.step().map(|s| s.kind).unwrap_or(Kind::Read)
    };
    let done = move || ctx.status.get() == DONE;
    let next_label = move || {
        let waiting = ctx.status.get() == WAITING;
        let l = lang.get();
        if waiting && !matches!(kind(), Kind::Read) {
            tr(l, "course.show")
        } else {
            tr(l, "course.next")
        }
    };
    let at_end = move || {
        let (c, s, chapters, steps) = counts();
        c + 1 == chapters && s + 1 == steps
    };
    let at_start = move || counts().0 == 0 && counts().1 == 0;

    let step_id = move || {
        let (c, s) = ctx.place();
        ctx.course.with_value(|course| format!("{}.{}", course.chapters[c].id, course.chapters[c].steps[s].id))
    };
    let status = move || match ctx.status.get() {
        WAITING => "waiting",
        ANSWERED => "answered",
        _ => "done",
    };
    view! {
        <aside class="panel lesson" data-testid="lesson" data-step=step_id data-status=status aria-labelledby="lesson-title">
            <Contents/>
            <TextProblems/>
            <p class="where">
                {move || {
                    let (c, s, chapters, steps) = counts();
                    let l = lang.get();
                    let chapter = trf(l, "course.chapter", &[&(c + 1).to_string(), &chapters.to_string()]);
                    format!("{chapter} · {}", trf(l, "course.step", &[&(s + 1).to_string(), &steps.to_string()]))
                }}
            </p>
            <h2 id="lesson-title" data-testid="lesson-title">{chapter_title}</h2>
            <div class="lesson-text" data-testid="lesson-text" aria-live="polite">
                {move || words(key("text")).into_iter().map(|p| view! { <p>{paragraph(p, ctx, player)}</p> }).collect_view()}
                {move || match kind() {
                    Kind::Read => ().into_any(),
                    Kind::Watch { .. } => view! { <Ask title="course.watch" key=key("text") body=None/> }.into_any(),
                    Kind::Task { .. } => view! { <Ask title="course.your_turn" key=key("task") body=Some(one(key("task")))/> }.into_any(),
                    Kind::Ask { options, answer, .. } => {
                        view! { <Question question=one(key("ask")) options=options answer=answer key=key("opt")/> }.into_any()
                    }
                }}
                {move || {
                    let after = done() && !matches!(kind(), Kind::Read);
                    after.then(|| view! { <p class="after" data-testid="lesson-after">{paragraph(one(key("after")), ctx, player)}</p> })
                }}
            </div>
            <SeeExperiment/>
            <div class="lesson-nav">
                <button data-testid="course-back" disabled=at_start on:click=move |_| ctx.back()>{text(lang, "course.back")}</button>
                <button class="primary" data-testid="course-next" disabled=move || at_end() && done() on:click=move |_| next(ctx, player)>
                    {next_label}
                </button>
                <button data-testid="course-free" on:click=move |_| hooks::open(&player.with(|p| p.address_at_moment()))>
                    {text(lang, "course.free")}
                </button>
            </div>
            <p class="keys">{text(lang, "course.keys")}</p>
        </aside>
    }
}

/// What is wrong with the course's words, checked against its structure (loaded by now,
/// whichever file came first): at most three problems, in one alert.
#[component]
fn TextProblems() -> impl IntoView {
    let ctx = expect_context::<CourseCtx>();
    let lang = use_ui().lang;
    move || {
        let _ = ctx.texts_seen.get();
        let problems = ctx.texts.with_value(|t| ctx.course.with_value(|c| t.as_ref().map(|t| t.check(c))));
        let problems = problems.unwrap_or_default();
        (!problems.is_empty()).then(|| {
            let shown = problems.iter().take(3).cloned().collect::<Vec<_>>().join("; ");
            view! { <p class="problems" role="alert">{move || trf(lang.get(), "course.bad_text", &[&shown])}</p> }
        })
    }
}

/// The step's link to an experiment (`see experiments …` in course.txt), if it has one.
#[component]
fn SeeExperiment() -> impl IntoView {
    let ctx = expect_context::<CourseCtx>();
    let lang = use_ui().lang;
    move || {
        let _ = ctx.at.get();
        ctx.step().and_then(|s| s.see).map(|e| {
            let href =
                move || Link { lang: Some(lang.get()), experiments: Some(e), ..Link::default() }.experiments_query();
            view! { <p class="see"><a data-testid="lesson-see" href=href>{text(lang, "course.see_experiment")}</a></p> }
        })
    }
}

/// What a step that waits asks, and whether it has happened.
#[component]
fn Ask(title: &'static str, key: String, body: Option<String>) -> impl IntoView {
    let ctx = expect_context::<CourseCtx>();
    let lang = use_ui().lang;
    let player = use_player();
    let _ = key;
    view! {
        <div class="ask" data-testid="lesson-ask">
            <strong>{text(lang, title)}</strong>
            {body.map(|b| view! { <p>{paragraph(b, ctx, player)}</p> })}
            <p class="state" data-testid="lesson-state">
                {move || if ctx.status.get() == DONE { tr(lang.get(), "course.done") } else { tr(lang.get(), "course.waiting") }}
            </p>
        </div>
    }
}

/// Predict, then see: the options as buttons; the choice plays the simulation to the answer.
#[component]
fn Question(question: String, options: Vec<String>, answer: String, key: String) -> impl IntoView {
    let ctx = expect_context::<CourseCtx>();
    let ui = use_ui();
    let lang = ui.lang;
    let label = move |o: &str| {
        if Target::parse(o).is_ok() {
            return o.to_string();
        }
        ctx.one(&format!("{key}.{o}"))
    };
    let answered = move || ctx.status.get() != WAITING;
    let choice_kept = RwSignal::new(None::<String>);
    let answer_label = label(&answer);
    let buttons = options
        .iter()
        .map(|o| {
            let o = o.clone();
            let shown = label(&o);
            let mine = o.clone();
            let pressed = move || (choice_kept.get().as_deref() == Some(mine.as_str())).to_string();
            view! {
                <button
                    class="option"
                    data-testid="lesson-option"
                    data-option=o.clone()
                    aria-pressed=pressed
                    disabled=answered
                    on:click=move |_| {
                        choice_kept.set(Some(o.clone()));
                        ctx.status.set(ANSWERED);
                        ui.playing.set(true);
                    }
                >
                    {shown}
                </button>
            }
        })
        .collect_view();
    let feedback = move || {
        let choice = choice_kept.get()?;
        let l = lang.get();
        Some(if choice == answer {
            tr(l, "course.right").to_string()
        } else {
            trf(l, "course.wrong", &[&answer_label])
        })
    };
    view! {
        <div class="ask" data-testid="lesson-ask">
            <strong>{text(lang, "course.predict")}</strong>
            <p>{paragraph(question, ctx, use_player())}</p>
            <div class="options" role="group">{buttons}</div>
            <p class="state" data-testid="lesson-feedback">{feedback}</p>
        </div>
    }
}

/// The chapters, each a door to its first step.
#[component]
fn Contents() -> impl IntoView {
    let ctx = expect_context::<CourseCtx>();
    let lang = use_ui().lang;
    let ids: Vec<String> = ctx.course.with_value(|c| c.chapters.iter().map(|ch| ch.id.clone()).collect());
    view! {
        <details class="contents">
            <summary>{text(lang, "course.contents")}</summary>
            <ol>
                {ids
                    .into_iter()
                    .enumerate()
                    .map(|(i, id)| {
                        let title = move || ctx.one(&format!("{id}.title"));
                        let current = move || (ctx.place().0 == i).then_some("step");
                        view! {
                            <li>
                                <button class="link" data-testid="course-chapter" aria-current=current on:click=move |_| ctx.open(i, 0, Vec::new())>
                                    {title}
                                </button>
                            </li>
                        }
                    })
                    .collect_view()}
            </ol>
        </details>
    }
}

/// A paragraph with its terms (each a button that points at its node on the stage) and code.
fn paragraph(text: String, ctx: CourseCtx, player: PlayerHandle) -> impl IntoView {
    let pieces: Vec<(u8, String, String)> = terms(&text)
        .unwrap_or_default()
        .into_iter()
        .map(|p| match p {
            Piece::Words(w) => (0, w.to_string(), String::new()),
            Piece::Code(c) => (1, c.to_string(), String::new()),
            Piece::Term { node, words } => (2, words.to_string(), node.to_string()),
        })
        .collect();
    pieces
        .into_iter()
        .map(|(kind, words, node)| match kind {
            0 => words.into_any(),
            1 => view! { <code>{words}</code> }.into_any(),
            _ => {
                let (a, b, c) = (node.clone(), node.clone(), node);
                view! {
                    <button
                        class="term"
                        data-testid="lesson-term"
                        data-node=c
                        on:mouseenter=move |_| point_at(ctx, player, Some(&a))
                        on:focus=move |_| point_at(ctx, player, Some(&b))
                        on:mouseleave=move |_| point_at(ctx, player, None)
                        on:blur=move |_| point_at(ctx, player, None)
                    >
                        {words}
                    </button>
                }
                .into_any()
            }
        })
        .collect_view()
}

/// Highlight one node (a term pointed at), or the step's own again.
fn point_at(ctx: CourseCtx, player: PlayerHandle, node: Option<&str>) {
    let Some(step) = ctx.step() else { return };
    let entries = ctx.entries.get_value();
    player.with(|p| {
        for (k, side) in p.sides.iter().enumerate() {
            let entry = entries.get(k).cloned().unwrap_or_default();
            side.lab.update_value(|lab| {
                lab.spotlight = match node.and_then(|n| Target::parse(n).ok()) {
                    Some(t) => t.resolve(&lab.views, &entry).into_iter().collect(),
                    None => run::spotlight(&lab.views, &step, &entry),
                };
            });
        }
        p.show();
    });
}

/// Save the current step's moment for Back.
fn save(ctx: CourseCtx, player: PlayerHandle) {
    let saved = Saved {
        at: ctx.place_untracked(),
        query: player.with(|p| p.address_at_moment()),
        entries: ctx.entries.get_value(),
    };
    ctx.trail.update_value(|t| t.push(saved));
}

/// Next: a step still waiting is shown (its task done for the student, its question revealed,
/// the simulation played); a finished one gives way to the next step (the next chapter opens
/// on fresh clusters).
fn next(ctx: CourseCtx, player: PlayerHandle) {
    let Some(step) = ctx.step() else { return };
    let ui_playing = player.with(|p| p.playing);
    match (ctx.status.get_untracked(), &step.kind) {
        (DONE, _) | (_, Kind::Read) => {}
        (WAITING, Kind::Task { solve, .. }) => {
            player.with(|p| {
                p.act_on(None, &|lab| {
                    for action in solve {
                        if lab.cluster.check(action).is_ok() {
                            lab.act(action.clone());
                        }
                    }
                })
            });
            ui_playing.set(true);
            return;
        }
        (WAITING, Kind::Ask { .. }) => {
            ctx.status.set(ANSWERED);
            ui_playing.set(true);
            return;
        }
        _ => {
            ui_playing.set(true);
            return;
        }
    }
    let (c, s) = ctx.place_untracked();
    let steps = ctx.chapter(c).map_or(0, |ch| ch.steps.len());
    if s + 1 < steps {
        ctx.set_place(c, s + 1);
        let Some(step) = ctx.step() else { return };
        let entries: Vec<Entry> = player.with(|p| {
            p.sides
                .iter()
                .map(|side| side.lab.try_update_value(|lab| run::enter_lab(lab, &step)).unwrap_or_default())
                .collect()
        });
        ctx.entries.set_value(entries);
        ctx.status.set(initial(Some(&step.kind)));
        match step.kind {
            Kind::Ask { .. } => ui_playing.set(false),
            Kind::Watch { .. } | Kind::Task { .. } => ui_playing.set(true),
            Kind::Read => {}
        }
        player.with(|p| {
            p.show();
            p.resume();
        });
        save(ctx, player);
    } else if ctx.course.with_value(|course| c + 1 < course.chapters.len()) {
        ctx.open(c + 1, 0, Vec::new());
    }
}

/// Watch the clusters for what the step waits for; when it has happened, pause and explain.
fn watch_done(ctx: CourseCtx, player: PlayerHandle) {
    let sides = player.with(|p| p.sides.clone());
    let playing = player.with(|p| p.playing);
    // A page being replaced by a new one (another chapter, Back) still sees the course's place
    // change before it goes: it must not judge the new step on its old clusters.
    let page = ctx.mount.get_untracked();
    Effect::new(move |_| {
        let status = ctx.status.get();
        let _ = ctx.at.get();
        if ctx.mount.get_untracked() != page {
            return;
        }
        // Looked at again whenever a side publishes what it shows.
        sides.iter().for_each(|s| s.snapshot.track());
        let waiting = match status {
            DONE => false,
            ANSWERED => true,
            _ => !matches!(ctx.step().map(|s| s.kind), Some(Kind::Ask { .. })),
        };
        let Some(cond) = ctx.step().and_then(|s| s.kind.until().cloned()) else { return };
        if !waiting {
            return;
        }
        let entries = ctx.entries.get_value();
        let holds = sides.iter().zip(&entries).all(|(side, entry)| side.lab.with_value(|lab| cond.holds(lab, entry)));
        if holds && entries.len() == sides.len() {
            ctx.status.set(DONE);
            playing.set(false);
        }
    });
}

/// PageDown / PageUp (what a presenter's clicker sends) and the arrow keys move through steps.
fn use_step_keys(ctx: CourseCtx, player: PlayerHandle) {
    let keys = window_event_listener(leptos::ev::keydown, move |ev| {
        if ev.ctrl_key() || ev.meta_key() || ev.alt_key() {
            return;
        }
        let typing = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .is_some_and(|e| matches!(e.tag_name().to_ascii_lowercase().as_str(), "input" | "textarea" | "select"));
        if typing {
            return;
        }
        match ev.key().as_str() {
            "PageDown" | "ArrowRight" => next(ctx, player),
            "PageUp" | "ArrowLeft" => ctx.back(),
            _ => return,
        }
        ev.prevent_default();
    });
    on_cleanup(move || keys.remove());
}
