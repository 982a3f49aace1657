//! Access tokens: short-lived HS256 JWTs for one user in one agency.
//!
//! One pinned algorithm; `exp`, `iat`, `iss`, `aud` and `sub` required; small leeway; a `typ`
//! claim keeps access tokens from being mistaken for anything else; a `sid` claim names the
//! session, which every request checks is still alive.

use chrono::{DateTime, Duration, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{AppError, AppResult};

const ISSUER: &str = "steward";
const AUDIENCE: &str = "steward-api";
const ACCESS_TYPE: &str = "access";
const LEEWAY_SECS: u64 = 5;

/// The claims of an access token.
#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    pub sub: Uuid,
    pub agency: Uuid,
    /// The session (refresh-token family) the token belongs to: when it is revoked (sign-out,
    /// password change, detected reuse) the access token stops working at once.
    pub sid: Uuid,
    pub iss: String,
    pub aud: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    pub jti: Uuid,
    pub typ: String,
}

/// Signs and verifies access tokens.
#[derive(Clone)]
pub struct AccessTokens {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    ttl: Duration,
}

impl AccessTokens {
    pub fn new(secret: &SecretString, ttl: Duration) -> Self {
        let bytes = secret.expose_secret().as_bytes();
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
        validation.validate_nbf = true;
        validation.leeway = LEEWAY_SECS;
        Self {
            encoding: EncodingKey::from_secret(bytes),
            decoding: DecodingKey::from_secret(bytes),
            validation,
            ttl,
        }
    }

    /// A new access token of session `session_id` and its expiry.
    pub fn issue(
        &self,
        user_id: Uuid,
        agency_id: Uuid,
        session_id: Uuid,
    ) -> AppResult<(String, DateTime<Utc>)> {
        let now = Utc::now();
        let expires_at = now + self.ttl;
        let claims = Claims {
            sub: user_id,
            agency: agency_id,
            sid: session_id,
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            iat: now.timestamp(),
            nbf: now.timestamp(),
            exp: expires_at.timestamp(),
            jti: Uuid::now_v7(),
            typ: ACCESS_TYPE.into(),
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| AppError::Internal(e.into()))?;
        Ok((token, expires_at))
    }

    /// The claims of a valid access token; `Unauthenticated` for anything else.
    pub fn verify(&self, token: &str) -> AppResult<Claims> {
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|_| AppError::Unauthenticated)?;
        if data.claims.typ != ACCESS_TYPE {
            return Err(AppError::Unauthenticated);
        }
        Ok(data.claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(ttl: Duration) -> AccessTokens {
        AccessTokens::new(&SecretString::from("k".repeat(32)), ttl)
    }

    #[test]
    fn an_issued_token_verifies() {
        let tokens = tokens(Duration::minutes(15));
        let (user, agency) = (Uuid::now_v7(), Uuid::now_v7());
        let (token, _) = tokens.issue(user, agency, Uuid::now_v7()).expect("issue");
        let claims = tokens.verify(&token).expect("verify");
        assert_eq!((claims.sub, claims.agency), (user, agency));
    }

    #[test]
    fn an_expired_token_is_refused() {
        let tokens = tokens(Duration::seconds(-60));
        let (token, _) = tokens
            .issue(Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7())
            .expect("issue");
        assert!(matches!(
            tokens.verify(&token),
            Err(AppError::Unauthenticated)
        ));
    }

    #[test]
    fn a_token_signed_with_another_key_is_refused() {
        let other = AccessTokens::new(&SecretString::from("z".repeat(32)), Duration::minutes(5));
        let (token, _) = other
            .issue(Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7())
            .expect("issue");
        assert!(tokens(Duration::minutes(5)).verify(&token).is_err());
    }

    #[test]
    fn an_unsigned_token_is_refused() {
        let tokens = tokens(Duration::minutes(5));
        let (token, _) = tokens
            .issue(Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7())
            .expect("issue");
        let mut parts: Vec<&str> = token.split('.').collect();
        // {"alg":"none","typ":"JWT"}
        parts[0] = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0";
        let forged = format!("{}.{}.", parts[0], parts[1]);
        assert!(tokens.verify(&forged).is_err());
    }

    /// Signs arbitrary claims with the test key, to probe what `verify` accepts.
    fn signed(claims: serde_json::Value) -> String {
        let key = EncodingKey::from_secret("k".repeat(32).as_bytes());
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &key).expect("encode")
    }

    fn valid_claims() -> serde_json::Value {
        let now = Utc::now().timestamp();
        serde_json::json!({
            "sub": Uuid::now_v7(), "agency": Uuid::now_v7(), "sid": Uuid::now_v7(), "iss": ISSUER, "aud": AUDIENCE,
            "iat": now, "nbf": now, "exp": now + 600, "jti": Uuid::now_v7(), "typ": ACCESS_TYPE,
        })
    }

    #[test]
    fn well_formed_claims_are_accepted() {
        assert!(
            tokens(Duration::minutes(5))
                .verify(&signed(valid_claims()))
                .is_ok()
        );
    }

    #[test]
    fn a_wrong_issuer_audience_or_type_is_refused() {
        let tokens = tokens(Duration::minutes(5));
        for (claim, value) in [
            ("iss", "someone-else"),
            ("aud", "another-api"),
            ("typ", "refresh"),
        ] {
            let mut claims = valid_claims();
            claims[claim] = serde_json::json!(value);
            assert!(tokens.verify(&signed(claims)).is_err(), "{claim}={value}");
        }
    }

    #[test]
    fn every_required_claim_must_be_present() {
        let tokens = tokens(Duration::minutes(5));
        for claim in ["exp", "iat", "iss", "aud", "sub"] {
            let mut claims = valid_claims();
            claims.as_object_mut().expect("object").remove(claim);
            assert!(tokens.verify(&signed(claims)).is_err(), "without {claim}");
        }
    }

    #[test]
    fn expiry_and_not_before_allow_only_a_few_seconds_of_leeway() {
        let tokens = tokens(Duration::minutes(5));
        let now = Utc::now().timestamp();
        let mut expired = valid_claims();
        expired["exp"] = serde_json::json!(now - 30);
        assert!(tokens.verify(&signed(expired)).is_err());
        let mut early = valid_claims();
        early["nbf"] = serde_json::json!(now + 30);
        assert!(tokens.verify(&signed(early)).is_err());
    }

    #[test]
    fn another_algorithm_is_refused() {
        let key = EncodingKey::from_secret("k".repeat(32).as_bytes());
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS512), &valid_claims(), &key)
            .expect("encode");
        assert!(tokens(Duration::minutes(5)).verify(&token).is_err());
    }
}
