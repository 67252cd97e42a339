"""System writes name themselves (engagement/actors.py): `None` is nobody and is refused, a
SystemActor passes policy and is recorded as no person."""

import ast
from pathlib import Path

import pytest
from django.conf import settings

from engagement import policy
from engagement.actors import LOADER, SCHEDULED, SystemActor
from engagement.errors import NotPermitted
from engagement.models import Engagement, Organization, Partnership
from engagement.services.engagements import engagement_log
from engagement.services.partnerships import partnership_update
from tests import factories

pytestmark = pytest.mark.django_db


def _log(actor, team, organization):
    return engagement_log(
        actor=actor,
        team=team,
        kind="meeting",
        occurred_at="2026-01-05T10:00:00+07:00",
        organizations=[organization.pk],
        summary="Logged",
    )


def test_a_service_called_without_an_actor_writes_nothing(users):
    before = Organization.objects.count()

    with pytest.raises(NotPermitted):
        factories.institution("Nobody's Institute", actor=None)

    assert Organization.objects.count() == before


def test_a_system_write_passes_policy_and_records_no_person_as_author(users, team_a, team_b):
    usm = factories.institution("Universiti Sains Malaysia")

    eng = _log(LOADER, team_b, usm)

    assert (eng.team_id, eng.created_by_id) == (team_b.pk, None)
    assert set(eng.history.values_list("history_user_id", flat=True)) == {None}


def test_a_system_actor_sees_and_changes_every_teams_records(users, team_a, team_b):
    usm = factories.institution("Universiti Sains Malaysia")
    deal_a = factories.partnership(team_a, counterparts=[usm])
    deal_b = factories.partnership(team_b, counterparts=[usm])

    assert set(policy.scope(SCHEDULED, Partnership.objects.all())) == {deal_a, deal_b}
    assert set(policy.scope(None, Partnership.objects.all())) == set()
    assert [policy.can_change(SCHEDULED, d) for d in (deal_a, deal_b)] == [True, True]
    assert policy.can_change(None, deal_a) is False
    assert policy.person(SCHEDULED) is None and policy.person(users["bd_a"]) == users["bd_a"]

    partnership_update(actor=SCHEDULED, partnership=deal_b, notes="tidied")
    with pytest.raises(NotPermitted):
        partnership_update(actor=None, partnership=deal_b, notes="by nobody")
    deal_b.refresh_from_db()
    assert deal_b.notes == "tidied"


def test_a_system_actor_is_not_a_signed_in_person():
    actor = SystemActor("test")

    assert not policy.is_admin(actor) and not policy.sees_all_teams(actor)
    assert (actor.team_id, actor.pk, actor.is_authenticated) == (None, None, False)
    assert str(actor) == "system (test)"


def _actor_defaults_to_none(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        args = node.args
        pairs = list(zip(args.kwonlyargs, args.kw_defaults, strict=True))
        positional = args.posonlyargs + args.args
        pairs += list(
            zip(positional[len(positional) - len(args.defaults) :], args.defaults, strict=True)
        )
        for arg, default in pairs:
            if arg.arg == "actor" and isinstance(default, ast.Constant) and default.value is None:
                found.append(f"{path.relative_to(settings.BASE_DIR)}:{node.lineno} {node.name}")
    return found


def test_no_product_function_lets_its_actor_default_to_nobody():
    base = Path(settings.BASE_DIR)
    found = [
        hit
        for package in ("engagement", "matching", "devtools")
        for path in sorted((base / package).rglob("*.py"))
        if "migrations" not in path.parts
        for hit in _actor_defaults_to_none(path)
    ]

    assert found == []


def test_the_engagement_count_is_unchanged_by_a_refused_system_less_log(team_a):
    usm = factories.institution("Universiti Sains Malaysia")

    with pytest.raises(NotPermitted):
        _log(None, team_a, usm)

    assert Engagement.objects.count() == 0
