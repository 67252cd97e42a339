"""Property-based tests of the whole API against its own OpenAPI document (schemathesis).

Every operation in /api/schema/ is called with generated requests (valid and invalid), as a BD
member of team A with a token, on two teams' worth of records (tests/engagement/api_world.py).
Two checks: no answer is a server error (5xx), and every answer matches what the schema says
for its status code (so the schema tells integrators the truth). Path ids are mostly those of
real records, so the examples reach the code behind the 404.

The WSGI application is called in-process: requests share the test's database transaction,
and each operation starts from the same records (the world is rolled back per test).
`max_examples` is kept small so that the whole run stays well under three minutes on SQLite.
"""

from __future__ import annotations

import json
import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import response_schema_conformance

from config.wsgi import application
from engagement.api.throttling import PrincipalRateThrottle
from tests import factories
from tests.engagement.api_world import shared_world

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "12"))


def _openapi_document() -> dict:
    """The document /api/schema/ serves (test_the_schema_is_the_one_served checks that),
    generated without a request: collection runs before there is a test database."""
    raw = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(raw))


# Examples from the schema, then generated requests; the coverage phase (hundreds of boundary
# cases per operation whatever max_examples says) would take the run far past three minutes.
CONFIG = SchemathesisConfig.from_dict(
    {"phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}}}
)
schema = schemathesis.openapi.from_dict(_openapi_document(), config=CONFIG)
schema.app = application
schema.location = "/api/schema/"


def test_the_schema_is_the_one_served(db, api):
    response = api.get("/api/schema/", {"format": "json"})

    assert response.status_code == 200
    assert response.json() == _openapi_document()


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    with shared_world(django_db_blocker, tmp_path_factory.mktemp("media")) as built:
        yield built


@pytest.fixture
def token(db, world, settings, monkeypatch):
    settings.MEDIA_ROOT = world.media_root
    # Thousands of requests a minute from one token: this run is not about throttling.
    monkeypatch.setattr(PrincipalRateThrottle, "rate", "1000000/min", raising=False)
    # Requests go straight to the WSGI app, in the test's transaction: keep Django from closing
    # the connection at the end of each request (as its own test client does).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield factories.token(world.people["bd_a"], name="schemathesis")
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _real_ids(world) -> dict[str, list[int]]:
    """Ids of team A's records by the collection that serves them (and one of team B's, which
    must answer 404), for path parameters."""
    a, b = world.a, world.b
    return {
        "engagements": [a.engagement, b.engagement],
        "partnerships": [a.partnership, b.partnership],
        "mous": [a.mou, a.signed_mou, b.mou],
        "pilots": [a.pilot, a.running_pilot, b.pilot],
        "follow-ups": [a.followup, b.followup],
        "notifications": [a.notification, b.notification],
        "organizations": [world.usm],
    }


# Reference data is addressed by code: mostly a real one, so that the examples reach past the
# 404 (both teams' deals are linked to T6-01 and work in Malaysia: their timelines have events).
REAL_CODES = {"initiatives": ("code", ["T6-01", "T1-01"]), "member-states": ("iso2", ["MY", "VN"])}


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_answers_as_its_schema_says(case, world, token):
    collection = case.path.removeprefix("/api/v1/").split("/", 1)[0]
    ids = _real_ids(world).get(collection)
    if ids and case.path_parameters and "id" in case.path_parameters:
        generated = case.path_parameters["id"]
        if isinstance(generated, int) and generated % 4 != 3:
            case.path_parameters["id"] = ids[generated % len(ids)]
    name, codes = REAL_CODES.get(collection, ("", []))
    generated = (case.path_parameters or {}).get(name)
    if isinstance(generated, str) and len(generated) % 4 != 3:
        case.path_parameters[name] = codes[len(generated) % len(codes)]

    case.call_and_validate(
        headers={"Authorization": f"Token {token}"},
        checks=[not_a_server_error, response_schema_conformance],
    )
