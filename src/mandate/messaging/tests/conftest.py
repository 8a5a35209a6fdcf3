"""Fixtures for messaging: the file backend in a temporary outbox, and a branch with contacts."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import override_settings

from mandate.conftest import World
from mandate.members.actions import member_create, segment_save
from mandate.members.models import Member, Segment
from mandate.messaging.backends import reset_backends
from mandate.messaging.recipients import domain_cache


@pytest.fixture(autouse=True)
def _texting_all_day() -> Iterator[None]:
    """Texting hours open all day, so no test depends on the hour it runs at; the tests of
    texting hours set their own."""
    with override_settings(MANDATE_TEXTING_HOURS=("00:00", "24:00")):
        yield


@pytest.fixture
def outbox(tmp_path: Path) -> Iterator[Path]:
    """Both channels write to a JSON-lines file."""
    path = tmp_path / "outbox.jsonl"
    with override_settings(
        MANDATE_EMAIL_CHANNEL="file",
        MANDATE_SMS_BACKEND="file",
        MANDATE_MESSAGING_FILE=path,
    ):
        reset_backends()
        domain_cache.clear()
        yield path
    reset_backends()
    domain_cache.clear()


def read_outbox(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def add_member(world: World, number: str, **fields: Any) -> Member:
    defaults: dict[str, Any] = {
        "first_name": f"First{number}",
        "last_name": f"Last{number}",
        "employments": [{"employer": world.liverpool_employer, "job_category": "Lecturer"}],
    }
    defaults.update(fields)
    return member_create(branch=world.liverpool, membership_number=number, **defaults)


@pytest.fixture
def everyone(world: World) -> Segment:
    """A saved segment of the whole Liverpool branch."""
    return segment_save(branch=world.liverpool, name="Everyone", filters={}, actor=world.secretary)
