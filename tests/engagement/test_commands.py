import hashlib
import io

import pytest
from django.apps import apps
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError

from engagement.models import ApiToken, Team, User
from tests import factories

pytestmark = pytest.mark.django_db


def _run(name: str, *args: str, **options) -> list[str]:
    out = io.StringIO()
    call_command(name, *args, stdout=out, stderr=io.StringIO(), **options)
    return out.getvalue().splitlines()


# --- create_team ----------------------------------------------------------------------------


@pytest.mark.parametrize("spelling", ["DISCO", "株式会社ディスコ", "ＤＩＳＣＯ Corporation"])
def test_create_team_finds_the_company_by_any_spelling(disco, spelling):
    output = _run("create_team", "disco-bd", "--company", spelling)

    team = Team.objects.get()
    assert (team.slug, team.company, team.name) == ("disco-bd", disco, "DISCO BD")
    assert output == [f"Created team disco-bd for DISCO (id {disco.pk})."]


def test_create_team_takes_a_display_name(disco):
    _run("create_team", "disco-bd", "--company", "DISCO", "--name", "DISCO ASEAN BD")

    assert Team.objects.get().name == "DISCO ASEAN BD"


def test_create_team_for_an_unknown_company_is_refused_and_writes_nothing(disco):
    with pytest.raises(CommandError) as refused:
        _run("create_team", "acme-bd", "--company", "Acme Semiconductor")

    assert str(refused.value) == (
        "Invalid input in: Company.\n"
        "  company: No Japanese company named 'Acme Semiconductor' in the directory."
    )
    assert Team.objects.count() == 0


def test_create_team_does_not_take_an_asean_institution_for_a_company():
    factories.institution("Penang Skills Development Centre", country="MY")

    with pytest.raises(CommandError) as refused:
        _run("create_team", "psdc-bd", "--company", "Penang Skills Development Centre")

    assert "No Japanese company named 'Penang Skills Development Centre'" in str(refused.value)
    assert Team.objects.count() == 0


def test_create_team_with_a_taken_slug_is_refused(disco, tel):
    _run("create_team", "bd", "--company", "DISCO")

    with pytest.raises(CommandError) as refused:
        _run("create_team", "bd", "--company", "Tokyo Electron")

    assert str(refused.value) == (
        "Team 'bd' already exists (company DISCO).\n  slug: Already taken."
    )
    assert list(Team.objects.values_list("slug", "company__name")) == [("bd", "DISCO")]


# --- create_user ----------------------------------------------------------------------------


def test_create_user_reads_the_password_from_stdin_and_it_signs_in(team_a):
    output = _run(
        "create_user",
        "hanako",
        "--role",
        "bd_member",
        "--team",
        "team-a",
        "--email",
        "hanako@disco.example",
        "--language",
        "ja",
        stdin=io.StringIO(factories.PASSWORD + "\n"),
    )

    assert output == ["Created bd_member hanako in team team-a."]
    user = authenticate(username="hanako", password=factories.PASSWORD)
    assert user is not None
    assert (user.username, user.role, user.team, user.email, user.language) == (
        "hanako",
        "bd_member",
        team_a,
        "hanako@disco.example",
        "ja",
    )
    assert (user.is_staff, user.is_superuser) == (False, False)


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_create_user_at_a_terminal_generates_and_prints_a_password(team_a):
    output = _run(
        "create_user", "taro", "--role", "integrator", "--team", "team-a", stdin=_Terminal()
    )

    assert output[0] == "Created integrator taro in team team-a."
    assert output[1].startswith("Password: ")
    password = output[1].removeprefix("Password: ")
    assert len(password) == 16
    assert authenticate(username="taro", password=password) is not None


def test_create_user_keeps_only_the_first_line_of_stdin():
    _run(
        "create_user",
        "pm",
        "--role",
        "program_manager",
        stdin=io.StringIO(factories.PASSWORD + "\r\nsecond line\n"),
    )

    assert authenticate(username="pm", password=factories.PASSWORD) is not None


def test_create_user_refuses_a_weak_password_from_stdin_and_writes_nothing():
    with pytest.raises(CommandError) as refused:
        _run("create_user", "pm", "--role", "program_manager", stdin=io.StringIO("pw\n"))

    assert str(refused.value) == (
        "Invalid input in: Password.\n"
        "  password: This password is too short. It must contain at least 8 characters."
    )
    assert User.objects.count() == 0


def test_a_bd_member_without_a_team_is_refused():
    with pytest.raises(CommandError) as refused:
        _run(
            "create_user",
            "taro",
            "--role",
            "bd_member",
            stdin=io.StringIO(factories.PASSWORD + "\n"),
        )

    assert str(refused.value) == (
        "Invalid input in: Team.\n  team: A bd_member belongs to a team: pass --team SLUG."
    )
    assert User.objects.count() == 0


def test_a_user_for_an_unknown_team_is_refused():
    with pytest.raises(CommandError) as refused:
        _run(
            "create_user",
            "taro",
            "--role",
            "integrator",
            "--team",
            "nope",
            stdin=io.StringIO(factories.PASSWORD + "\n"),
        )

    assert str(refused.value) == "Invalid input in: Team.\n  team: No team with slug 'nope'."
    assert User.objects.count() == 0


def test_an_admin_user_is_staff_and_superuser():
    _run("create_user", "root", "--role", "admin", stdin=io.StringIO(factories.PASSWORD + "\n"))

    root = User.objects.get(username="root")
    assert (root.role, root.is_staff, root.is_superuser, root.team) == ("admin", True, True, None)


def test_a_taken_username_is_refused(users):
    with pytest.raises(CommandError) as refused:
        _run("create_user", "pm", "--role", "admin", stdin=io.StringIO(factories.PASSWORD + "\n"))

    assert str(refused.value) == "User 'pm' already exists.\n  username: Taken."
    assert User.objects.get(username="pm").role == "program_manager"


# --- create_api_token -----------------------------------------------------------------------


def test_create_api_token_prints_a_key_that_authenticates(api, users):
    output = _run("create_api_token", "integrator_a", "--name", "erp", "--read-only")

    key = output[-1]
    assert output[:-1] == [
        "Token 'erp' (read-only) for integrator_a. Store it now: it cannot be shown again."
    ]
    response = api.get("/api/v1/organizations/", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 200
    assert sorted(o["name"] for o in response.json()["results"]) == ["DISCO", "Tokyo Electron"]


def test_a_read_write_token_is_labelled_so(users):
    output = _run("create_api_token", "integrator_a", "--name", "erp")

    assert output[0] == (
        "Token 'erp' (read-write) for integrator_a. Store it now: it cannot be shown again."
    )
    assert ApiToken.objects.get().read_only is False


def test_only_the_hash_of_the_key_is_stored(users):
    key = _run("create_api_token", "integrator_a", "--name", "erp", "--read-only")[-1]

    token = ApiToken.objects.get()
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert token.prefix == key[:8]
    assert (token.user.username, token.name, token.read_only) == ("integrator_a", "erp", True)
    # The full key is in no column of any table.
    for model in apps.get_models():
        for row in model._default_manager.values_list():
            assert not any(key in str(value) for value in row), model


def test_a_token_for_an_unknown_user_is_refused():
    with pytest.raises(CommandError) as refused:
        _run("create_api_token", "nobody", "--name", "erp")

    assert str(refused.value) == "No user named 'nobody'."
    assert ApiToken.objects.count() == 0


def test_a_second_live_token_with_the_same_name_is_refused(users):
    _run("create_api_token", "integrator_a", "--name", "erp")
    first = ApiToken.objects.get()

    with pytest.raises(CommandError) as refused:
        _run("create_api_token", "integrator_a", "--name", "erp")

    assert str(refused.value) == (
        "integrator_a already has a live token named 'erp'.\n  name: Taken by a live token."
    )
    assert list(ApiToken.objects.all()) == [first]
