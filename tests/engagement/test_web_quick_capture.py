"""Quick capture: the dialog every page opens to log an engagement. Its typeahead finds an
organization by any spelling and lists only the reader's team's contacts there; the dialog posts
to the engagement page, which answers in JSON, validated as the full page validates."""

import datetime as dt

import pytest
import time_machine
from django.test import Client

from engagement.models import Engagement, FollowUp
from tests import factories

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 26, 1, 0, tzinfo=dt.UTC)  # 10:00 in Tokyo, the users' time zone
JSON = {"HTTP_ACCEPT": "application/json"}


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def park(team_a, team_b):
    park = factories.institution(
        "Đà Nẵng Hi-Tech Park",
        country="VN",
        org_type="industrial_park",
        name_ja="ダナン・ハイテクパーク",
    )
    factories.institution("Hanoi University of Science and Technology", country="VN")
    factories.contact(park, "Nguyễn Thị Hằng", team=team_a)
    factories.contact(park, "Trần Văn Hằng", team=team_b)
    return park


def _names(client, q: str) -> list[str]:
    response = client.get("/engagements/quick/organizations/", {"q": q})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    return [r["name"] for r in response.json()["results"]]


@pytest.mark.parametrize("q", ["ダナン", "ﾀﾞﾅﾝ", "da nang", "DA NẴNG", "hi-tech park"])
def test_the_typeahead_finds_an_organization_by_any_spelling(client_a, park, q):
    assert _names(client_a, q) == ["Đà Nẵng Hi-Tech Park"]


def test_the_typeahead_lists_only_the_reader_s_team_s_contacts(client_a, park, users):
    [found] = client_a.get("/engagements/quick/organizations/", {"q": "ダナン"}).json()["results"]

    assert found["id"] == park.pk
    assert [c["name"] for c in found["contacts"]] == ["Nguyễn Thị Hằng"]


def test_the_typeahead_answers_at_most_ten_and_nothing_for_no_words(client_a, team_a):
    for i in range(12):
        factories.institution(f"Penang Skills Centre {i:02}")

    assert len(_names(client_a, "penang")) == 10
    assert _names(client_a, "  ") == []


def test_the_typeahead_refuses_anonymous_readers_and_only_reads(client_a, park):
    anonymous = Client().get("/engagements/quick/organizations/", {"q": "ダナン"})

    assert anonymous.status_code == 302
    assert "/accounts/login/" in anonymous["Location"]
    assert client_a.post("/engagements/quick/organizations/", {"q": "ダナン"}).status_code == 405


def _post(client, **changes):
    data = {
        "next": "/partnerships/",
        "occurred_at": "2026-11-26T09:30",
        "kind": "meeting",
        "summary": "Walked the cleanroom site",
        "next_step": "Send the floor plan",
        "next_step_due": "2026-12-03",
    }
    data.update(changes)
    return client.post(
        "/engagements/new/", {k: v for k, v in data.items() if v is not None}, **JSON
    )


def test_the_dialog_s_post_logs_one_engagement_and_one_follow_up(client_a, park, users):
    contact = park.contacts.get(name="Nguyễn Thị Hằng")

    response = _post(client_a, organizations=str(park.pk), contacts=str(contact.pk))

    assert response.status_code == 201
    body = response.json()
    eng = Engagement.objects.get()
    assert body["id"] == eng.pk
    assert body["message"] == "Engagement logged."
    assert body["url"] == f"/organizations/{park.pk}/"
    assert body["link"] == "Open Đà Nẵng Hi-Tech Park"
    assert [o.pk for o in eng.organizations.all()] == [park.pk]
    assert [c.pk for c in eng.contacts.all()] == [contact.pk]
    assert eng.created_by == users["bd_a"]
    followup = FollowUp.objects.get()
    assert (followup.note, followup.due_on) == ("Send the floor plan", dt.date(2026, 12, 3))


def test_an_invalid_post_creates_nothing_and_names_the_field(client_a, park):
    response = _post(client_a, organizations=str(park.pk), summary="  ")

    assert response.status_code == 400
    body = response.json()
    assert body["errors"] == {"summary": ["This field is required."]}
    assert body["labels"] == {"summary": "Summary"}
    assert Engagement.objects.count() == 0
    assert FollowUp.objects.count() == 0


def test_another_team_s_contact_cannot_be_posted_through_the_dialog(client_a, park):
    theirs = park.contacts.get(name="Trần Văn Hằng")

    response = _post(client_a, organizations=str(park.pk), contacts=str(theirs.pk))

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["contacts"]
    assert Engagement.objects.count() == 0


def test_a_date_without_a_next_step_is_named_in_japanese(client_a, park, users):
    users["bd_a"].language = "ja"
    users["bd_a"].save(update_fields=["language"])

    response = _post(client_a, organizations=str(park.pk), next_step="")

    assert response.status_code == 400
    body = response.json()
    assert body["message"] == "活動記録は保存されていません。印の付いた項目をご確認ください。"
    assert list(body["errors"]) == ["next_step"]
    assert Engagement.objects.count() == 0


def test_the_dialog_shows_to_team_members_only(client_a, users):
    page = client_a.get("/").content.decode()
    assert 'id="quick-capture"' in page
    assert "data-quick-capture" in page
    for name in ("pm", "integrator_a"):
        client = Client()
        client.force_login(users[name])
        other = client.get("/").content.decode()
        assert 'id="quick-capture"' not in other, name
        assert "log-engagement-global" not in other, name
