"""Benchmark: a 2,000-delegate meeting casting card votes over real HTTP on PostgreSQL.

    .venv/bin/python bench/bench_delegates.py [--delegates 2000] [--proxies 40] [--window 8]
        [--clients 150] [--server granian|gunicorn] [--workers 2] [--threads 8] [--keep]

Creates a `bench_mandate_meetings` PostgreSQL database (dropped at the end unless --keep),
migrates it and fills it: 150 branches, one national delegate meeting with DELEGATES delegates
spread over them plus PROXIES absent delegates whose cards other delegates hold by proxy, card
weights set by hand to random amounts in pence (0.01 to 40.00), one motion put to a card vote.
Starts the web server on 127.0.0.1 (granian, WORKERS x THREADS, as docs/production.md
recommends; gunicorn gthread with --server gunicorn).

Then every delegate casts from "their phone": a POST to their personal card link with a split of
their weight across for, against and abstain (random whole pence, one in five splits; the proxy
holders cast the absent branch's card too). The chair calls the vote and the taps arrive over
WINDOW seconds (uniformly at random, open loop: a slow server does not slow the arrivals down;
--window 0 sends every card at the same instant). One asyncio loop plays the phones over CLIENTS
keep-alive connections (a thread per phone would cost the two cores more than the server does).

Prints the time from the first tap to the last card accepted, requests/s, and p50/p95/p99/max of
the cast latency. Then closes the vote and checks the weighted tally three ways: the result the
server recorded, a SQL SUM over the stored cards, and a reference sum the clients kept of what
they sent (integer pence, no decimals involved), which must all agree exactly.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import os
import platform
import random
import secrets
import sys
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import _server  # noqa: E402

PG_DB = "bench_mandate_meetings"
RESULTS = Path(__file__).with_name("RESULTS.md")
BRANCHES = 150


@dataclass
class Cast:
    """One card a phone sends: the path, and the split in whole pence."""

    path: str
    card: int
    weight_p: int
    for_p: int
    against_p: int
    abstain_p: int
    at: float  # seconds after the vote is called


def _setup(delegates: int, proxies: int, window: float, seed: int) -> tuple[int, list[Cast]]:
    from django.db import connection
    from django.utils import timezone

    from mandate.core.models import Branch, Region, Union
    from mandate.meetings import actions, links
    from mandate.meetings.models import Delegate, MeetingKind
    from mandate.meetings.rules import WeightFormula

    rng = random.Random(seed)
    union = Union.objects.create(name="Bench union", slug="bench")
    region = Region.objects.create(union=union, name="Bench region", slug="bench-region")
    branches = Branch.objects.bulk_create(
        Branch(region=region, name=f"Branch {i:03d}", slug=f"branch-{i:03d}")
        for i in range(BRANCHES)
    )
    meeting = actions.meeting_create(
        actor=None,
        branch=None,
        kind=MeetingKind.DELEGATE,
        title="Delegate meeting of striking branches",
        mode="online",
        link="https://meet.example.org/bench",
        starts_at=timezone.now(),
        weight_formula=WeightFormula.MANUAL,
    )
    rows = Delegate.objects.bulk_create(
        Delegate(
            meeting=meeting,
            branch=branches[i % BRANCHES],
            name=f"Delegate {i:04d}",
            weight=Decimal(rng.randint(1, 4000)).scaleb(-2),
            nonce=secrets.token_urlsafe(9),
        )
        for i in range(delegates + proxies)
    )
    present, absent = rows[:delegates], rows[delegates:]
    for holder, gone in zip(present[:proxies], absent, strict=True):
        holder.proxy_for = gone
    Delegate.objects.bulk_update(present[:proxies], ["proxy_for"])
    motion = actions.motion_add(
        actor=None, meeting=meeting, title="Escalate", text="Rolling regional strikes."
    )
    vote = actions.vote_open(actor=None, meeting=meeting, motion=motion, method="card")

    casts: list[Cast] = []
    for holder in present:
        token = links.delegate_token(holder)
        cards = [holder] + ([holder.proxy_for] if holder.proxy_for else [])
        for card in cards:
            assert card is not None
            w = int(card.weight * 100)
            if rng.random() < 0.2:
                f = rng.randint(0, w)
                a = rng.randint(0, w - f)
            else:
                f, a = (w, 0) if rng.random() < 0.8 else (0, w)
            casts.append(
                Cast(
                    path=f"/meetings/d/{token}/votes/{vote.pk}/",
                    card=card.pk,
                    weight_p=w,
                    for_p=f,
                    against_p=a,
                    abstain_p=w - f - a,
                    at=rng.uniform(0, window),
                )
            )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return vote.pk, casts


class Phone:
    def __init__(self, port: int) -> None:
        self.port = port
        self.conn: http.client.HTTPConnection | None = None

    def post(self, path: str, body: str) -> int:
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
        }
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            try:
                self.conn.request("POST", path, body=body, headers=headers)
                response = self.conn.getresponse()
                response.read()
                return response.status
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = None
                if attempt:
                    raise
        raise AssertionError("unreachable")


def _body(c: Cast) -> str:
    return urlencode(
        {
            "card": c.card,
            "weight_for": str(Decimal(c.for_p).scaleb(-2)),
            "weight_against": str(Decimal(c.against_p).scaleb(-2)),
            "weight_abstain": str(Decimal(c.abstain_p).scaleb(-2)),
        }
    )


@dataclass
class Run:
    latencies: list[float]
    lags: list[float]
    statuses: Counter[int]
    accepted: list[Cast]
    t0: float
    last_done: float


async def _post(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, port: int, path: str, body: str
) -> int:
    data = body.encode()
    writer.write(
        (
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\nAccept: application/json\r\n"
            f"Content-Length: {len(data)}\r\n\r\n"
        ).encode()
        + data
    )
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    await reader.readexactly(length)
    return status


async def _phones(port: int, casts: list[Cast], connections: int) -> Run:
    """Play the phones from one event loop: cheap enough on the client side that the server,
    not the load generator, is what is measured. Each card is sent at its own time (open loop)
    on a free keep-alive connection."""
    pool: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = asyncio.Queue()
    for _ in range(connections):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        # A first request opens the connection before the vote is called, as a phone showing
        # the card page already has one.
        await _post(reader, writer, port, casts[0].path.replace("/d/", "/d/x"), "")
        pool.put_nowait((reader, writer))
    loop = asyncio.get_running_loop()
    run = Run([], [], Counter(), [], loop.time() + 0.05, 0.0)

    async def send(cast: Cast) -> None:
        await asyncio.sleep(max(0.0, run.t0 + cast.at - loop.time()))
        reader, writer = await pool.get()
        sent = loop.time()
        status = await _post(reader, writer, port, cast.path, _body(cast))
        done = loop.time()
        pool.put_nowait((reader, writer))
        run.latencies.append((done - sent) * 1000)
        run.lags.append(max(0.0, sent - (run.t0 + cast.at)) * 1000)
        run.statuses[status] += 1
        if status == 200:
            run.accepted.append(cast)
        run.last_done = max(run.last_done, done)

    await asyncio.gather(*(send(c) for c in casts))
    while not pool.empty():
        pool.get_nowait()[1].close()
    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--delegates", type=int, default=2000)
    parser.add_argument("--proxies", type=int, default=40)
    parser.add_argument("--window", type=float, default=8.0, help="seconds the taps arrive over")
    parser.add_argument("--clients", type=int, default=150, help="keep-alive connections")
    parser.add_argument(
        "--server",
        choices=["granian", "gunicorn"],
        default="granian",
        help="the WSGI server (default: granian, as docs/production.md recommends)",
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--no-record", action="store_true", help="do not append to RESULTS.md")
    args = parser.parse_args()

    started = time.perf_counter()
    _server.create_database(PG_DB)
    vote_id, casts = _setup(args.delegates, args.proxies, args.window, args.seed)
    print(
        f"setup: {args.delegates} delegates ({args.proxies} holding a proxy card) over "
        f"{BRANCHES} branches, {len(casts)} cards to cast, in {time.perf_counter() - started:.1f} s"
    )

    serve = _server.granian if args.server == "granian" else _server.gunicorn
    with serve(workers=args.workers, threads=args.threads, backlog=4096) as server:
        port = server.port
        # Warm each worker's code paths and connections with a harmless failed cast.
        warm = Phone(port)
        for _ in range(4 * args.workers):
            warm.post(casts[0].path.replace("/d/", "/d/x"), "")

        cpu_before = server.cpu_seconds()
        run = asyncio.run(_phones(port, casts, args.clients))
        latencies, lags, statuses, accepted = run.latencies, run.lags, run.statuses, run.accepted
        t0, last_done = [run.t0], [run.last_done]
        elapsed = last_done[0] - t0[0]
        # CPU the server itself spent per card: what the run would cost on an idle machine,
        # whatever else was sharing the two cores at the time.
        server_cpu = server.cpu_seconds() - cpu_before
        load = os.getloadavg()[0]

        import django.db

        django.db.connections.close_all()
        from django.db.models import Sum

        from mandate.meetings import actions
        from mandate.meetings.models import CardVote, MeetingVote

        vote = MeetingVote.objects.select_related("meeting").get(pk=vote_id)
        actions.vote_close(actor=None, vote=vote)
        vote.refresh_from_db()
        sums = CardVote.objects.filter(vote_id=vote_id).aggregate(
            f=Sum("weight_for"), a=Sum("weight_against"), ab=Sum("weight_abstain")
        )
        ref = (
            sum(c.for_p for c in accepted),
            sum(c.against_p for c in accepted),
            sum(c.abstain_p for c in accepted),
        )
        recorded = tuple(
            int(v * 100) for v in (vote.votes_for, vote.votes_against, vote.votes_abstain)
        )
        sql = tuple(int(sums[k] * 100) for k in ("f", "a", "ab"))
        present_ref = sum(c.weight_p for c in accepted)
        tally_ok = ref == recorded == sql and int(vote.present * 100) == present_ref
        cards_ok = CardVote.objects.filter(vote_id=vote_id).count() == len(accepted)

    p50, p95, p99 = (_server.pct(latencies, p) for p in (50, 95, 99))
    worst = max(latencies)
    lag99 = _server.pct(lags, 99)
    rate = len(latencies) / elapsed if elapsed > 0 else float("nan")
    slow = sum(1 for v in latencies if v >= 1000)
    print(f"statuses: {dict(statuses)}; casts taking 1 s or more: {slow}")
    print(
        f"{len(accepted)} of {len(casts)} cards accepted; first tap to last card accepted "
        f"{elapsed:.2f} s (taps arriving over {args.window:g} s); {rate:.0f} requests/s"
    )
    print(
        f"cast latency ms: p50 {p50:.1f}, p95 {p95:.1f}, p99 {p99:.1f}, max {worst:.1f}; "
        f"client send lag p99 {lag99:.1f} ms"
    )
    cpu_ms = server_cpu / len(latencies) * 1000
    print(
        f"server CPU {cpu_ms:.1f} ms per card (user + system, all workers); capacity on 2 idle "
        f"cores about {2000 / cpu_ms:.0f} cards/s; load average during the run {load:.1f}"
    )
    print(f"result: {vote.result_text}")
    print(
        f"tally: recorded {recorded}, SQL sum {sql}, clients' reference {ref} (pence): "
        f"{'EXACT MATCH' if tally_ok else 'MISMATCH'}; one card per delegate: "
        f"{'ok' if cards_ok else 'FAILED'}"
    )
    passed = elapsed <= 10 and p99 < 1000 and tally_ok and cards_ok
    print(
        f"target (all cast within 10 s, p99 < 1 s, exact tally): {'MET' if passed else 'NOT MET'}"
    )

    if not args.no_record:
        stamp = datetime.now(UTC).strftime("%Y-%m-%d")
        with RESULTS.open("a", encoding="utf-8") as out:
            out.write(
                f"\n## Delegate meeting card vote (`bench/bench_delegates.py`)\n\n"
                f"- {args.delegates:,} delegates ({args.proxies} also casting a proxy card), "
                f"{len(casts):,} cards over real HTTP: {server.label} on 127.0.0.1, PostgreSQL, {args.clients} client connections, taps "
                f"arriving over {args.window:g} s.\n"
                f"- All {len(accepted):,} accepted {elapsed:.2f} s after the first tap "
                f"({rate:.0f} requests/s). Cast latency p50 {p50:.1f} ms, p95 {p95:.1f} ms, "
                f"p99 {p99:.1f} ms, max {worst:.1f} ms. Target (within 10 s, p99 < 1 s): "
                f"{'met' if passed else 'not met'}.\n"
                f"- Server CPU {cpu_ms:.1f} ms per card (all workers, user + system): about "
                f"{2000 / cpu_ms:.0f} cards/s on 2 idle cores. Load average during the run "
                f"{load:.1f} on 2 cores (other test suites and benchmarks running).\n"
                f"- Weighted tally: recorded, SQL sum and the clients' own reference sum in "
                f"pence {'agree exactly' if tally_ok else 'DISAGREE'}: {vote.result_text}.\n"
                f"- Machine: 2 cores ({platform.machine()}), Python "
                f"{platform.python_version()}, shared with other work at the time. "
                f"Date: {stamp}.\n"
            )
    if not args.keep:
        _server.drop_database(PG_DB)
    if not passed:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
