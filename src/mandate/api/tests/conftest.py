from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from mandate.api.actions import token_create
from mandate.api.scopes import Scope
from mandate.conftest import World
from mandate.core.models import User

ALL_SCOPES = [s.value for s in Scope]


class Api:
    """A test client that sends a bearer token."""

    def __init__(self, raw: str) -> None:
        self.raw = raw
        self.client = Client()

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.raw}"}

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(path, params, headers=self._headers())

    def post(self, path: str, data: Any = None, **kwargs: Any) -> Any:
        if kwargs.get("content_type") is None and not isinstance(data, dict | type(None)):
            kwargs["content_type"] = "application/json"
        if kwargs.pop("json", False):
            kwargs["content_type"] = "application/json"
        return self.client.post(path, data, headers=self._headers(), **kwargs)


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    cache.clear()


@pytest.fixture
def api_for(world: World) -> Callable[..., Api]:
    def make(user: User, scopes: list[str] | None = None) -> Api:
        made = token_create(user=user, name="test", scopes=scopes or ALL_SCOPES)
        return Api(made.raw)

    return make
