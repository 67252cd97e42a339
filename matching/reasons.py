"""Why a match: the concrete facts behind it, and the kind of partnership it most likely
becomes. Pure: plain data in, codes out (matching.explain words them)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from matching.features import ORGANIZATION, Profile
from matching.scoring import GET, GIVE, Engine, LiveView, Match

# Statuses an explanation names, at most.
LIVE_FACTS = 2


def reasons(
    engine: Engine, m: Match, weights: Mapping[str, float], live: LiveView | None = None
) -> dict:
    """The facts an explanation names, as codes (rendered in a language by matching.explain).
    `live` is the implementation watch the match was ranked with."""
    space, companies, side = engine.space, engine.companies, engine.sides[m.kind]
    row, col = companies.row[m.company], side.row[m.counterpart]
    c, cs = companies.profiles[row], companies.signals[row]
    p, ps = side.profiles[col], side.signals[col]
    index, credit, concept = space.cap_index, cs.offer, cs.concept_offer
    give, supplies, partial, missing = [], [], [], []
    for code in ps.needs:
        value = credit.get(index[code], 0.0)
        if value >= 1:
            give.append(code)
        elif code in cs.supplies:
            supplies.append([cs.supplies[code], code])
        elif value > 0:
            partial.append(code)
        elif concept.get(index[code], 0.0) <= 0:
            missing.append(code)  # not even its description mentions something close
    text = [c for c in ps.mentions if c not in give and concept.get(index[c], 0.0) >= 1]
    back = [code for code in cs.needs if ps.offer.get(index[code], 0.0) >= 1]
    company_thrusts = {space.thrusts[col] for col in cs.thrust}
    counterpart_thrusts = sorted(space.thrusts[col] for col in ps.thrust)
    out = {
        "give": give,
        "supplies": supplies,
        "partial": partial,
        "missing": missing,
        "text": text,
        "back": back,
        "thrusts": [t for t in counterpart_thrusts if t in company_thrusts],
        "counterpart_thrusts": counterpart_thrusts,
        "country": p.country if m.kind == ORGANIZATION else "",
        "country_fit": _country_fit(c, p, m.kind),
        "similar": bool((m.values.get("text") or 0) >= 0.3 and not (text or give or supplies)),
        "engaged": bool((m.values.get("relationship") or 0) > 0),
        "implementation": _live_facts(live, m, col, c) if m.values.get("implementation") else [],
        "against": strongest_against(m.values, weights),
    }
    return {k: v for k, v in out.items() if v not in ([], "", None, False)}


def _live_facts(live: LiveView | None, m: Match, col: int, c: Profile) -> list[list[str]]:
    """[state, initiative code, status, "YYYY-MM"] for the statuses behind the boost."""
    if live is None:
        return []
    facts = [x for x in live.facts[m.kind].get(col, ()) if x.state in c.priority_countries]
    return [[x.state, x.code, x.status, x.effective_on[:7]] for x in facts[:LIVE_FACTS]]


def _country_fit(c: Profile, p: Profile, kind: str) -> str:
    if kind != ORGANIZATION:
        return ""
    if not p.country:
        return "regional"
    if p.country in c.priority_countries:
        return "priority"
    if p.country in c.presence_countries:
        return "presence"
    return "none"


def strongest_against(values: Mapping[str, float | None], weights: Mapping[str, float]) -> str:
    """The component whose shortfall costs its side the most (the relationship aside: most
    pairs have none yet, which says nothing against them)."""
    worst, cost = "", 0.05
    for names in (GIVE, GET):
        applies = [k for k in names if values.get(k) is not None]
        total = sum(weights[k] for k in applies)
        for k in applies:
            shortfall = weights[k] * (1.0 - (values[k] or 0.0)) / total if total else 0.0
            if shortfall > cost:
                worst, cost = k, shortfall
    return worst


# --- Which kind of partnership an accepted match most likely becomes ------------------------

_BY_CAPABILITY = (
    ("EQP.SERVICE", "service_hub"),
    ("TAL.MOBILITY", "scholarship_secondment"),
    ("TAL.TRAINING", "training_programme"),
    ("TAL.UNIVERSITY", "training_programme"),
    ("RND.JOINT", "joint_rd_centre"),
    ("RND.TTO", "technology_licensing"),
    ("DES.IP", "technology_licensing"),
    ("MAT.MINERAL", "materials_processing"),
    ("MKT.JV", "joint_venture"),
    ("INF.SHARED", "equipment_leasing"),
    ("POL.INVEST", "investment"),
    ("POL.STANDARDS", "policy_dialogue"),
)
_BY_COUNTERPART_TYPE = {
    "university": "training_programme",
    "research_institute": "joint_rd_centre",
    "technology_transfer": "technology_licensing",
    "investment_agency": "investment",
    "industrial_park": "investment",
    "government": "policy_dialogue",
    "industry_association": "policy_dialogue",
    "regional_body": "policy_dialogue",
    "manufacturer": "supply_agreement",
    "mineral_processing": "materials_processing",
}
_BY_THRUST = {
    "T1": "pilot_project",
    "T2": "joint_rd_centre",
    "T3": "supply_agreement",
    "T4": "investment",
    "T5": "joint_venture",
    "T6": "training_programme",
}


def infer_partnership_type(
    *, matched: Sequence[str], counterpart_type: str = "", thrust: str = ""
) -> str:
    """A partnership type code: from what the company brings first, then from the kind of
    counterpart, then from the thrust. The person accepting may change it."""
    have = set(matched)
    for code, ptype in _BY_CAPABILITY:
        if code in have:
            return ptype
    if counterpart_type in _BY_COUNTERPART_TYPE:
        return _BY_COUNTERPART_TYPE[counterpart_type]
    if have & {"MAT", "EQP", "MFG"} or any(c.split(".")[0] in ("MAT", "EQP", "MFG") for c in have):
        return "supply_agreement"
    return _BY_THRUST.get(thrust, "pilot_project")
