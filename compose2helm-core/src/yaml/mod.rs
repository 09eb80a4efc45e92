//! The YAML layer: a tree whose every node remembers the file, line and column it came
//! from, so errors found long after parsing (a bad unit in an `extends`-ed file) still
//! point at the right place. serde_yaml stays behind `print` so it can be swapped.
mod budget;
mod build;
mod node;
mod parse;
mod print;
mod scalar;
mod tags;
#[cfg(test)]
mod tests;

pub use node::{find_path, Interpolation, Map, Mark, Node, Tag, Value};
pub use parse::{parse, parse_documents};
pub use print::to_yaml_string;
pub(crate) use scalar::{must_escape, plain_scalar, push_scalar, quote_if_needed};
