"""Template helpers of the CRM pages: what the reader may do, and labels for codes."""

from __future__ import annotations

from django import template

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
