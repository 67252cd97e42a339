import datetime as dt
import itertools
from decimal import Decimal

import pytest
import time_machine

from engagement.errors import NotPermitted, RuleRefused, StaleWrite, ValidationFailed
from engagement.models import Partnership, Stage, StageChange, TimelineEvent
from engagement.services.partnerships import (
    partnership_create,
    partnership_transition,
    partnership_update,
)
from tests import factories

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC)
frozen = time_machine.travel(NOW, tick=False)

ALL_STAGES = (
    "identified, contacted, exploring, mou_negotiation, mou_signed, pilot, agreement, active, "
    "on_hold, lost"
)


@pytest.fixture
def usm(db):
    return factories.institution("Universiti Sains Malaysia", country="MY")


@pytest.fixture
def deal(users, usm):
    with time_machine.travel(NOW, tick=False):
        return factories.partnership(
            users["bd_a"].team, counterparts=[usm], actor=users["bd_a"], title="Dicing lab at USM"
        )


def _snapshot():
    return {
        "partnerships": Partnership.objects.count(),
        "partnership_history": Partnership.history.count(),
        "counterparts": Partnership.counterparts.through.objects.count(),
        "stage_changes": StageChange.objects.count(),
        "timeline": TimelineEvent.objects.count(),
    }


def _state(p: Partnership) -> dict:
    p = Partnership.objects.get(pk=p.pk)
    return {
        "stage": p.stage,
        "version": p.version,
        "resume_stage": p.resume_stage,
        "lost_reason": p.lost_reason,
        "stage_changed_at": p.stage_changed_at,
    }


def _moves(p: Partnership) -> list[tuple]:
    return list(
        StageChange.objects.filter(partnership=p)
        .order_by("at", "id")
        .values_list("from_stage", "to_stage", "reason", "actor__username")
    )


# --- Creating -----------------------------------------------------------------------------


@frozen
def test_a_partnership_is_for_the_teams_company_by_default(users, usm, disco):
    p = partnership_create(
        actor=users["bd_a"],
        title="  Dicing lab at USM ",
        counterparts=[usm.pk],
        partnership_type="joint_rd_centre",
        initiatives=["T2-01", "T6-01"],
        priority_country="my",
        expected_value="1500000",
        currency="usd",
        target_date="2027-03-31",
    )

    p = Partnership.objects.get(pk=p.pk)
    assert (p.team.slug, p.title, p.company, p.owner) == (
        "team-a",
        "Dicing lab at USM",
        disco,
        users["bd_a"],
    )
    assert list(p.counterparts.all()) == [usm]
    assert sorted(p.initiatives.values_list("code", flat=True)) == ["T2-01", "T6-01"]
    assert (p.partnership_type.code, p.priority_country.iso2) == ("joint_rd_centre", "MY")
    assert (p.expected_value, p.currency, p.target_date) == (
        Decimal("1500000.00"),
        "USD",
        dt.date(2027, 3, 31),
    )
    assert (p.stage, p.stage_changed_at, p.resume_stage, p.lost_reason, p.version) == (
        "identified",
        NOW,
        "",
        "",
        1,
    )
    assert _moves(p) == [("", "identified", "", "bd_a")]
    event = TimelineEvent.objects.get()
    assert (event.kind, event.partnership, event.at, event.actor) == (
        "partnership_created",
        p,
        NOW,
        users["bd_a"],
    )
    assert event.data == {"title": "Dicing lab at USM", "stage": "identified"}
    assert sorted(event.organizations.values_list("pk", flat=True)) == sorted([disco.pk, usm.pk])


def _refusals(c):
    return {
        "another company": (
            {"company": c["tel"].pk},
            {"company": ["Team team-a works for DISCO; its partnerships are for that company."]},
        ),
        "a Japanese company as counterpart": (
            {"counterparts": [c["usm"].pk, c["tel"].pk]},
            {"counterparts": [f"Not ASEAN institutions: {c['tel'].pk}."]},
        ),
        "no counterpart": (
            {"counterparts": []},
            {"counterparts": ["Name at least one ASEAN counterpart."]},
        ),
        "unknown counterpart": (
            {"counterparts": [999_999]},
            {"counterparts": ["No organization with id(s) 999999."]},
        ),
        "value without currency": (
            {"expected_value": "250000"},
            {"currency": ["Give the currency of the expected value."]},
        ),
        "negative value": (
            {"expected_value": "-1", "currency": "USD"},
            {"expected_value": ["Must not be negative."]},
        ),
        "value that is not a number": (
            {"expected_value": "a lot", "currency": "USD"},
            {"expected_value": ["Enter a number."]},
        ),
        "value that is NaN": (
            {"expected_value": "NaN", "currency": "USD"},
            {"expected_value": ["Enter a number."]},
        ),
        "value that is infinite": (
            {"expected_value": "Infinity", "currency": "USD"},
            {"expected_value": ["Enter a number."]},
        ),
        "value too large to store": (
            {"expected_value": "1e20", "currency": "USD"},
            {"expected_value": ["At most 14 digits before the decimal point."]},
        ),
        "bad currency": (
            {"expected_value": "10", "currency": "dollars"},
            {"currency": ["Use a three-letter ISO 4217 code such as JPY or USD."]},
        ),
        "unknown partnership type": (
            {"partnership_type": "merger"},
            {"partnership_type": ["Unknown partnership type code: 'merger'."]},
        ),
        "country outside ASEAN": (
            {"priority_country": "jp"},
            {"priority_country": ["JP is not an ASEAN member state code."]},
        ),
        "owner of another team": (
            {"owner": c["users"]["bd_b"].pk},
            {"owner": [f"No user with id(s) {c['users']['bd_b'].pk}."]},
        ),
        "impossible target date": (
            {"target_date": "2027-02-29"},
            {"target_date": ["Enter a date as YYYY-MM-DD."]},
        ),
    }


REFUSAL_CASES = [
    "another company",
    "a Japanese company as counterpart",
    "no counterpart",
    "unknown counterpart",
    "value without currency",
    "negative value",
    "value that is not a number",
    "value that is NaN",
    "value that is infinite",
    "value too large to store",
    "bad currency",
    "unknown partnership type",
    "country outside ASEAN",
    "owner of another team",
    "impossible target date",
]


@pytest.mark.parametrize("case", REFUSAL_CASES)
def test_bad_input_is_refused_with_the_field_named_and_nothing_written(case, users, usm, tel):
    cases = _refusals({"tel": tel, "usm": usm, "users": users})
    assert list(cases) == REFUSAL_CASES
    changes, errors = cases[case]
    data = {
        "title": "Dicing lab",
        "counterparts": [usm.pk],
        "partnership_type": "joint_rd_centre",
        **changes,
    }
    before = _snapshot()

    with pytest.raises(ValidationFailed) as refused:
        partnership_create(actor=users["bd_a"], **data)

    assert refused.value.errors == errors
    assert _snapshot() == before


def test_a_program_manager_cannot_open_a_partnership(users, usm, team_a):
    before = _snapshot()

    with pytest.raises(NotPermitted):
        factories.partnership(team_a, counterparts=[usm], actor=users["pm"])

    assert _snapshot() == before


def test_the_stage_cannot_be_changed_by_an_update(users, deal):
    before = _snapshot()

    with pytest.raises(ValidationFailed) as refused:
        partnership_update(actor=users["bd_a"], partnership=deal, stage="active")

    assert refused.value.errors == {"stage": ["Change the stage with the transition action."]}
    assert _snapshot() == before
    assert _state(deal)["stage"] == "identified"


# --- Moving through the pipeline ---------------------------------------------------------------


@frozen
def test_one_step_forward_needs_no_reason(users, deal):
    partnership_transition(actor=users["bd_a"], partnership=deal, to="contacted")

    assert _state(deal) == {
        "stage": "contacted",
        "version": 2,
        "resume_stage": "",
        "lost_reason": "",
        "stage_changed_at": NOW,
    }
    assert _moves(deal) == [("", "identified", "", "bd_a"), ("identified", "contacted", "", "bd_a")]
    event = TimelineEvent.objects.filter(kind="stage_changed").get()
    assert (event.partnership, event.at, event.actor, event.data) == (
        deal,
        NOW,
        users["bd_a"],
        {"from": "identified", "to": "contacted", "reason": ""},
    )


@pytest.mark.parametrize(
    ("path", "to"),
    [
        ([], "mou_negotiation"),  # skipping ahead
        ([], "active"),
        (["contacted"], "identified"),  # moving back
        (["contacted", "exploring"], "identified"),
        ([], "lost"),
    ],
)
def test_a_move_that_needs_a_reason_is_refused_without_one_and_changes_nothing(
    users, deal, path, to
):
    for stage in path:
        partnership_transition(actor=users["bd_a"], partnership=deal, to=stage)
    src = deal.stage
    state, before = _state(deal), _snapshot()

    with pytest.raises(ValidationFailed) as refused:
        partnership_transition(actor=users["bd_a"], partnership=deal, to=to, reason="   ")

    src_name, to_name = Stage(src).label, Stage(to).label
    assert refused.value.errors == {
        "reason": [f"Moving from {src_name} to {to_name} needs a reason."]
    }
    assert _state(deal) == state
    assert _snapshot() == before


@frozen
def test_skipping_ahead_with_a_reason_is_allowed_and_the_reason_kept(users, deal):
    partnership_transition(
        actor=users["bd_a"],
        partnership=deal,
        to="mou_negotiation",
        reason="  The dean asked for an MoU at the first meeting. ",
    )

    assert _state(deal)["stage"] == "mou_negotiation"
    assert _moves(deal)[-1] == (
        "identified",
        "mou_negotiation",
        "The dean asked for an MoU at the first meeting.",
        "bd_a",
    )
    assert TimelineEvent.objects.get(kind="stage_changed").data == {
        "from": "identified",
        "to": "mou_negotiation",
        "reason": "The dean asked for an MoU at the first meeting.",
    }


@frozen
def test_a_lost_partnership_keeps_its_reason_and_the_stage_it_left(users, deal):
    partnership_transition(actor=users["bd_a"], partnership=deal, to="contacted")

    partnership_transition(
        actor=users["bd_a"], partnership=deal, to="lost", reason="Chose a competitor."
    )

    assert _state(deal) == {
        "stage": "lost",
        "version": 3,
        "resume_stage": "contacted",
        "lost_reason": "Chose a competitor.",
        "stage_changed_at": NOW,
    }
    assert _moves(deal)[-1] == ("contacted", "lost", "Chose a competitor.", "bd_a")


def test_a_lost_partnership_reopens_to_the_stage_it_left_without_a_reason(users, deal):
    partnership_transition(actor=users["bd_a"], partnership=deal, to="contacted")
    partnership_transition(actor=users["bd_a"], partnership=deal, to="lost", reason="No budget.")

    partnership_transition(actor=users["bd_a"], partnership=deal, to="contacted")

    state = _state(deal)
    assert (state["stage"], state["resume_stage"], state["lost_reason"]) == ("contacted", "", "")
    assert _moves(deal)[-1] == ("lost", "contacted", "", "bd_a")


def test_on_hold_then_reopen_to_the_stage_it_left_needs_no_reason(users, deal):
    partnership_transition(actor=users["bd_a"], partnership=deal, to="contacted")
    partnership_transition(actor=users["bd_a"], partnership=deal, to="exploring")

    partnership_transition(actor=users["bd_a"], partnership=deal, to="on_hold")
    assert (_state(deal)["stage"], _state(deal)["resume_stage"]) == ("on_hold", "exploring")

    partnership_transition(actor=users["bd_a"], partnership=deal, to="exploring")

    assert (_state(deal)["stage"], _state(deal)["resume_stage"]) == ("exploring", "")
    assert _moves(deal)[-2:] == [
        ("exploring", "on_hold", "", "bd_a"),
        ("on_hold", "exploring", "", "bd_a"),
    ]


def test_reopening_elsewhere_needs_a_reason(users, deal):
    partnership_transition(actor=users["bd_a"], partnership=deal, to="contacted")
    partnership_transition(actor=users["bd_a"], partnership=deal, to="on_hold")
    state, before = _state(deal), _snapshot()

    with pytest.raises(ValidationFailed) as refused:
        partnership_transition(actor=users["bd_a"], partnership=deal, to="pilot")

    assert refused.value.errors == {"reason": ["Moving from On hold to Pilot needs a reason."]}
    assert _state(deal) == state
    assert _snapshot() == before

    partnership_transition(
        actor=users["bd_a"], partnership=deal, to="pilot", reason="Funding came through."
    )
    assert (_state(deal)["stage"], _state(deal)["resume_stage"]) == ("pilot", "")


def test_losing_a_partnership_on_hold_keeps_the_stage_it_left_the_pipeline_from(users, deal):
    partnership_transition(actor=users["bd_a"], partnership=deal, to="contacted")
    partnership_transition(actor=users["bd_a"], partnership=deal, to="on_hold")

    partnership_transition(actor=users["bd_a"], partnership=deal, to="lost", reason="Gone quiet.")

    assert (_state(deal)["stage"], _state(deal)["resume_stage"]) == ("lost", "contacted")
    partnership_transition(actor=users["bd_a"], partnership=deal, to="contacted")
    assert _state(deal)["stage"] == "contacted"


@pytest.mark.parametrize(
    ("path", "to", "why_not"),
    [
        ([], "identified", "It is already in that stage."),
        (["on_hold"], "on_hold", "It is already in that stage."),
        ([("lost", "No budget.")], "on_hold", "Reopen it to a pipeline stage first."),
    ],
)
def test_a_move_the_table_does_not_allow_is_refused_by_the_rules(users, deal, path, to, why_not):
    for step in path:
        stage, reason = step if isinstance(step, tuple) else (step, "")
        partnership_transition(actor=users["bd_a"], partnership=deal, to=stage, reason=reason)
    src = deal.stage
    state, before = _state(deal), _snapshot()

    with pytest.raises(RuleRefused) as refused:
        partnership_transition(actor=users["bd_a"], partnership=deal, to=to, reason="Because.")

    src_name, to_name = Stage(src).label, Stage(to).label
    assert refused.value.detail == f"Cannot move from {src_name} to {to_name}: {why_not}"
    assert refused.value.errors == {"to": [why_not]}
    assert _state(deal) == state
    assert _snapshot() == before


def test_an_unknown_stage_is_refused_on_to(users, deal):
    state, before = _state(deal), _snapshot()

    with pytest.raises(ValidationFailed) as refused:
        partnership_transition(actor=users["bd_a"], partnership=deal, to="won", reason="Yes!")

    assert refused.value.errors == {"to": [f"Unknown stage 'won'; one of: {ALL_STAGES}."]}
    assert _state(deal) == state
    assert _snapshot() == before


def test_a_move_from_a_stale_version_is_refused(users, deal):
    partnership_update(actor=users["bd_a"], partnership=deal, notes="Met the dean.")
    state, before = _state(deal), _snapshot()
    assert state["version"] == 2

    with pytest.raises(StaleWrite) as refused:
        partnership_transition(
            actor=users["bd_a"], partnership=deal, to="contacted", expected_version=1
        )

    assert refused.value.detail == (
        "This partnership changed since you read it; reload and try again."
    )
    assert _state(deal) == state
    assert _snapshot() == before


def test_of_two_people_moving_from_the_same_read_the_second_is_refused(users, deal):
    mine = Partnership.objects.get(pk=deal.pk)
    theirs = Partnership.objects.get(pk=deal.pk)
    partnership_transition(actor=users["bd_a"], partnership=mine, to="contacted")
    state, before = _state(deal), _snapshot()

    with pytest.raises(StaleWrite):
        partnership_transition(actor=users["integrator_a"], partnership=theirs, to="contacted")
    with pytest.raises(StaleWrite):
        partnership_transition(
            actor=users["integrator_a"], partnership=theirs, to="exploring", reason="Skip."
        )

    assert _state(deal) == state
    assert _snapshot() == before
    assert _moves(deal) == [("", "identified", "", "bd_a"), ("identified", "contacted", "", "bd_a")]


def test_a_move_keeps_what_someone_else_saved_in_the_meantime(users, deal):
    mine = Partnership.objects.get(pk=deal.pk)
    partnership_update(
        actor=users["integrator_a"],
        partnership=Partnership.objects.get(pk=deal.pk),
        notes="The dean prefers email.",
        expected_value="90000",
        currency="EUR",
    )

    partnership_transition(actor=users["bd_a"], partnership=mine, to="contacted")

    stored = Partnership.objects.get(pk=deal.pk)
    assert (stored.stage, stored.notes, stored.expected_value, stored.currency) == (
        "contacted",
        "The dean prefers email.",
        Decimal("90000.00"),
        "EUR",
    )
    assert stored.version == 3


def test_every_move_is_recorded_so_the_time_in_each_stage_can_be_read_back(
    users, usm, team_a, time_machine
):
    t0 = NOW
    time_machine.move_to(t0, tick=False)
    p = factories.partnership(team_a, counterparts=[usm], actor=users["bd_a"])
    steps = [
        (dt.timedelta(days=3), users["bd_a"], "contacted", ""),
        (dt.timedelta(days=10), users["integrator_a"], "exploring", ""),
        (dt.timedelta(days=12, hours=12), users["bd_a"], "on_hold", ""),
        (dt.timedelta(days=40), users["bd_a"], "mou_negotiation", "Budget approved early."),
    ]
    for offset, actor, to, reason in steps:
        time_machine.move_to(t0 + offset, tick=False)
        partnership_transition(actor=actor, partnership=p, to=to, reason=reason)

    rows = list(
        StageChange.objects.filter(partnership=p).values_list(
            "from_stage", "to_stage", "reason", "actor__username", "at"
        )
    )
    assert rows == [
        ("", "identified", "", "bd_a", t0),
        ("identified", "contacted", "", "bd_a", t0 + dt.timedelta(days=3)),
        ("contacted", "exploring", "", "integrator_a", t0 + dt.timedelta(days=10)),
        ("exploring", "on_hold", "", "bd_a", t0 + dt.timedelta(days=12, hours=12)),
        (
            "on_hold",
            "mou_negotiation",
            "Budget approved early.",
            "bd_a",
            t0 + dt.timedelta(days=40),
        ),
    ]
    days_in_stage = [
        (stage, (later - at).total_seconds() / 86400)
        for (_f, stage, _r, _a, at), (*_, later) in itertools.pairwise(rows)
    ]
    assert days_in_stage == [
        ("identified", 3.0),
        ("contacted", 7.0),
        ("exploring", 2.5),
        ("on_hold", 27.5),
    ]
    assert Partnership.objects.get(pk=p.pk).stage_changed_at == t0 + dt.timedelta(days=40)
    assert TimelineEvent.objects.filter(partnership=p, kind="stage_changed").count() == 4


@pytest.mark.parametrize("who", ["bd_b", "pm"])
def test_only_the_owning_team_may_move_its_partnership(users, deal, who):
    state, before = _state(deal), _snapshot()

    with pytest.raises(NotPermitted) as refused:
        partnership_transition(actor=users[who], partnership=deal, to="contacted")

    assert refused.value.detail == "You may not change this partnership."
    assert _state(deal) == state
    assert _snapshot() == before
