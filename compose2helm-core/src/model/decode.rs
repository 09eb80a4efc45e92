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
