//! Registry credentials the way the docker CLI finds them: `$DOCKER_CONFIG/config.json`
//! (default `~/.docker/config.json`), per registry a credential helper (`credHelpers`),
//! else an `auths` entry (`auth` = base64 `user:password`, or `identitytoken`), else the
//! default store (`credsStore`), each helper run as `docker-credential-<name> get`.
//! Nothing found means anonymous access.
use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use base64::Engine;
use serde::Deserialize;

/// The user name under which `az acr login` (and ACR's docs) store an ACR refresh token.
pub const ACR_REFRESH_TOKEN_USER: &str = "00000000-0000-0000-0000-000000000000";

/// How to prove who we are to one registry. Debug never shows a secret.
#[derive(Clone, PartialEq, Eq)]
pub enum Credential {
    /// User name and password (or access token), sent to the token service or as Basic.
    Basic { username: String, password: String },
    /// An OAuth2 refresh token (`identitytoken`, or an ACR refresh token), exchanged for an
    /// access token at the registry's token service (`grant_type=refresh_token`).
    RefreshToken(String),
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credential::Basic { username, .. } => write!(f, "Basic({username}, <redacted>)"),
            Credential::RefreshToken(_) => f.write_str("RefreshToken(<redacted>)"),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ConfigFile {
    #[serde(default)]
    auths: BTreeMap<String, AuthEntry>,
    #[serde(default)]
    cred_helpers: BTreeMap<String, String>,
    #[serde(default)]
    creds_store: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct AuthEntry {
    #[serde(default)]
    auth: Option<String>,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    password: Option<String>,
    #[serde(default)]
    identitytoken: Option<String>,
}

/// The user's docker configuration, read once per run.
#[derive(Debug, Default)]
pub struct DockerConfig {
    file: ConfigFile,
    path: PathBuf,
}

impl DockerConfig {
    /// Reads `$DOCKER_CONFIG/config.json` or `~/.docker/config.json`; a missing file is an
    /// empty configuration, an unreadable one an error naming it.
    pub fn load() -> Result<Self, String> {
        let dir = match std::env::var_os("DOCKER_CONFIG") {
            Some(d) => PathBuf::from(d),
            None => match std::env::var_os("HOME") {
                Some(h) => PathBuf::from(h).join(".docker"),
                None => return Ok(DockerConfig::default()),
            },
        };
        let path = dir.join("config.json");
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(DockerConfig::default()),
            Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
        };
        let file = serde_json::from_str(&text).map_err(|e| format!("{} is not valid: {e}", path.display()))?;
        Ok(DockerConfig { file, path })
    }

    /// The credential for a registry host (`docker.io`, `ghcr.io`, `127.0.0.1:5000`), or
    /// `None` for anonymous access. An error names the helper or entry that failed.
    pub fn credential_for(&self, registry: &str) -> Result<Option<Credential>, String> {
        if let Some(helper) = self.file.cred_helpers.get(registry) {
            return run_helper(helper, &server_url(registry));
        }
        if let Some((key, entry)) = self.file.auths.iter().find(|(k, _)| host_of_key(k) == registry) {
            if let Some(c) = entry.credential().map_err(|e| format!("{}: auths.{key}: {e}", self.path.display()))? {
                return Ok(Some(c));
            }
        }
        match &self.file.creds_store {
            Some(store) if !store.is_empty() => run_helper(store, &server_url(registry)),
            _ => Ok(None),
        }
    }
}

impl AuthEntry {
    fn credential(&self) -> Result<Option<Credential>, String> {
        if let Some(token) = self.identitytoken.as_deref().filter(|t| !t.is_empty()) {
            return Ok(Some(Credential::RefreshToken(token.to_string())));
        }
        let (username, password) = match (&self.auth, &self.username, &self.password) {
            (Some(a), _, _) if !a.is_empty() => {
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(a.trim())
                    .map_err(|_| "`auth` is not base64".to_string())?;
                let text = String::from_utf8(bytes).map_err(|_| "`auth` is not UTF-8".to_string())?;
                let (u, p) = text.split_once(':').ok_or("`auth` is not `user:password`")?;
                (u.to_string(), p.to_string())
            }
            (_, Some(u), Some(p)) => (u.clone(), p.clone()),
            _ => return Ok(None),
        };
        Ok(Some(user_password(username, password)))
    }
}

/// `docker login -u 00000000-0000-0000-0000-000000000000 -p <token> x.azurecr.io` stores an
/// ACR refresh token as a password: it is exchanged, not sent.
fn user_password(username: String, password: String) -> Credential {
    if username == ACR_REFRESH_TOKEN_USER {
        Credential::RefreshToken(password)
    } else {
        Credential::Basic { username, password }
    }
}

/// The registry host of an `auths` key (`https://index.docker.io/v1/` is Docker Hub).
fn host_of_key(key: &str) -> String {
    let rest = key.strip_prefix("https://").or_else(|| key.strip_prefix("http://")).unwrap_or(key);
    let host = rest.split('/').next().unwrap_or(rest).to_ascii_lowercase();
    match host.as_str() {
        "index.docker.io" | "registry-1.docker.io" | "registry.hub.docker.com" => "docker.io".into(),
        _ => host,
    }
}

/// The server name helpers store credentials under (Docker Hub keeps its historical URL).
fn server_url(registry: &str) -> String {
    if registry == "docker.io" {
        "https://index.docker.io/v1/".into()
    } else {
        registry.into()
    }
}

#[derive(Deserialize)]
struct HelperAnswer {
    #[serde(rename = "Username", default)]
    username: String,
    #[serde(rename = "Secret", default)]
    secret: String,
}

/// `docker-credential-<helper> get` with the server on stdin. "Not found" is no credential.
fn run_helper(helper: &str, server: &str) -> Result<Option<Credential>, String> {
    let program = format!("docker-credential-{helper}");
    let mut child = Command::new(&program)
        .arg("get")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run the credential helper {program}: {e}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(server.as_bytes());
    }
    let out = child.wait_with_output().map_err(|e| format!("credential helper {program} failed: {e}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        let said = format!("{stdout}{}", String::from_utf8_lossy(&out.stderr));
        if said.to_ascii_lowercase().contains("not found") {
            return Ok(None);
        }
        return Err(format!("credential helper {program} failed for {server}: {}", said.trim()));
    }
    let answer: HelperAnswer =
        serde_json::from_str(&stdout).map_err(|e| format!("credential helper {program} answered no JSON: {e}"))?;
    if answer.secret.is_empty() {
        return Ok(None);
    }
    // Helpers mark identity tokens with the user name `<token>`.
    if answer.username == "<token>" {
        return Ok(Some(Credential::RefreshToken(answer.secret)));
    }
    Ok(Some(user_password(answer.username, answer.secret)))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    fn config(json: &str) -> DockerConfig {
        DockerConfig { file: serde_json::from_str(json).unwrap(), path: "config.json".into() }
    }

    #[test]
    fn auths_entries_by_host_however_the_key_is_written() {
        let c = config(
            r#"{"auths": {
                "https://index.docker.io/v1/": {"auth": "dXNlcjpwYXNz"},
                "https://ghcr.io": {"username": "bot", "password": "ghp"},
                "myacr.azurecr.io": {"auth": "MDAwMDAwMDAtMDAwMC0wMDAwLTAwMDAtMDAwMDAwMDAwMDAwOnJlZnJlc2g=", "identitytoken": ""},
                "other.azurecr.io": {"identitytoken": "eyJ"},
                "empty.example": {}
            }}"#,
        );
        let basic = |u: &str, p: &str| Some(Credential::Basic { username: u.into(), password: p.into() });
        assert_eq!(c.credential_for("docker.io").unwrap(), basic("user", "pass"));
        assert_eq!(c.credential_for("ghcr.io").unwrap(), basic("bot", "ghp"));
        assert_eq!(c.credential_for("myacr.azurecr.io").unwrap(), Some(Credential::RefreshToken("refresh".into())));
        assert_eq!(c.credential_for("other.azurecr.io").unwrap(), Some(Credential::RefreshToken("eyJ".into())));
        assert_eq!(c.credential_for("empty.example").unwrap(), None);
        assert_eq!(c.credential_for("quay.io").unwrap(), None);
    }

    #[test]
    fn a_bad_auth_entry_is_named() {
        let c = config(r#"{"auths": {"r.example": {"auth": "%%%"}}}"#);
        assert_eq!(c.credential_for("r.example").unwrap_err(), "config.json: auths.r.example: `auth` is not base64");
    }

    #[test]
    fn helpers_that_do_not_exist_are_named() {
        let c = config(r#"{"credHelpers": {"r.example": "compose2helm-test-missing"}}"#);
        let e = c.credential_for("r.example").unwrap_err();
        assert!(e.contains("docker-credential-compose2helm-test-missing"), "{e}");
        assert_eq!(c.credential_for("other.example").unwrap(), None);
    }

    #[test]
    fn debug_output_hides_secrets() {
        let b = Credential::Basic { username: "u".into(), password: "hunter2".into() };
        assert!(!format!("{b:?} {:?}", Credential::RefreshToken("tok".into())).contains("hunter2"));
        assert!(!format!("{:?}", Credential::RefreshToken("tok".into())).contains("tok"));
    }
}
