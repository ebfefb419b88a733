#!/usr/bin/env python3
"""Folio's load harness (`just bench`).

Builds the release binary and the limit probe, seeds a benchmark dataset once
(a template database named after a fingerprint of the seed's inputs, reused
while they do not change), clones it into a fresh `folio_bench` database,
starts Folio with production settings (rate limits off) and a mail relay that
accepts everything (bench/smtp_sink.py), and drives each scenario with wrk for
a fixed time at a fixed concurrency after a warm-up; after the write scenario
it waits until the background work the writes caused is done.
Prints a table and writes it as JSON and Markdown under target/bench/.

Needs: cargo, wrk, psql, PostgreSQL on 127.0.0.1:5432 (user postgres, trust
auth; `--pg` to change). Standard library only.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import re
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LUA = ROOT / "bench" / "lua"
OUT = ROOT / "target" / "bench"
DATA = OUT / "data"
DEMO_PASSWORD = "folio-demo-password"
BENCH_DB = "folio_bench"
TEMPLATE_PREFIX = "folio_bench_seed_"

# Words of the seed's topic vocabulary that a reader might search for; the
# harness keeps those matching a realistic share of the posts.
SEARCH_CANDIDATES = [
    "tokio", "kafka", "elixir", "haskell", "grpc", "websockets", "passkeys", "flamegraphs", "sourdough",
    "bouldering", "typography", "fermentation", "terraform", "graphql", "webassembly", "svelte", "nginx",
    "prometheus", "serverless", "clickhouse", "rabbitmq", "protobuf", "encryption", "lifetimes", "borrowck",
    "allocators", "compilers", "replication", "sharding", "deadlocks", "refactoring", "monorepo", "ansible",
    "raspberry", "firmware", "shaders", "synthesizers", "photography", "accessibility", "freelancing",
    "mentoring", "podcasts", "cryptography", "embeddings", "parquet", "airflow", "backpressure", "postmortems",
    "idempotency", "pagination", "webhooks", "timezones", "espresso", "woodworking", "astronomy", "calligraphy",
]


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def fail(message: str) -> "NoReturn":  # type: ignore[name-defined]
    print(f"bench: {message}", file=sys.stderr, flush=True)
    sys.exit(1)


class Postgres:
    """psql against one server; every query is a separate psql call."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")

    def url(self, database: str) -> str:
        return f"{self.base_url}/{database}"

    def keywords(self, database: str) -> str:
        """The same server as libpq key=value pairs (what the limit probe takes)."""
        parsed = urllib.parse.urlsplit(self.base_url)
        pairs = {"host": parsed.hostname or "127.0.0.1", "port": parsed.port or 5432,
                 "user": urllib.parse.unquote(parsed.username or "postgres"), "dbname": database}
        if parsed.password:
            pairs["password"] = urllib.parse.unquote(parsed.password)
        return " ".join(f"{key}={value}" for key, value in pairs.items())

    def query(self, sql: str, database: str = "postgres") -> list[list[str]]:
        result = subprocess.run(
            ["psql", self.url(database), "-X", "-q", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-c", sql],
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            fail(f"psql failed on {database}: {result.stderr.strip()}\n  {sql}")
        return [line.split("\t") for line in result.stdout.splitlines() if line]

    def scalar(self, sql: str, database: str = "postgres") -> str | None:
        rows = self.query(sql, database)
        return rows[0][0] if rows else None


def ensure_wrk(args: argparse.Namespace) -> None:
    """wrk, from Debian's package when it is missing and this is root on Debian."""
    found = shutil.which(args.wrk)
    if found:
        args.wrk = found
        return
    if args.wrk == "wrk" and os.geteuid() == 0 and shutil.which("apt-get"):
        log("wrk is missing: installing Debian's package (apt-get install -y wrk)")
        result = subprocess.run(["apt-get", "install", "-y", "wrk"], capture_output=True, text=True)
        if result.returncode != 0:
            subprocess.run(["apt-get", "update"], capture_output=True)
            result = subprocess.run(["apt-get", "install", "-y", "wrk"], capture_output=True, text=True)
        found = shutil.which("wrk")
        if found:
            args.wrk = found
            return
        fail(f"apt-get could not install wrk:\n{result.stderr.strip()}")
    fail(
        "the load generator wrk is not installed. On Debian or Ubuntu: sudo apt-get install wrk; "
        "elsewhere build it from https://github.com/wg/wrk, then run again (or pass --wrk /path/to/wrk)"
    )


def load_average() -> list[float]:
    try:
        return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]
    except (OSError, ValueError):
        return []


def busiest_processes(count: int = 5) -> list[dict]:
    """The processes that used the most CPU over one second, as top would show them."""

    def snapshot() -> dict[int, tuple[str, int]]:
        seen = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
                name = stat[stat.index("(") + 1 : stat.rindex(")")]
                fields = stat.rsplit(")", 1)[1].split()
                seen[int(entry.name)] = (name, int(fields[11]) + int(fields[12]))
            except (OSError, ValueError, IndexError):
                continue
        return seen

    before = snapshot()
    time.sleep(1)
    after = snapshot()
    ticks = os.sysconf("SC_CLK_TCK")
    used = [
        {"pid": pid, "name": name, "cpu_pct": round(100.0 * (cpu - before[pid][1]) / ticks, 1)}
        for pid, (name, cpu) in after.items()
        if pid in before and cpu > before[pid][1]
    ]
    return sorted(used, key=lambda p: -p["cpu_pct"])[:count]


def machine_state(label: str) -> dict:
    before = cpu_times()
    time.sleep(3)
    state = {
        "busy_pct": busy_percent(before, cpu_times()),
        "load_average": load_average(),
        "busiest": busiest_processes(),
    }
    names = ", ".join(f"{p['name']} {p['cpu_pct']:g}%" for p in state["busiest"]) or "nothing"
    log(f"machine {label}: {state['busy_pct']}% busy over 3 s, load {state['load_average']}, busiest: {names}")
    return state


def run(command: list[str], **kwargs) -> None:
    log("$ " + " ".join(shlex.quote(c) for c in command))
    result = subprocess.run(command, **kwargs)
    if result.returncode != 0:
        fail(f"command failed with status {result.returncode}: {command[0]}")


def machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory_gib = 0.0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory_gib = int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(memory_gib, 1),
        "kernel": platform.release(),
        "os": distro(),
        "sched_autogroup": sched_autogroup(),
    }


def sched_autogroup() -> str:
    """Whether the kernel shares CPU between sessions before threads ("on", "off", "absent").

    With it on, PostgreSQL, each server and each wrk (every one in a session
    of its own) get equal shares of a busy machine whatever their threads'
    priorities, and scenario 8's reads stall for hundreds of milliseconds,
    the probe's too (bench/README.md).
    """
    try:
        return "on" if Path("/proc/sys/kernel/sched_autogroup_enabled").read_text().strip() == "1" else "off"
    except OSError:
        return "absent"


def distro() -> str:
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                return line.split("=", 1)[1].strip('"')
    except OSError:
        pass
    return platform.system()


def cpu_times() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]
    total = sum(fields[:8])
    return total - idle, total


def busy_percent(before: tuple[int, int], after: tuple[int, int]) -> float:
    busy = after[0] - before[0]
    total = after[1] - before[1]
    return round(100.0 * busy / total, 1) if total else 0.0


def process_cpu(pid: int) -> int:
    """utime + stime of a process, in jiffies."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])
    except (OSError, IndexError, ValueError):
        return 0


def status_kib(pid: int, key: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def git_state() -> dict:
    def git(*args: str) -> str:
        result = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
        return result.stdout.strip() if result.returncode == 0 else ""

    return {"commit": git("rev-parse", "--short", "HEAD"), "dirty": bool(git("status", "--porcelain"))}


def fingerprint(args: argparse.Namespace) -> str:
    """What the dataset depends on: the seed's sizes, its code, the schema."""
    digest = hashlib.sha256()
    digest.update(json.dumps(seed_plan(args), sort_keys=True).encode())
    digest.update(str(args.bcrypt_cost).encode())
    sources = sorted((ROOT / "crates" / "seed" / "src").rglob("*.rs"))
    sources += sorted((ROOT / "migrations").rglob("*.sql"))
    for path in sources:
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def seed_plan(args: argparse.Namespace) -> dict:
    return {
        "users": args.users,
        "posts": args.posts,
        "favorites": args.favorites,
        "follows": args.follows,
        "comments": args.comments,
        "seed": args.seed,
    }


def folio_env(args: argparse.Namespace, database_url: str, secret: str) -> dict:
    env = dict(os.environ)
    env.update(
        {
            "FOLIO_ENV": "production",
            "FOLIO__AUTH__JWT_SECRET": secret,
            "FOLIO__AUTH__BCRYPT_COST": str(args.bcrypt_cost),
            "FOLIO__DATABASE__URL": database_url,
            "FOLIO__SERVER__HOST": "127.0.0.1",
            "FOLIO__SERVER__PORT": str(args.port),
            "RUST_LOG": env.get("RUST_LOG", "info"),
        }
    )
    # Rate limits would turn the load into 429s. The key exists only once the
    # rate limiter does; configuration refuses unknown keys, so it is set only
    # when the configuration knows it.
    if "[rate_limit]" in (ROOT / "config" / "default.toml").read_text():
        env["FOLIO__RATE_LIMIT__ENABLED"] = "false"
    # Production requires an https link base and an SMTP relay: the relay is
    # bench/smtp_sink.py, which accepts the write scenario's comment notices.
    env.setdefault("FOLIO__MAIL__PUBLIC_BASE_URL", "https://folio.bench.invalid")
    env.setdefault("FOLIO__MAIL__SMTP__HOST", "127.0.0.1")
    env.setdefault("FOLIO__MAIL__SMTP__PORT", str(args.smtp_port))
    env.setdefault("FOLIO__MAIL__SMTP__TLS", "none")
    return env


def settle(pg: Postgres, limit_seconds: float = 300) -> dict:
    """Waits until the background work that writes caused is done.

    Each write stores an outbox event; the relay turns events into jobs (a
    comment's notice mail) and the workers run them. Scenarios started while
    that backlog drains would share the machine with it.
    """
    started = time.monotonic()
    backlog = ("SELECT (SELECT count(*) FROM outbox_events WHERE handled_at IS NULL), "
               "(SELECT count(*) FROM jobs WHERE state IN ('queued', 'running'))")
    at_start = None
    while True:
        events, jobs = (int(count) for count in pg.query(backlog, BENCH_DB)[0])
        at_start = at_start or {"events": events, "jobs": jobs}
        waited = round(time.monotonic() - started, 1)
        if (events == 0 and jobs == 0) or waited >= limit_seconds:
            return {"backlog": at_start, "seconds": waited, "left": {"events": events, "jobs": jobs}}
        time.sleep(0.5)


def wait_quiet(pid: int, limit_seconds: float = 60, busy_below: float = 0.05) -> float | None:
    """Waits until the server uses under `busy_below` of a core over a second;
    returns the seconds waited, or None if it was still busy after `limit_seconds`.

    After the log-in storm, the log-ins in flight when its wrk stopped are
    still hashed (actix-web keeps running a handler whose client has gone),
    for several seconds: the probe's second run would share the machine
    with them.
    """
    started = time.monotonic()
    tick = os.sysconf("SC_CLK_TCK")
    while time.monotonic() - started < limit_seconds:
        before = process_cpu(pid)
        time.sleep(1)
        if (process_cpu(pid) - before) / tick < busy_below:
            return round(time.monotonic() - started, 1)
    return None


def warm_cache(pg: Postgres) -> float:
    """Reads the benchmark database's tables and indexes into the OS page
    cache; returns the seconds it took.

    Some machines give back page cache that has gone unused for a while:
    these run DAMON (the kdamond thread) with a scheme that pages out file
    pages accessed at most once in ten samples for 30 s. While the write
    scenario's backlog drained for 150 s, `posts` fell from 130 to 44 MB in
    the OS cache (fincore), and scenario 8, next, read from disk: p99 316 ms
    (32x scenario 1's) in one run, 36 ms (4x) in another. A server in steady
    state keeps what it reads warm, so each of Folio's scenarios starts with
    the database read in once (pg_prewarm, a contrib extension shipped with
    PostgreSQL); the probe's 10,000 rows are read throughout and stay warm.
    """
    started = time.monotonic()
    pg.query("CREATE EXTENSION IF NOT EXISTS pg_prewarm", BENCH_DB)
    pg.query("SELECT count(pg_prewarm(c.oid, 'read')) FROM pg_class c "
             "JOIN pg_namespace n ON n.oid = c.relnamespace "
             "WHERE n.nspname IN ('public', 'pg_toast') AND c.relkind IN ('r', 'i', 't', 'm')", BENCH_DB)
    return round(time.monotonic() - started, 1)


def clone_database(pg: Postgres, template: str, name: str) -> None:
    """`name` made afresh as a copy of `template`."""
    pg.query(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    version = int(pg.scalar("SHOW server_version_num") or "0")
    strategy = " STRATEGY FILE_COPY" if version >= 150000 else ""
    pg.query(f'CREATE DATABASE "{name}" TEMPLATE "{template}"{strategy}')


def prepare_dataset(args: argparse.Namespace, pg: Postgres, folio: Path) -> dict:
    """The seeded template database (made if missing), cloned into BENCH_DB."""
    fp = fingerprint(args)
    template = TEMPLATE_PREFIX + fp
    marker = f"folio-bench dataset {fp}"
    comment = pg.scalar(
        f"SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = '{template}'"
    )
    seeded_now = False
    if args.reseed or not comment or not comment.startswith(marker):
        for (name,) in pg.query(f"SELECT datname FROM pg_database WHERE datname LIKE '{TEMPLATE_PREFIX}%'"):
            log(f"dropping old dataset {name}")
            pg.query(f'DROP DATABASE "{name}" WITH (FORCE)')
        pg.query(f'CREATE DATABASE "{template}"')
        log(f"seeding {template} with {seed_plan(args)}")
        command = [str(folio), "seed"]
        for key, value in seed_plan(args).items():
            command += [f"--{key}", str(value)]
        env = folio_env(args, pg.url(template), secrets.token_hex(32))
        started = time.monotonic()
        run(command, env=env)
        seconds = round(time.monotonic() - started, 1)
        comment = f"{marker} seeded in {seconds} s on {dt.date.today().isoformat()}"
        pg.query(f"COMMENT ON DATABASE \"{template}\" IS '{comment}'")
        seeded_now = True
    match = re.search(r"seeded in ([0-9.]+) s on (\S+)", comment or "")
    log(f"cloning {template} into {BENCH_DB}")
    clone_database(pg, template, BENCH_DB)
    return {
        "plan": seed_plan(args),
        "fingerprint": fp,
        "template": template,
        "seeded_in_this_run": seeded_now,
        "seed_seconds": float(match.group(1)) if match else None,
        "seeded_on": match.group(2) if match else None,
    }


def wait_ready(url: str, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            fail(f"the server exited with status {process.returncode} before it was ready")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    fail(f"{url} did not answer 200 within {seconds} s")


def log_in(base: str, emails: list[str]) -> list[str]:
    """Access tokens for `emails` (the demo password), two log-ins at a time."""

    def one(email: str) -> str:
        body = json.dumps({"email": email, "password": DEMO_PASSWORD}).encode()
        request = urllib.request.Request(
            base + "/api/v1/auth/login", data=body, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.load(response)["data"]["accessToken"]

    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(one, emails))


def check_scenario(url: str, extra: dict) -> None:
    """One request as the scenario's script makes them (first slug, word, token):
    it must be a 200 with what the scenario means to measure (a list page must
    be full), or the numbers would describe something else, such as 404s."""
    path = extra["BENCH_PATH"]
    for placeholder, file in (("{slug}", "slugs.txt"), ("{q}", "words.txt")):
        if placeholder in path:
            path = path.replace(placeholder, (DATA / file).read_text().split()[0])
    path = path.replace("{id}", "1")
    headers = {}
    if extra.get("BENCH_TOKENS"):
        headers["Authorization"] = "Bearer " + (DATA / extra["BENCH_TOKENS"]).read_text().split()[0]
    parts = urllib.parse.urlsplit(url)
    target = f"{parts.scheme}://{parts.netloc}{path}"
    request = urllib.request.Request(target, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            body = json.load(response)
    except urllib.error.HTTPError as error:
        fail(f"GET {path} answered {error.code}: {error.read()[:300]!r}")
    items = body.get("data") if isinstance(body, dict) else None
    if isinstance(items, list):
        wanted = int(re.search(r"limit=(\d+)", path).group(1)) if "limit=" in path else 20
        if "q=" in path:
            if not items:
                fail(f"GET {path} found nothing: the search scenario would measure empty pages")
        elif len(items) != wanted:
            fail(f"GET {path} returned {len(items)} items, not a full page of {wanted}")


def write_lines(name: str, lines: list[str]) -> None:
    (DATA / name).write_text("\n".join(lines) + "\n")


def prepare_inputs(pg: Postgres, args: argparse.Namespace) -> dict:
    DATA.mkdir(parents=True, exist_ok=True)
    db = BENCH_DB
    live = "status = 'published' AND deleted_at IS NULL"
    slugs = [r[0] for r in pg.query(f"SELECT slug FROM posts WHERE {live} ORDER BY md5(slug) LIMIT 20000", db)]
    write_lines("slugs.txt", slugs)
    readers = [r[0] for r in pg.query("SELECT email FROM users ORDER BY md5(email) LIMIT 16", db)]
    write_lines("readers.txt", readers)
    logins = [r[0] for r in pg.query("SELECT email FROM users ORDER BY md5(email || 'login') LIMIT 200", db)]
    write_lines("logins.txt", logins)
    feed_rows = pg.query(
        "SELECT u.email, f.n, (SELECT count(*) FROM posts p WHERE p.author_id IN "
        "(SELECT followee_id FROM follows WHERE follower_id = u.id) AND p.status = 'published' "
        "AND p.deleted_at IS NULL) "
        "FROM users u JOIN (SELECT follower_id, count(*) AS n FROM follows GROUP BY 1) f ON f.follower_id = u.id "
        "ORDER BY abs(f.n - 50), md5(u.email) LIMIT 16",
        db,
    )
    write_lines("feeders.txt", [r[0] for r in feed_rows])
    words = []
    for word in SEARCH_CANDIDATES:
        count = int(
            pg.scalar(
                f"SELECT count(*) FROM posts WHERE search @@ websearch_to_tsquery('english', '{word}') AND {live}", db
            )
            or 0
        )
        words.append((word, count))
    chosen = [(w, c) for w, c in words if args.search_min <= c <= args.search_max] or words
    write_lines("words.txt", [w for w, _ in chosen])
    published = int(pg.scalar(f"SELECT count(*) FROM posts WHERE {live}", db) or 0)
    return {
        "published_posts": published,
        "slugs_sampled": len(slugs),
        "feed_users": len(feed_rows),
        "feed_followees_mean": round(sum(int(r[1]) for r in feed_rows) / max(1, len(feed_rows)), 1),
        "feed_posts_mean": round(sum(int(r[2]) for r in feed_rows) / max(1, len(feed_rows)), 1),
        "search_words": {w: c for w, c in chosen},
    }


class Wrk:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args

    def command(self, url: str, script: str, seconds: float, connections: int, threads: int, timeout: str) -> list:
        return [
            self.args.wrk,
            f"-t{threads}",
            f"-c{connections}",
            f"-d{max(1, int(round(seconds)))}s",
            f"--timeout={timeout}",
            "-s",
            str(LUA / script),
            url,
        ]

    def env(self, extra: dict) -> dict:
        env = dict(os.environ)
        env.update({"BENCH_LUA": str(LUA), "BENCH_DATA": str(DATA), "BENCH_PASSWORD": DEMO_PASSWORD})
        env.update(extra)
        return env

    def start(self, url: str, script: str, seconds: float, connections: int, extra: dict, threads: int = 2,
              timeout: str = "10s") -> subprocess.Popen:
        return subprocess.Popen(
            self.command(url, script, seconds, connections, threads, timeout),
            env=self.env(extra),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # its own session, like the servers (see where they start)
        )

    @staticmethod
    def result(process: subprocess.Popen) -> dict:
        output, _ = process.communicate()
        for line in output.splitlines():
            if line.startswith("BENCH_JSON "):
                return json.loads(line[len("BENCH_JSON "):])
        fail(f"wrk printed no result:\n{output}")


def summarise(raw: dict) -> dict:
    seconds = raw["duration_us"] / 1e6
    socket_errors = raw["connect"] + raw["read"] + raw["write"] + raw["timeout"]
    return {
        "requests": raw["requests"],
        "rps": round(raw["requests"] / seconds, 1) if seconds else 0.0,
        "p50_ms": round(raw["p50_us"] / 1000, 2),
        "p90_ms": round(raw["p90_us"] / 1000, 2),
        "p99_ms": round(raw["p99_us"] / 1000, 2),
        "max_ms": round(raw["max_us"] / 1000, 2),
        # Non-2xx responses (counted by the scripts) plus socket errors and timeouts.
        "errors": raw["counted_other"] + socket_errors,
        "non_2xx": raw["counted_other"],
        "first_non_2xx_status": raw["first_other_status"] or None,
        "socket_errors": socket_errors,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=float(os.environ.get("BENCH_DURATION", 15)),
                        help="seconds measured per scenario (default 15, env BENCH_DURATION)")
    parser.add_argument("--warmup", type=float, default=float(os.environ.get("BENCH_WARMUP", 5)),
                        help="seconds of warm-up before each scenario, not measured (default 5)")
    parser.add_argument("--connections", type=int, default=64, help="connections per scenario (default 64)")
    parser.add_argument("--login-clients", type=int, default=32, help="log-in clients of scenario 8 (default 32)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--only", default="", help="comma-separated scenario ids to run (default all)")
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--favorites", type=int, default=1_000_000)
    parser.add_argument("--follows", type=int, default=200_000)
    parser.add_argument("--comments", type=int, default=300_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--bcrypt-cost", type=int, default=12, help="production cost (default 12)")
    parser.add_argument("--reseed", action="store_true", help="seed again even if the dataset is cached")
    parser.add_argument("--no-build", action="store_true", help="use the binaries as they are")
    parser.add_argument("--pg", default=os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432"),
                        help="PostgreSQL server URL without a database")
    parser.add_argument("--port", type=int, default=18080, help="Folio's port during the run")
    parser.add_argument("--smtp-port", type=int, default=2525, help="port of the mail relay (bench/smtp_sink.py)")
    parser.add_argument("--probe-port", type=int, default=18099)
    parser.add_argument("--probe-dir", default=os.environ.get("BENCH_PROBE_DIR", str(ROOT / "bench" / "limit-probe")))
    parser.add_argument("--probe-target-dir", default=os.environ.get("BENCH_PROBE_TARGET", str(ROOT / "target" / "limit-probe")),
                        help="cargo target dir for the probe (default target/limit-probe, never committed)")
    parser.add_argument("--wrk", default="wrk", help="the wrk binary (installed with apt-get if missing)")
    parser.add_argument("--search-min", type=int, default=200)
    parser.add_argument("--search-max", type=int, default=3000)
    parser.add_argument("--server-log", default="", help="keep the server's log in this file (default: discarded)")
    args = parser.parse_args()
    only = {s.strip() for s in args.only.split(",") if s.strip()}

    ensure_wrk(args)
    for tool in ("psql", "cargo"):
        if not shutil.which(tool):
            fail(f"{tool} is not installed (psql: apt-get install postgresql-client)")
    probe_dir = Path(args.probe_dir)
    if not (probe_dir / "Cargo.toml").exists():
        fail(f"no limit probe at {probe_dir} (set --probe-dir or BENCH_PROBE_DIR)")
    OUT.mkdir(parents=True, exist_ok=True)
    started_at = dt.datetime.now(dt.timezone.utc)
    command_line = "just bench" if os.environ.get("BENCH_VIA_JUST") else " ".join(
        shlex.quote(a) for a in ["bench/run.py", *sys.argv[1:]]
    )

    # Build.
    folio = ROOT / "target" / "release" / "folio"
    probe = Path(args.probe_target_dir) / "release" / "limit-probe"
    if not args.no_build:
        run(["cargo", "build", "--release", "-p", "folio-server"], cwd=ROOT)
        run(["cargo", "build", "--release", "--manifest-path", str(probe_dir / "Cargo.toml"), "--target-dir",
             args.probe_target_dir])
    for binary in (folio, probe):
        if not binary.exists():
            fail(f"{binary} is missing (run without --no-build)")

    pg = Postgres(args.pg)
    dataset = prepare_dataset(args, pg, folio)
    # Measured right before the servers start, after building and seeding.
    background = machine_state("before the run (other work on the machine skews the results)")

    # Servers.
    for port in (args.port, args.probe_port, args.smtp_port):
        with socket.socket() as probe_socket:
            if probe_socket.connect_ex(("127.0.0.1", port)) == 0:
                fail(f"something already listens on 127.0.0.1:{port}; stop it or pass --port/--probe-port/--smtp-port")
    secret = secrets.token_hex(32)
    server_log = open(args.server_log, "w") if args.server_log else subprocess.DEVNULL
    # Servers run in sessions of their own, as a service manager starts them.
    # Where the kernel's scheduler autogroup is on (bench/README.md),
    # it shares a busy machine between sessions first, so this keeps the
    # server's threads from competing inside one group with wrk's.
    sink = subprocess.Popen([sys.executable, str(ROOT / "bench" / "smtp_sink.py"), "--port", str(args.smtp_port)],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, start_new_session=True)
    server = subprocess.Popen([str(folio), "serve"], env=folio_env(args, pg.url(BENCH_DB), secret),
                              stdout=server_log, stderr=server_log, start_new_session=True)
    probe_env = dict(os.environ)
    # The probe's table goes into the throw-away benchmark database, not into
    # the server's `postgres` database.
    probe_env.update({"PROBE_ADDR": f"127.0.0.1:{args.probe_port}", "PROBE_DATABASE_URL": pg.keywords(BENCH_DB)})
    probe_process = subprocess.Popen([str(probe)], env=probe_env, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, start_new_session=True)

    def stop() -> None:
        for process in (server, probe_process, sink):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in (server, probe_process, sink):
            try:
                process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                process.kill()

    base = f"http://127.0.0.1:{args.port}"
    probe_base = f"http://127.0.0.1:{args.probe_port}"
    results: list[dict] = []
    try:
        wait_ready(base + "/ready", server)
        wait_ready(probe_base + "/row/1", probe_process)
        inputs = prepare_inputs(pg, args)
        log(f"inputs: {inputs}")
        wrk = Wrk(args)
        c = args.connections

        def tokens_for(file: str, name: str) -> str:
            emails = (DATA / file).read_text().split()
            write_lines(name, log_in(base, emails))
            return name

        def measure(sid: str, name: str, url: str, script: str, extra: dict, connections: int = c,
                    target: str = "folio") -> dict:
            log(f"scenario {sid}: {name} ({connections} connections, {args.warmup:g} s warm-up, "
                f"{args.duration:g} s)")
            if script == "get.lua":
                check_scenario(url, extra)
            warmed = warm_cache(pg) if target == "folio" else None
            if warmed is not None:
                log(f"  database read into the OS cache in {warmed} s")
            if args.warmup > 0:
                Wrk.result(wrk.start(url, script, args.warmup, connections, extra, args.threads))
            cpu_before = cpu_times()
            server_before = process_cpu(server.pid)
            raw = Wrk.result(wrk.start(url, script, args.duration, connections, extra, args.threads))
            cpu_after = cpu_times()
            row = {"id": sid, "name": name, "target": target, "connections": connections, **summarise(raw),
                   "cache_warmed_s": warmed,
                   "machine_busy_pct": busy_percent(cpu_before, cpu_after),
                   "server_cpu_pct": round(100.0 * (process_cpu(server.pid) - server_before)
                                           / max(1, cpu_after[1] - cpu_before[1]) * (os.cpu_count() or 1), 1),
                   "server_rss_mib": round(status_kib(server.pid, "VmRSS") / 1024, 1)}
            log(f"  {row['rps']} req/s, p50 {row['p50_ms']} ms, p99 {row['p99_ms']} ms, errors {row['errors']}")
            results.append(row)
            return row

        def wanted(sid: str) -> bool:
            return not only or sid in only

        if wanted("9"):
            measure("9s", "probe GET /static (HTTP ceiling)", probe_base + "/static", "get.lua",
                    {"BENCH_PATH": "/static"}, target="probe")
            measure("9", "probe GET /row/{id}", probe_base + "/row/1", "get.lua",
                    {"BENCH_PATH": "/row/{id}", "BENCH_MAX_ID": "10000"}, target="probe")
        if wanted("1"):
            measure("1", "GET /api/v1/posts/{slug} anonymous", base + "/", "get.lua",
                    {"BENCH_PATH": "/api/v1/posts/{slug}"})
        if wanted("2"):
            measure("2", "GET /api/v1/posts?limit=20 anonymous", base + "/", "get.lua",
                    {"BENCH_PATH": "/api/v1/posts?limit=20"})
        if wanted("3"):
            measure("3", "GET /api/v1/posts?limit=20 signed in", base + "/", "get.lua",
                    {"BENCH_PATH": "/api/v1/posts?limit=20", "BENCH_TOKENS": tokens_for("readers.txt", "t3.txt")})
        if wanted("4"):
            measure("4", "GET /api/v1/posts?limit=20&page=2000", base + "/", "get.lua",
                    {"BENCH_PATH": "/api/v1/posts?limit=20&page=2000"})
        if wanted("5"):
            measure("5", f"GET /api/v1/posts/feed (~{inputs['feed_followees_mean']:g} followees)", base + "/",
                    "get.lua", {"BENCH_PATH": "/api/v1/posts/feed?limit=20",
                                "BENCH_TOKENS": tokens_for("feeders.txt", "t5.txt")})
        if wanted("6"):
            measure("6", "GET /api/v1/posts?q={word}", base + "/", "get.lua", {"BENCH_PATH": "/api/v1/posts?q={q}"})
        if wanted("7"):
            row = measure("7", "POST /api/v1/posts + POST .../comments", base + "/", "writes.lua",
                          {"BENCH_TOKENS": tokens_for("readers.txt", "t7.txt")})
            row["background"] = settle(pg)
            log(f"  background work left by the writes: {row['background']['backlog']['events']} events to relay, "
                f"{row['background']['backlog']['jobs']} jobs; done in {row['background']['seconds']} s "
                f"(left: {row['background']['left']})")
        if wanted("8"):
            log(f"scenario 8: scenario 1 while {args.login_clients} clients log in continuously")
            storm_seconds = args.warmup + args.duration + 3
            warmed = warm_cache(pg)
            log(f"  database read into the OS cache in {warmed} s")
            storm = wrk.start(base + "/", "login.lua", storm_seconds, args.login_clients, {}, threads=1,
                              timeout="60s")
            time.sleep(args.warmup)
            cpu_before = cpu_times()
            raw = Wrk.result(wrk.start(base + "/", "get.lua", args.duration, c,
                                       {"BENCH_PATH": "/api/v1/posts/{slug}"}, args.threads))
            cpu_after = cpu_times()
            logins = summarise(Wrk.result(storm))
            row = {"id": "8", "name": "scenario 1 during a log-in storm", "target": "folio", "connections": c,
                   **summarise(raw), "cache_warmed_s": warmed,
                   "machine_busy_pct": busy_percent(cpu_before, cpu_after),
                   "server_rss_mib": round(status_kib(server.pid, "VmRSS") / 1024, 1),
                   "logins": {**logins, "clients": args.login_clients, "seconds": storm_seconds}}
            row["errors"] += logins["errors"]
            log(f"  reads {row['rps']} req/s p99 {row['p99_ms']} ms; log-ins {logins['rps']}/s "
                f"p50 {logins['p50_ms']} ms, errors {logins['errors']}")
            quiet = row["logins"]["quiet_after_s"] = wait_quiet(server.pid)
            log(f"  the server was quiet again {quiet} s after the storm" if quiet is not None
                else "  the server was still busy 60 s after the storm; measuring anyway")
            results.append(row)
        if wanted("9"):
            measure("9b", "probe GET /row/{id} (again, at the end)", probe_base + "/row/1", "get.lua",
                    {"BENCH_PATH": "/row/{id}", "BENCH_MAX_ID": "10000"}, target="probe")
        peak_rss_mib = round(status_kib(server.pid, "VmHWM") / 1024, 1)
    finally:
        stop()
    accepted = (sink.stdout.read() if sink.stdout else "").strip()
    for row in results:
        if "background" in row:
            row["background"]["mails_accepted"] = int(accepted) if accepted.isdigit() else None
            log(f"mails the relay accepted: {accepted or 'unknown'}")
    after = machine_state("after the run, servers stopped")

    report(args, results, dataset, inputs, (background, after), peak_rss_mib, started_at, command_line)


def report(args, results, dataset, inputs, machine_load, peak_rss_mib, started_at, command_line) -> None:
    probes = [r["rps"] for r in results if r["id"] in ("9", "9b")]
    probe_rps = sum(probes) / len(probes) if probes else None
    for row in results:
        row["vs_probe"] = round(row["rps"] / probe_rps, 3) if probe_rps and row["target"] == "folio" else None
    by_id = {r["id"]: r for r in results}
    targets = []

    def target(name: str, value, limit: str, met: bool) -> None:
        targets.append({"target": name, "measured": value, "limit": limit, "met": met})

    if "1" in by_id and probe_rps:
        r = by_id["1"]
        target("1: throughput vs probe /row", r["vs_probe"], ">= 0.50", r["vs_probe"] >= 0.5)
        target("1: p99 at 64 connections", r["p99_ms"], "< 10 ms", r["p99_ms"] < 10)
    if "2" in by_id and probe_rps:
        target("2: throughput vs probe /row", by_id["2"]["vs_probe"], ">= 0.25", by_id["2"]["vs_probe"] >= 0.25)
    if "2" in by_id and "4" in by_id:
        ratio = round(by_id["4"]["p50_ms"] / max(0.001, by_id["2"]["p50_ms"]), 2)
        target("4: p50 vs scenario 2 p50", ratio, "<= 2", ratio <= 2)
    if "1" in by_id and "8" in by_id:
        ratio = round(by_id["8"]["p99_ms"] / max(0.001, by_id["1"]["p99_ms"]), 2)
        target("8: read p99 vs scenario 1 p99", ratio, "<= 3", ratio <= 3)
    errors = sum(r["errors"] for r in results)
    target("errors in every scenario", errors, "0", errors == 0)
    target("server peak RSS (MiB)", peak_rss_mib, "< 64", peak_rss_mib < 64)

    document = {
        "date": started_at.isoformat(timespec="seconds"),
        "command": command_line,
        "machine": machine(),
        "postgres": Postgres(args.pg).scalar("SELECT version()"),
        "git": git_state(),
        "machine_before": machine_load[0],
        "machine_after": machine_load[1],
        "settings": {"duration_s": args.duration, "warmup_s": args.warmup, "connections": args.connections,
                     "wrk_threads": args.threads, "login_clients": args.login_clients,
                     "bcrypt_cost": args.bcrypt_cost, "folio_env": "production, rate limits off"},
        "dataset": dataset,
        "inputs": inputs,
        "probe_rps": round(probe_rps, 1) if probe_rps else None,
        "server_peak_rss_mib": peak_rss_mib,
        "scenarios": results,
        "targets": targets,
    }
    stamp = started_at.strftime("%Y%m%dT%H%M%SZ")
    (OUT / f"results-{stamp}.json").write_text(json.dumps(document, indent=2) + "\n")
    (OUT / "latest.json").write_text(json.dumps(document, indent=2) + "\n")
    markdown = to_markdown(document)
    (OUT / "latest.md").write_text(markdown)
    print()
    print(markdown)


def describe_load(state: dict) -> str:
    busiest = ", ".join(f"{p['name']} {p['cpu_pct']:g}%" for p in state["busiest"][:3]) or "none"
    load = " / ".join(f"{x:g}" for x in state["load_average"])
    return f"{state['busy_pct']}% CPU busy (load {load}; busiest: {busiest})"


def quiet_note(logins: dict) -> str:
    """Row 8′'s note on the wait after the storm (none in reports from before the wait)."""
    if "quiet_after_s" not in logins:
        return ""
    if logins["quiet_after_s"] is None:
        return "; the server still busy 60 s after"
    return f"; the server quiet {logins['quiet_after_s']:g} s after"


def to_markdown(d: dict) -> str:
    m = d["machine"]
    lines = [
        f"Date: {d['date']} · command: `{d['command']}` · commit {d['git']['commit']}"
        + (" (with uncommitted changes)" if d["git"]["dirty"] else ""),
        f"Machine: {m['cores']} vCPU {m['cpu']}, {m['memory_gib']} GiB RAM, {m['os']}, "
        f"{(d['postgres'] or '').split(' on ')[0]} (stock settings); server, database and wrk share the cores; "
        f"kernel {m['kernel']}, scheduler autogroup {m.get('sched_autogroup', 'unknown')}.",
        f"Other work on the machine: {describe_load(d['machine_before'])} before the run, "
        f"{describe_load(d['machine_after'])} after it.",
        f"Dataset: {d['dataset']['plan']} (seeded in {d['dataset']['seed_seconds']} s). "
        f"{d['settings']['duration_s']:g} s per scenario after {d['settings']['warmup_s']:g} s warm-up, "
        f"wrk {d['settings']['wrk_threads']} threads; production settings, bcrypt cost "
        f"{d['settings']['bcrypt_cost']}, rate limits off.",
        "",
        "| # | scenario | conns | req/s | p50 ms | p99 ms | max ms | errors | vs probe |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in d["scenarios"]:
        ratio = f"{r['vs_probe']:.2f}" if r.get("vs_probe") is not None else "–"
        lines.append(
            f"| {r['id']} | {r['name']} | {r['connections']} | {r['rps']:,.0f} | {r['p50_ms']:.2f} | "
            f"{r['p99_ms']:.2f} | {r['max_ms']:.1f} | {r['errors']} | {ratio} |"
        )
        if "background" in r:
            b = r["background"]
            left = "" if not any(b["left"].values()) else f", NOT done: {b['left']} left"
            lines.append(
                f"| 7′ | … then the backlog it left ({b['backlog']['events']:,} events to relay, "
                f"{b['backlog']['jobs']:,} jobs to run; {b.get('mails_accepted')} mails sent in all), "
                f"drained in {b['seconds']:g} s{left} | | "
                f"{(b['backlog']['jobs'] - b['left']['jobs']) / max(b['seconds'], 0.1):,.1f} jobs/s | | | | | – |"
            )
        if "logins" in r:
            l = r["logins"]
            lines.append(
                f"| 8′ | … the {l['clients']} log-in clients (bcrypt cost {d['settings']['bcrypt_cost']}"
                f"{quiet_note(l)}) | "
                f"{l['clients']} | {l['rps']:,.1f} | {l['p50_ms']:.0f} | {l['p99_ms']:.0f} | {l['max_ms']:.0f} | "
                f"{l['errors']} | – |"
            )
    lines += ["", f"Server peak RSS: {d['server_peak_rss_mib']} MiB. Probe /row mean: {d['probe_rps']} req/s.", "",
              "| target | measured | limit | met |", "|---|---:|---:|---|"]
    for t in d["targets"]:
        lines.append(f"| {t['target']} | {t['measured']} | {t['limit']} | {'yes' if t['met'] else 'NO'} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
