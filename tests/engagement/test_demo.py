from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from engagement.models import (
    Capability,
    Initiative,
    Organization,
    OrganizationNameKey,
    Team,
    User,
)

pytestmark = pytest.mark.django_db


def _run(name: str, *args: str) -> str:
    out = StringIO()
    call_command(name, *args, stdout=out, stderr=StringIO(), verbosity=1)
    return out.getvalue()


def _generate(seed: int) -> str:
    return _run("generate_demo", "--companies", "20", "--institutions", "30", "--seed", str(seed))


def _counts() -> dict[str, int]:
    return {
        "japanese_companies": Organization.objects.filter(kind="japanese_company").count(),
        "asean_institutions": Organization.objects.filter(kind="asean_institution").count(),
        "name_keys": OrganizationNameKey.objects.count(),
        "teams": Team.objects.count(),
        "users": User.objects.count(),
    }


def _directory() -> list[tuple]:
    """What a generated directory holds, independent of primary keys."""
    return sorted(
        (
            org.kind,
            org.org_type.code,
            org.name,
            org.name_ja,
            org.country,
            tuple(sorted(c.code for c in org.capabilities.all())),
            tuple(sorted(c.code for c in org.needs.all())),
            tuple(sorted(t.code for t in org.thrusts.all())),
            tuple(sorted(s.iso2 for s in org.priority_countries.all())),
            tuple(sorted(s.iso2 for s in org.presence_countries.all())),
        )
        for org in Organization.objects.select_related("org_type").prefetch_related(
            "capabilities", "needs", "thrusts", "priority_countries", "presence_countries"
        )
    )


def _names() -> list[str]:
    return sorted(Organization.objects.values_list("name", flat=True))


def _empty_directory() -> None:
    Organization.objects.all().delete()
    assert Organization.objects.count() == 0


# --- load_demo ------------------------------------------------------------------------------


def test_loading_the_demo_again_creates_nothing():
    _run("load_demo")
    before = _counts()
    names_before = _names()

    output = _run("load_demo")

    assert output.splitlines()[0].startswith("Demo data: 0 organizations, 0 teams, 0 users")
    assert _counts() == before
    assert _names() == names_before


# --- generate_demo --------------------------------------------------------------------------


def test_generating_twice_with_the_same_seed_creates_the_directory_once():
    first = _generate(7)
    after_first = _counts()

    second = _generate(7)

    assert first == "Generated 50 organizations (0 already present).\n"
    assert second == "Generated 0 organizations (50 already present).\n"
    assert after_first["japanese_companies"] == 20
    assert after_first["asean_institutions"] == 30
    assert _counts() == after_first


def test_generated_companies_have_a_japanese_name_key_too():
    _generate(7)

    company = Organization.objects.filter(kind="japanese_company").order_by("name").first()

    assert company.country == "JP"
    assert company.name_ja != ""
    assert company.source == "synthetic (generate_demo)"
    assert company.name_keys.count() == 2


def test_the_same_seed_in_a_fresh_database_gives_the_same_directory():
    _generate(7)
    first = _directory()
    _empty_directory()

    _generate(7)

    assert len(first) == 50
    assert _directory() == first


def test_different_seeds_give_different_names():
    _generate(7)
    seven = _names()
    _empty_directory()

    _generate(8)
    eight = _names()

    assert len(seven) == len(eight) == 50
    assert seven != eight


def test_generating_without_reference_data_is_refused():
    Initiative.objects.all().delete()
    Capability.objects.filter(parent__isnull=False).delete()

    with pytest.raises(CommandError) as refused:
        _generate(7)

    assert str(refused.value) == "Load reference data first: python manage.py load_reference"
    assert Organization.objects.count() == 0


def test_a_negative_size_is_refused():
    with pytest.raises(CommandError) as refused:
        _run("generate_demo", "--companies", "-1", "--institutions", "0")

    assert str(refused.value) == (
        "--companies, --institutions and --engagements must be zero or more."
    )
    assert Organization.objects.count() == 0


def test_generate_demo_adds_engagements_with_their_links_and_timeline(db):
    out = StringIO()

    call_command(
        "generate_demo",
        companies=3,
        institutions=10,
        engagements=50,
        seed=4,
        stdout=out,
        verbosity=0,
    )

    from engagement.models import Engagement, Team, TimelineEvent

    assert out.getvalue().splitlines()[-1] == "Generated 50 engagements."
    assert Engagement.objects.count() == 50
    assert TimelineEvent.objects.filter(kind="engagement").count() == 50
    assert Engagement.objects.filter(organizations=None).count() == 0
    assert Team.objects.count() == 3  # one per synthetic company, as there were no teams
    assert set(Engagement.objects.values_list("organizations__kind", flat=True)) == {
        "asean_institution"
    }
