"""Warnings, not errors: organization rows that likely duplicate an organization already in the
directory, or another row of the same file. The exact duplicate guard still refuses a row whose
name is already taken; this catches what it cannot (a legal form, a typo, an abbreviation, the
same website) and names the record to check, without stopping the import."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import Max
from django.utils.translation import gettext as _

from engagement.duplicates import REASON_LABELS, Named, likely_pairs
from engagement.models import Organization
from engagement.services.imports.report import ImportReport


def last_organization_id() -> int:
    """The newest organization before an import: what the import writes comes after it."""
    return Organization.objects.aggregate(last=Max("pk"))["last"] or 0


def _reasons(codes: tuple[str, ...]) -> str:
    return _("; ").join(str(REASON_LABELS[c]) for c in codes)


def warn_likely_duplicates(
    report: ImportReport,
    rows: list[tuple[int, dict[str, Any]]],
    header_of: Mapping[str, str],
    before: int,
) -> None:
    """Add a warning to `report` for each row that likely duplicates an organization that was
    in the directory before the import (pk <= `before`), or an earlier row of the file."""
    if not rows:
        return
    incoming = [
        Named(
            -number,  # rows get negative ids: they never meet a record's
            str(data.get("country") or ""),
            str(data.get("name") or ""),
            str(data.get("name_ja") or ""),
            str(data.get("website") or ""),
        )
        for number, data in rows
    ]
    countries = {row.country for row in incoming}
    existing = Organization.objects.filter(
        pk__lte=before, archived_at__isnull=True, country__in=countries
    ).values_list("pk", "country", "name", "name_ja", "website")
    known = {pk: name for pk, _c, name, _j, _w in existing}
    column = header_of.get("name", "name")
    warnings = []
    for pair in likely_pairs([*incoming, *(Named(*row) for row in existing)]):
        row, other = sorted((pair.first, pair.second))  # the row (negative) comes first
        if row >= 0:
            continue
        if other > 0:
            reason = _("Likely a duplicate of %(name)s (id %(id)s): %(reasons)s.") % {
                "name": known[other],
                "id": other,
                "reasons": _reasons(pair.reasons),
            }
            warnings.append((-row, reason))
        else:  # two rows of the file: warn on the later one
            first, later = sorted((-row, -other))
            reason = _("Likely the same organization as row %(row)s: %(reasons)s.") % {
                "row": first,
                "reasons": _reasons(pair.reasons),
            }
            warnings.append((later, reason))
    for number, reason in sorted(warnings):
        report.warnings.append({"row": number, "column": column, "reason": reason})
