"""One record per organization: merge a duplicate into the record that stays, undo a merge
within its window, and say that a likely pair is not a duplicate.

Every record that refers to the duplicate (any team's engagements, partnerships, MoUs,
follow-ups, contacts and timeline, match decisions, projects and incentives, suggested edits) is
found from the model graph, as engagement.references finds them, so a new kind of record is
carried across the day it is added. Each row moved is written down in the OrganizationMerge, and
undo moves exactly those rows back. The duplicate itself is archived with `merged_into` set: its
page sends readers on, its names keep answering the duplicate guard (which names the survivor),
and matching stops offering it.

A row that cannot move without breaking a uniqueness rule stays where it is: a many-to-many link
to a record already linked to the survivor is dropped (and written down, to come back on undo); an
open match suggestion beside an open one for the survivor, or a company's one-to-one settings,
stay with the archived duplicate.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from engagement import policy
from engagement.errors import Conflict, NotPermitted, ValidationFailed
from engagement.models import (
    DuplicateDismissal,
    Organization,
    OrganizationMerge,
    OrganizationNameKey,
    Team,
)
from engagement.services import hooks
from engagement.services.common import claim_version

UNDO_WINDOW = dt.timedelta(hours=24)
# Relations a merge leaves alone: the merge records themselves, and the names (kept on the
# archived duplicate so that entering it again is still refused, with the survivor named).
_NOT_MOVED = (OrganizationMerge, OrganizationNameKey, DuplicateDismissal)


def _label(model: type[models.Model], field: str) -> str:
    return f"{model._meta.label}.{field}"


def fk_relations() -> Iterator[tuple[type[models.Model], str, bool]]:
    """(model, foreign key name, one-to-one?) for each foreign key to Organization, hidden ones
    (a match decision's) included; not the history's own rows, which say what was, nor the
    many-to-many links' tables (m2m_relations)."""
    for rel in Organization._meta.get_fields(include_hidden=True):
        if not (rel.auto_created and not rel.concrete) or rel.many_to_many:
            continue
        model = rel.related_model
        if model in _NOT_MOVED or model._meta.auto_created or hasattr(model, "instance_type"):
            continue
        if not getattr(model, "moves_in_merge", True):  # queued work about the record itself
            continue
        yield model, rel.field.name, rel.one_to_one


def m2m_relations() -> Iterator[tuple[str, type[models.Model], str, str]]:
    """(label, through model, owner column, organization column) per many-to-many link."""
    for rel in Organization._meta.related_objects:
        if not rel.many_to_many:
            continue
        field = rel.field
        through = field.remote_field.through
        yield (
            _label(rel.related_model, field.name),
            through,
            field.m2m_field_name(),
            field.m2m_reverse_field_name(),
        )


def _check_actor(actor: policy.Actor) -> None:
    if not policy.can_create(actor, OrganizationMerge):
        raise NotPermitted(_("Only program managers merge organizations."))


def _check_pair(survivor: Organization, merged: Organization) -> None:
    if survivor.pk == merged.pk:
        raise ValidationFailed(
            {"merge": [_("An organization cannot be merged into itself.")]},
        )
    if merged.merged_into_id is not None or survivor.merged_into_id is not None:
        raise Conflict(
            _("%(name)s was already merged into another organization.")
            % {"name": merged.name if merged.merged_into_id else survivor.name}
        )
    if survivor.kind != merged.kind:
        raise ValidationFailed(
            {"merge": [_("A Japanese company and an ASEAN institution are never the same record.")]}
        )
    if survivor.country != merged.country:
        raise ValidationFailed(
            {
                "merge": [
                    _(
                        "The two organizations are in different countries; correct the country "
                        "of the wrong one first."
                    )
                ]
            }
        )
    if Team.objects.filter(company=merged).exists():
        raise Conflict(
            _("%(name)s is a team's own company profile: merge the other record into it instead.")
            % {"name": merged.name}
        )


def _move_fk(model, field: str, one_to_one: bool, merged, survivor) -> list[int]:
    rows = model._default_manager.filter(**{field: merged})
    if one_to_one:
        if model._default_manager.filter(**{field: survivor}).exists():
            return []  # the survivor has its own; the duplicate's stays with it
        ids = list(rows.values_list("pk", flat=True))
        rows.update(**{field: survivor})
        return ids
    ids = list(rows.values_list("pk", flat=True))
    try:
        with transaction.atomic():
            rows.update(**{field: survivor})
        return ids
    except IntegrityError:
        pass
    moved = []
    for pk in ids:  # one at a time: the rows a uniqueness rule holds back stay
        try:
            with transaction.atomic():
                model._default_manager.filter(pk=pk).update(**{field: survivor})
            moved.append(pk)
        except IntegrityError:
            continue
    return moved


def _move_m2m(through, owner: str, target: str, merged, survivor) -> dict[str, list]:
    both = set(through.objects.filter(**{target: survivor}).values_list(f"{owner}_id", flat=True))
    moved: list[int] = []
    dropped: list[int] = []
    for row in through.objects.filter(**{target: merged}):
        owner_id = getattr(row, f"{owner}_id")
        if owner_id in both:
            dropped.append(owner_id)
            row.delete()
        else:
            moved.append(owner_id)
    through.objects.filter(**{target: merged, f"{owner}_id__in": moved}).update(
        **{target: survivor}
    )
    return {"moved": moved, "dropped": dropped}


def _touch(org: Organization, actor: policy.Actor) -> None:
    claim_version(org, None)
    org._history_user = policy.person(actor)


@transaction.atomic
def organization_merge(
    *, actor: policy.Actor, survivor: Organization, merged: Organization
) -> OrganizationMerge:
    """Merge `merged` into `survivor`: everything that referred to `merged` refers to
    `survivor`, and `merged` is archived. Program managers and administrators only."""
    _check_actor(actor)
    # Read both again under the transaction: a merge of the same pair a moment ago wins.
    survivor = Organization.objects.select_for_update().get(pk=survivor.pk)
    merged = Organization.objects.select_for_update().get(pk=merged.pk)
    _check_pair(survivor, merged)
    moves: dict[str, dict] = {"fk": {}, "m2m": {}}
    count = 0
    for model, field, one_to_one in fk_relations():
        ids = _move_fk(model, field, one_to_one, merged, survivor)
        if ids:
            moves["fk"][_label(model, field)] = ids
            count += len(ids)
    for label, through, owner, target in m2m_relations():
        result = _move_m2m(through, owner, target, merged, survivor)
        if result["moved"] or result["dropped"]:
            moves["m2m"][label] = result
            count += len(result["moved"]) + len(result["dropped"])
    now = timezone.now()
    _touch(merged, actor)
    merged.archived_at = now
    merged.merged_into = survivor
    merged.save(update_fields=["archived_at", "merged_into", "version"])
    _touch(survivor, actor)
    survivor.save(update_fields=["version"])
    record = OrganizationMerge.objects.create(
        survivor=survivor,
        merged=merged,
        by=policy.person(actor),
        at=now,
        moves=moves,
        moved_count=count,
    )
    hooks.profile_changed(organization=merged)
    hooks.profile_changed(organization=survivor)
    return record


def undo_deadline(merge: OrganizationMerge) -> dt.datetime:
    return merge.at + UNDO_WINDOW


def can_undo(merge: OrganizationMerge, now: dt.datetime | None = None) -> bool:
    return merge.undone_at is None and (now or timezone.now()) < undo_deadline(merge)


def _model(label: str) -> tuple[type[models.Model], str]:
    from django.apps import apps

    app_model, field = label.rsplit(".", 1)
    return apps.get_model(app_model), field


@transaction.atomic
def organization_merge_undo(*, actor: policy.Actor, merge: OrganizationMerge) -> OrganizationMerge:
    """Move back exactly what the merge moved and bring the duplicate back to the directory."""
    _check_actor(actor)
    merge = OrganizationMerge.objects.select_for_update().get(pk=merge.pk)
    if merge.undone_at is not None:
        raise Conflict(_("This merge was already undone."))
    if not can_undo(merge):
        raise Conflict(
            _("A merge can be undone for %(hours)s hours; this one is older.")
            % {"hours": int(UNDO_WINDOW.total_seconds() // 3600)}
        )
    survivor, merged = merge.survivor, merge.merged
    for label, ids in merge.moves.get("fk", {}).items():
        model, field = _model(label)
        model._default_manager.filter(pk__in=ids, **{field: survivor}).update(**{field: merged})
    m2m = {label: (through, owner, target) for label, through, owner, target in m2m_relations()}
    try:
        for label, result in merge.moves.get("m2m", {}).items():
            through, owner, target = m2m[label]
            through.objects.filter(**{target: survivor, f"{owner}_id__in": result["moved"]}).update(
                **{target: merged}
            )
            through.objects.bulk_create(
                [through(**{f"{owner}_id": pk, target: merged}) for pk in result["dropped"]],
                ignore_conflicts=True,
            )
    except IntegrityError:
        raise Conflict(
            _("The records moved by this merge have changed since; it can no longer be undone.")
        ) from None
    _touch(merged, actor)
    merged.archived_at = None
    merged.merged_into = None
    merged.save(update_fields=["archived_at", "merged_into", "version"])
    _touch(survivor, actor)
    survivor.save(update_fields=["version"])
    merge.undone_at = timezone.now()
    merge.undone_by = policy.person(actor)
    merge.save(update_fields=["undone_at", "undone_by"])
    hooks.profile_changed(organization=merged)
    hooks.profile_changed(organization=survivor)
    return merge


@transaction.atomic
def duplicate_dismiss(
    *, actor: policy.Actor, first: Organization, second: Organization
) -> DuplicateDismissal:
    """Record that two organizations are different, so the pair leaves the duplicates list."""
    if not policy.can_create(actor, OrganizationMerge):
        raise NotPermitted(_("Only program managers review likely duplicates."))
    low, high = sorted((first.pk, second.pk))
    if low == high:
        raise ValidationFailed({"merge": [_("An organization cannot be merged into itself.")]})
    dismissal, _created = DuplicateDismissal.objects.get_or_create(
        first_id=low,
        second_id=high,
        defaults={"by": policy.person(actor), "at": timezone.now()},
    )
    return dismissal
