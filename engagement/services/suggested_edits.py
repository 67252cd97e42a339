"""Suggested edits: how a team changes a shared organization it may not edit directly.

The proposer sends the fields (in the API's input shape) and a reason; a program manager sees
the difference to the current record, and applies it (through organization_update, so every
rule of the directory applies at that moment) or declines it. The proposer is told either way.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from engagement import policy
from engagement.errors import Conflict, NotPermitted, ValidationFailed, field_labels
from engagement.models import Notification, Organization, SuggestedEdit, User
from engagement.rules import SUGGESTION_NOTE
from engagement.services.directory import (
    ORGANIZATION_M2M_FIELDS,
    ORGANIZATION_TEXT_FIELDS,
    organization_update,
    validate_organization_input,
)
from engagement.services.notifications import notify

# What a suggestion may change: every field an organization's steward may edit.
SUGGESTABLE_FIELDS = (
    *ORGANIZATION_TEXT_FIELDS,
    *ORGANIZATION_M2M_FIELDS,
    "org_type",
    "country",
    "accepting_partners",
)


def _clean_changes(organization: Organization, changes: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    unknown = sorted(set(changes) - set(SUGGESTABLE_FIELDS))
    if unknown:
        errors["changes"] = [
            _("These fields cannot be changed: %(fields)s.") % {"fields": field_labels(unknown)}
        ]
    if not changes:
        errors["changes"] = [_("Name at least one field to change.")]
    if errors:
        raise ValidationFailed(errors)
    # The same checks as a direct edit, so a suggestion that could never be applied is refused
    # now, with the same messages, not when a program manager tries to apply it.
    validate_organization_input(changes, organization)
    return dict(changes)


def current_values(organization: Organization, fields: list[str]) -> dict[str, Any]:
    """The organization's values of `fields`, in the API's input shape."""
    out: dict[str, Any] = {}
    for field in fields:
        if field in ORGANIZATION_M2M_FIELDS:
            code = ORGANIZATION_M2M_FIELDS[field][1]
            out[field] = sorted(getattr(organization, field).values_list(code, flat=True))
        elif field == "org_type":
            out[field] = organization.org_type.code
        else:
            out[field] = getattr(organization, field)
    return out


def suggested_edit_diff(edit: SuggestedEdit) -> list[dict[str, Any]]:
    """Each proposed field with the organization's current value and the proposed one."""
    now = current_values(edit.organization, sorted(edit.changes))
    rows = []
    for field in sorted(edit.changes):
        new = edit.changes[field]
        if field in ORGANIZATION_M2M_FIELDS and isinstance(new, list):
            new = sorted(str(v) for v in new)
        rows.append({"field": field, "current": now[field], "proposed": new})
    return rows


@transaction.atomic
def suggested_edit_create(
    *, actor: User, organization: Organization, changes: dict[str, Any], reason: str
) -> SuggestedEdit:
    """Propose a change to `organization` on behalf of the actor's team."""
    if not policy.can_suggest_edit(actor, organization) or actor.team_id is None:
        raise NotPermitted(_("You may not propose changes to the directory."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed({"reason": [_("Say why the change is right.")]})
    SUGGESTION_NOTE.enforce(reason, "reason")
    clean = _clean_changes(organization, changes)
    return SuggestedEdit.objects.create(
        organization=organization,
        team_id=actor.team_id,
        proposed_by=actor,
        changes=clean,
        reason=reason,
        base_version=organization.version,
    )


def _note(note: str) -> str:
    """The steward's note to the proposer, refused whole when too long (never cut short)."""
    note = (note or "").strip()
    SUGGESTION_NOTE.enforce(note, "note")
    return note


def _claim(edit: SuggestedEdit, actor: User, status: str, note: str) -> None:
    """Decide a pending suggestion once: of two program managers deciding at the same moment,
    one wins and the other is told it was already decided."""
    if not policy.can_change(actor, edit):
        raise NotPermitted(_("Only program managers apply or decline suggested edits."))
    note = _note(note)
    now = timezone.now()
    claimed = SuggestedEdit.objects.filter(pk=edit.pk, status=SuggestedEdit.Status.PENDING).update(
        status=status, decided_by=actor, decided_at=now, decision_note=note, updated_at=now
    )
    if claimed != 1:
        raise Conflict(_("This suggested edit was already decided."))
    edit.refresh_from_db()


def _tell_proposer(edit: SuggestedEdit) -> None:
    person = edit.proposed_by
    if person is None:
        return
    with translation.override(person.language or None):
        name = edit.organization.display_name
        if edit.status == SuggestedEdit.Status.APPLIED:
            subject = _("Your suggested edit to %(name)s was applied") % {"name": name}
        else:
            subject = _("Your suggested edit to %(name)s was declined") % {"name": name}
        body = subject + "."
        if edit.decision_note:
            body += "\n\n" + _("Note from the program manager: %(note)s") % {
                "note": edit.decision_note
            }
    notify(
        user=person,
        kind=Notification.Kind.SUGGESTED_EDIT,
        key=f"suggested-edit:{edit.pk}:{edit.status}",
        subject=subject,
        body=body,
        url=f"/organizations/{edit.organization_id}/",
    )


@transaction.atomic
def suggested_edit_apply(*, actor: User, edit: SuggestedEdit, note: str = "") -> SuggestedEdit:
    """Apply the proposed fields to the organization as it is now."""
    _claim(edit, actor, SuggestedEdit.Status.APPLIED, note)
    organization_update(actor=actor, organization=edit.organization, **edit.changes)
    _tell_proposer(edit)
    return edit


@transaction.atomic
def suggested_edit_decline(*, actor: User, edit: SuggestedEdit, note: str = "") -> SuggestedEdit:
    _claim(edit, actor, SuggestedEdit.Status.DECLINED, note)
    _tell_proposer(edit)
    return edit
