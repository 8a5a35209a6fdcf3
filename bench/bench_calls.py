"""Benchmark: 200 volunteer callers working one call queue over real HTTP on PostgreSQL.

    .venv/bin/python bench/bench_calls.py [--callers 200] [--targets 20000] [--seconds 60]
        [--talk 2-6] [--server granian|gunicorn] [--workers 2] [--threads 8] [--keep]

Creates a `bench_mandate_calls` PostgreSQL database (dropped at the end unless --keep),
migrates it and fills it: one branch of TARGETS members with mobiles on an open ballot, one
call assignment over all of them (24 h cooldown, so every target can be handed out at most
once during the run), CALLERS volunteer logins with the caller role. Starts the web server on 127.0.0.1 (granian,
WORKERS processes of THREADS threads, as docs/production.md recommends; gunicorn gthread with
--server gunicorn) and then plays the callers' phones:

1. burst: every caller opens the call screen (asks for their first contact) at the same instant;
2. steady: for SECONDS, each caller does what the screen makes them do: ring the contact and
   talk (a random TALK seconds), press an outcome (POST; one in five "says voted", the rest
   "no answer"), and follow the redirect straight to their next contact (GET).

TALK defaults to 2-6 s, mean 4 s. A real call takes far longer: 20-40 s to ring out unanswered,
2-5 minutes when someone picks up, so 200 real callers ask for about one contact a second
between them. 2-6 s compresses that 10 to 40 times: 200 callers here send about 50 next-contact
requests and 50 outcomes a second, the load of 2,000 to 8,000 real callers, so the latency is
measured with a wide margin over what a phone bank produces.

All callers are played from one asyncio loop over keep-alive connections (one per caller, as
each phone has one), with a hand-written HTTP/1.1 client (bench/_server.py): cheap enough that
the load generator does not take the cores the server needs. Sessions are written straight into
the session table (a real form login per caller would cost 200 password hashes, which is not
what is measured); one caller logs in through the login form first to prove the path works.
Prints requests/s, p50/p95/p99 of next-contact latency (burst and steady), the CPU per request
of the web server, the database and the load generator, then checks for double assignment from
both sides: no target id handed to two callers (clients' record), and in the database no target
claimed twice, logged twice, or held by two callers.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import re
import resource
import secrets
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import _server  # noqa: E402

PG_DB = "bench_mandate_calls"
TARGET_RE = re.compile(rb"/calls/\d+/targets/(\d+)/outcome/")
CSRF_RE = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
COOKIE_RE = re.compile(rb"(?im)^set-cookie:\s*csrftoken=([^;]+);")


def _setup(targets: int, callers: int) -> tuple[int, list[tuple[str, str]]]:
    """Fill the database; return the assignment id and (username, session key) per caller."""
    import datetime as dt

    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import connection
    from django.utils import timezone

    from mandate.ballots import actions as ballot_actions
    from mandate.ballots.models import Ballot, BallotState, ElectorateEntry
    from mandate.calls import actions
    from mandate.core import actions as core_actions
    from mandate.core.models import Role, RoleKind, Union, User
    from mandate.disputes.models import Dispute, DisputeScope
    from mandate.members.models import Employment, Member

    union = Union.objects.create(name="University and College Union", slug="ucu")
    region = core_actions.region_create(union=union, name="North West")
    employer = core_actions.employer_create(
        name="University of Liverpool", jurisdiction="england", workplaces=["Main campus"]
    )
    branch = core_actions.branch_create(region=region, name="Liverpool", employers=[employer])
    members = Member.objects.bulk_create(
        (
            Member(
                branch=branch,
                membership_number=f"B{i:06d}",
                first_name=f"First{i}",
                last_name=f"Last{i}",
                mobile=f"+447700{i:06d}",
            )
            for i in range(targets)
        ),
        batch_size=5000,
    )
    Employment.objects.bulk_create(
        (Employment(member=m, employer=employer) for m in members), batch_size=5000
    )
    dispute = Dispute.objects.create(
        name="Redundancies", slug="redundancies", scope=DisputeScope.LOCAL, branch=branch
    )
    dispute.parties.add(employer)
    opens = timezone.localdate() - dt.timedelta(days=2)
    ballot = ballot_actions.ballot_create(
        dispute=dispute,
        name="Redundancies ballot",
        opens=opens,
        closes=opens + dt.timedelta(days=21),
        actor=None,
    )
    constituency = ballot.constituencies.get()
    ElectorateEntry.objects.bulk_create(
        (ElectorateEntry(constituency=constituency, member=m, entitled=True) for m in members),
        batch_size=5000,
    )
    constituency.entitled_count = targets
    constituency.save(update_fields=["entitled_count"])
    Ballot.objects.filter(pk=ballot.pk).update(state=BallotState.OPEN)
    ballot.refresh_from_db()
    hashed = make_password(secrets.token_urlsafe(12))
    users = User.objects.bulk_create(
        User(username=f"caller{i:03d}", password=hashed) for i in range(callers)
    )
    Role.objects.bulk_create(Role(user=u, kind=RoleKind.CALLER, branch=branch) for u in users)
    login_user = users[0]
    login_user.set_password("bench-login-check")
    login_user.save(update_fields=["password"])
    assignment = actions.assignment_create(
        ballot=ballot,
        branch=branch,
        name="Bench calls",
        ends_at=timezone.now() + dt.timedelta(days=1),
        cooldown_hours=24,
        script="Hi {first_name}, it's the union about {constituency}.",
        callers=users,
        actor=None,
    )
    sessions = []
    for u in User.objects.filter(pk__in=[u.pk for u in users]).order_by("username"):
        store = SessionStore()
        store[SESSION_KEY] = str(u.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = u.get_session_auth_hash()
        store.create()
        sessions.append((u.username, store.session_key or ""))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return assignment.pk, sessions


@dataclass
class Caller:
    username: str
    session: str
    conn: _server.Conn
    csrf: str = ""
    form_token: str = ""
    next_ms: list[float] = field(default_factory=list)
    post_ms: list[float] = field(default_factory=list)
    handed: list[int] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)

    async def request(self, method: str, path: str, body: str = "") -> tuple[int, bytes]:
        headers = f"Cookie: sessionid={self.session}; csrftoken={self.csrf}\r\n"
        if method == "POST":
            headers += (
                "Content-Type: application/x-www-form-urlencoded\r\n"
                f"Referer: http://127.0.0.1:{self.conn.port}{path}\r\n"
            )
        status, head, page = await self.conn.request(method, path, body.encode(), headers)
        cookie = COOKIE_RE.search(head)
        if cookie:
            self.csrf = cookie.group(1).decode()
        return status, page

    async def next_contact(self, assignment: int) -> int | None:
        started = time.perf_counter()
        status, page = await self.request("GET", f"/calls/{assignment}/next/")
        self.next_ms.append((time.perf_counter() - started) * 1000)
        if status != 200:
            self.errors[f"next {status}"] += 1
            return None
        found = TARGET_RE.search(page)
        token = CSRF_RE.search(page)
        if token:
            self.form_token = token.group(1).decode()
        if not found:
            return None
        target = int(found.group(1))
        self.handed.append(target)
        return target

    async def outcome(self, assignment: int, target: int, outcome: str) -> None:
        body = urlencode({"csrfmiddlewaretoken": self.form_token, "outcome": outcome})
        started = time.perf_counter()
        status, _ = await self.request(
            "POST", f"/calls/{assignment}/targets/{target}/outcome/", body
        )
        self.post_ms.append((time.perf_counter() - started) * 1000)
        if status != 302:
            self.errors[f"outcome {status}"] += 1


async def _login_check(port: int) -> bool:
    conn = _server.Conn(port)
    status, head, page = await conn.request("GET", "/login/")
    cookie = COOKIE_RE.search(head)
    token = CSRF_RE.search(page)
    assert cookie and token and status == 200
    body = urlencode(
        {
            "csrfmiddlewaretoken": token.group(1).decode(),
            "username": "caller000",
            "password": "bench-login-check",
        }
    ).encode()
    status, head, _ = await conn.request(
        "POST",
        "/login/",
        body,
        f"Cookie: csrftoken={cookie.group(1).decode()}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Referer: http://127.0.0.1:{port}/login/\r\n",
    )
    conn.close()
    return status == 302 and b"\r\nlocation: /\r\n" in head.lower()


async def _callers(
    port: int,
    assignment: int,
    sessions: list[tuple[str, str]],
    seconds: float,
    talk: tuple[float, float],
) -> tuple[list[Caller], list[float], float]:
    callers = [Caller(name, key, _server.Conn(port)) for name, key in sessions]
    # Each phone has the caller's list open already: a connection and a CSRF cookie.
    await asyncio.gather(*(c.request("GET", "/calls/") for c in callers))
    rng = random.Random(2026)
    loop = asyncio.get_running_loop()
    burst: list[float] = []
    start = asyncio.Event()
    deadline = 0.0

    async def play(c: Caller) -> None:
        await start.wait()
        target = await c.next_contact(assignment)
        burst.append(c.next_ms[-1])
        while True:
            await asyncio.sleep(rng.uniform(*talk))
            if target is not None:
                says = rng.random() < 0.2
                await c.outcome(assignment, target, "says_voted" if says else "no_answer")
            if loop.time() >= deadline:
                break
            target = await c.next_contact(assignment)

    tasks = [asyncio.create_task(play(c)) for c in callers]
    await asyncio.sleep(0.1)
    deadline = loop.time() + seconds
    t0 = loop.time()
    start.set()
    await asyncio.gather(*tasks)
    wall = loop.time() - t0
    for c in callers:
        c.conn.close()
    return callers, burst, wall


def _check_database(assignment: int) -> dict[str, int]:
    from django.db.models import Count

    from mandate.calls.models import CallLog, CallTarget, TargetState

    return {
        "targets claimed more than once": CallTarget.objects.filter(
            assignment_id=assignment, claims__gt=1
        ).count(),
        "targets logged more than once": CallLog.objects.filter(target__assignment_id=assignment)
        .values("target_id")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count(),
        "callers holding more than one": CallTarget.objects.filter(
            assignment_id=assignment, state=TargetState.HELD
        )
        .values("held_by")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count(),
        "claims in all": sum(
            CallTarget.objects.filter(assignment_id=assignment).values_list("claims", flat=True)
        ),
        "calls logged": CallLog.objects.filter(target__assignment_id=assignment).count(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--callers", type=int, default=200)
    parser.add_argument("--targets", type=int, default=20_000)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--talk", default="2-6", help="seconds per call, e.g. 2-6")
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
    low, _, high = args.talk.partition("-")
    talk = (float(low), float(high or low))

    started = time.perf_counter()
    _server.create_database(PG_DB)
    assignment, sessions = _setup(args.targets, args.callers)
    print(
        f"setup: {args.targets} targets, {args.callers} callers in "
        f"{time.perf_counter() - started:.1f} s"
    )
    serve = _server.granian if args.server == "granian" else _server.gunicorn
    with serve(workers=args.workers, threads=args.threads) as server:
        print(
            f"form login through /login/: {'ok' if asyncio.run(_login_check(server.port)) else 'FAILED'}"
        )
        cpu0, db0 = server.cpu_seconds(), _server.db_cpu_seconds(PG_DB)
        client0 = resource.getrusage(resource.RUSAGE_SELF)
        clients, burst, wall = asyncio.run(
            _callers(server.port, assignment, sessions, args.seconds, talk)
        )
        client1 = resource.getrusage(resource.RUSAGE_SELF)
        server_cpu = server.cpu_seconds() - cpu0
        db_cpu = _server.db_cpu_seconds(PG_DB) - db0
        client_cpu = (client1.ru_utime + client1.ru_stime) - (client0.ru_utime + client0.ru_stime)
        load = os.getloadavg()[0]
        label = server.label

    pct = _server.pct
    steady = [ms for c in clients for ms in c.next_ms[1:]]
    posts = [ms for c in clients for ms in c.post_ms]
    requests = sum(len(c.next_ms) + len(c.post_ms) for c in clients)
    handed = Counter(t for c in clients for t in c.handed)
    by_caller: dict[int, set[str]] = {}
    for c in clients:
        for t in c.handed:
            by_caller.setdefault(t, set()).add(c.username)
    errors = sum((c.errors for c in clients), Counter())
    print(
        f"run: {label}, {args.callers} callers, talk {talk[0]:g}-{talk[1]:g} s per call; "
        f"{wall:.1f} s, {requests} requests, {requests / wall:.1f} requests/s "
        f"({len(steady) / wall:.1f} next contacts/s)"
    )
    print(
        f"burst, {len(burst)} callers at once: next contact p50 {pct(burst, 50):.1f} ms, "
        f"p95 {pct(burst, 95):.1f} ms, max {max(burst):.1f} ms"
    )
    print(
        f"steady: next contact n={len(steady)} p50 {pct(steady, 50):.1f} ms, "
        f"p95 {pct(steady, 95):.1f} ms, p99 {pct(steady, 99):.1f} ms, "
        f"mean {statistics.fmean(steady) if steady else float('nan'):.1f} ms"
    )
    print(
        f"steady: outcome POST n={len(posts)} p50 {pct(posts, 50):.1f} ms, "
        f"p95 {pct(posts, 95):.1f} ms, p99 {pct(posts, 99):.1f} ms"
    )
    print(
        f"CPU per request: web server {server_cpu / requests * 1000:.2f} ms, PostgreSQL "
        f"{db_cpu / requests * 1000:.2f} ms, load generator {client_cpu / requests * 1000:.2f} ms "
        f"(so two idle cores would carry about "
        f"{2 / ((server_cpu + db_cpu + client_cpu) / requests):.0f} requests/s); load average at "
        f"the end {load:.1f}"
    )
    print(f"errors: {dict(errors) or 'none'}")
    shared = sum(1 for callers in by_caller.values() if len(callers) > 1)
    print(
        f"client check: {len(handed)} targets handed, {shared} handed to two callers, "
        f"{sum(1 for n in handed.values() if n > 1)} handed twice"
    )
    db = _check_database(assignment)
    print("database check: " + ", ".join(f"{k} {v}" for k, v in db.items()))
    ok = shared == 0 and db["targets claimed more than once"] == 0 and not errors
    ok = ok and db["targets logged more than once"] == 0
    print(f"double assignments: {'none' if ok else 'FOUND'}")
    print(
        f"machine: {os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}"
    )
    if not args.keep:
        _server.drop_database(PG_DB)


if __name__ == "__main__":
    main()
