"""Codes, months and years as projects and incentives write them: shared by the services and the
reference loader."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

CODE = re.compile(r"^[A-Z0-9][A-Z0-9._-]{1,59}$")
YEARS = (1990, 2100)


def parse_month(value: Any) -> dt.date | None:
    """ "2025-08" or a date → the first day of that month; None when it is neither."""
    if isinstance(value, dt.date):
        return value.replace(day=1)
    text = str(value or "").strip()
    try:
        if re.fullmatch(r"\d{4}-\d{2}", text):
            return dt.date.fromisoformat(f"{text}-01")
        return dt.date.fromisoformat(text).replace(day=1)
    except ValueError:
        return None


def parse_year(value: Any) -> int | None:
    text = str(value if value is not None else "").strip()
    if not re.fullmatch(r"\d{4}", text):
        return None
    year = int(text)
    return year if YEARS[0] <= year <= YEARS[1] else None
