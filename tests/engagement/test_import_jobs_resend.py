"""An import job whose worker died is queued again and run from the start: the scan
(engagement.services.import_jobs.import_jobs_resend_stale, beat every minute) takes a job whose
run has shown no sign of life for IMPORT_JOB_STALE_SECONDS. A killed run kept nothing (one
transaction), so the rows are written once; after IMPORT_JOB_MAX_ATTEMPTS runs the job fails.

"A worker that died" is a job claimed by import_job_claim and never heard of again: exactly
what a SIGKILLed worker leaves (a real one is killed in tests/test_import_worker_kill.py)."""

import csv
import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from engagement.models import ImportJob, Organization
from engagement.services import import_jobs, imports
from engagement.tasks import import_jobs_resend_stale, run_import_job
from tests import factories

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 11, 25, 1, 0, tzinfo=dt.UTC)
STALE = dt.timedelta(seconds=300)
ROWS = [
    ["name", "org_type", "country"],
    ["Resend Institute One", "university", "MY"],
    ["Resend Institute Two", "research_institute", "TH"],
]
RESENT = (
    "The worker running this import stopped before it finished (nothing had been written); "
    "the import was queued to run again from the start, attempt 2 of 3."
)
GAVE_UP = (
    "The import was started 3 times and each time its worker stopped before it finished "
    "(killed or restarted, for example for lack of memory); nothing was written. Try again "
    "with a smaller file, and tell an administrator if it happens again."
)


@pytest.fixture(autouse=True)
def _settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.IMPORT_JOB_STALE_SECONDS = 300
    settings.IMPORT_JOB_MAX_ATTEMPTS = 3


def forget_cached(job_id: int) -> None:
    """The progress cache outlives test databases (a file under DATA_DIR, or Redis), and ids
    come again in a new one: drop what an earlier test said about this id."""
    cache = import_jobs._cache()
    cache.delete(import_jobs._progress_key(job_id))
    for attempt in range(6):
        cache.delete(import_jobs._heartbeat_key(job_id, attempt))


def csv_bytes() -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out).writerows(ROWS)
    return out.getvalue().encode("utf-8")


def queued_job(user) -> ImportJob:
    upload = SimpleUploadedFile("institutes.csv", csv_bytes())
    job = import_jobs.import_job_create(
        actor=user, kind="organizations", upload=upload, dry_run=False
    )
    forget_cached(job.pk)
    return job


def claimed_by_a_worker_that_dies(job: ImportJob) -> ImportJob:
    claimed = import_jobs.import_job_claim(job_id=job.pk)
    assert claimed is not None
    return claimed


def imported_names() -> list[str]:
    return sorted(
        Organization.objects.filter(name__startswith="Resend Institute").values_list(
            "name", flat=True
        )
    )


def test_a_job_whose_worker_died_is_run_again_and_writes_its_rows_once(
    users, time_machine, django_capture_on_commit_callbacks
):
    time_machine.move_to(T0, tick=False)
    job = claimed_by_a_worker_that_dies(queued_job(users["bd_a"]))
    time_machine.move_to(T0 + STALE + dt.timedelta(seconds=1), tick=False)

    with django_capture_on_commit_callbacks() as sent:
        assert import_jobs_resend_stale() == 1

    job.refresh_from_db()
    assert (job.status, job.attempts, job.detail) == ("queued", 1, RESENT)
    assert job.heartbeat_at == T0 + STALE + dt.timedelta(seconds=1)
    assert len(sent) == 1

    assert run_import_job(job.pk) == "succeeded"

    job.refresh_from_db()
    assert (job.status, job.attempts, job.created_count, job.errors) == ("succeeded", 2, 2, [])
    assert job.detail == "Created 2 organizations."
    assert imported_names() == ["Resend Institute One", "Resend Institute Two"]
    assert import_jobs.import_jobs_resend_stale(now=T0 + 10 * STALE) == []


def test_a_job_whose_heartbeat_is_not_older_than_the_timeout_is_left_alone(
    users, time_machine, django_capture_on_commit_callbacks
):
    time_machine.move_to(T0, tick=False)
    job = claimed_by_a_worker_that_dies(queued_job(users["bd_a"]))
    time_machine.move_to(T0 + STALE, tick=False)

    with django_capture_on_commit_callbacks() as sent:
        resent = import_jobs.import_jobs_resend_stale()

    job.refresh_from_db()
    assert resent == []
    assert sent == []
    assert (job.status, job.attempts, job.detail, job.heartbeat_at) == ("running", 1, "", T0)


def test_progress_refreshes_the_heartbeat_so_a_long_healthy_import_is_not_taken_for_dead(
    users, time_machine
):
    time_machine.move_to(T0, tick=False)
    job = claimed_by_a_worker_that_dies(queued_job(users["bd_a"]))
    assert import_jobs.import_job_heartbeat(job) == T0

    time_machine.move_to(T0 + dt.timedelta(minutes=4), tick=False)
    import_jobs.import_job_progress(job=job, done=250)

    assert import_jobs.import_job_heartbeat(job) == T0 + dt.timedelta(minutes=4)
    assert import_jobs.import_job_processed(job) == 250
    later = T0 + dt.timedelta(minutes=9)
    assert import_jobs.import_jobs_resend_stale(now=later) == []
    job.refresh_from_db()
    assert (job.status, job.attempts) == ("running", 1)

    # Silent from then on: five minutes and a second after its last beat, it is taken for dead.
    assert import_jobs.import_jobs_resend_stale(now=later + dt.timedelta(seconds=1)) == [job.pk]


def test_two_scans_queue_a_dead_job_once(users, time_machine, django_capture_on_commit_callbacks):
    time_machine.move_to(T0, tick=False)
    job = claimed_by_a_worker_that_dies(queued_job(users["bd_a"]))
    now = T0 + dt.timedelta(minutes=6)
    time_machine.move_to(now, tick=False)
    as_read_by_a_second_scan = ImportJob.objects.get(pk=job.pk)

    with django_capture_on_commit_callbacks() as sent:
        first = import_jobs.import_jobs_resend_stale(now=now)
        second = import_jobs.import_jobs_resend_stale(now=now)
        # A scan that read the job before the first one queued it: its conditional UPDATE
        # finds the job changed.
        concurrent = import_jobs._resend_or_give_up(as_read_by_a_second_scan, now)

    assert (first, second, concurrent) == ([job.pk], [], False)
    assert len(sent) == 1
    job.refresh_from_db()
    assert (job.status, job.attempts, job.heartbeat_at) == ("queued", 1, now)


def test_a_stalled_worker_that_wakes_after_its_job_was_queued_again_keeps_nothing(
    users, time_machine
):
    time_machine.move_to(T0, tick=False)
    stalled = claimed_by_a_worker_that_dies(queued_job(users["bd_a"]))
    time_machine.move_to(T0 + dt.timedelta(minutes=6), tick=False)
    assert import_jobs.import_jobs_resend_stale() == [stalled.pk]
    assert run_import_job(stalled.pk) == "succeeded"

    # The first worker wakes up and carries on with its run (attempt 1).
    assert import_jobs._run_claimed(stalled) == "superseded"

    job = ImportJob.objects.get(pk=stalled.pk)
    assert (job.status, job.attempts, job.created_count) == ("succeeded", 2, 2)
    assert imported_names() == ["Resend Institute One", "Resend Institute Two"]


def test_after_three_runs_that_stopped_the_job_fails_with_a_message_on_its_page_and_the_api(
    users, client, api, time_machine, django_capture_on_commit_callbacks
):
    time_machine.move_to(T0, tick=False)
    job = queued_job(users["bd_a"])
    now = T0
    for _attempt in range(3):
        time_machine.move_to(now, tick=False)
        claimed_by_a_worker_that_dies(job)
        now += dt.timedelta(minutes=6)
        time_machine.move_to(now, tick=False)
        with django_capture_on_commit_callbacks() as sent:
            import_jobs.import_jobs_resend_stale()

    job.refresh_from_db()
    assert (job.status, job.attempts, job.detail, job.errors) == ("failed", 3, GAVE_UP, [])
    assert job.finished_at == T0 + dt.timedelta(minutes=18)
    assert sent == []  # the third stop is not sent again
    assert run_import_job(job.pk) == "not queued"
    assert imported_names() == []

    api.credentials(HTTP_AUTHORIZATION=f"Token {factories.token(users['bd_a'])}")
    body = api.get(f"/api/v1/import-jobs/{job.pk}/").json()
    assert (body["status"], body["detail"], body["created_count"]) == ("failed", GAVE_UP, 0)
    client.force_login(users["bd_a"])
    page = client.get(f"/import/{job.pk}/").content.decode()
    assert f'<p id="import-detail">{GAVE_UP}</p>' in page


def test_a_queued_job_whose_message_was_lost_is_sent_again_once(
    users, time_machine, django_capture_on_commit_callbacks
):
    time_machine.move_to(T0, tick=False)
    job = queued_job(users["bd_a"])  # its task never reached a worker
    now = T0 + dt.timedelta(minutes=6)

    with django_capture_on_commit_callbacks() as sent:
        first = import_jobs.import_jobs_resend_stale(now=now)
        second = import_jobs.import_jobs_resend_stale(now=now)

    assert (first, second, len(sent)) == ([job.pk], [], 1)
    job.refresh_from_db()
    assert (job.status, job.attempts, job.detail, job.heartbeat_at) == ("queued", 0, "", now)
    assert run_import_job(job.pk) == "succeeded"
    assert imported_names() == ["Resend Institute One", "Resend Institute Two"]


def test_rows_are_kept_only_when_the_before_commit_hook_lets_them(users):
    """What a run whose job was taken from it meanwhile relies on: it refuses at the commit."""

    class Taken(Exception):
        pass

    def refuse(report):
        assert (report.created, report.errors) == (2, [])
        raise Taken

    with pytest.raises(Taken):
        imports.import_file(
            "organizations",
            io.BytesIO(csv_bytes()),
            "institutes.csv",
            actor=users["bd_a"],
            dry_run=False,
            before_commit=refuse,
        )

    assert imported_names() == []
