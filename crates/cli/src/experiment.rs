//! `qlab experiment scale|elections|propagation|stall`: the engine's experiments
//! (`quorumlab_sim::experiment`), one row per simulated run, as a table, JSON or CSV.

use std::io::{IsTerminal, Write};

use quorumlab_sim::experiment::{self, Sweep};
use serde_json::{json, Map, Value};

pub const USAGE: &str = "usage: qlab experiment scale|elections|propagation|stall [--partitions 1000,10000,...] \
[--brokers N | --brokers 3,6,...] [--seeds N] [--seed S] [--stall-s 0,5,...] [--preset fig16|kafka] [--json|--csv]";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Table,
    Json,
    Csv,
}

struct Args {
    which: String,
    format: Format,
    partitions: Option<Vec<u32>>,
    brokers: Option<Vec<usize>>,
    seeds: Option<u64>,
    seed: Option<u64>,
    stall_s: Option<Vec<u64>>,
    preset: Option<String>,
}

fn list<T: std::str::FromStr>(s: &str, name: &str) -> Result<Vec<T>, String> {
    s.split(',')
        .filter(|x| !x.is_empty())
        .map(|x| x.trim().replace('_', "").parse::<T>().map_err(|_| format!("{name} needs whole numbers, got \"{x}\"")))
        .collect()
}

fn parse(args: &[String]) -> Result<Args, String> {
    let which = args.first().cloned().ok_or_else(|| USAGE.to_string())?;
    let mut a = Args {
        which,
        format: Format::Table,
        partitions: None,
        brokers: None,
        seeds: None,
        seed: None,
        stall_s: None,
        preset: None,
    };
    let mut it = args[1..].iter();
    while let Some(flag) = it.next() {
        let mut value = |name: &str| it.next().cloned().ok_or_else(|| format!("{name} needs a value"));
        match flag.as_str() {
            "--json" => a.format = Format::Json,
            "--csv" => a.format = Format::Csv,
            "--partitions" => a.partitions = Some(list(&value("--partitions")?, "--partitions")?),
            "--brokers" => a.brokers = Some(list(&value("--brokers")?, "--brokers")?),
            "--seeds" => a.seeds = Some(list::<u64>(&value("--seeds")?, "--seeds")?.first().copied().unwrap_or(1)),
            "--seed" => a.seed = Some(list::<u64>(&value("--seed")?, "--seed")?.first().copied().unwrap_or(1)),
            "--stall-s" => a.stall_s = Some(list(&value("--stall-s")?, "--stall-s")?),
            "--preset" => a.preset = Some(value("--preset")?),
            "-h" | "--help" => return Err(USAGE.to_string()),
            other => return Err(format!("unknown option \"{other}\"\n{USAGE}")),
        }
    }
    Ok(a)
}

/// Run one experiment and print its rows.
pub fn run(args: &[String]) -> Result<(), String> {
    let a = parse(args)?;
    let rows: Vec<Map<String, Value>> = match a.which.as_str() {
        "scale" => scale(&a)?,
        "elections" => elections(&a)?,
        "propagation" => propagation(&a)?,
        "stall" => stall(&a)?,
        other => return Err(format!("unknown experiment \"{other}\"\n{USAGE}")),
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let text = match a.format {
        Format::Json => Value::Array(rows.into_iter().map(Value::Object).collect()).to_string(),
        Format::Csv => csv(&rows),
        Format::Table => table(&rows),
    };
    writeln!(out, "{text}").map_err(|e| e.to_string())
}

/// Rows are printed as each point finishes when writing a table (progress on stderr).
fn collect<S: Sweep>(mut sweep: S, to_map: impl Fn(&S::Row) -> Map<String, Value>) -> Vec<Map<String, Value>> {
    let mut rows = Vec::new();
    loop {
        match sweep.advance(usize::MAX) {
            experiment::Advance::Working => {}
            experiment::Advance::Row(row) => {
                rows.push(to_map(&row));
                if std::io::stderr().is_terminal() {
                    let p = sweep.progress();
                    eprint!("\r{} / {} points", p.done, p.total);
                }
            }
            experiment::Advance::Finished => {
                if std::io::stderr().is_terminal() {
                    eprintln!();
                }
                return rows;
            }
        }
    }
}

fn object(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

fn scale(a: &Args) -> Result<Vec<Map<String, Value>>, String> {
    use experiment::scale::{ScaleParams, ScaleSweep};
    let mut params = ScaleParams::default();
    if let Some(p) = &a.partitions {
        params.partitions = p.clone();
    }
    if let Some(b) = a.brokers.as_ref().and_then(|b| b.first()) {
        params.brokers = *b;
    }
    if let Some(s) = a.seed {
        params.seed = s;
    }
    let sweep = ScaleSweep::new(params)?;
    Ok(collect(sweep, |r| {
        object(json!({
            "mode": r.mode.as_str(),
            "partitions": r.partitions,
            "brokers": r.brokers,
            "seed": r.seed,
            "controller_failover_ms": r.controller_failover_ms,
            "broker_crash_recovery_ms": r.broker_crash_recovery_ms,
            "controlled_shutdown_ms": r.controlled_shutdown_ms,
            "shutdown_gave_up": r.shutdown_gave_up,
            "crashed_controller": r.crashed_controller,
            "crashed_broker": r.crashed_broker,
            "shutdown_broker": r.shutdown_broker,
            "partitions_led": r.partitions_led,
            "complete": r.complete,
            "violations": r.violations,
            "events": r.events,
            "link": r.link,
        }))
    }))
}

fn elections(a: &Args) -> Result<Vec<Map<String, Value>>, String> {
    use experiment::elections::{fig16, kafka_defaults, ElectionParams, ElectionSweep};
    let settings = match a.preset.as_deref() {
        None | Some("fig16") => fig16(),
        Some("kafka") => kafka_defaults(),
        Some(other) => return Err(format!("unknown preset \"{other}\" (fig16 or kafka)")),
    };
    let mut params = ElectionParams { settings, ..ElectionParams::default() };
    if let Some(n) = a.seeds {
        params.seeds = n;
    }
    if let Some(s) = a.seed {
        params.first_seed = s;
    }
    let sweep = ElectionSweep::new(params)?;
    Ok(collect(sweep, |r| {
        object(json!({
            "setting": r.setting,
            "mode": r.mode.as_str(),
            "voters": r.voters,
            "seed": r.seed,
            "leaderless_ms": r.leaderless_ms,
            "crash_at_ms": r.crash_at_ms,
            "had_leader": r.had_leader,
            "violations": r.violations,
            "link": r.link,
        }))
    }))
}

fn propagation(a: &Args) -> Result<Vec<Map<String, Value>>, String> {
    use experiment::propagation::{PropagationParams, PropagationSweep};
    let mut params = PropagationParams::default();
    if let Some(b) = &a.brokers {
        params.brokers = b.clone();
    }
    if let Some(n) = a.seeds {
        params.seeds = n;
    }
    if let Some(s) = a.seed {
        params.first_seed = s;
    }
    let sweep = PropagationSweep::new(params)?;
    Ok(collect(sweep, |r| {
        object(json!({
            "mode": r.mode.as_str(),
            "brokers": r.brokers,
            "seed": r.seed,
            "create_topic_ms": r.create_topic_ms,
            "alter_config_ms": r.alter_config_ms,
            "settled": r.settled,
            "violations": r.violations,
            "link": r.link,
        }))
    }))
}

fn stall(a: &Args) -> Result<Vec<Map<String, Value>>, String> {
    use experiment::stall::{StallParams, StallSweep};
    let mut params = StallParams::default();
    if let Some(s) = &a.stall_s {
        params.stall_s = s.clone();
    }
    if let Some(n) = a.seeds {
        params.seeds = n;
    }
    if let Some(s) = a.seed {
        params.first_seed = s;
    }
    let sweep = StallSweep::new(params)?;
    Ok(collect(sweep, |r| {
        object(json!({
            "mode": r.mode.as_str(),
            "stall_s": r.stall_s,
            "seed": r.seed,
            "sessions_expired": r.sessions_expired,
            "leaderships_moved": r.leaderships_moved,
            "requests_failed": r.requests_failed,
            "requests_sent": r.requests_sent,
            "violations": r.violations,
            "link": r.link,
        }))
    }))
}

fn cell(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn csv(rows: &[Map<String, Value>]) -> String {
    let Some(first) = rows.first() else { return String::new() };
    let keys: Vec<&String> = first.keys().collect();
    let quote = |s: String| {
        if s.contains([',', '"', '\n']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s
        }
    };
    let mut text = keys.iter().map(|k| quote(k.to_string())).collect::<Vec<_>>().join(",");
    for row in rows {
        text.push('\n');
        text += &keys.iter().map(|k| quote(row.get(*k).map(cell).unwrap_or_default())).collect::<Vec<_>>().join(",");
    }
    text
}

/// A plain table of every column but the link (too long to read; `--json`/`--csv` carry it).
fn table(rows: &[Map<String, Value>]) -> String {
    let Some(first) = rows.first() else { return String::new() };
    let keys: Vec<&String> = first.keys().filter(|k| k.as_str() != "link").collect();
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            keys.iter()
                .map(|k| r.get(*k).map(cell).map_or("-".into(), |c| if c.is_empty() { "-".into() } else { c }))
                .collect()
        })
        .collect();
    let widths: Vec<usize> = keys
        .iter()
        .enumerate()
        .map(|(i, k)| cells.iter().map(|r| r[i].len()).chain([k.len()]).max().unwrap_or(0))
        .collect();
    let line =
        |items: Vec<String>| items.iter().zip(&widths).map(|(c, w)| format!("{c:>w$}")).collect::<Vec<_>>().join("  ");
    let mut text = line(keys.iter().map(|k| k.to_string()).collect());
    for r in cells {
        text.push('\n');
        text += &line(r);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(words: &[&str]) -> Args {
        parse(&words.iter().map(|w| w.to_string()).collect::<Vec<_>>()).unwrap()
    }

    #[test]
    fn scale_rows_carry_the_issues_fields() {
        let rows = scale(&args(&["scale", "--partitions", "1_000", "--json"])).unwrap();
        assert_eq!(rows.len(), 2);
        for row in &rows {
            for key in [
                "mode",
                "partitions",
                "brokers",
                "seed",
                "controller_failover_ms",
                "broker_crash_recovery_ms",
                "controlled_shutdown_ms",
                "link",
            ] {
                assert!(row.get(key).is_some_and(|v| !v.is_null()), "{key} in {row:?}");
            }
        }
        assert_eq!(rows[0]["mode"], "zk");
        assert!(rows[1]["link"].as_str().unwrap().starts_with("?mode=kraft&seed=1&"));
        let text = csv(&rows);
        assert_eq!(text.lines().count(), 3);
        assert!(text.lines().next().unwrap().contains("controller_failover_ms"));
    }

    #[test]
    fn bad_sizes_are_refused() {
        assert!(scale(&args(&["scale", "--partitions", "0"])).is_err());
        assert!(parse(&["scale".to_string(), "--partitions".to_string(), "x".to_string()]).is_err());
        assert!(elections(&args(&["elections", "--preset", "nope"])).is_err());
    }
}
