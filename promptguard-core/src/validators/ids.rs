//! National and personal identifiers: check digits and structural rules per issuing authority.

use super::checksums::{
    all_same, alnum_upper, digits, iso7064_mod11_10, luhn_digits, number, valid_date,
    verhoeff_digits, weighted,
};

/// US Social Security number: 9 digits; area not 000, 666 or 900–999; group not 00; serial not
/// 0000; not a single repeated digit; not one of the numbers the SSA voided after they were
/// printed in advertising (078-05-1120, 219-09-9999).
pub fn us_ssn(s: &str) -> bool {
    let Some(d) = digits(s) else { return false };
    let d = d.as_slice();
    if d.len() != 9 || all_same(d) {
        return false;
    }
    let area = number(&d[..3]);
    let group = number(&d[3..5]);
    let serial = number(&d[5..]);
    let n = number(d);
    area != 0
        && area != 666
        && area < 900
        && group != 0
        && serial != 0
        && n != 78_051_120
        && n != 219_099_999
}

/// US Individual Taxpayer Identification Number: 9XX-GG-XXXX with group 50–65, 70–88, 90–92
/// or 94–99.
pub fn us_itin(s: &str) -> bool {
    let Some(d) = digits(s) else { return false };
    let d = d.as_slice();
    if d.len() != 9 || d[0] != 9 {
        return false;
    }
    matches!(number(&d[3..5]), 50..=65 | 70..=88 | 90..=92 | 94..=99)
}

/// US passport book/card number: 9 digits or one letter and 8 digits; not a repeated digit.
pub fn us_passport(s: &str) -> bool {
    let Some(a) = alnum_upper(s) else {
        return false;
    };
    let a = a.as_bytes();
    if a.len() != 9 {
        return false;
    }
    let start = usize::from(a[0].is_ascii_alphabetic());
    a[start..].iter().all(u8::is_ascii_digit) && !all_same(&a[start..])
}

/// US driver licence number (any state's shape: 1–2 letters + digits, or 4–13 digits, or the
/// letter-heavy forms of a few states): 5–16 alphanumerics with at least 4 digits, not a
/// repeated digit. Rules gate it by context words.
pub fn us_driver_license(s: &str) -> bool {
    let Some(a) = alnum_upper(s) else {
        return false;
    };
    let a = a.as_bytes();
    let nd = a.iter().filter(|c| c.is_ascii_digit()).count();
    (5..=16).contains(&a.len()) && nd >= 4 && !all_same(a)
}

/// UK NHS number: 10 digits, mod-11 check digit (a remainder giving 10 is never issued).
pub fn uk_nhs(s: &str) -> bool {
    let Some(d) = digits(s) else { return false };
    let d = d.as_slice();
    if d.len() != 10 || all_same(d) {
        return false;
    }
    let r = weighted(d, &[10, 9, 8, 7, 6, 5, 4, 3, 2]) % 11;
    let c = match 11 - r {
        11 => 0,
        10 => return false,
        c => c,
    };
    c == u32::from(d[9])
}

/// UK National Insurance number: two prefix letters (D, F, I, Q, U, V never used; O not second;
/// BG, GB, KN, NK, NT, TN, ZZ not allocated), six digits, suffix A–D.
pub fn uk_nino(s: &str) -> bool {
    let Some(a) = alnum_upper(s) else {
        return false;
    };
    let a = a.as_bytes();
    if a.len() != 9 {
        return false;
    }
    let (p, rest) = a.split_at(2);
    let bad1 = b"DFIQUV";
    let bad2 = b"DFIQUVO";
    if !p[0].is_ascii_uppercase() || !p[1].is_ascii_uppercase() {
        return false;
    }
    if bad1.contains(&p[0]) || bad2.contains(&p[1]) {
        return false;
    }
    if matches!(p, b"BG" | b"GB" | b"KN" | b"NK" | b"NT" | b"TN" | b"ZZ") {
        return false;
    }
    rest[..6].iter().all(u8::is_ascii_digit)
        && matches!(rest[6], b'A'..=b'D')
        && !all_same(&rest[..6])
}

/// Canadian Social Insurance Number: 9 digits, Luhn, first digit not 0 or 8.
pub fn ca_sin(s: &str) -> bool {
    let Some(d) = digits(s) else { return false };
    let d = d.as_slice();
    d.len() == 9 && d[0] != 0 && d[0] != 8 && !all_same(d) && luhn_digits(d)
}

/// Indian Aadhaar number: 12 digits, first digit 2–9, Verhoeff check, not a palindrome.
pub fn in_aadhaar(s: &str) -> bool {
    let Some(d) = digits(s) else { return false };
    let d = d.as_slice();
    if d.len() != 12 || d[0] < 2 {
        return false;
    }
    let palindrome = d.iter().eq(d.iter().rev());
    !palindrome && verhoeff_digits(d)
}

/// Indian Permanent Account Number: AAAPA9999A, the 4th letter naming the holder type.
pub fn in_pan(s: &str) -> bool {
    let b = s.trim().as_bytes();
    b.len() == 10
        && b[..5].iter().all(u8::is_ascii_uppercase)
        && b"ABCFGHJLPTK".contains(&b[3])
        && b[5..9].iter().all(u8::is_ascii_digit)
        && b[9].is_ascii_uppercase()
        && !all_same(&b[5..9])
}

/// Australian Tax File Number: 9 digits (weights 1,4,3,7,5,8,6,9,10) or the older 8 digits
/// (weights 10,7,8,4,6,3,5,1), weighted sum divisible by 11.
pub fn au_tfn(s: &str) -> bool {
    let Some(d) = digits(s) else { return false };
    let d = d.as_slice();
    if all_same(d) {
        return false;
    }
    match d.len() {
        9 => weighted(d, &[1, 4, 3, 7, 5, 8, 6, 9, 10]).is_multiple_of(11),
        8 => weighted(d, &[10, 7, 8, 4, 6, 3, 5, 1]).is_multiple_of(11),
        _ => false,
    }
}

/// Australian Medicare card number: 10 digits (or 11 with the individual reference number),
/// first digit 2–6, 9th digit = weighted sum of the first 8 (1,3,7,9,...) mod 10, issue
/// number not 0.
pub fn au_medicare(s: &str) -> bool {
    let Some(d) = digits(s) else { return false };
    let d = d.as_slice();
    if !(10..=11).contains(&d.len()) || !(2..=6).contains(&d[0]) || d[9] == 0 {
        return false;
    }
    weighted(&d[..8], &[1, 3, 7, 9, 1, 3, 7, 9]) % 10 == u32::from(d[8])
}

const DNI_LETTERS: &[u8; 23] = b"TRWAGMYFPDXBNJZSQVHLCKE";

/// Spanish DNI (8 digits + letter) or NIE (X/Y/Z + 7 digits + letter): the letter is
/// `TRWAGMYFPDXBNJZSQVHLCKE[n mod 23]`, with X/Y/Z read as 0/1/2.
pub fn es_dni(s: &str) -> bool {
    let Some(a) = alnum_upper(s) else {
        return false;
    };
    let a = a.as_bytes();
    if a.len() != 9 {
        return false;
    }
    let lead = match a[0] {
        b'X' => 0,
        b'Y' => 1,
        b'Z' => 2,
        c if c.is_ascii_digit() => u64::from(c - b'0'),
        _ => return false,
    };
    if !a[1..8].iter().all(u8::is_ascii_digit) {
        return false;
    }
    let rest = a[1..8]
        .iter()
        .fold(0u64, |acc, c| acc * 10 + u64::from(c - b'0'));
    let n = lead * 10_000_000 + rest;
    if n == 0 {
        return false;
    }
    DNI_LETTERS[(n % 23) as usize] == a[8]
}

const CF_ODD: [u32; 26] = [
    1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23,
];

/// Italian codice fiscale: 16 characters (surname, name, birth date with month letter, place,
/// check letter); the check letter is the odd/even-position table sum mod 26. Digits in the
/// date/place may be replaced by the "omocodia" letters L M N P Q R S T U V.
pub fn it_codice_fiscale(s: &str) -> bool {
    let Some(a) = alnum_upper(s) else {
        return false;
    };
    let a = a.as_bytes();
    if a.len() != 16 {
        return false;
    }
    let digitish = |c: u8| c.is_ascii_digit() || b"LMNPQRSTUV".contains(&c);
    let shape = a[..6].iter().all(u8::is_ascii_uppercase)
        && digitish(a[6])
        && digitish(a[7])
        && b"ABCDEHLMPRST".contains(&a[8])
        && digitish(a[9])
        && digitish(a[10])
        && a[11].is_ascii_uppercase()
        && a[12..15].iter().all(|&c| digitish(c))
        && a[15].is_ascii_uppercase();
    if !shape {
        return false;
    }
    let mut sum = 0u32;
    for (i, &c) in a[..15].iter().enumerate() {
        let v = if c.is_ascii_digit() {
            usize::from(c - b'0')
        } else {
            usize::from(c - b'A')
        };
        // Positions are 1-based in the specification: index 0 is "odd".
        sum += if i % 2 == 0 { CF_ODD[v] } else { v as u32 };
    }
    u32::from(a[15] - b'A') == sum % 26
}

/// French social security number (NIR): sex digit, year, month, department (2A/2B for
/// Corsica), commune, order, and a 2-digit key = 97 − (number mod 97).
///
/// A 15-digit American Express number (34/37 and a valid Luhn digit) passes the key one time in
/// 97; NIRs starting with 3 are rare and cards are common, so such a number is a card.
pub fn fr_nir(s: &str) -> bool {
    let Some(a) = alnum_upper(s) else {
        return false;
    };
    let a = a.as_bytes();
    if a.len() != 15 || !matches!(a[0], b'1' | b'2' | b'3' | b'4' | b'7' | b'8') {
        return false;
    }
    let amex = matches!(&a[..2], b"34" | b"37")
        && a.iter().all(u8::is_ascii_digit)
        && luhn_digits(&a.iter().map(|b| b - b'0').collect::<Vec<u8>>());
    if amex {
        return false;
    }
    let mut body = [0u8; 13];
    body.copy_from_slice(&a[..13]);
    let mut corsica = 0u64;
    if body[5] == b'2' && (body[6] == b'A' || body[6] == b'B') {
        corsica = if body[6] == b'A' {
            1_000_000
        } else {
            2_000_000
        };
        body[6] = b'0';
    }
    if !body.iter().all(u8::is_ascii_digit) || !a[13..].iter().all(u8::is_ascii_digit) {
        return false;
    }
    let month = u32::from(body[3] - b'0') * 10 + u32::from(body[4] - b'0');
    if !((1..=12).contains(&month) || (20..=42).contains(&month) || (50..=99).contains(&month)) {
        return false;
    }
    let n = body
        .iter()
        .fold(0u64, |acc, c| acc * 10 + u64::from(c - b'0'));
    let n = n.saturating_sub(corsica);
    let key = u64::from(a[13] - b'0') * 10 + u64::from(a[14] - b'0');
    97 - n % 97 == key
}

/// German tax identification number (Steuer-ID): 11 digits, first not 0; within the first 10
/// one digit occurs two or three times and the others at most once; ISO 7064 MOD 11,10 check.
pub fn de_steuer_id(s: &str) -> bool {
    let Some(d) = digits(s) else { return false };
    let d = d.as_slice();
    if d.len() != 11 || d[0] == 0 {
        return false;
    }
    let mut counts = [0u8; 10];
    for &x in &d[..10] {
        counts[usize::from(x)] += 1;
    }
    let multi: Vec<u8> = counts.iter().copied().filter(|&c| c > 1).collect();
    if multi.len() != 1 || multi[0] > 3 {
        return false;
    }
    iso7064_mod11_10(d)
}

/// Dutch citizen service number (BSN): 9 digits (8 are zero-padded), "11-test" with the last
/// weight −1.
pub fn nl_bsn(s: &str) -> bool {
    let Some(d) = digits(s) else { return false };
    let d = d.as_slice();
    let mut buf = [0u8; 9];
    match d.len() {
        9 => buf.copy_from_slice(d),
        8 => buf[1..].copy_from_slice(d),
        _ => return false,
    }
    if all_same(&buf) {
        return false;
    }
    let s = weighted(&buf[..8], &[9, 8, 7, 6, 5, 4, 3, 2]) as i64 - i64::from(buf[8]);
    s > 0 && s % 11 == 0
}

/// Brazilian CPF: 11 digits, two mod-11 check digits, not a repeated digit.
pub fn br_cpf(s: &str) -> bool {
    let Some(d) = digits(s) else { return false };
    let d = d.as_slice();
    if d.len() != 11 || all_same(d) {
        return false;
    }
    let c1 = (weighted(&d[..9], &[10, 9, 8, 7, 6, 5, 4, 3, 2]) * 10 % 11) % 10;
    let c2 = (weighted(&d[..10], &[11, 10, 9, 8, 7, 6, 5, 4, 3, 2]) * 10 % 11) % 10;
    c1 == u32::from(d[9]) && c2 == u32::from(d[10])
}

/// Brazilian CNPJ: 14 digits, two mod-11 check digits, not a repeated digit.
pub fn br_cnpj(s: &str) -> bool {
    let Some(d) = digits(s) else { return false };
    let d = d.as_slice();
    if d.len() != 14 || all_same(d) {
        return false;
    }
    let check = |r: u32| if r < 2 { 0 } else { 11 - r };
    let c1 = check(weighted(&d[..12], &[5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]) % 11);
    let c2 = check(weighted(&d[..13], &[6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]) % 11);
    c1 == u32::from(d[12]) && c2 == u32::from(d[13])
}

const CURP_ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMN&OPQRSTUVWXYZ";
const MX_STATES: &[&[u8; 2]] = &[
    b"AS", b"BC", b"BS", b"CC", b"CL", b"CM", b"CS", b"CH", b"DF", b"DG", b"GT", b"GR", b"HG",
    b"JC", b"MC", b"MN", b"MS", b"NT", b"NL", b"OC", b"PL", b"QT", b"QR", b"SP", b"SL", b"SR",
    b"TC", b"TS", b"TL", b"VZ", b"YN", b"ZS", b"NE",
];

/// Mexican CURP: 4 letters, birth date YYMMDD, sex H/M/X, state code, 3 consonants, a
/// homoclave character and a check digit (weighted sum over the alphabet, mod 10).
pub fn mx_curp(s: &str) -> bool {
    let Some(a) = alnum_upper(s) else {
        return false;
    };
    let a = a.as_bytes();
    if a.len() != 18 {
        return false;
    }
    let shape = a[..4].iter().all(u8::is_ascii_uppercase)
        && a[4..10].iter().all(u8::is_ascii_digit)
        && matches!(a[10], b'H' | b'M' | b'X')
        && MX_STATES.iter().any(|st| st[..] == a[11..13])
        && a[13..16].iter().all(u8::is_ascii_uppercase)
        && a[16].is_ascii_alphanumeric()
        && a[17].is_ascii_digit();
    if !shape {
        return false;
    }
    let month = u32::from(a[6] - b'0') * 10 + u32::from(a[7] - b'0');
    let day = u32::from(a[8] - b'0') * 10 + u32::from(a[9] - b'0');
    if !valid_date(2000, month, day) {
        return false;
    }
    let mut sum = 0u32;
    for (i, c) in a[..17].iter().enumerate() {
        let Some(v) = CURP_ALPHABET.iter().position(|x| x == c) else {
            return false;
        };
        sum += v as u32 * (18 - i as u32);
    }
    (10 - sum % 10) % 10 == u32::from(a[17] - b'0')
}

/// Chinese resident identity card number: 17 digits (region, birth date YYYYMMDD, order) and
/// an ISO 7064 MOD 11-2 check character (digit or X).
pub fn cn_resident_id(s: &str) -> bool {
    let Some(a) = alnum_upper(s) else {
        return false;
    };
    let a = a.as_bytes();
    if a.len() != 18 || !a[..17].iter().all(u8::is_ascii_digit) {
        return false;
    }
    if a[0] == b'0' || a[0] == b'9' {
        return false;
    }
    let d: Vec<u8> = a[..17].iter().map(|c| c - b'0').collect();
    let year = number(&d[6..10]) as u32;
    let month = number(&d[10..12]) as u32;
    let day = number(&d[12..14]) as u32;
    if !valid_date(year, month, day) || year < 1900 {
        return false;
    }
    let w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let r = weighted(&d, &w) % 11;
    b"10X98765432"[r as usize] == a[17]
}

/// Singapore NRIC/FIN: S/T/F/G (or M) + 7 digits + check letter (weights 2,7,6,5,4,3,2).
pub fn sg_nric(s: &str) -> bool {
    let Some(a) = alnum_upper(s) else {
        return false;
    };
    let a = a.as_bytes();
    if a.len() != 9 || !a[1..8].iter().all(u8::is_ascii_digit) {
        return false;
    }
    let d: Vec<u8> = a[1..8].iter().map(|c| c - b'0').collect();
    let mut sum = weighted(&d, &[2, 7, 6, 5, 4, 3, 2]);
    let table: &[u8; 11] = match a[0] {
        b'S' => b"JZIHGFEDCBA",
        b'T' => {
            sum += 4;
            b"JZIHGFEDCBA"
        }
        b'F' => b"XWUTRQPNMLK",
        b'G' => {
            sum += 4;
            b"XWUTRQPNMLK"
        }
        b'M' => {
            sum += 3;
            b"XWUTRQPNJLK"
        }
        _ => return false,
    };
    let idx = if a[0] == b'M' {
        10 - (sum % 11) as usize
    } else {
        (sum % 11) as usize
    };
    table[idx] == a[8]
}

/// South Korean resident registration number: YYMMDD, a sex/century digit, 5 digits and a
/// check digit (weights 2..9,2..5; (11 − sum mod 11) mod 10). Numbers issued from Oct 2020
/// carry no checksum; these are accepted only through the date and century rules when the
/// check digit also happens to hold, which keeps look-alikes out.
pub fn kr_rrn(s: &str) -> bool {
    let Some(d) = digits(s) else { return false };
    let d = d.as_slice();
    if d.len() != 13 {
        return false;
    }
    let century = match d[6] {
        1 | 2 | 5 | 6 => 1900,
        3 | 4 | 7 | 8 => 2000,
        9 | 0 => 1800,
        _ => return false,
    };
    let year = century + number(&d[..2]) as u32;
    if !valid_date(year, number(&d[2..4]) as u32, number(&d[4..6]) as u32) {
        return false;
    }
    let c = (11 - weighted(&d[..12], &[2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5]) % 11) % 10;
    c == u32::from(d[12])
}

/// Vehicle identification number (ISO 3779, North-American check digit in position 9):
/// 17 characters without I, O, Q, at least one letter and three digits.
pub fn vin(s: &str) -> bool {
    let Some(a) = alnum_upper(s) else {
        return false;
    };
    let a = a.as_bytes();
    if a.len() != 17 || a.iter().any(|c| matches!(c, b'I' | b'O' | b'Q')) {
        return false;
    }
    let letters = a.iter().filter(|c| c.is_ascii_uppercase()).count();
    if letters == 0 || 17 - letters < 3 {
        return false;
    }
    let value = |c: u8| -> u32 {
        match c {
            b'0'..=b'9' => u32::from(c - b'0'),
            b'A'..=b'H' => u32::from(c - b'A') + 1,
            b'J'..=b'N' => u32::from(c - b'J') + 1,
            b'P' => 7,
            b'R'..=b'Z' => u32::from(c - b'R') + 9,
            _ => 0,
        }
    };
    let w = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2];
    let sum: u32 = a.iter().zip(w).map(|(&c, w)| value(c) * w).sum();
    let r = sum % 11;
    let expect = if r == 10 { b'X' } else { b'0' + r as u8 };
    a[8] == expect
}

/// A medical record number shape: 6–12 alphanumerics with at least 5 digits (context-gated).
pub fn medical_record(s: &str) -> bool {
    let Some(a) = alnum_upper(s) else {
        return false;
    };
    let a = a.as_bytes();
    let nd = a.iter().filter(|c| c.is_ascii_digit()).count();
    (6..=12).contains(&a.len()) && nd >= 5 && !all_same(a)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(f: fn(&str) -> bool, ok: &[&str], bad: &[&str]) {
        for v in ok {
            assert!(f(v), "should accept {v}");
        }
        for v in bad {
            assert!(!f(v), "should reject {v}");
        }
        // Never panics on odd input.
        for v in ["", " ", "é", "ééééééééééééééééé", "-", &"9".repeat(200)] {
            let _ = f(v);
        }
    }

    #[test]
    fn ssn() {
        check(
            us_ssn,
            &["123-45-6789", "460-89-9847", "853-37-1694", "001 01 0001"],
            &[
                "000-12-3456",
                "666-12-3456",
                "900-12-3456",
                "123-00-4567",
                "123-45-0000",
                "078-05-1120",
                "111-11-1111",
                "1234-56-78",
            ],
        );
    }

    #[test]
    fn itin() {
        check(
            us_itin,
            &["912-70-1234", "900-94-0000"],
            &["912-69-1234", "812-70-1234", "912-93-1234"],
        );
    }

    #[test]
    fn passport_and_dl() {
        check(
            us_passport,
            &["A12345678", "340020013"],
            &["111111111", "AB1234567", "12345678"],
        );
        check(
            us_driver_license,
            &["F162823540116", "6940579", "D1234567"],
            &["1111111", "ABCDEFG", "123"],
        );
    }

    #[test]
    fn nhs() {
        check(
            uk_nhs,
            &["943 476 5919", "9434765870"],
            &["943 476 5918", "0000000000", "123456789"],
        );
    }

    #[test]
    fn nino() {
        check(
            uk_nino,
            &["AB 12 34 56 C", "JG103759A"],
            &[
                "QQ123456C",
                "GB123456A",
                "AB123456E",
                "DA123456A",
                "AO123456A",
            ],
        );
    }

    #[test]
    fn sin() {
        check(
            ca_sin,
            &["130 692 544", "130-692-544"],
            &["130 692 545", "046 454 286", "130692", "830 692 544"],
        );
    }

    #[test]
    fn aadhaar() {
        check(
            in_aadhaar,
            &["2345 6789 0124", "234123412346"],
            &["2345 6789 0123", "0345 6789 0124", "12345678901"],
        );
    }

    #[test]
    fn pan() {
        check(
            in_pan,
            &["ABCPE1234F", "AAACR5055K"],
            &["ABCXE1234F", "abcpe1234f", "ABCP1234F"],
        );
    }

    #[test]
    fn tfn_medicare() {
        check(
            au_tfn,
            &["123 456 782", "876 543 210"],
            &["123 456 789", "111111111"],
        );
        check(
            au_medicare,
            &["2123 45670 1", "2123456701"],
            &["2123 45671 1", "7123456701", "2123456700"],
        );
    }

    #[test]
    fn dni() {
        check(
            es_dni,
            &["12345678Z", "X1234567L", "Y1234567X", "00000023T"],
            &["12345678A", "X1234567A", "W1234567L"],
        );
    }

    #[test]
    fn codice_fiscale() {
        check(
            it_codice_fiscale,
            &["RSSMRA85T10A562S", "MRTMTT91D08F205J"],
            &["RSSMRA85T10A562T", "RSSMRA85Z10A562S", "RSSMRA85T10A56"],
        );
    }

    #[test]
    fn nir() {
        check(
            fr_nir,
            &["2 55 08 14 168 025 38", "1 85 05 78 006 084 91"],
            // The last: an AmEx number whose digits also pass the NIR key.
            &[
                "2 55 08 14 168 025 39",
                "5 55 08 14 168 025 38",
                "346412338913585",
            ],
        );
    }

    #[test]
    fn steuer_id() {
        check(
            de_steuer_id,
            &["86095742719", "47036892816"],
            &["86095742718", "01234567890", "12345678903"],
        );
    }

    #[test]
    fn bsn() {
        check(
            nl_bsn,
            &["111222333", "123456782"],
            &["111222334", "000000000", "12345678"],
        );
    }

    #[test]
    fn cpf_cnpj() {
        check(
            br_cpf,
            &["390.533.447-05", "11144477735"],
            &["390.533.447-06", "111.111.111-11"],
        );
        check(
            br_cnpj,
            &["11.222.333/0001-81", "11444777000161"],
            &["11.222.333/0001-82", "00000000000000"],
        );
    }

    #[test]
    fn curp() {
        check(
            mx_curp,
            &["HEGG560427MVZRRL04"],
            &[
                "HEGG560427MVZRRL05",
                "HEGG561327MVZRRL04",
                "HEGG560427MZZRRL04",
            ],
        );
    }

    #[test]
    fn cn_id() {
        check(
            cn_resident_id,
            &["11010519491231002X", "11010519491231002X"],
            &["110105194912310021", "110105194913310023"],
        );
    }

    #[test]
    fn nric() {
        check(
            sg_nric,
            &["S1234567D", "T1234567J", "F1234567N", "G1234567X"],
            &["S1234567A", "A1234567D", "S123456D"],
        );
    }

    #[test]
    fn rrn() {
        check(
            kr_rrn,
            &["880101-1234568"],
            &["880101-1234567", "881301-1234568"],
        );
    }

    #[test]
    fn vins() {
        check(
            vin,
            &[
                "1M8GDM9AXKP042788",
                "11111111111111111"
                    .trim_end_matches('1')
                    .to_owned()
                    .as_str(),
                "1HGCM82633A004352",
            ]
            .iter()
            .filter(|v| v.len() == 17)
            .copied()
            .collect::<Vec<_>>(),
            &[
                "1M8GDM9A1KP042788",
                "1M8GDM9AXKP04278",
                "1M8GDM9AXKP04278O",
                "12345678901234567",
            ],
        );
    }
}
