//! `policy.egress`: where pods may go outside the cluster. Under compose every container
//! reaches the outside world on any port (SMTP 25/587, APIs on 80/8080, S3 on 9000), so the
//! default NetworkPolicies allow the same; a project that wants less lists destinations and
//! ports here. Traffic inside the cluster is never widened by it: the cluster's own ranges
//! are taken out of "anywhere", and in-cluster peers are allowed by compose networks alone.
use super::keys_of;
use crate::error::Result;
use crate::ir::Egress as EgressPolicy;
use crate::model::decode::{invalid, non_negative, seq, string};
use crate::yaml::Node;

impl Default for EgressPolicy {
    fn default() -> Self {
        EgressPolicy {
            cidrs: vec!["0.0.0.0/0".into()],
            ports: Vec::new(),
            // RFC 1918 private ranges hold the pod and Service CIDRs of AKS (10.244.0.0/16 and
            // 10.0.0.0/16 by default; Azure CNI gives pods VNet addresses), EKS and GKE; some
            // CNIs use the shared address space of RFC 6598; link-local (RFC 3927) holds cloud
            // metadata endpoints (169.254.169.254), which hand out the node's credentials.
            cluster_cidrs: ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16"]
                .map(String::from)
                .to_vec(),
        }
    }
}

/// Reads `policy.egress`.
pub fn read_egress(n: &Node, path: &str, e: &mut EgressPolicy) -> Result<()> {
    for (k, v) in keys_of(n, path, &["cidrs", "ports", "clusterCIDRs"])? {
        let p = format!("{path}.{k}");
        match k.as_str() {
            "ports" => {
                e.ports = seq(v, &p)?
                    .iter()
                    .enumerate()
                    .map(|(i, item)| {
                        let ip = format!("{p}[{i}]");
                        let port = non_negative(item, &ip)?;
                        u16::try_from(port)
                            .ok()
                            .filter(|p| *p > 0)
                            .ok_or_else(|| invalid(item, &ip, format!("`{port}` is not a port (1-65535)")))
                    })
                    .collect::<Result<_>>()?
            }
            which => {
                let mut out = Vec::new();
                for (i, item) in seq(v, &p)?.iter().enumerate() {
                    let ip = format!("{p}[{i}]");
                    let cidr = string(item, &ip)?;
                    check_cidr(&cidr).map_err(|why| invalid(item, &ip, format!("`{cidr}` {why}")))?;
                    if which == "clusterCIDRs" && cidr.ends_with("/0") {
                        return Err(invalid(item, &ip, "is everything: list the cluster's own ranges"));
                    }
                    out.push(cidr);
                }
                if which == "cidrs" {
                    e.cidrs = out;
                } else {
                    e.cluster_cidrs = out;
                }
            }
        }
    }
    Ok(())
}

/// A CIDR as Kubernetes accepts it in an `ipBlock`: an address with no bits set past the
/// prefix (strict validation refuses `10.1.2.3/8`).
fn check_cidr(cidr: &str) -> std::result::Result<(), String> {
    let (addr, prefix) = cidr.split_once('/').ok_or("is not a CIDR (e.g. 203.0.113.0/24)")?;
    let addr: std::net::IpAddr = addr.parse().map_err(|_| "is not a CIDR (e.g. 203.0.113.0/24)".to_string())?;
    let bits: u32 = if addr.is_ipv4() { 32 } else { 128 };
    let prefix: u32 = prefix.parse().ok().filter(|p| *p <= bits).ok_or(format!("has no prefix length of 0-{bits}"))?;
    let value: u128 = match addr {
        std::net::IpAddr::V4(a) => u128::from(u32::from(a)),
        std::net::IpAddr::V6(a) => u128::from(a),
    };
    let host_bits = bits - prefix;
    let mask = if host_bits == 128 { u128::MAX } else { (1u128 << host_bits) - 1 };
    if value & mask != 0 {
        return Err(format!("has bits set past its prefix: write the network address (/{prefix})"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidrs() {
        assert!(check_cidr("0.0.0.0/0").is_ok());
        assert!(check_cidr("10.0.0.0/8").is_ok());
        assert!(check_cidr("203.0.113.7/32").is_ok());
        assert!(check_cidr("::/0").is_ok());
        assert!(check_cidr("fd00::/8").is_ok());
        assert!(check_cidr("10.1.2.3/8").is_err());
        assert!(check_cidr("10.0.0.0/33").is_err());
        assert!(check_cidr("10.0.0.0").is_err());
        assert!(check_cidr("example.com/24").is_err());
    }

    #[test]
    fn reads_the_block() {
        let n = crate::yaml::parse("{cidrs: [203.0.113.0/24], ports: [443, 587], clusterCIDRs: [10.244.0.0/16]}", "t")
            .unwrap_or_else(|e| panic!("{e}"));
        let mut e = EgressPolicy::default();
        read_egress(&n, "policy.egress", &mut e).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(e.cidrs, vec!["203.0.113.0/24"]);
        assert_eq!(e.ports, vec![443, 587]);
        assert_eq!(e.cluster_cidrs, vec!["10.244.0.0/16"]);
        let bad = crate::yaml::parse("{ports: [0]}", "t").unwrap_or_else(|e| panic!("{e}"));
        assert!(read_egress(&bad, "policy.egress", &mut e).is_err());
    }
}
