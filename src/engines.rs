//! The engines the page builds its clusters with. KRaft mode's code is in the start module: the
//! page opens in KRaft mode. ZooKeeper mode's (the ensemble, ZAB, the znode tree, the
//! ZooKeeper-mode Kafka controller) is a split point, like the course's views (`src/lazy.rs`):
//! fetched before the app mounts on a page that shows ZooKeeper mode ([`needs_zk`], `start` in
//! lib.rs), and when the course opens. Natively (tests) the call is direct.

use leptos::wasm_split::{wasm_split, SplitLoaderError};
use quorumlab_sim::cluster::Cluster;
use quorumlab_sim::setup::{build_kraft, build_zk, Mode, Setup, SetupError};

use crate::lazy::ready;
use crate::link::Link;

// Plain values in and out: the split function is called through a function pointer on the web.
#[wasm_split(zk, wasm_split_path = ::leptos::wasm_split, fallible, preload(preload_zk))]
fn zk_cluster(setup: Setup) -> Result<Result<Box<dyn Cluster>, SetupError>, SplitLoaderError> {
    Ok(build_zk(&setup).map(|c| Box::new(c) as Box<dyn Cluster>))
}

/// A cluster as `setup` describes it. ZooKeeper mode's engine must have been loaded
/// ([`load_zk`]); if it has not, `ModeUnavailable` (never a panic).
pub fn build(setup: &Setup) -> Result<Box<dyn Cluster>, SetupError> {
    match setup.mode {
        Mode::Kraft => Ok(Box::new(build_kraft(setup)?)),
        Mode::Zk => {
            ready(zk_cluster(setup.clone())).and_then(Result::ok).unwrap_or(Err(SetupError::ModeUnavailable(Mode::Zk)))
        }
    }
}

/// Fetch ZooKeeper mode's engine and its narration's English (at once if they are here
/// already); whether they are here.
pub async fn load_zk() -> bool {
    preload_zk().await.is_ok() && crate::i18n::load_words(crate::i18n::Words::Zk).await
}

/// Whether ZooKeeper mode's engine is here (loaded, or built in natively).
pub fn zk_ready() -> bool {
    ready(preload_zk()).is_some_and(|r| r.is_ok())
}

/// Whether the page `link` opens shows a ZooKeeper-mode cluster (the sandbox's views; the course
/// loads the engine itself, and the experiments' runs bring what they use with their chunk).
pub fn needs_zk(link: &Link) -> bool {
    link.experiments.is_none() && link.course.is_none() && link.view.modes().contains(&Mode::Zk)
}
