//! Policies: the decisions compose cannot express (resources, probes, autoscaling,
//! security, secrets, batch, environments), each a small unit applied while the IR is
//! built.
pub mod batch;
pub mod data_dirs;
pub mod environments;
pub mod kompose;
pub mod network;
pub mod pod_security;
pub mod probes;
pub mod resources;
pub mod scaling;
pub mod secrets;
pub mod security;
