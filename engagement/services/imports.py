"""Bulk import from CSV and XLSX files, the same way for every kind (organizations, contacts,
engagements, implementation statuses, policy updates: engagement.services.import_kinds says what
each kind's columns are and which service writes its rows).

Files are read as Excel in Japan writes them: CSV in UTF-8 (with or without a byte-order mark)
or Shift_JIS (CP932, Excel's "CSV (comma delimited)" on a Japanese Windows), or XLSX. Header
names may be English or Japanese (see import_kinds.COLUMNS). Rows are streamed, never loaded into
a list: a 100,000-row file takes the memory of a few rows plus what the duplicate check keeps
(one key per organization name).

Every row goes through the same service as the API (organization_create, contact_create,
engagement_log, implementation_status_record, policy_update_create): the same rules, the same
history and timeline. One exception, for speed: an organizations file of BULK_MIN_ROWS rows or
more is written a batch at a time by _OrganizationBatches, which applies organization_create's
own validator, duplicate guard and steps (see there, and the test that holds it to the service).
A refused row is reported as {row, column, reason} for each message the service gave, with `row`
the row number as Excel shows it (the header is row 1) and `column` the header as written in the
file.

All or nothing: the whole import runs in one transaction. Each row is written through its service
(whose own atomic block is a savepoint: a refused row leaves the transaction usable, and the
importer adds no savepoint of its own). When any row is refused, or on a dry run, the transaction
is rolled back at the end: nothing is written and the report lists every bad row. Duplicates
within the file (the same normalised organization name in the same country, the same contact
email, the same status observation, the same policy update title on the same day) are reported
against the row that came first; a duplicate of a record already there is refused by the
service. So importing a file twice writes its records once: the second run is refused whole.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from django.db import DatabaseError, transaction
from django.db.models import Q
from django.utils import timezone

from engagement import policy
from engagement.errors import NotPermitted, ServiceError, ValidationFailed
from engagement.models import (
    MemberState,
    Organization,
    OrganizationKind,
    OrganizationNameKey,
    OrgType,
    Team,
)
from engagement.normalize import normalize_name
from engagement.services import directory
from engagement.services.import_kinds import (
    ALIASES,
    CHOICES,
    COLUMNS,
    IN_FILE_KEYS,
    KIND_MODELS,
    KINDS,
    Column,
    choice_map,
    create_record,
    header_key,
)

FORMATS = (".csv", ".xlsx")
PROGRESS_EVERY = 250
# Organization files of at least this many rows take the batched path (_OrganizationBatches).
BULK_MIN_ROWS = 1000
BULK_BATCH = 500
MAX_ID = 2**63 - 1
CSV_ENCODINGS = ("utf-8-sig", "cp932")

ProgressFn = Callable[[int], None]
Row = tuple[int, list[Any]]  # (row number as Excel shows it, cell values)

_CODE_SPLIT = re.compile(r"[;；、,\n]")
_REF_SPLIT = re.compile(r"[;；\n]")
_TRUE = {"1", "true", "yes", "y", "はい", "○", "〇", "有"}
_FALSE = {"0", "false", "no", "n", "いいえ", "×", "無"}
_FORMULA_ESCAPED = re.compile(r"^'[=+\-@]")


# --- Report -------------------------------------------------------------------------------------


@dataclass
class ImportReport:
    kind: str
    dry_run: bool
    total_rows: int = 0
    processed_rows: int = 0
    created: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def bad_rows(self) -> int:
        return len({e["row"] for e in self.errors})

    def add(self, row: int | None, column: str, reason: str) -> None:
        self.errors.append({"row": row, "column": column, "reason": reason})

    @property
    def written(self) -> bool:
        return self.ok and not self.dry_run

    def summary(self) -> str:
        noun = self.kind.replace("-", " ")
        if self.errors:
            return (
                f"{len(self.errors)} problem(s) in {self.bad_rows} row(s) of "
                f"{self.processed_rows}; nothing was written."
            )
        if self.dry_run:
            return (
                f"Dry run: all {self.processed_rows} row(s) can be imported as {noun}; "
                "nothing was written."
            )
        return f"Created {self.created} {noun}."


class FileProblem(Exception):
    """The file cannot be read at all (format, encoding, too many rows)."""


# --- Reading files ------------------------------------------------------------------------------


def file_format(name: str) -> str:
    lowered = (name or "").lower()
    for ext in FORMATS:
        if lowered.endswith(ext):
            return ext
    raise FileProblem("Upload a .csv or .xlsx file.")


def _blank(values: Iterable[Any]) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in values)


def detect_csv_encoding(binary: IO[bytes]) -> str:
    """UTF-8 (BOM or not) when the whole file decodes as UTF-8, otherwise CP932 (Shift_JIS as
    Excel writes it). Decodes in chunks: the file is never held in memory."""
    for encoding in CSV_ENCODINGS:
        binary.seek(0)
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            while chunk := binary.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        binary.seek(0)
        return encoding
    raise FileProblem("The file is neither UTF-8 nor Shift_JIS (CP932) text.")


def _csv_rows(binary: IO[bytes]) -> Iterator[Row]:
    encoding = detect_csv_encoding(binary)
    text = io.TextIOWrapper(binary, encoding=encoding, newline="")
    try:
        # A record that spans lines (a quoted line break) is one row in Excel: number records.
        yield from enumerate(csv.reader(text), start=1)
    except csv.Error as exc:
        raise FileProblem(f"The CSV file is malformed: {exc}.") from None
    finally:
        text.detach()


def _xlsx_rows(binary: IO[bytes]) -> Iterator[Row]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(binary, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise FileProblem(f"The file is not a readable XLSX workbook ({exc}).") from None
    try:
        sheet = workbook.worksheets[0]
        # The declared size may be wrong (some writers say A1): read what is there.
        sheet.reset_dimensions()
        # read_only mode fills in rows missing from the file, so the count is Excel's row number.
        for number, values in enumerate(sheet.iter_rows(min_row=1, values_only=True), start=1):
            yield number, list(values)
    finally:
        workbook.close()


def read_rows(binary: IO[bytes], name: str) -> Iterator[Row]:
    """Rows of the first sheet (XLSX) or the file (CSV), header first, streamed."""
    binary.seek(0)
    if file_format(name) == ".xlsx":
        return _xlsx_rows(binary)
    return _csv_rows(binary)


def count_data_rows(binary: IO[bytes], name: str, *, limit: int | None = None) -> int:
    """Non-blank rows after the header. Stops with FileProblem past `limit`."""
    count = 0
    for number, values in read_rows(binary, name):
        if number == 1 or _blank(values):
            continue
        count += 1
        if limit is not None and count > limit:
            raise FileProblem(
                f"The file has more than {limit:,} rows; the limit is {limit:,} "
                "(IMPORT_MAX_ROWS). Split it into smaller files."
            )
    binary.seek(0)
    return count


def declared_xlsx_rows(binary: IO[bytes]) -> int | None:
    """The row count an XLSX file declares (cheap: no rows are read), or None."""
    from openpyxl import load_workbook

    binary.seek(0)
    try:
        workbook = load_workbook(binary, read_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise FileProblem(f"The file is not a readable XLSX workbook ({exc}).") from None
    try:
        rows = workbook.worksheets[0].max_row
    finally:
        workbook.close()
        binary.seek(0)
    return rows - 1 if rows else None


# --- Cell values ------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    text = str(value).strip()
    # Our CSV export writes '=x as text for a value that starts like a formula: read it back.
    if _FORMULA_ESCAPED.match(text):
        text = text[1:]
    return text


_DATE_JA = re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?")
_DATETIME_FORMATS = ("%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%d %H:%M", "%Y/%m/%d")


def _as_datetime(value: Any) -> Any:
    """Excel's spellings of a time (2026/11/25 10:00, 2026年11月25日) as a naive datetime, read
    by the service in the importing person's time zone; anything else goes to the service as it
    is, to be accepted (ISO 8601) or refused there."""
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time())
    text = _text(value)
    text = _DATE_JA.sub(lambda m: f"{m[1]}/{m[2]}/{m[3]}", text).strip()
    for fmt in _DATETIME_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return f"{text}T00:00:00"
    return text


def _as_date(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    parsed = _as_datetime(value)
    return parsed.date() if isinstance(parsed, dt.datetime) else _text(value)


# --- Row context (lookups cached for the whole file) -----------------------------------------


class _Lookups:
    """Reference lookups the rows share. Organization names are cached in a bounded map."""

    NAME_CACHE = 5000

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.choices = {f: choice_map(kind, f) for (k, f) in CHOICES if k == kind}
        self.org_types = {}
        for t in OrgType.objects.all():
            for label in (t.code, t.name_en, t.name_ja):
                if label:
                    self.org_types[header_key(label)] = (t.code, t.kind)
        self.countries = {}
        for m in MemberState.objects.all():
            for label in (m.iso2, m.name_en, m.name_ja):
                if label:
                    self.countries[header_key(label)] = m.iso2
        for label in ("JP", "Japan", "日本"):
            self.countries[header_key(label)] = "JP"
        self._orgs: dict[str, int | str] = {}

    def organization(self, text: str) -> int | str:
        """An id for an id or an organization's exact name (English or Japanese); otherwise the
        reason it cannot be found."""
        if text.isdigit():
            return int(text) if int(text) <= MAX_ID else f"{text} is not an id."
        if text in self._orgs:
            return self._orgs[text]
        ids = list(
            Organization.objects.filter(Q(name=text) | Q(name_ja=text)).values_list("pk", flat=True)
        )
        if not ids and normalize_name(text):
            ids = sorted(
                set(
                    OrganizationNameKey.objects.filter(key=normalize_name(text)).values_list(
                        "organization_id", flat=True
                    )
                )
            )
        if len(ids) == 1:
            found: int | str = ids[0]
        elif ids:
            listed = ", ".join(map(str, sorted(ids)[:5]))
            found = f"{text!r} names several organizations (ids {listed}); give the id."
        else:
            found = f"No organization named {text!r}."
        if len(self._orgs) >= self.NAME_CACHE:
            self._orgs.clear()
        self._orgs[text] = found
        return found


# --- Rows to service calls ----------------------------------------------------------------------


class _RowProblems(Exception):
    def __init__(self, problems: dict[str, list[str]]) -> None:
        super().__init__("row problems")
        self.problems = problems


def _split(value: Any, pattern: re.Pattern) -> list[str]:
    return [part.strip() for part in pattern.split(_text(value)) if part.strip()]


def _convert(kind: str, col: Column, value: Any, lookups: _Lookups, problems) -> Any:
    if col.type == "list":
        return _split(value, _CODE_SPLIT)
    if col.type == "country":
        text = _text(value)
        return lookups.countries.get(header_key(text), text)
    if col.type == "countries":
        return [lookups.countries.get(header_key(c), c) for c in _split(value, _CODE_SPLIT)]
    if col.type == "bool":
        text = header_key(_text(value))
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        problems.setdefault(col.field, []).append("Enter yes or no (true/false, はい/いいえ).")
        return None
    if col.type == "choice":
        text = _text(value)
        return lookups.choices[col.field].get(header_key(text), text)
    if col.type == "datetime":
        return _as_datetime(value)
    if col.type == "date":
        return _as_date(value)
    if col.type == "id":
        text = _text(value)
        if not text.isdigit() or int(text) > MAX_ID:
            problems.setdefault(col.field, []).append(f"{text!r} is not an id.")
            return None
        return int(text)
    if col.type == "ref":
        found = lookups.organization(_text(value))
        if isinstance(found, str):
            problems.setdefault(col.field, []).append(found)
            return None
        return found
    if col.type == "refs":
        ids = []
        for part in _split(value, _REF_SPLIT):
            found = lookups.organization(part)
            if isinstance(found, str):
                problems.setdefault(col.field, []).append(found)
            else:
                ids.append(found)
        return ids
    text = _text(value)
    model_field = KIND_MODELS[kind]._meta.get_field(col.field)
    limit = getattr(model_field, "max_length", None)
    if limit and len(text) > limit:
        problems.setdefault(col.field, []).append(f"At most {limit} characters ({len(text)}).")
    return text


def _row_data(kind: str, values: dict[str, Any], lookups: _Lookups) -> dict[str, Any]:
    """The service's keyword arguments for one row. Blank cells are left out, so that the
    service applies its own default (and its own "required" message)."""
    problems: dict[str, list[str]] = {}
    data: dict[str, Any] = {}
    columns = {c.field: c for c in COLUMNS[kind]}
    for name, value in values.items():
        col = columns[name]
        if _blank([value]):
            if col.type in ("list", "countries"):
                data[name] = []
            continue
        converted = _convert(kind, col, value, lookups, problems)
        if converted is not None:
            data[name] = converted
    if kind == "organizations":
        _organization_defaults(data, lookups)
    if problems:
        raise _RowProblems(problems)
    return data


def _organization_defaults(data: dict[str, Any], lookups: _Lookups) -> None:
    """A file of institutions need not repeat what the type already says: the kind follows from
    the organization type, and a Japanese company is in JP."""
    if "org_type" in data:
        found = lookups.org_types.get(header_key(data["org_type"]))
        if found:
            data["org_type"] = found[0]
            data.setdefault("kind", found[1])
    if "country" not in data and data.get("kind") == OrganizationKind.JAPANESE_COMPANY:
        data["country"] = "JP"


class _InFileDuplicates:
    """Keys seen earlier in this file → their row, to refuse the second occurrence."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.seen: dict[str, int] = {}

    def check(self, row: int, data: dict[str, Any]) -> dict[str, list[str]]:
        if self.kind not in IN_FILE_KEYS:
            return {}
        keys_of, message = IN_FILE_KEYS[self.kind]
        keys = keys_of(data)
        problems: dict[str, list[str]] = {}
        for col, key in keys:
            first = self.seen.get(key)
            if first is not None and first != row:
                problems.setdefault(col, []).append(message.format(first))
        for _col, key in keys:
            self.seen.setdefault(key, row)
        return problems


# --- The import ---------------------------------------------------------------------------------


def _map_header(kind: str, cells: list[Any], report: ImportReport) -> dict[str, tuple[int, str]]:
    """{field: (cell index, header as written)}; unknown, repeated and missing columns are
    reported on row 1."""
    mapped: dict[str, tuple[int, str]] = {}
    for index, cell in enumerate(cells):
        text = _text(cell)
        if not text:
            continue
        col = ALIASES[kind].get(header_key(text))
        if col is None:
            known = ", ".join(c.field for c in COLUMNS[kind])
            report.add(
                1, text, f"Unknown column. Known columns: {known} (or their Japanese names)."
            )
        elif col.field in mapped:
            report.add(1, text, f"Same column as {mapped[col.field][1]!r}.")
        else:
            mapped[col.field] = (index, text)
    for col in COLUMNS[kind]:
        if col.required and col.field not in mapped:
            report.add(1, col.field, f"Required column is missing ({' / '.join(col.aliases)}).")
    return mapped


def import_rows(
    kind: str,
    rows_iter: Iterable[Row],
    *,
    actor: Any,
    dry_run: bool,
    progress: ProgressFn | None = None,
    team: Team | None = None,
    total_rows: int = 0,
    bulk: bool | None = None,
) -> ImportReport:
    """Import rows (header first) of `kind` as `actor` (None: a system import, for which
    engagements need `team`). Returns the report; writes only when every row is good and it
    is not a dry run. `bulk` (organizations only; default: when `total_rows` reaches
    BULK_MIN_ROWS) takes the batched path, which applies the service's own validation."""
    if kind not in KINDS:
        raise ValidationFailed({"kind": [f"Must be one of: {', '.join(KINDS)}."]})
    report = ImportReport(kind=kind, dry_run=dry_run, total_rows=total_rows)
    if actor is not None and not policy.can_create(actor, KIND_MODELS[kind]):
        raise NotPermitted(f"Your role may not create {kind.replace('-', ' ')}.")
    rows = iter(rows_iter)
    first = next(rows, None)
    if first is None or _blank(first[1]):
        report.add(1, "", "The first row must name the columns; it is empty.")
        return report
    mapped = _map_header(kind, first[1], report)
    if report.errors:
        return report
    zone = getattr(actor, "time_zone", None) or timezone.get_current_timezone_name()
    with timezone.override(zone), transaction.atomic():
        if bulk is None:
            bulk = total_rows >= BULK_MIN_ROWS
        batches = _OrganizationBatches(actor, report) if bulk and kind == "organizations" else None
        importer = _RowImporter(
            kind, mapped, actor=actor, team=team, report=report, batches=batches
        )
        for number, cells in rows:
            if _blank(cells):
                continue
            report.processed_rows += 1
            importer.row(number, cells)
            if progress is not None and report.processed_rows % PROGRESS_EVERY == 0:
                progress(report.processed_rows)
        if batches is not None:
            batches.flush(importer)
        if report.processed_rows == 0:
            report.add(2, "", "The file has no data rows under its header.")
        if not report.written:
            transaction.set_rollback(True)
    if progress is not None:
        progress(report.processed_rows)
    if report.errors:
        report.created = 0
        # In row order (the batched path finds a duplicate when its batch is written).
        report.errors.sort(key=lambda e: (e["row"] is not None, e["row"] or 0))
    return report


class _RowImporter:
    """One row at a time: cells to the service's arguments, the service call, the report."""

    def __init__(self, kind, mapped, *, actor, team, report: ImportReport, batches=None) -> None:
        self.kind = kind
        self.batches = batches
        self.mapped = mapped
        self.indexes = {index for index, _text in mapped.values()}
        self.header_of = {name: text for name, (_i, text) in mapped.items()}
        self.actor = actor
        self.team = team
        self.report = report
        self.lookups = _Lookups(kind)
        self.duplicates = _InFileDuplicates(kind)

    def row(self, number: int, cells: list[Any]) -> None:
        report = self.report
        for index, cell in enumerate(cells):
            if index not in self.indexes and not _blank([cell]):
                report.add(number, f"column {index + 1}", "A value in a column without a header.")
        values = {
            name: cells[index] if index < len(cells) else None
            for name, (index, _t) in self.mapped.items()
        }
        try:
            data = _row_data(self.kind, values, self.lookups)
            problems = self.duplicates.check(number, data)
            if problems:
                raise _RowProblems(problems)
            if self.batches is not None:
                self.batches.add(number, data, self)
                return
            create_record(self.kind, data, self.actor, self.team)
        except _RowProblems as exc:
            _report_fields(report, number, exc.problems, self.header_of, "")
        except NotPermitted:
            raise
        except ServiceError as exc:
            _report_fields(report, number, exc.errors, self.header_of, exc.detail)
        except DatabaseError as exc:
            # A rule only the database knows; the service's savepoint has undone the row.
            report.add(number, "", f"The database refused this row: {exc}".strip())
        else:
            report.created += 1

    def service_error(self, number: int, exc: ServiceError) -> None:
        _report_fields(self.report, number, exc.errors, self.header_of, exc.detail)

    def one_by_one(self, number: int, data: dict[str, Any]) -> None:
        """The per-row path for one row that has passed the file's own checks."""
        try:
            create_record(self.kind, data, self.actor, self.team)
        except ServiceError as exc:
            self.service_error(number, exc)
        except DatabaseError as exc:
            self.report.add(number, "", f"The database refused this row: {exc}".strip())
        else:
            self.report.created += 1


class _OrganizationBatches:
    """The batched path for large organization files: organization_create, a batch at a time.

    Called one row at a time, organization_create takes about 5 ms a row on SQLite, nearly all
    of it in the ORM: 100,000 rows would take over ten minutes. This path applies the service's
    own steps and helpers (engagement.services.directory) in the same order, but writes a batch
    of rows in a few statements:

    - each row is validated by the service's validator (_validate_organization: same rules,
      same messages) and applied to a new Organization by the service's _apply;
    - the duplicate guard looks up the batch's name keys (the service's _name_keys) in one query
      and refuses a clash with the service's own Conflict (_duplicate_error);
    - organizations, their history records (as the service's save records them: type "+", the
      importing person as history user), name keys and many-to-many links are bulk-inserted,
      and the service's follow-up hook (matching_profile_changed) runs for each new row.

    The unique name-key constraint still holds the line against someone creating the same
    organization meanwhile: if a batch's insert fails, its savepoint is rolled back and the
    batch is replayed row by row through organization_create, which names the row. A test
    (test_imports.py) imports one file both ways and compares every table, so that a step added
    to organization_create later and missing here fails the suite.
    """

    def __init__(self, actor: Any, report: ImportReport) -> None:
        self.actor = actor
        self.report = report
        # (row number, the row's data, the organization to insert, its clean input, its keys)
        self.pending: list[tuple[int, dict[str, Any], Organization, Any, set[str]]] = []

    def add(self, number: int, data: dict[str, Any], rows: _RowImporter) -> None:
        try:
            clean = directory._validate_organization(data, None)
        except ServiceError as exc:
            rows.service_error(number, exc)
            return
        org = Organization()
        directory._apply(org, clean)
        self.pending.append((number, data, org, clean, directory._name_keys(org)))
        if len(self.pending) >= BULK_BATCH:
            self.flush(rows)

    def flush(self, rows: _RowImporter) -> None:
        pending, self.pending = self.pending, []
        if not pending:
            return
        wanted = {(org.country, key) for _n, _d, org, _c, keys in pending for key in keys}
        existing = {
            (nk.country, nk.key): nk.organization
            for nk in OrganizationNameKey.objects.filter(
                country__in={c for c, _k in wanted}, key__in={k for _c, k in wanted}
            ).select_related("organization")
        }
        good = []
        for entry in pending:
            number, _data, org, _clean, keys = entry
            clashes = [
                existing[(org.country, k)] for k in sorted(keys) if (org.country, k) in existing
            ]
            if clashes:
                rows.service_error(number, directory._duplicate_error(clashes[0]))
            else:
                good.append(entry)
        if self.report.errors:
            # The import will be refused: checking the rest of the rows needs no writes. (Rows
            # of this batch that would duplicate each other were refused by the file's check.)
            self.report.created += len(good)
            return
        try:
            with transaction.atomic():
                self._write(good)
        except DatabaseError:  # IntegrityError included: see the class's docstring
            for number, data, *_rest in good:
                rows.one_by_one(number, data)
        else:
            self.report.created += len(good)

    def _write(self, batch) -> None:
        orgs = [org for _n, _d, org, _c, _k in batch]
        Organization.objects.bulk_create(orgs)
        Organization.history.bulk_history_create(
            orgs, default_user=self.actor, default_change_reason=None
        )
        OrganizationNameKey.objects.bulk_create(
            OrganizationNameKey(organization=org, country=org.country, key=key)
            for _n, _d, org, _c, keys in batch
            for key in sorted(keys)
        )
        for name in directory.ORGANIZATION_M2M_FIELDS:
            m2m = Organization._meta.get_field(name)
            through = m2m.remote_field.through
            source, target = m2m.m2m_field_name(), m2m.m2m_reverse_field_name()
            through.objects.bulk_create(
                through(**{f"{source}_id": org.pk, f"{target}_id": value.pk})
                for _n, _d, org, clean, _k in batch
                for value in clean.m2m.get(name) or []
            )
        for org in orgs:
            directory.matching_profile_changed(organization=org)


def _report_fields(report, number, errors, header_of, detail) -> None:
    if not errors:
        report.add(number, "", detail)
    for name, messages in errors.items():
        column = header_of.get(name, "" if name == "non_field_errors" else name)
        for message in messages:
            report.add(number, column, message)


def import_file(
    kind: str,
    binary: IO[bytes],
    name: str,
    *,
    actor: Any,
    dry_run: bool,
    progress: ProgressFn | None = None,
    team: Team | None = None,
    max_rows: int | None = None,
    on_total: Callable[[int], None] | None = None,
    bulk: bool | None = None,
) -> ImportReport:
    """Read and import a CSV or XLSX file (an open binary file). A file that cannot be read is
    one error on the report; nothing is written."""
    report = ImportReport(kind=kind, dry_run=dry_run)
    try:
        total = count_data_rows(binary, name, limit=max_rows)
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
        )
    except FileProblem as exc:
        report.add(None, "", str(exc))
        return report
