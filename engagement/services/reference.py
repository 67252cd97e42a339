"""Load or update the reference data (areas, thrusts, initiatives, member states, capabilities,
organization and partnership types, projects and incentives) from the CSV files in
fixtures/reference/.

Rows are matched by code, so a second run changes nothing, and an edited CSV (say, the official
initiative list once it is published) updates rows in place without a schema change.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Model

from engagement.errors import ValidationFailed
from engagement.models import (
    Capability,
    CoreArea,
    FrameworkStatus,
    Incentive,
    Initiative,
    MemberState,
    OrgType,
    PartnershipType,
    Project,
    Provenance,
    Thrust,
)
from engagement.normalize import has_japanese
from engagement.services.projects import (
    agency_in_directory,
    owner_in_directory,
    parse_month,
    parse_year,
)

REFERENCE_DIR = Path(settings.BASE_DIR) / "fixtures" / "reference"


@dataclass
class LoadReport:
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    unchanged: Counter = field(default_factory=Counter)

    @property
    def changed(self) -> bool:
        return bool(sum(self.created.values()) or sum(self.updated.values()))

    def lines(self) -> list[str]:
        kinds = sorted(set(self.created) | set(self.updated) | set(self.unchanged))
        return [
            f"{kind}: {self.created[kind]} created, {self.updated[kind]} updated, "
            f"{self.unchanged[kind]} unchanged"
            for kind in kinds
        ]


def _rows(directory: Path, name: str) -> Iterator[tuple[int, dict[str, str]]]:
    path = directory / name
    if not path.exists():
        raise ValidationFailed({name: [f"File not found: {path}"]})
    with path.open(encoding="utf-8-sig", newline="") as fh:
        for line_no, row in enumerate(csv.DictReader(fh), start=2):
            yield line_no, {k: (v or "").strip() for k, v in row.items() if k}


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(";") if part.strip()]


def _upsert(
    report: LoadReport,
    model: type[Model],
    lookup: dict[str, Any],
    values: dict[str, Any],
    m2m: dict[str, list[Model]] | None = None,
) -> Model:
    kind = model._meta.verbose_name_plural.title()
    obj = model._default_manager.filter(**lookup).first()
    if obj is None:
        obj = model._default_manager.create(**lookup, **values)
        for name, items in (m2m or {}).items():
            getattr(obj, name).set(items)
        report.created[kind] += 1
        return obj
    changed = [k for k, v in values.items() if getattr(obj, k) != v]
    for k in changed:
        setattr(obj, k, values[k])
    if changed:
        obj.save(update_fields=changed)
    for name, items in (m2m or {}).items():
        manager = getattr(obj, name)
        if set(manager.values_list("pk", flat=True)) != {i.pk for i in items}:
            manager.set(items)
            changed.append(name)
    if changed:
        report.updated[kind] += 1
    else:
        report.unchanged[kind] += 1
    return obj


def _lookup(
    model: type[Model],
    codes: list[str],
    where: str,
    errors: dict[str, list[str]],
    code_field: str = "code",
) -> list[Model]:
    found = {
        getattr(o, code_field): o
        for o in model._default_manager.filter(**{f"{code_field}__in": codes})
    }
    missing = [c for c in codes if c not in found]
    if missing:
        errors.setdefault(where, []).append(f"unknown code(s) {', '.join(missing)}")
    return [found[c] for c in codes if c in found]


# The report names the three core areas and the six thrusts and what each thrust covers; it does
# not say which area a thrust sits under (domain README). Rows without status and provenance
# columns say so; an official list loaded later brings its own.
CORE_AREA_NOTE = (
    "Named in the report (three core areas: Supply Chain, Technology & Infrastructure, Talent)."
)
THRUST_NOTE = (
    "Name and focus from the report; the core area it sits under is our reading "
    "(the report does not say)."
)


def _provenance(row: dict[str, str], where: str, errors: dict, note: str) -> dict[str, str]:
    status = row.get("status") or FrameworkStatus.DESCRIBED
    if status not in FrameworkStatus.values:
        errors.setdefault(where, []).append(f"unknown status {status!r}")
    return {
        "status": status,
        "provenance": row.get("provenance") or Provenance.REPORT,
        "provenance_note": row.get("provenance_note") or note,
    }


def _load_core_areas(d: Path, r: LoadReport, errors: dict) -> None:
    for pos, (line, row) in enumerate(_rows(d, "core_areas.csv")):
        _upsert(
            r,
            CoreArea,
            {"code": row["code"]},
            {
                "name_en": row["name_en"],
                "name_ja": row["name_ja"],
                "position": pos,
                **_provenance(row, f"core_areas.csv line {line}", errors, CORE_AREA_NOTE),
            },
        )


def _load_thrusts(d: Path, r: LoadReport, errors: dict) -> None:
    for pos, (line, row) in enumerate(_rows(d, "thrusts.csv")):
        area = CoreArea.objects.filter(code=row["core_area"]).first()
        if area is None:
            errors.setdefault(f"thrusts.csv line {line}", []).append(
                f"unknown core area {row['core_area']!r}"
            )
            continue
        _upsert(
            r,
            Thrust,
            {"code": row["code"]},
            {
                "name_en": row["name_en"],
                "name_ja": row["name_ja"],
                "focus": row["focus"],
                "core_area": area,
                "position": pos,
                **_provenance(row, f"thrusts.csv line {line}", errors, THRUST_NOTE),
            },
        )


def _load_member_states(d: Path, r: LoadReport, errors: dict) -> None:
    for _, row in _rows(d, "member_states.csv"):
        _upsert(
            r,
            MemberState,
            {"iso2": row["iso2"].upper()},
            {"name_en": row["name_en"], "name_ja": row["name_ja"], "note": row["note"]},
        )


def _load_capabilities(d: Path, r: LoadReport, errors: dict) -> None:
    rows = list(_rows(d, "capabilities.csv"))
    # Parents first, so children can point at them.
    rows.sort(key=lambda lr: bool(lr[1]["parent"]))
    for pos, (line, row) in enumerate(rows):
        parent = None
        if row["parent"]:
            parent = Capability.objects.filter(code=row["parent"]).first()
            if parent is None:
                errors.setdefault(f"capabilities.csv line {line}", []).append(
                    f"unknown parent {row['parent']!r}"
                )
                continue
        synonyms = _split(row["synonyms"])
        thrusts = _lookup(Thrust, _split(row["thrusts"]), f"capabilities.csv line {line}", errors)
        _upsert(
            r,
            Capability,
            {"code": row["code"]},
            {
                "parent": parent,
                "name_en": row["name_en"],
                "name_ja": row["name_ja"],
                "synonyms_en": [s for s in synonyms if not has_japanese(s)],
                "synonyms_ja": [s for s in synonyms if has_japanese(s)],
                "position": pos,
            },
            {"thrusts": thrusts},
        )


def _load_initiatives(d: Path, r: LoadReport, errors: dict) -> None:
    for pos, (line, row) in enumerate(_rows(d, "initiatives.csv")):
        where = f"initiatives.csv line {line}"
        thrust = Thrust.objects.filter(code=row["thrust"]).first()
        if thrust is None:
            errors.setdefault(where, []).append(f"unknown thrust {row['thrust']!r}")
            continue
        status = row.get("status") or Initiative.Status.DESCRIBED
        if status not in Initiative.Status.values:
            errors.setdefault(where, []).append(f"unknown status {status!r}")
            continue
        caps = _lookup(Capability, _split(row["capabilities"]), where, errors)
        _upsert(
            r,
            Initiative,
            {"code": row["code"]},
            {
                "thrust": thrust,
                "name_en": row["name_en"],
                "name_ja": row["name_ja"],
                "status": status,
                "provenance": row.get("provenance", ""),
                "position": pos,
            },
            {"capabilities": caps},
        )


def _load_org_types(d: Path, r: LoadReport, errors: dict) -> None:
    company_types = {row["code"]: (line, row) for line, row in _rows(d, "company_types.csv")}
    for pos, (_line, row) in enumerate(_rows(d, "org_types.csv")):
        values = {
            "kind": row["kind"],
            "name_en": row["name_en"],
            "name_ja": row["name_ja"],
            "position": pos,
            "typical_capabilities": "",
            "guidance": "",
        }
        thrusts: list[Model] = []
        if row["code"] in company_types:
            ct_line, ct = company_types[row["code"]]
            values["typical_capabilities"] = ct["typical_capabilities"]
            values["guidance"] = ct["what_the_report_says_they_should_pursue"]
            thrusts = _lookup(
                Thrust, _split(ct["priority_thrusts"]), f"company_types.csv line {ct_line}", errors
            )
        _upsert(r, OrgType, {"code": row["code"]}, values, {"priority_thrusts": thrusts})


def _load_partnership_types(d: Path, r: LoadReport, errors: dict) -> None:
    for pos, (line, row) in enumerate(_rows(d, "partnership_types.csv")):
        thrusts = _lookup(
            Thrust, _split(row["typical_thrusts"]), f"partnership_types.csv line {line}", errors
        )
        _upsert(
            r,
            PartnershipType,
            {"code": row["code"]},
            {
                "name_en": row["name_en"],
                "name_ja": row["name_ja"],
                "position": pos,
            },
            {"typical_thrusts": thrusts},
        )


def _bump_version_if_updated(r: LoadReport, model: type[Model], before: int, obj: Model) -> None:
    # The API's ETag follows `version`: a row the loader changed must not keep its old ETag.
    kind = model._meta.verbose_name_plural.title()
    if r.updated[kind] > before:
        model._default_manager.filter(pk=obj.pk).update(version=F("version") + 1)


def _load_projects(d: Path, r: LoadReport, errors: dict) -> None:
    states = {m.iso2: m for m in MemberState.objects.all()}
    for line, row in _rows(d, "projects.csv"):
        where = f"projects.csv line {line}"
        problems: list[str] = []
        state = states.get(row["country"].upper())
        if state is None:
            problems.append(f"unknown member state {row['country']!r}")
        if row["kind"] not in Project.Kind.values:
            problems.append(f"unknown kind {row['kind']!r}")
        if row["phase"] not in Project.Phase.values:
            problems.append(f"unknown phase {row['phase']!r}")
        as_of = parse_month(row["phase_as_of"])
        if as_of is None:
            problems.append(f"phase_as_of {row['phase_as_of']!r} is not YYYY-MM")
        years = {}
        for column, field_name in (
            ("announced", "announced_year"),
            ("production_start", "production_start_year"),
        ):
            years[field_name] = parse_year(row[column])
            if row[column] and years[field_name] is None:
                problems.append(f"{column} {row[column]!r} is not a year")
        caps = _lookup(Capability, _split(row["capability_codes"]), where, errors)
        if problems:
            errors.setdefault(where, []).extend(problems)
            continue
        values = {
            "name_en": row["name_en"],
            "name_ja": row["name_ja"],
            "owner_name": row["owner"],
            "country": state,
            "site": row["site"],
            "kind": row["kind"],
            "technology": row["technology"],
            "phase": row["phase"],
            "phase_as_of": as_of,
            "sources": row["source"],
            "note": row["note"],
            **years,
        }
        # The directory's organization when it has the owner; a link made by hand stays.
        owner = owner_in_directory(row["owner"], state.iso2)
        if owner is not None:
            values["owner"] = owner
        before = r.updated["Projects"]
        obj = _upsert(r, Project, {"code": row["code"]}, values, {"capabilities": caps})
        _bump_version_if_updated(r, Project, before, obj)


def _load_incentives(d: Path, r: LoadReport, errors: dict) -> None:
    countries = set(MemberState.objects.values_list("iso2", flat=True)) | {"JP"}
    for line, row in _rows(d, "incentives.csv"):
        where = f"incentives.csv line {line}"
        problems: list[str] = []
        country = row["country"].upper()
        if country not in countries:
            problems.append(f"country {row['country']!r} is neither a member state nor JP")
        if row["kind"] not in Incentive.Kind.values:
            problems.append(f"unknown kind {row['kind']!r}")
        deadline = None
        if row["deadline"]:
            try:
                deadline = dt.date.fromisoformat(row["deadline"])
            except ValueError:
                problems.append(f"deadline {row['deadline']!r} is not YYYY-MM-DD")
        caps = _lookup(Capability, _split(row["capability_codes"]), where, errors)
        thrusts = _lookup(Thrust, _split(row["thrusts"]), where, errors)
        if problems:
            errors.setdefault(where, []).extend(problems)
            continue
        values = {
            "name_en": row["name_en"],
            "name_ja": row["name_ja"],
            "agency_name": row["agency"],
            "country": country,
            "kind": row["kind"],
            "who_can_apply": row["who_can_apply"],
            "deadline": deadline,
            "benefit": row["benefit"],
            "sources": row["source"],
            "note": row["note"],
        }
        agency = agency_in_directory(row["agency"], country)
        if agency is not None:
            values["agency"] = agency
        before = r.updated["Incentives"]
        obj = _upsert(
            r, Incentive, {"code": row["code"]}, values, {"capabilities": caps, "thrusts": thrusts}
        )
        _bump_version_if_updated(r, Incentive, before, obj)


LOADERS: tuple[Callable[[Path, LoadReport, dict], None], ...] = (
    _load_core_areas,
    _load_thrusts,
    _load_member_states,
    _load_capabilities,
    _load_initiatives,
    _load_org_types,
    _load_partnership_types,
    _load_projects,
    _load_incentives,
)


def reference_load(
    *, directory: Path | None = None, progress: Callable[[str], None] | None = None
) -> LoadReport:
    """Load every reference file; all or nothing, so a bad row leaves the old data in place."""
    directory = directory or REFERENCE_DIR
    report = LoadReport()
    errors: dict[str, list[str]] = {}
    with transaction.atomic():
        for loader in LOADERS:
            if progress:
                progress(loader.__name__.removeprefix("_load_"))
            loader(directory, report, errors)
        if errors:
            transaction.set_rollback(True)
    if errors:
        raise ValidationFailed(errors, detail="Reference data has bad rows; nothing was loaded.")
    return report
