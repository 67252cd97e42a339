"""The batched path for large organization files: organization_create, a batch at a time.

Called one row at a time, organization_create takes about 5 ms a row on SQLite, nearly all of it
in the ORM: 100,000 rows would take over ten minutes. This path applies the service's own steps
and helpers (engagement.services.directory) in the same order, but writes a batch of rows in a
few statements:

- each row is validated by the service's validator (validate_organization_input: same rules, same
  messages) and applied to a new Organization by the service's _apply;
- the duplicate guard looks up the batch's name keys (the service's _name_keys) in one query and
  refuses a clash with the service's own Conflict (_duplicate_error);
- organizations, their history records (as the service's save records them: type "+", the
  importing person as history user), name keys and many-to-many links are bulk-inserted, and the
  service's follow-up hook (hooks.profile_changed) runs for each new row.

The unique name-key constraint still holds the line against someone creating the same
organization meanwhile: if a batch's insert fails, its savepoint is rolled back and the batch is
replayed row by row through organization_create, which names the row. A test (test_imports.py)
imports one file both ways and compares every table, so that a step added to
organization_create later and missing here fails the suite.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import DatabaseError, transaction

from engagement import policy
from engagement.errors import ServiceError
from engagement.models import Organization, OrganizationNameKey
from engagement.services import directory, hooks
from engagement.services.imports.report import ImportReport

if TYPE_CHECKING:
    from engagement.services.imports.rows import RowImporter

BULK_BATCH = 500

# (row number, the row's data, the organization to insert, its clean input, its name keys)
Pending = tuple[int, dict[str, Any], Organization, Any, set[str]]


class OrganizationBatches:
    """Rows wait here until BULK_BATCH of them are ready, then are written together."""

    def __init__(self, actor: policy.Actor, report: ImportReport) -> None:
        self.actor = actor
        self.report = report
        self.pending: list[Pending] = []

    def add(self, number: int, data: dict[str, Any], rows: RowImporter) -> None:
        try:
            clean = directory.validate_organization_input(data, None)
        except ServiceError as exc:
            rows.service_error(number, exc)
            return
        org = Organization(created_by_team_id=getattr(self.actor, "team_id", None))
        directory._apply(org, clean)
        self.pending.append((number, data, org, clean, directory._name_keys(org)))
        if len(self.pending) >= BULK_BATCH:
            self.flush(rows)

    def flush(self, rows: RowImporter) -> None:
        pending, self.pending = self.pending, []
        if not pending:
            return
        good = self._refuse_existing(pending, rows)
        if self.report.errors:
            # The import will be refused: checking the rest of the rows needs no writes. (Rows
            # of this batch that would duplicate each other were refused by the file's check.)
            self.report.created += len(good)
            return
        try:
            with transaction.atomic():
                self._write(good)
        except DatabaseError:  # IntegrityError included: see the module's docstring
            for number, data, *_rest in good:
                rows.one_by_one(number, data)
        else:
            self.report.created += len(good)

    def _refuse_existing(self, pending: list[Pending], rows: RowImporter) -> list[Pending]:
        """The service's duplicate guard for a whole batch, in one query: the rows whose name
        keys no organization has yet; each other row is refused as the service would."""
        wanted = {(org.country, key) for _n, _d, org, _c, keys in pending for key in keys}
        existing = {
            (nk.country, nk.key): nk.organization
            for nk in OrganizationNameKey.objects.filter(
                country__in={c for c, _k in wanted}, key__in={k for _c, k in wanted}
            ).select_related("organization")
        }
        good = []
        for entry in pending:
            number, _data, org, _clean, keys = entry
            clashes = [
                existing[(org.country, k)] for k in sorted(keys) if (org.country, k) in existing
            ]
            if clashes:
                rows.service_error(number, directory._duplicate_error(clashes[0]))
            else:
                good.append(entry)
        return good

    def _write(self, batch: list[Pending]) -> None:
        orgs = [org for _n, _d, org, _c, _k in batch]
        Organization.objects.bulk_create(orgs)
        Organization.history.bulk_history_create(
            orgs, default_user=policy.person(self.actor), default_change_reason=None
        )
        OrganizationNameKey.objects.bulk_create(
            OrganizationNameKey(organization=org, country=org.country, key=key)
            for _n, _d, org, _c, keys in batch
            for key in sorted(keys)
        )
        for name in directory.ORGANIZATION_M2M_FIELDS:
            self._write_links(name, batch)
        for org in orgs:
            hooks.profile_changed(organization=org)

    def _write_links(self, name: str, batch: list[Pending]) -> None:
        """One many-to-many field's links for the whole batch, straight into its through table."""
        m2m = Organization._meta.get_field(name)
        through = m2m.remote_field.through
        source, target = m2m.m2m_field_name(), m2m.m2m_reverse_field_name()
        through.objects.bulk_create(
            through(**{f"{source}_id": org.pk, f"{target}_id": value.pk})
            for _n, _d, org, clean, _k in batch
            for value in clean.m2m.get(name) or []
        )
