"""The access policy as a table: every role against every kind of record that exists today.

Rows are roles, columns are record kinds, in the order of RECORDS. A change to a rule must change
a cell here, on purpose.
"""

import pytest
from django.contrib.auth.models import AnonymousUser

from engagement import policy
from engagement.models import ApiToken, Contact, Organization, Team, Thrust, User
from engagement.services.accounts import api_token_create
from tests import factories

pytestmark = pytest.mark.django_db

ROLES = ("bd_a", "bd_b", "integrator_a", "pm", "admin", "anonymous", "inactive")
RECORDS = ("thrust", "organization", "contact", "team", "user", "api_token")
MODELS = {
    "thrust": Thrust,
    "organization": Organization,
    "contact": Contact,
    "team": Team,
    "user": User,
    "api_token": ApiToken,
}
Y, N = True, False

# The records: Thrust T1, DISCO (team A's own company), team A's contact at DISCO, team A, the
# user bd_a (team A) and integrator_a's API token. Team B has a contact of its own at TEL.
CAN_VIEW = {
    #               thrust org contact team user token
    "bd_a":         (Y,    Y,  Y,      Y,   Y,   N),
    "bd_b":         (Y,    Y,  N,      N,   N,   N),
    "integrator_a": (Y,    Y,  Y,      Y,   Y,   Y),
    "pm":           (Y,    Y,  Y,      Y,   Y,   N),
    "admin":        (Y,    Y,  Y,      Y,   Y,   Y),
    "anonymous":    (N,    N,  N,      N,   N,   N),
    "inactive":     (N,    N,  N,      N,   N,   N),
}  # fmt: skip
CAN_CREATE = {
    #               thrust org contact team user token
    "bd_a":         (N,    Y,  Y,      N,   N,   Y),
    "bd_b":         (N,    Y,  Y,      N,   N,   Y),
    "integrator_a": (N,    Y,  Y,      N,   N,   Y),
    "pm":           (N,    Y,  N,      N,   N,   Y),
    "admin":        (Y,    Y,  Y,      Y,   Y,   Y),
    "anonymous":    (N,    N,  N,      N,   N,   N),
    "inactive":     (N,    N,  N,      N,   N,   N),
}  # fmt: skip
CAN_CHANGE = {
    #               thrust org contact team user token
    "bd_a":         (N,    Y,  Y,      N,   N,   N),
    "bd_b":         (N,    N,  N,      N,   N,   N),
    "integrator_a": (N,    Y,  Y,      N,   N,   Y),
    "pm":           (N,    Y,  Y,      N,   N,   N),
    "admin":        (Y,    Y,  Y,      Y,   Y,   Y),
    "anonymous":    (N,    N,  N,      N,   N,   N),
    "inactive":     (N,    N,  N,      N,   N,   N),
}  # fmt: skip

ALL_THRUSTS = {"T1", "T2", "T3", "T4", "T5", "T6"}
ALL_ORGANIZATIONS = {"DISCO", "Tokyo Electron"}
ALL_CONTACTS = {"Taro Yamada", "Jiro Suzuki"}
A_CONTACTS, B_CONTACTS = {"Taro Yamada"}, {"Jiro Suzuki"}
ALL_TEAMS = {"team-a", "team-b"}
ALL_USERS = {"bd_a", "bd_b", "integrator_a", "pm", "admin", "inactive"}
TEAM_A_USERS = {"bd_a", "integrator_a", "inactive"}
ALL_TOKENS = {"erp-a", "erp-b"}
# What scope() lets each role see of every record of a kind.
SCOPE = {
    "bd_a": (ALL_THRUSTS, ALL_ORGANIZATIONS, A_CONTACTS, {"team-a"}, TEAM_A_USERS, set()),
    "bd_b": (ALL_THRUSTS, ALL_ORGANIZATIONS, B_CONTACTS, {"team-b"}, {"bd_b"}, {"erp-b"}),
    "integrator_a": (
        ALL_THRUSTS,
        ALL_ORGANIZATIONS,
        A_CONTACTS,
        {"team-a"},
        TEAM_A_USERS,
        {"erp-a"},
    ),
    "pm": (ALL_THRUSTS, ALL_ORGANIZATIONS, ALL_CONTACTS, ALL_TEAMS, ALL_USERS, set()),
    "admin": (ALL_THRUSTS, ALL_ORGANIZATIONS, ALL_CONTACTS, ALL_TEAMS, ALL_USERS, ALL_TOKENS),
    "anonymous": (set(), set(), set(), set(), set(), set()),
    "inactive": (set(), set(), set(), set(), set(), set()),
}


def _cells(table):
    return [
        pytest.param(role, record, expected, id=f"{role}-{record}")
        for role, row in table.items()
        for record, expected in zip(RECORDS, row, strict=True)
    ]


def _label(obj) -> str:
    if isinstance(obj, Thrust):
        return obj.code
    if isinstance(obj, Team):
        return obj.slug
    if isinstance(obj, User):
        return obj.username
    return obj.name


@pytest.fixture
def world(users, disco, tel, team_a):
    inactive = factories.user("inactive", role="bd_member", team=team_a, is_active=False)
    principals = {**users, "anonymous": AnonymousUser(), "inactive": inactive}
    records = {
        "thrust": Thrust.objects.get(code="T1"),
        "organization": disco,
        "contact": factories.contact(disco, "Taro Yamada", team=team_a),
        "team": team_a,
        "user": users["bd_a"],
        "api_token": api_token_create(user=users["integrator_a"], name="erp-a").token,
    }
    factories.contact(tel, "Jiro Suzuki", team=users["bd_b"].team)
    api_token_create(user=users["bd_b"], name="erp-b")
    return principals, records


def test_the_tables_cover_every_role():
    assert set(CAN_VIEW) == set(CAN_CREATE) == set(CAN_CHANGE) == set(SCOPE) == set(ROLES)


@pytest.mark.parametrize(("role", "record", "expected"), _cells(CAN_VIEW))
def test_can_view(world, role, record, expected):
    principals, records = world

    assert policy.can_view(principals[role], records[record]) is expected


@pytest.mark.parametrize(("role", "record", "expected"), _cells(CAN_CREATE))
def test_can_create(world, role, record, expected):
    principals, _records = world

    assert policy.can_create(principals[role], MODELS[record]) is expected


@pytest.mark.parametrize(("role", "record", "expected"), _cells(CAN_CHANGE))
def test_can_change(world, role, record, expected):
    principals, records = world

    assert policy.can_change(principals[role], records[record]) is expected


@pytest.mark.parametrize(("role", "record", "expected"), _cells(SCOPE))
def test_scope(world, role, record, expected):
    principals, _records = world

    visible = policy.scope(principals[role], MODELS[record].objects.all())

    assert {_label(obj) for obj in visible} == expected


@pytest.mark.parametrize("role", ROLES)
def test_scope_agrees_with_can_view_on_each_record(world, role):
    principals, records = world
    user = principals[role]

    for record, obj in records.items():
        in_scope = policy.scope(user, MODELS[record].objects.filter(pk=obj.pk)).exists()
        assert in_scope is policy.can_view(user, obj), record


def test_a_superuser_without_the_admin_role_is_an_admin(team_a, team_b):
    root = factories.user("root", role="bd_member", team=team_a)
    root.is_superuser = True
    root.save(update_fields=["is_superuser"])

    assert policy.is_admin(root) is True
    assert policy.can_change(root, Thrust.objects.get(code="T1")) is True
    assert set(policy.scope(root, Team.objects.all()).values_list("slug", flat=True)) == {
        "team-a",
        "team-b",
    }


def test_only_a_program_manager_or_admin_sees_all_teams(world):
    principals, _records = world

    assert {r for r in ROLES if policy.sees_all_teams(principals[r])} == {"pm", "admin"}


def test_only_the_teams_business_developers_and_admins_change_its_records_in_the_pages(world):
    principals, _records = world
    usm = factories.institution("Universiti Sains Malaysia", country="MY")
    deal = factories.partnership(principals["bd_a"].team, counterparts=[usm])

    in_pages = {r for r in ROLES if policy.can_change_in_pages(principals[r], deal)}
    through_api = {r for r in ROLES if policy.can_change(principals[r], deal)}

    assert in_pages == {"bd_a", "admin"}
    assert through_api == {"bd_a", "integrator_a", "admin"}
