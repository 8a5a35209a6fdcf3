"""Benchmark: 200 volunteer callers working one call queue over real HTTP on PostgreSQL.

    .venv/bin/python bench/bench_calls.py [--callers 200] [--targets 20000] [--seconds 30]
        [--think 2-6] [--workers 2] [--threads 16] [--keep]

Creates a `bench_mandate_calls` PostgreSQL database (dropped at the end unless --keep),
migrates it and fills it: one branch of TARGETS members with mobiles on an open ballot, one
call assignment over all of them (24 h cooldown, so every target can be handed out at most
once during the run), CALLERS volunteer logins with the caller role. Starts gunicorn
(gthread, WORKERS x THREADS) on 127.0.0.1 and then:

1. burst: every caller asks for their first contact at the same instant (a barrier);
2. steady: for SECONDS, each caller loops GET next contact -> "the call" (a random pause of
   THINK seconds) -> POST an outcome (one in five "says voted", the rest "no answer").

Sessions are written straight into the session table (a real form login per caller would cost
200 password hashes, which is not what is measured); one caller logs in through the login form
first to prove the path works. Prints requests/s and p50/p95/p99 of next-contact latency, then
checks for double assignment from both sides: no target id handed to two callers (clients'
record), and in the database no target claimed twice, logged twice, or held by two callers.
"""

from __future__ import annotations

import argparse
import http.client
import os
import platform
import random
import re
import secrets
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
PG_DB = "bench_mandate_calls"
GUNICORN = Path(sys.executable).with_name("gunicorn")
TARGET_RE = re.compile(rb"/calls/\d+/targets/(\d+)/outcome/")
CSRF_RE = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


def _configure() -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {PG_DB}")
        conn.execute(f"CREATE DATABASE {PG_DB}")
    os.environ["DATABASE_URL"] = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{PG_DB}"
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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Client:
    username: str
    session: str
    port: int
    conn: http.client.HTTPConnection | None = None
    csrf: str = ""
    form_token: str = ""
    next_ms: list[float] = field(default_factory=list)
    post_ms: list[float] = field(default_factory=list)
    handed: list[int] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, bytes]:
        headers = {"Cookie": f"sessionid={self.session}; csrftoken={self.csrf}"}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://127.0.0.1:{self.port}{path}"
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                for name, value in response.getheaders():
                    if name.lower() == "set-cookie" and value.startswith("csrftoken="):
                        self.csrf = value.split(";", 1)[0].split("=", 1)[1]
                return response.status, data
            except (http.client.HTTPException, OSError):
                # The server closed an idle keep-alive connection: reconnect once.
                self.conn.close()
                self.conn = None
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def next_contact(self, assignment: int) -> int | None:
        started = time.perf_counter()
        status, page = self.request("GET", f"/calls/{assignment}/next/")
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

    def outcome(self, assignment: int, target: int, outcome: str) -> None:
        body = urlencode({"csrfmiddlewaretoken": self.form_token, "outcome": outcome})
        started = time.perf_counter()
        status, _ = self.request("POST", f"/calls/{assignment}/targets/{target}/outcome/", body)
        self.post_ms.append((time.perf_counter() - started) * 1000)
        if status != 302:
            self.errors[f"outcome {status}"] += 1


def _pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def _login_check(port: int) -> bool:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/login/")
    response = conn.getresponse()
    page = response.read()
    cookie = next(v.split(";", 1)[0] for k, v in response.getheaders() if k.lower() == "set-cookie")
    token = CSRF_RE.search(page)
    assert token
    body = urlencode(
        {
            "csrfmiddlewaretoken": token.group(1).decode(),
            "username": "caller000",
            "password": "bench-login-check",
        }
    )
    conn.request(
        "POST",
        "/login/",
        body=body,
        headers={
            "Cookie": cookie,
            "Content-Type": "application/x-www-form-urlencoded",
            "Referer": f"http://127.0.0.1:{port}/login/",
        },
    )
    response = conn.getresponse()
    response.read()
    conn.close()
    return response.status == 302 and response.getheader("Location") == "/"


def _wait_up(port: int, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("gunicorn exited during start-up")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("gunicorn did not start within 60 s")


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
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--think", default="2-6", help="seconds per call, e.g. 2-6")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    low, _, high = args.think.partition("-")
    think = (float(low), float(high or low))

    started = time.perf_counter()
    _configure()
    assignment, sessions = _setup(args.targets, args.callers)
    print(
        f"setup: {args.targets} targets, {args.callers} callers in "
        f"{time.perf_counter() - started:.1f} s"
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
            "10",
            "--log-level",
            "warning",
        ],
        env=env,
    )
    try:
        _wait_up(port, server)
        print(f"form login through /login/: {'ok' if _login_check(port) else 'FAILED'}")
        clients = [Client(name, key, port) for name, key in sessions]
        for c in clients:  # a first page for the CSRF cookie, as a browser would have
            c.request("GET", "/calls/")

        barrier = threading.Barrier(len(clients))
        burst: list[float] = []
        deadline = 0.0
        rng_lock = threading.Lock()
        rng = random.Random(2026)

        def run(c: Client) -> None:
            nonlocal deadline
            barrier.wait()
            target = c.next_contact(assignment)
            burst.append(c.next_ms[-1])
            with rng_lock:
                pause = rng.uniform(*think)
                says = rng.random() < 0.2
            while True:
                time.sleep(pause)
                if target is not None:
                    c.outcome(assignment, target, "says_voted" if says else "no_answer")
                if time.monotonic() >= deadline:
                    break
                target = c.next_contact(assignment)
                with rng_lock:
                    pause = rng.uniform(*think)
                    says = rng.random() < 0.2

        deadline = time.monotonic() + args.seconds
        t0 = time.perf_counter()
        threads = [threading.Thread(target=run, args=(c,)) for c in clients]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=args.seconds + 120)
        wall = time.perf_counter() - t0
    finally:
        server.terminate()
        server.wait(timeout=30)

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
        f"run: {wall:.1f} s, {requests} requests, {requests / wall:.1f} requests/s "
        f"(think {think[0]:g}-{think[1]:g} s per call)"
    )
    print(
        f"burst, {len(burst)} callers at once: next contact p50 {_pct(burst, 50):.1f} ms, "
        f"p95 {_pct(burst, 95):.1f} ms, max {max(burst):.1f} ms"
    )
    print(
        f"steady: next contact n={len(steady)} p50 {_pct(steady, 50):.1f} ms, "
        f"p95 {_pct(steady, 95):.1f} ms, p99 {_pct(steady, 99):.1f} ms, "
        f"mean {statistics.fmean(steady) if steady else float('nan'):.1f} ms"
    )
    print(
        f"steady: outcome POST n={len(posts)} p50 {_pct(posts, 50):.1f} ms, "
        f"p95 {_pct(posts, 95):.1f} ms, p99 {_pct(posts, 99):.1f} ms"
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
        _drop_pg()


if __name__ == "__main__":
    main()
