import pytest

from engagement.actors import LOADER
from engagement.errors import Conflict, NotPermitted, StaleWrite, ValidationFailed
from engagement.models import Contact, Organization, OrganizationNameKey, Tombstone
from engagement.services.directory import (
    contact_create,
    contact_update,
    organization_create,
    organization_delete,
    organization_update,
)
from tests import factories

pytestmark = pytest.mark.django_db


def _snapshot():
    return (
        Organization.objects.count(),
        OrganizationNameKey.objects.count(),
        Contact.objects.count(),
    )


def test_creating_an_organization_stores_codes_and_name_keys():
    org = organization_create(
        actor=LOADER,
        kind="asean_institution",
        org_type="university",
        name="Universiti Sains Malaysia",
        country="my",
        capabilities=["TAL.UNIVERSITY"],
        needs=["EQP.DICING", "DES.IC"],
        thrusts=["T6"],
    )
    assert org.country == "MY"
    assert sorted(org.needs.values_list("code", flat=True)) == ["DES.IC", "EQP.DICING"]
    assert list(org.capabilities.values_list("code", flat=True)) == ["TAL.UNIVERSITY"]
    assert list(org.name_keys.values_list("country", "key")) == [("MY", "universitisainsmalaysia")]
    assert org.version == 1


@pytest.mark.parametrize(
    "spelling", ["株式会社ディスコ", "ＤＩＳＣＯ Corp.", "disco", "DISCO Corporation"]
)
def test_a_second_disco_is_refused_naming_the_existing_one(disco, spelling):
    before = _snapshot()

    with pytest.raises(Conflict) as refused:
        factories.company(spelling)

    assert refused.value.existing == disco
    assert refused.value.detail == (
        f"An organization with this name already exists in JP: DISCO (ディスコ), id {disco.pk}."
    )
    assert refused.value.errors == {
        "name": [f"Duplicate of existing organization DISCO (ディスコ) (id {disco.pk})."]
    }
    assert _snapshot() == before


def test_a_japanese_name_clashing_with_an_english_name_is_refused(disco):
    with pytest.raises(Conflict):
        factories.company("Another Name", name_ja="ＤＩＳＣＯ")


def test_the_same_name_in_another_country_is_allowed():
    factories.institution("Semiconductor Centre", country="MY")
    other = factories.institution("Semiconductor Centre", country="VN")
    assert other.country == "VN"


def test_bad_input_names_every_field_and_writes_nothing():
    before = _snapshot()

    with pytest.raises(ValidationFailed) as refused:
        organization_create(
            actor=LOADER,
            kind="japanese_company",
            org_type="university",
            name="",
            country="MY",
            capabilities=["MAT.NOPE", "EQP.DICING"],
            thrusts=["T9"],
            website="ftp://x",
        )

    assert refused.value.errors == {
        "name": ["This field is required."],
        "website": ["Enter a valid http(s) URL."],
        "org_type": ["Type 'University' is for ASEAN institution, not Japanese company."],
        "country": ["A Japanese company's country is JP."],
        "capabilities": ["Unknown code(s): MAT.NOPE."],
        "thrusts": ["Unknown code(s): T9."],
    }
    assert _snapshot() == before


def test_an_institution_outside_asean_is_refused():
    with pytest.raises(ValidationFailed) as refused:
        factories.institution(country="US")
    assert refused.value.errors["country"] == [
        "US is not an ASEAN member state code (leave it blank for a regional, ASEAN-wide body)."
    ]


def test_renaming_moves_the_name_keys(disco):
    organization_update(actor=LOADER, organization=disco, name="DISCO Holdings", name_ja="")

    assert list(disco.name_keys.values_list("key", flat=True)) == ["discoholdings"]
    assert factories.company("ディスコ").name == "ディスコ"


def test_a_stale_copy_is_refused_and_changes_nothing(disco):
    organization_update(
        actor=LOADER, organization=disco, expected_version=1, description="first edit"
    )
    stale = Organization.objects.get(pk=disco.pk)
    stale.version = 1

    with pytest.raises(StaleWrite) as refused:
        organization_update(
            actor=LOADER, organization=stale, expected_version=1, description="second edit"
        )

    disco.refresh_from_db()
    assert disco.description == "first edit"
    assert disco.version == 2
    assert "version 1, it is now at version 2" in refused.value.detail


def test_updates_keep_field_level_history(disco):
    organization_update(actor=LOADER, organization=disco, description="dicing saws")

    latest, previous = disco.history.all()[:2]
    delta = latest.diff_against(previous)
    assert [(c.field, c.old, c.new) for c in delta.changes if c.field == "description"] == [
        ("description", "", "dicing saws")
    ]


def test_deleting_an_organization_nothing_refers_to_leaves_a_tombstone(disco):
    org_pk = disco.pk

    organization_delete(actor=LOADER, organization=disco)

    assert list(Tombstone.objects.values_list("resource", "object_id")) == [
        ("organizations", org_pk)
    ]


def test_deleting_an_organization_a_team_contact_refers_to_is_refused_with_the_count(team_a):
    usm = factories.institution("Universiti Sains Malaysia")
    factories.contact(usm, "Nur Aisyah", team=team_a)
    before = _snapshot()

    with pytest.raises(Conflict) as refused:
        organization_delete(actor=LOADER, organization=usm)

    assert refused.value.references == 1
    assert refused.value.detail == (
        "Universiti Sains Malaysia cannot be deleted: 1 record still refers to it. Archive it "
        "instead (or merge it into the organization it duplicates)."
    )
    assert _snapshot() == before


def test_a_contact_email_is_unique_within_a_team_whatever_its_case(disco, team_a):
    first = factories.contact(disco, "Taro Yamada", email="taro@disco.example", team=team_a)
    before = _snapshot()

    with pytest.raises(Conflict) as refused:
        contact_create(
            actor=LOADER,
            organization=disco,
            name="T. Yamada",
            email="TARO@Disco.Example",
            team=team_a,
        )

    assert refused.value.existing == first
    assert refused.value.errors == {
        "email": [f"Already used by contact Taro Yamada (id {first.pk})."]
    }
    assert _snapshot() == before


def test_a_contact_update_through_a_stale_copy_is_refused(disco, team_a):
    person = factories.contact(disco, "Hanako Sato", team=team_a)
    contact_update(actor=LOADER, contact=person, title="Director")

    with pytest.raises(StaleWrite):
        contact_update(actor=LOADER, contact=person, expected_version=1, title="Manager")
    person.refresh_from_db()
    assert person.title == "Director"


def test_a_program_manager_may_edit_the_directory_but_a_deactivated_user_may_not(users, disco):
    organization_update(actor=users["pm"], organization=disco, website="https://disco.example")
    users["bd_a"].is_active = False

    with pytest.raises(NotPermitted):
        organization_update(actor=users["bd_a"], organization=disco, website="https://x.example")
    disco.refresh_from_db()
    assert disco.website == "https://disco.example"


def test_a_contact_belongs_to_its_recorders_team_whatever_team_is_named(users, disco, team_b):
    mine = contact_create(actor=users["bd_a"], team=team_b, organization=disco, name="A. Mori")
    by_admin = contact_create(actor=users["admin"], team=team_b, organization=disco, name="B. Ito")

    assert (mine.team_id, by_admin.team_id) == (users["bd_a"].team_id, team_b.pk)


def test_an_administrator_must_name_the_team_of_a_contact(users, disco):
    with pytest.raises(ValidationFailed) as refused:
        contact_create(actor=users["admin"], organization=disco, name="C. Abe")

    assert refused.value.errors == {"team": ["A team is required: your account has none."]}
    assert not Contact.objects.exists()
