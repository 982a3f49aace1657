//! Parsers for common input values: each returns the clean value or a `UserError` for its field.

use crate::error::{UserError, UserErrorCode};

/// A trimmed, non-empty text of at most `max` characters.
pub fn required_text(field: &str, value: &str, max: usize) -> Result<String, UserError> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(UserError::new(
            field,
            UserErrorCode::Blank,
            format!("{field} must not be blank"),
        ));
    }
    if trimmed.chars().count() > max {
        return Err(UserError::new(
            field,
            UserErrorCode::TooLong,
            format!("{field} must be at most {max} characters"),
        ));
    }
    if trimmed.chars().any(char::is_control) {
        return Err(UserError::new(
            field,
            UserErrorCode::Invalid,
            format!("{field} must not contain control characters"),
        ));
    }
    Ok(trimmed.to_owned())
}

/// An optional text: blank becomes `None`, otherwise as `required_text`.
pub fn optional_text(
    field: &str,
    value: Option<&str>,
    max: usize,
) -> Result<Option<String>, UserError> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(text) => required_text(field, text, max).map(Some),
    }
}

/// A long free text (descriptions): may hold line breaks, bounded in length.
pub fn optional_long_text(
    field: &str,
    value: Option<&str>,
    max: usize,
) -> Result<Option<String>, UserError> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(text) if text.chars().count() > max => Err(UserError::new(
            field,
            UserErrorCode::TooLong,
            format!("{field} must be at most {max} characters"),
        )),
        Some(text) => Ok(Some(text.to_owned())),
    }
}

/// A normalised e-mail address (trimmed, lower-case) of a plausible shape.
pub fn email(field: &str, value: &str) -> Result<String, UserError> {
    let email = value.trim().to_lowercase();
    let invalid = || {
        UserError::new(
            field,
            UserErrorCode::Invalid,
            "Enter a valid e-mail address",
        )
    };
    if email.len() > 254 {
        return Err(UserError::new(
            field,
            UserErrorCode::TooLong,
            "E-mail address is too long",
        ));
    }
    let (local, domain) = email.split_once('@').ok_or_else(invalid)?;
    let plausible = !local.is_empty()
        && local.len() <= 64
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && !email.chars().any(|c| c.is_whitespace() || c.is_control());
    if plausible { Ok(email) } else { Err(invalid()) }
}

/// An integer within `range`.
pub fn in_range(
    field: &str,
    value: i64,
    range: std::ops::RangeInclusive<i64>,
) -> Result<i64, UserError> {
    if range.contains(&value) {
        Ok(value)
    } else {
        Err(UserError::new(
            field,
            UserErrorCode::OutOfRange,
            format!(
                "{field} must be between {} and {}",
                range.start(),
                range.end()
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_trimmed_and_bounded() {
        assert_eq!(
            required_text("name", "  Tmall flagship ", 20).ok(),
            Some("Tmall flagship".into())
        );
        assert_eq!(
            required_text("name", "   ", 20).map_err(|e| e.code),
            Err(UserErrorCode::Blank)
        );
        assert_eq!(
            required_text("name", &"x".repeat(21), 20).map_err(|e| e.code),
            Err(UserErrorCode::TooLong)
        );
        assert_eq!(
            required_text("name", "a\u{0}b", 20).map_err(|e| e.code),
            Err(UserErrorCode::Invalid)
        );
        assert_eq!(
            required_text("name", "旗舰店", 3).ok(),
            Some("旗舰店".into())
        );
    }

    #[test]
    fn emails_are_normalised() {
        assert_eq!(
            email("email", " Li.Na@Example.COM ").ok(),
            Some("li.na@example.com".into())
        );
        for bad in [
            "",
            "no-at",
            "a@b",
            "@example.com",
            "a b@example.com",
            "a@example.com.",
        ] {
            assert!(email("email", bad).is_err(), "{bad}");
        }
    }
}
