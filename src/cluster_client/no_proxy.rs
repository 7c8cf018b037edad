//! `NO_PROXY` read as Go's `golang.org/x/net/http/httpproxy` reads it (client-go's
//! `ProxyFromEnvironment`), not as reqwest's `NoProxy` does: reqwest ignores entries with a port
//! and `*.` prefixes and lets `.domain` match `domain` itself, so it would tunnel the credential
//! through a proxy kubectl bypasses (or the other way round).
//!
//! Go's rules, entry by entry (comma separated, trimmed, case-insensitive, empty ones skipped):
//! - `*` alone: no request is proxied;
//! - an IP network (`10.0.0.0/8`, `fd00::/8`): matches an address server inside it (never a name);
//! - an IP with or without a port (`10.1.2.3`, `10.1.2.3:443`, `[::1]:443`): that address, on that
//!   port if one is given;
//! - a name with or without a port: `example.com` matches it and every name under it,
//!   `.example.com` and `*.example.com` only the names under it; on that port if one is given.

use std::net::IpAddr;

/// Whether Go would send a request to `host` (the URL's host, lower case, without brackets) on
/// `port` straight to the server, not through the proxy, by the `NO_PROXY` value `list`.
pub(super) fn bypasses(list: &str, host: &str, port: u16) -> bool {
    let host = host.trim().to_ascii_lowercase();
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let ip = host.parse::<IpAddr>().ok();
    let port = port.to_string();
    list.split(',')
        .map(|entry| entry.trim().to_ascii_lowercase())
        .filter(|entry| !entry.is_empty())
        .any(|entry| matches(&entry, host, ip, &port))
}

fn matches(entry: &str, host: &str, ip: Option<IpAddr>, port: &str) -> bool {
    if entry == "*" {
        return true;
    }
    if let Some((net, bits)) = cidr(entry) {
        return ip.is_some_and(|ip| within(ip, net, bits));
    }
    // Go's net.SplitHostPort: "host:port" or "[v6]:port"; anything else is a bare host.
    let (entry_host, entry_port) = split_host_port(entry).unwrap_or((entry, ""));
    let port_ok = entry_port.is_empty() || entry_port == port;
    if let Ok(entry_ip) = entry_host.parse::<IpAddr>() {
        return ip == Some(entry_ip) && port_ok;
    }
    if entry_host.is_empty() {
        return false;
    }
    let entry_host = entry_host
        .strip_prefix('*')
        .filter(|h| h.starts_with('.'))
        .unwrap_or(entry_host);
    let (suffix, match_itself) = match entry_host.strip_prefix('.') {
        Some(_) => (entry_host.to_string(), false),
        None => (format!(".{entry_host}"), true),
    };
    // Go matches names against every entry, an address server's text included.
    (host.ends_with(&suffix) || (match_itself && host == &suffix[1..])) && port_ok
}

/// Go's `net.SplitHostPort` for the shapes a `NO_PROXY` entry takes.
fn split_host_port(entry: &str) -> Option<(&str, &str)> {
    if let Some(rest) = entry.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        let port = after.strip_prefix(':')?;
        return Some((host, port));
    }
    let (host, port) = entry.rsplit_once(':')?;
    // More than one colon without brackets is an IPv6 address, not host:port.
    (!host.contains(':')).then_some((host, port))
}

/// `ip/bits` as Go's `net.ParseCIDR` takes it.
fn cidr(entry: &str) -> Option<(IpAddr, u32)> {
    let (ip, bits) = entry.split_once('/')?;
    let ip: IpAddr = ip.parse().ok()?;
    // Go's dtoi: decimal digits only, leading zeros taken ("/0008" is /8); Rust's parse would
    // also take a sign ("+8"), Go does not. An empty or overlong number fails the parse, as in Go.
    if !bits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let bits: u32 = bits.parse().ok()?;
    let max = if ip.is_ipv4() { 32 } else { 128 };
    (bits <= max).then_some((ip, bits))
}

fn within(ip: IpAddr, net: IpAddr, bits: u32) -> bool {
    let (ip, net, width) = match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => (u32::from(a) as u128, u32::from(n) as u128, 32),
        (IpAddr::V6(a), IpAddr::V6(n)) => match a.to_ipv4_mapped() {
            Some(_) => return false,
            None => (u128::from(a), u128::from(n), 128),
        },
        // Go compares an IPv4-mapped IPv6 address as IPv4.
        (IpAddr::V6(a), IpAddr::V4(n)) => match a.to_ipv4_mapped() {
            Some(a) => (u32::from(a) as u128, u32::from(n) as u128, 32),
            None => return false,
        },
        (IpAddr::V4(_), IpAddr::V6(_)) => return false,
    };
    if bits == 0 {
        return true;
    }
    let shift = width - bits;
    (ip >> shift) == (net >> shift)
}

#[cfg(test)]
mod tests {
    use super::bypasses;

    #[test]
    fn reads_no_proxy_as_go_httpproxy_does() {
        let rows: &[(&str, &str, u16, bool)] = &[
            ("*", "anything.example", 443, true),
            ("", "example.com", 443, false),
            ("example.com", "example.com", 443, true),
            ("example.com", "api.example.com", 443, true),
            ("example.com", "notexample.com", 443, false),
            ("EXAMPLE.com", "example.COM", 443, true),
            (".example.com", "example.com", 443, false),
            (".example.com", "api.example.com", 443, true),
            ("*.example.com", "example.com", 443, false),
            ("*.example.com", "api.example.com", 443, true),
            ("example.com:443", "example.com", 443, true),
            ("example.com:6443", "example.com", 443, false),
            (".example.com:6443", "a.example.com", 6443, true),
            ("10.0.0.0/8", "10.1.2.3", 443, true),
            ("10.0.0.0/8", "11.1.2.3", 443, false),
            ("10.0.0.0/8", "ten.example", 443, false),
            ("10.1.2.3", "10.1.2.3", 6443, true),
            ("10.1.2.3:6443", "10.1.2.3", 6443, true),
            ("10.1.2.3:443", "10.1.2.3", 6443, false),
            ("[fd00::1]:443", "[fd00::1]", 443, true),
            ("fd00::1", "fd00::1", 443, true),
            ("fd00::/8", "[fd00::1]", 443, true),
            ("fd00::/8", "fe00::1", 443, false),
            (" foo.test , bar.test ", "x.bar.test", 443, true),
            (":443", "example.com", 443, false),
            ("0.0.0.0/0", "0.0.0.0", 443, true),
            // The prefix length as Go's net.ParseCIDR reads it: leading zeros, no sign.
            ("10.0.0.0/0008", "10.1.2.3", 443, true),
            ("10.0.0.0/+8", "10.1.2.3", 443, false),
            ("10.0.0.0/", "10.1.2.3", 443, false),
            ("fd00::/120", "fd00::1", 443, true),
            ("fd00::/120", "fd00::1:1", 443, false),
            ("10.0.0.0/33", "10.1.2.3", 443, false),
        ];
        for (list, host, port, want) in rows {
            assert_eq!(
                bypasses(list, host, *port),
                *want,
                "NO_PROXY={list:?} {host}:{port}"
            );
        }
    }
}
