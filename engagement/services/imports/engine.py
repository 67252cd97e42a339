"""The import itself, the same for every kind: the header, then each row through its service,
all in one transaction that is kept only when every row is good and it is not a dry run."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import IO

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from engagement import policy
from engagement.errors import NotPermitted, ValidationFailed
from engagement.models import Team
from engagement.services.imports.batches import OrganizationBatches
from engagement.services.imports.kinds import KIND_MODELS, KINDS, kind_noun
from engagement.services.imports.likely import last_organization_id, warn_likely_duplicates
from engagement.services.imports.reading import (
    FileProblem,
    Row,
    count_data_rows,
    is_blank,
    read_rows,
)
from engagement.services.imports.report import ImportReport
from engagement.services.imports.rows import RowImporter, map_header

PROGRESS_EVERY = 250
# Organization files of at least this many rows take the batched path (imports.batches).
BULK_MIN_ROWS = 1000

ProgressFn = Callable[[int], None]
# Called inside the import's transaction when its rows are about to be kept: a caller records
# the outcome there (both are kept, or neither), or raises to keep nothing.
BeforeCommitFn = Callable[[ImportReport], None]


def import_rows(
    kind: str,
    rows_iter: Iterable[Row],
    *,
    actor: policy.Actor,
    dry_run: bool,
    progress: ProgressFn | None = None,
    team: Team | None = None,
    total_rows: int = 0,
    bulk: bool | None = None,
    before_commit: BeforeCommitFn | None = None,
) -> ImportReport:
    """Import rows (header first) of `kind` as `actor` (a user, or a SystemActor for an
    import no one signed in asked for, which names the `team` engagements belong to). Returns
    the report; writes only when every row is good and it is not a dry run. `bulk`
    (organizations only; default: when `total_rows` reaches BULK_MIN_ROWS) takes the batched
    path, which applies the service's own validation.
    `before_commit` runs last inside the transaction, only when the rows are to be kept.
    The report's reasons and the refusals are in the active language: a caller importing for
    someone else activates theirs (import_jobs, the import_data command)."""
    if kind not in KINDS:
        raise ValidationFailed(
            {"kind": [_("Must be one of: %(values)s.") % {"values": ", ".join(KINDS)}]}
        )
    report = ImportReport(kind=kind, dry_run=dry_run, total_rows=total_rows)
    if not policy.can_create(actor, KIND_MODELS[kind]):
        raise NotPermitted(
            _("Your role may not create %(records)s.") % {"records": kind_noun(kind)}
        )
    rows = iter(rows_iter)
    mapped = _read_header(kind, rows, report)
    if report.errors:
        return report
    if bulk is None:
        bulk = total_rows >= BULK_MIN_ROWS
    # Times without an offset are the importing person's local times.
    zone = getattr(actor, "time_zone", None) or timezone.get_current_timezone_name()
    with timezone.override(zone), transaction.atomic():
        directory_before = last_organization_id()
        batches = OrganizationBatches(actor, report) if bulk and kind == "organizations" else None
        importer = RowImporter(kind, mapped, actor=actor, team=team, report=report, batches=batches)
        _import_data_rows(rows, importer, report, progress)
        if batches is not None:
            batches.flush(importer)
        if report.processed_rows == 0:
            report.add(2, "", _("The file has no data rows under its header."))
        if kind == "organizations" and not report.errors:
            warn_likely_duplicates(
                report, importer.organizations, importer.header_of, directory_before
            )
        if not report.written:
            # All or nothing: a refused row or a dry run keeps none of the rows written above.
            transaction.set_rollback(True)
        elif before_commit is not None:
            before_commit(report)
    if progress is not None:
        progress(report.processed_rows)
    if report.errors:
        report.created = 0
        # In row order (the batched path finds a duplicate when its batch is written).
        report.errors.sort(key=lambda e: (e["row"] is not None, e["row"] or 0))
    return report


def _read_header(kind: str, rows: Iterator[Row], report: ImportReport) -> dict[str, tuple]:
    first = next(rows, None)
    if first is None or is_blank(first[1]):
        report.add(1, "", _("The first row must name the columns; it is empty."))
        return {}
    return map_header(kind, first[1], report)


def _import_data_rows(
    rows: Iterator[Row], importer: RowImporter, report: ImportReport, progress: ProgressFn | None
) -> None:
    for number, row_cells in rows:
        if is_blank(row_cells):
            continue
        report.processed_rows += 1
        importer.row(number, row_cells)
        if progress is not None and report.processed_rows % PROGRESS_EVERY == 0:
            progress(report.processed_rows)


def import_file(
    kind: str,
    binary: IO[bytes],
    name: str,
    *,
    actor: policy.Actor,
    dry_run: bool,
    progress: ProgressFn | None = None,
    team: Team | None = None,
    max_rows: int | None = None,
    on_total: Callable[[int], None] | None = None,
    bulk: bool | None = None,
    heartbeat: Callable[[], None] | None = None,
    before_commit: BeforeCommitFn | None = None,
) -> ImportReport:
    """Read and import a CSV or XLSX file (an open binary file). A file that cannot be read is
    one error on the report; nothing is written. `heartbeat` is called now and then while the
    file is counted (before any row is imported, when `progress` has nothing to say)."""
    report = ImportReport(kind=kind, dry_run=dry_run)
    try:
        total = count_data_rows(binary, name, limit=max_rows, tick=heartbeat)
        if on_total is not None:
            on_total(total)
        return import_rows(
            kind,
            read_rows(binary, name),
            actor=actor,
            dry_run=dry_run,
            progress=progress,
            team=team,
            total_rows=total,
            bulk=bulk,
            before_commit=before_commit,
        )
    except FileProblem as exc:
        report.add(None, "", str(exc))
        return report
