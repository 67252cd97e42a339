"""The outcome of an import: every bad row as {row, column, reason}, and the counts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


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
