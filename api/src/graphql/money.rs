//! The `Money` output type.

use async_graphql::SimpleObject;
use rust_decimal::Decimal;

use crate::money::Currency;

/// An amount of money in a currency. Never a float: `amount` is a decimal string.
#[derive(SimpleObject, Clone, Debug)]
pub struct Money {
    /// Decimal amount in major units, e.g. `"39.90"`.
    pub amount: Decimal,
    /// ISO 4217 currency code.
    pub currency_code: String,
}

impl Money {
    pub fn from_minor(minor: i64, currency: Currency) -> Self {
        Self {
            amount: currency.to_decimal(minor),
            currency_code: currency.code().to_owned(),
        }
    }
}
