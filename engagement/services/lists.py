"""Writes behind the lists: a user's saved views, and bulk actions on a selection of rows
(assign an owner, a batch of follow-ups, a new due date).

A selection is resolved against what the actor may see; if any selected record is not theirs
(another team's, deleted since the page was drawn), the whole action is refused and nothing is
written. A bulk action is all or nothing: each record goes through its own service (the same
rules, history and webhooks as one at a time) inside one transaction, and the first refusal
undoes the records before it and names the record it stopped at."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from django.db import IntegrityError, transaction
from django.db.models import Model, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from engagement import policy
from engagement.errors import NotPermitted, ServiceError, ValidationFailed
from engagement.lists import spec
from engagement.models import (
    Engagement,
    FollowUp,
    ListName,
    Organization,
    Partnership,
    SavedView,
    User,
)
from engagement.models.lists import SAVED_VIEW_NAME_MAX, SAVED_VIEWS_PER_LIST
from engagement.rules import TextLimit
from engagement.services.followups import followup_create, followup_update
from engagement.services.partnerships import partnership_update

# A page shows at most 200 rows (the follow-ups' list); a selection is one page's rows.
BULK_MAX = 200
ID_MAX = 2**63 - 1
M = TypeVar("M", bound=Model)
SUBJECT_KINDS: dict[type[Model], str] = {
    Organization: "organization",
    Partnership: "partnership",
    Engagement: "engagement",
}


# Saved views ---------------------------------------------------------------------------------


def saved_view_save(*, actor: policy.Actor, list_name: str, name: str, query: str) -> SavedView:
    """Save the list's current filters and sort under `name`; the same name again replaces
    what it shows."""
    owner = policy.person(actor)  # a saved view is a person's, never the system's
    if owner is None or not policy.can_create(actor, SavedView):
        raise NotPermitted(_("Sign in to save a view."))
    errors: dict[str, list[str]] = {}
    if list_name not in ListName.values:
        errors["list_name"] = [_("There is no such list.")]
    name = " ".join((name or "").split())
    if not name:
        errors["name"] = [_("Give the view a name.")]
    else:
        TextLimit(SAVED_VIEW_NAME_MAX).check(name, "name", errors)
    if errors:
        raise ValidationFailed(errors)
    clean = spec(list_name).clean_query(query or "")
    mine = SavedView.objects.filter(user=owner, list_name=list_name)
    with transaction.atomic():
        view = mine.select_for_update().filter(name=name).first()
        if view is None:
            if mine.count() >= SAVED_VIEWS_PER_LIST:
                raise ValidationFailed(
                    {
                        "name": [
                            _("You have %(n)d saved views of this list; delete one first.")
                            % {"n": SAVED_VIEWS_PER_LIST}
                        ]
                    }
                )
            try:
                with transaction.atomic():
                    return SavedView.objects.create(
                        user=owner, list_name=list_name, name=name, query=clean
                    )
            except IntegrityError:  # the same name saved at the same moment from another tab
                view = mine.get(name=name)
        view.query = clean
        view.save(update_fields=["query", "updated_at"])
        return view


def saved_view_delete(*, actor: policy.Actor, view: SavedView) -> None:
    if not policy.can_change(actor, view):
        raise NotPermitted(_("This saved view is not yours."))
    view.delete()


# Selections ----------------------------------------------------------------------------------


def selection(*, actor: policy.Actor, queryset: QuerySet[M], ids: Iterable[Any]) -> list[M]:
    """The selected records of `queryset` (with whatever it joins), in id order, when every
    one of them is the actor's to see."""
    wanted: set[int] = set()
    for raw in ids:
        try:
            number = int(raw)
        except (TypeError, ValueError):
            number = 0
        if not 0 < number <= ID_MAX:  # what no table's key can be is not a record number
            raise ValidationFailed(
                {"ids": [_("%(value)r is not a record number.") % {"value": raw}]}
            )
        wanted.add(number)
    if not wanted:
        raise ValidationFailed({"ids": [_("Select at least one row.")]})
    if len(wanted) > BULK_MAX:
        raise ValidationFailed(
            {"ids": [_("Select at most %(n)d rows at a time.") % {"n": BULK_MAX}]}
        )
    found = list(policy.scope(actor, queryset.filter(pk__in=wanted)).order_by("pk"))
    missing = len(wanted) - len(found)
    if missing:
        message = ngettext(
            "%(n)d selected row is not yours or no longer exists; nothing was changed.",
            "%(n)d selected rows are not yours or no longer exist; nothing was changed.",
            missing,
        )
        raise ValidationFailed({"ids": [message % {"n": missing}]})
    return found


def _each(records: Sequence[M], write: Callable[[M], object]) -> int:
    """Write every record or none; a refusal names the record it stopped at."""
    with transaction.atomic():
        for record in records:
            try:
                write(record)
            except ServiceError as exc:
                exc.detail = f"{record}: {exc.detail}"
                exc.errors = {k: [f"{record}: {m}" for m in ms] for k, ms in exc.errors.items()}
                raise
    return len(records)


# Bulk actions --------------------------------------------------------------------------------


def bulk_assign_owner(
    *, actor: policy.Actor, records: Sequence[Partnership | FollowUp], owner: User | int | None
) -> int:
    """Give every selected partnership or follow-up to `owner` (a member of its team; the
    record's own service says who may own it)."""
    if owner is None:
        raise ValidationFailed({"owner": [_("Choose who takes them over.")]})

    def write(record: Partnership | FollowUp) -> object:
        if isinstance(record, Partnership):
            return partnership_update(actor=actor, partnership=record, owner=owner)
        return followup_update(actor=actor, followup=record, owner=owner)

    return _each(records, write)


def bulk_followups(
    *,
    actor: policy.Actor,
    subjects: Sequence[Organization | Partnership | Engagement],
    due_on: Any,
    note: str,
    owner: User | int | None = None,
    priority: str = FollowUp.Priority.NORMAL,
) -> list[FollowUp]:
    """One follow-up per selected organization, partnership or engagement, with the same note
    and date, owned by the actor's team."""
    created: list[FollowUp] = []

    def write(subject: Organization | Partnership | Engagement) -> object:
        created.append(
            followup_create(
                actor=actor,
                subject=(SUBJECT_KINDS[type(subject)], subject),
                due_on=due_on,
                note=note,
                owner=owner,
                priority=priority,
            )
        )
        return created[-1]

    _each(subjects, write)
    return created


def bulk_reschedule(
    *, actor: policy.Actor, followups: Sequence[FollowUp], due_on: dt.date | None
) -> int:
    """Move every selected follow-up to `due_on` (times of day are kept)."""
    if due_on is None:
        raise ValidationFailed({"due_on": [_("This field is required.")]})
    return _each(followups, lambda f: followup_update(actor=actor, followup=f, due_on=due_on))
