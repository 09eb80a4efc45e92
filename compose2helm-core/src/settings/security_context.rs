//! A service's `x-compose2helm.securityContext`: explicit pod and container security
//! settings that win over everything compose2helm derives (compose, the image catalogue,
//! the policy), for images it cannot know or needs it cannot guess.
use super::*;
use crate::model::decode::{boolean, string, string_list};
use crate::yaml::Value;

/// `securityContext.pod` and `securityContext.container`; `None` keeps the derived value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SecurityOverride {
    pub run_as_user: Option<i64>,
    pub run_as_group: Option<i64>,
    pub fs_group: Option<i64>,
    pub run_as_non_root: Option<bool>,
    pub supplemental_groups: Option<Vec<i64>>,
    /// Pod sysctls (name, value), replacing the derived ones.
    pub sysctls: Option<Vec<(String, String)>>,
    pub read_only_root_filesystem: Option<bool>,
    pub allow_privilege_escalation: Option<bool>,
    pub privileged: Option<bool>,
    pub capabilities_add: Option<Vec<String>>,
    pub capabilities_drop: Option<Vec<String>>,
}

impl SecurityOverride {
    /// Whether it names the user the container runs as.
    pub fn sets_user(&self) -> bool {
        self.run_as_user.is_some()
    }
}

fn id(n: &Node, path: &str) -> Result<i64> {
    let v = non_negative(n, path)?;
    i64::try_from(v)
        .ok()
        .filter(|v| *v <= 2_147_483_647)
        .ok_or_else(|| Error::at(ErrorKind::InvalidValue, &n.mark, path, format!("`{v}` is not a user or group id")))
}

/// Reads `securityContext: {pod: {...}, container: {...}}`.
pub fn read_security_context(n: &Node, path: &str) -> Result<SecurityOverride> {
    let mut o = SecurityOverride::default();
    for (part, pv) in keys_of(n, path, &["pod", "container"])? {
        let pp = format!("{path}.{part}");
        if part == "pod" {
            let allowed = ["runAsUser", "runAsGroup", "fsGroup", "runAsNonRoot", "supplementalGroups", "sysctls"];
            for (k, v) in keys_of(pv, &pp, &allowed)? {
                let p = format!("{pp}.{k}");
                match k.as_str() {
                    "runAsUser" => o.run_as_user = Some(id(v, &p)?),
                    "runAsGroup" => o.run_as_group = Some(id(v, &p)?),
                    "fsGroup" => o.fs_group = Some(id(v, &p)?),
                    "runAsNonRoot" => o.run_as_non_root = Some(boolean(v, &p)?),
                    "supplementalGroups" => {
                        let Value::Seq(items) = &v.value else {
                            return Err(Error::at(ErrorKind::InvalidValue, &v.mark, p, "a list of group ids"));
                        };
                        o.supplemental_groups = Some(
                            items
                                .iter()
                                .enumerate()
                                .map(|(i, g)| id(g, &format!("{p}[{i}]")))
                                .collect::<Result<_>>()?,
                        );
                    }
                    _ => {
                        let Value::Seq(items) = &v.value else {
                            return Err(Error::at(ErrorKind::InvalidValue, &v.mark, p, "a list of {name, value}"));
                        };
                        let mut sysctls = Vec::new();
                        for (i, item) in items.iter().enumerate() {
                            let ip = format!("{p}[{i}]");
                            let (mut name, mut value) = (None, None);
                            for (sk, sv) in keys_of(item, &ip, &["name", "value"])? {
                                let s = string(sv, &format!("{ip}.{sk}"))?;
                                if sk == "name" {
                                    name = Some(s)
                                } else {
                                    value = Some(s)
                                }
                            }
                            match (name, value) {
                                (Some(n), Some(v)) => sysctls.push((n, v)),
                                _ => {
                                    return Err(Error::at(
                                        ErrorKind::InvalidValue,
                                        &item.mark,
                                        ip,
                                        "needs `name` and `value`",
                                    ))
                                }
                            }
                        }
                        o.sysctls = Some(sysctls);
                    }
                }
            }
        } else {
            let allowed = ["readOnlyRootFilesystem", "allowPrivilegeEscalation", "privileged", "capabilities"];
            for (k, v) in keys_of(pv, &pp, &allowed)? {
                let p = format!("{pp}.{k}");
                match k.as_str() {
                    "readOnlyRootFilesystem" => o.read_only_root_filesystem = Some(boolean(v, &p)?),
                    "allowPrivilegeEscalation" => o.allow_privilege_escalation = Some(boolean(v, &p)?),
                    "privileged" => o.privileged = Some(boolean(v, &p)?),
                    _ => {
                        for (ck, cv) in keys_of(v, &p, &["add", "drop"])? {
                            let caps: Vec<String> = string_list(cv, &format!("{p}.{ck}"))?
                                .iter()
                                .map(|c| c.trim_start_matches("CAP_").to_ascii_uppercase())
                                .collect();
                            if ck == "add" {
                                o.capabilities_add = Some(caps)
                            } else {
                                o.capabilities_drop = Some(caps)
                            }
                        }
                    }
                }
            }
        }
    }
    Ok(o)
}
