"""Template helpers of the CRM pages: what the reader may do, and labels for codes."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template
from django.utils.formats import number_format

from engagement import policy
from engagement.models import Engagement
from engagement.web.timeline import stage_label as _stage_label

register = template.Library()


@register.filter
def can_log_engagements(user) -> bool:
    """Team members log engagements; program managers and administrators without a team
    read them."""
    return bool(
        getattr(user, "is_authenticated", False)
        and getattr(user, "team_id", None)
        and policy.can_create(user, Engagement)
    )


@register.filter
def stage_label(code: str) -> str:
    return _stage_label(code)


@register.filter
def timeuntil_days(day, today) -> int:
    """Whole days from `today` to `day` (negative when past)."""
    try:
        return (day - today).days
    except TypeError:
        return 0


def plain_decimal(value) -> Decimal | None:
    """`value` without the zeros its column pads it with: 12.5 rather than 12.5000."""
    try:
        return Decimal(format(Decimal(value).normalize(), "f"))
    except (TypeError, ValueError, InvalidOperation):
        return None


@register.filter
def measure(value) -> str:
    """A KPI's target or actual as it was entered (12.5, 20), grouped by thousands."""
    number = plain_decimal(value) if value not in (None, "") else None
    return "—" if number is None else number_format(number, force_grouping=True)
