"""Bulk import from CSV and XLSX files, the same way for every kind (organizations, contacts,
engagements, implementation statuses, policy updates).

- kinds: each kind's columns (English and Japanese headers), choices, duplicate keys, service;
- reading: files as Excel in Japan writes them (CSV in UTF-8 or Shift_JIS, XLSX), streamed;
- cells: one cell's value as the services want it (text, dates, yes/no, codes, ids);
- rows: the header mapped to columns, each row converted and written through its service;
- batches: the batched path for large organization files;
- engine: the import as a whole (import_rows, import_file);
- report: the outcome, every bad row as {row, column, reason}.

Rows are streamed, never loaded into a list: a 100,000-row file takes the memory of a few rows
plus what the duplicate check keeps (one key per organization name).

Every row goes through the same service as the API (organization_create, contact_create,
engagement_log, implementation_status_record, policy_update_create): the same rules, the same
history and timeline. One exception, for speed: an organizations file of BULK_MIN_ROWS rows or
more is written a batch at a time (imports.batches), which applies organization_create's own
validator, duplicate guard and steps. A refused row is reported as {row, column, reason} for
each message the service gave, with `row` the row number as Excel shows it (the header is row 1)
and `column` the header as written in the file.

All or nothing: the whole import runs in one transaction. Each row is written through its service
(whose own atomic block is a savepoint: a refused row leaves the transaction usable, and the
importer adds no savepoint of its own). When any row is refused, or on a dry run, the transaction
is rolled back at the end: nothing is written and the report lists every bad row. Duplicates
within the file (the same normalised organization name in the same country, the same contact
email, the same status observation, the same policy update title on the same day) are reported
against the row that came first; a duplicate of a record already there is refused by the
service. So importing a file twice writes its records once: the second run is refused whole.

Every message (a reason on the report, a refusal, the summary) is in the language active when it
is made: a background run and the import_data command activate the uploader's.
"""

from engagement.services.imports.engine import (
    BULK_MIN_ROWS,
    PROGRESS_EVERY,
    ProgressFn,
    import_file,
    import_rows,
)
from engagement.services.imports.kinds import KIND_MODELS, KINDS, column_help, kind_noun
from engagement.services.imports.reading import (
    FORMATS,
    FileProblem,
    count_data_rows,
    declared_xlsx_rows,
    detect_csv_encoding,
    file_format,
    read_rows,
)
from engagement.services.imports.report import ImportReport

__all__ = [
    "BULK_MIN_ROWS",
    "FORMATS",
    "KINDS",
    "KIND_MODELS",
    "PROGRESS_EVERY",
    "FileProblem",
    "ImportReport",
    "ProgressFn",
    "column_help",
    "count_data_rows",
    "declared_xlsx_rows",
    "detect_csv_encoding",
    "file_format",
    "import_file",
    "import_rows",
    "kind_noun",
    "read_rows",
]
