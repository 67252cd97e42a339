"""One cell's value as the services want it, from what Excel (or a CSV writer) put there: text,
times and dates (including Japanese dates), yes/no, lists of codes, ids. Plain values in and
out, no database: engagement.services.imports.rows applies them column by column."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from engagement.services.imports.kinds import header_key

MAX_ID = 2**63 - 1  # the largest id a database row may have (a signed 64-bit integer)

_CODE_SPLIT = re.compile(r"[;；、,\n]")
# Organization names may hold commas and 、, so references are split on semicolons and lines only.
_REF_SPLIT = re.compile(r"[;；\n]")
_TRUE = {"1", "true", "yes", "y", "はい", "○", "〇", "有"}
_FALSE = {"0", "false", "no", "n", "いいえ", "×", "無"}
_FORMULA_ESCAPED = re.compile(r"^'[=+\-@]")
_DATE_JA = re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?")
_DATETIME_FORMATS = ("%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%d %H:%M", "%Y/%m/%d")


def cell_text(value: Any) -> str:
    """A cell as text: an XLSX cell may hold a number, a date or a boolean."""
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


def as_datetime(value: Any) -> Any:
    """Excel's spellings of a time (2026/11/25 10:00, 2026年11月25日) as a naive datetime, read
    by the service in the importing person's time zone; anything else goes to the service as it
    is, to be accepted (ISO 8601) or refused there."""
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time())
    text = cell_text(value)
    text = _DATE_JA.sub(lambda m: f"{m[1]}/{m[2]}/{m[3]}", text).strip()
    for fmt in _DATETIME_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return f"{text}T00:00:00"
    return text


def as_date(value: Any) -> Any:
    """A date for any spelling as_datetime reads; otherwise the text, for the service to refuse."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    parsed = as_datetime(value)
    return parsed.date() if isinstance(parsed, dt.datetime) else cell_text(value)


def as_bool(value: Any) -> bool | None:
    """True or False for the ways a sheet says yes or no (はい, ○, 1, ...); None for anything
    else, which the caller reports."""
    text = header_key(cell_text(value))
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return None


def as_id(text: str) -> int | None:
    """The id a text spells, or None when it is not one a row could have."""
    if not text.isdigit() or int(text) > MAX_ID:
        return None
    return int(text)


def split_codes(value: Any) -> list[str]:
    """Several codes in one cell, separated by ; , 、 or line breaks."""
    return _split(value, _CODE_SPLIT)


def split_refs(value: Any) -> list[str]:
    """Several organizations (ids or names) in one cell, separated by ; or line breaks."""
    return _split(value, _REF_SPLIT)


def _split(value: Any, pattern: re.Pattern) -> list[str]:
    return [part.strip() for part in pattern.split(cell_text(value)) if part.strip()]
