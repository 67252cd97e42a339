"""Implementation watch: statuses with history, policy updates, follows, and the coverage map."""

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from engagement.errors import Conflict, NotPermitted, ValidationFailed
from engagement.models import Follow, ImplementationStatus, PolicyUpdate, Stage
from engagement.selectors.watch import coverage_matrix, current_statuses
from engagement.services.partnerships import partnership_transition
from engagement.services.watch import (
    follow_add,
    implementation_status_delete,
    implementation_status_record,
    policy_update_create,
    policy_update_update,
)
from tests import factories

pytestmark = pytest.mark.django_db
SOURCE = {
    "source_url": "https://mic.gov.vn/programme",
    "source_title": "MIC announcement",
    "source_publisher": "Ministry of Information and Communications",
}


def _record(users, status, effective_on, initiative="T6-01", state="VN"):
    return implementation_status_record(
        actor=users["pm"],
        initiative=initiative,
        member_state=state,
        status=status,
        effective_on=effective_on,
        **SOURCE,
    )


def test_the_current_status_is_the_latest_by_effective_date_not_by_entry(users):
    _record(users, "launched", "2026-03-01")
    _record(users, "planned", "2025-10-01")  # entered later, happened earlier

    current = current_statuses()

    [(_key, row)] = current.items()
    assert (row.initiative.code, row.member_state.iso2, row.status, row.effective_on) == (
        "T6-01",
        "VN",
        "launched",
        dt.date(2026, 3, 1),
    )
    assert ImplementationStatus.objects.count() == 2  # history kept


def test_a_status_announced_for_a_later_day_becomes_current_on_that_day_in_tokyo(
    users, api, time_machine
):
    time_machine.move_to(dt.datetime(2026, 11, 26, 1, 0, tzinfo=dt.UTC), tick=False)
    _record(users, "planned", "2026-03-01")
    _record(users, "launched", "2026-12-01")  # announced ahead
    api.force_authenticate(users["bd_a"])

    before = current_statuses()
    listed = api.get("/api/v1/implementation-statuses/?member_state=VN").json()["results"]
    cells = {c.state.iso2: c for c in coverage_matrix(user=users["pm"], thrust="T6").rows[0].cells}
    time_machine.move_to(dt.datetime(2026, 11, 30, 15, 0, tzinfo=dt.UTC), tick=False)  # 00:00 JST
    on_the_day = current_statuses()

    assert [row.status for row in before.values()] == ["planned"]
    assert sorted((r["status"], r["current"]) for r in listed) == [
        ("launched", False),
        ("planned", True),
    ]
    assert (cells["VN"].status.status, cells["VN"].gap) == ("planned", False)
    assert [row.status for row in on_the_day.values()] == ["launched"]
    assert current_statuses(as_of=dt.date(2026, 11, 30))[next(iter(before))].status == "planned"


def test_deleting_a_mistaken_entry_makes_the_previous_one_current_again(users):
    _record(users, "planned", "2025-10-01")
    wrong = _record(users, "paused", "2026-04-01")

    implementation_status_delete(actor=users["pm"], record=wrong)

    [row] = current_statuses().values()
    assert row.status == "planned"


def test_a_status_needs_a_source_and_known_codes(users):
    with pytest.raises(ValidationFailed) as refused:
        implementation_status_record(
            actor=users["pm"],
            initiative="T9-99",
            member_state="JP",
            status="done",
            effective_on="2026-13-01",
        )

    assert refused.value.errors == {
        "initiative": ["Unknown initiative code: 'T9-99'."],
        "member_state": ["'JP' is not an ASEAN member state code."],
        "status": ["Must be one of: not_started, planned, in_progress, launched, paused."],
        "effective_on": ["Enter a date as YYYY-MM-DD."],
        "source_url": ["Give the source: a URL, a document title, or both."],
    }
    assert ImplementationStatus.objects.count() == 0


def test_the_database_refuses_a_status_without_a_source(users):
    from engagement.models import Initiative, MemberState

    with pytest.raises(IntegrityError), transaction.atomic():
        ImplementationStatus.objects.create(
            initiative=Initiative.objects.get(code="T6-01"),
            member_state=MemberState.objects.get(iso2="VN"),
            status="launched",
            effective_on=dt.date(2026, 3, 1),
        )


def test_bd_members_read_but_do_not_record_market_intelligence(users):
    with pytest.raises(NotPermitted):
        _record({"pm": users["bd_a"]}, "launched", "2026-03-01")
    with pytest.raises(NotPermitted):
        policy_update_create(
            actor=users["bd_a"], kind="news", published_on="2026-03-01", title="x", **SOURCE
        )
    assert ImplementationStatus.objects.count() == PolicyUpdate.objects.count() == 0


def test_a_policy_update_links_states_thrusts_and_initiatives(users):
    update = policy_update_create(
        actor=users["pm"],
        kind="call_for_partners",
        published_on="2026-03-02",
        title="VN seeks training partners",
        title_ja="ベトナムが研修パートナーを募集",
        member_states=["VN"],
        thrusts=["T6"],
        initiatives=["T6-01"],
        **SOURCE,
    )

    assert list(update.member_states.values_list("iso2", flat=True)) == ["VN"]
    assert list(update.initiatives.values_list("code", flat=True)) == ["T6-01"]
    assert update.recorded_by == users["pm"]


def test_the_same_observation_is_recorded_once(users):
    first = _record(users, "launched", "2026-03-01")

    with pytest.raises(Conflict) as refused:
        _record(users, "launched", "2026-03-01")

    assert refused.value.errors == {
        "status": [
            f"Duplicate of existing status T6-01 in VN Launched from 2026-03-01 (id {first.pk})."
        ]
    }
    assert refused.value.existing == first
    assert ImplementationStatus.objects.count() == 1
    # Another status on the same day is another observation.
    _record(users, "paused", "2026-03-01")
    assert ImplementationStatus.objects.count() == 2


def test_the_database_refuses_the_same_observation_twice(users):
    first = _record(users, "launched", "2026-03-01")

    with pytest.raises(IntegrityError), transaction.atomic():
        ImplementationStatus.objects.create(
            initiative=first.initiative,
            member_state=first.member_state,
            status="launched",
            effective_on=dt.date(2026, 3, 1),
            source_title="Copy",
        )


def test_a_policy_update_with_a_title_already_published_that_day_is_refused(users):
    first = policy_update_create(
        actor=users["pm"], kind="news", published_on="2026-03-02", title_ja="予算発表", **SOURCE
    )

    with pytest.raises(Conflict) as refused:
        policy_update_create(
            actor=users["pm"],
            kind="regulation",
            published_on="2026-03-02",
            title="Budget",
            title_ja="予算発表",
            **SOURCE,
        )

    assert refused.value.errors == {
        "title_ja": [f"Duplicate of existing policy update 予算発表 of 2026-03-02 (id {first.pk})."]
    }
    assert PolicyUpdate.objects.count() == 1
    # The same title on another day is another update; editing it, or the first, is no duplicate.
    later = policy_update_create(
        actor=users["pm"], kind="news", published_on="2026-03-03", title_ja="予算発表", **SOURCE
    )
    policy_update_update(actor=users["pm"], update=first, summary_ja="三月の予算")
    with pytest.raises(Conflict):
        policy_update_update(actor=users["pm"], update=later, published_on="2026-03-02")
    later.refresh_from_db()
    assert (PolicyUpdate.objects.count(), later.published_on) == (2, dt.date(2026, 3, 3))


def test_following_the_same_thing_twice_is_refused(users):
    follow_add(user=users["bd_a"], member_state="VN")

    with pytest.raises(Conflict) as refused:
        follow_add(user=users["bd_a"], member_state="VN")

    assert refused.value.detail == "You already follow it."
    assert Follow.objects.count() == 1


def _coverage_partnership(users, team, stage_path, initiative="T6-01", country="VN"):
    inst = factories.institution(country=country)
    actor = users["bd_a"] if team.slug == "team-a" else users["bd_b"]
    p = factories.partnership(team, counterparts=[inst], actor=actor, initiatives=[initiative])
    for stage in stage_path:
        partnership_transition(actor=actor, partnership=p, to=stage, reason="demo")
    return p


def test_the_coverage_map_shows_engaged_pipeline_absent_and_gaps(users, team_a, team_b):
    _record(users, "launched", "2026-03-01", state="VN")
    _record(users, "launched", "2026-03-01", state="TH")
    _coverage_partnership(users, team_a, [Stage.CONTACTED], country="VN")
    _coverage_partnership(users, team_b, [Stage.MOU_SIGNED], country="MY")

    matrix = coverage_matrix(user=users["pm"], thrust="T6")

    row = next(r for r in matrix.rows if r.initiative.code == "T6-01")
    cells = {c.state.iso2: c for c in row.cells}
    assert (cells["VN"].bucket, cells["VN"].pipeline, cells["VN"].gap) == ("pipeline", 1, True)
    assert (cells["MY"].bucket, cells["MY"].engaged, cells["MY"].gap) == ("engaged", 1, False)
    assert (cells["TH"].bucket, cells["TH"].gap) == ("absent", True)
    assert (cells["ID"].bucket, cells["ID"].gap) == ("absent", False)
    gaps = coverage_matrix(user=users["pm"], thrust="T6", gaps_only=True)
    assert [r.initiative.code for r in gaps.rows] == ["T6-01"]


def test_a_bd_members_coverage_counts_only_their_teams_partnerships(users, team_a, team_b):
    _coverage_partnership(users, team_b, [Stage.CONTACTED], country="VN")

    matrix = coverage_matrix(user=users["bd_a"], thrust="T6")

    cells = {c.state.iso2: c for c in matrix.rows[0].cells}
    assert cells["VN"].bucket == "absent"


def test_the_coverage_page_and_exports(client, users, team_a):
    _record(users, "launched", "2026-03-01", state="VN")
    client.force_login(users["pm"])

    page = client.get("/coverage/?thrust=T6")
    csv_body = client.get("/coverage/export.csv?thrust=T6").content.decode("utf-8")
    svg = client.get("/coverage/export.svg?thrust=T6")
    png = client.get("/coverage/export.png?thrust=T6")

    assert page.status_code == 200
    assert csv_body.startswith("\ufeffinitiative,thrust,member_state,coverage,")
    assert "T6-01,T6,VN,absent,0,0,launched,2026-03-01,yes" in csv_body
    assert svg["Content-Type"] == "image/svg+xml"
    assert svg.content.startswith(b"<svg")
    assert png.content.startswith(b"\x89PNG")


def test_the_coverage_page_runs_a_fixed_number_of_queries(client, users, team_a):
    client.force_login(users["pm"])
    _coverage_partnership(users, team_a, [Stage.CONTACTED], country="ID")
    _record(users, "planned", "2026-01-01", state="ID")

    with CaptureQueriesContext(connection) as small:
        client.get("/coverage/")
    for state in ("VN", "TH", "MY"):
        _coverage_partnership(users, team_a, [Stage.CONTACTED], country=state)
        _record(users, "planned", "2026-01-01", state=state)
    with CaptureQueriesContext(connection) as large:
        client.get("/coverage/")

    assert len(small.captured_queries) == len(large.captured_queries)


def test_the_api_records_a_status_and_marks_the_current_one(api, users):
    api.force_authenticate(users["pm"])
    body = {
        "initiative": "T6-01",
        "member_state": "VN",
        "status": "planned",
        "effective_on": "2025-10-01",
        "source_title": "Plan of action 2025",
    }
    api.post("/api/v1/implementation-statuses/", body, format="json")

    created = api.post(
        "/api/v1/implementation-statuses/",
        {**body, "status": "launched", "effective_on": "2026-03-01"},
        format="json",
    )
    listed = api.get("/api/v1/implementation-statuses/?member_state=VN").json()["results"]

    assert created.status_code == 201
    assert created.json()["current"] is True
    assert sorted((r["status"], r["current"]) for r in listed) == [
        ("launched", True),
        ("planned", False),
    ]


def test_a_bd_member_reads_statuses_but_cannot_record_them(api, users):
    api.force_authenticate(users["bd_a"])

    response = api.post(
        "/api/v1/implementation-statuses/",
        {
            "initiative": "T6-01",
            "member_state": "VN",
            "status": "planned",
            "effective_on": "2025-10-01",
            "source_title": "x",
        },
        format="json",
    )

    assert response.status_code == 403
    assert api.get("/api/v1/implementation-statuses/").status_code == 200
    assert ImplementationStatus.objects.count() == 0


def test_policy_updates_and_follows_over_the_api(api, users):
    api.force_authenticate(users["pm"])
    made = api.post(
        "/api/v1/policy-updates/",
        {
            "published_on": "2026-03-02",
            "kind": "incentive",
            "title": "Thai BOI incentive",
            "member_states": ["TH"],
            "thrusts": ["T4"],
            "source_url": "https://boi.go.th/x",
        },
        format="json",
    )
    api.force_authenticate(users["bd_a"])
    follow = api.post("/api/v1/follows/", {"member_state": "TH"}, format="json")

    assert made.status_code == 201
    assert made.json()["member_states"] == ["TH"]
    assert api.get("/api/v1/policy-updates/?member_state=TH").json()["results"][0]["title"] == (
        "Thai BOI incentive"
    )
    assert follow.status_code == 201
    assert [f["member_state"] for f in api.get("/api/v1/follows/").json()["results"]] == ["TH"]


def test_a_follower_gets_a_new_status_and_policy_update_in_the_next_digest(users, time_machine):
    from engagement.models import Notification
    from engagement.services.jobs import weekly_digest

    # Monday 2026-11-30, 09:00 in Tokyo: the digest's hour.
    monday = dt.datetime(2026, 11, 30, 0, 0, tzinfo=dt.UTC)
    time_machine.move_to(monday - dt.timedelta(days=2), tick=False)
    follow_add(user=users["bd_a"], member_state="VN")
    _record(users, "launched", "2026-11-20")
    policy_update_create(
        actor=users["pm"],
        kind="call_for_partners",
        published_on="2026-11-27",
        title="Vietnam seeks training partners",
        member_states=["VN"],
        **SOURCE,
    )
    time_machine.move_to(monday, tick=False)

    weekly_digest(now=monday)

    digest = Notification.objects.get(user=users["bd_a"], kind="digest")
    assert "From what you follow (2)" in digest.body
    assert "2026-11-20 Viet Nam T6-01" in digest.body
    assert "launched" in digest.body.lower()
    assert "2026-11-27 Call for partners: Vietnam seeks training partners" in digest.body
    assert not Notification.objects.filter(user=users["bd_b"], kind="digest").exists()
