"""Finding a project's owner and an incentive's agency in the directory, by name and country, and
linking the reference records to them."""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.db import transaction

from engagement.models import Incentive, Organization, OrganizationNameKey, Project
from engagement.normalize import normalize_name
from engagement.services.common import claim_version


def _name_candidates(name: str) -> list[str]:
    """The name as written, and before its parenthesis: "ROHM (ROHM Electronics (Malaysia),
    formerly ...)" is ROHM; an agency list "MIDA, MITI" is looked up by its first agency."""
    first = re.split(r"[,;]| with | and ", name, maxsplit=1)[0]
    out = [name, name.split(" (", 1)[0], first, first.split(" (", 1)[0]]
    return [n for n in dict.fromkeys(s.strip() for s in out) if n]


def _in_directory(name: str, countries: Iterable[str]) -> Organization | None:
    keys = [k for k in (normalize_name(n) for n in _name_candidates(name)) if k]
    if not keys:
        return None
    hits = {
        (nk.key, nk.country): nk.organization_id
        for nk in OrganizationNameKey.objects.filter(key__in=keys, country__in=list(countries))
    }
    for key in keys:  # the most specific spelling first
        for country in countries:
            if (key, country) in hits:
                return Organization.objects.get(pk=hits[(key, country)])
    # The directory's name may carry an abbreviation the source does not: "... for GaN (NSTIC)".
    for org in Organization.objects.filter(country__in=list(countries), name__contains=" ("):
        if normalize_name(org.name.split(" (", 1)[0]) in keys:
            return org
    return None


def owner_in_directory(owner_name: str, country: str) -> Organization | None:
    """The directory's organization for a project owner: an institution of the project's
    member state, or a Japanese company. Foreign owners (Infineon, Intel) are not in it."""
    return _in_directory(owner_name, [country, "JP"])


def agency_in_directory(agency_name: str, country: str) -> Organization | None:
    return _in_directory(agency_name, [country, ""])


@transaction.atomic
def projects_link_directory() -> int:
    """Link projects and incentives with no organization to the directory's, where it now has
    them (after the demo directory is loaded). Only fills blanks, so it is safe to run again."""
    linked = 0
    for project in Project.objects.filter(owner__isnull=True).select_related("country"):
        owner = owner_in_directory(project.owner_name, project.country.iso2)
        if owner is not None:
            _link(project, "owner", owner)
            linked += 1
    for incentive in Incentive.objects.filter(agency__isnull=True):
        agency = agency_in_directory(incentive.agency_name, incentive.country)
        if agency is not None:
            _link(incentive, "agency", agency)
            linked += 1
    return linked


def _link(obj: Project | Incentive, field: str, organization: Organization) -> None:
    claim_version(obj, None)
    setattr(obj, field, organization)
    obj.save(update_fields=[field, "version", "updated_at"])
