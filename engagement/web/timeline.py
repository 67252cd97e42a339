"""Timeline entries as a reader sees them: a short heading and a sentence in the reader's
language, built from each event's kind and data when the page is drawn."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext as _

from engagement.models import Engagement, Pilot, Stage
from engagement.selectors.timeline import Entry


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


def _mou_heading(action: str) -> str:
    return {
        "created": _("MoU drafted"),
        "signed": _("MoU signed"),
        "renewed": _("MoU renewed"),
        "terminated": _("MoU terminated"),
        "expired": _("MoU expired"),
        "document": _("MoU document attached"),
    }.get(action) or _("MoU")


def _describe(e: Entry) -> tuple[str, str, str]:
    d = {k: ("" if v is None else v) for k, v in (e.data or {}).items()}
    kind = e.kind
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
        return _("Follow-up done"), d.get("note", ""), ""
    if kind == "followup_cancelled":
        return _("Follow-up cancelled"), d.get("note", ""), ""
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
            )
        )
    return items
