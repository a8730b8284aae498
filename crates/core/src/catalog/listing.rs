//! SQL for the product card lists: the filtered, sorted, searched list (its
//! sort orders and cursors are `paging`'s) and the home page's featured
//! products. Their SQL is composed at run time from the filters; every value
//! is a bound parameter, only fixed fragments are concatenated.

use nexus_model::ProductQuery;
use sqlx::{PgPool, Postgres, QueryBuilder};

use super::{paging, queries::ProductCardRow, search};

/// The products a shopper may see and buy (`p` is `products`); the rule
/// itself is the SQL function of the same name.
const LISTED: &str = "product_is_listed(p.is_active, p.archived_at)";

/// Columns of a product card; `p` is `products`, `c` its category.
pub(crate) const CARD_COLUMNS: &str = "
    p.id, p.slug, p.name, p.price_cents, p.in_stock,
    p.rating_average::float8 AS rating_average, p.rating_count,
    c.id AS category_id, c.slug AS category_slug, c.name AS category_name,
    (SELECT i.thumb_path FROM product_images i WHERE i.product_id = p.id ORDER BY i.position, i.id LIMIT 1) AS thumb_path";

/// Below this trigram word similarity a name is not a typo of the query.
/// The `%>` operator (which the trigram index serves) compares against
/// `pg_trgm.word_similarity_threshold`, 0.6 by default, which misses many
/// one-letter typos in short words; searches set it for their transaction.
const TYPO_SIMILARITY: &str = "0.45";

pub(super) struct Filters<'a> {
    pub query: &'a ProductQuery,
    /// The category and its descendants, already resolved.
    pub category_ids: Option<&'a [i64]>,
}

/// How a search matches: by full text first; only when that finds nothing,
/// by trigram similarity of the name (one typo).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Matching {
    FullText,
    Typo,
}

impl Filters<'_> {
    fn push_where(&self, sql: &mut QueryBuilder<'_, Postgres>, words: &[String], matching: Matching) {
        sql.push(" WHERE ").push(LISTED);
        if let Some(ids) = self.category_ids {
            sql.push(" AND p.category_id = ANY(").push_bind(ids.to_vec()).push(")");
        }
        if let Some(min) = self.query.min_price {
            sql.push(" AND p.price_cents >= ").push_bind(min);
        }
        if let Some(max) = self.query.max_price {
            sql.push(" AND p.price_cents <= ").push_bind(max);
        }
        if self.query.in_stock {
            sql.push(" AND p.in_stock");
        }
        if let Some(stars) = self.query.min_rating {
            sql.push(" AND p.rating_average >= ").push_bind(i32::from(stars));
        }
        // Both are served by GIN indexes.
        match (search::prefix_tsquery(words), matching) {
            (None, _) => {}
            (Some(tsquery), Matching::FullText) => {
                sql.push(" AND p.search_document @@ to_tsquery('english', ").push_bind(tsquery).push(")");
            }
            (Some(_), Matching::Typo) => {
                sql.push(" AND p.name %> ").push_bind(words.join(" "));
            }
        }
    }
}

pub(super) async fn list(pool: &PgPool, filters: &Filters<'_>) -> Result<(Vec<ProductCardRow>, i64), sqlx::Error> {
    let words = filters.query.q.as_deref().map(search::words).unwrap_or_default();
    if words.is_empty() {
        let (mut select, mut count) = queries(filters, &words, Matching::FullText);
        let rows = select.build_query_as::<ProductCardRow>().fetch_all(pool);
        let total = count.build_query_scalar::<i64>().fetch_one(pool);
        return tokio::try_join!(rows, total);
    }
    // Full text first: one indexed query, no transaction. Trigram matching
    // (a second GIN index, and a similarity per candidate row) runs only
    // when the words as typed match nothing, which is when typos matter.
    let (mut select, mut count) = queries(filters, &words, Matching::FullText);
    let rows = select.build_query_as::<ProductCardRow>().fetch_all(pool).await?;
    if let Some(total) = rows.first().and_then(|row| row.total) {
        return Ok((rows, total));
    }
    // No row to carry the window count: past the last page, or no match at all.
    if filters.query.pagination.page > 1 {
        let total: i64 = count.build_query_scalar().fetch_one(pool).await?;
        if total > 0 {
            return Ok((rows, total));
        }
    }
    let (mut select, mut count) = queries(filters, &words, Matching::Typo);
    let mut tx = begin_typo_tolerant(pool).await?;
    let rows = select.build_query_as::<ProductCardRow>().fetch_all(&mut *tx).await?;
    let total = match rows.first().and_then(|row| row.total) {
        Some(total) => total,
        None if filters.query.pagination.page > 1 => count.build_query_scalar::<i64>().fetch_one(&mut *tx).await?,
        None => 0,
    };
    tx.commit().await?;
    Ok((rows, total))
}

/// The page query and its count query. A search ranks every match anyway,
/// so its page query also carries the total (a window count in the same
/// pass); a plain list walks an index and stops at the page, so it counts
/// separately.
fn queries<'a>(
    filters: &Filters<'_>,
    words: &[String],
    matching: Matching,
) -> (QueryBuilder<'a, Postgres>, QueryBuilder<'a, Postgres>) {
    let query = filters.query;
    let after = query.cursor.as_ref().and_then(|cursor| cursor.after.as_ref());
    // After a cursor the window would count only the rows that follow it.
    let window_count = !words.is_empty() && after.is_none();
    let mut select = QueryBuilder::new(format!(
        "SELECT {}, p.created_at{} FROM products p JOIN categories c ON c.id = p.category_id",
        CARD_COLUMNS,
        if window_count { ", count(*) OVER () AS total" } else { "" },
    ));
    filters.push_where(&mut select, words, matching);
    if let Some(after) = after {
        paging::push_after(&mut select, query.sort, after);
    }
    select.push(" ORDER BY ");
    match paging::order_by(query.sort) {
        Some(order) => select.push(order),
        None => match (search::prefix_tsquery(words), matching) {
            (Some(tsquery), Matching::FullText) => select
                .push("ts_rank_cd(p.search_document, to_tsquery('english', ")
                .push_bind(tsquery)
                .push(")) DESC, p.id"),
            (Some(_), Matching::Typo) => {
                select.push("word_similarity(").push_bind(words.join(" ")).push(", p.name) DESC, p.id")
            }
            (None, _) => select.push("p.created_at DESC, p.id DESC"),
        },
    };
    // One row more than the page says whether another page follows.
    select.push(" LIMIT ").push_bind(query.pagination.limit() + 1);
    if after.is_none() {
        select.push(" OFFSET ").push_bind(query.pagination.offset());
    }

    let mut count = QueryBuilder::new("SELECT count(*) FROM products p");
    filters.push_where(&mut count, words, matching);
    (select, count)
}

/// A read transaction in which `%>` accepts one-typo matches.
async fn begin_typo_tolerant(pool: &PgPool) -> Result<sqlx::Transaction<'static, Postgres>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query!("SELECT set_config('pg_trgm.word_similarity_threshold', $1, true)", TYPO_SIMILARITY)
        .fetch_one(&mut *tx)
        .await?;
    Ok(tx)
}

/// Staff picks first, then the best-rated and newest products in stock.
pub(super) async fn featured_products(pool: &PgPool, limit: i64) -> Result<Vec<ProductCardRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {CARD_COLUMNS}
         FROM products p JOIN categories c ON c.id = p.category_id
         WHERE {LISTED} AND p.in_stock
         ORDER BY p.is_featured DESC, p.rating_count DESC, p.created_at DESC, p.id DESC
         LIMIT $1"
    ))
    .bind(limit)
    .fetch_all(pool)
    .await
}

/// Distinct words of listed product names (letters only), for correcting typos.
pub(super) async fn vocabulary(pool: &PgPool) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT DISTINCT lower(w) AS "word!" FROM products p, regexp_split_to_table(p.name, '[^[:alpha:]]+') AS w
           WHERE product_is_listed(p.is_active, p.archived_at) AND w <> ''
           ORDER BY 1"#,
    )
    .fetch_all(pool)
    .await
}
