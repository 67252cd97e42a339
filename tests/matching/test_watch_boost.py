"""The implementation watch feeds matching: a recorded launch re-ranks the companies that care
about the member state, and their suggestions say why. Runs on SQLite and on PostgreSQL."""

import datetime as dt

import pytest

from engagement.actors import LOADER
from engagement.models import Initiative, Notification
from engagement.selectors.watch import coverage_matrix
from engagement.services.directory import organization_update
from engagement.services.jobs import weekly_digest
from engagement.services.watch import (
    follow_add,
    implementation_status_delete,
    implementation_status_record,
)
from matching.models import MatchRecomputeRequest, MatchSuggestion
from matching.services.background import matches_recompute_due, matching_watch_changed
from matching.services.loading import live_statuses
from matching.services.recompute import matches_recompute
from tests import factories

pytestmark = pytest.mark.django_db
# Saturday 2026-11-28, 10:00 UTC; the digest goes out on Monday 2026-11-30.
SATURDAY = dt.datetime(2026, 11, 28, 10, 0, tzinfo=dt.UTC)
MONDAY = dt.datetime(2026, 11, 30, 0, 0, tzinfo=dt.UTC)
LAUNCH = {
    "initiative": "T6-02",
    "member_state": "VN",
    "status": "launched",
    "effective_on": "2026-03-01",
    "note": "Education-industry linkage programme with semiconductor universities",
    "source_url": "https://mst.gov.vn/semiconductor-linkage",
    "source_title": "Semiconductor human resources programme",
}


@pytest.fixture
def vietnam(disco, team_a, users, time_machine):
    """DISCO trains engineers and names Viet Nam a priority; HUST in Hanoi needs university
    partners; bd_a follows Viet Nam."""
    time_machine.move_to(SATURDAY, tick=False)
    organization_update(
        actor=LOADER,
        organization=disco,
        capabilities=["EQP.DICING", "EQP.SERVICE", "TAL.UNIVERSITY"],
        thrusts=["T3", "T6"],
        priority_countries=["VN"],
    )
    hust = factories.institution(
        "Hanoi University of Science and Technology",
        country="VN",
        capabilities=["TAL.UNIVERSITY"],
        needs=["TAL.UNIVERSITY", "TAL.MOBILITY"],
        thrusts=["T6"],
    )
    follow_add(user=users["bd_a"], member_state="VN")
    matches_recompute(company=disco, now=SATURDAY)
    MatchRecomputeRequest.objects.all().delete()
    return hust


def _suggestions(api, user, company):
    api.force_authenticate(user)
    response = api.get(f"/api/v1/match-suggestions/?company={company.pk}&page_size=50")
    assert response.status_code == 200
    return {
        (r["counterpart"]["type"], r["counterpart"]["name"]): r for r in response.json()["results"]
    }


def test_a_launch_recorded_by_a_program_manager_reaches_map_suggestions_and_digest(
    api, users, disco, vietnam
):
    before = _suggestions(api, users["bd_a"], disco)
    api.force_authenticate(users["pm"])

    created = api.post("/api/v1/implementation-statuses/", LAUNCH, format="json")
    handled = matches_recompute_due(now=SATURDAY + dt.timedelta(minutes=2))
    after = _suggestions(api, users["bd_a"], disco)
    weekly_digest(now=MONDAY)

    assert created.status_code == 201
    assert handled == 1
    # The coverage map: launched in Viet Nam, no Japanese partner engaged there.
    cells = {c.state.iso2: c for c in coverage_matrix(user=users["pm"], thrust="T6").rows[1].cells}
    assert (cells["VN"].status.status, cells["VN"].gap) == ("launched", True)
    # Matching: the initiative and the Hanoi university say why they moved up.
    said = "Viet Nam launched T6-02 (Education-industry linkages) in March 2026"
    reached = (
        ("initiative", "Education-industry linkages"),
        ("organization", "Hanoi University of Science and Technology"),
    )
    for key in reached:
        assert said not in before[key]["explanation"]["reasons"]
        assert said in after[key]["explanation"]["reasons"]
        assert before[key]["components"]["implementation"] == {"value": 0.0, "contribution": 0.0}
        assert after[key]["components"]["implementation"]["value"] == 1.0
        gain = 0.1 * (1.0 - before[key]["score"])
        assert after[key]["score"] == pytest.approx(before[key]["score"] + gain, abs=1e-4)
    # The counterparts no launch reaches keep their scores.
    untouched = [k for k in before if k not in reached]
    assert len([k for k in untouched if k[0] in ("organization", "initiative")]) == 4
    for k in untouched:
        assert after[k]["components"]["implementation"]["value"] == 0.0
        assert after[k]["score"] == pytest.approx(before[k]["score"], abs=1e-4)
    # The follower's digest.
    digest = Notification.objects.get(user=users["bd_a"], kind="digest")
    assert (
        "2026-03-01 Viet Nam T6-02 Education-industry linkages: Launched "
        "(Semiconductor human resources programme)"
    ) in digest.body


def test_the_japanese_explanation_names_the_launch(api, users, disco, vietnam):
    implementation_status_record(actor=users["pm"], **LAUNCH)
    matches_recompute_due(now=SATURDAY + dt.timedelta(minutes=2))
    api.force_authenticate(users["bd_a"])

    body = api.get(
        f"/api/v1/match-suggestions/?company={disco.pk}&kind=initiative",
        HTTP_ACCEPT_LANGUAGE="ja",
    ).json()

    linkages = Initiative.objects.get(code="T6-02")
    first = next(r for r in body["results"] if r["counterpart"]["id"] == linkages.pk)
    assert first["counterpart"]["name"] == "教育機関と産業界の連携"
    assert (
        "ベトナムが2026年3月にT6-02（教育機関と産業界の連携）を開始した"
        in first["explanation"]["reasons"]
    )


def test_only_companies_naming_the_state_a_priority_are_asked_to_recompute(
    users, disco, tel, vietnam
):
    organization_update(actor=LOADER, organization=tel, priority_countries=["TH"])
    MatchRecomputeRequest.objects.all().delete()

    implementation_status_record(actor=users["pm"], **LAUNCH)

    assert list(MatchRecomputeRequest.objects.values_list("organization_id", "edits")) == [
        (disco.pk, 1)
    ]
    assert not MatchSuggestion.objects.filter(company=tel, stale=True).exists()
    assert MatchSuggestion.objects.filter(company=disco, status="new", stale=False).count() == 0


def test_a_second_change_bumps_the_waiting_request_instead_of_adding_one(users, disco, vietnam):
    state = implementation_status_record(actor=users["pm"], **LAUNCH).member_state

    reached = matching_watch_changed(member_state_id=state.pk)

    assert reached == 1
    assert list(MatchRecomputeRequest.objects.values_list("organization_id", "edits")) == [
        (disco.pk, 2)
    ]


def test_matching_reads_the_status_in_effect_today_and_forgets_a_deleted_one(users, vietnam):
    record = implementation_status_record(actor=users["pm"], **LAUNCH)
    implementation_status_record(
        actor=users["pm"], **{**LAUNCH, "status": "paused", "effective_on": "2026-12-20"}
    )
    implementation_status_record(
        actor=users["pm"],
        **{**LAUNCH, "initiative": "T6-03", "status": "in_progress", "effective_on": "2026-05-01"},
    )

    today = live_statuses(as_of=SATURDAY.date())
    after_the_pause = live_statuses(as_of=dt.date(2026, 12, 21))
    implementation_status_delete(actor=users["pm"], record=record)
    without_the_launch = live_statuses(as_of=SATURDAY.date())

    assert [(x.code, x.state, x.status, x.effective_on) for x in today] == [
        ("T6-02", "VN", "launched", "2026-03-01"),
        ("T6-03", "VN", "in_progress", "2026-05-01"),
    ]
    assert [x.code for x in after_the_pause] == ["T6-03"]
    assert [x.code for x in without_the_launch] == ["T6-03"]
