"""Property-based tests of the whole API against its own OpenAPI document (schemathesis).

Every operation in /api/schema/ is called with generated requests (valid and invalid), on two
teams' worth of records (tests/engagement/api_world.py), as each kind of caller: a BD member of
team A, a program manager, team A's integrator with a read-only token, and anonymously. Every
check schemathesis has runs on every answer (no server error; status code, content type,
headers and body as the schema documents them; schema-valid requests accepted and invalid ones
refused; authentication not ignored), except where a check cannot apply by design: those
exceptions are listed in EXCLUDED, each with its operations and its reason. Path ids in valid
requests are mostly those of real records, so the examples reach the code behind the 404.

The WSGI application is called in-process: requests share the test's database transaction,
and each operation starts from the same records (the world is rolled back per test).
Each generated request is sent as every role in turn (generating it costs more than sending
it). `max_examples` is kept small so that the run stays within a few minutes on SQLite. At
the end of the module each role's operations, cases and failing cases are printed.
"""

from __future__ import annotations

import json
import os
from collections import defaultdict

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import positive_data_acceptance

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
    {
        "phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}},
        "checks": {
            # A request the schema allows may still be refused by what no schema can state:
            # a business rule (422: an MoU expiring before it takes effect, an id in a body
            # that names no record of yours) or the record's current version (412: a
            # well-formed If-Match of another version). Those answers are the API's design,
            # documented on every operation that gives them; anything else still fails.
            "positive_data_acceptance": {
                "expected-statuses": [
                    *["2xx", "3xx", "401", "403", "404", "409", "412", "422", "429", "5xx"]
                ]
            }
        },
    }
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


# Callers that write nothing come first, so that each role meets the world as the example left
# it, not as a writer changed it.
ROLES = ["anonymous", "integrator", "pm", "bd"]


@pytest.fixture
def tokens(db, world, settings, monkeypatch):
    """Each role's Authorization header (none when anonymous)."""
    settings.MEDIA_ROOT = world.media_root
    # Thousands of requests a minute from one token: this run is not about throttling.
    monkeypatch.setattr(PrincipalRateThrottle, "rate", "1000000/min", raising=False)
    # Requests go straight to the WSGI app, in the test's transaction: keep Django from closing
    # the connection at the end of each request (as its own test client does).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    people = {"bd": "bd_a", "pm": "pm", "integrator": "integrator_a"}
    try:
        yield {
            role: (
                {}
                if role == "anonymous"
                else {
                    "Authorization": "Token "
                    + factories.token(
                        world.people[people[role]],
                        name="schemathesis",
                        read_only=role == "integrator",
                    )
                }
            )
            for role in ROLES
        }
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


# Checks that cannot apply to an operation by design: {(method, path): {check: reason}}.
_EMPTY_UPLOAD = (
    "OpenAPI cannot say that a `format: binary` file must not be empty, and an empty file "
    "part is dropped by Django's multipart parser, so the schema-valid request carries no "
    "file: the 400 'No file was submitted.' is the right answer."
)
EXCLUDED = {
    ("POST", f"/api/v1/{kind}/import/"): {positive_data_acceptance: _EMPTY_UPLOAD}
    for kind in (
        "organizations",
        "contacts",
        "engagements",
        "implementation-statuses",
        "policy-updates",
    )
}

STATS: dict[str, dict] = defaultdict(lambda: {"operations": set(), "cases": 0, "failures": 0})


@pytest.fixture(scope="module")
def report(request):
    """Each role's operations, cases and failing cases, printed when the module is done."""
    yield
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    terminal = request.config.pluginmanager.get_plugin("terminalreporter")
    if terminal is None:
        return
    with capture.global_and_fixture_disabled():
        for role in (r for r in ROLES if r in STATS):
            stats = STATS[role]
            terminal.write_line(
                f"\nschemathesis as {role}: {len(stats['operations'])} operations, "
                f"{stats['cases']} cases, {stats['failures']} failing cases"
            )


def _aim_at_real_records(case, world) -> None:
    """In a valid request, mostly a real record's id or code in the path (an invalid one keeps
    what was generated: it is the point of the case)."""
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


# One value, so that each operation's test has an id of its own ("...[GET /api/v1/][every role]"):
# without a pytest parametrization schemathesis names every operation's test alike, and
# pytest-xdist runs one test per id (tests/conftest.py refuses such ids).
@pytest.mark.parametrize("roles", [ROLES], ids=["every role"])
@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_answers_as_its_schema_says(case, world, tokens, roles, report):
    # Each generated request is sent as every role: generating it (hypothesis drawing bodies
    # from the schema) costs more than sending it, and derandomized runs drew the same
    # requests for each role anyway.
    if case.meta is None or case.meta.generation.mode.is_positive:
        _aim_at_real_records(case, world)
    excluded = list(EXCLUDED.get((case.method, case.path), {}))
    failed: dict[str, Exception] = {}
    for role in roles:
        stats = STATS[role]
        stats["operations"].add(f"{case.method} {case.path}")
        stats["cases"] += 1
        try:
            case.call_and_validate(headers=tokens[role], excluded_checks=excluded)
        except Exception as exc:
            stats["failures"] += 1
            failed[role] = exc
    if failed:
        role, first = next(iter(failed.items()))
        raise AssertionError(f"as {', '.join(failed)}: the first, as {role}, below") from first
