"""Memoranda of understanding: drafting, signing, renewing, terminating, expiring."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from engagement import policy
from engagement.errors import Conflict, ValidationFailed
from engagement.models import MoU, Organization, Partnership, Thrust, TimelineEvent
from engagement.rules import MOU_TITLE, REASON
from engagement.services.common import (
    business_today,
    choice_labels,
    claim_version,
    resolve_codes,
)
from engagement.services.team_records import (
    as_date,
    check_change,
    record_event,
    resolve_ids,
    tombstone,
)
from engagement.services.webhooks import webhook_emit

EDITABLE = ("title", "parties", "effective_on", "expires_on", "renewal_notice_days", "thrusts")
DOCUMENT_TYPES = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def _event(mou: MoU, actor: policy.Actor, action: str, **data: Any) -> None:
    p = mou.partnership
    record_event(
        team=p.team,
        kind=TimelineEvent.Kind.MOU,
        obj=mou,
        actor=actor,
        partnership=p,
        organizations=[p.company, *p.counterparts.all()],
        data={"action": action, "title": mou.title, **data},
    )


def _validate(data: dict[str, Any], current: MoU | None) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    if current is None or "title" in data:
        clean["title"] = str(data.get("title") or "").strip()
        if not clean["title"]:
            errors["title"] = [_("This field is required.")]
        MOU_TITLE.check(clean["title"], "title", errors)
    for field in ("effective_on", "expires_on"):
        if field in data:
            clean[field] = as_date(data[field], field, errors)
    if "renewal_notice_days" in data:
        try:
            days = int(data["renewal_notice_days"])
        except (TypeError, ValueError):
            days = -1
        if not 0 <= days <= 3650:
            errors["renewal_notice_days"] = [_("A whole number of days from 0 to 3650.")]
        clean["renewal_notice_days"] = days
    if "parties" in data:
        clean["parties"] = resolve_ids(Organization, data["parties"], "parties", errors)
    if "thrusts" in data:
        clean["thrusts"] = resolve_codes(Thrust, data["thrusts"], "thrusts", errors)
    effective = clean.get("effective_on", current.effective_on if current else None)
    expires = clean.get("expires_on", current.expires_on if current else None)
    if effective and expires and expires <= effective:
        errors.setdefault("expires_on", []).append(_expiry_before_effective(expires, effective))
    if errors:
        raise ValidationFailed(errors)
    return clean


def _expiry_before_effective(expires: dt.date, effective: dt.date) -> str:
    return _("Expiry (%(expires)s) must be after the effective date (%(effective)s).") % {
        "expires": expires,
        "effective": effective,
    }


def _apply(mou: MoU, clean: dict[str, Any]) -> None:
    for field, value in clean.items():
        if field in ("parties", "thrusts"):
            continue
        setattr(mou, field, value)


def _links(mou: MoU, clean: dict[str, Any]) -> None:
    for field in ("parties", "thrusts"):
        if field in clean:
            getattr(mou, field).set(clean[field])


@transaction.atomic
def mou_create(
    *, actor: policy.Actor, partnership: Partnership, status: str = "draft", **data: Any
) -> MoU:
    check_change(actor, partnership)
    if status not in (MoU.Status.DRAFT, MoU.Status.NEGOTIATING):
        raise ValidationFailed(
            {
                "status": [
                    _("A new MoU is a draft or under negotiation; sign it with the sign action.")
                ]
            }
        )
    clean = _validate(data, None)
    mou = MoU(partnership=partnership, status=status)
    _apply(mou, clean)
    mou._history_user = policy.person(actor)
    mou.save()
    if "parties" not in clean:
        clean["parties"] = [partnership.company, *partnership.counterparts.all()]
    _links(mou, clean)
    _event(mou, actor, "created")
    return mou


@transaction.atomic
def mou_update(
    *, actor: policy.Actor, mou: MoU, expected_version: int | None = None, **changes: Any
) -> MoU:
    check_change(actor, mou)
    if "status" in changes and changes["status"] != mou.status:
        if {mou.status, changes["status"]} <= {MoU.Status.DRAFT, MoU.Status.NEGOTIATING}:
            mou.status = changes["status"]
        else:
            raise ValidationFailed({"status": [_("Use the sign, renew or terminate action.")]})
    clean = _validate(changes, mou)
    claim_version(mou, expected_version)
    _apply(mou, clean)
    mou._history_user = policy.person(actor)
    mou.save()
    _links(mou, clean)
    return mou


def _move(mou: MoU, expected: tuple[str, ...], **fields: Any) -> None:
    """Claim the status change with a conditional UPDATE, so a double submit signs once."""
    rows = MoU.objects.filter(pk=mou.pk, status__in=expected).update(**fields)
    if rows != 1:
        mou.refresh_from_db(fields=["status"])
        raise Conflict(
            _("This MoU is %(status)s; that action needs one that is %(expected)s.")
            % {
                "status": mou.get_status_display(),
                "expected": choice_labels(MoU.Status, expected),
            },
            errors={"status": [_("Is %(status)s.") % {"status": mou.get_status_display()}]},
        )


@transaction.atomic
def mou_sign(
    *,
    actor: policy.Actor,
    mou: MoU,
    signed_on: Any,
    effective_on: Any = None,
    expires_on: Any = None,
) -> MoU:
    check_change(actor, mou)
    errors: dict[str, list[str]] = {}
    signed = as_date(signed_on, "signed_on", errors, required=True)
    today = business_today()
    if signed and signed > today:
        errors["signed_on"] = [_("The signing date %(date)s is in the future.") % {"date": signed}]
    clean = (
        _validate(
            {
                k: v
                for k, v in (("effective_on", effective_on), ("expires_on", expires_on))
                if v is not None
            },
            mou,
        )
        if not errors
        else {}
    )
    if errors:
        raise ValidationFailed(errors)
    effective = clean.get("effective_on", mou.effective_on) or signed
    expires = clean.get("expires_on", mou.expires_on)
    if expires and expires <= effective:
        raise ValidationFailed({"expires_on": [_expiry_before_effective(expires, effective)]})
    if expires and expires <= today:
        raise ValidationFailed(
            {
                "expires_on": [
                    _("This MoU would already be expired (%(expires)s).") % {"expires": expires}
                ]
            }
        )
    status = MoU.Status.ACTIVE if effective <= today else MoU.Status.SIGNED
    _move(
        mou,
        (MoU.Status.DRAFT, MoU.Status.NEGOTIATING),
        status=status,
        signed_on=signed,
        effective_on=effective,
        expires_on=expires,
        updated_at=timezone.now(),
    )
    mou.refresh_from_db()
    mou.version += 1
    mou._history_user = policy.person(actor)
    mou.save()
    _event(
        mou,
        actor,
        "signed",
        signed_on=signed.isoformat(),
        expires_on=expires.isoformat() if expires else None,
    )
    webhook_emit(
        "mou.signed",
        mou,
        data={
            "id": mou.pk,
            "team": mou.partnership.team.slug,
            "partnership": mou.partnership_id,
            "title": mou.title,
            "status": mou.status,
            "signed_on": mou.signed_on,
            "effective_on": mou.effective_on,
            "expires_on": mou.expires_on,
        },
    )
    return mou


@transaction.atomic
def mou_terminate(*, actor: policy.Actor, mou: MoU, reason: str) -> MoU:
    check_change(actor, mou)
    if not (reason or "").strip():
        raise ValidationFailed({"reason": [_("Say why the MoU is terminated.")]})
    REASON.enforce((reason or "").strip(), "reason")
    _move(
        mou,
        (MoU.Status.SIGNED, MoU.Status.ACTIVE, MoU.Status.DRAFT, MoU.Status.NEGOTIATING),
        status=MoU.Status.TERMINATED,
    )
    mou.refresh_from_db()
    mou.version += 1
    mou._history_user = policy.person(actor)
    mou.save()
    _event(mou, actor, "terminated", reason=reason.strip())
    return mou


@transaction.atomic
def mou_renew(
    *, actor: policy.Actor, mou: MoU, effective_on: Any, expires_on: Any, title: str = ""
) -> MoU:
    """Create the successor MoU (a draft to be signed) and mark this one renewed."""
    check_change(actor, mou)
    if MoU.objects.filter(predecessor=mou).exists():
        raise Conflict(
            _("This MoU has already been renewed."), errors={"status": [_("Already renewed.")]}
        )
    clean = _validate(
        {"title": title or mou.title, "effective_on": effective_on, "expires_on": expires_on}, None
    )
    errors: dict[str, list[str]] = {}
    for field in ("effective_on", "expires_on"):
        if clean.get(field) is None:
            errors[field] = [_("This field is required.")]
    if errors:
        raise ValidationFailed(errors)
    _move(
        mou, (MoU.Status.SIGNED, MoU.Status.ACTIVE, MoU.Status.EXPIRED), status=MoU.Status.RENEWED
    )
    mou.refresh_from_db()
    mou.version += 1
    mou._history_user = policy.person(actor)
    mou.save()
    successor = MoU(
        partnership=mou.partnership,
        status=MoU.Status.DRAFT,
        predecessor=mou,
        renewal_notice_days=mou.renewal_notice_days,
    )
    _apply(successor, clean)
    successor._history_user = policy.person(actor)
    successor.save()
    successor.parties.set(mou.parties.all())
    successor.thrusts.set(mou.thrusts.all())
    _event(mou, actor, "renewed", successor=successor.pk)
    webhook_emit(
        "mou.renewed",
        mou,
        data={
            "id": mou.pk,
            "team": mou.partnership.team.slug,
            "partnership": mou.partnership_id,
            "successor": successor.pk,
        },
    )
    return successor


_LIVE = (MoU.Status.SIGNED, MoU.Status.ACTIVE)


def mous_due_to_activate(*, today: dt.date) -> QuerySet[MoU]:
    """Signed MoUs whose effective date has come: what `mou_activate_due` moves, and what a
    dry run lists."""
    return (
        MoU.objects.filter(status=MoU.Status.SIGNED, effective_on__lte=today)
        .exclude(expires_on__lte=today)  # expiry takes it from there
        .order_by("pk")
    )


def mous_due_to_expire(*, today: dt.date) -> QuerySet[MoU]:
    """Signed or active MoUs whose expiry date has come: what `mou_expire_due` moves, and what
    a dry run lists."""
    return MoU.objects.filter(status__in=_LIVE, expires_on__lte=today).order_by("pk")


def mou_activate_due(*, today: dt.date) -> list[int]:
    """Move every signed MoU whose effective date has come to `active` (signing before the
    effective date leaves it `signed`)."""
    due = mous_due_to_activate(today=today).values_list("pk", flat=True)
    return _date_reached(list(due), (MoU.Status.SIGNED,), MoU.Status.ACTIVE, "effective_on")


def mou_expire_due(*, today: dt.date) -> list[int]:
    """Move every signed or active MoU whose expiry date has come to `expired`."""
    due = mous_due_to_expire(today=today).values_list("pk", flat=True)
    return _date_reached(list(due), _LIVE, MoU.Status.EXPIRED, "expires_on")


# The status a date moves an MoU to → its timeline action and webhook event.
_DATE_EVENTS = {
    MoU.Status.ACTIVE: ("activated", "mou.activated"),
    MoU.Status.EXPIRED: ("expired", "mou.expired"),
}


def _date_reached(due: list[int], expected: tuple[str, ...], to: str, date_field: str) -> list[int]:
    """Move each MoU of `due` from `expected` to `to`, with its timeline entry and webhook. The
    conditional UPDATE is the claim: run twice, or on two workers, each MoU moves once."""
    action, event = _DATE_EVENTS[to]
    moved = []
    for pk in due:
        with transaction.atomic():
            if not MoU.objects.filter(pk=pk, status__in=expected).update(
                status=to, updated_at=timezone.now(), version=F("version") + 1
            ):
                continue
            mou = MoU.objects.select_related("partnership__team", "partnership__company").get(pk=pk)
            mou.save(update_fields=["updated_at"])  # one history row for the change
            day = getattr(mou, date_field)
            _event(mou, None, action, **{date_field: day.isoformat()})
            webhook_emit(
                event,
                mou,
                data={
                    "id": mou.pk,
                    "team": mou.partnership.team.slug,
                    "partnership": mou.partnership_id,
                    date_field: day,
                },
            )
            moved.append(pk)
    return moved


def _check_document(upload: UploadedFile) -> str:
    name = PurePath(upload.name or "").name
    suffix = PurePath(name).suffix.lower()
    limit = settings.MOU_DOCUMENT_MAX_BYTES
    if suffix not in DOCUMENT_TYPES:
        problem = (
            _("%(name)s is not a PDF or DOCX file.") % {"name": name}
            if name
            else _("The file is not a PDF or DOCX file.")
        )
        raise ValidationFailed({"document": [problem]})
    if upload.size > limit:
        raise ValidationFailed(
            {
                "document": [
                    _("%(name)s is %(size)s bytes; the limit is %(limit)s bytes.")
                    % {"name": name, "size": f"{upload.size:,}", "limit": f"{limit:,}"}
                ]
            }
        )
    head = upload.read(8)
    upload.seek(0)
    if suffix == ".pdf" and not head.startswith(b"%PDF-"):
        raise ValidationFailed(
            {"document": [_("%(name)s does not look like a PDF file.") % {"name": name}]}
        )
    if suffix == ".docx":
        data = upload.read()
        upload.seek(0)
        try:
            names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        except zipfile.BadZipFile:
            names = []
        if "word/document.xml" not in names:
            raise ValidationFailed(
                {"document": [_("%(name)s does not look like a DOCX file.") % {"name": name}]}
            )
    return name


@transaction.atomic
def mou_attach_document(*, actor: policy.Actor, mou: MoU, upload: UploadedFile) -> MoU:
    check_change(actor, mou)
    name = _check_document(upload)
    old = mou.document.name if mou.document else ""
    mou.document.save(name, upload, save=False)
    mou.document_name = name
    claim_version(mou, None)
    mou._history_user = policy.person(actor)
    mou.save()
    if old:
        storage = mou.document.storage
        transaction.on_commit(lambda: storage.delete(old))
    _event(mou, actor, "document", document=name)
    return mou


@transaction.atomic
def mou_delete(*, actor: policy.Actor, mou: MoU) -> None:
    check_change(actor, mou)
    tombstone("mous", mou, mou.partnership.team)
    mou._history_user = policy.person(actor)
    mou.delete()
