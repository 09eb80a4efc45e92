//! Container and Service ports. Other services reach a compose service on its container
//! port (`postgres:5432`), so the Service listens on the container ports; published host
//! ports only matter for exposure, which Ingress handles.
use std::collections::HashSet;

use crate::ir::{ContainerPort, ServicePort};
use crate::model::{Port, Service};
use crate::names::{port_name, well_known_port};

/// Ports of `ports` and `expose`, one per (port, protocol), with unique IANA names.
pub fn ports(svc: &Service) -> (Vec<ContainerPort>, Vec<ServicePort>) {
    let mut seen = HashSet::new();
    let mut names = HashSet::new();
    let mut cports = Vec::new();
    let mut sports = Vec::new();
    let all: Vec<&Port> = svc.ports.iter().chain(svc.expose.iter()).collect();
    for p in all {
        if !seen.insert((p.target, p.protocol)) {
            continue;
        }
        let proto = p.protocol.as_k8s().to_ascii_lowercase();
        let hint = match (&p.name, well_known_port(p.target)) {
            (Some(n), _) => port_name(n),
            (None, Some(w)) if p.protocol == crate::model::Protocol::Tcp => w.to_string(),
            _ => format!("{proto}-{}", p.target),
        };
        let mut name = port_name(&hint);
        let mut i = 2;
        while !names.insert(name.clone()) {
            name = port_name(&format!("{proto}-{}-{i}", p.target));
            i += 1;
        }
        cports.push(ContainerPort { name: name.clone(), port: p.target, protocol: p.protocol.as_k8s().into() });
        sports.push(ServicePort {
            name: name.clone(),
            port: p.target,
            target_port: name,
            protocol: p.protocol.as_k8s().into(),
            app_protocol: p.app_protocol.clone(),
        });
    }
    (cports, sports)
}
