"""The API's limits, as an integrator meets them: the per-token rate (429 with Retry-After,
counted in the shared cache), the largest request body (413) and the largest page."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from engagement.api.pagination import CursorPagination
from engagement.api.throttling import PrincipalRateThrottle, TableCounts, counts_store
from engagement.models import ApiToken, Organization
from tests import factories

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 26, 1, 0, tzinfo=dt.UTC)
ORGS = "/api/v1/organizations/"


def _key(token: str) -> str:
    """Where the throttle keeps a token's recent requests in the shared cache."""
    pk = ApiToken.objects.get(prefix=token[: ApiToken._meta.get_field("prefix").max_length]).pk
    return PrincipalRateThrottle.cache_format % {"scope": "principal", "ident": f"token:{pk}"}


def _counted(token: str) -> dict[int, int]:
    """The token's counts per second, as every web process reads them."""
    return counts_store().window(_key(token), horizon=0)


@pytest.fixture
def three_a_minute(monkeypatch):
    # DRF reads the rates once, into the class: set the rate where the throttle looks.
    monkeypatch.setattr(PrincipalRateThrottle, "rate", "3/min", raising=False)


@pytest.fixture
def token(users):
    key = factories.token(users["integrator_a"], name="erp")
    cache.delete(_key(key))
    yield key
    cache.delete(_key(key))


def test_the_fourth_request_in_a_minute_answers_429_with_retry_after(api, token, three_a_minute):
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    with time_machine.travel(NOW, tick=False):
        allowed = [api.get(ORGS).status_code for _ in range(3)]
        refused = api.get(ORGS)

    assert allowed == [200, 200, 200]
    assert refused.status_code == 429
    assert refused["Retry-After"] == "60"
    assert refused.json() == {
        "type": "throttled",
        "detail": "Request was throttled. Expected available in 60 seconds.",
        "errors": {},
    }


def test_the_count_is_kept_per_token_in_the_shared_cache(api, users, token, three_a_minute):
    other = factories.token(users["integrator_a"], name="second")
    cache.delete(_key(other))
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    with time_machine.travel(NOW, tick=False):
        for _ in range(3):
            api.get(ORGS)
        refused = api.get(ORGS).status_code
        api.credentials(HTTP_AUTHORIZATION=f"Token {other}")
        second_token = api.get(ORGS).status_code
        # Every web process reads and writes the same counts: N processes allow one rate. They
        # are a count per second, not a timestamp per request.
        counted = (_counted(token), _counted(other))

    second = int(NOW.timestamp())
    assert counted == ({second: 3}, {second: 1})
    assert (refused, second_token) == (429, 200)
    cache.delete(_key(other))


def test_the_rate_allows_requests_again_once_the_window_has_passed(api, token, three_a_minute):
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    with time_machine.travel(NOW, tick=False):
        for _ in range(3):
            api.get(ORGS)
        assert api.get(ORGS).status_code == 429
    with time_machine.travel(NOW + dt.timedelta(seconds=45), tick=False):
        waiting = api.get(ORGS)
    with time_machine.travel(NOW + dt.timedelta(seconds=61), tick=False):
        later = api.get(ORGS)

    assert (waiting.status_code, waiting["Retry-After"]) == (429, "15")
    assert later.status_code == 200


def test_a_request_counts_until_the_end_of_its_second_never_less(api, token, three_a_minute):
    # Counted per second, a request made at 0.3 s leaves the window at 61 s, not at 60.3 s:
    # the rate may be kept up to a second longer, never shorter.
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    with time_machine.travel(NOW + dt.timedelta(seconds=0.3), tick=False):
        for _ in range(3):
            api.get(ORGS)
    with time_machine.travel(NOW + dt.timedelta(seconds=60.5), tick=False):
        still = api.get(ORGS)
    with time_machine.travel(NOW + dt.timedelta(seconds=61), tick=False):
        free = api.get(ORGS)

    assert (still.status_code, still["Retry-After"]) == (429, "1")
    assert free.status_code == 200


def test_however_many_requests_a_window_holds_its_entry_has_one_count_per_second(api, token):
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    with time_machine.travel(NOW, tick=False):
        for _ in range(40):
            api.get("/api/v1/")
    with time_machine.travel(NOW + dt.timedelta(seconds=2), tick=False):
        for _ in range(10):
            api.get("/api/v1/")
        entry = _counted(token)

    second = int(NOW.timestamp())
    assert entry == {second: 40, second + 2: 10}


def test_without_redis_a_request_costs_one_select_and_one_upsert(settings):
    # The database cache read, rewrote and counted its table: six statements a request.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache"}}
    store = counts_store()
    key = "throttle_principal_token:1"
    store.add(key, 1000, {}, 60)

    with CaptureQueriesContext(connection) as queries:
        window = store.window(key, horizon=1000.5 - 60)
        store.add(key, 1000, window, 60)

    assert isinstance(store, TableCounts)
    assert [q["sql"].split()[0] for q in queries.captured_queries] == ["SELECT", "INSERT"]
    assert store.window(key, horizon=0) == {1000: 2}


# --- Request bodies -------------------------------------------------------------------------

USM = {"kind": "asean_institution", "org_type": "university", "name": "USM", "country": "MY"}


@pytest.fixture
def client(api, users):
    api.credentials(HTTP_AUTHORIZATION=f"Token {factories.token(users['bd_a'])}")
    return api


@pytest.mark.parametrize("encoding", ["json", "multipart"])
def test_a_body_over_the_limit_answers_413_naming_the_limit(client, settings, encoding):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2000

    if encoding == "json":
        response = client.post(ORGS, {**USM, "description": "x" * 3000}, format=encoding)
    else:  # only uploads read multipart
        response = client.post(
            "/api/v1/organizations/import/", {"note": "x" * 3000}, format=encoding
        )

    assert response.status_code == 413
    assert response.json() == {
        "type": "request_too_large",
        "detail": (
            "The request body is larger than the 2000 bytes this API accepts "
            "(DATA_UPLOAD_MAX_MEMORY_SIZE; files uploaded as multipart are limited separately)."
        ),
        "errors": {},
    }
    assert not Organization.objects.filter(name="USM").exists()


def test_a_body_over_the_limit_with_an_idempotency_key_answers_413_too(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2000

    response = client.post(
        ORGS, {**USM, "description": "x" * 3000}, format="json", HTTP_IDEMPOTENCY_KEY="big-1"
    )

    assert response.status_code == 413
    assert response.json()["type"] == "request_too_large"


def test_a_body_under_the_limit_is_accepted(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2000

    response = client.post(ORGS, {**USM, "description": "x" * 1500}, format="json")

    assert response.status_code == 201


def test_too_many_form_fields_answer_400_in_the_error_shape(client, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 5

    response = client.post(
        "/api/v1/organizations/import/",
        {"dry_run": "true", **{f"extra{i}": "x" for i in range(10)}},
        format="multipart",
    )

    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"
    assert "DATA_UPLOAD_MAX_NUMBER_FIELDS" in response.json()["detail"]


# --- Pages ------------------------------------------------------------------------------------


def test_a_page_size_above_the_maximum_is_capped_on_team_records(client, users, monkeypatch):
    monkeypatch.setattr(CursorPagination, "max_page_size", 3)
    usm = factories.institution("Universiti Sains Malaysia")
    for _ in range(5):
        factories.engagement(users["bd_a"].team, actor=users["bd_a"], organizations=[usm])

    first = client.get("/api/v1/engagements/", {"page_size": 100}).json()
    second = client.get(first["next"]).json()

    assert (len(first["results"]), len(second["results"])) == (3, 2)


# --- Values beyond what the database holds ----------------------------------------------------


def test_a_time_with_an_offset_postgresql_refuses_is_compared_in_utc(client):
    # Python accepts offsets up to ±24 h, PostgreSQL only up to ±15:59.
    response = client.get("/api/v1/engagements/", {"updated_since": "2026-01-01T00:00:00+18:30"})

    assert response.status_code == 200


def test_an_id_filter_beyond_64_bits_answers_400_naming_it(client):
    response = client.get("/api/v1/engagements/", {"organization": str(2**63)})

    assert response.status_code == 400
    assert response.json()["errors"] == {
        "organization": ["Ensure this value is less than or equal to 9223372036854775807."]
    }


def test_an_id_in_a_body_beyond_64_bits_answers_400_naming_it(client):
    response = client.post("/api/v1/notifications/mark-read/", {"ids": [2**63]}, format="json")

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["ids.0"]
