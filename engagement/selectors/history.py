"""Field-level history of a record, from django-simple-history, newest first.

simple-history's own diff reads every many-to-many field of both versions, two queries per
field per version; here the versions' many-to-many rows are read once per field for the whole
page, so a page costs 1 + (many-to-many fields) queries however long the history is.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import Model
from django.utils.translation import gettext
from simple_history.utils import get_m2m_reverse_field_name

from engagement import policy
from engagement.models import User

MAX_ENTRIES = 200


def _author(history_user: User | None, viewer: policy.Actor) -> str | None:
    """Who made a change, as `viewer` may know it: on shared records, a member of another team
    is "another team" (which competitor edits what is not for competitors to learn); program
    managers and administrators see every name."""
    if history_user is None:
        return None
    reader = policy.person(viewer)
    if (
        viewer is not None
        and not policy.sees_all_teams(viewer)
        and history_user.team_id is not None
        and history_user.team_id != (reader.team_id if reader is not None else None)
    ):
        return gettext("another team")
    return history_user.get_username()


def record_history(
    obj: Model, *, viewer: policy.Actor = None, limit: int = MAX_ENTRIES
) -> list[dict[str, Any]]:
    # django-simple-history adds `history` to each model it records (no type stubs).
    versions: Any = obj.history  # type: ignore[attr-defined]
    records = list(
        versions.select_related("history_user").order_by("-history_date", "-history_id")[
            : limit + 1
        ]
    )
    m2m = _m2m_states(obj, records)
    out: list[dict[str, Any]] = []
    for newer, older in zip(records, [*records[1:], None], strict=True):
        if len(out) == limit:
            break
        changes: list[dict[str, Any]] = []
        if older is not None:
            delta = newer.diff_against(older, excluded_fields=list(m2m))
            for change in delta.changes:
                changes.append(
                    {"field": change.field, "old": _plain(change.old), "new": _plain(change.new)}
                )
            for field, states in m2m.items():
                old, new = states[older.history_id], states[newer.history_id]
                if old != new:
                    changes.append({"field": field, "old": old, "new": new})
            changes.sort(key=lambda change: change["field"])
        out.append(
            {
                "at": newer.history_date,
                "type": {"+": "created", "~": "changed", "-": "deleted"}[newer.history_type],
                "user": _author(newer.history_user, viewer),
                "changes": changes,
            }
        )
    return out


def _m2m_states(obj: Model, records: list[Any]) -> dict[str, dict[int, list[Any]]]:
    """field → history id → the ids on the other side of the field in that version (sorted),
    one query per many-to-many field for all the versions."""
    if not records:
        return {}
    history_ids = [r.history_id for r in records]
    out: dict[str, dict[int, list[Any]]] = {}
    for field in records[0]._history_m2m_fields:
        through = getattr(records[0], field.name).model
        target = get_m2m_reverse_field_name(obj._meta.get_field(field.name))
        states: dict[int, list[Any]] = defaultdict(list)
        rows = through.objects.filter(history_id__in=history_ids).values_list(
            "history_id", f"{target}_id"
        )
        for history_id, target_id in rows:
            states[history_id].append(target_id)
        out[field.name] = defaultdict(list, {k: sorted(v, key=str) for k, v in states.items()})
    return out


def _plain(value: object) -> object:
    if value is None or isinstance(value, bool | int | float | str | list):
        return value
    return str(value)
