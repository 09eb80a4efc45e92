//! The OCI distribution API, read-only: manifests and blobs over HTTP(S), with the Docker
//! token flow (a `WWW-Authenticate: Bearer` challenge answered at the token service
//! anonymously, with Basic credentials, or by exchanging a refresh token as ACR and
//! `identitytoken` logins need), bounded retries of 429 honouring `Retry-After`, and every
//! downloaded document checked against its digest.
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use base64::Engine;
use compose2helm_core::image_facts::ImageReference;
use sha2::{Digest, Sha256};

use super::credentials::{Credential, DockerConfig};
use super::fault::Fault;

/// Manifests and configs larger than this are refused (real ones are a few KiB).
const MAX_DOCUMENT_BYTES: u64 = 8 << 20;

/// How requests are retried and timed out.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Whole-request timeout.
    pub timeout: Duration,
    /// Attempts of one request answered 429 (the first included).
    pub attempts: u32,
    /// The longest `Retry-After` honoured; a longer one fails the image at once.
    pub max_wait: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { timeout: Duration::from_secs(30), attempts: 4, max_wait: Duration::from_secs(60) }
    }
}

/// A document the registry served, its digest verified.
#[derive(Debug)]
pub struct Document {
    /// The bytes.
    pub body: Vec<u8>,
    /// `Content-Type` as served.
    pub media_type: String,
    /// `sha256:<hex>` of the bytes.
    pub digest: String,
}

/// A client for all registries of one run, shared by the worker threads.
pub struct Registry {
    agent: ureq::Agent,
    config: DockerConfig,
    limits: Limits,
    /// `Authorization` header per registry and repository, once obtained.
    authorizations: Mutex<HashMap<String, String>>,
    /// Credentials per registry, looked up once (helpers are processes).
    credentials: Mutex<HashMap<String, Option<Credential>>>,
}

impl Registry {
    /// A client using the user's docker configuration for credentials.
    pub fn new(config: DockerConfig, limits: Limits) -> Self {
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(limits.timeout))
            .http_status_as_error(false)
            .user_agent(concat!("compose2helm/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        Registry { agent, config, limits, authorizations: Mutex::default(), credentials: Mutex::default() }
    }

    /// The manifest (or index) of `reference` (a tag or digest) in the image's repository.
    pub fn manifest(&self, image: &ImageReference, reference: &str, accept: &str) -> Result<Document, Fault> {
        let url = format!("{}/v2/{}/manifests/{reference}", base_url(&image.registry), image.repository);
        let (body, headers) = self.get(image, &url, accept)?;
        let digest = sha256(&body);
        let what = format!("the manifest of {}", describe(image, reference));
        if reference.contains(':') && reference != digest {
            return Err(Fault::DigestMismatch { what, expected: reference.to_string(), actual: digest });
        }
        if let Some(announced) = headers.digest.filter(|d| d.starts_with("sha256:") && *d != digest) {
            return Err(Fault::DigestMismatch { what, expected: announced, actual: digest });
        }
        Ok(Document { body, media_type: headers.content_type.unwrap_or_default(), digest })
    }

    /// A blob of the image's repository, checked against `digest`.
    pub fn blob(&self, image: &ImageReference, digest: &str) -> Result<Vec<u8>, Fault> {
        let url = format!("{}/v2/{}/blobs/{digest}", base_url(&image.registry), image.repository);
        let (body, _) = self.get(image, &url, "*/*")?;
        let actual = sha256(&body);
        if digest.starts_with("sha256:") && actual != digest {
            return Err(Fault::DigestMismatch {
                what: format!("the config blob of {}", describe(image, image.manifest_reference())),
                expected: digest.to_string(),
                actual,
            });
        }
        Ok(body)
    }

    /// GET with authentication on demand and bounded 429 retries.
    fn get(&self, image: &ImageReference, url: &str, accept: &str) -> Result<(Vec<u8>, Headers), Fault> {
        let registry = image.registry.as_str();
        let key = format!("{registry}/{}", image.repository);
        let mut authenticated = false;
        let mut attempts = 0;
        loop {
            let mut request = self.agent.get(url).header("Accept", accept);
            if let Some(a) = lock(&self.authorizations).get(&key) {
                request = request.header("Authorization", a.as_str());
            }
            let mut response = request.call().map_err(|e| transport_fault(registry, self.limits.timeout, e))?;
            let status = response.status().as_u16();
            let header = |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
            let headers = Headers { content_type: header("content-type"), digest: header("docker-content-digest") };
            let challenge = header("www-authenticate");
            let retry_after = header("retry-after");
            if status == 200 {
                let body = response
                    .body_mut()
                    .with_config()
                    .limit(MAX_DOCUMENT_BYTES)
                    .read_to_vec()
                    .map_err(|e| transport_fault(registry, self.limits.timeout, e))?;
                return Ok((body, headers));
            }
            let detail =
                error_detail(&response.body_mut().with_config().limit(64 << 10).read_to_vec().unwrap_or_default());
            match status {
                401 if !authenticated => {
                    authenticated = true;
                    let authorization = self.authorize(image, challenge.as_deref().unwrap_or_default())?;
                    lock(&self.authorizations).insert(key.clone(), authorization);
                }
                401 | 403 => {
                    let logged_in = self.credential(registry)?.is_some();
                    return Err(Fault::Denied { registry: registry.into(), status, logged_in, detail });
                }
                404 => return Err(Fault::NotFound { image: describe(image, image.manifest_reference()), detail }),
                429 => {
                    attempts += 1;
                    let wait = retry_after.as_deref().and_then(|s| s.trim().parse::<u64>().ok());
                    if wait.is_some_and(|w| w > self.limits.max_wait.as_secs()) {
                        return Err(Fault::RateLimited { registry: registry.into(), attempts, retry_after: wait });
                    }
                    if attempts >= self.limits.attempts {
                        return Err(Fault::RateLimited { registry: registry.into(), attempts, retry_after: None });
                    }
                    // Without Retry-After: 1 s, 2 s, 4 s...
                    std::thread::sleep(Duration::from_secs(wait.unwrap_or(1 << (attempts - 1))));
                }
                _ => return Err(Fault::Server { registry: registry.into(), status, detail }),
            }
        }
    }

    fn credential(&self, registry: &str) -> Result<Option<Credential>, Fault> {
        if let Some(c) = lock(&self.credentials).get(registry) {
            return Ok(c.clone());
        }
        let c = self.config.credential_for(registry).map_err(|reason| Fault::Credentials { reason })?;
        lock(&self.credentials).insert(registry.to_string(), c.clone());
        Ok(c)
    }

    /// The `Authorization` header value that answers a 401 challenge.
    fn authorize(&self, image: &ImageReference, challenge: &str) -> Result<String, Fault> {
        let registry = image.registry.as_str();
        let credential = self.credential(registry)?;
        let challenges = http_auth::parse_challenges(challenge).unwrap_or_default();
        let param = |c: &http_auth::ChallengeRef<'_>, name: &str| {
            c.params.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.to_unescaped())
        };
        let denied = |detail: String| Fault::Denied {
            registry: registry.into(),
            status: 401,
            logged_in: credential.is_some(),
            detail,
        };
        if let Some(bearer) = challenges.iter().find(|c| c.scheme.eq_ignore_ascii_case("bearer")) {
            let realm = param(bearer, "realm").ok_or_else(|| denied("the challenge names no token service".into()))?;
            let service = param(bearer, "service").unwrap_or_default();
            let scope = format!("repository:{}:pull", image.repository);
            let token = self.token(registry, &realm, &service, &scope, credential.as_ref())?;
            return Ok(format!("Bearer {token}"));
        }
        if challenges.iter().any(|c| c.scheme.eq_ignore_ascii_case("basic")) {
            if let Some(Credential::Basic { username, password }) = &credential {
                return Ok(format!(
                    "Basic {}",
                    base64::engine::general_purpose::STANDARD.encode(format!("{username}:{password}"))
                ));
            }
        }
        Err(denied(String::new()))
    }

    /// An access token from the token service at `realm`.
    fn token(
        &self,
        registry: &str,
        realm: &str,
        service: &str,
        scope: &str,
        credential: Option<&Credential>,
    ) -> Result<String, Fault> {
        let timeout = self.limits.timeout;
        let mut response = match credential {
            // Docker's OAuth2 flow for identity tokens; ACR's documented refresh-token exchange.
            Some(Credential::RefreshToken(refresh)) => self.agent.post(realm).send_form([
                ("grant_type", "refresh_token"),
                ("service", service),
                ("scope", scope),
                ("client_id", "compose2helm"),
                ("refresh_token", refresh.as_str()),
            ]),
            Some(Credential::Basic { username, password }) => self
                .agent
                .get(realm)
                .query("service", service)
                .query("scope", scope)
                .header(
                    "Authorization",
                    format!(
                        "Basic {}",
                        base64::engine::general_purpose::STANDARD.encode(format!("{username}:{password}"))
                    ),
                )
                .call(),
            None => self.agent.get(realm).query("service", service).query("scope", scope).call(),
        }
        .map_err(|e| transport_fault(registry, timeout, e))?;
        let status = response.status().as_u16();
        let body = response.body_mut().with_config().limit(1 << 20).read_to_vec().unwrap_or_default();
        match status {
            200 => {}
            401 | 403 => {
                return Err(Fault::Denied {
                    registry: registry.into(),
                    status,
                    logged_in: credential.is_some(),
                    detail: format!("token service: {}", error_detail(&body)),
                })
            }
            _ => {
                return Err(Fault::Server {
                    registry: registry.into(),
                    status,
                    detail: format!("token service: {}", error_detail(&body)),
                })
            }
        }
        #[derive(serde::Deserialize)]
        struct TokenAnswer {
            token: Option<String>,
            access_token: Option<String>,
        }
        let answer: TokenAnswer = serde_json::from_slice(&body).map_err(|e| Fault::Malformed {
            what: format!("the token service's answer for {registry}"),
            reason: e.to_string(),
        })?;
        answer.access_token.or(answer.token).filter(|t| !t.is_empty()).ok_or_else(|| Fault::Malformed {
            what: format!("the token service's answer for {registry}"),
            reason: "it holds no token".into(),
        })
    }
}

struct Headers {
    content_type: Option<String>,
    digest: Option<String>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The API endpoint of a registry: Docker Hub's API host, plain HTTP for loopback
/// registries (as Docker allows), HTTPS for every other.
pub fn base_url(registry: &str) -> String {
    if registry == "docker.io" {
        return "https://registry-1.docker.io".into();
    }
    let host =
        registry.rsplit_once(':').filter(|(_, p)| p.chars().all(|c| c.is_ascii_digit())).map_or(registry, |(h, _)| h);
    let loopback = host == "localhost" || host.starts_with("127.") || host == "[::1]";
    format!("{}://{registry}", if loopback { "http" } else { "https" })
}

fn describe(image: &ImageReference, reference: &str) -> String {
    let sep = if reference.contains(':') { '@' } else { ':' };
    format!("{}/{}{sep}{reference}", image.registry, image.repository)
}

/// `sha256:<hex>` of some bytes.
pub fn sha256(bytes: &[u8]) -> String {
    let hash = Sha256::digest(bytes);
    let mut out = String::with_capacity(71);
    out.push_str("sha256:");
    for b in hash.iter() {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// The registry's error envelope (`{"errors":[{"code","message"}]}`) as one line.
fn error_detail(body: &[u8]) -> String {
    #[derive(serde::Deserialize)]
    struct Envelope {
        errors: Vec<Entry>,
    }
    #[derive(serde::Deserialize)]
    struct Entry {
        #[serde(default)]
        code: String,
        #[serde(default)]
        message: String,
    }
    match serde_json::from_slice::<Envelope>(body) {
        Ok(e) => e
            .errors
            .iter()
            .map(|x| if x.message.is_empty() { x.code.clone() } else { format!("{} ({})", x.message, x.code) })
            .collect::<Vec<_>>()
            .join("; "),
        Err(_) => {
            let text = String::from_utf8_lossy(body);
            let line = text.lines().next().unwrap_or_default().trim();
            line.chars().take(200).collect()
        }
    }
}

fn transport_fault(registry: &str, timeout: Duration, e: ureq::Error) -> Fault {
    let reason = match e {
        ureq::Error::Timeout(_) => return Fault::Timeout { registry: registry.into(), seconds: timeout.as_secs() },
        ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::TimedOut => {
            return Fault::Timeout { registry: registry.into(), seconds: timeout.as_secs() }
        }
        ureq::Error::BodyExceedsLimit(n) => {
            return Fault::Malformed {
                what: format!("an answer of {registry}"),
                reason: format!("larger than {n} bytes, which no manifest or config is"),
            }
        }
        ureq::Error::HostNotFound => "host not found".to_string(),
        ureq::Error::ConnectionFailed => "connection failed".to_string(),
        ureq::Error::Io(io) => match io.kind() {
            std::io::ErrorKind::ConnectionRefused => "connection refused".to_string(),
            std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::ConnectionAborted => {
                "the connection was closed".to_string()
            }
            std::io::ErrorKind::UnexpectedEof => "the connection closed in mid-answer".to_string(),
            _ => io.to_string(),
        },
        other => other.to_string(),
    };
    Fault::Unreachable { registry: registry.into(), reason }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints() {
        assert_eq!(base_url("docker.io"), "https://registry-1.docker.io");
        assert_eq!(base_url("ghcr.io"), "https://ghcr.io");
        assert_eq!(base_url("127.0.0.1:5000"), "http://127.0.0.1:5000");
        assert_eq!(base_url("localhost:5000"), "http://localhost:5000");
        assert_eq!(base_url("myacr.azurecr.io"), "https://myacr.azurecr.io");
    }

    #[test]
    fn registry_error_envelopes_read_as_one_line() {
        let body = br#"{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":{}}]}"#;
        assert_eq!(error_detail(body), "manifest unknown (MANIFEST_UNKNOWN)");
        assert_eq!(error_detail(b"<html>\nbad gateway"), "<html>");
        assert_eq!(sha256(b""), "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }
}
