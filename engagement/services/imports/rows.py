"""Rows to service calls: the header mapped to each kind's columns, each row's cells converted
to its service's keyword arguments, duplicates within the file refused, the service called and
its refusals reported against the row and column as the file names them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import DatabaseError
from django.db.models import Q
from django.utils.translation import gettext as _

from engagement.errors import NotPermitted, ServiceError
from engagement.models import (
    MemberState,
    Organization,
    OrganizationKind,
    OrganizationNameKey,
    OrgType,
    Team,
)
from engagement.normalize import normalize_name
from engagement.rules import TextLimit
from engagement.services.imports import cells
from engagement.services.imports.kinds import (
    ALIASES,
    CHOICES,
    COLUMNS,
    IN_FILE_KEYS,
    KIND_MODELS,
    Column,
    choice_map,
    create_record,
    header_key,
)
from engagement.services.imports.reading import is_blank
from engagement.services.imports.report import ImportReport

if TYPE_CHECKING:
    from engagement.policy import Actor
    from engagement.services.imports.batches import OrganizationBatches

Problems = dict[str, list[str]]  # field → messages, as a service's ValidationFailed has them


class RowProblems(Exception):
    """A row refused before its service is called (a cell that does not convert, a duplicate
    of an earlier row)."""

    def __init__(self, problems: Problems) -> None:
        super().__init__("row problems")
        self.problems = problems


def map_header(kind: str, row_cells: list[Any], report: ImportReport) -> dict[str, tuple[int, str]]:
    """{field: (cell index, header as written)}; unknown, repeated and missing columns are
    reported on row 1."""
    mapped: dict[str, tuple[int, str]] = {}
    for index, cell in enumerate(row_cells):
        text = cells.cell_text(cell)
        if not text:
            continue
        col = ALIASES[kind].get(header_key(text))
        if col is None:
            known = ", ".join(c.field for c in COLUMNS[kind])
            report.add(
                1,
                text,
                _("Unknown column. Known columns: %(known)s (or their Japanese names).")
                % {"known": known},
            )
        elif col.field in mapped:
            report.add(
                1, text, _("Same column as %(header)s.") % {"header": repr(mapped[col.field][1])}
            )
        else:
            mapped[col.field] = (index, text)
    for col in COLUMNS[kind]:
        if col.required and col.field not in mapped:
            report.add(
                1,
                col.field,
                _("Required column is missing (%(names)s).") % {"names": " / ".join(col.aliases)},
            )
    return mapped


class Lookups:
    """Reference lookups the rows share, read once per file. Organization names are cached in
    a bounded map: a 100,000-row file must not grow it without end."""

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
            found_id = cells.as_id(text)
            if found_id is None:
                return _("%(value)s is not an id.") % {"value": text}
            return found_id
        if text not in self._orgs:
            if len(self._orgs) >= self.NAME_CACHE:
                self._orgs.clear()
            self._orgs[text] = self._find_organization(text)
        return self._orgs[text]

    def _find_organization(self, text: str) -> int | str:
        ids = list(
            Organization.objects.filter(Q(name=text) | Q(name_ja=text)).values_list("pk", flat=True)
        )
        if not ids and normalize_name(text):
            # Another spelling of the name (株式会社, width, case): the duplicate guard's keys.
            keys = OrganizationNameKey.objects.filter(key=normalize_name(text))
            ids = sorted(set(keys.values_list("organization_id", flat=True)))
        if len(ids) == 1:
            return ids[0]
        if ids:
            listed = ", ".join(map(str, sorted(ids)[:5]))
            return _("%(name)s names several organizations (ids %(ids)s); give the id.") % {
                "name": repr(text),
                "ids": listed,
            }
        return _("No organization named %(name)s.") % {"name": repr(text)}


class RowValues:
    """A row's cells → its kind's service keyword arguments. Blank cells are left out, so that
    the service applies its own default (and its own "required" message)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.lookups = Lookups(kind)
        self.columns = {c.field: c for c in COLUMNS[kind]}
        self._by_type = {
            "list": self._codes,
            "country": self._country,
            "countries": self._countries,
            "bool": self._bool,
            "choice": self._choice,
            "datetime": lambda _col, value, _problems: cells.as_datetime(value),
            "date": lambda _col, value, _problems: cells.as_date(value),
            "id": self._id,
            "ref": self._ref,
            "refs": self._refs,
        }

    def data(self, values: dict[str, Any]) -> dict[str, Any]:
        """Raises RowProblems naming every cell that does not convert."""
        problems: Problems = {}
        data: dict[str, Any] = {}
        for name, value in values.items():
            col = self.columns[name]
            if is_blank([value]):
                if col.type in ("list", "countries"):
                    data[name] = []
                continue
            converted = self._by_type.get(col.type, self._text)(col, value, problems)
            if converted is not None:
                data[name] = converted
        if self.kind == "organizations":
            self._organization_defaults(data)
        if problems:
            raise RowProblems(problems)
        return data

    def _organization_defaults(self, data: dict[str, Any]) -> None:
        """A file of institutions need not repeat what the type already says: the kind follows
        from the organization type, and a Japanese company is in JP."""
        if "org_type" in data:
            found = self.lookups.org_types.get(header_key(data["org_type"]))
            if found:
                data["org_type"] = found[0]
                data.setdefault("kind", found[1])
        if "country" not in data and data.get("kind") == OrganizationKind.JAPANESE_COMPANY:
            data["country"] = "JP"

    # Converters by column type (kinds.Column.type). A value the lookups do not know goes to the
    # service as written, so that the refusal is the service's own message.

    def _text(self, col: Column, value: Any, problems: Problems) -> str:
        text = cells.cell_text(value)
        model_field = KIND_MODELS[self.kind]._meta.get_field(col.field)
        limit = getattr(model_field, "max_length", None)
        too_long = TextLimit(limit).problem(text) if limit else None
        if too_long:
            problems.setdefault(col.field, []).append(too_long)
        return text

    def _codes(self, col: Column, value: Any, problems: Problems) -> list[str]:
        return cells.split_codes(value)

    def _country(self, col: Column, value: Any, problems: Problems) -> str:
        text = cells.cell_text(value)
        return self.lookups.countries.get(header_key(text), text)

    def _countries(self, col: Column, value: Any, problems: Problems) -> list[str]:
        return [self.lookups.countries.get(header_key(c), c) for c in cells.split_codes(value)]

    def _bool(self, col: Column, value: Any, problems: Problems) -> bool | None:
        answer = cells.as_bool(value)
        if answer is None:
            problems.setdefault(col.field, []).append(
                _("Enter yes or no (true/false, はい/いいえ).")
            )
        return answer

    def _choice(self, col: Column, value: Any, problems: Problems) -> str:
        text = cells.cell_text(value)
        return self.lookups.choices[col.field].get(header_key(text), text)

    def _id(self, col: Column, value: Any, problems: Problems) -> int | None:
        text = cells.cell_text(value)
        found = cells.as_id(text)
        if found is None:
            problems.setdefault(col.field, []).append(
                _("%(value)s is not an id.") % {"value": repr(text)}
            )
        return found

    def _ref(self, col: Column, value: Any, problems: Problems) -> int | None:
        found = self.lookups.organization(cells.cell_text(value))
        if isinstance(found, str):
            problems.setdefault(col.field, []).append(found)
            return None
        return found

    def _refs(self, col: Column, value: Any, problems: Problems) -> list[int]:
        ids = []
        for part in cells.split_refs(value):
            found = self.lookups.organization(part)
            if isinstance(found, str):
                problems.setdefault(col.field, []).append(found)
            else:
                ids.append(found)
        return ids


class InFileDuplicates:
    """Keys seen earlier in this file → their row, to refuse the second occurrence. Only the
    keys are kept (one per organization name, say), not the rows."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.seen: dict[str, int] = {}

    def check(self, row: int, data: dict[str, Any]) -> Problems:
        if self.kind not in IN_FILE_KEYS:
            return {}
        keys_of, message = IN_FILE_KEYS[self.kind]
        keys = keys_of(data)
        problems: Problems = {}
        for col, key in keys:
            first = self.seen.get(key)
            if first is not None and first != row:
                problems.setdefault(col, []).append(_(message) % {"row": first})
        for _col, key in keys:
            self.seen.setdefault(key, row)
        return problems


class RowImporter:
    """One row at a time: cells to the service's arguments, the service call, the report."""

    def __init__(
        self,
        kind: str,
        mapped: dict[str, tuple[int, str]],
        *,
        actor: Actor,
        team: Team | None,
        report: ImportReport,
        batches: OrganizationBatches | None = None,
    ) -> None:
        self.kind = kind
        self.batches = batches
        self.mapped = mapped
        self.indexes = {index for index, _text in mapped.values()}
        self.header_of = {name: text for name, (_i, text) in mapped.items()}
        self.actor = actor
        self.team = team
        self.report = report
        self.values = RowValues(kind)
        self.duplicates = InFileDuplicates(kind)
        # (row number, the row's organization fields): checked for likely duplicates at the end.
        self.organizations: list[tuple[int, dict[str, Any]]] = []

    def row(self, number: int, row_cells: list[Any]) -> None:
        self._report_headerless_values(number, row_cells)
        values = {
            name: row_cells[index] if index < len(row_cells) else None
            for name, (index, _t) in self.mapped.items()
        }
        try:
            data = self.values.data(values)
            problems = self.duplicates.check(number, data)
            if problems:
                raise RowProblems(problems)
            if self.kind == "organizations":
                self.organizations.append((number, data))
            if self.batches is not None:
                self.batches.add(number, data, self)
                return
            create_record(self.kind, data, self.actor, self.team)
        except RowProblems as exc:
            self.report.add_field_errors(number, exc.problems, self.header_of, "")
        except NotPermitted:
            raise  # the person may not import this kind at all: no row would do better
        except ServiceError as exc:
            self.service_error(number, exc)
        except DatabaseError as exc:
            self._database_refused(number, exc)
        else:
            self.report.created += 1

    def _report_headerless_values(self, number: int, row_cells: list[Any]) -> None:
        for index, cell in enumerate(row_cells):
            if index not in self.indexes and not is_blank([cell]):
                self.report.add(
                    number,
                    _("column %(number)s") % {"number": index + 1},
                    _("A value in a column without a header."),
                )

    def service_error(self, number: int, exc: ServiceError) -> None:
        self.report.add_field_errors(number, exc.errors, self.header_of, exc.detail)

    def one_by_one(self, number: int, data: dict[str, Any]) -> None:
        """The per-row path for one row that has passed the file's own checks."""
        try:
            create_record(self.kind, data, self.actor, self.team)
        except ServiceError as exc:
            self.service_error(number, exc)
        except DatabaseError as exc:
            self._database_refused(number, exc)
        else:
            self.report.created += 1

    def _database_refused(self, number: int, exc: DatabaseError) -> None:
        # A rule only the database knows; the service's savepoint has undone the row.
        self.report.add(
            number, "", (_("The database refused this row: %(error)s") % {"error": exc}).strip()
        )
