//! Why one image could not be resolved, in words a user can act on.
use std::fmt;

/// A failure of one image; the other images still resolve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// No connection (refused, DNS, TLS).
    Unreachable { registry: String, reason: String },
    /// No answer in time.
    Timeout { registry: String, seconds: u64 },
    /// 401 after authenticating, or 403.
    Denied { registry: String, status: u16, logged_in: bool, detail: String },
    /// 404 for the tag, digest or repository.
    NotFound { image: String, detail: String },
    /// 429 still after the bounded retries, or a wait longer than allowed.
    RateLimited { registry: String, attempts: u32, retry_after: Option<u64> },
    /// The registry's answer is not a usable manifest or config.
    Malformed { what: String, reason: String },
    /// Content whose digest is not the one asked for or announced.
    DigestMismatch { what: String, expected: String, actual: String },
    /// Any other answer (5xx, unexpected status).
    Server { registry: String, status: u16, detail: String },
    /// The docker configuration or a credential helper failed.
    Credentials { reason: String },
}

impl Fault {
    /// Whether the image may just not be pushed yet (for services built by the project).
    pub fn means_not_pushed(&self) -> bool {
        matches!(self, Fault::NotFound { .. } | Fault::Denied { .. })
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fault::Unreachable { registry, reason } => write!(f, "cannot reach {registry}: {reason}"),
            Fault::Timeout { registry, seconds } => {
                write!(f, "{registry} did not answer within {seconds}s (raise it with --timeout)")
            }
            Fault::Denied { registry, status, logged_in, detail } => {
                let what = if *status == 401 { "401 Unauthorized" } else { "403 Forbidden" };
                let hint = if *logged_in {
                    "the stored credentials were refused: log in again (`docker login`, or `az acr login --name <registry>` for Azure)"
                } else {
                    "no credentials for it in the docker config: log in with `docker login` (or `az acr login --name <registry>` for Azure)"
                };
                write!(f, "{registry} refused access ({what}{}); {hint}", detail_suffix(detail))
            }
            Fault::NotFound { image, detail } => {
                write!(f, "{image} does not exist in its registry (404{})", detail_suffix(detail))
            }
            Fault::RateLimited { registry, attempts, retry_after } => match retry_after {
                Some(s) if *attempts == 1 => write!(
                    f,
                    "{registry} limits the request rate (429) and asks to wait {s}s, longer than compose2helm waits; try again later, or log in (Docker Hub allows logged-in users more pulls)"
                ),
                _ => write!(
                    f,
                    "{registry} still limits the request rate (429) after {attempts} attempts; try again later, or log in (Docker Hub allows logged-in users more pulls)"
                ),
            },
            Fault::Malformed { what, reason } => write!(f, "{what} is malformed: {reason}"),
            Fault::DigestMismatch { what, expected, actual } => write!(
                f,
                "{what} has digest {actual}, not {expected}: the content was changed or damaged on the way; nothing recorded"
            ),
            Fault::Server { registry, status, detail } => {
                write!(f, "{registry} answered HTTP {status}{}", detail_suffix(detail))
            }
            Fault::Credentials { reason } => write!(f, "credentials: {reason}"),
        }
    }
}

fn detail_suffix(detail: &str) -> String {
    if detail.is_empty() {
        String::new()
    } else {
        format!(": {detail}")
    }
}
