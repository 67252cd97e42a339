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
