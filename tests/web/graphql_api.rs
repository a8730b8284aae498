//! The GraphQL API through the real router: each query and mutation of the
//! schema against the fixture catalog, the auth codes, GET vs POST, the
//! explorer page and the committed SDL. Limits and batching are in
//! `graphql_limits`.

use axum::{
    Router,
    body::Body,
    http::{Request, StatusCode},
};
use nexus_core::accounts::Role;
use serde_json::{Value, json};
use sqlx::PgPool;

use crate::{
    common::{TestResponse, app, create_user, get, import_fixture, pages, send, token_for},
    orders_api::{GOOD_CARD, add_to_cart, checkout, place, stocked_variants},
};

/// POSTs a GraphQL request, as an API client does.
pub(crate) async fn graphql(app: &Router, token: Option<&str>, query: &str, variables: Value) -> TestResponse {
    let mut request = Request::post("/api/graphql").header("content-type", "application/json");
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    let body = json!({"query": query, "variables": variables});
    send(app, request.body(Body::from(body.to_string())).unwrap()).await
}

/// The `data` of a response that must have no errors.
pub(crate) fn data(response: &TestResponse) -> Value {
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    let body = response.json();
    assert!(body.get("errors").is_none(), "unexpected errors: {}", response.body);
    body["data"].clone()
}

/// The `extensions.code` of the response's first error.
pub(crate) fn first_code(response: &TestResponse) -> String {
    let body = response.json();
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("no error code: {}", response.body))
        .into()
}

#[sqlx::test]
async fn products_are_listed_filtered_and_paged_with_their_parts(pool: PgPool) {
    import_fixture(&pool).await;
    let app = app(pool).await;
    let query = "query($perPage: Int) { products(perPage: $perPage, sort: PRICE) {
        total page perPage totalPages
        items { id slug name priceCents currency inStock sku description createdAt imageUrl
                category { slug name } variants { id sku options priceCents stock } images { url alt } } } }";
    let page = data(&graphql(&app, None, query, json!({"perPage": 3})).await)["products"].clone();
    assert_eq!(page["perPage"], 3);
    assert_eq!(page["page"], 1);
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    let prices: Vec<i64> = items.iter().map(|item| item["priceCents"].as_i64().unwrap()).collect();
    assert!(prices.windows(2).all(|pair| pair[0] <= pair[1]), "sorted by price: {prices:?}");
    for item in items {
        assert!(!item["sku"].as_str().unwrap().is_empty(), "{item}");
        assert!(!item["category"]["slug"].as_str().unwrap().is_empty(), "{item}");
        assert!(!item["variants"].as_array().unwrap().is_empty(), "every product has a variant: {item}");
        assert!(item["variants"][0]["options"].is_object(), "{item}");
    }

    // The same page as REST, field for field.
    let rest = get(&app, "/api/v1/products?per_page=3&sort=price").await.json();
    assert_eq!(page["total"], rest["total"]);
    assert_eq!(items[0]["slug"], rest["items"][0]["slug"]);
    assert_eq!(items[0]["priceCents"], rest["items"][0]["price_cents"]);

    // Filters reach the core's list: a category and its descendants.
    let category = rest["items"][0]["category"]["slug"].as_str().unwrap().to_owned();
    let filtered = graphql(
        &app,
        None,
        "query($c: String) { products(category: $c) { total items { category { slug } } } }",
        json!({"c": category}),
    )
    .await;
    let rest_total = get(&app, &format!("/api/v1/products?category={category}")).await.json()["total"].clone();
    assert_eq!(data(&filtered)["products"]["total"], rest_total);

    // Bad input is BAD_USER_INPUT with REST's field messages.
    let bad = graphql(&app, None, "{ products(minPrice: -1) { total } }", json!({})).await;
    assert_eq!(first_code(&bad), "BAD_USER_INPUT");
    assert!(bad.json()["errors"][0]["extensions"]["fields"]["min_price"].is_array(), "{}", bad.body);
    let unknown = graphql(&app, None, r#"{ products(category: "no-such") { total } }"#, json!({})).await;
    assert_eq!(first_code(&unknown), "BAD_USER_INPUT");
}

#[sqlx::test]
async fn a_product_has_its_detail_and_reviews_and_an_unknown_slug_is_null(pool: PgPool) {
    import_fixture(&pool).await;
    let app = app(pool).await;
    let rest = get(&app, "/api/v1/products?per_page=1").await.json();
    let slug = rest["items"][0]["slug"].as_str().unwrap().to_owned();
    let detail = get(&app, &format!("/api/v1/products/{slug}")).await.json();
    let query = "query($slug: String!) { product(slug: $slug) {
        slug name description sku priceCents ratingCount
        category { slug } variants { id sku priceCents stock } images { url }
        reviews(perPage: 5) { total perPage items { rating title } } } }";
    let product = data(&graphql(&app, None, query, json!({"slug": slug})).await)["product"].clone();
    assert_eq!(product["sku"], detail["sku"]);
    assert_eq!(product["description"], detail["description"]);
    assert_eq!(product["category"]["slug"], detail["category"]["slug"]);
    assert_eq!(product["variants"][0]["sku"], detail["variants"][0]["sku"]);
    assert_eq!(product["variants"].as_array().unwrap().len(), detail["variants"].as_array().unwrap().len());
    assert_eq!(product["reviews"]["perPage"], 5);
    assert_eq!(product["reviews"]["total"], 0);

    let missing = graphql(&app, None, r#"{ product(slug: "no-such-product") { slug } }"#, json!({})).await;
    assert_eq!(data(&missing)["product"], Value::Null);
}

#[sqlx::test]
async fn categories_come_as_a_tree_and_one_by_slug(pool: PgPool) {
    import_fixture(&pool).await;
    let app = app(pool).await;
    let tree = data(
        &graphql(&app, None, "{ categories { id slug productCount children { slug parentId } } }", json!({})).await,
    );
    let rest = get(&app, "/api/v1/categories").await.json();
    let roots = tree["categories"].as_array().unwrap();
    assert_eq!(roots.len(), rest.as_array().unwrap().len());
    assert_eq!(roots[0]["slug"], rest[0]["slug"]);
    assert_eq!(roots[0]["productCount"], rest[0]["product_count"]);
    let child = roots.iter().find_map(|root| root["children"].as_array().and_then(|c| c.first()).cloned());
    let child = child.expect("the fixture has nested categories");
    assert!(child["parentId"].is_string());

    let slug = child["slug"].as_str().unwrap();
    let one = graphql(
        &app,
        None,
        "query($s: String!) { category(slug: $s) { slug ancestors { slug } } }",
        json!({"s": slug}),
    )
    .await;
    let category = data(&one)["category"].clone();
    assert_eq!(category["slug"], slug);
    assert_eq!(category["ancestors"].as_array().unwrap().len(), 1);
    let none = graphql(&app, None, r#"{ category(slug: "nope") { slug } }"#, json!({})).await;
    assert_eq!(data(&none)["category"], Value::Null);
}

#[sqlx::test]
async fn the_shopper_fields_need_a_token_and_a_bad_token_is_refused(pool: PgPool) {
    let app = app(pool.clone()).await;
    for query in ["{ me { email } }", "{ cart { itemCount } }", "{ orders { total } }", "{ wishlist { slug } }"] {
        let response = graphql(&app, None, query, json!({})).await;
        assert_eq!(response.status, StatusCode::OK);
        assert_eq!(first_code(&response), "UNAUTHENTICATED", "{query}: {}", response.body);
    }
    let mutation = graphql(&app, None, r#"mutation { addToWishlist(slug: "x") }"#, json!({})).await;
    assert_eq!(first_code(&mutation), "UNAUTHENTICATED");

    let bad_token = graphql(&app, Some("not-a-token"), "{ categories { slug } }", json!({})).await;
    assert_eq!(first_code(&bad_token), "UNAUTHENTICATED", "a bad token is never read as anonymous");

    let token = token_for(&app, &pool, "shopper@example.com", Role::Customer).await;
    let me = data(&graphql(&app, Some(&token), "{ me { id email name role createdAt } }", json!({})).await);
    assert_eq!(me["me"]["email"], "shopper@example.com");
    assert_eq!(me["me"]["role"], "customer");
}

#[sqlx::test]
async fn the_cart_changes_through_mutations_with_the_rest_rules(pool: PgPool) {
    import_fixture(&pool).await;
    let app = app(pool.clone()).await;
    let token = token_for(&app, &pool, "cart@example.com", Role::Customer).await;
    let (variant_id, stock, price) = stocked_variants(&pool, 3, 1).await[0];
    let add = "mutation($v: ID!, $q: Int!) { addToCart(variantId: $v, quantity: $q) {
        itemCount subtotalCents currency items { id variantId quantity unitPriceCents lineTotalCents } } }";
    let cart = data(&graphql(&app, Some(&token), add, json!({"v": variant_id.to_string(), "q": 2})).await)["addToCart"]
        .clone();
    assert_eq!(cart["itemCount"], 2);
    assert_eq!(cart["subtotalCents"], 2 * price);
    let line_id = cart["items"][0]["id"].as_str().unwrap().to_owned();

    // The same cart REST shows.
    let rest = crate::common::send_empty(&app, "GET", "/api/v1/cart", Some(&token)).await.json();
    assert_eq!(rest["item_count"], 2);

    let too_many = graphql(&app, Some(&token), add, json!({"v": variant_id.to_string(), "q": stock + 1})).await;
    assert_eq!(first_code(&too_many), "BAD_USER_INPUT", "{}", too_many.body);

    let update = "mutation($id: ID!, $q: Int!) { updateCartLine(id: $id, quantity: $q) { itemCount } }";
    let updated = data(&graphql(&app, Some(&token), update, json!({"id": line_id, "q": 1})).await);
    assert_eq!(updated["updateCartLine"]["itemCount"], 1);
    let unknown = graphql(&app, Some(&token), update, json!({"id": "999999", "q": 1})).await;
    assert_eq!(first_code(&unknown), "NOT_FOUND");

    let remove = "mutation($id: ID!) { removeCartLine(id: $id) { itemCount items { id } } }";
    let removed = data(&graphql(&app, Some(&token), remove, json!({"id": line_id})).await);
    assert_eq!(removed["removeCartLine"]["itemCount"], 0);
    let cart = data(&graphql(&app, Some(&token), "{ cart { itemCount items { id } } }", json!({})).await);
    assert_eq!(cart["cart"]["items"], json!([]));
}

#[sqlx::test]
async fn the_wishlist_saves_and_removes_products(pool: PgPool) {
    import_fixture(&pool).await;
    let app = app(pool.clone()).await;
    let token = token_for(&app, &pool, "wish@example.com", Role::Customer).await;
    let slug = get(&app, "/api/v1/products?per_page=1").await.json()["items"][0]["slug"].as_str().unwrap().to_owned();
    let add = "mutation($s: String!) { addToWishlist(slug: $s) }";
    assert_eq!(data(&graphql(&app, Some(&token), add, json!({"s": slug})).await)["addToWishlist"], true);
    assert_eq!(data(&graphql(&app, Some(&token), add, json!({"s": slug})).await)["addToWishlist"], true, "idempotent");
    let list = data(&graphql(&app, Some(&token), "{ wishlist { slug variants { sku } } }", json!({})).await);
    assert_eq!(list["wishlist"].as_array().unwrap().len(), 1);
    assert_eq!(list["wishlist"][0]["slug"], slug.as_str());

    let unknown = graphql(&app, Some(&token), add, json!({"s": "no-such-product"})).await;
    assert_eq!(first_code(&unknown), "NOT_FOUND");

    let remove = "mutation($s: String!) { removeFromWishlist(slug: $s) }";
    assert_eq!(data(&graphql(&app, Some(&token), remove, json!({"s": slug})).await)["removeFromWishlist"], true);
    let list = data(&graphql(&app, Some(&token), "{ wishlist { slug } }", json!({})).await);
    assert_eq!(list["wishlist"], json!([]));
}

#[sqlx::test]
async fn orders_list_and_one_order_with_its_history(pool: PgPool) {
    import_fixture(&pool).await;
    let app = app(pool.clone()).await;
    let token = token_for(&app, &pool, "buyer@example.com", Role::Customer).await;
    let (variant_id, _, _) = stocked_variants(&pool, 2, 1).await[0];
    add_to_cart(&app, &token, variant_id, 2).await;
    let placed = place(&app, &token, checkout(GOOD_CARD), None).await;
    assert_eq!(placed.status, StatusCode::CREATED, "{}", placed.body);
    let number = placed.json()["number"].as_str().unwrap().to_owned();

    let list = data(
        &graphql(
            &app,
            Some(&token),
            "{ orders(perPage: 5) { total perPage items { number status itemCount totalCents } } }",
            json!({}),
        )
        .await,
    );
    assert_eq!(list["orders"]["total"], 1);
    assert_eq!(list["orders"]["items"][0]["number"], number.as_str());
    assert_eq!(list["orders"]["items"][0]["itemCount"], 2);

    let query = "query($n: String!) { order(number: $n) { number status totalCents currency shippingMethod
        items { sku quantity } shippingAddress { city } statusHistory { status at } tracking { number } } }";
    let order = data(&graphql(&app, Some(&token), query, json!({"n": number})).await)["order"].clone();
    assert_eq!(order["status"], "PAID");
    assert_eq!(order["shippingAddress"]["city"], "Springfield");
    assert_eq!(order["tracking"], Value::Null);
    assert!(!order["statusHistory"].as_array().unwrap().is_empty());

    // Someone else's order is as unknown as a missing one.
    let other = token_for(&app, &pool, "other@example.com", Role::Customer).await;
    let theirs = graphql(&app, Some(&other), query, json!({"n": number})).await;
    assert_eq!(data(&theirs)["order"], Value::Null);
}

#[sqlx::test]
async fn queries_run_over_get_but_mutations_only_over_post(pool: PgPool) {
    import_fixture(&pool).await;
    let app = app(pool).await;
    let response = get(&app, "/api/graphql?query=%7Bcategories%7Bslug%7D%7D").await;
    assert!(data(&response)["categories"].is_array());

    let mutation = "mutation%7BaddToWishlist(slug:%22x%22)%7D";
    let refused = get(&app, &format!("/api/graphql?query={mutation}")).await;
    assert_eq!(refused.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(refused.header("allow"), "POST");
    assert_eq!(first_code(&refused), "METHOD_NOT_ALLOWED");
}

#[sqlx::test]
async fn malformed_requests_are_400s_and_bad_queries_are_coded(pool: PgPool) {
    let app = app(pool).await;
    let not_json = Request::post("/api/graphql").header("content-type", "application/json").body(Body::from("{"));
    let response = send(&app, not_json.unwrap()).await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    assert_eq!(first_code(&response), "BAD_USER_INPUT");

    let form = Request::post("/api/graphql").header("content-type", "text/plain").body(Body::from("{}"));
    assert_eq!(send(&app, form.unwrap()).await.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);

    let no_query = Request::get("/api/graphql").header("accept", "application/json").body(Body::empty());
    assert_eq!(send(&app, no_query.unwrap()).await.status, StatusCode::BAD_REQUEST);

    // A query that does not parse or names an unknown field is a GraphQL
    // error (status 200) with a code.
    for query in ["{ products {", "{ noSuchField }"] {
        let response = graphql(&app, None, query, json!({})).await;
        assert_eq!(response.status, StatusCode::OK, "{query}");
        assert_eq!(first_code(&response), "BAD_USER_INPUT", "{query}: {}", response.body);
    }
}

#[sqlx::test]
async fn the_session_cookie_counts_only_for_our_own_pages(pool: PgPool) {
    let app = app(pool.clone()).await;
    let (email, password) = create_user(&pool, "cookie@example.com", Role::Customer).await;
    let cookie = pages::sign_in(&app, &email, &password).await;
    let me = |site: &'static str| {
        Request::get("/api/graphql?query=%7Bme%7Bemail%7D%7D")
            .header("cookie", cookie.clone())
            .header("sec-fetch-site", site)
            .body(Body::empty())
            .unwrap()
    };
    let same_origin = send(&app, me("same-origin")).await;
    assert_eq!(data(&same_origin)["me"]["email"], "cookie@example.com");
    let cross_site = send(&app, me("cross-site")).await;
    assert_eq!(first_code(&cross_site), "UNAUTHENTICATED", "{}", cross_site.body);
}

#[sqlx::test]
async fn a_browser_gets_the_explorer_served_from_our_origin(pool: PgPool) {
    let app = app(pool).await;
    let page = pages::get_page(&app, "/api/graphql", None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.header("content-type").starts_with("text/html"));
    assert!(page.body.contains(r#"<script src="/vendor/graphiql/graphiql.min.js"></script>"#), "{}", page.body);
    assert!(!page.body.contains("http://") && !page.body.contains("https://"), "no asset from another origin");
    assert!(!page.body.contains("<script>"), "no inline script: the CSP allows none");
    let csp = page.header("content-security-policy");
    assert!(csp.contains("script-src 'self';"), "{csp}");

    let openapi = get(&app, "/api/openapi.json").await.json();
    assert!(openapi["paths"]["/api/graphql"]["post"].is_object(), "the OpenAPI document lists the route");
    assert!(openapi["paths"]["/api/graphql"]["get"].is_object());

    let script = get(&app, "/api/graphql/explorer.js").await;
    assert_eq!(script.status, StatusCode::OK);
    assert!(script.body.contains("GraphiQL.createFetcher"));
}

#[sqlx::test]
async fn the_committed_sdl_is_the_schema(pool: PgPool) {
    let served = get(&app(pool).await, "/api/graphql/schema.graphql").await;
    assert_eq!(served.status, StatusCode::OK);
    let sdl = nexus::server::graphql::schema::sdl();
    assert_eq!(served.body, sdl);
    assert!(sdl.contains("products(") && sdl.contains("addToCart("), "{sdl}");

    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(nexus::server::graphql::SDL_PATH);
    if std::env::var_os("UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, &sdl).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == sdl,
        "{} differs from the schema the code builds; if the change is meant, regenerate it with \
         `UPDATE_SCHEMA=1 cargo test --features ssr --test web -- graphql_api::the_committed_sdl_is_the_schema` \
         and commit it",
        nexus::server::graphql::SDL_PATH
    );
}
