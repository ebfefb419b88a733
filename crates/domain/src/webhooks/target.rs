//! Where deliveries may go: the rule that keeps webhooks from being used to
//! reach Folio's own network (server-side request forgery).
//!
//! A URL is acceptable when every address its host resolves to is a public
//! unicast address ([`is_public`]), unless the deployment allows private
//! targets ([`TargetPolicy::allow_private_targets`], for tests and closed
//! networks). The check runs when an endpoint is registered or its URL
//! changes, and again before every delivery; the sender then connects only to
//! the addresses that passed ([`CheckedTarget`]), so a DNS answer that changes
//! between the check and the connection (DNS rebinding) cannot redirect it.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use super::ports::HostResolver;
use super::values::{Host, WebhookUrl};
use crate::errors::FieldProblem;

/// Whether private targets are allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TargetPolicy {
    /// Allow hosts that resolve to loopback, private, link-local ... addresses.
    /// Off in production; tests turn it on to reach a receiver on 127.0.0.1.
    pub allow_private_targets: bool,
}

/// A URL's host, resolved and checked: connect only to these addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedTarget {
    /// Every address the host resolved to, with the URL's port; never empty.
    pub addresses: Vec<SocketAddr>,
}

/// Why a URL may not receive deliveries.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetRefused {
    /// The host name does not resolve (or resolves to nothing).
    #[error("url's host {host} does not resolve to any address")]
    Unresolvable {
        /// The host name.
        host: String,
    },
    /// The host is, or resolves to, an address that is not public.
    #[error("url's host {host} resolves to {address}, which is not a public address")]
    NotPublic {
        /// The host as written in the URL.
        host: String,
        /// The first refused address.
        address: IpAddr,
    },
}

impl FieldProblem for TargetRefused {
    fn code(&self) -> &'static str {
        match self {
            Self::Unresolvable { .. } => "unresolvable_host",
            Self::NotPublic { .. } => "private_address",
        }
    }
}

impl TargetPolicy {
    /// Resolves `url`'s host (an IP literal resolves to itself) and checks
    /// every address.
    ///
    /// # Errors
    /// [`TargetRefused`] when the host does not resolve, or when any address
    /// is not public and private targets are not allowed.
    pub async fn check<R: HostResolver>(self, resolver: &R, url: &WebhookUrl) -> Result<CheckedTarget, TargetRefused> {
        let addresses = match url.host() {
            Host::Ip(ip) => vec![SocketAddr::new(*ip, url.port())],
            Host::Domain(name) => resolver
                .resolve(name, url.port())
                .await
                .map_err(|_| TargetRefused::Unresolvable { host: name.clone() })?,
        };
        if addresses.is_empty() {
            return Err(TargetRefused::Unresolvable { host: url.host().to_string() });
        }
        if !self.allow_private_targets
            && let Some(refused) = addresses.iter().find(|address| !is_public(address.ip()))
        {
            return Err(TargetRefused::NotPublic { host: url.host().to_string(), address: refused.ip() });
        }
        Ok(CheckedTarget { addresses })
    }
}

/// Whether `ip` is a public unicast address: not unspecified, loopback,
/// private (RFC 1918), shared (CGNAT), link-local, unique-local, site-local,
/// multicast, broadcast, reserved, for documentation or benchmarking, nor an
/// IPv6 address that embeds (IPv4-mapped, NAT64, 6to4) an IPv4 address that
/// is not public. IPv6 must be global unicast (2000::/3).
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(ip) => is_public_v4(ip),
        IpAddr::V6(ip) => is_public_v6(ip),
    }
}

/// IPv4 networks that are not public, as (network, prefix length).
const NON_PUBLIC_V4: [(u32, u32); 15] = [
    (0x0000_0000, 8),  // 0.0.0.0/8 "this network", unspecified
    (0x0a00_0000, 8),  // 10.0.0.0/8 private
    (0x6440_0000, 10), // 100.64.0.0/10 shared address space (CGNAT)
    (0x7f00_0000, 8),  // 127.0.0.0/8 loopback
    (0xa9fe_0000, 16), // 169.254.0.0/16 link-local (cloud metadata lives here)
    (0xac10_0000, 12), // 172.16.0.0/12 private
    (0xc000_0000, 24), // 192.0.0.0/24 IETF protocol assignments
    (0xc000_0200, 24), // 192.0.2.0/24 documentation (TEST-NET-1)
    (0xc058_6300, 24), // 192.88.99.0/24 6to4 relay anycast (deprecated)
    (0xc0a8_0000, 16), // 192.168.0.0/16 private
    (0xc612_0000, 15), // 198.18.0.0/15 benchmarking
    (0xc633_6400, 24), // 198.51.100.0/24 documentation (TEST-NET-2)
    (0xcb00_7100, 24), // 203.0.113.0/24 documentation (TEST-NET-3)
    (0xe000_0000, 4),  // 224.0.0.0/4 multicast
    (0xf000_0000, 4),  // 240.0.0.0/4 reserved, and 255.255.255.255 broadcast
];

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let bits = u32::from(ip);
    !NON_PUBLIC_V4.iter().any(|&(network, prefix)| bits >> (32 - prefix) == network >> (32 - prefix))
}

/// IPv6 networks inside 2000::/3 that are not public.
const NON_PUBLIC_V6: [(u128, u32); 3] = [
    (0x2001_0000_u128 << 96, 23), // 2001::/23 IETF protocol assignments (Teredo, ORCHID ...)
    (0x2001_0db8_u128 << 96, 32), // 2001:db8::/32 documentation
    (0x3fff_0000_u128 << 96, 20), // 3fff::/20 documentation
];

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let bits = u128::from(ip);
    let in_network = |network: u128, prefix: u32| bits >> (128 - prefix) == network >> (128 - prefix);
    // Addresses that carry an IPv4 address are as public as that address.
    if let Some(v4) = ip.to_ipv4_mapped() {
        return is_public_v4(v4);
    }
    if in_network(0x0064_ff9b_u128 << 96, 96) {
        // NAT64 well-known prefix: the last 32 bits.
        return is_public_v4(Ipv4Addr::from(bits as u32));
    }
    if in_network(0x2002_u128 << 112, 16) {
        // 6to4: the 32 bits after the prefix.
        return is_public_v4(Ipv4Addr::from((bits >> 80) as u32));
    }
    // Only global unicast; this leaves out ::, ::1, IPv4-compatible, discard,
    // unique-local fc00::/7, link-local fe80::/10, site-local, multicast ff00::/8.
    in_network(0x2000_u128 << 112, 3) && !NON_PUBLIC_V6.iter().any(|&(network, prefix)| in_network(network, prefix))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_addresses_are_public() {
        for ip in [
            "1.1.1.1",
            "8.8.8.8",
            "93.184.216.34",
            "100.63.255.255",
            "100.128.0.0",
            "172.15.255.255",
            "172.32.0.0",
            "192.0.1.1",
            "192.169.0.1",
            "198.20.0.1",
            "223.255.255.255",
            "2606:4700:4700::1111",
            "2a00:1450:4001:81b::200e",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
            "2002:808:808::1",
            "2001:4860:4860::8888",
        ] {
            let parsed: IpAddr = ip.parse().expect("an address");
            assert!(is_public(parsed), "{ip} is public");
        }
    }

    #[test]
    fn private_and_special_addresses_are_not_public() {
        for (ip, what) in [
            ("0.0.0.0", "unspecified"),
            ("0.1.2.3", "this network"),
            ("10.0.0.1", "private"),
            ("10.255.255.255", "private"),
            ("100.64.0.1", "CGNAT"),
            ("100.127.255.255", "CGNAT"),
            ("127.0.0.1", "loopback"),
            ("127.255.255.254", "loopback"),
            ("169.254.169.254", "link-local (cloud metadata)"),
            ("172.16.0.1", "private"),
            ("172.31.255.255", "private"),
            ("192.0.0.8", "IETF assignments"),
            ("192.0.2.1", "documentation"),
            ("192.88.99.1", "6to4 relay"),
            ("192.168.1.1", "private"),
            ("198.18.0.1", "benchmarking"),
            ("198.19.255.255", "benchmarking"),
            ("198.51.100.7", "documentation"),
            ("203.0.113.9", "documentation"),
            ("224.0.0.1", "multicast"),
            ("239.255.255.250", "multicast"),
            ("240.0.0.1", "reserved"),
            ("255.255.255.255", "broadcast"),
            ("::", "unspecified"),
            ("::1", "loopback"),
            ("::127.0.0.1", "IPv4-compatible"),
            ("::ffff:127.0.0.1", "IPv4-mapped loopback"),
            ("::ffff:10.0.0.1", "IPv4-mapped private"),
            ("::ffff:169.254.169.254", "IPv4-mapped link-local"),
            ("64:ff9b::7f00:1", "NAT64 of loopback"),
            ("64:ff9b:1::1", "local-use NAT64"),
            ("100::1", "discard-only"),
            ("2001::1", "Teredo"),
            ("2001:db8::1", "documentation"),
            ("2002:7f00:1::1", "6to4 of loopback"),
            ("2002:c0a8:101::1", "6to4 of private"),
            ("3fff::1", "documentation"),
            ("fc00::1", "unique-local"),
            ("fd12:3456::1", "unique-local"),
            ("fe80::1", "link-local"),
            ("fec0::1", "site-local"),
            ("ff02::1", "multicast"),
        ] {
            let parsed: IpAddr = ip.parse().expect("an address");
            assert!(!is_public(parsed), "{ip} ({what}) is not public");
        }
    }
}
