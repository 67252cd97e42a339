"""Notifications and their emails: one notification per key, its email queued only once the
transaction commits, sent at most once, retried with a bound when the mail server is down, failed
for good when it refuses, and found again by the sweep when its task was lost.

The SMTP servers here are real sockets: nothing listens (a server that is down), or a tiny
server in a thread refuses the recipient. Through a real worker: tests/test_jobs_worker.py.
"""

import datetime as dt
import socket
import socketserver
import threading

import pytest
import time_machine
from django.conf import settings
from django.db import transaction

from config.celery import app
from engagement.models import Notification
from engagement.services.notifications import (
    EMAIL_MAX_ATTEMPTS,
    TransientEmailError,
    header_text,
    notification_email_send,
    notifications_sweep,
    notify,
)
from engagement.tasks import send_notification_email
from tests import factories

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 26, 1, 0, tzinfo=dt.UTC)
frozen = time_machine.travel(NOW, tick=False)
SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"


@pytest.fixture
def carol(db, team_a):
    return factories.user("carol", role="bd_member", team=team_a, email="carol@example.com")


@pytest.fixture
def locmem(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def tasks_run_here():
    """A task sent during the test runs at once, in this process (Celery's eager mode), so the
    test sees by its effect (an email in the outbox) when and what was queued. Through the broker
    and a real worker: tests/test_jobs_worker.py."""
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_down(settings):
    """The mail server is down: nothing listens on its port."""
    settings.EMAIL_BACKEND = SMTP_BACKEND
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", _free_port()
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False


class _RefusingSMTPHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP for smtplib: greets, accepts the sender, answers RCPT with the server's
    `rcpt_reply`, and records the commands it was sent."""

    def handle(self):
        self.wfile.write(b"220 mx.test ESMTP\r\n")
        for raw in self.rfile:
            command = raw.decode("ascii", "replace").strip()
            self.server.commands.append(command.split(":")[0].split(" ")[0].upper())
            verb = self.server.commands[-1]
            if verb == "RCPT":
                self.wfile.write(self.server.rcpt_reply)
            elif verb == "QUIT":
                self.wfile.write(b"221 Bye\r\n")
                return
            else:  # EHLO, HELO, MAIL, RSET, NOOP
                self.wfile.write(b"250 OK\r\n")


@pytest.fixture
def refusing_smtp(settings):
    """Start a server that refuses every recipient; set its RCPT answer with `.rcpt_reply`."""
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _RefusingSMTPHandler)
    server.daemon_threads = True
    server.commands = []
    server.rcpt_reply = b"550 5.1.1 No such user here\r\n"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.EMAIL_BACKEND = SMTP_BACKEND
    settings.EMAIL_HOST, settings.EMAIL_PORT = server.server_address
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    yield server
    server.shutdown()
    server.server_close()


def _notify(user, key="overdue:1:2026-11-26", subject="Overdue follow-up: Send the syllabus"):
    return notify(
        user=user,
        kind="followup_overdue",
        key=key,
        subject=subject,
        body="Due 2026-11-25, 1 day(s) overdue.",
        url="/follow-ups/",
    )


def _email_state(n: Notification) -> dict:
    n = Notification.objects.get(pk=n.pk)
    return {
        "email_status": n.email_status,
        "email_attempts": n.email_attempts,
        "email_error": n.email_error,
        "emailed_at": n.emailed_at,
    }


# --- One notification per key; its email after commit ------------------------------------------


@frozen
def test_notifying_twice_with_the_same_key_creates_one_notification(carol):
    first = _notify(carol)
    second = _notify(carol, subject="A different subject, the same event")

    assert second is None
    assert list(Notification.objects.values_list("pk", "dedupe_key", "subject")) == [
        (first.pk, "overdue:1:2026-11-26", "Overdue follow-up: Send the syllabus")
    ]


@frozen
def test_the_email_is_queued_only_when_the_transaction_commits(
    carol, locmem, tasks_run_here, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        n = _notify(carol)
        again = _notify(carol)

    # Before the commit: the notification is written, nothing is queued or sent.
    assert again is None
    assert len(callbacks) == 1
    assert mailoutbox == []
    assert _email_state(n)["email_status"] == "pending"

    callbacks[0]()  # what the commit runs: the email task is queued (and runs here)

    assert [(m.subject, m.to) for m in mailoutbox] == [
        ("Overdue follow-up: Send the syllabus", ["carol@example.com"])
    ]
    assert _email_state(n) == {
        "email_status": "sent",
        "email_attempts": 1,
        "email_error": "",
        "emailed_at": NOW,
    }


def test_a_rolled_back_transaction_queues_no_email(
    carol, locmem, tasks_run_here, mailoutbox, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        _notify(carol)
        raise RuntimeError("the job failed after notifying")

    assert callbacks == []
    assert Notification.objects.count() == 0
    assert mailoutbox == []


# --- Sending once ------------------------------------------------------------------------------


@frozen
def test_an_email_is_sent_once_even_when_its_task_runs_twice(carol, locmem, mailoutbox):
    n = _notify(carol)

    first = notification_email_send(notification_id=n.pk)
    second = notification_email_send(notification_id=n.pk)

    assert (first, second) == ("sent", "not pending")
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert (message.subject, message.body, message.from_email, message.to) == (
        "Overdue follow-up: Send the syllabus",
        "Due 2026-11-25, 1 day(s) overdue.\n\n/follow-ups/",
        settings.DEFAULT_FROM_EMAIL,
        ["carol@example.com"],
    )
    assert _email_state(n) == {
        "email_status": "sent",
        "email_attempts": 1,
        "email_error": "",
        "emailed_at": NOW,
    }


@frozen
def test_the_task_sends_through_the_service_and_says_sent(carol, locmem, mailoutbox):
    n = _notify(carol)

    result = send_notification_email.apply(args=[n.pk])

    assert result.get() == "sent"
    assert len(mailoutbox) == 1
    assert send_notification_email.apply(args=[n.pk]).get() == "not pending"
    assert len(mailoutbox) == 1


@pytest.mark.parametrize(
    ("email", "active"), [("", True), ("gone@example.com", False)], ids=["no-address", "inactive"]
)
def test_a_user_without_an_address_or_inactive_gets_the_notification_but_no_email(
    team_a, locmem, mailoutbox, django_capture_on_commit_callbacks, email, active
):
    user = factories.user("dave", role="bd_member", team=team_a, email=email, is_active=active)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        n = _notify(user)

    assert callbacks == []
    assert _email_state(n)["email_status"] == "skipped"
    assert notification_email_send(notification_id=n.pk) == "not pending"
    assert mailoutbox == []
    assert _email_state(n) == {
        "email_status": "skipped",
        "email_attempts": 0,
        "email_error": "",
        "emailed_at": None,
    }


# --- The mail server down, refusing, or saying "later" -------------------------------------------


def test_when_the_mail_server_is_down_the_email_goes_back_to_pending_for_a_retry(carol, smtp_down):
    n = _notify(carol)

    with pytest.raises(TransientEmailError, match=r"^\[Errno 111\] Connection refused$"):
        notification_email_send(notification_id=n.pk)

    assert _email_state(n) == {
        "email_status": "pending",
        "email_attempts": 1,
        "email_error": "ConnectionRefusedError: [Errno 111] Connection refused",
        "emailed_at": None,
    }


def test_a_recipient_refused_for_good_fails_the_email_without_retrying(carol, refusing_smtp):
    n = _notify(carol)

    outcome = notification_email_send(notification_id=n.pk)

    assert outcome == "failed"
    assert _email_state(n) == {
        "email_status": "failed",
        "email_attempts": 1,
        "email_error": (
            "SMTPRecipientsRefused: {'carol@example.com': (550, b'5.1.1 No such user here')}"
        ),
        "emailed_at": None,
    }
    assert refusing_smtp.commands == ["EHLO", "MAIL", "RCPT", "RSET", "QUIT"]


def test_the_task_does_not_retry_a_permanent_refusal(carol, refusing_smtp):
    n = _notify(carol)

    result = send_notification_email.apply(args=[n.pk])

    # apply() runs a retry at once, in this process: one attempt means no retry was asked for.
    assert result.get() == "failed"
    assert _email_state(n)["email_attempts"] == 1
    assert refusing_smtp.commands.count("RCPT") == 1


def test_a_recipient_refused_for_now_is_retried_later(carol, refusing_smtp):
    refusing_smtp.rcpt_reply = b"451 4.7.1 Greylisted, please try again later\r\n"
    n = _notify(carol)

    with pytest.raises(TransientEmailError):
        notification_email_send(notification_id=n.pk)

    assert _email_state(n) == {
        "email_status": "pending",
        "email_attempts": 1,
        "email_error": (
            "SMTPRecipientsRefused: "
            "{'carol@example.com': (451, b'4.7.1 Greylisted, please try again later')}"
        ),
        "emailed_at": None,
    }


@pytest.mark.parametrize(
    ("retries_so_far", "attempts"), [(5, 1), (4, 2), (0, 6)], ids=["last", "one-left", "all"]
)
def test_the_task_gives_up_after_its_last_retry_and_records_why(
    carol, smtp_down, retries_so_far, attempts
):
    n = _notify(carol)
    assert send_notification_email.max_retries == 5

    # apply() runs the real task here; a retry it asks for runs at once (without the countdown),
    # up to the bound.
    result = send_notification_email.apply(args=[n.pk], retries=retries_so_far)

    assert result.get() == "failed"
    assert _email_state(n) == {
        "email_status": "failed",
        "email_attempts": attempts,
        "email_error": "gave up after retries: [Errno 111] Connection refused",
        "emailed_at": None,
    }


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        (
            "Overdue follow-up: line1\r\nBcc: eve@example.com",
            "Overdue follow-up: line1 Bcc: eve@example.com",
        ),
        ("tab\tand\x00nul\x7fdel\u2028sep", "tab and nul del sep"),
        ("  期限切れ：\n 見積書の送付  ", "期限切れ： 見積書の送付"),
        ("全角　スペースは残す", "全角　スペースは残す"),
        ("x" * 250, "x" * 199 + "…"),
    ],
)
def test_an_email_header_is_one_trimmed_line_of_text(raw, clean):
    assert header_text(raw) == clean


@frozen
def test_a_notification_stores_and_emails_its_subject_on_one_line(carol, locmem, mailoutbox):
    n = _notify(carol, subject="Overdue follow-up: line1\nline2")

    outcome = notification_email_send(notification_id=n.pk)

    assert outcome == "sent"
    assert Notification.objects.get(pk=n.pk).subject == "Overdue follow-up: line1 line2"
    [email] = mailoutbox
    assert email.subject == "Overdue follow-up: line1 line2"


@frozen
def test_an_email_with_an_address_that_cannot_be_a_header_fails_once_without_retrying(
    carol, locmem, mailoutbox
):
    Notification.objects.all().delete()
    carol.email = "carol@example.com\nBcc: eve@example.com"
    carol.save(update_fields=["email"])
    n = _notify(carol)

    outcome = send_notification_email.apply(args=[n.pk]).get()

    state = _email_state(n)
    assert (outcome, state["email_status"], state["email_attempts"]) == ("failed", "failed", 1)
    assert state["email_error"].startswith("BadHeaderError: Header values can't contain newlines")
    assert mailoutbox == []


# --- The sweep ---------------------------------------------------------------------------------


def test_the_sweep_gives_up_on_an_email_tried_too_often_instead_of_queueing_it_again(
    carol, locmem, tasks_run_here, mailoutbox, time_machine
):
    time_machine.move_to(NOW - dt.timedelta(minutes=30), tick=False)
    n = _notify(carol)
    Notification.objects.filter(pk=n.pk).update(
        email_status="sending",
        email_claimed_at=NOW - dt.timedelta(minutes=11),
        email_attempts=EMAIL_MAX_ATTEMPTS,
    )
    time_machine.move_to(NOW, tick=False)

    queued = notifications_sweep(now=NOW)

    assert queued == 0
    assert mailoutbox == []
    assert _email_state(n) == {
        "email_status": "failed",
        "email_attempts": EMAIL_MAX_ATTEMPTS,
        "email_error": f"gave up after {EMAIL_MAX_ATTEMPTS} attempts",
        "emailed_at": None,
    }


def test_the_sweep_queues_again_old_pending_emails_and_emails_stuck_sending(
    team_a, locmem, tasks_run_here, mailoutbox, time_machine
):
    def user(name):
        return factories.user(name, role="bd_member", team=team_a)

    time_machine.move_to(NOW - dt.timedelta(minutes=15), tick=False)
    stuck = _notify(user("stuck"), key="k-stuck")  # a worker died while sending it
    Notification.objects.filter(pk=stuck.pk).update(
        email_status="sending", email_claimed_at=NOW - dt.timedelta(minutes=10, seconds=1)
    )
    still_sending = _notify(user("sending"), key="k-sending")  # a slow send, still going
    Notification.objects.filter(pk=still_sending.pk).update(
        email_status="sending", email_claimed_at=NOW - dt.timedelta(minutes=9)
    )
    time_machine.move_to(NOW - dt.timedelta(minutes=1, seconds=1), tick=False)
    _notify(user("lost"), key="k-lost")  # its task never reached the broker
    time_machine.move_to(NOW - dt.timedelta(seconds=30), tick=False)
    _notify(user("fresh"), key="k-fresh")  # its task may be on its way
    time_machine.move_to(NOW, tick=False)

    queued = notifications_sweep(now=NOW)

    assert queued == 2
    assert sorted(m.to[0] for m in mailoutbox) == ["lost@example.com", "stuck@example.com"]
    assert {
        n.user.username: (n.email_status, n.email_attempts)
        for n in Notification.objects.select_related("user")
    } == {
        "stuck": ("sent", 1),
        "sending": ("sending", 0),
        "lost": ("sent", 1),
        "fresh": ("pending", 0),
    }


def test_the_sweep_leaves_a_failed_attempt_to_its_scheduled_retry(
    carol, smtp_down, tasks_run_here, time_machine
):
    time_machine.move_to(NOW, tick=False)
    n = _notify(carol)
    with pytest.raises(TransientEmailError):
        notification_email_send(notification_id=n.pk)  # the task retries in 30 s ... 8 min

    time_machine.move_to(NOW + dt.timedelta(minutes=2), tick=False)
    assert notifications_sweep(now=NOW + dt.timedelta(minutes=2)) == 0
    assert _email_state(n)["email_attempts"] == 1

    # Ten minutes without a retry: the retry was lost, so the sweep queues it again. (Here the
    # queued task and its five retries run at once: the mail server is still down.)
    time_machine.move_to(NOW + dt.timedelta(minutes=10, seconds=1), tick=False)
    assert notifications_sweep(now=NOW + dt.timedelta(minutes=10, seconds=1)) == 1
    assert _email_state(n) == {
        "email_status": "failed",
        "email_attempts": 1 + 6,
        "email_error": "gave up after retries: [Errno 111] Connection refused",
        "emailed_at": None,
    }
