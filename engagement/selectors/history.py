"""Field-level history of a record, from django-simple-history, newest first."""

from __future__ import annotations

from typing import Any

from django.db.models import Model

MAX_ENTRIES = 200


def record_history(obj: Model, *, limit: int = MAX_ENTRIES) -> list[dict[str, Any]]:
    records = list(
        obj.history.select_related("history_user").order_by("-history_date", "-history_id")[
            : limit + 1
        ]
    )
    out = []
    for newer, older in zip(records, [*records[1:], None], strict=True):
        if len(out) == limit:
            break
        changes = []
        if older is not None:
            delta = newer.diff_against(older)
            for change in delta.changes:
                old, new = change.old, change.new
                if isinstance(old, list) or isinstance(new, list):
                    own = obj._meta.model_name
                    old, new = _m2m_ids(old, own), _m2m_ids(new, own)
                changes.append({"field": change.field, "old": _plain(old), "new": _plain(new)})
        out.append(
            {
                "at": newer.history_date,
                "type": {"+": "created", "~": "changed", "-": "deleted"}[newer.history_type],
                "user": newer.history_user.get_username() if newer.history_user else None,
                "changes": changes,
            }
        )
    return out


def _m2m_ids(rows, own: str) -> list:
    """simple-history gives many-to-many states as through rows ({"engagement": 1,
    "organization": 16}); keep the other side's id."""
    ids = []
    for row in rows or []:
        if isinstance(row, dict):
            ids.extend(v for k, v in row.items() if k != own)
        else:
            ids.append(row)
    return sorted(ids, key=str)


def _plain(value):
    if value is None or isinstance(value, bool | int | float | str | list):
        return value
    return str(value)
