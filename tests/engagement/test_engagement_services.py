import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from engagement.errors import NotPermitted, StaleWrite, ValidationFailed
from engagement.models import Engagement, FollowUp, TimelineEvent, Tombstone
from engagement.services import engagements as engagement_services
from engagement.services.engagements import (
    engagement_delete,
    engagement_log,
    engagement_restore,
    engagement_update,
)
from tests import factories

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC)
frozen = time_machine.travel(NOW, tick=False)


@pytest.fixture
def usm(db):
    return factories.institution("Universiti Sains Malaysia", country="MY")


@pytest.fixture
def nstda(db):
    return factories.institution("NSTDA", country="TH", org_type="research_institute")


def _snapshot():
    through = Engagement.organizations.through
    return {
        "engagements": Engagement.objects.count(),
        "engagement_history": Engagement.history.count(),
        "engagement_organizations": through.objects.count(),
        "engagement_contacts": Engagement.contacts.through.objects.count(),
        "engagement_participants": Engagement.participants.through.objects.count(),
        "followups": FollowUp.objects.count(),
        "timeline": TimelineEvent.objects.count(),
        "tombstones": Tombstone.objects.count(),
    }


def _fields(eng: Engagement) -> dict:
    eng = Engagement.objects.get(pk=eng.pk)
    return {
        "team": eng.team.slug,
        "occurred_at": eng.occurred_at,
        "kind": eng.kind,
        "summary": eng.summary,
        "outcome": eng.outcome,
        "next_step": eng.next_step,
        "partnership": eng.partnership_id,
        "organizations": sorted(eng.organizations.values_list("pk", flat=True)),
        "contacts": sorted(eng.contacts.values_list("pk", flat=True)),
        "participants": sorted(eng.participants.values_list("username", flat=True)),
        "thrusts": sorted(eng.thrusts.values_list("code", flat=True)),
        "initiatives": sorted(eng.initiatives.values_list("code", flat=True)),
        "version": eng.version,
    }


@frozen
def test_logging_needs_only_when_kind_one_organization_and_a_summary(users, usm):
    eng = engagement_log(
        actor=users["bd_a"],
        occurred_at="2026-11-25T14:30:00+07:00",
        kind="meeting",
        organizations=[usm.pk],
        summary="  Introduced dicing services to the dean.  ",
    )

    assert _fields(eng) == {
        "team": "team-a",
        "occurred_at": dt.datetime(2026, 11, 25, 7, 30, tzinfo=dt.UTC),
        "kind": "meeting",
        "summary": "Introduced dicing services to the dean.",
        "outcome": "",
        "next_step": "",
        "partnership": None,
        "organizations": [usm.pk],
        "contacts": [],
        "participants": [],
        "thrusts": [],
        "initiatives": [],
        "version": 1,
    }
    assert eng.created_by == users["bd_a"]
    assert FollowUp.objects.count() == 0
    event = TimelineEvent.objects.get()
    assert (event.team, event.kind, event.at, event.actor, event.object_type, event.object_id) == (
        users["bd_a"].team,
        "engagement",
        dt.datetime(2026, 11, 25, 7, 30, tzinfo=dt.UTC),
        users["bd_a"],
        "engagement",
        eng.pk,
    )
    assert event.partnership is None
    assert event.data == {"kind": "meeting", "summary": "Introduced dicing services to the dean."}
    assert list(event.organizations.all()) == [usm]


@frozen
def test_a_next_step_with_a_date_creates_exactly_one_follow_up_for_the_logger(users, usm):
    eng = engagement_log(
        actor=users["bd_a"],
        occurred_at=NOW,
        kind="call",
        organizations=[usm.pk],
        summary="Call with the lab director.",
        next_step="Send the NDA draft",
        next_step_due="2026-12-03",
    )

    followup = FollowUp.objects.get()
    assert followup.team == users["bd_a"].team
    assert followup.owner == users["bd_a"]
    assert followup.due_on == dt.date(2026, 12, 3)
    assert followup.note == "Send the NDA draft"
    assert followup.subject == ("engagement", eng)
    assert (followup.status, followup.priority, followup.created_by) == (
        "open",
        "normal",
        users["bd_a"],
    )
    assert list(TimelineEvent.objects.order_by("id").values_list("kind", "object_type")) == [
        ("engagement", "engagement"),
        ("followup_created", "followup"),
    ]


@frozen
def test_the_follow_up_is_written_in_the_same_transaction_as_the_engagement(
    users, usm, monkeypatch
):
    real_followup_create = engagement_services.followup_create

    def followup_create_then_fail(**kwargs):
        real_followup_create(**kwargs)
        assert FollowUp.objects.count() == 1  # written, then rolled back with the engagement
        raise ValidationFailed({"due_on": ["refused for the test"]})

    monkeypatch.setattr(engagement_services, "followup_create", followup_create_then_fail)
    before = _snapshot()

    with pytest.raises(ValidationFailed):
        engagement_log(
            actor=users["bd_a"],
            occurred_at=NOW,
            kind="call",
            organizations=[usm.pk],
            summary="Call.",
            next_step="Send the NDA",
            next_step_due="2026-12-03",
        )

    assert _snapshot() == before


def test_a_date_for_the_next_step_without_the_step_is_refused(users, usm):
    before = _snapshot()

    with pytest.raises(ValidationFailed) as refused:
        engagement_log(
            actor=users["bd_a"],
            occurred_at=NOW,
            kind="call",
            organizations=[usm.pk],
            summary="Call.",
            next_step_due="2026-12-03",
        )

    assert refused.value.errors == {
        "next_step": ["Say what the next step is when you give it a date."]
    }
    assert _snapshot() == before


BAD_INPUT = {
    "no organizations": (
        lambda c: {"organizations": []},
        lambda c: {"organizations": ["Name at least one organization."]},
    ),
    "unknown organization": (
        lambda c: {"organizations": [999_999]},
        lambda c: {"organizations": ["No organization with id(s) 999999."]},
    ),
    "bad kind": (
        lambda c: {"kind": "lunch"},
        lambda c: {
            "kind": ["Must be one of: meeting, call, site_visit, event, email, workshop, other."]
        },
    ),
    "no time": (
        lambda c: {"occurred_at": ""},
        lambda c: {"occurred_at": ["This field is required."]},
    ),
    "time that is not a date": (
        lambda c: {"occurred_at": "last tuesday"},
        lambda c: {"occurred_at": ["Enter a date and time in ISO 8601."]},
    ),
    "impossible date": (
        lambda c: {"occurred_at": "2026-02-30T10:00:00+09:00"},
        lambda c: {"occurred_at": ["Enter a date and time in ISO 8601."]},
    ),
    "impossible hour": (
        lambda c: {"occurred_at": "2026-11-25T25:00:00"},
        lambda c: {"occurred_at": ["Enter a date and time in ISO 8601."]},
    ),
    "blank summary": (
        lambda c: {"summary": "   "},
        lambda c: {"summary": ["This field is required."]},
    ),
    "unknown thrust": (
        lambda c: {"thrusts": ["T2", "T9"]},
        lambda c: {"thrusts": ["Unknown code(s): T9."]},
    ),
    "unknown initiative": (
        lambda c: {"initiatives": ["T1-99"]},
        lambda c: {"initiatives": ["Unknown code(s): T1-99."]},
    ),
    "contact of an organization not involved": (
        lambda c: {"contacts": [c["stranger"].pk]},
        lambda c: {
            "contacts": [f"Contact(s) {c['stranger'].pk} work at none of the organizations."]
        },
    ),
    "participant from another team": (
        lambda c: {"participants": [c["users"]["bd_a"].pk, c["users"]["bd_b"].pk]},
        lambda c: {"participants": [f"No user with id(s) {c['users']['bd_b'].pk}."]},
    ),
    "partnership of another team": (
        lambda c: {"partnership": c["deal_b"].pk},
        lambda c: {"partnership": [f"No partnership with id(s) {c['deal_b'].pk}."]},
    ),
    "invalid date for the next step": (
        lambda c: {"next_step": "Send slides", "next_step_due": "2026-11-31"},
        lambda c: {"next_step_due": ["Enter a date as YYYY-MM-DD."]},
    ),
}


@pytest.mark.parametrize("case", list(BAD_INPUT), ids=list(BAD_INPUT))
def test_bad_input_is_refused_with_the_field_named_and_nothing_written(case, users, usm, nstda):
    context = {
        "users": users,
        "stranger": factories.contact(nstda, "Somchai Wong"),
        "deal_b": factories.partnership(users["bd_b"].team, counterparts=[usm]),
    }
    changes, expected_errors = BAD_INPUT[case]
    data = {
        "occurred_at": "2026-11-25T10:00:00+09:00",
        "kind": "meeting",
        "organizations": [usm.pk],
        "summary": "Meeting.",
        **changes(context),
    }
    before = _snapshot()

    with pytest.raises(ValidationFailed) as refused:
        engagement_log(actor=users["bd_a"], **data)

    assert refused.value.errors == expected_errors(context)
    assert _snapshot() == before


def test_every_bad_field_is_named_at_once(users):
    before = _snapshot()

    with pytest.raises(ValidationFailed) as refused:
        engagement_log(
            actor=users["bd_a"], occurred_at="soon", kind="", organizations=[], summary=""
        )

    assert refused.value.errors == {
        "occurred_at": ["Enter a date and time in ISO 8601."],
        "kind": ["Must be one of: meeting, call, site_visit, event, email, workshop, other."],
        "summary": ["This field is required."],
        "organizations": ["Name at least one organization."],
    }
    assert refused.value.detail == "Invalid input in: Kind, Date, Organizations, Summary."
    assert _snapshot() == before


def test_a_time_without_an_offset_is_read_in_the_current_time_zone(users, usm):
    with timezone.override("Asia/Tokyo"):
        eng = engagement_log(
            actor=users["bd_a"],
            occurred_at="2026-11-25T10:00:00",
            kind="meeting",
            organizations=[usm.pk],
            summary="Meeting in Tokyo time.",
        )

    eng.refresh_from_db()
    assert eng.occurred_at == dt.datetime(2026, 11, 25, 1, 0, tzinfo=dt.UTC)


@frozen
def test_contacts_participants_thrusts_initiatives_and_partnership_are_linked(users, usm, disco):
    dean = factories.contact(usm, "Dr. Aminah Ismail")
    deal = factories.partnership(users["bd_a"].team, counterparts=[usm], actor=users["bd_a"])

    eng = engagement_log(
        actor=users["bd_a"],
        occurred_at="2026-11-20T10:00:00+08:00",
        kind="site_visit",
        organizations=[usm.pk, disco.pk],
        contacts=[dean.pk],
        participants=[users["bd_a"].pk, users["integrator_a"].pk],
        thrusts=["T6", "T2"],
        initiatives=["T2-01"],
        partnership=deal.pk,
        outcome="Agreed to scope a joint lab.",
        summary="Visited the cleanroom.",
    )

    assert _fields(eng) == {
        "team": "team-a",
        "occurred_at": dt.datetime(2026, 11, 20, 2, 0, tzinfo=dt.UTC),
        "kind": "site_visit",
        "summary": "Visited the cleanroom.",
        "outcome": "Agreed to scope a joint lab.",
        "next_step": "",
        "partnership": deal.pk,
        "organizations": sorted([usm.pk, disco.pk]),
        "contacts": [dean.pk],
        "participants": ["bd_a", "integrator_a"],
        "thrusts": ["T2", "T6"],
        "initiatives": ["T2-01"],
        "version": 1,
    }
    event = TimelineEvent.objects.get(kind="engagement")
    assert event.partnership == deal
    assert sorted(event.organizations.values_list("pk", flat=True)) == sorted([usm.pk, disco.pk])


def test_a_program_manager_cannot_log_an_engagement(users, usm, team_a):
    before = _snapshot()

    with pytest.raises(NotPermitted) as refused:
        engagement_log(
            actor=users["pm"],
            team=team_a,
            occurred_at=NOW,
            kind="meeting",
            organizations=[usm.pk],
            summary="Meeting.",
        )

    assert refused.value.detail == (
        "Your role may not create engagements: only members of a company's team can."
    )
    assert _snapshot() == before


def test_a_member_cannot_log_an_engagement_for_another_team(users, usm, team_b):
    before = _snapshot()

    with pytest.raises(NotPermitted) as refused:
        factories.engagement(team_b, organizations=[usm], actor=users["bd_a"])

    assert refused.value.detail == "You may only create records for your own team."
    assert _snapshot() == before


def test_a_member_of_team_b_cannot_update_team_as_engagement(users, usm, team_a):
    eng = factories.engagement(team_a, organizations=[usm], actor=users["bd_a"], summary="Ours.")
    before = _snapshot()

    with pytest.raises(NotPermitted) as refused:
        engagement_update(actor=users["bd_b"], engagement=eng, summary="Theirs now.")

    assert refused.value.detail == "You may not change this engagement."
    assert _snapshot() == before
    assert (_fields(eng)["summary"], _fields(eng)["version"]) == ("Ours.", 1)


def test_a_member_of_team_b_cannot_delete_team_as_engagement(users, usm, team_a):
    eng = factories.engagement(team_a, organizations=[usm], actor=users["bd_a"])
    before = _snapshot()

    with pytest.raises(NotPermitted):
        engagement_delete(actor=users["bd_b"], engagement=eng)

    assert _snapshot() == before
    assert Engagement.objects.filter(pk=eng.pk).exists()


def test_a_program_manager_cannot_update_an_engagement(users, usm, team_a):
    eng = factories.engagement(team_a, organizations=[usm], actor=users["bd_a"], summary="Ours.")
    before = _snapshot()

    with pytest.raises(NotPermitted):
        engagement_update(actor=users["pm"], engagement=eng, summary="Edited by the PM.")

    assert _snapshot() == before
    assert _fields(eng)["summary"] == "Ours."


def test_an_update_from_a_stale_version_is_refused_and_changes_nothing(users, usm, team_a):
    eng = factories.engagement(team_a, organizations=[usm], actor=users["bd_a"], summary="v1")
    engagement_update(actor=users["bd_a"], engagement=eng, expected_version=1, summary="v2")
    stale = Engagement.objects.get(pk=eng.pk)
    before = _snapshot()

    with pytest.raises(StaleWrite) as refused:
        engagement_update(
            actor=users["integrator_a"], engagement=stale, expected_version=1, summary="v2 too"
        )

    assert refused.value.detail == (
        "This engagement was changed by someone else (you edited version 1, it is now at "
        "version 2). Reload it and apply your change again."
    )
    assert _snapshot() == before
    assert (_fields(eng)["summary"], _fields(eng)["version"]) == ("v2", 2)


def test_an_update_keeps_field_level_history(users, usm, team_a):
    eng = factories.engagement(
        team_a, organizations=[usm], actor=users["bd_a"], summary="First draft."
    )

    engagement_update(
        actor=users["integrator_a"], engagement=eng, expected_version=1, summary="Final notes."
    )

    latest, previous = eng.history.all()[:2]
    delta = latest.diff_against(previous)
    assert sorted(c.field for c in delta.changes) == ["summary", "version"]
    assert [(c.old, c.new) for c in delta.changes if c.field == "summary"] == [
        ("First draft.", "Final notes.")
    ]
    assert eng.history.first().history_user == users["integrator_a"]
    assert eng.history.first().history_type == "~"


@frozen
def test_an_update_with_a_dated_next_step_adds_a_follow_up(users, usm, team_a):
    eng = factories.engagement(team_a, organizations=[usm], actor=users["bd_a"])

    engagement_update(
        actor=users["integrator_a"],
        engagement=eng,
        next_step="Book the lab tour",
        next_step_due="2026-12-10",
    )

    followup = FollowUp.objects.get()
    assert (followup.owner, followup.due_on, followup.note, followup.subject) == (
        users["integrator_a"],
        dt.date(2026, 12, 10),
        "Book the lab tour",
        ("engagement", eng),
    )


def test_a_deleted_engagement_is_restored_with_the_same_id_and_links(
    users, usm, disco, team_a, time_machine
):
    time_machine.move_to(NOW, tick=False)
    dean = factories.contact(usm, "Dr. Aminah Ismail")
    eng = engagement_log(
        actor=users["bd_a"],
        occurred_at="2026-11-20T10:00:00+08:00",
        kind="workshop",
        organizations=[usm.pk, disco.pk],
        contacts=[dean.pk],
        participants=[users["bd_a"].pk, users["integrator_a"].pk],
        thrusts=["T2", "T6"],
        initiatives=["T6-01", "T2-01"],
        summary="Joint workshop on dicing.",
    )
    engagement_update(actor=users["bd_a"], engagement=eng, outcome="Two theses proposed.")
    kept = _fields(eng)
    pk = eng.pk
    time_machine.move_to(NOW + dt.timedelta(days=2), tick=False)

    engagement_delete(actor=users["bd_a"], engagement=eng)

    assert not Engagement.objects.filter(pk=pk).exists()
    assert not TimelineEvent.objects.filter(object_type="engagement", object_id=pk).exists()
    assert list(Tombstone.objects.values_list("resource", "object_id", "team")) == [
        ("engagements", pk, team_a.pk)
    ]

    restored = engagement_restore(actor=users["bd_a"], engagement_id=pk)

    assert restored.pk == pk
    assert _fields(restored) == kept
    assert Engagement.objects.get(pk=pk).created_at == NOW
    assert kept["outcome"] == "Two theses proposed."
    assert kept["participants"] == ["bd_a", "integrator_a"]
    event = TimelineEvent.objects.get(object_type="engagement", object_id=pk)
    assert (event.kind, event.team, event.at) == (
        "engagement",
        team_a,
        dt.datetime(2026, 11, 20, 2, 0, tzinfo=dt.UTC),
    )
    assert event.data == {
        "kind": "workshop",
        "summary": "Joint workshop on dicing.",
        "restored": True,
    }
    assert sorted(event.organizations.values_list("pk", flat=True)) == sorted([usm.pk, disco.pk])


def test_each_version_snapshots_its_links_in_one_read(users, usm, disco, team_a):
    eng = engagement_log(
        actor=users["bd_a"],
        occurred_at="2026-11-20T10:00:00+08:00",
        kind="meeting",
        organizations=[usm.pk, disco.pk],
        thrusts=["T6"],
        summary="Met the dean.",
    )

    with CaptureQueriesContext(connection) as seen:
        engagement_update(actor=users["bd_a"], engagement=eng, outcome="A syllabus follows.")

    through = ["organizations", "contacts", "participants", "thrusts", "initiatives"]
    reads = [
        q["sql"]
        for q in seen.captured_queries
        if any(f'FROM "engagement_engagement_{name}"' in q["sql"] for name in through)
    ]
    version = eng.history.order_by("-history_id").first()
    assert len(reads) == 1
    assert all(f'FROM "engagement_engagement_{name}"' in reads[0] for name in through)
    # The version is not rebuilt from the database to read its links.
    assert not [
        q for q in seen.captured_queries if '"engagement_engagement"."updated_at" AS' in q["sql"]
    ]
    assert sorted(r.organization_id for r in version.organizations.all()) == sorted(
        [usm.pk, disco.pk]
    )
    assert [r.thrust.code for r in version.thrusts.all()] == ["T6"]
    assert not version.contacts.exists()
    assert version.outcome == "A syllabus follows."


def test_a_write_without_if_match_claims_its_version_in_one_statement(users, usm, team_a):
    """The version is bumped and read back by the same UPDATE (RETURNING), not read again."""
    eng = factories.engagement(team_a, organizations=[usm], actor=users["bd_a"])
    before = Engagement.objects.get(pk=eng.pk).version

    with CaptureQueriesContext(connection) as seen:
        engagement_update(actor=users["bd_a"], engagement=eng, outcome="Agreed.")

    statements = [
        q["sql"] for q in seen.captured_queries if q["sql"].startswith(("UPDATE", "SELECT"))
    ]
    on_row = [q for q in statements if '"engagement_engagement"' in q.split(" WHERE ")[0]]
    assert [q.split(" ")[0] for q in on_row] == ["UPDATE", "UPDATE"]
    assert "RETURNING" in on_row[0]
    assert eng.version == before + 1
    assert Engagement.objects.get(pk=eng.pk).version == before + 1


def test_restoring_an_engagement_that_exists_is_refused(users, usm, team_a):
    eng = factories.engagement(team_a, organizations=[usm], actor=users["bd_a"])
    before = _snapshot()

    with pytest.raises(ValidationFailed) as refused:
        engagement_restore(actor=users["bd_a"], engagement_id=eng.pk)

    assert refused.value.errors == {"id": [f"Engagement {eng.pk} is not deleted."]}
    assert _snapshot() == before


def test_a_member_of_team_b_cannot_restore_team_as_engagement(users, usm, team_a):
    eng = factories.engagement(team_a, organizations=[usm], actor=users["bd_a"])
    pk = eng.pk
    engagement_delete(actor=users["bd_a"], engagement=eng)
    before = _snapshot()

    with pytest.raises(ValidationFailed) as refused:
        engagement_restore(actor=users["bd_b"], engagement_id=pk)

    assert refused.value.errors == {"id": [f"No deleted engagement with id {pk}."]}
    assert _snapshot() == before
    assert not Engagement.objects.filter(pk=pk).exists()


@frozen
def test_an_administrator_logging_a_dated_next_step_gives_it_to_the_teams_bd_member(
    users, usm, team_a
):
    eng = engagement_log(
        actor=users["admin"],
        team=team_a,
        occurred_at=NOW,
        kind="call",
        organizations=[usm.pk],
        summary="Imported call",
        next_step="Call back",
        next_step_due="2026-12-01",
    )

    followup = FollowUp.objects.get()
    assert (followup.engagement_id, followup.owner.username, followup.team) == (
        eng.pk,
        "bd_a",
        team_a,
    )


@frozen
def test_deleting_an_engagement_tombstones_its_follow_ups_and_clears_their_events(
    users, usm, team_a
):
    eng = engagement_log(
        actor=users["bd_a"],
        occurred_at=NOW,
        kind="call",
        organizations=[usm.pk],
        summary="Call",
        next_step="Call back",
        next_step_due="2026-12-01",
    )
    followup_id = FollowUp.objects.get().pk
    engagement_id = eng.pk

    engagement_delete(actor=users["bd_a"], engagement=eng)

    assert sorted(Tombstone.objects.values_list("resource", "object_id")) == [
        ("engagements", engagement_id),
        ("follow-ups", followup_id),
    ]
    assert TimelineEvent.objects.count() == 0
