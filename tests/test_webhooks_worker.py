"""Webhooks with the real worker: a committed stage change reaches a local HTTP receiver
through the broker, and a failed delivery is sent again when the retry scan finds it due."""

import datetime as dt
import hashlib
import hmac
import json
import time

import pytest
from django.utils import timezone

from engagement.models import WebhookDelivery
from engagement.services.partnerships import partnership_transition
from engagement.services.webhooks import webhook_endpoint_create, webhooks_retry_due
from tests import factories
from tests.webhook_receiver import webhook_receiver

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]

WAIT = 30.0


@pytest.fixture
def receiver():
    with webhook_receiver() as r:
        yield r


@pytest.fixture
def deal(users):
    usm = factories.institution("Universiti Sains Malaysia", country="MY")
    return factories.partnership(users["bd_a"].team, counterparts=[usm], actor=users["bd_a"])


def _wait_for_status(delivery_id: int, wanted: str) -> WebhookDelivery:
    deadline = time.monotonic() + WAIT
    while True:
        delivery = WebhookDelivery.objects.get(pk=delivery_id)
        if delivery.status == wanted or time.monotonic() > deadline:
            return delivery
        time.sleep(0.2)


def test_a_transition_is_delivered_by_the_worker(celery_worker_process, users, deal, receiver):
    endpoint = webhook_endpoint_create(
        actor=users["integrator_a"], url=receiver.url, events=["partnership.stage_changed"]
    )

    partnership_transition(actor=users["bd_a"], partnership=deal, to="contacted")

    requests = receiver.wait_for(1, timeout=WAIT)
    assert len(requests) == 1, "the worker did not deliver within 30 s"
    [request] = requests
    timestamp = request.headers["X-AFISS-Timestamp"]
    expected = hmac.new(
        endpoint.secret.encode(), timestamp.encode() + b"." + request.body, hashlib.sha256
    ).hexdigest()
    assert request.headers["X-AFISS-Signature"] == f"sha256={expected}"
    assert json.loads(request.body)["data"]["to"] == "contacted"
    delivery = _wait_for_status(WebhookDelivery.objects.get().pk, "succeeded")
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("succeeded", 1, 200)
    assert request.headers["X-AFISS-Delivery"] == str(delivery.event_id)


def test_a_failed_delivery_is_sent_again_when_the_scan_finds_it_due(
    celery_worker_process, users, deal, receiver
):
    receiver.status = 503
    webhook_endpoint_create(
        actor=users["integrator_a"], url=receiver.url, events=["partnership.stage_changed"]
    )

    partnership_transition(actor=users["bd_a"], partnership=deal, to="contacted")

    assert len(receiver.wait_for(1, timeout=WAIT)) == 1
    delivery_id = WebhookDelivery.objects.get().pk
    deadline = time.monotonic() + WAIT
    while WebhookDelivery.objects.get(pk=delivery_id).attempts < 1 or (
        WebhookDelivery.objects.get(pk=delivery_id).status != "pending"
    ):
        assert time.monotonic() < deadline, "the failed attempt was not recorded"
        time.sleep(0.2)
    delivery = WebhookDelivery.objects.get(pk=delivery_id)
    assert delivery.last_status_code == 503
    assert delivery.next_attempt_at > timezone.now()
    assert webhooks_retry_due() == []  # not due yet: nothing is queued

    receiver.status = 200
    WebhookDelivery.objects.filter(pk=delivery_id).update(
        next_attempt_at=timezone.now() - dt.timedelta(seconds=1)
    )
    assert webhooks_retry_due() == [delivery_id]

    delivery = _wait_for_status(delivery_id, "succeeded")
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("succeeded", 2, 200)
    requests = receiver.wait_for(2, timeout=WAIT)
    assert len(requests) == 2
    assert requests[0].headers["X-AFISS-Delivery"] == requests[1].headers["X-AFISS-Delivery"]
