//! Delivering: signing, sending, recording, retrying and disabling.

use super::*;

#[test]
fn the_body_is_id_type_created_at_and_data() {
    let body: serde_json::Value = serde_json::from_slice(&payload(&event()).expect("serialises")).expect("JSON");

    assert_eq!(
        body,
        json!({
            "id": EVENT,
            "type": "post.published",
            "createdAt": "2025-03-14T09:26:53.000Z",
            "data": { "post": {
                "id": Uuid::from_u128(0x9057),
                "slug": "hello",
                "title": "Hello",
                "author": { "id": Uuid::from_u128(0xa11ce), "username": "alice" },
            }},
        })
    );
}

#[tokio::test]
async fn a_2xx_answer_is_a_success_sent_signed_to_the_checked_addresses() {
    let mut ports = Ports::new()
        .delivering(endpoint(), delivery(DeliveryStatus::Pending, 1))
        .resolving("hooks.example.com", &["93.184.216.34:443", "[2606:2800:220:1::1]:443"], 1)
        .recording(attempt(DeliveryStatus::Succeeded, Some(204), Some(42), None), no_effect());
    ports
        .sender
        .expect_send()
        .withf(|outgoing| {
            outgoing.delivery_id == DeliveryId::new(DELIVERY)
                && outgoing.event_type == EventType::PostPublished
                && outgoing.url == url("https://hooks.example.com/folio")
                && outgoing.target.addresses == [address("93.184.216.34:443"), address("[2606:2800:220:1::1]:443")]
                && outgoing.secret.expose_secret() == SECRET
                && outgoing.body == payload(&event()).expect("serialises")
                && outgoing.timestamp == now()
        })
        .times(1)
        .returning(|_| ready(Ok(ReceiverResponse { status: 204, latency: Duration::from_millis(42) })));
    let dispatcher = ports.dispatcher(strict_delivery(10));

    dispatcher.handle(&job(2, 5)).await.expect("delivered");
}

#[tokio::test]
async fn failed_answers_are_retried_until_the_last_attempt_which_fails_the_delivery() {
    let cases = [
        ("server error", 500, 1, DeliveryStatus::Pending, "the receiver answered HTTP 500"),
        ("too many requests", 429, 2, DeliveryStatus::Pending, "the receiver answered HTTP 429"),
        ("client error", 404, 1, DeliveryStatus::Pending, "the receiver answered HTTP 404"),
        ("redirect", 302, 1, DeliveryStatus::Pending, "the receiver answered HTTP 302; redirects are not followed"),
        ("last attempt", 503, 5, DeliveryStatus::Failed, "the receiver answered HTTP 503"),
    ];
    for (name, code, attempt_number, status, message) in cases {
        let dispatcher = Ports::new()
            .delivering(endpoint(), delivery(DeliveryStatus::Pending, attempt_number - 1))
            .resolving("hooks.example.com", &["93.184.216.34:443"], 1)
            .receiver_answers(code)
            .recording(
                attempt(status, Some(code), Some(42), Some(message)),
                AttemptEffect { consecutive_failures: 3, disabled: false },
            )
            .dispatcher(strict_delivery(10));

        let outcome = dispatcher.handle(&job(attempt_number, 5)).await;

        let Err(JobError::Transient(error)) = outcome else { panic!("{name}: {outcome:?}") };
        assert_eq!(error, message, "{name}");
    }
}

#[tokio::test]
async fn timeouts_and_connection_failures_are_retried_with_their_latency_recorded() {
    for (kind, message) in
        [(SendFailureKind::Timeout, "no answer within 10 s"), (SendFailureKind::Connect, "connection refused")]
    {
        let mut ports = Ports::new()
            .delivering(endpoint(), delivery(DeliveryStatus::Pending, 0))
            .resolving("hooks.example.com", &["93.184.216.34:443"], 1)
            .recording(attempt(DeliveryStatus::Pending, None, Some(10_000), Some(message)), no_effect());
        ports.sender.expect_send().times(1).returning(move |_| {
            ready(Err(SendFailure { kind, message: message.into(), latency: Duration::from_secs(10) }))
        });

        let outcome = ports.dispatcher(strict_delivery(10)).handle(&job(1, 5)).await;

        assert!(matches!(outcome, Err(JobError::Transient(ref error)) if error == message), "{outcome:?}");
    }
}

#[tokio::test]
async fn a_host_that_now_resolves_privately_is_not_sent_to_and_counts_as_a_failure() {
    let mut ports = Ports::new()
        .delivering(endpoint(), delivery(DeliveryStatus::Pending, 0))
        .resolving("hooks.example.com", &["127.0.0.1:443"], 1)
        .recording(
            attempt(
                DeliveryStatus::Pending,
                None,
                None,
                Some("not sent: url's host hooks.example.com resolves to 127.0.0.1, which is not a public address"),
            ),
            no_effect(),
        );
    ports.sender.expect_send().times(0);

    let outcome = ports.dispatcher(strict_delivery(10)).handle(&job(1, 5)).await;

    assert!(matches!(outcome, Err(JobError::Transient(_))), "{outcome:?}");
}

#[tokio::test]
async fn private_targets_are_sent_to_when_allowed() {
    let allowed = DeliveryPolicy { target: TargetPolicy { allow_private_targets: true }, ..strict_delivery(10) };
    let dispatcher = Ports::new()
        .delivering(endpoint(), delivery(DeliveryStatus::Pending, 0))
        .resolving("hooks.example.com", &["127.0.0.1:443"], 1)
        .receiver_answers(200)
        .recording(attempt(DeliveryStatus::Succeeded, Some(200), Some(42), None), no_effect())
        .dispatcher(allowed);

    dispatcher.handle(&job(1, 5)).await.expect("delivered");
}

#[tokio::test]
async fn the_failure_that_disables_the_endpoint_gives_the_delivery_up() {
    let mut ports = Ports::new()
        .delivering(endpoint(), delivery(DeliveryStatus::Pending, 0))
        .resolving("hooks.example.com", &["93.184.216.34:443"], 1)
        .receiver_answers(500)
        .giving_up("disabled after 10 consecutive failed attempts");
    ports
        .repository
        .expect_record_attempt()
        .withf(|record, disable_after| {
            record.status == DeliveryStatus::Pending && *disable_after == NonZeroU32::new(10)
        })
        .times(1)
        .returning(|_, _| ready(Ok(AttemptEffect { consecutive_failures: 10, disabled: true })));

    let outcome = ports.dispatcher(strict_delivery(10)).handle(&job(1, 5)).await;

    assert!(matches!(outcome, Err(JobError::Permanent(ref e)) if e.contains("HTTP 500")), "{outcome:?}");
}

#[tokio::test]
async fn deleted_endpoints_finish_the_job_without_sending() {
    let mut ports = Ports::new();
    ports.repository.expect_find_with_secret().times(1).returning(|_| ready(Ok(None)));
    ports.events.expect_find_event().times(0);
    ports.sender.expect_send().times(0);

    ports.dispatcher(strict_delivery(10)).handle(&job(1, 5)).await.expect("finished");
}

#[tokio::test]
async fn disabled_or_unsubscribed_endpoints_give_the_delivery_up_without_sending() {
    let disabled = WebhookEndpoint {
        state: EndpointState::Disabled { reason: DisabledReason::Failures, since: now() },
        ..endpoint()
    };
    let unsubscribed = WebhookEndpoint { events: events(&["post.deleted"]), ..endpoint() };
    for (endpoint, reason) in
        [(disabled, "the endpoint is disabled"), (unsubscribed, "the endpoint no longer subscribes to post.published")]
    {
        let mut ports = Ports::new().delivering(endpoint, delivery(DeliveryStatus::Pending, 0)).giving_up(reason);
        ports.sender.expect_send().times(0);
        ports.resolver.expect_resolve().times(0);

        ports.dispatcher(strict_delivery(10)).handle(&job(1, 5)).await.expect("finished");
    }
}

#[tokio::test]
async fn a_delivery_that_succeeded_is_never_sent_again() {
    let mut ports = Ports::new().delivering(endpoint(), delivery(DeliveryStatus::Succeeded, 1));
    ports.sender.expect_send().times(0);
    ports.repository.expect_record_attempt().times(0);

    ports.dispatcher(strict_delivery(10)).handle(&job(2, 5)).await.expect("finished");
}

#[tokio::test]
async fn a_delivery_given_up_before_is_sent_again_when_its_job_is_retried() {
    // An admin retried the dead job (after re-enabling the endpoint).
    let dispatcher = Ports::new()
        .delivering(endpoint(), delivery(DeliveryStatus::Failed, 5))
        .resolving("hooks.example.com", &["93.184.216.34:443"], 1)
        .receiver_answers(200)
        .recording(attempt(DeliveryStatus::Succeeded, Some(200), Some(42), None), no_effect())
        .dispatcher(strict_delivery(10));

    dispatcher.handle(&job(1, 5)).await.expect("delivered");
}

#[tokio::test]
async fn an_event_no_longer_stored_gives_the_delivery_up_for_good() {
    let mut ports = Ports::new().giving_up("the event is no longer stored");
    ports.repository.expect_find_with_secret().returning(|_| ready(Ok(Some(with_secret(endpoint())))));
    ports.events.expect_find_event().times(1).returning(|_| ready(Ok(None)));
    ports
        .repository
        .expect_find_delivery()
        .times(1)
        .returning(|_, _| ready(Ok(Some(delivery(DeliveryStatus::Pending, 2)))));
    ports.sender.expect_send().times(0);

    let outcome = ports.dispatcher(strict_delivery(10)).handle(&job(3, 5)).await;

    assert!(matches!(outcome, Err(JobError::Permanent(_))), "{outcome:?}");
}

#[tokio::test]
async fn an_invalid_payload_fails_for_good_without_touching_anything() {
    let dispatcher = Ports::new().dispatcher(strict_delivery(10));
    let mut bad = job(1, 5);
    bad.payload = json!({ "endpointId": "not-a-uuid" });

    let outcome = dispatcher.handle(&bad).await;

    assert!(matches!(outcome, Err(JobError::Permanent(_))), "{outcome:?}");
}

#[tokio::test]
async fn storage_failures_while_delivering_are_transient() {
    let mut ports = Ports::new();
    ports
        .repository
        .expect_find_with_secret()
        .returning(|_| ready(Err(PortError::Unavailable(anyhow::anyhow!("pool exhausted")))));

    let outcome = ports.dispatcher(strict_delivery(10)).handle(&job(1, 5)).await;

    assert!(matches!(outcome, Err(JobError::Transient(_))), "{outcome:?}");
}
