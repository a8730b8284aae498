//! Writes the whole catalog — every category, every product (inactive and
//! archived too) and every variant — in the three-file format that
//! [`super::import`] reads, streaming rows from PostgreSQL into the writer
//! in chunks of about 64 KiB: memory stays flat whatever the catalog's size.
//!
//! What the files say, so that importing an export gives the same catalog:
//! - `id` columns: a row's `import_id` when it came from a file, else its
//!   own id negated (`-42`), which cannot clash with a file's positive ids
//!   and stays the same from one export to the next. Importing the export
//!   back into this store matches such rows by slug (categories) or SKU
//!   (products, variants) and records the id, so nothing is duplicated.
//! - `is_active`: `false` for inactive *and* for archived products (the
//!   format has no archive column; both mean "not listed").
//! - A product whose only variant is the plain default one the import or the
//!   product form makes (its own SKU, named `Default`, no options, no price
//!   of its own) has no rows in `variants.csv`: its `stock` column is that
//!   variant's stock. Every other product lists all its variants, in their
//!   order, and its `stock` column is their sum (which the import ignores).
//! - Categories come depth first, siblings in their order; variants follow
//!   their product's order. `created_at` keeps sub-second digits if any.
//!
//! Not in the format, so not exported: images, ratings, the featured flag,
//! low-stock thresholds, and when a product was archived.

mod queries;

use std::{fmt, path::Path, pin::Pin};

use chrono::{DateTime, SecondsFormat, Utc};
use futures_util::{Stream, TryStreamExt};
use nexus_model::Cents;
use serde::{Serialize, Serializer};
use sqlx::{PgConnection, PgPool};
use tokio::io::{AsyncWrite, AsyncWriteExt};

use super::{
    CatalogService,
    import::{CATEGORY_COLUMNS, PRODUCT_COLUMNS, VARIANT_COLUMNS},
};

/// Rows are handed on in chunks of about this many bytes.
const CHUNK_BYTES: usize = 64 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error("writing {file} failed: {source}")]
    Write { file: &'static str, source: std::io::Error },
}

/// One of the three files of a catalog.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CatalogFile {
    Categories,
    Products,
    Variants,
}

impl CatalogFile {
    pub const ALL: [CatalogFile; 3] = [CatalogFile::Categories, CatalogFile::Products, CatalogFile::Variants];

    pub fn file_name(self) -> &'static str {
        match self {
            CatalogFile::Categories => "categories.csv",
            CatalogFile::Products => "products.csv",
            CatalogFile::Variants => "variants.csv",
        }
    }

    /// Finds a file by its name (`products.csv`).
    pub fn from_file_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|file| file.file_name() == name)
    }
}

/// Rows written to each file.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ExportSummary {
    pub categories: usize,
    pub products: usize,
    pub variants: usize,
}

/// Writes the three files into `dir` (created if missing) from one
/// snapshot of the database, so they always fit together.
pub async fn export_catalog(pool: &PgPool, dir: &Path) -> Result<ExportSummary, ExportError> {
    let write_error = |file: &'static str| move |source| ExportError::Write { file, source };
    tokio::fs::create_dir_all(dir).await.map_err(write_error("the directory"))?;
    let mut tx = pool.begin().await?;
    // A utility statement, which the query macros do not check.
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").execute(&mut *tx).await?;
    let mut summary = ExportSummary::default();
    for file in CatalogFile::ALL {
        let out = tokio::fs::File::create(dir.join(file.file_name())).await.map_err(write_error(file.file_name()))?;
        let rows = write_file(&mut tx, file, &mut Writer(out)).await?;
        match file {
            CatalogFile::Categories => summary.categories = rows,
            CatalogFile::Products => summary.products = rows,
            CatalogFile::Variants => summary.variants = rows,
        }
    }
    tx.commit().await?;
    Ok(summary)
}

/// Writes one file into `out` and returns how many rows it has. Flushes
/// `out`, but does not shut it down.
pub async fn export_file<W: AsyncWrite + Unpin + Send>(
    pool: &PgPool,
    file: CatalogFile,
    out: &mut W,
) -> Result<usize, ExportError> {
    let mut conn = pool.acquire().await?;
    write_file(&mut conn, file, &mut Writer(out)).await
}

/// One file as a stream of byte chunks that owns what it needs, for a web
/// response body (`axum::body::Body::from_stream`). A reader that stops
/// reading holds a query open; one that drops the stream ends it.
pub fn export_stream(
    pool: PgPool,
    file: CatalogFile,
) -> impl Stream<Item = Result<Vec<u8>, ExportError>> + Send + 'static {
    // Two chunks in flight: the query runs ahead of the client by 128 KiB.
    let (sender, receiver) = tokio::sync::mpsc::channel(2);
    tokio::spawn(async move {
        let result = async {
            let mut conn = pool.acquire().await?;
            write_file(&mut conn, file, &mut Channel(sender.clone())).await
        }
        .await;
        if let Err(error) = result {
            tracing::error!(%error, file = file.file_name(), "catalog export failed");
            // Nobody left to tell when the receiver is gone.
            let _ = sender.send(Err(error)).await;
        }
    });
    futures_util::stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|chunk| (chunk, receiver))
    })
}

impl CatalogService {
    /// The whole catalog as three files in `dir`; see [`export_catalog`].
    pub async fn export_to_dir(&self, dir: &Path) -> Result<ExportSummary, ExportError> {
        export_catalog(&self.pool, dir).await
    }

    /// One file of the catalog written into `out`; see [`export_file`].
    pub async fn export_to<W: AsyncWrite + Unpin + Send>(
        &self,
        file: CatalogFile,
        out: &mut W,
    ) -> Result<usize, ExportError> {
        export_file(&self.pool, file, out).await
    }

    /// One file of the catalog as a stream of byte chunks; see [`export_stream`].
    pub fn export_stream(
        &self,
        file: CatalogFile,
    ) -> impl Stream<Item = Result<Vec<u8>, ExportError>> + Send + 'static {
        export_stream(self.pool.clone(), file)
    }
}

/// Where the chunks of a file go.
trait Sink {
    async fn put(&mut self, file: CatalogFile, chunk: Vec<u8>) -> Result<(), ExportError>;
    async fn finish(&mut self, file: CatalogFile) -> Result<(), ExportError>;
}

struct Writer<W>(W);

impl<W: AsyncWrite + Unpin + Send> Sink for Writer<W> {
    async fn put(&mut self, file: CatalogFile, chunk: Vec<u8>) -> Result<(), ExportError> {
        self.0.write_all(&chunk).await.map_err(|source| ExportError::Write { file: file.file_name(), source })
    }

    async fn finish(&mut self, file: CatalogFile) -> Result<(), ExportError> {
        self.0.flush().await.map_err(|source| ExportError::Write { file: file.file_name(), source })
    }
}

struct Channel(tokio::sync::mpsc::Sender<Result<Vec<u8>, ExportError>>);

impl Sink for Channel {
    async fn put(&mut self, file: CatalogFile, chunk: Vec<u8>) -> Result<(), ExportError> {
        self.0.send(Ok(chunk)).await.map_err(|_| ExportError::Write {
            file: file.file_name(),
            source: std::io::Error::new(std::io::ErrorKind::BrokenPipe, "the reader of the export went away"),
        })
    }

    async fn finish(&mut self, _: CatalogFile) -> Result<(), ExportError> {
        Ok(())
    }
}

type Rows<'c, T> = Pin<Box<dyn Stream<Item = Result<T, sqlx::Error>> + Send + 'c>>;

async fn write_file(conn: &mut PgConnection, file: CatalogFile, sink: &mut impl Sink) -> Result<usize, ExportError> {
    match file {
        CatalogFile::Categories => {
            let rows = queries::categories(conn);
            write_rows(file, &CATEGORY_COLUMNS, rows, sink, |csv, row| {
                csv.serialize(CategoryLine {
                    id: row.id,
                    parent_id: row.parent_id,
                    name: &row.name,
                    slug: &row.slug,
                    description: &row.description,
                })
            })
            .await
        }
        CatalogFile::Products => {
            let rows = queries::products(conn);
            write_rows(file, &PRODUCT_COLUMNS, rows, sink, |csv, row| {
                csv.serialize(ProductLine {
                    id: row.id,
                    category_id: row.category_id,
                    name: &row.name,
                    slug: &row.slug,
                    sku: &row.sku,
                    description: &row.description,
                    price: Decimal(Cents(row.price_cents)),
                    stock: i64::from(row.stock),
                    is_active: row.listed,
                    created_at: Timestamp(row.created_at),
                })
            })
            .await
        }
        CatalogFile::Variants => {
            let rows = queries::variants(conn);
            write_rows(file, &VARIANT_COLUMNS, rows, sink, |csv, row| {
                csv.serialize(VariantLine {
                    id: row.id,
                    product_id: row.product_id,
                    sku: &row.sku,
                    name: &row.name,
                    options: &row.options,
                    price: row.price_cents.map(|cents| Decimal(Cents(cents))),
                    stock: row.stock,
                })
            })
            .await
        }
    }
}

type Csv = csv::Writer<Vec<u8>>;

/// Writes the header and then each row with `write`, handing the text to
/// `sink` every [`CHUNK_BYTES`].
async fn write_rows<T>(
    file: CatalogFile,
    columns: &[&str],
    mut rows: Rows<'_, T>,
    sink: &mut impl Sink,
    write: impl Fn(&mut Csv, &T) -> csv::Result<()>,
) -> Result<usize, ExportError> {
    let failed = |source: std::io::Error| ExportError::Write { file: file.file_name(), source };
    let buffer = || Vec::with_capacity(CHUNK_BYTES + 16 * 1024);
    let mut csv = csv_writer(buffer(), columns).map_err(|e| failed(e.into()))?;
    let mut count = 0;
    while let Some(row) = rows.try_next().await? {
        write(&mut csv, &row).map_err(|e| failed(e.into()))?;
        count += 1;
        if csv.get_ref().len() >= CHUNK_BYTES {
            let full = std::mem::replace(&mut csv, csv::WriterBuilder::new().has_headers(false).from_writer(buffer()));
            sink.put(file, full.into_inner().map_err(|e| failed(e.into_error()))?).await?;
        }
    }
    let rest = csv.into_inner().map_err(|e| failed(e.into_error()))?;
    if !rest.is_empty() {
        sink.put(file, rest).await?;
    }
    sink.finish(file).await?;
    Ok(count)
}

/// A CSV writer that has written the header `columns`.
pub(super) fn csv_writer<W: std::io::Write>(out: W, columns: &[&str]) -> csv::Result<csv::Writer<W>> {
    let mut writer = csv::WriterBuilder::new().has_headers(false).from_writer(out);
    writer.write_record(columns)?;
    Ok(writer)
}

// The rows of each file, in column order (see `import::*_COLUMNS`).

#[derive(Serialize)]
pub(super) struct CategoryLine<'a> {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub name: &'a str,
    pub slug: &'a str,
    pub description: &'a str,
}

#[derive(Serialize)]
pub(super) struct ProductLine<'a> {
    pub id: i64,
    pub category_id: i64,
    pub name: &'a str,
    pub slug: &'a str,
    pub sku: &'a str,
    pub description: &'a str,
    pub price: Decimal,
    pub stock: i64,
    pub is_active: bool,
    pub created_at: Timestamp,
}

#[derive(Serialize)]
pub(super) struct VariantLine<'a> {
    pub id: i64,
    pub product_id: i64,
    pub sku: &'a str,
    pub name: &'a str,
    pub options: &'a str,
    pub price: Option<Decimal>,
    pub stock: i32,
}

/// A price as the files write it: `365.21`.
pub(crate) struct Decimal(pub Cents);

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0.0 < 0 { "-" } else { "" };
        let cents = self.0.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", cents / 100, cents % 100)
    }
}

impl Serialize for Decimal {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// RFC 3339 in UTC, `2025-01-19T09:20:15Z`, with sub-second digits only
/// when there are any.
pub(super) struct Timestamp(pub DateTime<Utc>);

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0.to_rfc3339_opts(SecondsFormat::AutoSi, true))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_are_written_with_two_places() {
        assert_eq!(Decimal(Cents(36521)).to_string(), "365.21");
        assert_eq!(Decimal(Cents(7)).to_string(), "0.07");
        assert_eq!(Decimal(Cents(1200)).to_string(), "12.00");
        assert_eq!(Cents::parse_decimal(&Decimal(Cents(90_005)).to_string()), Ok(Cents(90_005)));
    }

    #[test]
    fn timestamps_keep_sub_seconds_only_when_there_are_some() {
        let whole = DateTime::from_timestamp(1_737_278_415, 0).unwrap();
        assert_eq!(Timestamp(whole).0.to_rfc3339_opts(SecondsFormat::AutoSi, true), "2025-01-19T09:20:15Z");
        let mut out = csv_writer(Vec::new(), &["at"]).unwrap();
        out.serialize((Timestamp(DateTime::from_timestamp(1_737_278_415, 123_456_000).unwrap()),)).unwrap();
        let text = String::from_utf8(out.into_inner().unwrap()).unwrap();
        assert_eq!(text, "at\n2025-01-19T09:20:15.123456Z\n");
    }

    #[test]
    fn file_names_round_trip() {
        for file in CatalogFile::ALL {
            assert_eq!(CatalogFile::from_file_name(file.file_name()), Some(file));
        }
        assert_eq!(CatalogFile::from_file_name("orders.csv"), None);
    }
}
