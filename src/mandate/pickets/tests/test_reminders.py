"""Reminders go through messaging: consent, opt-outs and the never-a-work-address rule apply."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from mandate.conftest import World
from mandate.messaging.models import Message, MessageState
from mandate.pickets import actions
from mandate.pickets.models import Signup, SignupSource
from mandate.pickets.tests.factories import picket_line


def test_members_on_a_coming_shift_are_reminded_once_with_their_own_link(world: World) -> None:
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    line = picket_line(world, days=[tomorrow])
    shift = line.shift()
    actions.signup_member(shift=shift, member=world.member, source=SignupSource.LOGIN)
    # Cat has neither a mobile nor a personal email: messaging skips her, it never picks a
    # work address.
    actions.signup_member(shift=shift, member=world.covered, source=SignupSource.LOGIN)
    now = shift.starts_at() - dt.timedelta(hours=12)
    done = actions.reminders_queue(within=dt.timedelta(hours=18), now=now)
    assert done.shifts == 1
    queued = Message.objects.filter(state=MessageState.QUEUED)
    assert [m.member_id for m in queued] == [world.member.pk]
    text = queued.get().body
    assert "Health and Life Sciences" in text
    assert "/p/m/" in text and "your-picket-link" not in text
    assert not Message.objects.filter(address__icontains="liverpool.ac.uk").exists()
    assert Signup.objects.filter(reminded_at__isnull=False).count() == 2
    again = actions.reminders_queue(within=dt.timedelta(hours=18), now=now)
    assert again.shifts == 0
    assert Message.objects.filter(member=world.member).count() == 1


def test_shifts_further_away_are_not_reminded_yet(world: World) -> None:
    day = timezone.localdate() + dt.timedelta(days=3)
    line = picket_line(world, days=[day])
    actions.signup_member(shift=line.shift(), member=world.member, source=SignupSource.LOGIN)
    now = line.shift().starts_at() - dt.timedelta(days=2)
    assert actions.reminders_queue(within=dt.timedelta(hours=18), now=now).shifts == 0
    assert not Message.objects.exists()


def test_the_command_reports_what_it_queued(world: World) -> None:
    out = StringIO()
    call_command("picket-reminders", "--hours", "6", stdout=out)
    assert "0 shifts" in out.getvalue()
    with pytest.raises(CommandError, match="--hours"):
        call_command("picket-reminders", "--hours", "0")
