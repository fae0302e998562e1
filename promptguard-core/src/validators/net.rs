//! Contact and network identifiers: e-mail, phone numbers, IP and MAC addresses, dates.

use std::net::{Ipv4Addr, Ipv6Addr};

use super::checksums::{all_same, digits, valid_date};

/// File extensions that follow an `@` in asset names (`icon@2x.png`) and are not TLDs.
const NOT_TLDS: &[&str] = &[
    "png", "jpg", "jpeg", "gif", "svg", "webp", "ico", "js", "ts", "css", "map", "json",
];

/// An e-mail address: `local@domain.tld`, the domain made of valid labels and an alphabetic
/// TLD of 2–24 letters that is not a file extension.
pub fn email(s: &str) -> bool {
    let s = s.trim();
    if s.len() > 254 {
        return false;
    }
    let Some((local, domain)) = s.rsplit_once('@') else {
        return false;
    };
    if local.is_empty() || local.len() > 64 || local.starts_with('.') || local.ends_with('.') {
        return false;
    }
    let Some((_, tld)) = domain.rsplit_once('.') else {
        return false;
    };
    if !(2..=24).contains(&tld.len()) || !tld.bytes().all(|b| b.is_ascii_alphabetic()) {
        return false;
    }
    if NOT_TLDS.iter().any(|t| tld.eq_ignore_ascii_case(t)) {
        return false;
    }
    domain.split('.').all(|l| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || !b.is_ascii())
    })
}

/// ITU-T E.164 country calling codes in use (1–3 digits).
fn country_code_len(d: &[u8]) -> Option<usize> {
    let n1 = u32::from(*d.first()?);
    if n1 == 1 || n1 == 7 {
        return Some(1);
    }
    let n2 = n1 * 10 + u32::from(*d.get(1)?);
    let two = matches!(
        n2,
        20 | 27 | 30..=34 | 36 | 39 | 40 | 41 | 43..=49 | 51..=58 | 60..=66 | 81 | 82 | 84 | 86
            | 90..=95 | 98
    );
    if two {
        return Some(2);
    }
    let n3 = n2 * 10 + u32::from(*d.get(2)?);
    let three = matches!(
        n3,
        211..=218 | 220..=258 | 260..=269 | 290 | 291 | 297..=299 | 350..=359 | 370..=389
            | 420 | 421 | 423 | 500..=509 | 590..=599 | 670..=692 | 800 | 808 | 850 | 852 | 853
            | 855 | 856 | 870 | 878 | 880..=883 | 886 | 888 | 960..=968 | 970..=979 | 992..=998
    );
    three.then_some(3)
}

/// North American Numbering Plan: NPA [2-9] not N11, NXX [2-9], not 555-01XX fiction range.
fn nanp(d: &[u8]) -> bool {
    d.len() == 10
        && d[0] >= 2
        && !(d[1] == 1 && d[2] == 1)
        && d[3] >= 2
        && !(d[3] == 5 && d[4] == 5 && d[5] == 5 && d[6] == 0 && d[7] == 1)
}

/// A phone number, international (`+CC ...` / `00CC ...`, E.164: a real country code, 8–15
/// digits, NANP rules for +1) or national (NANP 10 digits / 1 + 10, or a trunk-prefixed
/// `0...` number of 9–12 digits, or 7–12 digits when written in groups). An extension
/// (`x123`, `ext. 12`) at the end is ignored. Repeated-digit placeholders are rejected.
pub fn phone(s: &str) -> bool {
    let s = s.trim();
    let s = match s.find(['x', 'X', 'e', 'E']) {
        Some(i) => s[..i].trim_end(),
        None => s,
    };
    let Some(d) = digits(s) else { return false };
    let d = d.as_slice();
    if d.len() < 7 || d.len() > 15 || all_same(d) {
        return false;
    }
    let plus = s.starts_with('+');
    let double_zero = !plus && s.starts_with("00") && d.len() >= 10;
    if plus || double_zero {
        let d = if double_zero { &d[2..] } else { d };
        let Some(cc) = country_code_len(d) else {
            return false;
        };
        if d.len() < 8 {
            return false;
        }
        if d[0] == 1 {
            // Explicit +1: area code rules only (exchange codes vary in test data and abroad).
            return d.len() == 11 && d[1] >= 2 && !(d[2] == 1 && d[3] == 1);
        }
        return d.len() - cc >= 6;
    }
    match d.len() {
        10 if d[0] >= 2 => nanp(d) || d[0] == 0,
        11 if d[0] == 1 => nanp(&d[1..]),
        _ if d[0] == 0 => (9..=12).contains(&d.len()) && d[1] != 0,
        // Other national formats: only when written in groups (the regex guarantees this).
        _ => (7..=12).contains(&d.len()) && s.bytes().any(|b| !b.is_ascii_digit()),
    }
}

/// A public IPv4 address in dotted-quad form without leading zeros: not private (RFC 1918),
/// loopback, link-local, CGNAT, multicast, broadcast, unspecified or documentation ranges.
pub fn ipv4(s: &str) -> bool {
    let Ok(ip) = s.trim().parse::<Ipv4Addr>() else {
        return false;
    };
    let o = ip.octets();
    !(ip.is_private()
        || ip.is_loopback()
        || ip.is_link_local()
        || ip.is_multicast()
        || ip.is_broadcast()
        || ip.is_unspecified()
        || ip.is_documentation()
        || o[0] == 0
        || o[0] >= 240
        || (o[0] == 100 && (64..128).contains(&o[1])))
}

/// An IPv6 address (any textual form std accepts) that is not unspecified or loopback and
/// has at least three groups (so `a:b` or times `12:30:45` never qualify).
pub fn ipv6(s: &str) -> bool {
    let s = s.trim();
    let Ok(ip) = s.parse::<Ipv6Addr>() else {
        return false;
    };
    let groups = s.split(':').filter(|g| !g.is_empty()).count();
    !ip.is_unspecified() && !ip.is_loopback() && groups >= 3
}

/// A MAC address: six hex octets with `:` or `-` (consistently), or three dotted quads
/// (`0123.4567.89ab`); not all-zero, not broadcast, not a single repeated digit.
pub fn mac_address(s: &str) -> bool {
    let s = s.trim();
    let hex: Vec<u8> = s.bytes().filter(u8::is_ascii_hexdigit).collect();
    if hex.len() != 12 {
        return false;
    }
    let seps: Vec<u8> = s.bytes().filter(|b| !b.is_ascii_hexdigit()).collect();
    let consistent = seps.windows(2).all(|w| w[0] == w[1]);
    let shape_ok = match seps.first() {
        Some(b':') | Some(b'-') => seps.len() == 5,
        Some(b'.') => seps.len() == 2,
        _ => false,
    };
    let lower: Vec<u8> = hex.iter().map(u8::to_ascii_lowercase).collect();
    consistent && shape_ok && !all_same(&lower)
}

/// A calendar date written with numbers (`1985-03-12`, `12/03/1985`, `3/12/85`, `12.03.1985`),
/// valid as Y-M-D, D-M-Y or M-D-Y, with a year from 1900 to 2026 (two-digit years allowed).
pub fn date(s: &str) -> bool {
    let mut parts = [0u32; 3];
    let mut lens = [0usize; 3];
    let mut i = 0usize;
    let mut in_num = false;
    for b in s.trim().bytes() {
        if b.is_ascii_digit() {
            if !in_num {
                if i == 3 {
                    return false;
                }
                in_num = true;
                i += 1;
            }
            if lens[i - 1] >= 4 {
                return false;
            }
            parts[i - 1] = parts[i - 1] * 10 + u32::from(b - b'0');
            lens[i - 1] += 1;
        } else if matches!(b, b'-' | b'/' | b'.' | b' ') {
            in_num = false;
        } else {
            return false;
        }
    }
    if i != 3 {
        return false;
    }
    let year_ok = |y: u32, len: usize| -> Option<u32> {
        match len {
            4 if (1900..=2026).contains(&y) => Some(y),
            2 => Some(if y <= 26 { 2000 + y } else { 1900 + y }),
            _ => None,
        }
    };
    if lens[0] == 4 {
        let Some(y) = year_ok(parts[0], 4) else {
            return false;
        };
        return valid_date(y, parts[1], parts[2]);
    }
    let Some(y) = year_ok(parts[2], lens[2]) else {
        return false;
    };
    lens[0] <= 2
        && lens[1] <= 2
        && (valid_date(y, parts[1], parts[0]) || valid_date(y, parts[0], parts[1]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        for ok in [
            "john.doe@example.com",
            "UtaKortig@jourrapide.com",
            "a+b@mail.co.uk",
        ] {
            assert!(email(ok), "{ok}");
        }
        for bad in [
            "icon@2x.png",
            "a@b",
            "@x.com",
            "a@-x.com",
            "a@x.c0m",
            "user@localhost",
        ] {
            assert!(!email(bad), "{bad}");
        }
    }

    #[test]
    fn phones() {
        for ok in [
            "+1 415 555 2671",
            "+1-984-182-0190",
            "(415) 867-5309",
            "905-674-3793",
            "+44 20 7946 0958",
            "+447700 921 916",
            "07700 063 966",
            "0490 75 40 81",
            "+46 (0)8 928 571 38",
            "345-899-3560x4587",
            "0033 1 42 68 53 00",
            "9498777106",
        ] {
            assert!(phone(ok), "{ok}");
        }
        for bad in [
            "+1 111 555 2671",  // area code starting with 1
            "+999 123 456 789", // no such country code
            "(415) 555-0123",   // fictional 555-01XX
            "111-111-1111",
            "12345",
            "1234567",
            "+1 415 555",
        ] {
            assert!(!phone(bad), "{bad}");
        }
    }

    #[test]
    fn ips() {
        assert!(ipv4("133.133.133.133"));
        assert!(ipv4("1.1.1.1"));
        for bad in [
            "127.0.0.1",
            "10.0.0.1",
            "172.16.0.1",
            "192.168.0.1",
            "169.254.169.254",
            "256.256.256.256",
            "1.2.3",
            "1.2.3.04",
        ] {
            assert!(!ipv4(bad), "{bad}");
        }
        assert!(ipv6("6e40:4041:c617:e898:c11:40d2:c669:2eb4"));
        assert!(ipv6("2001:db8::8a2e:370:7334"));
        for bad in ["::1", "::", "12:30:45", "a:b", "dead:beef"] {
            assert!(!ipv6(bad), "{bad}");
        }
    }

    #[test]
    fn macs() {
        assert!(mac_address("00:1A:2B:3C:4D:5E"));
        assert!(mac_address("00-1a-2b-3c-4d-5e"));
        assert!(mac_address("001a.2b3c.4d5e"));
        for bad in [
            "00:00:00:00:00:00",
            "ff:ff:ff:ff:ff:ff",
            "00:1A:2B-3C:4D:5E",
            "00:1A:2B:3C:4D",
        ] {
            assert!(!mac_address(bad), "{bad}");
        }
    }

    #[test]
    fn dates() {
        for ok in [
            "1985-03-12",
            "12/03/1985",
            "2/8/1935",
            "6/24/1991",
            "24.06.1991",
            "3/12/85",
        ] {
            assert!(date(ok), "{ok}");
        }
        for bad in [
            "1985-13-12",
            "32/03/1985",
            "13/13/1985",
            "1/2/3/4",
            "2/30/2001",
            "12/03/2099",
            "1.2.3",
        ] {
            assert!(!date(bad), "{bad}");
        }
    }
}
