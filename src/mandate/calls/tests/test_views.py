"""The caller's screen and the organiser's pages: what each role sees, and bad input."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from mandate.calls.models import CallAssignment, CallLog, CallTarget, TargetState
from mandate.calls.tests import factories as f
from mandate.conftest import PASSWORD
from mandate.turnout.models import ContactStatus, Source

pytestmark = pytest.mark.django_db


def login(client, user) -> None:
    assert client.login(username=user.username, password=PASSWORD)


def work_url(bank) -> str:
    return reverse("calls:work", args=[bank.assignment.pk])


def test_anonymous_is_sent_to_login(client, bank) -> None:
    for url in (reverse("calls:index"), work_url(bank), reverse("calls:detail", args=[1])):
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]


def test_caller_sees_one_contact_with_tel_link_and_script(client, bank) -> None:
    login(client, bank.caller)
    index = client.get(reverse("calls:index"))
    assert "Evening calls" in index.content.decode() and "Start calling" in index.content.decode()
    page = client.get(work_url(bank)).content.decode()
    target = CallTarget.objects.get(state=TargetState.HELD)
    m = target.member
    assert f"{m.first_name} {m.last_name}" in page
    assert f'href="tel:{m.mobile}"' in page
    assert (
        f"Hi {m.first_name}, I&#x27;m calling from the union about University of Liverpool" in page
    )
    for secret in (m.personal_email, m.address_line1, m.membership_number):
        assert secret not in page
    others = [x for x in bank.members if x.pk != m.pk]
    assert not any(o.mobile in page for o in others)
    # Opening the page again gives the same contact back.
    assert client.get(work_url(bank)).content.decode().count("tel:") == 1
    assert CallTarget.objects.filter(state=TargetState.HELD).count() == 1


def test_caller_records_outcomes_and_gets_the_next(client, bank) -> None:
    login(client, bank.caller)
    client.get(work_url(bank))
    first = CallTarget.objects.get(state=TargetState.HELD)
    url = reverse("calls:outcome", args=[bank.assignment.pk, first.pk])
    response = client.post(url, {"outcome": "says_voted", "note": "posted it"})
    assert response.status_code == 302 and response["Location"] == work_url(bank)
    status = ContactStatus.objects.get(member=first.member)
    assert status.status == "says_voted" and status.source == Source.CALLER
    client.get(work_url(bank))
    second = CallTarget.objects.get(state=TargetState.HELD)
    assert second.pk != first.pk
    # Replaying the first form: that contact is no longer theirs.
    assert client.post(url, {"outcome": "no_answer"}).status_code == 404
    assert CallLog.objects.count() == 1


def test_bad_outcome_input_keeps_the_contact_and_says_why(client, bank) -> None:
    login(client, bank.caller)
    client.get(work_url(bank))
    t = CallTarget.objects.get(state=TargetState.HELD)
    url = reverse("calls:outcome", args=[bank.assignment.pk, t.pk])
    r = client.post(url, {"outcome": "call_back"})
    assert r.status_code == 400 and "Say when to call back" in r.content.decode()
    r = client.post(url, {"outcome": "call_back", "call_back_at": "2001-01-01T10:00"})
    assert r.status_code == 400 and "must be in the future" in r.content.decode()
    r = client.post(url, {"outcome": "call_back", "call_back_at": "tomorrow"})
    assert r.status_code == 400 and "Enter a valid date" in r.content.decode()
    r = client.post(url, {"outcome": "hung-up"})
    assert r.status_code == 400 and "Select a valid choice" in r.content.decode()
    assert not CallLog.objects.exists()
    later = (timezone.localtime() + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    r = client.post(url, {"outcome": "call_back", "call_back_at": later})
    assert r.status_code == 302
    t.refresh_from_db()
    assert t.call_back_at is not None and t.state == TargetState.AVAILABLE


def test_get_never_records_an_outcome(client, bank) -> None:
    login(client, bank.caller)
    client.get(work_url(bank))
    t = CallTarget.objects.get(state=TargetState.HELD)
    url = reverse("calls:outcome", args=[bank.assignment.pk, t.pk])
    assert client.get(url).status_code == 405


def test_caller_cannot_reach_others_targets_register_or_stats(client, bank) -> None:
    login(client, bank.caller2)
    client.get(work_url(bank))
    theirs = CallTarget.objects.get(state=TargetState.HELD)
    client.logout()
    login(client, bank.caller)
    for name in ("calls:outcome", "calls:skip"):
        url = reverse(name, args=[bank.assignment.pk, theirs.pk])
        assert client.post(url, {"outcome": "says_voted"}).status_code == 404
    assert client.get(reverse("calls:detail", args=[bank.assignment.pk])).status_code == 404
    slug = bank.world.liverpool.slug
    assert client.get(reverse("members:list", args=[slug])).status_code == 404
    other = f.assignment(bank.ballot, bank.world.liverpool, [], name="Not yours")
    assert client.get(reverse("calls:work", args=[other.pk])).status_code == 404
    assert client.get(reverse("calls:work", args=[999999])).status_code == 404


def test_outsider_and_member_get_404(client, bank) -> None:
    for user in (bank.world.outsider, bank.world.member_user):
        login(client, user)
        assert client.get(reverse("calls:detail", args=[bank.assignment.pk])).status_code == 404
        assert client.get(work_url(bank)).status_code == 404
        client.logout()


def test_skip_gives_the_contact_back(client, bank) -> None:
    login(client, bank.caller)
    client.get(work_url(bank))
    t = CallTarget.objects.get(state=TargetState.HELD)
    r = client.post(reverse("calls:skip", args=[bank.assignment.pk, t.pk]))
    assert r.status_code == 302
    client.get(work_url(bank))
    assert CallTarget.objects.get(state=TargetState.HELD).pk != t.pk


def test_empty_queue_says_why(client, bank) -> None:
    CallTarget.objects.update(state=TargetState.DONE)
    login(client, bank.caller)
    page = client.get(work_url(bank)).content.decode()
    assert "Nobody to call right now" in page and "Everyone has been called" in page


def test_organiser_statistics_page(client, bank, django_assert_max_num_queries) -> None:
    login(client, bank.world.secretary)
    with django_assert_max_num_queries(20):
        r = client.get(reverse("calls:detail", args=[bank.assignment.pk]))
    page = r.content.decode()
    assert r.status_code == 200 and 'data-stat="targets">6<' in page
    assert "caller1" in page
    # A rep sees the register but does not run phone banks.
    client.logout()
    login(client, bank.world.rep)
    assert client.get(reverse("calls:detail", args=[bank.assignment.pk])).status_code == 404


def test_organiser_creates_an_assignment(client, bank) -> None:
    login(client, bank.world.secretary)
    assert client.get(reverse("calls:new")).status_code == 200
    ends = (timezone.localtime() + dt.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    data = {
        "name": "Weekend calls",
        "ballot": bank.ballot.pk,
        "branch": bank.world.liverpool.pk,
        "constituency": bank.ballot.constituencies.get().pk,
        "goal_statuses": ["says_voted", "dont_contact"],
        "priority_order": "threshold",
        "cooldown_hours": 12,
        "max_held": 1,
        "script": "Hello {first_name}",
        "ends_at": ends,
        "callers": [bank.caller.pk],
    }
    r = client.post(reverse("calls:new"), data)
    created = CallAssignment.objects.get(name="Weekend calls")
    assert r.status_code == 302 and r["Location"] == reverse("calls:detail", args=[created.pk])
    assert created.targets.count() == 6 and created.cooldown_hours == 12
    assert list(created.callers.values_list("user_id", flat=True)) == [bank.caller.pk]


@pytest.mark.parametrize(
    ("change", "field_error"),
    [
        ({"name": ""}, "This field is required"),
        ({"cooldown_hours": "-1"}, "greater than or equal to 0"),
        ({"max_held": "99"}, "less than or equal to 10"),
        ({"ends_at": "2001-01-01T10:00"}, "the end must be in the future"),
        ({"ends_at": "next week"}, "Enter a valid date/time"),
        ({"ballot": "999999"}, "Select a valid choice"),
        ({"goal_statuses": ["bogus"]}, "Select a valid choice"),
    ],
)
def test_create_form_refuses_bad_input(client, bank, change, field_error) -> None:
    login(client, bank.world.secretary)
    ends = (timezone.localtime() + dt.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    data = {
        "name": "Bad",
        "ballot": bank.ballot.pk,
        "branch": bank.world.liverpool.pk,
        "priority_order": "threshold",
        "cooldown_hours": 12,
        "max_held": 1,
        "ends_at": ends,
    } | change
    before = CallAssignment.objects.count()
    r = client.post(reverse("calls:new"), data)
    assert r.status_code == 400 and field_error in r.content.decode()
    assert CallAssignment.objects.count() == before


def test_outsider_cannot_create_for_another_branch(client, bank) -> None:
    login(client, bank.world.outsider)
    ends = (timezone.localtime() + dt.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    r = client.post(
        reverse("calls:new"),
        {
            "name": "X",
            "ballot": bank.ballot.pk,
            "branch": bank.world.liverpool.pk,
            "priority_order": "order",
            "cooldown_hours": 1,
            "max_held": 1,
            "ends_at": ends,
        },
    )
    assert r.status_code == 400 and CallAssignment.objects.count() == 1


def test_pause_end_and_callers(client, bank) -> None:
    login(client, bank.world.secretary)
    pk = bank.assignment.pk
    assert client.post(reverse("calls:state", args=[pk]), {"state": "paused"}).status_code == 302
    bank.assignment.refresh_from_db()
    assert bank.assignment.state == "paused"
    r = client.post(reverse("calls:state", args=[pk]), {"state": "nonsense"})
    assert r.status_code == 400
    r = client.post(reverse("calls:callers", args=[pk]), {"callers": [bank.caller.pk]})
    assert r.status_code == 302
    assert list(bank.assignment.callers.values_list("user_id", flat=True)) == [bank.caller.pk]
    r = client.post(reverse("calls:callers", args=[pk]), {"callers": ["abc"]})
    assert r.status_code == 400
    assert client.post(reverse("calls:state", args=[pk]), {"state": "ended"}).status_code == 302
    r = client.post(reverse("calls:state", args=[pk]), {"state": "active"})
    assert r.status_code == 409 and "ended, so it cannot become active" in r.content.decode()
    assert client.post(reverse("calls:refresh", args=[pk])).status_code == 409


def test_a_contact_called_before_shows_its_earlier_calls(client, bank) -> None:
    login(client, bank.caller)
    client.get(work_url(bank))
    first = CallTarget.objects.get(state=TargetState.HELD)
    url = reverse("calls:outcome", args=[bank.assignment.pk, first.pk])
    assert client.post(url, {"outcome": "no_answer", "note": "rang out"}).status_code == 302
    page = client.get(work_url(bank)).content.decode()
    assert "Earlier calls" not in page  # a fresh contact: nobody has called them
    # The first contact comes round again: cooled down and first in the queue.
    CallTarget.objects.filter(state=TargetState.HELD).update(
        state=TargetState.AVAILABLE, held_by=None, held_until=None
    )
    CallTarget.objects.filter(pk=first.pk).update(not_before=None, priority=-1)
    page = client.get(work_url(bank)).content.decode()
    assert first.member.first_name in page
    assert "Earlier calls" in page and "No answer" in page and "rang out" in page


def test_outsider_and_removed_caller_get_404_on_the_screen(client, bank) -> None:
    login(client, bank.world.outsider)
    assert client.get(work_url(bank)).status_code == 404
    client.logout()
    login(client, bank.caller2)
    assert client.get(work_url(bank)).status_code == 200
    bank.assignment.callers.filter(user=bank.caller2).delete()
    assert client.get(work_url(bank)).status_code == 404


def test_caller_loses_the_screen_when_their_role_goes(client, bank) -> None:
    from mandate.core import actions as core_actions
    from mandate.core.models import Role

    login(client, bank.caller)
    assert client.get(work_url(bank)).status_code == 200
    for role in Role.objects.filter(user=bank.caller):
        core_actions.role_revoke(role=role, actor=bank.world.secretary)
    assert client.get(work_url(bank)).status_code == 404


@pytest.mark.postgres
def test_screen_and_outcome_query_budget(client, bank, django_assert_max_num_queries) -> None:
    """Session, user, assignment, then the hand-out: no role, device or history reads for a
    caller who has opened a page before and a contact nobody has called. (The budgets count
    the savepoint and its release that a test's transaction turns each atomic block into.)"""
    login(client, bank.caller)
    client.get(reverse("calls:index"))
    with django_assert_max_num_queries(7 + 2):
        page = client.get(work_url(bank))
    assert page.status_code == 200
    target = CallTarget.objects.get(state=TargetState.HELD)
    url = reverse("calls:outcome", args=[bank.assignment.pk, target.pk])
    with django_assert_max_num_queries(6 + 2):
        assert client.post(url, {"outcome": "no_answer"}).status_code == 302
