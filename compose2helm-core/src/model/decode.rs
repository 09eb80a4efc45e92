//! Typed reads of YAML nodes with errors that carry the key path and position. Values are
//! read as compose reads them after interpolation: a string `"2"` is accepted where an
//! integer is expected, and `"true"` where a boolean is.
use indexmap::IndexMap;

use super::units;
use crate::error::{Error, ErrorKind, Result};
use crate::yaml::{Node, Value};

pub fn type_err(n: &Node, path: &str, expected: &str) -> Error {
    Error::at(ErrorKind::Type, &n.mark, path, format!("expected {expected}, found {}", n.type_name()))
}

pub fn invalid(n: &Node, path: &str, msg: impl Into<String>) -> Error {
    Error::at(ErrorKind::InvalidValue, &n.mark, path, msg)
}

pub fn string(n: &Node, path: &str) -> Result<String> {
    match &n.value {
        Value::Str(_) | Value::Int(_) | Value::Float(_) | Value::Bool(_) => Ok(n.scalar_text().unwrap_or_default()),
        _ => Err(type_err(n, path, "a string")),
    }
}

pub fn opt_string(n: Option<&Node>, path: &str) -> Result<Option<String>> {
    match n {
        None => Ok(None),
        Some(n) if matches!(n.value, Value::Null) => Ok(None),
        Some(n) => string(n, path).map(Some),
    }
}

/// A text that must stay on one line (a path, a host name, a setting read from a label):
/// a line break or control character there is refused rather than written to a chart.
pub fn one_line(n: &Node, path: &str, text: &str, what: &str) -> Result<()> {
    match crate::names::control_problem(text, what) {
        Some(message) => Err(invalid(n, path, message)),
        None => Ok(()),
    }
}

/// Strings the chart writes with Helm's `toYaml` (a command, annotations): no character
/// YAML 1.1 breaks lines at or refuses. Checks a scalar, each item of a list, or each
/// value of a mapping.
pub fn yaml_text(n: &Node, path: &str) -> Result<()> {
    match &n.value {
        Value::Seq(items) => items.iter().enumerate().try_for_each(|(i, it)| yaml_text(it, &format!("{path}[{i}]"))),
        Value::Map(m) => m.iter().try_for_each(|(k, v)| yaml_text(v, &format!("{path}.{k}"))),
        _ => match n.scalar_text().as_deref().and_then(crate::names::yaml_problem) {
            Some(message) => Err(invalid(n, path, message)),
            None => Ok(()),
        },
    }
}

/// The node of each item of a string list (the list itself when it is a single string).
pub fn list_items(n: &Node) -> Vec<&Node> {
    match &n.value {
        Value::Seq(items) => items.iter().collect(),
        _ => vec![n],
    }
}

/// A count Kubernetes keeps in a 32-bit field (replicas, probe thresholds): larger
/// values would be rendered by Helm as floats or wrap, so they are refused here.
pub fn int32_count(n: &Node, path: &str, value: u64, what: &str) -> Result<u64> {
    if value > i32::MAX as u64 {
        return Err(invalid(
            n,
            path,
            format!("`{value}` is out of range: {what} is a 32-bit integer in Kubernetes (at most {})", i32::MAX),
        ));
    }
    Ok(value)
}

/// A duration Kubernetes keeps in whole seconds in a 32-bit field (probe timings).
pub fn int32_seconds(n: &Node, path: &str, ms: u64) -> Result<u64> {
    if units::ms_to_secs_ceil(ms) > i32::MAX as u64 {
        return Err(invalid(
            n,
            path,
            format!(
                "the duration is out of range: Kubernetes keeps it in seconds in a 32-bit integer (at most {}s, about 68 years)",
                i32::MAX
            ),
        ));
    }
    Ok(ms)
}

pub fn boolean(n: &Node, path: &str) -> Result<bool> {
    match &n.value {
        Value::Bool(b) => Ok(*b),
        Value::Str(s) => match s.to_ascii_lowercase().as_str() {
            "true" | "yes" | "y" | "on" | "1" => Ok(true),
            "false" | "no" | "n" | "off" | "0" | "" => Ok(false),
            _ => Err(type_err(n, path, "a boolean")),
        },
        _ => Err(type_err(n, path, "a boolean")),
    }
}

pub fn integer(n: &Node, path: &str) -> Result<i64> {
    match &n.value {
        Value::Int(i) => Ok(*i),
        Value::Str(s) => s.trim().parse().map_err(|_| type_err(n, path, "an integer")),
        Value::Float(f) if f.fract() == 0.0 && f.abs() < 9e15 => Ok(*f as i64),
        _ => Err(type_err(n, path, "an integer")),
    }
}

pub fn non_negative(n: &Node, path: &str) -> Result<u64> {
    let i = integer(n, path)?;
    u64::try_from(i).map_err(|_| invalid(n, path, format!("`{i}` must not be negative")))
}

/// A list of strings; a single string is read as a one-item list.
pub fn string_list(n: &Node, path: &str) -> Result<Vec<String>> {
    match &n.value {
        Value::Null => Ok(Vec::new()),
        Value::Seq(items) => items.iter().enumerate().map(|(i, it)| string(it, &format!("{path}[{i}]"))).collect(),
        Value::Str(_) | Value::Int(_) => Ok(vec![string(n, path)?]),
        _ => Err(type_err(n, path, "a list of strings")),
    }
}

/// A mapping of strings (`null` values become empty strings).
pub fn string_map(n: &Node, path: &str) -> Result<IndexMap<String, String>> {
    match &n.value {
        Value::Null => Ok(IndexMap::new()),
        Value::Map(m) => m
            .iter()
            .map(|(k, v)| {
                let s = if matches!(v.value, Value::Null) { String::new() } else { string(v, &format!("{path}.{k}"))? };
                Ok((k.clone(), s))
            })
            .collect(),
        _ => Err(type_err(n, path, "a mapping")),
    }
}

pub fn bytes(n: &Node, path: &str) -> Result<u64> {
    match &n.value {
        Value::Int(i) if *i >= 0 => Ok(*i as u64),
        Value::Str(s) => units::parse_bytes(s)
            .ok_or_else(|| invalid(n, path, format!("`{s}` is not a byte size (e.g. 512m, 1g, 1073741824)"))),
        _ => Err(type_err(n, path, "a byte size")),
    }
}

pub fn duration_ms(n: &Node, path: &str) -> Result<u64> {
    match &n.value {
        Value::Str(s) => units::parse_duration_ms(s)
            .ok_or_else(|| invalid(n, path, format!("`{s}` is not a duration (e.g. 30s, 1m30s, 500ms)"))),
        Value::Int(0) => Ok(0),
        _ => Err(type_err(n, path, "a duration such as 30s")),
    }
}

pub fn cpus(n: &Node, path: &str) -> Result<u32> {
    let text = match &n.value {
        Value::Int(_) | Value::Float(_) | Value::Str(_) => n.scalar_text().unwrap_or_default(),
        _ => return Err(type_err(n, path, "a number of CPUs")),
    };
    units::parse_cpus(&text).ok_or_else(|| invalid(n, path, format!("`{text}` is not a positive number of CPUs")))
}

/// The mapping inside a node, or a type error; `null` reads as an empty mapping.
pub fn map<'a>(n: &'a Node, path: &str) -> Result<Option<&'a crate::yaml::Map>> {
    match &n.value {
        Value::Map(m) => Ok(Some(m)),
        Value::Null => Ok(None),
        _ => Err(type_err(n, path, "a mapping")),
    }
}

pub fn seq<'a>(n: &'a Node, path: &str) -> Result<&'a [Node]> {
    match &n.value {
        Value::Seq(s) => Ok(s),
        Value::Null => Ok(&[]),
        _ => Err(type_err(n, path, "a list")),
    }
}
