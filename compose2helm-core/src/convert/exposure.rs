//! Metrics scraping and HTTP exposure of a service: both need a Service port, which is
//! added when compose did not declare it.
use crate::error::Warnings;
use crate::ir::{ContainerPort, Exposure, Kind, ServicePort};
use crate::model::Service;
use crate::settings::ServiceSettings;

/// (metrics port name and path, exposure). `default_kind` is the project's
/// `policy.exposeKind`, for a service whose `expose.kind` is not set.
#[allow(clippy::too_many_arguments)]
pub fn exposure(
    svc: &Service,
    service_settings: &ServiceSettings,
    kind: Kind,
    default_kind: &str,
    cports: &mut Vec<ContainerPort>,
    sports: &mut Vec<ServicePort>,
    path: &str,
    w: &mut Warnings,
) -> (Option<(String, String)>, Option<Exposure>) {
    let metrics = service_settings.metrics.as_ref().filter(|_| !matches!(kind, Kind::Job | Kind::CronJob)).map(|m| {
        let name = match sports.iter().find(|p| p.port == m.port && p.protocol == "TCP") {
            Some(p) => p.name.clone(),
            None => {
                cports.push(crate::ir::ContainerPort { name: "metrics".into(), port: m.port, protocol: "TCP".into() });
                sports.push(crate::ir::ServicePort {
                    name: "metrics".into(),
                    port: m.port,
                    target_port: "metrics".into(),
                    protocol: "TCP".into(),
                    app_protocol: None,
                });
                "metrics".to_string()
            }
        };
        (name, m.path.clone())
    });
    let expose = match &service_settings.expose {
        Some(_) if matches!(kind, Kind::Job | Kind::CronJob) => {
            w.push_code(
                crate::WarningCode::ExposureDropped,
                format!("{path}.x-compose2helm.expose"),
                "jobs serve no traffic; not exposed",
            );
            None
        }
        Some(e) => {
            let port = e
                .port
                .or_else(|| svc.ports.iter().find(|p| p.published.is_some()).map(|p| p.target))
                .or_else(|| sports.first().map(|p| p.port));
            match port {
                Some(port) => {
                    if !sports.iter().any(|p| p.port == port) {
                        let name = crate::names::port_name(&format!("http-{port}"));
                        cports.push(crate::ir::ContainerPort { name: name.clone(), port, protocol: "TCP".into() });
                        sports.push(crate::ir::ServicePort {
                            name: name.clone(),
                            port,
                            target_port: name,
                            protocol: "TCP".into(),
                            app_protocol: None,
                        });
                    }
                    Some(crate::ir::Exposure {
                        kind: e.kind.clone().unwrap_or_else(|| default_kind.to_string()),
                        hosts: e.hosts.clone(),
                        path: e.path.clone(),
                        port,
                        tls: e.tls.clone(),
                        class_name: e.class_name.clone().unwrap_or_default(),
                    })
                }
                None => {
                    w.push_code(
                        crate::WarningCode::ExposureDropped,
                        format!("{path}.x-compose2helm.expose"),
                        "the service listens on no port; set expose.port",
                    );
                    None
                }
            }
        }
        None => None,
    };
    (metrics, expose)
}
