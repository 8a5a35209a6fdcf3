"""Benchmark: a consultative e-ballot of VOTERS members over real HTTP on PostgreSQL.

    .venv/bin/python bench/bench_votes.py [--voters 120000] [--branches 60] [--clients 48]
        [--workers 2] [--threads 8] [--keep]

Creates a `bench_mandate_votes` PostgreSQL database (dropped at the end unless --keep),
migrates it and fills it: BRANCHES branches, VOTERS members, one poll across them all with
every member on the roll (opened through ``poll_open``: the roll and the random ballot slots are
made there), and every voter's personal link token. Starts gunicorn (gthread, WORKERS x
THREADS) on 127.0.0.1, then CLIENTS threads work through the voters in a shuffled order: for
each voter a client sends the same vote twice at once on two keep-alive connections, so the
two requests race each other in the server.

Prints: accepted votes (must equal VOTERS), duplicates answered "already voted" (must equal
VOTERS), anything else, accepted votes/s over the run, p50/p95/p99 latency of all requests; the
floor: the same casts straight into a table with a unique constraint with psycopg (each vote
sent twice, on two connections, by as many clients as the server has threads); closing (count check) and tally times; and the secrecy
check: Spearman's rho between the order votes were accepted and (a) the published order
(by receipt), (b) the order by primary key, (c) the physical order of the table (ctid).
"""

from __future__ import annotations

import argparse
import http.client
import os
import platform
import random
import secrets
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
PG_DB = "bench_mandate_votes"
GUNICORN = Path(sys.executable).with_name("gunicorn")
ACCEPTED = b'id="receipt"'
ALREADY = b"You have already voted"


def _db_url() -> str:
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{PG_DB}"


def _configure() -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {PG_DB}")
        conn.execute(f"CREATE DATABASE {PG_DB}")
    os.environ["DATABASE_URL"] = _db_url()
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(32))
    os.environ["LOG_LEVEL"] = "WARNING"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mandate.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _drop_pg() -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {PG_DB}")


def _setup(voters: int, branches: int) -> tuple[int, int, list[str]]:
    """Fill the database; return the poll id, the "Yes" choice id and one token per voter."""
    import datetime as dt

    from django.db import connection
    from django.utils import timezone

    from mandate.core import actions as core_actions
    from mandate.core.models import Union
    from mandate.members.models import Member
    from mandate.votes import engine
    from mandate.votes.links import make_token
    from mandate.votes.models import Voter

    union = Union.objects.create(name="University and College Union", slug="ucu")
    region = core_actions.region_create(union=union, name="National")
    branch_ids = [
        core_actions.branch_create(region=region, name=f"Branch {n:02d}").pk
        for n in range(branches)
    ]
    # Uneven branches, as real ones are: a few large, many small, some under ten.
    weights = [1.0 / (n + 1) for n in range(branches)]
    rng = random.Random(2026)
    chosen = rng.choices(branch_ids, weights=weights, k=voters)
    members = Member.objects.bulk_create(
        (
            Member(
                branch_id=chosen[i],
                membership_number=f"M{i:07d}",
                first_name=f"First{i}",
                last_name=f"Last{i}",
                personal_email=f"m{i}@example.org",
            )
            for i in range(voters)
        ),
        batch_size=5000,
    )
    now = timezone.now()
    poll = engine.poll_create(
        title="Accept the employers' offer?",
        choices=["Yes", "No"],
        opens_at=now - dt.timedelta(minutes=1),
        closes_at=now + dt.timedelta(hours=6),
        voters=(
            engine.VoterSpec(key=engine.member_key(m.pk), member_id=m.pk, branch_id=m.branch_id)
            for m in members
        ),
    )
    poll = engine.poll_open(poll=poll)
    yes = poll.choices.get(label="Yes").pk
    tokens = [
        make_token(poll.pk, pk, nonce)
        for pk, nonce in Voter.objects.filter(poll=poll).values_list("pk", "nonce").iterator()
    ]
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return poll.pk, yes, tokens


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def _wait_up(port: int, server: subprocess.Popen[bytes]) -> None:
    for _ in range(600):
        if server.poll() is not None:
            raise SystemExit("gunicorn exited during start-up")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("gunicorn did not start within 60 s")


class Pair:
    """Two keep-alive connections of one client, used to send one voter's vote twice at once."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conns: list[http.client.HTTPConnection | None] = [None, None]

    def _conn(self, i: int) -> http.client.HTTPConnection:
        conn = self.conns[i]
        if conn is None:
            conn = self.conns[i] = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        return conn

    def twice(self, path: str, body: str) -> list[tuple[int, bytes, float]]:
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        started = []
        for i in (0, 1):
            for attempt in range(2):
                try:
                    started.append(time.perf_counter())
                    self._conn(i).request("POST", path, body=body, headers=headers)
                    break
                except (http.client.HTTPException, OSError):
                    started.pop()
                    self._reset(i)
                    if attempt:
                        raise
        out = []
        for i in (0, 1):
            try:
                response = self._conn(i).getresponse()
                data = response.read()
                out.append((response.status, data, time.perf_counter() - started[i]))
                if response.getheader("Connection", "").lower() == "close":
                    self._reset(i)
            except (http.client.HTTPException, OSError) as exc:
                self._reset(i)
                out.append((0, repr(exc).encode(), time.perf_counter() - started[i]))
        return out

    def _reset(self, i: int) -> None:
        conn = self.conns[i]
        if conn is not None:
            conn.close()
        self.conns[i] = None


def _receipt(page: bytes) -> str:
    start = page.index(ACCEPTED)
    start = page.index(b">", start) + 1
    return page[start : page.index(b"<", start)].decode().strip()


def run_http(port: int, tokens: list[str], yes: int, clients: int) -> dict[str, object]:
    order = list(range(len(tokens)))
    random.Random(7).shuffle(order)
    chunks = [order[i::clients] for i in range(clients)]
    outcomes: Counter[str] = Counter()
    latencies: list[float] = []
    accepted: list[tuple[float, str]] = []
    lock = threading.Lock()
    barrier = threading.Barrier(clients)
    body = f"choice={yes}"

    def work(chunk: list[int]) -> None:
        pair = Pair(port)
        local: Counter[str] = Counter()
        lat: list[float] = []
        acc: list[tuple[float, str]] = []
        barrier.wait()
        for n in chunk:
            results = pair.twice(f"/ballot/{tokens[n]}/", body)
            done = time.perf_counter()
            for status, page, seconds in results:
                lat.append(seconds * 1000)
                if status == 200 and ACCEPTED in page:
                    local["accepted"] += 1
                    acc.append((done, _receipt(page)))
                elif status == 200 and ALREADY in page:
                    local["already voted"] += 1
                else:
                    local[f"other {status}"] += 1
        with lock:
            outcomes.update(local)
            latencies.extend(lat)
            accepted.extend(acc)

    threads = [threading.Thread(target=work, args=(c,)) for c in chunks]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    accepted.sort()
    return {
        "outcomes": outcomes,
        "elapsed": elapsed,
        "latencies": latencies,
        "cast_order": [r for _, r in accepted],
    }


def run_sql_floor(voters: int, clients: int) -> tuple[float, Counter[str]]:
    """The same casts, two at once per voter, straight into a table with a unique constraint."""
    import psycopg

    with psycopg.connect(_db_url(), autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_floor")
        conn.execute(
            "CREATE TABLE bench_floor (voter integer PRIMARY KEY, choice integer NOT NULL)"
        )
    order = list(range(voters))
    random.Random(7).shuffle(order)
    chunks = [order[i::clients] for i in range(clients)]
    outcomes: Counter[str] = Counter()
    lock = threading.Lock()
    barrier = threading.Barrier(clients)
    sql = "INSERT INTO bench_floor (voter, choice) VALUES (%s, 1) ON CONFLICT DO NOTHING"

    def work(chunk: list[int]) -> None:
        local: Counter[str] = Counter()
        try:
            a = psycopg.connect(_db_url(), autocommit=True)
            b = psycopg.connect(_db_url(), autocommit=True)
        except psycopg.OperationalError:
            barrier.abort()
            raise
        with a, b:
            # One after the other on two connections: the second meets the first's committed
            # row. (Sending both before reading either, in psycopg pipelines, deadlocks the
            # client: the second waits on the first's lock, whose commit waits on the client.)
            barrier.wait()
            for n in chunk:
                ca = a.execute(sql, [n])
                cb = b.execute(sql, [n])
                for cur in (ca, cb):
                    local["accepted" if cur.rowcount == 1 else "already voted"] += 1
        with lock:
            outcomes.update(local)

    threads = [threading.Thread(target=work, args=(c,)) for c in chunks]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - started, outcomes


def spearman(order_a: list[str], order_b: list[str]) -> float:
    """Spearman's rho between two orderings of the same distinct items."""
    rank_b = {item: n for n, item in enumerate(order_b)}
    n = len(order_a)
    d2 = sum((i - rank_b[item]) ** 2 for i, item in enumerate(order_a))
    return 1 - 6 * d2 / (n * (n * n - 1))


def secrecy(poll_id: int, cast_order: list[str]) -> dict[str, float]:
    from django.db import connection

    orders: dict[str, list[str]] = {}
    queries = {
        "published (by receipt)": "ORDER BY receipt",
        "by primary key": "ORDER BY id",
        "physical (ctid)": "ORDER BY ctid",
    }
    with connection.cursor() as cur:
        for name, order_by in queries.items():
            cur.execute(
                f"SELECT receipt FROM votes_castvote WHERE poll_id = %s AND choice_id IS NOT NULL "
                f"{order_by}",
                [poll_id],
            )
            orders[name] = [r[0] for r in cur.fetchall()]
    return {name: spearman(cast_order, order) for name, order in orders.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--voters", type=int, default=120_000)
    parser.add_argument("--branches", type=int, default=60)
    parser.add_argument("--clients", type=int, default=48)
    parser.add_argument(
        "--floor-clients",
        type=int,
        default=8,
        help="clients for the SQL floor, two connections each (default: as many connections "
        "as the web server's threads)",
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()

    _configure()
    started = time.perf_counter()
    poll_id, yes, tokens = _setup(args.voters, args.branches)
    print(
        f"setup: {args.voters} voters in {args.branches} branches, poll opened (roll and "
        f"slots) in {time.perf_counter() - started:.1f} s"
    )
    port = _free_port()
    env = dict(os.environ, DEBUG="0", ALLOWED_HOSTS="127.0.0.1")
    server = subprocess.Popen(  # noqa: S603 - our own gunicorn, fixed arguments
        [
            str(GUNICORN),
            "mandate.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--worker-class",
            "gthread",
            "--workers",
            str(args.workers),
            "--threads",
            str(args.threads),
            "--keep-alive",
            "30",
            "--backlog",
            "512",
            "--log-level",
            "warning",
        ],
        env=env,
    )
    try:
        _wait_up(port, server)
        result = run_http(port, tokens, yes, args.clients)
    finally:
        server.terminate()
        server.wait(timeout=30)

    outcomes: Counter[str] = result["outcomes"]  # type: ignore[assignment]
    elapsed: float = result["elapsed"]  # type: ignore[assignment]
    latencies: list[float] = result["latencies"]  # type: ignore[assignment]
    cast_order: list[str] = result["cast_order"]  # type: ignore[assignment]
    http_rate = outcomes["accepted"] / elapsed
    print(
        f"HTTP: {args.voters} voters x 2 simultaneous submissions, {args.clients} clients, "
        f"gunicorn gthread {args.workers}x{args.threads}"
    )
    print(
        f"  accepted {outcomes['accepted']} (want {args.voters}), already voted "
        f"{outcomes['already voted']} (want {args.voters}), other "
        f"{sum(v for k, v in outcomes.items() if k.startswith('other'))} "
        f"{dict((k, v) for k, v in outcomes.items() if k.startswith('other'))}"
    )
    print(
        f"  {elapsed:.1f} s: {http_rate:.0f} accepted votes/s "
        f"({len(latencies) / elapsed:.0f} requests/s)"
    )
    print(
        f"  latency ms: p50 {statistics.median(latencies):.1f}  p95 {_pct(latencies, 95):.1f}  "
        f"p99 {_pct(latencies, 99):.1f}  max {max(latencies):.1f}"
    )

    from django.db import connection

    from mandate.votes import engine
    from mandate.votes.models import Poll, Voter

    marked = Voter.objects.filter(poll_id=poll_id, has_voted=True).count()
    print(f"  roll: {marked} voters marked as voted")

    floor_elapsed, floor = run_sql_floor(args.voters, args.floor_clients)
    floor_rate = floor["accepted"] / floor_elapsed
    print(
        f"SQL floor (psycopg, INSERT ... ON CONFLICT DO NOTHING on a primary key, "
        f"{args.floor_clients} clients x 2 connections, each vote sent twice): accepted {floor['accepted']}, duplicates "
        f"{floor['already voted']}, {floor_elapsed:.1f} s: {floor_rate:.0f} votes/s"
    )
    print(f"  ratio HTTP / SQL floor: {http_rate / floor_rate:.3f} ({floor_rate / http_rate:.1f}x)")

    before = secrecy(poll_id, cast_order)["physical (ctid)"]
    print(f"secrecy: Spearman rho, acceptance order vs physical (ctid) before close: {before:+.4f}")
    with connection.cursor() as cur:
        cur.execute("SELECT reloptions FROM pg_class WHERE relname = 'votes_castvote'")
        print(f"  votes_castvote options: {cur.fetchone()[0]}")
    poll = Poll.objects.get(pk=poll_id)
    t0 = time.perf_counter()
    poll = engine.poll_close(poll=poll)
    close_s = time.perf_counter() - t0
    print(
        f"close (drop unused slots, rewrite rows, count check): {close_s:.2f} s; "
        f"ballots {poll.ballots_counted}, voters marked {poll.voters_marked}, ok {poll.count_ok}"
    )
    runs = []
    for _ in range(5):
        t0 = time.perf_counter()
        tally = engine.tally(poll)
        runs.append(time.perf_counter() - t0)
    shown = sum(1 for b in tally.branches if b.choices is not None)
    print(
        f"tally of {tally.cast} ballots: median {statistics.median(runs) * 1000:.0f} ms of 5 "
        f"(max {max(runs) * 1000:.0f} ms); {shown} of {len(tally.branches)} branches shown"
    )
    for name, rho in secrecy(poll_id, cast_order).items():
        print(f"secrecy: Spearman rho, acceptance order vs {name}: {rho:+.4f}")
    with connection.cursor() as cur:
        cur.execute(
            "SELECT count(DISTINCT xmin::text) FROM votes_castvote WHERE poll_id = %s", [poll_id]
        )
        print(f"secrecy: distinct xmin among ballots after close: {cur.fetchone()[0]}")
    print(
        f"machine: {os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}"
    )
    if not args.keep:
        _drop_pg()


if __name__ == "__main__":
    main()
