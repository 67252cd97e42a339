"""Attacks on the shared directory by a competitor's user (Tokyo Electron's BD member against
DISCO's data), one test per finding. Each failed on the code before directory stewardship and
team-owned contacts."""

from __future__ import annotations

import itertools

import pytest

from engagement.models import Contact, Organization, SuggestedEdit
from engagement.services.directory import organization_update
from tests import factories

pytestmark = pytest.mark.django_db

ORGS = "/api/v1/organizations/"


_tokens = itertools.count(1)


def _as(api, user):
    key = factories.token(user, name=f"red-team-{next(_tokens)}")
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return api


@pytest.fixture
def usm(users):
    """An ASEAN institution DISCO's team works with (a partnership names it)."""
    usm = factories.institution("Universiti Sains Malaysia", capabilities=["TAL.UNIVERSITY"])
    factories.partnership(users["bd_a"].team, actor=users["bd_a"], counterparts=[usm])
    return usm


def _org_row(org: Organization) -> tuple:
    org.refresh_from_db()
    return (org.name, org.description, org.version, sorted(org.capabilities.values_list("code")))


def test_a_competitor_cannot_rename_another_companys_own_profile(api, users, disco):
    before = _org_row(disco)

    response = _as(api, users["bd_b"]).patch(
        f"{ORGS}{disco.pk}/", {"name": "DISCO (defunct)"}, format="json"
    )

    assert response.status_code == 403
    assert response.json()["type"] == "permission_denied"
    assert f"/api/v1/organizations/{disco.pk}/suggested-edits/" in response.json()["detail"]
    assert _org_row(disco) == before


def test_a_competitor_cannot_change_an_institutions_capabilities_directly(api, users, usm):
    before = _org_row(usm)

    response = _as(api, users["bd_b"]).patch(
        f"{ORGS}{usm.pk}/", {"capabilities": ["EQP.ETCH"]}, format="json"
    )

    assert response.status_code == 403
    assert "suggested-edits" in response.json()["detail"]
    assert _org_row(usm) == before


def test_a_competitor_proposes_instead_and_a_program_manager_applies_it(api, users, usm):
    proposed = _as(api, users["bd_b"]).post(
        f"{ORGS}{usm.pk}/suggested-edits/",
        {"changes": {"capabilities": ["TAL.UNIVERSITY", "RND.JOINT"]}, "reason": "Joint lab"},
        format="json",
    )
    edit_id = proposed.json()["id"]

    applied = _as(api, users["pm"]).post(
        f"/api/v1/suggested-edits/{edit_id}/apply/", {"note": "Confirmed"}, format="json"
    )

    assert proposed.status_code == 201
    assert proposed.json()["diff"] == [
        {
            "field": "capabilities",
            "current": ["TAL.UNIVERSITY"],
            "proposed": ["RND.JOINT", "TAL.UNIVERSITY"],
        }
    ]
    assert applied.status_code == 200
    assert applied.json()["status"] == "applied"
    assert sorted(usm.capabilities.values_list("code", flat=True)) == [
        "RND.JOINT",
        "TAL.UNIVERSITY",
    ]
    note = users["bd_b"].notifications.get()
    assert note.subject == "Your suggested edit to Universiti Sains Malaysia was applied"


def test_a_bd_member_cannot_delete_an_institution_another_teams_partnership_names(api, users, usm):
    response = _as(api, users["bd_b"]).delete(f"{ORGS}{usm.pk}/")

    assert response.status_code == 403
    assert Organization.objects.filter(pk=usm.pk).exists()
    assert usm.counterpart_partnerships.count() == 1


def test_even_a_program_manager_cannot_delete_a_referred_institution_and_learns_only_a_count(
    api, users, usm
):
    response = _as(api, users["pm"]).delete(f"{ORGS}{usm.pk}/")

    assert response.status_code == 409
    assert response.json() == {
        "type": "conflict",
        "detail": "Universiti Sains Malaysia cannot be deleted: 1 record still refers to it. "
        "Archive it instead (or merge it into the organization it duplicates).",
        "errors": {"non_field_errors": ["Still referred to by other records."]},
        "references": 1,
    }
    assert Organization.objects.filter(pk=usm.pk).exists()


def test_another_teams_contacts_and_their_phone_numbers_are_not_found(api, users, usm):
    secret = factories.contact(
        usm, "Dr. Aminah", team=users["bd_a"].team, phone="+60 4 653 3888", notes="Likes golf"
    )
    client = _as(api, users["bd_b"])

    listed = client.get("/api/v1/contacts/")
    detail = client.get(f"/api/v1/contacts/{secret.pk}/")
    history = client.get(f"/api/v1/contacts/{secret.pk}/history/")
    exported = client.get("/api/v1/contacts/", {"format": "csv"})

    assert listed.json()["results"] == []
    assert (detail.status_code, history.status_code) == (404, 404)
    assert "Aminah" not in b"".join(exported.streaming_content).decode("utf-8-sig")


def test_another_teams_contact_does_not_show_on_the_organization_page(client, users, usm):
    factories.contact(usm, "Dr. Aminah", team=users["bd_a"].team, phone="+60 4 653 3888")
    client.force_login(users["bd_b"])

    page = client.get(f"/organizations/{usm.pk}/")

    assert page.status_code == 200
    assert "Aminah" not in page.content.decode()
    assert "653 3888" not in page.content.decode()


def test_two_teams_may_each_record_the_same_person_without_learning_of_the_other(api, users, usm):
    factories.contact(usm, "Dr. Aminah", team=users["bd_a"].team, email="aminah@usm.my")

    response = _as(api, users["bd_b"]).post(
        "/api/v1/contacts/",
        {"organization": usm.pk, "name": "Aminah binti Ismail", "email": "AMINAH@usm.my"},
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["team"] == users["bd_b"].team.slug
    assert Contact.objects.filter(email__iexact="aminah@usm.my").count() == 2


def test_a_shared_organizations_history_does_not_name_a_competitors_users(api, users, usm):
    # DISCO's team entered a change while it was still theirs alone... then TEL came along.
    usm.created_by_team = users["bd_a"].team
    usm.save(update_fields=["created_by_team"])
    edit = SuggestedEdit.objects.create(
        organization=usm,
        team=users["bd_a"].team,
        proposed_by=users["bd_a"],
        changes={"description": "Penang campus"},
        reason="Visited",
        base_version=usm.version,
    )
    _as(api, users["pm"]).post(f"/api/v1/suggested-edits/{edit.pk}/apply/", {}, format="json")
    organization_update(actor=users["bd_a"], organization=usm, website="https://usm.my")

    seen_by_b = _as(api, users["bd_b"]).get(f"{ORGS}{usm.pk}/history/").json()
    seen_by_pm = _as(api, users["pm"]).get(f"{ORGS}{usm.pk}/history/").json()

    assert [e["user"] for e in seen_by_b[:2]] == ["another team", "pm"]
    assert [e["user"] for e in seen_by_pm[:2]] == ["bd_a", "pm"]


def test_sending_a_suggested_edit_twice_from_the_page_records_it_once(client, users, usm):
    client.force_login(users["bd_b"])
    page = client.get(f"/organizations/{usm.pk}/").content.decode()
    token = page.split('name="_once" value="')[1].split('"')[0]
    form = {
        "_once": token,
        "name": usm.name,
        "website": "https://www.usm.my",
        "reason": "Their official site",
    }

    first = client.post(f"/organizations/{usm.pk}/suggest/", form)
    second = client.post(f"/organizations/{usm.pk}/suggest/", form)

    assert (first.status_code, second.status_code) == (302, 302)
    assert SuggestedEdit.objects.count() == 1
    assert SuggestedEdit.objects.get().changes == {"website": "https://www.usm.my"}
