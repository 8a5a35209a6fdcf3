from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from mandate.core.demo import DEMO_LOGINS, DEMO_PASSWORD
from mandate.core.models import Branch
from mandate.members.models import ContractType, Employment, Member


@pytest.mark.django_db
def test_demo_builds_a_realistic_union_and_prints_logins() -> None:
    out = StringIO()
    call_command("demo", stdout=out)
    text = out.getvalue()
    assert Branch.objects.count() == 10
    assert Member.objects.count() > 5000
    for contract in ContractType.values:
        assert Employment.objects.filter(contract_type=contract).exists()
    # Every member's phone is in Ofcom's drama range, every personal email at example.org.
    assert not Member.objects.exclude(mobile="").exclude(mobile__startswith="+447700900").exists()
    assert (
        not Member.objects.exclude(personal_email="")
        .exclude(personal_email__endswith="@example.org")
        .exists()
    )
    for username, _ in DEMO_LOGINS:
        assert username in text
        assert Client().login(username=username, password=DEMO_PASSWORD)
    assert DEMO_PASSWORD in text

    again = StringIO()
    call_command("demo", stdout=again)
    assert "already loaded" in again.getvalue()
    assert Branch.objects.count() == 10


@pytest.mark.django_db
def test_demo_logins_see_their_scope() -> None:
    call_command("demo", stdout=StringIO())
    client = Client()
    client.login(username="ucl-secretary", password=DEMO_PASSWORD)
    assert client.get("/branches/university-of-liverpool/members/").status_code == 404
    client.login(username="secretary", password=DEMO_PASSWORD)
    assert client.get("/branches/university-of-liverpool/members/").status_code == 200
