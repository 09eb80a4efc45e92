//! What the CLI asks git, so that the core stays free of processes: the repository's
//! remote, for the Argo CD objects' `repoURL` when the settings do not name one.
use std::path::Path;
use std::process::{Command, Stdio};

/// `git remote get-url origin` in `dir`, without credentials; `None` when `dir` is not a
/// git checkout, has no `origin`, or git is not installed.
pub fn origin_url(dir: &Path) -> Option<String> {
    let dir = if dir.as_os_str().is_empty() { Path::new(".") } else { dir };
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["remote", "get-url", "origin"])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    let url = String::from_utf8(out.stdout).ok()?;
    let url = url.trim();
    (out.status.success() && !url.is_empty() && !url.contains(char::is_control)).then(|| without_credentials(url))
}

/// The URL without the user information of a `scheme://user:password@host/` URL: a token
/// in a clone URL (`https://<token>@github.com/...`) must not reach a generated file or a
/// message. scp-like addresses (`git@host:org/repo.git`) name only the ssh user and stay.
fn without_credentials(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_string() };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{scheme}://{}", &rest[at + 1..]),
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::without_credentials;

    #[test]
    fn credentials_are_dropped_and_ssh_addresses_kept() {
        assert_eq!(without_credentials("https://x-token:ghp_abc@github.com/o/r.git"), "https://github.com/o/r.git");
        assert_eq!(without_credentials("https://ghp_abc@github.com/o/r"), "https://github.com/o/r");
        assert_eq!(without_credentials("ssh://git@host:22/o/r.git"), "ssh://host:22/o/r.git");
        assert_eq!(without_credentials("https://github.com/o/r@v1"), "https://github.com/o/r@v1");
        assert_eq!(without_credentials("git@github.com:o/r.git"), "git@github.com:o/r.git");
    }
}
