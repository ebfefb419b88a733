//! ReqwestSender against local receivers: the request it makes, where it
//! connects, and how it fails.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use folio_domain::events::EventType;
use folio_domain::webhooks::CheckedTarget;
use folio_domain::webhooks::ports::{OutgoingDelivery, SendFailureKind, WebhookSender};
use folio_domain::webhooks::values::{DeliveryId, WebhookSecret, WebhookUrl};
use folio_webhooks::testing::{Receiver, Reply};
use folio_webhooks::{ReqwestSender, SenderSettings};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpListener;
use uuid::Uuid;

const SECRET: &str = "whsec_4f1b2c3d4e5f60718293a4b5c6d7e8f90112233445566778899aabbccddeeff";
const BODY: &[u8] = br#"{"id":"0190f5a8-3c2e-7b4a-9d1e-5f6a7b8c9d0e","type":"post.published","createdAt":"2025-03-14T09:26:53.000Z","data":{}}"#;

const LIMIT: Duration = Duration::from_secs(10);

fn delivery(url: &str, addresses: &[SocketAddr]) -> OutgoingDelivery {
    OutgoingDelivery {
        delivery_id: DeliveryId::new(Uuid::from_u128(0xde1)),
        event_type: EventType::PostPublished,
        url: WebhookUrl::parse(url).expect("a valid URL"),
        target: CheckedTarget { addresses: addresses.to_vec() },
        secret: WebhookSecret::new(SECRET.into()),
        body: BODY.to_vec(),
        timestamp: Utc.with_ymd_and_hms(2025, 3, 14, 9, 26, 53).single().expect("a valid instant"),
    }
}

fn sender() -> ReqwestSender {
    ReqwestSender::new(SenderSettings { connect_timeout: Duration::from_secs(2), timeout: Duration::from_secs(2) })
}

/// The signature, computed here from the documented recipe rather than with
/// the crate's own code.
fn expected_signature(timestamp: i64, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).expect("any key length");
    mac.update(format!("{timestamp}.").as_bytes());
    mac.update(body);
    mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test]
async fn a_delivery_is_a_signed_json_post_with_the_folio_headers() {
    let receiver = Receiver::start().await;

    let response = sender()
        .send(delivery(&receiver.url("/hooks/folio?source=test"), &[receiver.address()]))
        .await
        .expect("answered");

    assert_eq!(response.status, 200);
    assert!(response.latency < LIMIT);
    let [request] = receiver.requests().try_into().expect("exactly one request");
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, "/hooks/folio?source=test");
    assert_eq!(request.body, BODY);
    assert_eq!(request.header("content-type"), Some("application/json"));
    assert_eq!(request.header("user-agent"), Some(concat!("Folio-Webhooks/", env!("CARGO_PKG_VERSION"))));
    assert_eq!(request.header("x-folio-event"), Some("post.published"));
    assert_eq!(request.header("x-folio-delivery"), Some(Uuid::from_u128(0xde1).to_string().as_str()));
    let timestamp = 1_741_944_413; // 2025-03-14T09:26:53Z
    let signature = format!("t={timestamp},v1={}", expected_signature(timestamp, BODY));
    assert_eq!(request.header("x-folio-signature"), Some(signature.as_str()));
    assert_eq!(
        folio_webhooks::signature::verify(SECRET, &signature, &request.body, timestamp + 10, 300),
        Ok(()),
        "the crate's verifier agrees"
    );
}

#[tokio::test]
async fn any_status_is_an_answer() {
    for status in [201, 204, 400, 404, 410, 429, 500, 503] {
        let receiver = Receiver::scripted(vec![], Reply::status(status)).await;

        let response = sender().send(delivery(&receiver.url("/"), &[receiver.address()])).await.expect("answered");

        assert_eq!(response.status, status);
    }
}

#[tokio::test]
async fn a_host_name_is_connected_only_at_the_checked_addresses() {
    // `.invalid` never resolves: reaching the receiver proves that the
    // checked address, not a lookup, was used.
    let receiver = Receiver::start().await;
    let port = receiver.address().port();

    let response = sender()
        .send(delivery(&format!("http://hooks.folio.invalid:{port}/"), &[receiver.address()]))
        .await
        .expect("answered");

    assert_eq!(response.status, 200);
    assert_eq!(receiver.requests()[0].header("host"), Some(format!("hooks.folio.invalid:{port}").as_str()));

    // localhost resolves to 127.0.0.1, but the check said 127.0.0.2: the
    // request goes to 127.0.0.2, never to what a second lookup would say.
    let decoy = Receiver::start().await;
    let port = decoy.address().port();
    let checked = Receiver::scripted_at(SocketAddr::from(([127, 0, 0, 2], port)), vec![], Reply::status(202)).await;

    let response =
        sender().send(delivery(&format!("http://localhost:{port}/"), &[checked.address()])).await.expect("answered");

    assert_eq!(response.status, 202);
    assert_eq!(checked.requests().len(), 1);
    assert!(decoy.requests().is_empty(), "the unchecked address got nothing");
}

#[tokio::test]
async fn an_ip_literal_that_was_not_checked_is_refused_without_connecting() {
    let receiver = Receiver::start().await;
    let elsewhere = SocketAddr::from(([127, 0, 0, 2], receiver.address().port()));

    let failure = sender().send(delivery(&receiver.url("/"), &[elsewhere])).await.expect_err("refused");

    assert_eq!(failure.kind, SendFailureKind::Other);
    assert!(failure.message.contains("not checked"), "{}", failure.message);
    assert!(receiver.requests().is_empty());
}

#[tokio::test]
async fn redirects_are_answers_not_followed() {
    let target = Receiver::start().await;
    let redirecting =
        Receiver::scripted(vec![], Reply::status(307).with_header("Location", &target.url("/elsewhere"))).await;

    let response = sender().send(delivery(&redirecting.url("/"), &[redirecting.address()])).await.expect("answered");

    assert_eq!(response.status, 307);
    assert!(target.requests().is_empty(), "the redirect was not followed");
}

#[tokio::test]
async fn a_receiver_slower_than_the_time_limit_times_out() {
    let receiver = Receiver::scripted(vec![], Reply::status(200).after(Duration::from_secs(30))).await;
    let fast = ReqwestSender::new(SenderSettings {
        connect_timeout: Duration::from_secs(2),
        timeout: Duration::from_millis(300),
    });
    let started = Instant::now();

    let failure = fast.send(delivery(&receiver.url("/"), &[receiver.address()])).await.expect_err("timed out");

    assert_eq!(failure.kind, SendFailureKind::Timeout, "{}", failure.message);
    assert!(failure.latency >= Duration::from_millis(300), "{:?}", failure.latency);
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn a_closed_port_is_a_connection_failure() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
    let address = listener.local_addr().expect("bound");
    drop(listener);

    let failure =
        sender().send(delivery(&format!("http://{address}/"), &[address])).await.expect_err("nothing listens");

    assert_eq!(failure.kind, SendFailureKind::Connect, "{}", failure.message);
}

#[tokio::test]
async fn only_the_start_of_an_answer_is_read() {
    // Promises a megabyte, sends 4 KiB, then stalls: reading the whole body
    // would run into the time limit; the sender stops after a little.
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
    let address = listener.local_addr().expect("bound");
    let server = tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.expect("a connection");
        let mut buffer = vec![0_u8; 64 * 1024];
        let _ = stream.read(&mut buffer).await;
        let head = "HTTP/1.1 200 OK\r\nContent-Length: 1048576\r\n\r\n";
        stream.write_all(head.as_bytes()).await.expect("head sent");
        stream.write_all(&[b'x'; 4096]).await.expect("some body sent");
        tokio::time::sleep(Duration::from_secs(30)).await;
    });

    let response = sender().send(delivery(&format!("http://{address}/"), &[address])).await.expect("answered");

    assert_eq!(response.status, 200);
    server.abort();
}
