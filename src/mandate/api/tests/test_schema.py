"""Schemathesis drives every route from the OpenAPI schema: no input may cause a 500, and every
answer must match the schema (status code, content type and body).

Half the examples keep the generated path parameters (mostly unknown ids: 404s); the other half
point them at real objects, so the routes' bodies and query strings are exercised too.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from mandate.api.actions import token_create
from mandate.api.tests.conftest import ALL_SCOPES
from mandate.api.tests.scene import build_scene, path_values
from mandate.conftest import World
from mandate.wsgi import application

EXAMPLES_PER_ROUTE = 10
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def _run(schema: Any, headers: dict[str, str], real: dict[str, object]) -> set[str]:
    answered: set[str] = set()
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy(), use_real=st.booleans())
        @settings(
            max_examples=EXAMPLES_PER_ROUTE,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        def check(case: Any, use_real: bool) -> None:
            if use_real and case.path_parameters:
                case.path_parameters = {k: real.get(k, v) for k, v in case.path_parameters.items()}
            response = case.call(headers=headers)
            if response.status_code < 300:
                answered.add(case.operation.label)
            case.validate_response(response, checks=CHECKS)

        check()
    return answered


@pytest.fixture
def _keep_the_test_connection() -> Iterator[None]:
    # The WSGI calls fire request_started/finished, whose handler would close the test's
    # connection (it sits in the test's transaction); Django's test client unhooks it the same way.
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@override_settings(MANDATE_API_RATE_PER_MINUTE=1_000_000)
@pytest.mark.django_db
@pytest.mark.usefixtures("_keep_the_test_connection")
def test_no_route_answers_500_or_breaks_its_schema(world: World) -> None:
    real = path_values(world, build_scene(world))
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application)
    answered: set[str] = set()
    for user in (world.secretary, world.member_user):
        raw = token_create(user=user, name="schemathesis", scopes=ALL_SCOPES).raw
        answered |= _run(schema, {"Authorization": f"Bearer {raw}"}, real)
    # Most routes answered at least once with success, not only with errors.
    assert len(answered) >= 16, sorted(answered)
