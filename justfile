# Folio's tasks. `just` lists them; `just ci` runs exactly what CI runs.

default:
    @just --list

# Run the server (development settings; creates and migrates the database).
run:
    cargo run

# Run every test (needs PostgreSQL on 127.0.0.1:5432, Redis on 127.0.0.1:6379, and Chromium for the /docs test).
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

# Fill the configured database with the demo dataset (`just seed --help` lists the sizes).
seed *ARGS:
    cargo run --release -- seed {{ARGS}}

# The load benchmark (bench/README.md): seeded folio_bench, limit probe, 9 scenarios; table in target/bench/.
bench *ARGS:
    BENCH_VIA_JUST=1 python3 bench/run.py {{ARGS}}

# Server instructions per request under valgrind's callgrind, PostgreSQL's with --postgres (run `just bench` once first).
instructions *ARGS:
    python3 bench/instructions.py {{ARGS}}
