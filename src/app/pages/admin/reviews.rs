//! `/admin/reviews`: every review, newest first, filtered by stars and by
//! hidden or visible; `Hide` / `Show` on each (a hidden review leaves its
//! product's rating), and for an author whose account is deactivated, one
//! button that hides all of their reviews.

use leptos::{prelude::*, server_fn::ServerFn};
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use nexus_model::{FieldErrors, Page, review::StaffReview};
use serde::{Deserialize, Serialize};

use crate::app::{
    components::{
        admin_shell::{filter_value, staff_pager, staff_table},
        error_view::ErrorView,
        form::{FieldError, FormAlert, INPUT_CLASS, PRIMARY_BUTTON_CLASS},
    },
    forms::{FormError, last_error},
};

/// Rows per page of the moderation list.
#[cfg(feature = "ssr")]
const PER_PAGE: u32 = 50;

/// The filters as typed in the URL.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewFilters {
    pub hidden: Option<String>,
    pub rating: Option<String>,
    pub page: Option<String>,
}

impl ReviewFilters {
    fn href(&self, page: u32) -> String {
        let mut pairs = Vec::new();
        if let Some(hidden) = &self.hidden {
            pairs.push(format!("hidden={hidden}"));
        }
        if let Some(rating) = &self.rating {
            pairs.push(format!("rating={rating}"));
        }
        if page > 1 {
            pairs.push(format!("page={page}"));
        }
        if pairs.is_empty() { "/admin/reviews".to_owned() } else { format!("/admin/reviews?{}", pairs.join("&")) }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReviewList {
    pub filters: ReviewFilters,
    pub page: Option<Page<StaffReview>>,
    /// Filters that could not be read, by parameter.
    pub errors: FieldErrors,
}

#[server(input = leptos::server_fn::codec::Json)]
pub async fn load_staff_reviews(filters: ReviewFilters) -> Result<ReviewList, ServerFnError> {
    use nexus_core::{model::Pagination, reviews::ReviewFilter};

    use crate::server::context::{self, unavailable};
    let (core, _) = context::staff_member().await?;
    let refuse = |errors: FieldErrors| Ok(ReviewList { filters: filters.clone(), page: None, errors });
    let filter = match ReviewFilter::parse(filters.hidden.as_deref(), filters.rating.as_deref()) {
        Ok(filter) => filter,
        Err(errors) => return refuse(errors),
    };
    let pagination = match Pagination::parse_or(filters.page.as_deref(), None, PER_PAGE) {
        Ok(pagination) => pagination,
        Err((field, message)) => return refuse(FieldErrors::one(field, message)),
    };
    let (reviews, total) = core
        .reviews
        .all_reviews(&filter, pagination)
        .await
        .map_err(|e| unavailable("reviews", "Reviews are unavailable right now.", &e))?;
    Ok(ReviewList { filters, page: Some(Page::new(reviews, pagination, total)), errors: FieldErrors::new() })
}

/// Hides (`hidden`) or shows one review, then back to the list.
#[server]
pub async fn moderate_review(id: i64, hidden: bool, back: String) -> Result<(), FormError> {
    use crate::server::{
        context,
        forms::{form_error, safe_next},
    };
    let (_, staff) = context::staff_form().await?;
    context::core().reviews.set_hidden(id, hidden, staff.user.id).await.map_err(|e| form_error(e, &[]))?;
    leptos_axum::redirect(&safe_next(Some(&back), "/admin/reviews"));
    Ok(())
}

/// Hides every visible review by one author, then back to the list.
#[server]
pub async fn hide_author_reviews(author_id: i64, back: String) -> Result<(), FormError> {
    use crate::server::{
        context,
        forms::{form_error, safe_next},
    };
    let (_, staff) = context::staff_form().await?;
    context::core().reviews.hide_all_by(author_id, staff.user.id).await.map_err(|e| form_error(e, &[]))?;
    leptos_axum::redirect(&safe_next(Some(&back), "/admin/reviews"));
    Ok(())
}

#[component]
pub fn AdminReviews() -> impl IntoView {
    let query = use_query_map();
    let filters = Memo::new(move |_| {
        query.with(|q| {
            let get = |key: &str| filter_value(q, key);
            ReviewFilters { hidden: get("hidden"), rating: get("rating"), page: get("page") }
        })
    });
    let list = Resource::new(move || filters.get(), load_staff_reviews);
    view! {
        <Title text="Reviews"/>
        <h1 class="text-2xl font-bold">"Reviews"</h1>
        <Suspense fallback=|| view! { <p class="mt-4 text-muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(list) => list_view(list),
                    Err(error) => view! { <ErrorView title="Something went wrong" message=error.to_string()/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

fn list_view(list: ReviewList) -> AnyView {
    let ReviewList { filters, page, errors } = list;
    let message = |field: &str| errors.get(field).map(<[String]>::to_vec);
    let hidden = filters.hidden.clone().unwrap_or_default();
    let rating = filters.rating.clone().unwrap_or_default();
    let form = view! {
        <form method="get" action="/admin/reviews" aria-label="Filters"
              class="mt-4 flex flex-wrap items-end gap-4 rounded-card border border-line bg-white p-4">
            <div>
                <label for="reviews-rating" class="block text-sm font-medium">"Stars"</label>
                <select id="reviews-rating" name="rating" class=INPUT_CLASS>
                    <option value="" selected=rating.is_empty()>"Any"</option>
                    {(1..=5).rev().map(|stars: u8| {
                        let value = stars.to_string();
                        let selected = rating == value;
                        view! { <option value=value selected=selected>{format!("{stars} stars")}</option> }
                    }).collect_view()}
                </select>
                <FieldError field="rating" messages=message("rating")/>
            </div>
            <div>
                <label for="reviews-hidden" class="block text-sm font-medium">"Visibility"</label>
                <select id="reviews-hidden" name="hidden" class=INPUT_CLASS>
                    <option value="" selected=hidden.is_empty()>"All"</option>
                    <option value="false" selected=hidden == "false">"Visible"</option>
                    <option value="true" selected=hidden == "true">"Hidden"</option>
                </select>
                <FieldError field="hidden" messages=message("hidden")/>
            </div>
            <FieldError field="page" messages=message("page")/>
            <button type="submit" class=PRIMARY_BUTTON_CLASS>"Apply filters"</button>
        </form>
    };
    let Some(page) = page else {
        return view! { {form} <p class="mt-6 text-muted" role="status">"Please correct the filters to see reviews."</p> }
            .into_any();
    };
    let error =
        last_error(ServerAction::<ModerateReview>::new()).or(last_error(ServerAction::<HideAuthorReviews>::new()));
    let back = filters.href(page.page);
    let (current, last) = (page.page, page.last_linked_page());
    let rows = page
        .items
        .into_iter()
        .map(|review| {
            let label = if review.hidden { "Show" } else { "Hide" };
            view! {
                <tr class="border-t border-line align-top" data-testid="review-row">
                    <td class="py-2 pr-3">
                        <a href=format!("/p/{}#reviews", review.product_slug) class="font-medium text-brand hover:underline">{review.product_name.clone()}</a>
                        <span class="block text-xs text-muted">{review.created_at.get(..10).unwrap_or_default().to_owned()}</span>
                    </td>
                    <td class="py-2 pr-3 tabular-nums">{format!("{} ★", review.rating)}</td>
                    <td class="max-w-md py-2 pr-3">
                        <p class="font-medium">{review.title.clone()}</p>
                        <p class="whitespace-pre-line text-xs text-muted">{review.body.clone()}</p>
                        {review.hidden.then(|| view! { <span class="mt-1 inline-block rounded bg-danger/10 px-1.5 text-xs font-medium text-danger">"hidden"</span> })}
                    </td>
                    <td class="hidden py-2 pr-3 md:table-cell">
                        {review.author_name.clone()}
                        <span class="block text-xs text-muted">{review.author_email.clone()}</span>
                        {(!review.author_active).then(|| view! { <span class="block text-xs font-medium text-danger">"account deactivated"</span> })}
                    </td>
                    <td class="py-2">
                        <form method="post" action=ModerateReview::url()>
                            <input type="hidden" name="id" value=review.id/>
                            <input type="hidden" name="hidden" value=(!review.hidden).to_string()/>
                            <input type="hidden" name="back" value=back.clone()/>
                            <button type="submit"
                                    class="rounded-button border border-line px-3 py-1 text-sm font-medium hover:border-brand">{label}</button>
                        </form>
                        {(!review.author_active).then(|| view! {
                            <form method="post" action=HideAuthorReviews::url() class="mt-2">
                                <input type="hidden" name="author_id" value=review.author_id/>
                                <input type="hidden" name="back" value=back.clone()/>
                                <button type="submit" class="text-xs font-medium text-danger hover:underline">"Hide all from this account"</button>
                            </form>
                        })}
                    </td>
                </tr>
            }
        })
        .collect_view();
    let link = move |to: u32| filters.href(to);
    view! {
        {form}
        <div class="mt-4"><FormAlert error/></div>
        <p class="mt-4 text-sm text-muted" role="status">{format!("{} reviews", page.total)}</p>
        {staff_table("Reviews, newest first", &[
            ("Product", ""),
            ("Stars", ""),
            ("Review", ""),
            ("Author", "hidden md:table-cell"),
            ("", ""),
        ], rows.into_any())}
        {staff_pager(current, last, link, ("Previous", "Next"))}
    }
    .into_any()
}
