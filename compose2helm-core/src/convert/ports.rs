//! Container and Service ports. Other services reach a compose service on its container
//! port (`postgres:5432`), so the Service listens on the container ports; published host
//! ports only matter for exposure, which Ingress handles.
use std::collections::{BTreeSet, HashSet};

use crate::ir::{ContainerPort, ServicePort};
use crate::model::{Port, Protocol, Service};
use crate::names::{port_name, well_known_port};

/// Ports of `ports` and `expose`, one per (port, protocol), with unique IANA names. When
/// compose declares none: the image's own (`image`, its EXPOSE from the recorded config),
/// else the image catalogue's main port. The ports other services address it on
/// (`referenced`) are added whatever it declares: a client of `broker:5679` needs 5679 on
/// the Service even when compose publishes only 5678.
pub fn ports(
    svc: &Service,
    image: &[Port],
    catalogue: Option<u16>,
    referenced: &BTreeSet<u16>,
) -> (Vec<ContainerPort>, Vec<ServicePort>) {
    let mut seen = HashSet::new();
    let mut names = HashSet::new();
    let mut cports = Vec::new();
    let mut sports = Vec::new();
    let declared = !(svc.ports.is_empty() && svc.expose.is_empty());
    let tcp = |&target: &u16| Port { target, published: None, protocol: Protocol::Tcp, name: None, app_protocol: None };
    let undeclared: Vec<Port> = match (declared, image.is_empty()) {
        (true, _) => Vec::new(),
        (false, false) => image.to_vec(),
        (false, true) => catalogue.iter().map(tcp).collect(),
    };
    let extra: Vec<Port> = undeclared.into_iter().chain(referenced.iter().map(tcp)).collect();
    let all: Vec<&Port> = svc.ports.iter().chain(svc.expose.iter()).chain(extra.iter()).collect();
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
