import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from engagement.errors import Conflict, NotPermitted, ValidationFailed
from engagement.models import KPI, Milestone, Pilot, TimelineEvent
from engagement.services.pilots import (
    kpi_add,
    kpi_record,
    milestone_complete,
    pilot_cancel,
    pilot_complete,
    pilot_create,
    pilot_start,
)
from tests import factories

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 11, 26)
frozen = time_machine.travel(NOW, tick=False)


@pytest.fixture
def usm(db):
    return factories.institution("Universiti Sains Malaysia", country="MY")


@pytest.fixture
def deal(users, usm):
    return factories.partnership(
        users["bd_a"].team, counterparts=[usm], actor=users["bd_a"], title="Dicing lab at USM"
    )


def _snapshot():
    return {
        "pilots": Pilot.objects.count(),
        "pilot_history": Pilot.history.count(),
        "milestones": Milestone.objects.count(),
        "kpis": KPI.objects.count(),
        "timeline": TimelineEvent.objects.count(),
    }


def _state(pilot: Pilot) -> dict:
    pilot = Pilot.objects.get(pk=pilot.pk)
    return {
        "status": pilot.status,
        "version": pilot.version,
        "starts_on": pilot.starts_on,
        "planned_end_on": pilot.planned_end_on,
        "actual_end_on": pilot.actual_end_on,
        "last_activity_at": pilot.last_activity_at,
    }


def _pilot_events(pilot: Pilot) -> list[dict]:
    return list(
        TimelineEvent.objects.filter(object_type="pilot", object_id=pilot.pk)
        .order_by("id")
        .values_list("data", flat=True)
    )


@frozen
def test_a_pilot_is_created_planned_with_its_milestones_and_kpis(users, deal):
    pilot = pilot_create(
        actor=users["bd_a"],
        partnership=deal,
        objective="  Dicing yield trial on 300 mm wafers ",
        starts_on="2027-01-10",
        planned_end_on="2027-06-30",
        milestones=[
            {"title": "Install the saw", "due_on": "2027-01-31"},
            {"title": "First wafers", "due_on": "2027-03-15", "owner": users["integrator_a"].pk},
        ],
        kpis=[
            {"name": "Yield", "target": "98.5", "unit": "%"},
            {"name": "Throughput", "target": 120, "actual": "80", "unit": "wafers/h"},
        ],
    )

    assert (pilot.objective, pilot.owner, pilot.partnership) == (
        "Dicing yield trial on 300 mm wafers",
        users["bd_a"],
        deal,
    )
    assert _state(pilot) == {
        "status": "planned",
        "version": 1,
        "starts_on": dt.date(2027, 1, 10),
        "planned_end_on": dt.date(2027, 6, 30),
        "actual_end_on": None,
        "last_activity_at": NOW,
    }
    assert list(pilot.milestones.values_list("title", "due_on", "done_on", "owner__username")) == [
        ("Install the saw", dt.date(2027, 1, 31), None, None),
        ("First wafers", dt.date(2027, 3, 15), None, "integrator_a"),
    ]
    assert list(pilot.kpis.values_list("name", "target", "actual", "unit")) == [
        ("Yield", Decimal("98.5000"), None, "%"),
        ("Throughput", Decimal("120.0000"), Decimal("80.0000"), "wafers/h"),
    ]
    assert _pilot_events(pilot) == [
        {"objective": "Dicing yield trial on 300 mm wafers", "action": "created"}
    ]


def test_a_milestone_due_before_the_start_is_refused_and_nothing_written(users, deal):
    before = _snapshot()

    with pytest.raises(ValidationFailed) as refused:
        pilot_create(
            actor=users["bd_a"],
            partnership=deal,
            objective="Trial",
            starts_on="2027-01-10",
            milestones=[
                {"title": "Kick-off", "due_on": "2027-01-05"},
                {"title": "Report", "due_on": "2027-02-01"},
            ],
            kpis=[{"name": "Yield", "target": "98"}],
        )

    assert refused.value.errors == {
        "milestones.0.due_on": ["Due 2027-01-05 is before the pilot starts (2027-01-10)."]
    }
    assert _snapshot() == before


def test_every_bad_milestone_and_kpi_is_named_by_its_position(users, deal):
    before = _snapshot()

    with pytest.raises(ValidationFailed) as refused:
        pilot_create(
            actor=users["bd_a"],
            partnership=deal,
            objective="",
            milestones=[
                {"title": "", "due_on": "2027-01-05"},
                {"title": "Report", "due_on": "soon", "owner": users["bd_b"].pk},
            ],
            kpis=[
                {"name": "Yield", "target": "lots"},
                {"name": "Yield", "target": "98", "actual": "NaN"},
                {"name": "Wafers", "target": "1e13"},
            ],
        )

    assert refused.value.errors == {
        "objective": ["This field is required."],
        "milestones.0.title": ["This field is required."],
        "milestones.1.due_on": ["Enter a date as YYYY-MM-DD."],
        "milestones.1.owner": [f"No user with id(s) {users['bd_b'].pk}."],
        "kpis.0.target": ["Enter a number."],
        "kpis.1.name": ["KPI 'Yield' is listed twice."],
        "kpis.1.actual": ["Enter a number."],
        "kpis.2.target": ["At most 12 digits before the decimal point."],
    }
    assert _snapshot() == before


def test_a_planned_end_before_the_start_is_refused(users, deal):
    before = _snapshot()

    with pytest.raises(ValidationFailed) as refused:
        pilot_create(
            actor=users["bd_a"],
            partnership=deal,
            objective="Trial",
            starts_on="2027-01-10",
            planned_end_on="2027-01-09",
        )

    assert refused.value.errors == {
        "planned_end_on": ["The planned end (2027-01-09) is before the start (2027-01-10)."]
    }
    assert _snapshot() == before


def test_a_member_of_team_b_cannot_create_a_pilot_on_team_as_partnership(users, deal):
    before = _snapshot()

    with pytest.raises(NotPermitted):
        pilot_create(actor=users["bd_b"], partnership=deal, objective="Trial")

    assert _snapshot() == before


# --- Starting, completing, cancelling -----------------------------------------------------------


@frozen
def test_starting_a_planned_pilot_makes_it_running(users, deal):
    pilot = factories.pilot(deal, actor=users["bd_a"], planned_end_on="2027-06-30")

    pilot_start(actor=users["bd_a"], pilot=pilot)

    assert _state(pilot) == {
        "status": "running",
        "version": 2,
        "starts_on": TODAY,
        "planned_end_on": dt.date(2027, 6, 30),
        "actual_end_on": None,
        "last_activity_at": NOW,
    }
    assert _pilot_events(pilot)[-1] == {
        "objective": pilot.objective,
        "action": "start",
        "status": "running",
    }


@frozen
def test_starting_a_running_pilot_again_is_a_conflict(users, deal):
    pilot = factories.pilot(deal, actor=users["bd_a"])
    pilot_start(actor=users["bd_a"], pilot=pilot)
    state, before = _state(pilot), _snapshot()

    with pytest.raises(Conflict) as refused:
        pilot_start(actor=users["bd_a"], pilot=pilot)

    assert refused.value.detail == "This pilot is Running; to start it, it must be Planned."
    assert refused.value.errors == {"status": ["Is Running."]}
    assert _state(pilot) == state
    assert _snapshot() == before


@frozen
@pytest.mark.parametrize("starts_on", [None, "2026-11-01", "2027-01-10"])
def test_completing_a_planned_pilot_is_a_conflict(users, deal, starts_on):
    pilot = factories.pilot(deal, actor=users["bd_a"], starts_on=starts_on)
    state, before = _state(pilot), _snapshot()

    with pytest.raises(Conflict) as refused:
        pilot_complete(actor=users["bd_a"], pilot=pilot)

    assert refused.value.detail == (
        "This pilot is Planned; to complete it, it must be Running or At risk."
    )
    assert refused.value.errors == {"status": ["Is Planned."]}
    assert _state(pilot) == state
    assert _snapshot() == before


def test_completing_a_running_pilot_records_its_end(users, deal, time_machine):
    time_machine.move_to(NOW, tick=False)
    pilot = factories.pilot(deal, actor=users["bd_a"])
    pilot_start(actor=users["bd_a"], pilot=pilot)
    finished = NOW + dt.timedelta(days=30)
    time_machine.move_to(finished, tick=False)

    pilot_complete(actor=users["bd_a"], pilot=pilot)

    assert _state(pilot) == {
        "status": "completed",
        "version": 3,
        "starts_on": TODAY,
        "planned_end_on": None,
        "actual_end_on": dt.date(2026, 12, 26),
        "last_activity_at": finished,
    }
    state, before = _state(pilot), _snapshot()
    with pytest.raises(Conflict) as refused:
        pilot_complete(actor=users["bd_a"], pilot=pilot)
    assert refused.value.errors == {"status": ["Is Completed."]}
    assert _state(pilot) == state
    assert _snapshot() == before


@frozen
def test_an_end_before_the_start_of_a_running_pilot_is_refused(users, deal):
    pilot = factories.pilot(deal, actor=users["bd_a"])
    pilot_start(actor=users["bd_a"], pilot=pilot, starts_on="2026-11-20")
    state, before = _state(pilot), _snapshot()

    with pytest.raises(ValidationFailed) as refused:
        pilot_complete(actor=users["bd_a"], pilot=pilot, actual_end_on="2026-11-19")

    assert refused.value.errors == {
        "actual_end_on": ["The end (2026-11-19) is before the start (2026-11-20)."]
    }
    assert _state(pilot) == state
    assert _snapshot() == before


@frozen
@pytest.mark.parametrize("path", [[], ["start"]])
def test_a_planned_or_running_pilot_can_be_cancelled(users, deal, path):
    pilot = factories.pilot(deal, actor=users["bd_a"])
    if path:
        pilot_start(actor=users["bd_a"], pilot=pilot)

    pilot_cancel(actor=users["bd_a"], pilot=pilot)

    assert _state(pilot)["status"] == "cancelled"
    assert _pilot_events(pilot)[-1]["action"] == "cancel"


@frozen
@pytest.mark.parametrize(
    "action", [pilot_start, pilot_complete, pilot_cancel], ids=["start", "complete", "cancel"]
)
def test_a_cancelled_pilot_cannot_be_started_completed_or_cancelled_again(users, deal, action):
    pilot = factories.pilot(deal, actor=users["bd_a"])
    pilot_cancel(actor=users["bd_a"], pilot=pilot)
    state, before = _state(pilot), _snapshot()

    with pytest.raises(Conflict) as refused:
        action(actor=users["bd_a"], pilot=pilot)

    assert refused.value.errors == {"status": ["Is Cancelled."]}
    assert _state(pilot) == state
    assert _snapshot() == before


# --- Milestones and KPIs ----------------------------------------------------------------------


def test_completing_a_milestone_twice_is_a_conflict(users, deal, time_machine):
    time_machine.move_to(NOW, tick=False)
    pilot = factories.pilot(
        deal,
        actor=users["bd_a"],
        starts_on="2026-11-01",
        milestones=[{"title": "Install the saw", "due_on": "2026-12-01"}],
    )
    milestone = pilot.milestones.get()
    done_at = NOW + dt.timedelta(days=3, hours=2)
    time_machine.move_to(done_at, tick=False)

    milestone_complete(actor=users["integrator_a"], milestone=milestone)

    milestone.refresh_from_db()
    assert milestone.done_on == dt.date(2026, 11, 29)
    assert _state(pilot)["last_activity_at"] == done_at
    event = TimelineEvent.objects.get(kind="milestone_done")
    assert (event.object_type, event.object_id, event.actor, event.partnership, event.data) == (
        "milestone",
        milestone.pk,
        users["integrator_a"],
        deal,
        {"title": "Install the saw", "done_on": "2026-11-29", "pilot": pilot.pk},
    )

    time_machine.move_to(done_at + dt.timedelta(days=1), tick=False)
    state, before = _state(pilot), _snapshot()
    with pytest.raises(Conflict) as refused:
        milestone_complete(actor=users["bd_a"], milestone=milestone, done_on="2026-11-30")

    assert refused.value.detail == "Milestone 'Install the saw' is already done."
    assert refused.value.errors == {"done_on": ["Already done."]}
    milestone.refresh_from_db()
    assert milestone.done_on == dt.date(2026, 11, 29)
    assert _state(pilot) == state
    assert _snapshot() == before


@frozen
def test_a_milestone_cannot_be_done_in_the_future(users, deal):
    pilot = factories.pilot(deal, actor=users["bd_a"], milestones=[{"title": "M", "due_on": TODAY}])
    milestone = pilot.milestones.get()
    before = _snapshot()

    with pytest.raises(ValidationFailed) as refused:
        milestone_complete(actor=users["bd_a"], milestone=milestone, done_on="2026-11-27")

    assert refused.value.errors == {"done_on": ["2026-11-27 is in the future."]}
    milestone.refresh_from_db()
    assert milestone.done_on is None
    assert _snapshot() == before


def test_a_kpi_name_already_on_the_pilot_is_a_conflict(users, deal):
    pilot = factories.pilot(deal, actor=users["bd_a"], kpis=[{"name": "Yield", "target": "98"}])
    before = _snapshot()

    with pytest.raises(Conflict) as refused:
        kpi_add(actor=users["bd_a"], pilot=pilot, name="Yield", target="99")

    assert refused.value.detail == "This pilot already has a KPI named 'Yield'."
    assert refused.value.errors == {"name": ["Already used on this pilot."]}
    assert _snapshot() == before
    assert list(pilot.kpis.values_list("name", "target")) == [("Yield", Decimal("98.0000"))]


def test_a_kpi_name_listed_twice_on_a_new_pilot_is_refused(users, deal):
    before = _snapshot()

    with pytest.raises(ValidationFailed) as refused:
        pilot_create(
            actor=users["bd_a"],
            partnership=deal,
            objective="Trial",
            kpis=[{"name": "Yield", "target": "98"}, {"name": " Yield ", "target": "99"}],
        )

    assert refused.value.errors == {"kpis.1.name": ["KPI 'Yield' is listed twice."]}
    assert _snapshot() == before


def test_recording_a_kpi_stores_the_exact_decimal(users, deal, time_machine):
    time_machine.move_to(NOW, tick=False)
    pilot = factories.pilot(deal, actor=users["bd_a"], kpis=[{"name": "Yield", "target": "98"}])
    kpi = pilot.kpis.get()
    recorded_at = NOW + dt.timedelta(hours=5)
    time_machine.move_to(recorded_at, tick=False)

    kpi_record(actor=users["bd_a"], kpi=kpi, actual="97.1234")

    stored = KPI.objects.get(pk=kpi.pk)
    assert stored.actual == Decimal("97.1234")
    assert str(stored.actual) == "97.1234"
    assert _state(pilot)["last_activity_at"] == recorded_at


@pytest.mark.parametrize(
    ("actual", "error"),
    [
        ("", "This field is required."),
        ("ninety", "Enter a number."),
        ("NaN", "Enter a number."),
        ("-Infinity", "Enter a number."),
        ("1000000000000", "At most 12 digits before the decimal point."),
    ],
)
def test_recording_a_kpi_refuses_what_is_not_a_storable_number(users, deal, actual, error):
    pilot = factories.pilot(deal, actor=users["bd_a"], kpis=[{"name": "Yield", "target": "98"}])
    kpi = pilot.kpis.get()
    kpi_record(actor=users["bd_a"], kpi=kpi, actual="90")
    state, before = _state(pilot), _snapshot()

    with pytest.raises(ValidationFailed) as refused:
        kpi_record(actor=users["bd_a"], kpi=KPI.objects.get(pk=kpi.pk), actual=actual)

    assert refused.value.errors == {"actual": [error]}
    assert KPI.objects.get(pk=kpi.pk).actual == Decimal("90")
    assert _state(pilot) == state
    assert _snapshot() == before


def test_a_member_of_team_b_cannot_record_a_kpi(users, deal):
    pilot = factories.pilot(deal, actor=users["bd_a"], kpis=[{"name": "Yield", "target": "98"}])
    kpi = pilot.kpis.get()
    state, before = _state(pilot), _snapshot()

    with pytest.raises(NotPermitted):
        kpi_record(actor=users["bd_b"], kpi=kpi, actual="1")

    assert KPI.objects.get(pk=kpi.pk).actual is None
    assert _state(pilot) == state
    assert _snapshot() == before
