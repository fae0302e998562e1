//! Payment and banking identifiers: cards, IBAN, SWIFT/BIC, ABA routing numbers, EU VAT ids.

use super::checksums::{
    all_same, alnum_upper, digits, iso7064_mod11_10, luhn_digits, mod97_alnum, number, weighted,
};

/// A payment card number: 12–19 digits, Luhn-valid, and in a known issuer (IIN) range with a
/// length that issuer uses. Separators (spaces, dashes) are ignored.
pub fn credit_card(s: &str) -> bool {
    let Some(d) = digits(s) else { return false };
    let d = d.as_slice();
    let n = d.len();
    if !(12..=19).contains(&n) || all_same(d) || !luhn_digits(d) {
        return false;
    }
    let p2 = number(&d[..2]);
    let p3 = number(&d[..3]);
    let p4 = number(&d[..4]);
    let p6 = number(&d[..6]);
    match d[0] {
        // Visa (13, 16, 19); Visa Electron shares the range.
        4 => matches!(n, 13 | 16 | 19),
        // Mastercard 51–55 and 2221–2720; Mir 2200–2204.
        5 if (51..=55).contains(&p2) => n == 16,
        2 if (2221..=2720).contains(&p4) => n == 16,
        2 if (2200..=2204).contains(&p4) => (16..=19).contains(&n),
        // JCB legacy 15-digit ranges 2131 and 1800.
        2 | 1 if p4 == 2131 || p4 == 1800 => n == 15,
        // American Express.
        3 if p2 == 34 || p2 == 37 => n == 15,
        // JCB: officially 3528–3589; the rest of 35xx is unassigned to other networks, and
        // card generators and some co-brands use it, so accept the whole 35 range.
        3 if p2 == 35 => (16..=19).contains(&n),
        // Diners Club: 300–305, 3095, 36, 38, 39.
        3 if (300..=305).contains(&p3) || p4 == 3095 || p2 == 36 || p2 == 38 || p2 == 39 => {
            (14..=19).contains(&n)
        }
        // Discover 6011, 644–649, 65, 622126–622925; UnionPay 62, 81; RuPay 60, 65, 81, 82.
        6 if p4 == 6011 || (644..=649).contains(&p3) || p2 == 65 || p2 == 62 || p2 == 60 => {
            (16..=19).contains(&n) || (p2 == 62 && n >= 12) || (p2 == 60 && n >= 12)
        }
        8 if p2 == 81 || p2 == 82 => (16..=19).contains(&n),
        // Maestro: 50, 56–69 (12–19 digits).
        5 if p2 == 50 || (56..=58).contains(&p2) => (12..=19).contains(&n),
        6 => (12..=19).contains(&n) && p6 > 0,
        _ => false,
    }
}

/// IBAN lengths per ISO 13616 country code (SWIFT registry).
const IBAN_LENGTHS: &[(&[u8; 2], usize)] = &[
    (b"AD", 24),
    (b"AE", 23),
    (b"AL", 28),
    (b"AT", 20),
    (b"AZ", 28),
    (b"BA", 20),
    (b"BE", 16),
    (b"BG", 22),
    (b"BH", 22),
    (b"BI", 27),
    (b"BR", 29),
    (b"BY", 28),
    (b"CH", 21),
    (b"CR", 22),
    (b"CY", 28),
    (b"CZ", 24),
    (b"DE", 22),
    (b"DJ", 27),
    (b"DK", 18),
    (b"DO", 28),
    (b"EE", 20),
    (b"EG", 29),
    (b"ES", 24),
    (b"FI", 18),
    (b"FK", 18),
    (b"FO", 18),
    (b"FR", 27),
    (b"GB", 22),
    (b"GE", 22),
    (b"GI", 23),
    (b"GL", 18),
    (b"GR", 27),
    (b"GT", 28),
    (b"HR", 21),
    (b"HU", 28),
    (b"IE", 22),
    (b"IL", 23),
    (b"IQ", 23),
    (b"IS", 26),
    (b"IT", 27),
    (b"JO", 30),
    (b"KW", 30),
    (b"KZ", 20),
    (b"LB", 28),
    (b"LC", 32),
    (b"LI", 21),
    (b"LT", 20),
    (b"LU", 20),
    (b"LV", 21),
    (b"LY", 25),
    (b"MC", 27),
    (b"MD", 24),
    (b"ME", 22),
    (b"MK", 19),
    (b"MN", 20),
    (b"MR", 27),
    (b"MT", 31),
    (b"MU", 30),
    (b"NI", 28),
    (b"NL", 18),
    (b"NO", 15),
    (b"OM", 23),
    (b"PK", 24),
    (b"PL", 28),
    (b"PS", 29),
    (b"PT", 25),
    (b"QA", 29),
    (b"RO", 24),
    (b"RS", 22),
    (b"RU", 33),
    (b"SA", 24),
    (b"SC", 31),
    (b"SD", 18),
    (b"SE", 24),
    (b"SI", 19),
    (b"SK", 24),
    (b"SM", 27),
    (b"SO", 23),
    (b"ST", 25),
    (b"SV", 28),
    (b"TL", 23),
    (b"TN", 24),
    (b"TR", 26),
    (b"UA", 29),
    (b"VA", 22),
    (b"VG", 24),
    (b"XK", 20),
    (b"YE", 30),
];

/// An IBAN: known country, that country's length, mod-97 == 1. Spaces ignored, case-insensitive.
pub fn iban(s: &str) -> bool {
    let Some(a) = alnum_upper(s) else {
        return false;
    };
    let a = a.as_bytes();
    if a.len() < 15 || !a[0].is_ascii_uppercase() || !a[1].is_ascii_uppercase() {
        return false;
    }
    if !a[2].is_ascii_digit() || !a[3].is_ascii_digit() {
        return false;
    }
    let Some(&(_, len)) = IBAN_LENGTHS.iter().find(|(cc, _)| cc[..] == a[..2]) else {
        return false;
    };
    if a.len() != len {
        return false;
    }
    // Move the first four characters to the end, then mod 97 == 1.
    let mut rearranged = [0u8; 40];
    rearranged[..len - 4].copy_from_slice(&a[4..]);
    rearranged[len - 4..len].copy_from_slice(&a[..4]);
    mod97_alnum(&rearranged[..len]) == Some(1)
}

/// ISO 3166-1 alpha-2 codes (officially assigned), concatenated, plus `XK` (Kosovo, used by SWIFT).
pub(crate) const ISO_COUNTRIES: &str = "ADAEAFAGAIALAMAOAQARASATAUAWAXAZBABBBDBEBFBGBHBIBJBLBMBNBOBQBRBSBTBVBWBYBZCACCCDCFCGCHCICKCLCMCNCOCRCUCVCWCXCYCZDEDJDKDMDODZECEEEGEHERESETFIFJFKFMFOFRGAGBGDGEGFGGGHGIGLGMGNGPGQGRGSGTGUGWGYHKHMHNHRHTHUIDIEILIMINIOIQIRISITJEJMJOJPKEKGKHKIKMKNKPKRKWKYKZLALBLCLILKLRLSLTLULVLYMAMCMDMEMFMGMHMKMLMMMNMOMPMQMRMSMTMUMVMWMXMYMZNANCNENFNGNINLNONPNRNUNZOMPAPEPFPGPHPKPLPMPNPRPSPTPWPYQARERORSRURWSASBSCSDSESGSHSISJSKSLSMSNSOSRSSSTSVSXSYSZTCTDTFTGTHTJTKTLTMTNTOTRTTTVTWTZUAUGUMUSUYUZVAVCVEVGVIVNVUWFWSYEYTZAZMZWXK";

pub(crate) fn is_country(cc: &[u8]) -> bool {
    cc.len() == 2 && ISO_COUNTRIES.as_bytes().chunks_exact(2).any(|c| c == cc)
}

/// A SWIFT/BIC code: 4 letters (institution), a real ISO country code, 2 alphanumerics
/// (location; second char not `0`-only test codes are still accepted), optional 3-char branch.
/// Must be written in upper case (lower-case words are English, not BICs).
pub fn swift_bic(s: &str) -> bool {
    let b = s.trim().as_bytes();
    if b.len() != 8 && b.len() != 11 {
        return false;
    }
    if !b[..6].iter().all(u8::is_ascii_uppercase) {
        return false;
    }
    if !b[6..]
        .iter()
        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
    {
        return false;
    }
    if !is_country(&b[4..6]) {
        return false;
    }
    // Plain upper-case words (`PASSWORD`, `INTERNATIONAL`) are not BICs: a real BIC's location
    // or branch part almost always carries a digit, or the code is 8 letters with a vowel-poor
    // bank code. Require a digit in location/branch, or a branch of `XXX`.
    let tail = &b[6..];
    tail.iter().any(u8::is_ascii_digit) || (b.len() == 11 && &b[8..] == b"XXX") || {
        // 8 letters: accept only when the location code is not a common English ending.
        let loc = &b[6..8];
        !matches!(
            loc,
            b"ED"
                | b"ER"
                | b"ES"
                | b"LY"
                | b"NG"
                | b"AL"
                | b"ON"
                | b"RS"
                | b"TS"
                | b"NT"
                | b"RD"
                | b"ST"
                | b"LE"
                | b"CE"
                | b"TY"
                | b"SE"
                | b"NE"
                | b"TE"
                | b"RE"
                | b"DS"
        ) && b.len() == 8
    }
}

/// An ABA routing transit number: 9 digits, valid Federal Reserve prefix, 3-7-1 checksum.
pub fn aba_routing(s: &str) -> bool {
    let Some(d) = digits(s) else { return false };
    let d = d.as_slice();
    if d.len() != 9 || all_same(d) {
        return false;
    }
    let prefix = number(&d[..2]);
    if !matches!(prefix, 0..=12 | 21..=32 | 61..=72 | 80) {
        return false;
    }
    let sum = weighted(d, &[3, 7, 1, 3, 7, 1, 3, 7, 1]);
    sum.is_multiple_of(10)
}

/// A US bank account number shape: 6–17 digits, not all the same digit.
pub fn us_bank_account(s: &str) -> bool {
    let Some(d) = digits(s) else { return false };
    let d = d.as_slice();
    (6..=17).contains(&d.len()) && !all_same(d)
}

/// EU VAT identification number: country prefix, that country's shape and, where the
/// algorithm is public and cheap, its check digits (AT, BE, DE, DK, ES letter-free forms
/// excepted, FI, FR, IT, LU, NL, PL, PT, SE, SI).
pub fn eu_vat(s: &str) -> bool {
    let Some(a) = alnum_upper(s) else {
        return false;
    };
    let a = a.as_bytes();
    if a.len() < 4 {
        return false;
    }
    let (cc, body) = a.split_at(2);
    let all_digits = |b: &[u8]| !b.is_empty() && b.iter().all(u8::is_ascii_digit);
    let dv = |b: &[u8]| -> Vec<u8> { b.iter().map(|c| c - b'0').collect() };
    match cc {
        b"AT" => {
            // ATU + 8 digits, check digit per BMF.
            if body.len() != 9 || body[0] != b'U' || !all_digits(&body[1..]) {
                return false;
            }
            let d = dv(&body[1..]);
            let mut sum = 0u32;
            for (i, &x) in d[..7].iter().enumerate() {
                let x = u32::from(x);
                sum += if i % 2 == 1 {
                    (x * 2) / 10 + (x * 2) % 10
                } else {
                    x
                };
            }
            let c = (10 - (sum + 4) % 10) % 10;
            c == u32::from(d[7])
        }
        b"BE" => {
            if body.len() != 10 || !all_digits(body) || !(body[0] == b'0' || body[0] == b'1') {
                return false;
            }
            let d = dv(body);
            97 - number(&d[..8]) % 97 == number(&d[8..])
        }
        b"DE" => {
            body.len() == 9 && all_digits(body) && body[0] != b'0' && iso7064_mod11_10(&dv(body))
        }
        b"DK" => {
            body.len() == 8
                && all_digits(body)
                && weighted(&dv(body), &[2, 7, 6, 5, 4, 3, 2, 1]).is_multiple_of(11)
        }
        b"FI" => {
            if body.len() != 8 || !all_digits(body) {
                return false;
            }
            let d = dv(body);
            let r = weighted(&d, &[7, 9, 10, 5, 8, 4, 2]) % 11;
            let c = if r == 0 { 0 } else { 11 - r };
            r != 1 && c == u32::from(d[7])
        }
        b"FR" => {
            // FR + 2 key chars + 9-digit SIREN; numeric key = (12 + 3 * (SIREN mod 97)) mod 97.
            if body.len() != 11 || !all_digits(&body[2..]) {
                return false;
            }
            let siren = dv(&body[2..]);
            if !luhn_digits(&siren) && number(&siren) != 356_000_000 {
                return false;
            }
            if all_digits(&body[..2]) {
                let key = number(&dv(&body[..2]));
                key == (12 + 3 * (number(&siren) % 97)) % 97
            } else {
                body[..2].iter().all(|c| c.is_ascii_alphanumeric())
            }
        }
        b"IT" => {
            body.len() == 11 && all_digits(body) && luhn_digits(&dv(body)) && {
                let office = number(&dv(&body[7..10]));
                (1..=100).contains(&office) || matches!(office, 120 | 121 | 888 | 999)
            }
        }
        b"LU" => {
            body.len() == 8 && all_digits(body) && {
                let d = dv(body);
                number(&d[..6]) % 89 == number(&d[6..])
            }
        }
        b"NL" => {
            // NL + 9 digits + B + 2 digits; mod-97 over "NL" + number (new) or 11-test (old).
            if body.len() != 12
                || !all_digits(&body[..9])
                || body[9] != b'B'
                || !all_digits(&body[10..])
            {
                return false;
            }
            let d = dv(&body[..9]);
            let eleven = {
                let s = weighted(&d[..8], &[9, 8, 7, 6, 5, 4, 3, 2]) as i64 - i64::from(d[8]);
                s % 11 == 0
            };
            eleven || mod97_alnum(a) == Some(1)
        }
        b"PL" => {
            body.len() == 10 && all_digits(body) && {
                let d = dv(body);
                let c = weighted(&d, &[6, 5, 7, 2, 3, 4, 5, 6, 7]) % 11;
                c != 10 && c == u32::from(d[9])
            }
        }
        b"PT" => {
            body.len() == 9 && all_digits(body) && {
                let d = dv(body);
                let r = weighted(&d, &[9, 8, 7, 6, 5, 4, 3, 2]) % 11;
                let c = if r < 2 { 0 } else { 11 - r };
                c == u32::from(d[8])
            }
        }
        b"SE" => {
            body.len() == 12
                && all_digits(body)
                && &body[10..] == b"01"
                && luhn_digits(&dv(&body[..10]))
        }
        b"SI" => {
            body.len() == 8 && all_digits(body) && body[0] != b'0' && {
                let d = dv(body);
                let r = weighted(&d, &[8, 7, 6, 5, 4, 3, 2]) % 11;
                let c = (11 - r) % 10;
                r != 0 && c == u32::from(d[7])
            }
        }
        // Shape-only countries (checksums unpublished, costly, or with letter variants).
        b"BG" => (9..=10).contains(&body.len()) && all_digits(body),
        b"CY" => body.len() == 9 && all_digits(&body[..8]) && body[8].is_ascii_uppercase(),
        b"CZ" => (8..=10).contains(&body.len()) && all_digits(body),
        b"EE" => body.len() == 9 && all_digits(body) && body.starts_with(b"10"),
        b"EL" => body.len() == 9 && all_digits(body),
        b"ES" => {
            body.len() == 9
                && body[1..8].iter().all(u8::is_ascii_digit)
                && body.iter().any(u8::is_ascii_alphabetic)
        }
        b"HR" => body.len() == 11 && all_digits(body) && iso7064_mod11_10(&dv(body)),
        b"HU" => body.len() == 8 && all_digits(body),
        b"IE" => {
            (8..=9).contains(&body.len())
                && body[0].is_ascii_digit()
                && body[7].is_ascii_uppercase()
        }
        b"LT" => (body.len() == 9 || body.len() == 12) && all_digits(body),
        b"LV" => body.len() == 11 && all_digits(body),
        b"MT" => body.len() == 8 && all_digits(body),
        b"RO" => (2..=10).contains(&body.len()) && all_digits(body) && body[0] != b'0',
        b"SK" => body.len() == 10 && all_digits(body) && number(&dv(body)).is_multiple_of(11),
        b"XI" | b"GB" => {
            (body.len() == 9 || body.len() == 12) && all_digits(body) && {
                let d = dv(&body[..9]);
                let s = weighted(&d[..7], &[8, 7, 6, 5, 4, 3, 2]) + number(&d[7..9]) as u32;
                s.is_multiple_of(97) || (s + 55).is_multiple_of(97)
            }
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cards() {
        for ok in [
            "4111 1111 1111 1111",
            "4111-1111-1111-1111",
            "5500 0000 0000 0004",
            "2223 0000 4841 0010",
            "3782 822463 10005",
            "6011 1111 1111 1117",
            "3530 1113 3330 0000",
            "3056 9309 0259 04",
            "6200000000000005",
            "4454794511390933",
            "180016070420458",
        ] {
            assert!(credit_card(ok), "{ok}");
        }
        for bad in [
            "4111 1111 1111 1112", // Luhn
            "0000 0000 0000 0000", // placeholder
            "9111 1111 1111 1115", // no issuer 9
            "3782 822463 1000",    // wrong length
            "4111111111111111111111",
            "12345678901234",
            "",
            "abcd",
        ] {
            assert!(!credit_card(bad), "{bad}");
        }
    }

    #[test]
    fn ibans() {
        for ok in [
            "GB82 WEST 1234 5698 7654 32",
            "DE89370400440532013000",
            "FR1420041010050500013M02606",
            "gb42nawi04454264788619",
            "NL91ABNA0417164300",
            "NO9386011117947",
        ] {
            assert!(iban(ok), "{ok}");
        }
        for bad in [
            "GB82 WEST 1234 5698 7654 33",
            "DE8937040044053201300",
            "XX89370400440532013000",
            "GB82",
        ] {
            assert!(!iban(bad), "{bad}");
        }
    }

    #[test]
    fn bics() {
        for ok in [
            "DEUTDEFF",
            "DEUTDEFF500",
            "NWBKGB2L",
            "CHASUS33",
            "BNPAFRPPXXX",
        ] {
            assert!(swift_bic(ok), "{ok}");
        }
        for bad in [
            "deutdeff",
            "DEUTZZFF",
            "PASSWORD",
            "INTERNATIONAL",
            "DEUTDE",
            "CONTRACTED",
        ] {
            assert!(!swift_bic(bad), "{bad}");
        }
    }

    #[test]
    fn aba() {
        for ok in ["021000021", "011000015", "122105155", "026009593"] {
            assert!(aba_routing(ok), "{ok}");
        }
        for bad in ["021000022", "123456789", "000000000", "991000021"] {
            assert!(!aba_routing(bad), "{bad}");
        }
    }

    #[test]
    fn vat() {
        for ok in [
            "DE136695976",
            "ATU13585627",
            "BE0403170701",
            "IT00743110157",
            "FR40303265045",
            "NL004495445B01",
            "PL5260250274",
            "DK13585628",
            "FI20774740",
            "PT501964843",
            "GB980780684",
            "ESA28015865",
        ] {
            assert!(eu_vat(ok), "{ok}");
        }
        for bad in [
            "DE136695977",
            "ATU13585628",
            "BE0403170702",
            "IT00743110158",
            "FR41303265045",
            "PL5260250275",
            "ZZ123456789",
            "DE",
        ] {
            assert!(!eu_vat(bad), "{bad}");
        }
    }
}
