"""Webhooks: who receives which event, signed how, delivered once, retried on a schedule of
rows (not countdown tasks), replayed with the same event id; and the endpoints' API."""

import datetime as dt
import hashlib
import hmac
import json
import socket

import pytest
import time_machine
from django.db import transaction

from engagement import tasks
from engagement.errors import Conflict, NotPermitted
from engagement.models import FollowUp, MoU, Pilot, WebhookDelivery, WebhookEndpoint
from engagement.services import hooks
from engagement.services.followups import followup_complete
from engagement.services.mous import mou_expire_due, mou_renew, mou_sign
from engagement.services.partnerships import partnership_transition
from engagement.services.pilots import pilot_flag_at_risk, pilot_start
from engagement.services.webhooks import (
    EVENTS,
    refused_destination,
    webhook_deliver,
    webhook_emit,
    webhook_endpoint_create,
    webhook_replay,
    webhooks_retry_due,
)
from engagement.tasks import deliver_webhook as deliver_task
from tests import factories
from tests.webhook_receiver import webhook_receiver

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC)
TODAY = NOW.date()


class FakeTask:
    """Stands in for engagement.tasks.deliver_webhook: records what would be queued."""

    def __init__(self):
        self.queued: list[int] = []

    def delay(self, delivery_id):
        self.queued.append(delivery_id)


@pytest.fixture
def queued(monkeypatch):
    fake = FakeTask()
    monkeypatch.setitem(hooks.tasks, deliver_task.name, fake.delay)
    return fake.queued


@pytest.fixture
def receiver():
    with webhook_receiver() as r:
        yield r


@pytest.fixture
def usm(db):
    return factories.institution("Universiti Sains Malaysia", country="MY")


@pytest.fixture
def deal(users, usm):
    return factories.partnership(
        users["bd_a"].team, counterparts=[usm], actor=users["bd_a"], title="Dicing lab at USM"
    )


def _endpoint(owner, url, events=("partnership.stage_changed",), **extra):
    return webhook_endpoint_create(actor=owner, url=url, events=list(events), **extra)


def _move(deal, actor, to="contacted", reason=""):
    return partnership_transition(actor=actor, partnership=deal, to=to, reason=reason)


def _expected_signature(secret: str, timestamp: str, body: bytes) -> str:
    # Computed here from the documented rule, not with the product's helper.
    message = timestamp.encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


# --- What is emitted, to whom ----------


def test_a_stage_change_is_delivered_signed_to_the_local_receiver(users, deal, receiver, queued):
    endpoint = _endpoint(users["integrator_a"], receiver.url)

    _move(deal, users["bd_a"])
    delivery = WebhookDelivery.objects.get()
    assert webhook_deliver(delivery.pk) == "succeeded"

    [request] = receiver.requests
    headers = request.headers
    assert request.path == "/hook"
    assert headers["Content-Type"] == "application/json"
    assert headers["X-AFISS-Event"] == "partnership.stage_changed"
    assert headers["X-AFISS-Delivery"] == str(delivery.event_id)
    assert headers["X-AFISS-Signature"] == _expected_signature(
        endpoint.secret, headers["X-AFISS-Timestamp"], request.body
    )
    assert abs(int(headers["X-AFISS-Timestamp"]) - dt.datetime.now(dt.UTC).timestamp()) < 60
    body = json.loads(request.body)
    assert body["id"] == str(delivery.event_id)
    assert body["event"] == "partnership.stage_changed"
    assert body["occurred_at"].endswith("Z")
    assert body["data"] == {
        "id": deal.pk,
        "team": "team-a",
        "from": "identified",
        "to": "contacted",
        "reason": "",
    }
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("succeeded", 1, 200)
    assert delivery.delivered_at is not None
    assert delivery.last_error == ""


def test_a_signature_made_with_another_secret_does_not_verify(users, deal, receiver, queued):
    _endpoint(users["integrator_a"], receiver.url)
    _move(deal, users["bd_a"])
    webhook_deliver(WebhookDelivery.objects.get().pk)

    [request] = receiver.requests
    wrong = _expected_signature(
        "not-the-secret", request.headers["X-AFISS-Timestamp"], request.body
    )
    assert request.headers["X-AFISS-Signature"] != wrong


def test_one_delivery_per_subscribed_endpoint_and_none_for_other_events(users, deal, queued):
    first = _endpoint(users["integrator_a"], "https://a.example.com/hook")
    second = _endpoint(users["bd_a"], "https://b.example.com/hook")
    _endpoint(users["integrator_a"], "https://c.example.com/hook", events=["mou.signed"])
    _endpoint(users["bd_a"], "https://d.example.com/hook", is_active=False)

    _move(deal, users["bd_a"])

    deliveries = WebhookDelivery.objects.order_by("endpoint_id")
    assert [(d.endpoint_id, d.event) for d in deliveries] == [
        (first.pk, "partnership.stage_changed"),
        (second.pk, "partnership.stage_changed"),
    ]
    assert len({d.event_id for d in deliveries}) == 2
    assert all(d.status == "pending" and d.attempts == 0 for d in deliveries)


def test_another_team_receives_nothing_and_a_program_manager_receives_it(users, deal, queued):
    _endpoint(users["bd_b"], "https://team-b.example.com/hook")
    pm = _endpoint(users["pm"], "https://pm.example.com/hook")

    _move(deal, users["bd_a"])

    assert list(WebhookDelivery.objects.values_list("endpoint_id", flat=True)) == [pm.pk]


def test_an_inactive_owner_receives_nothing(users, deal, queued):
    _endpoint(users["integrator_a"], "https://a.example.com/hook")
    users["integrator_a"].is_active = False
    users["integrator_a"].save()

    _move(deal, users["bd_a"])

    assert not WebhookDelivery.objects.exists()


def test_an_emission_with_a_key_happens_once_per_key(users, queued):
    """For jobs that may run twice (followup.overdue, mou.expiring): the key is the claim."""
    endpoint = _endpoint(users["integrator_a"], "https://a.example.com/hook", events=list(EVENTS))
    followup = factories.followup(
        users["bd_a"].team, owner=users["bd_a"], due_on=TODAY - dt.timedelta(days=2)
    )
    WebhookDelivery.objects.all().delete()  # the followup.created delivery
    data = {"id": followup.pk, "team": "team-a", "due_on": followup.due_on, "days_overdue": 2}

    first = webhook_emit("followup.overdue", followup, key=f"{followup.pk}:2026-11-26", data=data)
    again = webhook_emit("followup.overdue", followup, key=f"{followup.pk}:2026-11-26", data=data)
    next_day = webhook_emit(
        "followup.overdue", followup, key=f"{followup.pk}:2026-11-27", data=data
    )

    assert len(first) == 1
    assert again == []
    assert len(next_day) == 1
    assert WebhookDelivery.objects.filter(endpoint=endpoint).count() == 2


def test_a_rolled_back_write_emits_nothing_and_queues_nothing(
    users, deal, queued, django_capture_on_commit_callbacks
):
    _endpoint(users["integrator_a"], "https://a.example.com/hook")

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        _move(deal, users["bd_a"])
        assert WebhookDelivery.objects.count() == 1  # written in the caller's transaction
        raise RuntimeError("the caller fails after the move")

    assert not WebhookDelivery.objects.exists()
    assert callbacks == []
    assert queued == []


def test_the_delivery_is_queued_only_after_the_commit(
    users, deal, queued, django_capture_on_commit_callbacks
):
    _endpoint(users["integrator_a"], "https://a.example.com/hook")

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _move(deal, users["bd_a"])
        delivery = WebhookDelivery.objects.get()
    assert queued == []  # nothing was sent to the broker inside the transaction

    for callback in callbacks:
        callback()
    assert queued == [delivery.pk]


def test_every_service_emit_point_fires_its_event(
    users, deal, usm, queued, django_capture_on_commit_callbacks
):
    endpoint = _endpoint(users["integrator_a"], "https://a.example.com/hook", events=list(EVENTS))
    bd = users["bd_a"]
    with time_machine.travel(NOW, tick=False):
        factories.partnership(bd.team, counterparts=[usm], actor=bd)
        _move(deal, bd)
        factories.engagement(
            bd.team,
            organizations=[usm],
            actor=bd,
            next_step="Send the syllabus",
            next_step_due=TODAY + dt.timedelta(days=3),
        )
        followup_complete(actor=bd, followup=FollowUp.objects.get())
        signed = mou_sign(
            actor=bd,
            mou=factories.mou(deal, actor=bd),
            signed_on=TODAY,
            expires_on=TODAY + dt.timedelta(days=365),
        )
        mou_renew(
            actor=bd,
            mou=signed,
            effective_on=TODAY + dt.timedelta(days=365),
            expires_on=TODAY + dt.timedelta(days=730),
        )
        expiring = mou_sign(
            actor=bd,
            mou=factories.mou(deal, actor=bd),
            signed_on=TODAY,
            expires_on=TODAY + dt.timedelta(days=10),
        )
        mou_expire_due(today=TODAY + dt.timedelta(days=10))
        pilot = pilot_start(actor=bd, pilot=factories.pilot(deal, actor=bd))
        assert pilot_flag_at_risk(actor=bd, pilot=pilot, reason="No samples yet")
        assert not pilot_flag_at_risk(actor=bd, pilot=pilot, reason="Still none")

    events = list(
        WebhookDelivery.objects.filter(endpoint=endpoint)
        .order_by("pk")
        .values_list("event", flat=True)
    )
    assert events == [
        "partnership.created",
        "partnership.stage_changed",
        "followup.created",
        "engagement.created",
        "followup.completed",
        "mou.signed",
        "mou.renewed",
        "mou.signed",
        "mou.expired",
        "pilot.at_risk",
    ]
    by_event = {d.event: d.payload["data"] for d in WebhookDelivery.objects.all()}
    assert by_event["mou.expired"] == {
        "id": expiring.pk,
        "team": "team-a",
        "partnership": deal.pk,
        "expires_on": (TODAY + dt.timedelta(days=10)).isoformat(),
    }
    assert by_event["pilot.at_risk"] == {
        "id": pilot.pk,
        "team": "team-a",
        "partnership": deal.pk,
        "reason": "No samples yet",
    }
    assert MoU.objects.get(pk=expiring.pk).status == "expired"
    assert Pilot.objects.get(pk=pilot.pk).status == "at_risk"


# --- Delivering once, retrying on a schedule ----------


def test_delivering_twice_sends_once(users, deal, receiver, queued):
    _endpoint(users["integrator_a"], receiver.url)
    _move(deal, users["bd_a"])
    delivery = WebhookDelivery.objects.get()

    assert deliver_task(delivery.pk) == "succeeded"  # the task itself, run in this process
    assert deliver_task(delivery.pk) == "not claimed"
    assert webhook_deliver(delivery.pk) == "not claimed"

    assert len(receiver.requests) == 1
    delivery.refresh_from_db()
    assert delivery.attempts == 1


def test_a_delivery_claimed_by_another_worker_is_left_alone_until_it_is_abandoned(
    users, deal, receiver, queued
):
    _endpoint(users["integrator_a"], receiver.url)
    with time_machine.travel(NOW, tick=False) as clock:
        _move(deal, users["bd_a"])
        delivery = WebhookDelivery.objects.get()
        WebhookDelivery.objects.filter(pk=delivery.pk).update(status="delivering", claimed_at=NOW)

        assert webhook_deliver(delivery.pk) == "not claimed"
        clock.move_to(NOW + dt.timedelta(minutes=11))  # that worker died mid-delivery
        assert webhook_deliver(delivery.pk) == "succeeded"

    assert len(receiver.requests) == 1


def test_a_failing_receiver_is_retried_with_backoff_then_the_delivery_fails(
    users, deal, receiver, queued, settings
):
    settings.WEBHOOK_MAX_ATTEMPTS = 6
    receiver.status = 500
    _endpoint(users["integrator_a"], receiver.url)
    with time_machine.travel(NOW, tick=False) as clock:
        _move(deal, users["bd_a"])
        delivery = WebhookDelivery.objects.get()

        assert webhook_deliver(delivery.pk) == "retrying"
        delivery.refresh_from_db()
        assert delivery.status == "pending"
        assert delivery.attempts == 1
        assert delivery.last_status_code == 500
        assert delivery.last_error == "HTTP 500: receiver says no"
        assert delivery.next_attempt_at == NOW + dt.timedelta(minutes=1)
        # Not due yet: a duplicate task (or an early scan) sends nothing.
        assert webhook_deliver(delivery.pk) == "not claimed"
        assert webhooks_retry_due() == []

        waits = []
        now = NOW
        for _ in range(5):
            wait = delivery.next_attempt_at - now
            waits.append(wait)
            now = delivery.next_attempt_at
            clock.move_to(now)
            assert webhooks_retry_due() == [delivery.pk]
            webhook_deliver(delivery.pk)
            delivery.refresh_from_db()

    assert waits == [
        dt.timedelta(minutes=1),
        dt.timedelta(minutes=5),
        dt.timedelta(minutes=30),
        dt.timedelta(hours=2),
        dt.timedelta(hours=6),
    ]
    assert delivery.status == "failed"
    assert delivery.attempts == 6
    assert delivery.next_attempt_at is None
    assert delivery.last_status_code == 500
    assert "gave up after 6 attempts" in delivery.last_error
    assert len(receiver.requests) == 6
    # The same event every time.
    assert {r.headers["X-AFISS-Delivery"] for r in receiver.requests} == {str(delivery.event_id)}


def test_a_refused_connection_is_recorded_and_retried(users, deal, queued):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    _endpoint(users["integrator_a"], f"http://127.0.0.1:{port}/hook")
    _move(deal, users["bd_a"])
    delivery = WebhookDelivery.objects.get()

    assert webhook_deliver(delivery.pk) == "retrying"

    delivery.refresh_from_db()
    assert delivery.status == "pending"
    assert delivery.attempts == 1
    assert delivery.last_status_code is None
    assert "Connection refused" in delivery.last_error


def test_a_receiver_that_never_answers_times_out(users, deal, queued, settings):
    settings.WEBHOOK_TIMEOUT_SECONDS = 1
    with socket.socket() as silent:  # accepts connections (backlog) but never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        port = silent.getsockname()[1]
        _endpoint(users["integrator_a"], f"http://127.0.0.1:{port}/hook")
        _move(deal, users["bd_a"])
        delivery = WebhookDelivery.objects.get()

        assert webhook_deliver(delivery.pk) == "retrying"

    delivery.refresh_from_db()
    assert delivery.status == "pending"
    assert delivery.last_status_code is None
    assert "timed out" in delivery.last_error


def test_a_redirect_is_not_followed(users, deal, receiver, queued):
    receiver.status = 302
    _endpoint(users["integrator_a"], receiver.url)
    _move(deal, users["bd_a"])
    delivery = WebhookDelivery.objects.get()

    assert webhook_deliver(delivery.pk) == "retrying"

    delivery.refresh_from_db()
    assert delivery.last_status_code == 302
    assert len(receiver.requests) == 1


def test_a_paused_endpoint_is_not_sent_to(users, deal, receiver, queued):
    endpoint = _endpoint(users["integrator_a"], receiver.url)
    _move(deal, users["bd_a"])
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(is_active=False)
    delivery = WebhookDelivery.objects.get()

    assert webhook_deliver(delivery.pk) == "failed"

    assert receiver.requests == []
    delivery.refresh_from_db()
    assert delivery.status == "failed"
    assert "inactive" in delivery.last_error


def test_the_retry_scan_queues_only_what_is_due(users, queued):
    endpoint = _endpoint(users["integrator_a"], "https://a.example.com/hook")

    def row(**fields):
        return WebhookDelivery.objects.create(
            endpoint=endpoint, event="mou.signed", payload={}, **fields
        ).pk

    with time_machine.travel(NOW, tick=False):
        due = row(status="pending", next_attempt_at=NOW - dt.timedelta(seconds=1))
        due_now = row(status="pending", next_attempt_at=NOW)
        row(status="pending", next_attempt_at=NOW + dt.timedelta(minutes=5))
        row(status="succeeded", next_attempt_at=None)
        row(status="failed", next_attempt_at=None)
        abandoned = row(status="delivering", claimed_at=NOW - dt.timedelta(minutes=11))
        row(status="delivering", claimed_at=NOW - dt.timedelta(minutes=1))

        count = tasks.webhooks_retry_due()

    assert count == 3
    assert sorted(queued) == sorted([due, due_now, abandoned])


# --- Replay ----------


def test_a_replay_sends_the_same_event_again(users, deal, receiver, queued):
    owner = users["integrator_a"]
    endpoint = _endpoint(owner, receiver.url)
    _move(deal, users["bd_a"])
    delivery = WebhookDelivery.objects.get()
    webhook_deliver(delivery.pk)
    queued.clear()

    replayed = webhook_replay(actor=owner, delivery=delivery)
    assert (replayed.pk, replayed.status, replayed.delivered_at) == (delivery.pk, "pending", None)
    assert webhook_deliver(delivery.pk) == "succeeded"

    first, second = receiver.requests
    assert first.headers["X-AFISS-Delivery"] == second.headers["X-AFISS-Delivery"]
    assert first.body == second.body
    assert json.loads(second.body)["id"] == str(delivery.event_id)
    assert second.headers["X-AFISS-Signature"] == _expected_signature(
        endpoint.secret, second.headers["X-AFISS-Timestamp"], second.body
    )
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("succeeded", 2)
    assert WebhookDelivery.objects.count() == 1


def test_only_the_owner_may_replay_and_not_while_it_is_being_sent(users, deal, queued):
    _endpoint(users["integrator_a"], "https://a.example.com/hook")
    _move(deal, users["bd_a"])
    delivery = WebhookDelivery.objects.get()

    with pytest.raises(NotPermitted):
        webhook_replay(actor=users["bd_a"], delivery=delivery)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status="delivering")
    with pytest.raises(Conflict):
        webhook_replay(actor=users["integrator_a"], delivery=delivery)


# --- The API ----------


def _as(api, user, read_only=False):
    api.credentials(HTTP_AUTHORIZATION=f"Token {factories.token(user, read_only=read_only)}")
    return api


def _create(client, **body):
    body = {"url": "https://crm.example.com/hooks/afiss", "events": ["mou.signed"], **body}
    return client.post("/api/v1/webhook-endpoints/", body, format="json")


def test_an_integrator_registers_an_endpoint_and_sees_the_secret_only_once(api, users):
    client = _as(api, users["integrator_a"])

    created = _create(client, description="Our CRM")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["url"] == "https://crm.example.com/hooks/afiss"
    assert body["events"] == ["mou.signed"]
    assert body["is_active"] is True
    assert len(body["secret"]) >= 40
    assert WebhookEndpoint.objects.get().secret == body["secret"]

    one = client.get(f"/api/v1/webhook-endpoints/{body['id']}/").json()
    listed = client.get("/api/v1/webhook-endpoints/").json()["results"]
    assert "secret" not in one
    assert [e["id"] for e in listed] == [body["id"]]
    assert "secret" not in listed[0]


def test_https_is_required_except_for_localhost(api, users):
    client = _as(api, users["bd_a"])

    plain = _create(client, url="http://crm.example.com/hook")
    local = _create(client, url="http://127.0.0.1:9000/hook")
    not_a_url = _create(client, url="crm.example.com")

    assert plain.status_code == 422
    assert plain.json()["type"] == "rule_refused"
    assert list(plain.json()["errors"]) == ["url"]
    assert local.status_code == 201
    assert not_a_url.status_code == 422
    assert WebhookEndpoint.objects.count() == 1


@pytest.mark.parametrize(
    ("url", "address"),
    [
        ("https://127.0.0.1:9000/hook", "127.0.0.1"),
        ("https://localhost/hook", None),  # ::1 or 127.0.0.1, whichever resolves first
        ("https://10.1.2.3/hook", "10.1.2.3"),
        ("https://192.168.0.7/hook", "192.168.0.7"),
        ("https://169.254.169.254/latest/meta-data", "169.254.169.254"),
        ("https://[::1]/hook", "::1"),
        ("https://[::ffff:10.0.0.1]/hook", "::ffff:10.0.0.1"),
        ("https://0.0.0.0/hook", "0.0.0.0"),
    ],
)
def test_in_production_an_endpoint_on_a_non_public_address_is_refused(
    api, users, settings, url, address
):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    client = _as(api, users["integrator_a"])

    response = _create(client, url=url)

    assert response.status_code == 422
    [message] = response.json()["errors"]["url"]
    assert "resolves to a non-public address" in message
    if address:
        assert f"({address})" in message
    assert WebhookEndpoint.objects.count() == 0


def test_in_production_a_public_address_is_accepted(api, users, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False

    response = _create(_as(api, users["integrator_a"]), url="https://93.184.215.14/hooks")

    assert response.status_code == 201
    assert WebhookEndpoint.objects.get().url == "https://93.184.215.14/hooks"


def test_a_delivery_to_an_address_that_became_private_is_failed_at_once_and_not_sent(
    users, deal, receiver, queued, settings
):
    endpoint = _endpoint(users["integrator_a"], receiver.url)
    _move(deal, users["bd_a"])
    delivery = WebhookDelivery.objects.get()
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False

    outcome = webhook_deliver(delivery.pk)

    delivery.refresh_from_db()
    assert outcome == "failed"
    assert receiver.requests == []
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == ("failed", 1, None)
    assert delivery.last_error == (
        "Not sent: The host '127.0.0.1' resolves to a non-public address (127.0.0.1): "
        "webhooks go to public addresses only."
    )
    assert delivery.endpoint_id == endpoint.pk
    assert webhooks_retry_due(now=dt.datetime.now(dt.UTC) + dt.timedelta(days=1)) == []


@pytest.mark.parametrize(
    ("host", "refused"),
    [
        ("::127.0.0.1", True),  # IPv4-compatible loopback
        ("::ffff:169.254.169.254", True),  # IPv4-mapped metadata address
        ("64:ff9b::a00:1", True),  # NAT64 of 10.0.0.1
        ("64:ff9b::5db8:d70e", False),  # NAT64 of a public address
        ("64:ff9b:1::5db8:d70e", True),  # local-use NAT64: the operator's own network
        ("2002:c0a8:1::", True),  # 6to4 of 192.168.0.1
        ("2001:0:4136:e378:8000:63bf:3fff:fdd2", True),  # Teredo
        ("93.184.215.14", False),
    ],
)
def test_ipv6_addresses_are_judged_by_the_ipv4_address_they_carry(settings, host, refused):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False

    reason = refused_destination(host)

    assert bool(reason) is refused
    if refused:
        assert reason == (
            f"The host '{host}' resolves to a non-public address ({host}): webhooks go to "
            "public addresses only."
        )


@pytest.mark.parametrize("host", ["0177.0.0.1", "2130706433", "127.1", "0x7f.0.0.1", "8.8.8.8."])
@pytest.mark.parametrize("allow_private", [True, False])
def test_an_ipv4_address_in_an_unusual_spelling_is_refused_without_resolving_it(
    settings, host, allow_private
):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = allow_private

    reason = refused_destination(host)

    assert reason == (
        f"The host '{host}' is an IPv4 address written in an unusual form; write it as four "
        "decimal numbers (e.g. 203.0.113.10)."
    )


def test_a_delivery_goes_to_the_address_resolved_once_with_the_urls_host_in_the_header(
    users, deal, receiver, queued, settings, monkeypatch
):
    # A second server on another loopback address, same port: where a name re-resolved later
    # would lead. (Private addresses are allowed here, so only the pinning is at work.)
    port = int(receiver.url.rsplit(":", 1)[1].split("/")[0])
    elsewhere = socket.socket()
    elsewhere.bind(("127.0.0.2", port))
    elsewhere.listen(1)
    elsewhere.setblocking(False)
    real_getaddrinfo = socket.getaddrinfo
    answers = iter(["127.0.0.1"])

    def resolver(host, *args, **kwargs):
        if host != "hooks.example":
            return real_getaddrinfo(host, *args, **kwargs)
        return real_getaddrinfo(next(answers, "127.0.0.2"), *args, **kwargs)

    settings.DEBUG = True  # http:// to a name
    _endpoint(users["integrator_a"], f"http://hooks.example:{port}/hook?tenant=7")
    _move(deal, users["bd_a"])
    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    try:
        outcome = webhook_deliver(WebhookDelivery.objects.get().pk)
        with pytest.raises(BlockingIOError):
            elsewhere.accept()  # nobody connected there
    finally:
        elsewhere.close()

    assert outcome == "succeeded"
    [request] = receiver.requests
    assert request.path == "/hook?tenant=7"
    assert request.headers["Host"] == f"hooks.example:{port}"


def test_an_unknown_event_is_refused_naming_it(api, users):
    response = _create(_as(api, users["bd_a"]), events=["mou.signed", "partnership.exploded"])

    assert response.status_code == 422
    errors = response.json()["errors"]
    assert list(errors) == ["events"]
    assert "partnership.exploded" in errors["events"][0]
    assert not WebhookEndpoint.objects.exists()


def test_another_users_endpoint_is_not_found(api, users, queued):
    theirs = _endpoint(users["integrator_a"], "https://a.example.com/hook")
    client = _as(api, users["bd_a"])  # same team, still not theirs
    base = f"/api/v1/webhook-endpoints/{theirs.pk}/"

    assert client.get(base).status_code == 404
    assert client.patch(base, {"events": ["mou.signed"]}, format="json").status_code == 404
    assert client.post(f"{base}rotate-secret/").status_code == 404
    assert client.get(f"{base}deliveries/").status_code == 404
    assert client.delete(base).status_code == 404
    assert client.get("/api/v1/webhook-endpoints/").json()["results"] == []
    assert WebhookEndpoint.objects.get().events == ["partnership.stage_changed"]


def test_filtering_deliveries_by_another_users_endpoint_answers_like_an_unknown_id(
    api, users, deal, queued
):
    theirs = _endpoint(users["integrator_a"], "https://a.example.com/hook")
    _endpoint(users["bd_a"], "https://b.example.com/hook")
    _move(deal, users["bd_a"])
    client = _as(api, users["bd_a"])

    other_users = client.get(f"/api/v1/webhook-deliveries/?endpoint={theirs.pk}")
    unknown = client.get(f"/api/v1/webhook-deliveries/?endpoint={theirs.pk + 1000}")

    assert (other_users.status_code, unknown.status_code) == (200, 200)
    assert other_users.json() == unknown.json()
    assert other_users.json()["results"] == []
    assert WebhookDelivery.objects.count() == 2


def test_a_read_only_token_cannot_register_endpoints(api, users):
    client = _as(api, users["integrator_a"], read_only=True)

    response = _create(client)

    assert response.status_code == 403
    assert response.json()["type"] == "permission_denied"
    assert client.get("/api/v1/webhook-endpoints/").status_code == 200
    assert not WebhookEndpoint.objects.exists()


def test_update_rotate_and_delete(api, users):
    client = _as(api, users["integrator_a"])
    created = _create(client).json()
    base = f"/api/v1/webhook-endpoints/{created['id']}/"

    patched = client.patch(
        base, {"events": ["mou.signed", "mou.expiring"], "is_active": False}, format="json"
    )
    rotated = client.post(f"{base}rotate-secret/")
    bad = client.patch(base, {"url": "ftp://example.com/x"}, format="json")
    deleted = client.delete(base)

    assert patched.status_code == 200
    assert (patched.json()["events"], patched.json()["is_active"]) == (
        ["mou.signed", "mou.expiring"],
        False,
    )
    assert "secret" not in patched.json()
    assert rotated.status_code == 200
    assert rotated.json()["secret"] != created["secret"]
    assert bad.status_code == 422
    assert list(bad.json()["errors"]) == ["url"]
    assert deleted.status_code == 204
    assert not WebhookEndpoint.objects.exists()


def test_idempotency_key_on_create_returns_the_first_answer(api, users):
    client = _as(api, users["integrator_a"])
    body = {"url": "https://crm.example.com/hook", "events": ["mou.signed"]}

    first = client.post(
        "/api/v1/webhook-endpoints/", body, format="json", HTTP_IDEMPOTENCY_KEY="k1"
    )
    again = client.post(
        "/api/v1/webhook-endpoints/", body, format="json", HTTP_IDEMPOTENCY_KEY="k1"
    )

    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert WebhookEndpoint.objects.count() == 1


def test_the_delivery_log_and_a_replay_through_the_api(
    api, users, deal, queued, django_capture_on_commit_callbacks
):
    owner = users["integrator_a"]
    endpoint = _endpoint(owner, "https://a.example.com/hook")
    _move(deal, users["bd_a"])
    delivery = WebhookDelivery.objects.get()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status="failed", attempts=6, last_status_code=503
    )
    client = _as(api, owner)

    log = client.get(f"/api/v1/webhook-endpoints/{endpoint.pk}/deliveries/")
    filtered = client.get(f"/api/v1/webhook-endpoints/{endpoint.pk}/deliveries/?status=succeeded")
    with django_capture_on_commit_callbacks(execute=True):
        replay = client.post(f"/api/v1/webhook-deliveries/{delivery.pk}/replay/")
    stranger = _as(api, users["bd_a"]).post(f"/api/v1/webhook-deliveries/{delivery.pk}/replay/")

    assert log.status_code == 200
    [row] = log.json()["results"]
    assert {k: row[k] for k in ("id", "event", "status", "attempts", "last_status_code")} == {
        "id": delivery.pk,
        "event": "partnership.stage_changed",
        "status": "failed",
        "attempts": 6,
        "last_status_code": 503,
    }
    assert {"created_at", "delivered_at", "event_id", "payload"} <= set(row)
    assert filtered.json()["results"] == []
    assert replay.status_code == 202
    assert replay.json()["status"] == "pending"
    assert stranger.status_code == 404
    assert queued == [delivery.pk]


def test_the_event_catalogue(api, users):
    response = _as(api, users["bd_b"]).get("/api/v1/webhook-events/")

    assert response.status_code == 200
    names = [e["name"] for e in response.json()]
    assert names == list(EVENTS)
    assert {
        "partnership.stage_changed",
        "mou.signed",
        "mou.expiring",
        "followup.overdue",
        "match.accepted",
        "engagement.created",
    } <= set(names)
    created = next(e for e in response.json() if e["name"] == "engagement.created")
    assert created["data"] == [
        "id",
        "team",
        "kind",
        "occurred_at",
        "partnership",
        "organizations",
    ]
    api.credentials()
    assert api.get("/api/v1/webhook-events/").status_code == 401


# --- The admin ----------


def test_the_admin_lists_endpoints_without_their_secret_and_replays_deliveries(
    client, users, deal, queued, django_capture_on_commit_callbacks
):
    endpoint = _endpoint(users["integrator_a"], "https://a.example.com/hook")
    _move(deal, users["bd_a"])
    delivery = WebhookDelivery.objects.get()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status="failed")
    client.force_login(users["admin"])

    pages = [
        client.get("/admin/engagement/webhookendpoint/"),
        client.get(f"/admin/engagement/webhookendpoint/{endpoint.pk}/change/"),
        client.get("/admin/engagement/webhookdelivery/?status__exact=failed"),
        client.get(f"/admin/engagement/webhookdelivery/{delivery.pk}/change/"),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        replayed = client.post(
            "/admin/engagement/webhookdelivery/",
            {"action": "replay", "_selected_action": [delivery.pk]},
        )

    assert [p.status_code for p in pages] == [200, 200, 200, 200]
    assert all(endpoint.secret not in p.content.decode() for p in pages)
    assert "https://a.example.com/hook" in pages[0].content.decode()
    assert replayed.status_code == 302
    assert WebhookDelivery.objects.get().status == "pending"
    assert queued == [delivery.pk]
    client.force_login(users["bd_a"])
    assert client.get("/admin/engagement/webhookendpoint/").status_code in (302, 403)


# --- https to a pinned address ----------


def _tls_server_for(name: str):
    """A CA, and an https server on 127.0.0.1 whose certificate is for `name`; it records the
    server name each client asked for (SNI) and each request's Host header."""
    x509 = pytest.importorskip("cryptography.x509")
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    def cert(subject, issuer, key, signing_key, *, ca, san=None):
        now = dt.datetime.now(dt.UTC)
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
            .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(hours=1))
            .not_valid_after(now + dt.timedelta(hours=1))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        )
        if san:
            builder = builder.add_extension(
                x509.SubjectAlternativeName([x509.DNSName(san)]), critical=False
            )
        return builder.sign(signing_key, hashes.SHA256())

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = cert("Test CA", "Test CA", ca_key, ca_key, ca=True)
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    leaf = cert(name, "Test CA", leaf_key, ca_key, ca=False, san=name)
    pem = serialization.Encoding.PEM
    return (
        ca_cert.public_bytes(pem).decode(),
        leaf.public_bytes(pem)
        + leaf_key.private_bytes(
            pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
    )


@pytest.fixture
def tls_receiver(tmp_path, monkeypatch):
    import ssl
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from engagement.services.webhooks import delivery

    ca_pem, server_pem = _tls_server_for("hooks.example")
    (tmp_path / "server.pem").write_bytes(server_pem)
    seen = {"sni": [], "hosts": []}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            seen["hosts"].append(self.headers["Host"])
            self.send_response(200)
            self.end_headers()

        def log_message(self, format, *args):
            pass

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "server.pem")
    context.sni_callback = lambda sock, name, ctx: seen["sni"].append(name)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    # The workers trust the public CAs; here, the test's CA.
    monkeypatch.setattr(delivery, "_tls_context", ssl.create_default_context(cadata=ca_pem))
    real_getaddrinfo = socket.getaddrinfo

    def resolver(host, *args, **kwargs):
        local = host in {"hooks.example", "other.example"}
        return real_getaddrinfo("127.0.0.1" if local else host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    try:
        yield server.server_address[1], seen
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_https_to_the_pinned_address_names_the_urls_host_for_sni_and_the_certificate(
    users, deal, queued, tls_receiver
):
    port, seen = tls_receiver
    _endpoint(users["integrator_a"], f"https://hooks.example:{port}/hook")
    _move(deal, users["bd_a"])

    assert webhook_deliver(WebhookDelivery.objects.get().pk) == "succeeded"

    assert seen == {"sni": ["hooks.example"], "hosts": [f"hooks.example:{port}"]}


def test_https_to_a_host_the_certificate_is_not_for_is_not_sent(users, deal, queued, tls_receiver):
    port, seen = tls_receiver
    _endpoint(users["integrator_a"], f"https://other.example:{port}/hook")
    _move(deal, users["bd_a"])
    delivery = WebhookDelivery.objects.get()

    assert webhook_deliver(delivery.pk) == "retrying"

    delivery.refresh_from_db()
    assert delivery.last_error.startswith("SSLCertVerificationError: ")
    assert "Hostname mismatch" in delivery.last_error
    assert seen["hosts"] == []


def test_the_schema_documents_every_event_s_payload(api, users):
    from engagement.services.webhooks import EVENTS

    schemas = (
        _as(api, users["bd_b"])
        .get("/api/schema/", {"format": "json"})
        .json()["components"]["schemas"]
    )

    payload = schemas["WebhookPayload"]
    assert len(payload["oneOf"]) == len(EVENTS)
    assert "X-AFISS-Signature" in payload["description"]
    stage = schemas["WebhookEventPartnershipStageChanged"]
    assert stage["properties"]["event"]["enum"] == ["partnership.stage_changed"]
    assert stage["properties"]["data"]["required"] == ["id", "team", "from", "to", "reason"]


def test_a_payload_that_is_not_the_catalogue_s_is_refused_before_anything_is_recorded(
    users, queued
):
    _endpoint(users["integrator_a"], "https://a.example.com/hook", events=["mou.expired"])
    followup = factories.followup(users["bd_a"].team, owner=users["bd_a"], due_on=TODAY)
    before = WebhookDelivery.objects.count()

    with pytest.raises(ValueError, match=r"mou\.expired data"):
        webhook_emit("mou.expired", followup, data={"id": followup.pk, "team": "team-a"})

    assert WebhookDelivery.objects.count() == before
