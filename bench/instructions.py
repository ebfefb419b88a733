#!/usr/bin/env python3
"""Instructions the server executes per request, counted by valgrind's callgrind.

Wall-clock numbers on a shared 2-core machine move by a third between identical
runs; instruction counts do not (the same binary, dataset and requests give
the same count to a fraction of a percent), so they show whether a change made
the server's own work smaller. They leave out the kernel and PostgreSQL.

Needs what `just bench` leaves behind (the release binary, the seeded template
database and target/bench/data/slugs.txt) and valgrind. Each path is measured
on a fresh clone of the template: `folio_bench` after a benchmark holds the
write scenario's mail jobs, whose retries would be counted too.

    python3 bench/instructions.py                       # scenarios 1 and 2
    python3 bench/instructions.py --path '/api/v1/tags' --requests 300

The server runs under callgrind with production settings (as the benchmark
starts it); after a warm-up, counting is switched on for exactly the measured
requests, sent one at a time over one keep-alive connection.
"""

import argparse
import glob
import http.client
import os
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


def fresh_clone(pg: "bench.Postgres") -> None:
    templates = pg.query(f"SELECT datname FROM pg_database WHERE datname LIKE '{bench.TEMPLATE_PREFIX}%'")
    if len(templates) != 1:
        bench.fail(f"expected one seeded template database, found {len(templates)}: run `just bench` first")
    bench.clone_database(pg, templates[0][0], DATABASE)


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
    totals = subprocess.run(["callgrind_annotate", dumps[-1]], capture_output=True, text=True, check=True).stdout
    if args.top:
        inclusive = subprocess.run(["callgrind_annotate", "--inclusive=yes", dumps[-1]],
                                   capture_output=True, text=True, check=True).stdout
        functions = [line for line in inclusive.splitlines() if "(" in line and ":" in line and "%)" in line]
        print(f"--- {path}: the {args.top} functions with the most instructions, callees included")
        for line in functions[:args.top]:
            print("   " + line[:200])
    for line in totals.splitlines():
        if "PROGRAM TOTALS" in line:
            return int(line.split()[0].replace(",", "")) // args.requests
    bench.fail("no totals in the callgrind dump")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--path", action="append", help="a GET path ({slug}: a random benchmark slug); repeatable")
    parser.add_argument("--requests", type=int, default=500, help="measured requests per path (default 500)")
    parser.add_argument("--warmup", type=int, default=200, help="requests before counting starts (default 200)")
    parser.add_argument("--binary", type=Path, default=ROOT / "target" / "release" / "folio")
    parser.add_argument("--pg", default=os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432"))
    parser.add_argument("--port", type=int, default=18081)
    parser.add_argument("--top", type=int, default=0,
                        help="also list the N functions with the most instructions, callees included")
    args = parser.parse_args()
    for tool in ("valgrind", "callgrind_control", "callgrind_annotate"):
        if not shutil.which(tool):
            bench.fail(f"{tool} is not installed (apt-get install valgrind)")
    slugs_file = bench.DATA / "slugs.txt"
    if not args.binary.exists() or not slugs_file.exists():
        bench.fail("run `just bench` first: it builds the binary and writes the benchmark's inputs")
    slugs = slugs_file.read_text().split()
    started = time.time()
    with tempfile.TemporaryDirectory() as out_dir:
        for path in args.path or DEFAULT_PATHS:
            count = measure(args, path, slugs, out_dir)
            print(f"{count:>10,} instructions/request  GET {path}")
    bench.log(f"done in {time.time() - started:.0f} s")


if __name__ == "__main__":
    main()
