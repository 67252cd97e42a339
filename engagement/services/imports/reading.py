"""Reading files as Excel in Japan writes them: CSV in UTF-8 (with or without a byte-order mark)
or Shift_JIS (CP932, Excel's "CSV (comma delimited)" on a Japanese Windows), or XLSX.

Rows are streamed, never loaded into a list, and numbered as Excel shows them (the header is
row 1), so that a report's row numbers are the ones the person sees.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any

from django.utils.translation import gettext as _

FORMATS = (".csv", ".xlsx")
CSV_ENCODINGS = ("utf-8-sig", "cp932")
TICK_EVERY = 1000  # rows counted between two calls of count_data_rows' `tick`

Row = tuple[int, list[Any]]  # (row number as Excel shows it, cell values)


class FileProblem(Exception):
    """The file cannot be read at all (format, encoding, too many rows). Its message is in the
    language active when it is raised: the reader's, or the uploader's in a background import."""


def file_format(name: str) -> str:
    lowered = (name or "").lower()
    for ext in FORMATS:
        if lowered.endswith(ext):
            return ext
    raise FileProblem(_("Upload a .csv or .xlsx file."))


def is_blank(values: Iterable[Any]) -> bool:
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
    raise FileProblem(_("The file is neither UTF-8 nor Shift_JIS (CP932) text."))


def _csv_rows(binary: IO[bytes]) -> Iterator[Row]:
    encoding = detect_csv_encoding(binary)
    text = io.TextIOWrapper(binary, encoding=encoding, newline="")
    try:
        # A record that spans lines (a quoted line break) is one row in Excel: number records.
        yield from enumerate(csv.reader(text), start=1)
    except csv.Error as exc:
        raise FileProblem(_("The CSV file is malformed: %(problem)s.") % {"problem": exc}) from None
    finally:
        text.detach()


def _open_workbook(binary: IO[bytes], **options: Any):
    from openpyxl import load_workbook  # only XLSX imports pay for openpyxl

    try:
        return load_workbook(binary, read_only=True, **options)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise FileProblem(
            _("The file is not a readable XLSX workbook (%(problem)s).") % {"problem": exc}
        ) from None


def _xlsx_rows(binary: IO[bytes]) -> Iterator[Row]:
    workbook = _open_workbook(binary, data_only=True)
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


def count_data_rows(
    binary: IO[bytes],
    name: str,
    *,
    limit: int | None = None,
    tick: Callable[[], None] | None = None,
) -> int:
    """Non-blank rows after the header. Stops with FileProblem past `limit`. Calls `tick` every
    TICK_EVERY rows: counting a large workbook takes a while, and a background import must show
    meanwhile that it is alive (engagement.services.import_jobs)."""
    count = 0
    for number, values in read_rows(binary, name):
        if number == 1 or is_blank(values):
            continue
        count += 1
        if tick is not None and count % TICK_EVERY == 0:
            tick()
        if limit is not None and count > limit:
            raise FileProblem(
                _(
                    "The file has more than %(limit)s rows; the limit is %(limit)s "
                    "(IMPORT_MAX_ROWS). Split it into smaller files."
                )
                % {"limit": f"{limit:,}"}
            )
    binary.seek(0)
    return count


def declared_xlsx_rows(binary: IO[bytes]) -> int | None:
    """The row count an XLSX file declares (cheap: no rows are read), or None."""
    binary.seek(0)
    workbook = _open_workbook(binary)
    try:
        rows = workbook.worksheets[0].max_row
    finally:
        workbook.close()
        binary.seek(0)
    return rows - 1 if rows else None
