//! Generic check-digit algorithms and the small helpers the identifier validators share.
//!
//! Every function here is total: any input (empty, non-ASCII, huge) returns a value without
//! panicking. Separators (anything that is not an ASCII letter or digit) are ignored by the
//! helpers that say so.

/// Longest identifier any validator looks at; longer candidates are rejected early so that a
/// validator's cost stays bounded whatever a rule's regex matched.
pub(crate) const MAX_ID: usize = 64;

/// The ASCII digits of `s` with separators (space, `-`, `.`, `/`, `(`, `)`, `+`, `_`, `:`)
/// skipped. `None` when `s` holds any other character (e.g. a letter) or more than `MAX_ID`
/// digits. The digits are returned as values 0..=9.
pub(crate) fn digits(s: &str) -> Option<Digits> {
    let mut out = Digits {
        buf: [0; MAX_ID],
        len: 0,
    };
    for b in s.bytes() {
        match b {
            b'0'..=b'9' => {
                if out.len == MAX_ID {
                    return None;
                }
                out.buf[out.len] = b - b'0';
                out.len += 1;
            }
            b' ' | b'-' | b'.' | b'/' | b'(' | b')' | b'+' | b'_' | b':' | b'\t' => {}
            _ => return None,
        }
    }
    Some(out)
}

/// The ASCII letters and digits of `s`, upper-cased, with everything else skipped.
/// `None` when there are more than `MAX_ID` of them or `s` holds non-ASCII characters.
pub(crate) fn alnum_upper(s: &str) -> Option<Alnum> {
    let mut out = Alnum {
        buf: [0; MAX_ID],
        len: 0,
    };
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() {
            if out.len == MAX_ID {
                return None;
            }
            out.buf[out.len] = b.to_ascii_uppercase();
            out.len += 1;
        } else if !b.is_ascii() {
            return None;
        }
    }
    Some(out)
}

/// A fixed-capacity list of digit values.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Digits {
    buf: [u8; MAX_ID],
    len: usize,
}

impl Digits {
    pub(crate) fn as_slice(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

/// A fixed-capacity upper-cased ASCII alphanumeric string.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Alnum {
    buf: [u8; MAX_ID],
    len: usize,
}

impl Alnum {
    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

/// True when every element is equal (e.g. `000000000`, `1111111111`): such numbers pass several
/// checksums but are placeholders, not identifiers.
pub(crate) fn all_same(d: &[u8]) -> bool {
    d.windows(2).all(|w| w[0] == w[1])
}

/// The number formed by `d` (digit values), saturating; for short slices only.
pub(crate) fn number(d: &[u8]) -> u64 {
    d.iter().fold(0u64, |acc, &x| {
        acc.saturating_mul(10).saturating_add(u64::from(x))
    })
}

/// Luhn mod-10 over digit values.
pub(crate) fn luhn_digits(d: &[u8]) -> bool {
    let mut sum = 0u32;
    for (i, &x) in d.iter().rev().enumerate() {
        let mut v = u32::from(x);
        if i % 2 == 1 {
            v *= 2;
            if v > 9 {
                v -= 9;
            }
        }
        sum += v;
    }
    d.len() >= 2 && sum.is_multiple_of(10)
}

const VERHOEFF_D: [[u8; 10]; 10] = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
    [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
    [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
    [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
    [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
    [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
    [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
    [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
    [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
];
const VERHOEFF_P: [[u8; 10]; 8] = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
    [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
    [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
    [9, 4, 5, 3, 1, 2, 6, 8, 7, 0],
    [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
    [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
    [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
];

/// Verhoeff check over digit values (the last digit is the check digit).
pub(crate) fn verhoeff_digits(d: &[u8]) -> bool {
    let mut c = 0u8;
    for (i, &x) in d.iter().rev().enumerate() {
        c = VERHOEFF_D[usize::from(c)][usize::from(VERHOEFF_P[i % 8][usize::from(x % 10)])];
    }
    !d.is_empty() && c == 0
}

/// ISO 7064 MOD 11,10 (German Steuer-ID, German VAT): true when the last digit is the
/// check digit of the others.
pub(crate) fn iso7064_mod11_10(d: &[u8]) -> bool {
    let Some((&check, body)) = d.split_last() else {
        return false;
    };
    let mut p = 10u32;
    for &x in body {
        let mut s = (u32::from(x) + p) % 10;
        if s == 0 {
            s = 10;
        }
        p = (2 * s) % 11;
    }
    let c = (11 - p) % 10;
    c == u32::from(check)
}

/// Mod-97 of a decimal string given as ASCII alphanumerics, letters worth 10..=35 (ISO 13616).
pub(crate) fn mod97_alnum(s: &[u8]) -> Option<u32> {
    let mut r = 0u32;
    for &b in s {
        match b {
            b'0'..=b'9' => r = (r * 10 + u32::from(b - b'0')) % 97,
            b'A'..=b'Z' => r = (r * 100 + u32::from(b - b'A' + 10)) % 97,
            _ => return None,
        }
    }
    Some(r)
}

/// Weighted sum of digit values.
pub(crate) fn weighted(d: &[u8], w: &[u32]) -> u32 {
    d.iter().zip(w).map(|(&x, &w)| u32::from(x) * w).sum()
}

/// A plausible calendar date (Gregorian; years 1800..=2100).
pub(crate) fn valid_date(year: u32, month: u32, day: u32) -> bool {
    if !(1800..=2100).contains(&year) || !(1..=12).contains(&month) || day == 0 {
        return false;
    }
    let leap = (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
    let max = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    day <= max
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers_skip_separators_and_reject_letters() {
        assert_eq!(digits("123-45 6789").map(|d| d.as_slice().len()), Some(9));
        assert!(digits("12a").is_none());
        assert!(digits(&"1".repeat(100)).is_none());
        assert_eq!(
            alnum_upper("ab-12").map(|a| a.as_bytes().to_vec()),
            Some(b"AB12".to_vec())
        );
        assert!(alnum_upper("é").is_none());
    }

    #[test]
    fn verhoeff_known_values() {
        // 236 → check digit 3 (textbook example).
        assert!(verhoeff_digits(&[2, 3, 6, 3]));
        assert!(!verhoeff_digits(&[2, 3, 6, 4]));
    }

    #[test]
    fn iso7064_known_value() {
        // German Steuer-ID example from the BZSt documentation: 86095742719.
        let d = digits("86095742719")
            .map(|d| d.as_slice().to_vec())
            .unwrap_or_default();
        assert!(iso7064_mod11_10(&d));
        let d = digits("86095742718")
            .map(|d| d.as_slice().to_vec())
            .unwrap_or_default();
        assert!(!iso7064_mod11_10(&d));
    }

    #[test]
    fn dates() {
        assert!(valid_date(2000, 2, 29));
        assert!(!valid_date(1900, 2, 29));
        assert!(!valid_date(2001, 4, 31));
        assert!(!valid_date(1700, 1, 1));
    }
}
