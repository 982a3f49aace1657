//! Promotion mechanics (满减, coupons, flash sales, presale deposits …): their typed form, how they
//! are stored, and the rules that make a set of them valid for a campaign.
//!
//! Amounts are minor units of the campaign's currency. Inputs arrive flat (a kind plus the
//! fields of every kind) so that any GraphQL client can send them, and are the GraphQL input
//! types themselves; parsing keeps only the fields of the kind and refuses the others, so an
//! invalid combination never reaches the database.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{UserError, UserErrorCode};
use crate::money::Currency;
use crate::validate;

/// Most mechanics one campaign carries.
pub const MAX_MECHANICS: usize = 20;
/// Most tiers of one threshold discount.
pub const MAX_TIERS: usize = 5;
/// Largest quantity of a flash sale, coupon or gift.
const MAX_QUANTITY: i64 = 10_000_000;

/// The kinds of mechanics.
#[derive(async_graphql::Enum, strum::IntoStaticStr, Clone, Copy, Debug, PartialEq, Eq)]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
pub enum MechanicKind {
    /// 满减: spend a threshold, get an amount off; up to five tiers.
    ThresholdDiscount,
    /// A percentage off the price (e.g. 20 for 8折).
    PercentOff,
    /// A limited quantity at a flash price inside a time window.
    FlashSale,
    /// A coupon of a value, usable above a minimum spend, in a limited quantity.
    Coupon,
    /// A gift with a purchase, optionally above a minimum spend.
    GiftWithPurchase,
    /// A bundle of several units at one price.
    Bundle,
    /// Presale: a deposit during warm-up, the balance paid in a window once the sale starts.
    PresaleDeposit,
}

/// One tier of a threshold discount: spend `spend`, get `off` off.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tier {
    pub spend: i64,
    pub off: i64,
}

/// A validated mechanic, as stored in `campaigns.mechanics`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(tag = "kind", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Mechanic {
    ThresholdDiscount {
        tiers: Vec<Tier>,
    },
    PercentOff {
        percent_off: f64,
    },
    FlashSale {
        starts_at: DateTime<Utc>,
        ends_at: DateTime<Utc>,
        price: i64,
        quantity: i64,
    },
    Coupon {
        value: i64,
        min_spend: i64,
        quantity: i64,
    },
    GiftWithPurchase {
        gift: String,
        min_spend: Option<i64>,
        quantity: Option<i64>,
    },
    Bundle {
        units: i64,
        price: i64,
    },
    PresaleDeposit {
        deposit: i64,
        balance: i64,
        balance_starts_at: DateTime<Utc>,
        balance_ends_at: DateTime<Utc>,
    },
}

/// One tier of a threshold discount: decimal strings in the campaign's currency.
#[derive(async_graphql::InputObject, Clone, Debug)]
#[graphql(name = "ThresholdTierInput")]
pub struct TierInput {
    /// The spend that unlocks the tier, e.g. "300".
    pub spend: String,
    /// The amount off, below `spend`, e.g. "50".
    pub off: String,
}

/// A promotion mechanic: its kind plus the fields of that kind (other fields must be left out).
/// Amounts are decimal strings in the campaign's currency.
#[derive(async_graphql::InputObject, Clone, Debug)]
#[graphql(name = "PromotionMechanicInput")]
pub struct MechanicInput {
    /// Which mechanic.
    pub kind: MechanicKind,
    /// THRESHOLD_DISCOUNT: 1–5 tiers, each threshold and discount above the one before.
    pub tiers: Option<Vec<TierInput>>,
    /// PERCENT_OFF: percent taken off, above 0 and below 100.
    pub percent_off: Option<f64>,
    /// FLASH_SALE: when it opens, inside the sale.
    pub starts_at: Option<DateTime<Utc>>,
    /// FLASH_SALE: when it closes, inside the sale.
    pub ends_at: Option<DateTime<Utc>>,
    /// FLASH_SALE, BUNDLE: the price.
    pub price: Option<String>,
    /// FLASH_SALE, COUPON (required), GIFT_WITH_PURCHASE (optional): how many.
    pub quantity: Option<i64>,
    /// COUPON: the value, below `minSpend` when that is set.
    pub value: Option<String>,
    /// COUPON, GIFT_WITH_PURCHASE: the spend needed (optional).
    pub min_spend: Option<String>,
    /// GIFT_WITH_PURCHASE: the gift, up to 200 characters.
    pub gift: Option<String>,
    /// BUNDLE: units in the bundle, at least 2.
    pub units: Option<i64>,
    /// PRESALE_DEPOSIT: the deposit paid during warm-up.
    pub deposit: Option<String>,
    /// PRESALE_DEPOSIT: the balance.
    pub balance: Option<String>,
    /// PRESALE_DEPOSIT: when the balance can be paid from, inside the sale.
    pub balance_starts_at: Option<DateTime<Utc>>,
    /// PRESALE_DEPOSIT: when the balance must be paid by, inside the sale.
    pub balance_ends_at: Option<DateTime<Utc>>,
}

/// The campaign dates mechanics are checked against.
#[derive(Clone, Copy, Debug)]
pub struct Window {
    pub warmup_starts_at: Option<DateTime<Utc>>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

/// Parses every mechanic, collecting every problem; field paths start at `mechanics`.
pub fn parse_all(
    inputs: Vec<MechanicInput>,
    currency: Currency,
    window: Window,
) -> Result<Vec<Mechanic>, Vec<UserError>> {
    if inputs.len() > MAX_MECHANICS {
        return Err(vec![UserError::new(
            "mechanics",
            UserErrorCode::OutOfRange,
            format!("A campaign has at most {MAX_MECHANICS} mechanics"),
        )]);
    }
    let mut problems = Vec::new();
    let mut mechanics = Vec::with_capacity(inputs.len());
    for (index, input) in inputs.into_iter().enumerate() {
        let mut fields = Fields {
            index,
            currency,
            problems: Vec::new(),
        };
        let parsed = fields.mechanic(input, window);
        problems.extend(fields.problems);
        mechanics.extend(parsed);
    }
    problems.extend(check_combination(&mechanics, window));
    if problems.is_empty() {
        Ok(mechanics)
    } else {
        Err(problems)
    }
}

/// Checks mechanics already stored against new campaign dates.
pub fn recheck(mechanics: &[Mechanic], currency: Currency, window: Window) -> Vec<UserError> {
    let mut problems = check_combination(mechanics, window);
    for (index, mechanic) in mechanics.iter().enumerate() {
        let mut fields = Fields {
            index,
            currency,
            problems: Vec::new(),
        };
        fields.check_dates(mechanic, window);
        problems.extend(fields.problems);
    }
    problems
}

/// Rules across mechanics: one percentage and one presale at most; a presale needs a warm-up.
fn check_combination(mechanics: &[Mechanic], window: Window) -> Vec<UserError> {
    let mut problems = Vec::new();
    let count = |wanted: fn(&Mechanic) -> bool| mechanics.iter().filter(|m| wanted(m)).count();
    if count(|m| matches!(m, Mechanic::PercentOff { .. })) > 1 {
        problems.push(UserError::new(
            "mechanics",
            UserErrorCode::Invalid,
            "A campaign has at most one PERCENT_OFF mechanic",
        ));
    }
    let presales = count(|m| matches!(m, Mechanic::PresaleDeposit { .. }));
    if presales > 1 {
        problems.push(UserError::new(
            "mechanics",
            UserErrorCode::Invalid,
            "A campaign has at most one PRESALE_DEPOSIT mechanic",
        ));
    }
    if presales > 0 && window.warmup_starts_at.is_none() {
        problems.push(UserError::new(
            "mechanics",
            UserErrorCode::Invalid,
            "A PRESALE_DEPOSIT takes deposits during warm-up: set warmupStartsAt",
        ));
    }
    problems
}

/// The fields of one mechanic being parsed, and what is wrong with them.
struct Fields {
    index: usize,
    currency: Currency,
    problems: Vec<UserError>,
}

impl Fields {
    fn problem(&mut self, field: &str, code: UserErrorCode, message: impl Into<String>) {
        self.problems.push(UserError {
            field: Some(vec![
                "mechanics".to_owned(),
                self.index.to_string(),
                field.to_owned(),
            ]),
            message: message.into(),
            code,
        });
    }

    /// Keeps `value` and reports it missing when `None`.
    fn required<T>(&mut self, field: &str, kind: MechanicKind, value: Option<T>) -> Option<T> {
        if value.is_none() {
            self.problem(
                field,
                UserErrorCode::Blank,
                format!("{field} is required for {}", kind_name(kind)),
            );
        }
        value
    }

    /// Reports a field that the mechanic's kind does not use.
    fn unused(&mut self, field: &str, kind: MechanicKind, present: bool) {
        if present {
            self.problem(
                field,
                UserErrorCode::Invalid,
                format!("{field} does not apply to {}", kind_name(kind)),
            );
        }
    }

    /// A positive amount of money.
    fn amount(&mut self, field: &str, text: &str) -> Option<i64> {
        match self.currency.parse_amount(field, text) {
            Ok(0) => {
                self.problem(
                    field,
                    UserErrorCode::OutOfRange,
                    format!("{field} must be above zero"),
                );
                None
            }
            Ok(minor) => Some(minor),
            Err(error) => {
                self.problem(field, error.code, error.message);
                None
            }
        }
    }

    fn quantity(&mut self, field: &str, value: i64, min: i64) -> Option<i64> {
        match validate::in_range(field, value, min..=MAX_QUANTITY) {
            Ok(value) => Some(value),
            Err(error) => {
                self.problem(field, error.code, error.message);
                None
            }
        }
    }

    fn mechanic(&mut self, input: MechanicInput, window: Window) -> Option<Mechanic> {
        use MechanicKind::*;
        let kind = input.kind;
        let fields: &[&str] = match kind {
            ThresholdDiscount => &["tiers"],
            PercentOff => &["percentOff"],
            FlashSale => &["startsAt", "endsAt", "price", "quantity"],
            Coupon => &["value", "minSpend", "quantity"],
            GiftWithPurchase => &["gift", "minSpend", "quantity"],
            Bundle => &["units", "price"],
            PresaleDeposit => &["deposit", "balance", "balanceStartsAt", "balanceEndsAt"],
        };
        let used = |field: &str| fields.contains(&field);
        let present = [
            ("tiers", input.tiers.is_some()),
            ("percentOff", input.percent_off.is_some()),
            ("startsAt", input.starts_at.is_some()),
            ("endsAt", input.ends_at.is_some()),
            ("price", input.price.is_some()),
            ("quantity", input.quantity.is_some()),
            ("value", input.value.is_some()),
            ("minSpend", input.min_spend.is_some()),
            ("gift", input.gift.is_some()),
            ("units", input.units.is_some()),
            ("deposit", input.deposit.is_some()),
            ("balance", input.balance.is_some()),
            ("balanceStartsAt", input.balance_starts_at.is_some()),
            ("balanceEndsAt", input.balance_ends_at.is_some()),
        ];
        for (field, is_present) in present {
            self.unused(field, kind, is_present && !used(field));
        }
        let before = self.problems.len();
        let mechanic = match kind {
            ThresholdDiscount => self.threshold(input.tiers),
            PercentOff => self.percent_off(input.percent_off),
            FlashSale => {
                let starts_at = self.required("startsAt", kind, input.starts_at);
                let ends_at = self.required("endsAt", kind, input.ends_at);
                let price = self.required("price", kind, input.price);
                let quantity = self.required("quantity", kind, input.quantity);
                let price = price.and_then(|p| self.amount("price", &p));
                let quantity = quantity.and_then(|q| self.quantity("quantity", q, 1));
                match (starts_at, ends_at, price, quantity) {
                    (Some(starts_at), Some(ends_at), Some(price), Some(quantity)) => {
                        Some(Mechanic::FlashSale {
                            starts_at,
                            ends_at,
                            price,
                            quantity,
                        })
                    }
                    _ => None,
                }
            }
            Coupon => {
                let value = self.required("value", kind, input.value);
                let quantity = self.required("quantity", kind, input.quantity);
                let value = value.and_then(|v| self.amount("value", &v));
                let min_spend = match input.min_spend {
                    None => Some(0),
                    Some(text) => match self.currency.parse_amount("minSpend", &text) {
                        Ok(minor) => Some(minor),
                        Err(error) => {
                            self.problem("minSpend", error.code, error.message);
                            None
                        }
                    },
                };
                let quantity = quantity.and_then(|q| self.quantity("quantity", q, 1));
                if let (Some(value), Some(min_spend)) = (value, min_spend)
                    && min_spend > 0
                    && value >= min_spend
                {
                    self.problem(
                        "value",
                        UserErrorCode::Invalid,
                        "A coupon's value must be below its minimum spend",
                    );
                }
                match (value, min_spend, quantity) {
                    (Some(value), Some(min_spend), Some(quantity)) => Some(Mechanic::Coupon {
                        value,
                        min_spend,
                        quantity,
                    }),
                    _ => None,
                }
            }
            GiftWithPurchase => {
                let gift = self.required("gift", kind, input.gift);
                let gift = gift.and_then(|g| match validate::required_text("gift", &g, 200) {
                    Ok(gift) => Some(gift),
                    Err(error) => {
                        self.problem("gift", error.code, error.message);
                        None
                    }
                });
                let min_spend = input.min_spend.map(|t| self.amount("minSpend", &t));
                let quantity = input.quantity.map(|q| self.quantity("quantity", q, 1));
                // A bad minimum spend or quantity was reported above and drops the mechanic.
                gift.map(|gift| Mechanic::GiftWithPurchase {
                    gift,
                    min_spend: min_spend.flatten(),
                    quantity: quantity.flatten(),
                })
            }
            Bundle => {
                let units = self.required("units", kind, input.units);
                let price = self.required("price", kind, input.price);
                let units = units.and_then(|u| self.quantity("units", u, 2));
                let price = price.and_then(|p| self.amount("price", &p));
                match (units, price) {
                    (Some(units), Some(price)) => Some(Mechanic::Bundle { units, price }),
                    _ => None,
                }
            }
            PresaleDeposit => {
                let deposit = self.required("deposit", kind, input.deposit);
                let balance = self.required("balance", kind, input.balance);
                let starts_at = self.required("balanceStartsAt", kind, input.balance_starts_at);
                let ends_at = self.required("balanceEndsAt", kind, input.balance_ends_at);
                let deposit = deposit.and_then(|d| self.amount("deposit", &d));
                let balance = balance.and_then(|b| self.amount("balance", &b));
                match (deposit, balance, starts_at, ends_at) {
                    (
                        Some(deposit),
                        Some(balance),
                        Some(balance_starts_at),
                        Some(balance_ends_at),
                    ) => Some(Mechanic::PresaleDeposit {
                        deposit,
                        balance,
                        balance_starts_at,
                        balance_ends_at,
                    }),
                    _ => None,
                }
            }
        };
        if let Some(mechanic) = &mechanic {
            self.check_dates(mechanic, window);
        }
        (self.problems.len() == before)
            .then_some(mechanic)
            .flatten()
    }

    fn threshold(&mut self, tiers: Option<Vec<TierInput>>) -> Option<Mechanic> {
        let tiers = self.required("tiers", MechanicKind::ThresholdDiscount, tiers)?;
        if tiers.is_empty() || tiers.len() > MAX_TIERS {
            self.problem(
                "tiers",
                UserErrorCode::OutOfRange,
                format!("A threshold discount has 1 to {MAX_TIERS} tiers"),
            );
            return None;
        }
        let parsed: Vec<Option<Tier>> = tiers
            .iter()
            .map(|tier| {
                let spend = self.amount("tiers", &tier.spend);
                let off = self.amount("tiers", &tier.off);
                Some(Tier {
                    spend: spend?,
                    off: off?,
                })
            })
            .collect();
        let tiers: Vec<Tier> = parsed.into_iter().collect::<Option<_>>()?;
        if tiers.iter().any(|t| t.off >= t.spend) {
            self.problem(
                "tiers",
                UserErrorCode::Invalid,
                "Each tier takes off less than its threshold",
            );
        }
        if tiers
            .windows(2)
            .any(|pair| pair[1].spend <= pair[0].spend || pair[1].off <= pair[0].off)
        {
            self.problem(
                "tiers",
                UserErrorCode::Invalid,
                "Tiers go up: each threshold and discount above the one before",
            );
        }
        Some(Mechanic::ThresholdDiscount { tiers })
    }

    fn percent_off(&mut self, percent_off: Option<f64>) -> Option<Mechanic> {
        let percent_off = self.required("percentOff", MechanicKind::PercentOff, percent_off)?;
        if !(percent_off > 0.0 && percent_off < 100.0) {
            self.problem(
                "percentOff",
                UserErrorCode::OutOfRange,
                "percentOff must be above 0 and below 100",
            );
            return None;
        }
        Some(Mechanic::PercentOff { percent_off })
    }

    /// Windows in order and inside the campaign: a flash sale while it is live, a presale's
    /// balance from the start of the sale.
    fn check_dates(&mut self, mechanic: &Mechanic, window: Window) {
        match mechanic {
            Mechanic::FlashSale {
                starts_at, ends_at, ..
            } => {
                if starts_at >= ends_at {
                    self.problem(
                        "endsAt",
                        UserErrorCode::Invalid,
                        "endsAt must be after startsAt",
                    );
                } else if *starts_at < window.starts_at || *ends_at > window.ends_at {
                    self.problem(
                        "startsAt",
                        UserErrorCode::OutOfRange,
                        "A flash sale runs inside the campaign's sale (startsAt to endsAt)",
                    );
                }
            }
            Mechanic::PresaleDeposit {
                balance_starts_at,
                balance_ends_at,
                ..
            } => {
                if balance_starts_at >= balance_ends_at {
                    self.problem(
                        "balanceEndsAt",
                        UserErrorCode::Invalid,
                        "balanceEndsAt must be after balanceStartsAt",
                    );
                } else if *balance_starts_at < window.starts_at || *balance_ends_at > window.ends_at
                {
                    self.problem(
                        "balanceStartsAt",
                        UserErrorCode::OutOfRange,
                        "The balance is paid inside the campaign's sale (startsAt to endsAt)",
                    );
                }
            }
            _ => {}
        }
    }
}

fn kind_name(kind: MechanicKind) -> &'static str {
    kind.into()
}
