import datetime as dt

import pytest
import time_machine

from engagement.errors import Conflict, NotPermitted, StaleWrite, ValidationFailed
from engagement.models import FollowUp, TimelineEvent
from engagement.services.followups import (
    UNDO_WINDOW,
    followup_cancel,
    followup_complete,
    followup_create,
    followup_reopen,
    followup_update,
)
from tests import factories

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC)
frozen = time_machine.travel(NOW, tick=False)


@pytest.fixture
def usm(db):
    return factories.institution("Universiti Sains Malaysia", country="MY")


@pytest.fixture
def records(users, usm, disco):
    """One record of every subject type for team A, and a partnership of team B."""
    team_a = users["bd_a"].team
    deal = factories.partnership(team_a, counterparts=[usm], actor=users["bd_a"])
    return {
        "engagement": factories.engagement(team_a, organizations=[usm, disco], actor=users["bd_a"]),
        "partnership": deal,
        "mou": factories.mou(deal, actor=users["bd_a"]),
        "pilot": factories.pilot(deal, actor=users["bd_a"]),
        "organization": usm,
        "deal_b": factories.partnership(
            users["bd_b"].team, counterparts=[usm], actor=users["bd_b"]
        ),
    }


def _snapshot():
    return {
        "followups": FollowUp.objects.count(),
        "followup_history": FollowUp.history.count(),
        "timeline": TimelineEvent.objects.count(),
    }


def _state(f: FollowUp) -> dict:
    f = FollowUp.objects.get(pk=f.pk)
    return {
        "status": f.status,
        "version": f.version,
        "note": f.note,
        "due_on": f.due_on,
        "owner": f.owner.username,
        "completed_at": f.completed_at,
        "completed_by": f.completed_by.username if f.completed_by else None,
    }


@frozen
@pytest.mark.parametrize(
    ("kind", "partnership", "organizations"),
    [
        ("engagement", None, ["disco", "usm"]),
        ("partnership", "partnership", ["disco", "usm"]),
        ("mou", "partnership", ["disco", "usm"]),
        ("pilot", "partnership", ["disco", "usm"]),
        ("organization", None, ["usm"]),
    ],
)
def test_a_follow_up_can_be_about_each_kind_of_record(
    users, records, usm, disco, kind, partnership, organizations
):
    subject = records[kind]

    followup = followup_create(
        actor=users["bd_a"],
        due_on="2026-12-01",
        note="  Call back about the lab tour ",
        subject=(kind, subject.pk),
        priority="high",
    )

    stored = FollowUp.objects.get(pk=followup.pk)
    assert stored.subject == (kind, subject)
    assert [name for name in FollowUp.SUBJECT_FIELDS if getattr(stored, f"{name}_id")] == [kind]
    assert (stored.team, stored.owner, stored.due_on, stored.note, stored.priority) == (
        users["bd_a"].team,
        users["bd_a"],
        dt.date(2026, 12, 1),
        "Call back about the lab tour",
        "high",
    )
    assert (stored.status, stored.version, stored.created_by) == ("open", 1, users["bd_a"])
    event = TimelineEvent.objects.get(kind="followup_created")
    assert (event.object_type, event.object_id, event.at, event.actor) == (
        "followup",
        followup.pk,
        NOW,
        users["bd_a"],
    )
    assert event.partnership == (records[partnership] if partnership else None)
    names = {"disco": disco.pk, "usm": usm.pk}
    assert sorted(event.organizations.values_list("pk", flat=True)) == sorted(
        names[n] for n in organizations
    )
    assert event.data == {
        "note": "Call back about the lab tour",
        "due_on": "2026-12-01",
        "owner": "bd_a",
    }


def test_a_follow_up_about_nothing_in_particular_is_allowed(users):
    followup = followup_create(actor=users["bd_a"], due_on="2026-12-01", note="Plan Q1 trips")

    assert followup.subject == (None, None)
    assert list(TimelineEvent.objects.get().organizations.all()) == []


def test_the_subject_may_be_given_as_a_record_or_as_a_type_and_id(users, records):
    deal = records["partnership"]

    as_record = followup_create(
        actor=users["bd_a"], due_on="2026-12-01", note="a", subject=("partnership", deal)
    )
    as_dict = followup_create(
        actor=users["bd_a"],
        due_on="2026-12-01",
        note="b",
        subject={"type": "partnership", "id": deal.pk},
    )

    assert as_record.subject == as_dict.subject == ("partnership", deal)


@pytest.mark.parametrize(
    "given",
    [
        lambda deal: ("partnership", deal.pk),
        lambda deal: ("partnership", deal),
        lambda deal: {"type": "partnership", "id": deal.pk},
    ],
    ids=["id", "record", "dict"],
)
def test_another_teams_record_is_refused_like_a_missing_one(users, records, given):
    deal_b = records["deal_b"]
    before = _snapshot()

    with pytest.raises(ValidationFailed) as refused:
        followup_create(actor=users["bd_a"], due_on="2026-12-01", note="x", subject=given(deal_b))

    assert refused.value.errors == {"subject": [f"No partnership with id {deal_b.pk}."]}
    assert _snapshot() == before


def test_a_missing_record_is_refused(users):
    before = _snapshot()

    with pytest.raises(ValidationFailed) as refused:
        followup_create(
            actor=users["bd_a"], due_on="2026-12-01", note="x", subject=("pilot", 999_999)
        )

    assert refused.value.errors == {"subject": ["No pilot with id 999999."]}
    assert _snapshot() == before


def test_an_unknown_subject_type_is_refused(users):
    before = _snapshot()

    with pytest.raises(ValidationFailed) as refused:
        followup_create(actor=users["bd_a"], due_on="2026-12-01", note="x", subject=("deal", 1))

    assert refused.value.errors == {
        "subject": ["type must be one of: engagement, partnership, mou, pilot, organization."]
    }
    assert _snapshot() == before


@pytest.mark.parametrize("given", [lambda u: u.pk, lambda u: u], ids=["id", "record"])
def test_an_owner_outside_the_team_is_refused(users, given):
    before = _snapshot()

    with pytest.raises(ValidationFailed) as refused:
        followup_create(
            actor=users["bd_a"], due_on="2026-12-01", note="x", owner=given(users["bd_b"])
        )

    assert refused.value.errors == {
        "owner": [f"User {users['bd_b'].pk} is not a member of team team-a."]
    }
    assert _snapshot() == before


def test_bad_input_names_every_field(users):
    before = _snapshot()

    with pytest.raises(ValidationFailed) as refused:
        followup_create(actor=users["bd_a"], due_on="2026-02-30", note=" ", priority="urgent")

    assert refused.value.errors == {
        "due_on": ["Enter a date as YYYY-MM-DD."],
        "note": ["This field is required."],
        "priority": ["Must be one of: low, normal, high."],
    }
    assert _snapshot() == before


def test_a_program_manager_cannot_create_a_follow_up(users, team_a):
    before = _snapshot()

    with pytest.raises(NotPermitted):
        followup_create(
            actor=users["pm"], team=team_a, due_on="2026-12-01", note="x", owner=users["bd_a"]
        )

    assert _snapshot() == before


# --- Completing and cancelling ----------------------------------------------------------------


@pytest.fixture
def followup(users, records):
    with time_machine.travel(NOW, tick=False):
        return factories.followup(
            users["bd_a"].team,
            owner=users["bd_a"],
            due_on="2026-12-01",
            note="Send the NDA",
            subject=("partnership", records["partnership"]),
            actor=users["bd_a"],
        )


def test_completing_twice_is_a_conflict_and_records_one_event(users, followup, records):
    done_at = NOW + dt.timedelta(days=2)
    with time_machine.travel(done_at, tick=False):
        followup_complete(actor=users["integrator_a"], followup=followup)

    assert _state(followup) == {
        "status": "done",
        "version": 2,
        "note": "Send the NDA",
        "due_on": dt.date(2026, 12, 1),
        "owner": "bd_a",
        "completed_at": done_at,
        "completed_by": "integrator_a",
    }
    state, before = _state(followup), _snapshot()

    with pytest.raises(Conflict) as refused:
        followup_complete(actor=users["bd_a"], followup=FollowUp.objects.get(pk=followup.pk))

    assert refused.value.detail == "This follow-up is already Done."
    assert refused.value.errors == {"status": ["Already Done."]}
    assert _state(followup) == state
    assert _snapshot() == before
    event = TimelineEvent.objects.get(kind="followup_done")
    assert (event.object_id, event.at, event.actor, event.partnership, event.data) == (
        followup.pk,
        done_at,
        users["integrator_a"],
        records["partnership"],
        {"note": "Send the NDA", "due_on": "2026-12-01"},
    )


@frozen
def test_a_stale_copy_cannot_complete_a_follow_up_twice(users, followup):
    first = FollowUp.objects.get(pk=followup.pk)
    second = FollowUp.objects.get(pk=followup.pk)
    followup_complete(actor=users["bd_a"], followup=first)
    state, before = _state(followup), _snapshot()

    with pytest.raises(Conflict):
        followup_complete(actor=users["integrator_a"], followup=second)

    assert _state(followup) == state
    assert _snapshot() == before
    assert TimelineEvent.objects.filter(kind="followup_done").count() == 1
    assert _state(followup)["completed_by"] == "bd_a"


@frozen
def test_cancelling_closes_the_follow_up_without_completing_it(users, followup):
    followup_cancel(actor=users["bd_a"], followup=followup)

    state = _state(followup)
    assert (state["status"], state["version"], state["completed_at"]) == ("cancelled", 2, None)
    cancelled = TimelineEvent.objects.filter(kind="followup_cancelled", object_id=followup.pk)
    assert cancelled.count() == 1
    before = _snapshot()

    with pytest.raises(Conflict) as refused:
        followup_complete(actor=users["bd_a"], followup=followup)

    assert refused.value.detail == "This follow-up is already Cancelled."
    assert _state(followup) == state
    assert _snapshot() == before


@frozen
def test_an_outcome_is_kept_on_completion_and_one_over_the_limit_is_refused(users, followup):
    before = _snapshot()
    with pytest.raises(ValidationFailed) as refused:
        followup_complete(
            actor=users["bd_a"], followup=followup, outcome="x" * (FollowUp.OUTCOME_MAX + 1)
        )
    assert refused.value.errors == {"outcome": ["At most 2,000 characters; this has 2,001."]}
    assert _snapshot() == before

    followup_complete(actor=users["bd_a"], followup=followup, outcome=" NDA signed ")

    assert FollowUp.objects.get(pk=followup.pk).outcome == "NDA signed"
    event = TimelineEvent.objects.get(kind="followup_done")
    assert event.data == {"note": "Send the NDA", "due_on": "2026-12-01", "outcome": "NDA signed"}


def test_reopening_within_the_window_undoes_the_finish_and_is_recorded(users, followup):
    with time_machine.travel(NOW, tick=False):
        followup_complete(actor=users["bd_a"], followup=followup, outcome="NDA signed")
    with time_machine.travel(NOW + UNDO_WINDOW, tick=False):
        followup_reopen(actor=users["bd_a"], followup=followup)

    state = _state(followup)
    assert (state["status"], state["version"], state["completed_at"], state["completed_by"]) == (
        "open",
        3,
        None,
        None,
    )
    assert FollowUp.objects.get(pk=followup.pk).outcome == ""
    event = TimelineEvent.objects.get(kind="followup_reopened")
    assert (event.object_id, event.at, event.actor) == (
        followup.pk,
        NOW + UNDO_WINDOW,
        users["bd_a"],
    )
    with pytest.raises(Conflict) as again:
        followup_reopen(actor=users["bd_a"], followup=followup)
    assert again.value.detail == "This follow-up is already open."


def test_reopening_after_the_window_or_by_a_program_manager_is_refused(users, followup):
    with time_machine.travel(NOW, tick=False):
        followup_cancel(actor=users["bd_a"], followup=followup)
    state, before = _state(followup), _snapshot()

    with pytest.raises(NotPermitted):
        followup_reopen(actor=users["pm"], followup=followup)
    with (
        time_machine.travel(NOW + UNDO_WINDOW + dt.timedelta(seconds=1), tick=False),
        pytest.raises(Conflict) as late,
    ):
        followup_reopen(actor=users["bd_a"], followup=followup)

    assert late.value.errors == {"status": ["Too late to undo."]}
    assert _state(followup) == state
    assert _snapshot() == before


def test_a_member_of_team_b_cannot_complete_team_as_follow_up(users, followup):
    state, before = _state(followup), _snapshot()

    with pytest.raises(NotPermitted):
        followup_complete(actor=users["bd_b"], followup=followup)

    assert _state(followup) == state
    assert _snapshot() == before


# --- Updating ------------------------------------------------------------------------------


def test_an_update_cannot_change_the_status(users, followup):
    state, before = _state(followup), _snapshot()

    with pytest.raises(ValidationFailed) as refused:
        followup_update(actor=users["bd_a"], followup=followup, status="done", note="Sent the NDA")

    assert refused.value.errors == {
        "status": ["Use the complete or cancel action to change the status."]
    }
    assert _state(followup) == state
    assert _snapshot() == before


def test_an_update_changes_the_note_date_and_owner(users, followup):
    followup_update(
        actor=users["bd_a"],
        followup=followup,
        expected_version=1,
        note="Send the signed NDA",
        due_on="2026-12-05",
        owner=users["integrator_a"].pk,
        status="open",
    )

    state = _state(followup)
    assert (state["note"], state["due_on"], state["owner"], state["version"]) == (
        "Send the signed NDA",
        dt.date(2026, 12, 5),
        "integrator_a",
        2,
    )


def test_an_update_from_a_stale_version_is_refused(users, followup):
    followup_update(actor=users["bd_a"], followup=followup, note="First")
    state, before = _state(followup), _snapshot()

    with pytest.raises(StaleWrite):
        followup_update(
            actor=users["bd_a"],
            followup=FollowUp.objects.get(pk=followup.pk),
            expected_version=1,
            note="Second",
        )

    assert _state(followup) == state
    assert _snapshot() == before
