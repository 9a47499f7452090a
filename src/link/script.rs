//! The scenario language's parser, for the scripts an address carries (`s`, `szk`, `skraft`): a
//! split point (as in src/lazy.rs), so its code is not in the download at start. A page whose
//! address holds a script fetches it before it mounts (`start` in lib.rs), the course with its
//! chunk. Natively (tests) the call is direct. Writing a script (`Script`'s text for a link)
//! stays in the start module: every page writes its address. The checks of a link's settings
//! (`set key=value` lines, which only the parser reads) come with it, and the words that say
//! what is wrong with an address (`i18n::Words::Script`): a page whose address has a problem
//! fetches it too.

use leptos::wasm_split::{wasm_split, SplitLoaderError};
use quorumlab_sim::cluster::SettingError;
use quorumlab_sim::scenario::{self, Script};
use quorumlab_sim::setup::Mode;

use super::query;
use crate::lazy::ready;

/// A script, or where and why it could not be read: line, column, the parser's words.
pub type Parsed = Result<Script, (usize, usize, String)>;

// Plain values in and out: the split function is called through a function pointer on the web.
// The error is put in words here, so that its formatting comes with the parser.
#[wasm_split(script, wasm_split_path = ::leptos::wasm_split, fallible, preload(preload_script))]
fn parse_chunk(text: String) -> Result<Parsed, SplitLoaderError> {
    Ok(scenario::parse(&text).map_err(|e| (e.line, e.column, e.kind.to_string())))
}

#[wasm_split(script, wasm_split_path = ::leptos::wasm_split, fallible, preload(preload_setting))]
fn setting_chunk(mode: Mode, key: String, value: String) -> Result<Result<(), SettingError>, SplitLoaderError> {
    Ok(crate::session::settings::check(mode, &key, &value))
}

thread_local! {
    /// Whether the parser's chunk is here (natively, it is built in).
    static LOADED: std::cell::Cell<bool> = const { std::cell::Cell::new(cfg!(not(target_arch = "wasm32"))) };
}

/// `text` parsed; `None` if the parser is not here (never fetched, or it could not be). Only
/// [`load`] fetches it: calling the split point here would start a fetch (the default page
/// compares its address with each ready-made scenario's, which carry actions).
pub fn parse(text: &str) -> Option<Parsed> {
    if !is_ready() {
        return None;
    }
    ready(parse_chunk(text.to_string())).and_then(Result::ok)
}

/// Whether a cluster of `mode` takes the link's setting `key=value` on this page
/// (`session::settings::check`); `None` if the parser is not here. A link's settings come from
/// its scripts, so a page that has some has fetched the parser.
pub fn check_setting(mode: Mode, key: &str, value: &str) -> Option<Result<(), SettingError>> {
    if !is_ready() {
        return None;
    }
    ready(setting_chunk(mode, key.to_string(), value.to_string())).and_then(Result::ok)
}

/// Fetch the parser (at once if it is here already), with the words of an address's problems;
/// whether it is here.
pub async fn load() -> bool {
    if !is_ready()
        && preload_script().await.is_ok()
        && preload_setting().await.is_ok()
        && crate::i18n::load_words(crate::i18n::Words::Script).await
    {
        LOADED.with(|loaded| loaded.set(true));
    }
    is_ready()
}

/// Whether the parser is here (loaded, or built in natively).
pub fn is_ready() -> bool {
    LOADED.with(std::cell::Cell::get)
}

/// Whether an address's query holds a script, which [`super::Link::parse`] reads with the parser.
pub fn in_address(search: &str) -> bool {
    query::pairs(search).iter().take(super::MAX_PARAMS).any(|(key, _)| super::is_script_key(key))
}
