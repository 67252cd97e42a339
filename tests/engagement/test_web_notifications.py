import pytest

from engagement.models import Notification
from engagement.services.notifications import notify

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
