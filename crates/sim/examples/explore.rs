//! The bounded exhaustive explorer (`quorumlab_sim::explore`) from the command line; what
//! `make explore` runs.
//!
//! ```text
//! make explore                                                # every preset
//! make explore EXPLORE_ARGS="kraft-crash --deliveries=16"     # one plan, changed
//! make explore EXPLORE_ARGS="replay kraft-crash 0,1,0,2"      # one schedule, told
//! ```
//!
//! (`make explore` is `cargo run --release -p quorumlab-sim --features trace --example explore
//! -- ARGS`, built for speed.) Flags change a preset: `--quorum=N --brokers=N --seed=N
//! --from-ms=N --window=N|none --latencies-us=A,B --losses=N --timeouts-ms=A,B --deliveries=N
//! --horizon-ms=N --settle=true|false --max-states=N`. A replay prints each choice, what the
//! processes said and (with the `trace` feature) every event.

use std::process::ExitCode;

use quorumlab_sim::explore::{self, Plan};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("replay") => replay(&args[1..]),
        Some("-h" | "--help") => Err(usage()),
        _ => explore_all(&args),
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::from(2)
        }
    }
}

fn usage() -> String {
    format!(
        "usage: explore [PLAN [--flag=value..]] | explore replay PLAN [--flag=value..] CHOICES\nplans: {}",
        Plan::PRESETS.join(", ")
    )
}

/// Explore the named plan (every preset if none), printing figures and wall time.
fn explore_all(args: &[String]) -> Result<ExitCode, String> {
    let plans = match args.split_first() {
        None => Plan::PRESETS.iter().map(|name| Plan::from_args(name, &[])).collect::<Result<Vec<_>, _>>()?,
        Some((name, flags)) => vec![Plan::from_args(name, flags)?],
    };
    let mut code = ExitCode::SUCCESS;
    for plan in &plans {
        println!("exploring {} ({})", plan.args(), explore::report::setup_text(plan));
        // The only clock here is the figure a person reads; the engine never sees it.
        #[allow(clippy::disallowed_types)]
        let started = std::time::Instant::now();
        let report = explore::explore(plan);
        let seconds = started.elapsed().as_secs_f64();
        println!("{}", report.figures());
        println!(
            "  wall time {seconds:.1} s ({:.0} states/s, {:.0} events/s)",
            report.states as f64 / seconds,
            report.events as f64 / seconds
        );
        if let Some(found) = &report.found {
            print!("{}", found.explain(plan));
            code = ExitCode::FAILURE;
        }
    }
    Ok(code)
}

/// Replay one schedule and print what happened in it.
fn replay(args: &[String]) -> Result<ExitCode, String> {
    let (Some(name), Some(choices)) = (args.first(), args.last().filter(|_| args.len() >= 2)) else {
        return Err(usage());
    };
    let plan = Plan::from_args(name, &args[1..args.len() - 1])?;
    let choices: Vec<usize> = match choices.as_str() {
        "-" => Vec::new(),
        text => text
            .split(',')
            .map(|c| c.parse().map_err(|_| format!("not a choice vector: {text}")))
            .collect::<Result<_, _>>()?,
    };
    let replayed = explore::replay(&plan, &choices, true, None);
    println!("replaying {} ({})", plan.args(), explore::report::setup_text(&plan));
    if let Some((node, at)) = &replayed.crash {
        println!("the leader {node} crashes at {at}");
    }
    for line in &replayed.log {
        println!("  {line}");
    }
    let cluster = &replayed.cluster;
    let mut notes = Vec::new();
    cluster.notes(0, &mut notes);
    let names: Vec<String> = cluster.node_views().iter().map(|v| v.name()).collect();
    println!("what the processes said from {} on:", plan.explore_from);
    for note in notes.iter().filter(|n| n.at >= plan.explore_from) {
        let node = names.get(note.node).map_or("-", String::as_str);
        println!("  {} {node} {} {:?}", note.at, note.key, note.args);
    }
    for record in cluster.trace_records().iter().filter(|r| r.at >= plan.explore_from) {
        println!(
            "  trace {} {} node={:?} from={:?} {}",
            record.at, record.kind, record.node, record.from, record.detail
        );
    }
    println!("ended: {} at {}", replayed.end, cluster.now());
    for v in cluster.node_views() {
        println!(
            "  {} {:?} epoch {} vote {:?} log end {} committed {}",
            v.name(),
            v.role,
            v.epoch,
            v.vote,
            v.log_end,
            v.committed
        );
    }
    if replayed.diverged {
        println!("note: a choice was out of range; this vector is not a schedule of this plan");
    }
    let violations = cluster.violations();
    if violations.is_empty() {
        println!("no invariant violated");
        return Ok(ExitCode::SUCCESS);
    }
    for v in violations {
        println!("VIOLATION {v}");
    }
    Ok(ExitCode::FAILURE)
}
