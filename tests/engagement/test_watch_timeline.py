"""One timeline per initiative and per member state: implementation statuses and policy updates
(shared market intelligence) merged with the partnership events of the reader's team (program
managers: every team's), newest first, a page at a time."""

import datetime as dt
import zoneinfo
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django.utils.translation.reloader import translation_file_changed

from engagement.errors import ValidationFailed
from engagement.models import Initiative, MemberState, TimelineEvent
from engagement.selectors.timeline import Entry, watch_timeline
from engagement.services.partnerships import partnership_transition
from engagement.services.watch import implementation_status_record, policy_update_create
from tests import factories

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 5, 1, 0, 0, tzinfo=dt.UTC)
TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")
SOURCE = {
    "source_url": "https://mic.gov.vn/programme",
    "source_title": "MIC announcement",
    "source_publisher": "Ministry of Information and Communications",
}
NOT_FOUND = {"type": "not_found", "detail": "Not found.", "errors": {}}


def _utc(month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=dt.UTC)


def _status(pm, initiative: str, state: str, status: str, effective_on: str, note: str = ""):
    return implementation_status_record(
        actor=pm,
        initiative=initiative,
        member_state=state,
        status=status,
        effective_on=effective_on,
        note=note,
        **SOURCE,
    )


def _policy(pm, published_on: str, title: str, **links):
    return policy_update_create(
        actor=pm,
        kind="call_for_partners",
        published_on=published_on,
        title=title,
        **links,
        **SOURCE,
    )


@pytest.fixture
def initiative(db) -> Initiative:
    return Initiative.objects.get(code="T6-01")


@pytest.fixture
def vn(db) -> MemberState:
    return MemberState.objects.get(iso2="VN")


@pytest.fixture
def history(users, team_a, team_b, time_machine):
    """T6-01 (thrust T6) in Viet Nam and around it. Shared: statuses and policy updates, some
    about T6-01, some about Viet Nam, one about neither. Team A: a deal linked to T6-01 with a
    Hanoi institute (no priority country: it counts where its counterpart is), a deal with a
    Penang institute whose priority country is Viet Nam, a deal with the Hanoi institute whose
    priority country is Malaysia, and a meeting about nothing in particular. Team B: a deal
    linked to T6-01 with the Hanoi institute."""
    pm, bd_a, bd_b = users["pm"], users["bd_a"], users["bd_b"]
    time_machine.move_to(_utc(4, 1), tick=False)
    hanoi = factories.institution("Hanoi Semiconductor Institute", country="VN")
    penang = factories.institution("Penang Skills Centre", country="MY")
    shared = {
        "launched_vn": _status(pm, "T6-01", "VN", "launched", "2026-03-01", "Programme opened."),
        "planned_th": _status(pm, "T6-01", "TH", "planned", "2026-02-01"),
        "t602_vn": _status(pm, "T6-02", "VN", "planned", "2026-02-15"),
        "t101_my": _status(pm, "T1-01", "MY", "launched", "2026-02-20"),
        "call": policy_update_create(
            actor=pm,
            kind="call_for_partners",
            published_on="2026-04-10",
            title="Viet Nam seeks training partners",
            title_ja="ベトナムが研修パートナーを募集",
            summary="Ten centres by 2028.",
            member_states=["VN"],
            initiatives=["T6-01"],
            **SOURCE,
        ),
        "thrust_rule": _policy(
            pm, "2026-03-20", "Thai talent rule", thrusts=["T6"], member_states=["TH"]
        ),
        "elsewhere": _policy(
            pm, "2026-03-25", "Malaysian fab grant", member_states=["MY"], initiatives=["T1-01"]
        ),
    }
    time_machine.move_to(_utc(4, 5, 9), tick=False)
    deal_a = factories.partnership(
        team_a,
        actor=bd_a,
        counterparts=[hanoi],
        initiatives=["T6-01"],
        title="Hanoi training centre",
    )
    time_machine.move_to(_utc(4, 7, 9), tick=False)
    penang_deal = factories.partnership(
        team_a, actor=bd_a, counterparts=[penang], priority_country="VN", title="Penang lab for VN"
    )
    time_machine.move_to(_utc(4, 8, 9), tick=False)
    factories.partnership(
        team_a, actor=bd_a, counterparts=[hanoi], priority_country="MY", initiatives=["T1-01"]
    )
    time_machine.move_to(_utc(4, 12, 9), tick=False)
    deal_b = factories.partnership(
        team_b, actor=bd_b, counterparts=[hanoi], initiatives=["T6-01"], title="Team B academy"
    )
    time_machine.move_to(_utc(4, 16), tick=False)
    meeting = factories.engagement(
        team_a,
        actor=bd_a,
        organizations=[hanoi],
        occurred_at=_utc(4, 15, 14),
        partnership=deal_a.pk,
        summary="Visited the training centre.",
    )
    factories.engagement(team_a, actor=bd_a, organizations=[hanoi], summary="Chance meeting.")
    time_machine.move_to(_utc(4, 20, 10), tick=False)
    partnership_transition(actor=bd_a, partnership=deal_a, to="contacted")
    time_machine.move_to(NOW, tick=False)
    return {
        **shared,
        "deal_a": deal_a,
        "penang_deal": penang_deal,
        "deal_b": deal_b,
        "meeting": meeting,
    }


def _rows(page) -> list[tuple]:
    return [(e.kind, e.at, e.object_id, e.actor) for e in page.entries]


def _initiative_rows_for_team_a(h) -> list[tuple]:
    return [
        ("stage_changed", _utc(4, 20, 10), h["deal_a"].pk, "bd_a"),
        ("engagement", _utc(4, 15, 14), h["meeting"].pk, "bd_a"),
        ("policy_update", _utc(4, 10), h["call"].pk, "pm"),
        ("partnership_created", _utc(4, 5, 9), h["deal_a"].pk, "bd_a"),
        ("policy_update", _utc(3, 20), h["thrust_rule"].pk, "pm"),
        ("implementation_status", _utc(3, 1), h["launched_vn"].pk, "pm"),
        ("implementation_status", _utc(2, 1), h["planned_th"].pk, "pm"),
    ]


# --- What a timeline holds, and in which order ---------------------------------------------------


def test_an_initiatives_timeline_merges_statuses_policy_updates_and_partnership_events(
    users, initiative, history
):
    page = watch_timeline(user=users["bd_a"], initiative=initiative)

    assert _rows(page) == _initiative_rows_for_team_a(history)
    assert page.next_cursor is None


def test_a_member_states_timeline_places_partnerships_as_the_coverage_map_does(users, vn, history):
    page = watch_timeline(user=users["bd_a"], member_state=vn)

    # The Penang deal counts in Viet Nam (its priority country), the Hanoi deal whose priority
    # country is Malaysia does not, the Hanoi deal without one does (its counterpart is there).
    assert _rows(page) == [
        ("stage_changed", _utc(4, 20, 10), history["deal_a"].pk, "bd_a"),
        ("engagement", _utc(4, 15, 14), history["meeting"].pk, "bd_a"),
        ("policy_update", _utc(4, 10), history["call"].pk, "pm"),
        ("partnership_created", _utc(4, 7, 9), history["penang_deal"].pk, "bd_a"),
        ("partnership_created", _utc(4, 5, 9), history["deal_a"].pk, "bd_a"),
        ("implementation_status", _utc(3, 1), history["launched_vn"].pk, "pm"),
        ("implementation_status", _utc(2, 15), history["t602_vn"].pk, "pm"),
    ]


def test_a_status_and_a_policy_update_are_entries_at_the_start_of_their_day(
    users, initiative, history
):
    entries = watch_timeline(user=users["bd_a"], initiative=initiative).entries

    assert entries[2] == Entry(
        at=_utc(4, 10),
        kind="policy_update",
        object_type="policy_update",
        object_id=history["call"].pk,
        actor="pm",
        partnership_id=None,
        partnership_title="",
        data={
            "kind": "call_for_partners",
            "published_on": "2026-04-10",
            "title": "Viet Nam seeks training partners",
            "title_ja": "ベトナムが研修パートナーを募集",
            "summary": "Ten centres by 2028.",
            "summary_ja": "",
            **SOURCE,
        },
        event_id=None,
    )
    assert entries[5] == Entry(
        at=_utc(3, 1),
        kind="implementation_status",
        object_type="implementation_status",
        object_id=history["launched_vn"].pk,
        actor="pm",
        partnership_id=None,
        partnership_title="",
        data={
            "initiative": "T6-01",
            "member_state": "VN",
            "status": "launched",
            "effective_on": "2026-03-01",
            "note": "Programme opened.",
            **SOURCE,
        },
        event_id=None,
    )
    assert (entries[0].partnership_id, entries[0].partnership_title) == (
        history["deal_a"].pk,
        "Hanoi training centre",
    )


def test_in_tokyo_a_dated_entry_sits_at_midnight_tokyo_time(users, initiative, history):
    with timezone.override(TOKYO):
        entries = watch_timeline(user=users["bd_a"], initiative=initiative).entries

    assert [e.at for e in entries if e.kind == "policy_update"] == [
        dt.datetime(2026, 4, 10, tzinfo=TOKYO),
        dt.datetime(2026, 3, 20, tzinfo=TOKYO),
    ]


# --- Who sees what -------------------------------------------------------------------------------


def test_team_b_sees_the_shared_items_and_its_own_events_but_none_of_team_as(
    users, initiative, vn, history
):
    by_initiative = watch_timeline(user=users["bd_b"], initiative=initiative)
    by_state = watch_timeline(user=users["bd_b"], member_state=vn)

    assert _rows(by_initiative) == [
        ("partnership_created", _utc(4, 12, 9), history["deal_b"].pk, "bd_b"),
        ("policy_update", _utc(4, 10), history["call"].pk, "pm"),
        ("policy_update", _utc(3, 20), history["thrust_rule"].pk, "pm"),
        ("implementation_status", _utc(3, 1), history["launched_vn"].pk, "pm"),
        ("implementation_status", _utc(2, 1), history["planned_th"].pk, "pm"),
    ]
    assert _rows(by_state) == [
        ("partnership_created", _utc(4, 12, 9), history["deal_b"].pk, "bd_b"),
        ("policy_update", _utc(4, 10), history["call"].pk, "pm"),
        ("implementation_status", _utc(3, 1), history["launched_vn"].pk, "pm"),
        ("implementation_status", _utc(2, 15), history["t602_vn"].pk, "pm"),
    ]


def test_a_program_manager_sees_every_teams_partnership_events(users, initiative, history):
    page = watch_timeline(user=users["pm"], initiative=initiative)

    assert [(e.kind, e.actor, e.partnership_title) for e in page.entries] == [
        ("stage_changed", "bd_a", "Hanoi training centre"),
        ("engagement", "bd_a", "Hanoi training centre"),
        ("partnership_created", "bd_b", "Team B academy"),
        ("policy_update", "pm", ""),
        ("partnership_created", "bd_a", "Hanoi training centre"),
        ("policy_update", "pm", ""),
        ("implementation_status", "pm", ""),
        ("implementation_status", "pm", ""),
    ]


def test_someone_not_signed_in_sees_nothing_not_even_the_shared_items(initiative, history):
    page = watch_timeline(user=AnonymousUser(), initiative=initiative)

    assert (page.entries, page.next_cursor) == ([], None)


# --- Paging and cost -----------------------------------------------------------------------------


def _micros(at: dt.datetime) -> int:
    return (at - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)) // dt.timedelta(microseconds=1)


def test_the_cursor_returns_the_rest_without_overlap(users, initiative, history):
    user = users["bd_a"]

    first = watch_timeline(user=user, initiative=initiative, limit=3)
    second = watch_timeline(user=user, initiative=initiative, limit=3, cursor=first.next_cursor)
    third = watch_timeline(user=user, initiative=initiative, limit=3, cursor=second.next_cursor)

    expected = _initiative_rows_for_team_a(history)
    assert (_rows(first), _rows(second), _rows(third)) == (
        expected[:3],
        expected[3:6],
        expected[6:],
    )
    # Microseconds, the kind of entry (0 status, 1 policy update, 2 event) and its id.
    assert first.next_cursor == f"{_micros(_utc(4, 10))}_1_{history['call'].pk}"
    assert third.next_cursor is None


def _event_at(deal, at: dt.datetime, summary: str) -> TimelineEvent:
    return TimelineEvent.objects.create(
        team=deal.team,
        at=at,
        kind="engagement",
        partnership=deal,
        object_type="engagement",
        object_id=1_000_000 + deal.pk,
        data={"kind": "call", "summary": summary},
    )


def test_paging_one_entry_at_a_time_through_a_busy_tokyo_day_loses_and_repeats_nothing(
    users, initiative, history
):
    deal, pm = history["deal_a"], users["pm"]
    midnight = dt.datetime(2026, 4, 25, tzinfo=TOKYO)
    _event_at(deal, midnight, "At midnight")
    _event_at(deal, midnight - dt.timedelta(microseconds=1), "Just before")
    _event_at(deal, midnight + dt.timedelta(hours=9), "Morning")
    _status(pm, "T6-01", "VN", "in_progress", "2026-04-25")
    _status(pm, "T6-01", "TH", "launched", "2026-04-25")
    _policy(pm, "2026-04-25", "Same-day call", initiatives=["T6-01"])
    user = users["bd_a"]

    with timezone.override(TOKYO):
        everything = watch_timeline(user=user, initiative=initiative, limit=200).entries
        walked, cursor = [], None
        while True:
            page = watch_timeline(user=user, initiative=initiative, limit=1, cursor=cursor)
            walked += page.entries
            cursor = page.next_cursor
            if cursor is None:
                break

    assert walked == everything
    assert [(e.kind, _what(e)) for e in everything[:7]] == [
        ("engagement", "Morning"),
        ("engagement", "At midnight"),
        ("policy_update", "Same-day call"),
        ("implementation_status", "launched"),
        ("implementation_status", "in_progress"),
        ("engagement", "Just before"),
        ("stage_changed", "contacted"),
    ]
    assert len(everything) == 13


def _what(entry: Entry) -> str:
    data = entry.data
    return data.get("summary") or data.get("status") or data.get("title") or data.get("to", "")


@pytest.mark.parametrize(
    "cursor",
    [
        "2026-04-10T00:00:00Z",
        "1775779200000000_7",  # the other timelines' cursor
        "1775779200000000_3_7",  # no such kind of entry
        "1775779200000000_1_99999999999999999999",  # beyond any id
        "999999999999999999999_1_7",  # beyond any time
        "-99999999999999999_1_7",
        "abc_1_7",
    ],
)
def test_a_cursor_the_timeline_did_not_give_is_refused(users, initiative, cursor):
    with pytest.raises(ValidationFailed) as refused:
        watch_timeline(user=users["bd_a"], initiative=initiative, cursor=cursor)

    assert refused.value.errors == {"cursor": ["This cursor is not one the timeline gave."]}


def _bulk_events(deal, count: int) -> None:
    TimelineEvent.objects.bulk_create(
        TimelineEvent(
            team=deal.team,
            at=_utc(4, 21) + dt.timedelta(minutes=i),
            kind="engagement",
            partnership=deal,
            object_type="engagement",
            object_id=2_000_000 + i,
            data={"kind": "call", "summary": f"Call {i}"},
        )
        for i in range(count)
    )


def test_a_page_costs_three_queries_for_5_events_as_for_50(users, initiative, vn, history):
    user, deal = users["bd_a"], history["deal_a"]
    _bulk_events(deal, 5)
    with CaptureQueriesContext(connection) as few:
        small = watch_timeline(user=user, initiative=initiative)
    _bulk_events(deal, 45)
    with CaptureQueriesContext(connection) as many:
        large = watch_timeline(user=user, member_state=vn)
    with CaptureQueriesContext(connection) as older:
        watch_timeline(user=user, member_state=vn, cursor=large.next_cursor)

    assert (len(small.entries), len(large.entries)) == (12, 50)
    assert {e.partnership_title for e in large.entries} == {"Hanoi training centre"}
    assert len(few) == len(many) == len(older) == 3


# --- The API -------------------------------------------------------------------------------------


def test_the_api_pages_an_initiatives_timeline_for_team_b(api, users, history):
    api.force_authenticate(users["bd_b"])

    first = api.get("/api/v1/initiatives/T6-01/timeline/?limit=2").json()
    second = api.get(first["next"]).json()
    third = api.get(second["next"]).json()

    assert first["next"] == (
        "http://testserver/api/v1/initiatives/T6-01/timeline/"
        f"?limit=2&cursor={_micros(_utc(4, 10))}_1_{history['call'].pk}"
    )
    assert first["results"] == [
        {
            "at": "2026-04-12T09:00:00Z",
            "kind": "partnership_created",
            "object_type": "partnership",
            "object_id": history["deal_b"].pk,
            "actor": "bd_b",
            "partnership_id": history["deal_b"].pk,
            "partnership_title": "Team B academy",
            "data": {"title": "Team B academy", "stage": "identified"},
        },
        {
            "at": "2026-04-10T00:00:00Z",
            "kind": "policy_update",
            "object_type": "policy_update",
            "object_id": history["call"].pk,
            "actor": "pm",
            "partnership_id": None,
            "partnership_title": "",
            "data": {
                "kind": "call_for_partners",
                "published_on": "2026-04-10",
                "title": "Viet Nam seeks training partners",
                "title_ja": "ベトナムが研修パートナーを募集",
                "summary": "Ten centres by 2028.",
                "summary_ja": "",
                **SOURCE,
            },
        },
    ]
    assert [(r["kind"], r["object_id"]) for r in second["results"] + third["results"]] == [
        ("policy_update", history["thrust_rule"].pk),
        ("implementation_status", history["launched_vn"].pk),
        ("implementation_status", history["planned_th"].pk),
    ]
    assert third["next"] is None


def test_the_api_shows_team_b_a_member_states_timeline_without_team_as_events(api, users, history):
    api.force_authenticate(users["bd_b"])

    results = api.get("/api/v1/member-states/VN/timeline/").json()["results"]

    assert [(r["kind"], r["object_id"], r["actor"]) for r in results] == [
        ("partnership_created", history["deal_b"].pk, "bd_b"),
        ("policy_update", history["call"].pk, "pm"),
        ("implementation_status", history["launched_vn"].pk, "pm"),
        ("implementation_status", history["t602_vn"].pk, "pm"),
    ]


def test_the_api_shows_a_program_manager_every_teams_events(api, users, history):
    api.force_authenticate(users["pm"])

    results = api.get("/api/v1/member-states/VN/timeline/").json()["results"]

    assert [r["actor"] for r in results if r["partnership_id"]] == [
        "bd_a",
        "bd_a",
        "bd_b",
        "bd_a",
        "bd_a",
    ]


@pytest.mark.parametrize(
    "url", ["/api/v1/initiatives/T9-99/timeline/", "/api/v1/member-states/JP/timeline/"]
)
def test_the_api_answers_404_for_an_unknown_code(api, users, url):
    api.force_authenticate(users["bd_a"])

    response = api.get(url)

    assert (response.status_code, response.json()) == (404, NOT_FOUND)


def test_the_api_refuses_a_bad_cursor_in_its_error_format(api, users):
    api.force_authenticate(users["bd_a"])

    response = api.get("/api/v1/member-states/VN/timeline/?cursor=yesterday")

    assert (response.status_code, response.json()) == (
        400,
        {
            "type": "validation_error",
            "detail": "Invalid input in: cursor.",
            "errors": {"cursor": ["This cursor is not one the timeline gave."]},
        },
    )


def test_the_api_asks_for_credentials(api, history):
    response = api.get("/api/v1/initiatives/T6-01/timeline/")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def _api_queries(api, url: str) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as captured:
        response = api.get(url)
    assert response.status_code == 200
    return len(captured), len(response.json()["results"])


@pytest.mark.parametrize(
    "url", ["/api/v1/initiatives/T6-01/timeline/", "/api/v1/member-states/VN/timeline/"]
)
def test_the_api_runs_the_same_queries_for_5_events_as_for_50(api, users, history, url):
    api.credentials(HTTP_AUTHORIZATION=f"Token {factories.token(users['bd_a'])}")
    api.get("/api/v1/")  # the token's first use is recorded once; measure after it
    _bulk_events(history["deal_a"], 5)
    few = _api_queries(api, url)
    _bulk_events(history["deal_a"], 45)
    many = _api_queries(api, url)

    assert (few[1], many[1]) == (12, 50)
    assert few[0] == many[0]


# --- The pages -----------------------------------------------------------------------------------


def _items(response) -> list[tuple[str, str, str]]:
    return [(i.kind, i.heading, i.text) for i in response.context["timeline"]["items"]]


def test_team_bs_initiative_page_shows_the_shared_items_and_none_of_team_as(client, users, history):
    client.force_login(users["bd_b"])

    response = client.get("/initiatives/T6-01/")

    html = response.content.decode()
    assert response.status_code == 200
    assert _items(response) == [
        ("partnership_created", "Partnership created", "Team B academy"),
        ("policy_update", "Call for partners", "Viet Nam seeks training partners"),
        ("policy_update", "Call for partners", "Thai talent rule"),
        ("implementation_status", "Implementation status: Launched", "T6-01 · VN"),
        ("implementation_status", "Implementation status: Planned", "T6-01 · TH"),
    ]
    assert '<time datetime="2026-04-10">2026-04-10</time>' in html
    assert (
        '<a href="https://mic.gov.vn/programme" rel="noopener noreferrer">MIC announcement</a>'
        in html
    )
    assert "Hanoi training centre" not in html
    assert "Visited the training centre." not in html


def test_a_program_managers_member_state_page_shows_every_teams_events(client, users, history):
    client.force_login(users["pm"])

    response = client.get("/member-states/vn/")

    assert [kind for kind, _heading, _text in _items(response)] == [
        "stage_changed",
        "engagement",
        "partnership_created",
        "policy_update",
        "partnership_created",
        "partnership_created",
        "implementation_status",
        "implementation_status",
    ]
    assert f'href="/partnerships/{history["deal_b"].pk}/"' in response.content.decode()


def test_the_page_links_to_older_entries_and_they_follow_without_overlap(
    client, users, history, monkeypatch
):
    monkeypatch.setattr("engagement.web.timeline.TIMELINE_PAGE", 4)
    client.force_login(users["bd_a"])

    first = client.get("/initiatives/T6-01/")
    older = first.context["timeline"]["older"]
    second = client.get(f"/initiatives/T6-01/{older}")

    assert older.startswith("?cursor=") and older.endswith("#timeline")
    assert [k for k, _h, _t in _items(first)] == [
        "stage_changed",
        "engagement",
        "policy_update",
        "partnership_created",
    ]
    assert [k for k, _h, _t in _items(second)] == [
        "policy_update",
        "implementation_status",
        "implementation_status",
    ]
    assert second.context["timeline"]["older"] is None
    assert second.context["timeline"]["paged"] is True


def test_the_page_keeps_the_status_history_and_the_record_forms(client, users, history):
    client.force_login(users["pm"])

    html = client.get("/initiatives/T6-01/").content.decode()

    assert "<h2>Implementation status history</h2>" in html
    assert '<form method="post" action="/watch/policy-updates/"' in html


@pytest.mark.parametrize("url", ["/initiatives/T9-99/", "/member-states/JP/"])
def test_an_unknown_code_is_not_found(client, users, url):
    client.force_login(users["bd_a"])

    assert client.get(url).status_code == 404


def test_a_bad_cursor_is_a_bad_request(client, users, history):
    client.force_login(users["bd_a"])

    assert client.get("/member-states/VN/?cursor=yesterday").status_code == 400


def test_the_page_runs_the_same_queries_for_5_events_as_for_50(client, users, history):
    client.force_login(users["bd_a"])
    _bulk_events(history["deal_a"], 5)
    with CaptureQueriesContext(connection) as few:
        client.get("/initiatives/T6-01/")
    _bulk_events(history["deal_a"], 45)
    with CaptureQueriesContext(connection) as many:
        response = client.get("/initiatives/T6-01/")

    assert len(response.context["timeline"]["items"]) == 30
    assert len(few) == len(many)


@pytest.fixture
def japanese(users):
    """Team A's BD member reads Japanese; the catalogue is compiled as the build does and
    Django's cached translations dropped, so the page reads it as it is now."""
    po = Path(settings.BASE_DIR) / "locale" / "ja" / "LC_MESSAGES" / "django.po"
    call_command("compile_translations", stdout=StringIO())
    translation_file_changed(sender=None, file_path=po.with_suffix(".mo"))
    user = users["bd_a"]
    user.language = "ja"
    user.save(update_fields=["language"])
    yield user
    translation.deactivate()


def test_a_japanese_reader_sees_the_timeline_in_japanese(client, japanese, history):
    client.force_login(japanese)

    response = client.get("/member-states/VN/")

    html = response.content.decode()
    assert _items(response)[:3] == [
        ("stage_changed", "ステージ変更", "特定 から 接触済み へ移動"),
        ("engagement", "面談", "Visited the training centre."),
        ("policy_update", "パートナー募集", "ベトナムが研修パートナーを募集"),
    ]
    assert _items(response)[-1] == ("implementation_status", "実施状況: 計画中", "T6-02 · VN")
    assert '<h2 id="timeline-h">タイムライン</h2>' in html
    assert "実施状況と政策動向（全員に共有）、閲覧できるパートナーシップの動き（新しい順）" in html
