//! Administration of endpoints: only admins, registration, changes, deletion, deliveries.

use super::*;

#[tokio::test]
async fn only_admins_manage_webhooks_and_nothing_is_touched_otherwise() {
    for actor in non_admins() {
        // No expectation is set on any port: touching one fails the test.
        let webhooks = Ports::new().webhooks(public_only());
        let id = endpoint_id();
        let page = PageRequest::default();

        let created = webhooks.create_endpoint(actor.clone(), registration()).await;
        assert!(matches!(created, Err(CreateWebhookError::Forbidden)), "{created:?}");
        let listed = webhooks.list_endpoints(actor.clone(), page).await;
        assert!(matches!(listed, Err(WebhookAdminError::Forbidden)), "{listed:?}");
        let got = webhooks.get_endpoint(actor.clone(), id).await;
        assert!(matches!(got, Err(WebhookAdminError::Forbidden)), "{got:?}");
        let updated = webhooks.update_endpoint(actor.clone(), id, EndpointChanges::default()).await;
        assert!(matches!(updated, Err(UpdateWebhookError::Forbidden)), "{updated:?}");
        let deleted = webhooks.delete_endpoint(actor.clone(), id).await;
        assert!(matches!(deleted, Err(WebhookAdminError::Forbidden)), "{deleted:?}");
        let deliveries = webhooks.list_deliveries(actor, id, page).await;
        assert!(matches!(deliveries, Err(WebhookAdminError::Forbidden)), "{deliveries:?}");
    }
}

#[tokio::test]
async fn create_checks_the_target_generates_a_secret_and_returns_it_once() {
    let mut ports = Ports::new().handing_out_ids(&[ENDPOINT]).resolving("hooks.example.com", &["93.184.216.34:443"], 1);
    ports.secrets.expect_generate().times(1).returning(|| Ok(WebhookSecret::new(SECRET.into())));
    ports
        .repository
        .expect_create()
        .withf(|new| {
            new.id == endpoint_id()
                && new.url == url("https://hooks.example.com/folio")
                && new.events == events(&["post.published"])
                && new.secret.expose_secret() == SECRET
                && new.enabled
                && new.created_at == now()
        })
        .times(1)
        .returning(|_| ready(Ok(endpoint())));
    let webhooks = ports.webhooks(public_only());

    let CreatedEndpoint { endpoint: created, secret } =
        webhooks.create_endpoint(admin(), registration()).await.expect("created");

    assert_eq!(created, endpoint());
    assert_eq!(secret.expose_secret(), SECRET);
}

#[tokio::test]
async fn create_refuses_hosts_that_resolve_to_any_private_address() {
    let cases: [(&str, &[&str], &str); 3] = [
        ("private only", &["10.0.0.5:443"], "private_address"),
        ("one of several", &["93.184.216.34:443", "169.254.169.254:443"], "private_address"),
        ("mapped loopback", &["[::ffff:127.0.0.1]:443"], "private_address"),
    ];
    for (name, addresses, code) in cases {
        let mut ports = Ports::new().resolving("hooks.example.com", addresses, 1);
        ports.repository.expect_create().times(0);
        ports.secrets.expect_generate().times(0);
        let webhooks = ports.webhooks(public_only());

        let refused = webhooks.create_endpoint(admin(), registration()).await;

        let Err(CreateWebhookError::Validation(errors)) = refused else { panic!("{name}: {refused:?}") };
        assert_eq!(url_problem(&errors).code, code, "{name}");
    }
}

#[tokio::test]
async fn create_refuses_a_host_that_does_not_resolve() {
    let mut ports = Ports::new();
    ports.resolver.expect_resolve().times(1).returning(|_, _| ready(Err(ResolveError("NXDOMAIN".into()))));
    ports.repository.expect_create().times(0);
    let webhooks = ports.webhooks(public_only());

    let refused = webhooks.create_endpoint(admin(), registration()).await;

    let Err(CreateWebhookError::Validation(errors)) = refused else { panic!("{refused:?}") };
    assert_eq!(url_problem(&errors).code, "unresolvable_host");
}

#[tokio::test]
async fn loopback_literals_are_refused_unless_private_targets_are_allowed() {
    let loopback = EndpointRegistration { url: url("http://127.0.0.1:9000/hook"), ..registration() };
    // An IP literal is checked as it is: nothing is resolved.
    let mut ports = Ports::new();
    ports.resolver.expect_resolve().times(0);
    ports.repository.expect_create().times(0);
    let refused = ports.webhooks(public_only()).create_endpoint(admin(), loopback.clone()).await;
    let Err(CreateWebhookError::Validation(errors)) = refused else { panic!("{refused:?}") };
    assert!(url_problem(&errors).message.contains("127.0.0.1"), "{errors:?}");

    let mut ports = Ports::new().handing_out_ids(&[ENDPOINT]);
    ports.resolver.expect_resolve().times(0);
    ports.secrets.expect_generate().times(1).returning(|| Ok(WebhookSecret::new(SECRET.into())));
    ports.repository.expect_create().times(1).returning(|_| ready(Ok(endpoint())));
    let allowed = ports.webhooks(TargetPolicy { allow_private_targets: true }).create_endpoint(admin(), loopback).await;
    assert!(allowed.is_ok(), "{allowed:?}");
}

#[tokio::test]
async fn update_checks_a_new_url_before_writing_and_reports_unknown_endpoints() {
    // A new URL that resolves privately is refused and nothing is written.
    let mut ports = Ports::new().resolving("internal.example.com", &["192.168.1.10:443"], 1);
    ports.repository.expect_update().times(0);
    let changes = EndpointChanges { url: Some(url("https://internal.example.com/")), ..EndpointChanges::default() };
    let refused = ports.webhooks(public_only()).update_endpoint(admin(), endpoint_id(), changes).await;
    let Err(UpdateWebhookError::Validation(errors)) = refused else { panic!("{refused:?}") };
    assert_eq!(url_problem(&errors).code, "private_address");

    // Events and state need no resolution; the repository applies them.
    let changes =
        EndpointChanges { events: Some(events(&["post.deleted"])), enabled: Some(false), ..EndpointChanges::default() };
    let expected = changes.clone();
    let mut ports = Ports::new();
    ports.resolver.expect_resolve().times(0);
    ports
        .repository
        .expect_update()
        .withf(move |id, given, at| *id == endpoint_id() && given == &expected && *at == now())
        .times(1)
        .returning(|_, _, _| {
            let disabled = WebhookEndpoint {
                events: events(&["post.deleted"]),
                state: EndpointState::Disabled { reason: DisabledReason::Admin, since: now() },
                ..endpoint()
            };
            ready(Ok(Some(disabled)))
        });
    let updated =
        ports.webhooks(public_only()).update_endpoint(admin(), endpoint_id(), changes).await.expect("updated");
    assert!(!updated.is_enabled());

    // An unknown endpoint is not found, with or without changes.
    let mut ports = Ports::new();
    ports.repository.expect_update().times(1).returning(|_, _, _| ready(Ok(None)));
    ports.repository.expect_find().with(eq(endpoint_id())).times(1).returning(|_| ready(Ok(None)));
    let webhooks = ports.webhooks(public_only());
    let enable = EndpointChanges { enabled: Some(true), ..EndpointChanges::default() };
    let missing = webhooks.update_endpoint(admin(), endpoint_id(), enable).await;
    assert!(matches!(missing, Err(UpdateWebhookError::NotFound)), "{missing:?}");
    let missing = webhooks.update_endpoint(admin(), endpoint_id(), EndpointChanges::default()).await;
    assert!(matches!(missing, Err(UpdateWebhookError::NotFound)), "{missing:?}");
}

#[tokio::test]
async fn get_delete_and_deliveries_report_unknown_endpoints() {
    let mut ports = Ports::new();
    ports.repository.expect_find().times(1).returning(|_| ready(Ok(None)));
    ports.repository.expect_delete().with(eq(endpoint_id())).times(1).returning(|_| ready(Ok(false)));
    ports.repository.expect_deliveries().times(1).returning(|_, _| ready(Ok(None)));
    let webhooks = ports.webhooks(public_only());

    let got = webhooks.get_endpoint(admin(), endpoint_id()).await;
    assert!(matches!(got, Err(WebhookAdminError::NotFound)), "{got:?}");
    let deleted = webhooks.delete_endpoint(admin(), endpoint_id()).await;
    assert!(matches!(deleted, Err(WebhookAdminError::NotFound)), "{deleted:?}");
    let deliveries = webhooks.list_deliveries(admin(), endpoint_id(), PageRequest::default()).await;
    assert!(matches!(deliveries, Err(WebhookAdminError::NotFound)), "{deliveries:?}");
}

#[tokio::test]
async fn admins_list_endpoints_and_deliveries_and_delete() {
    let page = PageRequest::new(Some(2), Some(5)).expect("valid");
    let mut ports = Ports::new();
    ports
        .repository
        .expect_list()
        .with(eq(page))
        .times(1)
        .returning(move |page| ready(Ok(Page { items: vec![endpoint()], request: page, total: 6 })));
    ports.repository.expect_deliveries().with(eq(endpoint_id()), eq(page)).times(1).returning(|_, page| {
        ready(Ok(Some(Page { items: vec![delivery(DeliveryStatus::Pending, 0)], request: page, total: 6 })))
    });
    ports.repository.expect_delete().times(1).returning(|_| ready(Ok(true)));
    let webhooks = ports.webhooks(public_only());

    let listed = webhooks.list_endpoints(admin(), page).await.expect("listed");
    assert_eq!((listed.items, listed.total), (vec![endpoint()], 6));
    let deliveries = webhooks.list_deliveries(admin(), endpoint_id(), page).await.expect("listed");
    assert_eq!(deliveries.items.len(), 1);
    webhooks.delete_endpoint(admin(), endpoint_id()).await.expect("deleted");
}

#[tokio::test]
async fn infrastructure_failures_are_unknown_errors() {
    let mut ports = Ports::new();
    ports.repository.expect_list().returning(|_| ready(Err(PortError::Unavailable(anyhow::anyhow!("pool exhausted")))));
    let failed = ports.webhooks(public_only()).list_endpoints(admin(), PageRequest::default()).await;
    let Err(WebhookAdminError::Unknown(error)) = failed else { panic!("{failed:?}") };
    assert!(PortError::is_unavailable(&error));
}
