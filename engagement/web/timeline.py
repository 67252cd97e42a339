"""Timeline entries as a reader sees them: a short heading and a sentence in the reader's
language, built from each event's kind and data when the page is drawn."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import BadRequest
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from engagement.errors import ValidationFailed
from engagement.models import Engagement, ImplementationStatus, Pilot, PolicyUpdate, Stage
from engagement.selectors.timeline import Entry, TimelinePage

TIMELINE_PAGE = 30
# Shared market intelligence, dated by a day rather than a moment.
DATED_KINDS = ("implementation_status", "policy_update")


def stage_label(code: str) -> str:
    try:
        return str(Stage(code).label)
    except ValueError:
        return code or "—"


def _choice(enum, code: str) -> str:
    try:
        return str(enum(code).label)
    except ValueError:
        return code or ""


@dataclass(frozen=True)
class Item:
    at: dt.datetime
    kind: str
    heading: str
    text: str
    detail: str
    actor: str
    partnership_id: int | None
    partnership_title: str
    all_day: bool = False
    source_url: str = ""
    source_title: str = ""


def _mou_heading(action: str) -> str:
    return {
        "created": _("MoU drafted"),
        "signed": _("MoU signed"),
        "activated": _("MoU in effect"),
        "renewed": _("MoU renewed"),
        "terminated": _("MoU terminated"),
        "expired": _("MoU expired"),
        "document": _("MoU document attached"),
    }.get(action) or _("MoU")


def _in_reader_language(d: dict, field: str) -> str:
    """The Japanese text for a Japanese reader when there is one, else the English."""
    if (get_language() or "en").startswith("ja") and d.get(f"{field}_ja"):
        return d[f"{field}_ja"]
    return d.get(field) or d.get(f"{field}_ja", "")


def _describe_dated(kind: str, d: dict) -> tuple[str, str, str]:
    if kind == "implementation_status":
        status = _choice(ImplementationStatus.Status, d.get("status", ""))
        heading = _("Implementation status: %(status)s") % {"status": status}
        return (
            heading,
            f"{d.get('initiative', '')} · {d.get('member_state', '')}",
            d.get("note", ""),
        )
    return (
        _choice(PolicyUpdate.Kind, d.get("kind", "")),
        _in_reader_language(d, "title"),
        _in_reader_language(d, "summary"),
    )


def _describe(e: Entry) -> tuple[str, str, str]:
    d = {k: ("" if v is None else v) for k, v in (e.data or {}).items()}
    kind = e.kind
    if kind in DATED_KINDS:
        return _describe_dated(kind, d)
    if kind == "engagement":
        return _choice(Engagement.Kind, d.get("kind", "")), d.get("summary", ""), ""
    if kind == "stage_changed":
        text = _("Moved from %(from)s to %(to)s") % {
            "from": stage_label(d.get("from", "")),
            "to": stage_label(d.get("to", "")),
        }
        return _("Stage changed"), text, d.get("reason", "")
    if kind == "partnership_created":
        return _("Partnership created"), d.get("title", ""), ""
    if kind == "mou_event":
        detail = d.get("reason", "") or d.get("document", "")
        if d.get("expires_on") and d.get("action") == "signed":
            detail = _("Expires on %(date)s") % {"date": d["expires_on"]}
        return _mou_heading(d.get("action", "")), d.get("title", ""), detail
    if kind == "pilot_event":
        action = d.get("action", "")
        texts = {
            "created": _("Pilot planned"),
            "start": _("Pilot started"),
            "complete": _("Pilot completed"),
            "cancel": _("Pilot cancelled"),
            "at_risk": _("Pilot at risk"),
            "recovered": _("Pilot back on track"),
        }
        heading = texts.get(action) or _choice(Pilot.Status, d.get("status", "")) or _("Pilot")
        return heading, d.get("objective", ""), d.get("reason", "")
    if kind == "milestone_done":
        return _("Milestone done"), d.get("title", ""), ""
    if kind == "followup_created":
        return (
            _("Follow-up created"),
            d.get("note", ""),
            _("Due %(date)s") % {"date": d.get("due_on", "")},
        )
    if kind == "followup_done":
        return _("Follow-up done"), d.get("note", ""), d.get("outcome", "")
    if kind == "followup_cancelled":
        return _("Follow-up cancelled"), d.get("note", ""), ""
    if kind == "followup_reopened":
        return _("Follow-up reopened"), d.get("note", ""), ""
    if kind == "followup_overdue":
        return (
            _("Follow-up overdue"),
            d.get("note", ""),
            _("Was due %(date)s") % {"date": d.get("due_on", "")},
        )
    return kind, "", ""


def present(entries: list[Entry]) -> list[Item]:
    items = []
    for e in entries:
        heading, text, detail = _describe(e)
        dated = e.kind in DATED_KINDS
        items.append(
            Item(
                at=e.at,
                kind=e.kind,
                heading=str(heading),
                text=str(text),
                detail=str(detail),
                actor=e.actor,
                partnership_id=e.partnership_id,
                partnership_title=e.partnership_title,
                all_day=dated,
                source_url=str(e.data.get("source_url", "")) if dated else "",
                source_title=str(e.data.get("source_title", "")) if dated else "",
            )
        )
    return items


def timeline_context(request, feed: Callable[..., TimelinePage], **subject: Any) -> dict[str, Any]:
    """The timeline card of a page: the page of `feed` the request's cursor asks for, and the
    address of the older one."""
    cursor = request.GET.get("cursor")
    try:
        page = feed(user=request.user, cursor=cursor, limit=TIMELINE_PAGE, **subject)
    except ValidationFailed as exc:
        # A cursor edited by hand, or cut short when copied: the reader's mistake, not ours.
        raise BadRequest(exc.detail) from None
    older = None
    if page.next_cursor:
        query = request.GET.copy()
        query["cursor"] = page.next_cursor
        older = f"?{query.urlencode()}#timeline"
    return {"items": present(page.entries), "older": older, "paged": bool(cursor)}
