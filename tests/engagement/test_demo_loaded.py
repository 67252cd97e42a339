"""What `load_demo` loads, read from one load shared by the module: built once in an outer
transaction that each test's own transaction nests in, rolled back at the end (the demo takes
several seconds to load; these tests only read it)."""

import pytest
from django.contrib.auth import authenticate
from django.db import transaction

from devtools.demo import DEMO_PASSWORD
from engagement.models import Incentive, Organization, Project, Team, Thrust, User
from tests.engagement.test_demo import _counts, _run

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker):
    """load_demo's output, with the demo in the database for the module's tests."""
    with django_db_blocker.unblock(), transaction.atomic():
        if not Thrust.objects.exists():  # flushed by an earlier transactional test
            _run("load_reference")
        yield _run("load_demo")
        transaction.set_rollback(True)


def test_load_demo_creates_the_real_companies_institutions_teams_and_users(loaded):
    output = loaded

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


def test_a_demo_company_carries_its_type_priorities_and_focus_states(loaded):
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


def test_a_demo_institution_carries_its_japanese_name_and_corrected_type(loaded):
    mida = Organization.objects.get(name="Malaysian Investment Development Authority (MIDA)")
    fpt = Organization.objects.get(name="FPT Semiconductor")
    murata = Organization.objects.get(name="Murata Manufacturing")

    assert mida.name_ja == "マレーシア投資開発庁（MIDA）"
    assert fpt.org_type.code == "design_house"
    assert murata.org_type.code == "components"
    assert sorted(murata.presence_countries.values_list("iso2", flat=True)) == ["PH", "TH"]
    assert Organization.objects.filter(kind="asean_institution").exclude(name_ja="").count() == 43


def test_the_demo_links_projects_and_incentives_to_the_organizations_it_loads(loaded):
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


def test_demo_users_sign_in_with_the_demo_password(loaded):
    user = authenticate(username="disco.bd", password=DEMO_PASSWORD)

    assert user is not None
    assert user.username == "disco.bd"
    assert user.email == "disco.bd@example.com"


def test_the_admin_demo_user_is_staff_and_superuser(loaded):
    admin = User.objects.get(username="admin")

    assert (admin.is_staff, admin.is_superuser, admin.team_id) == (True, True, None)
