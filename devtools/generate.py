"""Synthetic directories of any size, for scale tests and benchmarks.

The same seed gives the same organizations; a second run with the same arguments finds them by
name and creates nothing. Rows go in with bulk inserts: a 20,000-organization directory takes
seconds, not the minutes that one service call per row would.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction

from engagement.models import (
    Capability,
    MemberState,
    Organization,
    OrganizationKind,
    OrganizationNameKey,
    OrgType,
    Thrust,
)
from engagement.normalize import normalize_name

_EN_PREFIX = [
    "Kanto",
    "Kansai",
    "Chubu",
    "Tohoku",
    "Kyushu",
    "Hokuriku",
    "Shikoku",
    "Chugoku",
    "Nippon",
    "Fuji",
    "Sakura",
    "Asahi",
    "Hikari",
    "Daiichi",
    "Sanwa",
    "Meiji",
]
_EN_CORE = [
    "Precision",
    "Materials",
    "Electronics",
    "Devices",
    "Semicon",
    "Photonics",
    "Vacuum",
    "Chemical",
    "Instruments",
    "Technologies",
    "Micro",
    "Systems",
]
_JA_PREFIX = [
    "関東",
    "関西",
    "中部",
    "東北",
    "九州",
    "北陸",
    "四国",
    "中国",
    "日本",
    "富士",
    "桜",
    "朝日",
    "光",
    "第一",
    "三和",
    "明治",
]
_JA_CORE = [
    "精密",
    "マテリアルズ",
    "電子",
    "デバイス",
    "セミコン",
    "フォトニクス",
    "真空",
    "化学",
    "計器",
    "テクノロジーズ",
    "マイクロ",
    "システムズ",
]
_INST_KIND = [
    "Institute of Microelectronics",
    "Semiconductor Centre",
    "University of Technology",
    "Industrial Park",
    "Investment Agency",
    "Design Hub",
    "Talent Academy",
    "Advanced Packaging Lab",
]
_PLACES = [
    "Penang",
    "Kulim",
    "Batam",
    "Bandung",
    "Hanoi",
    "Da Nang",
    "Ho Chi Minh City",
    "Chonburi",
    "Rayong",
    "Laguna",
    "Cebu",
    "Clark",
    "Johor",
    "Sarawak",
    "Vientiane",
    "Phnom Penh",
    "Yangon",
    "Dili",
    "Bandar Seri Begawan",
    "Singapore",
]


@dataclass
class GenerateReport:
    created: int = 0
    existing: int = 0


def _company(rng: random.Random, i: int) -> tuple[str, str]:
    a, b = rng.randrange(len(_EN_PREFIX)), rng.randrange(len(_EN_CORE))
    return f"{_EN_PREFIX[a]} {_EN_CORE[b]} {i:05d}", f"{_JA_PREFIX[a]}{_JA_CORE[b]}{i:05d}"


def _institution(rng: random.Random, i: int) -> str:
    return f"{rng.choice(_PLACES)} {rng.choice(_INST_KIND)} {i:05d}"


def generate_directory(
    *,
    companies: int,
    institutions: int,
    seed: int = 1,
    batch_size: int = 1000,
    progress: Callable[[int], None] | None = None,
) -> GenerateReport:
    rng = random.Random(seed)
    leaves = list(Capability.objects.filter(parent__isnull=False).order_by("code"))
    thrusts = list(Thrust.objects.order_by("code"))
    states = list(MemberState.objects.order_by("iso2"))
    company_types = list(
        OrgType.objects.filter(kind=OrganizationKind.JAPANESE_COMPANY).order_by("code")
    )
    inst_types = list(
        OrgType.objects.filter(kind=OrganizationKind.ASEAN_INSTITUTION).order_by("code")
    )
    if not (leaves and thrusts and states and company_types and inst_types):
        raise RuntimeError("Load reference data first: python manage.py load_reference")

    specs: list[dict] = []
    for i in range(companies):
        name, name_ja = _company(rng, i)
        specs.append(
            {
                "kind": OrganizationKind.JAPANESE_COMPANY,
                "org_type": rng.choice(company_types),
                "name": name,
                "name_ja": name_ja,
                "country": "JP",
                "capabilities": rng.sample(leaves, rng.randint(1, 4)),
                "needs": [],
                "thrusts": rng.sample(thrusts, rng.randint(1, 3)),
                "priority_countries": rng.sample(states, rng.randint(1, 4)),
                "presence_countries": rng.sample(states, rng.randint(0, 2)),
            }
        )
    for i in range(institutions):
        specs.append(
            {
                "kind": OrganizationKind.ASEAN_INSTITUTION,
                "org_type": rng.choice(inst_types),
                "name": _institution(rng, i),
                "name_ja": "",
                "country": rng.choice(states).iso2,
                "capabilities": rng.sample(leaves, rng.randint(0, 2)),
                "needs": rng.sample(leaves, rng.randint(1, 4)),
                "thrusts": rng.sample(thrusts, rng.randint(1, 3)),
                "priority_countries": [],
                "presence_countries": [],
            }
        )
    report = GenerateReport()
    for start in range(0, len(specs), batch_size):
        batch = specs[start : start + batch_size]
        report.created += _insert_batch(batch)
        report.existing += len(batch)
        if progress:
            progress(len(batch))
    report.existing -= report.created
    return report


@transaction.atomic
def _insert_batch(batch: list[dict]) -> int:
    keys = {(s["country"], normalize_name(s["name"])) for s in batch}
    taken = set(
        OrganizationNameKey.objects.filter(
            key__in=[k for _, k in keys], country__in={c for c, _ in keys}
        ).values_list("country", "key")
    )
    fresh = [s for s in batch if (s["country"], normalize_name(s["name"])) not in taken]
    built = [
        Organization(
            kind=s["kind"],
            org_type=s["org_type"],
            name=s["name"],
            name_ja=s["name_ja"],
            country=s["country"],
            source="synthetic (generate_demo)",
        )
        for s in fresh
    ]
    for org in built:
        org.search_text = org.searchable
    orgs = Organization.objects.bulk_create(built)
    name_keys = []
    links: dict[str, list] = {
        f: []
        for f in ("capabilities", "needs", "thrusts", "priority_countries", "presence_countries")
    }
    for org, spec in zip(orgs, fresh, strict=True):
        for key in {normalize_name(org.name), normalize_name(org.name_ja)} - {""}:
            name_keys.append(OrganizationNameKey(organization=org, country=org.country, key=key))
        for field, rows in links.items():
            through = getattr(Organization, field).through
            target = (
                "capability"
                if field in ("capabilities", "needs")
                else ("thrust" if field == "thrusts" else "memberstate")
            )
            rows.extend(
                through(organization_id=org.pk, **{f"{target}_id": item.pk}) for item in spec[field]
            )
    OrganizationNameKey.objects.bulk_create(name_keys)
    for field, rows in links.items():
        getattr(Organization, field).through.objects.bulk_create(rows)
    return len(orgs)
