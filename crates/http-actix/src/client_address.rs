//! The client's real address behind proxies. The TCP peer is the client
//! unless it is one of the [`TrustedProxies`]; only then are `Forwarded`
//! (RFC 7239) or, without it, `X-Forwarded-For` read: their hops are walked
//! right to left, trusted proxies skipped, and the right-most hop that is not
//! trusted is the client (when every hop is trusted, the left-most). A hop
//! that hides its address (`unknown`, or an obfuscated `_name`) stops the
//! walk: its address is not known, so the trusted proxy that saw it stands in
//! for it. A header a trusted proxy sent that cannot be read is ignored (the
//! peer is the client), never an error; headers from any other peer are
//! never read, so a client cannot choose its own address.
//!
//! The envelope middleware finds the address once per request
//! ([`ClientAddress`]); the anonymous rate limit is keyed by it and the
//! request's log span records it.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use actix_web::http::header::HeaderMap;
use actix_web::{HttpMessage, HttpRequest};

/// `Forwarded` (RFC 7239).
pub const FORWARDED: &str = "forwarded";
/// `X-Forwarded-For`, the older list of addresses.
pub const X_FORWARDED_FOR: &str = "x-forwarded-for";

/// A network in CIDR notation: an address and how many leading bits of it
/// count. A bare address is a network of one (`/32`, `/128`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpNetwork {
    address: IpAddr,
    prefix: u8,
}

/// Why a `TRUSTED_PROXIES` entry was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{entry:?} is not a network: {reason}")]
pub struct InvalidNetwork {
    entry: String,
    reason: String,
}

impl IpNetwork {
    /// Reads `address[/prefix]`, IPv4 or IPv6; surrounding spaces are
    /// ignored. Bits set past the prefix are refused (`10.1.2.3/8` is most
    /// likely a typo of `10.0.0.0/8` or of `10.1.2.3/32`).
    ///
    /// ```
    /// use allmine_http::client_address::IpNetwork;
    /// let net = IpNetwork::parse("10.0.0.0/8").unwrap();
    /// assert!(net.contains("10.200.3.4".parse().unwrap()));
    /// assert!(!net.contains("11.0.0.1".parse().unwrap()));
    /// assert!(IpNetwork::parse("fd00::/8").is_ok());
    /// assert!(IpNetwork::parse("10.1.2.3/8").is_err());
    /// assert!(IpNetwork::parse("10.0.0.0/33").is_err());
    /// ```
    pub fn parse(text: &str) -> Result<Self, InvalidNetwork> {
        let entry = text.trim();
        let invalid = |reason: &str| InvalidNetwork {
            entry: entry.to_owned(),
            reason: reason.to_owned(),
        };
        let (address, prefix) = match entry.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (entry, None),
        };
        let address: IpAddr = address
            .parse()
            .map_err(|_| invalid("expected an IPv4 or IPv6 address, optionally /prefix"))?;
        let address = address.to_canonical();
        let bits = max_prefix(address);
        let prefix = match prefix {
            None => bits,
            // Digits only, no sign or leading zero: "08" is more likely a typo.
            Some(text) => match text.parse::<u8>() {
                Ok(prefix) if prefix <= bits && prefix.to_string() == text => prefix,
                _ => {
                    return Err(invalid(&format!(
                        "the prefix must be a number from 0 to {bits}"
                    )));
                }
            },
        };
        if mask(address, prefix) != address {
            return Err(invalid(&format!(
                "bits are set past the /{prefix} prefix (did you mean {}/{prefix}?)",
                mask(address, prefix)
            )));
        }
        Ok(Self { address, prefix })
    }

    /// Whether `address` is in this network (an IPv4 address written as
    /// IPv6, `::ffff:a.b.c.d`, counts as the IPv4 address).
    pub fn contains(&self, address: IpAddr) -> bool {
        let address = address.to_canonical();
        address.is_ipv4() == self.address.is_ipv4() && mask(address, self.prefix) == self.address
    }
}

impl fmt::Display for IpNetwork {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.address, self.prefix)
    }
}

fn max_prefix(address: IpAddr) -> u8 {
    if address.is_ipv4() { 32 } else { 128 }
}

/// `address` with every bit past `prefix` cleared.
fn mask(address: IpAddr, prefix: u8) -> IpAddr {
    match address {
        IpAddr::V4(v4) => {
            let bits = u32::from(v4);
            let kept = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V4(Ipv4Addr::from(bits & kept))
        }
        IpAddr::V6(v6) => {
            let bits = u128::from(v6);
            let kept = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V6(Ipv6Addr::from(bits & kept))
        }
    }
}

/// The proxies whose forwarding headers are believed (`TRUSTED_PROXIES`);
/// empty, the default, believes none.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNetwork>);

impl TrustedProxies {
    /// Reads a comma-separated list of networks (empty entries are ignored,
    /// so an empty list trusts no one).
    ///
    /// ```
    /// use allmine_http::client_address::TrustedProxies;
    /// let trusted = TrustedProxies::parse("10.0.0.0/8, 127.0.0.1, ::1").unwrap();
    /// assert!(trusted.contains("127.0.0.1".parse().unwrap()));
    /// assert!(trusted.contains("::1".parse().unwrap()));
    /// assert!(!trusted.contains("192.0.2.1".parse().unwrap()));
    /// assert!(TrustedProxies::parse("").unwrap().is_empty());
    /// assert!(TrustedProxies::parse("10.0.0.0/8, proxy.local").is_err());
    /// ```
    pub fn parse(list: &str) -> Result<Self, InvalidNetwork> {
        list.split(',')
            .filter(|entry| !entry.trim().is_empty())
            .map(IpNetwork::parse)
            .collect::<Result<Vec<_>, _>>()
            .map(Self)
    }

    /// Whether no proxy is trusted.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The networks.
    pub fn networks(&self) -> &[IpNetwork] {
        &self.0
    }

    /// Whether `address` is a trusted proxy.
    pub fn contains(&self, address: IpAddr) -> bool {
        self.0.iter().any(|network| network.contains(address))
    }

    /// The client's address for a request from `peer` with these headers
    /// (see the module documentation).
    pub fn client_of(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let peer = peer.to_canonical();
        if !self.contains(peer) {
            return peer;
        }
        let values = |name: &str| {
            headers
                .get_all(name)
                .map(|value| value.to_str().ok())
                .collect::<Option<Vec<_>>>()
        };
        let hops = match (values(FORWARDED), values(X_FORWARDED_FOR)) {
            (Some(forwarded), _) if !forwarded.is_empty() => parse_forwarded(&forwarded.join(",")),
            (None, _) => None,
            (Some(_), Some(list)) if !list.is_empty() => parse_x_forwarded_for(&list.join(",")),
            _ => None,
        };
        match hops {
            Some(hops) => self.walk(peer, &hops),
            None => peer,
        }
    }

    /// Walks `hops` (left to right as sent, the peer after the last) from
    /// the right; `peer` must be trusted.
    pub fn walk(&self, peer: IpAddr, hops: &[Hop]) -> IpAddr {
        let mut nearest = peer.to_canonical();
        for hop in hops.iter().rev() {
            match hop {
                Hop::Address(address) => {
                    let address = address.to_canonical();
                    if !self.contains(address) {
                        return address;
                    }
                    nearest = address;
                }
                Hop::Hidden => return nearest,
            }
        }
        nearest
    }
}

/// One hop of a forwarding header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hop {
    /// A node with a known address.
    Address(IpAddr),
    /// `unknown`, an obfuscated identifier (`_hidden`), or an element with
    /// no `for=`.
    Hidden,
}

/// Reads a `Forwarded` value (RFC 7239; several header lines joined with
/// commas): one hop per element, from its `for=` parameter; `None` when it
/// cannot be read. Quoted values may hold `\`-escapes; a quoted IPv6 address
/// is bracketed (`for="[2001:db8::1]:4711"`). Beyond the RFC, an unquoted
/// value with brackets or colons, and a bare IPv6 address, are accepted, as
/// some proxies send them.
///
/// ```
/// use allmine_http::client_address::{Hop, parse_forwarded};
/// let hops = parse_forwarded(r#"for=192.0.2.60;proto=http;by=203.0.113.43, for="[2001:db8:cafe::17]:4711", for=unknown"#).unwrap();
/// assert_eq!(hops, [
///     Hop::Address("192.0.2.60".parse().unwrap()),
///     Hop::Address("2001:db8:cafe::17".parse().unwrap()),
///     Hop::Hidden,
/// ]);
/// assert_eq!(parse_forwarded("for=\"unterminated"), None);
/// ```
pub fn parse_forwarded(value: &str) -> Option<Vec<Hop>> {
    let mut hops = Vec::new();
    for element in split_outside_quotes(value, ',')? {
        if element.trim().is_empty() {
            continue;
        }
        let mut node = None;
        for pair in split_outside_quotes(element, ';')? {
            let pair = pair.trim();
            if pair.is_empty() {
                continue;
            }
            let (name, value) = pair.split_once('=')?;
            if !is_token(name) {
                return None;
            }
            let value = unquote(value)?;
            if name.eq_ignore_ascii_case("for") {
                if node.is_some() {
                    return None;
                }
                node = Some(parse_node(&value)?);
            }
        }
        hops.push(node.unwrap_or(Hop::Hidden));
    }
    (!hops.is_empty()).then_some(hops)
}

/// Reads an `X-Forwarded-For` value (several header lines joined with
/// commas): addresses separated by commas, each possibly with a port
/// (`192.0.2.1:4711`, `[2001:db8::1]:4711`), or `unknown`; `None` when any
/// entry is something else.
///
/// ```
/// use allmine_http::client_address::{Hop, parse_x_forwarded_for};
/// let hops = parse_x_forwarded_for("203.0.113.7, 2001:db8::1, 10.0.0.2:443").unwrap();
/// assert_eq!(hops[0], Hop::Address("203.0.113.7".parse().unwrap()));
/// assert_eq!(hops.len(), 3);
/// assert_eq!(parse_x_forwarded_for("203.0.113.7, evil.example"), None);
/// ```
pub fn parse_x_forwarded_for(value: &str) -> Option<Vec<Hop>> {
    let hops = value
        .split(',')
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .map(parse_node)
        .collect::<Option<Vec<_>>>()?;
    (!hops.is_empty()).then_some(hops)
}

/// `text` split at `separator`s outside quoted strings; `None` when a quote
/// is not closed.
fn split_outside_quotes(text: &str, separator: char) -> Option<Vec<&str>> {
    let mut parts = Vec::new();
    let (mut start, mut quoted, mut escaped) = (0, false, false);
    for (i, c) in text.char_indices() {
        if escaped {
            escaped = false;
        } else if quoted && c == '\\' {
            escaped = true;
        } else if c == '"' {
            quoted = !quoted;
        } else if c == separator && !quoted {
            parts.push(&text[start..i]);
            start = i + c.len_utf8();
        }
    }
    if quoted {
        return None;
    }
    parts.push(&text[start..]);
    Some(parts)
}

/// RFC 7230's token.
fn is_token(text: &str) -> bool {
    !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// A parameter's value: a quoted string (unescaped) or a bare value of
/// visible ASCII.
fn unquote(value: &str) -> Option<String> {
    let value = value.trim();
    if let Some(inner) = value.strip_prefix('"') {
        let inner = inner.strip_suffix('"')?;
        let mut out = String::with_capacity(inner.len());
        let mut chars = inner.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => out.push(chars.next()?),
                '"' => return None,
                c => out.push(c),
            }
        }
        Some(out)
    } else if !value.is_empty() && value.bytes().all(|b| b.is_ascii_graphic() && b != b'"') {
        Some(value.to_owned())
    } else {
        None
    }
}

/// RFC 7239's node: an address with an optional port, `unknown`, or an
/// obfuscated identifier.
fn parse_node(node: &str) -> Option<Hop> {
    if let Ok(address) = IpAddr::from_str(node) {
        return Some(Hop::Address(address));
    }
    let (name, port) = if let Some(rest) = node.strip_prefix('[') {
        let (inside, after) = rest.split_once(']')?;
        let address = Ipv6Addr::from_str(inside).ok()?;
        let port = match after {
            "" => None,
            after => Some(after.strip_prefix(':')?),
        };
        if port.is_some_and(|port| !is_port(port)) {
            return None;
        }
        return Some(Hop::Address(IpAddr::V6(address)));
    } else {
        match node.split_once(':') {
            Some((name, port)) => (name, Some(port)),
            None => (node, None),
        }
    };
    if port.is_some_and(|port| !is_port(port)) {
        return None;
    }
    if name.eq_ignore_ascii_case("unknown") || is_obfuscated(name) {
        return Some(Hop::Hidden);
    }
    Ipv4Addr::from_str(name)
        .ok()
        .map(|address| Hop::Address(IpAddr::V4(address)))
}

/// RFC 7239's node-port: up to five digits, or an obfuscated port.
fn is_port(port: &str) -> bool {
    (1..=5).contains(&port.len()) && port.bytes().all(|b| b.is_ascii_digit()) || is_obfuscated(port)
}

/// RFC 7239's obfnode and obfport: `_` and letters, digits, `.`, `_`, `-`.
fn is_obfuscated(text: &str) -> bool {
    text.len() > 1
        && text.starts_with('_')
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// The client's address, as the envelope middleware found it for this
/// request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddress(IpAddr);

impl ClientAddress {
    /// Finds the address of a request from `peer` with these headers.
    pub fn find(trusted: &TrustedProxies, peer: IpAddr, headers: &HeaderMap) -> Self {
        Self(trusted.client_of(peer, headers))
    }

    /// The address the middleware found for `req`; outside it, the TCP
    /// peer's; `None` when neither is known.
    pub fn of(req: &HttpRequest) -> Option<Self> {
        if let Some(found) = req.extensions().get::<Self>() {
            return Some(*found);
        }
        req.peer_addr().map(|peer| Self(peer.ip().to_canonical()))
    }

    /// The address.
    pub fn ip(self) -> IpAddr {
        self.0
    }
}

impl fmt::Display for ClientAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::{HeaderName, HeaderValue};
    use proptest::prelude::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn trusted(list: &str) -> TrustedProxies {
        TrustedProxies::parse(list).unwrap()
    }

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(
                HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        map
    }

    #[test]
    fn networks_in_cidr_notation_contain_exactly_their_addresses() {
        let net = IpNetwork::parse("192.168.0.0/16").unwrap();
        assert!(net.contains(ip("192.168.255.1")));
        assert!(!net.contains(ip("192.169.0.1")));
        let everything = IpNetwork::parse("0.0.0.0/0").unwrap();
        assert!(everything.contains(ip("8.8.8.8")));
        assert!(
            !everything.contains(ip("2001:db8::1")),
            "an IPv4 network holds no IPv6 address"
        );
        let v6 = IpNetwork::parse("2001:db8::/32").unwrap();
        assert!(v6.contains(ip("2001:db8:ffff::1")));
        assert!(!v6.contains(ip("2001:db9::1")));
        assert!(!v6.contains(ip("10.0.0.1")));
    }

    #[test]
    fn a_bare_address_is_a_network_of_one() {
        let one = IpNetwork::parse(" 10.0.0.7 ").unwrap();
        assert_eq!(one.to_string(), "10.0.0.7/32");
        assert!(one.contains(ip("10.0.0.7")));
        assert!(!one.contains(ip("10.0.0.8")));
        let six = IpNetwork::parse("::1").unwrap();
        assert_eq!(six.to_string(), "::1/128");
        assert!(six.contains(ip("::1")));
    }

    #[test]
    fn ipv4_written_as_ipv6_counts_as_ipv4() {
        let net = IpNetwork::parse("127.0.0.0/8").unwrap();
        assert!(net.contains(ip("::ffff:127.0.0.1")));
        assert_eq!(
            IpNetwork::parse("::ffff:10.0.0.1").unwrap().to_string(),
            "10.0.0.1/32"
        );
    }

    #[test]
    fn bad_networks_are_refused_with_the_entry_and_the_reason() {
        for (entry, reason) in [
            ("10.0.0.0/33", "from 0 to 32"),
            ("::/129", "from 0 to 128"),
            ("10.0.0.0/", "from 0 to 32"),
            ("10.0.0.0/+8", "from 0 to 32"),
            ("10.0.0.0/08", "from 0 to 32"),
            ("10.0.0.0/x", "from 0 to 32"),
            ("proxy.local", "IPv4 or IPv6"),
            ("10.0.0", "IPv4 or IPv6"),
            ("10.1.2.3/8", "did you mean 10.0.0.0/8"),
            ("2001:db8::1/32", "did you mean 2001:db8::/32"),
        ] {
            let error = IpNetwork::parse(entry).unwrap_err().to_string();
            assert!(error.contains(entry), "{error}");
            assert!(error.contains(reason), "{entry}: {error}");
        }
        let error = TrustedProxies::parse("127.0.0.1, nope").unwrap_err();
        assert!(error.to_string().contains("\"nope\""), "{error}");
    }

    #[test]
    fn an_empty_list_trusts_no_one_and_empty_entries_are_skipped() {
        assert!(TrustedProxies::parse("").unwrap().is_empty());
        assert!(TrustedProxies::parse(" , ").unwrap().is_empty());
        assert_eq!(trusted("10.0.0.1,,::1").networks().len(), 2);
    }

    #[test]
    fn forwarded_reads_every_form_of_node() {
        let hops = parse_forwarded(
            r#"for=192.0.2.43, for="[2001:db8:cafe::17]", For="192.0.2.44:8080", for="[2001:db8::2]:4711", for=unknown, for=_hidden, for="_x:_port", for=198.51.100.1:_p"#,
        )
        .unwrap();
        assert_eq!(
            hops,
            [
                Hop::Address(ip("192.0.2.43")),
                Hop::Address(ip("2001:db8:cafe::17")),
                Hop::Address(ip("192.0.2.44")),
                Hop::Address(ip("2001:db8::2")),
                Hop::Hidden,
                Hop::Hidden,
                Hop::Hidden,
                Hop::Address(ip("198.51.100.1")),
            ]
        );
    }

    #[test]
    fn forwarded_elements_carry_other_parameters_and_may_lack_for() {
        let hops =
            parse_forwarded(r#"proto=https;for="192.0.2.1";by=10.0.0.1;host="a.example", by=x"#)
                .unwrap();
        assert_eq!(hops, [Hop::Address(ip("192.0.2.1")), Hop::Hidden]);
        let with_escapes = parse_forwarded(r#"for="\1\9\2.0.2.5";host="a\"b,c;d""#).unwrap();
        assert_eq!(with_escapes, [Hop::Address(ip("192.0.2.5"))]);
        assert_eq!(
            parse_forwarded(" , for=192.0.2.1 ,, ").unwrap(),
            [Hop::Address(ip("192.0.2.1"))],
            "empty list elements are allowed"
        );
    }

    #[test]
    fn malformed_forwarded_values_are_not_read() {
        for bad in [
            "",
            "for",
            "for=",
            "=1.2.3.4",
            "for=\"1.2.3.4",
            "for=1.2.3.4;for=5.6.7.8",
            "for=\"[2001:db8::1\"",
            "for=\"[2001:db8::1]x\"",
            "for=\"[2001:db8::1]:123456\"",
            "for=\"[192.0.2.1]\"",
            "for=300.1.1.1",
            "for=evil.example",
            "for=\"1.2.3.4\"x",
            "fo r=1.2.3.4",
            "for=_",
            "for=1.2.3.4:",
        ] {
            assert_eq!(parse_forwarded(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn x_forwarded_for_reads_addresses_with_or_without_ports() {
        assert_eq!(
            parse_x_forwarded_for(
                " 203.0.113.7 ,2001:db8::1, [2001:db8::2]:80, 10.0.0.2:443, unknown"
            )
            .unwrap(),
            [
                Hop::Address(ip("203.0.113.7")),
                Hop::Address(ip("2001:db8::1")),
                Hop::Address(ip("2001:db8::2")),
                Hop::Address(ip("10.0.0.2")),
                Hop::Hidden,
            ]
        );
        for bad in [
            "",
            " , ",
            "1.2.3.4, host",
            "1.2.3.4;5.6.7.8",
            "1.2.3.4:x",
            "[::1",
        ] {
            assert_eq!(parse_x_forwarded_for(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn the_client_is_the_right_most_untrusted_hop() {
        let proxies = trusted("10.0.0.0/8");
        let seen = proxies.client_of(
            ip("10.0.0.1"),
            &headers(&[("x-forwarded-for", "198.51.100.9, 203.0.113.7, 10.0.0.5")]),
        );
        assert_eq!(seen, ip("203.0.113.7"), "the left-most may be spoofed");
    }

    #[test]
    fn when_every_hop_is_trusted_the_left_most_is_the_client() {
        let proxies = trusted("10.0.0.0/8");
        let seen = proxies.client_of(
            ip("10.0.0.1"),
            &headers(&[("x-forwarded-for", "10.1.1.1, 10.0.0.5")]),
        );
        assert_eq!(seen, ip("10.1.1.1"));
    }

    #[test]
    fn headers_from_an_untrusted_peer_are_ignored() {
        let proxies = trusted("10.0.0.0/8");
        let spoofed = headers(&[
            ("x-forwarded-for", "198.51.100.9"),
            ("forwarded", "for=198.51.100.9"),
        ]);
        assert_eq!(
            proxies.client_of(ip("192.0.2.1"), &spoofed),
            ip("192.0.2.1")
        );
        assert_eq!(
            TrustedProxies::default().client_of(ip("10.0.0.1"), &spoofed),
            ip("10.0.0.1"),
            "the default trusts no one"
        );
    }

    #[test]
    fn forwarded_is_preferred_over_x_forwarded_for() {
        let proxies = trusted("127.0.0.1");
        let both = headers(&[
            ("x-forwarded-for", "198.51.100.9"),
            ("forwarded", "for=\"[2001:db8::7]:1234\""),
        ]);
        assert_eq!(proxies.client_of(ip("127.0.0.1"), &both), ip("2001:db8::7"));
    }

    #[test]
    fn several_header_lines_are_one_list_in_order() {
        let proxies = trusted("10.0.0.0/8");
        let lines = headers(&[
            ("x-forwarded-for", "203.0.113.7"),
            ("x-forwarded-for", "198.51.100.9, 10.0.0.3"),
        ]);
        assert_eq!(
            proxies.client_of(ip("10.0.0.1"), &lines),
            ip("198.51.100.9")
        );
    }

    #[test]
    fn a_malformed_header_from_a_trusted_peer_means_the_peer() {
        let proxies = trusted("10.0.0.0/8");
        for bad in [
            headers(&[("forwarded", "for=\"oops")]),
            headers(&[
                ("forwarded", "for=evil"),
                ("x-forwarded-for", "203.0.113.7"),
            ]),
            headers(&[("x-forwarded-for", "203.0.113.7, not-an-address")]),
            headers(&[("x-forwarded-for", "")]),
        ] {
            assert_eq!(
                proxies.client_of(ip("10.0.0.1"), &bad),
                ip("10.0.0.1"),
                "{bad:?}"
            );
        }
        let mut opaque = HeaderMap::new();
        opaque.insert(
            HeaderName::from_static("x-forwarded-for"),
            HeaderValue::from_bytes(b"203.0.113.7\xff").unwrap(),
        );
        assert_eq!(proxies.client_of(ip("10.0.0.1"), &opaque), ip("10.0.0.1"));
    }

    #[test]
    fn a_hidden_hop_is_stood_in_for_by_the_proxy_that_saw_it() {
        let proxies = trusted("10.0.0.0/8");
        let hidden = headers(&[("forwarded", "for=203.0.113.7, for=_mobile, for=10.0.0.9")]);
        assert_eq!(proxies.client_of(ip("10.0.0.1"), &hidden), ip("10.0.0.9"));
        let unknown_first = headers(&[("x-forwarded-for", "unknown")]);
        assert_eq!(
            proxies.client_of(ip("10.0.0.1"), &unknown_first),
            ip("10.0.0.1")
        );
    }

    #[test]
    fn ipv4_mapped_peers_and_hops_are_read_as_ipv4() {
        let proxies = trusted("127.0.0.1");
        let seen = proxies.client_of(
            ip("::ffff:127.0.0.1"),
            &headers(&[("x-forwarded-for", "::ffff:203.0.113.7")]),
        );
        assert_eq!(seen, ip("203.0.113.7"));
    }

    fn address() -> impl Strategy<Value = IpAddr> {
        prop_oneof![
            any::<[u8; 4]>().prop_map(IpAddr::from),
            any::<[u8; 16]>().prop_map(IpAddr::from),
        ]
    }

    proptest! {
        #[test]
        fn parsing_never_panics_on_any_text(text in "\\PC{0,80}") {
            let _ = parse_forwarded(&text);
            let _ = parse_x_forwarded_for(&text);
            let _ = IpNetwork::parse(&text);
            let _ = TrustedProxies::parse(&text);
        }

        #[test]
        fn parsing_never_panics_on_header_like_text(
            text in r#"([fF][oO][rR]|by|proto|_x|unknown|\[|\]|:|;|,|=|"|\\| |[0-9a-f.]{1,6}){0,30}"#
        ) {
            let _ = parse_forwarded(&text);
            let _ = parse_x_forwarded_for(&text);
        }

        #[test]
        fn the_client_is_the_peer_or_a_hop_the_header_names(
            peer in address(),
            hops in proptest::collection::vec(address(), 0..6),
            trust_peer in any::<bool>(),
        ) {
            let list = if trust_peer { peer.to_canonical().to_string() } else { String::new() };
            let proxies = TrustedProxies::parse(&list).unwrap();
            let value = hops.iter().map(|h| match h {
                IpAddr::V6(v6) => format!("\"[{v6}]\""),
                IpAddr::V4(v4) => v4.to_string(),
            }).map(|node| format!("for={node}")).collect::<Vec<_>>().join(", ");
            let map = if value.is_empty() { HeaderMap::new() } else { headers(&[("forwarded", &value)]) };
            let client = proxies.client_of(peer, &map);
            if trust_peer {
                let expected = hops.iter().rev().map(|h| h.to_canonical())
                    .find(|h| !proxies.contains(*h))
                    .or_else(|| hops.first().map(|h| h.to_canonical()))
                    .unwrap_or(peer.to_canonical());
                prop_assert_eq!(client, expected);
            } else {
                prop_assert_eq!(client, peer.to_canonical(), "an untrusted peer's header is never read");
            }
        }
    }
}
