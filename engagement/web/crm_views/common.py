"""What every CRM page shares: the refusal page and its messages, and small helpers."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from engagement import policy
from engagement.errors import ServiceError, ValidationFailed
from engagement.models import Role

PAGE_SIZE = 25


def refuse(request, message: str) -> HttpResponse:
    """A clear refusal: the reader may see the record but not change it."""
    return render(request, "engagement/refused.html", {"message": message}, status=403)


def read_only_message() -> str:
    return _(
        "Program managers read every team's records but do not change them. "
        "Ask a member of the team to make this change."
    )


def refusal_message(user: policy.Actor) -> str:
    """Why `user` sees a team record without its forms."""
    if getattr(user, "role", None) == Role.INTEGRATOR:
        return _(
            "Integrators change records through the API; these pages only show them. "
            "Ask a business-development member of the team to make this change here."
        )
    return read_only_message()


def refusal_text(exc: ServiceError) -> str:
    """A refusal in a sentence for a page's message: the messages of the fields it names, or
    its summary."""
    named = [m for ms in exc.errors.values() for m in ms]
    return " ".join(named) if named and isinstance(exc, ValidationFailed) else exc.detail


def form_errors_text(form) -> str:
    """A form's errors in a sentence for a page's message, each after its field's label."""
    return " ".join(f"{form.fields[k].label}: {m}" for k, ms in form.errors.items() for m in ms)


def status_for(exc: ServiceError) -> int:
    return 409 if exc.code in ("conflict", "stale_write", "rule_refused") else 400


def log_url(request, **params: Any) -> str:
    query = {k: v for k, v in params.items() if v}
    query["next"] = request.get_full_path()
    return f"{reverse('engagement-new')}?{urlencode(query)}"


def int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
