"""Errors raised by services. Every entry point turns them into its own kind of answer
(a JSON error, a form error, a command error) without losing the field and the reason."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _


class ServiceError(Exception):
    """Base class: a refused write. Nothing has been written when one is raised."""

    code = "error"

    def __init__(self, detail: str, errors: dict[str, list[str]] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or {}


class ValidationFailed(ServiceError):
    code = "validation_error"

    def __init__(self, errors: dict[str, list[str]], detail: str | None = None) -> None:
        if not detail:
            detail = _("Invalid input in: %(fields)s.") % {"fields": ", ".join(sorted(errors))}
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
