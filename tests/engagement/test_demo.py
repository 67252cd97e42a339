from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError

from devtools.demo import DEMO_PASSWORD
from engagement.models import (
    Capability,
    Incentive,
    Initiative,
    Organization,
    OrganizationNameKey,
    Project,
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


def test_load_demo_creates_the_real_companies_institutions_teams_and_users():
    output = _run("load_demo")

    # The rest of the line counts the demo CRM records, which other tests cover.
    assert output.splitlines()[0].startswith("Demo data: 96 organizations, 3 teams, 7 users")
    assert _counts() == {
        "japanese_companies": 41,
        # The 55 of institutions.csv, and the demo's duplicate of one (Penang Development
        # Corp.) for the duplicates view.
        "asean_institutions": 56,
        # An English and a Japanese key per company (one when both spell the same, as SUMCO),
        # one key per institution plus one for each of the 43 with a Japanese name.
        "name_keys": 177,
        "teams": 3,
        "users": 7,
    }
    assert sorted(Team.objects.values_list("slug", "company__name")) == [
        ("disco-bd", "DISCO"),
        ("renesas-bd", "Renesas Electronics"),
        ("tel-bd", "Tokyo Electron (TEL)"),
    ]
    assert sorted(User.objects.values_list("username", "role", "team__slug", "language")) == [
        ("admin", "admin", None, "en"),
        ("disco.bd", "bd_member", "disco-bd", "en"),
        ("disco.bd.ja", "bd_member", "disco-bd", "ja"),
        ("integrator", "integrator", "disco-bd", "en"),
        ("pm", "program_manager", None, "en"),
        ("renesas.bd", "bd_member", "renesas-bd", "ja"),
        ("tel.bd", "bd_member", "tel-bd", "en"),
    ]


def test_a_demo_company_carries_its_type_priorities_and_focus_states():
    _run("load_demo")

    disco = Organization.objects.get(name="DISCO")

    assert disco.name_ja == "ディスコ"
    assert disco.country == "JP"
    assert disco.org_type.code == "equipment"
    assert sorted(disco.capabilities.values_list("code", flat=True)) == [
        "EQP.DICING",
        "EQP.SERVICE",
    ]
    assert sorted(disco.thrusts.values_list("code", flat=True)) == ["T1", "T3", "T6"]
    # DISCO Hi-Tec (Singapore) is its regional subsidiary: present there, and so a priority.
    assert list(disco.presence_countries.values_list("iso2", flat=True)) == ["SG"]
    assert "SG" in disco.priority_countries.values_list("iso2", flat=True)


def test_a_demo_institution_carries_its_japanese_name_and_corrected_type():
    _run("load_demo")

    mida = Organization.objects.get(name="Malaysian Investment Development Authority (MIDA)")
    fpt = Organization.objects.get(name="FPT Semiconductor")
    murata = Organization.objects.get(name="Murata Manufacturing")

    assert mida.name_ja == "マレーシア投資開発庁（MIDA）"
    assert fpt.org_type.code == "design_house"
    assert murata.org_type.code == "components"
    assert sorted(murata.presence_countries.values_list("iso2", flat=True)) == ["PH", "TH"]
    assert Organization.objects.filter(kind="asean_institution").exclude(name_ja="").count() == 43


def test_the_demo_links_projects_and_incentives_to_the_organizations_it_loads():
    _run("load_demo")

    owners = dict(Project.objects.filter(owner__isnull=False).values_list("code", "owner__name"))
    agencies = dict(
        Incentive.objects.filter(agency__isnull=False).values_list("code", "agency__name")
    )

    assert owners == {
        "MY-ROHM-KELANTAN": "ROHM",
        "SG-ASTAR-IME-SIC-LINE": "A*STAR Institute of Microelectronics (IME)",
        "SG-NSTIC-GAN": "National Semiconductor Translation and Innovation Centre for GaN (NSTIC)",
        "TH-FT1-LAMPHUN": "FT1 Corporation",
    }
    assert agencies == {
        "MY-HRDCORP-LEVY-GRANT": "HRD Corp",
        "MY-MIDA-FIAF": "Malaysian Investment Development Authority (MIDA)",
        "MY-MIDA-NIF": "Malaysian Investment Development Authority (MIDA)",
        "TH-BOI-SEMICONDUCTOR": "Thailand Board of Investment (BOI)",
    }


def test_demo_users_sign_in_with_the_demo_password():
    _run("load_demo")

    user = authenticate(username="disco.bd", password=DEMO_PASSWORD)

    assert user is not None
    assert user.username == "disco.bd"
    assert user.email == "disco.bd@example.com"


def test_the_admin_demo_user_is_staff_and_superuser():
    _run("load_demo")

    admin = User.objects.get(username="admin")

    assert (admin.is_staff, admin.is_superuser, admin.team_id) == (True, True, None)


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
