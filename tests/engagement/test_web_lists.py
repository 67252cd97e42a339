"""Lists people work with: sortable columns (in the business order of stages and priorities),
filters kept in the URL, saved views per user, and bulk actions on a selection (assign an owner,
a follow-up on each, a new date, an export), all or nothing, on the directory, partnerships,
engagements and follow-ups. Another team's rows cannot be selected; readers only export."""

import csv
import datetime as dt
import io
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from engagement.errors import NotPermitted
from engagement.models import FollowUp, Partnership, SavedView
from engagement.models.lists import SAVED_VIEWS_PER_LIST
from engagement.services import lists as service
from tests import factories

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 26, 1, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 11, 26)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def bd_a2(team_a):
    return factories.user("bd_a2", role="bd_member", team=team_a)


@pytest.fixture
def three(users, team_a, usm):
    """Three partnerships of team A with values and stages in no order of their own."""
    bd = users["bd_a"]
    rows = [
        ("Wafer line", "20000000", "2027-03-01"),
        ("Academy", "5000000", None),
        ("Test cell", "90000000", "2026-12-15"),
    ]
    made = []
    for title, value, target in rows:
        made.append(
            factories.partnership(
                team_a,
                actor=bd,
                counterparts=[usm],
                title=title,
                expected_value=value,
                currency="JPY",
                **({"target_date": target} if target else {}),
            )
        )
    return made


@pytest.fixture
def theirs(users, team_b, usm):
    return factories.partnership(
        team_b, actor=users["bd_b"], counterparts=[usm], title="Team B's line"
    )


def _titles(response) -> list[str]:
    html = response.content.decode()
    return re.findall(r'<td><a href="/partnerships/\d+/">([^<]+)</a>', html)


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


# --- Sorting and filters in the URL -----------------------------------------------------------


def test_partnerships_sort_by_value_both_ways_and_by_title(client_a, three):
    assert _titles(client_a.get("/partnerships/?sort=value")) == [
        "Academy",
        "Wafer line",
        "Test cell",
    ]
    assert _titles(client_a.get("/partnerships/?sort=-value")) == [
        "Test cell",
        "Wafer line",
        "Academy",
    ]
    assert _titles(client_a.get("/partnerships/?sort=title")) == [
        "Academy",
        "Test cell",
        "Wafer line",
    ]


def test_a_missing_target_date_sorts_last_either_way(client_a, three):
    assert _titles(client_a.get("/partnerships/?sort=target"))[-1] == "Academy"
    assert _titles(client_a.get("/partnerships/?sort=-target"))[-1] == "Academy"


def test_stages_sort_in_pipeline_order_not_alphabetically(client_a, users, three):
    from engagement.services.partnerships import partnership_transition

    wafer, _academy, cell = three
    partnership_transition(actor=users["bd_a"], partnership=wafer, to="contacted")
    partnership_transition(actor=users["bd_a"], partnership=wafer, to="exploring")
    partnership_transition(actor=users["bd_a"], partnership=cell, to="contacted")
    # identified → contacted → exploring (alphabetically: contacted, exploring, identified)
    assert _titles(client_a.get("/partnerships/?sort=stage")) == [
        "Academy",
        "Test cell",
        "Wafer line",
    ]


def test_an_unknown_sort_falls_back_to_the_default(client_a, three):
    default = _titles(client_a.get("/partnerships/"))
    assert _titles(client_a.get("/partnerships/?sort=password")) == default
    assert len(default) == 3


def test_headers_link_to_the_sort_keeping_the_filters_and_say_the_order(client_a, three):
    html = client_a.get("/partnerships/?stage=identified&sort=value&page=1").content.decode()

    # The active column reverses on a second click, and starts at page one.
    assert (
        'aria-sort="ascending" class="num"><a class="sortlink" '
        'href="?stage=identified&amp;sort=-value"'
    ) in html
    assert 'aria-sort="none"><a class="sortlink" href="?stage=identified&amp;sort=title"' in html


def test_the_owner_filter_finds_mine_nobody_s_and_a_member_s(client_a, users, three, bd_a2):
    from engagement.services.partnerships import partnership_update

    partnership_update(actor=users["bd_a"], partnership=three[1], owner=bd_a2.pk)
    partnership_update(actor=users["bd_a"], partnership=three[2], owner=None)

    assert _titles(client_a.get("/partnerships/?owner=me&sort=title")) == ["Wafer line"]
    assert _titles(client_a.get(f"/partnerships/?owner={bd_a2.pk}")) == ["Academy"]
    assert _titles(client_a.get("/partnerships/?owner=none")) == ["Test cell"]
    assert client_a.get("/partnerships/?owner=99999999999999999999").status_code == 200


def test_the_directory_sorts_by_country_then_name(client_a, usm):
    factories.institution("A*STAR IME", country="SG")
    factories.institution("Silterra", country="MY")
    html = client_a.get("/organizations/?sort=-country&kind=asean_institution").content.decode()
    names = re.findall(r'<a href="/organizations/\d+/">([^<]+)</a>', html)
    assert names == ["A*STAR IME", "Silterra", "Universiti Sains Malaysia"]


# --- Saved views ------------------------------------------------------------------------------


def test_a_saved_view_keeps_the_filters_and_sort_and_opens_them(client_a, users, three):
    response = client_a.post(
        "/lists/partnerships/views/",
        {"name": "  Big   deals ", "query": "stage=identified&page=3&sort=-value&evil=1&q="},
    )

    view = SavedView.objects.get()
    assert (view.user, view.list_name, view.name) == (users["bd_a"], "partnerships", "Big deals")
    assert view.query == "stage=identified&sort=-value"
    assert response.status_code == 302
    assert response["Location"] == "/partnerships/?stage=identified&sort=-value"
    page = client_a.get(response["Location"])
    assert _titles(page) == ["Test cell", "Wafer line", "Academy"]
    assert 'href="?stage=identified&amp;sort=-value" aria-current="true">Big deals</a>' in (
        page.content.decode()
    )


def test_saving_the_same_name_again_replaces_the_view(client_a, users):
    for query in ("stage=pilot", "stage=lost"):
        client_a.post("/lists/partnerships/views/", {"name": "Mine", "query": query})

    assert list(SavedView.objects.values_list("name", "query")) == [("Mine", "stage=lost")]


def test_saved_views_are_personal(client, client_a, users, bd_a2):
    client_a.post("/lists/followups/views/", {"name": "High", "query": "priority=high"})
    view = SavedView.objects.get()

    client.force_login(bd_a2)
    assert ">High</a>" not in client.get("/follow-ups/").content.decode()
    assert client.post(f"/saved-views/{view.pk}/delete/").status_code == 404
    assert SavedView.objects.filter(pk=view.pk).exists()
    with pytest.raises(NotPermitted):
        service.saved_view_delete(actor=bd_a2, view=view)

    client.force_login(users["bd_a"])
    client.post(f"/saved-views/{view.pk}/delete/")
    assert not SavedView.objects.exists()


def test_a_nameless_view_or_one_too_many_is_refused_with_a_reason(client_a, users):
    response = client_a.post(
        "/lists/engagements/views/", {"name": " ", "query": "kind=call"}, follow=True
    )
    assert _messages(response) == ["Give the view a name."]
    for i in range(SAVED_VIEWS_PER_LIST):
        service.saved_view_save(
            actor=users["bd_a"], list_name="engagements", name=f"v{i}", query=""
        )

    response = client_a.post("/lists/engagements/views/", {"name": "one more"}, follow=True)

    assert _messages(response) == ["You have 20 saved views of this list; delete one first."]
    assert SavedView.objects.count() == SAVED_VIEWS_PER_LIST
    assert client_a.post("/lists/contacts/views/", {"name": "x"}).status_code == 404


# --- Bulk actions -----------------------------------------------------------------------------


def test_assigning_an_owner_to_selected_partnerships(client_a, three, bd_a2):
    wafer, _academy, cell = three
    response = client_a.post(
        "/lists/partnerships/bulk/",
        {"action": "assign_owner", "ids": [wafer.pk, cell.pk], "owner": bd_a2.pk},
        follow=True,
    )

    assert _messages(response) == ["2 rows now have a new owner."]
    owners = dict(Partnership.objects.values_list("title", "owner__username"))
    assert owners == {"Wafer line": "bd_a2", "Academy": "bd_a", "Test cell": "bd_a2"}


def test_a_selection_with_another_team_s_row_changes_nothing(client_a, three, theirs, bd_a2):
    response = client_a.post(
        "/lists/partnerships/bulk/",
        {"action": "assign_owner", "ids": [three[0].pk, theirs.pk], "owner": bd_a2.pk},
        follow=True,
    )

    assert _messages(response) == [
        "1 selected row is not yours or no longer exists; nothing was changed."
    ]
    assert not Partnership.objects.filter(owner=bd_a2).exists()


def test_an_owner_from_another_team_is_refused_for_every_row(client_a, users, three):
    response = client_a.post(
        "/lists/partnerships/bulk/",
        {"action": "assign_owner", "ids": [p.pk for p in three], "owner": users["bd_b"].pk},
        follow=True,
    )

    (message,) = _messages(response)
    assert message.startswith("Wafer line: ")
    assert set(Partnership.objects.values_list("owner__username", flat=True)) == {"bd_a"}


def test_a_bulk_write_stops_at_the_first_refusal_and_undoes_the_rows_before_it(users, team_a):
    mine = factories.followup(team_a, actor=users["bd_a"], owner=users["bd_a"], due_on=TODAY)
    team_b = users["bd_b"].team
    other_team = factories.followup(team_b, owner=users["bd_b"], due_on=TODAY)

    with pytest.raises(NotPermitted):
        service.bulk_reschedule(
            actor=users["bd_a"], followups=[mine, other_team], due_on=dt.date(2027, 1, 5)
        )

    mine.refresh_from_db()
    assert mine.due_on == TODAY


def test_a_follow_up_on_each_selected_engagement(client_a, users, team_a, usm):
    meetings = [
        factories.engagement(team_a, actor=users["bd_a"], organizations=[usm], summary=s)
        for s in ("Lab tour", "Budget call")
    ]
    response = client_a.post(
        "/lists/engagements/bulk/",
        {
            "action": "followups",
            "ids": [m.pk for m in meetings],
            "due_on": "2026-12-10",
            "note": "Send the proposal",
        },
        follow=True,
    )

    assert _messages(response) == ["2 follow-ups added."]
    made = FollowUp.objects.order_by("engagement_id")
    assert [(f.engagement_id, f.note, f.due_on, f.owner_id) for f in made] == [
        (m.pk, "Send the proposal", dt.date(2026, 12, 10), users["bd_a"].pk) for m in meetings
    ]


def test_a_follow_up_batch_without_a_date_adds_nothing(client_a, users, team_a, usm):
    silterra = factories.institution("Silterra", country="MY")
    response = client_a.post(
        "/lists/organizations/bulk/",
        {"action": "followups", "ids": [usm.pk, silterra.pk], "note": "Invite to SEMICON"},
        follow=True,
    )

    assert _messages(response) == ["Universiti Sains Malaysia: This field is required."]
    assert not FollowUp.objects.exists()

    client_a.post(
        "/lists/organizations/bulk/",
        {
            "action": "followups",
            "ids": [usm.pk, silterra.pk],
            "note": "Invite to SEMICON",
            "due_on": "2026-12-01",
        },
    )
    assert sorted(FollowUp.objects.values_list("organization__name", flat=True)) == [
        "Silterra",
        "Universiti Sains Malaysia",
    ]


def test_a_follow_up_batch_sent_twice_adds_its_follow_ups_once(client_a, three):
    html = client_a.get("/partnerships/").content.decode()
    token = re.search(r'name="_once" value="([^"]+)"', html).group(1)
    batch = {
        "_once": token,
        "action": "followups",
        "ids": [p.pk for p in three],
        "due_on": "2026-12-10",
        "note": "Call back",
    }

    first = client_a.post("/lists/partnerships/bulk/", batch)
    again = client_a.post("/lists/partnerships/bulk/", batch)

    assert FollowUp.objects.count() == 3
    assert again["Location"] == first["Location"]


def test_moving_selected_follow_ups_to_a_new_date(client_a, users, team_a, bd_a2):
    made = [
        factories.followup(team_a, actor=users["bd_a"], owner=owner, due_on=TODAY)
        for owner in (users["bd_a"], bd_a2)
    ]
    response = client_a.post(
        "/lists/followups/bulk/",
        {
            "action": "reschedule",
            "ids": [f.pk for f in made],
            "due_on": "2026-12-03",
            "next": "/follow-ups/?view=team",
        },
    )

    assert response["Location"] == "/follow-ups/?view=team"
    assert set(FollowUp.objects.values_list("due_on", flat=True)) == {dt.date(2026, 12, 3)}


def test_a_program_manager_exports_but_does_not_write(client, users, three):
    client.force_login(users["pm"])
    page = client.get("/partnerships/").content.decode()
    assert 'value="export"' in page and 'value="assign_owner"' not in page

    refused = client.post(
        "/lists/partnerships/bulk/",
        {"action": "assign_owner", "ids": [three[0].pk], "owner": users["bd_a"].pk},
    )
    assert refused.status_code == 403
    assert set(Partnership.objects.values_list("owner__username", flat=True)) == {"bd_a"}


def test_the_export_has_the_selected_rows_with_the_page_s_columns(client_a, three):
    wafer, _academy, cell = three
    response = client_a.post(
        "/lists/partnerships/bulk/", {"action": "export", "ids": [cell.pk, wafer.pk]}
    )

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows == [
        [
            "Title",
            "Team",
            "Stage",
            "Counterparts",
            "Owner",
            "Expected value",
            "Currency",
            "Target date",
        ],
        [
            "Wafer line",
            "DISCO BD",
            "Identified",
            "Universiti Sains Malaysia",
            "bd_a",
            "20000000.00",
            "JPY",
            "2027-03-01",
        ],
        [
            "Test cell",
            "DISCO BD",
            "Identified",
            "Universiti Sains Malaysia",
            "bd_a",
            "90000000.00",
            "JPY",
            "2026-12-15",
        ],
    ]


def test_the_export_speaks_japanese_to_a_japanese_reader(client_a, users, team_a, bd_a2):
    users["bd_a"].language = "ja"
    users["bd_a"].save()
    f = factories.followup(team_a, actor=users["bd_a"], owner=bd_a2, due_on=TODAY, note="資料送付")
    response = client_a.post(
        "/lists/followups/bulk/", {"action": "export", "ids": [f.pk]}, HTTP_ACCEPT_LANGUAGE="ja"
    )

    text = b"".join(response.streaming_content).decode("utf-8").lstrip("\ufeff")
    header, row = list(csv.reader(io.StringIO(text)))
    assert header[0] == "期限"
    assert row[:5] == ["2026-11-26", "中", "bd_a2", "DISCO BD", "資料送付"]


def test_nothing_selected_or_no_action_chosen_says_so(client_a, three):
    response = client_a.post("/lists/partnerships/bulk/", {"action": "export"}, follow=True)
    assert _messages(response) == ["Select at least one row."]
    response = client_a.post("/lists/partnerships/bulk/", {"ids": [three[0].pk]}, follow=True)
    assert _messages(response) == ["Choose what to do with the selected rows."]
    response = client_a.post(
        "/lists/partnerships/bulk/", {"action": "export", "ids": ["x1"]}, follow=True
    )
    assert _messages(response) == ["'x1' is not a record number."]


# --- The engagements list ---------------------------------------------------------------------


def test_the_engagements_list_filters_sorts_and_keeps_to_the_team(
    client_a, users, team_a, team_b, usm
):
    ime = factories.institution("A*STAR IME", country="SG")
    old = factories.engagement(
        team_a,
        actor=users["bd_a"],
        organizations=[usm],
        summary="Dicing workshop",
        occurred_at=NOW - dt.timedelta(days=30),
    )
    new = factories.engagement(
        team_a,
        actor=users["bd_a"],
        organizations=[ime],
        summary="Packaging call",
        kind="call",
        occurred_at=NOW - dt.timedelta(days=2),
    )
    factories.engagement(team_b, actor=users["bd_b"], organizations=[usm], summary="Team B visit")

    def summaries(query: str) -> list[str]:
        html = client_a.get(f"/engagements/{query}").content.decode()
        return re.findall(r"<td>([A-Z][a-z]+ [a-z]+)(?:<br>|</td>)", html)

    assert summaries("") == ["Packaging call", "Dicing workshop"]
    assert summaries("?sort=when") == ["Dicing workshop", "Packaging call"]
    assert summaries("?country=MY") == ["Dicing workshop"]
    assert summaries("?kind=call") == ["Packaging call"]
    assert summaries("?q=IME") == ["Packaging call"]
    assert summaries("?since=2026-11-20") == ["Packaging call"]
    bad = client_a.get("/engagements/?until=2026-02-30")
    assert bad.status_code == 200
    assert "To: enter a date as YYYY-MM-DD." in bad.content.decode()
    assert old.pk != new.pk


def test_list_pages_take_the_same_number_of_queries_for_2_and_12_rows(client_a, users, team_a, usm):
    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            for url in ("/engagements/", "/partnerships/", "/follow-ups/", "/organizations/"):
                assert client_a.get(url).status_code == 200
        return len(ctx.captured_queries)

    def add(n: int) -> None:
        for _ in range(n):
            e = factories.engagement(team_a, actor=users["bd_a"], organizations=[usm])
            factories.partnership(team_a, actor=users["bd_a"], counterparts=[usm])
            factories.followup(
                team_a,
                actor=users["bd_a"],
                owner=users["bd_a"],
                due_on=TODAY,
                subject=("engagement", e),
            )
            factories.institution()

    queries()  # the first visit to the follow-ups makes the user's calendar address
    add(2)
    few = queries()
    add(10)
    assert queries() == few


def test_the_directory_names_capabilities_not_their_codes(client_a):
    from engagement.models import Capability

    factories.institution("Penang Skills Development Centre", capabilities=["EQP.DICING"])
    label = Capability.objects.get(code="EQP.DICING").display_name

    html = client_a.get("/organizations/?q=Penang").content.decode()

    assert f'<span class="tag">{label}</span>' in html
    assert "EQP.DICING</span>" not in html


def test_personal_records_are_scoped_by_the_policy_to_their_owner(users):
    """Saved views, notifications, import jobs and webhook endpoints: each user's own, by the
    one rule in engagement.policy (PERSONAL_MODELS), whatever their role."""
    from engagement import policy
    from engagement.models import ImportJob, Notification, WebhookEndpoint

    for model, field in policy.PERSONAL_MODELS.items():
        sql = str(policy.scope(users["pm"], model.objects.all()).query)
        assert f'"{field}_id" = {users["pm"].pk}' in sql, model
    assert not policy.scope(None, Notification.objects.all()).exists()
    assert {ImportJob, Notification, WebhookEndpoint, SavedView} <= set(policy.PERSONAL_MODELS)


def test_a_selected_id_no_database_can_hold_is_refused_by_name(client_a, three):
    response = client_a.post(
        "/lists/partnerships/bulk/",
        {"action": "export", "ids": [three[0].pk, "99999999999999999999"]},
        follow=True,
    )

    assert response.status_code == 200
    assert _messages(response) == ["'99999999999999999999' is not a record number."]
