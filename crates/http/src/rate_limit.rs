//! Abuse protection at the edge: a per-IP budget for every request
//! ([`middleware`], on the app), and a tight per-IP budget for the
//! authentication routes, drawn by the middleware each of those routes names
//! where it is declared ([`log_in`], [`register`], ...). Budgets here are per
//! client address only: locking an account after repeated failed log-ins is
//! the domain's rule (`lockout.*`), applied by the account service.
//!
//! Counting happens behind the domain's `RateLimiter` port, so one instance
//! counts in memory and several share Redis. A refused request is 429
//! `RATE_LIMITED` with `Retry-After`; every counted response carries the
//! `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset` headers.
//! If the counter store fails, requests are let through (and the failure
//! logged): an outage of the limiter must not become an outage of the API.

use std::net::IpAddr;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::web;
use folio_domain::rate_limit::{RateDecision, RateLimit};

use crate::error::ApiError;
use crate::state::{AppState, LimiterHandle};
use crate::surface::Surface;

/// The limits and how to find the client's address.
#[derive(Debug, Clone)]
pub struct RateLimitSettings {
    /// Off switch for every limit (benchmarks).
    pub enabled: bool,
    /// Every request, per client IP.
    pub global: RateLimit,
    /// Log-in (failures only), registration, refresh, password reset and
    /// e-mail verification, per client IP.
    pub auth: RateLimit,
    /// Peers whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<IpAddr>,
}

impl Default for RateLimitSettings {
    fn default() -> Self {
        Self {
            enabled: false,
            global: RateLimit { max: 600, window: std::time::Duration::from_secs(60) },
            auth: RateLimit { max: 5, window: std::time::Duration::from_secs(15 * 60) },
            trusted_proxies: Vec::new(),
        }
    }
}

/// The client's address: the socket peer, or, when the peer is a trusted
/// proxy, the last address in `X-Forwarded-For` that is not itself a trusted
/// proxy (earlier entries are the client's to forge).
pub(crate) fn client_ip(request: &ServiceRequest, trusted: &[IpAddr]) -> Option<IpAddr> {
    let peer = request.peer_addr()?.ip();
    if !trusted.contains(&peer) {
        return Some(peer);
    }
    let forwarded = request.headers().get_all("x-forwarded-for").filter_map(|value| value.to_str().ok());
    let hops: Vec<IpAddr> =
        forwarded.flat_map(|value| value.split(',')).filter_map(|hop| hop.trim().parse().ok()).collect();
    Some(hops.into_iter().rev().find(|hop| !trusted.contains(hop)).unwrap_or(peer))
}

/// The authentication budget a route draws on, named where the route is
/// declared (see [`log_in`] and the others below).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AuthBudget {
    /// Only failures count.
    LogIn,
    /// Every attempt counts, in the named group.
    Attempts(&'static str),
}

async fn decide(limiter: &dyn LimiterHandle, key: &str, limit: RateLimit, count: bool) -> RateDecision {
    let decision = if count { limiter.hit(key, limit).await } else { limiter.peek(key, limit).await };
    decision.unwrap_or_else(|error| {
        tracing::warn!(error = format!("{error:#}"), "rate limiter unavailable; letting the request through");
        RateDecision::Allowed { remaining: limit.max, reset_after: limit.window }
    })
}

fn refusal(retry_after: std::time::Duration) -> ApiError {
    metrics_refused();
    ApiError::rate_limited("Too many requests; slow down and retry after the time in Retry-After.", retry_after)
}

/// Counts a refusal for the metrics, if they are installed.
fn metrics_refused() {
    crate::metrics::rate_limit_refused();
}

/// Middleware: the per-IP budget of every request.
pub(crate) async fn middleware(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let settings = request.app_data::<web::Data<RateLimitSettings>>().cloned();
    let services = request.app_data::<web::Data<AppState>>().cloned();
    let (Some(settings), Some(services)) = (settings, services) else {
        return Ok(next.call(request).await?.map_into_left_body());
    };
    if !settings.enabled {
        return Ok(next.call(request).await?.map_into_left_body());
    }
    let Some(ip) = client_ip(&request, &settings.trusted_proxies) else {
        return Ok(next.call(request).await?.map_into_left_body());
    };
    let limiter = services.limiter();
    let global = decide(limiter, &format!("ip:{ip}"), settings.global, true).await;
    if let RateDecision::Limited { retry_after } = global {
        let response = Surface::of(request.path()).error_response(&refusal(retry_after));
        return Ok(request.into_response(response).map_into_right_body());
    }
    let mut response = next.call(request).await?;
    if let RateDecision::Allowed { remaining, reset_after } = global {
        let headers = response.headers_mut();
        let reset = reset_after.as_secs_f64().ceil().to_string();
        for (name, value) in [
            ("ratelimit-limit", settings.global.max.to_string()),
            ("ratelimit-remaining", remaining.to_string()),
            ("ratelimit-reset", reset),
        ] {
            if let Ok(value) = HeaderValue::from_str(&value) {
                headers.insert(HeaderName::from_static(name), value);
            }
        }
    }
    Ok(response.map_into_left_body())
}

/// Middleware on one route: the per-IP authentication budget `budget`.
async fn draw(
    budget: AuthBudget,
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let settings = request.app_data::<web::Data<RateLimitSettings>>().cloned();
    let state = request.app_data::<web::Data<AppState>>().cloned();
    let (Some(settings), Some(state)) = (settings.filter(|settings| settings.enabled), state) else {
        return Ok(next.call(request).await?.map_into_left_body());
    };
    let Some(ip) = client_ip(&request, &settings.trusted_proxies) else {
        return Ok(next.call(request).await?.map_into_left_body());
    };
    let key = match budget {
        AuthBudget::LogIn => format!("auth:login:{ip}"),
        AuthBudget::Attempts(group) => format!("auth:{group}:{ip}"),
    };
    let limiter = state.limiter();
    let count = budget != AuthBudget::LogIn;
    if let RateDecision::Limited { retry_after } = decide(limiter, &key, settings.auth, count).await {
        let response = Surface::of(request.path()).error_response(&refusal(retry_after));
        return Ok(request.into_response(response).map_into_right_body());
    }
    let response = next.call(request).await?;
    if budget == AuthBudget::LogIn
        && response.status() == StatusCode::UNAUTHORIZED
        && let Err(error) = limiter.record(&key, settings.auth).await
    {
        tracing::warn!(error = format!("{error:#}"), "could not count a failed log-in");
    }
    Ok(response.map_into_left_body())
}

/// Declares one route middleware per authentication budget, for `from_fn`.
macro_rules! budgets {
    ($($(#[$doc:meta])* $name:ident => $budget:expr;)+) => {$(
        $(#[$doc])*
        pub(crate) async fn $name(
            request: ServiceRequest,
            next: Next<impl MessageBody>,
        ) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
            draw($budget, request, next).await
        }
    )+};
}

budgets! {
    /// Log-ins, per client address: only failures (401) count.
    log_in => AuthBudget::LogIn;
    /// Registrations, per client address.
    register => AuthBudget::Attempts("register");
    /// Token refreshes, per client address.
    refresh => AuthBudget::Attempts("refresh");
    /// Password-reset requests and confirmations, per client address.
    password_reset => AuthBudget::Attempts("password-reset");
    /// E-mail verifications and resends, per client address.
    verify_email => AuthBudget::Attempts("verify-email");
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    fn request(peer: &str, forwarded: Option<&str>) -> ServiceRequest {
        let mut request = TestRequest::default().peer_addr(peer.parse().expect("socket address"));
        if let Some(forwarded) = forwarded {
            request = request.insert_header(("x-forwarded-for", forwarded));
        }
        request.to_srv_request()
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let proxy: IpAddr = "10.0.0.1".parse().expect("ip");
        let trusted = [proxy];
        let ip = |peer, forwarded| client_ip(&request(peer, forwarded), &trusted).map(|ip| ip.to_string());
        assert_eq!(ip("203.0.113.9:5000", Some("1.1.1.1")), Some("203.0.113.9".to_owned()), "untrusted peer");
        assert_eq!(ip("10.0.0.1:5000", Some("198.51.100.7")), Some("198.51.100.7".to_owned()));
        assert_eq!(
            ip("10.0.0.1:5000", Some("6.6.6.6, 198.51.100.7, 10.0.0.1")),
            Some("198.51.100.7".to_owned()),
            "the client can forge the left part, not what the proxy appended"
        );
        assert_eq!(ip("10.0.0.1:5000", None), Some("10.0.0.1".to_owned()));
    }
}
