//! Where a page of the product list starts: an offset, or the keyset of a
//! cursor (see `nexus_model::cursor`). Each keyset below is the ORDER BY of
//! its sort written as one row comparison, so the page is a range scan of
//! that sort's index from the last row shown (migration 20261204000201).

use chrono::{DateTime, Utc};
use nexus_model::{
    Pagination, ProductQuery, Sort,
    cursor::{After, ListCursor, SortKey},
};
use sqlx::{Postgres, QueryBuilder};

use super::queries::ProductCardRow;

/// The rating sort's order, which relevance also picks its candidates by.
/// Unrated products (no average) last, as `DESC NULLS LAST` would put them
/// — averages are 1 to 5 — and the id ascending written as `-id`
/// descending, so all three run one way and one row comparison (and one
/// index) can express "after this row".
pub(super) const BEST_RATED_FIRST: &str = "coalesce(p.rating_average, 0) DESC, p.rating_count DESC, -p.id DESC";

/// The ORDER BY of a keyset sort (relevance is ordered by its rank, in
/// `listing`). Every sort ends in the id, so the order is total and a
/// cursor names exactly one place in it.
pub(super) fn order_by(sort: Sort) -> Option<&'static str> {
    Some(match sort {
        Sort::PriceAsc => "p.price_cents, p.id",
        Sort::PriceDesc => "p.price_cents DESC, p.id DESC",
        Sort::NameAsc => "p.name, p.id",
        Sort::NameDesc => "p.name DESC, p.id DESC",
        Sort::Newest => "p.created_at DESC, p.id DESC",
        Sort::Rating => BEST_RATED_FIRST,
        Sort::Relevance => return None,
    })
}

/// Appends `AND <rows after the cursor's row>` to a WHERE clause.
pub(super) fn push_after(sql: &mut QueryBuilder<'_, Postgres>, sort: Sort, after: &After) {
    let (columns, op, id) = match sort {
        Sort::PriceAsc => ("p.price_cents, p.id", ">", ""),
        Sort::PriceDesc => ("p.price_cents, p.id", "<", ""),
        Sort::NameAsc => ("p.name, p.id", ">", ""),
        Sort::NameDesc => ("p.name, p.id", "<", ""),
        Sort::Newest => ("p.created_at, p.id", "<", ""),
        Sort::Rating => ("coalesce(p.rating_average, 0), p.rating_count, -p.id", "<", "-"),
        // A relevance cursor carries no key (`ListCursor::decode` checks).
        Sort::Relevance => return,
    };
    sql.push(format!(" AND ({columns}) {op} ("));
    match &after.key {
        SortKey::Price(cents) => sql.push_bind(*cents),
        SortKey::Name(name) => sql.push_bind(name.clone()),
        SortKey::Created(micros) => sql.push_bind(created_at(*micros)),
        SortKey::Rating { hundredths, count } => sql.push_bind(*hundredths).push("::numeric / 100, ").push_bind(*count),
    };
    sql.push(format!(", {id}")).push_bind(after.id).push(")");
}

fn created_at(micros: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(micros).expect("ListCursor::decode keeps creation times within chrono's range")
}

/// The cursor of the page after `rows`, when `more` rows follow them: the
/// last row's key in a keyset sort, the next offset page (within the list
/// depth) in relevance.
pub(super) fn next_cursor(query: &ProductQuery, rows: &[ProductCardRow], more: bool) -> Option<ListCursor> {
    let page = query.pagination.page.checked_add(1).filter(|_| more)?;
    let after = match query.sort {
        Sort::Relevance => {
            return Pagination { page, ..query.pagination }.within_depth().then_some(ListCursor {
                sort: Sort::Relevance,
                page,
                after: None,
            });
        }
        sort => {
            let last = rows.last()?;
            After { key: last.sort_key(sort)?, id: last.id() }
        }
    };
    Some(ListCursor { sort: query.sort, page, after: Some(after) })
}
