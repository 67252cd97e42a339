"""The outcome of an import: every bad row as {row, column, reason}, and the counts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from engagement.services.imports.kinds import kind_noun


@dataclass
class ImportReport:
    kind: str
    dry_run: bool
    total_rows: int = 0
    processed_rows: int = 0
    created: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    # What does not stop the import but deserves a look: rows that likely duplicate an
    # organization already in the directory (engagement.services.imports.likely).
    warnings: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def bad_rows(self) -> int:
        return len({e["row"] for e in self.errors})

    def add(self, row: int | None, column: str, reason: str) -> None:
        self.errors.append({"row": row, "column": column, "reason": reason})

    def add_field_errors(
        self,
        row: int,
        errors: Mapping[str, Sequence[str]],
        header_of: Mapping[str, str],
        detail: str,
    ) -> None:
        """A service's refusal of one row: each message under the column as the file names it
        (a service speaks of fields, the person wrote headers), or the refusal's detail when it
        names no field."""
        if not errors:
            self.add(row, "", detail)
        for name, messages in errors.items():
            column = header_of.get(name, "" if name == "non_field_errors" else name)
            for message in messages:
                self.add(row, column, message)

    @property
    def written(self) -> bool:
        return self.ok and not self.dry_run

    def summary(self) -> str:
        """One line on the outcome, in the active language."""
        if self.errors:
            return _(
                "%(problems)s problem(s) in %(rows)s row(s) of %(processed)s; nothing was written."
            ) % {
                "problems": len(self.errors),
                "rows": self.bad_rows,
                "processed": self.processed_rows,
            }
        if self.dry_run:
            return _(
                "Dry run: all %(rows)s row(s) can be imported as %(records)s; nothing was written."
            ) % {"rows": self.processed_rows, "records": kind_noun(self.kind)}
        return _("Created %(count)s %(records)s.") % {
            "count": self.created,
            "records": kind_noun(self.kind),
        }
