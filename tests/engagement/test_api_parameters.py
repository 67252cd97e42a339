"""Query parameters are read exactly as the schema states them: a value that does not read is a
400 naming the parameter (never silently the default), and an id that names no record selects
nothing."""

import pytest

from engagement.services.notifications import notify
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def usm(db):
    return factories.institution("Universiti Sains Malaysia", country="MY", needs=["EQP.DICING"])


@pytest.fixture
def client_a(api, users):
    api.credentials(HTTP_AUTHORIZATION=f"Token {factories.token(users['bd_a'])}")
    return api


@pytest.mark.parametrize(
    ("url", "parameter", "message"),
    [
        (
            "/api/v1/organizations/?updated_since=",
            "updated_since",
            "A value is required when the parameter is sent.",
        ),
        (
            "/api/v1/partnerships/?company=",
            "company",
            "A value is required when the parameter is sent.",
        ),
        (
            "/api/v1/follow-ups/?status=",
            "status",
            "A value is required when the parameter is sent.",
        ),
        (
            "/api/v1/organizations/?page_size=null",
            "page_size",
            "A whole number from 1 (at most 500 are sent).",
        ),
        (
            "/api/v1/organizations/?page_size=",
            "page_size",
            "A whole number from 1 (at most 500 are sent).",
        ),
        (
            "/api/v1/capabilities/?page_size=0",
            "page_size",
            "A whole number from 1 (at most 500 are sent).",
        ),
        (
            "/api/v1/organizations/?page_size=1&page_size=2",
            "page_size",
            "A whole number from 1 (at most 500 are sent).",
        ),
        (
            "/api/v1/engagements/?format=csv&page_size=null",
            "page_size",
            "A whole number from 1 (at most 500 are sent).",
        ),
        ("/api/v1/follow-ups/?organization=1&organization=2", "organization", None),
        ("/api/v1/notifications/?unread=maybe", "unread", "Must be true or false."),
        ("/api/v1/notifications/?unread=", "unread", "Must be true or false."),
        ("/api/v1/organizations/?accepting_partners=null", "accepting_partners", None),
        ("/api/v1/follow-ups/?due_before=12/01/2026", "due_before", "Enter a valid date."),
    ],
)
def test_a_parameter_that_does_not_read_is_a_400_naming_it(client_a, url, parameter, message):
    response = client_a.get(url)

    assert response.status_code == 400
    body = response.json()
    assert body["type"] == "validation_error"
    assert body["detail"] == f"Invalid input in: {parameter}."
    assert list(body["errors"]) == [parameter]
    if message is not None:
        assert body["errors"][parameter] == [message]


def test_booleans_read_as_true_or_false(client_a, users):
    notify(user=users["bd_a"], kind="digest", key="digest-1", subject="Today", body="")

    unread = client_a.get("/api/v1/notifications/?unread=true")
    read = client_a.get("/api/v1/notifications/?unread=false")

    assert unread.status_code == read.status_code == 200
    assert [n["subject"] for n in unread.json()["results"]] == ["Today"]
    assert read.json()["results"] == []


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/contacts/?organization=987654321",
        "/api/v1/suggested-edits/?organization=987654321",
        "/api/v1/follow-ups/?organization=987654321",
        "/api/v1/partnerships/?company=987654321",
        "/api/v1/partnerships/?owner=987654321",
    ],
)
def test_an_id_that_names_no_record_selects_nothing(client_a, usm, users, url):
    factories.contact(usm, team=users["bd_a"].team, name="Dr. Tan")

    response = client_a.get(url)

    assert response.status_code == 200
    assert response.json()["results"] == []


def test_an_empty_text_filter_is_no_filter(client_a, usm):
    response = client_a.get("/api/v1/organizations/?search=")

    assert response.status_code == 200
    assert [o["name"] for o in response.json()["results"]] == [
        "DISCO",
        "Tokyo Electron",
        "Universiti Sains Malaysia",
    ]


def test_a_page_size_above_the_maximum_sends_the_maximum(client_a, usm, settings, monkeypatch):
    from engagement.api.pagination import CursorPagination

    monkeypatch.setattr(CursorPagination, "max_page_size", 2)

    response = client_a.get("/api/v1/organizations/?page_size=100000")

    assert response.status_code == 200
    assert [o["name"] for o in response.json()["results"]] == ["DISCO", "Tokyo Electron"]


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (
            "/api/v1/organizations/?ordering=nmae",
            "Cannot sort by 'nmae'. Sort by one of: id, created_at, updated_at, name "
            "(a leading - sorts descending).",
        ),
        (
            "/api/v1/organizations/?ordering=name,-colour",
            "Cannot sort by '-colour'. Sort by one of: id, created_at, updated_at, name "
            "(a leading - sorts descending).",
        ),
        (
            "/api/v1/follows/?ordering=",
            "Cannot sort by ''. Sort by one of: id, created_at (a leading - sorts descending).",
        ),
        ("/api/v1/organizations/?ordering=name&ordering=id", "Give this parameter once."),
    ],
)
def test_an_ordering_by_no_sortable_field_is_a_400_naming_the_fields(client_a, url, message):
    response = client_a.get(url)

    assert response.status_code == 400
    assert response.json()["errors"] == {"ordering": [message]}


def test_ordering_by_sortable_fields_sorts(client_a, usm):
    names = client_a.get("/api/v1/organizations/?ordering=-name")
    both = client_a.get("/api/v1/organizations/?ordering=name,-id")

    assert [o["name"] for o in names.json()["results"]] == [
        "Universiti Sains Malaysia",
        "Tokyo Electron",
        "DISCO",
    ]
    assert [o["name"] for o in both.json()["results"]] == [
        "DISCO",
        "Tokyo Electron",
        "Universiti Sains Malaysia",
    ]


def test_the_schema_states_each_lists_sortable_fields(client_a):
    schema = client_a.get("/api/schema/", {"format": "json"}).json()

    (ordering,) = [
        p
        for p in schema["paths"]["/api/v1/follows/"]["get"]["parameters"]
        if p["name"] == "ordering"
    ]
    assert ordering["schema"] == {
        "type": "string",
        "pattern": "^-?(?:id|created_at)(?:,-?(?:id|created_at))*$",
    }
