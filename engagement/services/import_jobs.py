"""Background imports: an uploaded file becomes an ImportJob, a Celery task runs it once, and
its progress and outcome are on record for the API and the import page.

Progress while a job runs is kept in a cache, not in the job's row. The import holds one
database transaction open from its first row to its last (all or nothing). Writing the progress
to the job's row from inside that transaction would be invisible to readers until the end; doing
it on a second connection would wait for the import's write lock on SQLite (one writer at a time:
the import holds it until it commits) and fail after the busy timeout. So the running count goes
to the cache alias `import_progress` (config/settings.py: Redis when REDIS_URL is set, else a
file-based cache under DATA_DIR, both shared by web and worker processes and outside any database
transaction), and the job's row is written only outside the import's transaction: when it is
claimed (status running, total rows) and when it ends (status, counts, errors).
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from engagement import policy
from engagement.errors import NotPermitted, ServiceError, ValidationFailed
from engagement.models import ImportJob
from engagement.services import import_kinds, imports

log = logging.getLogger(__name__)

PROGRESS_TTL = 24 * 3600


def _cache():
    alias = "import_progress" if "import_progress" in settings.CACHES else "default"
    return caches[alias]


def _progress_key(job_id: int) -> str:
    return f"import-job:{job_id}:processed"


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


def _refusal(actor: Any, kind: str) -> str | None:
    """Why `actor` may not import `kind` (one of import_kinds.KINDS), or None when they may. Only
    engagements are a team's records; the directory and market intelligence need no team."""
    if not policy.can_create(actor, import_kinds.KIND_MODELS[kind]):
        return f"Your role may not import {kind.replace('-', ' ')}."
    if kind == "engagements" and getattr(actor, "team_id", None) is None:
        return "Only members of a company's team import engagements."
    return None


def importable_kinds(actor: Any) -> list[str]:
    """The kinds the import page offers `actor`."""
    return [kind for kind in import_kinds.KINDS if _refusal(actor, kind) is None]


def _check_may_import(actor: Any, kind: str) -> None:
    if kind not in import_kinds.KINDS:
        raise ValidationFailed({"kind": [f"Must be one of: {', '.join(import_kinds.KINDS)}."]})
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
        raise ValidationFailed(
            {
                "file": [
                    f"The file is {_megabytes(upload.size)}; the limit is {_megabytes(limit)} "
                    f"(IMPORT_MAX_BYTES = {limit} bytes)."
                ]
            }
        )
    max_rows = settings.IMPORT_MAX_ROWS
    try:
        if ext == ".csv":
            # Also proves the encoding (UTF-8 or CP932): a pass over the file, in chunks.
            imports.count_data_rows(upload.file, name, limit=max_rows)
        else:
            declared = imports.declared_xlsx_rows(upload.file)
            if declared is not None and declared > max_rows:
                raise imports.FileProblem(
                    f"The file has {declared:,} rows; the limit is {max_rows:,} "
                    "(IMPORT_MAX_ROWS). Split it into smaller files."
                )
    except imports.FileProblem as exc:
        raise ValidationFailed({"file": [str(exc)]}) from None
    upload.seek(0)
    return ext


def _enqueue(job_id: int) -> None:
    from engagement.tasks import run_import_job

    try:
        run_import_job.delay(job_id)
    except Exception:  # the broker is down: the job stays queued, its page says so
        log.warning("Could not queue import job %s", job_id, exc_info=True)


def import_job_create(*, actor: Any, kind: str, upload: UploadedFile, dry_run: bool = True):
    """Store the file privately (MEDIA_ROOT, never served) and queue the import. The task is
    sent once the job's row is committed, so the worker always finds it."""
    _check_may_import(actor, kind)
    if upload is None:
        raise ValidationFailed({"file": ["Attach a CSV or XLSX file."]})
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


def import_job_run_for_real(*, actor: Any, job: ImportJob) -> ImportJob:
    """After a clean dry run: import the same stored file for real, as a new job."""
    if job.user_id != getattr(actor, "pk", None):
        raise NotPermitted("This import is not yours.")
    _check_may_import(actor, job.kind)
    if not job.dry_run or job.status != ImportJob.Status.SUCCEEDED:
        raise ValidationFailed(
            {"job": ["Only a dry run that found no problems can be run for real."]}
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


def import_job_run(*, job_id: int) -> str:
    """Run a queued job once: claim it (queued → running in one conditional UPDATE, so a task
    delivered twice runs it once), import, and record the outcome."""
    now = timezone.now()
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.QUEUED).update(
        status=ImportJob.Status.RUNNING, started_at=now, processed_rows=0
    )
    if not claimed:
        return "not queued"
    job = ImportJob.objects.select_related("user").get(pk=job_id)
    cache = _cache()
    key = _progress_key(job.pk)

    def progress(done: int) -> None:
        try:
            cache.set(key, done, PROGRESS_TTL)
        except Exception:
            log.warning("Import progress cache unavailable", exc_info=True)

    def on_total(total: int) -> None:
        # Autocommit, before the import's transaction begins: readers see it at once.
        ImportJob.objects.filter(pk=job.pk).update(total_rows=total)

    progress(0)
    try:
        with job.file.open("rb") as stored:
            report = imports.import_file(
                job.kind,
                stored.file,
                job.original_name,
                actor=job.user,
                dry_run=job.dry_run,
                progress=progress,
                max_rows=settings.IMPORT_MAX_ROWS,
                on_total=on_total,
            )
    except ServiceError as exc:
        _finish(job, ImportJob.Status.FAILED, detail=exc.detail, errors=_as_rows(exc))
        return "failed"
    except Exception:
        log.exception("Import job %s crashed", job.pk)
        _finish(
            job,
            ImportJob.Status.FAILED,
            detail="The import stopped on an unexpected error; nothing was written.",
        )
        return "failed"
    finally:
        try:
            cache.delete(key)
        except Exception:
            log.warning("Import progress cache unavailable", exc_info=True)
    status = ImportJob.Status.SUCCEEDED if report.ok else ImportJob.Status.FAILED
    _finish(
        job,
        status,
        detail=report.summary(),
        errors=report.errors,
        processed=report.processed_rows,
        created=report.created if report.written else 0,
        total=report.total_rows or report.processed_rows,
    )
    return status


def _as_rows(exc: ServiceError) -> list[dict]:
    return [
        {"row": None, "column": field, "reason": message}
        for field, messages in exc.errors.items()
        for message in messages
    ]


def _finish(job, status, *, detail="", errors=None, processed=None, created=0, total=None):
    fields: dict[str, Any] = {
        "status": status,
        "detail": detail,
        "errors": errors or [],
        "created_count": created,
        "finished_at": timezone.now(),
    }
    if processed is not None:
        fields["processed_rows"] = processed
    if total is not None:
        fields["total_rows"] = total
    ImportJob.objects.filter(pk=job.pk).update(**fields)
