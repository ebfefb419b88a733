//! [`ReqwestSender`]: the signed POST of one delivery, to checked addresses only.

use std::error::Error as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

use folio_domain::webhooks::ports::{OutgoingDelivery, ReceiverResponse, SendFailure, SendFailureKind, WebhookSender};
use folio_domain::webhooks::values::Host;
use reqwest::dns::{Name, Resolve, Resolving};
use reqwest::header::{CONTENT_TYPE, HeaderValue};
use reqwest::redirect::Policy;

use crate::signature;

/// The `User-Agent` of every delivery.
pub const USER_AGENT: &str = concat!("Folio-Webhooks/", env!("CARGO_PKG_VERSION"));

/// The most of an answer's body that is read (and then discarded).
const MAX_RESPONSE_BYTES: usize = 1024;

/// Time limits of a delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SenderSettings {
    /// To establish the connection (TCP and TLS).
    pub connect_timeout: Duration,
    /// For the whole exchange, from connecting to the end of the answer.
    pub timeout: Duration,
}

impl Default for SenderSettings {
    fn default() -> Self {
        Self { connect_timeout: Duration::from_secs(5), timeout: Duration::from_secs(10) }
    }
}

/// [`WebhookSender`] over reqwest (rustls, no proxy, no redirects).
///
/// Each delivery gets a client of its own whose only way to turn the URL's
/// host into an address is the list the domain checked for this attempt:
/// that list is installed as the host's resolution override, and the
/// client's resolver refuses every lookup, so no name is ever resolved
/// again behind the check's back.
#[derive(Debug, Clone, Default)]
pub struct ReqwestSender {
    settings: SenderSettings,
}

impl ReqwestSender {
    /// A sender with these time limits.
    pub fn new(settings: SenderSettings) -> Self {
        Self { settings }
    }

    fn client_for(&self, delivery: &OutgoingDelivery) -> Result<reqwest::Client, String> {
        let mut builder = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .redirect(Policy::none())
            .no_proxy()
            .connect_timeout(self.settings.connect_timeout)
            .timeout(self.settings.timeout)
            .pool_max_idle_per_host(0)
            .dns_resolver(Arc::new(RefuseLookups));
        if let Host::Domain(name) = delivery.url.host() {
            builder = builder.resolve_to_addrs(name, &delivery.target.addresses);
        }
        builder.build().map_err(|error| format!("could not build the HTTP client: {}", chain(&error)))
    }
}

/// Refuses to resolve anything: the only resolution a delivery may use is
/// the checked one installed as an override.
#[derive(Debug)]
struct RefuseLookups;

impl Resolve for RefuseLookups {
    fn resolve(&self, name: Name) -> Resolving {
        let message = format!("refusing to resolve {}: only checked addresses may be used", name.as_str());
        Box::pin(async move { Err(message.into()) })
    }
}

/// Checks that reqwest reads the URL as the domain did: same host, same port.
/// The domain's parser refuses every spelling where the two could differ;
/// this makes sure of it before anything is sent.
fn check_url(delivery: &OutgoingDelivery) -> Result<reqwest::Url, String> {
    let parsed = reqwest::Url::parse(delivery.url.as_str()).map_err(|error| format!("invalid URL: {error}"))?;
    let host = delivery.url.host().to_string();
    if parsed.host_str() != Some(host.as_str()) || parsed.port_or_known_default() != Some(delivery.url.port()) {
        return Err(format!("refusing to send: the URL's host is not read as {host}:{}", delivery.url.port()));
    }
    if let Host::Ip(ip) = delivery.url.host()
        && !delivery.target.addresses.iter().any(|address| address.ip() == *ip)
    {
        return Err(format!("refusing to send: {ip} was not checked"));
    }
    Ok(parsed)
}

/// An error and its causes on one line (reqwest's own message is only
/// "error sending request").
fn chain(error: &reqwest::Error) -> String {
    let mut line = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        line.push_str(": ");
        line.push_str(&cause.to_string());
        source = cause.source();
    }
    line
}

fn failure(kind: SendFailureKind, message: String, latency: Duration) -> SendFailure {
    SendFailure { kind, message, latency }
}

impl WebhookSender for ReqwestSender {
    #[tracing::instrument(
        name = "webhooks.send",
        skip_all,
        fields(delivery_id = %delivery.delivery_id, event = %delivery.event_type, host = %delivery.url.host())
    )]
    async fn send(&self, delivery: OutgoingDelivery) -> Result<ReceiverResponse, SendFailure> {
        let url = check_url(&delivery).map_err(|message| failure(SendFailureKind::Other, message, Duration::ZERO))?;
        let client =
            self.client_for(&delivery).map_err(|message| failure(SendFailureKind::Other, message, Duration::ZERO))?;
        let signature =
            signature::header_value(delivery.secret.expose_secret(), delivery.timestamp.timestamp(), &delivery.body);
        let header = |value: String| {
            HeaderValue::from_str(&value)
                .map_err(|error| failure(SendFailureKind::Other, format!("invalid header: {error}"), Duration::ZERO))
        };
        let request = client
            .post(url)
            .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
            .header("X-Folio-Event", header(delivery.event_type.as_str().to_owned())?)
            .header("X-Folio-Delivery", header(delivery.delivery_id.to_string())?)
            .header(signature::HEADER, header(signature)?)
            .body(delivery.body);

        let started = Instant::now();
        let mut response = match request.send().await {
            Ok(response) => response,
            Err(error) => {
                let kind = if error.is_timeout() {
                    SendFailureKind::Timeout
                } else if error.is_connect() {
                    SendFailureKind::Connect
                } else {
                    SendFailureKind::Other
                };
                let latency = started.elapsed();
                let message = match kind {
                    SendFailureKind::Timeout => format!("no answer within {} ms", latency.as_millis()),
                    _ => chain(&error),
                };
                tracing::info!(error = %message, "webhook delivery got no answer");
                return Err(failure(kind, message, latency));
            }
        };
        let latency = started.elapsed();
        let status = response.status().as_u16();
        // A little of the body is read so that small answers complete; the
        // rest is dropped with the connection. Errors here change nothing:
        // the status is the answer.
        let mut read = 0;
        while read < MAX_RESPONSE_BYTES {
            match response.chunk().await {
                Ok(Some(chunk)) => read += chunk.len(),
                Ok(None) | Err(_) => break,
            }
        }
        tracing::info!(status, latency_ms = latency.as_millis(), "webhook delivery answered");
        Ok(ReceiverResponse { status, latency })
    }
}
