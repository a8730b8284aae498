//! The GraphQL schema: the `Query` and `Mutation` roots. Every resolver is
//! a thin adapter over the same core call the REST handler of the same
//! action makes (`src/server/api/*.rs`): it reads its arguments, asks
//! `nexus_core`, and translates the answer; no rule and no SQL lives here.
//! The request's data carries the core services, the visitor (who is
//! asking, settled by `server::visitor` as for REST) and the batch loaders.

pub mod catalog;
pub mod category;
pub mod shopper;

use async_graphql::{Context, EmptySubscription, ID, Object, Schema, dataloader::Loader};
use nexus_core::{
    Core,
    cart::CartOwner,
    model::{Pagination, ProductQuery, RawProductQuery, pagination::Page},
};

use self::{
    catalog::{Product, ProductPage, ProductSort},
    category::Category,
    shopper::{Cart, Order, OrderPage, User},
};
use crate::server::{
    error::AppError,
    graphql::{
        errors::{Coded, code, coded, from_app},
        limits::{self, Limits, LimitsExtension},
        loaders::{CatalogLoader, CatalogLoaders},
    },
    visitor::{AuthUser, Visitor},
};

pub type NexusSchema = Schema<Query, Mutation, EmptySubscription>;

/// The schema with its limits. Its request data (core, visitor, loaders)
/// is added per request by the HTTP handler.
pub fn build(limits: Limits) -> NexusSchema {
    Schema::build(Query, Mutation, EmptySubscription).extension(LimitsExtension(limits)).finish()
}

/// The schema in SDL, as served at `/api/graphql/schema.graphql` and
/// committed as `src/server/graphql/schema.graphql`.
pub fn sdl() -> String {
    build(Limits::default()).sdl()
}

fn core_of<'c>(ctx: &Context<'c>) -> async_graphql::Result<&'c Core> {
    ctx.data::<Core>().map_err(|_| from_app(AppError::internal(anyhow::anyhow!("the request carries no Core"))))
}

fn visitor_of<'c>(ctx: &Context<'c>) -> async_graphql::Result<&'c Visitor> {
    ctx.data::<Visitor>().map_err(|_| from_app(AppError::internal(anyhow::anyhow!("the request carries no Visitor"))))
}

/// The signed-in user, or `UNAUTHENTICATED`.
fn user_of<'c>(ctx: &Context<'c>) -> async_graphql::Result<&'c AuthUser> {
    visitor_of(ctx)?.require_user().coded()
}

/// One value through the request's catalog loader.
async fn load<K>(ctx: &Context<'_>, key: K) -> async_graphql::Result<Option<<CatalogLoader as Loader<K>>::Value>>
where
    K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
    CatalogLoader: Loader<K, Error = crate::server::graphql::loaders::LoadError>,
{
    let loaders = ctx
        .data::<CatalogLoaders>()
        .map_err(|_| from_app(AppError::internal(anyhow::anyhow!("the request carries no loaders"))))?;
    loaders.load_one(key).await.map_err(|error| from_app(AppError::internal(error)))
}

/// A numeric id sent as `ID`; one that is not a number names nothing.
fn id_number(id: &ID, what: &str) -> async_graphql::Result<i64> {
    id.parse::<i64>().map_err(|_| coded(code::NOT_FOUND, format!("There is no {what} with id `{}`.", id.as_str())))
}

pub struct Query;

#[Object]
impl Query {
    /// Listed products, filtered, searched and sorted (REST `GET /api/v1/products`).
    #[allow(clippy::too_many_arguments)]
    #[graphql(complexity = "limits::list_cost(limits::page_size(per_page), child_complexity)")]
    async fn products(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Search words: name, SKU and description, tolerant of one typo.")] q: Option<String>,
        #[graphql(desc = "Category slug; its descendants are included.")] category: Option<String>,
        #[graphql(desc = "Lowest price in cents.")] min_price: Option<i64>,
        #[graphql(desc = "Highest price in cents.")] max_price: Option<i64>,
        in_stock: Option<bool>,
        #[graphql(desc = "1 to 5 stars.")] min_rating: Option<i32>,
        sort: Option<ProductSort>,
        #[graphql(default = 1)] page: Option<i32>,
        #[graphql(default = 20, desc = "At most 100; larger values are clamped, as in REST.")] per_page: Option<i32>,
        #[graphql(desc = "`nextCursor` of the previous page; `page` is then ignored.")] cursor: Option<String>,
    ) -> async_graphql::Result<ProductPage> {
        // Through REST's own parser: the same rules, defaults and messages.
        let raw = RawProductQuery {
            category,
            min_price: min_price.map(|cents| cents.to_string()),
            max_price: max_price.map(|cents| cents.to_string()),
            in_stock: in_stock.map(|flag| flag.to_string()),
            min_rating: min_rating.map(|stars| stars.to_string()),
            q,
            sort: sort.map(|sort| nexus_core::model::Sort::from(sort).as_str().to_owned()),
            // `page` has a default here, so a cursor takes its place.
            page: page.filter(|_| cursor.is_none()).map(|n| n.to_string()),
            per_page: per_page.map(|n| n.to_string()),
            cursor,
        };
        let query = ProductQuery::parse(&raw).map_err(AppError::Validation).coded()?;
        Ok(core_of(ctx)?.catalog.list_products(&query).await.coded()?.into())
    }

    /// A listed product; null when there is none with this slug.
    async fn product(&self, ctx: &Context<'_>, slug: String) -> async_graphql::Result<Option<Product>> {
        Ok(core_of(ctx)?.catalog.product(&slug).await.coded()?.map(Product::from))
    }

    /// The category tree: the roots, each with its `children`.
    #[graphql(complexity = "limits::list_cost(limits::TYPICAL_LIST_LEN, child_complexity)")]
    async fn categories(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Category>> {
        let tree = std::sync::Arc::new(core_of(ctx)?.catalog.tree().await.coded()?);
        Ok(tree.roots().iter().filter_map(|root| Category::of(tree.clone(), root.id)).collect())
    }

    /// A category; null when there is none with this slug.
    async fn category(&self, ctx: &Context<'_>, slug: String) -> async_graphql::Result<Option<Category>> {
        let tree = std::sync::Arc::new(core_of(ctx)?.catalog.tree().await.coded()?);
        let id = tree.find(&slug).map(|row| row.id);
        Ok(id.and_then(|id| Category::of(tree, id)))
    }

    /// The signed-in user; `UNAUTHENTICATED` without a token or session.
    async fn me(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        Ok(Some(User::from(&user_of(ctx)?.user)))
    }

    /// The caller's orders, newest first.
    #[graphql(complexity = "limits::list_cost(limits::page_size(per_page), child_complexity)")]
    async fn orders(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 1)] page: Option<i32>,
        #[graphql(default = 20)] per_page: Option<i32>,
    ) -> async_graphql::Result<OrderPage> {
        let user = user_of(ctx)?;
        let pagination: Pagination = limits::pagination(page, per_page)?;
        let (orders, total) = core_of(ctx)?.orders.customer_orders(user.user.id, pagination).await.coded()?;
        Ok(Page::new(orders, pagination, total).into())
    }

    /// One of the caller's orders; null when they have none with this number.
    async fn order(&self, ctx: &Context<'_>, number: String) -> async_graphql::Result<Option<Order>> {
        let user = user_of(ctx)?;
        match core_of(ctx)?.orders.customer_order(user.user.id, &number).await {
            Ok(order) => Ok(Some(order.into())),
            Err(nexus_core::orders::OrderError::NotFound) => Ok(None),
            Err(error) => Err(from_app(error.into())),
        }
    }

    /// The caller's cart with current prices and stock.
    async fn cart(&self, ctx: &Context<'_>) -> async_graphql::Result<Cart> {
        let owner = CartOwner::User(user_of(ctx)?.user.id);
        Ok(core_of(ctx)?.cart.cart(&owner).await.coded()?.into())
    }

    /// The caller's saved products still for sale, most recently saved first.
    #[graphql(complexity = "limits::list_cost(limits::TYPICAL_LIST_LEN, child_complexity)")]
    async fn wishlist(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Product>> {
        let user = user_of(ctx)?;
        let wishlist = core_of(ctx)?.wishlist.wishlist(user.user.id).await.coded()?;
        Ok(wishlist.items.into_iter().map(|item| Product::from(item.product)).collect())
    }
}

pub struct Mutation;

#[Object]
impl Mutation {
    /// Adds units of a variant; a variant already in the cart adds to its line.
    async fn add_to_cart(&self, ctx: &Context<'_>, variant_id: ID, quantity: i32) -> async_graphql::Result<Cart> {
        let owner = CartOwner::User(user_of(ctx)?.user.id);
        let variant_id = id_number(&variant_id, "variant")?;
        Ok(core_of(ctx)?.cart.add_item(&owner, variant_id, quantity).await.coded()?.into())
    }

    /// Sets a line's quantity; 0 removes the line.
    async fn update_cart_line(&self, ctx: &Context<'_>, id: ID, quantity: i32) -> async_graphql::Result<Cart> {
        let owner = CartOwner::User(user_of(ctx)?.user.id);
        let line_id = id_number(&id, "cart line")?;
        Ok(core_of(ctx)?.cart.set_quantity(&owner, line_id, quantity).await.coded()?.into())
    }

    async fn remove_cart_line(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Cart> {
        let owner = CartOwner::User(user_of(ctx)?.user.id);
        let line_id = id_number(&id, "cart line")?;
        Ok(core_of(ctx)?.cart.remove_item(&owner, line_id).await.coded()?.into())
    }

    /// Saves a product; saving it again changes nothing.
    async fn add_to_wishlist(&self, ctx: &Context<'_>, slug: String) -> async_graphql::Result<bool> {
        let user = user_of(ctx)?;
        core_of(ctx)?.wishlist.add(user.user.id, &slug).await.coded()?;
        Ok(true)
    }

    /// Removes a product; removing one that is not saved changes nothing.
    async fn remove_from_wishlist(&self, ctx: &Context<'_>, slug: String) -> async_graphql::Result<bool> {
        let user = user_of(ctx)?;
        core_of(ctx)?.wishlist.remove(user.user.id, &slug).await.coded()?;
        Ok(true)
    }
}
