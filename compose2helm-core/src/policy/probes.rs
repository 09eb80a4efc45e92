//! Healthchecks to probes. Readiness runs the healthcheck as compose does; liveness runs
//! the same check but tolerates twice the failures, so a busy pod leaves the Service
//! before the kubelet restarts it; `start_period` becomes a startupProbe that holds both
//! off. A `curl`/`wget` of localhost becomes an httpGet probe (no shell, no curl needed
//! in the image).
use super::kompose::KomposeProbe;
use crate::ir::{Probe, ProbeHandler};
use crate::model::units::ms_to_secs_ceil;
use crate::model::{HealthTest, Healthcheck};

/// Docker's defaults for missing healthcheck timings.
const INTERVAL_MS: u64 = 30_000;
const TIMEOUT_MS: u64 = 30_000;
const RETRIES: u64 = 3;
const START_INTERVAL_MS: u64 = 5_000;
/// Thresholds are 32-bit in Kubernetes; the model keeps retries and timings within that,
/// and a derived threshold beyond it is as good as endless anyway.
const MAX_THRESHOLD: u64 = i32::MAX as u64;

/// The three probes of a service.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Probes {
    pub liveness: Option<Probe>,
    pub readiness: Option<Probe>,
    pub startup: Option<Probe>,
}

/// Probes from a compose healthcheck.
pub fn from_healthcheck(h: &Healthcheck) -> Probes {
    let Some(test) = h.test.as_ref().filter(|_| !h.disabled) else {
        return Probes::default();
    };
    let handler = handler_for(test);
    let period = ms_to_secs_ceil(h.interval_ms.filter(|i| *i > 0).unwrap_or(INTERVAL_MS)).max(1);
    let timeout = ms_to_secs_ceil(h.timeout_ms.filter(|i| *i > 0).unwrap_or(TIMEOUT_MS)).max(1);
    let retries = h.retries.filter(|r| *r > 0).unwrap_or(RETRIES);
    let readiness = Probe {
        handler: handler.clone(),
        initial_delay_seconds: 0,
        period_seconds: period,
        timeout_seconds: timeout,
        failure_threshold: retries,
        success_threshold: 1,
    };
    let liveness = Probe { failure_threshold: (retries * 2).min(MAX_THRESHOLD), ..readiness.clone() };
    let startup = h.start_period_ms.filter(|s| *s > 0).map(|sp| {
        let every = ms_to_secs_ceil(h.start_interval_ms.filter(|i| *i > 0).unwrap_or(START_INTERVAL_MS)).max(1);
        Probe {
            handler,
            initial_delay_seconds: 0,
            period_seconds: every,
            timeout_seconds: timeout,
            failure_threshold: (ms_to_secs_ceil(sp).div_ceil(every).max(1) + retries).min(MAX_THRESHOLD),
            success_threshold: 1,
        }
    });
    Probes { liveness: Some(liveness), readiness: Some(readiness), startup }
}

/// The TCP readiness probe given to a listening service without a healthcheck.
pub fn tcp_readiness(port: u16) -> Probe {
    Probe {
        handler: ProbeHandler::TcpSocket { port },
        initial_delay_seconds: 0,
        period_seconds: 10,
        timeout_seconds: 3,
        failure_threshold: 3,
        success_threshold: 1,
    }
}

/// Ports that carry a side channel, not the service: mail submission and retrieval (a web
/// app that also relays mail, mailpit's 1025), debuggers (JDWP 5005, Node's inspector 9229).
const AUXILIARY_PORTS: [u16; 13] = [25, 465, 587, 1025, 2525, 110, 995, 1110, 143, 993, 1143, 5005, 9229];

/// The port a TCP readiness probe checks when compose has no healthcheck: the service's main
/// port, which is the one it is exposed on, else the image's main port or its HTTP port
/// (image catalogue), else a port that is HTTP by convention, else the first port that is
/// not auxiliary (mail, debugger, `metrics`), and only then the first port. A service whose
/// first port is SMTP is not ready when its SMTP listener is.
pub fn readiness_port(
    ports: &[crate::ir::ContainerPort],
    exposed: Option<u16>,
    metrics: Option<u16>,
    knowledge: Option<&crate::knowledge::ImageKnowledge>,
) -> Option<u16> {
    let tcp: Vec<u16> = ports.iter().filter(|p| p.protocol == "TCP").map(|p| p.port).collect();
    let has = |p: u16| tcp.contains(&p).then_some(p);
    let known = knowledge.map(|k| k.ports.as_slice()).unwrap_or_default();
    let auxiliary = |p: &u16| {
        AUXILIARY_PORTS.contains(p) || Some(*p) == metrics || known.iter().any(|k| k.port == *p && !k.main && !k.http)
    };
    exposed
        .and_then(has)
        .or_else(|| known.iter().find(|k| k.main).and_then(|k| has(k.port)))
        .or_else(|| known.iter().filter(|k| k.http).find_map(|k| has(k.port)))
        .or_else(|| tcp.iter().copied().find(|p| matches!(crate::names::well_known_port(*p), Some("http" | "https"))))
        .or_else(|| tcp.iter().copied().find(|p| !auxiliary(p)))
        .or_else(|| tcp.first().copied())
}

/// A probe from kompose's `kompose.service.healthcheck.*` labels.
pub fn from_kompose(k: &KomposeProbe, base: Option<&Probe>) -> Option<Probe> {
    let handler = if let Some(p) = k.tcp_port {
        ProbeHandler::TcpSocket { port: p }
    } else if let Some(p) = k.http_port {
        ProbeHandler::HttpGet {
            path: k.http_path.clone().unwrap_or_else(|| "/".into()),
            port: p,
            scheme: "HTTP".into(),
        }
    } else if let Some(t) = &k.test {
        handler_for(&HealthTest::Shell(t.as_str().into()))
    } else {
        base?.handler.clone()
    };
    let b = base.cloned();
    Some(Probe {
        handler,
        initial_delay_seconds: k.start_period_ms.map(ms_to_secs_ceil).unwrap_or(0),
        period_seconds: k
            .interval_ms
            .map(ms_to_secs_ceil)
            .or(b.as_ref().map(|p| p.period_seconds))
            .unwrap_or(10)
            .max(1),
        timeout_seconds: k
            .timeout_ms
            .map(ms_to_secs_ceil)
            .or(b.as_ref().map(|p| p.timeout_seconds))
            .unwrap_or(1)
            .max(1),
        failure_threshold: k.retries.or(b.as_ref().map(|p| p.failure_threshold)).unwrap_or(3).max(1),
        success_threshold: 1,
    })
}

fn handler_for(test: &HealthTest) -> ProbeHandler {
    let words = match test {
        HealthTest::Exec(w) => Some(w.iter().map(|t| t.value.clone()).collect()),
        HealthTest::Shell(s) => simple_shell_words(&s.value),
    };
    if let Some(h) = words.as_deref().and_then(http_probe) {
        return h;
    }
    match test {
        HealthTest::Exec(_) => ProbeHandler::Exec(words.unwrap_or_default()),
        HealthTest::Shell(s) => ProbeHandler::Exec(vec!["sh".into(), "-c".into(), s.value.clone()]),
    }
}

/// Words of a shell command that is a single simple command (optionally followed by
/// `|| exit 1`); `None` when it pipes, chains or substitutes.
fn simple_shell_words(s: &str) -> Option<Vec<String>> {
    let trimmed = s.trim();
    let core = trimmed
        .strip_suffix("|| exit 1")
        .or_else(|| trimmed.strip_suffix("||exit 1"))
        .or_else(|| trimmed.strip_suffix("|| false"))
        .unwrap_or(trimmed);
    if core.contains(['|', ';', '&', '`', '$', '>', '<']) {
        return None;
    }
    crate::model::shell_split(core)
}

fn http_probe(words: &[String]) -> Option<ProbeHandler> {
    let tool = words.first()?.rsplit('/').next()?;
    if tool != "curl" && tool != "wget" {
        return None;
    }
    let mut url = None;
    let mut i = 1;
    while i < words.len() {
        let w = &words[i];
        if w.starts_with("http://") || w.starts_with("https://") {
            if url.is_some() {
                return None;
            }
            url = Some(w.clone());
        } else if matches!(
            w.as_str(),
            "-o" | "-O"
                | "--output"
                | "-m"
                | "--max-time"
                | "--connect-timeout"
                | "-T"
                | "--timeout"
                | "-t"
                | "--tries"
        ) {
            i += 1;
        } else if !w.starts_with('-')
            || w.starts_with("-H")
            || w.starts_with("--header")
            || w == "-X"
            || w.starts_with("--request")
            || w == "-d"
            || w.starts_with("--data")
            || w == "-u"
            || w.starts_with("--user")
        {
            return None;
        }
        i += 1;
    }
    let url = url?;
    let (scheme, rest) = url.split_once("://")?;
    let (hostport, path) = match rest.find('/') {
        Some(i) => (&rest[..i], rest[i..].to_string()),
        None => (rest, "/".to_string()),
    };
    let (host, port) = match hostport.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(':') && !p.contains(']') => (h, p.parse::<u16>().ok()?),
        _ => (hostport, if scheme == "https" { 443 } else { 80 }),
    };
    if !matches!(host, "localhost" | "127.0.0.1" | "0.0.0.0" | "[::1]" | "::1") {
        return None;
    }
    Some(ProbeHandler::HttpGet { path, port, scheme: scheme.to_ascii_uppercase() })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hc(test: HealthTest) -> Healthcheck {
        Healthcheck { test: Some(test), ..Default::default() }
    }

    #[test]
    fn curl_becomes_http_get() {
        let p = from_healthcheck(&hc(HealthTest::Shell("curl -fsS http://localhost:8080/healthz || exit 1".into())));
        assert_eq!(
            p.readiness.map(|r| r.handler),
            Some(ProbeHandler::HttpGet { path: "/healthz".into(), port: 8080, scheme: "HTTP".into() })
        );
        let p = from_healthcheck(&hc(HealthTest::Exec(vec![
            "wget".into(),
            "-q".into(),
            "--spider".into(),
            "http://127.0.0.1/".into(),
        ])));
        assert_eq!(
            p.liveness.map(|r| r.handler),
            Some(ProbeHandler::HttpGet { path: "/".into(), port: 80, scheme: "HTTP".into() })
        );
    }

    #[test]
    fn shell_and_exec_stay_commands() {
        let p = from_healthcheck(&hc(HealthTest::Shell("pg_isready -U $$POSTGRES_USER".into())));
        assert_eq!(
            p.readiness.map(|r| r.handler),
            Some(ProbeHandler::Exec(vec!["sh".into(), "-c".into(), "pg_isready -U $$POSTGRES_USER".into()]))
        );
        let p = from_healthcheck(&hc(HealthTest::Exec(vec!["redis-cli".into(), "ping".into()])));
        assert_eq!(p.readiness.map(|r| r.handler), Some(ProbeHandler::Exec(vec!["redis-cli".into(), "ping".into()])));
        let p = from_healthcheck(&hc(HealthTest::Shell("curl -f http://remote:80/ | grep ok".into())));
        assert!(matches!(p.readiness.map(|r| r.handler), Some(ProbeHandler::Exec(_))));
    }

    #[test]
    fn docker_defaults_and_start_period() {
        let mut h = hc(HealthTest::Exec(vec!["true".into()]));
        let p = from_healthcheck(&h);
        let r = p.readiness.clone().unwrap_or_else(|| tcp_readiness(1));
        assert_eq!((r.period_seconds, r.timeout_seconds, r.failure_threshold), (30, 30, 3));
        assert_eq!(p.liveness.map(|l| l.failure_threshold), Some(6));
        assert_eq!(p.startup, None);
        h.start_period_ms = Some(40_000);
        h.interval_ms = Some(10_000);
        h.timeout_ms = Some(1_500);
        let s = from_healthcheck(&h).startup.unwrap_or_else(|| tcp_readiness(1));
        assert_eq!((s.period_seconds, s.timeout_seconds, s.failure_threshold), (5, 2, 11));
    }

    #[test]
    fn readiness_skips_auxiliary_ports() {
        let ports = |ps: &[u16]| -> Vec<crate::ir::ContainerPort> {
            ps.iter()
                .map(|&port| crate::ir::ContainerPort { name: String::new(), port, protocol: "TCP".into() })
                .collect()
        };
        assert_eq!(readiness_port(&ports(&[25, 8025]), None, None, None), Some(8025));
        assert_eq!(readiness_port(&ports(&[587, 9100, 4000]), None, Some(9100), None), Some(4000));
        assert_eq!(readiness_port(&ports(&[25, 8025]), Some(25), None, None), Some(25));
        assert_eq!(readiness_port(&ports(&[1025, 7000]), None, None, None), Some(7000));
        assert_eq!(readiness_port(&ports(&[25]), None, None, None), Some(25));
        let mailpit = crate::catalogue::lookup("axllent/mailpit", "latest");
        assert_eq!(readiness_port(&ports(&[1025, 8025]), None, None, mailpit.as_ref()), Some(8025));
    }

    #[test]
    fn disabled() {
        let mut h = hc(HealthTest::Exec(vec!["true".into()]));
        h.disabled = true;
        assert_eq!(from_healthcheck(&h), Probes::default());
    }
}
