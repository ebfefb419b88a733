//! The OpenAPI document against the router it describes.
//!
//! The `/api/v1` routes come from one table (`v1/mod.rs`) that both registers
//! them and lists their handlers for the document. These tests make sure the
//! two views cannot drift:
//! - the document's operations are exactly the table's routes;
//! - the real app routes every documented operation to the documented
//!   template, and answers 405 for every other method on those paths;
//! - walking the app's resource tree finds no `/api/v1` resource the document
//!   leaves out (a route registered by hand, outside the table, fails here);
//! - every operation documents the error envelope for the statuses it can send,
//!   and the envelope's schema matches what the API really sends.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use actix_web::dev::ServiceResponse;
use actix_web::http::{Method, StatusCode, header};
use actix_web::test as actix_test;
use actix_web::web;
use common::TestServices;
use folio_domain::accounts::{AuthenticateError, MockAccountService};
use folio_domain::content::MockContentService;
use folio_http::HttpSettings;
use folio_http::openapi::V1_ROUTES;
use serde_json::Value;

/// Services under which no handler body runs: every token is refused, so any
/// handler that reads the caller stops at its extractor. The only route that
/// reads no caller and no body, `GET /tags`, gets an empty list.
fn refusing_services() -> TestServices {
    let mut accounts = MockAccountService::new();
    accounts.expect_authenticate().returning(|_| Box::pin(async { Err(AuthenticateError::InvalidToken) }));
    let mut content = MockContentService::new();
    content.expect_tags().returning(|| Box::pin(async { Ok(Vec::new()) }));
    TestServices { accounts, content, ..TestServices::new() }
}

macro_rules! app {
    () => {
        actix_test::init_service(folio_http::app(web::Data::new(refusing_services()), HttpSettings::default())).await
    };
}

const V1: &str = "/api/v1";
const METHODS: [&str; 8] = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

fn document() -> Value {
    serde_json::from_str(&folio_http::openapi::to_json()).expect("the document is JSON")
}

/// Every operation of the document as `(METHOD, path)`.
fn documented_operations(document: &Value) -> BTreeSet<(String, String)> {
    let paths = document["paths"].as_object().expect("paths");
    paths
        .iter()
        .flat_map(|(path, item)| {
            METHODS
                .iter()
                .filter(|method| item.get(**method).is_some())
                .map(move |method| (method.to_uppercase(), path.clone()))
        })
        .collect()
}

/// Follows a local `$ref` (`#/components/...`).
fn resolve<'a>(document: &'a Value, value: &'a Value) -> &'a Value {
    match value.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            let pointer = reference.strip_prefix('#').expect("a local reference");
            document.pointer(pointer).unwrap_or_else(|| panic!("{reference} resolves"))
        }
        None => value,
    }
}

/// A concrete URI for a documented template: each path parameter gets a value
/// of its documented type.
fn instantiate(document: &Value, path: &str, method: &str) -> String {
    let operation = &document["paths"][path][method.to_lowercase()];
    let mut uri = path.to_owned();
    for parameter in operation["parameters"].as_array().into_iter().flatten() {
        if parameter["in"] != "path" {
            continue;
        }
        let name = parameter["name"].as_str().expect("a parameter name");
        let schema = &parameter["schema"];
        let value = match (schema["type"].as_str(), schema["format"].as_str()) {
            (_, Some("uuid")) => "0190f5a8-3c2e-7b4a-9d1e-5f6a7b8c9d0e",
            (Some("integer"), _) => "1",
            _ => "probe",
        };
        uri = uri.replace(&format!("{{{name}}}"), value);
    }
    assert!(!uri.contains('{'), "{method} {path}: every path parameter is documented");
    uri
}

async fn json_body<B: actix_web::body::MessageBody>(response: ServiceResponse<B>) -> Value {
    let bytes = actix_test::read_body(response).await;
    serde_json::from_slice(&bytes).unwrap_or(Value::Null)
}

#[test]
fn document_is_openapi_3_1_with_a_bearer_jwt_scheme() {
    let document = document();

    assert!(document["openapi"].as_str().is_some_and(|v| v.starts_with("3.1.")), "{}", document["openapi"]);
    let scheme = &document["components"]["securitySchemes"][folio_http::openapi::BEARER];
    assert_eq!(scheme["type"], "http");
    assert_eq!(scheme["scheme"], "bearer");
    assert_eq!(scheme["bearerFormat"], "JWT");
}

#[test]
fn document_names_exactly_the_routes_of_the_route_table() {
    let table: BTreeSet<(String, String)> =
        V1_ROUTES.iter().map(|(method, path)| ((*method).to_owned(), format!("{V1}{path}"))).collect();
    assert_eq!(table.len(), V1_ROUTES.len(), "the route table lists a route twice");

    let documented = documented_operations(&document());

    let missing: Vec<_> = table.difference(&documented).collect();
    let extra: Vec<_> = documented.difference(&table).collect();
    assert!(missing.is_empty(), "routed but not documented (check the handler's #[utoipa::path]): {missing:?}");
    assert!(extra.is_empty(), "documented but not routed: {extra:?}");
}

#[actix_web::test]
async fn router_serves_every_documented_operation_at_its_documented_template() {
    let document = document();
    let app = app!();

    for (method, path) in documented_operations(&document) {
        let uri = instantiate(&document, &path, &method);
        let request = actix_test::TestRequest::default()
            .method(Method::from_bytes(method.as_bytes()).expect("a method"))
            .uri(&uri)
            .insert_header((header::AUTHORIZATION, "Bearer not-a-valid-token"))
            .to_request();

        let response = actix_test::call_service(&app, request).await;

        assert_eq!(
            response.request().match_pattern().as_deref(),
            Some(path.as_str()),
            "{method} {uri} is routed to the documented template"
        );
        let status = response.status();
        let body = json_body(response).await;
        assert_ne!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path} is routed: {body}");
        let unrouted = body["error"]["message"].as_str().is_some_and(|m| m.starts_with("No route matches"));
        assert!(!unrouted, "{method} {path} is routed: {body}");
    }
}

#[actix_web::test]
async fn router_answers_405_to_every_undocumented_method_on_a_documented_path() {
    let document = document();
    let app = app!();
    let mut documented: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (method, path) in documented_operations(&document) {
        documented.entry(path).or_default().insert(method);
    }

    for (path, methods) in &documented {
        let some_method = methods.first().expect("a method");
        let uri = instantiate(&document, path, some_method);
        for method in ["GET", "POST", "PUT", "PATCH", "DELETE"].into_iter().filter(|m| !methods.contains(*m)) {
            let request = actix_test::TestRequest::default()
                .method(Method::from_bytes(method.as_bytes()).expect("a method"))
                .uri(&uri)
                .insert_header((header::AUTHORIZATION, "Bearer not-a-valid-token"))
                .to_request();

            let response = actix_test::call_service(&app, request).await;

            assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED, "{method} {path} is not routed");
            let allow = response.headers().get(header::ALLOW).and_then(|v| v.to_str().ok()).unwrap_or_default();
            let allowed: BTreeSet<String> = allow.split(',').map(|m| m.trim().to_owned()).collect();
            assert_eq!(&allowed, methods, "{method} {path}: Allow lists exactly the documented methods");
        }
    }
}

#[actix_web::test]
async fn router_has_no_v1_resource_that_the_document_does_not_name() {
    let app = app!();
    let response = actix_test::call_service(&app, actix_test::TestRequest::get().uri("/health").to_request()).await;
    let tree = parse_debug(&format!("{:?}", response.request().resource_map()));
    let mut registered = BTreeSet::new();
    collect_resources(&tree, "", &mut registered);
    let registered: BTreeSet<String> = registered.into_iter().filter(|path| path.starts_with(V1)).collect();
    let documented: BTreeSet<String> = documented_operations(&document()).into_iter().map(|(_, path)| path).collect();
    // If actix changes how it prints its resource map, fail loudly rather
    // than compare two empty sets.
    assert!(registered.contains("/api/v1/openapi.json"), "the walk found the v1 resources: {registered:?}");

    let undocumented: Vec<_> = registered.difference(&documented).collect();
    let unregistered: Vec<_> = documented.difference(&registered).collect();
    assert!(undocumented.is_empty(), "registered under /api/v1 but not documented: {undocumented:?}");
    assert!(unregistered.is_empty(), "documented but not registered: {unregistered:?}");
}

#[test]
fn every_operation_documents_the_errors_it_can_send_in_the_envelope() {
    let document = document();
    let mut operation_ids = BTreeSet::new();

    for (method, path) in documented_operations(&document) {
        let operation = &document["paths"][&path][method.to_lowercase()];
        let name = format!("{method} {path}");
        let id = operation["operationId"].as_str().unwrap_or_else(|| panic!("{name} has an operationId"));
        assert!(operation_ids.insert(id.to_owned()), "{name}: operationId {id} is unique");
        assert!(operation["summary"].as_str().is_some_and(|s| !s.is_empty()), "{name} has a summary");
        let responses = operation["responses"].as_object().expect("responses");
        let statuses: BTreeSet<&str> = responses.keys().map(String::as_str).collect();

        let mut expected = vec!["429", "500", "503"];
        if operation.get("requestBody").is_some() {
            expected.extend(["400", "413", "415"]);
        }
        let takes_token = operation["security"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|requirement| requirement.get(folio_http::openapi::BEARER).is_some());
        if takes_token {
            expected.push("401");
        }
        for status in expected {
            assert!(statuses.contains(status), "{name} documents {status}: {statuses:?}");
        }
        assert!(statuses.iter().any(|s| s.starts_with('2')), "{name} documents its success");

        for (status, response) in responses {
            let response = resolve(&document, response);
            assert!(response["description"].as_str().is_some_and(|d| !d.is_empty()), "{name} {status} is described");
            if status.starts_with('4') || status.starts_with('5') {
                let schema = &response["content"]["application/json"]["schema"];
                assert_eq!(schema["$ref"], "#/components/schemas/Error", "{name} {status} is the error envelope");
            }
        }
    }
}

#[test]
fn every_reference_in_the_document_resolves() {
    fn walk<'a>(value: &'a Value, found: &mut Vec<&'a str>) {
        match value {
            Value::Object(map) => {
                if let Some(reference) = map.get("$ref").and_then(Value::as_str) {
                    found.push(reference);
                }
                map.values().for_each(|child| walk(child, found));
            }
            Value::Array(items) => items.iter().for_each(|child| walk(child, found)),
            _ => {}
        }
    }
    let document = document();
    let mut references = Vec::new();
    walk(&document, &mut references);

    assert!(!references.is_empty());
    for reference in references {
        let pointer = reference.strip_prefix('#').unwrap_or_else(|| panic!("{reference} is local"));
        assert!(document.pointer(pointer).is_some(), "{reference} resolves");
    }
}

#[actix_web::test]
async fn error_schema_describes_the_errors_the_api_sends() {
    let document = document();
    let schema = &document["components"]["schemas"]["Error"];
    let body_schema = &schema["properties"]["error"];
    let codes: BTreeSet<&str> =
        body_schema["properties"]["code"]["enum"].as_array().expect("codes").iter().filter_map(Value::as_str).collect();
    for code in ["BAD_REQUEST", "VALIDATION_ERROR", "UNAUTHENTICATED", "FORBIDDEN", "NOT_FOUND", "CONFLICT"] {
        assert!(codes.contains(code), "{code} is documented");
    }
    for code in ["PAYLOAD_TOO_LARGE", "UNSUPPORTED_MEDIA_TYPE", "RATE_LIMITED", "INTERNAL_ERROR", "UNAVAILABLE"] {
        assert!(codes.contains(code), "{code} is documented");
    }
    let app = app!();
    // A validation failure has every part of the envelope, details included.
    let request =
        actix_test::TestRequest::post().uri("/api/v1/auth/register").set_json(serde_json::json!({})).to_request();

    let response = actix_test::call_service(&app, request).await;

    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let sent = json_body(response).await;
    assert_conforms(&sent, schema, "error envelope");
    let error = &sent["error"];
    assert!(codes.contains(error["code"].as_str().expect("a code")), "{error}");
    assert!(error["details"].as_array().is_some_and(|d| !d.is_empty()), "{error}");
    assert!(error["requestId"].is_string(), "{error}");
    for detail in error["details"].as_array().into_iter().flatten() {
        assert_conforms(detail, &body_schema["properties"]["details"]["items"], "error detail");
    }
}

/// `value` has every required property of the object `schema` and no other
/// property than it names.
fn assert_conforms(value: &Value, schema: &Value, what: &str) {
    let properties = schema["properties"].as_object().unwrap_or_else(|| panic!("{what}: schema has properties"));
    let object = value.as_object().unwrap_or_else(|| panic!("{what}: {value} is an object"));
    for key in object.keys() {
        assert!(properties.contains_key(key), "{what}: `{key}` is in the schema");
    }
    for required in schema["required"].as_array().into_iter().flatten() {
        let required = required.as_str().expect("a name");
        assert!(object.contains_key(required), "{what}: required `{required}` is sent: {value}");
    }
    for (key, child) in object {
        if child.is_object() && properties[key]["properties"].is_object() {
            assert_conforms(child, &properties[key], &format!("{what}.{key}"));
        }
    }
}

#[actix_web::test]
async fn document_is_served_at_openapi_json_as_printed() {
    let app = app!();

    let response =
        actix_test::call_service(&app, actix_test::TestRequest::get().uri("/api/v1/openapi.json").to_request()).await;

    assert_eq!(response.status(), StatusCode::OK);
    let content_type = response.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    assert!(content_type.starts_with("application/json"), "{content_type}");
    assert_eq!(json_body(response).await, document());
}

// --- Walking actix's resource tree -----------------------------------------
//
// actix does not list its resources publicly, but `ResourceMap` (what
// `HttpRequest::resource_map` returns, the tree the router matches against)
// implements `Debug`. The parser below reads that output generically; if the
// format changes, the assertion on `/api/v1/openapi.json` above fails.

/// A value as `{:?}` prints it.
#[derive(Debug)]
enum Debugged {
    /// `Name { key: value, .. }`, or a map `{ key: value, .. }` (empty name).
    Struct(String, Vec<(Debugged, Debugged)>),
    /// `Name(a, b)`, or `(a, b)` (empty name).
    Tuple(String, Vec<Debugged>),
    /// `[a, b]`.
    List(Vec<Debugged>),
    /// `"text"`.
    Str(String),
    /// `None`, `true`, `12`, `Name`.
    Atom(String),
}

impl Debugged {
    fn field(&self, name: &str) -> Option<&Debugged> {
        match self {
            Self::Struct(_, fields) => {
                fields.iter().find(|(key, _)| matches!(key, Self::Atom(k) if k == name)).map(|(_, value)| value)
            }
            _ => None,
        }
    }
}

fn parse_debug(text: &str) -> Debugged {
    let chars: Vec<char> = text.chars().collect();
    let mut at = 0;
    let value = parse_value(&chars, &mut at);
    skip_space(&chars, &mut at);
    assert_eq!(at, chars.len(), "the whole Debug output parses");
    value
}

fn skip_space(chars: &[char], at: &mut usize) {
    while chars.get(*at).is_some_and(|c| c.is_whitespace()) {
        *at += 1;
    }
}

fn expect(chars: &[char], at: &mut usize, wanted: char) {
    skip_space(chars, at);
    assert_eq!(chars.get(*at), Some(&wanted), "expected {wanted:?} at {at}");
    *at += 1;
}

/// Values separated by commas up to `close` (a trailing comma allowed).
fn parse_sequence<T>(
    chars: &[char],
    at: &mut usize,
    close: char,
    mut item: impl FnMut(&[char], &mut usize) -> T,
) -> Vec<T> {
    let mut items = Vec::new();
    loop {
        skip_space(chars, at);
        if chars.get(*at) == Some(&close) {
            *at += 1;
            return items;
        }
        items.push(item(chars, at));
        skip_space(chars, at);
        if chars.get(*at) == Some(&',') {
            *at += 1;
        }
    }
}

fn parse_entry(chars: &[char], at: &mut usize) -> (Debugged, Debugged) {
    let key = parse_value(chars, at);
    expect(chars, at, ':');
    (key, parse_value(chars, at))
}

fn parse_value(chars: &[char], at: &mut usize) -> Debugged {
    skip_space(chars, at);
    match chars.get(*at) {
        Some('"') => {
            *at += 1;
            let mut text = String::new();
            while let Some(&c) = chars.get(*at) {
                *at += 1;
                match c {
                    '"' => return Debugged::Str(text),
                    '\\' => {
                        text.push(chars.get(*at).copied().unwrap_or_default());
                        *at += 1;
                    }
                    c => text.push(c),
                }
            }
            panic!("unterminated string");
        }
        Some('[') => {
            *at += 1;
            Debugged::List(parse_sequence(chars, at, ']', parse_value))
        }
        Some('{') => {
            *at += 1;
            Debugged::Struct(String::new(), parse_sequence(chars, at, '}', parse_entry))
        }
        Some('(') => {
            *at += 1;
            Debugged::Tuple(String::new(), parse_sequence(chars, at, ')', parse_value))
        }
        Some(_) => {
            let start = *at;
            while chars.get(*at).is_some_and(|c| !c.is_whitespace() && !"{}()[],:\"".contains(*c)) {
                *at += 1;
            }
            assert!(*at > start, "a value at {start}");
            let name: String = chars[start..*at].iter().collect();
            let mut peek = *at;
            skip_space(chars, &mut peek);
            match chars.get(peek) {
                Some('{') => {
                    *at = peek + 1;
                    Debugged::Struct(name, parse_sequence(chars, at, '}', parse_entry))
                }
                Some('(') => {
                    *at = peek + 1;
                    Debugged::Tuple(name, parse_sequence(chars, at, ')', parse_value))
                }
                _ => Debugged::Atom(name),
            }
        }
        None => panic!("unexpected end of the Debug output"),
    }
}

/// The full pattern of every resource (leaf) under `map`, a `ResourceMap`.
fn collect_resources(map: &Debugged, prefix: &str, out: &mut BTreeSet<String>) {
    assert!(matches!(map, Debugged::Struct(name, _) if name == "ResourceMap"), "a ResourceMap: {map:?}");
    let patterns = match map.field("pattern").and_then(|definition| definition.field("patterns")) {
        Some(Debugged::Tuple(kind, items)) if kind == "Single" => items.iter().collect::<Vec<_>>(),
        Some(Debugged::Tuple(kind, items)) if kind == "List" => match items.first() {
            Some(Debugged::List(patterns)) => patterns.iter().collect(),
            _ => Vec::new(),
        },
        other => panic!("a ResourceMap has a pattern: {other:?}"),
    };
    let children = match map.field("nodes") {
        Some(Debugged::Tuple(some, items)) if some == "Some" => match items.first() {
            Some(Debugged::List(children)) => Some(children),
            _ => None,
        },
        _ => None,
    };
    for pattern in patterns {
        let Debugged::Str(pattern) = pattern else { panic!("a pattern is a string: {pattern:?}") };
        let full = format!("{prefix}{pattern}");
        match children {
            Some(children) => children.iter().for_each(|child| collect_resources(child, &full, out)),
            None => {
                out.insert(full);
            }
        }
    }
}
