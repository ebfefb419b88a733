//! `/docs` in a real browser: headless Chromium opens the page served by the
//! real binary, renders every operation of the OpenAPI document, and nothing
//! it loads comes from anywhere but Folio.
//!
//! Needs Debian's `chromium` (`.ci/run` installs it), or `FOLIO_TEST_CHROMIUM`
//! naming a Chromium or Chrome binary.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use folio_tests::spawn_app;
use reqwest::Method;
use serde_json::Value;
use tokio::process::Command;

/// The browser binary, or a failure that says how to get one.
fn chromium() -> PathBuf {
    if let Ok(path) = std::env::var("FOLIO_TEST_CHROMIUM") {
        return PathBuf::from(path);
    }
    let found = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .flat_map(|dir| ["chromium", "chromium-browser"].map(|name| dir.join(name)))
            .find(|candidate| candidate.is_file())
    });
    found.unwrap_or_else(|| {
        panic!(
            "Chromium is needed for this test and was not found on PATH. Install it with\n    \
             apt-get update && apt-get install -y chromium\n(Debian; `bash .ci/run` does it), or set \
             FOLIO_TEST_CHROMIUM to a Chromium or Chrome binary."
        )
    })
}

/// What Chromium did with a page: the DOM once scripts ran, and its network log.
struct Visit {
    dom: String,
    net_log: Value,
}

/// Opens `url` in headless Chromium with a fresh profile. Every host name but
/// 127.0.0.1 and localhost resolves to nothing, so nothing can leave the
/// machine even by mistake; the network log shows what was attempted.
async fn visit(url: &str, scratch: &Path) -> Visit {
    let net_log = scratch.join("net-log.json");
    let output = tokio::time::timeout(
        Duration::from_secs(90),
        Command::new(chromium())
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-extensions",
                "--disable-default-apps",
                "--no-first-run",
                "--no-default-browser-check",
                "--password-store=basic",
                "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
                // Time the page's scripts may run (virtual time: it ends as
                // soon as the page is idle) before the DOM is printed.
                "--virtual-time-budget=20000",
            ])
            .arg(format!("--user-data-dir={}", scratch.join("profile").display()))
            .arg(format!("--log-net-log={}", net_log.display()))
            .arg("--dump-dom")
            .arg(url)
            .kill_on_drop(true)
            .output(),
    )
    .await
    .expect("Chromium finishes within 90 s")
    .expect("Chromium starts");
    let dom = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success() && !dom.is_empty(),
        "Chromium failed ({}): {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    let text = std::fs::read_to_string(&net_log).expect("Chromium wrote its network log");
    // A log cut short at exit lacks its closing brackets.
    let net_log = serde_json::from_str(&text)
        .or_else(|_| serde_json::from_str(&format!("{}]}}", text.trim_end().trim_end_matches(','))))
        .expect("the network log is JSON");
    Visit { dom, net_log }
}

/// The names of the network log's event types, by number.
fn event_type(log: &Value, name: &str) -> u64 {
    log["constants"]["logEventTypes"][name].as_u64().unwrap_or_else(|| panic!("the log knows {name}"))
}

fn events<'a>(log: &'a Value, name: &str) -> impl Iterator<Item = &'a Value> {
    let kind = event_type(log, name);
    log["events"].as_array().into_iter().flatten().filter(move |event| event["type"].as_u64() == Some(kind))
}

fn is_local(url: &str) -> bool {
    ["http://127.0.0.1:", "http://localhost:"].iter().any(|prefix| url.starts_with(prefix))
}

fn is_loopback(address: &str) -> bool {
    address.starts_with("127.") || address.starts_with("[::1]") || address.starts_with("localhost")
}

#[tokio::test]
async fn docs_render_every_operation_with_nothing_loaded_from_elsewhere() {
    let app = spawn_app().await;
    let document = app.send(Method::GET, "/api/v1/openapi.json", None, None).await.body;
    let scratch = std::env::temp_dir().join(format!("folio-docs-test-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&scratch).expect("a scratch folder");

    let Visit { dom, net_log } = visit(&format!("{}/docs", app.address), &scratch).await;
    let _ = std::fs::remove_dir_all(&scratch);

    // Every operation is on the page: Swagger UI marks each with its path.
    let rendered: BTreeSet<&str> =
        dom.split("data-path=\"").skip(1).filter_map(|rest| rest.split('"').next()).collect();
    let paths = document["paths"].as_object().expect("the document has paths");
    let missing: Vec<&String> = paths.keys().filter(|path| !rendered.contains(path.as_str())).collect();
    assert!(missing.is_empty(), "operations not rendered: {missing:?}\nrendered: {rendered:?}");

    // Everything the page asked for came from Folio. The page's own requests
    // carry its origin as their initiator; Chromium's background services
    // (update checks, account look-ups) carry none, and the resolver rules
    // stop them (checked below).
    let requests: Vec<(&str, &str)> = events(&net_log, "URL_REQUEST_START_JOB")
        .filter_map(|event| Some((event["params"]["url"].as_str()?, event["params"]["initiator"].as_str()?)))
        .collect();
    let from_the_page: Vec<&str> =
        requests.iter().filter(|(_, initiator)| is_local(initiator)).map(|(url, _)| *url).collect();
    for needed in ["/docs/swagger-ui-bundle.js", "/api/v1/openapi.json"] {
        assert!(from_the_page.iter().any(|url| url.ends_with(needed)), "the log shows the page loading {needed}");
    }
    let remote: Vec<&&str> = from_the_page.iter().filter(|url| !is_local(url)).collect();
    assert!(remote.is_empty(), "the page loaded from elsewhere: {remote:?}");
    let navigated: Vec<&str> = requests
        .iter()
        .filter(|(url, initiator)| *initiator == "not an origin" && url.contains("/docs"))
        .map(|(url, _)| *url)
        .collect();
    assert!(!navigated.is_empty() && navigated.iter().all(|url| is_local(url)), "{navigated:?}");

    // And no connection left the machine, the browser's own included.
    let connected: Vec<&str> = events(&net_log, "TCP_CONNECT_ATTEMPT")
        .chain(events(&net_log, "TCP_CONNECT"))
        .filter_map(|event| event["params"]["address"].as_str().or(event["params"]["remote_address"].as_str()))
        .collect();
    assert!(!connected.is_empty(), "the log shows the connections to Folio");
    let outside: Vec<&&str> = connected.iter().filter(|address| !is_loopback(address)).collect();
    assert!(outside.is_empty(), "connections left the machine: {outside:?}");
}
