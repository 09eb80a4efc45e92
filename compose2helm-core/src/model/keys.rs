//! What becomes of every service-level key of the Compose Specification. Keys marked
//! `Ignored` are reported once per service with the reason, so nothing is dropped
//! silently. Keys the specification does not define are refused before decoding
//! (`known.rs`).

/// How compose2helm treats a service key.
pub enum Disposition {
    /// Read by the decoder and mapped into the chart.
    Mapped,
    /// Not carried over; the text says why or what happens instead.
    Ignored(&'static str),
}

use Disposition::{Ignored, Mapped};

/// Every service attribute of the Compose Specification.
pub const SERVICE_KEYS: &[(&str, Disposition)] = &[
    ("annotations", Mapped),
    ("attach", Ignored("log attachment is a `docker compose up` setting; ignored")),
    ("blkio_config", Ignored("block-IO weights have no Kubernetes equivalent; ignored")),
    ("build", Mapped),
    ("cap_add", Mapped),
    ("cap_drop", Mapped),
    ("cgroup", Ignored("cgroup namespaces are set by the node; ignored")),
    ("cgroup_parent", Ignored("cgroup parents are set by the kubelet; ignored")),
    ("command", Mapped),
    ("configs", Mapped),
    ("container_name", Ignored("Kubernetes names pods itself; the Service keeps the compose service name; ignored")),
    ("cpu_count", Ignored("use deploy.resources or cpus; ignored")),
    ("cpu_percent", Ignored("use deploy.resources or cpus; ignored")),
    ("cpu_period", Ignored("CFS tuning is set by the kubelet; ignored")),
    ("cpu_quota", Ignored("CFS tuning is set by the kubelet; use cpus; ignored")),
    ("cpu_rt_period", Ignored("real-time scheduling is not available to pods; ignored")),
    ("cpu_rt_runtime", Ignored("real-time scheduling is not available to pods; ignored")),
    ("cpu_shares", Ignored("relative CPU shares become requests in Kubernetes; set deploy.resources.reservations.cpus; ignored")),
    ("cpus", Mapped),
    ("cpuset", Ignored("CPU pinning is the kubelet's CPU manager policy; ignored")),
    ("credential_spec", Ignored("Windows credential specs are not supported; ignored")),
    ("depends_on", Mapped),
    ("deploy", Mapped),
    ("develop", Ignored("`docker compose watch` settings are for local development; ignored")),
    ("device_cgroup_rules", Ignored("device rules would need a privileged pod; ignored")),
    ("devices", Ignored("host devices need a device plugin in Kubernetes; ignored")),
    ("dns", Ignored("pods use the cluster DNS; set dnsConfig in values if needed; ignored")),
    ("dns_opt", Ignored("pods use the cluster DNS; set dnsConfig in values if needed; ignored")),
    ("dns_search", Ignored("pods use the cluster DNS; set dnsConfig in values if needed; ignored")),
    ("domainname", Mapped),
    ("entrypoint", Mapped),
    ("env_file", Mapped),
    ("environment", Mapped),
    ("expose", Mapped),
    ("extends", Mapped),
    ("external_links", Ignored("containers outside the project are not reachable by name in the cluster; use an `external` service; ignored")),
    ("extra_hosts", Mapped),
    ("gpus", Ignored("GPUs are requested through a device plugin resource (e.g. nvidia.com/gpu) in values; ignored")),
    ("group_add", Mapped),
    ("healthcheck", Mapped),
    ("hostname", Mapped),
    ("image", Mapped),
    ("init", Ignored("Kubernetes has no init-process flag; use an image with tini if zombie reaping matters; ignored")),
    ("ipc", Ignored("shared IPC namespaces break pod isolation; ignored")),
    ("isolation", Ignored("Windows isolation modes are not supported; ignored")),
    ("label_file", Mapped),
    ("labels", Mapped),
    ("links", Mapped),
    ("logging", Ignored("pods log to stdout and the cluster collects it (Loki); ignored")),
    ("mac_address", Ignored("pods get addresses from the cluster network; ignored")),
    ("mem_limit", Mapped),
    ("mem_reservation", Mapped),
    ("mem_swappiness", Ignored("swap is configured per node; ignored")),
    ("memswap_limit", Ignored("swap is configured per node; ignored")),
    ("models", Ignored("compose model runners are not deployed; ignored")),
    ("network_mode", Ignored("pods have their own network namespace; containers of one pod share it; ignored")),
    ("networks", Mapped),
    ("oom_kill_disable", Ignored("the kubelet decides OOM handling; ignored")),
    ("oom_score_adj", Ignored("the kubelet sets OOM scores from the QoS class; ignored")),
    ("pid", Ignored("sharing the host PID namespace breaks pod security; ignored")),
    ("pids_limit", Ignored("PID limits are a kubelet setting; ignored")),
    ("platform", Ignored("not used by Kubernetes (schedule by node labels instead); ignored")),
    ("ports", Mapped),
    ("post_start", Ignored("lifecycle hooks run as the container user in Kubernetes; add `lifecycle` by hand if needed; ignored")),
    ("pre_stop", Ignored("lifecycle hooks run as the container user in Kubernetes; add `lifecycle` by hand if needed; ignored")),
    ("privileged", Mapped),
    ("profiles", Mapped),
    ("provider", Ignored("compose providers are not deployed; ignored")),
    ("pull_policy", Mapped),
    ("pull_refresh_after", Ignored("the kubelet pulls by imagePullPolicy; ignored")),
    ("read_only", Mapped),
    ("restart", Mapped),
    ("runtime", Ignored("set a RuntimeClass in values if needed; ignored")),
    ("scale", Mapped),
    ("secrets", Mapped),
    ("security_opt", Ignored("pods use seccomp RuntimeDefault and the restricted security context instead; ignored")),
    ("shm_size", Mapped),
    ("stdin_open", Mapped),
    ("stop_grace_period", Mapped),
    ("stop_signal", Ignored("Kubernetes sends SIGTERM; make the image handle it (STOPSIGNAL in the Dockerfile); ignored")),
    ("storage_opt", Ignored("storage driver options do not apply to pods; ignored")),
    ("sysctls", Ignored("sysctls need a permissive pod security level; ignored")),
    ("tmpfs", Mapped),
    ("tty", Mapped),
    ("ulimits", Ignored("ulimits are set by the container runtime of the node; ignored")),
    ("use_api_socket", Ignored("the Docker API socket does not exist in the cluster; ignored")),
    ("user", Mapped),
    ("userns_mode", Ignored("user namespaces are a node setting; ignored")),
    ("uts", Ignored("sharing the host UTS namespace breaks pod security; ignored")),
    ("volumes", Mapped),
    ("volumes_from", Ignored("pods share volumes by naming the same PVC; mount the named volume instead; ignored")),
    ("working_dir", Mapped),
];

/// Deploy keys.
pub const DEPLOY_KEYS: &[(&str, Disposition)] = &[
    ("endpoint_mode", Ignored("Services always load-balance through their ClusterIP; ignored")),
    ("labels", Mapped),
    ("mode", Mapped),
    ("placement", Mapped),
    ("replicas", Mapped),
    ("resources", Mapped),
    ("restart_policy", Mapped),
    ("rollback_config", Ignored("Kubernetes rolls back with `helm rollback` or Argo CD; ignored")),
    ("update_config", Mapped),
];

/// Top-level keys.
pub const TOP_KEYS: &[(&str, Disposition)] = &[
    ("configs", Mapped),
    ("include", Mapped),
    ("models", Ignored("compose models are not deployed; ignored")),
    ("name", Mapped),
    ("networks", Mapped),
    ("secrets", Mapped),
    ("services", Mapped),
    ("version", Ignored("obsolete; ignored as in Docker Compose v2")),
    ("volumes", Mapped),
];

/// The disposition of `key` in `table`, or `None` for an unknown key.
pub fn lookup<'a>(table: &'a [(&str, Disposition)], key: &str) -> Option<&'a Disposition> {
    table.iter().find(|(k, _)| *k == key).map(|(_, d)| d)
}
