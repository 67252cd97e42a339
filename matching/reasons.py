"""Why a match: the concrete facts behind it. Pure: plain data in, codes out (matching.explain
words them; partnership_types.py says what an accepted match most likely becomes).

Two steps. `reasons()` runs at ranking time and stores, as codes, what the engine's signals
say about the pair (the `MatchSuggestion.reasons` dict). `structure()` (matching.structured)
runs at read time and turns those codes and the stored components into reasons for and against,
each naming the facts on the company's side and on the counterpart's side and what it brought
to the score. The rules that keep an explanation honest are enforced by the two, by
construction:

- a reason names facts, never the score ("a strong match" is not a reason);
- a fact (same code, same facts) is never both for and against;
- a reason against names a component that applies to the pair and whose value is low, or the
  region an agency or a park serves where the company's sites in that member state are all
  outside it (matching.regions);
- a capability, thrust or member state said to be on both sides is on both sides;
- a government counterpart (ministry, investment agency, industrial park) gets no thrust reason:
  the thrust component does not apply to it (matching.roles);
- a reason for brings something to the score (a positive contribution).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import cast

from matching import roles
from matching.features import INCENTIVE, JAPAN, ORGANIZATION, PROJECT, Profile, Signals, Space
from matching.fusion import fuse_values
from matching.live import LiveView
from matching.pairs import pair_region
from matching.reason_types import (
    CompanyFacts,
    OffersForNeed,
    ReasonCodes,
)
from matching.scoring import Engine, Match

# Statuses an explanation names, at most.
LIVE_FACTS = 2
# A component below this value may be named against a pair; at or above it, it may not.
LOW = 0.5
# A shortfall that costs the score less than this is not worth naming.
MIN_COST = 0.01
# Text similarity (n-gram cosine) from which "the descriptions read alike" is a reason.
SIMILAR_TEXT = 0.3
REGIONAL = "ASEAN"


def offers_need(pair: OffersForNeed) -> tuple[list[str], str]:
    """An [offers, need] pair of the codes, as stored."""
    offers, need = pair
    if isinstance(offers, str) or not isinstance(need, str):
        raise ValueError(f"Not an [offers, need] pair: {pair!r}")
    return offers, need


class ReasonMemo:
    """What `reasons()` reads of one company or one counterpart, worked out once per recompute
    instead of once per pair (a full recompute writes hundreds of thousands of pairs)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._companies: dict[int, CompanyFacts] = {}
        self._counterparts: dict[tuple[str, int], list[str]] = {}

    def company(self, row: int) -> CompanyFacts:
        """(thrusts, offers and tags, priority states, presence-only states) of a company."""
        found = self._companies.get(row)
        if found is None:
            space, side = self.engine.space, self.engine.companies
            c, cs = side.profiles[row], side.signals[row]
            found = (
                frozenset(space.thrusts[j] for j in cs.thrust),
                frozenset(space.known(c.offers)) | cs.tags,
                sorted(c.priority_countries),
                sorted(c.presence_countries - c.priority_countries),
            )
            self._companies[row] = found
        return found

    def thrusts(self, kind: str, col: int) -> list[str]:
        found = self._counterparts.get((kind, col))
        if found is None:
            space, ps = self.engine.space, self.engine.sides[kind].signals[col]
            found = sorted(space.thrusts[j] for j in ps.thrust)
            self._counterparts[(kind, col)] = found
        return found


def reasons(
    engine: Engine,
    m: Match,
    weights: Mapping[str, float],
    live: LiveView | None = None,
    memo: ReasonMemo | None = None,
) -> ReasonCodes:
    """The facts an explanation may name, as codes (stored; `structure` reads them back).
    `live` is the implementation watch the match was ranked with; `memo` carries what is read
    per company and per counterpart across the pairs of one recompute."""
    memo = memo if memo is not None and memo.engine is engine else ReasonMemo(engine)
    space, companies, side = engine.space, engine.companies, engine.sides[m.kind]
    row, col = companies.row[m.company], side.row[m.counterpart]
    c, cs = companies.profiles[row], companies.signals[row]
    p, ps = side.profiles[col], side.signals[col]
    company_thrusts, ours, priority_states, presence_states = memo.company(row)
    out: ReasonCodes = {"org_type": p.org_type if m.kind == ORGANIZATION else ""}
    out.update(_capabilities(space, cs, ps))
    out.update(_text(ours, ps, m.values, out))
    out.update(_back(space, cs, ps))
    if m.values.get("thrust") is not None:
        counterpart_thrusts = memo.thrusts(m.kind, col)
        out["thrusts"] = [t for t in counterpart_thrusts if t in company_thrusts]
        out["counterpart_thrusts"] = counterpart_thrusts
        out["company_thrusts"] = sorted(company_thrusts)
    if m.kind in (ORGANIZATION, PROJECT) or (m.kind == INCENTIVE and p.country != JAPAN):
        out["country"] = p.country
        out["country_fit"] = _country_fit(c, p)
        out["priority_states"] = priority_states
        out["presence_states"] = presence_states
    if m.kind == PROJECT:
        # Its kind, phase, the month the phase is confirmed as of and the year production
        # starts (or started), "" when not given.
        year = str(p.production_year or "")
        out["project"] = [p.subtype, p.phase, p.phase_as_of[:7], year]
    if m.kind == INCENTIVE:
        # Its code (the agency is looked up by it), kind, country (JP: a Japanese programme)
        # and deadline ("" when rolling).
        out["incentive"] = [str(p.name).split(" ", 1)[0], p.subtype, p.country, p.deadline]
    out["engaged"] = bool((m.values.get("relationship") or 0) > 0)
    out["implementation"] = _live_facts(live, m, col, c) if m.values.get("implementation") else []
    # An agency's or a park's worth is bound to the region it serves (matching.regions).
    region = pair_region(space, c, cs, p, ps) if m.kind == ORGANIZATION else ""
    if region:
        out["region"] = [region, *sorted(ps.regions)]
        out["sites"] = space.gazetteer.sites_in(cs.regions, ps.regions)
    # A government body's or a university's worth to the company is bound to its country
    # (matching.roles): the country's shortfall costs that too.
    bound = m.kind == ORGANIZATION and p.org_type in space.type_index
    full_role = roles.role_factor(c.org_type, p.org_type, 1.0, region, ps.local) if bound else None
    now = m.values.get("role")
    # The role factor were the company's sites in the agency's region: what the region costs.
    shortfall = roles.region_factor(p.org_type, region)
    region_role = now / shortfall if now is not None and shortfall < 1.0 else None
    if m.kind == PROJECT and now is not None:
        # The role factor at a full country value, the phase timing as it is.
        at = roles.project_factor(c.org_type, p.subtype, 1.0, m.values.get("country") or 0.0)
        full = roles.project_factor(c.org_type, p.subtype, 1.0, 1.0)
        full_role = now * full / at if at > 0 else None
    against = reasons_against(m.values, weights, out, full_role=full_role, region_role=region_role)
    out["against"] = against[0][0] if against else ""
    out["against_more"] = [name for name, _cost in against[1:]]
    out["costs"] = {name: round(cost, 4) for name, cost in against}
    # Empty facts are left out ([], {}, "", None, False and 0 alike: truthiness says it). A
    # TypedDict can only lose keys named literally, hence the cast of the filtered copy.
    return cast(ReasonCodes, {k: v for k, v in out.items() if v})


def _meeting(space: Space, offers: Iterable[str], need: str, full: bool) -> list[str]:
    """The offered capabilities that meet `need` in full (or, `full` False, in part)."""
    col = space.cap_index[need]
    out: list[str] = []
    for code in offers:
        credit = space.credit(code, col)
        if (credit >= 1.0) if full else (0.0 < credit < 1.0):
            out.append(code)
    return out


def _capabilities(space: Space, cs: Signals, ps: Signals) -> ReasonCodes:
    """Each need of the counterpart, by how the company's offer meets it (as the capability
    component reads them: `cs.offers`, `ps.needs`)."""
    index, credit, concept = space.cap_index, cs.offer, cs.concept_offer
    give: list[str] = []
    covers: list[OffersForNeed] = []
    supplies: list[list[str]] = []
    near: list[OffersForNeed] = []
    missing: list[str] = []
    for code in ps.needs:
        value = credit.get(index[code], 0.0)
        if value >= 1:
            offers = _meeting(space, cs.offers, code, full=True)
            if code in offers:
                give.append(code)
            else:  # a branch need met by one of its leaves
                covers.append([offers, code])
        elif code in cs.supplies:
            supplies.append([cs.supplies[code], code])
        elif value > 0:
            near.append([_meeting(space, cs.offers, code, full=False), code])
        elif concept.get(index[code], 0.0) <= 0:
            missing.append(code)  # not even its description mentions something close
    # What a plant's production consumes (Space.consumed_by), where the company sells it.
    consumes = [[code, made] for code, made in sorted(ps.consumes.items()) if code in cs.offers]
    return {
        "give": give,
        "covers": covers,
        "supplies": supplies,
        "consumes": consumes,
        "near": near,
        "partial": [offers_need(pair)[1] for pair in near],
        "missing": missing,
    }


def _text(
    ours: frozenset[str], ps: Signals, values: Mapping[str, float | None], found: ReasonCodes
) -> ReasonCodes:
    """Capabilities both profiles name (declared or in their texts; `ours` the company's) that
    the capability reasons have not named yet; else whether the descriptions read alike."""
    value = values.get("text") or 0.0
    if value <= 0:
        return {}
    named = set(found["give"]) | {need for _o, need in found["supplies"]}
    named |= {supply for supply, _made in found.get("consumes") or []}
    named |= {offers_need(pair)[1] for pair in (*found["covers"], *found["near"])}
    text = [code for code in ps.mentions if code in ours and code not in named]
    similar = value >= SIMILAR_TEXT and not (text or named)
    return {"text": text, "similar": similar}


def _back(space: Space, cs: Signals, ps: Signals) -> ReasonCodes:
    """What the company needs that the counterpart offers (the capability_back component)."""
    index = space.cap_index
    met = [code for code in cs.needs if ps.offer.get(index[code], 0.0) >= 1]
    offered = {o for code in met for o in _meeting(space, ps.offers, code, full=True)}
    return {
        "back": met,
        "back_offers": sorted(offered),
        "back_missing": [code for code in cs.needs if ps.offer.get(index[code], 0.0) <= 0],
    }


def _live_facts(live: LiveView | None, m: Match, col: int, c: Profile) -> list[list[str]]:
    """[state, initiative code, status, "YYYY-MM"] for the statuses behind the boost."""
    if live is None:
        return []
    facts = [x for x in live.facts[m.kind].get(col, ()) if x.state in c.priority_countries]
    return [[x.state, x.code, x.status, x.effective_on[:7]] for x in facts[:LIVE_FACTS]]


def _country_fit(c: Profile, p: Profile) -> str:
    if not p.country:
        return "regional"
    if p.country in c.priority_countries:
        return "priority"
    if p.country in c.presence_countries:
        return "presence"
    return "none"


def nameable(name: str, codes: ReasonCodes) -> bool:
    """Whether a shortfall of `name` can be said with facts of both sides (else it is not
    said: "little in common" would only restate the score)."""
    if name == "capability":
        return bool(codes.get("missing"))
    if name == "thrust":
        return not codes.get("thrusts") and bool(codes.get("counterpart_thrusts"))
    if name == "country":
        return codes.get("country_fit") == "none" and bool(codes.get("country"))
    if name == "capability_back":
        return bool(codes.get("back_missing"))
    return False


def reasons_against(
    values: Mapping[str, float | None],
    weights: Mapping[str, float],
    codes: ReasonCodes,
    *,
    full_role: float | None = None,
    region_role: float | None = None,
) -> list[tuple[str, float]]:
    """Components that apply, are low and can be named, with what each shortfall costs the
    score (the score at the component's full value less the score; `full_role` is the role
    factor at a full country value), the costliest first; and the region an agency or a park
    serves, where the company's sites are elsewhere (`region_role`: the role factor were they
    in it). The relationship is never one: most pairs have none yet, which says nothing against
    them."""
    score: float | None = None  # worked out for the first shortfall only: most pairs have none
    out: list[tuple[str, float]] = []
    for name in ("capability", "text", "capability_back", "thrust", "country"):
        value = values.get(name)
        if value is None or value >= LOW or not nameable(name, codes):
            continue
        if score is None:
            score = fuse_values(values, weights)
        full = {**values, name: 1.0}
        if name == "country" and full_role is not None:
            full["role"] = full_role
        cost = fuse_values(full, weights) - score
        if cost >= MIN_COST:
            out.append((name, cost))
    if region_role is not None and codes.get("region"):
        score = fuse_values(values, weights) if score is None else score
        cost = fuse_values({**values, "role": region_role}, weights) - score
        if cost >= MIN_COST:
            out.append(("region", cost))
    out.sort(key=lambda item: -item[1])
    return out
