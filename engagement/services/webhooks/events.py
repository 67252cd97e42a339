"""The catalogue of webhook events, and emitting one: a delivery row per subscribed endpoint,
in the emitting service's transaction, queued after it commits."""

from __future__ import annotations

import datetime as dt
import json
import logging
import uuid
from typing import Any, NamedTuple

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils import timezone

from engagement import policy
from engagement.models import WebhookDelivery, WebhookEndpoint
from engagement.services import hooks

log = logging.getLogger(__name__)


class Event(NamedTuple):
    """A webhook event: what it means, and the fields its payload's `data` holds."""

    description: str
    data: tuple[str, ...]


# Every payload's data has "id" (the record) and "team" (the slug of the owning team).
EVENTS: dict[str, Event] = {
    "partnership.created": Event("A partnership was opened.", ("id", "team", "title", "stage")),
    "partnership.stage_changed": Event(
        "A partnership moved to another stage.", ("id", "team", "from", "to", "reason")
    ),
    "engagement.created": Event(
        "An engagement (meeting, call, visit, ...) was logged.",
        ("id", "team", "kind", "occurred_at", "partnership", "organizations"),
    ),
    "mou.signed": Event(
        "An MoU was signed.",
        (
            "id",
            "team",
            "partnership",
            "title",
            "status",
            "signed_on",
            "effective_on",
            "expires_on",
        ),
    ),
    "mou.renewed": Event(
        "An MoU was renewed: its successor is a new draft.",
        ("id", "team", "partnership", "successor"),
    ),
    "mou.activated": Event(
        "A signed MoU reached its effective date and is now active. Emitted by the MoU expiry job.",
        ("id", "team", "partnership", "effective_on"),
    ),
    "mou.expired": Event(
        "An MoU reached its expiry date.", ("id", "team", "partnership", "expires_on")
    ),
    "mou.expiring": Event(
        "An MoU expires soon (90, 30 and 7 days before, by default). Emitted by the MoU expiry "
        "job.",
        ("id", "team", "partnership", "expires_on", "days_left"),
    ),
    "pilot.at_risk": Event(
        "A running pilot was flagged at risk.", ("id", "team", "partnership", "reason")
    ),
    "followup.created": Event(
        "A follow-up was created.", ("id", "team", "due_on", "owner", "priority", "subject")
    ),
    "followup.completed": Event(
        "A follow-up was marked done.", ("id", "team", "due_on", "completed_at")
    ),
    "followup.overdue": Event(
        "A follow-up is past its due date (once a day per follow-up). Emitted by the overdue "
        "follow-ups job.",
        ("id", "team", "due_on", "days_overdue"),
    ),
    "match.accepted": Event(
        "A suggested partner was accepted and a partnership opened for it: id is the "
        "suggestion's, counterpart is {type, id}. Emitted by partner matching.",
        ("id", "team", "company", "counterpart", "partnership"),
    ),
}


EVENT_ID_NAMESPACE = uuid.UUID("6f1d3c1e-6a52-4f8e-9d0b-5b0c2f8e7a41")  # for keyed emissions

Status = WebhookDelivery.Status


def _jsonable(data: dict[str, Any]) -> dict[str, Any]:
    """Dates, decimals and UUIDs as JSON strings, the way they are stored and sent."""
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def _iso_utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def webhook_emit(
    event: str, obj: Any, *, data: dict[str, Any], key: str | None = None
) -> list[int]:
    """Record one delivery of `event` about `obj` per subscribed endpoint whose owner may see
    `obj`, in the caller's transaction; queue them after it commits. Returns the new delivery ids.

    `key` makes emitting idempotent, for jobs that may run twice: the event id is then derived
    from (event, key, endpoint), and the unique (endpoint, event_id) constraint keeps a second
    emission with the same key from creating anything (e.g. key=f"{followup.pk}:{day}").
    """
    if event not in EVENTS:
        raise ValueError(f"Unknown webhook event {event!r}; add it to EVENTS first.")
    if set(data) != set(EVENTS[event].data):
        # The catalogue is what the schema and /webhook-events/ promise: a payload that says
        # something else is a programming error, caught by every test that emits the event.
        raise ValueError(
            f"{event} data {sorted(data)} is not the catalogue's {sorted(EVENTS[event].data)}."
        )
    endpoints = [
        e
        for e in WebhookEndpoint.objects.filter(is_active=True, owner__is_active=True)
        .select_related("owner")
        .order_by("pk")
        if event in (e.events or []) and policy.can_view(e.owner, obj)
    ]
    if not endpoints:
        return []
    now = timezone.now()
    body = _jsonable(data)
    ids = []
    for endpoint in endpoints:
        event_id = (
            uuid.uuid5(EVENT_ID_NAMESPACE, f"{event}:{key}:{endpoint.pk}") if key else uuid.uuid4()
        )
        payload = {"id": str(event_id), "event": event, "occurred_at": _iso_utc(now), "data": body}
        try:
            with transaction.atomic():
                delivery = WebhookDelivery.objects.create(
                    endpoint=endpoint,
                    event=event,
                    event_id=event_id,
                    payload=payload,
                    status=Status.PENDING,
                    next_attempt_at=now,
                )
        except IntegrityError:
            if key is None:
                raise
            continue  # emitted before with this key
        ids.append(delivery.pk)
    if ids:
        transaction.on_commit(lambda: enqueue_deliveries(ids))
    return ids


def enqueue_deliveries(delivery_ids: list[int]) -> None:
    for pk in delivery_ids:
        try:
            hooks.task_send("engagement.deliver_webhook", pk)
        except Exception:  # the broker is down: the retry scan finds the due delivery later
            log.warning("Could not queue webhook delivery %s; the scan will.", pk, exc_info=True)
