"""Errors raised by services. Every entry point turns them into its own kind of answer
(a JSON error, a form error, a command error) without losing the field and the reason."""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


class ServiceError(Exception):
    """Base class: a refused write. Nothing has been written when one is raised."""

    code = "error"

    def __init__(self, detail: str, errors: dict[str, list[str]] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or {}


class RuleRefused(ServiceError):
    """Input of the right shape that a business rule refuses: dates out of order, a stage move
    the pipeline does not allow, a reference to a record that is not there. The API answers
    these 422, apart from requests it cannot read at all (400)."""

    code = "rule_refused"


# What a refusal calls a field, where the field's name read as English ("expires_on" is
# "Expires on") is not what the pages call it or is not in the catalogue. Every other field is
# named by that reading, translated by the label the pages' forms give it.
FIELD_LABELS = {
    "actual_end_on": gettext_lazy("Actual end"),
    "changes": gettext_lazy("Changes"),
    "cursor": gettext_lazy("Cursor"),
    "done_on": gettext_lazy("Done on"),
    "due_on": gettext_lazy("Due"),
    "effective_on": gettext_lazy("Effective from"),
    "endpoint": gettext_lazy("Endpoint"),
    "ends_on": gettext_lazy("Ends on"),
    "events": gettext_lazy("Events"),
    "expires_at": gettext_lazy("Expires at"),
    "fields": gettext_lazy("Fields"),
    "id": gettext_lazy("ID"),
    "identified_at": gettext_lazy("Identified on"),
    "is_active": gettext_lazy("Enabled"),
    "job": gettext_lazy("Import job"),
    "name_ja": gettext_lazy("Name (Japanese)"),
    "needs": gettext_lazy("Capabilities needed"),
    "presence_countries": gettext_lazy("ASEAN presence"),
    "description_ja": gettext_lazy("Description (Japanese)"),
    "non_field_errors": gettext_lazy("Input"),
    "occurred_at": gettext_lazy("Date"),
    "org_type": gettext_lazy("Type"),
    "organization": gettext_lazy("Organization"),
    "phase_as_of": gettext_lazy("Phase as of"),
    "priority": gettext_lazy("Priority"),
    "priority_countries": gettext_lazy("Priority member states"),
    "priority_country": gettext_lazy("Priority country"),
    "renewal_notice_days": gettext_lazy("Renewal notice (days)"),
    "role": gettext_lazy("Role"),
    "slug": gettext_lazy("Short name"),
    "source_url": gettext_lazy("Source URL"),
    "subject": gettext_lazy("Subject"),
    "switchboard_email": gettext_lazy("Switchboard e-mail"),
    "switchboard_phone": gettext_lazy("Switchboard phone"),
    "time_zone": gettext_lazy("Time zone"),
    "to": gettext_lazy("Stage"),
    "url": gettext_lazy("URL"),
    "version": gettext_lazy("Version"),
}
_FIELD = re.compile(r"[a-z][a-z0-9_]*")
_NESTED = re.compile(r"[a-z][a-z0-9_]*(?:\.\d+\.[a-z][a-z0-9_]*)+")  # "milestones.0.title"


def field_label(name: str) -> str:
    """What a message to a person calls the field `name`, in the active language: never the
    code itself ("expires_on"), which only the `errors` of an API answer keep. A key that is not
    a field's name ("thrusts.csv line 3", where reference data went wrong) is shown as it is."""
    if _NESTED.fullmatch(name):
        name = name.rsplit(".", 1)[1]
    if not _FIELD.fullmatch(name):
        return name
    if name in FIELD_LABELS:
        return str(FIELD_LABELS[name])
    return _(name.replace("_", " ").capitalize())


def field_labels(names) -> str:
    """Several fields' labels for one message, in the order of their codes."""
    return _(", ").join(field_label(n) for n in sorted(names))


class ValidationFailed(RuleRefused):
    """A field-by-field refusal from a service's own validation. Whatever the API's serializers
    let through is of the right shape, so what a service still refuses is one of its rules.
    The message names the fields by their labels; `errors` keeps them by their codes."""

    code = "validation_error"

    def __init__(self, errors: dict[str, list[str]], detail: str | None = None) -> None:
        if not detail:
            detail = _("Invalid input in: %(fields)s.") % {"fields": field_labels(errors)}
        super().__init__(detail, errors)


class Conflict(ServiceError):
    """The write would duplicate an existing record or break a rule of state."""

    code = "conflict"

    def __init__(
        self,
        detail: str,
        errors: dict[str, list[str]] | None = None,
        existing: Any = None,
        references: int | None = None,
    ) -> None:
        super().__init__(detail, errors)
        self.existing = existing
        # How many records still refer to the record (a refused delete); never whose.
        self.references = references


class StaleWrite(ServiceError):
    code = "stale_write"


class NotPermitted(ServiceError):
    code = "permission_denied"


def field_errors(**fields: str | list[str]) -> dict[str, list[str]]:
    return {k: [v] if isinstance(v, str) else list(v) for k, v in fields.items()}
