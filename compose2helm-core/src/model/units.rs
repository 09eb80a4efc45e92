//! Compose's units: byte sizes (`512m`, `1g`, plain bytes; 1024-based like Docker),
//! durations (`1m30s`, Go syntax) and CPU counts (`0.5`, `"1.5"`).

/// Bytes of a compose byte size, or `None` when it is not one.
pub fn parse_bytes(s: &str) -> Option<u64> {
    let s = s.trim();
    let num_end = s.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(s.len());
    let (num, unit) = s.split_at(num_end);
    let n: f64 = num.parse().ok()?;
    let unit = unit.trim().to_ascii_lowercase();
    let unit = unit.strip_suffix('b').unwrap_or(&unit);
    let unit = unit.strip_suffix('i').unwrap_or(unit);
    let mult: u64 = match unit {
        "" => 1,
        "k" => 1 << 10,
        "m" => 1 << 20,
        "g" => 1 << 30,
        "t" => 1 << 40,
        "p" => 1 << 50,
        _ => return None,
    };
    let v = n * mult as f64;
    (0.0..9.0e18).contains(&v).then_some(v.round() as u64)
}

/// Milliseconds of a Go duration (`1h2m3s`, `1.5s`, `300ms`), or `None`.
pub fn parse_duration_ms(s: &str) -> Option<u64> {
    let s = s.trim();
    if s == "0" {
        return Some(0);
    }
    let mut total = 0f64;
    let mut rest = s;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let n_end = rest.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
        if n_end == 0 {
            return None;
        }
        let n: f64 = rest[..n_end].parse().ok()?;
        rest = &rest[n_end..];
        let u_end = rest.find(|c: char| c.is_ascii_digit() || c == '.').unwrap_or(rest.len());
        let factor = match &rest[..u_end] {
            "ns" => 1e-6,
            "us" | "µs" => 1e-3,
            "ms" => 1.0,
            "s" => 1e3,
            "m" => 60e3,
            "h" => 3600e3,
            _ => return None,
        };
        total += n * factor;
        rest = &rest[u_end..];
    }
    (total.is_finite() && total < 1e15).then_some(total.round() as u64)
}

/// Millicores of a CPU count.
pub fn parse_cpus(s: &str) -> Option<u32> {
    let v: f64 = s.trim().parse().ok()?;
    (v.is_finite() && v > 0.0 && v < 1e6).then(|| (v * 1000.0).ceil() as u32)
}

/// A byte count as a Kubernetes quantity in the largest exact binary unit (`512Mi`,
/// `1Gi`); sizes that are not whole KiB round up to the next KiB.
pub fn bytes_to_quantity(b: u64) -> String {
    const UNITS: [(u64, &str); 4] = [(1 << 40, "Ti"), (1 << 30, "Gi"), (1 << 20, "Mi"), (1 << 10, "Ki")];
    for (size, unit) in UNITS {
        if b >= size && b.is_multiple_of(size) {
            return format!("{}{unit}", b / size);
        }
    }
    format!("{}Ki", b.div_ceil(1024).max(1))
}

/// Millicores as a Kubernetes quantity (`500m`, `2`).
pub fn millicores_to_quantity(m: u32) -> String {
    if m.is_multiple_of(1000) {
        format!("{}", m / 1000)
    } else {
        format!("{m}m")
    }
}

/// Whole seconds, rounded up, at least 1 when the duration is not zero.
pub fn ms_to_secs_ceil(ms: u64) -> u64 {
    ms.div_ceil(1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes() {
        assert_eq!(parse_bytes("512m"), Some(512 << 20));
        assert_eq!(parse_bytes("1g"), Some(1 << 30));
        assert_eq!(parse_bytes("1GB"), Some(1 << 30));
        assert_eq!(parse_bytes("1.5g"), Some(3 << 29));
        assert_eq!(parse_bytes("100000"), Some(100000));
        assert_eq!(parse_bytes("2 MiB"), Some(2 << 20));
        assert_eq!(parse_bytes("12x"), None);
        assert_eq!(parse_bytes(""), None);
    }

    #[test]
    fn quantities() {
        assert_eq!(bytes_to_quantity(512 << 20), "512Mi");
        assert_eq!(bytes_to_quantity(3 << 29), "1536Mi");
        assert_eq!(bytes_to_quantity(1 << 30), "1Gi");
        assert_eq!(bytes_to_quantity(100000), "98Ki");
        assert_eq!(bytes_to_quantity(1), "1Ki");
        assert_eq!(millicores_to_quantity(500), "500m");
        assert_eq!(millicores_to_quantity(2000), "2");
        assert_eq!(parse_cpus("0.5"), Some(500));
        assert_eq!(parse_cpus("0.0001"), Some(1));
        assert_eq!(parse_cpus("0"), None);
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration_ms("1m30s"), Some(90_000));
        assert_eq!(parse_duration_ms("1.5s"), Some(1500));
        assert_eq!(parse_duration_ms("300ms"), Some(300));
        assert_eq!(parse_duration_ms("1h"), Some(3_600_000));
        assert_eq!(parse_duration_ms("0"), Some(0));
        assert_eq!(parse_duration_ms("10"), None);
        assert_eq!(parse_duration_ms("s"), None);
        assert_eq!(ms_to_secs_ceil(1500), 2);
    }
}
