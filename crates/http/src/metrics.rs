//! Prometheus metrics: requests by route template and status, latency,
//! requests in flight, database pool use, rate-limit refusals, and the
//! process's own CPU, memory and file descriptors.

use std::sync::LazyLock;

use actix_web::{HttpResponse, web};
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry, TextEncoder,
};

use crate::state::AppState;

struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    in_flight: IntGauge,
    rate_limited: IntCounter,
    pool: IntGaugeVec,
}

/// Built on first use; registration of fixed, valid metric definitions cannot
/// fail, so a failure here is a programming error caught by the tests.
static METRICS: LazyLock<Option<Metrics>> = LazyLock::new(|| {
    let registry = Registry::new_custom(Some("folio".to_owned()), None).ok()?;
    let requests = IntCounterVec::new(
        Opts::new("http_requests_total", "HTTP requests by method, route template and status"),
        &["method", "route", "status"],
    )
    .ok()?;
    let latency = HistogramVec::new(
        HistogramOpts::new("http_request_duration_seconds", "HTTP request latency by method and route template")
            .buckets(vec![0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0]),
        &["method", "route", "status"],
    )
    .ok()?;
    let in_flight = IntGauge::new("http_requests_in_flight", "HTTP requests being handled").ok()?;
    let rate_limited = IntCounter::new("rate_limit_refusals_total", "Requests refused by a rate limit").ok()?;
    let pool = IntGaugeVec::new(
        Opts::new("db_pool_connections", "Database pool connections by state (size, in_use, idle, waiting)"),
        &["state"],
    )
    .ok()?;
    registry.register(Box::new(requests.clone())).ok()?;
    registry.register(Box::new(latency.clone())).ok()?;
    registry.register(Box::new(in_flight.clone())).ok()?;
    registry.register(Box::new(rate_limited.clone())).ok()?;
    registry.register(Box::new(pool.clone())).ok()?;
    #[cfg(target_os = "linux")]
    registry.register(Box::new(prometheus::process_collector::ProcessCollector::for_self())).ok()?;
    Some(Metrics { registry, requests, latency, in_flight, rate_limited, pool })
});

/// A request began.
pub(crate) fn request_started() {
    if let Some(metrics) = METRICS.as_ref() {
        metrics.in_flight.inc();
    }
}

/// A request ended.
pub(crate) fn request_finished(method: &str, route: &str, status: u16, seconds: f64) {
    if let Some(metrics) = METRICS.as_ref() {
        metrics.in_flight.dec();
        let status = status.to_string();
        metrics.requests.with_label_values(&[method, route, &status]).inc();
        metrics.latency.with_label_values(&[method, route, &status]).observe(seconds);
    }
}

/// A rate limit refused a request.
pub(crate) fn rate_limit_refused() {
    if let Some(metrics) = METRICS.as_ref() {
        metrics.rate_limited.inc();
    }
}

/// Database pool figures, as the application reports them.
#[derive(Debug, Clone, Copy, Default)]
pub struct PoolMetrics {
    /// Connections open.
    pub size: u64,
    /// Connections lent out.
    pub in_use: u64,
    /// Requests waiting for a connection.
    pub waiting: u64,
}

/// The Prometheus text exposition of every metric.
pub(crate) fn render(state: &AppState) -> String {
    let Some(metrics) = METRICS.as_ref() else {
        return String::new();
    };
    let pool = state.health.pool_metrics();
    let as_gauge = |value: u64| i64::try_from(value).unwrap_or(i64::MAX);
    metrics.pool.with_label_values(&["size"]).set(as_gauge(pool.size));
    metrics.pool.with_label_values(&["in_use"]).set(as_gauge(pool.in_use));
    metrics.pool.with_label_values(&["idle"]).set(as_gauge(pool.size.saturating_sub(pool.in_use)));
    metrics.pool.with_label_values(&["waiting"]).set(as_gauge(pool.waiting));
    let mut buffer = Vec::new();
    if TextEncoder::new().encode(&metrics.registry.gather(), &mut buffer).is_err() {
        return String::new();
    }
    String::from_utf8(buffer).unwrap_or_default()
}

/// `GET /metrics`.
pub(crate) async fn endpoint(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain; version=0.0.4; charset=utf-8").body(render(&state))
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_metric_registers() {
        assert!(super::METRICS.is_some());
    }
}
