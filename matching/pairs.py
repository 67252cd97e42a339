"""The per-pair reference: the same signals as the engine's blocks, one pair at a time. The
engine is tested against it (baseline.rank_loop). No ORM, no Django."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping

from matching import roles
from matching.features import INCENTIVE, INITIATIVE, ORGANIZATION, PROJECT, Profile, Signals, Space
from matching.fusion import KIND_RULES, fuse_values


def _dot(a: Mapping[int, float], b: Mapping[int, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(v * b.get(k, 0.0) for k, v in a.items())


def score_pair(
    c: Signals,
    p: Signals,
    kind: str,
    weights: Mapping[str, float],
    rel: float = 0.0,
    implementation: float | None = None,
    role: float | None = None,
    thrust_applies: bool = True,
) -> tuple[float, dict[str, float | None]]:
    """One pair's score and component values. `role` is the pair's role factor
    (matching.roles.role_factor or provenance_factor), None for none."""
    rule = KIND_RULES[kind]
    concepts = math.sqrt(_dot(c.concept_offer, p.concept_need))
    text = max(concepts, _dot(c.ngram_sparse, p.ngram_sparse))
    values: dict[str, float | None] = {
        "capability": math.sqrt(_dot(c.offer, p.need)),
        "text": min(text, 1.0),
        "capability_back": math.sqrt(_dot(c.need, p.offer))
        if rule.back_applies and c.need
        else None,
        "thrust": _dot(c.thrust, p.thrust) if thrust_applies else None,
        "country": _dot(c.country, p.country) if rule.country_applies and c.country else None,
        "relationship": rel,
        "implementation": implementation,
    }
    if role is not None:
        values["role"] = role
    return fuse_values(values, weights), values


def pair_role(
    space: Space,
    company: Profile,
    cs: Signals,
    p: Profile,
    ps: Signals,
    kind: str,
    as_of: dt.date | None = None,
) -> float:
    """The role factor of one pair, as the engine's role_block computes it for a block."""
    if kind == INITIATIVE:
        return roles.provenance_factor(p.provenance)
    as_of = as_of or dt.date.today()
    if kind == PROJECT:
        timing = roles.phase_timing(p.phase, p.phase_as_of, p.production_year, as_of)
        country = _dot(cs.country, ps.country) if cs.country else 0.0
        return roles.project_factor(company.org_type, p.subtype, timing, country)
    if kind == INCENTIVE:
        col = space.state_index.get(p.country)
        tie = cs.country.get(col, 0.0) if col is not None else 0.0
        deadline = roles.deadline_factor(p.deadline, as_of)
        return roles.incentive_factor(company.org_type, p.country, deadline, tie)
    if p.org_type not in space.type_index:
        return 1.0
    country = _dot(cs.country, ps.country) if cs.country else 0.0
    region = pair_region(space, company, cs, p, ps)
    return roles.role_factor(company.org_type, p.org_type, country, region, ps.local)


def pair_region(space: Space, company: Profile, cs: Signals, p: Profile, ps: Signals) -> str:
    """How the company's sites stand to the region an agency or a park serves
    (matching.regions.relation), "" where that does not apply."""
    if p.org_type not in roles.REGIONAL_TYPES:
        return ""
    return space.gazetteer.relation(cs.regions, ps.regions)


def ruled_out(company: Profile, p: Profile) -> bool:
    if p.kind in company.excluded_kinds:
        return True
    if p.kind in (PROJECT, INCENTIVE):
        return bool(p.country and p.country in company.excluded_countries)
    if p.kind != ORGANIZATION:
        return False
    return bool(p.country and p.country in company.excluded_countries) or (
        p.org_type in company.excluded_org_types
    )
