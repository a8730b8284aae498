//! Background jobs end to end: real workers on the test's database send
//! real e-mails to an SMTP server the test starts (`smtp_sink`).

use std::{sync::Arc, time::Duration};

use nexus_core::{
    Core, Secret, Settings,
    accounts::{NewUser, Role},
    cart::CartOwner,
    jobs::{WorkerQueues, WorkerSet, start_workers},
    model::{money::Cents, order::Tracking},
    orders::{Actor, OrderStatus},
};
use sqlx::{PgPool, postgres::PgPoolOptions};

use crate::{smtp_sink::SmtpSink, support};

const PATIENCE: Duration = Duration::from_secs(30);

/// Settings for fast jobs: retries after 100 ms, a job silent for a second
/// counts as abandoned, idle workers look for due jobs every 100 ms.
fn settings(smtp_url: Option<String>) -> Settings {
    let mut settings = support::settings();
    settings.mail.smtp_url = smtp_url.map(Secret::new);
    settings.jobs.first_retry_after = Duration::from_millis(100);
    settings.jobs.max_retry_after = Duration::from_millis(500);
    settings.jobs.heartbeat = Duration::from_secs(1);
    settings.jobs.poll_every = Duration::from_millis(100);
    settings.jobs.low_stock_gather = Duration::from_secs(2);
    settings
}

async fn core_with(pool: &PgPool, settings: Settings) -> Core {
    Core::new(pool.clone(), support::cache_for(pool, &support::redis_url()).await, settings)
}

/// A pool of its own for a worker set: workers hold listening connections.
async fn workers_pool(pool: &PgPool) -> PgPool {
    PgPoolOptions::new().max_connections(8).connect_with((*pool.connect_options()).clone()).await.unwrap()
}

async fn workers(core: &Core, pool: &PgPool) -> WorkerSet {
    start_workers(core.clone(), workers_pool(pool).await, 2, WorkerQueues::EventsOnly).await.unwrap()
}

/// A customer who bought two units of a stocked variant; the order's
/// number and total.
async fn place_order(core: &Core, pool: &PgPool, email: &str) -> (String, i64) {
    let variant: i64 = sqlx::query_scalar(
        "SELECT v.id FROM variants v JOIN products p ON p.id = v.product_id
         WHERE p.is_active AND p.archived_at IS NULL AND v.stock >= 50 ORDER BY v.id LIMIT 1",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    let new_user = NewUser { email, password: "correct horse battery", name: "Ann Lee", role: Role::Customer };
    let user_id = core.accounts.create_user(new_user).await.unwrap();
    core.cart.add_item(&CartOwner::User(user_id), variant, 2).await.unwrap();
    let placed = core.orders.place_order(user_id, support::checkout(), None).await.unwrap();
    (placed.order.number, placed.order.total_cents)
}

/// The message with soft line breaks of quoted-printable undone.
fn text(data: &str) -> String {
    data.replace("=\r\n", "")
}

async fn email_row(pool: &PgPool, template: &str) -> (String, i32, Option<String>) {
    sqlx::query_as("SELECT status, attempts, error FROM emails WHERE template = $1")
        .bind(template)
        .fetch_one(pool)
        .await
        .unwrap()
}

#[sqlx::test(migrator = "nexus_core::db::MIGRATOR")]
async fn a_checkout_sends_one_confirmation_with_its_total(pool: PgPool) {
    support::import_fixture(&pool).await;
    let sink = SmtpSink::start().await;
    let core = core_with(&pool, settings(Some(sink.url()))).await;
    let workers = workers(&core, &pool).await;

    let (number, total_cents) = place_order(&core, &pool, "ann@example.com").await;

    let received = sink.wait_for(1, PATIENCE).await;
    let mail = text(&received[0].data);
    assert_eq!(received[0].to, ["ann@example.com"]);
    assert!(mail.contains(&format!("Subject: Your order {number} is confirmed")), "{mail}");
    assert!(mail.contains(&format!("Total: {}", Cents(total_cents).display("USD"))), "{mail}");
    assert!(mail.contains("1 Main St"), "the address is in it");
    tokio::time::sleep(Duration::from_millis(500)).await;
    workers.stop().await;
    assert_eq!(sink.received().len(), 1, "one order, one e-mail");
    assert_eq!(email_row(&pool, "order_confirmation").await, ("sent".to_owned(), 1, None));
    let processed: bool = sqlx::query_scalar("SELECT bool_and(processed_at IS NOT NULL) FROM outbox_events")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(processed, "the outbox is drained");
}

#[sqlx::test(migrator = "nexus_core::db::MIGRATOR")]
async fn shipping_sends_one_mail_with_its_tracking(pool: PgPool) {
    support::import_fixture(&pool).await;
    let sink = SmtpSink::start().await;
    let core = core_with(&pool, settings(Some(sink.url()))).await;
    let workers = workers(&core, &pool).await;
    let (number, _) = place_order(&core, &pool, "ann@example.com").await;
    sink.wait_for(1, PATIENCE).await;

    let tracking = Tracking { carrier: "DHL".into(), number: "JD014600006281".into(), url: None };
    core.orders.change_status(&number, OrderStatus::Shipped, Actor::System, None, Some(&tracking)).await.unwrap();

    let received = sink.wait_for(2, PATIENCE).await;
    let shipped = text(&received[1].data);
    assert!(shipped.contains(&format!("Subject: Your order {number} has shipped")), "{shipped}");
    assert!(shipped.contains("Tracking number: JD014600006281"), "{shipped}");
    tokio::time::sleep(Duration::from_millis(500)).await;
    workers.stop().await;
    assert_eq!(sink.received().len(), 2, "a confirmation and one shipping notice");
}

#[sqlx::test(migrator = "nexus_core::db::MIGRATOR")]
async fn a_mail_refused_twice_is_sent_exactly_once(pool: PgPool) {
    support::import_fixture(&pool).await;
    let sink = SmtpSink::start().await;
    sink.refuse_next(2);
    let core = core_with(&pool, settings(Some(sink.url()))).await;
    let workers = workers(&core, &pool).await;

    place_order(&core, &pool, "ann@example.com").await;

    sink.wait_for(1, PATIENCE).await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    workers.stop().await;
    assert_eq!(sink.received().len(), 1, "sent once");
    assert_eq!(sink.deliveries_seen(), 3, "two refusals, then the one that went through");
    assert_eq!(email_row(&pool, "order_confirmation").await, ("sent".to_owned(), 3, None));
    let attempts: Vec<(String, Option<String>)> = sqlx::query_as(
        "SELECT a.state::text, a.error_message FROM underway.task_attempt a JOIN underway.task t
           ON t.id = a.task_id AND t.task_queue_name = a.task_queue_name
         WHERE t.input->>'kind' = 'send_email' ORDER BY a.attempt_number",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    // The order's own job made the first try, then handed the e-mail to a
    // send job, whose first attempt was refused and second went through.
    assert_eq!(attempts.len(), 2, "{attempts:?}");
    assert!(attempts[0].1.as_deref().unwrap_or_default().contains("451"), "{attempts:?}");
    assert_eq!(attempts[1].0, "succeeded");
    let order_jobs: i64 = sqlx::query_scalar("SELECT count(*) FROM underway.task WHERE input->>'kind' = 'order_event'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(order_jobs, 1);
}

#[sqlx::test(migrator = "nexus_core::db::MIGRATOR")]
async fn a_mail_whose_server_never_answers_is_dead_after_its_attempts(pool: PgPool) {
    support::import_fixture(&pool).await;
    let mut settings = settings(Some("smtp://127.0.0.1:1".to_owned()));
    settings.jobs.max_attempts = 2;
    let core = core_with(&pool, settings).await;
    let workers = workers(&core, &pool).await;

    place_order(&core, &pool, "ann@example.com").await;

    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let counts = core.jobs.counts().await.unwrap();
        let dead = counts.iter().find(|(state, _)| state.as_str() == "dead").map_or(0, |(_, n)| *n);
        if dead == 1 {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "no dead job: {counts:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    workers.stop().await;
    let (status, attempts, error) = email_row(&pool, "order_confirmation").await;
    assert_eq!((status.as_str(), attempts), ("failed", 2));
    assert!(error.is_some_and(|error| !error.is_empty()));

    let board = core.jobs.board(Some(nexus_core::model::background::JobState::Dead), 1).await.unwrap();
    assert_eq!(board.jobs.len(), 1);
    // Two tries of the e-mail: the order's job made the first, its send job,
    // allowed the one try left, the second.
    assert_eq!((board.jobs[0].kind.as_str(), board.jobs[0].attempts, board.jobs[0].max_attempts), ("send_email", 1, 1));
    assert!(board.jobs[0].error.as_deref().is_some_and(|error| error.starts_with("SMTP")), "{:?}", board.jobs[0]);
    assert!(core.jobs.retry(&board.jobs[0].id).await.unwrap(), "a dead job can be retried");
    assert!(!core.jobs.retry("not-a-uuid").await.unwrap());
    let queued = core.jobs.board(Some(nexus_core::model::background::JobState::Failed), 1).await.unwrap();
    assert_eq!(queued.jobs.len(), 1, "back in the queue, its failures still shown");
}

#[sqlx::test(migrator = "nexus_core::db::MIGRATOR")]
async fn without_smtp_mails_are_recorded_as_not_sent(pool: PgPool) {
    support::import_fixture(&pool).await;
    let core = core_with(&pool, settings(None)).await;
    let workers = workers(&core, &pool).await;
    let (number, _) = place_order(&core, &pool, "ann@example.com").await;

    let deadline = tokio::time::Instant::now() + PATIENCE;
    while email_status(&pool).await.as_deref() != Some("not_sent") {
        assert!(tokio::time::Instant::now() < deadline, "still {:?}", email_status(&pool).await);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    workers.stop().await;
    let page = core.mail.list(1).await.unwrap();
    assert_eq!(page.items.len(), 1);
    let detail = core.mail.get(page.items[0].id).await.unwrap().unwrap();
    assert!(detail.text_body.contains(&number), "the demo still shows what the shopper would get");
}

async fn email_status(pool: &PgPool) -> Option<String> {
    sqlx::query_scalar("SELECT status FROM emails LIMIT 1").fetch_optional(pool).await.unwrap()
}

/// A worker in a runtime of its own, so the test can kill it as the
/// operating system would kill its process: every task stops at once,
/// heartbeats included, and its connections close mid-transaction.
struct DoomedWorker {
    kill: std::sync::mpsc::Sender<()>,
    thread: std::thread::JoinHandle<()>,
}

impl DoomedWorker {
    fn start(options: sqlx::postgres::PgConnectOptions, settings: Settings) -> Self {
        let (kill, killed) = std::sync::mpsc::channel::<()>();
        let (ready, is_ready) = std::sync::mpsc::channel::<()>();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
            runtime.block_on(async {
                let pool = PgPoolOptions::new().max_connections(8).connect_with(options).await.unwrap();
                let core = core_with(&pool, settings).await;
                let set = start_workers(core, pool, 2, WorkerQueues::EventsOnly).await.unwrap();
                std::mem::forget(set);
            });
            ready.send(()).unwrap();
            killed.recv().ok();
            runtime.shutdown_background();
        });
        is_ready.recv().unwrap();
        Self { kill, thread }
    }

    fn kill(self) {
        self.kill.send(()).unwrap();
        self.thread.join().unwrap();
    }
}

#[sqlx::test(migrator = "nexus_core::db::MIGRATOR")]
async fn a_job_whose_worker_was_killed_completes_after_a_restart(pool: PgPool) {
    support::import_fixture(&pool).await;
    let sink = SmtpSink::start().await;
    sink.hold(true);
    let settings = settings(Some(sink.url()));
    let doomed = DoomedWorker::start((*pool.connect_options()).clone(), settings.clone());
    let core = core_with(&pool, settings).await;
    place_order(&core, &pool, "ann@example.com").await;

    let deadline = tokio::time::Instant::now() + PATIENCE;
    while sink.deliveries_seen() == 0 {
        assert!(tokio::time::Instant::now() < deadline, "the first worker never got to send");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let doomed = Arc::new(std::sync::Mutex::new(Some(doomed)));
    let killer = doomed.clone();
    tokio::task::spawn_blocking(move || killer.lock().unwrap().take().unwrap().kill()).await.unwrap();
    sink.hold(false);
    let running: String =
        sqlx::query_scalar("SELECT state::text FROM underway.task WHERE input->>'kind' = 'order_event'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(running, "in_progress", "the killed worker left its job running");

    let restarted = workers(&core, &pool).await;
    let received = sink.wait_for(1, PATIENCE).await;
    assert!(text(&received[0].data).contains("is confirmed"));
    tokio::time::sleep(Duration::from_millis(500)).await;
    restarted.stop().await;
    assert_eq!(sink.received().len(), 1);
    assert_eq!(sink.deliveries_seen(), 2, "the abandoned try and the one after the restart");
    assert_eq!(email_row(&pool, "order_confirmation").await.0, "sent");
}

/// Records `count` e-mails, each with its send job.
async fn queue_mails(core: &Core, pool: &PgPool, count: usize) {
    let mut tx = pool.begin().await.unwrap();
    let rendered = nexus_core::mail::templates::password_reset("Ann", "https://shop.test/reset", 60);
    for n in 0..count {
        core.mail.queue(&mut tx, &format!("test:{n}"), &format!("user{n}@example.com"), &rendered).await.unwrap();
    }
    tx.commit().await.unwrap();
}

async fn wait_for_deliveries(sink: &SmtpSink, count: usize) {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while sink.deliveries_seen() < count {
        assert!(tokio::time::Instant::now() < deadline, "{} deliveries, not {count}", sink.deliveries_seen());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[sqlx::test(migrator = "nexus_core::db::MIGRATOR")]
async fn workers_run_one_job_at_a_time_while_requests_are_in_flight(pool: PgPool) {
    let sink = SmtpSink::start().await;
    // Every delivery hangs, so a slot that takes a job keeps it.
    sink.hold(true);
    let core = core_with(&pool, settings(Some(sink.url()))).await;
    queue_mails(&core, &pool, 3).await;
    let request = core.jobs.foreground().begin();
    let workers_pool = workers_pool(&pool).await;
    let workers = start_workers(core.clone(), workers_pool.clone(), 2, WorkerQueues::EventsOnly).await.unwrap();

    wait_for_deliveries(&sink, 1).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(sink.deliveries_seen(), 1, "the second slot steps aside while a request is served");

    drop(request);
    wait_for_deliveries(&sink, 2).await;
    // The held deliveries never end: stop the workers as a kill would.
    drop(workers);
    workers_pool.close().await;
}

#[sqlx::test(migrator = "nexus_core::db::MIGRATOR")]
async fn two_workers_on_one_queue_run_each_job_once(pool: PgPool) {
    support::import_fixture(&pool).await;
    let sink = SmtpSink::start().await;
    let settings = settings(Some(sink.url()));
    let (one, two) = (core_with(&pool, settings.clone()).await, core_with(&pool, settings).await);
    const MAILS: usize = 30;
    queue_mails(&one, &pool, MAILS).await;
    let (first, second) = (workers(&one, &pool).await, workers(&two, &pool).await);

    let received = sink.wait_for(MAILS, PATIENCE).await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    first.stop().await;
    second.stop().await;
    let mut recipients: Vec<String> = sink.received().into_iter().flat_map(|mail| mail.to).collect();
    recipients.sort();
    recipients.dedup();
    assert_eq!(recipients.len(), MAILS, "every e-mail sent");
    assert_eq!(sink.received().len(), MAILS, "none twice ({} received at first)", received.len());
    let attempts: i64 = sqlx::query_scalar("SELECT sum(attempts)::bigint FROM emails").fetch_one(&pool).await.unwrap();
    assert_eq!(attempts, MAILS as i64, "one attempt each");
}

#[sqlx::test(migrator = "nexus_core::db::MIGRATOR")]
async fn low_stock_crossings_reach_staff_in_one_digest_an_hour(pool: PgPool) {
    support::import_fixture(&pool).await;
    let sink = SmtpSink::start().await;
    let core = core_with(&pool, settings(Some(sink.url()))).await;
    let staff =
        NewUser { email: "staff@example.com", password: "correct horse battery", name: "Sam", role: Role::Staff };
    let staff_id = core.accounts.create_user(staff).await.unwrap();
    let variants: Vec<(i64, i32, i32)> = sqlx::query_as(
        "SELECT id, stock, low_stock_threshold FROM variants WHERE stock > low_stock_threshold + 2 ORDER BY id LIMIT 2",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    // Each variant crosses once, by one adjustment; a further fall below is
    // no new crossing.
    for &(id, stock, threshold) in &variants {
        core.catalog.adjust_stock(id, threshold - stock, "counted", staff_id).await.unwrap();
        core.catalog.adjust_stock(id, -1, "broken", staff_id).await.unwrap();
    }
    let alert_jobs: i64 =
        sqlx::query_scalar("SELECT count(*) FROM underway.task WHERE input->>'kind' = 'low_stock_alert'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(alert_jobs, 2, "one alert job per crossing");

    let workers = workers(&core, &pool).await;
    let received = sink.wait_for(1, PATIENCE).await;
    let digest = text(&received[0].data);
    assert_eq!(received[0].to, ["staff@example.com"]);
    assert!(digest.contains("Subject: 2 variants are low on stock"), "{digest}");

    // A crossing within the hour waits for the next digest.
    let (id, stock, threshold): (i64, i32, i32) = sqlx::query_as(
        "SELECT id, stock, low_stock_threshold FROM variants WHERE stock > low_stock_threshold ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    core.catalog.adjust_stock(id, threshold - stock, "counted", staff_id).await.unwrap();
    let deadline = tokio::time::Instant::now() + PATIENCE;
    let delay_minutes = loop {
        let planned: Option<f64> = sqlx::query_scalar(
            "SELECT extract(epoch FROM created_at + delay - now())::float8 / 60 FROM underway.task
             WHERE input->>'kind' = 'low_stock_digest' AND state = 'pending'",
        )
        .fetch_optional(&pool)
        .await
        .unwrap();
        if let Some(minutes) = planned {
            break minutes;
        }
        assert!(tokio::time::Instant::now() < deadline, "no second digest planned");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    workers.stop().await;
    assert!((55.0..=60.0).contains(&delay_minutes), "planned {delay_minutes} minutes ahead");
    assert_eq!(sink.received().len(), 1, "no second mail within the hour");
}

/// Waits until `query` (one number) gives `expected`.
async fn wait_until_count(pool: &PgPool, query: &str, expected: i64) {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let count: i64 = sqlx::query_scalar(query).fetch_one(pool).await.unwrap();
        if count == expected {
            return;
        }
        assert!(tokio::time::Instant::now() < deadline, "`{query}` stayed {count}, not {expected}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[sqlx::test(migrator = "nexus_core::db::MIGRATOR")]
async fn housekeeping_sweeps_stale_rows_and_drains_a_stranded_event(pool: PgPool) {
    support::import_fixture(&pool).await;
    let core = core_with(&pool, settings(None)).await;
    sqlx::query(
        "INSERT INTO carts (guest_key, updated_at) VALUES ('stale', now() - interval '31 days'), ('fresh', now())",
    )
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query("INSERT INTO web_sessions (id, data, expires_at) VALUES ('gone', '{}', now() - interval '1 minute')")
        .execute(&pool)
        .await
        .unwrap();
    // An order whose event lost its job (written before the queue existed).
    let (number, _) = place_order(&core, &pool, "ann@example.com").await;
    sqlx::query("DELETE FROM underway.task").execute(&pool).await.unwrap();
    sqlx::query("UPDATE outbox_events SET created_at = now() - interval '1 hour'").execute(&pool).await.unwrap();

    let mut conn = pool.acquire().await.unwrap();
    core.jobs.enqueue(&mut conn, &nexus_core::jobs::Work::Housekeeping).await.unwrap();
    drop(conn);
    let workers = workers(&core, &pool).await;

    wait_until_count(&pool, "SELECT count(*) FROM emails WHERE status = 'not_sent'", 1).await;
    workers.stop().await;
    let carts: Vec<String> =
        sqlx::query_scalar("SELECT guest_key FROM carts WHERE guest_key IS NOT NULL").fetch_all(&pool).await.unwrap();
    assert_eq!(carts, ["fresh"], "a guest cart untouched for 30 days is deleted, a fresh one kept");
    let sessions: i64 = sqlx::query_scalar("SELECT count(*) FROM web_sessions").fetch_one(&pool).await.unwrap();
    assert_eq!(sessions, 0, "expired sessions are deleted");
    let subject: String = sqlx::query_scalar("SELECT subject FROM emails").fetch_one(&pool).await.unwrap();
    assert_eq!(subject, format!("Your order {number} is confirmed"), "the stranded event got its e-mail");
}

#[sqlx::test(migrator = "nexus_core::db::MIGRATOR")]
async fn the_daily_summary_tells_staff_about_yesterday(pool: PgPool) {
    support::import_fixture(&pool).await;
    let sink = SmtpSink::start().await;
    let core = core_with(&pool, settings(Some(sink.url()))).await;
    let admin = NewUser { email: "boss@example.com", password: "correct horse battery", name: "Bo", role: Role::Admin };
    core.accounts.create_user(admin).await.unwrap();
    let (_, total_cents) = place_order(&core, &pool, "ann@example.com").await;
    place_order(&core, &pool, "bob@example.com").await;
    // The first order was placed yesterday, the second today.
    sqlx::query("UPDATE orders SET created_at = created_at - interval '1 day' WHERE id = (SELECT min(id) FROM orders)")
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("UPDATE order_items SET placed_at = o.created_at FROM orders o WHERE o.id = order_items.order_id")
        .execute(&pool)
        .await
        .unwrap();

    let mut conn = pool.acquire().await.unwrap();
    core.jobs.enqueue(&mut conn, &nexus_core::jobs::Work::DailySummary).await.unwrap();
    drop(conn);
    let workers = workers(&core, &pool).await;
    wait_until_count(
        &pool,
        "SELECT count(*) FROM emails WHERE template = 'daily_sales_summary' AND status = 'sent'",
        1,
    )
    .await;
    workers.stop().await;

    let summary = sink.received().into_iter().find(|mail| mail.to == ["boss@example.com"]).unwrap();
    let summary = text(&summary.data);
    let revenue = Cents(total_cents).display("USD");
    assert!(summary.contains(&format!(": {revenue}")), "yesterday's one order, not today's: {summary}");
    assert!(summary.contains("Orders: 1"), "{summary}");
}
