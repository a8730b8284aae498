//! The GraphQL `Category`: a node of the category tree. The tree is read
//! whole (one cached entry, see `nexus_core::catalog::tree`) and shared by
//! every category of a response; a product's category knows its id, slug
//! and name already and reads the tree only for the other fields.

use std::sync::Arc;

use async_graphql::{Context, ID, Object};
use nexus_core::{
    catalog::tree::{CategoryRow, CategoryTree},
    model::CategoryRef,
};

use super::load;
use crate::server::{
    error::AppError,
    graphql::{
        errors::from_app,
        limits::{self, TYPICAL_LIST_LEN},
        loaders::TreeFor,
    },
};

pub struct Category {
    id: i64,
    /// Id, slug and name, when they came with a product.
    reference: Option<CategoryRef>,
    /// The tree, when the category was found in it.
    tree: Option<Arc<CategoryTree>>,
}

impl Category {
    /// The category `id` of `tree`, if it is there.
    pub fn of(tree: Arc<CategoryTree>, id: i64) -> Option<Self> {
        tree.find_by_id(id).is_some().then_some(Self { id, reference: None, tree: Some(tree) })
    }

    /// A category as a product names it.
    pub fn referenced(reference: CategoryRef) -> Self {
        Self { id: reference.id, reference: Some(reference), tree: None }
    }

    async fn tree(&self, ctx: &Context<'_>) -> async_graphql::Result<Arc<CategoryTree>> {
        if let Some(tree) = &self.tree {
            return Ok(tree.clone());
        }
        load(ctx, TreeFor(self.id)).await?.ok_or_else(|| missing(self.id))
    }

    async fn row(&self, ctx: &Context<'_>) -> async_graphql::Result<CategoryRow> {
        self.tree(ctx).await?.find_by_id(self.id).cloned().ok_or_else(|| missing(self.id))
    }

    fn related(&self, tree: &Arc<CategoryTree>, ids: impl Iterator<Item = i64>) -> Vec<Category> {
        ids.filter_map(|id| Category::of(tree.clone(), id)).collect()
    }
}

/// A category a product names is in the tree: categories with products
/// cannot be deleted, and a fresh tree is read after a write.
fn missing(id: i64) -> async_graphql::Error {
    from_app(AppError::internal(anyhow::anyhow!("category {id} is not in the category tree")))
}

#[Object]
impl Category {
    async fn id(&self) -> ID {
        ID(self.id.to_string())
    }

    async fn name(&self, ctx: &Context<'_>) -> async_graphql::Result<String> {
        match &self.reference {
            Some(reference) => Ok(reference.name.clone()),
            None => Ok(self.row(ctx).await?.name),
        }
    }

    async fn slug(&self, ctx: &Context<'_>) -> async_graphql::Result<String> {
        match &self.reference {
            Some(reference) => Ok(reference.slug.clone()),
            None => Ok(self.row(ctx).await?.slug),
        }
    }

    async fn description(&self, ctx: &Context<'_>) -> async_graphql::Result<String> {
        Ok(self.row(ctx).await?.description)
    }

    async fn parent_id(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<ID>> {
        Ok(self.row(ctx).await?.parent_id.map(|id| ID(id.to_string())))
    }

    /// Listed products in this category and all its descendants.
    async fn product_count(&self, ctx: &Context<'_>) -> async_graphql::Result<i64> {
        let tree = self.tree(ctx).await?;
        let slug = self.row(ctx).await?.slug;
        tree.detail(&slug).map(|detail| detail.product_count).ok_or_else(|| missing(self.id))
    }

    #[graphql(complexity = "limits::list_cost(TYPICAL_LIST_LEN, child_complexity)")]
    async fn children(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Category>> {
        let tree = self.tree(ctx).await?;
        let slug = self.row(ctx).await?.slug;
        let children = tree.detail(&slug).map(|detail| detail.children).unwrap_or_default();
        Ok(self.related(&tree, children.iter().map(|child| child.id)))
    }

    /// The breadcrumb: root first, not including this category.
    #[graphql(complexity = "limits::list_cost(TYPICAL_LIST_LEN, child_complexity)")]
    async fn ancestors(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Category>> {
        let tree = self.tree(ctx).await?;
        let ancestors = tree.ancestors(self.id);
        Ok(self.related(&tree, ancestors.iter().map(|ancestor| ancestor.id)))
    }
}
