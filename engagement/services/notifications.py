"""Notifications: an in-app message per event, and its email, each delivered once."""

from __future__ import annotations

import logging
import re
import smtplib
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import BadHeaderError, EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from engagement import policy
from engagement.models import Notification, User
from engagement.services import hooks

log = logging.getLogger(__name__)

# SMTP answers that will not change if we try again: do not retry these. A refused recipient or
# sender is permanent only with a 5xx code: a 4xx one ("greylisted, try again later") is not.
PERMANENT_SMTP = (
    smtplib.SMTPRecipientsRefused,
    smtplib.SMTPSenderRefused,
    smtplib.SMTPNotSupportedError,
)


def _is_permanent(exc: Exception) -> bool:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _answer in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPSenderRefused):
        return exc.smtp_code >= 500
    return isinstance(exc, PERMANENT_SMTP)


# Control characters (CR and LF among them) and the Unicode line and paragraph separators: in a
# header they would start a new header line (Django refuses such a message with BadHeaderError).
_HEADER_BREAKS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
SUBJECT_MAX = 200
# Sends of one email across task retries and sweeps; past this the email is failed, not retried.
EMAIL_MAX_ATTEMPTS = 12


def header_text(value: Any, *, limit: int = SUBJECT_MAX) -> str:
    """`value` made fit for an email header, and for the one-line subject shown in the app:
    control characters and line breaks become one space, and a long text is cut to `limit`
    characters with an ellipsis. Every header built from a record's text goes through here."""
    text = re.sub(r" {2,}", " ", _HEADER_BREAKS.sub(" ", str(value or ""))).strip()
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


class TransientEmailError(Exception):
    """The mail server could not be reached or said "try later"; the task retries."""


def _dedupe_key(key: str) -> str:
    return key[:150]  # Notification.dedupe_key's length


def notified(key: str) -> bool:
    """Whether the notification with `key` exists: what `notify` claims, read by a dry run."""
    return Notification.objects.filter(dedupe_key=_dedupe_key(key)).exists()


def notify(
    *, user: User, kind: str, key: str, subject: str, body: str, url: str = ""
) -> Notification | None:
    """Create the notification unless one with `key` exists; None when it already did.

    The unique key is what makes a job safe to run twice or on two workers at once. The email
    is queued after the transaction commits, so a rolled-back job sends nothing.
    """
    email_status = (
        Notification.EmailStatus.PENDING
        if user.email and user.is_active
        else Notification.EmailStatus.SKIPPED
    )
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                user=user,
                kind=kind,
                dedupe_key=_dedupe_key(key),
                subject=header_text(subject),
                body=body,
                url=url,
                email_status=email_status,
            )
    except IntegrityError:
        return None
    if email_status == Notification.EmailStatus.PENDING:
        transaction.on_commit(lambda: _enqueue_email(notification.pk))
    return notification


def _enqueue_email(notification_id: int) -> None:
    try:
        hooks.task_send("engagement.send_notification_email", notification_id)
    except Exception:  # the broker is down: the sweep finds the pending email later
        log.warning(
            "Could not queue email for notification %s; the sweep will retry.",
            notification_id,
            exc_info=True,
        )


def notification_email_send(*, notification_id: int) -> str:
    """Send one notification's email. Returns "sent", or why nothing was sent.

    Claims the row (pending → sending) with a conditional UPDATE, so two workers handed the same
    task send one email. Raises TransientEmailError to ask for a retry.
    """
    now = timezone.now()
    claimed = Notification.objects.filter(
        pk=notification_id, email_status=Notification.EmailStatus.PENDING
    ).update(
        email_status=Notification.EmailStatus.SENDING,
        email_claimed_at=now,
        email_attempts=F("email_attempts") + 1,
    )
    if claimed != 1:
        return "not pending"
    n = Notification.objects.select_related("user").get(pk=notification_id)
    try:
        _email_message(n).send(fail_silently=False)
    except (BadHeaderError, ValueError) as exc:
        # The message cannot be built (an address with a line break, a header that cannot be
        # encoded): the same message would fail again on every retry.
        _finish(n.pk, Notification.EmailStatus.FAILED, f"{type(exc).__name__}: {exc}")
        return "failed"
    except (smtplib.SMTPException, OSError) as exc:
        if _is_permanent(exc):
            _finish(n.pk, Notification.EmailStatus.FAILED, f"{type(exc).__name__}: {exc}")
            return "failed"
        # Back to pending so the retry (or the sweep) can claim it again.
        _finish(n.pk, Notification.EmailStatus.PENDING, f"{type(exc).__name__}: {exc}")
        raise TransientEmailError(str(exc)) from exc
    except Exception as exc:
        # Unforeseen: recorded and failed once, rather than left "sending" for the sweep to
        # queue again every few minutes for ever.
        log.exception("Email for notification %s failed", n.pk)
        _finish(n.pk, Notification.EmailStatus.FAILED, f"{type(exc).__name__}: {exc}")
        return "failed"
    _finish(n.pk, Notification.EmailStatus.SENT, "", emailed_at=timezone.now())
    return "sent"


def _email_message(n: Notification) -> EmailMessage:
    return EmailMessage(
        subject=header_text(n.subject),
        body=_email_body(n),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[n.user.email],
    )


def notification_email_give_up(*, notification_id: int, error: str) -> None:
    """After the last retry: recorded on the notification, shown in the admin, not retried."""
    _finish(notification_id, Notification.EmailStatus.FAILED, f"gave up after retries: {error}")


def _finish(pk: int, status: str, error: str, **extra: Any) -> None:
    Notification.objects.filter(pk=pk).update(
        email_status=status, email_error=error[:2000], **extra
    )


def _email_body(n: Notification) -> str:
    return f"{n.body}\n\n{n.url}" if n.url else n.body


def notifications_sweep(
    *, now: datetime | None = None, stuck_after: timedelta = timedelta(minutes=10)
) -> int:
    """Queue again the emails whose task was lost: pending ones older than a minute, and ones
    left "sending" by a worker that died mid-send.

    A pending email that was tried in the last `stuck_after` has its retry scheduled (the task's
    longest backoff, 8 minutes, is shorter): queueing it again would start a second chain of
    retries beside the first and defeat the backoff. Only when that retry is overdue was it lost.
    """
    now = now or timezone.now()
    stuck = Q(email_status=Notification.EmailStatus.SENDING, email_claimed_at__lt=now - stuck_after)
    # An email tried this often (every retry chain the sweep started ended the same way, or its
    # worker died each time) is given up on, so that nothing is sent for ever.
    Notification.objects.filter(
        stuck | Q(email_status=Notification.EmailStatus.PENDING),
        email_attempts__gte=EMAIL_MAX_ATTEMPTS,
    ).update(
        email_status=Notification.EmailStatus.FAILED,
        email_error=f"gave up after {EMAIL_MAX_ATTEMPTS} attempts",
    )
    Notification.objects.filter(stuck).update(email_status=Notification.EmailStatus.PENDING)
    pending = list(
        Notification.objects.filter(
            email_status=Notification.EmailStatus.PENDING, created_at__lt=now - timedelta(minutes=1)
        )
        .filter(Q(email_claimed_at__isnull=True) | Q(email_claimed_at__lt=now - stuck_after))
        .values_list("pk", flat=True)[:1000]
    )
    for pk in pending:
        _enqueue_email(pk)
    return len(pending)


def notifications_mark_read(*, user: User, ids: list[int] | None = None) -> int:
    qs = policy.scope(user, Notification.objects.filter(read_at__isnull=True))
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=timezone.now())


def notification_mark(*, user: User, notification_id: int, read: bool) -> bool:
    """Mark one of `user`'s own notifications read or unread again. False when `user` has no
    such notification (another person's is treated as one that does not exist). Marking a read
    one read keeps the time it was first read."""
    qs = policy.scope(user, Notification.objects.filter(pk=notification_id))
    if read:
        changed = qs.filter(read_at__isnull=True).update(read_at=timezone.now())
    else:
        changed = qs.filter(read_at__isnull=False).update(read_at=None)
    return bool(changed) or qs.exists()


def notifications_unread_count(*, user: User) -> int:
    """The number behind the navigation's badge: one COUNT on the (user, read_at) index."""
    return policy.scope(user, Notification.objects.filter(read_at__isnull=True)).count()
