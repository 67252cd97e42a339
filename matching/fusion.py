"""How a pair's components become its score: one formula, for a pair and for a block of pairs.
No ORM, no Django (matching/scoring.py describes the components).

Two-sided fusion: `give` (capability, text: what the company brings) and `get` (capability_back,
thrust, country: what the counterpart brings the company) are weighted means, fused by their
geometric mean, so a match that is strong on one side only ranks low. A missing relationship
costs at most the relationship weight:

    base = sqrt(give × get) × (1 − w_relationship × (1 − relationship))
    score = base + w_implementation × implementation × (1 − base)     (when base ≥ BOOST_FLOOR)

The implementation boost closes a share of the gap to 1, so it is small, never lifts a score
past 1, and never brings in a pair that does not qualify on its own merits.

A component that does not apply (country for an initiative, capability_back for a company that
declared no needs) is left out of its side's mean.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypedDict

import numpy as np

from matching.features import INCENTIVE, INITIATIVE, ORGANIZATION, PROJECT
from matching.sides import Rows, Side

GIVE = ("capability", "text")
GET = ("capability_back", "thrust", "country")
COMPONENTS = (*GIVE, *GET, "relationship", "implementation")
DEFAULT_WEIGHTS: dict[str, float] = {
    "capability": 0.6,
    "text": 0.4,
    "capability_back": 0.3,
    "thrust": 0.5,
    "country": 0.4,
    "relationship": 0.1,
    "implementation": 0.1,
}
MIN_SCORE = 0.05
# Institutions need more: judged against what the organizations do, institutions scoring under
# 0.08 were never worth a BD team's time (fixtures/matching/judged). Projects and incentives
# score lower by construction (few capabilities, a role factor) and keep MIN_SCORE.
KIND_MIN_SCORES = {ORGANIZATION: 0.08}
# Below this a pair gets no implementation boost: market news makes a good match better, it
# does not make an unrelated counterpart a match.
BOOST_FLOOR = MIN_SCORE


class ComponentBlock(TypedDict):
    """Each component for a block of pairs (rows: companies, columns: counterparts); country
    and capability_back are None where they do not apply to the kind."""

    capability: np.ndarray
    thrust: np.ndarray
    country: np.ndarray | None
    capability_back: np.ndarray | None
    text: np.ndarray


class PickedBlock(ComponentBlock):
    """The components of each company's top matches (rows: companies, columns: their top
    matches), with the implementation component and the role factor."""

    implementation: np.ndarray
    role: np.ndarray


def min_score_for(kind: str, floor: float, by_kind: Mapping[str, float] = KIND_MIN_SCORES) -> float:
    """The least score a suggestion of `kind` needs, given the request's own floor."""
    return max(floor, by_kind.get(kind, 0.0))


@dataclass(frozen=True)
class KindRule:
    country_applies: bool
    back_applies: bool


KIND_RULES = {
    ORGANIZATION: KindRule(country_applies=True, back_applies=True),
    INITIATIVE: KindRule(country_applies=False, back_applies=False),
    # A project is where it is (country applies); it offers nothing, it buys.
    PROJECT: KindRule(country_applies=True, back_applies=False),
    # An incentive's member state is a condition of its role factor (roles.incentive_factor).
    INCENTIVE: KindRule(country_applies=False, back_applies=False),
}


def check_weights(weights: Mapping[str, float]) -> dict[str, float]:
    """Every component's weight, non-negative; each side needs some weight."""
    out = {k: float(weights.get(k, DEFAULT_WEIGHTS[k])) for k in COMPONENTS}
    if any(v < 0 or math.isnan(v) for v in out.values()):
        raise ValueError("Weights must be non-negative numbers.")
    if out["capability"] + out["text"] <= 0 or out["thrust"] <= 0:
        raise ValueError("capability + text and thrust need positive weights.")
    if out["relationship"] > 1 or out["implementation"] > 1:
        raise ValueError("The relationship and implementation weights are at most 1.")
    return out


def _sides(values: Mapping[str, float | None], w: Mapping[str, float]) -> tuple[float, float]:
    give = sum(w[k] * (values[k] or 0.0) for k in GIVE) / sum(w[k] for k in GIVE)
    applies = {k: v for k in GET if (v := values.get(k)) is not None}
    den = sum(w[k] for k in applies)
    get = sum(w[k] * v for k, v in applies.items()) / den if den > 0 else 0.0
    return give, get


def _role(values: Mapping[str, float | None]) -> float:
    role = values.get("role")
    return 1.0 if role is None else float(role)


def _base(values: Mapping[str, float | None], weights: Mapping[str, float]) -> float:
    give, get = _sides(values, weights)
    fused = math.sqrt(max(give, 0.0) * max(get, 0.0))
    rel = values.get("relationship") or 0.0
    return fused * (1.0 - weights["relationship"] * (1.0 - rel)) * _role(values)


def boost(base: float, implementation: float | None, weights: Mapping[str, float]) -> float:
    """The implementation boost on top of a pair's base score (0 below BOOST_FLOOR)."""
    if not implementation or base < BOOST_FLOOR:
        return 0.0
    return weights["implementation"] * implementation * (1.0 - base)


def fuse_values(values: Mapping[str, float | None], weights: Mapping[str, float]) -> float:
    base = _base(values, weights)
    return base + boost(base, values.get("implementation"), weights)


def contributions(
    values: Mapping[str, float | None], weights: Mapping[str, float]
) -> dict[str, float]:
    """How much of the score each component brought; the contributions sum to the score.

    The geometric mean gives each side half of the (log-)score; within a side a component's
    share is its weighted value's share of the side.
    """
    parts = {k: weights[k] * (values.get(k) or 0.0) for k in (*GIVE, *GET)}
    give_total = parts["capability"] + parts["text"]
    give = give_total / (weights["capability"] + weights["text"])
    den = sum(weights[k] for k in GET if values.get(k) is not None)
    get_total = sum(parts[k] for k in GET)
    get = get_total / den if den > 0 else 0.0
    fused = math.sqrt(max(give, 0.0) * max(get, 0.0)) * _role(values)
    rel = values.get("relationship") or 0.0
    out = {"relationship": fused * weights["relationship"] * rel}
    half = fused * (1.0 - weights["relationship"]) * 0.5
    for k in GIVE:
        out[k] = half * parts[k] / give_total if give_total > 0 else 0.0
    for k in GET:
        out[k] = half * parts[k] / get_total if get_total > 0 else 0.0
    out["implementation"] = boost(_base(values, weights), values.get("implementation"), weights)
    return {k: out[k] for k in COMPONENTS}


def fuse_block(
    comp: ComponentBlock,
    w: Mapping[str, float],
    has_need: np.ndarray,
    has_country: np.ndarray,
    rule: KindRule,
    thrust_applies: np.ndarray | None = None,
) -> np.ndarray:
    """`fuse_values` over a block (rows: companies, columns: counterparts), in place where it
    can be: the block is large and every pass over it costs."""
    give = comp["capability"] * np.float32(w["capability"])
    give += comp["text"] * np.float32(w["text"])
    give *= np.float32(1.0 / (w["capability"] + w["text"]))
    get = comp["thrust"] * np.float32(w["thrust"])
    den = np.full((len(has_need), 1), w["thrust"], dtype=np.float32)
    if thrust_applies is not None and not thrust_applies.all():
        # Counterparts the thrust component does not apply to (roles.thrust_exempt).
        get *= thrust_applies[None, :]
        den = den * thrust_applies[None, :]
    country, back = comp["country"], comp["capability_back"]
    if rule.country_applies and country is not None:
        # A company that names no member state has no country preference to meet.
        row_w = (has_country * w["country"]).astype(np.float32)[:, None]
        get += country * row_w
        den += row_w
    if rule.back_applies and back is not None:
        row_w = (has_need * w["capability_back"]).astype(np.float32)[:, None]
        get += back * row_w
        den += row_w
    np.divide(get, den, out=get, where=den > 0)
    give *= get
    np.maximum(give, 0.0, out=give)
    np.sqrt(give, out=give)
    give *= np.float32(1.0 - w["relationship"])
    return give


def component_block(
    company: Side, rows: np.ndarray | slice, other: Rows, rule: KindRule
) -> ComponentBlock:
    """Every component for companies `rows` against all of `other`: a few matrix products."""
    back = None
    if rule.back_applies and company.has_need[rows].any():
        back = np.sqrt(company.need[rows] @ other.offer.T)
    text: np.ndarray = company.concept_offer[rows] @ other.concept_need.T
    np.sqrt(text, out=text)
    np.maximum(text, company.ngram[rows] @ other.ngram.T, out=text)
    np.minimum(text, 1.0, out=text)
    return {
        "capability": np.sqrt(company.offer[rows] @ other.need.T),
        "thrust": company.thrust[rows] @ other.thrust.T,
        "country": company.country[rows] @ other.country.T if rule.country_applies else None,
        "capability_back": back,
        "text": text,
    }


def contributions_block(
    picked: PickedBlock,
    rel: np.ndarray,
    need: np.ndarray,
    country: np.ndarray,
    w: Mapping[str, float],
    role: np.ndarray,
    thrust_applies: np.ndarray,
) -> dict[str, np.ndarray]:
    """`contributions` for arrays of pairs (rows: companies, columns: their top matches)."""
    parts = {
        "capability": picked["capability"] * w["capability"],
        "text": picked["text"] * w["text"],
        "thrust": picked["thrust"] * w["thrust"] * thrust_applies,
    }
    zeros = np.zeros_like(parts["thrust"])
    need_col, country_col = need[:, None], country[:, None]
    back = picked["capability_back"]
    parts["capability_back"] = (
        back * (w["capability_back"] * need_col) if back is not None else zeros.copy()
    )
    cty = picked["country"]
    parts["country"] = cty * (w["country"] * country_col) if cty is not None else zeros.copy()
    give_total = parts["capability"] + parts["text"]
    get_total = parts["thrust"] + parts["country"] + parts["capability_back"]
    den = (
        w["thrust"] * thrust_applies + w["country"] * country_col + w["capability_back"] * need_col
    )
    give = give_total / (w["capability"] + w["text"])
    with np.errstate(divide="ignore", invalid="ignore"):
        get = np.where(den > 0, get_total / den, 0.0)
    fused = np.sqrt(np.maximum(give, 0) * np.maximum(get, 0)) * role
    half = fused * (1.0 - w["relationship"]) * 0.5
    out = {"relationship": fused * w["relationship"] * rel}
    with np.errstate(divide="ignore", invalid="ignore"):
        for names, total in ((GIVE, give_total), (GET, get_total)):
            for k in names:
                out[k] = np.where(total > 0, half * parts[k] / total, 0.0)
    base = fused * (1.0 - w["relationship"]) + out["relationship"]
    gain = w["implementation"] * picked["implementation"] * (1.0 - base)
    out["implementation"] = np.where(base >= BOOST_FLOOR, gain, 0.0)
    return out
