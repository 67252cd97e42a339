"""Template helpers of the CRM pages: what the reader may do, and labels for codes."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import get_language

from engagement import policy
from engagement.models import Engagement, Organization, OrganizationMerge
from engagement.services.followups import UNDO_WINDOW
from engagement.services.notifications import notifications_unread_count
from engagement.web.crm_views.followups import UNDO_TAG
from engagement.web.forms import EngagementForm
from engagement.web.numbers import amount_ja, plain_decimal
from engagement.web.timeline import stage_label as _stage_label

register = template.Library()


@register.filter
def can_log_engagements(user) -> bool:
    """Team members log engagements; program managers and administrators without a team
    read them, and integrators write only through the API."""
    return bool(
        getattr(user, "is_authenticated", False)
        and getattr(user, "team_id", None)
        and policy.can_create(user, Engagement)
        and policy.writes_in_pages(user)
    )


@register.inclusion_tag("engagement/_quick_capture.html", takes_context=True)
def quick_capture(context) -> dict:
    """The quick-capture dialog: the engagement page's own form, with the organization picked
    by typing its name and the time set to now (in the reader's time zone)."""
    form = EngagementForm(
        auto_id="qc_%s",
        initial={
            "occurred_at": timezone.localtime().replace(second=0, microsecond=0),
            "kind": Engagement.Kind.MEETING,
        },
        organizations=Organization.objects.none(),
        partnerships=[],
        contacts=[],
    )
    request = context.get("request")
    return {"form": form, "here": request.get_full_path() if request else "/"}


@register.filter
def can_add_organizations(user) -> bool:
    """Adds organizations in the pages (integrators add them through the API)."""
    return policy.can_create(user, Organization) and policy.writes_in_pages(user)


@register.filter
def reviews_duplicates(user) -> bool:
    """Program managers (and administrators) keep one record per organization."""
    return policy.can_create(user, OrganizationMerge)


@register.simple_tag(takes_context=True)
def unread_notifications(context) -> int:
    """The signed-in reader's unread notifications, for the navigation's badge: at most one
    query per page (none on the notifications page, whose view has counted already)."""
    if "unread_count" in context:
        return context["unread_count"]
    user = context.get("user")
    if not getattr(user, "is_authenticated", False):
        return 0
    request = context.get("request")
    cached = getattr(request, "_unread_notifications", None)
    if cached is None:
        cached = notifications_unread_count(user=user)
        if request is not None:
            request._unread_notifications = cached
    return cached


@register.filter
def undo_followup(message) -> int | None:
    """The follow-up a "Done" or "Cancelled" message may undo, from its tag; None otherwise."""
    for tag in (getattr(message, "extra_tags", "") or "").split():
        if tag.startswith(UNDO_TAG) and tag[len(UNDO_TAG) :].isdigit():
            return int(tag[len(UNDO_TAG) :])
    return None


@register.simple_tag
def undo_minutes() -> int:
    return int(UNDO_WINDOW.total_seconds() // 60)


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


@register.filter
def measure(value) -> str:
    """A KPI's target or actual as it was entered (12.5, 20), grouped by thousands."""
    number = plain_decimal(value) if value not in (None, "") else None
    return "—" if number is None else number_format(number, force_grouping=True)


@register.filter
def money(value, currency: str = "") -> str:
    """An amount as the reader's language writes it: "JPY 40,000,000"; in Japanese "4,000万円"
    (engagement.web.numbers.amount_ja). None reads "—"."""
    if value is None:
        return "—"
    if (get_language() or "en").startswith("ja"):
        return amount_ja(value, currency)
    return f"{currency} {number_format(round(Decimal(value)), 0, force_grouping=True)}"
