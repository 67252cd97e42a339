"""Delivering: one signed POST per attempt to the checked address, retries as rows with a due
time, and replays of the same event."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import http.client
import json
import logging
import socket
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from engagement.errors import Conflict
from engagement.models import WebhookDelivery
from engagement.services.webhooks.destinations import (
    Refused,
    is_blocked,
    not_resolving,
    private_refusal,
    resolve_destination,
)
from engagement.services.webhooks.endpoints import check_owner
from engagement.services.webhooks.events import enqueue_deliveries

if TYPE_CHECKING:
    from engagement.policy import Actor

log = logging.getLogger(__name__)

BACKOFF = (
    dt.timedelta(minutes=1),
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=30),
    dt.timedelta(hours=2),
    dt.timedelta(hours=6),
)
CLAIM_TIMEOUT = dt.timedelta(minutes=10)
RETRY_SCAN_LIMIT = 1000
ERROR_MAX = 2000
USER_AGENT = "AFISS-Webhooks/1.0"

Status = WebhookDelivery.Status


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The X-AFISS-Signature value: HMAC-SHA256 of f"{timestamp}.{body}" with the secret."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


def encode_payload(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def _connect(infos: list[tuple], timeout: float) -> socket.socket:
    """A TCP connection to the first of the checked addresses that answers."""
    error: OSError = OSError("No address to connect to.")
    for family, socktype, proto, _name, sockaddr in infos:
        sock = socket.socket(family, socktype, proto)
        try:
            sock.settimeout(timeout)
            sock.connect(sockaddr)
            # Checked once more on the socket itself, before a byte is sent: whatever connects,
            # the peer it reached is the one judged.
            peer = sock.getpeername()[0]
            if not settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES and is_blocked(peer):
                raise Refused(private_refusal(peer, peer))
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            return sock
        except Refused:
            sock.close()
            raise
        except OSError as exc:
            sock.close()
            error = exc
    raise error


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to addresses resolved and checked beforehand and never resolves the name again;
    the Host header still names the URL's host."""

    def __init__(self, host: str, port: int, *, infos: list[tuple], timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._infos = infos

    def connect(self) -> None:
        self.sock = _connect(self._infos, self.timeout)


_tls_context = None


def _tls() -> Any:
    global _tls_context
    if _tls_context is None:
        import ssl

        _tls_context = ssl.create_default_context()  # verifies the certificate and the name
    return _tls_context


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """The same for https: the URL's host is the server name sent (SNI) and the name the
    certificate must be valid for, while the connection goes to the checked address."""

    def __init__(self, host: str, port: int, *, infos: list[tuple], timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=_tls())
        self._infos = infos

    def connect(self) -> None:
        sock = _connect(self._infos, self.timeout)
        try:
            self.sock = self._context.wrap_socket(sock, server_hostname=self.host)
        except BaseException:
            sock.close()
            raise


def _post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int | None, str, bool]:
    """POST and return (status code or None, error text or "" for a 2xx, whether the failure is
    permanent). Redirects are answers, not instructions: they are not followed.

    The name is resolved and checked at each delivery (it may point elsewhere since it was
    registered), once, and the connection goes to the address checked. The delivery log is kept
    in English, whatever language the worker's thread was left in."""
    with translation.override(None):
        parts = urlsplit(url)
        host = parts.hostname or ""
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError as exc:
            return None, f"Not sent: {exc}", True
        try:
            infos = resolve_destination(host, port)
        except Refused as exc:
            return None, f"Not sent: {exc}", True
        except (OSError, UnicodeError):
            return None, f"Not sent: {not_resolving(host)}", False
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        connection_class = (
            _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
        )
        connection = connection_class(
            host, port, infos=infos, timeout=settings.WEBHOOK_TIMEOUT_SECONDS
        )
        try:
            connection.request("POST", target, body=body, headers=headers)
            response = connection.getresponse()
            if 200 <= response.status < 300:
                response.read(64 * 1024)
                return response.status, "", False
            snippet = response.read(500).decode("utf-8", "replace").strip()
            error = f"HTTP {response.status}" + (f": {snippet}" if snippet else "")
            return response.status, error, False
        except Refused as exc:
            return None, f"Not sent: {exc}", True
        except (OSError, http.client.HTTPException, ValueError) as exc:
            return None, f"{type(exc).__name__}: {exc}", False
        finally:
            connection.close()


def _backoff(attempts: int) -> dt.timedelta:
    return BACKOFF[min(max(attempts, 1), len(BACKOFF)) - 1]


def webhook_deliver(delivery_id: int) -> str:
    """Make one attempt at a delivery. Returns "succeeded", "retrying", "failed", or
    "not claimed" when the delivery is not due or another worker has it."""
    now = timezone.now()
    due = Q(status=Status.PENDING) & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
    abandoned = Q(status=Status.DELIVERING, claimed_at__lt=now - CLAIM_TIMEOUT)
    claimed = (
        WebhookDelivery.objects.filter(pk=delivery_id)
        .filter(due | abandoned)
        .update(status=Status.DELIVERING, claimed_at=now, attempts=F("attempts") + 1)
    )
    if claimed != 1:
        return "not claimed"
    delivery = (
        WebhookDelivery.objects.select_related("endpoint__owner").filter(pk=delivery_id).first()
    )
    if delivery is None:
        return "not claimed"  # its endpoint was deleted meanwhile
    endpoint = delivery.endpoint
    mine = WebhookDelivery.objects.filter(pk=delivery_id, status=Status.DELIVERING, claimed_at=now)
    if not (endpoint.is_active and endpoint.owner.is_active):
        mine.update(
            status=Status.FAILED,
            next_attempt_at=None,
            last_error="Not sent: the endpoint (or its owner) is inactive.",
        )
        return "failed"
    body = encode_payload(delivery.payload)
    timestamp = int(time.time())
    code, error, permanent = _post(
        endpoint.url,
        body,
        {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "X-AFISS-Event": delivery.event,
            "X-AFISS-Delivery": str(delivery.event_id),
            "X-AFISS-Timestamp": str(timestamp),
            "X-AFISS-Signature": sign(endpoint.secret, timestamp, body),
        },
    )
    finished = timezone.now()
    if code is not None and 200 <= code < 300:
        mine.update(
            status=Status.SUCCEEDED,
            last_status_code=code,
            last_error="",
            delivered_at=finished,
            next_attempt_at=None,
        )
        return "succeeded"
    if permanent:
        # Another attempt would be refused for the same reason: failed now, not in six tries.
        mine.update(
            status=Status.FAILED,
            last_status_code=code,
            last_error=error[:ERROR_MAX],
            next_attempt_at=None,
        )
        log.info("webhook delivery %s refused: %s", delivery_id, error)
        return "failed"
    if delivery.attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
        mine.update(
            status=Status.FAILED,
            last_status_code=code,
            last_error=f"{error} (gave up after {delivery.attempts} attempts)"[:ERROR_MAX],
            next_attempt_at=None,
        )
        log.info("webhook delivery %s failed for good: %s", delivery_id, error)
        return "failed"
    mine.update(
        status=Status.PENDING,
        last_status_code=code,
        last_error=error[:ERROR_MAX],
        next_attempt_at=finished + _backoff(delivery.attempts),
    )
    return "retrying"


def webhooks_retry_due(*, now: dt.datetime | None = None) -> list[int]:
    """Queue every delivery that is due: pending ones whose next attempt has come (retries, and
    any whose first task was lost), and ones a dead worker left "delivering". A delivery queued
    twice is still sent once: the task claims it."""
    now = now or timezone.now()
    due = list(
        WebhookDelivery.objects.filter(
            Q(status=Status.PENDING, next_attempt_at__lte=now)
            | Q(status=Status.DELIVERING, claimed_at__lt=now - CLAIM_TIMEOUT)
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:RETRY_SCAN_LIMIT]
    )
    enqueue_deliveries(due)
    return due


@transaction.atomic
def webhook_replay(*, actor: Actor, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery again, now: the same row, payload and event id (see the package's note).
    A delivery being sent at this moment is refused (409)."""
    check_owner(actor, delivery.endpoint)
    if not delivery.endpoint.is_active:
        raise Conflict(
            _("This endpoint is inactive; activate it before replaying."),
            errors={"endpoint": [_("Inactive.")]},
        )
    now = timezone.now()
    rows = WebhookDelivery.objects.filter(
        pk=delivery.pk, status__in=[Status.PENDING, Status.SUCCEEDED, Status.FAILED]
    ).update(status=Status.PENDING, next_attempt_at=now, claimed_at=None, delivered_at=None)
    delivery.refresh_from_db()
    if rows != 1:
        raise Conflict(
            _("This delivery is %(status)s; try again in a moment.")
            % {"status": delivery.get_status_display()},
            errors={"status": [_("Is %(status)s.") % {"status": delivery.get_status_display()}]},
        )
    transaction.on_commit(lambda: enqueue_deliveries([delivery.pk]))
    return delivery
