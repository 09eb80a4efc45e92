//! Interop with the `docker-compose-types` crate (cargo feature `docker-compose-types`),
//! for tools that already hold a [`Compose`] value.
//!
//! The value is written back to compose YAML and that text is converted like a file the
//! user wrote, so every rule of the loader and the policies applies to it; a second,
//! typed entry into the pipeline would drift from the first. What the round trip loses:
//! the original file's positions (errors and warnings point into the generated text,
//! named [`GENERATED_FILE`]), its comments, anchors and `${VAR}` expressions (the value
//! holds what was parsed, usually already interpolated), and every key
//! `docker-compose-types` does not model.
use std::path::PathBuf;

pub use docker_compose_types::Compose;

use crate::source::MemorySource;
use crate::{convert_project, Chart, ConvertOptions, Error, ErrorKind, Result};

/// The name the generated compose text is loaded under (inside `opts.load.working_dir`);
/// locations of errors and warnings name it.
pub const GENERATED_FILE: &str = "compose.yaml";

/// The compose YAML a [`Compose`] value stands for: what [`convert_compose`] converts.
pub fn compose_text(compose: &Compose) -> Result<String> {
    serde_yaml::to_string(compose)
        .map_err(|e| Error::new(ErrorKind::InvalidValue, format!("the Compose value cannot be written as YAML: {e}")))
}

/// Converts a [`Compose`] value: its YAML ([`compose_text`]) is the only file of an
/// in-memory project at `opts.load.working_dir`. Files the value refers to (`env_file`,
/// bind-mounted configuration, `.env`, a `compose2helm.yaml` beside it) are therefore not
/// there; a tool that has them puts [`compose_text`] into its own
/// [`Source`](crate::source::Source) beside them and calls [`convert_project`].
/// `opts.load.files` is ignored.
pub fn convert_compose(compose: &Compose, opts: &ConvertOptions) -> Result<Chart> {
    let mut src = MemorySource::new();
    src.insert(opts.load.working_dir.join(GENERATED_FILE), compose_text(compose)?);
    let mut opts = opts.clone();
    // Named files are relative to the working directory, as on the command line.
    opts.load.files = vec![PathBuf::from(GENERATED_FILE)];
    convert_project(&opts, &src)
}
