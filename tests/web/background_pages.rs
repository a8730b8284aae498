//! The jobs and e-mails pages through the real router, as a browser
//! without JavaScript uses them: counts and errors on `/admin/jobs`, `Retry`
//! as a plain form post that puts a dead job back in the queue, the e-mail
//! list and one e-mail with everything it shows escaped, and customers kept
//! out of all of it.

use axum::http::StatusCode;
use leptos::server_fn::ServerFn;
use nexus::app::pages::admin::jobs::RetryJob;
use nexus_core::{Core, accounts::Role, mail::templates::Rendered};
use sqlx::PgPool;

use crate::{
    common::{
        TestResponse, create_user, import_fixture,
        pages::{ORIGIN, get_page, post_form, sign_in, testid_text, variant_with_stock},
    },
    orders_api::{GOOD_CARD, add_to_cart, checkout, no_limits, place},
};

/// An e-mail whose every part carries markup a recipient could have typed
/// (a name, an address line).
fn hostile_email() -> Rendered {
    Rendered {
        template: "order_confirmation",
        subject: "Order <script>alert(1)</script> confirmed".into(),
        text: "Hello <script>alert(2)</script>,\nreset: http://127.0.0.1:3000/reset?token=abc&x=1\n".into(),
        html: "<p style=\"color:red\">Hello</p><script>alert(3)</script>".into(),
    }
}

/// Records an e-mail (and enqueues its `send_email` job) as the core does
/// when an order event is handled: the e-mail's id.
async fn record_email(core: &Core, pool: &PgPool, key: &str, to: &str, mail: &Rendered) -> i64 {
    let mut tx = pool.begin().await.unwrap();
    let id = core.mail.queue(&mut tx, key, to, mail).await.unwrap().expect("a new dedupe key records an e-mail");
    tx.commit().await.unwrap();
    id
}

/// Makes the `send_email` job of e-mail `email_id` dead the way a worker
/// leaves it after its last failed attempt: underway's `failed` state and
/// an attempt with the error. The job's id.
async fn kill_send_email_job(pool: &PgPool, email_id: i64, error: &str) -> String {
    let id: String = sqlx::query_scalar(
        "UPDATE underway.task SET state = 'failed', last_attempt_at = now()
         WHERE input->>'kind' = 'send_email' AND (input->>'email_id')::bigint = $1 RETURNING id::text",
    )
    .bind(email_id)
    .fetch_one(pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO underway.task_attempt (task_id, task_queue_name, attempt_number, state, error_message, completed_at)
         SELECT t.id, t.task_queue_name, n, 'failed', $2, now()
         FROM underway.task t, generate_series(1, 2) n WHERE t.id = $1::uuid",
    )
    .bind(&id)
    .bind(error)
    .execute(pool)
    .await
    .unwrap();
    id
}

async fn task_state(pool: &PgPool, id: &str) -> (String, bool) {
    sqlx::query_as("SELECT state::text, created_at + delay <= now() FROM underway.task WHERE id = $1::uuid")
        .bind(id)
        .fetch_one(pool)
        .await
        .unwrap()
}

fn count<'a>(page: &'a TestResponse, state: &str) -> &'a str {
    testid_text(&page.body, &format!("count-{state}")).unwrap_or_else(|| panic!("no {state} count: {}", page.body))
}

/// Follows a form's redirect as the browser would.
async fn follow(app: &axum::Router, response: &TestResponse, cookie: &str) -> TestResponse {
    assert_eq!(response.status, StatusCode::FOUND, "{}", response.body);
    let location = response.header("location").trim_start_matches(ORIGIN).to_owned();
    get_page(app, &location, Some(cookie)).await
}

#[sqlx::test]
async fn staff_see_a_dead_jobs_error_and_send_it_back_to_the_queue(pool: PgPool) {
    import_fixture(&pool).await;
    let app = no_limits(&pool).await;
    let core = crate::common::core(&pool);
    let (_, password) = create_user(&pool, "staff@example.com", Role::Staff).await;
    create_user(&pool, "ann@example.com", Role::Customer).await;

    // A real order enqueues its event job; an e-mail's job is made dead.
    let token = crate::common::login(&app, "ann@example.com", &password).await.0;
    let (variant, _) = variant_with_stock(&pool, 500).await;
    add_to_cart(&app, &token, variant, 1).await;
    assert_eq!(place(&app, &token, checkout(GOOD_CARD), None).await.status, StatusCode::CREATED);
    let email = record_email(&core, &pool, "test:dead", "ann@example.com", &hostile_email()).await;
    let dead = kill_send_email_job(&pool, email, "SMTP: connection refused <b>127.0.0.1:1</b>").await;

    let staff = sign_in(&app, "staff@example.com", &password).await;
    let board = get_page(&app, "/admin/jobs", Some(&staff)).await;
    assert_eq!(board.status, StatusCode::OK, "{}", board.body);
    let waiting: i64 = sqlx::query_scalar("SELECT count(*) FROM underway.task WHERE state = 'pending'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(waiting >= 1, "the order's event job waits");
    let waiting = waiting.to_string();
    assert_eq!((count(&board, "queued"), count(&board, "dead")), (waiting.as_str(), "1"));
    assert_eq!((count(&board, "running"), count(&board, "failed")), ("0", "0"));
    for state in ["Queued", "Scheduled", "Running", "Failed", "Dead", "Succeeded", "Cancelled"] {
        let href = format!(r#"href="/admin/jobs?state={}""#, state.to_lowercase());
        assert!(board.body.contains(&href), "{state} links to its list");
    }
    assert!(board.body.contains(">order_event<") && board.body.contains(">send_email<"), "every unfinished job");

    let dead_list = get_page(&app, "/admin/jobs?state=dead", Some(&staff)).await.body;
    assert!(dead_list.contains(">send_email<") && !dead_list.contains(">order_event<"), "{dead_list}");
    assert!(dead_list.contains("SMTP: connection refused &lt;b&gt;127.0.0.1:1&lt;/b&gt;"), "the error, escaped");
    assert!(dead_list.contains("2 / 5"), "attempts out of the allowed");
    assert!(dead_list.contains(&format!(r#""email_id":{email}"#)), "the job's input");
    assert!(dead_list.contains(">Retry<") && dead_list.contains(&format!(r#"value="{dead}""#)));
    assert!(!get_page(&app, "/admin/jobs?state=queued", Some(&staff)).await.body.contains(">Retry<"));

    // Retry, posted the way a browser without JavaScript posts it.
    let fields = [("id", dead.as_str()), ("back", "/admin/jobs?state=dead")];
    let retried = post_form(&app, RetryJob::PATH, "/admin/jobs?state=dead", &fields, Some(&staff)).await;
    assert!(retried.header("location").starts_with("/admin/jobs?state=dead&notice="), "{:?}", retried.headers);
    assert_eq!(task_state(&pool, &dead).await, ("pending".to_owned(), true), "queued again, due now");
    let after = follow(&app, &retried, &staff).await;
    assert!(after.body.contains("Job sent back to the queue."), "{}", after.body);
    assert_eq!(count(&after, "dead"), "0");

    // The same button again on a stale page, after a worker finished the
    // job, and a made-up id: a notice, not an error page.
    sqlx::query("UPDATE underway.task SET state = 'succeeded' WHERE id = $1::uuid")
        .bind(&dead)
        .execute(&pool)
        .await
        .unwrap();
    let again = post_form(&app, RetryJob::PATH, "/admin/jobs?state=dead", &fields, Some(&staff)).await;
    assert!(follow(&app, &again, &staff).await.body.contains("That job could not be retried"));
    assert_eq!(task_state(&pool, &dead).await.0, "succeeded", "left as it was");
    let bogus = [("id", "not-a-job"), ("back", "/admin/jobs")];
    let unknown = post_form(&app, RetryJob::PATH, "/admin/jobs", &bogus, Some(&staff)).await;
    assert!(follow(&app, &unknown, &staff).await.body.contains("That job could not be retried"));

    // Filters that name nothing are explained on the page.
    let bad_state = get_page(&app, "/admin/jobs?state=exploded", Some(&staff)).await;
    assert_eq!(bad_state.status, StatusCode::OK);
    assert!(bad_state.body.contains("State must be one of queued,"), "{}", bad_state.body);
    let bad_page = get_page(&app, "/admin/jobs?state=dead&page=zero", Some(&staff)).await;
    assert_eq!(bad_page.status, StatusCode::OK);
    assert!(bad_page.body.contains("Page must be a whole number from 1"), "{}", bad_page.body);
}

#[sqlx::test]
async fn customers_can_neither_see_nor_retry_jobs(pool: PgPool) {
    let app = crate::common::app(pool.clone()).await;
    let core = crate::common::core(&pool);
    let email = record_email(&core, &pool, "test:customer", "ann@example.com", &hostile_email()).await;
    let dead = kill_send_email_job(&pool, email, "SMTP: refused").await;
    let (ann, password) = create_user(&pool, "ann@example.com", Role::Customer).await;

    let visitor = get_page(&app, "/admin/jobs", None).await;
    assert_eq!(visitor.status, StatusCode::FOUND);
    assert_eq!(visitor.header("location"), "/login?next=/admin/jobs");

    let customer = sign_in(&app, &ann, &password).await;
    let detail = format!("/admin/emails/{email}");
    for page in ["/admin/jobs?state=dead", "/admin/emails", detail.as_str()] {
        let refused = get_page(&app, page, Some(&customer)).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{page}");
        assert!(refused.body.contains("Staff only") && !refused.body.contains("SMTP: refused"), "{page}");
        assert!(!refused.body.contains("alert(2)"), "{page} shows no e-mail");
    }
    let fields = [("id", dead.as_str()), ("back", "/admin/jobs")];
    let posted = post_form(&app, RetryJob::PATH, "/admin/jobs", &fields, Some(&customer)).await;
    assert!(!posted.header("location").contains("notice="), "{:?}", posted.headers);
    assert_eq!(task_state(&pool, &dead).await.0, "failed", "still dead");
}

#[sqlx::test]
async fn staff_read_every_email_with_its_text_and_html_escaped(pool: PgPool) {
    let app = crate::common::app(pool.clone()).await;
    let core = crate::common::core(&pool);
    // Older e-mails first, so the list has a second page.
    sqlx::query(
        "INSERT INTO emails (dedupe_key, to_address, subject, template, text_body, html_body, status, created_at, sent_at)
         SELECT 'old:' || n, 'bulk' || n || '@example.com', 'Old news ' || n, 'order_status', 'text', '<p>html</p>',
                'sent', now() - make_interval(hours => n), now() - make_interval(hours => n)
         FROM generate_series(1, 55) n",
    )
    .execute(&pool)
    .await
    .unwrap();
    let id = record_email(&core, &pool, "test:hostile", "ann@example.com", &hostile_email()).await;
    sqlx::query("UPDATE emails SET status = 'failed', attempts = 2, error = 'SMTP: refused <again>' WHERE id = $1")
        .bind(id)
        .execute(&pool)
        .await
        .unwrap();
    let (_, password) = create_user(&pool, "staff@example.com", Role::Staff).await;
    let staff = sign_in(&app, "staff@example.com", &password).await;

    let list = get_page(&app, "/admin/emails", Some(&staff)).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    let first_row = &list.body[list.body.find(r#"data-testid="email-row""#).expect("rows")..];
    assert!(first_row.find("ann@example.com").unwrap() < first_row.find("bulk1@example.com").unwrap(), "newest first");
    assert!(list.body.contains(&format!(r#"href="/admin/emails/{id}""#)), "the subject links to the e-mail");
    assert!(list.body.contains("Order &lt;script&gt;alert(1)&lt;/script&gt; confirmed"), "{}", list.body);
    assert!(!list.body.contains("<script>alert("), "nothing of the e-mail runs");
    assert!(list.body.contains(">Failed<") && list.body.contains("2 attempts"));
    assert!(list.body.contains("SMTP: refused &lt;again&gt;"), "the last error");
    assert!(list.body.contains("56 e-mails") && list.body.contains("Page 1 of 2"));
    assert!(list.body.contains(r#"href="/admin/emails?page=2""#));
    let second = get_page(&app, "/admin/emails?page=2", Some(&staff)).await.body;
    assert_eq!(second.matches(r#"data-testid="email-row""#).count(), 6, "{second}");
    assert!(second.contains("bulk55@example.com") && !second.contains("ann@example.com"));
    let bad = get_page(&app, "/admin/emails?page=-1", Some(&staff)).await;
    assert_eq!(bad.status, StatusCode::OK);
    assert!(bad.body.contains("Page must be a whole number from 1"), "{}", bad.body);

    let detail = get_page(&app, &format!("/admin/emails/{id}"), Some(&staff)).await;
    assert_eq!(detail.status, StatusCode::OK, "{}", detail.body);
    let text = testid_text(&detail.body, "email-text").expect("the text part");
    assert!(text.starts_with("Hello &lt;script&gt;alert(2)&lt;/script&gt;,"), "{text}");
    assert!(text.contains("reset?token=abc&amp;x=1"), "{text}");
    assert!(!detail.body.contains("<script>alert("), "{}", detail.body);
    let frame = &detail.body[detail.body.find("<iframe").expect("the HTML part in a frame")..];
    let frame = &frame[..frame.find('>').unwrap()];
    assert!(frame.contains(r#"sandbox="""#) && frame.contains(r#"title="HTML version""#), "{frame}");
    assert!(frame.contains("srcdoc=\"&lt;p style=&quot;color:red&quot;&gt;Hello&lt;/p&gt;&lt;script&gt;"), "{frame}");
    for header in ["ann@example.com", "order_confirmation", "SMTP: refused &lt;again&gt;"] {
        assert!(detail.body.contains(header), "{header}");
    }
    let csp = detail.header("content-security-policy");
    assert!(csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(!csp.contains("frame-src") && !csp.contains("child-src"), "the page's policy is not loosened: {csp}");

    for missing in ["/admin/emails/999999999", "/admin/emails/nope"] {
        let page = get_page(&app, missing, Some(&staff)).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{missing}");
        assert!(page.body.contains("Page not found"), "{missing}");
    }
}

#[sqlx::test]
async fn the_admin_navigation_leads_to_jobs_and_emails(pool: PgPool) {
    let app = crate::common::app(pool.clone()).await;
    let (_, password) = create_user(&pool, "staff@example.com", Role::Staff).await;
    let staff = sign_in(&app, "staff@example.com", &password).await;
    let jobs = get_page(&app, "/admin/jobs", Some(&staff)).await;
    assert_eq!(jobs.status, StatusCode::OK, "{}", jobs.body);
    assert!(jobs.body.contains("No jobs here."), "an empty queue: {}", jobs.body);
    for (label, path) in [("Jobs", "/admin/jobs"), ("Emails", "/admin/emails")] {
        assert!(jobs.body.contains(&format!(r#"href="{path}""#)) && jobs.body.contains(&format!(">{label}<")));
    }
    assert!(jobs.body.contains(r#"aria-current="page""#), "the current section is marked");
    let emails = get_page(&app, "/admin/emails", Some(&staff)).await;
    assert!(emails.body.contains("No e-mails yet."), "{}", emails.body);
}
