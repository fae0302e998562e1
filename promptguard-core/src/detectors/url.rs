//! The `url` detector: extracts URLs (also defanged ones, `hxxp://evil[.]com`), parses them with
//! the `url` crate (WHATWG rules, so `http://2852039166/` is seen as `169.254.169.254`) and
//! checks them against the [`UrlPolicy`]: allow/block lists by domain (subdomains included) and
//! by CIDR, allowed schemes, credentials in URLs, IP-literal and punycode/homograph hosts, and
//! private or cloud-metadata addresses (SSRF targets in agent tool calls).
//!
//! Without a policy it reports dangerous schemes (`javascript:`, `vbscript:`, `data:text/html`,
//! `file:`), SSRF schemes (`gopher:`, `dict:` ...), passwords in URLs, homograph hosts, metadata
//! endpoints, and private/loopback hosts in tool texts and outputs. Ordinary links are fine.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::LazyLock;

use ipnet::IpNet;
use regex::Regex;

use super::{CodeDetector, DetectorInput, LiteralGate};
use crate::decision::{Finding, Severity, Span, ThreatType};
use crate::error::Error;
use crate::options::{Direction, Role};
use crate::policy::UrlPolicy;

/// What every match of the three URL regexes below holds: `//` (an authority), `script:`,
/// `data:` or `file:/` (a scheme-only URL), `www.` or a defanged dot (a bare host).
static URL_GATE: LazyLock<LiteralGate> = LazyLock::new(|| {
    LiteralGate::new(&[
        "//", "script:", "data:", "file:/", "www.", "[.]", "(.)", "{.}", "[dot]",
    ])
});

/// URLs with an authority (`scheme://`), also defanged (`hxxps[:]//`).
static AUTHORITY_URL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?i)\b(?:https?|hxxps?|h\[xx\]ps?|ftps?|fxp|sftp|wss?|file|gopher|dict|ldaps?|smb|tftp|jar|ssh|telnet|redis|mongodb|postgres(?:ql)?|mysql|git)(?:\[:\]|:)//[^\s<>"'`]+"#,
    )
    .expect("static URL regex compiles")
});

/// Scheme-only URLs that run code or read local data.
static SCHEME_URL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)\b(?:javascript|vbscript|livescript):[^\s<>"'`]+|\bdata:[a-z]+/[a-z0-9.+\-]+[;,][^\s<>"'`]*|\bfile:/[^\s<>"'`]*"#)
        .expect("static scheme regex compiles")
});

/// Defanged or `www.` hosts without a scheme.
static BARE_HOST: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)\b(?:www\.[a-z0-9\-]+(?:\.[a-z0-9\-]+)+|[a-z0-9\-]+(?:(?:\[\.\]|\(\.\)|\{\.\}|\[dot\])[a-z0-9\-]+)+)(?::\d{1,5})?(?:/[^\s<>"'`]*)?"#)
        .expect("static host regex compiles")
});

/// Host names that are cloud metadata endpoints.
const METADATA_HOSTS: &[&str] = &[
    "metadata.google.internal",
    "metadata",
    "metadata.azure.com",
    "instance-data",
    "instance-data.ec2.internal",
];

/// Schemes that run code or read local data; reported without a policy.
const DANGEROUS_SCHEMES: &[&str] = &["javascript", "vbscript", "livescript", "file", "data"];
/// Schemes used to reach internal services through SSRF.
const SSRF_SCHEMES: &[&str] = &[
    "gopher", "dict", "ldap", "ldaps", "tftp", "jar", "smb", "redis",
];

#[derive(Debug)]
pub(crate) struct UrlDetector {
    allow_domains: Vec<String>,
    block_domains: Vec<String>,
    allow_cidrs: Vec<IpNet>,
    block_cidrs: Vec<IpNet>,
    allowed_schemes: Option<Vec<String>>,
    allow_credentials: bool,
    private_everywhere: bool,
    block_ip_hosts: bool,
}

fn parse_domain(d: &str, field: &str) -> Result<String, Error> {
    let t = d
        .trim()
        .trim_start_matches("*.")
        .trim_start_matches('.')
        .trim_end_matches('.')
        .to_ascii_lowercase();
    if t.is_empty() || t.contains('/') || t.contains(':') || t.contains(char::is_whitespace) {
        return Err(Error::config(format!(
            "urls.{field}: `{d}` is not a domain name (write `example.com`, without scheme, port or path)"
        )));
    }
    // Unicode domains are compared in their punycode form, as the `url` crate reports hosts.
    match url::Url::parse(&format!("http://{t}/")) {
        Ok(u) => Ok(u.host_str().unwrap_or(&t).to_owned()),
        Err(e) => Err(Error::config(format!(
            "urls.{field}: `{d}` is not a valid domain: {e}"
        ))),
    }
}

fn parse_cidr(c: &str, field: &str) -> Result<IpNet, Error> {
    let t = c.trim();
    t.parse::<IpNet>()
        .or_else(|_| t.parse::<IpAddr>().map(IpNet::from))
        .map_err(|e| {
            Error::config(format!(
                "urls.{field}: `{c}` is not a CIDR network or IP address: {e}"
            ))
        })
}

impl UrlDetector {
    pub(crate) fn new(policy: Option<&UrlPolicy>) -> Result<UrlDetector, Error> {
        let empty = UrlPolicy::default();
        let p = policy.unwrap_or(&empty);
        let domains = |v: &[String], f| {
            v.iter()
                .map(|d| parse_domain(d, f))
                .collect::<Result<Vec<_>, _>>()
        };
        let cidrs = |v: &[String], f| {
            v.iter()
                .map(|c| parse_cidr(c, f))
                .collect::<Result<Vec<_>, _>>()
        };
        let allowed_schemes = match &p.allowed_schemes {
            None => None,
            Some(list) => {
                let mut out = Vec::new();
                for s in list {
                    let t = s.trim().trim_end_matches(':').to_ascii_lowercase();
                    if t.is_empty()
                        || !t
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
                    {
                        return Err(Error::config(format!(
                            "urls.allowed_schemes: `{s}` is not a URL scheme"
                        )));
                    }
                    out.push(t);
                }
                Some(out)
            }
        };
        Ok(UrlDetector {
            allow_domains: domains(&p.allow_domains, "allow_domains")?,
            block_domains: domains(&p.block_domains, "block_domains")?,
            allow_cidrs: cidrs(&p.allow_cidrs, "allow_cidrs")?,
            block_cidrs: cidrs(&p.block_cidrs, "block_cidrs")?,
            allowed_schemes,
            allow_credentials: p.allow_credentials.unwrap_or(false),
            private_everywhere: p.block_private_everywhere.unwrap_or(false),
            block_ip_hosts: p.block_ip_hosts.unwrap_or(false),
        })
    }
}

/// `host` is `domain` or one of its subdomains.
fn domain_matches(host: &str, domain: &str) -> bool {
    host == domain
        || (host.len() > domain.len()
            && host.ends_with(domain)
            && host.as_bytes()[host.len() - domain.len() - 1] == b'.')
}

/// Undoes the usual defanging: `hxxp` → `http`, `[.]` → `.`, `[:]` → `:`.
fn refang(s: &str) -> String {
    let mut t = s
        .replace("[.]", ".")
        .replace("(.)", ".")
        .replace("{.}", ".")
        .replace("[dot]", ".")
        .replace("[:]", ":")
        .replace("[://]", "://");
    let lower = t.to_ascii_lowercase();
    for (from, to) in [
        ("hxxps", "https"),
        ("hxxp", "http"),
        ("h[xx]ps", "https"),
        ("h[xx]p", "http"),
        ("fxp", "ftp"),
    ] {
        if lower.starts_with(from) {
            t = format!("{to}{}", &t[from.len()..]);
            break;
        }
    }
    t
}

/// Trims punctuation that ends a sentence rather than the URL.
fn trim_end(s: &str) -> &str {
    let mut t = s;
    loop {
        let Some(c) = t.chars().next_back() else {
            return t;
        };
        let unbalanced = |open: char, close: char| {
            c == close && t.matches(open).count() < t.matches(close).count()
        };
        if ".,;:!?'\"*".contains(c)
            || unbalanced('(', ')')
            || unbalanced('[', ']')
            || unbalanced('{', '}')
        {
            t = &t[..t.len() - c.len_utf8()];
        } else {
            return t;
        }
    }
}

fn is_metadata_ip(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            v4 == Ipv4Addr::new(169, 254, 169, 254)
                || v4 == Ipv4Addr::new(169, 254, 170, 2)
                || v4 == Ipv4Addr::new(100, 100, 100, 200)
        }
        IpAddr::V6(v6) => {
            v6 == Ipv6Addr::new(0xfd00, 0x0ec2, 0, 0, 0, 0, 0, 0x0254)
                || v6
                    .to_ipv4_mapped()
                    .is_some_and(|v4| is_metadata_ip(IpAddr::V4(v4)))
        }
    }
}

fn is_private_ip(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            v4.is_private() || v4.is_loopback() || v4.is_link_local() || v4.is_unspecified() || v4.is_broadcast()
                // carrier-grade NAT 100.64.0.0/10
                || (v4.octets()[0] == 100 && (v4.octets()[1] & 0xc0) == 64)
        }
        IpAddr::V6(v6) => {
            v6.is_loopback()
                || v6.is_unspecified()
                || (v6.segments()[0] & 0xfe00) == 0xfc00
                || (v6.segments()[0] & 0xffc0) == 0xfe80
                || v6
                    .to_ipv4_mapped()
                    .is_some_and(|v4| is_private_ip(IpAddr::V4(v4)))
        }
    }
}

/// Letters of other scripts that look like Latin ones (the usual homograph alphabet).
fn latin_lookalike(c: char) -> bool {
    matches!(
        c,
        'а' | 'е'
            | 'о'
            | 'р'
            | 'с'
            | 'у'
            | 'х'
            | 'і'
            | 'ј'
            | 'ѕ'
            | 'ԁ'
            | 'ԛ'
            | 'ԝ'
            | 'һ'
            | 'ӏ'
            | 'ɡ'
            | 'ο'
            | 'α'
            | 'ν'
            | 'τ'
            | 'ι'
            | 'κ'
            | 'ρ'
            | 'ѵ'
            | 'ʏ'
            | 'в'
            | 'к'
            | 'м'
            | 'н'
            | 'т'
    )
}

/// Classifies a punycode host: `Some(true)` when a label mixes Latin with look-alike letters of
/// another script or is made of look-alikes only (a homograph), `Some(false)` for other
/// internationalised names, `None` when the host has no punycode label.
fn homograph(host: &str) -> Option<bool> {
    if !host.split('.').any(|l| l.starts_with("xn--")) {
        return None;
    }
    let (unicode, _) = idna::domain_to_unicode(host);
    let suspicious = unicode.split('.').any(|label| {
        let non_ascii: Vec<char> = label.chars().filter(|c| !c.is_ascii()).collect();
        if non_ascii.is_empty() {
            return false;
        }
        let has_latin = label.chars().any(|c| c.is_ascii_alphabetic());
        let lookalikes = non_ascii.iter().filter(|c| latin_lookalike(**c)).count();
        (has_latin && lookalikes > 0)
            || (lookalikes == non_ascii.len()
                && label.chars().all(|c| c.is_ascii() || latin_lookalike(c)))
    });
    Some(suspicious)
}

struct Hit {
    id: &'static str,
    weight: f64,
    severity: Severity,
    category: &'static str,
    note: String,
}

impl UrlDetector {
    fn sensitive_context(&self, input: &DetectorInput<'_>) -> bool {
        self.private_everywhere
            || input.options.direction == Direction::Output
            || input.options.effective_role() == Role::Tool
    }

    fn check(&self, raw: &str, input: &DetectorInput<'_>, out: &mut Vec<Hit>) {
        let refanged = refang(raw);
        let Ok(u) = url::Url::parse(&refanged) else {
            return;
        };
        let scheme = u.scheme().to_owned();
        let mut hit = |id, weight, severity, category, note: String| {
            out.push(Hit {
                id,
                weight,
                severity,
                category,
                note,
            })
        };
        match &self.allowed_schemes {
            Some(allowed) if !allowed.contains(&scheme) => {
                hit(
                    "url.scheme.not_allowed",
                    0.95,
                    Severity::High,
                    "scheme",
                    format!("scheme `{scheme}:` is not allowed"),
                );
            }
            _ => {
                if DANGEROUS_SCHEMES.contains(&scheme.as_str()) {
                    let (w, what) = match scheme.as_str() {
                        "javascript" | "vbscript" | "livescript" => (0.95, "runs script"),
                        "data" => {
                            let lower = refanged.to_ascii_lowercase();
                            if lower.starts_with("data:text/html")
                                || lower.contains("javascript")
                                || lower.starts_with("data:application/x-javascript")
                            {
                                (0.9, "carries an HTML/script document")
                            } else if lower.starts_with("data:image/svg") {
                                (0.6, "carries an SVG document, which may hold script")
                            } else {
                                (0.0, "")
                            }
                        }
                        _ => {
                            let path = u.path().to_ascii_lowercase();
                            let sensitive = [
                                "/etc/",
                                "/proc/",
                                "/root/",
                                "/.ssh",
                                "windows/system32",
                                "/.aws",
                                "/.env",
                                "/var/run/secrets",
                            ]
                            .iter()
                            .any(|p| path.contains(p));
                            (if sensitive { 0.9 } else { 0.5 }, "reads a local file")
                        }
                    };
                    if w > 0.0 {
                        hit(
                            "url.scheme.dangerous",
                            w,
                            Severity::High,
                            "scheme",
                            format!("`{scheme}:` URL {what}"),
                        );
                    }
                } else if SSRF_SCHEMES.contains(&scheme.as_str()) {
                    hit(
                        "url.scheme.ssrf",
                        0.85,
                        Severity::High,
                        "ssrf",
                        format!("`{scheme}://` URL (used to reach internal services)"),
                    );
                }
            }
        }
        if !self.allow_credentials && u.password().is_some() {
            hit(
                "url.credentials",
                0.92,
                Severity::High,
                "credentials",
                "URL carries a user name and password".into(),
            );
        }
        let Some(host) = u.host() else { return };
        let ip: Option<IpAddr> = match &host {
            url::Host::Ipv4(v4) => Some(IpAddr::V4(*v4)),
            url::Host::Ipv6(v6) => Some(IpAddr::V6(*v6)),
            url::Host::Domain(_) => None,
        };
        let host_str = u
            .host_str()
            .unwrap_or("")
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_ascii_lowercase();
        match ip {
            Some(ip) => {
                let allowed = self.allow_cidrs.iter().any(|n| n.contains(&ip));
                if self.block_cidrs.iter().any(|n| n.contains(&ip)) {
                    hit(
                        "url.ip.blocked",
                        0.98,
                        Severity::High,
                        "block_list",
                        format!("host {ip} is in a blocked network"),
                    );
                } else if (!self.allow_cidrs.is_empty() || !self.allow_domains.is_empty())
                    && !allowed
                {
                    hit(
                        "url.ip.not_allowed",
                        0.95,
                        Severity::High,
                        "allow_list",
                        format!("host {ip} is not in an allowed network"),
                    );
                }
                if allowed {
                    return;
                }
                if is_metadata_ip(ip) {
                    let w = if self.sensitive_context(input) {
                        0.97
                    } else {
                        0.6
                    };
                    hit(
                        "url.ssrf.metadata",
                        w,
                        Severity::Critical,
                        "ssrf",
                        format!("cloud metadata endpoint {ip}"),
                    );
                } else if is_private_ip(ip) {
                    if self.sensitive_context(input) {
                        hit(
                            "url.ssrf.private_address",
                            0.9,
                            Severity::High,
                            "ssrf",
                            format!("private or loopback address {ip}"),
                        );
                    }
                } else {
                    let w = if self.block_ip_hosts { 0.95 } else { 0.3 };
                    hit(
                        "url.host.ip_literal",
                        w,
                        Severity::Low,
                        "host",
                        format!("host is the IP address {ip}"),
                    );
                }
                // The WHATWG parser turns decimal, hex and octal hosts into dotted quads.
                let written = raw_host(&refanged);
                if let IpAddr::V4(v4) = ip {
                    if !written.is_empty() && written != v4.to_string() {
                        hit(
                            "url.host.obfuscated_ip",
                            0.85,
                            Severity::High,
                            "host",
                            format!("IP address {ip} written as `{written}`"),
                        );
                    }
                }
            }
            None => {
                let allowed = self
                    .allow_domains
                    .iter()
                    .any(|d| domain_matches(&host_str, d));
                if self
                    .block_domains
                    .iter()
                    .any(|d| domain_matches(&host_str, d))
                {
                    hit(
                        "url.domain.blocked",
                        0.98,
                        Severity::High,
                        "block_list",
                        format!("domain {host_str} is blocked"),
                    );
                } else if !self.allow_domains.is_empty() && !allowed {
                    hit(
                        "url.domain.not_allowed",
                        0.95,
                        Severity::High,
                        "allow_list",
                        format!("domain {host_str} is not in the allow list"),
                    );
                }
                if allowed {
                    return;
                }
                let bare = host_str.trim_end_matches('.');
                if METADATA_HOSTS.contains(&bare) {
                    let w = if self.sensitive_context(input) {
                        0.97
                    } else {
                        0.6
                    };
                    hit(
                        "url.ssrf.metadata",
                        w,
                        Severity::Critical,
                        "ssrf",
                        format!("cloud metadata endpoint {bare}"),
                    );
                } else if (bare == "localhost"
                    || bare.ends_with(".localhost")
                    || bare.ends_with(".internal")
                    || bare.ends_with(".local"))
                    && self.sensitive_context(input)
                {
                    hit(
                        "url.ssrf.private_address",
                        0.85,
                        Severity::High,
                        "ssrf",
                        format!("local host name {bare}"),
                    );
                }
                match homograph(bare) {
                    Some(true) => {
                        let (unicode, _) = idna::domain_to_unicode(bare);
                        hit(
                            "url.host.homograph",
                            0.9,
                            Severity::High,
                            "homograph",
                            format!("host {bare} ({unicode}) imitates Latin letters"),
                        );
                    }
                    Some(false) => hit(
                        "url.host.punycode",
                        0.3,
                        Severity::Low,
                        "homograph",
                        format!("internationalised host {bare}"),
                    ),
                    None => {}
                }
            }
        }
    }
}

/// The host as written in `url` (between `//`, optional userinfo, and the port or path).
fn raw_host(url: &str) -> String {
    let Some((_, rest)) = url.split_once("//") else {
        return String::new();
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if host_port.starts_with('[') {
        return String::new();
    }
    host_port
        .split(':')
        .next()
        .unwrap_or("")
        .to_ascii_lowercase()
}

impl CodeDetector for UrlDetector {
    fn name(&self) -> &'static str {
        "url"
    }

    fn scan(&self, input: &DetectorInput<'_>, out: &mut Vec<Finding>) {
        let text = input.text;
        if !URL_GATE.may_match(text) {
            return;
        }
        let mut spans: Vec<(usize, usize)> = Vec::new();
        for re in [&*AUTHORITY_URL, &*SCHEME_URL, &*BARE_HOST] {
            for m in re.find_iter(text).take(4096) {
                let s = m.start();
                let e = s + trim_end(m.as_str()).len();
                if e <= s || spans.iter().any(|&(a, b)| s < b && a < e) {
                    continue;
                }
                spans.push((s, e));
            }
        }
        for (s, e) in spans {
            let raw = &text[s..e];
            let candidate = if raw.contains("//")
                || (raw.contains(':') && !raw[..raw.find(':').unwrap_or(0)].contains(['.', '[']))
            {
                raw.to_owned()
            } else {
                format!("http://{raw}")
            };
            let mut hits = Vec::new();
            self.check(&candidate, input, &mut hits);
            // A password the secret detector already redacts (`secret.database_url` and the like)
            // is handled there: redacting it is what the user wants, not blocking the message.
            let (abs_s, abs_e) = (input.offset + s, input.offset + e);
            let password_redacted = input
                .prior
                .iter()
                .any(|f| f.detector == "secret" && f.span.start >= abs_s && f.span.end <= abs_e);
            for h in hits
                .into_iter()
                .filter(|h| !(password_redacted && h.id == "url.credentials"))
            {
                out.push(Finding {
                    threat_type: ThreatType::UrlViolation,
                    detector: "url".into(),
                    rule_id: h.id.into(),
                    confidence: h.weight,
                    severity: h.severity,
                    span: Span::new(input.offset + s, input.offset + e),
                    excerpt: format!("{} ({})", excerpt(raw), h.note),
                    entity: None,
                    category: Some(h.category.into()),
                    message: None,
                });
            }
        }
    }
}

fn excerpt(s: &str) -> String {
    if s.chars().count() <= 100 {
        s.to_owned()
    } else {
        s.chars().take(99).collect::<String>() + "…"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detectors::gate_tests;
    use crate::normalize::{normalize, DecodeLimits};
    use crate::options::ScanOptions;

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4096))]

        /// The gate never keeps the regexes from a text they match.
        #[test]
        fn the_gate_opens_on_every_match(text in gate_tests::text()) {
            proptest::prop_assert!(
                gate_tests::opens_on_every_match(
                    &URL_GATE,
                    &[&AUTHORITY_URL, &SCHEME_URL, &BARE_HOST],
                    &text
                ),
                "{:?}",
                text
            );
        }
    }

    #[test]
    fn the_gate_shuts_only_on_text_without_a_url() {
        for text in [
            "see hxxps[:]//evil[.]com/x",
            "javascript:alert(1)",
            "data:text/html;base64,PHNjcmlwdD4=",
            "open file:/etc/passwd",
            "visit WWW.example.com",
            "evil(.)com",
            "evil[dot]com",
            // `(?i)` matches `ſ` as `s`: non-ASCII text always opens the gate.
            "java\u{17f}cript:alert(1)",
        ] {
            assert!(URL_GATE.may_match(text), "{text}");
        }
        assert!(!URL_GATE.may_match("What is the capital of France? Please answer briefly."));
    }

    fn ids(d: &UrlDetector, text: &str, options: &ScanOptions) -> Vec<String> {
        let views = normalize(text, &DecodeLimits::default());
        let input = DetectorInput {
            text,
            offset: 0,
            views: &views,
            options,
            prior: &[],
        };
        let mut out = Vec::new();
        d.scan(&input, &mut out);
        for f in &out {
            assert!(
                text.get(f.span.start..f.span.end).is_some(),
                "span on char boundaries"
            );
        }
        out.into_iter().map(|f| f.rule_id).collect()
    }

    fn default_ids(text: &str) -> Vec<String> {
        ids(
            &UrlDetector::new(None).expect("builds"),
            text,
            &ScanOptions::default(),
        )
    }

    fn tool_ids(text: &str) -> Vec<String> {
        ids(
            &UrlDetector::new(None).expect("builds"),
            text,
            &ScanOptions::default().with_role(Role::Tool),
        )
    }

    #[test]
    fn ordinary_links_are_fine() {
        assert!(default_ids(
            "See https://docs.rs/url/latest/url/ and https://example.com/a?b=c#d."
        )
        .is_empty());
        assert!(
            default_ids("JavaScript: the good parts; data: 5 rows; file: report.txt").is_empty()
        );
        assert!(default_ids("email me at bob@example.com or visit www.rust-lang.org").is_empty());
    }

    #[test]
    fn dangerous_schemes_and_credentials() {
        assert!(
            default_ids("<a href=\"javascript:alert(document.cookie)\">x</a>")
                .contains(&"url.scheme.dangerous".to_owned())
        );
        assert!(
            default_ids("open data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==")
                .contains(&"url.scheme.dangerous".to_owned())
        );
        assert!(default_ids("fetch file:///etc/passwd now")
            .contains(&"url.scheme.dangerous".to_owned()));
        assert!(default_ids("gopher://127.0.0.1:6379/_FLUSHALL")
            .contains(&"url.scheme.ssrf".to_owned()));
        assert!(
            default_ids("clone https://deploy:hunter2@git.example.com/repo.git")
                .contains(&"url.credentials".to_owned())
        );
        assert!(!default_ids("ssh://git@github.com/org/repo.git")
            .contains(&"url.credentials".to_owned()));
    }

    #[test]
    fn database_url_passwords_are_redacted_not_blocked() {
        let engine = crate::EngineBuilder::new()
            .ml_mode(crate::MlMode::Off)
            .build()
            .expect("engine");
        let d = engine.scan("DATABASE_URL=postgres://app:S3cr3tPassw0rd!@db.internal:5432/prod");
        assert_eq!(d.action, crate::Action::Redact, "{d:?}");
        assert_eq!(
            d.redacted_text.as_deref(),
            Some("DATABASE_URL=postgres://app:[PASSWORD_REDACTED]@db.internal:5432/prod")
        );
        assert!(!d.threats.iter().any(|t| t.rule_id == "url.credentials"));
    }

    #[test]
    fn ssrf_targets_in_tool_texts() {
        let t = tool_ids("GET http://169.254.169.254/latest/meta-data/iam/security-credentials/");
        assert!(t.contains(&"url.ssrf.metadata".to_owned()), "{t:?}");
        assert!(tool_ids("http://localhost:8080/admin")
            .contains(&"url.ssrf.private_address".to_owned()));
        assert!(tool_ids("http://[::1]/").contains(&"url.ssrf.private_address".to_owned()));
        // Decimal IP: 169.254.169.254
        let t = tool_ids("http://2852039166/latest/meta-data/");
        assert!(
            t.contains(&"url.ssrf.metadata".to_owned())
                && t.contains(&"url.host.obfuscated_ip".to_owned()),
            "{t:?}"
        );
        // A user mentioning their router is not an SSRF.
        assert!(default_ids("my router is at http://192.168.1.1/").is_empty());
    }

    #[test]
    fn homographs_and_defanged_urls() {
        let t = default_ids("log in at https://аpple.com/account");
        assert!(t.contains(&"url.host.homograph".to_owned()), "{t:?}");
        let t = default_ids("https://xn--80ak6aa92e.com/");
        assert!(t.contains(&"url.host.homograph".to_owned()), "{t:?}");
        assert_eq!(
            default_ids("https://münchen.de/"),
            vec!["url.host.punycode".to_owned()]
        );
        let d = UrlDetector::new(Some(&UrlPolicy {
            block_domains: vec!["evil.com".into()],
            ..UrlPolicy::default()
        }))
        .expect("builds");
        let o = ScanOptions::default();
        assert!(ids(&d, "IOC: hxxps://cdn.evil[.]com/x.exe", &o)
            .contains(&"url.domain.blocked".to_owned()));
        assert!(ids(&d, "ioc evil[.]com", &o).contains(&"url.domain.blocked".to_owned()));
        assert!(ids(&d, "https://notevil.com/", &o).is_empty());
    }

    #[test]
    fn allow_and_block_lists() {
        let p = UrlPolicy {
            allow_domains: vec!["example.com".into()],
            allow_cidrs: vec!["10.0.0.0/8".into()],
            block_cidrs: vec!["10.9.0.0/16".into()],
            allowed_schemes: Some(vec!["https".into()]),
            ..UrlPolicy::default()
        };
        let d = UrlDetector::new(Some(&p)).expect("builds");
        let o = ScanOptions::default().with_role(Role::Tool);
        assert!(ids(&d, "https://api.example.com/v1", &o).is_empty());
        assert!(ids(&d, "https://10.1.2.3/health", &o).is_empty());
        assert!(ids(&d, "https://other.org/", &o).contains(&"url.domain.not_allowed".to_owned()));
        assert!(
            ids(&d, "http://api.example.com/", &o).contains(&"url.scheme.not_allowed".to_owned())
        );
        assert!(ids(&d, "https://10.9.1.1/", &o).contains(&"url.ip.blocked".to_owned()));
        assert!(ids(&d, "https://8.8.8.8/", &o).contains(&"url.ip.not_allowed".to_owned()));
    }

    #[test]
    fn bad_policies_name_the_entry() {
        let e = UrlDetector::new(Some(&UrlPolicy {
            block_cidrs: vec!["10.0.0.0/33".into()],
            ..UrlPolicy::default()
        }))
        .expect_err("rejects");
        assert!(e.to_string().contains("10.0.0.0/33"), "{e}");
        let e = UrlDetector::new(Some(&UrlPolicy {
            allow_domains: vec!["https://x.com/".into()],
            ..UrlPolicy::default()
        }))
        .expect_err("rejects");
        assert!(e.to_string().contains("allow_domains"), "{e}");
        let e = UrlDetector::new(Some(&UrlPolicy {
            allowed_schemes: Some(vec!["ht tp".into()]),
            ..UrlPolicy::default()
        }))
        .expect_err("rejects");
        assert!(e.to_string().contains("ht tp"), "{e}");
    }
}
