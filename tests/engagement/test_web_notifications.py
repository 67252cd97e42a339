import datetime as dt
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from engagement.models import Notification
from engagement.services.jobs import overdue_followups
from engagement.services.notifications import notify
from engagement.templatetags import crm as crm_tags
from tests import factories

pytestmark = pytest.mark.django_db


def _note(user, key, subject="MoU expires in 30 days: Training MoU"):
    return notify(
        user=user,
        kind="mou_expiring",
        key=key,
        subject=subject,
        body="Plan its renewal.",
        url="/partnerships/1/",
    )


def test_the_notifications_page_lists_only_my_own(client, users):
    mine = _note(users["bd_a"], "k1")
    _note(users["bd_b"], "k2", subject="Someone else's secret")
    client.force_login(users["bd_a"])

    response = client.get("/notifications/")

    assert response.status_code == 200
    assert [n.pk for n in response.context["page"]] == [mine.pk]
    assert response.context["unread_count"] == 1
    assert "Someone else&#x27;s secret" not in response.content.decode()


def test_marking_one_as_read_leaves_the_others_unread(client, users):
    first = _note(users["bd_a"], "k1")
    second = _note(users["bd_a"], "k2")
    client.force_login(users["bd_a"])

    response = client.post("/notifications/read/", {"id": [first.pk]})

    assert response.status_code == 302
    assert Notification.objects.get(pk=first.pk).read_at is not None
    assert Notification.objects.get(pk=second.pk).read_at is None


def test_marking_all_as_read_does_not_touch_another_users(client, users):
    _note(users["bd_a"], "k1")
    theirs = _note(users["bd_b"], "k2")
    client.force_login(users["bd_a"])

    client.post("/notifications/read/")

    assert Notification.objects.filter(user=users["bd_a"], read_at__isnull=True).count() == 0
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_the_api_lists_my_notifications_and_marks_them_read(api, users):
    _note(users["bd_a"], "k1")
    _note(users["bd_b"], "k2")
    api.force_authenticate(users["bd_a"])

    listed = api.get("/api/v1/notifications/?unread=true").json()["results"]
    marked = api.post("/api/v1/notifications/mark-read/", {}, format="json").json()

    assert [n["subject"] for n in listed] == ["MoU expires in 30 days: Training MoU"]
    assert marked == {"marked": 1}
    assert api.get("/api/v1/notifications/?unread=true").json()["results"] == []


# --- The navigation's badge, and marking one notification read or unread ----------------------

BADGE = re.compile(
    r'<span class="badge"[^>]*>([^<]*)</span><span class="visually-hidden">([^<]*)</span>'
)


def _badge(response) -> tuple[str, str] | None:
    found = BADGE.findall(response.content.decode())
    assert len(found) <= 1
    return found[0] if found else None


def test_the_badge_counts_my_unread_and_drops_by_one_when_one_is_read(client, users):
    first = _note(users["bd_a"], "k1")
    _note(users["bd_a"], "k2")
    _note(users["bd_a"], "k3")
    _note(users["bd_b"], "k4")
    client.force_login(users["bd_a"])

    before = _badge(client.get("/partnerships/"))
    response = client.post(f"/notifications/{first.pk}/read/", {"next": "/partnerships/"})
    after = _badge(client.get("/partnerships/"))

    assert before == ("3", "(3 unread)")
    assert (response.status_code, response["Location"]) == (302, "/partnerships/")
    assert after == ("2", "(2 unread)")


def test_with_nothing_unread_there_is_no_badge(client, users):
    note = _note(users["bd_a"], "k1")
    client.force_login(users["bd_a"])
    client.post(f"/notifications/{note.pk}/read/")

    assert _badge(client.get("/")) is None


def test_the_badge_is_read_out_in_japanese(client, users):
    _note(users["bd_a"], "k1")
    _note(users["bd_a"], "k2")
    users["bd_a"].language = "ja"
    users["bd_a"].save()
    client.force_login(users["bd_a"])

    assert _badge(client.get("/", HTTP_ACCEPT_LANGUAGE="ja")) == ("2", "(未読 2 件)")


def test_a_read_notification_can_be_marked_unread_again(client, users):
    note = _note(users["bd_a"], "k1")
    client.force_login(users["bd_a"])

    client.post(f"/notifications/{note.pk}/read/")
    read_at = Notification.objects.get(pk=note.pk).read_at
    response = client.post(f"/notifications/{note.pk}/unread/")
    page = client.get("/notifications/")

    assert read_at is not None
    assert (response.status_code, response["Location"]) == (302, "/notifications/")
    assert Notification.objects.get(pk=note.pk).read_at is None
    assert page.context["unread_count"] == 1
    assert _badge(page) == ("1", "(1 unread)")


def test_marking_a_read_one_read_again_keeps_when_it_was_first_read(client, users):
    note = _note(users["bd_a"], "k1")
    client.force_login(users["bd_a"])
    client.post(f"/notifications/{note.pk}/read/")
    first = Notification.objects.get(pk=note.pk).read_at

    response = client.post(f"/notifications/{note.pk}/read/")

    assert response.status_code == 302
    assert Notification.objects.get(pk=note.pk).read_at == first


@pytest.mark.parametrize("action", ["read", "unread"])
def test_another_users_notification_answers_404_and_stays_as_it_was(client, users, action):
    theirs = _note(users["bd_b"], "k1")
    if action == "unread":
        Notification.objects.filter(pk=theirs.pk).update(read_at=timezone.now())
    before = Notification.objects.get(pk=theirs.pk).read_at
    client.force_login(users["bd_a"])

    response = client.post(f"/notifications/{theirs.pk}/{action}/")
    missing = client.post(f"/notifications/{theirs.pk + 1000}/{action}/")

    assert (response.status_code, missing.status_code) == (404, 404)
    assert Notification.objects.get(pk=theirs.pk).read_at == before


def test_marking_one_needs_a_post(client, users):
    note = _note(users["bd_a"], "k1")
    client.force_login(users["bd_a"])

    assert client.get(f"/notifications/{note.pk}/read/").status_code == 405
    assert Notification.objects.get(pk=note.pk).read_at is None


def test_marking_one_refuses_a_next_address_on_another_site(client, users):
    note = _note(users["bd_a"], "k1")
    client.force_login(users["bd_a"])

    response = client.post(f"/notifications/{note.pk}/read/", {"next": "https://evil.example/"})

    assert response["Location"] == "/notifications/"


def test_the_list_offers_read_for_unread_ones_and_unread_for_read_ones(client, users):
    unread = _note(users["bd_a"], "k1")
    read = _note(users["bd_a"], "k2", subject="MoU expired: Lab MoU")
    Notification.objects.filter(pk=read.pk).update(read_at=timezone.now())
    client.force_login(users["bd_a"])

    html = client.get("/notifications/").content.decode()

    assert f'action="/notifications/{unread.pk}/read/"' in html
    assert f'action="/notifications/{unread.pk}/unread/"' not in html
    assert f'action="/notifications/{read.pk}/unread/"' in html
    assert 'aria-label="Mark as unread: MoU expired: Lab MoU"' in html


def _queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    ("path", "extra"),
    [("/", 1), ("/partnerships/", 1), ("/organizations/", 1), ("/notifications/", 0)],
)
def test_the_badge_costs_one_query_per_page_and_none_on_the_notifications_page(
    client, users, monkeypatch, path, extra
):
    _note(users["bd_a"], "k1")
    _note(users["bd_a"], "k2")
    client.force_login(users["bd_a"])
    _queries(client, path)  # the session and the content types, cached from here on
    with_badge = _queries(client, path)
    badge = _badge(client.get(path))
    # The same page with the badge's count answered without the database.
    monkeypatch.setattr(crm_tags, "notifications_unread_count", lambda *, user: 0)

    without_badge = _queries(client, path)

    assert badge == ("2", "(2 unread)")
    assert with_badge - without_badge == extra


# --- Each notification names what happened, to which record, and links to it -----------------


def _overdue_about_a_partnership(users, *, language="en"):
    bd_a, pm = users["bd_a"], users["pm"]
    for person in (bd_a, pm):
        person.language = language
        person.save(update_fields=["language"])
    bd_a.team.program_manager = pm
    bd_a.team.save()
    deal = factories.partnership(
        bd_a.team, actor=bd_a, counterparts=[factories.institution("USM")], title="USM lab"
    )
    with time_machine.travel(dt.datetime(2026, 11, 10, 1, 0, tzinfo=dt.UTC), tick=False):
        f = factories.followup(
            bd_a.team,
            owner=bd_a,
            actor=bd_a,
            due_on="2026-11-18",
            note="Send the quote",
            subject=("partnership", deal),
        )
    with time_machine.travel(dt.datetime(2026, 11, 26, 1, 0, tzinfo=dt.UTC), tick=False):
        overdue_followups(now=timezone.now())
    return deal, f


def _texts(user):
    return [
        (n.kind, n.subject, n.body, n.url)
        for n in Notification.objects.filter(user=user).order_by("id")
    ]


def test_an_overdue_follow_up_names_its_record_and_links_the_owner_to_it(client, users):
    _deal, f = _overdue_about_a_partnership(users)
    client.force_login(users["bd_a"])

    html = client.get("/notifications/").content.decode()
    followups = client.get("/follow-ups/").content.decode()

    assert _texts(users["bd_a"]) == [
        (
            "followup_overdue",
            "Overdue follow-up: Send the quote",
            "Due 2026-11-18, 8 day(s) overdue.\nAbout: USM lab",
            f"/follow-ups/#followup-{f.pk}",
        )
    ]
    assert f'<a href="/follow-ups/#followup-{f.pk}">Overdue follow-up: Send the quote</a>' in html
    assert f'<li id="followup-{f.pk}" class="fu overdue">' in followups


def test_the_program_manager_is_told_which_follow_up_and_linked_to_its_record(users):
    deal, _f = _overdue_about_a_partnership(users)

    assert _texts(users["pm"]) == [
        (
            "followup_escalated",
            "DISCO BD: follow-up 8 days overdue: Send the quote",
            "bd_a's follow-up 'Send the quote' was due 2026-11-18.\nAbout: USM lab",
            f"/partnerships/{deal.pk}/",
        )
    ]


def test_the_follow_up_notifications_read_in_japanese(users):
    _overdue_about_a_partnership(users, language="ja")

    assert [(s, b) for _k, s, b, _u in _texts(users["bd_a"]) + _texts(users["pm"])] == [
        (
            "期限超過のフォローアップ: Send the quote",
            "期限は 2026-11-18 で、8 日超過しています。\n対象: USM lab",
        ),
        (
            "DISCO BD: フォローアップが 8 日期限超過: Send the quote",
            "bd_a さんのフォローアップ「Send the quote」の期限は 2026-11-18 でした。"
            "\n対象: USM lab",
        ),
    ]


def test_an_integrator_marks_its_own_notification_read_and_unread_in_the_pages(client, users):
    # Integrators write through the API, but their own notifications are theirs to mark.
    note = _note(users["integrator_a"], "k1")
    client.force_login(users["integrator_a"])

    read = client.post(f"/notifications/{note.pk}/read/")
    was_read = Notification.objects.get(pk=note.pk).read_at is not None
    unread = client.post(f"/notifications/{note.pk}/unread/")

    assert (read.status_code, unread.status_code, was_read) == (302, 302, True)
    assert Notification.objects.get(pk=note.pk).read_at is None
