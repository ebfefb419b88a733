//! Events into delivery jobs.

use super::*;

#[tokio::test]
async fn internal_events_cause_no_deliveries() {
    let mut ports = Ports::new();
    ports.repository.expect_subscribers().times(0);
    let dispatcher = ports.dispatcher(DeliveryPolicy::default());

    let jobs = dispatcher.jobs_for(&internal_event()).await.expect("no failure");

    assert!(jobs.is_empty());
}

#[tokio::test]
async fn an_event_nobody_subscribes_to_stores_nothing() {
    let mut ports = Ports::new();
    ports
        .repository
        .expect_subscribers()
        .with(eq(EventType::PostPublished), eq(now()))
        .returning(|_, _| ready(Ok(Vec::new())));
    ports.repository.expect_ensure_deliveries().times(0);
    let dispatcher = ports.dispatcher(DeliveryPolicy::default());

    assert!(dispatcher.jobs_for(&event()).await.expect("no failure").is_empty());
}

#[tokio::test]
async fn each_subscribed_endpoint_gets_a_pending_delivery_and_a_deduplicated_job() {
    let (first_delivery, second_delivery) = (Uuid::from_u128(1), Uuid::from_u128(2));
    let (first_job, second_job) = (Uuid::from_u128(3), Uuid::from_u128(4));
    let mut ports = Ports::new().handing_out_ids(&[first_delivery, second_delivery, first_job, second_job]);
    ports
        .repository
        .expect_subscribers()
        .with(eq(EventType::PostPublished), eq(now()))
        .times(1)
        .returning(|_, _| ready(Ok(vec![WebhookId::new(ENDPOINT), WebhookId::new(OTHER_ENDPOINT)])));
    let mut order = Sequence::new();
    ports
        .repository
        .expect_ensure_deliveries()
        .withf(move |deliveries| {
            let pending = |id, endpoint| NewDelivery {
                id: DeliveryId::new(id),
                endpoint_id: WebhookId::new(endpoint),
                event_id: EVENT,
                event_type: EventType::PostPublished,
                created_at: now(),
            };
            deliveries == [pending(first_delivery, ENDPOINT), pending(second_delivery, OTHER_ENDPOINT)]
        })
        .times(1)
        .in_sequence(&mut order)
        .returning(|_| ready(Ok(())));
    let dispatcher = ports.dispatcher(DeliveryPolicy::default());

    let jobs = dispatcher.jobs_for(&event()).await.expect("jobs");

    assert_eq!(jobs.len(), 2);
    for (job, (id, endpoint)) in jobs.iter().zip([(first_job, ENDPOINT), (second_job, OTHER_ENDPOINT)]) {
        assert_eq!(job.id, JobId::new(id));
        assert_eq!(job.kind, JobKind::WebhookDelivery);
        assert_eq!(job.payload, json!({ "endpointId": endpoint, "eventId": EVENT }), "ids only");
        assert_eq!(job.run_at, now());
        assert_eq!(job.dedupe_key.as_deref(), Some(format!("webhook:{EVENT}:{endpoint}").as_str()));
    }
}

#[tokio::test]
async fn a_failure_to_store_deliveries_fails_the_relay() {
    let mut ports = Ports::new();
    ports.ids.expect_new_id().return_const(NEW_ID);
    ports.repository.expect_subscribers().returning(|_, _| ready(Ok(vec![endpoint_id()])));
    ports
        .repository
        .expect_ensure_deliveries()
        .returning(|_| ready(Err(PortError::Unknown(anyhow::anyhow!("deadlock")))));
    let dispatcher = ports.dispatcher(DeliveryPolicy::default());

    assert!(dispatcher.jobs_for(&event()).await.is_err());
}
