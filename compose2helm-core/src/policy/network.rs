//! Network access: compose lets services that share a network talk to each other (every
//! service is on `default` when none is named). Each compose network becomes one pod label,
//! so a NetworkPolicy is as long as the service's network list, not the project; managed
//! services are reachable on their ports from the services sharing a network with them.
use crate::ir::{App, NetworkAccess};

/// The pod label that says a pod is on a compose network.
pub fn network_label(n: &str) -> String {
    format!("network.compose2helm.io/{}", crate::names::dns_label(n, 63))
}

fn networks(n: &[String]) -> Vec<String> {
    if n.is_empty() {
        vec!["default".into()]
    } else {
        n.to_vec()
    }
}

/// Fills every workload's [`NetworkAccess`].
pub fn plan(app: &mut App) {
    let externals: Vec<(String, Vec<String>, Vec<u16>)> =
        app.externals.iter().map(|e| (e.compose_name.clone(), networks(&e.networks), e.ports.clone())).collect();
    for w in &mut app.workloads {
        let mine = networks(&w.networks);
        let reachable: Vec<&(String, Vec<String>, Vec<u16>)> =
            externals.iter().filter(|(_, nets, _)| nets.iter().any(|n| mine.contains(n))).collect();
        let mut external_ports: Vec<u16> = reachable.iter().flat_map(|(_, _, p)| p.iter().copied()).collect();
        external_ports.sort_unstable();
        external_ports.dedup();
        w.access = NetworkAccess {
            labels: mine.iter().map(|n| network_label(n)).collect(),
            externals: reachable.iter().map(|(n, _, _)| n.clone()).collect(),
            external_ports,
        };
    }
}
