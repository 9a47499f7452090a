//! The page's address as one typed value, [`Link`]: every link the page writes (permalinks, the
//! view and size switches, New seed, the settings field, the ready-made scenarios) and every
//! address it opens goes through [`Link::parse`] and [`Link::to_query`]. Pure Rust, tested
//! natively: any valid link written and parsed again is the same value (`tests.rs`), and no
//! input panics. Parsing never fails: a bad parameter becomes a [`Problem`] to tell the person
//! about, and its default is used.

mod query;
pub mod script;
pub use query::encode;
#[cfg(test)]
mod tests;

use quorumlab_sim::scenario::{self, ScenarioAction, Script, Step};
use quorumlab_sim::setup::{Mode, Setup};
use quorumlab_sim::Time;

use crate::i18n::Lang;

/// Longest value we accept for one parameter.
pub const MAX_VALUE_CHARS: usize = 256;
/// Longest scenario text (`s`, a permalink's actions) we accept: as long as the scenario
/// parser takes (64 KiB, 2,000 steps), so every link the app writes opens again.
pub const MAX_SCRIPT_CHARS: usize = scenario::MAX_TEXT_BYTES;
/// Parameters beyond this many are ignored.
const MAX_PARAMS: usize = 32;
pub const DEFAULT_SEED: u64 = 1;
pub const MAX_BROKERS: usize = 12;
/// The sizes a page offers: controllers (KRaft), ZooKeeper servers.
pub const CONTROLLER_CHOICES: [usize; 3] = [3, 4, 5];
pub const ENSEMBLE_CHOICES: [usize; 3] = [3, 5, 7];

/// A problem with the address, as an i18n key and its arguments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub key: &'static str,
    pub args: Vec<String>,
}

impl Problem {
    pub fn new(key: &'static str, args: &[&str]) -> Problem {
        Problem { key, args: args.iter().map(|a| a.to_string()).collect() }
    }

    /// In `lang`. Most problems' words come with the parser's chunk (`i18n::Words::Script`): if
    /// they are not here in `lang`, the page says it could not load them, not the problem's key.
    pub fn text(&self, lang: Lang) -> String {
        if crate::i18n::tr(lang, self.key) == self.key {
            return crate::i18n::tr(lang, "lazy.failed").to_string();
        }
        let args: Vec<&str> = self.args.iter().map(String::as_str).collect();
        crate::i18n::trf(lang, self.key, &args)
    }

    /// Each problem's text in `lang`, each text once (problems whose words could not be loaded
    /// all say the same).
    pub fn texts(problems: &[Problem], lang: Lang) -> Vec<String> {
        let mut texts: Vec<String> = Vec::new();
        for text in problems.iter().map(|p| p.text(lang)) {
            if !texts.contains(&text) {
                texts.push(text);
            }
        }
        texts
    }
}

/// One cluster, or ZooKeeper and KRaft side by side on one seed and one clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum View {
    One(Mode),
    Both,
}

impl View {
    /// The clusters this view shows, in the order the page lays them out.
    pub fn modes(self) -> &'static [Mode] {
        match self {
            View::One(Mode::Kraft) => &[Mode::Kraft],
            View::One(Mode::Zk) => &[Mode::Zk],
            View::Both => &[Mode::Zk, Mode::Kraft],
        }
    }
}

/// The clusters' sizes: KRaft controllers, ZooKeeper servers, brokers (each cluster's own), and
/// the partitions of the topic each cluster starts with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sizes {
    pub controllers: usize,
    pub ensemble: usize,
    pub brokers: usize,
    /// `partitions`: the initial topic's (the experiments' runs open with up to
    /// [`scenario::MAX_PARTITIONS`]).
    pub partitions: u32,
}

impl Default for Sizes {
    fn default() -> Self {
        let setup = Setup::default();
        Sizes {
            controllers: setup.controllers,
            ensemble: setup.ensemble,
            brokers: setup.brokers,
            partitions: setup.partitions,
        }
    }
}

/// Everything an address says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Link {
    pub view: View,
    pub seed: u64,
    pub sizes: Sizes,
    /// The language asked for, if any (else the browser's).
    pub lang: Option<Lang>,
    /// `s`: settings and actions for every cluster shown.
    pub shared: Script,
    /// `szk`, `skraft`: side by side, one cluster's own settings and actions.
    pub zk: Script,
    pub kraft: Script,
    /// `t`: the moment the page opens at, paused (µs).
    pub until: Option<Time>,
    /// `big=1`: large text for a projector.
    pub big: bool,
    /// `embed=1`: the compact layout for an iframe.
    pub embed: bool,
    /// `course=<chapter>&step=<n>`: the course, at that chapter's step (0-based here, 1-based
    /// in the address).
    pub course: Option<(String, usize)>,
    /// `experiments=<which>`: the experiments view, at that experiment.
    pub experiments: Option<Experiment>,
}

/// The experiments the experiments view runs (`quorumlab_sim::experiment`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Experiment {
    Scale,
    Elections,
    Propagation,
    Stall,
}

impl Experiment {
    pub const ALL: [Experiment; 4] =
        [Experiment::Scale, Experiment::Elections, Experiment::Propagation, Experiment::Stall];

    /// Its name in the address (and `qlab experiment <name>`).
    pub fn as_str(self) -> &'static str {
        match self {
            Experiment::Scale => "scale",
            Experiment::Elections => "elections",
            Experiment::Propagation => "propagation",
            Experiment::Stall => "stall",
        }
    }

    pub fn from_name(name: &str) -> Option<Experiment> {
        Experiment::ALL.into_iter().find(|e| e.as_str() == name)
    }
}

/// Most steps a chapter may have (the address's `step` is at most this).
pub const MAX_COURSE_STEPS: usize = 99;

impl Default for Link {
    fn default() -> Self {
        Link {
            view: View::One(Mode::Kraft),
            seed: DEFAULT_SEED,
            sizes: Sizes::default(),
            lang: None,
            shared: Script::default(),
            zk: Script::default(),
            kraft: Script::default(),
            until: None,
            big: false,
            embed: false,
            course: None,
            experiments: None,
        }
    }
}

/// The parameter that carries one cluster's own script side by side.
pub fn own_key(mode: Mode) -> &'static str {
    match mode {
        Mode::Zk => "szk",
        Mode::Kraft => "skraft",
    }
}

impl Link {
    /// Side by side, one cluster's own script.
    pub fn own(&self, mode: Mode) -> &Script {
        match mode {
            Mode::Zk => &self.zk,
            Mode::Kraft => &self.kraft,
        }
    }

    pub fn own_mut(&mut self, mode: Mode) -> &mut Script {
        match mode {
            Mode::Zk => &mut self.zk,
            Mode::Kraft => &mut self.kraft,
        }
    }

    /// The steps and settings one cluster opens with: `s`, and side by side its own as well.
    pub fn script_for(&self, mode: Mode) -> Script {
        let mut script = self.shared.clone();
        if self.view == View::Both {
            script.settings.extend_from_slice(&self.own(mode).settings);
            script.steps.extend_from_slice(&self.own(mode).steps);
        }
        script
    }

    /// The cluster of `mode` this link builds (without its script: see [`Link::script_for`]).
    pub fn setup(&self, mode: Mode) -> Setup {
        Setup {
            mode,
            seed: self.seed,
            controllers: self.sizes.controllers,
            ensemble: self.sizes.ensemble,
            brokers: self.sizes.brokers,
            partitions: self.sizes.partitions,
            ..Setup::default()
        }
    }

    /// The moment every cluster opens at: `t`, else the last action of any cluster shown.
    pub fn opening_moment(&self) -> Option<Time> {
        let own = self.view.modes().iter().filter(|_| self.view == View::Both).flat_map(|&m| &self.own(m).steps);
        self.until.or_else(|| self.shared.steps.iter().chain(own).map(|s| s.at).max())
    }

    /// This link with every script's steps renumbered as [`Link::to_query`] writes them: what
    /// parsing the written link gives back.
    pub fn renumbered(mut self) -> Link {
        for script in [&mut self.shared, &mut self.zk, &mut self.kraft] {
            *script = std::mem::take(script).renumbered();
        }
        self
    }

    /// Read an address's query (`?a=1&b=2`, with or without the `?`).
    pub fn parse(search: &str) -> (Link, Vec<Problem>) {
        let mut link = Link::default();
        let mut problems = Vec::new();
        for (key, value) in query::pairs(search).into_iter().take(MAX_PARAMS) {
            let chars = value.chars().count();
            let limit = if is_script_key(&key) { MAX_SCRIPT_CHARS } else { MAX_VALUE_CHARS };
            if chars > limit || key.chars().count() > MAX_VALUE_CHARS {
                problems
                    .push(Problem::new("param.too_long", &[&shown(&key), &chars.max(key.chars().count()).to_string()]));
                continue;
            }
            if let Err(problem) = link.read(&key, &value) {
                problems.push(problem);
            }
        }
        link.keep_to_limits(&mut problems);
        // A `step` without its `course` names nothing.
        if link.course.as_ref().is_some_and(|(chapter, _)| chapter.is_empty()) {
            link.course = None;
            problems.push(Problem::new("param.step_without_course", &[]));
        }
        (link, problems)
    }

    /// One parameter.
    fn read(&mut self, key: &str, value: &str) -> Result<(), Problem> {
        let bad = |key: &'static str| Problem::new(key, &[&shown(value)]);
        let v = value.trim();
        match key {
            "seed" => {
                self.seed = v
                    .parse()
                    .map_err(|_| Problem::new("param.bad_seed", &[&shown(value), &DEFAULT_SEED.to_string()]))?;
            }
            "mode" if v == "both" => self.view = View::Both,
            "mode" => self.view = View::One(Mode::parse(v).ok_or_else(|| bad("param.bad_mode"))?),
            "embed" => self.embed = flag(v).ok_or_else(|| bad("param.bad_embed"))?,
            "big" => self.big = flag(v).ok_or_else(|| bad("param.bad_big"))?,
            "lang" => self.lang = Some(Lang::parse(v).ok_or_else(|| bad("param.bad_lang"))?),
            "controllers" => {
                self.sizes.controllers = choice(v, &CONTROLLER_CHOICES).ok_or_else(|| bad("param.bad_controllers"))?
            }
            "ensemble" => {
                self.sizes.ensemble = choice(v, &ENSEMBLE_CHOICES).ok_or_else(|| bad("param.bad_ensemble"))?
            }
            "brokers" => {
                self.sizes.brokers =
                    v.parse().ok().filter(|n| *n <= MAX_BROKERS).ok_or_else(|| bad("param.bad_brokers"))?;
            }
            "partitions" => {
                self.sizes.partitions = v.parse().ok().filter(|n| *n <= scenario::MAX_PARTITIONS).ok_or_else(|| {
                    Problem::new("param.bad_partitions", &[&shown(value), &scenario::MAX_PARTITIONS.to_string()])
                })?;
            }
            "s" | "szk" | "skraft" => {
                let script = script::parse(value)
                    .ok_or_else(|| Problem::new("param.script_unavailable", &[]))?
                    .map_err(|(line, column, what)| {
                        Problem::new(
                            "param.bad_script",
                            &[&line.to_string(), &column.to_string(), &shorten(&what, 120)],
                        )
                    })?;
                *match key {
                    "szk" => &mut self.zk,
                    "skraft" => &mut self.kraft,
                    _ => &mut self.shared,
                } = script;
            }
            "course" => {
                let ok = !v.is_empty()
                    && v.len() <= 40
                    && v.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
                if !ok {
                    return Err(bad("param.bad_course"));
                }
                let step = self.course.as_ref().map_or(0, |(_, step)| *step);
                self.course = Some((v.to_string(), step));
            }
            "experiments" => {
                // A name we do not know still opens the view, at its first experiment.
                self.experiments = Some(Experiment::Scale);
                self.experiments = Some(Experiment::from_name(v).ok_or_else(|| bad("param.bad_experiment"))?);
            }
            "step" => {
                let n = v.parse::<usize>().ok().filter(|n| (1..=MAX_COURSE_STEPS).contains(n));
                let step = n.ok_or_else(|| bad("param.bad_step"))? - 1;
                let chapter = self.course.take().map(|(c, _)| c).unwrap_or_default();
                self.course = Some((chapter, step));
            }
            "t" => {
                let us = v.parse::<u64>().ok().filter(|us| *us <= scenario::MAX_TIME.as_us());
                self.until = Some(Time(us.ok_or_else(|| bad("param.bad_time"))?));
            }
            _ => return Err(Problem::new("param.unknown", &[&shown(key)])),
        }
        Ok(())
    }

    /// The page writes each cluster's settings and actions back into its link, with times in
    /// microseconds: that text must stay within what the parser takes too, or the link would
    /// not open again. Side by side, `s` and one side's own lines land on one cluster together,
    /// and keep to the scenario's partition limit together.
    fn keep_to_limits(&mut self, problems: &mut Vec<Problem>) {
        let limits = [scenario::MAX_STEPS.to_string(), (scenario::MAX_TEXT_BYTES / 1024).to_string()];
        if !fits(&[&self.shared]) {
            problems.push(Problem::new("param.too_many_actions", &["s", &limits[0], &limits[1]]));
            self.shared = Script::default();
        }
        if self.view == View::Both {
            for mode in [Mode::Zk, Mode::Kraft] {
                if !fits(&[&self.shared, self.own(mode)]) {
                    problems.push(Problem::new("param.too_many_actions", &[own_key(mode), &limits[0], &limits[1]]));
                    *self.own_mut(mode) = Script::default();
                }
            }
        }
        let created = |script: &Script| script.steps.iter().map(|s| s.action.partitions_created()).sum::<u64>();
        for mode in [Mode::Zk, Mode::Kraft] {
            if created(&self.shared) + created(self.own(mode)) > u64::from(scenario::MAX_PARTITIONS) {
                problems.push(Problem::new(
                    "param.too_many_partitions",
                    &[own_key(mode), &scenario::MAX_PARTITIONS.to_string()],
                ));
                self.own_mut(mode).steps.clear();
            }
        }
    }

    /// The address: `?mode=...&seed=...`, every parameter that differs from what an empty
    /// address means left out only where the page has always left it out (the sizes and the
    /// language are always written, so a link opens the same for everyone).
    pub fn to_query(&self) -> String {
        let mode = match self.view {
            View::One(mode) => mode.as_str(),
            View::Both => "both",
        };
        let Sizes { controllers, ensemble, brokers, partitions } = self.sizes;
        let mut q =
            format!("?mode={mode}&seed={}&controllers={controllers}&ensemble={ensemble}&brokers={brokers}", self.seed);
        if partitions != Sizes::default().partitions {
            q.push_str(&format!("&partitions={partitions}"));
        }
        if let Some(lang) = self.lang {
            q.push_str("&lang=");
            q.push_str(lang.code());
        }
        for (key, script) in [("s", &self.shared), ("szk", &self.zk), ("skraft", &self.kraft)] {
            let text = script_text(script);
            if !text.is_empty() {
                q.push_str(&format!("&{key}={}", query::encode(&text)));
            }
        }
        if let Some(t) = self.until {
            q.push_str(&format!("&t={}", t.as_us()));
        }
        if self.big {
            q.push_str("&big=1");
        }
        if self.embed {
            q.push_str("&embed=1");
        }
        if let Some((chapter, step)) = &self.course {
            q.push_str(&format!("&course={chapter}&step={}", step + 1));
        }
        if let Some(e) = self.experiments {
            q.push_str(&format!("&experiments={}", e.as_str()));
        }
        q
    }

    /// The course's own address: the chapter and step, with the language and layout, and
    /// nothing of the clusters (the course builds them from its files).
    pub fn course_query(&self) -> String {
        let Some((chapter, step)) = &self.course else { return self.to_query() };
        let mut q = format!("?course={chapter}&step={}", step + 1);
        if let Some(lang) = self.lang {
            q.push_str("&lang=");
            q.push_str(lang.code());
        }
        if self.big {
            q.push_str("&big=1");
        }
        if self.embed {
            q.push_str("&embed=1");
        }
        q
    }

    /// The experiments view's own address: the experiment, with the language and layout.
    pub fn experiments_query(&self) -> String {
        let mut q = format!("?experiments={}", self.experiments.unwrap_or(Experiment::Scale).as_str());
        if let Some(lang) = self.lang {
            q.push_str("&lang=");
            q.push_str(lang.code());
        }
        if self.big {
            q.push_str("&big=1");
        }
        q
    }
}

/// Whether one cluster's script, written back into a link, stays within what the parser takes.
fn fits(scripts: &[&Script]) -> bool {
    let lines: usize = scripts.iter().map(|s| s.steps.len()).sum();
    let text: usize = scripts.iter().map(|s| script_text(s).len()).sum();
    lines <= scenario::MAX_STEPS && text <= scenario::MAX_TEXT_BYTES
}

/// One setting as a line of scenario text: `set key=value`.
pub fn settings_line(key: &str, value: &str) -> String {
    format!("set {key}={value}\n")
}

/// One action as a line of scenario text: `at 1234567us crash c1` (exact to the microsecond).
pub fn script_line(at: Time, action: &ScenarioAction) -> String {
    format!("at {}us {action}\n", at.as_us())
}

/// A script as the page writes it into a link: its settings, then its steps with their times
/// in microseconds.
pub fn script_text(script: &Script) -> String {
    let mut text: String = script.settings.iter().map(|(k, v)| settings_line(k, v)).collect();
    text.extend(script.steps.iter().map(|s| script_line(s.at, &s.action)));
    text
}

/// Steps from actions taken at these moments (their lines as [`script_text`] writes them).
pub fn steps_of<'a>(settings: usize, actions: impl Iterator<Item = (Time, &'a ScenarioAction)>) -> Vec<Step> {
    actions.enumerate().map(|(i, (at, action))| Step { at, action: action.clone(), line: settings + i + 1 }).collect()
}

/// `1`/`true` or `0`/`false`.
fn flag(value: &str) -> Option<bool> {
    match value {
        "1" | "true" => Some(true),
        "0" | "false" => Some(false),
        _ => None,
    }
}

fn choice(value: &str, choices: &[usize]) -> Option<usize> {
    value.parse().ok().filter(|n| choices.contains(n))
}

/// Shorten what we echo back so a 10 KB parameter does not become a 10 KB message.
/// The parameters that carry a script: shared, and side by side each cluster's own.
fn is_script_key(key: &str) -> bool {
    matches!(key, "s" | "szk" | "skraft")
}

fn shown(value: &str) -> String {
    shorten(value, 40)
}

fn shorten(value: &str, max: usize) -> String {
    let mut s: String = value.chars().take(max).collect();
    if value.chars().count() > max {
        s.push('…');
    }
    s
}
