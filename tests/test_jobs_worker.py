"""The overdue follow-up job through the broker of this run (the embedded SQL broker by default,
Redis in CI's service run) and a real worker process: the worker reminds each owner once and
sends each reminder's email once, however often the job runs.

The session's worker (tests/conftest.py) writes the emails it sends to files, one per message,
in worker.env["EMAIL_FILE_PATH"].
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import time
import zoneinfo
from collections import Counter
from pathlib import Path

import pytest
from django.utils import timezone

from engagement.models import Notification
from engagement.tasks import run_job, send_notification_email
from tests import factories

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]

SEPARATOR = b"\n" + b"-" * 79 + b"\n"  # what the file-based backend writes after each message


def midday_zone(now: dt.datetime) -> str:
    """A time zone where it is about noon at `now`: the worker runs the job at the real time, so
    the owners live where it is well past REMINDER_LOCAL_HOUR and far from midnight (a new local
    day would mean a new, legitimate, reminder)."""
    offset = 12 - now.astimezone(dt.UTC).hour  # hours east of UTC
    if offset > 14:
        offset -= 24
    if offset < -12:
        offset += 24
    name = "UTC" if offset == 0 else f"Etc/GMT{-offset:+d}"  # Etc/GMT-9 is UTC+9
    zoneinfo.ZoneInfo(name)
    return name


def sent_emails(directory: Path) -> list[tuple[str, str]]:
    """(To, Subject) of every message the worker's file-based backend wrote."""
    found = []
    for path in sorted(directory.glob("*.log")) if directory.exists() else []:
        for chunk in path.read_bytes().split(SEPARATOR):
            if chunk.strip():
                message = email.message_from_bytes(chunk, policy=email.policy.default)
                found.append((str(message["To"]), str(message["Subject"])))
    return found


def wait_for(condition, *, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(0.2)


@pytest.fixture
def owners(team_a):
    zone = midday_zone(timezone.now())
    return [
        factories.user(name, role="bd_member", team=team_a, time_zone=zone)
        for name in ("worker_owner_1", "worker_owner_2")
    ]


def test_the_worker_reminds_each_overdue_follow_up_once_and_sends_each_email_once(
    celery_worker_process, owners, team_a
):
    emails = Path(celery_worker_process.env["EMAIL_FILE_PATH"])
    first, second = owners
    due = timezone.now().date() - dt.timedelta(days=3)  # overdue wherever the owner lives
    followups = [
        factories.followup(team_a, owner=first, actor=first, due_on=due, note="Send the syllabus"),
        factories.followup(team_a, owner=first, actor=first, due_on=due, note="Call the dean"),
        factories.followup(team_a, owner=second, actor=second, due_on=due, note="Book the lab"),
        factories.followup(team_a, owner=second, actor=second, due_on=due + dt.timedelta(days=5)),
    ]
    mine = {"worker_owner_1@example.com", "worker_owner_2@example.com"}

    actions = run_job.delay("overdue_followups").get(timeout=60)

    assert actions == [
        f"reminded worker_owner_1 of follow-up {followups[0].pk}",
        f"reminded worker_owner_1 of follow-up {followups[1].pk}",
        f"reminded worker_owner_2 of follow-up {followups[2].pk}",
    ]
    wait_for(
        lambda: not Notification.objects.exclude(email_status="sent").exists(),
        timeout=60,
        what="the worker to send the three emails",
    )
    reminders = list(
        Notification.objects.order_by("id").values_list(
            "user__username", "kind", "subject", "email_status", "email_attempts"
        )
    )
    assert reminders == [
        ("worker_owner_1", "followup_overdue", "Overdue follow-up: Send the syllabus", "sent", 1),
        ("worker_owner_1", "followup_overdue", "Overdue follow-up: Call the dean", "sent", 1),
        ("worker_owner_2", "followup_overdue", "Overdue follow-up: Book the lab", "sent", 1),
    ]
    assert Counter(e for e in sent_emails(emails) if e[0] in mine) == {
        ("worker_owner_1@example.com", "Overdue follow-up: Send the syllabus"): 1,
        ("worker_owner_1@example.com", "Overdue follow-up: Call the dean"): 1,
        ("worker_owner_2@example.com", "Overdue follow-up: Book the lab"): 1,
    }

    # The job again, twice more: nothing new to remind, no email sent again.
    again = [run_job.delay("overdue_followups"), run_job.delay("overdue_followups")]

    assert [result.get(timeout=60) for result in again] == [[], []]
    assert (
        list(
            Notification.objects.order_by("id").values_list(
                "user__username", "kind", "subject", "email_status", "email_attempts"
            )
        )
        == reminders
    )
    # An email task delivered again (a redelivery after a worker died, a sweep) sends nothing.
    redelivered = [
        send_notification_email.delay(pk)
        for pk in Notification.objects.values_list("pk", flat=True)
    ]

    assert [result.get(timeout=60) for result in redelivered] == ["not pending"] * 3
    assert len([e for e in sent_emails(emails) if e[0] in mine]) == 3
