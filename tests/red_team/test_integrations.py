"""Attacks on the integration surface and the background jobs: webhook destinations, retried
POSTs, reminder emails, restoring deleted records and list filters. Each test is named after the
behaviour that holds."""

import datetime as dt
import ipaddress
import json
import socket

import pytest
from django.core import mail

from engagement.models import (
    Engagement,
    IdempotencyRecord,
    Notification,
    Partnership,
    WebhookDelivery,
    WebhookEndpoint,
)
from engagement.services.engagements import engagement_delete
from engagement.services.jobs import run_job
from engagement.services.notifications import notifications_sweep, notify
from engagement.services.partnerships import partnership_delete, partnership_transition
from engagement.services.webhooks import webhook_deliver, webhook_endpoint_create
from engagement.tasks import send_notification_email
from tests import factories
from tests.webhook_receiver import webhook_receiver

pytestmark = pytest.mark.django_db


def _as(api, user):
    api.credentials(HTTP_AUTHORIZATION=f"Token {factories.token(user)}")
    return api


@pytest.fixture
def usm(db):
    return factories.institution("Universiti Sains Malaysia", country="MY")


@pytest.fixture
def deal(users, usm):
    return factories.partnership(
        users["bd_a"].team, counterparts=[usm], actor=users["bd_a"], title="Dicing lab at USM"
    )


# --- 1. Webhook destinations ----------


@pytest.mark.parametrize(
    "url",
    [
        "https://[::127.0.0.1]/hook",  # IPv4-compatible
        "https://[::ffff:127.0.0.1]/hook",  # IPv4-mapped
        "https://[64:ff9b::7f00:1]/hook",  # NAT64, well-known prefix
        "https://[64:ff9b:1::7f00:1]/hook",  # NAT64, local-use prefix
        "https://[2002:7f00:1::]/hook",  # 6to4 of 127.0.0.1
        "https://[2002:a9fe:a9fe::]/hook",  # 6to4 of the cloud metadata address
        "http://0177.0.0.1/hook",  # octal
        "http://2130706433/hook",  # one decimal number
        "http://127.1/hook",  # short form
        "http://0x7f.0.0.1/hook",  # hexadecimal
    ],
)
def test_loopback_in_any_spelling_is_refused_as_a_webhook_endpoint(api, users, settings, url):
    # given production settings
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False

    # when an integrator registers an endpoint whose host is loopback written another way
    response = _as(api, users["integrator_a"]).post(
        "/api/v1/webhook-endpoints/", {"url": url, "events": ["mou.signed"]}, format="json"
    )

    # then it is refused on its url and nothing is registered
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["url"]
    assert WebhookEndpoint.objects.count() == 0


def test_a_delivery_connects_only_to_the_address_it_checked_when_the_name_rebinds(
    users, deal, settings, monkeypatch
):
    # given an endpoint on a name that first resolves to a public address and then, when asked
    # again, to the loopback address where a receiver listens (DNS rebinding)
    real_getaddrinfo = socket.getaddrinfo
    asked = []

    def rebinding_resolver(host, *args, **kwargs):
        if host != "rebind.example":
            return real_getaddrinfo(host, *args, **kwargs)
        asked.append(host)
        answer = "93.184.215.14" if len(asked) == 1 else "127.0.0.1"
        return real_getaddrinfo(answer, *args, **kwargs)

    settings.WEBHOOK_TIMEOUT_SECONDS = 1
    settings.DEBUG = True  # http:// to a name, for the local receiver
    with webhook_receiver() as receiver:
        port = receiver.url.split(":")[2].split("/")[0]
        webhook_endpoint_create(
            actor=users["integrator_a"],
            url=f"http://rebind.example:{port}/hook",
            events=["partnership.stage_changed"],
        )
        partnership_transition(actor=users["bd_a"], partnership=deal, to="contacted", reason="")
        delivery = WebhookDelivery.objects.get()
        settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
        monkeypatch.setattr(socket, "getaddrinfo", rebinding_resolver)
        # The machine has no route out, and tests never send traffic off it: a connection to
        # anything but loopback is recorded and refused here, before a packet leaves.
        connected = []

        class LocalOnlySocket(socket.socket):
            def connect(self, address):
                connected.append(address[0])
                if not ipaddress.ip_address(address[0]).is_loopback:
                    raise ConnectionRefusedError("tests connect to loopback only")
                return super().connect(address)

        monkeypatch.setattr(socket, "socket", LocalOnlySocket)

        # when the delivery is attempted
        outcome = webhook_deliver(delivery.pk)

        # then the name was resolved once, the delivery went to the address that was checked,
        # and nothing reached the loopback receiver
        assert receiver.requests == []
    assert asked == ["rebind.example"]
    assert connected == ["93.184.215.14"]
    assert outcome == "retrying"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("pending", 1, None)


# --- 2. Idempotency-Key on a retried POST ----------


def test_a_retry_with_its_json_keys_reordered_is_answered_from_the_first_request(api, users, usm):
    # given a partnership created with an Idempotency-Key
    client = _as(api, users["bd_a"])
    first = client.post(
        "/api/v1/partnerships/",
        json.dumps(
            {
                "title": "Dicing training line",
                "counterparts": [usm.pk],
                "partnership_type": "training_programme",
                "initiatives": ["T6-01"],
            }
        ),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="deal-2026-11-26",
    )
    assert first.status_code == 201

    # when the client retries the same request serialised another way, then a different one
    retried = client.post(
        "/api/v1/partnerships/",
        json.dumps(
            {
                "initiatives": ["T6-01"],
                "partnership_type": "training_programme",
                "counterparts": [usm.pk],
                "title": "Dicing training line",
            },
            indent=2,
            separators=(",", ":"),
        ),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="deal-2026-11-26",
    )
    different = client.post(
        "/api/v1/partnerships/",
        json.dumps(
            {
                "initiatives": ["T6-01"],
                "partnership_type": "training_programme",
                "counterparts": [usm.pk],
                "title": "Etching training line",
            }
        ),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="deal-2026-11-26",
    )

    # then the retry gets the first answer, the different request is refused, one record exists
    assert (retried.status_code, retried["Idempotent-Replayed"]) == (201, "true")
    assert retried.json() == first.json()
    assert different.status_code == 409
    assert different.json()["type"] == "idempotency_key_reused"
    assert list(Partnership.objects.values_list("title", flat=True)) == ["Dicing training line"]
    assert IdempotencyRecord.objects.count() == 1


# --- 3. Reminder emails ----------

NOW = dt.datetime(2026, 11, 26, 1, 0, tzinfo=dt.UTC)  # 10:00 in Tokyo, past the reminder hour


def _email_state(pk):
    return Notification.objects.values_list(
        "email_status", "email_attempts", "email_error", "emailed_at"
    ).get(pk=pk)


def test_a_reminder_for_a_follow_up_with_a_line_break_is_sent_once_with_a_one_line_subject(
    users, mailoutbox, time_machine, django_capture_on_commit_callbacks
):
    # given an overdue follow-up whose note has a line break
    time_machine.move_to(NOW, tick=False)
    bd_a = users["bd_a"]
    bd_a.email = "bd_a@example.com"
    bd_a.save(update_fields=["email"])
    factories.followup(
        bd_a.team, owner=bd_a, due_on=dt.date(2026, 11, 25), note="line1\nBcc: eve@example.com"
    )

    # when the overdue job runs and the email task runs for its reminder
    with django_capture_on_commit_callbacks(execute=False):
        run_job("overdue_followups", now=NOW)
    notification = Notification.objects.get(user=bd_a)
    outcome = send_notification_email.apply(args=[notification.pk]).get()

    # then one email is sent, its subject on one line
    assert outcome == "sent"
    [email] = mailoutbox
    assert email.subject == "Overdue follow-up: line1 Bcc: eve@example.com"
    assert email.to == ["bd_a@example.com"]
    assert email.bcc == []
    assert email.message()["Bcc"] is None
    assert notification.subject == "Overdue follow-up: line1 Bcc: eve@example.com"
    assert _email_state(notification.pk)[:3] == ("sent", 1, "")


def test_an_email_that_cannot_be_built_is_failed_once_and_never_sent_again(
    users, mailoutbox, time_machine, django_capture_on_commit_callbacks
):
    # given a notification for a user whose stored address holds a line break
    time_machine.move_to(NOW, tick=False)
    bd_a = users["bd_a"]
    bd_a.email = "bd_a@example.com\nBcc: eve@example.com"
    bd_a.save(update_fields=["email"])
    with django_capture_on_commit_callbacks(execute=False):
        notification = notify(
            user=bd_a, kind="followup_overdue", key="k-1", subject="Overdue", body="Due."
        )

    # when its email task runs
    outcome = send_notification_email.apply(args=[notification.pk]).get()

    # then it is failed once, with the reason
    status, attempts, error, emailed_at = _email_state(notification.pk)
    assert (outcome, status, attempts, emailed_at) == ("failed", "failed", 1, None)
    assert error.startswith("BadHeaderError: ")
    assert mailoutbox == []

    # and running the task and the sweep again later sends nothing and changes nothing
    time_machine.move_to(NOW + dt.timedelta(hours=1), tick=False)
    again = send_notification_email.apply(args=[notification.pk]).get()
    swept = notifications_sweep(now=NOW + dt.timedelta(hours=1))
    assert (again, swept) == ("not pending", 0)
    assert _email_state(notification.pk) == (status, attempts, error, emailed_at)
    assert mailoutbox == []
    assert len(mail.outbox) == 0


# --- 4. Restoring a deleted engagement ----------


def test_restoring_an_engagement_whose_partnership_was_deleted_is_a_conflict(api, users, usm):
    # given an engagement of a partnership, the engagement deleted, then the partnership
    bd_a = users["bd_a"]
    deal = factories.partnership(bd_a.team, counterparts=[usm], actor=bd_a, title="Short-lived")
    eng = factories.engagement(bd_a.team, organizations=[usm], actor=bd_a, partnership=deal.pk)
    eng_id, deal_id = eng.pk, deal.pk
    engagement_delete(actor=bd_a, engagement=eng)
    partnership_delete(actor=bd_a, partnership=deal)

    # when the engagement is restored through the API
    response = _as(api, bd_a).post("/api/v1/engagements/restore/", {"id": eng_id}, format="json")

    # then the answer is a 409 in the API's error shape, and nothing is restored
    assert response.status_code == 409
    assert response.json() == {
        "type": "conflict",
        "detail": (
            f"The partnership this engagement belonged to (id {deal_id}) has been deleted. "
            'To restore the engagement without it, send "without_partnership": true.'
        ),
        "errors": {"partnership": ["This partnership has been deleted."]},
    }
    assert Engagement.objects.count() == 0


def test_restoring_another_teams_engagement_answers_exactly_like_an_unknown_id(api, users, usm):
    # given one of team A's engagements deleted and one still there
    bd_a = users["bd_a"]
    deleted = factories.engagement(bd_a.team, organizations=[usm], actor=bd_a)
    deleted_id = deleted.pk
    engagement_delete(actor=bd_a, engagement=deleted)
    kept = factories.engagement(bd_a.team, organizations=[usm], actor=bd_a)
    unknown = kept.pk + 1000
    client = _as(api, users["bd_b"])

    # when team B's member tries to restore each, and an id never used
    answers = {
        name: client.post("/api/v1/engagements/restore/", {"id": pk}, format="json")
        for name, pk in [("deleted", deleted_id), ("kept", kept.pk), ("unknown", unknown)]
    }

    # then the three answers are the same but for the id they were asked about
    def shape(response, pk):
        return response.status_code, response.content.decode().replace(str(pk), "ID")

    assert shape(answers["deleted"], deleted_id) == shape(answers["unknown"], unknown)
    assert shape(answers["kept"], kept.pk) == shape(answers["unknown"], unknown)
    assert answers["unknown"].status_code == 422
    assert list(Engagement.objects.values_list("pk", flat=True)) == [kept.pk]


# --- 5. The owner filter on team lists ----------


@pytest.mark.parametrize("resource", ["partnerships", "pilots", "follow-ups"])
def test_filtering_by_another_teams_user_answers_exactly_like_an_unknown_user(
    api, users, usm, resource
):
    # given records of both teams, each owned by its team's member
    for member in (users["bd_a"], users["bd_b"]):
        deal = factories.partnership(member.team, counterparts=[usm], actor=member)
        factories.pilot(deal, actor=member, owner=member.pk)
        factories.followup(member.team, owner=member, due_on=dt.date(2026, 12, 1), actor=member)
    client = _as(api, users["bd_a"])
    unknown = max(users[name].pk for name in users) + 1000

    # when team A's member filters its list by team B's member and by an id no user has
    other_team = client.get(f"/api/v1/{resource}/?owner={users['bd_b'].pk}")
    nobody = client.get(f"/api/v1/{resource}/?owner={unknown}")

    # then both answers are the same empty list
    assert (other_team.status_code, nobody.status_code) == (200, 200)
    assert other_team.json() == nobody.json()
    assert other_team.json()["results"] == []
