"""Recording implementation statuses, policy updates and follows."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from engagement import policy
from engagement.errors import Conflict, NotPermitted, ValidationFailed
from engagement.models import (
    Follow,
    ImplementationStatus,
    Initiative,
    MemberState,
    PolicyUpdate,
    Thrust,
    Tombstone,
)
from engagement.rules import POLICY_UPDATE_TEXT, SOURCE_TEXT, STATUS_NOTE
from engagement.services import hooks
from engagement.services.common import resolve_codes
from engagement.services.team_records import as_date

SOURCE_FIELDS = tuple(SOURCE_TEXT)


def _may_record(actor: policy.Actor, model) -> None:
    if not policy.can_create(actor, model):
        raise NotPermitted(
            _("Only program managers and administrators record market intelligence.")
        )


def _one_of(values: list[str]) -> str:
    return _("Must be one of: %(values)s.") % {"values": ", ".join(values)}


def _source(data: dict[str, Any], errors: dict[str, list[str]]) -> dict[str, str]:
    clean = {f: str(data.get(f) or "").strip() for f in SOURCE_FIELDS}
    if clean["source_url"]:
        try:
            URLValidator(schemes=["http", "https"])(clean["source_url"])
        except DjangoValidationError:
            errors["source_url"] = [_("Enter a valid http(s) URL.")]
    if not clean["source_url"] and not clean["source_title"]:
        errors["source_url"] = [_("Give the source: a URL, a document title, or both.")]
    for field, limit in SOURCE_TEXT.items():
        limit.check(clean[field], field, errors)
    return clean


@transaction.atomic
def implementation_status_record(
    *,
    actor: policy.Actor,
    initiative: Any = None,
    member_state: Any = None,
    status: str = "",
    effective_on: Any = None,
    note: str = "",
    source_date: Any = None,
    **source: Any,
) -> ImplementationStatus:
    """Add a dated observation; the newest by effective date becomes the current status. The
    same observation (initiative, member state, status, effective date) is recorded once."""
    _may_record(actor, ImplementationStatus)
    errors: dict[str, list[str]] = {}
    init = _status_initiative(initiative, errors)
    state = _status_member_state(member_state, errors)
    if status not in ImplementationStatus.Status.values:
        errors["status"] = [_one_of(ImplementationStatus.Status.values)]
    effective = as_date(effective_on, "effective_on", errors, required=True)
    if effective and effective > timezone.localdate() + dt.timedelta(days=366):
        errors["effective_on"] = [_("More than a year ahead: record it when it is announced.")]
    src_date = as_date(source_date, "source_date", errors)
    clean_source = _source(source, errors)
    STATUS_NOTE.check((note or "").strip(), "note", errors)
    if errors:
        raise ValidationFailed(errors)
    observation = {
        "initiative": init,
        "member_state": state,
        "status": status,
        "effective_on": effective,
    }
    _refuse_recorded_status(observation)
    try:
        with transaction.atomic():
            record = ImplementationStatus.objects.create(
                **observation,
                note=(note or "").strip(),
                source_date=src_date,
                recorded_by=policy.person(actor),
                **clean_source,
            )
    except IntegrityError:
        # Someone recorded the same observation between our check and our write.
        _refuse_recorded_status(observation)
        raise
    # Matching reads the current statuses: the companies that care about this state re-rank.
    hooks.watch_changed(member_state_id=state.pk)
    return record


def _status_initiative(value: Any, errors: dict[str, list[str]]) -> Initiative | None:
    if isinstance(value, Initiative):
        return value
    if value in (None, ""):
        errors["initiative"] = [_("This field is required.")]
        return None
    found = Initiative.objects.filter(code=value).first()
    if found is None:
        errors["initiative"] = [_("Unknown initiative code: %(code)s.") % {"code": repr(value)}]
    return found


def _status_member_state(value: Any, errors: dict[str, list[str]]) -> MemberState | None:
    if isinstance(value, MemberState):
        return value
    if value in (None, ""):
        errors["member_state"] = [_("This field is required.")]
        return None
    found = MemberState.objects.filter(iso2=str(value).upper()).first()
    if found is None:
        errors["member_state"] = [
            _("%(code)s is not an ASEAN member state code.") % {"code": repr(value)}
        ]
    return found


def _refuse_recorded_status(observation: dict[str, Any]) -> None:
    existing = ImplementationStatus.objects.filter(**observation).first()
    if existing is None:
        return
    values = {
        "initiative": existing.initiative.code,
        "state": existing.member_state.iso2,
        "status": existing.get_status_display(),
        "date": existing.effective_on.isoformat(),
        "id": existing.pk,
    }
    raise Conflict(
        _(
            "This status is already recorded: %(initiative)s in %(state)s %(status)s from "
            "%(date)s, id %(id)s."
        )
        % values,
        errors={
            "status": [
                _(
                    "Duplicate of existing status %(initiative)s in %(state)s %(status)s from "
                    "%(date)s (id %(id)s)."
                )
                % values
            ]
        },
        existing=existing,
    )


@transaction.atomic
def implementation_status_delete(*, actor: policy.Actor, record: ImplementationStatus) -> None:
    """Remove an observation recorded by mistake; the previous one becomes current again."""
    if not policy.can_change(actor, record):
        raise NotPermitted(
            _("Only program managers and administrators correct market intelligence.")
        )
    Tombstone.objects.create(resource="implementation-statuses", object_id=record.pk)
    state_id = record.member_state_id
    record.delete()
    hooks.watch_changed(member_state_id=state_id)


def _policy_update_clean(data: dict[str, Any], current: PolicyUpdate | None) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    for field, limit in POLICY_UPDATE_TEXT.items():
        if current is None or field in data:
            clean[field] = str(data.get(field) or "").strip()
            limit.check(clean[field], field, errors)
    title = clean.get("title", current.title if current else "")
    title_ja = clean.get("title_ja", current.title_ja if current else "")
    if not title and not title_ja:
        errors["title"] = [_("Give a title in English or Japanese.")]
    if current is None or "kind" in data:
        clean["kind"] = data.get("kind")
        if clean["kind"] not in PolicyUpdate.Kind.values:
            errors["kind"] = [_one_of(PolicyUpdate.Kind.values)]
    if current is None or "published_on" in data:
        clean["published_on"] = as_date(
            data.get("published_on"), "published_on", errors, required=True
        )
    if current is None or any(f in data for f in SOURCE_FIELDS):
        merged = {f: data.get(f, getattr(current, f, "") if current else "") for f in SOURCE_FIELDS}
        clean.update(_source(merged, errors))
    if "member_states" in data:
        clean["member_states"] = resolve_codes(
            MemberState, data["member_states"], "member_states", errors, code_field="iso2"
        )
    if "thrusts" in data:
        clean["thrusts"] = resolve_codes(Thrust, data["thrusts"], "thrusts", errors)
    if "initiatives" in data:
        clean["initiatives"] = resolve_codes(Initiative, data["initiatives"], "initiatives", errors)
    if errors:
        raise ValidationFailed(errors)
    return clean


def _save_policy_update(update: PolicyUpdate, clean: dict[str, Any]) -> PolicyUpdate:
    links = {k: clean.pop(k) for k in ("member_states", "thrusts", "initiatives") if k in clean}
    for field, value in clean.items():
        setattr(update, field, value)
    _refuse_published_update(update)
    try:
        with transaction.atomic():
            update.save()
    except IntegrityError:
        # Someone published the same update between our check and our write.
        _refuse_published_update(update)
        raise
    for field, items in links.items():
        getattr(update, field).set(items)
    return update


def _refuse_published_update(update: PolicyUpdate) -> None:
    """One policy update per title (English or Japanese) and publication day."""
    same_title = Q()
    for field in ("title", "title_ja"):
        if getattr(update, field):
            same_title |= Q(**{field: getattr(update, field)})
    existing = (
        PolicyUpdate.objects.filter(same_title, published_on=update.published_on)
        .exclude(pk=update.pk)
        .first()
    )
    if existing is None:
        return
    field = "title" if update.title and update.title == existing.title else "title_ja"
    values = {"title": existing, "date": existing.published_on.isoformat(), "id": existing.pk}
    raise Conflict(
        _("This policy update is already recorded: %(title)s of %(date)s, id %(id)s.") % values,
        errors={
            field: [
                _("Duplicate of existing policy update %(title)s of %(date)s (id %(id)s).") % values
            ]
        },
        existing=existing,
    )


@transaction.atomic
def policy_update_create(*, actor: policy.Actor, **data: Any) -> PolicyUpdate:
    _may_record(actor, PolicyUpdate)
    clean = _policy_update_clean(data, None)
    return _save_policy_update(PolicyUpdate(recorded_by=policy.person(actor)), clean)


@transaction.atomic
def policy_update_update(
    *, actor: policy.Actor, update: PolicyUpdate, **changes: Any
) -> PolicyUpdate:
    if not policy.can_change(actor, update):
        raise NotPermitted(_("Only program managers and administrators edit policy updates."))
    return _save_policy_update(update, _policy_update_clean(changes, update))


@transaction.atomic
def policy_update_delete(*, actor: policy.Actor, update: PolicyUpdate) -> None:
    if not policy.can_change(actor, update):
        raise NotPermitted(_("Only program managers and administrators delete policy updates."))
    Tombstone.objects.create(resource="policy-updates", object_id=update.pk)
    update.delete()


@transaction.atomic
def follow_add(
    *, user: policy.Actor, member_state: Any = None, thrust: Any = None, initiative: Any = None
) -> Follow:
    errors: dict[str, list[str]] = {}
    given = [x for x in (member_state, thrust, initiative) if x]
    if len(given) != 1:
        raise ValidationFailed(
            {"subject": [_("Follow exactly one member state, thrust or initiative.")]}
        )
    target: dict[str, Any] = {}
    if member_state:
        found = resolve_codes(
            MemberState, [member_state], "member_state", errors, code_field="iso2"
        )
        target["member_state"] = found[0] if found else None
    if thrust:
        found = resolve_codes(Thrust, [thrust], "thrust", errors)
        target["thrust"] = found[0] if found else None
    if initiative:
        found = resolve_codes(Initiative, [initiative], "initiative", errors)
        target["initiative"] = found[0] if found else None
    if errors:
        raise ValidationFailed(errors)
    try:
        with transaction.atomic():
            return Follow.objects.create(user=user, **target)
    except IntegrityError:
        raise Conflict(
            _("You already follow it."), errors={"subject": [_("Already followed.")]}
        ) from None


@transaction.atomic
def follow_remove(*, user: policy.Actor, follow: Follow) -> None:
    if follow.user_id != user.pk:
        raise NotPermitted(_("That is not your follow."))
    follow.delete()
