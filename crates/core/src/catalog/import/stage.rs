//! The staging tables an import streams the files into, inside its own
//! transaction: one per file (every row that parsed, with its line), the ids
//! of rows that did not parse, and the problems found so far. They are
//! `TEMPORARY … ON COMMIT DROP`, so concurrent imports do not see each other
//! and nothing is left behind, whichever way the transaction ends. The
//! store's memory holds one batch of COPY text at a time, whatever the size
//! of the files.

use std::io::Read;

use sqlx::{PgConnection, Postgres, Transaction};

use super::{
    CATEGORY_COLUMNS, ImportError, PRODUCT_COLUMNS, Progress, VARIANT_COLUMNS,
    read::{Batch, FileReader},
};

/// One of the three files; its number orders bad rows across files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum CatalogFile {
    Categories = 0,
    Products = 1,
    Variants = 2,
}

impl CatalogFile {
    pub fn name(self) -> &'static str {
        match self {
            Self::Categories => "categories.csv",
            Self::Products => "products.csv",
            Self::Variants => "variants.csv",
        }
    }

    pub fn columns(self) -> &'static [&'static str] {
        match self {
            Self::Categories => &CATEGORY_COLUMNS,
            Self::Products => &PRODUCT_COLUMNS,
            Self::Variants => &VARIANT_COLUMNS,
        }
    }

    pub fn number(self) -> i16 {
        self as i16
    }

    pub fn from_number(number: i16) -> Self {
        match number {
            0 => Self::Categories,
            1 => Self::Products,
            2 => Self::Variants,
            other => unreachable!("import_problems.file only holds numbers of CatalogFile, not {other}"),
        }
    }

    /// The COPY statement of the file's staging table, columns in the order
    /// `read` writes them.
    fn copy_statement(self) -> &'static str {
        match self {
            Self::Categories => "COPY import_categories (line, id, parent_id, name, slug, description) FROM STDIN",
            Self::Products => {
                "COPY import_products (line, id, category_id, name, slug, sku, description, price_cents, stock,
                                       is_active, created_at) FROM STDIN"
            }
            Self::Variants => {
                "COPY import_variants (line, id, product_id, sku, name, options, price_cents, stock) FROM STDIN"
            }
        }
    }
}

/// A price that did not parse is staged as NULL (the row is already a bad
/// one); so is a variant's empty price, which means the product's.
const CREATE_TABLES: [&str; 5] = [
    "CREATE TEMPORARY TABLE import_categories (
         line bigint NOT NULL, id bigint NOT NULL, parent_id bigint, name text NOT NULL, slug text NOT NULL,
         description text NOT NULL
     ) ON COMMIT DROP",
    "CREATE TEMPORARY TABLE import_products (
         line bigint NOT NULL, id bigint NOT NULL, category_id bigint NOT NULL, name text NOT NULL,
         slug text NOT NULL, sku text NOT NULL, description text NOT NULL, price_cents bigint, stock int NOT NULL,
         is_active bool NOT NULL, created_at timestamptz NOT NULL
     ) ON COMMIT DROP",
    "CREATE TEMPORARY TABLE import_variants (
         line bigint NOT NULL, id bigint NOT NULL, product_id bigint NOT NULL, sku text NOT NULL, name text NOT NULL,
         options text NOT NULL, price_cents bigint, stock int NOT NULL
     ) ON COMMIT DROP",
    "CREATE TEMPORARY TABLE import_broken_ids (file smallint NOT NULL, id bigint NOT NULL) ON COMMIT DROP",
    // `check_order` keeps a row's problems in the order the checks are listed
    // in `check::Check`.
    "CREATE TEMPORARY TABLE import_problems (
         file smallint NOT NULL, line bigint NOT NULL, check_order smallint NOT NULL, message text NOT NULL
     ) ON COMMIT DROP",
];

/// Creates the staging tables in `tx`.
pub(super) async fn create_tables(tx: &mut Transaction<'_, Postgres>) -> Result<(), sqlx::Error> {
    // The checks and writes hash and sort whole staging tables; with the
    // default 4 MB each of them spills to disk at a million rows.
    sqlx::query("SET LOCAL work_mem = '64MB'").execute(&mut **tx).await?;
    for statement in CREATE_TABLES {
        sqlx::query(statement).execute(&mut **tx).await?;
    }
    Ok(())
}

/// Streams one file into its staging table, batch by batch; returns the
/// records read (good or bad).
pub(super) async fn load(
    tx: &mut Transaction<'_, Postgres>,
    file: CatalogFile,
    input: impl Read,
    progress: Progress<'_>,
) -> Result<usize, ImportError> {
    let mut reader = FileReader::new(file, input);
    let mut batch = Batch::new(file);
    let stage = format!("read {}", file.name());
    let mut records = 0;
    loop {
        let more = reader.fill(&mut batch)?;
        records += batch.records;
        copy(tx, file.copy_statement(), batch.rows.bytes()).await?;
        copy(tx, "COPY import_broken_ids (file, id) FROM STDIN", batch.broken_ids.bytes()).await?;
        copy(tx, "COPY import_problems (file, line, check_order, message) FROM STDIN", batch.problems.bytes()).await?;
        batch.clear();
        // A stream has no total until its end: the rows read so far stand in.
        progress(&stage, records, records);
        if !more {
            return Ok(records);
        }
    }
}

async fn copy(connection: &mut PgConnection, statement: &str, data: &[u8]) -> Result<(), sqlx::Error> {
    if data.is_empty() {
        return Ok(());
    }
    let mut copy_in = connection.copy_in_raw(statement).await?;
    copy_in.send(data).await?;
    copy_in.finish().await?;
    Ok(())
}

/// Gives the planner the staging tables' real sizes (without statistics it
/// takes a fresh table for a few rows and picks nested loops; see the 230 s
/// in `write`), and notes which products have variant rows: they decide the
/// default variants, new products' `in_stock`, and which SKUs variants may
/// not take.
pub(super) async fn analyze(tx: &mut Transaction<'_, Postgres>) -> Result<(), sqlx::Error> {
    for statement in [
        "CREATE TEMPORARY TABLE import_variant_products ON COMMIT DROP AS
         SELECT product_id, bool_or(stock > 0) AS stocked FROM import_variants GROUP BY product_id",
        "ANALYZE import_categories, import_products, import_variants, import_broken_ids, import_variant_products",
    ] {
        sqlx::query(statement).execute(&mut **tx).await?;
    }
    Ok(())
}

/// Rows in PostgreSQL's COPY text format: tab-separated fields, `\N` for
/// NULL, backslash escapes for the characters that would end a field or row.
#[derive(Default)]
pub(super) struct CopyText {
    text: Vec<u8>,
    in_row: bool,
}

impl CopyText {
    pub fn bytes(&self) -> &[u8] {
        &self.text
    }

    pub fn clear(&mut self) {
        self.text.clear();
        self.in_row = false;
    }

    fn separate(&mut self) {
        if self.in_row {
            self.text.push(b'\t');
        }
        self.in_row = true;
    }

    pub fn text(&mut self, value: &str) -> &mut Self {
        self.separate();
        for byte in value.bytes() {
            match byte {
                b'\\' => self.text.extend_from_slice(b"\\\\"),
                b'\t' => self.text.extend_from_slice(b"\\t"),
                b'\n' => self.text.extend_from_slice(b"\\n"),
                b'\r' => self.text.extend_from_slice(b"\\r"),
                other => self.text.push(other),
            }
        }
        self
    }

    /// A value whose text form needs no escaping (numbers, booleans, times).
    pub fn plain(&mut self, value: impl std::fmt::Display) -> &mut Self {
        use std::io::Write;
        self.separate();
        write!(self.text, "{value}").expect("writing to a Vec cannot fail");
        self
    }

    pub fn optional(&mut self, value: Option<impl std::fmt::Display>) -> &mut Self {
        match value {
            Some(value) => self.plain(value),
            None => {
                self.separate();
                self.text.extend_from_slice(b"\\N");
                self
            }
        }
    }

    pub fn end_row(&mut self) {
        self.text.push(b'\n');
        self.in_row = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_text_escapes_what_would_end_a_field_or_row() {
        let mut copy = CopyText::default();
        copy.plain(7).text("a\tb\nc\\d\re").optional(None::<i64>).optional(Some(12)).end_row();
        copy.text("next").end_row();
        assert_eq!(copy.bytes(), b"7\ta\\tb\\nc\\\\d\\re\t\\N\t12\nnext\n");
    }

    #[test]
    fn file_numbers_go_both_ways() {
        for file in [CatalogFile::Categories, CatalogFile::Products, CatalogFile::Variants] {
            assert_eq!(CatalogFile::from_number(file.number()), file);
        }
    }
}
