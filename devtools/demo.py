"""Demo data: the real companies and institutions from fixtures/demo/, demo teams and users,
and the links from the reference projects and incentives to the organizations they name.

Idempotent: organizations are found by their normalised names, teams by slug, users by username,
so running it again creates nothing.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction

from devtools.demo_crm import demo_crm_load, demo_duplicate_load, demo_watch_load
from engagement.actors import LOADER
from engagement.models import OrganizationKind, OrganizationNameKey, Role, Team, User
from engagement.normalize import normalize_name
from engagement.services.accounts import team_create, user_create
from engagement.services.directory import organization_create
from engagement.services.projects import projects_link_directory

DEMO_DIR = Path(settings.BASE_DIR) / "fixtures" / "demo"

DEMO_TEAMS = (
    ("disco-bd", "DISCO", "DISCO ASEAN BD"),
    ("tel-bd", "Tokyo Electron (TEL)", "Tokyo Electron ASEAN BD"),
    ("renesas-bd", "Renesas Electronics", "Renesas ASEAN BD"),
)
# username, role, team slug, language. Passwords are printed by `make run`: demo only.
DEMO_USERS = (
    ("disco.bd", Role.BD_MEMBER, "disco-bd", "en"),
    ("disco.bd.ja", Role.BD_MEMBER, "disco-bd", "ja"),
    ("tel.bd", Role.BD_MEMBER, "tel-bd", "en"),
    ("renesas.bd", Role.BD_MEMBER, "renesas-bd", "ja"),
    ("pm", Role.PROGRAM_MANAGER, None, "en"),
    ("integrator", Role.INTEGRATOR, "disco-bd", "en"),
    ("admin", Role.ADMIN, None, "en"),
)
DEMO_PASSWORD = "demo-pass-2026"


@dataclass
class DemoReport:
    organizations_created: int = 0
    teams_created: int = 0
    users_created: list[str] = field(default_factory=list)
    partnerships_created: int = 0
    projects_linked: int = 0


def _split(value: str) -> list[str]:
    return [p.strip() for p in (value or "").split(";") if p.strip()]


def _exists(country: str, *names: str) -> bool:
    keys = [normalize_name(n) for n in names if n]
    return OrganizationNameKey.objects.filter(country=country, key__in=keys).exists()


def _company_rows() -> Iterable[dict]:
    with (DEMO_DIR / "companies.csv").open(encoding="utf-8-sig", newline="") as fh:
        yield from csv.DictReader(fh)


def _institution_rows() -> Iterable[dict]:
    with (DEMO_DIR / "institutions.csv").open(encoding="utf-8-sig", newline="") as fh:
        yield from csv.DictReader(fh)


def _load_companies(report: DemoReport, tick: Callable[[], None]) -> None:
    from engagement.models import OrgType

    priorities = {
        t.code: [th.code for th in t.priority_thrusts.all()]
        for t in OrgType.objects.prefetch_related("priority_thrusts")
    }
    for row in _company_rows():
        tick()
        if _exists("JP", row["name"], row["name_ja"]):
            continue
        presence = _split(row["asean_presence"])
        organization_create(
            actor=LOADER,
            kind=OrganizationKind.JAPANESE_COMPANY,
            org_type=row["company_type"],
            name=row["name"],
            name_ja=row["name_ja"],
            country="JP",
            description=row["note"],
            source=row["source"][:300],
            capabilities=_split(row["capabilities"]),
            thrusts=priorities.get(row["company_type"], []),
            presence_countries=presence,
            # A company's priorities start from its real ASEAN footprint (its team changes
            # them): every company naming the same four states made country mean nothing.
            priority_countries=presence,
        )
        report.organizations_created += 1


def _load_institutions(report: DemoReport, tick: Callable[[], None]) -> None:
    for row in _institution_rows():
        tick()
        if _exists(row["country"], row["name"], row.get("name_ja", "")):
            continue
        organization_create(
            actor=LOADER,
            kind=OrganizationKind.ASEAN_INSTITUTION,
            org_type=row["org_type"],
            name=row["name"],
            name_ja=row.get("name_ja", ""),
            country=row["country"],
            description=row["note"],
            source=row["source"][:300],
            capabilities=_split(row["offers"]),
            needs=_split(row["needs"]),
            thrusts=_split(row["thrusts"]),
        )
        report.organizations_created += 1


def demo_row_count() -> int:
    return sum(1 for _ in _company_rows()) + sum(1 for _ in _institution_rows())


@transaction.atomic
def demo_load(*, tick: Callable[[], None] = lambda: None) -> DemoReport:
    report = DemoReport()
    _load_companies(report, tick)
    _load_institutions(report, tick)
    for slug, company, name in DEMO_TEAMS:
        if not Team.objects.filter(slug=slug).exists():
            team_create(slug=slug, company_name=company, name=name)
            report.teams_created += 1
    for username, role, team, language in DEMO_USERS:
        if User.objects.filter(username=username).exists():
            continue
        user_create(
            username=username,
            role=role,
            team_slug=team,
            language=language,
            email=f"{username}@example.com",
            password=DEMO_PASSWORD,
            check_password=False,
        )
        report.users_created.append(username)
    # Projects and incentives came with the reference data, before these organizations.
    report.projects_linked = projects_link_directory()
    report.partnerships_created = demo_crm_load()
    demo_watch_load()
    demo_duplicate_load()
    return report
