"""One meaning per status code, in one error shape on every route: 400 a request that does
not match the schema, 422 one that does but a business rule refuses, 409 a conflict with the
record's current state, 404 not found (including addresses no route takes)."""

import pytest
from django.test import Client

from engagement.models import FollowUp, MoU, Partnership
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def usm(db):
    return factories.institution("Universiti Sains Malaysia", country="MY", needs=["EQP.DICING"])


@pytest.fixture
def client_a(api, users):
    api.credentials(HTTP_AUTHORIZATION=f"Token {factories.token(users['bd_a'])}")
    return api


@pytest.fixture
def deal(client_a, usm):
    response = client_a.post(
        "/api/v1/partnerships/",
        {
            "title": "Dicing training line",
            "counterparts": [usm.pk],
            "partnership_type": "training_programme",
        },
        format="json",
    )
    assert response.status_code == 201
    return response.json()


def test_an_mou_expiring_before_it_takes_effect_is_refused_with_422(client_a, deal):
    response = client_a.post(
        "/api/v1/mous/",
        {
            "partnership": deal["id"],
            "title": "MoU",
            "effective_on": "2026-12-01",
            "expires_on": "2026-11-01",
        },
        format="json",
    )

    assert response.status_code == 422
    assert response.json() == {
        "type": "rule_refused",
        "detail": "Invalid input in: Expires on.",
        "errors": {
            "expires_on": ["Expiry (2026-11-01) must be after the effective date (2026-12-01)."]
        },
    }
    assert MoU.objects.count() == 0


def test_an_mou_with_a_date_that_is_no_date_is_refused_with_400(client_a, deal):
    response = client_a.post(
        "/api/v1/mous/",
        {"partnership": deal["id"], "title": "MoU", "effective_on": "first of December"},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"
    assert list(response.json()["errors"]) == ["effective_on"]
    assert MoU.objects.count() == 0


def test_a_stage_move_the_pipeline_does_not_allow_is_refused_with_422(client_a, deal):
    response = client_a.post(
        f"/api/v1/partnerships/{deal['id']}/transition/", {"to": "identified"}, format="json"
    )

    assert response.status_code == 422
    assert response.json() == {
        "type": "rule_refused",
        "detail": "Cannot move from Identified to Identified: It is already in that stage.",
        "errors": {"to": ["It is already in that stage."]},
    }
    assert Partnership.objects.get().stage == "identified"


def test_a_stage_that_does_not_exist_is_refused_with_400(client_a, deal):
    response = client_a.post(
        f"/api/v1/partnerships/{deal['id']}/transition/", {"to": "won"}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"
    assert list(response.json()["errors"]) == ["to"]
    assert Partnership.objects.get().stage == "identified"


def test_a_new_follow_up_created_as_done_is_refused_with_422(client_a, usm):
    response = client_a.post(
        "/api/v1/follow-ups/",
        {
            "due_on": "2026-12-01",
            "note": "Call back",
            "status": "done",
            "subject": {"type": "organization", "id": usm.pk},
        },
        format="json",
    )

    assert response.status_code == 422
    assert response.json() == {
        "type": "rule_refused",
        "detail": "Invalid input in: Status.",
        "errors": {"status": ["A new follow-up is open."]},
    }
    assert FollowUp.objects.count() == 0


def test_an_mou_signed_twice_is_a_conflict_with_its_current_state(client_a, deal):
    mou = client_a.post(
        "/api/v1/mous/", {"partnership": deal["id"], "title": "MoU"}, format="json"
    ).json()
    sign = {"signed_on": "2026-11-20", "effective_on": "2026-12-01", "expires_on": "2029-11-30"}
    first = client_a.post(f"/api/v1/mous/{mou['id']}/sign/", sign, format="json")

    second = client_a.post(f"/api/v1/mous/{mou['id']}/sign/", sign, format="json")

    assert first.status_code == 200
    assert second.status_code == 409
    assert second.json()["type"] == "conflict"


def test_a_document_upload_without_the_file_is_refused_with_400(client_a, deal):
    mou = client_a.post(
        "/api/v1/mous/", {"partnership": deal["id"], "title": "MoU"}, format="json"
    ).json()

    response = client_a.post(f"/api/v1/mous/{mou['id']}/document/", {}, format="multipart")

    assert response.status_code == 400
    assert response.json() == {
        "type": "validation_error",
        "detail": "Invalid input in: document.",
        "errors": {"document": ["Attach the file as multipart field 'document'."]},
    }
    assert MoU.objects.get().document_name == ""


@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/capabilities/%C2%84/",
        "/api/v1/contacts/0.5/history/",
        "/api/v1/organizations/x/timeline/",
        "/api/v1/no-such-resource/",
        "/api/v2/",
    ],
)
def test_an_address_no_route_takes_answers_the_json_404(client_a, settings, url, debug):
    settings.DEBUG = debug

    response = client_a.get(url)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "type": "not_found",
        "detail": "Not found: no resource has this address.",
        "errors": {},
    }


def test_another_teams_record_is_not_found_in_the_same_shape(client_a, api, users, usm):
    theirs = factories.partnership(users["bd_b"].team, actor=users["bd_b"], counterparts=[usm])

    response = client_a.get(f"/api/v1/partnerships/{theirs.pk}/")

    assert response.status_code == 404
    assert response.json() == {"type": "not_found", "detail": "Not found.", "errors": {}}


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_a_write_to_an_address_no_route_takes_is_the_json_404_not_a_csrf_page(users, method):
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["bd_a"])

    response = getattr(client, method)("/api/v1/contacts/0.5/")

    assert response.status_code == 404
    assert response.json()["type"] == "not_found"


def test_an_if_match_that_is_no_etag_is_a_400_and_a_stale_one_a_412(client_a, deal):
    url = f"/api/v1/partnerships/{deal['id']}/"

    malformed = client_a.patch(url, {"notes": "x"}, format="json", HTTP_IF_MATCH="yesterday")
    stale = client_a.patch(
        url, {"notes": "x"}, format="json", HTTP_IF_MATCH=f'"partnership-{deal["id"]}-v0"'
    )

    assert malformed.status_code == 400
    assert list(malformed.json()["errors"]) == ["If-Match"]
    assert stale.status_code == 412
    assert stale.json()["type"] == "stale_write"
    assert Partnership.objects.get().notes == ""


def test_a_form_body_on_a_json_operation_is_refused_with_415(client_a, usm):
    response = client_a.post(
        "/api/v1/partnerships/",
        {"title": "Dicing", "counterparts": usm.pk, "partnership_type": "training_programme"},
        format="multipart",
    )

    assert response.status_code == 415
    assert response.json()["type"] == "unsupported_media_type"
    assert Partnership.objects.count() == 0


def test_the_schema_documents_each_answer_header_and_file(api):
    paths = api.get("/api/schema/", {"format": "json"}).json()["paths"]

    start = paths["/api/v1/pilots/{id}/start/"]["post"]
    headers = {p["name"] for p in start["parameters"] if p["in"] == "header"}
    listed = paths["/api/v1/pilots/"]["get"]["responses"]["200"]["content"]
    removed = paths["/api/v1/mous/{id}/"]["delete"]["responses"]

    assert headers == {"Idempotency-Key"}
    assert list(start["responses"]["200"]["headers"]) == ["ETag"]
    assert sorted(start["responses"]) == sorted(
        ["200", "400", "401", "403", "404", "406", "409", "413", "415", "422", "429"]
    )
    assert start["responses"]["422"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }
    assert sorted(listed) == [
        "application/json",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "text/csv",
    ]
    assert sorted(removed) == ["204", "400", "401", "403", "404", "406", "409", "412", "422", "429"]
