"""Exactly once with real workers on PostgreSQL: two ``mandate worker`` processes drain a
send through the file backend; one is killed (SIGKILL) in the middle of a batch and started
again. Every message must end up sent, and appear in the outbox exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from django.db import connection
from django.test import override_settings

from mandate.core import actions as core_actions
from mandate.core.models import Union
from mandate.members.models import Member
from mandate.messaging.actions import send_queue
from mandate.messaging.models import Message, MessageState
from mandate.messaging.tasks import CHUNK

from .conftest import read_outbox

MEMBERS = 6_000
MANDATE = Path(sys.executable).with_name("mandate")


def _database_url() -> str:
    s = connection.settings_dict
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    return f"postgres://{s['USER']}{password}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _worker(outbox: Path, name: str) -> subprocess.Popen[bytes]:
    env = {
        k: v for k, v in os.environ.items() if k not in {"MANDATE_TESTING", "MANDATE_TEST_DB_NAME"}
    }
    env.update(
        DATABASE_URL=_database_url(),
        SECRET_KEY="worker-test-key",
        MANDATE_TASKS_BACKEND="django_tasks_db.DatabaseBackend",
        MANDATE_SMS_BACKEND="file",
        MANDATE_MESSAGING_FILE=str(outbox),
        MANDATE_TEXTING_HOURS="00:00,24:00",
        MANDATE_MESSAGING_LEASE_SECONDS="3",
        LOG_LEVEL="WARNING",
    )
    return subprocess.Popen(  # noqa: S603 - our own command, fixed arguments
        [str(MANDATE), "worker", "--interval", "0.1", "--reap-every", "1", "--worker-id", name],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _lines(path: Path) -> int:
    try:
        with path.open("rb") as f:
            return sum(1 for _ in f)
    except FileNotFoundError:
        return 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_killed_worker_neither_loses_nor_duplicates(tmp_path: Path) -> None:
    outbox = tmp_path / "outbox.jsonl"
    union = Union.objects.create(name="Union", slug="u")
    region = core_actions.region_create(union=union, name="North West")
    branch = core_actions.branch_create(region=region, name="Liverpool", employers=[])
    Member.objects.bulk_create(
        Member(
            branch=branch,
            membership_number=f"M{n:06d}",
            first_name=f"F{n}",
            last_name="L",
            mobile=f"+4477{n:08d}",
        )
        for n in range(MEMBERS)
    )
    with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}):
        send = send_queue(
            actor=None,
            branch=branch,
            channel="sms",
            template="Vote, {first_name}",
            members=Member.objects.filter(branch=branch),
            audience="all",
        )
    assert send.queued_count == MEMBERS

    first, second = _worker(outbox, "w1"), _worker(outbox, "w2")
    restarted = None
    try:
        deadline = time.monotonic() + 60
        # Kill mid-chunk (lines not on a chunk boundary), so the dead worker holds messages
        # it has claimed but not finished: the case the reaper exists for.
        while time.monotonic() < deadline:
            lines = _lines(outbox)
            if lines >= MEMBERS // 4 and lines % CHUNK:
                break
            time.sleep(0.002)
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        held = Message.objects.filter(state=MessageState.SENDING).count()
        handed_over = _lines(outbox)
        recorded = Message.objects.filter(state=MessageState.SENT).count()
        assert 0 < handed_over < MEMBERS, "the kill should land in the middle of the send"
        restarted = _worker(outbox, "w1-again")
        while time.monotonic() < deadline:
            if Message.objects.filter(send=send, state=MessageState.SENT).count() == MEMBERS:
                break
            time.sleep(0.2)
    finally:
        for proc in (first, second, restarted):
            if proc is not None and proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in (first, second, restarted):
            if proc is not None:
                try:
                    proc.wait(15)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(5)

    states = Counter(Message.objects.filter(send=send).values_list("state", flat=True))
    assert states == {MessageState.SENT: MEMBERS}, (
        states,
        second.stderr.read() if second.stderr else "",
    )
    ids = Counter(line["id"] for line in read_outbox(outbox))
    assert len(ids) == MEMBERS
    assert max(ids.values()) == 1
    expected = {str(u) for u in Message.objects.filter(send=send).values_list("uuid", flat=True)}
    assert set(ids) == expected
    # The interesting case happened: the dead worker held messages it had not finished.
    print(f"killed holding {held}; handed over {handed_over}, recorded {recorded}")
    assert held > 0 or handed_over > recorded


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_clicks_on_send_at_once_queue_one_send() -> None:
    import threading
    import uuid

    from django.db import connections

    union = Union.objects.create(name="Union", slug="u")
    region = core_actions.region_create(union=union, name="North West")
    branch = core_actions.branch_create(region=region, name="Liverpool", employers=[])
    Member.objects.bulk_create(
        Member(
            branch=branch,
            membership_number=f"M{n}",
            first_name="F",
            last_name="L",
            mobile=f"+4477{n:08d}",
        )
        for n in range(300)
    )
    key = uuid.uuid4()
    barrier = threading.Barrier(2)
    results: list[int] = []

    def click() -> None:
        try:
            barrier.wait()
            send = send_queue(
                actor=None,
                branch=branch,
                channel="sms",
                template="Vote",
                members=Member.objects.filter(branch=branch),
                audience="all",
                request_key=key,
            )
            results.append(send.pk)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=click) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(results) == 2 and results[0] == results[1]
    assert Message.objects.count() == 300
