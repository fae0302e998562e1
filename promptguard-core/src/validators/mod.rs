//! Checksum and shape validators that rules name with `validator = "..."`.
//!
//! A validator gets the matched text (or its `value` capture group) and says whether it is a
//! real identifier rather than a look-alike. Validators are pure functions: no allocation on
//! the common path, no panics on any input.

/// A validator: true when the candidate is a structurally valid identifier.
pub type Validator = fn(&str) -> bool;

/// The validator registered under `name`, if any.
pub fn lookup(name: &str) -> Option<Validator> {
    let v: Validator = match name {
        "luhn" => luhn,
        _ => return None,
    };
    Some(v)
}

/// Luhn mod-10 over the ASCII digits of `s` (separators ignored); needs at least 2 digits.
pub fn luhn(s: &str) -> bool {
    let mut sum = 0u32;
    let mut n = 0usize;
    for b in s.bytes().rev().filter(u8::is_ascii_digit) {
        let mut d = u32::from(b - b'0');
        if n % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
        n += 1;
    }
    n >= 2 && sum % 10 == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn luhn_accepts_valid_and_rejects_invalid() {
        assert!(luhn("4111 1111 1111 1111"));
        assert!(!luhn("4111 1111 1111 1112"));
        assert!(lookup("luhn").is_some());
        assert!(lookup("nope").is_none());
    }
}
