# Folio's tasks. `just` lists them; `just ci` runs exactly what CI runs.

default:
    @just --list

# Run the server (development settings; creates and migrates the database).
run:
    cargo run

# Run every test (needs PostgreSQL on 127.0.0.1:5432).
test:
    cargo test --workspace

# Formatting and lints as CI checks them.
lint:
    cargo fmt --all --check
    cargo clippy --workspace --all-targets -- -D warnings

# Apply pending migrations to the configured database.
migrate:
    cargo run -- migrate

# Exactly what CI runs.
ci:
    bash .ci/run
