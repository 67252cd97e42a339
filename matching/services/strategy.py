"""A company's matching strategy: where it wants to be (priority member states), what it works
on (target thrusts), what it seeks (purposes) and what it rules out (member states, institution
types). Two companies of one type get different suggestions when their strategies differ.

What a company seeks is as confidential as its pipeline: the strategy is read and changed by the
company's own team and program managers only.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.utils.translation import gettext as _

from engagement import policy
from engagement.errors import NotPermitted, ValidationFailed
from engagement.models import MemberState, Organization, OrganizationKind, OrgType
from engagement.services.common import resolve_codes
from engagement.services.directory import organization_update
from matching.models import MatchingPreference, Purpose
from matching.services.background import matching_profile_changed


def may_see_strategy(user: policy.Actor, company: Organization) -> bool:
    """The company's own team and program managers (and administrators)."""
    return (
        policy.is_system(user)
        or policy.sees_all_teams(user)
        or (
            getattr(user, "is_authenticated", False)
            and user.team_id is not None
            and user.team.company_id == company.pk
        )
    )


def may_change_strategy(user: policy.Actor, company: Organization) -> bool:
    return may_see_strategy(user, company) and policy.can_change(user, company)


def matching_strategy(company: Organization) -> dict[str, list[str]]:
    """The strategy in the API's shape (codes)."""
    pref = MatchingPreference.objects.filter(company=company).first()
    return {
        "priority_countries": sorted(company.priority_countries.values_list("iso2", flat=True)),
        "thrusts": sorted(company.thrusts.values_list("code", flat=True)),
        "purposes": [p for p in Purpose.values if pref and p in (pref.purposes or [])],
        "excluded_countries": sorted(pref.excluded_countries.values_list("iso2", flat=True))
        if pref
        else [],
        "excluded_org_types": sorted(pref.excluded_org_types.values_list("code", flat=True))
        if pref
        else [],
    }


def _purposes(values: Sequence[str] | None, errors: dict[str, list[str]]) -> list[str]:
    wanted = [str(v).strip() for v in (values or []) if str(v).strip()]
    unknown = [v for v in wanted if v not in Purpose.values]
    if unknown:
        errors["purposes"] = [
            _("Unknown purpose(s): %(codes)s. Choose from: %(choices)s.")
            % {"codes": ", ".join(unknown), "choices": ", ".join(Purpose.values)}
        ]
    return [p for p in Purpose.values if p in wanted]


@transaction.atomic
def matching_strategy_update(
    *,
    actor: policy.Actor,
    company: Organization,
    priority_countries: Sequence[str] | None = None,
    thrusts: Sequence[str] | None = None,
    purposes: Sequence[str] | None = None,
    excluded_countries: Sequence[str] | None = None,
    excluded_org_types: Sequence[str] | None = None,
) -> dict[str, list[str]]:
    """Change what is given (None: unchanged); every code is checked before anything is
    written, and the company's suggestions are recomputed shortly after."""
    if company.kind != OrganizationKind.JAPANESE_COMPANY:
        raise ValidationFailed({"company": [_("Only a Japanese company has a strategy.")]})
    if not may_change_strategy(actor, company):
        raise NotPermitted(_("Only the company's own team and program managers change it."))
    errors: dict[str, list[str]] = {}
    sought = _purposes(purposes, errors) if purposes is not None else None
    states = (
        resolve_codes(
            MemberState, excluded_countries, "excluded_countries", errors, code_field="iso2"
        )
        if excluded_countries is not None
        else None
    )
    types = None
    if excluded_org_types is not None:
        types = resolve_codes(OrgType, excluded_org_types, "excluded_org_types", errors)
        wrong = [t.code for t in types if t.kind != OrganizationKind.ASEAN_INSTITUTION]
        if wrong:
            errors.setdefault("excluded_org_types", []).append(
                _("Not a type of ASEAN institution: %(codes)s.") % {"codes": ", ".join(wrong)}
            )
    if errors:
        raise ValidationFailed(errors)
    profile = {
        k: v
        for k, v in (("priority_countries", priority_countries), ("thrusts", thrusts))
        if v is not None
    }
    if profile:
        organization_update(actor=actor, organization=company, **profile)
    pref, _created = MatchingPreference.objects.get_or_create(company=company)
    if sought is not None:
        pref.purposes = sought
    pref.save()  # bumps updated_at: the kept engine reads the change
    if states is not None:
        pref.excluded_countries.set(states)
    if types is not None:
        pref.excluded_org_types.set(types)
    matching_profile_changed(organization=company)
    return matching_strategy(company)
