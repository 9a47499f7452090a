//! The course: the lecture's argument (why Kafka left ZooKeeper, and how KRaft answers each
//! reason) told step by step on the live simulation. Its chapters are data, not code: files
//! under `course/` (copied to `dist/course/`, fetched when the course opens), parsed here into
//! typed values. Pure Rust, tested natively (`tests.rs`): both languages have the same chapters,
//! steps, questions and pointers, every step's script parses, and every step can be reached by
//! the engine, with the facts the text states checked on it.
//!
//! Two kinds of file:
//! - `course.txt`, the structure, in no language: each chapter's opening (an address's query),
//!   each step's highlights (`spot`), actions (`do`), and what it waits for (`watch`, `task`,
//!   `ask`), with a time (`for`) a reader spends on a step that waits for nothing.
//! - `ko.txt` and `en.txt`, the words, under the same ids: `[chapter]` then `title:`,
//!   `[chapter.step]` then `text:` (one per paragraph), `task:`, `ask:`, `opt.<id>:`, `after:`.
//!   In a text, `{b1|the broker}` is a term that points at a node on the stage.

mod cond;
pub mod run;
#[cfg(test)]
mod tests;

pub use cond::{Cond, Entry, Target};

use std::collections::BTreeMap;

use crate::link::Experiment;
use quorumlab_sim::scenario::{self, ScenarioAction};
use quorumlab_sim::{MsgClass, Time};

/// Where the course's files are, relative to the page.
pub const DIR: &str = "course/";
/// A step that waits for nothing is read for this long (its `for`), when a later step is opened
/// straight from an address and the course replays the way there.
const DEFAULT_DWELL: Time = Time(2_000_000);

/// The course's structure (`course.txt`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Course {
    pub chapters: Vec<Chapter>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Chapter {
    pub id: String,
    /// The address query the chapter opens with (`mode=zk&seed=4&ensemble=3`).
    pub open: String,
    pub steps: Vec<Step>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    pub id: String,
    /// Nodes the text is about: shown highlighted, the rest dimmed (empty: all as usual).
    pub spot: Vec<Target>,
    /// Message classes the text is about (`msgs vote prevote`): drawn at full strength, the
    /// others faded (empty: the messages to and from the highlighted nodes).
    pub msgs: Vec<MsgClass>,
    /// Actions taken as the step opens, on every cluster shown.
    pub actions: Vec<ScenarioAction>,
    pub kind: Kind,
    /// How long a reader stays on a step that waits for nothing (see [`DEFAULT_DWELL`]).
    pub dwell: Time,
    /// `see experiments <which>`: the experiment that measures what the step shows (a link).
    pub see: Option<Experiment>,
}

/// What a step waits for.
#[derive(Clone, Debug, PartialEq)]
pub enum Kind {
    /// Nothing: read, then Next.
    Read,
    /// The simulation plays until `until` holds, then the step explains (`after`).
    Watch { until: Cond },
    /// The student does something (`task`) until `until` holds; `solve` is what "Show me"
    /// (and a replay from an address) does for them.
    Task { until: Cond, solve: Vec<ScenarioAction> },
    /// A question before the answer is shown: options by id, the right one, then the
    /// simulation plays until `until` holds and the step explains. `about` names what the
    /// engine must show at that moment for the answer to be right (checked by a test).
    Ask { options: Vec<String>, answer: String, about: Option<About>, until: Cond },
}

/// What a question's answer is about, so a test can check it against the engine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum About {
    /// The answer is the name of the quorum's leader (ZooKeeper leader, KRaft leader).
    Leader,
    /// The answer is the name of the active Kafka controller.
    Controller,
}

impl Kind {
    /// What the step waits for, if anything.
    pub fn until(&self) -> Option<&Cond> {
        match self {
            Kind::Read => None,
            Kind::Watch { until } | Kind::Task { until, .. } | Kind::Ask { until, .. } => Some(until),
        }
    }
}

/// A line of a course file that could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CourseError {
    pub file: String,
    /// 1-based; 0 when the problem is the file as a whole.
    pub line: usize,
    pub what: String,
}

impl std::fmt::Display for CourseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.what)
    }
}

/// The largest course file we read (a course is a few tens of KiB).
pub const MAX_FILE_BYTES: usize = 512 * 1024;

impl Course {
    pub fn parse(text: &str) -> Result<Course, CourseError> {
        let file = "course.txt";
        let err = |line: usize, what: String| CourseError { file: file.to_string(), line, what };
        if text.len() > MAX_FILE_BYTES {
            return Err(err(0, format!("longer than {} KiB", MAX_FILE_BYTES / 1024)));
        }
        let mut course = Course::default();
        // What a step says it waits for, gathered over its lines and checked at its end.
        let mut pending: Option<Pending> = None;
        for (i, raw) in text.lines().enumerate() {
            let n = i + 1;
            let line = raw.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let (word, rest) = line.split_once(char::is_whitespace).map_or((line, ""), |(w, r)| (w, r.trim()));
            let bad = |what: String| err(n, what);
            match word {
                "chapter" => {
                    finish_step(&mut course, &mut pending).map_err(|(l, w)| err(l, w))?;
                    let id = ident(rest).map_err(bad)?;
                    if course.chapters.iter().any(|c| c.id == id) {
                        return Err(err(n, format!("chapter `{id}` twice")));
                    }
                    course.chapters.push(Chapter { id, open: String::new(), steps: Vec::new() });
                }
                "open" => {
                    let chapter = course.chapters.last_mut().ok_or_else(|| bad("`open` before any chapter".into()))?;
                    chapter.open = rest.to_string();
                }
                "step" => {
                    finish_step(&mut course, &mut pending).map_err(|(l, w)| err(l, w))?;
                    let chapter = course.chapters.last_mut().ok_or_else(|| bad("`step` before any chapter".into()))?;
                    let id = ident(rest).map_err(bad)?;
                    if chapter.steps.iter().any(|s| s.id == id) {
                        return Err(err(n, format!("step `{id}` twice in chapter `{}`", chapter.id)));
                    }
                    pending = Some(Pending { id, line: n, ..Pending::default() });
                }
                _ => {
                    let step = pending.as_mut().ok_or_else(|| bad(format!("`{word}` outside a step")))?;
                    step.read(word, rest).map_err(bad)?;
                }
            }
        }
        finish_step(&mut course, &mut pending).map_err(|(l, w)| err(l, w))?;
        if course.chapters.is_empty() {
            return Err(err(0, "no chapters".into()));
        }
        if let Some(c) = course.chapters.iter().find(|c| c.steps.is_empty() || c.open.is_empty()) {
            return Err(err(0, format!("chapter `{}` needs an `open` line and at least one step", c.id)));
        }
        Ok(course)
    }

    pub fn chapter(&self, id: &str) -> Option<usize> {
        self.chapters.iter().position(|c| c.id == id)
    }
}

/// A step being read.
#[derive(Default)]
struct Pending {
    id: String,
    line: usize,
    spot: Vec<Target>,
    msgs: Vec<MsgClass>,
    actions: Vec<ScenarioAction>,
    dwell: Option<Time>,
    watch: Option<Cond>,
    task: Option<Cond>,
    solve: Vec<ScenarioAction>,
    ask: Option<Vec<String>>,
    answer: Option<String>,
    about: Option<About>,
    then: Option<Cond>,
    see: Option<Experiment>,
}

impl Pending {
    fn read(&mut self, word: &str, rest: &str) -> Result<(), String> {
        match word {
            "spot" => {
                for name in rest.split_whitespace() {
                    self.spot.push(Target::parse(name)?);
                }
            }
            "msgs" => {
                for name in rest.split_whitespace() {
                    let class = crate::canvas::class_named(name).ok_or_else(|| {
                        format!("`msgs {name}`: not a message the legend names (vote, watch, fetch, ...)")
                    })?;
                    self.msgs.push(class);
                }
            }
            "do" => self.actions.push(action(rest)?),
            "solve" => self.solve.push(action(rest)?),
            "for" => self.dwell = Some(scenario::parse_time(rest).map_err(|e| e.to_string())?),
            "watch" => self.watch = Some(Cond::parse(rest)?),
            "task" => self.task = Some(Cond::parse(rest)?),
            "then" => self.then = Some(Cond::parse(rest)?),
            "ask" => {
                let options: Vec<String> = rest.split_whitespace().map(ident).collect::<Result<_, _>>()?;
                if options.len() < 2 {
                    return Err("a question needs at least two options".into());
                }
                self.ask = Some(options);
            }
            "answer" => self.answer = Some(ident(rest)?),
            "about" => {
                self.about = Some(match rest {
                    "leader" => About::Leader,
                    "controller" => About::Controller,
                    other => return Err(format!("`about {other}`: expected leader or controller")),
                })
            }
            "see" => {
                let which = rest.strip_prefix("experiments ").map(str::trim).and_then(Experiment::from_name);
                self.see = Some(which.ok_or_else(|| {
                    format!("`see {rest}`: expected `see experiments scale|elections|propagation|stall`")
                })?);
            }
            other => return Err(format!("unknown word `{other}`")),
        }
        Ok(())
    }

    fn into_step(self) -> Result<Step, String> {
        let kinds = [self.watch.is_some(), self.task.is_some(), self.ask.is_some()];
        if kinds.iter().filter(|k| **k).count() > 1 {
            return Err(format!("step `{}`: one of watch, task or ask", self.id));
        }
        let kind = match (self.watch, self.task, self.ask) {
            (Some(until), _, _) => Kind::Watch { until },
            (_, Some(until), _) => {
                if self.solve.is_empty() {
                    return Err(format!("step `{}`: a task needs a `solve`", self.id));
                }
                Kind::Task { until, solve: self.solve }
            }
            (_, _, Some(options)) => {
                let answer = self.answer.ok_or_else(|| format!("step `{}`: a question needs an `answer`", self.id))?;
                if !options.contains(&answer) {
                    return Err(format!("step `{}`: the answer `{answer}` is not an option", self.id));
                }
                let until = self.then.ok_or_else(|| format!("step `{}`: a question needs a `then`", self.id))?;
                Kind::Ask { options, answer, about: self.about, until }
            }
            _ => Kind::Read,
        };
        Ok(Step {
            id: self.id,
            spot: self.spot,
            msgs: self.msgs,
            actions: self.actions,
            kind,
            dwell: self.dwell.unwrap_or(DEFAULT_DWELL),
            see: self.see,
        })
    }
}

fn finish_step(course: &mut Course, pending: &mut Option<Pending>) -> Result<(), (usize, String)> {
    let Some(p) = pending.take() else { return Ok(()) };
    let line = p.line;
    let step = p.into_step().map_err(|w| (line, w))?;
    if let Some(chapter) = course.chapters.last_mut() {
        chapter.steps.push(step);
    }
    Ok(())
}

/// One scenario action, as a scenario line writes it (`crash leader`, `create-topic t
/// partitions=3 rf=3`).
fn action(text: &str) -> Result<ScenarioAction, String> {
    let script = scenario::parse(&format!("at 0s {text}")).map_err(|e| e.kind.to_string())?;
    script.steps.into_iter().next().map(|s| s.action).ok_or_else(|| "an action is missing".to_string())
}

/// An id: letters, digits and `-`, at most 40.
fn ident(text: &str) -> Result<String, String> {
    let ok = !text.is_empty()
        && text.len() <= 40
        && text.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if ok {
        Ok(text.to_string())
    } else {
        Err(format!("`{text}` is not an id (lowercase letters, digits and -)"))
    }
}

/// One language's words (`ko.txt`, `en.txt`): every value under its full key
/// (`chapter.title`, `chapter.step.text`, ...), paragraphs in order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Texts {
    map: BTreeMap<String, Vec<String>>,
}

/// The keys a section may hold: a chapter's, then a step's.
const CHAPTER_KEYS: [&str; 1] = ["title"];
const STEP_KEYS: [&str; 4] = ["text", "task", "ask", "after"];

impl Texts {
    pub fn parse(file: &str, text: &str) -> Result<Texts, CourseError> {
        let err = |line: usize, what: String| CourseError { file: file.to_string(), line, what };
        if text.len() > MAX_FILE_BYTES {
            return Err(err(0, format!("longer than {} KiB", MAX_FILE_BYTES / 1024)));
        }
        let mut texts = Texts::default();
        let mut section: Option<(String, bool)> = None;
        for (i, raw) in text.lines().enumerate() {
            let n = i + 1;
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                let parts: Vec<&str> = name.split('.').collect();
                if parts.len() > 2 || parts.iter().any(|p| ident(p).is_err()) {
                    return Err(err(n, format!("`[{name}]`: expected [chapter] or [chapter.step]")));
                }
                section = Some((name.to_string(), parts.len() == 2));
                continue;
            }
            let Some((key, value)) = line.split_once(':') else {
                return Err(err(n, "expected `key: text`".into()));
            };
            let (key, value) = (key.trim(), value.trim());
            let Some((name, is_step)) = &section else {
                return Err(err(n, "a text before any [section]".into()));
            };
            let known = if *is_step {
                STEP_KEYS.contains(&key) || key.strip_prefix("opt.").is_some_and(|o| ident(o).is_ok())
            } else {
                CHAPTER_KEYS.contains(&key)
            };
            if !known || value.is_empty() {
                return Err(err(n, format!("`{key}` in [{name}]: unknown key or empty text")));
            }
            terms(value).map_err(|w| err(n, w))?;
            texts.map.entry(format!("{name}.{key}")).or_default().push(value.to_string());
        }
        Ok(texts)
    }

    /// Every paragraph under `key`.
    pub fn all(&self, key: &str) -> &[String] {
        self.map.get(key).map_or(&[], |v| v.as_slice())
    }

    /// The first paragraph under `key`, or the key itself (so a missing text shows where).
    pub fn one(&self, key: &str) -> String {
        self.all(key).first().cloned().unwrap_or_else(|| key.to_string())
    }

    pub fn keys(&self) -> impl Iterator<Item = &String> {
        self.map.keys()
    }

    /// What is missing or left over in these words for `course`: one line per problem (empty:
    /// none). The page shows them; the tests require none.
    pub fn check(&self, course: &Course) -> Vec<String> {
        let mut wanted: Vec<(String, bool)> = Vec::new();
        for c in &course.chapters {
            wanted.push((format!("{}.title", c.id), true));
            for s in &c.steps {
                let key = |k: &str| format!("{}.{}.{k}", c.id, s.id);
                wanted.push((key("text"), true));
                let (task, ask, after) = match &s.kind {
                    Kind::Read => (false, false, false),
                    Kind::Watch { .. } => (false, false, true),
                    Kind::Task { .. } => (true, false, true),
                    Kind::Ask { .. } => (false, true, true),
                };
                wanted.push((key("task"), task));
                wanted.push((key("ask"), ask));
                wanted.push((key("after"), after));
                if let Kind::Ask { options, .. } = &s.kind {
                    for o in options.iter().filter(|o| Target::parse(o).is_err()) {
                        wanted.push((key(&format!("opt.{o}")), true));
                    }
                }
            }
        }
        let mut problems: Vec<String> = wanted
            .iter()
            .filter(|(k, want)| *want != self.map.contains_key(k))
            .map(|(k, want)| if *want { format!("missing: {k}") } else { format!("not expected: {k}") })
            .collect();
        problems
            .extend(self.map.keys().filter(|k| !wanted.iter().any(|(w, _)| w == *k)).map(|k| format!("unknown: {k}")));
        problems
    }
}

/// A piece of a text: plain words, a term that points at a node, or code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Piece<'a> {
    Words(&'a str),
    Term { node: &'a str, words: &'a str },
    Code(&'a str),
}

/// A text split into its pieces: `{zk1|the leader}` points at zk1, `` `/controller` `` is code.
pub fn terms(text: &str) -> Result<Vec<Piece<'_>>, String> {
    let mut pieces = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(['{', '`']) {
        if start > 0 {
            pieces.push(Piece::Words(&rest[..start]));
        }
        let open = &rest[start..];
        if let Some(inner) = open.strip_prefix('`') {
            let end = inner.find('`').ok_or("a ` without its closing `")?;
            pieces.push(Piece::Code(&inner[..end]));
            rest = &inner[end + 1..];
        } else {
            let inner = &open[1..];
            let end = inner.find('}').ok_or("a { without its closing }")?;
            let (node, words) = inner[..end].split_once('|').ok_or("a term is {node|words}")?;
            Target::parse(node)?;
            pieces.push(Piece::Term { node, words });
            rest = &inner[end + 1..];
        }
    }
    if !rest.is_empty() {
        pieces.push(Piece::Words(rest));
    }
    Ok(pieces)
}
