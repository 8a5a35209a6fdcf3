"""Benchmark: a consultative e-ballot of VOTERS members over real HTTP on PostgreSQL.

    .venv/bin/python bench/bench_votes.py [--voters 120000] [--branches 60] [--clients 48]
        [--server granian|gunicorn] [--workers 2] [--threads 8] [--keep]

Creates a `bench_mandate_votes` PostgreSQL database (dropped at the end unless --keep),
migrates it and fills it: BRANCHES branches, VOTERS members, one poll across them all with
every member on the roll (opened through ``poll_open``: the roll and the random ballot slots are
made there), and every voter's personal link token. Starts the web server on 127.0.0.1 as
docs/production.md runs it (granian, WORKERS processes of THREADS blocking threads; or gunicorn
gthread WORKERS x THREADS with --server gunicorn), then CLIENTS voters at a time work through
the roll in a shuffled order: each sends the same vote twice at once on two keep-alive
connections, so the two requests race each other in the server. The voters are played by one asyncio loop with the
lean HTTP/1.1 client of bench/_server.py (about 0.1 ms of CPU per request), so the load
generator leaves the two cores to the server and the database.

Prints: accepted votes (must equal VOTERS), duplicates answered "already voted" (must equal
VOTERS), anything else, accepted votes/s over the run, p50/p95/p99 latency of all requests, the
CPU per request of the web server, the database and the load generator, and from them the
votes/s two idle cores would carry; the floor: the same casts straight into a table with a
unique constraint with psycopg (each vote sent twice, on two connections, by as many clients as
the server has threads); closing (count check) and tally times; and the secrecy
check: Spearman's rho between the order votes were accepted and (a) the published order
(by receipt), (b) the order by primary key, (c) the physical order of the table (ctid).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import resource
import statistics
import sys
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import _server  # noqa: E402

PG_DB = "bench_mandate_votes"
ACCEPTED = b'id="receipt"'
ALREADY = b"You have already voted"


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


def _receipt(page: bytes) -> str:
    start = page.index(ACCEPTED)
    start = page.index(b">", start) + 1
    return page[start : page.index(b"<", start)].decode().strip()


async def _voters(
    port: int, tokens: list[str], yes: int, clients: int
) -> tuple[Counter[str], list[float], list[tuple[float, str]], float]:
    """CLIENTS voters at a time, each sending their vote twice at once on two keep-alive
    connections (a phone double-tapping, or the same link open on two devices)."""
    order = list(range(len(tokens)))
    random.Random(7).shuffle(order)
    outcomes: Counter[str] = Counter()
    latencies: list[float] = []
    accepted: list[tuple[float, str]] = []
    body = f"choice={yes}".encode()
    form = "Content-Type: application/x-www-form-urlencoded\r\n"
    loop = asyncio.get_running_loop()
    pairs = [(_server.Conn(port), _server.Conn(port)) for _ in range(clients)]
    for a, b in pairs:
        await a.open()
        await b.open()

    async def one(conn: _server.Conn, path: str) -> None:
        sent = loop.time()
        try:
            status, _, page = await conn.request("POST", path, body, form)
        except (OSError, asyncio.IncompleteReadError) as exc:
            status, page = 0, repr(exc).encode()
        done = loop.time()
        latencies.append((done - sent) * 1000)
        if status == 200 and ACCEPTED in page:
            outcomes["accepted"] += 1
            accepted.append((done, _receipt(page)))
        elif status == 200 and ALREADY in page:
            outcomes["already voted"] += 1
        else:
            outcomes[f"other {status}"] += 1

    async def client(n: int) -> None:
        a, b = pairs[n]
        for i in order[n::clients]:
            path = f"/ballot/{tokens[i]}/"
            await asyncio.gather(one(a, path), one(b, path))

    started = loop.time()
    await asyncio.gather(*(client(n) for n in range(clients)))
    elapsed = loop.time() - started
    for a, b in pairs:
        a.close()
        b.close()
    accepted.sort()
    return outcomes, latencies, accepted, elapsed


def run_http(
    server: _server.Server, tokens: list[str], yes: int, clients: int
) -> dict[str, object]:
    # Warm every worker thread's code paths and database connection with votes from a
    # bad link (answered "this link does not work"), which change nothing.
    async def warm() -> None:
        conns = [_server.Conn(server.port) for _ in range(server.workers * server.threads * 2)]
        await asyncio.gather(*(c.request("POST", "/ballot/x/", b"choice=1") for c in conns))
        for c in conns:
            c.close()

    asyncio.run(warm())
    cpu0 = server.cpu_seconds()
    db0 = _server.db_cpu_seconds(PG_DB)
    client0 = resource.getrusage(resource.RUSAGE_SELF)
    outcomes, latencies, accepted, elapsed = asyncio.run(_voters(server.port, tokens, yes, clients))
    client1 = resource.getrusage(resource.RUSAGE_SELF)
    server_cpu = server.cpu_seconds() - cpu0
    db_cpu = _server.db_cpu_seconds(PG_DB) - db0
    client_cpu = (client1.ru_utime + client1.ru_stime) - (client0.ru_utime + client0.ru_stime)
    return {
        "outcomes": outcomes,
        "elapsed": elapsed,
        "latencies": latencies,
        "cast_order": [r for _, r in accepted],
        "server_cpu": server_cpu,
        "db_cpu": db_cpu,
        "client_cpu": client_cpu,
        "load": os.getloadavg()[0],
    }


def run_sql_floor(voters: int, clients: int) -> tuple[float, Counter[str]]:
    """The same casts, two at once per voter, straight into a table with a unique constraint."""
    import psycopg

    with psycopg.connect(_server.db_url(PG_DB), autocommit=True) as conn:
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
            a = psycopg.connect(_server.db_url(PG_DB), autocommit=True)
            b = psycopg.connect(_server.db_url(PG_DB), autocommit=True)
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
    parser.add_argument(
        "--server",
        choices=["granian", "gunicorn"],
        default="granian",
        help="the WSGI server (default: granian, as docs/production.md recommends)",
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()

    _server.create_database(PG_DB)
    started = time.perf_counter()
    poll_id, yes, tokens = _setup(args.voters, args.branches)
    print(
        f"setup: {args.voters} voters in {args.branches} branches, poll opened (roll and "
        f"slots) in {time.perf_counter() - started:.1f} s"
    )
    serve = _server.granian if args.server == "granian" else _server.gunicorn
    with serve(workers=args.workers, threads=args.threads) as server:
        result = run_http(server, tokens, yes, args.clients)
        label = server.label

    outcomes: Counter[str] = result["outcomes"]  # type: ignore[assignment]
    elapsed: float = result["elapsed"]  # type: ignore[assignment]
    latencies: list[float] = result["latencies"]  # type: ignore[assignment]
    cast_order: list[str] = result["cast_order"]  # type: ignore[assignment]
    http_rate = outcomes["accepted"] / elapsed
    print(
        f"HTTP: {args.voters} voters x 2 simultaneous submissions, {args.clients} clients, {label}"
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
        f"  latency ms: p50 {statistics.median(latencies):.1f}  p95 "
        f"{_server.pct(latencies, 95):.1f}  p99 {_server.pct(latencies, 99):.1f}  max "
        f"{max(latencies):.1f}"
    )
    server_cpu: float = result["server_cpu"]  # type: ignore[assignment]
    client_cpu: float = result["client_cpu"]  # type: ignore[assignment]
    db_cpu: float = result["db_cpu"]  # type: ignore[assignment]
    per_request = server_cpu / len(latencies) * 1000
    print(
        f"  CPU per request: web server ({args.server} + Django) {per_request:.3f} ms, PostgreSQL "
        f"{db_cpu / len(latencies) * 1000:.3f} ms, load generator "
        f"{client_cpu / len(latencies) * 1000:.3f} ms; load average at the end "
        f"{result['load']:.1f}"
    )
    per_vote = (server_cpu + db_cpu + client_cpu) / max(1, outcomes["accepted"])
    print(
        f"  CPU per accepted vote, everything (its two requests: web server, database, client): "
        f"{per_vote * 1000:.2f} ms, so two idle cores would carry about {2 / per_vote:.0f} votes/s"
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
        _server.drop_database(PG_DB)


if __name__ == "__main__":
    main()
