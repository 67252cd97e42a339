"""Background jobs are declared once, where they are written (engagement/services/jobs/base.py):
beat's schedule and `run_jobs` read the registry."""

import io
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import call_command

from engagement.services import jobs
from engagement.services.jobs.base import JobResult, job

DECLARED = [
    "overdue_followups",
    "mou_expiry",
    "stalled_pilots",
    "stale_partnerships",
    "weekly_digest",
    "purge_idempotency_records",
    "purge_api_request_counts",
    "incentive_deadlines",
]

# What beat does before it reads its schedule (celery.apps.beat.Beat.run): set the loader up,
# which sets Django up. Printed: each entry's name, task, seconds and arguments.
BEAT = """
from celery.apps.beat import Beat
from config.celery import app
Beat(app=app, quiet=True).init_loader()
for name, entry in sorted(app.conf.beat_schedule.items()):
    if name.startswith("job-"):
        print(name, entry["task"], entry["schedule"], *entry["args"])
"""


def test_every_declared_job_runs_in_the_order_that_lets_the_digest_report_the_others():
    assert list(jobs.JOBS) == DECLARED
    assert all(jobs.JOBS[name].run.__name__ == name for name in DECLARED)


def test_beat_schedules_every_declared_job_through_the_run_job_task():
    beat = subprocess.run(
        [sys.executable, "-c", BEAT],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )

    seconds = settings.JOBS_INTERVAL_MINUTES * 60.0
    assert beat.stdout.splitlines() == [
        f"job-{name} engagement.run_job {seconds} {name}" for name in sorted(DECLARED)
    ]


def test_a_job_declared_twice_is_refused_by_name():
    with pytest.raises(ValueError, match=r"^Job 'mou_expiry' is declared twice\.$"):

        @job(title="Again", claims="nothing")
        def mou_expiry(*, now, dry_run=False):
            return JobResult("mou_expiry")

    assert jobs.JOBS["mou_expiry"].title == "MoU expiry"


def test_run_jobs_lists_each_job_with_its_interval_and_how_it_acts_once():
    out = io.StringIO()

    call_command("run_jobs", "--list", "--job", "stale_partnerships", stdout=out)

    assert out.getvalue() == (
        f"stale_partnerships: Stale partnerships, every {settings.JOBS_INTERVAL_MINUTES} min\n"
        "  acts once: one nudge per partnership per ISO week (stale:<partnership>:<week>)\n"
    )
