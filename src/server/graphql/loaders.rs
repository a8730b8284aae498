//! Batching for fields that every item of a list resolves on its own (a
//! product's variants, images, description, category): within one request,
//! the keys asked for in the same tick are collected and read in one
//! statement through `nexus_core::catalog`'s batch reads, so a page of 100
//! products costs the same few statements as a page of 5. A loader lives
//! for one request (it is created with the request's data), so nothing
//! outlives the request it was read for.

use std::{collections::HashMap, sync::Arc};

use async_graphql::dataloader::{DataLoader, Loader};
use nexus_core::{
    Core, DatabaseError,
    catalog::{ProductFacts, tree::CategoryTree},
    model::catalog::{ProductImage, Variant},
};
use tracing::Instrument;

/// A failed batch read; shared by every key of the batch, hence the `Arc`.
pub type LoadError = Arc<DatabaseError>;

/// The variants of the product with this id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct VariantsOf(pub i64);

/// The images of the product with this id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ImagesOf(pub i64);

/// The detail-only facts of the product with this id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FactsOf(pub i64);

/// The category tree, for the category with this id: one read of the
/// (cached) tree serves every category a response mentions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TreeFor(pub i64);

/// Reads the catalog in batches; one per request.
pub struct CatalogLoader {
    core: Core,
}

pub type CatalogLoaders = DataLoader<CatalogLoader>;

/// The loaders of one request. The batch task runs in the request's span,
/// so its SQL is logged (and counted) with the request that caused it.
pub fn for_request(core: Core) -> CatalogLoaders {
    DataLoader::new(CatalogLoader { core }, |batch| tokio::spawn(batch.in_current_span()))
}

impl Loader<VariantsOf> for CatalogLoader {
    type Value = Vec<Variant>;
    type Error = LoadError;

    async fn load(&self, keys: &[VariantsOf]) -> Result<HashMap<VariantsOf, Self::Value>, Self::Error> {
        let ids: Vec<i64> = keys.iter().map(|key| key.0).collect();
        let found = self.core.catalog.variants_of(&ids).await.map_err(Arc::new)?;
        Ok(found.into_iter().map(|(id, variants)| (VariantsOf(id), variants)).collect())
    }
}

impl Loader<ImagesOf> for CatalogLoader {
    type Value = Vec<ProductImage>;
    type Error = LoadError;

    async fn load(&self, keys: &[ImagesOf]) -> Result<HashMap<ImagesOf, Self::Value>, Self::Error> {
        let ids: Vec<i64> = keys.iter().map(|key| key.0).collect();
        let found = self.core.catalog.images_of(&ids).await.map_err(Arc::new)?;
        Ok(found.into_iter().map(|(id, images)| (ImagesOf(id), images)).collect())
    }
}

impl Loader<FactsOf> for CatalogLoader {
    type Value = ProductFacts;
    type Error = LoadError;

    async fn load(&self, keys: &[FactsOf]) -> Result<HashMap<FactsOf, Self::Value>, Self::Error> {
        let ids: Vec<i64> = keys.iter().map(|key| key.0).collect();
        let found = self.core.catalog.product_facts(&ids).await.map_err(Arc::new)?;
        Ok(found.into_iter().map(|(id, facts)| (FactsOf(id), facts)).collect())
    }
}

impl Loader<TreeFor> for CatalogLoader {
    type Value = Arc<CategoryTree>;
    type Error = LoadError;

    async fn load(&self, keys: &[TreeFor]) -> Result<HashMap<TreeFor, Self::Value>, Self::Error> {
        let tree = Arc::new(self.core.catalog.tree().await.map_err(Arc::new)?);
        Ok(keys.iter().map(|&key| (key, tree.clone())).collect())
    }
}
