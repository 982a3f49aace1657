//! Authentication: passwords, access and refresh tokens, API keys, and the `Actor` they yield.

mod actor;
pub mod api_keys;
pub mod jwt;
pub mod password;
pub mod secrets;
pub mod service;
pub mod sessions;
mod throttle;

pub use actor::{Actor, Principal, Rights, ShopScope};
