//! Prometheus metrics: one process-wide recorder, and a middleware that
//! counts and times every request by route template (never the raw path,
//! which would let clients create unbounded label values).

use std::{sync::OnceLock, time::Instant};

use axum::{
    extract::{MatchedPath, Request},
    http::Method,
    middleware::Next,
    response::Response,
};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

const LATENCY_BUCKETS: &[f64] = &[0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

/// The handle that renders `/metrics`, installing the recorder on first use.
pub fn handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Full("http_request_duration_seconds".into()), LATENCY_BUCKETS)
                .expect("bucket list is non-empty")
                .build_recorder();
            let handle = recorder.handle();
            // Only fails if another recorder is installed, which nothing else does.
            let _ = metrics::set_global_recorder(recorder);
            handle
        })
        .clone()
}

/// The job queue's backlog, read from PostgreSQL at each scrape so every
/// instance reports the shared queue, whether or not it runs workers. Job
/// outcomes and durations (`nexus_jobs_total`, `nexus_job_duration_seconds`)
/// are counted by the workers that run them.
pub async fn record_job_queues(jobs: &nexus_core::jobs::Jobs) {
    match jobs.depth().await {
        Ok(queues) => {
            for queue in queues {
                let name = queue.queue;
                metrics::gauge!("nexus_job_queue_due", "queue" => name.clone()).set(queue.due as f64);
                metrics::gauge!("nexus_job_queue_running", "queue" => name.clone()).set(queue.running as f64);
                metrics::gauge!("nexus_job_queue_dead", "queue" => name.clone()).set(queue.dead as f64);
                metrics::gauge!("nexus_job_queue_oldest_due_seconds", "queue" => name).set(queue.oldest_due_seconds);
            }
        }
        Err(error) => tracing::warn!(%error, "cannot read the job queue for /metrics"),
    }
}

pub async fn track(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let method = method_label(request.method());
    let started = Instant::now();
    let response = next.run(request).await;
    let labels = [("method", method.to_owned()), ("route", route), ("status", response.status().as_u16().to_string())];
    metrics::counter!("http_requests_total", &labels).increment(1);
    metrics::histogram!("http_request_duration_seconds", &labels).record(started.elapsed().as_secs_f64());
    response
}

/// The method as a label: one of the standard ones, else `other`. A client
/// can send any token as a method, and each new label value would be a
/// series kept for the life of the process.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        Method::CONNECT => "CONNECT",
        Method::TRACE => "TRACE",
        _ => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn made_up_methods_share_one_label() {
        assert_eq!(method_label(&Method::PATCH), "PATCH");
        for made_up in ["FOO", "BREW", "get"] {
            assert_eq!(method_label(&Method::from_bytes(made_up.as_bytes()).unwrap()), "other", "{made_up}");
        }
    }
}
