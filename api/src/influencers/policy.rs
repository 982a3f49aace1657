//! Influencer rules without I/O: stage moves, labels, handles, rates and follower growth.

use super::InfluencerStage;
use crate::error::{UserError, UserErrorCode};

/// `Ok` when an influencer may move from `from` to `to`; blocking and unblocking need a note
/// saying why, because the next colleague to meet the name must learn it.
pub fn check_stage_move(
    from: InfluencerStage,
    to: InfluencerStage,
    note: Option<&str>,
) -> Result<(), UserError> {
    if !from.next().contains(&to) {
        return Err(UserError::new(
            "stage",
            UserErrorCode::Invalid,
            format!(
                "An influencer in {} cannot move to {}",
                from.as_str(),
                to.as_str()
            ),
        ));
    }
    let blocking = to == InfluencerStage::Blocked || from == InfluencerStage::Blocked;
    if blocking && note.is_none() {
        return Err(UserError::new(
            "note",
            UserErrorCode::Blank,
            "Say why when blocking or unblocking an influencer",
        ));
    }
    Ok(())
}

/// Most labels of one kind (categories or tags) on an influencer.
const MAX_LABELS: usize = 20;
/// Longest label.
const MAX_LABEL_CHARS: usize = 40;

/// Labels as stored: `|a|b|`, trimmed, without duplicates (ignoring case), in the order given.
pub fn labels(field: &str, values: &[String]) -> Result<String, UserError> {
    if values.len() > MAX_LABELS {
        return Err(UserError::new(
            field,
            UserErrorCode::OutOfRange,
            format!("At most {MAX_LABELS} {field}"),
        ));
    }
    let mut kept: Vec<String> = Vec::new();
    for value in values {
        let label = value.trim();
        if label.is_empty()
            || label.chars().count() > MAX_LABEL_CHARS
            || label.contains('|')
            || label.chars().any(char::is_control)
        {
            return Err(UserError::new(
                field,
                UserErrorCode::Invalid,
                format!("Each of {field} is 1–{MAX_LABEL_CHARS} characters, without `|`"),
            ));
        }
        if !kept
            .iter()
            .any(|k| k.to_lowercase() == label.to_lowercase())
        {
            kept.push(label.to_owned());
        }
    }
    Ok(format!(
        "|{}",
        kept.iter().map(|l| format!("{l}|")).collect::<String>()
    ))
}

/// The labels of a stored `|a|b|`.
pub fn stored_labels(stored: &str) -> Vec<String> {
    stored
        .split('|')
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The stored pattern that finds `label` among stored labels (compared ignoring case).
pub fn label_pattern(label: &str) -> String {
    format!("|{}|", label.trim())
}

/// A handle as given (trimmed) and as compared: lower-case, without a leading `@`.
pub fn handle(field: &str, value: &str) -> Result<(String, String), UserError> {
    let handle = crate::validate::required_text(field, value, 100)?;
    let key = handle.trim_start_matches('@').trim().to_lowercase();
    // Lower-casing can lengthen a text (`İ` becomes two characters); the key has 100 too.
    if key.chars().count() > 100 {
        return Err(UserError::new(
            field,
            UserErrorCode::TooLong,
            format!("{field} must be at most 100 characters"),
        ));
    }
    if key.is_empty() {
        return Err(UserError::new(
            field,
            UserErrorCode::Blank,
            "A handle needs more than `@`",
        ));
    }
    Ok((handle, key))
}

/// The earliest day a record may carry.
pub fn earliest_day() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or_default()
}

/// Largest follower count accepted.
pub const MAX_FOLLOWERS: i64 = 10_000_000_000;

/// A follower count.
pub fn followers(field: &str, value: i64) -> Result<i64, UserError> {
    crate::validate::in_range(field, value, 0..=MAX_FOLLOWERS)
}

/// A rate 0–1 as basis points (1 bp = 0.01%).
pub fn rate_basis_points(field: &str, rate: f64) -> Result<i32, UserError> {
    if !(0.0..=1.0).contains(&rate) {
        return Err(UserError::new(
            field,
            UserErrorCode::OutOfRange,
            format!("{field} is a rate between 0 and 1"),
        ));
    }
    // In range, so the rounded value is 0..=10_000.
    Ok((rate * 10_000.0).round() as i32)
}

/// A rate back from basis points.
pub fn rate(basis_points: i32) -> f64 {
    f64::from(basis_points) / 10_000.0
}

/// Growth from `then` to `now` followers in basis points, or `None` without a base to grow
/// from. Saturates instead of overflowing for absurd jumps.
pub fn growth_basis_points(then: i64, now: i64) -> Option<i32> {
    if then <= 0 {
        return None;
    }
    let growth = (i128::from(now) - i128::from(then)) * 10_000 / i128::from(then);
    Some(i32::try_from(growth).unwrap_or(if growth > 0 { i32::MAX } else { i32::MIN }))
}

/// A URL of a profile or a published piece: http(s), at most 500 characters.
pub fn url(field: &str, value: Option<&str>) -> Result<Option<String>, UserError> {
    let Some(url) = crate::validate::optional_text(field, value, 500)? else {
        return Ok(None);
    };
    let lower = url.to_lowercase();
    if !(lower.starts_with("https://") || lower.starts_with("http://"))
        || url.chars().any(char::is_whitespace)
    {
        return Err(UserError::new(
            field,
            UserErrorCode::Invalid,
            format!("{field} must be an http(s) URL"),
        ));
    }
    Ok(Some(url))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::influencers::InfluencerTier;

    #[test]
    fn tiers_follow_the_largest_account() {
        assert_eq!(InfluencerTier::of(9_999), InfluencerTier::Nano);
        assert_eq!(InfluencerTier::of(10_000), InfluencerTier::Micro);
        assert_eq!(InfluencerTier::of(499_999), InfluencerTier::Mid);
        assert_eq!(InfluencerTier::of(500_000), InfluencerTier::Macro);
        assert_eq!(InfluencerTier::of(1_000_000), InfluencerTier::Mega);
    }

    #[test]
    fn blocking_needs_a_reason_and_stages_move_only_along_the_map() {
        use InfluencerStage::*;
        assert!(check_stage_move(Prospect, Contacted, None).is_ok());
        assert!(check_stage_move(Prospect, Active, None).is_err());
        assert!(check_stage_move(Active, Blocked, None).is_err());
        assert!(check_stage_move(Active, Blocked, Some("fake followers")).is_ok());
        assert!(check_stage_move(Blocked, Active, Some("x")).is_err());
        assert!(check_stage_move(Blocked, Prospect, Some("cleared")).is_ok());
    }

    #[test]
    fn labels_are_kept_once_and_found_whole() {
        let stored =
            labels("tags", &[" 母婴 ".into(), "Calm".into(), "calm".into()]).expect("valid");
        assert_eq!(stored, "|母婴|Calm|");
        assert_eq!(stored_labels(&stored), ["母婴", "Calm"]);
        assert_eq!(labels("tags", &[]).expect("valid"), "|");
        assert!(labels("tags", &["a|b".into()]).is_err());
        assert!(stored.to_lowercase().contains(&label_pattern("calm")));
    }

    #[test]
    fn handles_compare_without_case_or_at_sign() {
        assert_eq!(
            handle("handle", " @LiJiaqi ").expect("valid"),
            ("@LiJiaqi".to_owned(), "lijiaqi".to_owned())
        );
        assert!(handle("handle", "@").is_err());
    }

    #[test]
    fn growth_needs_a_base() {
        assert_eq!(growth_basis_points(800_000, 1_000_000), Some(2_500));
        assert_eq!(growth_basis_points(1_000, 900), Some(-1_000));
        assert_eq!(growth_basis_points(0, 900), None);
        assert_eq!(growth_basis_points(1, i64::MAX), Some(i32::MAX));
    }

    #[test]
    fn rates_are_between_zero_and_one() {
        assert_eq!(rate_basis_points("r", 0.0345).ok(), Some(345));
        assert!(rate_basis_points("r", 1.5).is_err());
        assert!(rate_basis_points("r", f64::NAN).is_err());
        assert!(url("u", Some("javascript:alert(1)")).is_err());
        assert_eq!(
            url("u", Some("https://xhs.com/u/1")).ok(),
            Some(Some("https://xhs.com/u/1".to_owned()))
        );
    }
}
