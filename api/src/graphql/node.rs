//! `node(id:)` and `nodes(ids:)`: fetch any object by its global id, with the same scoping and
//! permissions as its own query.

use async_graphql::{Context, ID, Interface, Object, PathSegment};
use futures_util::future::join_all;

use super::loaders::{load, loaders};
use crate::agency::graphql::{Agency, ApiKey, Membership, User};
use crate::agency::service as agency_service;
use crate::campaigns::graphql::Campaign;
use crate::collaborations::graphql::Collaboration;
use crate::context::authenticated;
use crate::error::{AppError, AppResult};
use crate::ids::{self, Kind};
use crate::influencers::graphql::Influencer;
use crate::products::graphql::Product;
use crate::reviews::graphql::Review;
use crate::shops::graphql::Shop;
use crate::tasks::graphql::Task;
use crate::tasks::service as task_service;

/// An object with a global id.
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID", desc = "Global id."))]
pub enum Node {
    Agency(Agency),
    User(User),
    Membership(Membership),
    ApiKey(ApiKey),
    Shop(Shop),
    Product(Product),
    Campaign(Campaign),
    Task(Task),
    Influencer(Influencer),
    Collaboration(Collaboration),
    Review(Review),
}

/// Most ids one `nodes` call accepts.
const MAX_NODES: usize = 100;

async fn resolve(ctx: &Context<'_>, id: &ID) -> AppResult<Node> {
    let (kind, uuid) = ids::decode_any(id)?;
    let scoped = authenticated(ctx)?;
    let loaders = loaders(ctx)?;
    let found = match kind {
        Kind::Shop => load(&loaders.shops, uuid)
            .await?
            .map(|s| Node::Shop(Shop(s))),
        Kind::Product => load(&loaders.products, uuid)
            .await?
            .map(|p| Node::Product(Product(p))),
        Kind::Campaign => load(&loaders.campaigns, uuid)
            .await?
            .map(|c| Node::Campaign(Campaign(c))),
        Kind::Influencer => load(&loaders.influencers, uuid)
            .await?
            .map(|i| Node::Influencer(Influencer(i))),
        Kind::Collaboration => load(&loaders.collaborations, uuid)
            .await?
            .map(|c| Node::Collaboration(Collaboration(c))),
        Kind::Review => load(&loaders.reviews, uuid)
            .await?
            .map(|r| Node::Review(Review(r))),
        Kind::Task => Some(Node::Task(Task(task_service::get(&scoped, uuid).await?))),
        Kind::Agency => load(&loaders.agencies, uuid)
            .await?
            .map(|a| Node::Agency(Agency(a))),
        Kind::User => load(&loaders.users, uuid)
            .await?
            .map(|u| Node::User(User(u))),
        Kind::Membership => Some(Node::Membership(Membership(
            agency_service::get_membership(&scoped, uuid).await?,
        ))),
        Kind::ApiKey => load(&loaders.api_keys, uuid)
            .await?
            .map(|k| Node::ApiKey(ApiKey(k))),
        Kind::Invitation | Kind::AuditEvent | Kind::CampaignProduct | Kind::Deliverable => None,
    };
    found.ok_or(AppError::NotFound)
}

#[derive(Default)]
pub struct NodeQuery;

#[Object]
impl NodeQuery {
    /// Any object by global id; null with a NOT_FOUND error when it is missing or not visible.
    async fn node(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global id of the object.")] id: ID,
    ) -> async_graphql::Result<Option<Node>> {
        Ok(Some(resolve(ctx, &id).await?))
    }

    /// Several objects by global id (at most 100), in the order asked. A missing or invisible
    /// object is null in its place, with a NOT_FOUND error at that path, as with `node`.
    #[graphql(complexity = "ids.len() * child_complexity")]
    async fn nodes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ids of the objects, at most 100.")] ids: Vec<ID>,
    ) -> async_graphql::Result<Vec<Option<Node>>> {
        if ids.len() > MAX_NODES {
            return Err(AppError::BadInput(format!("at most {MAX_NODES} ids")).into());
        }
        let key = ctx.item.node.response_key().node.to_string();
        // Shops and products of one call are batched by their loaders into one query each.
        let found = join_all(ids.iter().map(|id| resolve(ctx, id))).await;
        let mut nodes = Vec::with_capacity(found.len());
        for (index, node) in found.into_iter().enumerate() {
            match node {
                Ok(node) => nodes.push(Some(node)),
                Err(AppError::NotFound) => {
                    let mut error = async_graphql::Error::from(AppError::NotFound)
                        .into_server_error(ctx.item.pos);
                    error.path = vec![PathSegment::Field(key.clone()), PathSegment::Index(index)];
                    ctx.add_error(error);
                    nodes.push(None);
                }
                Err(other) => return Err(other.into()),
            }
        }
        Ok(nodes)
    }
}
