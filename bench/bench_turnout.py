"""Benchmark: the national GTVO turnout table over a 120,000-member electorate with 1,000,000
contact events.

    .venv/bin/python bench/bench_turnout.py [--database postgres|sqlite] [--members 120000]
        [--events 1000000] [--runs 15]

Sets up a throwaway database (a `bench_mandate_turnout` PostgreSQL database that is created and
dropped, or a temporary SQLite file) holding one open national ballot with ~150 constituencies
(one per employer and branch), MEMBERS members in its frozen electorate, one contact status per
member and EVENTS rows of contact history (COPY on PostgreSQL, executemany on SQLite). Then
times the league table and the national officer's dashboard through Django's test client,
printing the median, the 95th percentile and the number of queries.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
PG_DB = "bench_mandate_turnout"
CONSTITUENCIES = 150
STATUSES = ["says_voted", "will_vote", "no_answer", "not_arrived", "wrong_number", "undecided"]
SOURCES = ["caller", "rep", "self_report", "text_reply"]


def _configure(database: str, workdir: Path) -> None:
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(32))
    os.environ["LOG_LEVEL"] = "WARNING"
    os.environ["ALLOWED_HOSTS"] = "testserver"
    # Plain HTTP on loopback, officers without an authenticator: measure the pages, not the login.
    os.environ["SECURE_SSL_REDIRECT"] = "0"
    os.environ["MANDATE_REQUIRE_2FA"] = "0"
    if database == "sqlite":
        os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    else:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {PG_DB}")
            conn.execute(f"CREATE DATABASE {PG_DB}")
        os.environ["DATABASE_URL"] = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{PG_DB}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mandate.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _build(members: int, events: int, rng: random.Random) -> tuple[int, str]:
    from django.db import connection, transaction
    from django.utils import timezone

    from mandate.ballots.models import Ballot, BallotState, Constituency, ElectorateEntry
    from mandate.core.models import Branch, Employer, Region, Role, RoleKind, Union, User
    from mandate.disputes.models import Dispute, DisputeScope
    from mandate.members.models import Member
    from mandate.turnout.models import STRENGTH, ContactEvent, ContactStatus

    start = time.perf_counter()
    today = timezone.localdate()
    with transaction.atomic():
        union = Union.objects.create(name="Bench union", slug="bench")
        region = Region.objects.create(union=union, name="All", slug="all")
        employers = Employer.objects.bulk_create(
            Employer(name=f"University {i:03d}", slug=f"u{i:03d}", jurisdiction="england")
            for i in range(CONSTITUENCIES)
        )
        branches = Branch.objects.bulk_create(
            Branch(region=region, name=f"Branch {i:03d}", slug=f"b{i:03d}")
            for i in range(CONSTITUENCIES)
        )
        for b, e in zip(branches, employers, strict=True):
            b.employers.add(e)
        dispute = Dispute.objects.create(
            name="Bench dispute", slug="bench", scope=DisputeScope.NATIONAL
        )
        ballot = Ballot.objects.create(
            dispute=dispute,
            name="Bench ballot",
            opens=today - dt.timedelta(days=14),
            closes=today + dt.timedelta(days=6),
            state=BallotState.OPEN,
            scrutineer="Bench",
            electorate_frozen_at=timezone.now(),
        )
        # Branch sizes vary as a real union's do (20 to 3,000).
        weights = [rng.paretovariate(1.2) for _ in range(CONSTITUENCIES)]
        total = sum(weights)
        sizes = [max(20, int(members * w / total)) for w in weights]
        sizes[-1] += members - sum(sizes)
        constituencies = Constituency.objects.bulk_create(
            Constituency(
                ballot=ballot, name=e.name, employer=e, jurisdiction="england", entitled_count=n
            )
            for e, n in zip(employers, sizes, strict=True)
        )
        member_rows = []
        owner = []
        for ci, (b, n) in enumerate(zip(branches, sizes, strict=True)):
            for _ in range(n):
                k = len(member_rows)
                member_rows.append(
                    Member(
                        branch=b, membership_number=f"M{k:07d}", first_name="A", last_name=f"B{k}"
                    )
                )
                owner.append(ci)
        Member.objects.bulk_create(member_rows, batch_size=5000)
        ids = list(Member.objects.order_by("pk").values_list("pk", flat=True))
        ElectorateEntry.objects.bulk_create(
            (
                ElectorateEntry(constituency=constituencies[c], member_id=m, entitled=True)
                for m, c in zip(ids, owner, strict=True)
            ),
            batch_size=5000,
        )
        statuses = []
        # Each constituency gets its own reach and voting rate: some either side of the line.
        reach = [rng.uniform(0.2, 0.8) for _ in constituencies]
        rate = [rng.uniform(0.35, 0.75) for _ in constituencies]
        now = timezone.now()
        for m, c in zip(ids, owner, strict=True):
            row = ContactStatus(ballot=ballot, member_id=m, constituency=constituencies[c])
            if rng.random() < reach[c]:
                status = "says_voted" if rng.random() < rate[c] else rng.choice(STATUSES[1:])
                source = rng.choice(SOURCES)
                row.set_from(status, source, now)
            statuses.append(row)
        ContactStatus.objects.bulk_create(statuses, batch_size=5000)
        assert STRENGTH
        fields = [
            "ballot_id",
            "member_id",
            "constituency_id",
            "status",
            "source",
            "at",
            "note",
            "applied",
        ]
        table = ContactEvent._meta.db_table
        cids = [constituencies[c].pk for c in owner]

        def rows() -> object:
            for i in range(events):
                j = rng.randrange(len(ids))
                yield (
                    ballot.pk,
                    ids[j],
                    cids[j],
                    rng.choice(STATUSES),
                    rng.choice(SOURCES),
                    now - dt.timedelta(minutes=i % 20000),
                    "",
                    True,
                )

        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                raw = cursor.cursor
                with raw.copy(f"COPY {table} ({', '.join(fields)}) FROM STDIN") as copy:
                    for r in rows():  # type: ignore[attr-defined]
                        copy.write_row(r)
            else:
                sql = f"INSERT INTO {table} ({', '.join(fields)}) VALUES ({', '.join(['%s'] * len(fields))})"  # noqa: S608
                batch = []
                for r in rows():  # type: ignore[attr-defined]
                    batch.append(r)
                    if len(batch) >= 20000:
                        cursor.executemany(sql, batch)
                        batch = []
                if batch:
                    cursor.executemany(sql, batch)
        user = User.objects.create_user(username="nat")
        Role.objects.create(user=user, kind=RoleKind.NATIONAL_OFFICER)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    print(f"built in {time.perf_counter() - start:.1f} s", flush=True)
    return ballot.pk, "nat"


def _time(url: str, username: str, runs: int) -> tuple[float, float, int, int]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from mandate.core.models import User

    client = Client()
    client.force_login(User.objects.get(username=username))
    client.get(url)  # warm: rulebooks, templates, connection
    times = []
    queries = 0
    status = 0
    for _ in range(runs):
        with CaptureQueriesContext(connection) as ctx:
            t0 = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - t0)
        queries = len(ctx.captured_queries)
        status = response.status_code
    times.sort()
    p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
    return statistics.median(times), p95, queries, status


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", choices=["postgres", "sqlite"], default="sqlite")
    parser.add_argument("--members", type=int, default=120_000)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        _configure(args.database, Path(tmp))
        from django.db import connection
        from django.urls import reverse

        ballot_id, username = _build(args.members, args.events, random.Random(7))
        print(
            f"{args.database}: {args.members:,} members, {args.events:,} events, "
            f"{CONSTITUENCIES} constituencies; {platform.processor() or platform.machine()}, "
            f"{os.cpu_count()} cores, Python {sys.version.split()[0]}"
        )
        for name in ("league", "dashboard"):
            url = reverse(f"gtvo:{name}", args=[ballot_id])
            median, p95, queries, status = _time(url, username, args.runs)
            print(
                f"  {name}: median {median * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, "
                f"{queries} queries, HTTP {status}"
            )
        connection.close()
    if args.database == "postgres":
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {PG_DB}")


if __name__ == "__main__":
    main()
