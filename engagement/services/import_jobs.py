"""Background imports: an uploaded file becomes an ImportJob, a Celery task runs it once, and
its progress and outcome are on record for the API and the import page.

Progress while a job runs is kept in a cache, not in the job's row. The import holds one
database transaction open from its first row to its last (all or nothing). Writing the progress
to the job's row from inside that transaction would be invisible to readers until the end; doing
it on a second connection would wait for the import's write lock on SQLite (one writer at a time:
the import holds it until it commits) and fail after the busy timeout. So the running count goes
to the cache alias `import_progress` (config/settings.py: Redis when REDIS_URL is set, else a
file-based cache under DATA_DIR, both shared by web and worker processes and outside any database
transaction), and the job's row is written outside the import's transaction when it is claimed
(status running, total rows) and when a refused or dry run ends. A run that writes its rows
records its outcome inside their transaction instead: a worker killed right after the commit
must not leave written rows under a job that looks unfinished and would be run again.

A worker can die in the middle (SIGKILL, out of memory, a lost machine). The embedded broker never
hands out again a message a killed worker held, and Redis does so only after its visibility
timeout, when the job is no longer queued: the job would stay "running" for good. So a run beats
a heartbeat into the same cache as it counts and imports, and `import_jobs_resend_stale` (beat,
every minute) queues again a job whose heartbeat is older than IMPORT_JOB_STALE_SECONDS, to run
from the start: a killed run kept nothing (one transaction), so running it again is safe. After
IMPORT_JOB_MAX_ATTEMPTS runs it is failed instead, with a message saying so. Each claim counts an
attempt, and every write a run makes about its job is conditional on the job still being running
with its attempt number: a worker that was only stalled, not dead, finds its run given to another
when it wakes, and keeps nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from engagement import policy
from engagement.errors import NotPermitted, ServiceError, ValidationFailed
from engagement.models import ImportJob
from engagement.services import hooks, imports

log = logging.getLogger(__name__)

PROGRESS_TTL = 24 * 3600
RESEND_SCAN_LIMIT = 100
# A job's `detail`, marked for translation here and translated when it is written, in the
# uploader's language (see _uploader_language).
CRASHED = gettext_noop("The import stopped on an unexpected error; nothing was written.")
RESENT = gettext_noop(
    "The worker running this import stopped before it finished (nothing had been written); "
    "the import was queued to run again from the start, attempt %(next)s of %(most)s."
)
GAVE_UP = gettext_noop(
    "The import was started %(attempts)s times and each time its worker stopped before it "
    "finished (killed or restarted, for example for lack of memory); nothing was written. "
    "Try again with a smaller file, and tell an administrator if it happens again."
)


def _cache():
    alias = "import_progress" if "import_progress" in settings.CACHES else "default"
    return caches[alias]


def _progress_key(job_id: int) -> str:
    return f"import-job:{job_id}:processed"


def _heartbeat_key(job_id: int, attempt: int) -> str:
    # One per attempt: a stalled earlier run that wakes up must not vouch for the current one.
    return f"import-job:{job_id}:attempt:{attempt}:heartbeat"


def _cache_write(key: str, value: Any) -> None:
    try:
        _cache().set(key, value, PROGRESS_TTL)
    except Exception:  # the import is worth more than its progress display
        log.warning("Import progress cache unavailable", exc_info=True)


def _cache_forget(key: str) -> None:
    try:
        _cache().delete(key)
    except Exception:
        log.warning("Import progress cache unavailable", exc_info=True)


def import_job_processed(job: ImportJob) -> int:
    """Rows done so far: the live count while the job runs, the recorded one afterwards."""
    if job.status == ImportJob.Status.RUNNING:
        try:
            live = _cache().get(_progress_key(job.pk))
        except Exception:  # a cache outage must not break the status page
            log.warning("Import progress cache unavailable", exc_info=True)
            live = None
        if live is not None:
            return int(live)
    return job.processed_rows


def import_job_percent(job: ImportJob) -> int:
    if job.status == ImportJob.Status.SUCCEEDED:
        return 100
    done = import_job_processed(job)
    return min(100, int(100 * done / job.total_rows)) if job.total_rows else 0


def _megabytes(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB"


def _uploader_language(job: ImportJob) -> str:
    return getattr(job.user, "language", "") or settings.LANGUAGE_CODE


def _refusal(actor: policy.Actor, kind: str) -> str | None:
    """Why `actor` may not import `kind` (one of imports.KINDS), or None when they may. Only
    engagements are a team's records; the directory and market intelligence need no team."""
    if not policy.can_create(actor, imports.KIND_MODELS[kind]):
        return _("Your role may not import %(records)s.") % {"records": imports.kind_noun(kind)}
    if kind == "engagements" and getattr(actor, "team_id", None) is None:
        return _("Only members of a company's team import engagements.")
    return None


def importable_kinds(actor: policy.Actor) -> list[str]:
    """The kinds the import page offers `actor`."""
    return [kind for kind in imports.KINDS if _refusal(actor, kind) is None]


def _check_may_import(actor: policy.Actor, kind: str) -> None:
    if kind not in imports.KINDS:
        raise ValidationFailed(
            {"kind": [_("Must be one of: %(values)s.") % {"values": ", ".join(imports.KINDS)}]}
        )
    refusal = _refusal(actor, kind)
    if refusal is not None:
        raise NotPermitted(refusal)


def _check_upload(upload: UploadedFile) -> str:
    """The file's format, after the limits: its size and (cheaply) its number of rows."""
    name = upload.name or ""
    try:
        ext = imports.file_format(name)
    except imports.FileProblem as exc:
        raise ValidationFailed({"file": [str(exc)]}) from None
    limit = settings.IMPORT_MAX_BYTES
    if upload.size > limit:
        too_big = _(
            "The file is %(size)s; the limit is %(limit)s (IMPORT_MAX_BYTES = %(bytes)s bytes)."
        ) % {"size": _megabytes(upload.size), "limit": _megabytes(limit), "bytes": limit}
        raise ValidationFailed({"file": [too_big]})
    max_rows = settings.IMPORT_MAX_ROWS
    try:
        if ext == ".csv":
            # Also proves the encoding (UTF-8 or CP932): a pass over the file, in chunks.
            imports.count_data_rows(upload.file, name, limit=max_rows)
        else:
            declared = imports.declared_xlsx_rows(upload.file)
            if declared is not None and declared > max_rows:
                raise imports.FileProblem(
                    _(
                        "The file has %(rows)s rows; the limit is %(limit)s (IMPORT_MAX_ROWS). "
                        "Split it into smaller files."
                    )
                    % {"rows": f"{declared:,}", "limit": f"{max_rows:,}"}
                )
    except imports.FileProblem as exc:
        raise ValidationFailed({"file": [str(exc)]}) from None
    upload.seek(0)
    return ext


def _enqueue(job_id: int) -> None:
    try:
        hooks.task_send("engagement.run_import_job", job_id)
    except Exception:  # the broker is down: the job stays queued, its page says so
        log.warning("Could not queue import job %s", job_id, exc_info=True)


def import_job_create(
    *, actor: policy.Actor, kind: str, upload: UploadedFile, dry_run: bool = True
):
    """Store the file privately (MEDIA_ROOT, never served) and queue the import. The task is
    sent once the job's row is committed, so the worker always finds it."""
    _check_may_import(actor, kind)
    if upload is None:
        raise ValidationFailed({"file": [_("Attach a CSV or XLSX file.")]})
    ext = _check_upload(upload)
    job = ImportJob(
        user=actor,
        kind=kind,
        original_name=(upload.name or f"import{ext}")[-255:],
        dry_run=bool(dry_run),
    )
    # A name of our own: the person's file name is kept for display only.
    job.file.save(f"{uuid.uuid4().hex}{ext}", upload, save=False)
    with transaction.atomic():
        job.save()
        transaction.on_commit(lambda: _enqueue(job.pk))
    return job


def import_job_run_for_real(*, actor: policy.Actor, job: ImportJob) -> ImportJob:
    """After a clean dry run: import the same stored file for real, as a new job."""
    if job.user_id != getattr(actor, "pk", None):
        raise NotPermitted(_("This import is not yours."))
    _check_may_import(actor, job.kind)
    if not job.dry_run or job.status != ImportJob.Status.SUCCEEDED:
        raise ValidationFailed(
            {"job": [_("Only a dry run that found no problems can be run for real.")]}
        )
    # Twice "run it for real" (a double click) is one real import.
    earlier = ImportJob.objects.filter(user=actor, file=job.file.name, dry_run=False).first()
    if earlier is not None:
        return earlier
    with transaction.atomic():
        real = ImportJob.objects.create(
            user=actor,
            kind=job.kind,
            file=job.file.name,
            original_name=job.original_name,
            dry_run=False,
            total_rows=job.total_rows,
        )
        transaction.on_commit(lambda: _enqueue(real.pk))
    return real


def import_job_claim(*, job_id: int) -> ImportJob | None:
    """Claim a queued job for this worker: queued → running in one conditional UPDATE, so a
    task delivered twice (or re-sent) runs it once. Each claim is one more attempt."""
    now = timezone.now()
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.QUEUED).update(
        status=ImportJob.Status.RUNNING,
        started_at=now,
        heartbeat_at=now,
        processed_rows=0,
        attempts=F("attempts") + 1,
    )
    if not claimed:
        return None
    job = ImportJob.objects.select_related("user").get(pk=job_id)
    import_job_progress(job=job, done=0)
    return job


def import_job_progress(*, job: ImportJob, done: int) -> None:
    """The running count for the status page, and the run's heartbeat: a run that reports
    progress is alive, however long the whole import takes."""
    _cache_write(_progress_key(job.pk), done)
    _beat(job)


def _beat(job: ImportJob) -> None:
    _cache_write(_heartbeat_key(job.pk, job.attempts), timezone.now().timestamp())


def import_job_heartbeat(job: ImportJob) -> dt.datetime | None:
    """The last sign of life of the job's current run: the later of the one on its row and the
    one its worker keeps in the cache while it imports. Raises when the cache is unreachable."""
    cached = _cache().get(_heartbeat_key(job.pk, job.attempts))
    beats = [job.heartbeat_at]
    if cached is not None:
        beats.append(dt.datetime.fromtimestamp(float(cached), tz=dt.UTC))
    return max((beat for beat in beats if beat is not None), default=None)


def import_job_run(*, job_id: int) -> str:
    """Run a queued job once: claim it, import, and record the outcome. Returns the job's
    status, "not queued" (another delivery has it) or "superseded" (this run was taken for dead
    and the job given to another run: it kept nothing)."""
    job = import_job_claim(job_id=job_id)
    if job is None:
        return "not queued"
    # The worker speaks the default language: the run speaks the uploader's, so that the report
    # (every reason, the detail) is theirs. It is stored once, as written: an uploader who
    # changes language later reads it as it was written, which is fine.
    with translation.override(_uploader_language(job)):
        return _run_claimed(job)


class _Superseded(Exception):
    """The job is no longer this run's: the scan took the run for dead and queued it again."""


def _mine(job: ImportJob):
    """The job's row while it is still this run's."""
    return ImportJob.objects.filter(
        pk=job.pk, status=ImportJob.Status.RUNNING, attempts=job.attempts
    )


def _run_claimed(job: ImportJob) -> str:
    superseded = False
    try:
        report = _import(job)
    except _Superseded:
        superseded = True
        log.warning("Import job %s: run %s was given to another run", job.pk, job.attempts)
        return "superseded"
    except ServiceError as exc:
        return _finish(job, ImportJob.Status.FAILED, detail=exc.detail, errors=_as_rows(exc))
    except Exception:
        log.exception("Import job %s crashed", job.pk)
        return _finish(job, ImportJob.Status.FAILED, detail=_(CRASHED))
    finally:
        _cache_forget(_heartbeat_key(job.pk, job.attempts))
        if not superseded:  # the progress on display is the current run's
            _cache_forget(_progress_key(job.pk))
    if report.written:
        return ImportJob.Status.SUCCEEDED  # recorded with the rows, in their transaction
    status = ImportJob.Status.SUCCEEDED if report.ok else ImportJob.Status.FAILED
    return _finish(job, status, **_outcome(report))


def _import(job: ImportJob) -> imports.ImportReport:
    def on_total(total: int) -> None:
        # Autocommit, before the import's transaction begins: readers see it at once.
        if not _mine(job).update(total_rows=total, heartbeat_at=timezone.now()):
            raise _Superseded

    def record_success(report: imports.ImportReport) -> None:
        # Inside the import's transaction: the rows and "succeeded" are kept together, or
        # neither when the job is no longer this run's (the row lock taken here also makes a
        # scan that read the job as stale wait for this commit, then find it changed).
        if _finish(job, ImportJob.Status.SUCCEEDED, **_outcome(report)) == "superseded":
            raise _Superseded

    with job.file.open("rb") as stored:
        return imports.import_file(
            job.kind,
            stored.file,
            job.original_name,
            actor=job.user,
            dry_run=job.dry_run,
            progress=lambda done: import_job_progress(job=job, done=done),
            max_rows=settings.IMPORT_MAX_ROWS,
            on_total=on_total,
            heartbeat=lambda: _beat(job),
            before_commit=record_success,
        )


def _outcome(report: imports.ImportReport) -> dict[str, Any]:
    return {
        "detail": report.summary(),
        "errors": report.errors,
        "warnings": report.warnings,
        "processed": report.processed_rows,
        "created": report.created if report.written else 0,
        "total": report.total_rows or report.processed_rows,
    }


def _as_rows(exc: ServiceError) -> list[dict]:
    return [
        {"row": None, "column": field, "reason": message}
        for field, messages in exc.errors.items()
        for message in messages
    ]


def _finish(
    job,
    status,
    *,
    detail="",
    errors=None,
    warnings=None,
    processed=None,
    created=0,
    total=None,
) -> str:
    """Record the run's outcome, if the job is still this run's; returns the status recorded,
    or "superseded"."""
    fields: dict[str, Any] = {
        "status": status,
        "detail": detail,
        "errors": errors or [],
        "warnings": warnings or [],
        "created_count": created,
        "finished_at": timezone.now(),
    }
    if processed is not None:
        fields["processed_rows"] = processed
    if total is not None:
        fields["total_rows"] = total
    return status if _mine(job).update(**fields) else "superseded"


# --- Jobs whose worker died ---------------------------------------------------------------------


def _stale_after() -> dt.timedelta:
    return dt.timedelta(seconds=settings.IMPORT_JOB_STALE_SECONDS)


def import_jobs_resend_stale(*, now: dt.datetime | None = None) -> list[int]:
    """Queue again the jobs nobody is running: a running job whose run has shown no sign of life
    for IMPORT_JOB_STALE_SECONDS (its worker died), and a queued one sent that long ago whose
    message was lost (the broker was down, or a dying worker held it). A running job that has
    had IMPORT_JOB_MAX_ATTEMPTS runs is failed instead. Returns the ids queued again.

    Each job is taken with a conditional UPDATE on what the scan read (status, attempt,
    heartbeat): of two scans, or a scan and a worker, one wins. A job queued twice is still run
    once: the run claims it."""
    now = now or timezone.now()
    cutoff = now - _stale_after()
    silent = (
        ImportJob.objects.filter(status__in=[ImportJob.Status.QUEUED, ImportJob.Status.RUNNING])
        .filter(Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, created_at__lt=cutoff))
        .select_related("user")
        .order_by("pk")
    )
    resent = []
    for job in silent[:RESEND_SCAN_LIMIT]:
        if job.status == ImportJob.Status.RUNNING and not _run_is_dead(job, cutoff):
            continue
        if _resend_or_give_up(job, now):
            resent.append(job.pk)
    return resent


def _run_is_dead(job: ImportJob, cutoff: dt.datetime) -> bool:
    try:
        beat = import_job_heartbeat(job)
    except Exception:  # a cache outage must not make every running import look dead
        log.warning("Import progress cache unavailable: job %s left alone", job.pk, exc_info=True)
        return False
    return beat is None or beat < cutoff


def _resend_or_give_up(job: ImportJob, now: dt.datetime) -> bool:
    """True when the job was queued again (and its task sent once this commits)."""
    as_read = ImportJob.objects.filter(
        pk=job.pk, status=job.status, attempts=job.attempts, heartbeat_at=job.heartbeat_at
    )
    most = settings.IMPORT_JOB_MAX_ATTEMPTS
    # Written once in the uploader's language, as the run's own report is (import_job_run).
    with translation.override(_uploader_language(job)):
        gave_up = _(GAVE_UP) % {"attempts": job.attempts}
        resent = _(RESENT) % {"next": job.attempts + 1, "most": most}
    if job.status == ImportJob.Status.RUNNING and job.attempts >= most:
        if as_read.update(
            status=ImportJob.Status.FAILED,
            detail=gave_up,
            errors=[],
            finished_at=now,
        ):
            log.warning("Import job %s failed: %d runs stopped", job.pk, job.attempts)
        return False
    fields: dict[str, Any] = {"status": ImportJob.Status.QUEUED, "heartbeat_at": now}
    if job.status == ImportJob.Status.RUNNING:
        fields["detail"] = resent
    with transaction.atomic():
        if not as_read.update(**fields):
            return False  # another scan, or the run itself, changed it since it was read
        transaction.on_commit(lambda: _enqueue(job.pk))
    log.info("Import job %s queued again (%s)", job.pk, job.status)
    return True
