"""Adding and changing organizations and contacts in the pages: the directory services' rules
(duplicates, stale copies, stewardship: a direct edit where allowed, a suggested edit
otherwise) and contacts kept to the team that recorded them."""

import re
from html import unescape

import pytest

from engagement.models import Contact, Organization
from tests import factories

pytestmark = pytest.mark.django_db

NEW_ORG = {
    "kind": "asean_institution",
    "org_type": "university",
    "name": "Đà Nẵng University of Technology",
    "name_ja": "ダナン工科大学",
    "country": "VN",
    "website": "https://dut.udn.vn",
    "needs": ["EQP.DICING", "TAL.TRAINING"],
    "thrusts": ["T6"],
    "priority_countries": ["VN"],
}


def _text(fragment: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def _error(html: str, field: str) -> str:
    return _text(re.search(rf'id="id_{field}_error">(.*?)</div>', html, re.S).group(1))


@pytest.fixture
def ours(users):
    """An institution team A entered and no other team refers to: team A edits it directly."""
    from engagement.services.directory import organization_create

    return organization_create(
        actor=users["bd_a"],
        kind="asean_institution",
        org_type="university",
        name="Hanoi University of Science and Technology",
        country="VN",
    )


# --- Organizations ---------------------------------------------------------------------------


def test_a_team_member_adds_an_organization(client, users, team_a):
    client.force_login(users["bd_a"])

    response = client.post("/organizations/new/", NEW_ORG)

    org = Organization.objects.get(name="Đà Nẵng University of Technology")
    assert response.status_code == 302
    assert response["Location"] == f"/organizations/{org.pk}/"
    assert (org.kind, org.org_type.code, org.name_ja, org.country, org.website) == (
        "asean_institution",
        "university",
        "ダナン工科大学",
        "VN",
        "https://dut.udn.vn",
    )
    assert org.created_by_team_id == team_a.pk
    assert org.search_text == "da nang university of technology ダナン工科大学"
    assert sorted(org.needs.values_list("code", flat=True)) == ["EQP.DICING", "TAL.TRAINING"]
    assert list(org.thrusts.values_list("code", flat=True)) == ["T6"]
    assert list(org.priority_countries.values_list("iso2", flat=True)) == ["VN"]
    assert list(org.capabilities.all()) == []


def test_an_organization_whose_name_exists_in_its_country_is_refused(client, users, ours):
    client.force_login(users["bd_b"])
    before = Organization.objects.count()

    response = client.post(
        "/organizations/new/", {**NEW_ORG, "name": "HANOI  University of Science and Technology"}
    )

    assert response.status_code == 409
    assert _error(response.content.decode(), "name") == (
        f"Duplicate of existing organization Hanoi University of Science and Technology "
        f"(id {ours.pk})."
    )
    assert Organization.objects.count() == before


def test_a_type_of_the_other_kind_is_refused_next_to_the_type(client, users):
    client.force_login(users["bd_a"])

    response = client.post("/organizations/new/", {**NEW_ORG, "org_type": "equipment"})

    assert response.status_code == 400
    assert _error(response.content.decode(), "org_type") == (
        "Type 'Equipment manufacturer' is for Japanese company, not ASEAN institution."
    )
    assert not Organization.objects.filter(name=NEW_ORG["name"]).exists()


def test_the_team_that_entered_an_organization_edits_it_directly(client, users, ours):
    client.force_login(users["bd_a"])
    page = client.get(f"/organizations/{ours.pk}/").content.decode()

    response = client.post(
        f"/organizations/{ours.pk}/edit/",
        {
            "org_type": "university",
            "name": "Hanoi University of Science and Technology",
            "name_ja": "ハノイ工科大学",
            "country": "VN",
            "capabilities": ["TAL.UNIVERSITY"],
            "version": ours.version,
        },
    )

    assert f'href="/organizations/{ours.pk}/edit/"' in page
    assert response.status_code == 302
    ours.refresh_from_db()
    assert (ours.name_ja, ours.version, ours.search_text) == (
        "ハノイ工科大学",
        2,
        "hanoi university of science and technology ハノイ工科大学",
    )
    assert list(ours.capabilities.values_list("code", flat=True)) == ["TAL.UNIVERSITY"]
    again = client.get(f"/organizations/{ours.pk}/edit/").content.decode()
    form = again.split('id="quick-capture"')[0]  # the page's own form, not the dialog's
    assert re.findall(r'<option value="([\w.]+)" selected>', form)[1:] == [
        "university",
        "VN",
        "TAL.UNIVERSITY",
    ]


def test_a_stale_edit_is_refused_and_changes_nothing(client, users, ours):
    client.force_login(users["bd_a"])
    stale = ours.version
    client.post(
        f"/organizations/{ours.pk}/edit/",
        {"org_type": "university", "name": ours.name, "country": "VN", "version": stale},
    )

    response = client.post(
        f"/organizations/{ours.pk}/edit/",
        {"org_type": "university", "name": "HUST", "country": "VN", "version": stale},
    )

    assert response.status_code == 409
    assert "it is now at version 2" in _text(response.content.decode())
    assert Organization.objects.get(pk=ours.pk).name == "Hanoi University of Science and Technology"


def test_another_teams_member_is_sent_to_suggest_the_change(client, users, ours, team_b):
    factories.partnership(team_b, actor=users["bd_b"], counterparts=[ours], title="Etch hub")
    client.force_login(users["bd_b"])

    opened = client.get(f"/organizations/{ours.pk}/edit/")
    posted = client.post(
        f"/organizations/{ours.pk}/edit/",
        {"org_type": "university", "name": "HUST", "country": "VN", "version": ours.version},
    )

    assert opened.status_code == 302
    assert opened["Location"] == f"/organizations/{ours.pk}/#suggest-edit"
    assert posted.status_code == 302
    assert Organization.objects.get(pk=ours.pk).name == "Hanoi University of Science and Technology"
    page = client.get(opened["Location"]).content.decode()
    assert 'id="suggest-edit"' in page
    assert f'href="/organizations/{ours.pk}/edit/"' not in page


def test_integrators_add_organizations_through_the_api_only(client, users):
    client.force_login(users["integrator_a"])

    response = client.post("/organizations/new/", NEW_ORG)

    assert response.status_code == 403
    assert not Organization.objects.filter(name=NEW_ORG["name"]).exists()
    assert 'href="/organizations/new/"' not in client.get("/organizations/").content.decode()


def test_the_directory_links_to_adding_an_organization(client, users):
    client.force_login(users["bd_a"])

    html = client.get("/organizations/").content.decode()

    assert '<a class="button" href="/organizations/new/">New organization</a>' in html


# --- Contacts --------------------------------------------------------------------------------


def test_a_team_member_adds_a_contact_only_their_team_sees(client, users, ours, team_a):
    client.force_login(users["bd_a"])

    response = client.post(
        f"/organizations/{ours.pk}/contacts/new/",
        {"name": "Nguyễn Thị Hằng", "name_reading": "グエン", "email": "Hang@Hust.edu.vn"},
    )

    person = Contact.objects.get()
    assert response.status_code == 302
    assert (person.team_id, person.organization_id, person.email, person.search_text) == (
        team_a.pk,
        ours.pk,
        "hang@hust.edu.vn",
        "nguyen thi hang グエン hang hust edu vn",
    )
    client.force_login(users["bd_b"])
    assert "Nguyễn" not in client.get(f"/organizations/{ours.pk}/").content.decode()


def test_a_second_contact_with_the_same_address_in_the_team_is_refused(client, users, ours):
    client.force_login(users["bd_a"])
    first = factories.contact(ours, "Nguyễn Thị Hằng", email="hang@hust.edu.vn")

    response = client.post(
        f"/organizations/{ours.pk}/contacts/new/",
        {"name": "Hằng Nguyễn", "email": "HANG@hust.edu.vn"},
    )

    assert response.status_code == 409
    assert _error(response.content.decode(), "email") == (
        f"Already used by contact Nguyễn Thị Hằng (id {first.pk})."
    )
    assert Contact.objects.count() == 1


def test_a_contact_is_edited_by_its_team_and_hidden_from_others(client, users, ours, team_a):
    person = factories.contact(ours, "Nguyễn Thị Hằng", team=team_a)
    client.force_login(users["bd_b"])
    hidden = client.get(f"/contacts/{person.pk}/edit/")
    client.force_login(users["bd_a"])
    page = client.get(f"/organizations/{ours.pk}/").content.decode()

    response = client.post(
        f"/contacts/{person.pk}/edit/",
        {"name": "Nguyễn Thị Hằng", "title": "Dean", "version": person.version},
    )

    assert hidden.status_code == 404
    assert f'href="/contacts/{person.pk}/edit/"' in page
    assert response.status_code == 302
    assert response["Location"] == f"/organizations/{ours.pk}/#contact-{person.pk}"
    person.refresh_from_db()
    assert (person.title, person.version) == ("Dean", 2)


def test_the_forms_read_in_japanese(client, users, ours, fresh_catalogue, english_afterwards):
    reader = users["bd_a"]
    reader.language = "ja"
    reader.save(update_fields=["language"])
    client.force_login(reader)

    new_org = client.get("/organizations/new/").content.decode()
    new_contact = client.get(f"/organizations/{ours.pk}/contacts/new/").content.decode()

    assert "<h1>組織の新規登録</h1>" in new_org
    assert "<h1>Hanoi University of Science and Technology の連絡先を追加</h1>" in new_contact
