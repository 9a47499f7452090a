//! "Did you mean" for misspelt actions, options and node names: aliases first, then the
//! nearest valid word by edit distance.

use super::parser::{classify_node, parse_digits, NodeName};
use super::{NodePrefix, NodeRef, ACTION_NAMES, MAX_NODE_NUMBER, MAX_SUGGESTION_DISTANCE, MAX_SUGGESTION_INPUT_CHARS};

/// `str::to_lowercase` wherever the suggestions below can tell the difference: they only
/// compare against ASCII words and count characters. ASCII letters are lowered, and so are the
/// only two other characters whose lowercase contains ASCII (U+212A KELVIN SIGN → `k`, U+0130
/// CAPITAL I WITH DOT ABOVE → `i` + U+0307). Any other character is kept: its lowercase is one
/// non-ASCII character, which matches none of our words and counts as one character, as it
/// does. This keeps Unicode's case tables (about 16 KB) out of the browser build.
pub(super) fn push_lowercase(out: &mut String, c: char) {
    match c {
        '\u{212A}' => out.push('k'),
        '\u{130}' => out.push_str("i\u{307}"),
        _ => out.push(c.to_ascii_lowercase()),
    }
}

pub(super) fn lowercase(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        push_lowercase(&mut out, c);
    }
    out
}

/// Levenshtein distance in chars (insert, delete, substitute each cost 1).
pub(super) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = Vec::with_capacity(previous.len());
        let mut left = i + 1;
        current.push(left);
        for (cb, pair) in b.iter().zip(previous.windows(2)) {
            let &[diagonal, above] = pair else { continue };
            let cost = diagonal + usize::from(ca != *cb);
            left = cost.min(above + 1).min(left + 1);
            current.push(left);
        }
        previous = current;
    }
    previous.last().copied().unwrap_or(0)
}

/// The candidate nearest to `found` (compared in lowercase), if within
/// [`MAX_SUGGESTION_DISTANCE`] and closer than the candidate's own length (so `xy` does not
/// become `at`). Ties go to the earlier candidate.
pub(super) fn nearest_word<'a>(found: &str, candidates: &[&'a str]) -> Option<&'a str> {
    if found.chars().count() > MAX_SUGGESTION_INPUT_CHARS {
        return None;
    }
    let lowercase = lowercase(found);
    let mut best: Option<(usize, &'a str)> = None;
    for &candidate in candidates {
        let distance = edit_distance(&lowercase, candidate);
        let close = distance <= MAX_SUGGESTION_DISTANCE && distance < candidate.chars().count();
        if close && best.is_none_or(|(best_distance, _)| distance < best_distance) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, candidate)| candidate)
}

pub(super) fn suggest_action(found: &str) -> Option<String> {
    let alias = match lowercase(found).as_str() {
        "kill" | "stop-hard" => Some("crash"),
        "stop" | "graceful-shutdown" => Some("shutdown"),
        "start" | "recover" | "revive" => Some("restart"),
        "split" | "isolate" | "partition-network" => Some("partition"),
        "repair" | "unpartition" | "reconnect" => Some("heal"),
        "drop" | "packet-loss" => Some("loss"),
        "latency" | "lag" | "slow" => Some("delay"),
        "create" | "topic" | "new-topic" | "add-topic" => Some("create-topic"),
        "config" | "configs" | "alter-configs" | "set-config" | "kafka-configs" => Some("alter-config"),
        _ => None,
    };
    alias.or_else(|| nearest_word(found, &ACTION_NAMES)).map(str::to_string)
}

pub(super) fn suggest_topic_option(found: &str) -> Option<String> {
    let alias = match lowercase(found).as_str() {
        "replication-factor" | "replication.factor" | "replication_factor" | "replication" | "replicas" | "rf" => {
            Some("rf")
        }
        "partition" | "partitions" | "num.partitions" | "parts" => Some("partitions"),
        _ => None,
    };
    alias.or_else(|| nearest_word(found, &["partitions", "rf"])).map(str::to_string)
}

/// For a name that is not a node: the node the writer most likely meant, e.g. `C1` → `c1`,
/// `broker-2` → `b2`, `zk01` → `zk1`, `z3` → `zk3`, `ledaer` → `leader`.
pub(super) fn suggest_node(found: &str) -> Option<String> {
    if found.chars().count() > MAX_SUGGESTION_INPUT_CHARS {
        return None;
    }
    let mut cleaned = String::with_capacity(found.len());
    for c in found.chars().filter(|c| !matches!(c, '-' | '_' | '.' | ',' | ';' | ':' | '"' | '\'' | '(' | ')')) {
        push_lowercase(&mut cleaned, c);
    }
    if let NodeName::Valid(node) = classify_node(&cleaned) {
        return Some(node.to_string());
    }
    if let Some(digits_start) = cleaned.find(|c: char| c.is_ascii_digit()) {
        let (word, digits) = cleaned.split_at_checked(digits_start)?;
        let number = parse_digits(digits)
            .and_then(|number| u32::try_from(number).ok())
            .filter(|number| (1..=MAX_NODE_NUMBER).contains(number))?;
        let prefix = node_prefix_for_word(word)?;
        return Some(NodeRef::Named { prefix, number }.to_string());
    }
    nearest_word(&cleaned, &["leader", "controller"]).map(str::to_string)
}

/// The node prefix a word most likely means: `broker` → `b`, `z` → `zk`.
pub(super) fn node_prefix_for_word(word: &str) -> Option<NodePrefix> {
    match word {
        "c" | "ctrl" | "controller" | "kraft" | "quorum" | "voter" => Some(NodePrefix::Controller),
        "b" | "broker" | "kafka" => Some(NodePrefix::Broker),
        "zk" | "z" | "zoo" | "zookeeper" => Some(NodePrefix::Zk),
        _ => match nearest_word(word, &["controller", "broker", "zookeeper"]) {
            Some("controller") => Some(NodePrefix::Controller),
            Some("broker") => Some(NodePrefix::Broker),
            Some("zookeeper") => Some(NodePrefix::Zk),
            _ => None,
        },
    }
}
