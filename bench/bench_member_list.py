"""Benchmark: the member list page of a 3,000-member branch.

    .venv/bin/python bench/bench_member_list.py [--members 3000] [--requests 100]
                                                [--database both|sqlite|postgres]

Builds one branch (one employer, 8 workplaces, 20 departments, 3,000 members with realistic
names, one job each and a second job for one in ten, a handful of saved segments) in a
throwaway database: a temporary SQLite file, and a `bench_mandate_list` PostgreSQL database
(created and dropped) when the server at BENCH_PG_ADMIN_URL answers. Then it requests the list
page through Django's test client, logged in as the branch secretary (and as a rep), many times
per scenario, and prints the median and 95th percentile server time and the query count.

Server time is the whole request inside the process (middleware, session, policy, queries,
template rendering); there is no network. The target is under 100 ms at the median and p95.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
PG_DB = "bench_mandate_list"
TARGET_MS = 100.0

WORKPLACES = [
    "Main campus",
    "City campus",
    "Medical school",
    "Library",
    "Sports centre",
    "Science park",
    "Vet school",
    "Ness gardens",
]
DEPARTMENTS = [
    "History",
    "Physics",
    "Chemistry",
    "Nursing",
    "Law",
    "Music",
    "Estates",
    "Finance",
    "Library services",
    "Computer science",
    "Biochemistry",
    "Economics",
    "English",
    "Philosophy",
    "Geography",
    "Mathematics",
    "Psychology",
    "Architecture",
    "Medicine",
    "Student services",
]
JOBS = [
    ("Lecturer", "8"),
    ("Senior lecturer", "9"),
    ("Professor", "10"),
    ("Research associate", "7"),
    ("Teaching fellow", "7"),
    ("Librarian", "6"),
    ("Technician", "5"),
    ("Administrator", "5"),
]


def _pg_reachable() -> bool:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3):
            return True
    except Exception:  # noqa: BLE001 - any failure means "not reachable": skip PostgreSQL
        return False


def _configure(database: str, workdir: Path) -> None:
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(32))
    os.environ["MANDATE_VAR"] = str(workdir)
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ["DEBUG"] = "0"
    # Plain HTTP on loopback, officers without an authenticator: measure the pages, not the login.
    os.environ["SECURE_SSL_REDIRECT"] = "0"
    os.environ["MANDATE_REQUIRE_2FA"] = "0"
    os.environ["LOG_LEVEL"] = "ERROR"
    if database == "sqlite":
        os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    else:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {PG_DB}")
            conn.execute(f"CREATE DATABASE {PG_DB}")
        os.environ["DATABASE_URL"] = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{PG_DB}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "mandate.settings"
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


def build(members: int, seed: int = 2026) -> dict[str, Any]:
    """The branch, its people and register; returns what the scenarios need."""
    from django.db import connection
    from faker import Faker

    from mandate.core import actions as core_actions
    from mandate.core.models import RoleKind, Union
    from mandate.members.actions import segment_save
    from mandate.members.models import ContractType, Employment, Member, MemberStatus

    rng = random.Random(seed)
    fake = Faker("en_GB")
    Faker.seed(seed)
    union = Union.objects.create(name="Bench union", slug="bench")
    region = core_actions.region_create(union=union, name="North West")
    employer = core_actions.employer_create(
        name="University of Benchmarks",
        jurisdiction="england",
        workplaces=WORKPLACES,
        departments=DEPARTMENTS,
    )
    branch = core_actions.branch_create(region=region, name="Bench branch", employers=[employer])
    workplaces = list(employer.workplaces.order_by("name"))
    departments = list(employer.departments.order_by("name"))
    secretary = core_actions.user_create(username="secretary", password=secrets.token_hex(8))
    core_actions.role_grant(user=secretary, kind=RoleKind.BRANCH_OFFICER, branch=branch)
    rep = core_actions.user_create(username="rep", password=secrets.token_hex(8))
    core_actions.role_grant(user=rep, kind=RoleKind.REP, branch=branch, workplaces=workplaces[:2])

    first = [fake.first_name() for _ in range(400)]
    last = [fake.last_name() for _ in range(600)]
    statuses = [MemberStatus.ACTIVE] * 17 + [MemberStatus.LAPSED, MemberStatus.RESIGNED]
    rows = []
    for i in range(members):
        fn, ln = rng.choice(first), rng.choice(last)
        rows.append(
            Member(
                branch=branch,
                membership_number=f"M{100000 + i}",
                first_name=fn,
                last_name=ln,
                personal_email=f"{fn}.{ln}{i}@example.org".lower().replace(" ", "")
                if rng.random() < 0.8
                else "",
                work_email=f"{fn[0]}.{ln}{i}@bench.ac.uk".lower().replace(" ", ""),
                mobile=f"+4479{rng.randrange(10**8, 10**9)}" if rng.random() < 0.7 else "",
                postcode=fake.postcode(),
                status=rng.choice(statuses),
                join_date=date(2000 + rng.randrange(25), rng.randrange(1, 13), 1),
                consent_sms=rng.random() < 0.8,
                do_not_contact=rng.random() < 0.02,
            )
        )
    created = Member.objects.bulk_create(rows, batch_size=1000)
    contracts = list(ContractType)
    jobs = []
    for m in created:
        for _ in range(2 if rng.random() < 0.1 else 1):
            category, grade = rng.choice(JOBS)
            jobs.append(
                Employment(
                    member=m,
                    employer=employer,
                    workplace=rng.choice(workplaces),
                    department=rng.choice(departments),
                    job_category=category,
                    grade=grade,
                    contract_type=rng.choice(contracts),
                )
            )
    Employment.objects.bulk_create(jobs, batch_size=1000)
    # A live database has planner statistics (autovacuum, or SQLite's optimize); a table just
    # bulk-loaded has none, and the planner would guess one row per table.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    for name, filters in [
        ("Lapsed", {"status": "lapsed"}),
        ("Hourly-paid", {"contract_type": "hourly_paid"}),
        ("Main campus, textable", {"workplace": workplaces[0].pk, "consent": "sms"}),
        ("No personal email", {"has_personal_email": False}),
        ("Professors", {"job_category": "Professor"}),
    ]:
        segment_save(branch=branch, name=name, filters=filters, actor=secretary)
    return {
        "branch": branch,
        "secretary": secretary,
        "rep": rep,
        "workplace": workplaces[0],
        "search": last[0][:4].lower(),
    }


def measure(
    client: Any, url: str, requests: int, htmx: bool = False
) -> tuple[list[float], list[float], int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    headers = {"HX-Request": "true"} if htmx else {}
    for _ in range(5):  # warm caches: templates, URL resolver, database pages
        assert client.get(url, headers=headers).status_code == 200
    with CaptureQueriesContext(connection) as ctx:
        client.get(url, headers=headers)
    # Read now: every request clears the connection's query log (the request_started signal).
    queries = len(ctx)
    times, cpu = [], []
    for _ in range(requests):
        start, start_cpu = time.perf_counter(), time.process_time()
        response = client.get(url, headers=headers)
        times.append((time.perf_counter() - start) * 1000)
        # This process's CPU only (not the database server's): steady when the machine is busy.
        cpu.append((time.process_time() - start_cpu) * 1000)
        assert response.status_code == 200
    return times, cpu, queries


def run(database: str, members: int, requests: int) -> bool:
    with tempfile.TemporaryDirectory(prefix="bench-list-") as tmp:
        _configure(database, Path(tmp))
        try:
            return _run(database, members, requests)
        finally:
            if database == "postgres":
                _drop_pg()


def _run(database: str, members: int, requests: int) -> bool:
    from django.db import connection
    from django.test import Client

    started = time.perf_counter()
    world = build(members)
    built = time.perf_counter() - started
    base = f"/branches/{world['branch'].slug}/members/"
    secretary, rep = Client(), Client()
    secretary.force_login(world["secretary"])
    rep.force_login(world["rep"])
    scenarios = [
        ("first page", secretary, base, False),
        ("search", secretary, f"{base}?q={world['search']}", False),
        ("search (htmx fragment)", secretary, f"{base}?q={world['search']}", True),
        (
            "filter workplace+status",
            secretary,
            f"{base}?workplace={world['workplace'].pk}&status=active",
            False,
        ),
        (
            "filter consent+mobile",
            secretary,
            f"{base}?consent=sms&has_mobile=yes&do_not_contact=no",
            False,
        ),
        ("page 30", secretary, f"{base}?page=30", False),
        ("rep first page", rep, base, False),
    ]
    print(
        f"\n{database} ({_version(connection)}): {members} members built in {built:.1f} s, "
        f"{requests} requests per scenario"
    )
    print(f"  {'scenario':<26} {'median ms':>10} {'p95 ms':>8} {'cpu ms':>7} {'queries':>8}")
    ok = True
    for name, client, url, htmx in scenarios:
        times, cpu, queries = measure(client, url, requests, htmx)
        median = statistics.median(times)
        p95 = statistics.quantiles(times, n=20)[18]
        ok = ok and p95 < TARGET_MS
        print(
            f"  {name:<26} {median:>10.1f} {p95:>8.1f} {statistics.median(cpu):>7.1f} {queries:>8}"
        )
    return ok


def _version(connection: Any) -> str:
    if connection.vendor == "sqlite":
        return "SQLite " + ".".join(map(str, connection.Database.sqlite_version_info))
    major, minor = divmod(connection.pg_version, 10000)
    return f"PostgreSQL {major}.{minor}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=3000)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--database", choices=["both", "sqlite", "postgres"], default="both")
    args = parser.parse_args()
    if args.database == "both":
        # Django configures one database per process: run each in its own.
        print(
            f"Member list benchmark: Python {platform.python_version()}, {platform.machine()}, "
            f"{os.cpu_count()} cores, {platform.platform(terse=True)}"
        )
        databases = ["sqlite"] + (["postgres"] if _pg_reachable() else [])
        if "postgres" not in databases:
            print(f"PostgreSQL not reachable at {PG_ADMIN_URL}: SQLite only.")
        failed = False
        for database in databases:
            result = subprocess.run(  # noqa: S603 - runs this same script with fixed arguments
                [
                    sys.executable,
                    __file__,
                    "--database",
                    database,
                    "--members",
                    str(args.members),
                    "--requests",
                    str(args.requests),
                ],
                check=False,
            )
            failed = failed or result.returncode != 0
        print(
            f"\nTarget: p95 under {TARGET_MS:.0f} ms on every scenario: {'missed' if failed else 'met'}."
        )
        sys.exit(1 if failed else 0)
    sys.exit(0 if run(args.database, args.members, args.requests) else 1)


if __name__ == "__main__":
    main()
