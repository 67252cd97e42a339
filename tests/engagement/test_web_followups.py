"""The follow-ups page moves follow-ups: a new date, another owner in the team, done with an
outcome, cancelled after a confirmation, undone for a few minutes; mine or my team's, and every
team's for a program manager. Another team's follow-up is not found; readers are refused."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from engagement.models import FollowUp, TimelineEvent
from tests import factories

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 26, 1, 0, tzinfo=dt.UTC)  # 10:00 in Tokyo, the users' time zone
TODAY = dt.date(2026, 11, 26)
LIST = "/follow-ups/"


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def bd_a2(team_a):
    return factories.user("bd_a2", role="bd_member", team=team_a)


@pytest.fixture
def mine(users, team_a):
    return factories.followup(
        team_a, actor=users["bd_a"], owner=users["bd_a"], due_on=TODAY, note="Send the syllabus"
    )


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def _html(response) -> str:
    return response.content.decode()


def _events(f) -> list[str]:
    return list(
        TimelineEvent.objects.filter(object_type="followup", object_id=f.pk)
        .order_by("at", "id")
        .values_list("kind", flat=True)
    )


# --- Reschedule -------------------------------------------------------------------------------


def test_rescheduling_moves_the_date_and_time(client_a, mine):
    response = client_a.post(
        f"/follow-ups/{mine.pk}/reschedule/",
        {"due_on": "2026-12-03", "due_time": "14:30", "version": mine.version, "next": LIST},
        follow=True,
    )

    mine.refresh_from_db()
    assert (mine.due_on, mine.due_time) == (dt.date(2026, 12, 3), dt.time(14, 30))
    assert response.redirect_chain == [(LIST, 302)]
    assert _messages(response) == ["Send the syllabus: now due 2026-12-03 14:30."]
    assert "2026-12-03 14:30" in _html(response)


def test_rescheduling_without_a_date_or_over_a_newer_change_is_refused(client_a, mine):
    empty = client_a.post(f"/follow-ups/{mine.pk}/reschedule/", {"due_on": ""}, follow=True)
    stale = client_a.post(
        f"/follow-ups/{mine.pk}/reschedule/",
        {"due_on": "2026-12-03", "version": mine.version - 1},
        follow=True,
    )

    mine.refresh_from_db()
    assert mine.due_on == TODAY
    assert _messages(empty) == ["Due: This field is required."]
    assert len(_messages(stale)) == 1
    assert "changed" in _messages(stale)[0]


# --- Reassign ---------------------------------------------------------------------------------


def test_reassigning_to_a_team_member_and_the_select_offers_only_the_team(
    client_a, mine, users, bd_a2
):
    page = client_a.get(LIST)
    html = _html(page)
    assert f'<option value="{bd_a2.pk}">bd_a2</option>' in html
    assert f'value="{users["bd_b"].pk}"' not in html

    response = client_a.post(
        f"/follow-ups/{mine.pk}/reassign/", {"owner": bd_a2.pk, "next": LIST}, follow=True
    )

    mine.refresh_from_db()
    assert mine.owner == bd_a2
    assert _messages(response) == ["Send the syllabus: now with bd_a2."]
    # No longer mine: it leaves my list and shows in the team's, with its owner.
    assert [f.note for f in response.context["followups"]] == []
    team = client_a.get(f"{LIST}?view=team")
    assert [(f.note, f.owner.username) for f in team.context["followups"]] == [
        ("Send the syllabus", "bd_a2")
    ]
    assert "Owner: bd_a2" in _html(team)


def test_reassigning_to_another_teams_member_shows_the_services_refusal(client_a, mine, users):
    response = client_a.post(
        f"/follow-ups/{mine.pk}/reassign/", {"owner": users["bd_b"].pk}, follow=True
    )

    mine.refresh_from_db()
    assert mine.owner == users["bd_a"]
    assert _messages(response) == [f"User {users['bd_b'].pk} is not a member of team team-a."]
    assert response.context["messages"]._loaded_messages[0].level_tag == "error"


# --- Done with an outcome, cancel with a confirmation, undo -----------------------------------


def test_done_with_an_outcome_keeps_it_and_offers_undo(client_a, mine):
    response = client_a.post(
        f"/follow-ups/{mine.pk}/done/",
        {"outcome": "  Syllabus accepted; visit in January  ", "next": LIST},
        follow=True,
    )

    mine.refresh_from_db()
    assert (mine.status, mine.outcome, mine.completed_at) == (
        "done",
        "Syllabus accepted; visit in January",
        NOW,
    )
    event = TimelineEvent.objects.get(kind="followup_done", object_id=mine.pk)
    assert event.data["outcome"] == "Syllabus accepted; visit in January"
    assert _messages(response) == ["Done: Send the syllabus"]
    html = _html(response)
    assert f'action="/follow-ups/{mine.pk}/reopen/"' in html
    assert "Undo is possible for 10 minutes." in html


def test_an_outcome_over_the_limit_is_refused(client_a, mine):
    response = client_a.post(
        f"/follow-ups/{mine.pk}/done/", {"outcome": "x" * (FollowUp.OUTCOME_MAX + 1)}, follow=True
    )

    mine.refresh_from_db()
    assert mine.status == "open"
    assert _messages(response) == ["Outcome: At most 2,000 characters; this has 2,001."]


def test_cancel_asks_first_then_cancels_and_offers_undo(client_a, mine):
    confirm = client_a.get(f"/follow-ups/{mine.pk}/cancel/?next={LIST}%3Fview%3Dteam")

    mine.refresh_from_db()
    assert confirm.status_code == 200
    assert mine.status == "open"
    html = _html(confirm)
    assert "Cancel this follow-up?" in html
    assert f'action="/follow-ups/{mine.pk}/cancel/"' in html
    assert 'name="next" value="/follow-ups/?view=team"' in html

    response = client_a.post(
        f"/follow-ups/{mine.pk}/cancel/", {"next": f"{LIST}?view=team"}, follow=True
    )

    mine.refresh_from_db()
    assert mine.status == "cancelled"
    assert response.redirect_chain == [(f"{LIST}?view=team", 302)]
    assert _messages(response) == ["Cancelled: Send the syllabus"]
    assert f'action="/follow-ups/{mine.pk}/reopen/"' in _html(response)


def test_the_list_links_cancel_to_its_confirmation(client_a, mine):
    html = _html(client_a.get(LIST))

    assert f'href="/follow-ups/{mine.pk}/cancel/?next=/follow-ups/"' in html
    assert f'action="/follow-ups/{mine.pk}/reschedule/"' in html


@pytest.mark.parametrize("finish", ["done", "cancel"])
def test_undo_within_ten_minutes_reopens_and_writes_the_timeline(client_a, mine, finish):
    client_a.post(f"/follow-ups/{mine.pk}/{finish}/", {"outcome": "Sent"}, follow=True)

    with time_machine.travel(NOW + dt.timedelta(minutes=10), tick=False):
        response = client_a.post(f"/follow-ups/{mine.pk}/reopen/", {"next": LIST}, follow=True)

    mine.refresh_from_db()
    assert (mine.status, mine.outcome, mine.completed_at, mine.completed_by) == (
        "open",
        "",
        None,
        None,
    )
    finished = "followup_done" if finish == "done" else "followup_cancelled"
    assert _events(mine) == ["followup_created", finished, "followup_reopened"]
    assert _messages(response) == ["Open again: Send the syllabus"]
    assert [f.pk for f in response.context["followups"]] == [mine.pk]
    again = client_a.post(f"/follow-ups/{mine.pk}/reopen/", follow=True)
    assert _messages(again) == ["This follow-up is already open."]


def test_undo_after_the_window_is_refused(client_a, mine):
    client_a.post(f"/follow-ups/{mine.pk}/done/", follow=True)

    with time_machine.travel(NOW + dt.timedelta(minutes=10, seconds=1), tick=False):
        late = client_a.post(f"/follow-ups/{mine.pk}/reopen/", follow=True)

    mine.refresh_from_db()
    assert mine.status == "done"
    assert _messages(late) == [
        "This follow-up was finished more than 10 minutes ago and can no longer be undone. "
        "Create a new follow-up instead."
    ]
    assert _events(mine) == ["followup_created", "followup_done"]


def test_undoing_an_open_follow_up_is_refused(client_a, mine):
    response = client_a.post(f"/follow-ups/{mine.pk}/reopen/", follow=True)

    assert _messages(response) == ["This follow-up is already open."]
    assert _events(mine) == ["followup_created"]


# --- Who may -----------------------------------------------------------------------------------

WRITES = [
    ("post", "done/", {}),
    ("post", "cancel/", {}),
    ("get", "cancel/", {}),
    ("post", "reopen/", {}),
    ("post", "reschedule/", {"due_on": "2026-12-01"}),
    ("post", "reassign/", {"owner": "1"}),
]


@pytest.mark.parametrize(("method", "path", "data"), WRITES)
def test_another_teams_follow_up_is_not_found(client, users, team_b, method, path, data):
    theirs = factories.followup(
        team_b, actor=users["bd_b"], owner=users["bd_b"], due_on=TODAY, note="Theirs"
    )
    client.force_login(users["bd_a"])

    response = getattr(client, method)(f"/follow-ups/{theirs.pk}/{path}", data)

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert (theirs.status, theirs.due_on, theirs.owner) == ("open", TODAY, users["bd_b"])


@pytest.mark.parametrize("reader", ["pm", "integrator_a"])
@pytest.mark.parametrize(("method", "path", "data"), WRITES)
def test_readers_are_refused(client, users, mine, reader, method, path, data):
    client.force_login(users[reader])

    response = getattr(client, method)(f"/follow-ups/{mine.pk}/{path}", data)

    assert response.status_code == 403
    expected = (
        "Program managers read every team&#x27;s records but do not change them."
        if reader == "pm"
        else "Integrators change records through the API; these pages only show them."
    )
    assert expected in _html(response)
    mine.refresh_from_db()
    assert (mine.status, mine.due_on, mine.owner) == ("open", TODAY, users["bd_a"])


def test_readers_see_no_forms_on_the_list(client, users, mine):
    client.force_login(users["pm"])

    html = _html(client.get(f"{LIST}?view=team"))

    assert "Send the syllabus" in html
    assert "/reschedule/" not in html
    assert "/done/" not in html


# --- Mine, the team's, every team's ----------------------------------------------------------


@pytest.fixture
def spread(users, team_a, team_b, bd_a2):
    def make(team, owner, days, note):
        due = TODAY + dt.timedelta(days=days)
        return factories.followup(team, actor=owner, owner=owner, due_on=due, note=note)

    make(team_a, users["bd_a"], 4, "Mine later")
    make(team_a, bd_a2, -2, "Colleague late")
    make(team_a, users["integrator_a"], 1, "Integrator tomorrow")
    make(team_a, users["bd_a"], -5, "Mine very late")
    make(team_b, users["bd_b"], -9, "Other team late")
    done = make(team_a, bd_a2, -1, "Colleague done")
    done.status = "done"
    done.completed_at = NOW
    done.save()


def test_my_view_is_the_default_and_shows_only_mine(client_a, spread):
    response = client_a.get(LIST)

    assert response.context["view"] == "mine"
    assert [f.note for f in response.context["followups"]] == ["Mine very late", "Mine later"]
    assert "My follow-ups" in _html(response)


def test_the_team_view_lists_the_teams_open_ones_overdue_first_with_owners(client_a, spread):
    response = client_a.get(f"{LIST}?view=team")

    assert [(f.note, f.owner.username) for f in response.context["followups"]] == [
        ("Mine very late", "bd_a"),
        ("Colleague late", "bd_a2"),
        ("Integrator tomorrow", "integrator_a"),
        ("Mine later", "bd_a"),
    ]
    assert response.context["overdue"] == 2
    html = _html(response)
    assert "Team follow-ups" in html
    assert "Owner: integrator_a" in html
    assert "Other team late" not in html


def test_a_program_manager_sees_every_team_and_filters_by_team(client, users, spread):
    client.force_login(users["pm"])

    everyone = client.get(LIST)
    team_b = client.get(f"{LIST}?view=team&team=team-b")

    assert everyone.context["view"] == "team"
    assert [f.note for f in everyone.context["followups"]] == [
        "Other team late",
        "Mine very late",
        "Colleague late",
        "Integrator tomorrow",
        "Mine later",
    ]
    assert [f.note for f in team_b.context["followups"]] == ["Other team late"]
    assert '<option value="team-b" selected>' in _html(team_b)


@pytest.mark.parametrize(("viewer", "view"), [("bd_a", "mine"), ("bd_a", "team"), ("pm", "team")])
def test_the_list_runs_the_same_number_of_queries_for_3_or_30(
    client, users, team_a, deal, bd_a2, viewer, view
):
    client.force_login(users[viewer])
    url = f"{LIST}?view={view}"

    def grow(n):
        for i in range(n):
            owner = (users["bd_a"], bd_a2)[i % 2]
            factories.followup(
                team_a,
                actor=owner,
                owner=owner,
                due_on=TODAY + dt.timedelta(days=i % 5 - 2),
                note=f"Call {i}",
                subject=("partnership", deal),
            )

    def count() -> int:
        client.get(url)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200
        return len(captured)

    grow(3)
    small = count()
    grow(27)
    large = count()

    assert large == small


# --- Japanese ----------------------------------------------------------------------------------


@pytest.mark.usefixtures("fresh_catalogue", "english_afterwards")
def test_the_page_and_its_undo_read_in_japanese(client, users, mine, bd_a2):
    users["bd_a"].language = "ja"
    users["bd_a"].save(update_fields=["language"])
    client.force_login(users["bd_a"])

    page = _html(client.get(f"{LIST}?view=team"))
    done = client.post(f"/follow-ups/{mine.pk}/done/", {"next": LIST}, follow=True)

    assert "チームのフォローアップ" in page
    assert "期限・担当者の変更、結果の記録" in page
    assert "担当者: bd_a" in page
    assert _messages(done) == ["完了: Send the syllabus"]
    assert "元に戻す" in _html(done)
    assert "10分以内であれば元に戻せます。" in _html(done)
