import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from engagement.errors import ValidationFailed
from engagement.models import TimelineEvent
from engagement.selectors.timeline import Entry, timeline
from engagement.services.followups import followup_complete
from engagement.services.partnerships import partnership_transition
from tests import factories

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC)


def _utc(month: int, day: int, hour: int = 9, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=dt.UTC)


@pytest.fixture
def usm(db):
    return factories.institution("Universiti Sains Malaysia", country="MY")


@pytest.fixture
def history(users, usm, time_machine):
    """Team A and team B both work with USM; team A has an overdue follow-up."""
    bd_a, bd_b = users["bd_a"], users["bd_b"]
    time_machine.move_to(_utc(11, 1), tick=False)
    deal_a = factories.partnership(bd_a.team, counterparts=[usm], actor=bd_a, title="Lab A")
    time_machine.move_to(_utc(11, 3, 12), tick=False)
    meeting_a = factories.engagement(
        bd_a.team,
        organizations=[usm],
        actor=bd_a,
        occurred_at=_utc(11, 3, 10),
        partnership=deal_a.pk,
        summary="Met the dean.",
    )
    time_machine.move_to(_utc(11, 5), tick=False)
    partnership_transition(actor=bd_a, partnership=deal_a, to="contacted")
    time_machine.move_to(_utc(11, 10), tick=False)
    overdue = factories.followup(
        bd_a.team,
        owner=bd_a,
        actor=bd_a,
        due_on="2026-11-20",
        note="Send the NDA",
        subject=("partnership", deal_a),
    )
    time_machine.move_to(_utc(11, 12), tick=False)
    deal_b = factories.partnership(bd_b.team, counterparts=[usm], actor=bd_b, title="Lab B")
    time_machine.move_to(_utc(11, 14, 12), tick=False)
    meeting_b = factories.engagement(
        bd_b.team, organizations=[usm], actor=bd_b, occurred_at=_utc(11, 14, 11)
    )
    time_machine.move_to(_utc(11, 15), tick=False)
    planning = factories.followup(
        bd_a.team, owner=bd_a, actor=bd_a, due_on="2026-12-15", note="Plan Q1 trips"
    )
    time_machine.move_to(NOW, tick=False)
    return {
        "deal_a": deal_a,
        "meeting_a": meeting_a,
        "overdue": overdue,
        "deal_b": deal_b,
        "meeting_b": meeting_b,
        "planning": planning,
    }


def _rows(page) -> list[tuple]:
    return [(e.kind, e.at, e.object_type, e.object_id, e.actor) for e in page.entries]


def test_an_organizations_timeline_lists_the_teams_events_newest_first(users, usm, history):
    page = timeline(user=users["bd_a"], organization=usm)

    deal, overdue = history["deal_a"], history["overdue"]
    assert _rows(page) == [
        ("followup_overdue", _utc(11, 21, 0), "followup", overdue.pk, "bd_a"),
        ("followup_created", _utc(11, 10), "followup", overdue.pk, "bd_a"),
        ("stage_changed", _utc(11, 5), "partnership", deal.pk, "bd_a"),
        ("engagement", _utc(11, 3, 10), "engagement", history["meeting_a"].pk, "bd_a"),
        ("partnership_created", _utc(11, 1), "partnership", deal.pk, "bd_a"),
    ]
    assert page.next_cursor is None


def test_an_overdue_open_follow_up_appears_at_the_end_of_its_due_date(users, usm, history):
    page = timeline(user=users["bd_a"], organization=usm)

    deal = history["deal_a"]
    assert page.entries[0] == Entry(
        at=_utc(11, 21, 0),
        kind="followup_overdue",
        object_type="followup",
        object_id=history["overdue"].pk,
        actor="bd_a",
        partnership_id=deal.pk,
        partnership_title="Lab A",
        data={"note": "Send the NDA", "due_on": "2026-11-20"},
        event_id=None,
    )


def test_a_follow_up_due_today_is_not_yet_overdue(users, usm, history, time_machine):
    time_machine.move_to(_utc(11, 20, 23, 59), tick=False)

    kinds = [e.kind for e in timeline(user=users["bd_a"], organization=usm).entries]

    assert "followup_overdue" not in kinds


def test_a_completed_follow_up_is_no_longer_overdue(users, usm, history):
    followup_complete(actor=users["bd_a"], followup=history["overdue"])

    kinds = [e.kind for e in timeline(user=users["bd_a"], organization=usm).entries]

    assert kinds == [
        "followup_done",
        "followup_created",
        "stage_changed",
        "engagement",
        "partnership_created",
    ]


def test_a_partnerships_timeline_lists_only_its_events(users, history):
    page = timeline(user=users["bd_a"], partnership=history["deal_a"])

    assert [(e.kind, e.at, e.partnership_title) for e in page.entries] == [
        ("followup_overdue", _utc(11, 21, 0), "Lab A"),
        ("followup_created", _utc(11, 10), "Lab A"),
        ("stage_changed", _utc(11, 5), "Lab A"),
        ("engagement", _utc(11, 3, 10), "Lab A"),
        ("partnership_created", _utc(11, 1), "Lab A"),
    ]
    assert page.entries[2].data == {"from": "identified", "to": "contacted", "reason": ""}


def test_a_teams_timeline_includes_records_about_no_organization(users, team_a, history):
    page = timeline(user=users["bd_a"], team=team_a)

    assert [(e.kind, e.object_id) for e in page.entries] == [
        ("followup_overdue", history["overdue"].pk),
        ("followup_created", history["planning"].pk),
        ("followup_created", history["overdue"].pk),
        ("stage_changed", history["deal_a"].pk),
        ("engagement", history["meeting_a"].pk),
        ("partnership_created", history["deal_a"].pk),
    ]


def test_team_b_sees_nothing_of_team_as_events_in_the_same_organizations_timeline(
    users, usm, team_a, history
):
    page = timeline(user=users["bd_b"], organization=usm)

    assert _rows(page) == [
        ("engagement", _utc(11, 14, 11), "engagement", history["meeting_b"].pk, "bd_b"),
        ("partnership_created", _utc(11, 12), "partnership", history["deal_b"].pk, "bd_b"),
    ]
    assert timeline(user=users["bd_b"], partnership=history["deal_a"]).entries == []
    assert timeline(user=users["bd_b"], team=team_a).entries == []


def test_a_program_manager_sees_every_teams_events(users, usm, history):
    page = timeline(user=users["pm"], organization=usm)

    assert [(e.kind, e.actor) for e in page.entries] == [
        ("followup_overdue", "bd_a"),
        ("engagement", "bd_b"),
        ("partnership_created", "bd_b"),
        ("followup_created", "bd_a"),
        ("stage_changed", "bd_a"),
        ("engagement", "bd_a"),
        ("partnership_created", "bd_a"),
    ]


# --- Pagination and cost --------------------------------------------------------------------


def _bulk_events(team, organization, ats, *, actor=None, partnership=None) -> list[int]:
    events = TimelineEvent.objects.bulk_create(
        TimelineEvent(
            team=team,
            at=at,
            kind="engagement",
            actor=actor,
            partnership=partnership,
            object_type="engagement",
            object_id=1_000_000 + i,
            data={"kind": "call", "summary": f"Call {i}"},
        )
        for i, at in enumerate(ats)
    )
    through = TimelineEvent.organizations.through
    through.objects.bulk_create(
        through(timelineevent_id=e.pk, organization_id=organization.pk) for e in events
    )
    return [e.pk for e in events]


def _key(entry: Entry):
    return entry.event_id if entry.event_id is not None else ("overdue", entry.object_id)


def test_cursor_pagination_returns_the_next_page_without_overlap(users, usm, team_a, time_machine):
    time_machine.move_to(_utc(11, 1, 8), tick=False)
    followup = factories.followup(
        team_a,
        owner=users["bd_a"],
        actor=users["bd_a"],
        due_on="2026-11-04",
        subject=("organization", usm),
    )
    created = TimelineEvent.objects.get(kind="followup_created").pk
    d1, d2, d3, d4, d5a, d5b, d6, d7 = _bulk_events(
        team_a, usm, [_utc(11, day, 12) for day in (1, 2, 3, 4, 5, 5, 6, 7)]
    )
    time_machine.move_to(NOW, tick=False)
    overdue = ("overdue", followup.pk)

    first = timeline(user=users["bd_a"], organization=usm, limit=3)
    second = timeline(user=users["bd_a"], organization=usm, limit=3, cursor=first.next_cursor)
    third = timeline(user=users["bd_a"], organization=usm, limit=3, cursor=second.next_cursor)

    assert [_key(e) for e in first.entries] == [d7, d6, d5b]
    assert [_key(e) for e in second.entries] == [d5a, overdue, d4, d3]
    assert [_key(e) for e in third.entries] == [d2, d1, created]
    assert third.next_cursor is None
    everything = timeline(user=users["bd_a"], organization=usm, limit=200)
    assert [_key(e) for e in first.entries + second.entries + third.entries] == [
        _key(e) for e in everything.entries
    ]
    epoch = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    micros = (_utc(11, 5, 12) - epoch) // dt.timedelta(microseconds=1)
    assert first.next_cursor == f"{micros}_{d5b}"


def test_the_number_of_queries_does_not_grow_with_the_number_of_events(
    users, usm, team_a, time_machine
):
    time_machine.move_to(_utc(11, 1), tick=False)
    deal = factories.partnership(team_a, counterparts=[usm], actor=users["bd_a"])
    factories.followup(
        team_a,
        owner=users["bd_a"],
        actor=users["bd_a"],
        due_on="2026-11-20",
        subject=("partnership", deal),
    )
    start = _utc(11, 2)
    _bulk_events(
        team_a,
        usm,
        [start + dt.timedelta(minutes=i) for i in range(8)],
        actor=users["integrator_a"],
        partnership=deal,
    )
    time_machine.move_to(NOW, tick=False)
    assert TimelineEvent.objects.count() == 10

    with CaptureQueriesContext(connection) as with_10:
        page_10 = timeline(user=users["bd_a"], organization=usm)
    _bulk_events(
        team_a,
        usm,
        [start + dt.timedelta(minutes=i) for i in range(8, 998)],
        actor=users["integrator_a"],
        partnership=deal,
    )
    assert TimelineEvent.objects.count() == 1000
    with CaptureQueriesContext(connection) as with_1000:
        page_1000 = timeline(user=users["bd_a"], organization=usm)
    with CaptureQueriesContext(connection) as next_page:
        timeline(user=users["bd_a"], organization=usm, cursor=page_1000.next_cursor)

    # Each page: the overdue follow-up (newest, at the end of its due date) and its events.
    assert [e.kind for e in page_10.entries] == [
        "followup_overdue",
        *(["engagement"] * 8),
        "followup_created",
        "partnership_created",
    ]
    assert [e.kind for e in page_1000.entries] == ["followup_overdue", *(["engagement"] * 50)]
    assert {e.actor for e in page_1000.entries} == {"bd_a", "integrator_a"}
    assert {e.partnership_title for e in page_1000.entries} == {deal.title}
    assert len(with_10) == len(with_1000) == len(next_page) == 2


def test_a_follow_up_about_an_engagement_stays_in_its_partnerships_timeline_when_done(
    users, history
):
    deal = history["deal_a"]
    followup = factories.followup(
        deal.team,
        owner=users["bd_a"],
        actor=users["bd_a"],
        due_on="2026-12-01",
        note="Send minutes",
        subject=("engagement", history["meeting_a"]),
    )

    followup_complete(actor=users["bd_a"], followup=followup)

    page = timeline(user=users["bd_a"], partnership=deal)
    assert [(e.kind, e.object_id) for e in page.entries[:2]] == [
        ("followup_done", followup.pk),
        ("followup_created", followup.pk),
    ]


@pytest.mark.parametrize(
    "cursor",
    [
        "2026-11-05T12:00:00+00:00_7",
        "1794052800000000_9223372036854775808",  # an id past 64 bits
        "1794052800000000_0",
        "1794052800000000_-4",
    ],
)
def test_a_cursor_the_timeline_did_not_give_is_refused(users, team_a, cursor):
    with pytest.raises(ValidationFailed) as refused:
        timeline(user=users["bd_a"], team=team_a, cursor=cursor)

    assert refused.value.errors == {"cursor": ["This cursor is not one the timeline gave."]}


def test_the_api_answers_a_huge_cursor_id_with_a_400(api, users, usm):
    api.force_authenticate(users["bd_a"])

    response = api.get(
        f"/api/v1/organizations/{usm.pk}/timeline/?cursor=1794052800000000_99999999999999999999"
    )

    assert response.status_code == 400
    assert response.json()["errors"] == {"cursor": ["This cursor is not one the timeline gave."]}
