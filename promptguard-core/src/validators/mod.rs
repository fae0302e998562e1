//! Checksum and shape validators that rules name with `validator = "..."`.
//!
//! A validator gets the matched text (or its `value` capture group) and says whether it is a
//! real identifier rather than a look-alike. Validators are pure functions: no allocation on
//! the common path, no panics on any input, separators (spaces, dashes, dots) ignored where an
//! identifier is commonly written with them.
//!
//! Submodules: [`checksums`] (shared algorithms: Luhn, Verhoeff, ISO 7064, mod 97), `finance`
//! (cards, IBAN, BIC, ABA, EU VAT), `ids` (national identifiers), `net` (e-mail, phone, IP,
//! MAC, dates), `wallets` (BTC, ETH) and `entropy` (secret scoring, JWT).

pub(crate) mod checksums;
pub mod entropy;
pub mod finance;
pub mod ids;
pub mod net;
pub mod wallets;

/// A validator: true when the candidate is a structurally valid identifier.
pub type Validator = fn(&str) -> bool;

/// Every registered validator name, for documentation and for the rule compiler's error
/// message on an unknown name.
#[cfg_attr(not(test), allow(dead_code))]
pub const NAMES: &[&str] = &[
    "luhn",
    "credit_card",
    "iban",
    "swift_bic",
    "aba_routing",
    "us_bank_account",
    "eu_vat",
    "us_ssn",
    "us_itin",
    "us_passport",
    "us_driver_license",
    "uk_nhs",
    "uk_nino",
    "ca_sin",
    "in_aadhaar",
    "in_pan",
    "au_tfn",
    "au_medicare",
    "es_dni",
    "it_codice_fiscale",
    "fr_nir",
    "de_steuer_id",
    "nl_bsn",
    "br_cpf",
    "br_cnpj",
    "mx_curp",
    "cn_resident_id",
    "sg_nric",
    "kr_rrn",
    "vin",
    "medical_record",
    "email",
    "phone",
    "ipv4",
    "ipv6",
    "mac_address",
    "date",
    "btc_address",
    "eth_address",
    "secret_value",
    "password_value",
    "high_entropy",
    "aws_secret_key",
    "jwt",
    "not_placeholder",
];

/// The validator registered under `name`, if any.
pub fn lookup(name: &str) -> Option<Validator> {
    let v: Validator = match name {
        "luhn" => luhn,
        "credit_card" => finance::credit_card,
        "iban" => finance::iban,
        "swift_bic" => finance::swift_bic,
        "aba_routing" => finance::aba_routing,
        "us_bank_account" => finance::us_bank_account,
        "eu_vat" => finance::eu_vat,
        "us_ssn" => ids::us_ssn,
        "us_itin" => ids::us_itin,
        "us_passport" => ids::us_passport,
        "us_driver_license" => ids::us_driver_license,
        "uk_nhs" => ids::uk_nhs,
        "uk_nino" => ids::uk_nino,
        "ca_sin" => ids::ca_sin,
        "in_aadhaar" => ids::in_aadhaar,
        "in_pan" => ids::in_pan,
        "au_tfn" => ids::au_tfn,
        "au_medicare" => ids::au_medicare,
        "es_dni" => ids::es_dni,
        "it_codice_fiscale" => ids::it_codice_fiscale,
        "fr_nir" => ids::fr_nir,
        "de_steuer_id" => ids::de_steuer_id,
        "nl_bsn" => ids::nl_bsn,
        "br_cpf" => ids::br_cpf,
        "br_cnpj" => ids::br_cnpj,
        "mx_curp" => ids::mx_curp,
        "cn_resident_id" => ids::cn_resident_id,
        "sg_nric" => ids::sg_nric,
        "kr_rrn" => ids::kr_rrn,
        "vin" => ids::vin,
        "medical_record" => ids::medical_record,
        "email" => net::email,
        "phone" => net::phone,
        "ipv4" => net::ipv4,
        "ipv6" => net::ipv6,
        "mac_address" => net::mac_address,
        "date" => net::date,
        "btc_address" => wallets::btc_address,
        "eth_address" => wallets::eth_address,
        "secret_value" => entropy::secret_value,
        "password_value" => entropy::password_value,
        "high_entropy" => entropy::high_entropy,
        "aws_secret_key" => entropy::aws_secret_key,
        "jwt" => entropy::jwt,
        "not_placeholder" => entropy::not_placeholder,
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
    n >= 2 && sum.is_multiple_of(10)
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

    #[test]
    fn every_name_is_registered_and_total() {
        let odd = [
            "",
            " ",
            "-",
            "é",
            "\u{0}",
            "00000000000000000000",
            "ééééééééééééééééééééééééééé",
            "+",
            "0x",
            "bc1",
            "eyJ.eyJ.",
            "::",
            "1.2.3.4.5",
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        ];
        let long = "9".repeat(10_000);
        for name in NAMES {
            let f = lookup(name).unwrap_or_else(|| panic!("{name} not registered"));
            for s in odd.iter().copied().chain(std::iter::once(long.as_str())) {
                let _ = f(s);
            }
        }
    }
}
