"""A worker killed (SIGKILL, no warm shutdown) in the middle of an import: the import's
transaction dies with it, the job stays "running", and the scan (import_jobs_resend_stale) queues
it again once its heartbeat is stale; a second worker runs it from the start and the rows are
written exactly once.

Unlike tests/test_worker_kill.py this needs no Redis: the job is recovered by the scan, not by the
broker handing out the killed worker's message again (which the embedded broker never does). The
two workers use a broker of their own (a file here, or the next-but-one Redis database), so that
the session's worker (tests/conftest.py) takes none of their tasks.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from config.celery import app
from engagement.models import ImportJob, Organization
from engagement.services import import_jobs
from tests import factories
from tests.celery_harness import celery_worker, producing_to
from tests.engagement.test_import_jobs_resend import forget_cached
from tests.test_jobs_worker import wait_for

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]

# Under the batched path's threshold (imports.BULK_MIN_ROWS): each row goes through
# organization_create, a few milliseconds each, so the worker is killed well before the end.
ROWS = 900


def own_broker(tmp_path: Path) -> tuple[str, dict]:
    """A broker for this test's workers only, and the options to send to it."""
    if settings.EMBEDDED_BROKER:
        url = f"sqla+sqlite:///{tmp_path / 'kill-broker.sqlite3'}"
        return url, dict(settings.CELERY_BROKER_TRANSPORT_OPTIONS)
    url = urlsplit(settings.CELERY_BROKER_URL)
    db = int(url.path.strip("/") or 0)
    # db + 1 is tests/test_worker_kill.py's: a message of ours it restored would confuse it.
    return url._replace(path=f"/{(db + 2) % 16}").geturl(), {"visibility_timeout": 3600}


def institutes_csv(path: Path) -> SimpleUploadedFile:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["name", "org_type", "country"])
        writer.writerows([f"Kill Test Institute {i:04d}", "university", "MY"] for i in range(ROWS))
    return SimpleUploadedFile("institutes.csv", path.read_bytes())


def test_an_import_whose_worker_is_killed_is_run_again_and_writes_its_rows_once(tmp_path):
    broker, options = own_broker(tmp_path)
    team = factories.team("kill-import", company=factories.company("Kill Import Co"))
    user = factories.user("kill_import_bd", role="bd_member", team=team)
    env = {"CELERY_BROKER_URL": broker}

    with producing_to(broker, options):
        app.control.purge()  # messages an interrupted earlier run left there
        with celery_worker(tmp_path, env=env) as worker_a:
            job = import_jobs.import_job_create(
                actor=user,
                kind="organizations",
                upload=institutes_csv(tmp_path / "institutes.csv"),
                dry_run=False,
            )
            forget_cached(job.pk)  # a count an earlier run left would end the wait below
            wait_for(
                lambda: import_jobs.import_job_processed(ImportJob.objects.get(pk=job.pk)) >= 250,
                timeout=60,
                what="worker A to import its first 250 rows",
            )
            worker_a.kill()
        try:
            job.refresh_from_db()
            assert (job.status, job.attempts, job.created_count) == ("running", 1, 0)
            assert not Organization.objects.filter(name__startswith="Kill Test").exists()

            # (Started before the scan: a worker's start empties the embedded test broker.)
            with celery_worker(tmp_path, env=env):
                # Beat's scan, once the dead run's heartbeat is older than the timeout.
                stale = dt.timedelta(seconds=settings.IMPORT_JOB_STALE_SECONDS + 1)
                assert import_jobs.import_jobs_resend_stale(now=timezone.now() + stale) == [job.pk]
                wait_for(
                    lambda: ImportJob.objects.get(pk=job.pk).status not in ("queued", "running"),
                    timeout=120,
                    what="worker B to run the import again",
                )
            job.refresh_from_db()
            assert (job.status, job.attempts, job.created_count, job.errors) == (
                "succeeded",
                2,
                ROWS,
                [],
            )
            names = Organization.objects.filter(name__startswith="Kill Test Institute")
            assert names.count() == len(set(names.values_list("name", flat=True))) == ROWS
        finally:
            job.file.delete(save=False)
