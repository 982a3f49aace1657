//! Who may do what: permissions, the role matrix and API-key scopes. The one place that decides.

use async_graphql::Enum;
use strum::{EnumIter, EnumString, IntoEnumIterator, IntoStaticStr};

use crate::error::{AppError, AppResult};

/// A single capability. Operations name the permission they need; deny by default.
#[derive(Enum, EnumIter, Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Permission {
    /// Invite, change and remove members.
    ManageMembers,
    /// Create and revoke API keys.
    ManageApiKeys,
    /// Read the audit log.
    ReadAuditLog,
    /// Create, edit and archive shops.
    ManageShops,
    /// Read shops, products and stock.
    ReadCatalog,
    /// Create and archive products; change prices, cost and stock.
    WriteCatalog,
    /// Edit creative product fields: title, description, images.
    WriteCreative,
    /// See cost, margin, fees and budgets.
    ReadFinancials,
    /// Plan and run campaigns.
    ManageCampaigns,
    /// Manage influencers and collaborations.
    ManageInfluencers,
    /// Push metrics feeds.
    IngestMetrics,
    /// Handle customer reviews.
    HandleReviews,
    /// Read campaigns, their mechanics, line-ups and history (budgets need READ_FINANCIALS too).
    // New permissions go last: stored rights keep each permission's bit.
    ReadCampaigns,
    /// Read the influencer pool, collaborations and deliverables (rate cards, contacts, fees and
    /// results' costs need READ_FINANCIALS too).
    ReadInfluencers,
    /// Read daily metrics and the reports built on them (ad spend, ROAS and gross profit need
    /// READ_FINANCIALS too).
    ReadReports,
}

impl Permission {
    /// Permissions over the whole agency rather than over shops.
    pub fn is_agency_wide(self) -> bool {
        matches!(
            self,
            Permission::ManageMembers | Permission::ManageApiKeys | Permission::ReadAuditLog
        )
    }
}

/// A member's role in an agency.
#[derive(Enum, EnumIter, EnumString, IntoStaticStr, Clone, Copy, Debug, PartialEq, Eq)]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
pub enum Role {
    /// Agency owner or shop manager: everything.
    Owner,
    /// Operations: runs shops, catalog, prices, stock, campaigns, influencers; sees financials.
    Ops,
    /// Designer: creative fields and own tasks; never sees financials.
    Designer,
    /// Customer support: reads catalog and campaigns, handles reviews; never sees financials.
    Support,
}

/// What an API key may do; keys carry scopes instead of a role.
#[derive(Enum, EnumIter, EnumString, IntoStaticStr, Clone, Copy, Debug, PartialEq, Eq)]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
pub enum ApiScope {
    /// Read what support may read: shops, products, stock, campaigns, influencers, metrics and
    /// reports.
    Read,
    /// See financial fields (cost, margin).
    ReadFinancials,
    /// Write products and stock.
    WriteCatalog,
    /// Push metrics feeds.
    Ingest,
}

/// A set of permissions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Permissions(u32);

impl Permissions {
    fn bit(permission: Permission) -> u32 {
        1 << (permission as u32)
    }

    pub fn of(permissions: &[Permission]) -> Self {
        Self(permissions.iter().fold(0, |bits, p| bits | Self::bit(*p)))
    }

    pub fn all() -> Self {
        Self::of(&Permission::iter().collect::<Vec<_>>())
    }

    /// The set as stored bits (for records that must remember an actor's rights).
    pub fn bits(self) -> u32 {
        self.0
    }

    /// A set read back from `bits`; unknown bits are dropped.
    pub fn from_bits(bits: u32) -> Self {
        Self(bits & Self::all().0)
    }

    /// The permissions held in both sets.
    pub fn intersection(self, other: Self) -> Self {
        Self(self.0 & other.0)
    }

    pub fn contains(self, permission: Permission) -> bool {
        self.0 & Self::bit(permission) != 0
    }

    /// `true` when every permission of `other` is in `self`.
    pub fn includes(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }

    pub fn union(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }

    /// The permissions in declaration order.
    pub fn to_vec(self) -> Vec<Permission> {
        Permission::iter().filter(|p| self.contains(*p)).collect()
    }

    /// The permissions left to an actor limited to some shops: nothing that acts on the whole
    /// agency (its people, keys and audit log), which a partial view cannot judge safely.
    pub fn limited_to_shops(self) -> Self {
        Self(
            Permission::iter()
                .filter(|p| self.contains(*p) && !p.is_agency_wide())
                .fold(0, |bits, p| bits | Self::bit(p)),
        )
    }

    /// `Ok` when `permission` is held, `Forbidden` otherwise.
    pub fn require(self, permission: Permission) -> AppResult<()> {
        if self.contains(permission) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }
}

impl Role {
    /// The role matrix.
    pub fn permissions(self) -> Permissions {
        use Permission::*;
        match self {
            Role::Owner => Permissions::all(),
            Role::Ops => Permissions::of(&[
                ManageShops,
                ReadCatalog,
                WriteCatalog,
                WriteCreative,
                ReadFinancials,
                ReadCampaigns,
                ReadInfluencers,
                ReadReports,
                ManageCampaigns,
                ManageInfluencers,
                IngestMetrics,
                HandleReviews,
            ]),
            Role::Designer => Permissions::of(&[
                ReadCatalog,
                ReadCampaigns,
                ReadInfluencers,
                ReadReports,
                WriteCreative,
            ]),
            Role::Support => Permissions::of(&[
                ReadCatalog,
                ReadCampaigns,
                ReadInfluencers,
                ReadReports,
                HandleReviews,
            ]),
        }
    }

    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

impl ApiScope {
    pub fn permissions(self) -> Permissions {
        use Permission::*;
        match self {
            ApiScope::Read => {
                Permissions::of(&[ReadCatalog, ReadCampaigns, ReadInfluencers, ReadReports])
            }
            ApiScope::ReadFinancials => Permissions::of(&[ReadFinancials]),
            ApiScope::WriteCatalog => Permissions::of(&[WriteCatalog, WriteCreative]),
            ApiScope::Ingest => Permissions::of(&[IngestMetrics]),
        }
    }

    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// The permissions granted by a set of scopes.
    pub fn union(scopes: &[ApiScope]) -> Permissions {
        scopes
            .iter()
            .fold(Permissions::default(), |acc, s| acc.union(s.permissions()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_owner_holds_every_permission() {
        for permission in Permission::iter() {
            assert!(
                Role::Owner.permissions().contains(permission),
                "{permission:?}"
            );
        }
    }

    #[test]
    fn a_shop_limited_owner_cannot_act_on_the_whole_agency() {
        let limited = Role::Owner.permissions().limited_to_shops();
        assert!(!limited.contains(Permission::ManageMembers));
        assert!(!limited.contains(Permission::ManageApiKeys));
        assert!(!limited.contains(Permission::ReadAuditLog));
        assert!(limited.contains(Permission::WriteCatalog));
        assert!(limited.contains(Permission::ReadFinancials));
    }

    #[test]
    fn designers_and_support_never_read_financials() {
        assert!(
            !Role::Designer
                .permissions()
                .contains(Permission::ReadFinancials)
        );
        assert!(
            !Role::Support
                .permissions()
                .contains(Permission::ReadFinancials)
        );
        assert!(Role::Ops.permissions().contains(Permission::ReadFinancials));
    }

    #[test]
    fn only_owners_manage_members_and_keys() {
        for role in Role::iter() {
            let expected = role == Role::Owner;
            assert_eq!(
                role.permissions().contains(Permission::ManageMembers),
                expected
            );
            assert_eq!(
                role.permissions().contains(Permission::ManageApiKeys),
                expected
            );
            assert_eq!(
                role.permissions().contains(Permission::ReadAuditLog),
                expected
            );
        }
    }

    #[test]
    fn designers_write_creative_fields_but_not_the_catalog() {
        let designer = Role::Designer.permissions();
        assert!(designer.contains(Permission::WriteCreative));
        assert!(!designer.contains(Permission::WriteCatalog));
    }

    #[test]
    fn roles_and_scopes_round_trip_through_their_stored_names() {
        for role in Role::iter() {
            assert_eq!(role.as_str().parse::<Role>().ok(), Some(role));
        }
        assert_eq!(
            "READ_FINANCIALS".parse::<ApiScope>().ok(),
            Some(ApiScope::ReadFinancials)
        );
    }

    #[test]
    fn the_read_scope_reads_what_support_reads_without_financials() {
        let read = ApiScope::union(&[ApiScope::Read]);
        assert!(read.contains(Permission::ReadCatalog));
        assert!(!read.contains(Permission::ReadFinancials));
        assert!(!read.contains(Permission::WriteCatalog));
    }
}
