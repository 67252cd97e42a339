"""Writes to the shared directory: organizations and contacts."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator, validate_email
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from engagement import policy, references
from engagement.errors import Conflict, NotPermitted, ValidationFailed
from engagement.models import (
    Capability,
    Contact,
    MemberState,
    Organization,
    OrganizationKind,
    OrganizationNameKey,
    OrgType,
    Thrust,
    Tombstone,
)
from engagement.normalize import normalize_email, normalize_name
from engagement.rules import CONTACT_TEXT, ORGANIZATION_TEXT
from engagement.services import hooks
from engagement.services.common import claim_version, record_name, resolve_codes

ORGANIZATION_TEXT_FIELDS = tuple(ORGANIZATION_TEXT)
ORGANIZATION_M2M_FIELDS = {
    # field: (model, code field)
    "capabilities": (Capability, "code"),
    "needs": (Capability, "code"),
    "thrusts": (Thrust, "code"),
    "priority_countries": (MemberState, "iso2"),
    "presence_countries": (MemberState, "iso2"),
}


@dataclass(frozen=True)
class _OrgInput:
    kind: str
    org_type: OrgType | None
    country: str
    texts: dict[str, str]
    accepting_partners: bool
    m2m: dict[str, list[Any] | None]


def _check_actor(actor: policy.Actor, obj: Organization | Contact | None, model: type) -> None:
    allowed = policy.can_create(actor, model) if obj is None else policy.can_change(actor, obj)
    if not allowed:
        raise NotPermitted(
            _("You may not change %(records)s.") % {"records": record_name(model, plural=True)}
        )


def _check_organization_write(actor: policy.Actor, organization: Organization) -> None:
    mode = policy.organization_write(actor, organization)
    if mode == policy.SUGGEST:
        raise NotPermitted(
            _(
                "%(name)s is shared with other teams, so changes to it are reviewed: propose "
                "yours as a suggested edit (POST /api/v1/organizations/%(id)s/suggested-edits/ "
                'with the fields and a reason, or "Suggest an edit" on its page) and a '
                "program manager will apply or decline it."
            )
            % {"name": organization.name, "id": organization.pk}
        )
    if mode != policy.DIRECT:
        raise NotPermitted(
            _("You may not change %(records)s.")
            % {"records": record_name(Organization, plural=True)}
        )


def validate_organization_input(data: dict[str, Any], current: Organization | None) -> _OrgInput:
    errors: dict[str, list[str]] = {}
    kind = data.get("kind", current.kind if current else "")
    if kind not in OrganizationKind.values:
        errors["kind"] = [
            _("Must be one of: %(values)s.") % {"values": ", ".join(OrganizationKind.values)}
        ]
    texts = {
        f: str(data.get(f, getattr(current, f, "") if current else "") or "").strip()
        for f in ORGANIZATION_TEXT_FIELDS
    }
    if not texts["name"]:
        errors["name"] = [_("This field is required.")]
    if texts["website"]:
        try:
            URLValidator(schemes=["http", "https"])(texts["website"])
        except DjangoValidationError:
            errors["website"] = [_("Enter a valid http(s) URL.")]
    texts["switchboard_email"] = normalize_email(texts["switchboard_email"])
    if texts["switchboard_email"]:
        try:
            validate_email(texts["switchboard_email"])
        except DjangoValidationError:
            errors["switchboard_email"] = [_("Enter a valid email address.")]
    for field, limit in ORGANIZATION_TEXT.items():
        limit.check(texts[field], field, errors)

    org_type: OrgType | None = current.org_type if current else None
    if "org_type" in data:
        org_type = OrgType.objects.filter(code=data["org_type"]).first()
        if org_type is None:
            errors["org_type"] = [
                _("Unknown organization type code: %(code)s.") % {"code": repr(data["org_type"])}
            ]
    if org_type is None and "org_type" not in errors:
        errors["org_type"] = [_("This field is required.")]
    elif org_type is not None and kind in OrganizationKind.values and org_type.kind != kind:
        errors["org_type"] = [
            _("Type %(type)s is for %(type_kind)s, not %(kind)s.")
            % {
                "type": repr(org_type.display_name),
                "type_kind": OrganizationKind(org_type.kind).label,
                "kind": OrganizationKind(kind).label,
            }
        ]

    country = str(data.get("country", current.country if current else "") or "").strip().upper()
    if kind == OrganizationKind.JAPANESE_COMPANY and country != "JP":
        errors["country"] = [_("A Japanese company's country is JP.")]
    elif (
        kind == OrganizationKind.ASEAN_INSTITUTION
        and country
        and not MemberState.objects.filter(iso2=country).exists()
    ):
        # Blank is allowed: a regional body (ERIA, ASEAN-Japan Centre) serves all member states.
        errors["country"] = [
            _(
                "%(country)s is not an ASEAN member state code (leave it blank for a regional, "
                "ASEAN-wide body)."
            )
            % {"country": country}
        ]

    m2m: dict[str, list[Any] | None] = {}
    for field, (model, code_field) in ORGANIZATION_M2M_FIELDS.items():
        if field in data:
            m2m[field] = resolve_codes(model, data[field], field, errors, code_field=code_field)
        else:
            m2m[field] = None  # unchanged
    if errors:
        raise ValidationFailed(errors)
    accepting = data.get("accepting_partners", current.accepting_partners if current else True)
    return _OrgInput(kind, org_type, country, texts, bool(accepting), m2m)


def _name_keys(org: Organization) -> set[str]:
    return {k for k in (normalize_name(org.name), normalize_name(org.name_ja)) if k}


def _find_duplicate(country: str, keys: Iterable[str], exclude_pk: int | None):
    """The organization these names already belong to. A record merged into another keeps its
    names, and the answer is then the record it was merged into."""
    clashes = OrganizationNameKey.objects.filter(country=country, key__in=list(keys))
    if exclude_pk is not None:
        clashes = clashes.exclude(organization_id=exclude_pk).exclude(
            organization__merged_into_id=exclude_pk
        )
    clash = clashes.select_related("organization__merged_into").first()
    if clash is None:
        return None
    return clash.organization.merged_into or clash.organization


def _duplicate_error(existing: Organization) -> Conflict:
    label = existing.name + (f" ({existing.name_ja})" if existing.name_ja else "")
    values = {"country": existing.country, "label": label, "id": existing.pk}
    return Conflict(
        _("An organization with this name already exists in %(country)s: %(label)s, id %(id)s.")
        % values,
        errors={"name": [_("Duplicate of existing organization %(label)s (id %(id)s).") % values]},
        existing=existing,
    )


def _write_name_keys(org: Organization) -> None:
    keys = _name_keys(org)
    OrganizationNameKey.objects.filter(organization=org).exclude(key__in=keys).delete()
    OrganizationNameKey.objects.filter(organization=org).exclude(country=org.country).delete()
    have = set(OrganizationNameKey.objects.filter(organization=org).values_list("key", flat=True))
    OrganizationNameKey.objects.bulk_create(
        [OrganizationNameKey(organization=org, country=org.country, key=k) for k in keys - have]
    )


def _apply(org: Organization, clean: _OrgInput) -> None:
    org.kind = clean.kind
    org.org_type = clean.org_type
    org.country = clean.country
    org.accepting_partners = clean.accepting_partners
    for field, value in clean.texts.items():
        setattr(org, field, value)
    org.search_text = org.searchable


def _save_with_keys(org: Organization, clean: _OrgInput, actor: policy.Actor) -> Organization:
    duplicate = _find_duplicate(clean.country, _name_keys(org), org.pk)
    if duplicate is not None:
        raise _duplicate_error(duplicate)
    org._history_user = policy.person(actor)
    try:
        with transaction.atomic():
            org.save()
            _write_name_keys(org)
    except IntegrityError:
        # Someone created the same organization between our check and our write.
        duplicate = _find_duplicate(clean.country, _name_keys(org), org.pk)
        if duplicate is not None:
            raise _duplicate_error(duplicate) from None
        raise
    for field, values in clean.m2m.items():
        if values is not None:
            getattr(org, field).set(values)
    return org


@transaction.atomic
def organization_create(*, actor: policy.Actor, **data: Any) -> Organization:
    """Create an organization, refusing one whose normalised name already exists in its country."""
    _check_actor(actor, None, Organization)
    clean = validate_organization_input(data, None)
    org = Organization(created_by_team_id=getattr(actor, "team_id", None))
    _apply(org, clean)
    org = _save_with_keys(org, clean, actor)
    hooks.profile_changed(organization=org)
    return org


@transaction.atomic
def organization_update(
    *,
    actor: policy.Actor,
    organization: Organization,
    expected_version: int | None = None,
    **changes: Any,
) -> Organization:
    """Change an organization. With `expected_version`, a stale copy is refused."""
    _check_organization_write(actor, organization)
    clean = validate_organization_input(changes, organization)
    claim_version(organization, expected_version)
    _apply(organization, clean)
    organization = _save_with_keys(organization, clean, actor)
    hooks.profile_changed(organization=organization)
    return organization


def _still_referred_to(organization: Organization, count: int) -> Conflict:
    # The referring records may belong to other teams: say how many there are, not whose.
    return Conflict(
        ngettext(
            "%(name)s cannot be deleted: %(count)s record still refers to it. Archive it "
            "instead (or merge it into the organization it duplicates).",
            "%(name)s cannot be deleted: %(count)s records still refer to it. Archive it "
            "instead (or merge it into the organization it duplicates).",
            count,
        )
        % {"name": organization.name, "count": count},
        errors={"non_field_errors": [_("Still referred to by other records.")]},
        references=count,
    )


@transaction.atomic
def organization_delete(*, actor: policy.Actor, organization: Organization) -> None:
    """Remove an organization nothing refers to. Program managers and administrators only:
    a directory record any team's work points at is archived, never removed."""
    if not policy.can_delete(actor, organization):
        raise NotPermitted(
            _(
                "Only program managers remove organizations from the shared directory; "
                "propose a suggested edit instead."
            )
        )
    count = sum(references.team_reference_counts(organization).values())
    if count:
        raise _still_referred_to(organization, count)
    organization._history_user = policy.person(actor)
    Tombstone.objects.create(resource="organizations", object_id=organization.pk)
    try:
        organization.delete()
    except (ProtectedError, RestrictedError):
        raise _still_referred_to(organization, 1) from None


@transaction.atomic
def organization_archive(
    *, actor: policy.Actor, organization: Organization, archived: bool = True
) -> Organization:
    """Archive (or bring back) an organization: it leaves the directory's lists and matching
    but keeps every record that refers to it. Program managers and administrators only."""
    if not policy.can_delete(actor, organization):
        raise NotPermitted(_("Only program managers archive organizations."))
    claim_version(organization, None)
    organization.archived_at = timezone.now() if archived else None
    organization._history_user = policy.person(actor)
    organization.save(update_fields=["archived_at", "version"])
    hooks.profile_changed(organization=organization)
    return organization


# --- Contacts ---------------------------------------------------------------------------------

CONTACT_TEXT_FIELDS = tuple(CONTACT_TEXT)


def _validate_contact(data: dict[str, Any], current: Contact | None) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {
        f: str(data.get(f, getattr(current, f, "") if current else "") or "").strip()
        for f in CONTACT_TEXT_FIELDS
    }
    clean["email"] = normalize_email(clean["email"])
    if not clean["name"]:
        errors["name"] = [_("This field is required.")]
    for field, limit in CONTACT_TEXT.items():
        limit.check(clean[field], field, errors)
    if clean["email"]:
        try:
            validate_email(clean["email"])
        except DjangoValidationError:
            errors["email"] = [_("Enter a valid email address.")]
    org = data.get("organization", current.organization if current else None)
    if isinstance(org, int | str) and not isinstance(org, bool):
        org = Organization.objects.filter(pk=org).first() if str(org).isdigit() else None
        if org is None:
            errors["organization"] = [
                _("No organization with id %(id)s.") % {"id": repr(data["organization"])}
            ]
    if org is None and "organization" not in errors:
        errors["organization"] = [_("This field is required.")]
    clean["organization"] = org
    clean["opted_out"] = bool(data.get("opted_out", current.opted_out if current else False))
    if errors:
        raise ValidationFailed(errors)
    return clean


def _contact_duplicate(email: str, team_id: int | None, exclude_pk: int | None) -> Conflict | None:
    # Within the team only: whether another team knows this person is not this team's business.
    if not email:
        return None
    existing = (
        Contact.objects.filter(email__iexact=email, team_id=team_id).exclude(pk=exclude_pk).first()
    )
    if existing is None:
        return None
    values = {"email": email, "name": existing.name, "id": existing.pk}
    return Conflict(
        _("A contact with email %(email)s already exists: %(name)s, id %(id)s.") % values,
        errors={"email": [_("Already used by contact %(name)s (id %(id)s).") % values]},
        existing=existing,
    )


def _save_contact(contact: Contact, clean: dict[str, Any], actor: policy.Actor) -> Contact:
    conflict = _contact_duplicate(clean["email"], contact.team_id, contact.pk)
    if conflict:
        raise conflict
    for field, value in clean.items():
        setattr(contact, field, value)
    contact.search_text = contact.searchable
    contact._history_user = policy.person(actor)
    try:
        with transaction.atomic():
            contact.save()
    except IntegrityError:
        conflict = _contact_duplicate(clean["email"], contact.team_id, contact.pk)
        if conflict:
            raise conflict from None
        raise
    return contact


@transaction.atomic
def contact_create(*, actor: policy.Actor, team: Any = None, **data: Any) -> Contact:
    """Record a contact for the actor's team. A system write, or an administrator (who belongs
    to no team), names the `team`."""
    _check_actor(actor, None, Contact)
    named = getattr(team, "pk", team)
    own = getattr(actor, "team_id", None)
    owner_id = (
        own
        if own is not None
        else (named if policy.is_system(actor) or policy.is_admin(actor) else None)
    )
    if owner_id is None:
        raise ValidationFailed({"team": [_("A team is required: your account has none.")]})
    return _save_contact(Contact(team_id=owner_id), _validate_contact(data, None), actor)


@transaction.atomic
def contact_update(
    *, actor: policy.Actor, contact: Contact, expected_version: int | None = None, **changes: Any
) -> Contact:
    _check_actor(actor, contact, Contact)
    clean = _validate_contact(changes, contact)
    claim_version(contact, expected_version)
    return _save_contact(contact, clean, actor)


@transaction.atomic
def contact_delete(*, actor: policy.Actor, contact: Contact) -> None:
    _check_actor(actor, contact, Contact)
    contact._history_user = policy.person(actor)
    Tombstone.objects.create(resource="contacts", object_id=contact.pk, team_id=contact.team_id)
    contact.delete()
