//! Fingerprints the migrations directory.
//!
//! `embed_migrations!` does not tell Cargo which files it read, so without
//! `rerun-if-changed` an edited migration would not be re-embedded. The
//! fingerprint also names the test template database, so that a changed schema
//! gets a fresh template instead of a stale one.

use std::fs;
use std::path::{Path, PathBuf};

fn main() {
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let migrations = Path::new(&manifest_dir).join("../../migrations");
    println!("cargo:rerun-if-changed={}", migrations.display());

    let mut files = Vec::new();
    collect_files(&migrations, &mut files);
    files.sort();

    // FNV-1a: stable across Rust versions and platforms, unlike std's hashers,
    // and collision resistance does not matter for telling schemas apart.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut feed = |bytes: &[u8]| {
        for byte in bytes {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
        // A separator, so that moving bytes between two inputs changes the hash.
        hash ^= 0xff;
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    };
    for file in &files {
        let relative = file.strip_prefix(&migrations).expect("collected under the migrations directory");
        feed(relative.to_string_lossy().as_bytes());
        feed(&fs::read(file).expect("migration files are readable"));
    }
    println!("cargo:rustc-env=FOLIO_MIGRATIONS_FINGERPRINT={hash:016x}");
}

fn collect_files(dir: &Path, files: &mut Vec<PathBuf>) {
    let entries = fs::read_dir(dir).expect("the migrations directory is readable");
    for entry in entries {
        let path = entry.expect("the migrations directory is readable").path();
        if path.is_dir() {
            collect_files(&path, files);
        } else {
            files.push(path);
        }
    }
}
