import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from engagement.selectors.pipeline import pipeline_summary
from engagement.services.partnerships import partnership_transition
from tests import factories

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 10, 1, 9, 0, tzinfo=dt.UTC)
STAGES = [
    "identified",
    "contacted",
    "exploring",
    "mou_negotiation",
    "mou_signed",
    "pilot",
    "agreement",
    "active",
    "on_hold",
    "lost",
]


def _by_stage(**rows) -> list[dict]:
    """The full by-stage list: every stage, those not named empty."""
    return [
        {"stage": s, "count": rows.get(s, (0, {}))[0], "value": rows.get(s, (0, {}))[1]}
        for s in STAGES
    ]


def _conversion(*reached: int) -> list[dict]:
    rates = {
        (5, 4): 0.8,
        (4, 3): 0.75,
        (3, 1): 0.3333,
        (1, 0): 0.0,
        (6, 5): 0.8333,
        (5, 3): 0.6,
        (1, 1): 1.0,
    }
    return [
        {
            "from": STAGES[i],
            "to": STAGES[i + 1],
            "reached": reached[i],
            "advanced": reached[i + 1],
            "rate": rates[(reached[i], reached[i + 1])] if reached[i] else None,
        }
        for i in range(7)
    ]


def _medians(**days) -> dict:
    return {s: days.get(s) for s in STAGES}


@pytest.fixture
def pipeline(users, time_machine):
    """Five partnerships of team A and one of team B, moved at known times."""
    usm = factories.institution("Universiti Sains Malaysia", country="MY")
    bd_a, bd_b = users["bd_a"], users["bd_b"]
    time_machine.move_to(T0, tick=False)

    def deal(actor, title, **extra):
        return factories.partnership(
            actor.team, counterparts=[usm], actor=actor, title=title, **extra
        )

    dicing = deal(
        bd_a,
        "Dicing lab",
        expected_value="1000000",
        currency="USD",
        initiatives=["T1-01", "T1-02"],
        priority_country="MY",
    )
    training = deal(
        bd_a,
        "Training",
        expected_value="500000",
        currency="USD",
        initiatives=["T2-01", "T6-01"],
        priority_country="TH",
    )
    hub = deal(bd_a, "Service hub", expected_value="20000000", currency="JPY")
    deal(bd_a, "Materials", initiatives=["T1-03"], priority_country="MY")
    cleanroom = deal(
        bd_a,
        "Cleanroom",
        expected_value="3000000",
        currency="JPY",
        initiatives=["T1-02"],
        priority_country="VN",
    )
    packaging = deal(
        bd_b,
        "Packaging",
        expected_value="300000",
        currency="USD",
        initiatives=["T3-01"],
        priority_country="VN",
    )
    moves = [
        (dt.timedelta(days=1), bd_a, dicing, "contacted", ""),
        (dt.timedelta(days=2), bd_a, cleanroom, "contacted", ""),
        (dt.timedelta(days=2), bd_b, packaging, "contacted", ""),
        (dt.timedelta(days=3), bd_a, training, "contacted", ""),
        (dt.timedelta(days=5), bd_a, cleanroom, "exploring", ""),
        (dt.timedelta(days=6), bd_a, dicing, "exploring", ""),
        (dt.timedelta(days=8), bd_a, hub, "contacted", ""),
        (dt.timedelta(days=8, hours=12), bd_a, hub, "lost", "Chose a local partner."),
        (dt.timedelta(days=10), bd_a, training, "exploring", ""),
        (dt.timedelta(days=16), bd_a, dicing, "mou_negotiation", ""),
    ]
    for offset, actor, partnership, to, reason in moves:
        time_machine.move_to(T0 + offset, tick=False)
        partnership_transition(actor=actor, partnership=partnership, to=to, reason=reason)
    time_machine.move_to(T0 + dt.timedelta(days=30), tick=False)


def test_a_bd_member_sees_the_figures_of_their_own_team(users, pipeline):
    summary = pipeline_summary(user=users["bd_a"])

    assert summary.total == 5
    assert summary.by_stage == _by_stage(
        identified=(1, {}),
        exploring=(2, {"USD": "500000.00", "JPY": "3000000.00"}),
        mou_negotiation=(1, {"USD": "1000000.00"}),
        lost=(1, {"JPY": "20000000.00"}),
    )
    assert summary.by_thrust == [
        {"thrust": "T1", "count": 3},
        {"thrust": "T2", "count": 1},
        {"thrust": "T6", "count": 1},
    ]
    assert summary.by_country == [
        {"country": "", "count": 1},
        {"country": "MY", "count": 2},
        {"country": "TH", "count": 1},
        {"country": "VN", "count": 1},
    ]
    assert summary.conversion == _conversion(5, 4, 3, 1, 0, 0, 0, 0)
    # identified: 1, 2, 3 and 8 days; contacted: 5, 3, 7 and half a day; exploring: 10 days.
    assert summary.median_days_in_stage == _medians(identified=2.5, contacted=4.0, exploring=10.0)


def test_team_bs_bd_member_sees_only_team_bs_partnerships(users, pipeline, team_a):
    summary = pipeline_summary(user=users["bd_b"])

    assert summary.total == 1
    assert summary.by_stage == _by_stage(contacted=(1, {"USD": "300000.00"}))
    assert summary.by_thrust == [{"thrust": "T3", "count": 1}]
    assert summary.by_country == [{"country": "VN", "count": 1}]
    assert summary.conversion == _conversion(1, 1, 0, 0, 0, 0, 0, 0)
    assert summary.median_days_in_stage == _medians(identified=2.0)

    asking_for_team_a = pipeline_summary(user=users["bd_b"], team=team_a)

    assert asking_for_team_a.total == 0
    assert asking_for_team_a.by_stage == _by_stage()
    assert (asking_for_team_a.by_thrust, asking_for_team_a.by_country) == ([], [])
    assert asking_for_team_a.conversion == _conversion(0, 0, 0, 0, 0, 0, 0, 0)
    assert asking_for_team_a.median_days_in_stage == _medians()


def test_a_program_manager_sees_every_team(users, pipeline, team_b):
    summary = pipeline_summary(user=users["pm"])

    assert summary.total == 6
    assert summary.by_stage == _by_stage(
        identified=(1, {}),
        contacted=(1, {"USD": "300000.00"}),
        exploring=(2, {"USD": "500000.00", "JPY": "3000000.00"}),
        mou_negotiation=(1, {"USD": "1000000.00"}),
        lost=(1, {"JPY": "20000000.00"}),
    )
    assert summary.by_thrust == [
        {"thrust": "T1", "count": 3},
        {"thrust": "T2", "count": 1},
        {"thrust": "T3", "count": 1},
        {"thrust": "T6", "count": 1},
    ]
    assert summary.by_country == [
        {"country": "", "count": 1},
        {"country": "MY", "count": 2},
        {"country": "TH", "count": 1},
        {"country": "VN", "count": 2},
    ]
    assert summary.conversion == _conversion(6, 5, 3, 1, 0, 0, 0, 0)
    assert summary.median_days_in_stage == _medians(identified=2.0, contacted=4.0, exploring=10.0)

    assert pipeline_summary(user=users["pm"], team=team_b) == pipeline_summary(user=users["bd_b"])


def test_values_in_one_stage_are_added_up_per_currency(users, pipeline):
    extra = factories.partnership(
        users["bd_a"].team,
        counterparts=[factories.institution("NSTDA", country="TH")],
        actor=users["bd_a"],
        expected_value="1234.56",
        currency="USD",
    )
    partnership_transition(actor=users["bd_a"], partnership=extra, to="on_hold")
    partnership_transition(actor=users["bd_a"], partnership=extra, to="identified", reason="Back.")

    summary = pipeline_summary(user=users["bd_a"])

    assert summary.by_stage[0] == {"stage": "identified", "count": 2, "value": {"USD": "1234.56"}}


def test_the_summary_costs_the_same_number_of_queries_however_many_partnerships(users, pipeline):
    with CaptureQueriesContext(connection) as with_6:
        pipeline_summary(user=users["pm"])
    nstda = factories.institution("NSTDA", country="TH")
    for i in range(20):
        extra = factories.partnership(
            users["bd_a"].team,
            counterparts=[nstda],
            actor=users["bd_a"],
            expected_value=str(1000 + i),
            currency="THB",
            initiatives=["T4-01"],
            priority_country="TH",
        )
        partnership_transition(actor=users["bd_a"], partnership=extra, to="contacted")

    with CaptureQueriesContext(connection) as with_26:
        summary = pipeline_summary(user=users["pm"])

    assert summary.total == 26
    assert summary.by_stage[1] == {
        "stage": "contacted",
        "count": 21,
        "value": {"USD": "300000.00", "THB": "20190.00"},
    }
    assert len(with_6) == len(with_26) == 5
