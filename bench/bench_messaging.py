"""Benchmark: queue a text to 120,000 members, drain it with two workers, kill one midway.

    .venv/bin/python bench/bench_messaging.py [--members 120000] [--database postgres|sqlite]
        [--repeats 2]

Sets up a throwaway database (a `bench_mandate_messaging` PostgreSQL database that is created
and dropped, or a temporary SQLite file) with one branch of MEMBERS members (90% with a
mobile, 3% without SMS consent, 1% do-not-contact, each with a job; vacuumed and analysed as
an established register would be), then:

* times ``send_queue`` end to end: the rules for every member, one rendered message each,
  bulk inserts, the audit event, and the worker tasks (one per 500 messages); REPEATS extra
  sends are queued and cleared first, and the median is reported (the machine is shared);
* starts two ``mandate worker`` processes with the file backend, SIGKILLs the first when a
  third of the messages are out, starts it again, and times the drain until every message is
  sent;
* checks the outbox: every queued message exactly once, none lost, none twice.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
PG_DB = "bench_mandate_messaging"
MANDATE = Path(sys.executable).with_name("mandate")


def _configure(database: str, workdir: Path) -> None:
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(32))
    os.environ["MANDATE_TASKS_BACKEND"] = "django_tasks_db.DatabaseBackend"
    os.environ["LOG_LEVEL"] = "WARNING"
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


def _drop_pg() -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {PG_DB}")


def _setup(members: int) -> Any:
    import random

    from mandate.core import actions as core_actions
    from mandate.core.models import Union
    from mandate.members.models import Employment, Member

    rng = random.Random(2026)
    union = Union.objects.create(name="University and College Union", slug="ucu")
    region = core_actions.region_create(union=union, name="North West")
    employer = core_actions.employer_create(
        name="University of Liverpool", jurisdiction="england", workplaces=["Main campus"]
    )
    branch = core_actions.branch_create(
        region=region, name="University of Liverpool", employers=[employer]
    )
    batch = 5_000
    for start in range(0, members, batch):
        rows = []
        for n in range(start, min(start + batch, members)):
            rows.append(
                Member(
                    branch=branch,
                    membership_number=f"M{n:07d}",
                    first_name=rng.choice(["Mo", "Cat", "Una", "Sam", "Rita", "Olu", "Pat"]),
                    last_name=f"Member{n}",
                    personal_email=f"member{n}@example.org",
                    work_email=f"m{n}@liverpool.ac.uk",
                    mobile=f"+447{700000000 + n:09d}" if rng.random() < 0.9 else "",
                    consent_sms=rng.random() >= 0.03,
                    do_not_contact=rng.random() < 0.01,
                )
            )
        created = Member.objects.bulk_create(rows)
        Employment.objects.bulk_create(
            Employment(member=m, employer=employer, job_category="Lecturer") for m in created
        )
    from django.db import connection

    if connection.vendor == "postgresql":
        # A register is not inserted seconds before a send: let PostgreSQL set its hint bits
        # and statistics as autovacuum would have, rather than timing that in the send.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE members_member, members_employment")
    return branch


def _worker(outbox: Path, name: str) -> subprocess.Popen[bytes]:
    env = dict(os.environ)
    env.update(
        MANDATE_SMS_BACKEND="file",
        MANDATE_MESSAGING_FILE=str(outbox),
        MANDATE_TEXTING_HOURS="00:00,24:00",
        MANDATE_MESSAGING_LEASE_SECONDS="10",
    )
    return subprocess.Popen(  # noqa: S603 - our own command, fixed arguments
        [str(MANDATE), "worker", "--interval", "0.2", "--reap-every", "2", "--worker-id", name],
        env=env,
        stdout=subprocess.DEVNULL,
    )


def _lines(path: Path) -> int:
    try:
        with path.open("rb") as f:
            return sum(1 for _ in f)
    except FileNotFoundError:
        return 0


def run(members: int, database: str, repeats: int) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix="bench-messaging-"))
    outbox = workdir / "outbox.jsonl"
    _configure(database, workdir)
    from django.db import connection
    from django.test import override_settings

    from mandate.members.models import Member
    from mandate.messaging.actions import send_queue
    from mandate.messaging.models import Message, MessageState

    try:
        t = time.perf_counter()
        branch = _setup(members)
        setup_s = time.perf_counter() - t
        template = "Hi {first_name}, have you voted in the ballot? Post your paper today. {branch}"
        queue_times = []
        with override_settings(MANDATE_TEXTING_HOURS=("00:00", "24:00")):
            for run in range(repeats + 1):
                t = time.perf_counter()
                send = send_queue(
                    actor=None,
                    branch=branch,
                    channel="sms",
                    template=template,
                    members=Member.objects.filter(branch=branch),
                    audience="Everyone who has not said they voted",
                )
                queue_times.append(time.perf_counter() - t)
                if run < repeats:
                    # Only the last send is drained: clear the earlier ones and their tasks.
                    with connection.cursor() as cursor:
                        cursor.execute(
                            "DELETE FROM messaging_message WHERE send_id = %s", [send.pk]
                        )
                        cursor.execute("DELETE FROM django_tasks_database_dbtaskresult")
        queue_s = sorted(queue_times)[len(queue_times) // 2]
        queued = send.queued_count
        t = time.perf_counter()
        first, second = _worker(outbox, "bench-1"), _worker(outbox, "bench-2")
        procs = [first, second]
        try:
            while _lines(outbox) < queued // 3:
                time.sleep(0.01)
            first.send_signal(signal.SIGKILL)
            first.wait()
            killed_at = _lines(outbox)
            held = Message.objects.filter(send=send, state=MessageState.SENDING).count()
            procs.append(_worker(outbox, "bench-1-again"))
            deadline = time.monotonic() + 900
            while time.monotonic() < deadline:
                if Message.objects.filter(send=send, state=MessageState.SENT).count() == queued:
                    break
                time.sleep(0.25)
            drain_s = time.perf_counter() - t
        finally:
            for proc in procs:
                if proc.poll() is None:
                    proc.send_signal(signal.SIGTERM)
            for proc in procs:
                proc.wait(30)
        states = Counter(Message.objects.filter(send=send).values_list("state", flat=True))
        ids = Counter()
        with outbox.open(encoding="utf-8") as f:
            for line in f:
                ids[json.loads(line)["id"]] += 1
        expected = {
            str(u)
            for u in Message.objects.filter(send=send, state="sent").values_list("uuid", flat=True)
        }
        exactly_once = (
            states.get(MessageState.SENT, 0) == queued
            and set(ids) == expected
            and max(ids.values(), default=0) == 1
        )
        return {
            "database": database,
            "members": members,
            "queued": queued,
            "skipped": members - queued,
            "setup_s": setup_s,
            "queue_s": queue_s,
            "queue_times": queue_times,
            "drain_s": drain_s,
            "rate": queued / drain_s,
            "killed_at": killed_at,
            "held_by_killed": held,
            "outbox_lines": sum(ids.values()),
            "duplicates": sum(n - 1 for n in ids.values() if n > 1),
            "lost": queued - len(set(ids) & expected),
            "exactly_once": exactly_once,
        }
    finally:
        if database == "postgres":
            _drop_pg()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=120_000)
    parser.add_argument("--database", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument(
        "--repeats", type=int, default=2, help="extra sends queued (and cleared) to time queueing"
    )
    args = parser.parse_args()
    r = run(args.members, args.database, args.repeats)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"load average at the end (1, 5, 15 min): {load}")
    print(
        f"machine: {os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}"
    )
    print(f"database: {r['database']}; members {r['members']:,} (setup {r['setup_s']:.1f} s)")
    runs = ", ".join(f"{t:.2f}" for t in r["queue_times"])
    print(
        f"queue: {r['queued']:,} messages queued, {r['skipped']:,} skipped, in "
        f"{r['queue_s']:.2f} s (median of {len(r['queue_times'])} sends: {runs} s)"
    )
    print(
        f"drain: 2 workers, one SIGKILLed after {r['killed_at']:,} lines with "
        f"{r['held_by_killed']} messages in flight, and restarted; all sent in {r['drain_s']:.1f} s "
        f"({r['rate']:,.0f} messages/s)"
    )
    print(
        f"exactly once: {'yes' if r['exactly_once'] else 'NO'} "
        f"(outbox lines {r['outbox_lines']:,}, duplicates {r['duplicates']}, lost {r['lost']})"
    )
    if not r["exactly_once"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
