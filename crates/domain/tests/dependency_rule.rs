//! The dependency rule of the hexagon: folio-domain pulls in no web framework,
//! database driver, async runtime or crypto library, directly or transitively.

use std::process::Command;

const FORBIDDEN: &[&str] = &[
    "actix",
    "actix-web",
    "actix-rt",
    "diesel",
    "diesel-async",
    "tokio",
    "tokio-postgres",
    "postgres",
    "bcrypt",
    "jsonwebtoken",
    "sqlx",
    "hyper",
    "reqwest",
];

/// The names of every package in folio-domain's normal dependency tree.
fn normal_dependencies(features: &[&str]) -> Vec<String> {
    let output = Command::new(env!("CARGO"))
        .args(["tree", "--offline", "--package", "folio-domain", "--edges", "normal", "--prefix", "none"])
        .args(["--format", "{p}"])
        .args(features)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo tree runs");
    assert!(output.status.success(), "cargo tree failed: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout)
        .expect("utf-8 output")
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .map(str::to_owned)
        .collect()
}

fn assert_clean(features: &[&str]) {
    let dependencies = normal_dependencies(features);
    assert!(dependencies.iter().any(|name| name == "folio-domain"), "the tree lists the crate itself");
    let offenders: Vec<&String> = dependencies
        .iter()
        .filter(|name| {
            FORBIDDEN.iter().any(|forbidden| *name == forbidden || name.starts_with(&format!("{forbidden}-")))
        })
        .collect();
    assert!(offenders.is_empty(), "folio-domain {features:?} depends on {offenders:?}");
}

#[test]
fn domain_depends_on_no_framework_driver_runtime_or_crypto() {
    assert_clean(&[]);
}

#[test]
fn domain_with_mocks_still_depends_on_none_of_them() {
    assert_clean(&["--features", "mocks"]);
}
