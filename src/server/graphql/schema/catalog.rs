//! The catalog's GraphQL types: `Product`, `Variant`, `Image`, `Review`
//! and their pages (`Category` is in `category`). They carry the fields of the REST objects of
//! the same name in camelCase. A product comes either from a list (a card)
//! or from `product(slug)` (the full detail); what a card lacks is read
//! through the request's batch loaders, never one query per product.

use std::collections::BTreeMap;

use async_graphql::{Context, Enum, ID, Json, Object, SimpleObject};
use nexus_core::{
    catalog::ProductFacts,
    model::{
        CategoryRef, ProductCard, ProductDetail, ProductList, Sort,
        catalog::{ProductImage, Variant as CoreVariant},
        pagination::Page,
        review::{Review as CoreReview, ReviewSort as CoreReviewSort},
    },
};

use super::{category::Category, core_of, load};
use crate::server::{
    error::AppError,
    graphql::{
        errors::{Coded, from_app},
        limits::{self, TYPICAL_LIST_LEN},
        loaders::{FactsOf, ImagesOf, VariantsOf},
    },
};

/// The orders of the product list; they mirror REST's `sort` values.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProductSort {
    /// `newest`: the default without `q`.
    Newest,
    /// `price`: cheapest first.
    Price,
    /// `-price`
    PriceDesc,
    /// `name`: A to Z.
    Name,
    /// `-name`
    NameDesc,
    /// `rating`: best rated first.
    Rating,
    /// `relevance`: the default with `q`.
    Relevance,
}

impl From<ProductSort> for Sort {
    fn from(sort: ProductSort) -> Self {
        match sort {
            ProductSort::Newest => Sort::Newest,
            ProductSort::Price => Sort::PriceAsc,
            ProductSort::PriceDesc => Sort::PriceDesc,
            ProductSort::Name => Sort::NameAsc,
            ProductSort::NameDesc => Sort::NameDesc,
            ProductSort::Rating => Sort::Rating,
            ProductSort::Relevance => Sort::Relevance,
        }
    }
}

/// The orders of a product's reviews.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ReviewSort {
    #[default]
    Newest,
    /// Best rated first.
    Rating,
}

impl From<ReviewSort> for CoreReviewSort {
    fn from(sort: ReviewSort) -> Self {
        match sort {
            ReviewSort::Newest => CoreReviewSort::Newest,
            ReviewSort::Rating => CoreReviewSort::Rating,
        }
    }
}

/// A listed product.
pub struct Product(ProductSource);

enum ProductSource {
    Card(ProductCard),
    Detail(Box<ProductDetail>),
}

impl From<ProductCard> for Product {
    fn from(card: ProductCard) -> Self {
        Self(ProductSource::Card(card))
    }
}

impl From<ProductDetail> for Product {
    fn from(detail: ProductDetail) -> Self {
        Self(ProductSource::Detail(Box::new(detail)))
    }
}

impl Product {
    fn id_number(&self) -> i64 {
        match &self.0 {
            ProductSource::Card(card) => card.id,
            ProductSource::Detail(detail) => detail.id,
        }
    }

    fn slug_text(&self) -> &str {
        match &self.0 {
            ProductSource::Card(card) => &card.slug,
            ProductSource::Detail(detail) => &detail.slug,
        }
    }

    fn category_ref(&self) -> &CategoryRef {
        match &self.0 {
            ProductSource::Card(card) => &card.category,
            ProductSource::Detail(detail) => &detail.category,
        }
    }
}

#[Object]
impl Product {
    async fn id(&self) -> ID {
        ID(self.id_number().to_string())
    }

    async fn slug(&self) -> &str {
        self.slug_text()
    }

    async fn name(&self) -> &str {
        match &self.0 {
            ProductSource::Card(card) => &card.name,
            ProductSource::Detail(detail) => &detail.name,
        }
    }

    /// The product's price in cents of `currency` (variants may differ).
    async fn price_cents(&self) -> i64 {
        match &self.0 {
            ProductSource::Card(card) => card.price_cents.0,
            ProductSource::Detail(detail) => detail.price_cents.0,
        }
    }

    async fn currency(&self) -> &str {
        match &self.0 {
            ProductSource::Card(card) => &card.currency,
            ProductSource::Detail(detail) => &detail.currency,
        }
    }

    /// At least one variant has stock.
    async fn in_stock(&self) -> bool {
        match &self.0 {
            ProductSource::Card(card) => card.in_stock,
            ProductSource::Detail(detail) => detail.in_stock,
        }
    }

    /// Average of the visible reviews; null without any.
    async fn rating_average(&self) -> Option<f64> {
        match &self.0 {
            ProductSource::Card(card) => card.rating_average,
            ProductSource::Detail(detail) => detail.rating_average,
        }
    }

    async fn rating_count(&self) -> i32 {
        match &self.0 {
            ProductSource::Card(card) => card.rating_count,
            ProductSource::Detail(detail) => detail.rating_count,
        }
    }

    /// The card's picture (the first image's thumbnail).
    async fn image_url(&self) -> Option<String> {
        match &self.0 {
            ProductSource::Card(card) => card.image_url.clone(),
            ProductSource::Detail(detail) => detail.images.first().map(|image| image.thumbnail_url.clone()),
        }
    }

    async fn description(&self, ctx: &Context<'_>) -> async_graphql::Result<String> {
        match &self.0 {
            ProductSource::Detail(detail) => Ok(detail.description.clone()),
            ProductSource::Card(card) => Ok(facts(ctx, card.id).await?.description),
        }
    }

    async fn sku(&self, ctx: &Context<'_>) -> async_graphql::Result<String> {
        match &self.0 {
            ProductSource::Detail(detail) => Ok(detail.sku.clone()),
            ProductSource::Card(card) => Ok(facts(ctx, card.id).await?.sku),
        }
    }

    /// RFC 3339, UTC.
    async fn created_at(&self, ctx: &Context<'_>) -> async_graphql::Result<String> {
        match &self.0 {
            ProductSource::Detail(detail) => Ok(detail.created_at.clone()),
            ProductSource::Card(card) => Ok(facts(ctx, card.id).await?.created_at),
        }
    }

    /// The product's category; its id, slug and name come with the product,
    /// the rest from the (cached) tree when asked for.
    async fn category(&self) -> Category {
        Category::referenced(self.category_ref().clone())
    }

    #[graphql(complexity = "limits::list_cost(TYPICAL_LIST_LEN, child_complexity)")]
    async fn variants(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Variant>> {
        let variants = match &self.0 {
            ProductSource::Detail(detail) => detail.variants.clone(),
            ProductSource::Card(card) => load(ctx, VariantsOf(card.id)).await?.unwrap_or_default(),
        };
        Ok(variants.into_iter().map(Variant::from).collect())
    }

    #[graphql(complexity = "limits::list_cost(TYPICAL_LIST_LEN, child_complexity)")]
    async fn images(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Image>> {
        let images = match &self.0 {
            ProductSource::Detail(detail) => detail.images.clone(),
            ProductSource::Card(card) => load(ctx, ImagesOf(card.id)).await?.unwrap_or_default(),
        };
        Ok(images.into_iter().map(Image::from).collect())
    }

    /// The visible reviews, a page at a time (cached per product).
    #[graphql(complexity = "limits::list_cost(limits::page_size(per_page), child_complexity)")]
    async fn reviews(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 1)] page: Option<i32>,
        #[graphql(default = 20)] per_page: Option<i32>,
        #[graphql(default)] sort: ReviewSort,
    ) -> async_graphql::Result<ReviewPage> {
        let pagination = limits::pagination(page, per_page)?;
        let reviews = core_of(ctx)?.reviews.product_reviews(self.slug_text(), sort.into(), pagination).await.coded()?;
        Ok(ReviewPage::from(reviews.reviews))
    }
}

/// What a card lacks of the product's detail, read in one batch per request.
async fn facts(ctx: &Context<'_>, product_id: i64) -> async_graphql::Result<ProductFacts> {
    // Products are archived, never deleted, so a listed id always has a row.
    load(ctx, FactsOf(product_id)).await?.ok_or_else(|| {
        from_app(AppError::internal(anyhow::anyhow!("product {product_id} vanished between its list and its facts")))
    })
}

/// A page of products.
#[derive(SimpleObject)]
pub struct ProductPage {
    pub items: Vec<Product>,
    pub page: u32,
    pub per_page: u32,
    /// Products matching in all pages; an estimate above 10,000 when
    /// `totalIsExact` is false.
    pub total: i64,
    /// False when more than 10,000 products match a filtered or searched
    /// list and `total` is an estimate.
    pub total_is_exact: bool,
    pub total_pages: i64,
    /// "Did you mean": set only when `q` as typed matched nothing and the
    /// items are those of the corrected search.
    pub suggestion: Option<String>,
    /// Pass as `cursor` for the next page (any depth, same `sort`); null on
    /// the last page.
    pub next_cursor: Option<String>,
}

impl From<ProductList> for ProductPage {
    fn from(list: ProductList) -> Self {
        Self {
            items: list.items.into_iter().map(Product::from).collect(),
            page: list.page,
            per_page: list.per_page,
            total: list.total,
            total_is_exact: list.total_is_exact,
            total_pages: list.total_pages,
            suggestion: list.suggestion,
            next_cursor: list.next_cursor,
        }
    }
}

/// A sellable version of a product (size, colour…).
#[derive(SimpleObject)]
pub struct Variant {
    pub id: ID,
    pub sku: String,
    pub name: String,
    /// Option name to value, e.g. `{"size": "M", "color": "red"}`.
    pub options: Json<BTreeMap<String, String>>,
    /// Its own price, or the product's when it has none.
    pub price_cents: i64,
    pub stock: i32,
    pub low_stock_threshold: i32,
}

impl From<CoreVariant> for Variant {
    fn from(variant: CoreVariant) -> Self {
        Self {
            id: ID(variant.id.to_string()),
            sku: variant.sku,
            name: variant.name,
            options: Json(variant.options),
            price_cents: variant.price_cents.0,
            stock: variant.stock,
            low_stock_threshold: variant.low_stock_threshold,
        }
    }
}

#[derive(SimpleObject)]
pub struct Image {
    pub id: ID,
    pub url: String,
    pub alt: String,
    pub thumbnail_url: String,
    pub width: i32,
    pub height: i32,
}

impl From<ProductImage> for Image {
    fn from(image: ProductImage) -> Self {
        Self {
            id: ID(image.id.to_string()),
            url: image.url,
            alt: image.alt,
            thumbnail_url: image.thumbnail_url,
            width: image.width,
            height: image.height,
        }
    }
}

/// A visible review of a product.
#[derive(SimpleObject)]
pub struct Review {
    pub id: ID,
    /// 1 to 5 stars.
    pub rating: i32,
    pub title: String,
    pub body: String,
    pub author_name: String,
    /// The author received this product in an order.
    pub verified_purchase: bool,
    pub created_at: String,
    pub updated_at: Option<String>,
}

impl From<CoreReview> for Review {
    fn from(review: CoreReview) -> Self {
        Self {
            id: ID(review.id.to_string()),
            rating: review.rating,
            title: review.title,
            body: review.body,
            author_name: review.author_name,
            verified_purchase: review.verified_purchase,
            created_at: review.created_at,
            updated_at: review.updated_at,
        }
    }
}

#[derive(SimpleObject)]
pub struct ReviewPage {
    pub items: Vec<Review>,
    pub page: u32,
    pub per_page: u32,
    pub total: i64,
    pub total_pages: i64,
}

impl From<Page<CoreReview>> for ReviewPage {
    fn from(page: Page<CoreReview>) -> Self {
        Self {
            items: page.items.into_iter().map(Review::from).collect(),
            page: page.page,
            per_page: page.per_page,
            total: page.total,
            total_pages: page.total_pages,
        }
    }
}
