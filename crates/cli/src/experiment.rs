//! `qlab experiment scale|elections|propagation|stall`: the engine's experiments
//! (`quorumlab_sim::experiment`), one row per simulated run, as a table, JSON or CSV.

use std::io::{IsTerminal, Write};

use quorumlab_sim::experiment::table::{self, Row};
use quorumlab_sim::experiment::{self, Sweep};

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
    let text = render(&a)?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    write!(out, "{text}").map_err(|e| e.to_string())
}

/// The experiment's rows in the format asked for (JSON and CSV as the page writes them:
/// `experiment::table`).
fn render(a: &Args) -> Result<String, String> {
    match a.which.as_str() {
        "scale" => Ok(format(a.format, &collect(scale(a)?))),
        "elections" => Ok(format(a.format, &collect(elections(a)?))),
        "propagation" => Ok(format(a.format, &collect(propagation(a)?))),
        "stall" => Ok(format(a.format, &collect(stall(a)?))),
        other => Err(format!("unknown experiment \"{other}\"\n{USAGE}")),
    }
}

fn format<R: Row>(format: Format, rows: &[R]) -> String {
    match format {
        Format::Json => table::json(rows) + "\n",
        Format::Csv => table::csv(rows),
        Format::Table => plain_table(rows),
    }
}

/// Runs the sweep to its end (progress on stderr when it is a terminal).
fn collect<S: Sweep>(mut sweep: S) -> Vec<S::Row> {
    let mut rows = Vec::new();
    loop {
        match sweep.advance(usize::MAX) {
            experiment::Advance::Working => {}
            experiment::Advance::Row(row) => {
                rows.push(row);
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

fn scale(a: &Args) -> Result<experiment::scale::ScaleSweep, String> {
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
    ScaleSweep::new(params)
}

fn elections(a: &Args) -> Result<experiment::elections::ElectionSweep, String> {
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
    ElectionSweep::new(params)
}

fn propagation(a: &Args) -> Result<experiment::propagation::PropagationSweep, String> {
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
    PropagationSweep::new(params)
}

fn stall(a: &Args) -> Result<experiment::stall::StallSweep, String> {
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
    StallSweep::new(params)
}

/// A plain table of every column but the link (too long to read; `--json`/`--csv` carry it).
fn plain_table<R: Row>(rows: &[R]) -> String {
    let keep: Vec<usize> = (0..R::COLUMNS.len()).filter(|i| R::COLUMNS[*i] != "link").collect();
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let all = r.cells();
            keep.iter()
                .map(|i| {
                    let c = all[*i].plain();
                    if c.is_empty() {
                        "-".into()
                    } else {
                        c
                    }
                })
                .collect()
        })
        .collect();
    let widths: Vec<usize> = keep
        .iter()
        .enumerate()
        .map(|(j, i)| cells.iter().map(|r| r[j].len()).chain([R::COLUMNS[*i].len()]).max().unwrap_or(0))
        .collect();
    let line =
        |items: Vec<String>| items.iter().zip(&widths).map(|(c, w)| format!("{c:>w$}")).collect::<Vec<_>>().join("  ");
    let mut text = line(keep.iter().map(|i| R::COLUMNS[*i].to_string()).collect());
    for r in cells {
        text.push('\n');
        text += &line(r);
    }
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(words: &[&str]) -> Args {
        parse(&words.iter().map(|w| w.to_string()).collect::<Vec<_>>()).unwrap()
    }

    #[test]
    fn scale_json_rows_carry_the_issues_fields() {
        let text = render(&args(&["scale", "--partitions", "1_000", "--json"])).unwrap();
        let rows: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap();
        assert_eq!(rows.len(), 2);
        // The issue's fields (mode, sizes, seed, the three measured times, the link) are among
        // the table's columns, and every row carries each column, none null at this size.
        let fields = ["controller_failover_ms", "broker_crash_recovery_ms", "controlled_shutdown_ms", "link"];
        assert!(fields.iter().all(|f| experiment::scale::ScaleRow::COLUMNS.contains(f)));
        for row in &rows {
            for key in experiment::scale::ScaleRow::COLUMNS {
                assert!(row.get(key).is_some_and(|v| !v.is_null()), "{key} in {row:?}");
            }
        }
        assert_eq!(rows[0]["mode"], "zk");
        assert!(rows[1]["link"].as_str().unwrap().starts_with("?mode=kraft&seed=1&"));
        let text = render(&args(&["scale", "--partitions", "1_000", "--csv"])).unwrap();
        assert_eq!(text.lines().count(), 3);
        assert!(text.lines().next().unwrap().contains("controller_failover_ms"));
        let text = render(&args(&["scale", "--partitions", "1_000"])).unwrap();
        assert_eq!(text.lines().count(), 3);
        assert!(!text.contains("?mode="), "the plain table leaves the link out");
    }

    #[test]
    fn bad_sizes_are_refused() {
        assert!(scale(&args(&["scale", "--partitions", "0"])).is_err());
        assert!(parse(&["scale".to_string(), "--partitions".to_string(), "x".to_string()]).is_err());
        assert!(elections(&args(&["elections", "--preset", "nope"])).is_err());
        assert!(render(&args(&["nope"])).is_err());
    }
}
