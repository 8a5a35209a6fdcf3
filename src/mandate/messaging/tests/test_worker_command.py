"""``mandate worker`` in-process: it runs the database queue's tasks, and refuses to start when
there is no database queue to work on."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from django_tasks_db.models import DBTaskResult

from mandate.conftest import World
from mandate.members.models import Member
from mandate.messaging.actions import send_queue
from mandate.messaging.models import Message

from .conftest import add_member, read_outbox

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


# The worker closes stale connections between tasks, as a long-running process must; inside a
# test's transaction that would close the test's own connection.
@pytest.mark.django_db(transaction=True)
def test_worker_batch_drains_the_queue(
    world: World, outbox: Path, django_capture_on_commit_callbacks: Any
) -> None:
    for n in range(7):
        add_member(world, f"L3{n:03d}", mobile=f"+4477009003{n:02d}")
    with override_settings(TASKS=DB_TASKS):
        with django_capture_on_commit_callbacks(execute=True):
            send = send_queue(
                actor=world.secretary,
                branch=world.liverpool,
                channel="sms",
                template="Vote",
                members=Member.objects.filter(branch=world.liverpool),
                audience="Everyone",
            )
        assert DBTaskResult.objects.filter(status="READY").count() == 1
        assert read_outbox(outbox) == []  # nothing is sent until a worker runs
        call_command("worker", "--batch", "--interval", "0", verbosity=0)
    assert DBTaskResult.objects.filter(status="SUCCESSFUL").count() == 1
    assert len(read_outbox(outbox)) == 8
    assert set(Message.objects.filter(send=send, state="queued").values_list("pk")) == set()


def test_worker_refuses_without_the_database_backend(db: None) -> None:
    with pytest.raises(CommandError, match="not the database backend"):
        call_command("worker", "--batch")
