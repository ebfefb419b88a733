//! Endpoint URLs, parsed strictly so that the host checked against private
//! addresses is the host connected to.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::errors::FieldProblem;

/// `http` or `https`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scheme {
    /// Plain HTTP (port 80 by default).
    Http,
    /// HTTP over TLS (port 443 by default).
    Https,
}

impl Scheme {
    /// `http` or `https`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Http => "http",
            Self::Https => "https",
        }
    }

    /// The port used when the URL names none.
    pub fn default_port(self) -> u16 {
        match self {
            Self::Http => 80,
            Self::Https => 443,
        }
    }
}

/// The host of a [`WebhookUrl`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Host {
    /// A lower-case DNS name, resolved at registration and before every delivery.
    Domain(String),
    /// An IP address literal (`1.2.3.4` or `[2001:db8::1]`).
    Ip(IpAddr),
}

impl fmt::Display for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Domain(name) => f.write_str(name),
            Self::Ip(IpAddr::V4(ip)) => ip.fmt(f),
            Self::Ip(IpAddr::V6(ip)) => write!(f, "[{ip}]"),
        }
    }
}

/// An absolute `http` or `https` URL that webhook deliveries are POSTed to:
/// at most 2048 characters of printable ASCII, a host that is a DNS name or an
/// IP literal, an optional port, no user name or password, no fragment.
///
/// Scheme and host are lower-cased and an empty path becomes `/`; the rest is
/// kept as given.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct WebhookUrl {
    url: String,
    scheme: Scheme,
    host: Host,
    port: u16,
}

/// Why a string is not a [`WebhookUrl`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum WebhookUrlError {
    /// Nothing but white space.
    #[error("url can't be blank")]
    Blank,
    /// Longer than [`WebhookUrl::MAX_LEN`].
    #[error("url must be at most {max} characters", max = WebhookUrl::MAX_LEN)]
    TooLong,
    /// Not `http://` or `https://`.
    #[error("url must start with http:// or https://")]
    Scheme,
    /// White space, a control character, a character outside ASCII, or one of
    /// `\ " < > ` { } | ^`.
    #[error("url may contain only printable ASCII characters (percent-encode the others)")]
    Characters,
    /// A `user:password@` part.
    #[error("url must not contain a user name or password")]
    Credentials,
    /// A `#fragment`, which is never sent.
    #[error("url must not contain a #fragment")]
    Fragment,
    /// A missing or malformed host.
    #[error("url must name a host: a DNS name such as hooks.example.com or an IP address")]
    Host,
    /// A port that is not a number from 1 to 65535.
    #[error("url's port must be a number from 1 to 65535")]
    Port,
}

impl FieldProblem for WebhookUrlError {
    fn code(&self) -> &'static str {
        match self {
            Self::Blank => "blank",
            Self::TooLong => "too_long",
            Self::Scheme | Self::Characters | Self::Host | Self::Port => "invalid_url",
            Self::Credentials => "credentials_in_url",
            Self::Fragment => "fragment_in_url",
        }
    }
}

/// Characters that HTTP clients escape or read differently; refused outright.
const REFUSED_CHARACTERS: &[char] = &['\\', '"', '<', '>', '`', '{', '}', '|', '^'];

impl WebhookUrl {
    /// Longest accepted URL.
    pub const MAX_LEN: usize = 2048;

    /// Trims and checks a URL.
    ///
    /// # Errors
    /// [`WebhookUrlError`] says what is wrong.
    pub fn parse(raw: &str) -> Result<Self, WebhookUrlError> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(WebhookUrlError::Blank);
        }
        if raw.len() > Self::MAX_LEN {
            return Err(WebhookUrlError::TooLong);
        }
        if raw.chars().any(|c| !c.is_ascii_graphic() || REFUSED_CHARACTERS.contains(&c)) {
            return Err(WebhookUrlError::Characters);
        }
        if raw.contains('#') {
            return Err(WebhookUrlError::Fragment);
        }
        let (scheme, rest) = split_scheme(raw).ok_or(WebhookUrlError::Scheme)?;
        let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, path_and_query) = rest.split_at(authority_end);
        if authority.contains('@') {
            return Err(WebhookUrlError::Credentials);
        }
        let (host, port) = parse_authority(authority)?;
        let mut url = format!("{}://{host}", scheme.as_str());
        if let Some(port) = port {
            url.push_str(&format!(":{port}"));
        }
        if !path_and_query.starts_with('/') {
            url.push('/');
        }
        url.push_str(path_and_query);
        if url.len() > Self::MAX_LEN {
            return Err(WebhookUrlError::TooLong);
        }
        Ok(Self { url, scheme, host, port: port.unwrap_or(scheme.default_port()) })
    }

    /// The normalised URL.
    pub fn as_str(&self) -> &str {
        &self.url
    }

    /// `http` or `https`.
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// The host: the name that is resolved and checked, or an IP literal.
    pub fn host(&self) -> &Host {
        &self.host
    }

    /// The port connected to (the scheme's default when the URL names none).
    pub fn port(&self) -> u16 {
        self.port
    }
}

impl fmt::Display for WebhookUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.url)
    }
}

fn split_scheme(raw: &str) -> Option<(Scheme, &str)> {
    let (scheme, rest) = raw.split_once("://")?;
    if scheme.eq_ignore_ascii_case("http") {
        Some((Scheme::Http, rest))
    } else if scheme.eq_ignore_ascii_case("https") {
        Some((Scheme::Https, rest))
    } else {
        None
    }
}

/// Splits `host[:port]` or `[v6][:port]`.
fn parse_authority(authority: &str) -> Result<(Host, Option<u16>), WebhookUrlError> {
    let (host, port) = if let Some(bracketed) = authority.strip_prefix('[') {
        let (inside, after) = bracketed.split_once(']').ok_or(WebhookUrlError::Host)?;
        // No zone ids (`%eth0`): they name an interface of this machine.
        let ip: Ipv6Addr = inside.parse().map_err(|_| WebhookUrlError::Host)?;
        let port = match after {
            "" => None,
            after => Some(after.strip_prefix(':').ok_or(WebhookUrlError::Host)?),
        };
        (Host::Ip(IpAddr::V6(ip)), port)
    } else {
        let (host, port) = match authority.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        };
        (parse_host(host)?, port)
    };
    let port = port.map(parse_port).transpose()?;
    Ok((host, port))
}

fn parse_port(raw: &str) -> Result<u16, WebhookUrlError> {
    if raw.is_empty() || raw.len() > 5 || !raw.bytes().all(|b| b.is_ascii_digit()) {
        return Err(WebhookUrlError::Port);
    }
    match raw.parse::<u16>() {
        Ok(0) | Err(_) => Err(WebhookUrlError::Port),
        Ok(port) => Ok(port),
    }
}

/// A dotted-quad IPv4 address, or a DNS name of letters, digits, `-` and `_`
/// whose last label is not a number (`http://1.2.3/` and `http://0x7f.1/` are
/// IPv4 addresses to browsers and to the WHATWG URL standard, so they are
/// refused rather than guessed at).
fn parse_host(raw: &str) -> Result<Host, WebhookUrlError> {
    const MAX_NAME: usize = 253;
    const MAX_LABEL: usize = 63;
    if let Ok(ip) = raw.parse::<Ipv4Addr>() {
        return Ok(Host::Ip(IpAddr::V4(ip)));
    }
    let name = raw.to_ascii_lowercase();
    if name.is_empty() || name.len() > MAX_NAME {
        return Err(WebhookUrlError::Host);
    }
    let labels: Vec<&str> = name.split('.').collect();
    let label_ok = |label: &&str| {
        !label.is_empty()
            && label.len() <= MAX_LABEL
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
    };
    if !labels.iter().all(label_ok) {
        return Err(WebhookUrlError::Host);
    }
    let last = labels.last().copied().unwrap_or_default();
    let numeric = last.bytes().all(|b| b.is_ascii_digit()) || last.starts_with("0x");
    if numeric {
        return Err(WebhookUrlError::Host);
    }
    Ok(Host::Domain(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_normalised() {
        let cases = [
            ("https://hooks.example.com/folio", "https://hooks.example.com/folio", 443),
            ("  HTTP://Hooks.Example.COM  ", "http://hooks.example.com/", 80),
            ("http://example.com?x=1", "http://example.com/?x=1", 80),
            ("https://example.com:8443/a/b?c=d&e=%20f", "https://example.com:8443/a/b?c=d&e=%20f", 8443),
            ("http://127.0.0.1:9000/hook", "http://127.0.0.1:9000/hook", 9000),
            ("http://[::1]:9000/", "http://[::1]:9000/", 9000),
            ("http://[2001:DB8::1]/", "http://[2001:db8::1]/", 80),
            ("http://my_host.internal-1.example/", "http://my_host.internal-1.example/", 80),
        ];
        for (raw, normalised, port) in cases {
            let url = WebhookUrl::parse(raw).unwrap_or_else(|e| panic!("{raw:?} is valid: {e}"));
            assert_eq!(url.as_str(), normalised, "{raw:?}");
            assert_eq!(url.port(), port, "{raw:?}");
        }
        let url = WebhookUrl::parse("http://127.0.0.1/").expect("valid");
        assert_eq!(url.host(), &Host::Ip(IpAddr::V4(Ipv4Addr::LOCALHOST)));
        let url = WebhookUrl::parse("https://Example.com/").expect("valid");
        assert_eq!(url.host(), &Host::Domain("example.com".into()));
        assert_eq!(url.scheme(), Scheme::Https);
    }

    #[test]
    fn invalid_urls_are_refused_with_a_reason() {
        let long = format!("https://example.com/{}", "a".repeat(WebhookUrl::MAX_LEN));
        let cases = [
            ("blank", "   ", WebhookUrlError::Blank),
            ("too long", long.as_str(), WebhookUrlError::TooLong),
            ("no scheme", "example.com/hook", WebhookUrlError::Scheme),
            ("ftp", "ftp://example.com/", WebhookUrlError::Scheme),
            ("scheme-relative", "//example.com/", WebhookUrlError::Scheme),
            ("javascript", "javascript:alert(1)", WebhookUrlError::Scheme),
            ("inner space", "https://exa mple.com/", WebhookUrlError::Characters),
            ("newline", "https://example.com/\nHost: x", WebhookUrlError::Characters),
            ("non-ASCII host", "https://exämple.com/", WebhookUrlError::Characters),
            ("backslash", "http://evil.com\\@127.0.0.1/", WebhookUrlError::Characters),
            ("credentials", "https://user:pass@example.com/", WebhookUrlError::Credentials),
            ("user only", "https://user@example.com/", WebhookUrlError::Credentials),
            ("fragment", "https://example.com/#x", WebhookUrlError::Fragment),
            ("fragment hiding a host", "http://127.0.0.1#@example.com/", WebhookUrlError::Fragment),
            ("no host", "https:///hook", WebhookUrlError::Host),
            ("port only", "https://:80/", WebhookUrlError::Host),
            ("empty label", "https://example..com/", WebhookUrlError::Host),
            ("trailing dot", "https://example.com./", WebhookUrlError::Host),
            ("leading hyphen", "https://-example.com/", WebhookUrlError::Host),
            ("percent in host", "http://127%2E0%2E0%2E1/", WebhookUrlError::Host),
            ("decimal IPv4", "http://2130706433/", WebhookUrlError::Host),
            ("short IPv4", "http://127.1/", WebhookUrlError::Host),
            ("hex IPv4", "http://0x7f.0.0.1/", WebhookUrlError::Host),
            ("octal IPv4", "http://0177.0.0.01/", WebhookUrlError::Host),
            ("hex last label", "http://a.0x7f/", WebhookUrlError::Host),
            ("unclosed IPv6", "http://[::1/", WebhookUrlError::Host),
            ("IPv6 zone", "http://[fe80::1%25eth0]/", WebhookUrlError::Host),
            ("bare IPv6", "http://::1/", WebhookUrlError::Host),
            ("junk after IPv6", "http://[::1]x/", WebhookUrlError::Host),
            ("port zero", "http://example.com:0/", WebhookUrlError::Port),
            ("port too big", "http://example.com:65536/", WebhookUrlError::Port),
            ("empty port", "http://example.com:/", WebhookUrlError::Port),
            ("signed port", "http://example.com:+80/", WebhookUrlError::Port),
            ("two ports", "http://example.com:80:81/", WebhookUrlError::Port),
        ];
        for (name, raw, expected) in cases {
            assert_eq!(WebhookUrl::parse(raw), Err(expected), "{name}: {raw:?}");
        }
    }
}
