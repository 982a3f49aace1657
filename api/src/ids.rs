//! Global, opaque object ids: `base64url("<Type>:<uuid>")`, in the manner of GitHub's API.
//! They are the API's names for rows wherever a row is named to a client: GraphQL ids, the
//! ids of CSV imports, the keys of report rows; so services use them too, and they live here
//! rather than in the GraphQL layer.
//!
//! A malformed id is a client bug (BAD_USER_INPUT); an id of the wrong type names no object of
//! the wanted type and answers NOT_FOUND, exactly like a missing or foreign one.

use async_graphql::ID;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use uuid::Uuid;

use crate::error::{AppError, AppResult};

/// The object types that have global ids.
#[derive(Clone, Copy, Debug, PartialEq, Eq, strum::EnumString, strum::IntoStaticStr)]
pub enum Kind {
    Agency,
    User,
    Membership,
    Invitation,
    ApiKey,
    Shop,
    Product,
    AuditEvent,
    Campaign,
    CampaignProduct,
    Task,
    Influencer,
    Collaboration,
    Deliverable,
    Review,
}

/// The global id of an object.
pub fn encode(kind: Kind, id: Uuid) -> ID {
    let kind: &'static str = kind.into();
    ID(URL_SAFE_NO_PAD.encode(format!("{kind}:{id}")))
}

/// The type and uuid inside a global id.
pub fn decode_any(id: &str) -> AppResult<(Kind, Uuid)> {
    let malformed = || {
        AppError::BadInput(format!(
            "malformed id: {}",
            id.chars().take(64).collect::<String>()
        ))
    };
    let bytes = URL_SAFE_NO_PAD.decode(id).map_err(|_| malformed())?;
    let text = String::from_utf8(bytes).map_err(|_| malformed())?;
    let (kind, uuid) = text.split_once(':').ok_or_else(malformed)?;
    let kind = kind.parse::<Kind>().map_err(|_| malformed())?;
    let uuid = Uuid::parse_str(uuid).map_err(|_| malformed())?;
    Ok((kind, uuid))
}

/// The uuid inside a global id of `kind`; NOT_FOUND for an id of another type.
pub fn decode(id: &ID, kind: Kind) -> AppResult<Uuid> {
    match decode_any(id)? {
        (found, uuid) if found == kind => Ok(uuid),
        _ => Err(AppError::NotFound),
    }
}

/// The uuid inside an id that an input *refers to* (a filter, a related object). An id of
/// another type names nothing of `kind`: it becomes the nil uuid, which matches no row, so a
/// filter finds nothing and a service answers "not found" on the field — exactly as for a
/// missing or foreign id. A malformed id stays a BAD_USER_INPUT.
pub fn reference(id: &ID, kind: Kind) -> AppResult<Uuid> {
    match decode(id, kind) {
        Err(AppError::NotFound) => Ok(Uuid::nil()),
        other => other,
    }
}

/// Decodes an optional list of ids of `kind`, keeping the first error.
pub fn decode_all(ids: &[ID], kind: Kind) -> AppResult<Vec<Uuid>> {
    ids.iter().map(|id| decode(id, kind)).collect()
}

/// The uuids inside a list of ids that an input refers to, as `reference` for each.
pub fn references(ids: &[ID], kind: Kind) -> AppResult<Vec<Uuid>> {
    ids.iter().map(|id| reference(id, kind)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_keep_their_type() {
        let uuid = Uuid::now_v7();
        let id = encode(Kind::Shop, uuid);
        assert_eq!(decode(&id, Kind::Shop).ok(), Some(uuid));
        assert!(matches!(
            decode(&id, Kind::Product),
            Err(AppError::NotFound)
        ));
    }

    #[test]
    fn garbage_is_a_bad_input() {
        for bad in ["", "not-base64!", "U2hvcA", "QmFuYW5hOjEyMw"] {
            assert!(
                matches!(
                    decode(&ID(bad.into()), Kind::Shop),
                    Err(AppError::BadInput(_))
                ),
                "{bad}"
            );
        }
    }
}
