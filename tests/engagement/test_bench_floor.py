"""`manage.py bench_api` measures the API against a floor (devtools/urls.py): plain
views that must return the same rows, or the ratio means nothing."""

from __future__ import annotations

import json

import pytest
from django.test import RequestFactory

from devtools import urls as bench_urls
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(users, team_a, team_b):
    usm = factories.institution("Universiti Sains Malaysia", needs=["EQP.DICING"], thrusts=["T6"])
    um = factories.institution("Universiti Malaya", capabilities=["TAL.UNIVERSITY"])
    for i in range(6):
        factories.engagement(
            team_a, actor=users["bd_a"], organizations=[usm, um][: 1 + i % 2], thrusts=["T6"]
        )
        factories.engagement(team_b, actor=users["bd_b"], organizations=[usm])
    return users


@pytest.mark.parametrize(
    ("resource", "view", "related"),
    [
        ("engagements", bench_urls.engagements, ["organizations", "thrusts"]),
        ("organizations", bench_urls.organizations, ["capabilities", "needs", "thrusts"]),
    ],
)
def test_the_floor_returns_the_rows_the_api_returns(api, data, resource, view, related):
    key = factories.token(data["bd_a"])
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    listed = api.get(f"/api/v1/{resource}/", {"page_size": 4}).json()
    request = RequestFactory().get(
        f"/bench-floor/{resource}/", {"page_size": 4}, HTTP_AUTHORIZATION=f"Token {key}"
    )

    floor = json.loads(view(request).content)

    assert [r["id"] for r in floor["results"]] == [r["id"] for r in listed["results"]]
    for name in related:
        assert [sorted(r[name]) for r in floor["results"]] == [
            sorted(r[name]) for r in listed["results"]
        ]
    assert (floor["next"] is None) == (listed["next"] is None)


def test_the_floor_needs_a_token(db):
    response = bench_urls.engagements(RequestFactory().get("/bench-floor/engagements/"))

    assert response.status_code == 401


def _floor(method: str, pk: int, key: str, body: dict | None = None):
    factory = RequestFactory()
    headers = {"HTTP_AUTHORIZATION": f"Token {key}"}
    if method == "PATCH":
        request = factory.patch(
            f"/bench-floor/engagements/{pk}/",
            json.dumps(body),
            content_type="application/json",
            **headers,
        )
    else:
        request = factory.get(f"/bench-floor/engagements/{pk}/", **headers)
    return bench_urls.engagement(request, pk=pk)


def test_the_floor_reads_one_engagement_as_the_api_does(api, data):
    key = factories.token(data["bd_a"])
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    first = api.get("/api/v1/engagements/", {"page_size": 1}).json()["results"][0]
    detail = api.get(f"/api/v1/engagements/{first['id']}/").json()

    floor = json.loads(_floor("GET", first["id"], key).content)

    assert floor["id"] == detail["id"]
    assert (floor["summary"], floor["version"]) == (detail["summary"], detail["version"])
    for name in ("organizations", "thrusts", "contacts", "participants", "initiatives"):
        assert sorted(floor[name]) == sorted(detail[name])


def test_the_floor_patch_changes_the_summary_and_the_version_of_the_callers_own_only(api, data):
    key = factories.token(data["bd_a"])
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    mine = api.get("/api/v1/engagements/", {"page_size": 1}).json()["results"][0]
    api.credentials(HTTP_AUTHORIZATION=f"Token {factories.token(data['bd_b'])}")
    theirs = api.get("/api/v1/engagements/", {"page_size": 1}).json()["results"][0]

    changed = json.loads(_floor("PATCH", mine["id"], key, {"summary": "Edited"}).content)
    refused = _floor("PATCH", theirs["id"], key, {"summary": "Edited"})
    malformed = _floor("PATCH", mine["id"], key, {"summary": 3})

    assert (changed["summary"], changed["version"]) == ("Edited", mine["version"] + 1)
    assert refused.status_code == 404
    assert malformed.status_code == 400
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get(f"/api/v1/engagements/{mine['id']}/").json()["summary"] == "Edited"
