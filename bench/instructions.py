#!/usr/bin/env python3
"""Instructions the server executes per request, counted by valgrind's callgrind.

Wall-clock numbers on a shared 2-core machine move by a third between identical
runs; instruction counts do not (the same binary, dataset and requests give
the same count to a fraction of a percent), so they show whether a change made
the server's own work smaller. They leave out the kernel, and PostgreSQL but
with `--postgres` (below).

Needs what `just bench` leaves behind (the release binary, the seeded template
database and target/bench/data/slugs.txt) and valgrind. Each path is measured
on a fresh clone of the template: `folio_bench` after a benchmark holds the
write scenario's mail jobs, whose retries would be counted too.

    python3 bench/instructions.py                       # scenarios 1 and 2
    python3 bench/instructions.py --path '/api/v1/tags' --requests 300

The server runs under callgrind with production settings (as the benchmark
starts it); after a warm-up, counting is switched on for exactly the measured
requests, sent one at a time over one keep-alive connection.

With `--postgres` it counts PostgreSQL's side of the same requests instead
(the backends' instructions per request): the template is copied (pg_dump)
into a scratch cluster of the machine's PostgreSQL (initdb in a temporary
directory; stock settings but what `ScratchCluster` says) whose server runs
under callgrind, and the release binary runs natively against it without
background jobs: once for the warm-up alone, not counted (it reads the
warm-up's rows into the cluster's buffers), once more for it, then for the
warm-up and the measured requests. Each run's backends write their counts as
they exit, when the server stops; the difference between the last two runs,
divided by the measured requests, is the count. Run as root, the cluster's
commands run as the `postgres` user.

    python3 bench/instructions.py --postgres            # ~2 min, half of it the copy
    python3 bench/instructions.py --postgres --pg-source folio_other --binary other/folio
"""

import argparse
import contextlib
import glob
import http.client
import os
import pwd
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
import run as bench  # noqa: E402  (the benchmark's settings, not a copy of them)

DEFAULT_PATHS = ["/api/v1/posts/{slug}", "/api/v1/posts?limit=20"]
DATABASE = "folio_instructions"


def send(port: int, path: str, slugs: list[str], count: int, rng: random.Random) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    for _ in range(count):
        connection.request("GET", path.replace("{slug}", rng.choice(slugs)))
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            bench.fail(f"GET {path} answered {response.status}")
    connection.close()


def control(*args: str) -> None:
    subprocess.run(["callgrind_control", *args], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def template_name(pg: "bench.Postgres") -> str:
    templates = pg.query(f"SELECT datname FROM pg_database WHERE datname LIKE '{bench.TEMPLATE_PREFIX}%'")
    if len(templates) != 1:
        bench.fail(f"expected one seeded template database, found {len(templates)}: run `just bench` first")
    return templates[0][0]


def fresh_clone(pg: "bench.Postgres") -> None:
    bench.clone_database(pg, template_name(pg), DATABASE)


def measure(args: argparse.Namespace, path: str, slugs: list[str], out_dir: str) -> int:
    pg = bench.Postgres(args.pg)
    fresh_clone(pg)
    # The reads measured here send no mail: no relay needs to listen on the SMTP port.
    options = argparse.Namespace(bcrypt_cost=12, port=args.port, smtp_port=2525)
    env = bench.folio_env(options, pg.url(DATABASE), "instructions-" + "x" * 40)
    server = subprocess.Popen(
        ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out_dir}/cg.%p",
         str(args.binary)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        bench.wait_ready(f"http://127.0.0.1:{args.port}/health", server, seconds=120)
        rng = random.Random(7)
        send(args.port, path, slugs, args.warmup, rng)
        control("-i", "on")
        control("-z")
        send(args.port, path, slugs, args.requests, rng)
        control("-d")
        control("-i", "off")
    finally:
        server.terminate()
        server.wait()
        pg.query(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
    dumps = sorted(glob.glob(f"{out_dir}/cg.*.1"), key=os.path.getmtime)
    if not dumps:
        bench.fail("callgrind wrote no dump")
    if args.top:
        inclusive = subprocess.run(["callgrind_annotate", "--inclusive=yes", dumps[-1]],
                                   capture_output=True, text=True, check=True).stdout
        functions = [line for line in inclusive.splitlines() if "(" in line and ":" in line and "%)" in line]
        print(f"--- {path}: the {args.top} functions with the most instructions, callees included")
        for line in functions[:args.top]:
            print("   " + line[:200])
    total = dump_total(dumps[-1])
    if total is None:
        bench.fail(f"no totals in the callgrind dump {dumps[-1]}")
    return total // args.requests


class ScratchCluster:
    """A PostgreSQL cluster of its own in a temporary directory, holding a copy
    of the benchmark's template; its server runs under callgrind."""

    def __init__(self, args: argparse.Namespace, source: "bench.Postgres") -> None:
        self.port = args.pg_port
        self.source = source
        self.source_database: str | None = args.pg_source
        major = int(source.scalar("SHOW server_version_num") or "0") // 10000
        self.bin = Path(f"/usr/lib/postgresql/{major}/bin")
        if not (self.bin / "postgres").exists():
            bench.fail(f"PostgreSQL {major}'s server programs are not in {self.bin}")
        # initdb refuses to run as root: the cluster then belongs to `postgres`.
        self.user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        owner = pwd.getpwnam("postgres") if self.user else None
        self.dir = Path(tempfile.mkdtemp(prefix="folio-pg-instructions-"))
        if owner:
            os.chown(self.dir, owner.pw_uid, owner.pw_gid)
        self.data = self.dir / "data"
        # No autovacuum (it would be counted) and no logical replication
        # launcher, which under callgrind exits with status 1: the postmaster
        # takes that for a crash and restarts every process.
        self.options = ["-p", str(self.port), "-k", str(self.dir), "-c", "autovacuum=off",
                        "-c", "max_logical_replication_workers=0", "-c", "listen_addresses=127.0.0.1"]
        self.server: subprocess.Popen | None = None
        self.pg = bench.Postgres(f"postgres://postgres@127.0.0.1:{self.port}")

    def run(self, *command: str) -> None:
        result = subprocess.run([*self.user, *command], capture_output=True, text=True)
        if result.returncode != 0:
            bench.fail(f"{command[0]} failed: {result.stderr.strip() or result.stdout.strip()}")

    def create(self) -> None:
        bench.log(f"a scratch cluster on port {self.port}, with a copy of the benchmark's database")
        self.run(str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")
        self.run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", " ".join(self.options),
                 "-l", str(self.dir / "log"), "-w", "start")
        self.pg.query(f'CREATE DATABASE "{DATABASE}"')
        source = self.source_database or template_name(self.source)
        dump = subprocess.Popen(["pg_dump", "--no-owner", self.source.url(source)], stdout=subprocess.PIPE)
        restore = subprocess.Popen(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", self.pg.url(DATABASE)],
                                   stdin=dump.stdout, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        # Only psql reads the dump: should it stop, pg_dump gets a broken pipe
        # instead of waiting for a reader.
        assert dump.stdout is not None
        dump.stdout.close()
        _, errors = restore.communicate()
        if dump.wait() != 0 or restore.returncode != 0:
            bench.fail(f"copying {source} failed: {errors.strip()[-500:]}")
        self.pg.query("VACUUM ANALYZE", DATABASE)
        self.run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def start_under_callgrind(self) -> None:
        # Each process writes its counts when it exits. callgrind_control is
        # not used: its pipes (vgdb) could not be opened in forked processes
        # (valgrind 3.19), which then exited with status 1, and the
        # postmaster restarted everything.
        log = self.dir / "callgrind.log"
        self.server = subprocess.Popen(
            [*self.user, "valgrind", "--tool=callgrind", "--trace-children=yes", "--vgdb=no",
             f"--callgrind-out-file={self.dir}/cg.%p", str(self.bin / "postgres"), "-D", str(self.data),
             *self.options],
            stdout=subprocess.DEVNULL, stderr=log.open("w"),
        )
        deadline = time.monotonic() + 180
        while subprocess.run(["psql", "-X", "-q", "-c", "SELECT 1", self.pg.url(DATABASE)],
                             capture_output=True).returncode != 0:
            if self.server.poll() is not None or time.monotonic() > deadline:
                bench.fail(f"PostgreSQL under callgrind did not start:\n{log.read_text()[-2000:]}")
            time.sleep(1)
        self.postmaster = int((self.data / "postmaster.pid").read_text().split()[0])

    def dumps(self) -> set[str]:
        return set(glob.glob(f"{self.dir}/cg.*"))

    def children(self) -> list[int]:
        """The postmaster's child processes: background processes and backends."""
        pids = []
        for stat in glob.glob("/proc/[0-9]*/stat"):
            try:
                fields = Path(stat).read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.postmaster:
                pids.append(int(Path(stat).parent.name))
        return pids

    def settled_children(self) -> int:
        """How many children the postmaster has once that number has not
        changed for two seconds: the background processes, after the backends
        of earlier connections have exited."""
        deadline = time.monotonic() + 120
        counts: list[int] = []
        while len(counts) < 5 or len(set(counts[-5:])) > 1:
            if time.monotonic() > deadline:
                bench.fail("PostgreSQL's processes did not settle")
            counts.append(len(self.children()))
            time.sleep(0.5)
        return counts[-1]

    def exited_since(self, before: set[str], background: int) -> dict[str, int]:
        """The work of the backends that exited since `before` was listed,
        by file, once only the `background` processes are left and every
        exited backend has written its counts."""
        deadline = time.monotonic() + 120
        while True:
            if time.monotonic() > deadline:
                bench.fail("PostgreSQL's backends did not exit")
            current = self.dumps() - before
            if len(self.children()) <= background and all(dump_total(dump) is not None for dump in current):
                return {dump: backend_work(dump) for dump in current}
            time.sleep(0.5)

    def close(self) -> None:
        if (self.data / "postmaster.pid").exists():
            subprocess.run([*self.user, str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w",
                            "stop"], capture_output=True)
        if self.server is not None:
            try:
                self.server.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.server.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


def dump_total(dump: str) -> int | None:
    """A callgrind output file's total, or None until it is written."""
    try:
        for line in Path(dump).read_text(errors="replace").splitlines():
            if line.startswith("totals:"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def backend_work(dump: str) -> int:
    """A backend's own instructions: those under PostgresMain. A forked
    process starts with its parent's counts, so its file's total also holds
    what the postmaster had done before the fork."""
    inclusive = subprocess.run(["callgrind_annotate", "--inclusive=yes", dump],
                               capture_output=True, text=True, check=True).stdout
    for line in inclusive.splitlines():
        if ":PostgresMain " in line and "%)" in line:
            return int(line.split()[0].replace(",", ""))
    return 0  # not a backend (a process that never ran queries)


def measure_postgres(args: argparse.Namespace, cluster: ScratchCluster, path: str, slugs: list[str]) -> int:
    """PostgreSQL's instructions per request: the server is run for the
    warm-up alone and then for the warm-up and the measured requests, and each
    run's backends (its connections, closed when it stops) are counted. A first
    run, not counted, reads what the warm-up reads into the cluster's buffers,
    so that the two counted runs' warm-ups find the same."""
    options = argparse.Namespace(bcrypt_cost=12, port=args.port, smtp_port=2525)
    env = bench.folio_env(options, cluster.pg.url(DATABASE), "instructions-" + "x" * 40)
    # PostgreSQL runs some fifty times slower under callgrind: opening a
    # connection takes seconds. No background jobs: their polling would be
    # counted, more of it in the longer run.
    env.update({"FOLIO__DATABASE__WAIT_TIMEOUT_MS": "60000", "FOLIO__DATABASE__CONNECT_TIMEOUT_MS": "60000",
                "FOLIO__DATABASE__STATEMENT_TIMEOUT_MS": "60000", "FOLIO__JOBS__WORKERS": "0"})
    totals = []
    for measured in (0, 0, args.requests):
        background = cluster.settled_children()
        before = cluster.dumps()
        server = subprocess.Popen([str(args.binary)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            bench.wait_ready(f"http://127.0.0.1:{args.port}/health", server, seconds=120)
            send(args.port, path, slugs, args.warmup + measured, random.Random(7))
        finally:
            server.terminate()
            server.wait()
        totals.append(sum(cluster.exited_since(before, background).values()))
    return (totals[2] - totals[1]) // args.requests


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--path", action="append", help="a GET path ({slug}: a random benchmark slug); repeatable")
    parser.add_argument("--requests", type=int, default=500, help="measured requests per path (default 500)")
    parser.add_argument("--warmup", type=int, default=200, help="requests before counting starts (default 200)")
    parser.add_argument("--binary", type=Path, default=ROOT / "target" / "release" / "folio")
    parser.add_argument("--pg", default=os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432"))
    parser.add_argument("--port", type=int, default=18081)
    parser.add_argument("--top", type=int, default=0,
                        help="also list the N functions with the most instructions, callees included "
                             "(the server's; not with --postgres)")
    parser.add_argument("--postgres", action="store_true",
                        help="count PostgreSQL's instructions per request instead of the server's")
    parser.add_argument("--pg-port", type=int, default=15433, help="the scratch cluster's port (--postgres)")
    parser.add_argument("--pg-source", help="the database to copy (--postgres; default: the seeded template)")
    args = parser.parse_args()
    for tool in ("valgrind", "callgrind_control", "callgrind_annotate"):
        if not shutil.which(tool):
            bench.fail(f"{tool} is not installed (apt-get install valgrind)")
    slugs_file = bench.DATA / "slugs.txt"
    if not args.binary.exists() or not slugs_file.exists():
        bench.fail("run `just bench` first: it builds the binary and writes the benchmark's inputs")
    slugs = slugs_file.read_text().split()
    started = time.time()
    if args.postgres:
        cluster = ScratchCluster(args, bench.Postgres(args.pg))
        with contextlib.closing(cluster):
            cluster.create()
            cluster.start_under_callgrind()
            for path in args.path or DEFAULT_PATHS:
                count = measure_postgres(args, cluster, path, slugs)
                print(f"{count:>10,} PostgreSQL instructions/request  GET {path}")
    else:
        with tempfile.TemporaryDirectory() as out_dir:
            for path in args.path or DEFAULT_PATHS:
                count = measure(args, path, slugs, out_dir)
                print(f"{count:>10,} instructions/request  GET {path}")
    bench.log(f"done in {time.time() - started:.0f} s")


if __name__ == "__main__":
    main()
