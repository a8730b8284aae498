//! Reading one file as a stream, record by record into one reused
//! `StringRecord`, with the checks a row needs nothing else for: does it
//! parse, do its texts fit, are its slug, price, stock and options right.
//! Every row that parses becomes a line of COPY text for its staging table
//! (problems or not: other rows may point at it or repeat it); a row that
//! does not parse leaves its id, if it has one, so rows pointing at it are
//! not blamed too. Checks across rows are SQL over the staging tables (see
//! `check`).

use std::io::Read;

use chrono::{DateTime, Utc};
use nexus_model::Cents;
use serde::Deserialize;

use super::{
    ImportError,
    check::Check,
    stage::{CatalogFile, CopyText},
};

/// Records per batch: a few MB of COPY text, few round trips.
const BATCH_RECORDS: usize = 10_000;

/// What a batch of records became, as COPY text for the staging tables.
pub(super) struct Batch {
    file: CatalogFile,
    /// The file's staging table: the line, then the columns.
    pub rows: CopyText,
    /// `import_broken_ids`.
    pub broken_ids: CopyText,
    /// `import_problems`.
    pub problems: CopyText,
    /// Records read, good or bad.
    pub records: usize,
}

impl Batch {
    pub fn new(file: CatalogFile) -> Self {
        Self {
            file,
            rows: CopyText::default(),
            broken_ids: CopyText::default(),
            problems: CopyText::default(),
            records: 0,
        }
    }

    pub fn clear(&mut self) {
        self.rows.clear();
        self.broken_ids.clear();
        self.problems.clear();
        self.records = 0;
    }

    fn problem(&mut self, line: u64, check: Check, message: &str) {
        self.problems.plain(self.file.number()).plain(line).plain(check as i16).text(message).end_row();
    }
}

/// One file, read a batch at a time.
pub(super) struct FileReader<R> {
    file: CatalogFile,
    reader: csv::Reader<R>,
    /// `None` until the header is read.
    headers: Option<csv::StringRecord>,
    id_column: Option<usize>,
    record: csv::StringRecord,
}

impl<R: Read> FileReader<R> {
    pub fn new(file: CatalogFile, input: R) -> Self {
        let reader = csv::ReaderBuilder::new().buffer_capacity(1 << 16).from_reader(input);
        Self { file, reader, headers: None, id_column: None, record: csv::StringRecord::new() }
    }

    /// Reads up to a batch of records into `batch`; returns whether the file
    /// may have more. A file that cannot be read is an error; a record that
    /// is wrong is a problem in the batch.
    pub fn fill(&mut self, batch: &mut Batch) -> Result<bool, ImportError> {
        let Some(headers) = self.read_headers(batch)? else { return Ok(false) };
        while batch.records < BATCH_RECORDS {
            let line = self.reader.position().line();
            match self.reader.read_record(&mut self.record) {
                Ok(false) => return Ok(false),
                Ok(true) => {}
                Err(error) if error.is_io_error() => return Err(self.read_error(error)),
                Err(error) => {
                    batch.records += 1;
                    batch.problem(line, Check::Parse, &describe_csv_error(&error));
                    continue;
                }
            }
            batch.records += 1;
            let line = self.record.position().map_or(line, |p| p.line());
            if let Err(error) = stage_record(self.file, &self.record, &headers, line, batch) {
                if let Some(id) =
                    self.id_column.and_then(|i| self.record.get(i)).and_then(|id| id.trim().parse::<i64>().ok())
                {
                    batch.broken_ids.plain(self.file.number()).plain(id).end_row();
                }
                let message = match error.kind() {
                    csv::ErrorKind::Deserialize { err, .. } => {
                        let column = err.field().and_then(|i| headers.get(i as usize)).unwrap_or("a field");
                        format!("{column}: {}", err.kind())
                    }
                    _ => describe_csv_error(&error),
                };
                batch.problem(line, Check::Parse, &message);
            }
        }
        Ok(true)
    }

    /// The header, read on the first call; `None` when the file has no
    /// usable one (a problem on line 1, once) and its rows are not read.
    fn read_headers(&mut self, batch: &mut Batch) -> Result<Option<csv::StringRecord>, ImportError> {
        if let Some(headers) = &self.headers {
            return Ok((!headers.is_empty()).then(|| headers.clone()));
        }
        // An empty record stands for "no usable header" on later calls.
        self.headers = Some(csv::StringRecord::new());
        let headers = match self.reader.headers() {
            Ok(headers) => headers.clone(),
            Err(error) if error.is_io_error() => return Err(self.read_error(error)),
            Err(_) => {
                batch.problem(1, Check::Parse, "the header is not valid UTF-8");
                return Ok(None);
            }
        };
        let columns = self.file.columns();
        let missing: Vec<&str> = columns.iter().copied().filter(|c| !headers.iter().any(|h| h == *c)).collect();
        if !missing.is_empty() {
            let message = format!("missing column(s) {}; expected {}", missing.join(", "), columns.join(","));
            batch.problem(1, Check::Parse, &message);
            return Ok(None);
        }
        self.id_column = headers.iter().position(|h| h == "id");
        self.headers = Some(headers.clone());
        Ok(Some(headers))
    }

    fn read_error(&self, error: csv::Error) -> ImportError {
        let file = self.file.name().to_owned();
        match error.into_kind() {
            csv::ErrorKind::Io(source) => ImportError::Read { file, source },
            other => ImportError::Read { file, source: std::io::Error::other(format!("{other:?}")) },
        }
    }
}

fn describe_csv_error(error: &csv::Error) -> String {
    match error.kind() {
        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
            format!("has {len} fields, the header has {expected_len}")
        }
        csv::ErrorKind::Utf8 { .. } => "is not valid UTF-8".to_owned(),
        _ => error.to_string(),
    }
}

#[derive(Deserialize)]
struct CategoryRecord<'a> {
    id: i64,
    parent_id: Option<i64>,
    name: &'a str,
    slug: &'a str,
    description: &'a str,
}

#[derive(Deserialize)]
struct ProductRecord<'a> {
    id: i64,
    category_id: i64,
    name: &'a str,
    slug: &'a str,
    sku: &'a str,
    description: &'a str,
    price: &'a str,
    stock: i32,
    is_active: bool,
    created_at: DateTime<Utc>,
}

#[derive(Deserialize)]
struct VariantRecord<'a> {
    id: i64,
    product_id: i64,
    sku: &'a str,
    name: &'a str,
    options: &'a str,
    price: &'a str,
    stock: i32,
}

/// Parses one record into its staging row and notes its own problems; an
/// error means it did not parse.
fn stage_record(
    file: CatalogFile,
    record: &csv::StringRecord,
    headers: &csv::StringRecord,
    line: u64,
    batch: &mut Batch,
) -> Result<(), csv::Error> {
    let mut problems: Vec<(Check, String)> = Vec::new();
    match file {
        CatalogFile::Categories => {
            let c: CategoryRecord = record.deserialize(Some(headers))?;
            batch.rows.plain(line).plain(c.id).optional(c.parent_id).text(c.name).text(c.slug).text(c.description);
            problems.extend(check_slug(c.slug));
            problems.extend(check_text(c.name, "name", 200).map(|m| (Check::Name, m)));
        }
        CatalogFile::Products => {
            let p: ProductRecord = record.deserialize(Some(headers))?;
            let price = Cents::parse_price(p.price);
            batch.rows.plain(line).plain(p.id).plain(p.category_id).text(p.name).text(p.slug).text(p.sku);
            batch.rows.text(p.description).optional(price.as_ref().ok().map(|c| c.0)).plain(p.stock);
            batch.rows.plain(p.is_active).plain(p.created_at.to_rfc3339());
            problems.extend(check_slug(p.slug));
            problems.extend(check_text(p.name, "name", 300).map(|m| (Check::Name, m)));
            problems.extend(check_text(p.sku, "sku", 64).map(|m| (Check::SkuLength, m)));
            problems.extend(check_stock(p.stock));
            problems.extend(price.err().map(|e| (Check::Price, e.to_string())));
        }
        CatalogFile::Variants => {
            let v: VariantRecord = record.deserialize(Some(headers))?;
            let price = match v.price.trim() {
                "" => Ok(None),
                text => Cents::parse_price(text).map(Some),
            };
            batch.rows.plain(line).plain(v.id).plain(v.product_id).text(v.sku).text(v.name).text(v.options);
            batch.rows.optional(price.as_ref().ok().copied().flatten().map(|c| c.0)).plain(v.stock);
            problems.extend(check_text(v.sku, "sku", 64).map(|m| (Check::SkuLength, m)));
            problems.extend(check_stock(v.stock));
            let options_ok = matches!(serde_json::from_str(v.options), Ok(serde_json::Value::Object(_)));
            problems.extend(
                (!options_ok).then(|| (Check::Options, format!("options `{}` is not a JSON object", v.options))),
            );
            problems.extend(price.err().map(|e| (Check::Price, e.to_string())));
        }
    }
    batch.rows.end_row();
    for (check, message) in problems {
        batch.problem(line, check, &message);
    }
    Ok(())
}

/// Whether `slug` fits the schema's check: lower-case letters and digits in
/// words joined by single hyphens.
pub(crate) fn is_slug(slug: &str) -> bool {
    !slug.is_empty()
        && slug
            .split('-')
            .all(|word| !word.is_empty() && word.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()))
}

fn check_slug(slug: &str) -> Option<(Check, String)> {
    (!is_slug(slug)).then(|| {
        let message = format!("slug `{slug}` must be lower-case letters and digits, in words joined by single hyphens");
        (Check::SlugFormat, message)
    })
}

fn check_text(value: &str, column: &str, max_chars: usize) -> Option<String> {
    let chars = value.chars().count();
    (chars == 0 || chars > max_chars).then(|| format!("{column} must be 1 to {max_chars} characters (it has {chars})"))
}

fn check_stock(stock: i32) -> Option<(Check, String)> {
    (stock < 0).then(|| (Check::NegativeStock, format!("stock {stock} is negative")))
}

#[cfg(test)]
mod tests {
    use super::*;

    const CATEGORIES_HEADER: &str = "id,parent_id,name,slug,description\n";
    const PRODUCTS_HEADER: &str = "id,category_id,name,slug,sku,description,price,stock,is_active,created_at\n";
    const VARIANTS_HEADER: &str = "id,product_id,sku,name,options,price,stock\n";

    /// Reads the whole of `text` as `file`; returns the staged rows, the
    /// broken ids and the problems as COPY text.
    fn read(file: CatalogFile, text: &str) -> (String, String, String) {
        let mut reader = FileReader::new(file, text.as_bytes());
        let mut batch = Batch::new(file);
        let (mut rows, mut broken, mut problems) = (String::new(), String::new(), String::new());
        loop {
            let more = reader.fill(&mut batch).unwrap();
            let text = |copy: &CopyText| String::from_utf8(copy.bytes().to_vec()).unwrap();
            rows += &text(&batch.rows);
            broken += &text(&batch.broken_ids);
            problems += &text(&batch.problems);
            batch.clear();
            if !more {
                return (rows, broken, problems);
            }
        }
    }

    #[test]
    fn rows_are_staged_with_their_line_escaped_and_prices_in_cents() {
        let categories = format!("{CATEGORIES_HEADER}1,,A,a,\n2,1,B,b,\"Quoted, with a comma\"\n");
        let (rows, _, problems) = read(CatalogFile::Categories, &categories);
        assert_eq!(rows, "2\t1\t\\N\tA\ta\t\n3\t2\t1\tB\tb\tQuoted, with a comma\n");
        assert_eq!(problems, "");

        let products = format!("{PRODUCTS_HEADER}7,2,P,p,SKU-7,\"Two\nlines\",19.9,3,true,2025-01-01T00:00:00Z\n");
        let (rows, _, _) = read(CatalogFile::Products, &products);
        assert_eq!(rows, "2\t7\t2\tP\tp\tSKU-7\tTwo\\nlines\t1990\t3\ttrue\t2025-01-01T00:00:00+00:00\n");

        let variants = format!("{VARIANTS_HEADER}1,7,SKU-7-S,S,\"{{\"\"size\"\": \"\"S\"\"}}\",,4\n");
        let (rows, _, _) = read(CatalogFile::Variants, &variants);
        assert_eq!(rows, "2\t1\t7\tSKU-7-S\tS\t{\"size\": \"S\"}\t\\N\t4\n", "an empty price is the product's");
    }

    #[test]
    fn a_row_with_its_own_problems_is_still_staged_for_the_checks_across_rows() {
        let products = format!("{PRODUCTS_HEADER}8,9,Q,Not A Slug,S8,,1.234,-1,true,2025-01-01T00:00:00Z\n");
        let (rows, _, problems) = read(CatalogFile::Products, &products);
        assert!(rows.starts_with("2\t8\t9\tQ\tNot A Slug\tS8\t\t\\N\t-1\t"), "{rows}");
        let problems: Vec<&str> = problems.lines().collect();
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(problems[0].starts_with("1\t2\t4\tslug `Not A Slug` must be"), "{}", problems[0]);
        assert_eq!(problems[1], "1\t2\t10\tstock -1 is negative");
        assert!(problems[2].contains("more than two decimal places"), "{}", problems[2]);
    }

    #[test]
    fn a_row_that_does_not_parse_leaves_its_id_and_one_problem() {
        let categories = format!("{CATEGORIES_HEADER}1,,A,a,\n2,x,B,b,\n3,,C\n");
        let (rows, broken, problems) = read(CatalogFile::Categories, &categories);
        assert_eq!(rows.lines().count(), 1);
        assert_eq!(broken, "0\t2\n");
        assert_eq!(
            problems,
            "0\t3\t0\tparent_id: invalid digit found in string\n0\t4\t0\thas 3 fields, the header has 5\n"
        );
    }

    #[test]
    fn a_missing_column_is_one_bad_row_not_one_per_line() {
        let products = format!("id,name\n{}", "1,A\n".repeat(50));
        let (rows, _, problems) = read(CatalogFile::Products, &products);
        assert_eq!(rows, "");
        assert_eq!(problems.lines().count(), 1);
        assert!(problems.starts_with("1\t1\t0\tmissing column(s) category_id, slug"), "{problems}");
    }

    #[test]
    fn a_file_longer_than_a_batch_is_read_in_batches_with_every_line() {
        let products: String = std::iter::once(PRODUCTS_HEADER.to_owned())
            .chain(
                (1..=BATCH_RECORDS * 2 + 3).map(|i| format!("{i},1,P,p-{i},S{i},,1.00,1,true,2025-01-01T00:00:00Z\n")),
            )
            .collect();
        let mut reader = FileReader::new(CatalogFile::Products, products.as_bytes());
        let mut batch = Batch::new(CatalogFile::Products);
        let mut sizes = Vec::new();
        loop {
            let more = reader.fill(&mut batch).unwrap();
            sizes.push(batch.records);
            let last_line = String::from_utf8(batch.rows.bytes().to_vec()).unwrap().lines().last().map(str::to_owned);
            if !more {
                assert_eq!(last_line.unwrap().split('\t').next(), Some(&*(BATCH_RECORDS * 2 + 4).to_string()));
                break;
            }
            batch.clear();
        }
        assert_eq!(sizes, [BATCH_RECORDS, BATCH_RECORDS, 3]);
    }

    #[test]
    fn slugs_follow_the_schema() {
        assert!(is_slug("audio-essentials-2"));
        for bad in ["", "Audio", "a--b", "-a", "a-", "a b", "ä"] {
            assert!(!is_slug(bad), "{bad}");
        }
    }
}
