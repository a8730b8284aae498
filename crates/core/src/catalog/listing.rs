//! SQL for the product card lists: the filtered, sorted, searched list (its
//! sort orders and cursors are `paging`'s) and the home page's featured
//! products. Their SQL is composed at run time from the filters; every value
//! is a bound parameter, only fixed fragments are concatenated.

use nexus_model::{EXACT_TOTAL_LIMIT, ProductQuery, pagination::MAX_LIST_DEPTH};
use sqlx::{PgConnection, PgPool, Postgres, QueryBuilder};

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
    /// Whether the maintained counts hold the total: only the category and
    /// `in_stock` narrow the list.
    fn counted_in_advance(&self, words: &[String]) -> bool {
        let query = self.query;
        words.is_empty() && query.min_price.is_none() && query.max_price.is_none() && query.min_rating.is_none()
    }

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

/// How many products a list matches: exact, or — when counting them would
/// cost as much as the matches are many — at least [`EXACT_TOTAL_LIMIT`] + 1
/// and an estimate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Total {
    pub count: i64,
    pub exact: bool,
}

pub(super) async fn list(pool: &PgPool, filters: &Filters<'_>) -> Result<(Vec<ProductCardRow>, Total), sqlx::Error> {
    let words = filters.query.q.as_deref().map(search::words).unwrap_or_default();
    // Full text first: the page and its total, side by side on two
    // connections. Trigram matching (a second GIN index, and a similarity
    // per candidate row) runs only when the words as typed match nothing,
    // which is when typos matter.
    let mut select = page_query(filters, &words, Matching::FullText);
    let rows = select.build_query_as::<ProductCardRow>().fetch_all(pool);
    let total = async {
        if filters.counted_in_advance(&words) {
            let count = maintained_count(pool, filters).await?;
            return Ok(Total { count, exact: true });
        }
        let mut conn = pool.acquire().await?;
        counted_total(&mut conn, pool, filters, &words, Matching::FullText).await
    };
    let (rows, total) = tokio::try_join!(rows, total)?;
    if words.is_empty() || total.count > 0 {
        return Ok((rows, total));
    }
    let mut tx = begin_typo_tolerant(pool).await?;
    let rows =
        page_query(filters, &words, Matching::Typo).build_query_as::<ProductCardRow>().fetch_all(&mut *tx).await?;
    let total = counted_total(&mut tx, pool, filters, &words, Matching::Typo).await?;
    tx.commit().await?;
    Ok((rows, total))
}

/// Listed products in the category scope (all, or the given subtree), in
/// stock or not as the filter says, from the counts every product write
/// keeps (`category_counts`): a few hundred rows, never the products.
async fn maintained_count(pool: &PgPool, filters: &Filters<'_>) -> Result<i64, sqlx::Error> {
    let column = if filters.query.in_stock { "listed_in_stock" } else { "listed" };
    sqlx::query_scalar(&format!(
        "SELECT coalesce(sum({column}), 0)::bigint FROM category_counts
         WHERE $1::bigint[] IS NULL OR category_id = ANY($1)"
    ))
    .bind(filters.category_ids.map(<[i64]>::to_vec))
    .fetch_one(pool)
    .await
}

/// Counts the matches up to [`EXACT_TOTAL_LIMIT`] + 1, which stops the
/// scan there. Past the limit the total is the planner's estimate of the
/// matches, kept between the limit and the maintained count of the scope
/// (which every match is part of), and says it is not exact.
async fn counted_total(
    conn: &mut PgConnection,
    pool: &PgPool,
    filters: &Filters<'_>,
    words: &[String],
    matching: Matching,
) -> Result<Total, sqlx::Error> {
    let mut count = QueryBuilder::new("SELECT count(*) FROM (SELECT 1 FROM products p");
    filters.push_where(&mut count, words, matching);
    count.push(" LIMIT ").push_bind(EXACT_TOTAL_LIMIT + 1).push(") AS capped");
    let count: i64 = count.build_query_scalar().fetch_one(&mut *conn).await?;
    if count <= EXACT_TOTAL_LIMIT {
        return Ok(Total { count, exact: true });
    }
    let mut explain = QueryBuilder::new("EXPLAIN (FORMAT JSON) SELECT 1 FROM products p");
    filters.push_where(&mut explain, words, matching);
    let plan: serde_json::Value = explain.build_query_scalar().fetch_one(&mut *conn).await?;
    let planned = plan[0]["Plan"]["Plan Rows"]
        .as_f64()
        .ok_or_else(|| sqlx::Error::Protocol(format!("EXPLAIN gave no row estimate for a product list: {plan}")))?;
    let at_least = EXACT_TOTAL_LIMIT + 1;
    let at_most = maintained_count(pool, filters).await?.max(at_least);
    // `as` saturates a float that does not fit.
    Ok(Total { count: (planned.round() as i64).clamp(at_least, at_most), exact: false })
}

/// The page query. Totals are counted apart (see [`list`]), so a plain list
/// walks an index and stops at the page.
///
/// A search ranked by relevance ranks only its best-rated matches, as many
/// as relevance pages go deep ([`MAX_LIST_DEPTH`]): scoring a match reads
/// its whole search document, and a common word matches a third of a big
/// catalog (`durable`: 305,612 of the bench's million). The candidates
/// come from the rating sort's index, walked until enough rows match, or,
/// for a rarer word, from the search index — the planner picks by the
/// word's frequency — so the cost stops at the bound whatever the matches.
/// Every page of one search ranks the same candidates, so its pages
/// neither repeat nor skip a product.
fn page_query<'a>(filters: &Filters<'_>, words: &[String], matching: Matching) -> QueryBuilder<'a, Postgres> {
    let query = filters.query;
    let after = query.cursor.as_ref().and_then(|cursor| cursor.after.as_ref());
    let ranked = paging::order_by(query.sort).is_none() && !words.is_empty();
    let mut select = QueryBuilder::new(format!("SELECT {CARD_COLUMNS}, p.created_at FROM "));
    if ranked {
        select.push("(SELECT p.* FROM products p");
        filters.push_where(&mut select, words, matching);
        select
            .push(" ORDER BY ")
            .push(paging::BEST_RATED_FIRST)
            .push(" LIMIT ")
            .push_bind(i64::from(MAX_LIST_DEPTH))
            .push(") p JOIN categories c ON c.id = p.category_id");
    } else {
        // `created_at` is the key of the `newest` sort, which a cursor names.
        select.push("products p JOIN categories c ON c.id = p.category_id");
        filters.push_where(&mut select, words, matching);
        if let Some(after) = after {
            paging::push_after(&mut select, query.sort, after);
        }
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
    select
}

/// A read transaction in which `%>` accepts one-typo matches, read
/// through the trigram index. With plain index scans allowed, the capped
/// count (`LIMIT` 10,001) looks cheapest walking the listed-name index and
/// testing every name against the words: 30 ms on the 20,000-product
/// bench catalog where the trigram bitmap takes 3 ms (`EXPLAIN ANALYZE`,
/// `orgnizer`). Bitmap scans, of every index, stay allowed.
async fn begin_typo_tolerant(pool: &PgPool) -> Result<sqlx::Transaction<'static, Postgres>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query(
        "SELECT set_config('pg_trgm.word_similarity_threshold', $1, true),
                set_config('enable_indexscan', 'off', true), set_config('enable_indexonlyscan', 'off', true)",
    )
    .bind(TYPO_SIMILARITY)
    .execute(&mut *tx)
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
