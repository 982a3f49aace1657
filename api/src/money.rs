//! Money: integer minor units in the database, decimal strings at the API boundary.

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crate::error::{UserError, UserErrorCode};

/// Currencies shops may use, with the number of digits of their minor unit (ISO 4217).
const CURRENCIES: &[(&str, u32)] = &[
    ("CNY", 2),
    ("HKD", 2),
    ("TWD", 2),
    ("USD", 2),
    ("EUR", 2),
    ("GBP", 2),
    ("JPY", 0),
    ("KRW", 0),
    ("SGD", 2),
    ("MYR", 2),
    ("THB", 2),
    ("AUD", 2),
    ("CAD", 2),
];

/// The largest amount accepted: ten billion major units.
const MAX_MAJOR_UNITS: i64 = 10_000_000_000;

/// A supported currency.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Currency {
    code: &'static str,
    exponent: u32,
}

impl Currency {
    /// The currency with ISO code `code` (case-insensitive), if supported.
    pub fn parse(field: &str, code: &str) -> Result<Self, UserError> {
        let code = code.trim().to_uppercase();
        CURRENCIES
            .iter()
            .find(|(c, _)| *c == code)
            .map(|(code, exponent)| Self {
                code,
                exponent: *exponent,
            })
            .ok_or_else(|| {
                let supported: Vec<&str> = CURRENCIES.iter().map(|(c, _)| *c).collect();
                UserError::new(
                    field,
                    UserErrorCode::Invalid,
                    format!("Currency must be one of {}", supported.join(", ")),
                )
            })
    }

    /// The currency of a stored code; stored codes were validated on the way in.
    pub fn stored(code: &str) -> Self {
        Self::parse("currencyCode", code).unwrap_or(Self {
            code: "CNY",
            exponent: 2,
        })
    }

    pub fn code(self) -> &'static str {
        self.code
    }

    /// Parses a non-negative decimal amount such as `"39.90"` into minor units.
    pub fn parse_amount(self, field: &str, text: &str) -> Result<i64, UserError> {
        let invalid = || {
            UserError::new(
                field,
                UserErrorCode::Invalid,
                format!("{field} must be a decimal number such as \"39.90\""),
            )
        };
        let text = text.trim();
        // Plain decimals only: the parser would also take exponents ("1e3") and separators.
        let unsigned = text.strip_prefix('-').unwrap_or(text);
        let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, "0"));
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(whole) || !digits(fraction) {
            return Err(invalid());
        }
        let amount: Decimal = text.parse().map_err(|_| invalid())?;
        if amount.is_sign_negative() {
            return Err(UserError::new(
                field,
                UserErrorCode::OutOfRange,
                format!("{field} must not be negative"),
            ));
        }
        if amount.normalize().scale() > self.exponent {
            return Err(UserError::new(
                field,
                UserErrorCode::Invalid,
                format!(
                    "{field} has more than {} decimal places for {}",
                    self.exponent, self.code
                ),
            ));
        }
        if amount > Decimal::from(MAX_MAJOR_UNITS) {
            return Err(UserError::new(
                field,
                UserErrorCode::OutOfRange,
                format!("{field} is too large"),
            ));
        }
        (amount * Decimal::from(10i64.pow(self.exponent)))
            .to_i64()
            .ok_or_else(|| {
                UserError::new(
                    field,
                    UserErrorCode::OutOfRange,
                    format!("{field} is too large"),
                )
            })
    }

    /// The decimal value of `minor` units, with the currency's number of decimals.
    pub fn to_decimal(self, minor: i64) -> Decimal {
        Decimal::new(minor, self.exponent)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cny() -> Currency {
        Currency::parse("c", "cny").expect("CNY")
    }

    #[test]
    fn amounts_become_minor_units_and_back() {
        assert_eq!(cny().parse_amount("price", "39.90").ok(), Some(3990));
        assert_eq!(cny().parse_amount("price", "39").ok(), Some(3900));
        assert_eq!(cny().parse_amount("price", "0").ok(), Some(0));
        assert_eq!(cny().to_decimal(3990).to_string(), "39.90");
        let jpy = Currency::parse("c", "JPY").expect("JPY");
        assert_eq!(jpy.parse_amount("price", "1200").ok(), Some(1200));
        assert!(jpy.parse_amount("price", "12.5").is_err());
    }

    #[test]
    fn bad_amounts_are_refused() {
        for bad in ["-1", "abc", "1.234", "", "1e3", "99999999999"] {
            assert!(cny().parse_amount("price", bad).is_err(), "{bad}");
        }
        assert!(Currency::parse("c", "XXX").is_err());
    }
}
