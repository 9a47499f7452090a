//! Opening the clusters an address names: each cluster built with the settings its mode takes,
//! its actions replayed to the moment the link names (within a budget of events), and a message
//! for everything left out.

use quorumlab_sim::scenario::Script;
use quorumlab_sim::setup::Setup;

use super::lab::{Lab, MAX_OPEN_EVENTS};
use super::settings::{action_left_out, setting_left_out};
use crate::link::{own_key, script, Link, Problem, View, DEFAULT_SEED};

/// The labs of every cluster `link` shows, in the page's order, and what to tell the person.
/// `Err` only if not even a default cluster could be built.
pub fn open_labs(link: &Link, problems: &mut Vec<Problem>) -> Result<Vec<Lab>, String> {
    let both = link.view == View::Both;
    // Every side opens at the same moment: the link's `t`, else the last action on any side
    // (side by side, the clusters share one clock).
    let (mut target, mut too_far) = (link.opening_moment(), None);
    let mut labs = Vec::new();
    for &mode in link.view.modes() {
        let Script { mut settings, steps } = link.script_for(mode);
        // Each cluster takes the settings its mode knows, and says which it left out. Their
        // checks come with the parser (a link's settings are in its scripts, which it read).
        let mut unchecked = false;
        settings.retain(|(key, value)| match script::check_setting(mode, key, value) {
            Some(Ok(())) => true,
            Some(Err(e)) => {
                problems.push(setting_left_out(mode, &e));
                false
            }
            None => {
                unchecked = true;
                false
            }
        });
        let unavailable = Problem::new("param.script_unavailable", &[]);
        if unchecked && !problems.contains(&unavailable) {
            problems.push(unavailable);
        }
        let setup = Setup { script: Script { settings, steps: Vec::new() }, ..link.setup(mode) };
        let opened = Lab::open(setup, &steps, target, MAX_OPEN_EVENTS).or_else(|e| {
            problems.push(Problem { key: "param.failed", args: vec![e.to_string()] });
            let defaults = Setup { seed: DEFAULT_SEED, mode, ..Setup::default() };
            Lab::open(defaults, &[], target, MAX_OPEN_EVENTS)
        });
        let (lab, short) = opened.map_err(|e| e.to_string())?;
        // An action naming a node this cluster lacks is left out when its moment comes: say so
        // now.
        let sources = [("s", &link.shared.steps), (own_key(mode), &link.own(mode).steps)];
        for (param, list) in sources.into_iter().take(if both { 2 } else { 1 }) {
            for step in list.iter() {
                if let Err(e) = lab.cluster.check(&step.action) {
                    problems.push(action_left_out(mode, param, step.line, &e));
                }
            }
        }
        if short.is_some() {
            // Too far to replay on opening: the sides after this one open where it stopped,
            // and those before it go back there.
            too_far = too_far.or(short);
            target = Some(lab.cluster.now());
        }
        labs.push(lab);
    }
    if let (Some(wanted), Some(reached)) = (too_far, target) {
        for lab in &mut labs {
            if lab.cluster.now() > reached {
                let _ = lab.rewind_to(reached);
            } else {
                // It stopped here, perhaps with events of this very moment still to come.
                lab.finish_at(reached);
            }
            // The timeline ends here too: scrubbing further would replay past the budget.
            lab.horizon = reached;
        }
        if reached < wanted {
            let seconds = crate::i18n::seconds;
            problems
                .push(Problem { key: "param.too_far", args: vec![seconds(wanted.as_ms()), seconds(reached.as_ms())] });
        }
    }
    Ok(labs)
}
