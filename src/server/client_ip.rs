//! The client's address, for rate limits and the audit trail. It is the TCP
//! peer, unless that peer is one of the reverse proxies named in
//! `NEXUS_TRUSTED_PROXIES`: then it is read from the forwarding header those
//! proxies append to. Behind a proxy every request has the proxy's address,
//! so without this one attacker's failed sign-ins would lock everyone out;
//! and trusting the header from anyone else would let any client choose the
//! address its limits are counted under.

use std::{
    fmt,
    net::{IpAddr, SocketAddr},
    str::FromStr,
};

use axum::{
    extract::ConnectInfo,
    http::{Extensions, HeaderMap},
};

/// An address block such as `10.0.0.0/8` or `fd00::/8`; a bare address is
/// a block of one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
}

impl Cidr {
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.network, canonical(ip)) {
            (IpAddr::V4(network), IpAddr::V4(ip)) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(self.prefix)).unwrap_or(0);
                u32::from(network) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(network), IpAddr::V6(ip)) => {
                let mask = u128::MAX.checked_shl(128 - u32::from(self.prefix)).unwrap_or(0);
                u128::from(network) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

impl FromStr for Cidr {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (address, prefix) = text.split_once('/').map_or((text, None), |(a, p)| (a, Some(p)));
        let network = canonical(address.parse::<IpAddr>().map_err(|_| format!("`{text}` is not an address"))?);
        let widest = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => widest,
            Some(prefix) => prefix
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= widest)
                .ok_or_else(|| format!("`{text}` has a prefix length that is not 0 to {widest}"))?,
        };
        Ok(Self { network, prefix })
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

/// Which header the trusted proxies append the client's address to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ForwardedHeader {
    /// `X-Forwarded-For: client, proxy1, proxy2` (nginx, HAProxy, most load
    /// balancers).
    #[default]
    XForwardedFor,
    /// RFC 7239 `Forwarded: for=client, for=proxy1`.
    Forwarded,
}

/// The proxies whose forwarding header is believed, and which header that is.
/// Only one header is read: a client could send the other one itself.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrustedProxies {
    blocks: Vec<Cidr>,
    header: ForwardedHeader,
}

impl TrustedProxies {
    pub fn new(blocks: Vec<Cidr>, header: ForwardedHeader) -> Self {
        Self { blocks, header }
    }

    /// Reads a comma-separated list of address blocks.
    pub fn parse_blocks(text: &str) -> Result<Vec<Cidr>, String> {
        text.split(',').map(str::trim).filter(|block| !block.is_empty()).map(str::parse).collect()
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        self.blocks.iter().any(|block| block.contains(ip))
    }

    /// The client of a request, from the connection's peer (`ConnectInfo`,
    /// which the server sets) and the request's headers; `None` when the
    /// peer is unknown (a request built in-process, as in tests).
    pub fn client_of(&self, extensions: &Extensions, headers: &HeaderMap) -> Option<IpAddr> {
        extensions.get::<ConnectInfo<SocketAddr>>().map(|info| self.client_ip(info.0.ip(), headers))
    }

    /// The client behind `peer`. Walking the forwarding chain from the
    /// nearest hop outwards, the first address that is not a trusted proxy
    /// is the client: everything to its left was written by the client (or
    /// by proxies we know nothing of) and proves nothing. An entry that is
    /// no address ends the walk at the trusted hop that passed it on.
    pub fn client_ip(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let peer = canonical(peer);
        if !self.trusts(peer) {
            return peer;
        }
        let chain = match self.header {
            ForwardedHeader::XForwardedFor => header_values(headers, "x-forwarded-for")
                .flat_map(|value| value.split(','))
                .map(|entry| parse_hop(entry.trim()))
                .collect::<Vec<_>>(),
            ForwardedHeader::Forwarded => header_values(headers, "forwarded")
                .flat_map(|value| value.split(','))
                .map(forwarded_for)
                .collect::<Vec<_>>(),
        };
        let mut client = peer;
        for hop in chain.into_iter().rev() {
            match hop {
                Some(ip) if self.trusts(ip) => client = ip,
                Some(ip) => return ip,
                None => return client,
            }
        }
        client
    }
}

fn header_values<'a>(headers: &'a HeaderMap, name: &str) -> impl Iterator<Item = &'a str> {
    headers.get_all(name).into_iter().filter_map(|value| value.to_str().ok())
}

/// The `for=` address of one `Forwarded` element.
fn forwarded_for(element: &str) -> Option<IpAddr> {
    element.split(';').find_map(|pair| {
        let (name, value) = pair.trim().split_once('=')?;
        name.trim().eq_ignore_ascii_case("for").then(|| parse_hop(value.trim().trim_matches('"'))).flatten()
    })
}

/// An address as a hop writes it: `192.0.2.1`, `192.0.2.1:4711`,
/// `2001:db8::1` or `[2001:db8::1]:4711`.
fn parse_hop(text: &str) -> Option<IpAddr> {
    if let Ok(ip) = text.parse::<IpAddr>() {
        return Some(canonical(ip));
    }
    let host = match text.strip_prefix('[') {
        Some(rest) => rest.split_once(']')?.0,
        None => text.rsplit_once(':')?.0,
    };
    host.parse::<IpAddr>().ok().map(canonical)
}

/// IPv4 clients reached over an IPv6 socket as plain IPv4.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.append(*name, HeaderValue::from_str(value).unwrap());
        }
        headers
    }

    fn proxies(blocks: &str, header: ForwardedHeader) -> TrustedProxies {
        TrustedProxies::new(TrustedProxies::parse_blocks(blocks).unwrap(), header)
    }

    #[test]
    fn blocks_contain_their_addresses_only() {
        let block: Cidr = "10.1.0.0/16".parse().unwrap();
        assert!(block.contains(ip("10.1.200.3")) && !block.contains(ip("10.2.0.1")));
        assert!(block.contains(ip("::ffff:10.1.0.9")), "IPv4-mapped IPv6 is IPv4");
        let v6: Cidr = "fd00::/8".parse().unwrap();
        assert!(v6.contains(ip("fd12::1")) && !v6.contains(ip("fe80::1")) && !v6.contains(ip("10.1.0.1")));
        assert!("0.0.0.0/0".parse::<Cidr>().unwrap().contains(ip("203.0.113.9")));
        assert_eq!("192.0.2.7".parse::<Cidr>().unwrap().to_string(), "192.0.2.7/32");
        for bad in ["10.0.0.0/33", "proxy", "10.0.0/8", "::/129"] {
            assert!(bad.parse::<Cidr>().is_err(), "{bad}");
        }
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_claims() {
        let none = TrustedProxies::default();
        let claims = headers(&[("x-forwarded-for", "198.51.100.1"), ("forwarded", "for=198.51.100.2")]);
        assert_eq!(none.client_ip(ip("203.0.113.5"), &claims), ip("203.0.113.5"));
        let some = proxies("10.0.0.0/8", ForwardedHeader::XForwardedFor);
        assert_eq!(some.client_ip(ip("203.0.113.5"), &claims), ip("203.0.113.5"));
    }

    #[test]
    fn behind_trusted_proxies_the_first_untrusted_hop_is_the_client() {
        let trusted = proxies("10.0.0.0/8, 192.0.2.10", ForwardedHeader::XForwardedFor);
        // The client forged the leftmost entry; the proxies appended the rest.
        let forged = headers(&[("x-forwarded-for", "1.1.1.1, 198.51.100.7"), ("x-forwarded-for", "192.0.2.10")]);
        assert_eq!(trusted.client_ip(ip("10.0.0.2"), &forged), ip("198.51.100.7"));
        let v6 = headers(&[("x-forwarded-for", "[2001:db8::5]:4711")]);
        assert_eq!(trusted.client_ip(ip("10.0.0.2"), &v6), ip("2001:db8::5"));
        assert_eq!(trusted.client_ip(ip("10.0.0.2"), &HeaderMap::new()), ip("10.0.0.2"), "no header: the proxy");
        let garbage = headers(&[("x-forwarded-for", "198.51.100.7, unknown")]);
        assert_eq!(trusted.client_ip(ip("10.0.0.2"), &garbage), ip("10.0.0.2"), "garbage ends the walk");
        let forwarded = headers(&[("x-forwarded-for", "198.51.100.9"), ("forwarded", "for=1.1.1.1")]);
        assert_eq!(trusted.client_ip(ip("10.0.0.2"), &forwarded), ip("198.51.100.9"), "only the configured header");
    }

    #[test]
    fn the_forwarded_header_is_read_when_configured() {
        let trusted = proxies("10.0.0.0/8", ForwardedHeader::Forwarded);
        let chain =
            headers(&[("forwarded", r#"for=1.1.1.1, for="[2001:db8:cafe::17]:4711";proto=https, For=10.0.0.3"#)]);
        assert_eq!(trusted.client_ip(ip("10.0.0.2"), &chain), ip("2001:db8:cafe::17"));
        let ignored = headers(&[("x-forwarded-for", "198.51.100.9")]);
        assert_eq!(trusted.client_ip(ip("10.0.0.2"), &ignored), ip("10.0.0.2"));
    }
}
