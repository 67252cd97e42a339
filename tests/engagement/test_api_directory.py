"""The directory through the REST API: its conventions (errors, ETags, idempotency, cursors,
incremental sync) as an integrator meets them."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from devtools.generate import generate_directory
from engagement.actors import LOADER
from engagement.models import (
    ApiToken,
    Capability,
    Contact,
    IdempotencyRecord,
    MemberState,
    Organization,
    OrganizationNameKey,
    Thrust,
    Tombstone,
    User,
)
from engagement.services.accounts import api_token_create, api_token_revoke
from engagement.services.directory import organization_update
from tests import factories

pytestmark = pytest.mark.django_db

UTC = dt.UTC
NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ORGS = "/api/v1/organizations/"
CONTACTS = "/api/v1/contacts/"

USM = {
    "kind": "asean_institution",
    "org_type": "university",
    "name": "Universiti Sains Malaysia",
    "country": "MY",
    "website": "https://www.usm.my",
    "capabilities": ["TAL.UNIVERSITY"],
    "needs": ["DES.IC", "EQP.DICING"],
    "thrusts": ["T6"],
    "priority_countries": ["MY"],
}


def _as(api, user, *, read_only: bool = False):
    api.credentials(HTTP_AUTHORIZATION=f"Token {factories.token(user, read_only=read_only)}")
    return api


@pytest.fixture
def client_a(api, users):
    """A BD member of team A (DISCO's team); DISCO and Tokyo Electron are in the directory."""
    return _as(api, users["bd_a"])


@pytest.fixture
def pm_api(api):
    """A program manager, with nothing in the directory yet."""
    return _as(api, factories.user("pm1", role="program_manager"))


def _iso(value: dt.datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _snapshot():
    return (
        Organization.objects.count(),
        OrganizationNameKey.objects.count(),
        Contact.objects.count(),
        IdempotencyRecord.objects.count(),
    )


def _names(response) -> list[str]:
    return [o["name"] for o in response.json()["results"]]


# --- Create -------------------------------------------------------------------------------------


def test_creating_an_organization_answers_201_with_codes_and_an_etag(pm_api):
    with time_machine.travel(NOW, tick=False):
        response = pm_api.post(ORGS, USM, format="json")

    assert response.status_code == 201
    org = Organization.objects.get()
    assert response.json() == {
        "id": org.pk,
        "kind": "asean_institution",
        "org_type": "university",
        "name": "Universiti Sains Malaysia",
        "name_ja": "",
        "country": "MY",
        "website": "https://www.usm.my",
        "description": "",
        "description_ja": "",
        "capabilities": ["TAL.UNIVERSITY"],
        "needs": ["EQP.DICING", "DES.IC"],
        "thrusts": ["T6"],
        "priority_countries": ["MY"],
        "presence_countries": [],
        "accepting_partners": True,
        "source": "",
        "switchboard_email": "",
        "switchboard_phone": "",
        "archived_at": None,
        "version": 1,
        "created_at": "2026-03-02T09:00:00Z",
        "updated_at": "2026-03-02T09:00:00Z",
    }
    assert response["ETag"] == f'"org-{org.pk}-v1"'


def test_a_duplicate_organization_answers_409_naming_the_existing_one(client_a, disco):
    before = _snapshot()

    response = client_a.post(
        ORGS,
        {
            "kind": "japanese_company",
            "org_type": "equipment",
            "name": "ＤＩＳＣＯ Corp.",
            "country": "JP",
        },
        format="json",
    )

    assert response.status_code == 409
    assert response.json() == {
        "type": "conflict",
        "detail": (
            f"An organization with this name already exists in JP: DISCO (ディスコ), id {disco.pk}."
        ),
        "errors": {
            "name": [f"Duplicate of existing organization DISCO (ディスコ) (id {disco.pk})."]
        },
        "existing": {"id": disco.pk, "name": "DISCO"},
    }
    assert _snapshot() == before


def test_unknown_codes_answer_422_naming_each_field_and_write_nothing(client_a):
    before = _snapshot()

    response = client_a.post(
        ORGS,
        {
            **USM,
            "capabilities": ["MAT.NOPE"],
            "needs": ["EQP.DICING", "XX.YY"],
            "thrusts": ["T9"],
            "priority_countries": ["US"],
        },
        format="json",
    )

    assert response.status_code == 422
    assert response.json() == {
        "type": "rule_refused",
        "detail": (
            "Invalid input in: Capabilities, Capabilities needed, Priority member states, Thrusts."
        ),
        "errors": {
            "capabilities": ["Unknown code(s): MAT.NOPE."],
            "needs": ["Unknown code(s): XX.YY."],
            "thrusts": ["Unknown code(s): T9."],
            "priority_countries": ["Unknown code(s): US."],
        },
    }
    assert _snapshot() == before


def test_a_malformed_body_answers_400_in_the_same_shape(client_a):
    before = _snapshot()

    response = client_a.post(
        ORGS, {"kind": "startup", "org_type": "university", "country": "MYS"}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {
        "type": "validation_error",
        "detail": "Invalid input in: country, kind, name.",
        "errors": {
            "kind": ['"startup" is not a valid choice.'],
            "name": ["This field is required."],
            "country": ["Ensure this field has no more than 2 characters."],
        },
    }
    assert _snapshot() == before


# --- Authentication and permission ----------------------------------------------------------------


def test_a_request_without_credentials_answers_401_with_the_token_challenge(api, disco):
    response = api.get(ORGS)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json() == {
        "type": "not_authenticated",
        "detail": "Authentication credentials were not provided.",
        "errors": {},
    }


def test_an_unknown_token_answers_401(api, disco):
    api.credentials(HTTP_AUTHORIZATION="Token not-a-real-key")

    response = api.get(ORGS)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json() == {
        "type": "authentication_failed",
        "detail": "Invalid, expired or revoked token.",
        "errors": {},
    }


@pytest.mark.parametrize("problem", ["revoked", "expired", "user deactivated"])
def test_a_dead_token_answers_401(api, users, problem):
    issued = api_token_create(user=users["integrator_a"], name="erp")
    if problem == "revoked":
        api_token_revoke(token=issued.token)
    elif problem == "expired":
        ApiToken.objects.filter(pk=issued.token.pk).update(expires_at=NOW)
    else:
        User.objects.filter(pk=users["integrator_a"].pk).update(is_active=False)
    api.credentials(HTTP_AUTHORIZATION=f"Token {issued.key}")

    response = api.get(ORGS)

    assert response.status_code == 401
    assert response.json()["type"] == "authentication_failed"


def test_using_a_token_records_when_it_was_last_used(api, users):
    issued = api_token_create(user=users["integrator_a"], name="erp")
    api.credentials(HTTP_AUTHORIZATION=f"Token {issued.key}")

    with time_machine.travel(NOW, tick=False):
        api.get(ORGS)

    issued.token.refresh_from_db()
    assert issued.token.last_used_at == NOW


def test_a_read_only_token_may_read_but_not_write(api, users):
    client = _as(api, users["integrator_a"], read_only=True)
    before = _snapshot()

    listing = client.get(ORGS)
    response = client.post(ORGS, USM, format="json")

    assert listing.status_code == 200
    assert response.status_code == 403
    assert response.json() == {
        "type": "permission_denied",
        "detail": "This token is read-only.",
        "errors": {},
    }
    assert _snapshot() == before


# --- Reads, ETags and conditional writes --------------------------------------------------------


def test_reading_one_organization_sends_its_etag(client_a, disco):
    response = client_a.get(f"{ORGS}{disco.pk}/")

    assert response.status_code == 200
    assert response["ETag"] == f'"org-{disco.pk}-v1"'
    assert response.json()["name"] == "DISCO"
    assert response.json()["capabilities"] == ["EQP.DICING", "EQP.SERVICE"]


def test_an_unknown_organization_answers_404_in_the_error_shape(client_a):
    response = client_a.get(f"{ORGS}999999/")

    assert response.status_code == 404
    assert response.json() == {"type": "not_found", "detail": "Not found.", "errors": {}}


def test_a_patch_with_the_current_etag_answers_200_and_the_next_etag(client_a, disco):
    etag = client_a.get(f"{ORGS}{disco.pk}/")["ETag"]

    response = client_a.patch(
        f"{ORGS}{disco.pk}/",
        {"description": "Dicing saws and grinders"},
        format="json",
        HTTP_IF_MATCH=etag,
    )

    assert etag == f'"org-{disco.pk}-v1"'
    assert response.status_code == 200
    assert response["ETag"] == f'"org-{disco.pk}-v2"'
    assert response.json()["version"] == 2
    assert response.json()["description"] == "Dicing saws and grinders"
    assert response.json()["capabilities"] == ["EQP.DICING", "EQP.SERVICE"]
    disco.refresh_from_db()
    assert (disco.version, disco.description) == (2, "Dicing saws and grinders")


def test_a_patch_with_a_stale_etag_answers_412_and_changes_nothing(client_a, disco):
    stale = client_a.get(f"{ORGS}{disco.pk}/")["ETag"]
    organization_update(actor=LOADER, organization=disco, description="edited by someone else")

    response = client_a.patch(
        f"{ORGS}{disco.pk}/",
        {"description": "my edit"},
        format="json",
        HTTP_IF_MATCH=stale,
    )

    assert response.status_code == 412
    assert response.json() == {
        "type": "stale_write",
        "detail": (
            "This organization was changed by someone else (you edited version 1, it is now at "
            "version 2). Reload it and apply your change again."
        ),
        "errors": {},
    }
    assert "ETag" not in response
    disco.refresh_from_db()
    assert (disco.version, disco.description) == (2, "edited by someone else")


def test_an_if_match_for_another_record_answers_412(client_a, disco, tel):
    response = client_a.patch(
        f"{ORGS}{disco.pk}/",
        {"description": "my edit"},
        format="json",
        HTTP_IF_MATCH=tel.etag,
    )

    assert response.status_code == 412
    assert response.json()["type"] == "stale_write"
    disco.refresh_from_db()
    assert (disco.version, disco.description) == (1, "")


def test_a_delete_with_a_stale_etag_answers_412_and_deletes_nothing(client_a, disco):
    stale = disco.etag
    organization_update(actor=LOADER, organization=disco, description="edited")

    response = client_a.delete(f"{ORGS}{disco.pk}/", HTTP_IF_MATCH=stale)

    assert response.status_code == 412
    assert response.json()["type"] == "stale_write"
    assert Organization.objects.filter(pk=disco.pk).exists()


# --- Idempotency-Key ----------------------------------------------------------------------------


def test_a_retried_post_with_the_same_idempotency_key_is_answered_from_the_first(pm_api):
    first = pm_api.post(ORGS, USM, format="json", HTTP_IDEMPOTENCY_KEY="usm-2026-03-02")

    second = pm_api.post(ORGS, USM, format="json", HTTP_IDEMPOTENCY_KEY="usm-2026-03-02")

    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert Organization.objects.count() == 1
    assert Organization.objects.get().pk == first.json()["id"]


def test_an_idempotency_key_reused_for_another_body_answers_409(pm_api):
    pm_api.post(ORGS, USM, format="json", HTTP_IDEMPOTENCY_KEY="key-1")
    before = _snapshot()

    response = pm_api.post(
        ORGS,
        {**USM, "name": "Universiti Malaya"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="key-1",
    )

    assert response.status_code == 409
    assert response.json() == {
        "type": "idempotency_key_reused",
        "detail": "This Idempotency-Key was used for a different request.",
        "errors": {"Idempotency-Key": ["Use a new key for a new request."]},
    }
    assert _snapshot() == before
    assert list(Organization.objects.values_list("name", flat=True)) == [
        "Universiti Sains Malaysia"
    ]


def test_a_refused_post_stores_no_idempotency_answer_so_it_can_be_corrected(pm_api):
    refused = pm_api.post(
        ORGS, {**USM, "thrusts": ["T9"]}, format="json", HTTP_IDEMPOTENCY_KEY="key-2"
    )

    corrected = pm_api.post(ORGS, USM, format="json", HTTP_IDEMPOTENCY_KEY="key-2")

    assert refused.status_code == 422
    assert corrected.status_code == 201
    assert "Idempotent-Replayed" not in corrected
    assert Organization.objects.count() == 1


def test_the_same_idempotency_key_from_two_users_creates_two_records(api):
    first = factories.user("pm1", role="program_manager")
    second = factories.user("pm2", role="program_manager")

    a = _as(api, first).post(ORGS, USM, format="json", HTTP_IDEMPOTENCY_KEY="k")
    b = _as(api, second).post(
        ORGS, {**USM, "name": "Universiti Malaya"}, format="json", HTTP_IDEMPOTENCY_KEY="k"
    )

    assert (a.status_code, b.status_code) == (201, 201)
    assert "Idempotent-Replayed" not in b
    assert sorted(Organization.objects.values_list("name", flat=True)) == [
        "Universiti Malaya",
        "Universiti Sains Malaysia",
    ]


# --- Lists: cursors, filters, search --------------------------------------------------------------


def test_cursor_pages_walk_every_record_once(pm_api):
    created = [factories.institution(f"Institute {i}").pk for i in range(5)]
    seen: list[int] = []
    pages: list[int] = []

    url = f"{ORGS}?page_size=2"
    while url:
        body = pm_api.get(url).json()
        pages.append(len(body["results"]))
        seen.extend(o["id"] for o in body["results"])
        url = body["next"]

    assert pages == [2, 2, 1]
    assert seen == sorted(created)


def test_the_first_page_links_to_the_next(pm_api):
    for i in range(3):
        factories.institution(f"Institute {i}")

    first = pm_api.get(ORGS, {"page_size": 2}).json()
    second = pm_api.get(first["next"]).json()

    assert _names_of(first) == ["Institute 0", "Institute 1"]
    assert first["previous"] is None
    assert parse_qs(urlsplit(first["next"]).query)["page_size"] == ["2"]
    assert _names_of(second) == ["Institute 2"]
    assert second["next"] is None
    assert set(_names_of(first)).isdisjoint(_names_of(second))


def _names_of(body) -> list[str]:
    return [o["name"] for o in body["results"]]


def test_a_page_size_above_the_maximum_is_capped(pm_api):
    maximum = settings.API_MAX_PAGE_SIZE
    generate_directory(companies=0, institutions=maximum + 3, seed=3)

    body = pm_api.get(ORGS, {"page_size": maximum * 2}).json()

    assert len(body["results"]) == maximum
    assert body["next"] is not None
    assert len(pm_api.get(body["next"]).json()["results"]) == 3


def test_updated_since_returns_only_records_changed_at_or_after_it(pm_api):
    with time_machine.travel(dt.datetime(2026, 3, 1, 9, 0, tzinfo=UTC), tick=False):
        factories.institution("Old Institute")
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=UTC), tick=False):
        factories.institution("New Institute")
    with time_machine.travel(dt.datetime(2026, 3, 3, 9, 0, tzinfo=UTC), tick=False):
        touched = factories.institution("Touched Institute")
    with time_machine.travel(dt.datetime(2026, 2, 1, 9, 0, tzinfo=UTC), tick=False):
        organization_update(actor=LOADER, organization=touched, description="back-dated edit")

    at = pm_api.get(ORGS, {"updated_since": "2026-03-02T09:00:00Z"})
    after = pm_api.get(ORGS, {"updated_since": "2026-03-02T09:00:01Z"})
    everything = pm_api.get(ORGS, {"updated_since": "2026-01-01T00:00:00Z"})

    assert at.status_code == 200
    assert _names(at) == ["New Institute"]
    assert _names(after) == []
    assert sorted(_names(everything)) == ["New Institute", "Old Institute", "Touched Institute"]


def test_a_malformed_updated_since_answers_400(pm_api):
    response = pm_api.get(ORGS, {"updated_since": "yesterday"})

    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"
    assert list(response.json()["errors"]) == ["updated_since"]


@pytest.mark.parametrize("text", ["ＤＩＳＣＯ", "ディスコ", "株式会社ディスコ", "disco"])
def test_search_finds_disco_by_any_spelling(client_a, disco, tel, text):
    response = client_a.get(ORGS, {"search": text})

    assert response.status_code == 200
    assert _names(response) == ["DISCO"]


def test_filters_by_kind_and_capability(client_a, disco, tel):
    factories.institution("Universiti Sains Malaysia", capabilities=["EQP.DICING"])

    companies = client_a.get(ORGS, {"kind": "japanese_company", "capability": "EQP.DICING"})

    assert _names(companies) == ["DISCO"]


# --- Deletions for sync ---------------------------------------------------------------------------


def test_a_deleted_organization_is_listed_in_changes(client_a, pm_api):
    usm = factories.institution("Universiti Sains Malaysia")
    with time_machine.travel(NOW, tick=False):
        deleted = pm_api.delete(f"{ORGS}{usm.pk}/", HTTP_IF_MATCH=usm.etag)

    changes = client_a.get("/api/v1/changes/", {"since": "2026-03-02T08:59:00Z"})
    later = client_a.get("/api/v1/changes/", {"since": "2026-03-02T09:00:01Z"})

    assert deleted.status_code == 204
    assert not Organization.objects.filter(pk=usm.pk).exists()
    assert changes.status_code == 200
    assert changes.json()["results"] == [
        {"resource": "organizations", "object_id": usm.pk, "deleted_at": "2026-03-02T09:00:00Z"},
    ]
    assert later.json()["results"] == []
    assert client_a.get(f"{ORGS}{usm.pk}/").status_code == 404


def test_deleting_a_teams_company_answers_409_with_a_count_and_deletes_nothing(
    client_a, pm_api, disco
):
    factories.contact(disco, "Taro Yamada")
    before = _snapshot()

    response = pm_api.delete(f"{ORGS}{disco.pk}/")

    assert response.status_code == 409
    assert response.json() == {
        "type": "conflict",
        "detail": "DISCO cannot be deleted: 2 records still refer to it. Archive it instead (or "
        "merge it into the organization it duplicates).",
        "errors": {"non_field_errors": ["Still referred to by other records."]},
        "references": 2,
    }
    assert _snapshot() == before
    assert Tombstone.objects.count() == 0


# --- Reference data by code -----------------------------------------------------------------------


def test_a_thrust_is_read_by_its_code(client_a):
    response = client_a.get("/api/v1/thrusts/T1/")

    assert response.status_code == 200
    assert response.json() == {
        "code": "T1",
        "core_area": "technology_infrastructure",
        "name_en": "Infrastructure Quality and Resilience",
        "name_ja": "インフラの質と強靭性",
        "focus": (
            "manufacturing facilities, utilities, shared resources, cleanrooms, "
            "materials processing"
        ),
        "status": "described",
        "provenance": "report",
        "provenance_note": "Name and focus from the report; the core area it sits under is our "
        "reading (the report does not say).",
        "updated_at": _iso(Thrust.objects.get(code="T1").updated_at),
    }


def test_a_member_state_is_read_by_its_iso_code(client_a):
    response = client_a.get("/api/v1/member-states/MY/")

    assert response.status_code == 200
    assert response.json() == {
        "iso2": "MY",
        "name_en": "Malaysia",
        "name_ja": "マレーシア",
        "note": "named in the report; candidate regional service hub",
        "updated_at": _iso(MemberState.objects.get(iso2="MY").updated_at),
    }


def test_a_capability_is_read_by_its_dotted_code(client_a):
    response = client_a.get("/api/v1/capabilities/MAT.RESIST/")

    assert response.status_code == 200
    assert response.json() == {
        "code": "MAT.RESIST",
        "parent": "MAT",
        "name_en": "Photoresists",
        "name_ja": "フォトレジスト",
        "synonyms_en": ["photoresist", "resist", "EUV resist", "ArF resist"],
        "synonyms_ja": ["感光材", "レジスト"],
        "thrusts": ["T1"],
        "updated_at": _iso(Capability.objects.get(code="MAT.RESIST").updated_at),
    }


def test_an_unknown_reference_code_answers_404(client_a):
    response = client_a.get("/api/v1/thrusts/T9/")

    assert response.status_code == 404
    assert response.json()["type"] == "not_found"


def test_reference_data_cannot_be_written_through_the_api(client_a):
    response = client_a.patch("/api/v1/thrusts/T1/", {"name_en": "Changed"}, format="json")

    assert response.status_code == 405
    assert response.json()["type"] == "method_not_allowed"
    assert Thrust.objects.get(code="T1").name_en == "Infrastructure Quality and Resilience"


# --- Contacts -------------------------------------------------------------------------------------


def test_creating_a_contact_answers_201_with_its_etag(client_a, disco):
    response = client_a.post(
        CONTACTS,
        {"organization": disco.pk, "name": "Taro Yamada", "email": "Taro@Disco.Example"},
        format="json",
    )

    assert response.status_code == 201
    contact = Contact.objects.get()
    assert response["ETag"] == f'"contact-{contact.pk}-v1"'
    body = response.json()
    assert (body["id"], body["organization"], body["name"], body["email"], body["version"]) == (
        contact.pk,
        disco.pk,
        "Taro Yamada",
        "taro@disco.example",
        1,
    )


def test_a_contact_with_a_taken_email_answers_409(client_a, disco):
    first = factories.contact(disco, "Taro Yamada", email="taro@disco.example")
    before = _snapshot()

    response = client_a.post(
        CONTACTS,
        {"organization": disco.pk, "name": "T. Yamada", "email": "TARO@disco.example"},
        format="json",
    )

    assert response.status_code == 409
    assert response.json() == {
        "type": "conflict",
        "detail": (
            f"A contact with email taro@disco.example already exists: Taro Yamada, id {first.pk}."
        ),
        "errors": {"email": [f"Already used by contact Taro Yamada (id {first.pk})."]},
        "existing": {"id": first.pk, "name": "Taro Yamada"},
    }
    assert _snapshot() == before


# --- Query counts -------------------------------------------------------------------------------


def _queries(client, url: str, params: dict) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(captured), len(response.json()["results"])


def test_the_organization_list_runs_the_same_queries_whatever_the_page_size(client_a):
    for i in range(29):  # with DISCO and Tokyo Electron: 60 organizations
        factories.company(
            f"Company {i}",
            capabilities=["EQP.DICING", "EQP.SERVICE"],
            thrusts=["T1", "T3"],
            priority_countries=["MY", "VN"],
            presence_countries=["SG"],
        )
        factories.institution(f"Institute {i}", needs=["EQP.DICING"], thrusts=["T6"])
    client_a.get(ORGS)  # the token's first use is recorded once; measure after it

    small, small_rows = _queries(client_a, ORGS, {"page_size": 5})
    large, large_rows = _queries(client_a, ORGS, {"page_size": 50})

    assert (small_rows, large_rows) == (5, 50)
    assert Organization.objects.count() == 60
    assert small == large


def test_the_contact_list_runs_the_same_queries_whatever_the_page_size(client_a, disco, tel):
    for i in range(30):  # 60 contacts
        factories.contact(disco, f"Disco Person {i}")
        factories.contact(tel, f"TEL Person {i}")
    client_a.get(CONTACTS)

    small, small_rows = _queries(client_a, CONTACTS, {"page_size": 5})
    large, large_rows = _queries(client_a, CONTACTS, {"page_size": 50})

    assert (small_rows, large_rows) == (5, 50)
    assert small == large


# --- OpenAPI -----------------------------------------------------------------------------------


def test_the_openapi_document_describes_the_error_shape_of_a_duplicate(client_a):
    response = client_a.get("/api/schema/", {"format": "json"})

    assert response.status_code == 200
    schema = response.json()
    create = schema["paths"]["/api/v1/organizations/"]["post"]
    assert create["responses"]["409"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }
    assert schema["components"]["schemas"]["Error"]["required"] == ["type", "detail", "errors"]
    assert "If-Match" in [
        p["name"] for p in schema["paths"]["/api/v1/organizations/{id}/"]["patch"]["parameters"]
    ]
