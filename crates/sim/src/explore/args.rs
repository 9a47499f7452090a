//! A plan as command-line words: a preset's name and the flags that change it. The example
//! `explore` reads them; a report writes them back into its replay command, so the command
//! replays the plan the schedule came from.

use super::Plan;
use crate::time::Time;

fn list(values: &[u64]) -> String {
    let parts: Vec<String> = values.iter().map(u64::to_string).collect();
    parts.join(",")
}

fn parse_list(flag: &str, text: &str) -> Result<Vec<u64>, String> {
    text.split(',').map(|v| v.parse().map_err(|_| format!("{flag}: not a list of numbers: {text}"))).collect()
}

impl Plan {
    /// The words [`Plan::from_args`] reads back into this plan.
    pub fn args(&self) -> String {
        let preset = Plan::preset(&self.name).unwrap_or_else(|| self.clone());
        let mut words = vec![self.name.clone()];
        let mut flag = |name: &str, differs: bool, value: String| {
            if differs {
                words.push(format!("--{name}={value}"));
            }
        };
        flag("quorum", self.quorum != preset.quorum, self.quorum.to_string());
        flag("brokers", self.brokers != preset.brokers, self.brokers.to_string());
        flag("seed", self.seed != preset.seed, self.seed.to_string());
        flag("from-ms", self.explore_from != preset.explore_from, self.explore_from.as_ms().to_string());
        let window = self.crash_window.map_or("none".to_string(), |w| w.to_string());
        flag("window", self.crash_window != preset.crash_window, window);
        flag("latencies-us", self.latencies_us != preset.latencies_us, list(&self.latencies_us));
        flag("losses", self.max_losses != preset.max_losses, self.max_losses.to_string());
        flag("timeouts-ms", self.election_timeouts_ms != preset.election_timeouts_ms, list(&self.election_timeouts_ms));
        flag("deliveries", self.max_deliveries != preset.max_deliveries, self.max_deliveries.to_string());
        flag("horizon-ms", self.horizon != preset.horizon, self.horizon.as_ms().to_string());
        flag("settle", self.stop_when_settled != preset.stop_when_settled, self.stop_when_settled.to_string());
        flag("max-states", self.max_states != preset.max_states, self.max_states.to_string());
        words.join(" ")
    }

    /// A preset's name, then `--flag=value` words changing it (as [`Plan::args`] writes them).
    pub fn from_args(name: &str, flags: &[String]) -> Result<Plan, String> {
        let mut plan = Plan::preset(name).ok_or_else(|| format!("no plan named {name}: {:?}", Plan::PRESETS))?;
        for word in flags {
            let (flag, value) = word
                .strip_prefix("--")
                .and_then(|w| w.split_once('='))
                .ok_or_else(|| format!("expected --flag=value, got {word}"))?;
            let number = || value.parse::<u64>().map_err(|_| format!("--{flag}: not a number: {value}"));
            let small = || number().and_then(|n| u32::try_from(n).map_err(|_| format!("--{flag}: too large")));
            match flag {
                "quorum" => plan.quorum = number()? as usize,
                "brokers" => plan.brokers = number()? as usize,
                "seed" => plan.seed = number()?,
                "from-ms" => plan.explore_from = Time::from_ms(number()?),
                "window" if value == "none" => plan.crash_window = None,
                "window" => plan.crash_window = Some(small()?),
                "latencies-us" => plan.latencies_us = parse_list(flag, value)?,
                "losses" => plan.max_losses = small()?,
                "timeouts-ms" if value.is_empty() => plan.election_timeouts_ms = Vec::new(),
                "timeouts-ms" => plan.election_timeouts_ms = parse_list(flag, value)?,
                "deliveries" => plan.max_deliveries = small()?,
                "horizon-ms" => plan.horizon = Time::from_ms(number()?),
                "settle" => plan.stop_when_settled = value == "true",
                "max-states" => plan.max_states = number()?,
                _ => return Err(format!("unknown flag --{flag}")),
            }
        }
        if plan.latencies_us.is_empty() {
            return Err("--latencies-us: at least one latency".into());
        }
        Ok(plan)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plan_survives_its_words() {
        for name in Plan::PRESETS {
            let preset = Plan::preset(name).unwrap();
            assert_eq!(preset.args(), name);
            let changed = Plan {
                seed: 9,
                crash_window: None,
                latencies_us: vec![1, 2, 3],
                election_timeouts_ms: Vec::new(),
                max_deliveries: 7,
                stop_when_settled: false,
                ..preset
            };
            let words: Vec<String> = changed.args().split(' ').skip(1).map(String::from).collect();
            assert_eq!(Plan::from_args(name, &words), Ok(changed));
        }
        assert!(Plan::from_args("nope", &[]).is_err());
        assert!(Plan::from_args("zk-crash", &["--seed=x".into()]).is_err());
    }
}
