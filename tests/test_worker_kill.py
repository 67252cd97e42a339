"""A worker killed (SIGKILL, no warm shutdown) in the middle of the overdue follow-up job: the
job's task, acknowledged late, is delivered again to another worker, which finishes the job; every
follow-up gets exactly one reminder and every reminder exactly one email.

Only meaningful on Redis, whose unacknowledged messages come back after the visibility timeout
(CELERY_VISIBILITY_TIMEOUT). It runs in CI's service run (REDIS_URL set) and is skipped on the
embedded broker.

The two workers here use a Redis database of their own, counted down from the last one (15 for
the first test process, 14 for the second...), while the test processes' brokers count up from 1
(config/settings.py): no session worker (tests/conftest.py) of any parallel process takes their
tasks, and their short visibility timeout brings back no one else's unacknowledged messages.
"""

from __future__ import annotations

import datetime as dt
import time
import zoneinfo
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.utils import timezone
from django_celery_results.models import TaskResult

from config.celery import app
from engagement.models import Notification
from engagement.tasks import run_job
from tests import factories
from tests.celery_harness import celery_worker, producing_to
from tests.test_jobs_worker import midday_zone, sent_emails, wait_for

ON_REDIS = settings.CELERY_BROKER_URL.startswith(("redis://", "rediss://"))
pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not ON_REDIS, reason="the kill test needs Redis (runs in CI's service run)"),
]

FOLLOWUPS = 60
VISIBILITY_TIMEOUT = 5  # seconds before Redis gives an unacknowledged task to another worker
THROTTLE = 0.25  # seconds worker A pauses after each reminder: 60 take 15 s, time to kill it


def kill_test_broker_url() -> str:
    """This run's Redis, a database no test process uses as its broker."""
    url = urlsplit(settings.CELERY_BROKER_URL)
    process = int(settings.XDIST_WORKER[2:] or 0) if settings.XDIST_WORKER else 0
    return url._replace(path=f"/{15 - process}").geturl()


def test_a_worker_killed_mid_job_leaves_every_reminder_and_email_sent_exactly_once(
    tmp_path, team_a
):
    broker = kill_test_broker_url()
    emails = tmp_path / "emails"
    zone = midday_zone(timezone.now())
    owners = [
        factories.user(f"kill_owner_{i}", role="bd_member", team=team_a, time_zone=zone)
        for i in range(3)
    ]
    due = timezone.now().date() - dt.timedelta(days=3)
    followups = [
        factories.followup(
            team_a,
            owner=owners[i % 3],
            actor=owners[i % 3],
            due_on=due,
            note=f"Kill test follow-up {i:02d}",
        )
        for i in range(FOLLOWUPS)
    ]
    local_day = timezone.now().astimezone(zoneinfo.ZoneInfo(zone)).date()
    env = {
        "CELERY_BROKER_URL": broker,
        "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(emails),
    }

    with producing_to(broker, {"visibility_timeout": VISIBILITY_TIMEOUT}):
        app.control.purge()  # messages an interrupted earlier run left in this database
        with celery_worker(
            Path(tmp_path), env={**env, "JOB_THROTTLE_SECONDS": str(THROTTLE)}
        ) as worker_a:
            sent_at = time.monotonic()
            result = run_job.delay("overdue_followups")
            wait_for(
                lambda: Notification.objects.count() >= 10,
                timeout=60,
                what="worker A to send its first ten reminders",
            )
            worker_a.kill()
        reminded_by_a = Notification.objects.count()
        assert 10 <= reminded_by_a < FOLLOWUPS, "worker A was meant to die in the middle"
        # Worker A ran one task at a time and held the job's message unacknowledged, so it took
        # none of the email tasks the job queued (prefetch 1, late acknowledgement): it died
        # with no email half-sent. Had it died in the middle of a send, that notification would
        # stay "sending" until notifications_sweep (beat, every 2 minutes) put it back to
        # "pending" 10 minutes later and queued it again (tests/engagement/test_notifications.py).
        assert sent_emails(emails) == []
        assert not Notification.objects.filter(email_status="sending").exists()
        assert TaskResult.objects.filter(task_id=result.id, status="SUCCESS").count() == 0

        # Redis hands the job's message out again once it has been unacknowledged for the
        # visibility timeout; a worker restores such messages as it starts consuming.
        time.sleep(max(0.0, sent_at + VISIBILITY_TIMEOUT + 1.5 - time.monotonic()))
        with celery_worker(Path(tmp_path), env=env) as worker_b:
            wait_for(
                lambda: Notification.objects.filter(email_status="sent").count() >= FOLLOWUPS,
                timeout=90,
                what=f"worker B to finish the job and send {FOLLOWUPS} emails",
            )
            actions_of_b = result.get(timeout=30)

    stored = TaskResult.objects.get(task_id=result.id)
    assert (stored.status, stored.worker) == ("SUCCESS", worker_b.hostname)
    assert len(actions_of_b) == FOLLOWUPS - reminded_by_a
    assert sorted(Notification.objects.values_list("dedupe_key", flat=True)) == sorted(
        f"overdue:{f.pk}:{local_day.isoformat()}" for f in followups
    )
    assert Counter(Notification.objects.values_list("email_status", "email_attempts")) == {
        ("sent", 1): FOLLOWUPS
    }
    assert Counter(sent_emails(emails)) == {
        (f.owner.email, f"Overdue follow-up: {f.note}"): 1 for f in followups
    }
