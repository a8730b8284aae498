//! The product page's reviews: the rating summary with how many reviews
//! gave each number of stars, the visible reviews (paged and sorted by
//! links, so it all works without JavaScript), and what the person looking
//! may do: write a review (a customer who received the product), edit or
//! delete their own, or read why they cannot review.

use leptos::{prelude::*, server_fn::ServerFn};
use leptos_router::hooks::use_query_map;
use nexus_model::{
    product_query::encode,
    review::{ProductReviews, Review, ReviewSort, ReviewStanding},
};

use super::form::{FieldError, FormAlert, INPUT_CLASS, PRIMARY_BUTTON_CLASS};
use crate::app::forms::{FormError, last_error};

/// Reviews shown per page of the product page.
pub const REVIEWS_PER_PAGE: u32 = 10;

#[server]
pub async fn load_reviews(slug: String, sort: ReviewSort, page: u32) -> Result<Option<ProductReviews>, ServerFnError> {
    use nexus_core::{model::Pagination, reviews::ReviewError};

    use crate::server::context::{self, CATALOG_UNAVAILABLE, unavailable};
    let pagination =
        Pagination { page: page.clamp(1, Pagination::last_page(REVIEWS_PER_PAGE)), per_page: REVIEWS_PER_PAGE };
    match context::core().reviews.product_reviews(&slug, sort, pagination).await {
        Ok(reviews) => Ok(Some(reviews)),
        Err(ReviewError::NotFound) => Ok(None),
        Err(error) => Err(unavailable("reviews", CATALOG_UNAVAILABLE, &error)),
    }
}

#[server]
pub async fn load_review_standing(slug: String) -> Result<ReviewStanding, ServerFnError> {
    use crate::server::context::{self, unavailable};
    let failed =
        |error: &dyn std::fmt::Display| unavailable("a review standing", "Reviews are unavailable right now.", error);
    let (core, visitor) = context::core_and_visitor().await.map_err(|e| failed(&e))?;
    let user_id = visitor.user().map(|auth| auth.user.id);
    core.reviews.standing(user_id, &slug).await.map_err(|e| failed(&e))
}

/// The labels of the review form's fields, for messages next to them.
#[cfg(feature = "ssr")]
const LABELS: [(&str, &str); 3] = [("rating", "Rating"), ("title", "Title"), ("body", "Review")];

/// The draft a review form posted; a rating that is no number is a
/// message next to `Rating`.
#[cfg(feature = "ssr")]
fn draft(rating: &str, title: &str, body: &str) -> Result<nexus_model::review::ReviewDraft, FormError> {
    let rating = match rating.trim() {
        "" => None,
        text => Some(text.parse::<i32>().map_err(|_| FormError::field("rating", "Choose 1 to 5 stars."))?),
    };
    Ok(nexus_model::review::ReviewDraft { rating, title: Some(title.to_owned()), body: Some(body.to_owned()) })
}

/// Puts what was typed into a failed review form's error, so the form
/// comes back filled in.
#[cfg(feature = "ssr")]
fn keep_typed(rating: &str, title: &str, body: &str) -> impl Fn(FormError) -> FormError + use<> {
    let typed = [("rating", rating.to_owned()), ("title", title.to_owned()), ("body", body.to_owned())];
    move |error| error.keeping(typed.iter().map(|(field, value)| (*field, value.as_str())))
}

/// Back to the product's reviews after a change, saying what happened.
#[cfg(feature = "ssr")]
fn back_to_reviews(slug: &str, outcome: &str) {
    leptos_axum::redirect(&format!("/p/{}?review={outcome}#reviews", encode(slug)));
}

#[server]
pub async fn submit_review(slug: String, rating: String, title: String, body: String) -> Result<(), FormError> {
    use crate::server::{context, forms::form_error};
    let (_, auth) = context::signed_in().await?;
    let keep = keep_typed(&rating, &title, &body);
    let draft = draft(&rating, &title, &body).map_err(&keep)?;
    context::core()
        .reviews
        .create(auth.user.id, &slug, &draft)
        .await
        .map_err(|error| keep(form_error(error, &LABELS)))?;
    back_to_reviews(&slug, "posted");
    Ok(())
}

#[server]
pub async fn edit_review(id: i64, slug: String, rating: String, title: String, body: String) -> Result<(), FormError> {
    use crate::server::{context, forms::form_error};
    let (_, auth) = context::signed_in().await?;
    let keep = keep_typed(&rating, &title, &body);
    let draft = draft(&rating, &title, &body).map_err(&keep)?;
    context::core().reviews.update(auth.user.id, id, &draft).await.map_err(|error| keep(form_error(error, &LABELS)))?;
    back_to_reviews(&slug, "saved");
    Ok(())
}

#[server]
pub async fn remove_review(id: i64, slug: String) -> Result<(), FormError> {
    use crate::server::{context, forms::form_error};
    let (_, auth) = context::signed_in().await?;
    context::core().reviews.delete(auth.user.id, id).await.map_err(|error| form_error(error, &[]))?;
    back_to_reviews(&slug, "deleted");
    Ok(())
}

#[component]
pub fn ReviewsSection(slug: String) -> impl IntoView {
    let query = use_query_map();
    let params = Memo::new(move |_| {
        query.with(|q| {
            let sort = ReviewSort::parse(q.get("reviews_sort").as_deref()).unwrap_or_default();
            let page = q.get("reviews_page").and_then(|p| p.parse::<u32>().ok()).unwrap_or(1).max(1);
            (sort, page)
        })
    });
    let slug = StoredValue::new(slug);
    let reviews =
        Resource::new(move || (slug.get_value(), params.get()), |(slug, (sort, page))| load_reviews(slug, sort, page));
    let standing = Resource::new(move || slug.get_value(), load_review_standing);
    let outcome = query.with_untracked(|q| q.get("review"));
    view! {
        <section id="reviews" aria-labelledby="reviews-heading" class="mt-12 border-t border-line pt-8">
            <h2 id="reviews-heading" class="text-xl font-bold">"Reviews"</h2>
            {outcome.and_then(|outcome| {
                let text = match outcome.as_str() {
                    "posted" => "Thank you: your review is up.",
                    "saved" => "Your review is saved.",
                    "deleted" => "Your review is deleted.",
                    _ => return None,
                };
                Some(view! { <p role="status" class="mt-3 rounded-button bg-green-50 px-3 py-2 text-sm text-green-800">{text}</p> })
            })}
            <Suspense fallback=|| view! { <p class="mt-4 text-muted">"Loading reviews…"</p> }>
                {move || Suspend::new(async move {
                    let slug = slug.get_value();
                    let (reviews, standing) = (reviews.await, standing.await);
                    let reviews = match reviews {
                        Ok(Some(reviews)) => reviews,
                        Ok(None) => return ().into_any(),
                        Err(error) => return view! { <p role="alert" class="mt-4 text-danger">{error.to_string()}</p> }.into_any(),
                    };
                    let standing = match standing {
                        Ok(standing) => standing_view(&slug, standing),
                        Err(error) => view! { <p role="alert" class="text-danger">{error.to_string()}</p> }.into_any(),
                    };
                    view! {
                        <div class="mt-6 grid gap-8 md:grid-cols-3">
                            <div>{summary_view(&reviews)} <div class="mt-6">{standing}</div></div>
                            <div class="md:col-span-2">{list_view(&slug, reviews)}</div>
                        </div>
                    }
                    .into_any()
                })}
            </Suspense>
        </section>
    }
}

/// Stars as text for the eye, with the number for screen readers.
fn stars(rating: i32) -> AnyView {
    let rating = rating.clamp(0, 5) as usize;
    view! {
        <span role="img" aria-label=format!("Rated {rating} out of 5") class="tracking-tight text-amber-500">
            {"★".repeat(rating)}<span class="text-line">{"★".repeat(5 - rating)}</span>
        </span>
    }
    .into_any()
}

fn summary_view(reviews: &ProductReviews) -> AnyView {
    let summary = reviews.summary.clone();
    let headline = match summary.average {
        Some(average) if summary.count > 0 => format!(
            "{average:.1} out of 5 ({} {})",
            summary.count,
            if summary.count == 1 { "review" } else { "reviews" }
        ),
        _ => "No reviews yet".to_owned(),
    };
    let rows = (1..=5)
        .rev()
        .map(|stars| {
            let (count, percent) = (summary.with_stars(stars), summary.percent_with(stars));
            view! {
                <li class="flex items-center gap-2 text-sm">
                    <span class="w-14 shrink-0">{format!("{stars} star{}", if stars == 1 { "" } else { "s" })}</span>
                    <span class="h-2 flex-1 overflow-hidden rounded-full bg-line" aria-hidden="true">
                        <span class="block h-full bg-amber-400" style=format!("width: {percent}%")></span>
                    </span>
                    <span class="w-24 shrink-0 text-right tabular-nums text-muted">{format!("{count} ({percent}%)")}</span>
                </li>
            }
        })
        .collect_view();
    view! {
        <div data-testid="rating-summary">
            <p class="text-lg font-semibold">{headline}</p>
            <ul class="mt-3 space-y-1" aria-label="Reviews by stars">{rows}</ul>
        </div>
    }
    .into_any()
}

fn list_view(slug: &str, reviews: ProductReviews) -> AnyView {
    let ProductReviews { reviews: page, sort, .. } = reviews;
    if page.total == 0 {
        return view! { <p class="text-muted">"Nobody has reviewed this product yet."</p> }.into_any();
    }
    let link = move |sort: ReviewSort, page: u32| {
        let mut query = Vec::new();
        if sort != ReviewSort::Newest {
            query.push(format!("reviews_sort={}", sort.as_str()));
        }
        if page > 1 {
            query.push(format!("reviews_page={page}"));
        }
        let query = if query.is_empty() { String::new() } else { format!("?{}", query.join("&")) };
        format!("/p/{}{query}#reviews", encode(slug))
    };
    let sort_link = |target: ReviewSort, label: &'static str| {
        let current = sort == target;
        view! {
            <a href=link(target, 1) aria-current=current.then_some("true")
               class=if current { "font-semibold text-ink" } else { "text-brand hover:underline" }>{label}</a>
        }
    };
    let (current, last) = (page.page, page.last_linked_page());
    let previous = (current > 1).then(|| link(sort, current - 1));
    let next = (current < last).then(|| link(sort, current + 1));
    view! {
        <nav aria-label="Sort reviews" class="flex gap-4 text-sm">
            <span class="text-muted">"Sort:"</span>
            {sort_link(ReviewSort::Newest, "Newest")}
            {sort_link(ReviewSort::Rating, "Highest rated")}
        </nav>
        <ul class="mt-4 space-y-6" data-testid="reviews">
            {page.items.into_iter().map(|review| view! { <li>{review_view(&review)}</li> }).collect_view()}
        </ul>
        {(last > 1).then(|| view! {
            <nav aria-label="Review pages" class="mt-6 flex items-center justify-between text-sm">
                <div class="w-32">{previous.map(|href| view! { <a href=href rel="prev" class="text-brand hover:underline">"Newer reviews"</a> })}</div>
                <p class="text-muted">{format!("Page {current} of {last}")}</p>
                <div class="flex w-32 justify-end">{next.map(|href| view! { <a href=href rel="next" class="text-brand hover:underline">"Older reviews"</a> })}</div>
            </nav>
        })}
    }
    .into_any()
}

fn review_view(review: &Review) -> AnyView {
    let date = review.created_at.get(..10).unwrap_or_default().to_owned();
    view! {
        <article class="rounded-card border border-line bg-white p-4">
            <div class="flex flex-wrap items-center gap-3">
                {stars(review.rating)}
                <h3 class="font-semibold">{review.title.clone()}</h3>
            </div>
            <p class="mt-1 text-xs text-muted">
                {format!("{} · ", review.author_name)}<time datetime=review.created_at.clone()>{date}</time>
                {review.verified_purchase.then(|| view! { <span class="ml-2 rounded bg-green-50 px-1.5 py-0.5 font-medium text-green-800">"Verified purchase"</span> })}
                {review.updated_at.is_some().then_some(" · edited")}
            </p>
            {(!review.body.is_empty()).then(|| view! { <p class="mt-2 whitespace-pre-line text-sm leading-relaxed">{review.body.clone()}</p> })}
        </article>
    }
    .into_any()
}

fn standing_view(slug: &str, standing: ReviewStanding) -> AnyView {
    let back = format!("/p/{slug}#reviews");
    match standing {
        ReviewStanding::SignedOut => view! {
            <p class="text-sm text-muted">
                <a href=super::sign_in::sign_in_path(&back) class="font-medium text-brand hover:underline">"Sign in"</a>
                " to review this product. Reviews come from customers who received it."
            </p>
        }
        .into_any(),
        ReviewStanding::NotReceived => {
            view! { <p class="text-sm text-muted" data-testid="review-refusal">{nexus_model::review::NOT_RECEIVED_TEXT}</p> }.into_any()
        }
        ReviewStanding::CanReview => {
            let error = last_error(ServerAction::<SubmitReview>::new());
            view! {
                <form method="post" action=SubmitReview::url() class="space-y-3 rounded-card border border-line bg-white p-4" novalidate>
                    <h3 class="font-semibold">"Write a review"</h3>
                    <input type="hidden" name="slug" value=slug.to_owned()/>
                    {review_fields("new-review", error, None)}
                    <button type="submit" class=PRIMARY_BUTTON_CLASS>"Submit review"</button>
                </form>
            }
            .into_any()
        }
        ReviewStanding::Reviewed { review, hidden } => {
            let error = last_error(ServerAction::<EditReview>::new());
            let delete_error = last_error(ServerAction::<RemoveReview>::new());
            view! {
                <div class="space-y-3 rounded-card border border-line bg-white p-4">
                    <h3 class="font-semibold">"Your review"</h3>
                    {hidden.then(|| view! { <p class="text-sm text-danger">"Staff have hidden your review: it does not show on this page or count towards the rating."</p> })}
                    <form method="post" action=EditReview::url() class="space-y-3" novalidate>
                        <input type="hidden" name="id" value=review.id/>
                        <input type="hidden" name="slug" value=slug.to_owned()/>
                        {review_fields("edit-review", error, Some(&review))}
                        <button type="submit" class=PRIMARY_BUTTON_CLASS>"Save"</button>
                    </form>
                    <form method="post" action=RemoveReview::url()>
                        <input type="hidden" name="id" value=review.id/>
                        <input type="hidden" name="slug" value=slug.to_owned()/>
                        <FormAlert error=delete_error/>
                        <button type="submit" class="text-sm font-medium text-danger hover:underline">"Delete review"</button>
                    </form>
                </div>
            }
            .into_any()
        }
    }
}

/// `Rating`, `Title` and `Review`, with what was typed and the problems of
/// a failed post, else the current review's values.
fn review_fields(form_id: &'static str, error: Option<FormError>, current: Option<&Review>) -> AnyView {
    let value = |field: &str, current: Option<String>| {
        error.as_ref().and_then(|e| e.value(field)).or(current).unwrap_or_default()
    };
    let message = |field: &str| error.as_ref().and_then(|e| e.field_message(field));
    let rating = value("rating", current.map(|r| r.rating.to_string()));
    let title = value("title", current.map(|r| r.title.clone()));
    let body = value("body", current.map(|r| r.body.clone()));
    let id = |field: &str| format!("{form_id}-{field}");
    let described = |field: &str| message(field).map(|_| format!("{form_id}-{field}-error"));
    view! {
        <FormAlert error=error.clone().filter(|e| e.message.is_some())/>
        <div>
            <label for=id("rating") class="block text-sm font-medium">"Rating"</label>
            <select id=id("rating") name="rating" class=INPUT_CLASS required aria-describedby=described("rating")>
                <option value="" selected=rating.is_empty()>"Choose…"</option>
                {(1..=5).rev().map(|stars| {
                    let text = stars.to_string();
                    let selected = rating == text;
                    view! { <option value=text selected=selected>{format!("{stars} star{}", if stars == 1 { "" } else { "s" })}</option> }
                }).collect_view()}
            </select>
            <FieldError field=id("rating") messages=message("rating").map(|m| vec![m])/>
        </div>
        <div>
            <label for=id("title") class="block text-sm font-medium">"Title"</label>
            <input id=id("title") name="title" maxlength="120" required class=INPUT_CLASS value=title aria-describedby=described("title")/>
            <FieldError field=id("title") messages=message("title").map(|m| vec![m])/>
        </div>
        <div>
            <label for=id("body") class="block text-sm font-medium">"Review"</label>
            <textarea id=id("body") name="body" rows="4" maxlength="5000" class=INPUT_CLASS aria-describedby=described("body")>{body}</textarea>
            <FieldError field=id("body") messages=message("body").map(|m| vec![m])/>
        </div>
    }
    .into_any()
}
