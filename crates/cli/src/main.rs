//! `qlab`: run Quorum Lab scenarios headless and print JSON.
//!
//! ```text
//! qlab run   --mode kraft|zk [--controllers N] [--ensemble N] [--brokers N] [--partitions N]
//!            [--seed S] [--until T] [--scenario FILE|-] [--set key=value]... [--json]
//! qlab trace (same options)   # one JSON line per processed event
//! qlab experiment scale|elections|propagation|stall [--partitions 1000,10000,...] [--seeds N]
//!            [--json|--csv]   # one row per simulated run (see experiment.rs)
//! ```

mod experiment;

use std::io::{Read, Write};
use std::process::ExitCode;

use quorumlab_sim::cluster::Cluster;
use quorumlab_sim::scenario;
use quorumlab_sim::setup::{build, Mode, Setup};
use quorumlab_sim::summary::{HistoryPoint, Summary};
use quorumlab_sim::Time;
use serde_json::{json, Value};

const USAGE: &str = "usage: qlab run|trace --mode kraft|zk [--controllers N] [--ensemble N] [--brokers N] \
[--partitions N] [--seed S] [--until T] [--scenario FILE|-] [--set key=value]... [--json]
       qlab experiment scale|elections|propagation|stall [options] [--json|--csv]";

struct Options {
    command: String,
    setup: Setup,
    until: Time,
    json: bool,
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = if args.first().is_some_and(|c| c == "experiment") {
        experiment::run(&args[1..])
    } else {
        parse_args(&args).and_then(|opts| run(&opts))
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("qlab: {message}");
            ExitCode::from(2)
        }
    }
}

fn parse_args(args: &[String]) -> Result<Options, String> {
    let command = args.first().cloned().ok_or_else(|| USAGE.to_string())?;
    if command != "run" && command != "trace" {
        return Err(format!("unknown command \"{command}\"\n{USAGE}"));
    }
    let mut setup = Setup::default();
    let mut until = Time::from_secs(30);
    let mut json = false;
    let mut scenario_text: Option<String> = None;
    let mut sets: Vec<(String, String)> = Vec::new();
    let mut it = args[1..].iter();
    while let Some(flag) = it.next() {
        let mut value = |name: &str| it.next().cloned().ok_or_else(|| format!("{name} needs a value"));
        match flag.as_str() {
            "--json" => json = true,
            "--mode" => {
                let v = value("--mode")?;
                setup.mode = Mode::parse(&v).ok_or_else(|| format!("unknown mode \"{v}\" (kraft or zk)"))?;
            }
            "--seed" => setup.seed = number(&value("--seed")?, "--seed")?,
            "--controllers" => setup.controllers = number(&value("--controllers")?, "--controllers")? as usize,
            "--ensemble" => setup.ensemble = number(&value("--ensemble")?, "--ensemble")? as usize,
            "--brokers" => setup.brokers = number(&value("--brokers")?, "--brokers")? as usize,
            "--partitions" => setup.partitions = number(&value("--partitions")?, "--partitions")? as u32,
            "--until" => until = duration(&value("--until")?)?,
            "--scenario" => {
                let path = value("--scenario")?;
                let mut text = String::new();
                if path == "-" {
                    std::io::stdin().read_to_string(&mut text).map_err(|e| format!("reading stdin: {e}"))?;
                } else {
                    text = std::fs::read_to_string(&path).map_err(|e| format!("reading {path}: {e}"))?;
                }
                scenario_text = Some(text);
            }
            "--set" => {
                let kv = value("--set")?;
                let (k, v) = kv.split_once('=').ok_or_else(|| format!("--set needs key=value, got \"{kv}\""))?;
                sets.push((k.to_string(), v.to_string()));
            }
            "-h" | "--help" => return Err(USAGE.to_string()),
            other => return Err(format!("unknown option \"{other}\"\n{USAGE}")),
        }
    }
    if let Some(text) = scenario_text {
        setup.script = scenario::parse(&text).map_err(|e| format!("scenario: {e}"))?;
    }
    setup.script.settings.extend(sets);
    if !(3..=5).contains(&setup.controllers) {
        return Err("--controllers must be 3, 4 or 5".into());
    }
    if ![3, 5, 7].contains(&setup.ensemble) {
        return Err("--ensemble must be 3, 5 or 7".into());
    }
    Ok(Options { command, setup, until, json })
}

fn number(s: &str, name: &str) -> Result<u64, String> {
    s.parse::<u64>().map_err(|_| format!("{name} needs a whole number, got \"{s}\""))
}

/// `30s`, `500ms`, `2m`, `1500us`; a bare number is milliseconds.
fn duration(s: &str) -> Result<Time, String> {
    let digits = s.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let unit = &s[digits.len()..];
    let n: u64 = digits.parse().map_err(|_| format!("bad time \"{s}\" (e.g. 30s, 500ms, 2m)"))?;
    let us = match unit {
        "us" => Some(n),
        "ms" | "" => n.checked_mul(1_000),
        "s" => n.checked_mul(1_000_000),
        "m" => n.checked_mul(60_000_000),
        _ => None,
    };
    us.map(Time).ok_or_else(|| format!("bad time \"{s}\" (e.g. 30s, 500ms, 2m)"))
}

fn run(opts: &Options) -> Result<(), String> {
    let mut cluster = build(&opts.setup).map_err(|e| e.to_string())?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if opts.command == "trace" {
        return trace(cluster, opts.until, &mut out);
    }
    cluster.run_until(opts.until, usize::MAX);
    let summary = cluster.summary();
    let text = if opts.json { summary_json(&summary).to_string() } else { summary_text(&summary) };
    writeln!(out, "{text}").map_err(|e| e.to_string())
}

fn trace(mut cluster: Box<dyn Cluster>, until: Time, out: &mut impl Write) -> Result<(), String> {
    cluster.record_trace();
    cluster.run_until(until, usize::MAX);
    for r in cluster.trace_records() {
        let line = json!({
            "i": r.index, "t_us": r.at.as_us(), "kind": r.kind,
            "node": r.node, "from": r.from, "detail": r.detail,
        });
        writeln!(out, "{line}").map_err(|e| e.to_string())?;
    }
    Ok(())
}

fn history_json(h: &[HistoryPoint]) -> Value {
    Value::Array(h.iter().map(|p| json!({"t_ms": p.t_ms, "node": p.node, "epoch": p.epoch})).collect())
}

fn summary_json(s: &Summary) -> Value {
    let nodes: Vec<Value> = s
        .nodes
        .iter()
        .map(|n| {
            let mut v = json!({"id": n.id, "role": n.role, "alive": n.alive, "epoch": n.epoch});
            if let Some(x) = n.log_end_offset {
                v["log_end_offset"] = json!(x);
            }
            if let Some(x) = n.high_watermark {
                v["high_watermark"] = json!(x);
            }
            if let Some(x) = n.last_zxid {
                v["last_zxid"] = json!(format!("0x{x:x}"));
            }
            v
        })
        .collect();
    json!({
        "mode": s.mode,
        "seed": s.seed,
        "end_ms": s.end_ms,
        "trace_hash": s.trace_hash,
        "events": s.events,
        "violations": s.violations,
        "controller_history": history_json(&s.controller_history),
        "quorum_leader_history": history_json(&s.quorum_leader_history),
        "nodes": nodes,
        "metrics": {
            "messages_by_type": s.messages_by_type.iter().map(|(k, v)| (k.clone(), json!(v))).collect::<serde_json::Map<_, _>>(),
            "ms_without_controller": s.ms_without_controller,
            "metadata_change_latency_ms": s.metadata_change_latency_ms,
        },
    })
}

fn summary_text(s: &Summary) -> String {
    let mut t = format!(
        "mode {} seed {} until {} ms: {} events, trace hash {}\n",
        s.mode, s.seed, s.end_ms, s.events, s.trace_hash
    );
    for p in &s.quorum_leader_history {
        t += &format!("  {:>7} ms  leader {:<5} epoch {}\n", p.t_ms, p.node.as_deref().unwrap_or("-"), p.epoch);
    }
    for n in &s.nodes {
        t += &format!("  {:<5} {:<12} epoch {}\n", n.id, if n.alive { n.role.as_str() } else { "down" }, n.epoch);
    }
    if s.violations.is_empty() {
        t += "all invariants hold";
    } else {
        t += &format!("{} invariant violations:\n  {}", s.violations.len(), s.violations.join("\n  "));
    }
    t
}
