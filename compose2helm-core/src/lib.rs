//! compose2helm-core: turns a Docker Compose project into a Helm chart, in memory.
pub mod error;
pub mod load;
pub mod source;
pub mod yaml;
