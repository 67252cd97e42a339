"""`?format=csv` and `?format=xlsx` on list endpoints: every record the same filters (and the
same access scope) select, streamed, not paged.

- CSV: UTF-8 with a byte-order mark, so that Excel opens Japanese text correctly; written while
  the queryset is read in chunks (`.iterator(chunk_size=2000)`, prefetches per chunk), so the
  number of queries does not grow with the number of rows and memory stays flat.
- XLSX: an openpyxl write-only workbook, saved to a spooled temporary file (memory up to 16 MB,
  then disk) and streamed from there.

Columns are the JSON list's fields, in its order; reference data is written as codes joined by
";", nested values as JSON. A text that Excel would take for a formula (=, +, -, @ first) is
written with a leading apostrophe in CSV and as a text cell in XLSX.
"""

from __future__ import annotations

import csv
import json
import tempfile
from collections.abc import Iterator
from typing import Any

from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import JSONRenderer

EXPORT_FORMATS = ("csv", "xlsx")
CHUNK_SIZE = 2000
CSV_BUFFER = 64 * 1024
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SPOOL_BYTES = 16 * 1024 * 1024
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

FORMAT_PARAMETER = OpenApiParameter(
    "format",
    OpenApiTypes.STR,
    OpenApiParameter.QUERY,
    required=False,
    enum=["json", *EXPORT_FORMATS],
    description=(
        "`csv` (UTF-8 with BOM) or `xlsx`: download every record these filters select, as a "
        "file (streamed, not paged; same filters, ordering and access as the JSON list). "
        "Reference data as codes joined by `;`."
    ),
)


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        if all(not isinstance(v, dict | list) for v in value):
            return ";".join("" if v is None else str(v) for v in value)
        return json.dumps(value, ensure_ascii=False, default=str)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, default=str)
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


class _Echo:
    def write(self, value: str) -> str:
        return value


class ExportMixin:
    """For a list view whose serializer is its output: `?format=csv|xlsx` answers a file."""

    export_exclude: tuple[str, ...] = ("allowed_moves",)

    def _export_format(self, request) -> str | None:
        if getattr(self, "action", None) != "list":
            return None
        fmt = request.query_params.get("format")
        return fmt if fmt in EXPORT_FORMATS else None

    def perform_content_negotiation(self, request, force=False):
        # DRF would look for a renderer named by `format` and answer 404 (or ignore an empty
        # one); a value outside the schema's enum is a malformed request, answered 400 like
        # every other bad parameter. The file is not rendered by DRF, and errors (401, 400 on
        # a bad filter) stay JSON.
        listing = getattr(self, "action", None) == "list"
        if listing and not force and "format" in request.query_params:
            fmt = request.query_params.get("format")
            # `api` (the browsable API in a browser) stays too.
            renderers = {renderer.format for renderer in self.get_renderers()}
            if fmt not in {*(FORMAT_PARAMETER.enum or ()), *renderers}:
                self._refuse_format(fmt)
        if self._export_format(request):
            renderer = JSONRenderer()
            return renderer, renderer.media_type
        return super().perform_content_negotiation(request, force)

    @staticmethod
    def _refuse_format(fmt: str | None) -> None:
        # Negotiation runs before the view picks a renderer: answer in JSON.
        choices = ", ".join(FORMAT_PARAMETER.enum or ())
        raise ValidationError({"format": [f"{fmt!r} is not one of: {choices}."]})

    @extend_schema(parameters=[FORMAT_PARAMETER])
    def list(self, request, *args, **kwargs):
        fmt = self._export_format(request)
        if fmt is None:
            return super().list(request, *args, **kwargs)
        if self.paginator is not None:
            # A file has every record, but a page_size that does not read is still refused.
            self.paginator.get_page_size(request)
        header, rows = self._export_rows(request)
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
        filename = f"{self.basename}-{stamp}.{fmt}"
        if fmt == "csv":
            response = StreamingHttpResponse(
                csv_stream(header, rows), content_type="text/csv; charset=utf-8"
            )
            response["Content-Disposition"] = f'attachment; filename="{filename}"'
            return response
        return FileResponse(
            _xlsx_file(self.basename, header, rows),
            as_attachment=True,
            filename=filename,
            content_type=XLSX_TYPE,
        )

    def _export_rows(self, request) -> tuple[list[str], Iterator[list[Any]]]:
        queryset = self.filter_queryset(self.get_queryset())
        if not request.query_params.get("ordering"):
            queryset = queryset.order_by("id")  # as the JSON list pages them
        serializer = self.get_serializer()
        names = [n for n in serializer.fields if n not in self.export_exclude]

        def rows() -> Iterator[list[Any]]:
            for obj in queryset.iterator(chunk_size=CHUNK_SIZE):
                data = serializer.to_representation(obj)
                yield [_cell(data.get(n)) for n in names]

        return names, rows()


def csv_stream(header: list[str], rows: Iterator[list[Any]]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    buffer = ["\ufeff", writer.writerow(header)]
    size = 0
    for row in rows:
        line = writer.writerow(
            [f"'{v}" if isinstance(v, str) and v.startswith(FORMULA_START) else v for v in row]
        )
        buffer.append(line)
        size += len(line)
        if size >= CSV_BUFFER:
            yield "".join(buffer)
            buffer, size = [], 0
    yield "".join(buffer)


def _xlsx_file(title: str, header: list[str], rows: Iterator[list[Any]]):
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append(header)
    for row in rows:
        cells = []
        for value in row:
            if isinstance(value, str):
                cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value))
                cell.data_type = "s"  # never a formula, whatever the text starts with
                cells.append(cell)
            else:
                cells.append(value)
        sheet.append(cells)
    # Returned open: the FileResponse streams it and closes it when the response is done.
    spooled = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115
    workbook.save(spooled)
    spooled.seek(0)
    return spooled
