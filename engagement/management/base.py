from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from engagement.errors import ServiceError


def describe(exc: ServiceError) -> str:
    lines = [exc.detail]
    for field, messages in exc.errors.items():
        for message in messages:
            lines.append(f"  {field}: {message}")
    return "\n".join(lines)


class ServiceCommand(BaseCommand):
    """A command whose refused writes print what and where, and exit non-zero."""

    def run_service(self, fn: Callable[..., Any], /, **kwargs: Any) -> Any:
        try:
            return fn(**kwargs)
        except ServiceError as exc:
            raise CommandError(describe(exc)) from None
