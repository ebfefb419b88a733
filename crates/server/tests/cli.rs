//! The binary's start-up contract: bad configuration stops it with one line
//! naming the key. (Also makes `cargo test` build the `folio` binary that the
//! black-box tests in `tests/` drive.)

use std::process::Command;

fn folio(env: &[(&str, &str)]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_folio"))
        .arg("migrate")
        .env_remove("FOLIO__AUTH__JWT_SECRET")
        .envs(env.iter().copied())
        .output()
        .expect("folio runs")
}

fn stderr_line(output: &std::process::Output) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr).trim().to_owned();
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    stderr
}

#[test]
fn production_without_a_jwt_secret_refuses_to_start_naming_the_key() {
    let output = folio(&[("FOLIO_ENV", "production")]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr_line(&output).contains("auth.jwt_secret"));
}

#[test]
fn production_with_a_short_jwt_secret_refuses_to_start() {
    let output = folio(&[("FOLIO_ENV", "production"), ("FOLIO__AUTH__JWT_SECRET", "too-short")]);
    assert_eq!(output.status.code(), Some(2));
    let line = stderr_line(&output);
    assert!(line.contains("auth.jwt_secret") && line.contains("32 bytes"), "{line}");
    assert!(!line.contains("too-short"), "the secret is never printed");
}

#[test]
fn an_unparsable_setting_names_its_key() {
    let output = folio(&[("FOLIO_ENV", "test"), ("FOLIO__SERVER__PORT", "eighty")]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr_line(&output).contains("server.port"));
}

#[test]
fn an_unknown_environment_is_refused() {
    let output = folio(&[("FOLIO_ENV", "staging")]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr_line(&output).contains("FOLIO_ENV"));
}

#[test]
fn list_settings_take_comma_separated_values_and_are_checked() {
    let output = folio(&[("FOLIO_ENV", "test"), ("FOLIO__CORS__ALLOWED_ORIGINS", "https://a.example,not-an-origin")]);
    assert_eq!(output.status.code(), Some(2));
    let line = stderr_line(&output);
    assert!(line.contains("cors.allowed_origins") && line.contains("not-an-origin"), "{line}");
    let output = folio(&[("FOLIO_ENV", "test"), ("FOLIO__RATE_LIMIT__TRUSTED_PROXIES", "10.0.0.1,not-an-ip")]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr_line(&output).contains("rate_limit.trusted_proxies"));
}

#[test]
fn openapi_prints_the_document_without_configuration_or_database() {
    let output = Command::new(env!("CARGO_BIN_EXE_folio"))
        .arg("openapi")
        .env("FOLIO_ENV", "production")
        .env_remove("FOLIO__AUTH__JWT_SECRET")
        .env("FOLIO__DATABASE__URL", "postgres://nobody@127.0.0.1:1/none")
        .output()
        .expect("folio runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8(output.stdout).expect("utf-8");
    assert!(stdout.trim_start().starts_with('{'), "JSON on stdout");
    assert!(stdout.contains(r#""openapi":"3.1"#) || stdout.contains(r#""openapi": "3.1"#), "an OpenAPI 3.1 document");
    assert!(stdout.contains("/api/v1/posts/{slug}"));
}

/// A production environment that passes every check before the mail ones.
const PRODUCTION: [(&str, &str); 2] =
    [("FOLIO_ENV", "production"), ("FOLIO__AUTH__JWT_SECRET", "a-production-secret-of-at-least-32-bytes")];

#[test]
fn production_refuses_the_file_mail_transport() {
    let mut env = PRODUCTION.to_vec();
    env.extend([("FOLIO__MAIL__TRANSPORT", "file"), ("FOLIO__MAIL__PUBLIC_BASE_URL", "https://folio.example.com")]);
    let output = folio(&env);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr_line(&output).contains("mail.transport"));
}

#[test]
fn production_refuses_mail_links_without_tls() {
    let output = folio(&PRODUCTION);
    assert_eq!(output.status.code(), Some(2));
    let line = stderr_line(&output);
    assert!(line.contains("mail.public_base_url") && line.contains("https"), "{line}");
}

#[test]
fn invalid_mail_settings_name_their_key() {
    let cases = [
        ("FOLIO__MAIL__FROM", "not an address", "mail.from"),
        ("FOLIO__MAIL__PUBLIC_BASE_URL", "folio.example.com", "mail.public_base_url"),
        ("FOLIO__MAIL__TRANSPORT", "pigeon", "mail.transport"),
        ("FOLIO__MAIL__SMTP__TLS", "maybe", "mail.smtp.tls"),
    ];
    for (key, value, named) in cases {
        let output = folio(&[("FOLIO_ENV", "test"), (key, value)]);
        assert_eq!(output.status.code(), Some(2), "{key}={value}");
        assert!(stderr_line(&output).contains(named), "{key}={value} names {named}");
    }
}
