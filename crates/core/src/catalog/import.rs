//! Loads a catalog from the three CSV files of the bench-catalog format
//! (`categories.csv`, `products.csv`, `variants.csv`; see its README), from a
//! directory or from any readers (an upload).
//!
//! Every row is checked before anything is written, and every bad row is
//! reported — file, line and why (the first [`MAX_LISTED_BAD_ROWS`], with a
//! count of the rest) — so one upload shows everything to fix. Any bad row
//! means nothing is written. The writing is one transaction, so a database
//! failure changes nothing either.
//!
//! Rows are matched on the files' stable `id` columns (`import_id`), which
//! makes a second import of the same files an update, not a duplicate; a row
//! that changes nothing is not written at all (no new `updated_at`, no ledger
//! row), and the summary counts rows created and updated per file. A file row
//! whose id the store has never seen takes over the store's own row (made by
//! staff, without an `import_id`) with the same slug (categories) or SKU
//! (products, variants) instead of colliding with it: that is how a catalog
//! exported by [`super::export`], which names such rows by a negative id,
//! re-imports into the store it came from without duplicates.
//!
//! `is_active = false` in a file and an archived product both mean "not
//! listed": the import never un-archives, and leaves an archived product's
//! own flag alone when the file says it is inactive.
//!
//! Memory stays flat whatever the size of the files: each file is streamed
//! once ([`read`]) into temporary staging tables of the import's transaction
//! ([`stage`]), the checks across rows are SQL over those ([`check`]), and
//! the catalog is written from them by set-based statements ([`write`]).

mod check;
mod read;
mod stage;
mod write;

use crate::{jobs::Jobs, settings::JobSettings};
use std::{
    fmt,
    fs::File,
    io::Read,
    path::{Path, PathBuf},
};

use sqlx::PgPool;

#[cfg(test)]
pub(crate) use self::read::is_slug;
use self::stage::CatalogFile;
use super::CatalogService;

/// Bad rows listed one by one; the rest are only counted.
pub const MAX_LISTED_BAD_ROWS: usize = 1_000;

/// The columns of each file, in the order the store writes them.
pub const CATEGORY_COLUMNS: [&str; 5] = ["id", "parent_id", "name", "slug", "description"];
pub const PRODUCT_COLUMNS: [&str; 10] =
    ["id", "category_id", "name", "slug", "sku", "description", "price", "stock", "is_active", "created_at"];
pub const VARIANT_COLUMNS: [&str; 7] = ["id", "product_id", "sku", "name", "options", "price", "stock"];

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// A file could not be opened or read (not: read but wrong).
    #[error("cannot read {file}: {source}")]
    Read { file: String, source: std::io::Error },
    /// Rows that cannot be imported as they are; nothing was written.
    #[error("{0}")]
    Invalid(BadRows),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// One row that cannot be imported, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadRow {
    /// `categories.csv`, `products.csv` or `variants.csv`.
    pub file: &'static str,
    /// The line the row starts on; the header is line 1.
    pub line: u64,
    pub message: String,
}

impl fmt::Display for BadRow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} line {}: {}", self.file, self.line, self.message)
    }
}

/// Every bad row found: the first [`MAX_LISTED_BAD_ROWS`] in file and line
/// order, and how many more there were.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BadRows {
    pub rows: Vec<BadRow>,
    pub unlisted: usize,
}

impl BadRows {
    pub fn total(&self) -> usize {
        self.rows.len() + self.unlisted
    }

    pub fn is_empty(&self) -> bool {
        self.total() == 0
    }
}

impl fmt::Display for BadRows {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let total = self.total();
        write!(f, "{total} bad row{}; nothing was imported", if total == 1 { "" } else { "s" })?;
        if let Some(first) = self.rows.first() {
            write!(f, " (first: {first})")?;
        }
        Ok(())
    }
}

/// Rows of one file: how many it had, and how many of them the import
/// created or changed (the rest were already as the file says).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct RowCounts {
    pub rows: usize,
    pub created: usize,
    pub updated: usize,
}

impl RowCounts {
    pub fn unchanged(&self) -> usize {
        self.rows - self.created - self.updated
    }

    pub fn changed(&self) -> usize {
        self.created + self.updated
    }
}

/// What an import wrote.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ImportSummary {
    pub categories: RowCounts,
    pub products: RowCounts,
    /// Rows of `variants.csv`.
    pub variants: RowCounts,
    /// The one variant of each product that has no rows in `variants.csv`.
    pub default_variants: RowCounts,
}

impl ImportSummary {
    /// Variants in the store for the files' products.
    pub fn total_variants(&self) -> usize {
        self.variants.rows + self.default_variants.rows
    }

    /// Whether the import changed anything at all.
    pub fn changed(&self) -> bool {
        [self.categories, self.products, self.variants, self.default_variants].iter().any(|c| c.changed() > 0)
    }
}

/// The three files of a catalog, from anywhere: open files, uploaded bytes
/// (`&[u8]`, `std::io::Cursor<Vec<u8>>`), …
pub struct CatalogFiles<R> {
    pub categories: R,
    pub products: R,
    pub variants: R,
}

/// Progress reports: a stage name, rows done, rows in the stage. While a
/// file is read (`read products.csv`), its rows are not known yet: the total
/// is the rows read so far.
pub type Progress<'a> = &'a mut (dyn FnMut(&str, usize, usize) + Send);

/// Reads, checks and writes the catalog in `dir`, for tools and tests
/// without a store's settings (low-stock alerts get the default retries).
pub async fn import_catalog(pool: &PgPool, dir: &Path, progress: Progress<'_>) -> Result<ImportSummary, ImportError> {
    import_dir(pool, &Jobs::new(pool.clone(), JobSettings::default()), dir, progress).await
}

/// Reads, checks and writes the catalog in `dir`.
pub(crate) async fn import_dir(
    pool: &PgPool,
    jobs: &Jobs,
    dir: &Path,
    progress: Progress<'_>,
) -> Result<ImportSummary, ImportError> {
    let open = |name: &str| {
        let path: PathBuf = dir.join(name);
        File::open(&path).map_err(|source| ImportError::Read { file: path.display().to_string(), source })
    };
    let files = CatalogFiles {
        categories: open("categories.csv")?,
        products: open("products.csv")?,
        variants: open("variants.csv")?,
    };
    import_files_with(pool, jobs, files, None, progress).await
}

/// Reads, checks and writes a catalog whose three files come from `files`.
/// The readers are read to the end before anything is written to the
/// catalog. `actor`, the staff member importing, is recorded on the ledger
/// and in the audit trail.
pub async fn import_catalog_from<R: Read>(
    pool: &PgPool,
    files: CatalogFiles<R>,
    actor: Option<i64>,
    progress: Progress<'_>,
) -> Result<ImportSummary, ImportError> {
    import_files_with(pool, &Jobs::new(pool.clone(), JobSettings::default()), files, actor, progress).await
}

async fn import_files_with<R: Read>(
    pool: &PgPool,
    jobs: &Jobs,
    files: CatalogFiles<R>,
    actor: Option<i64>,
    progress: Progress<'_>,
) -> Result<ImportSummary, ImportError> {
    // The staging tables live in the transaction, so it is opened first; a
    // bad row rolls it back before anything reaches the catalog.
    let mut tx = pool.begin().await?;
    stage::create_tables(&mut tx).await?;
    let CatalogFiles { categories, products, variants } = files;
    let mut rows = stage::load(&mut tx, CatalogFile::Categories, categories, progress).await?;
    rows += stage::load(&mut tx, CatalogFile::Products, products, progress).await?;
    rows += stage::load(&mut tx, CatalogFile::Variants, variants, progress).await?;
    stage::analyze(&mut tx).await?;
    let bad = check::bad_rows(&mut tx).await?;
    if !bad.is_empty() {
        tx.rollback().await?;
        return Err(ImportError::Invalid(bad));
    }
    progress("checked", rows, rows);
    let summary = write::write_catalog(&mut tx, jobs, actor, progress).await?;
    tx.commit().await?;
    if summary.changed() {
        // Fresh statistics, or the planner ignores the search indexes on a
        // freshly loaded table; VACUUM also sets the visibility map, so
        // counting products per category is an index-only scan (3 ms instead
        // of 20 ms on 20,000 products) without waiting for autovacuum.
        sqlx::query("VACUUM (ANALYZE) categories, products, variants").execute(pool).await?;
    }
    Ok(summary)
}

impl CatalogService {
    /// Loads a catalog from three uploaded (or otherwise opened) files, like
    /// [`CatalogService::import`], then retires the cache so nobody sees the
    /// old catalog. Returns every bad row when there is one, having changed
    /// nothing. The import is audited as `actor`'s.
    pub async fn import_files<R: Read>(
        &self,
        files: CatalogFiles<R>,
        actor: i64,
        progress: Progress<'_>,
    ) -> Result<ImportSummary, ImportError> {
        let summary = import_files_with(&self.pool, &self.jobs, files, Some(actor), progress).await?;
        if summary.changed() {
            self.invalidate().await;
        }
        Ok(summary)
    }
}
