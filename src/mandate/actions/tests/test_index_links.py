from __future__ import annotations

from django.test import Client

from mandate.conftest import PASSWORD, World


def test_planner_link_only_for_regional_and_national_officers(world: World) -> None:
    for username, shown in [("national", True), ("regional", True), ("secretary", False)]:
        client = Client()
        assert client.login(username=username, password=PASSWORD)
        body = client.get("/actions/").content.decode()
        assert ("Plan a rolling wave" in body) is shown, username
