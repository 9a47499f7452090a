//! Parsing scenario text: lines into tokens with their char columns, then settings and steps
//! (see the module docs of [`crate::scenario`] for the format). Never panics.

use crate::sorted::SortedSet;
use crate::time::Time;

use super::suggest::{nearest_word, suggest_action, suggest_node, suggest_topic_option};
use super::{Expected, NodePrefix, NodeRef, ParseError, ParseErrorKind, ScenarioAction, Script, Step};
use super::{TimeProblem, TopicNameProblem};
use super::{MAX_DELAY, MAX_NODE_NUMBER, MAX_PARTITIONS, MAX_REPLICATION_FACTOR, MAX_STEPS, MAX_TEXT_BYTES};
use super::{MAX_TIME, MAX_TOPIC_NAME_CHARS, MICROS_PER_MIN, MICROS_PER_MS, MICROS_PER_S};

/// A whitespace-separated word of one line, with its 1-based char columns.
#[derive(Clone, Copy, Debug)]
pub(super) struct Token<'a> {
    pub(super) text: &'a str,
    pub(super) column: usize,
    /// The column just after the token's last char.
    pub(super) end_column: usize,
}

/// An error inside one line: the line number is added by [`parse`].
pub(super) struct Fault {
    column: usize,
    kind: ParseErrorKind,
}

impl Fault {
    fn at(token: &Token<'_>, kind: ParseErrorKind) -> Fault {
        Fault { column: token.column, kind }
    }
    fn after(token: &Token<'_>, kind: ParseErrorKind) -> Fault {
        Fault { column: token.end_column, kind }
    }
    fn missing(after: &Token<'_>, what: Expected) -> Fault {
        Fault::after(after, ParseErrorKind::MissingArgument { what })
    }
}

/// Parses scenario text (see the module docs for the format). Steps keep the order written.
pub fn parse(text: &str) -> Result<Script, ParseError> {
    if text.len() > MAX_TEXT_BYTES {
        let (line, column) = position_of_byte(text, MAX_TEXT_BYTES);
        let kind = ParseErrorKind::TextTooLong { max_bytes: MAX_TEXT_BYTES };
        return Err(ParseError { line, column, kind });
    }
    let mut script = Script::default();
    for (index, line_text) in text.split('\n').enumerate() {
        let line = index + 1;
        parse_line(line_text, line, &mut script).map_err(|fault| ParseError {
            line,
            column: fault.column,
            kind: fault.kind,
        })?;
    }
    Ok(script)
}

pub(super) fn parse_line(line_text: &str, line: usize, script: &mut Script) -> Result<(), Fault> {
    let tokens = tokenize(line_text);
    let Some((first, rest)) = tokens.split_first() else {
        return Ok(());
    };
    match first.text {
        "set" => script.settings.push(parse_setting(first, rest)?),
        "at" => {
            if script.steps.len() >= MAX_STEPS {
                let kind = ParseErrorKind::TooManySteps { max_steps: MAX_STEPS };
                return Err(Fault::at(first, kind));
            }
            let (at, action) = parse_step(first, rest)?;
            if let ScenarioAction::CreateTopic { partitions, .. } = &action {
                let before: u64 = script.steps.iter().map(|s| s.action.partitions_created()).sum();
                if before + u64::from(*partitions) > u64::from(MAX_PARTITIONS) {
                    let kind = ParseErrorKind::TooManyPartitions { max_total: MAX_PARTITIONS };
                    return Err(Fault::at(first, kind));
                }
            }
            script.steps.push(Step { at, action, line });
        }
        other => {
            let suggestion = nearest_word(other, &["at", "set"]).map(str::to_string);
            let found = other.to_string();
            return Err(Fault::at(first, ParseErrorKind::UnknownDirective { found, suggestion }));
        }
    }
    Ok(())
}

/// Line and column (1-based, chars) of the char that holds byte `byte` of `text`.
pub(super) fn position_of_byte(text: &str, byte: usize) -> (usize, usize) {
    let (mut line, mut column) = (1, 1);
    for (start, ch) in text.char_indices() {
        if start + ch.len_utf8() > byte {
            break;
        }
        if ch == '\n' {
            line += 1;
            column = 1;
        } else {
            column += 1;
        }
    }
    (line, column)
}

/// Splits a line into words at Unicode whitespace, stopping at the first `#`.
pub(super) fn tokenize(line_text: &str) -> Vec<Token<'_>> {
    let mut tokens = Vec::new();
    // (byte, column) where the current word started.
    let mut start: Option<(usize, usize)> = None;
    let mut end_byte = line_text.len();
    let mut column = 0;
    for (byte, ch) in line_text.char_indices() {
        column += 1;
        if ch == '#' {
            end_byte = byte;
            break;
        }
        if ch.is_whitespace() {
            if let Some((start_byte, start_column)) = start.take() {
                push_token(&mut tokens, line_text, start_byte..byte, start_column, column);
            }
        } else if start.is_none() {
            start = Some((byte, column));
        }
    }
    if let Some((start_byte, start_column)) = start {
        // After the loop `column` counts the `#` if there was one: end at the char before it.
        let end_column = if end_byte < line_text.len() { column } else { column + 1 };
        push_token(&mut tokens, line_text, start_byte..end_byte, start_column, end_column);
    }
    tokens
}

pub(super) fn push_token<'a>(
    tokens: &mut Vec<Token<'a>>,
    line_text: &'a str,
    bytes: std::ops::Range<usize>,
    column: usize,
    end_column: usize,
) {
    if let Some(text) = line_text.get(bytes) {
        tokens.push(Token { text, column, end_column });
    }
}

/// `set key=value`.
pub(super) fn parse_setting(set: &Token<'_>, rest: &[Token<'_>]) -> Result<(String, String), Fault> {
    let Some((pair, extra)) = rest.split_first() else {
        return Err(Fault::missing(set, Expected::Setting));
    };
    let (key, value) = match pair.text.split_once('=') {
        Some((key, value)) => (key, Some(value)),
        None => (pair.text, None),
    };
    let key_is_valid = !key.is_empty() && key.chars().all(|c| matches!(c, 'a'..='z' | '0'..='9' | '.' | '_' | '-'));
    if !key_is_valid {
        return Err(Fault::at(pair, ParseErrorKind::BadSettingKey { found: key.to_string() }));
    }
    let value = match value {
        Some(value) if !value.is_empty() => value,
        _ => {
            let kind = ParseErrorKind::MissingSettingValue { key: key.to_string() };
            return Err(Fault::after(pair, kind));
        }
    };
    no_more_arguments(extra)?;
    Ok((key.to_string(), value.to_string()))
}

/// `at <time> <action> <args>`.
pub(super) fn parse_step(at: &Token<'_>, rest: &[Token<'_>]) -> Result<(Time, ScenarioAction), Fault> {
    let Some((time, rest)) = rest.split_first() else {
        return Err(Fault::missing(at, Expected::Time));
    };
    let when = parse_time(time.text).map_err(|kind| Fault::at(time, kind))?;
    let Some((action, args)) = rest.split_first() else {
        return Err(Fault::missing(time, Expected::Action));
    };
    let parsed = match action.text {
        "crash" => ScenarioAction::Crash(one_node(action, args)?),
        "restart" => ScenarioAction::Restart(one_node(action, args)?),
        "shutdown" => ScenarioAction::Shutdown(one_node(action, args)?),
        "partition" => ScenarioAction::Partition(parse_partition(action, args)?),
        "heal" => {
            no_more_arguments(args)?;
            ScenarioAction::Heal
        }
        "loss" => {
            let Some((percent, extra)) = args.split_first() else {
                return Err(Fault::missing(action, Expected::LossPercent));
            };
            let per_mille = parse_loss_per_mille(percent.text).map_err(|k| Fault::at(percent, k))?;
            no_more_arguments(extra)?;
            ScenarioAction::LossPerMille(per_mille)
        }
        "delay" => {
            let Some((duration, extra)) = args.split_first() else {
                return Err(Fault::missing(action, Expected::Delay));
            };
            let delay = parse_time(duration.text).map_err(|k| Fault::at(duration, k))?;
            if delay > MAX_DELAY {
                let found = duration.text.to_string();
                let kind = ParseErrorKind::NumberOutOfRange { what: Expected::Delay, found, min: 0, max: 10_000 };
                return Err(Fault::at(duration, kind));
            }
            no_more_arguments(extra)?;
            ScenarioAction::DelayUs(delay.as_us())
        }
        "create-topic" => parse_create_topic(action, args)?,
        "alter-config" => parse_alter_config(action, args)?,
        other => {
            let suggestion = suggest_action(other);
            let found = other.to_string();
            return Err(Fault::at(action, ParseErrorKind::UnknownAction { found, suggestion }));
        }
    };
    Ok((when, parsed))
}

pub(super) fn no_more_arguments(extra: &[Token<'_>]) -> Result<(), Fault> {
    match extra.first() {
        Some(token) => {
            let found = token.text.to_string();
            Err(Fault::at(token, ParseErrorKind::UnexpectedArgument { found }))
        }
        None => Ok(()),
    }
}

/// `crash N`, `restart N`, `shutdown N`: exactly one node.
pub(super) fn one_node(action: &Token<'_>, args: &[Token<'_>]) -> Result<NodeRef, Fault> {
    let Some((node, extra)) = args.split_first() else {
        return Err(Fault::missing(action, Expected::Node));
    };
    let node_ref = parse_node(node.text).map_err(|kind| Fault::at(node, kind))?;
    no_more_arguments(extra)?;
    Ok(node_ref)
}

/// A partition argument: a node name or a `|` between sides.
pub(super) enum PartitionItem<'a> {
    Bar(usize),
    Node(Token<'a>),
}

/// `partition N.. | N.. [| N..]`. `|` need not be surrounded by spaces (`c1|c2`).
pub(super) fn parse_partition(action: &Token<'_>, args: &[Token<'_>]) -> Result<Vec<Vec<NodeRef>>, Fault> {
    if args.is_empty() {
        return Err(Fault::missing(action, Expected::Node));
    }
    let mut sides: Vec<Vec<NodeRef>> = vec![Vec::new()];
    let mut seen: SortedSet<NodeRef> = SortedSet::new();
    let mut last_bar_column = None;
    for item in partition_items(args) {
        match item {
            PartitionItem::Bar(column) => {
                if sides.last().is_none_or(Vec::is_empty) {
                    return Err(Fault { column, kind: ParseErrorKind::EmptyPartitionSide });
                }
                sides.push(Vec::new());
                last_bar_column = Some(column);
            }
            PartitionItem::Node(token) => {
                let node = parse_node(token.text).map_err(|kind| Fault::at(&token, kind))?;
                if !seen.insert(node.clone()) {
                    let kind = ParseErrorKind::DuplicateNode { node: node.to_string() };
                    return Err(Fault::at(&token, kind));
                }
                if let Some(side) = sides.last_mut() {
                    side.push(node);
                }
            }
        }
    }
    match last_bar_column {
        None => Err(Fault::at(action, ParseErrorKind::PartitionNeedsTwoSides)),
        Some(column) if sides.last().is_none_or(Vec::is_empty) => {
            Err(Fault { column, kind: ParseErrorKind::EmptyPartitionSide })
        }
        Some(_) => Ok(sides),
    }
}

/// Splits partition arguments further at `|`, keeping char columns.
pub(super) fn partition_items<'a>(args: &[Token<'a>]) -> Vec<PartitionItem<'a>> {
    let mut items = Vec::new();
    for token in args {
        let mut piece_start = (0, token.column);
        for (offset, (byte, ch)) in token.text.char_indices().enumerate() {
            if ch != '|' {
                continue;
            }
            let column = token.column + offset;
            if let Some(text) = token.text.get(piece_start.0..byte).filter(|t| !t.is_empty()) {
                let piece = Token { text, column: piece_start.1, end_column: column };
                items.push(PartitionItem::Node(piece));
            }
            items.push(PartitionItem::Bar(column));
            piece_start = (byte + ch.len_utf8(), column + 1);
        }
        if let Some(text) = token.text.get(piece_start.0..).filter(|t| !t.is_empty()) {
            let piece = Token { text, column: piece_start.1, end_column: token.end_column };
            items.push(PartitionItem::Node(piece));
        }
    }
    items
}

/// `create-topic <name> partitions=<n> rf=<n>`, options in any order.
pub(super) fn parse_create_topic(action: &Token<'_>, args: &[Token<'_>]) -> Result<ScenarioAction, Fault> {
    let Some((name, options)) = args.split_first() else {
        return Err(Fault::missing(action, Expected::TopicName));
    };
    if name.text.contains('=') {
        // `create-topic partitions=6 rf=3`: the name was left out.
        let kind = ParseErrorKind::MissingArgument { what: Expected::TopicName };
        return Err(Fault::at(name, kind));
    }
    validate_topic_name(name.text).map_err(|kind| Fault::at(name, kind))?;
    let mut partitions = None;
    let mut replication_factor = None;
    for option in options {
        let Some((key, value)) = option.text.split_once('=') else {
            let suggestion = suggest_topic_option(option.text);
            let found = option.text.to_string();
            return Err(Fault::at(option, ParseErrorKind::UnknownTopicOption { found, suggestion }));
        };
        let (slot, what, max) = match key {
            "partitions" => (&mut partitions, Expected::Partitions, MAX_PARTITIONS),
            "rf" => (&mut replication_factor, Expected::ReplicationFactor, MAX_REPLICATION_FACTOR),
            _ => {
                let suggestion = suggest_topic_option(key);
                let found = key.to_string();
                let kind = ParseErrorKind::UnknownTopicOption { found, suggestion };
                return Err(Fault::at(option, kind));
            }
        };
        if slot.is_some() {
            let kind = ParseErrorKind::DuplicateTopicOption { key: key.to_string() };
            return Err(Fault::at(option, kind));
        }
        // Point at the value, just after `key=`.
        let value_column = option.column + key.chars().count() + 1;
        let count = parse_count(value, what, 1, max).map_err(|kind| Fault { column: value_column, kind })?;
        *slot = Some(count);
    }
    let end = options.last().unwrap_or(name);
    let Some(partitions) = partitions else {
        return Err(Fault::missing(end, Expected::Partitions));
    };
    let Some(replication_factor) = replication_factor else {
        return Err(Fault::missing(end, Expected::ReplicationFactor));
    };
    Ok(ScenarioAction::CreateTopic { name: name.text.to_string(), partitions, replication_factor })
}

/// `alter-config <topic> <config>=<value>`: exactly one config, split at the first `=`.
pub(super) fn parse_alter_config(action: &Token<'_>, args: &[Token<'_>]) -> Result<ScenarioAction, Fault> {
    let Some((topic, rest)) = args.split_first() else {
        return Err(Fault::missing(action, Expected::TopicName));
    };
    if topic.text.contains('=') {
        // `alter-config retention.ms=1`: the topic was left out.
        let kind = ParseErrorKind::MissingArgument { what: Expected::TopicName };
        return Err(Fault::at(topic, kind));
    }
    validate_topic_name(topic.text).map_err(|kind| Fault::at(topic, kind))?;
    let Some((entry, extra)) = rest.split_first() else {
        return Err(Fault::missing(topic, Expected::TopicConfig));
    };
    let (key, value) = match entry.text.split_once('=') {
        Some((key, value)) => (key, Some(value)),
        None => (entry.text, None),
    };
    // Kafka's topic config names are lowercase words joined by dots (`retention.ms`).
    let key_is_valid = !key.is_empty() && key.chars().all(|c| matches!(c, 'a'..='z' | '0'..='9' | '.' | '_' | '-'));
    if !key_is_valid {
        return Err(Fault::at(entry, ParseErrorKind::BadConfigName { found: key.to_string() }));
    }
    let value = match value {
        Some(value) if !value.is_empty() => value,
        _ => return Err(Fault::after(entry, ParseErrorKind::MissingConfigValue { key: key.to_string() })),
    };
    no_more_arguments(extra)?;
    Ok(ScenarioAction::AlterConfig { topic: topic.text.to_string(), key: key.to_string(), value: value.to_string() })
}

/// Kafka's `Topic.validate`: `[A-Za-z0-9._-]{1,249}`, not `.` or `..`.
pub(super) fn validate_topic_name(name: &str) -> Result<(), ParseErrorKind> {
    let bad = |problem| ParseErrorKind::BadTopicName { found: name.to_string(), problem };
    if let Some(ch) = name.chars().find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))) {
        return Err(bad(TopicNameProblem::BadChar { ch }));
    }
    // All chars are ASCII now, so bytes are chars.
    if name.len() > MAX_TOPIC_NAME_CHARS {
        return Err(bad(TopicNameProblem::TooLong { chars: name.len() }));
    }
    if name == "." || name == ".." {
        return Err(bad(TopicNameProblem::DotOrDotDot));
    }
    Ok(())
}

/// A whole number in `min..=max`, digits only.
pub(super) fn parse_count(text: &str, what: Expected, min: u32, max: u32) -> Result<u32, ParseErrorKind> {
    let found = || text.to_string();
    let value = parse_digits(text).ok_or_else(|| ParseErrorKind::BadNumber { what, found: found() })?;
    match u32::try_from(value) {
        Ok(count) if (min..=max).contains(&count) => Ok(count),
        // Overflow saturates to u64::MAX in parse_digits: still out of range.
        _ => Err(ParseErrorKind::NumberOutOfRange { what, found: found(), min, max }),
    }
}

/// ASCII digits to a number, saturating at `u64::MAX`; `None` unless non-empty and all digits.
pub(super) fn parse_digits(text: &str) -> Option<u64> {
    if text.is_empty() {
        return None;
    }
    text.chars().try_fold(0u64, |value, ch| {
        let digit = ch.to_digit(10)?;
        Some(value.saturating_mul(10).saturating_add(u64::from(digit)))
    })
}

/// `loss <percent>`: 0 to 100 with at most one decimal, an optional `%`; returns per mille.
pub(super) fn parse_loss_per_mille(text: &str) -> Result<u32, ParseErrorKind> {
    let what = Expected::LossPercent;
    let bad = || ParseErrorKind::BadNumber { what, found: text.to_string() };
    let number = text.strip_suffix('%').unwrap_or(text);
    let (whole, tenth) = match number.split_once('.') {
        Some((whole, tenth)) => (whole, Some(tenth)),
        None => (number, None),
    };
    let whole = parse_digits(whole).ok_or_else(bad)?;
    let tenth = match tenth {
        None => 0,
        Some(digit) if digit.chars().count() == 1 => parse_digits(digit).ok_or_else(bad)?,
        Some(_) => return Err(bad()),
    };
    let per_mille = whole.saturating_mul(10).saturating_add(tenth);
    match u32::try_from(per_mille) {
        Ok(per_mille) if per_mille <= 1_000 => Ok(per_mille),
        _ => Err(ParseErrorKind::NumberOutOfRange { what, found: text.to_string(), min: 0, max: 100 }),
    }
}

/// A time token: `<digits>[.<digits>]<unit>`, unit `us`, `ms`, `s` or `m`, exact to the
/// microsecond, at most [`MAX_TIME`]. Integer maths only (the result decides behaviour).
pub fn parse_time(text: &str) -> Result<Time, ParseErrorKind> {
    let bad = |problem| ParseErrorKind::BadTime { found: text.to_string(), problem };
    let too_large = || ParseErrorKind::TimeTooLarge { found: text.to_string() };
    if text.starts_with('-') {
        return Err(bad(TimeProblem::Negative));
    }
    let unit_start = text.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(text.len());
    let Some((number, unit)) = text.split_at_checked(unit_start) else {
        return Err(bad(TimeProblem::BadNumber));
    };
    if number.is_empty() {
        return Err(bad(TimeProblem::BadNumber));
    }
    let unit_micros = match unit {
        "us" => 1,
        "ms" => MICROS_PER_MS,
        "s" => MICROS_PER_S,
        "m" => MICROS_PER_MIN,
        "" => return Err(bad(TimeProblem::MissingUnit)),
        other => return Err(bad(TimeProblem::UnknownUnit { unit: other.to_string() })),
    };
    let (whole, fraction) = match number.split_once('.') {
        Some((whole, fraction)) => (whole, fraction),
        None => (number, ""),
    };
    let has_point = whole.len() < number.len();
    if whole.is_empty() || (has_point && fraction.is_empty()) || fraction.contains('.') {
        return Err(bad(TimeProblem::BadNumber));
    }
    let whole = parse_digits(whole).ok_or_else(|| bad(TimeProblem::BadNumber))?;
    let fraction_micros = fraction_micros(fraction, unit_micros).ok_or_else(|| bad(TimeProblem::TooPrecise))?;
    let micros = whole
        .checked_mul(unit_micros)
        .and_then(|micros| micros.checked_add(fraction_micros))
        .filter(|&micros| micros <= MAX_TIME.as_us())
        .ok_or_else(too_large)?;
    Ok(Time(micros))
}

/// The microseconds of `0.<fraction>` units, `None` unless exact.
pub(super) fn fraction_micros(fraction: &str, unit_micros: u64) -> Option<u64> {
    let significant = fraction.trim_end_matches('0');
    if significant.is_empty() {
        return Some(0);
    }
    // A unit is at most 6·10⁷ µs, which has at most eight factors of 2 or 5: a fraction with
    // more than nine significant digits cannot come out whole (and 10^len must not overflow).
    let digits = u32::try_from(significant.len()).ok().filter(|&digits| digits <= 9)?;
    let numerator = parse_digits(significant)?.checked_mul(unit_micros)?;
    let denominator = 10u64.checked_pow(digits)?;
    numerator.is_multiple_of(denominator).then(|| numerator / denominator)
}

/// One node name: `c<k>`, `b<k>`, `zk<k>` (k in 1..=999, no leading zeros), `leader`,
/// `controller`.
pub fn parse_node(text: &str) -> Result<NodeRef, ParseErrorKind> {
    match classify_node(text) {
        NodeName::Valid(node) => Ok(node),
        NodeName::BadNumber => Err(ParseErrorKind::BadNodeNumber { found: text.to_string() }),
        NodeName::Unknown => {
            Err(ParseErrorKind::UnknownNode { found: text.to_string(), suggestion: suggest_node(text) })
        }
    }
}

pub(super) enum NodeName {
    Valid(NodeRef),
    /// A node prefix and digits, but the number is 0, above 999 or has leading zeros.
    BadNumber,
    Unknown,
}

/// Classifies without suggesting (suggestions themselves classify candidates).
pub(super) fn classify_node(text: &str) -> NodeName {
    match text {
        "leader" => return NodeName::Valid(NodeRef::Leader),
        "controller" => return NodeName::Valid(NodeRef::Controller),
        _ => {}
    }
    let Some((prefix, digits)) = split_node_name(text) else {
        return NodeName::Unknown;
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return NodeName::Unknown;
    }
    let number = parse_digits(digits)
        .filter(|_| !digits.starts_with('0'))
        .and_then(|number| u32::try_from(number).ok())
        .filter(|number| (1..=MAX_NODE_NUMBER).contains(number));
    match number {
        Some(number) => NodeName::Valid(NodeRef::Named { prefix, number }),
        None => NodeName::BadNumber,
    }
}

/// `zk12` → (Zk, "12"); the prefix must be exactly `c`, `b` or `zk`.
pub(super) fn split_node_name(text: &str) -> Option<(NodePrefix, &str)> {
    if let Some(digits) = text.strip_prefix("zk") {
        return Some((NodePrefix::Zk, digits));
    }
    if let Some(digits) = text.strip_prefix('c') {
        return Some((NodePrefix::Controller, digits));
    }
    text.strip_prefix('b').map(|digits| (NodePrefix::Broker, digits))
}
