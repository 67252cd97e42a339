"""Why a match: the concrete facts behind it. Pure: plain data in, codes out (matching.explain
words them; partnership_types.py says what an accepted match most likely becomes).

Two steps. `reasons()` runs at ranking time and stores, as codes, what the engine's signals
say about the pair (the `MatchSuggestion.reasons` dict). `structure()` runs at read time and
turns those codes and the stored components into reasons for and against, each naming the
facts on the company's side and on the counterpart's side and what it brought to the score.
The rules that keep an explanation honest are enforced here, by construction:

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

from collections.abc import Callable, Iterable, Mapping
from typing import cast

from matching import regions, roles
from matching.features import INCENTIVE, JAPAN, ORGANIZATION, PROJECT, Profile, Signals, Space
from matching.fusion import COMPONENTS, fuse_values
from matching.live import LiveView
from matching.pairs import pair_region
from matching.reason_types import (
    CompanyFacts,
    OffersForNeed,
    ReasonCodes,
    ReasonItem,
    StoredComponent,
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
# The codes of structured reasons (the API's contract).
CODES = (
    "capability",
    "thrust",
    "country",
    "role",
    "purpose",
    "relationship",
    "implementation",
    "text",
    "project",
    "incentive",
    "region",
)
REGIONAL = "ASEAN"


def _offers_need(pair: OffersForNeed) -> tuple[list[str], str]:
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
    full_role = roles.role_factor(c.org_type, p.org_type, 1.0, region) if bound else None
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
    return {
        "give": give,
        "covers": covers,
        "supplies": supplies,
        "near": near,
        "partial": [_offers_need(pair)[1] for pair in near],
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
    named |= {_offers_need(pair)[1] for pair in (*found["covers"], *found["near"])}
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


def _nameable(name: str, codes: ReasonCodes) -> bool:
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
        if value is None or value >= LOW or not _nameable(name, codes):
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


# --- Structured reasons: what the API returns and the sentences are made of ----------------


def _item(
    code: str, company: Iterable[str], counterpart: Iterable[str], contribution: float
) -> ReasonItem:
    return {
        "code": code,
        "company": list(company),
        "counterpart": list(counterpart),
        "contribution": round(contribution, 4),
    }


def _key(item: ReasonItem) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    return item["code"], tuple(item["company"]), tuple(item["counterpart"])


def _capability_for(codes: ReasonCodes, contribution: float) -> list[ReasonItem]:
    """One reason for the needs met exactly, one per need met otherwise; the component's
    contribution shared in proportion to each need's squared credit, as the component sums
    them."""
    pairs: list[tuple[list[str], list[str], float]] = []
    if codes.get("give"):
        give = list(codes["give"])
        pairs.append((give, give, float(len(give))))
    for pair in codes.get("covers") or []:
        offers, need = _offers_need(pair)
        pairs.append((list(offers), [need], 1.0))
    for offer, need in codes.get("supplies") or []:
        pairs.append(([offer], [need], 0.25))
    if "near" in codes:
        # Needs met in part by the same offers are one reason ("... in the same field").
        grouped: dict[tuple[str, ...], list[str]] = {}
        for pair in codes["near"]:
            offers, need = _offers_need(pair)
            grouped.setdefault(tuple(offers), []).append(need)
        for offered, needs in grouped.items():
            pairs.append((list(offered), needs, 0.1225 * len(needs)))
    elif codes.get("partial"):  # stored before the offers behind it were
        pairs.append(([], list(codes["partial"]), 0.1225 * len(codes["partial"])))
    total = sum(weight for *_facts, weight in pairs)
    return [
        _item("capability", company, counterpart, contribution * weight / total)
        for company, counterpart, weight in pairs
        if total > 0
    ]


def _place(codes: ReasonCodes, purpose: str, contribution: float) -> list[ReasonItem]:
    """What the counterpart is for the company, where it is: one reason when its type has a
    role, a plain member-state reason otherwise."""
    fit, state = codes.get("country_fit"), codes.get("country") or REGIONAL
    if fit not in ("priority", "presence", "regional") or contribution <= 0:
        return []
    company: list[str] = [] if fit == "regional" else [f"{fit}:{state}"]
    org_type = codes.get("org_type", "")
    if org_type in roles.TYPE_ROLES and purpose:
        # The park or the state agency of the company's own region says so.
        relation, *area = codes.get("region") or [""]
        if relation == regions.SITE:
            company += [f"site:{r}" for r in codes.get("sites") or [] if r in area]
            return [_item("role", company, [org_type, purpose, state, *area], contribution)]
        return [_item("role", company, [org_type, purpose, state], contribution)]
    return [_item("country", company, [state], contribution)]


def _for(
    codes: ReasonCodes,
    part: Callable[[str], float],
    value: Callable[[str], float | None],
    kind: str,
    purpose: str,
) -> list[ReasonItem]:
    found = _capability_for(codes, part("capability"))
    if value("text") and codes.get("text"):
        found.append(_item("text", codes["text"], codes["text"], part("text")))
    elif value("text") and codes.get("similar"):
        found.append(_item("text", [], [], part("text")))
    if codes.get("back"):
        offers = codes.get("back_offers") or codes["back"]
        found.append(_item("purpose", codes["back"], offers, part("capability_back")))
    if value("thrust") is not None and codes.get("thrusts"):
        found.append(_item("thrust", codes["thrusts"], codes["thrusts"], part("thrust")))
    if kind == ORGANIZATION and value("country"):
        found.extend(_place(codes, purpose, part("country")))
    live = [x for x in codes.get("implementation") or [] if len(x) == 4]
    for state, code, status, month in live:
        share = part("implementation") / len(live)
        found.append(_item("implementation", [f"priority:{state}"], [code, status, month], share))
    if codes.get("engaged"):
        found.append(_item("relationship", [], [], part("relationship")))
    if kind == PROJECT and codes.get("project"):
        found = _project(codes, found, part("country") if value("country") else 0.0)
    if kind == INCENTIVE and codes.get("incentive"):
        found = _incentive(codes, found)
    return [x for x in found if x["contribution"] > 0]


def _tie(codes: ReasonCodes) -> list[str]:
    """The company's tie to the counterpart's member state, when it has one."""
    fit = codes.get("country_fit")
    return [f"{fit}:{codes['country']}"] if fit in ("priority", "presence") else []


def _project(codes: ReasonCodes, found: list[ReasonItem], country: float) -> list[ReasonItem]:
    """A project is named with what it is, where, its phase and what it buys that the company
    offers (the needs met in full, through a leaf or by supply): one reason in place of those
    capability reasons, bringing what they brought and what its member state brought."""
    near = {_offers_need(pair)[1] for pair in codes.get("near") or []}
    near |= set(codes.get("partial") or [])
    bought = [
        x
        for x in found
        if x["code"] == "capability" and x["company"] and not set(x["counterpart"]) <= near
    ]
    offers = list(dict.fromkeys(c for x in bought for c in x["company"]))
    needs = list(dict.fromkeys(c for x in bought for c in x["counterpart"]))
    contribution = sum(x["contribution"] for x in bought) + max(country, 0.0)
    kind, phase, month, year = [*codes["project"], "", "", "", ""][:4]
    state = codes.get("country") or REGIONAL
    item = _item(
        "project",
        [*offers, *_tie(codes)] if contribution > 0 else [],
        [kind, phase, month, state, year, *needs],
        contribution,
    )
    rest = [x for x in found if x not in bought]
    return [item, *rest]


def _incentive(codes: ReasonCodes, found: list[ReasonItem]) -> list[ReasonItem]:
    """An incentive is named with its programme facts (code, kind, member state or JP,
    deadline) and the thrusts it favours that the company works on: one reason in place of the
    thrust reason, bringing what it brought (an incentive's only component on its side)."""
    thrust = [x for x in found if x["code"] == "thrust"]
    shared = list(codes.get("thrusts") or [])
    contribution = sum(x["contribution"] for x in thrust)
    code, kind, country, deadline = [*codes["incentive"], "", "", "", ""][:4]
    tie = [] if country == JAPAN else _tie(codes)
    item = _item(
        "incentive", [*shared, *tie], [code, kind, country, deadline, *shared], contribution
    )
    return [item, *(x for x in found if x["code"] != "thrust")]


def _against(
    codes: ReasonCodes, value: Callable[[str], float | None], costs: Mapping[str, float]
) -> list[ReasonItem]:
    out: list[ReasonItem] = []
    names = [codes.get("against", ""), *(codes.get("against_more") or [])]
    for name in dict.fromkeys(n for n in names if n):
        if name == "region":
            relation, *area = codes.get("region") or [""]
            if relation in (regions.NEAR, regions.ELSEWHERE) and area:
                cost = -float(costs.get(name, 0.0))
                out.append(_item("region", codes.get("sites") or [], [relation, *area], cost))
            continue
        v = value(name)
        if v is None or v >= LOW or not _nameable(name, codes):
            continue
        cost = -float(costs.get(name, 0.0))
        if name == "capability":
            out.append(_item("capability", [], codes["missing"], cost))
        elif name == "thrust":
            company = codes.get("company_thrusts") or []
            out.append(_item("thrust", company, codes["counterpart_thrusts"], cost))
        elif name == "country":
            company = [f"priority:{s}" for s in codes.get("priority_states") or []]
            company += [f"presence:{s}" for s in codes.get("presence_states") or []]
            out.append(_item("country", company, [codes["country"]], cost))
        elif name == "capability_back":
            out.append(_item("purpose", codes["back_missing"], [], cost))
    return out


def structure(
    codes: ReasonCodes,
    components: Mapping[str, StoredComponent | None],
    *,
    kind: str = ORGANIZATION,
    purpose: str = "",
) -> dict[str, list[ReasonItem]]:
    """Reasons for and against a suggestion, from its stored codes and components. Old rows
    (stored before some keys existed) give what their keys allow."""

    def value(name: str) -> float | None:
        found = components.get(name)
        return found.get("value") if found else None

    def part(name: str) -> float:
        found = components.get(name)
        return float((found.get("contribution") if found else None) or 0.0)

    found = _for(codes, part, value, kind, purpose)
    if value("thrust") is None:  # does not apply (a government counterpart): never named
        found = [x for x in found if x["code"] != "thrust"]
    first = [x for x in found if x["code"] in ("role", "country", "project", "incentive")]
    rest = sorted((x for x in found if x not in first), key=lambda x: -x["contribution"])
    found = first + rest
    said = {_key(x) for x in found}
    against = [x for x in _against(codes, value, codes.get("costs") or {}) if _key(x) not in said]
    return {"for": found, "against": against}


def components_of(m: Match) -> dict[str, StoredComponent]:
    """A ranked match's components in the stored shape (value, contribution)."""
    return {
        name: {"value": m.values.get(name), "contribution": part}
        for name, part in zip(COMPONENTS, m.parts, strict=True)
    }
