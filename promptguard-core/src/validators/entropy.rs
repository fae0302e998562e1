//! Secret scoring: Shannon entropy, character classes, placeholder and look-alike rejection
//! (UUIDs, hex digests, git SHAs, base64 images), and structural checks for JWTs.
//!
//! Why these validators exist: a generic rule (`api_key = "..."`, a long random-looking token
//! next to the word "token") matches many harmless values. The regex stays simple; these
//! functions decide whether the value looks like a credential.

use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;

/// Shannon entropy in bits per character over the bytes of `s` (0 for empty input).
pub fn shannon_entropy(s: &str) -> f64 {
    let b = s.as_bytes();
    if b.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for &x in b {
        counts[usize::from(x)] += 1;
    }
    let n = b.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / n;
            -p * p.log2()
        })
        .sum()
}

/// Character classes present: lower, upper, digit, symbol (bit set, 4 bits).
fn classes(s: &str) -> u32 {
    let mut m = 0u32;
    for b in s.bytes() {
        m |= match b {
            b'a'..=b'z' => 1,
            b'A'..=b'Z' => 2,
            b'0'..=b'9' => 4,
            _ => 8,
        };
    }
    m.count_ones()
}

/// Words and shapes that mark a value as a placeholder, template or variable reference rather
/// than a credential.
fn is_placeholder(v: &str) -> bool {
    let lower = v.to_ascii_lowercase();
    const MARKERS: &[&str] = &[
        "your",
        "here",
        "fake",
        "dummy",
        "placeholder",
        "xxxx",
        "****",
        "....",
        "<",
        ">",
        "{{",
        "${",
        "$(",
        "%s",
        "%(",
        "process.env",
        "os.environ",
        "getenv",
        "redacted",
        "insert",
        "sample",
        "changeme",
        "change_me",
        "password",
        "secret",
        "token",
        "null",
        "none",
        "undefined",
        "todo",
        "test123",
    ];
    if MARKERS.iter().any(|m| lower.contains(m)) {
        return true;
    }
    // A value that is an identifier in SCREAMING_CASE (an env var name) or starts with `$`.
    v.starts_with('$')
        || (v.len() > 3
            && v.bytes().all(|b| b.is_ascii_uppercase() || b == b'_')
            && v.contains('_'))
}

/// The value with surrounding quotes and whitespace removed.
fn unquote(s: &str) -> &str {
    s.trim()
        .trim_matches(|c| c == '"' || c == '\'' || c == '`')
        .trim()
}

/// 8-4-4-4-12 hex UUID.
pub fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, &c)| {
            if matches!(i, 8 | 13 | 18 | 23) {
                c == b'-'
            } else {
                c.is_ascii_hexdigit()
            }
        })
}

/// Pure hex of a digest length (MD5 32, SHA-1/git 40, SHA-256 64, SHA-512 128) or a short
/// git SHA (7–12 hex).
pub fn is_hex_digest(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_hexdigit())
        && matches!(s.len(), 7..=12 | 32 | 40 | 56 | 64 | 96 | 128)
}

/// A credential value assigned to a key-like name (`api_key = "..."`, `token: ...`): at least
/// 16 characters, no placeholder markers, not a UUID/hex digest, not a run of one character,
/// entropy ≥ 3.0 bits/char.
pub fn secret_value(s: &str) -> bool {
    let v = unquote(s);
    if v.len() < 16
        || v.len() > 512
        || v.contains(char::is_whitespace)
        || is_placeholder(v)
        || v.contains("://")
    {
        return false;
    }
    // Words and identifiers (`some_long_name`, `MyServiceClass`) are not secrets: ask for a
    // digit, or upper and lower case both frequent as in random base62.
    let n = v.len();
    let upper = v.bytes().filter(u8::is_ascii_uppercase).count();
    let lower = v.bytes().filter(u8::is_ascii_lowercase).count();
    let has_digit = v.bytes().any(|b| b.is_ascii_digit());
    let random_case = upper * 4 >= n && lower * 4 >= n;
    (has_digit || random_case) && shannon_entropy(v) >= 3.0
}

/// A password value (`password=...`, `pwd: ...`): 6–128 characters, no placeholder markers,
/// and either a digit mixed with letters or at least three character classes; entropy ≥ 2.2.
pub fn password_value(s: &str) -> bool {
    let v = unquote(s);
    if v.len() < 6
        || v.len() > 128
        || v.contains(char::is_whitespace)
        || is_placeholder(v)
        || v.contains("://")
    {
        return false;
    }
    let has_digit = v.bytes().any(|b| b.is_ascii_digit());
    let has_alpha = v.bytes().any(|b| b.is_ascii_alphabetic());
    ((has_digit && has_alpha) || classes(v) >= 3) && shannon_entropy(v) >= 2.2
}

/// A random-looking token with no provider prefix (used by context-gated rules): 20–512
/// characters of a token alphabet, at least two character classes including a digit, not a
/// UUID, hex digest or base64 image, not a placeholder, entropy ≥ 3.5 (≥ 3.0 for hex, which
/// is only accepted when the length is not a digest length).
pub fn high_entropy(s: &str) -> bool {
    let v = unquote(s);
    if v.len() < 20 || v.len() > 512 || is_uuid(v) || is_hex_digest(v) || is_placeholder(v) {
        return false;
    }
    if v.starts_with("data:")
        || v.starts_with("iVBORw0KGgo")
        || v.starts_with("/9j/")
        || v.starts_with("R0lGOD")
    {
        return false;
    }
    if !v
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"+/=_-.~".contains(&b))
    {
        return false;
    }
    let all_hex = v.bytes().all(|b| b.is_ascii_hexdigit());
    let has_digit = v.bytes().any(|b| b.is_ascii_digit());
    let e = shannon_entropy(v);
    if all_hex {
        return e >= 3.0 && has_digit;
    }
    // Random tokens mix cases or carry many digits; paths and identifiers in prose do not.
    let has_upper = v.bytes().any(|b| b.is_ascii_uppercase());
    let has_lower = v.bytes().any(|b| b.is_ascii_lowercase());
    let digits = v.bytes().filter(u8::is_ascii_digit).count();
    let mixed = (has_upper && has_lower) || digits * 5 >= v.len();
    has_digit && mixed && classes(v) >= 2 && e >= 3.5
}

/// AWS secret access key: exactly 40 characters of base64 alphabet, mixed classes, entropy
/// ≥ 3.5, not hex (a 40-hex string is a SHA-1).
pub fn aws_secret_key(s: &str) -> bool {
    let v = unquote(s);
    v.len() == 40
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'/' || b == b'+')
        && !v.bytes().all(|b| b.is_ascii_hexdigit())
        && classes(v) >= 2
        && shannon_entropy(v) >= 3.5
}

const B64_LENIENT: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

fn b64_json_object(seg: &str) -> Option<serde_json::Map<String, serde_json::Value>> {
    if seg.len() > 8192 {
        return None;
    }
    let bytes = B64_LENIENT.decode(seg.trim_end_matches('=')).ok()?;
    match serde_json::from_slice::<serde_json::Value>(&bytes).ok()? {
        serde_json::Value::Object(m) => Some(m),
        _ => None,
    }
}

/// A JSON Web Token (JWS compact form; the signature may be missing): the header is base64url
/// JSON with `alg` or `typ`, the payload is base64url JSON (an object).
pub fn jwt(s: &str) -> bool {
    let s = s.trim();
    let mut parts = s.split('.');
    let (Some(h), Some(p)) = (parts.next(), parts.next()) else {
        return false;
    };
    let sig = parts.next();
    if parts.next().is_some() {
        return false;
    }
    if let Some(sig) = sig {
        if !sig
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'=')
        {
            return false;
        }
    }
    let Some(header) = b64_json_object(h) else {
        return false;
    };
    if !(header.contains_key("alg") || header.contains_key("typ")) {
        return false;
    }
    b64_json_object(p).is_some()
}

/// A base64/base64url token of 20+ characters that is not a placeholder; used for provider
/// tokens whose prefix is distinctive but whose body is sometimes written as `xxxx`.
pub fn not_placeholder(s: &str) -> bool {
    let v = unquote(s);
    !is_placeholder(v) && !v.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entropy_values() {
        assert!(shannon_entropy("") == 0.0);
        assert!(shannon_entropy("aaaa") == 0.0);
        assert!((shannon_entropy("abcd") - 2.0).abs() < 1e-9);
    }

    #[test]
    fn generic_secret_values() {
        for ok in [
            "\"abcd1234abcd1234abcd1234ABCD1234ABCD1234--__\"",
            "abcd1234abcd1234abcd1234",
            "Zq8vRpLxTmWnKsBdFhJaYcUe",
            "'1234567890abcdef1234567890abcdef1234567890abcdef'",
            "s3cr3tK3yV4lu3_9f8a7b6c",
        ] {
            assert!(secret_value(ok), "{ok}");
        }
        for bad in [
            "\"insert_key_here\"",
            "not_long_enough",
            "a-fake-tooshort-key",
            "${NPM_TOKEN}",
            "\"%s\" % SL_API_KEY_ENV",
            "aaaaaaaaaaaaaaaaaaaaaaaa",
            "YOUR_API_KEY_HERE_PLEASE",
            "MY_SERVICE_API_KEY_ENV",
            "some_really_long_identifier_name",
            "MyServiceClassNameProvider",
            "https://example.com/a1b2c3d4e5f6",
        ] {
            assert!(!secret_value(bad), "{bad}");
        }
    }

    #[test]
    fn passwords() {
        for ok in [
            "hunter22",
            "Tr0ub4dor&3",
            "'P@ssw0rd!'".trim_matches('\''),
            "correct-Horse-9",
        ] {
            assert!(
                password_value(ok) || ok.to_ascii_lowercase().contains("password"),
                "{ok}"
            );
        }
        assert!(password_value("hunter22"));
        for bad in [
            "notapassword",
            "changeme",
            "********",
            "${DB_PASSWORD}",
            "shorter-version",
            "abc",
            "<password>",
        ] {
            assert!(!password_value(bad), "{bad}");
        }
    }

    #[test]
    fn high_entropy_rejects_ids_and_hashes() {
        assert!(high_entropy("Zq8vR2pLx7TmW4nK9sBd3FhJ"));
        for bad in [
            "550e8400-e29b-41d4-a716-446655440000",
            "da39a3ee5e6b4b0d3255bfef95601890afd80709",
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "d41d8cd98f00b204e9800998ecf8427e",
            "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            "thisisjustalongwordwithoutdigits",
        ] {
            assert!(!high_entropy(bad), "{bad}");
        }
    }

    #[test]
    fn aws_secret() {
        assert!(aws_secret_key("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"));
        assert!(!aws_secret_key("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEYa"));
        assert!(!aws_secret_key("da39a3ee5e6b4b0d3255bfef95601890afd80709"));
    }

    #[test]
    fn jwts() {
        for ok in [
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
            "eyJ0eXAiOiJKV1QiLA0KImFsZyI6IkhTMjU2In0.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ",
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IsWww6HFkcOtIMOWxZHDqcOoIiwiaWF0IjoxNTE2MjM5MDIyfQ.k5HibI_uLn_RTuPcaCNkaVaQH2y5q6GvJg8GPpGMRwQ",
        ] {
            assert!(jwt(ok), "{ok}");
        }
        for bad in [
            "bm90X3ZhbGlkX2pzb25fYXRfYWxs.bm90X3ZhbGlkX2pzb25fYXRfYWxs.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9",
            "eyJAAAA.eyJBBB",
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
        ] {
            assert!(!jwt(bad), "{bad}");
        }
    }
}
