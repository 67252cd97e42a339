"""Structured reasons: what the API returns and the sentences are made of. Pure: plain data
in, data out.

`matching.reasons.reasons()` stores, at ranking time, the facts behind a pair as codes;
`structure()` reads them back at read time, with the stored components, as reasons for and
against, each naming the facts on the company's side and on the counterpart's side and what it
brought to the score (the rules that keep them honest are in matching.reasons' docstring).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from matching import regions, roles
from matching.features import CONSUMPTION_SHARE, INCENTIVE, JAPAN, ORGANIZATION, PROJECT
from matching.fusion import COMPONENTS
from matching.reason_types import MAKES, ReasonCodes, ReasonItem, StoredComponent
from matching.reasons import LOW, REGIONAL, nameable, offers_need
from matching.scoring import Match

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
        offers, need = offers_need(pair)
        pairs.append((list(offers), [need], 1.0))
    for offer, need in codes.get("supplies") or []:
        pairs.append(([offer], [need], 0.25))
    # A plant's production that uses what the company sells (each a need of a smaller share):
    # one reason per production.
    used: dict[str, list[str]] = {}
    for offer, made in codes.get("consumes") or []:
        used.setdefault(made, []).append(offer)
    for made, offers in used.items():
        pairs.append((offers, [f"{MAKES}{made}"], CONSUMPTION_SHARE * len(offers)))
    if "near" in codes:
        # Needs met in part by the same offers are one reason ("... in the same field").
        grouped: dict[tuple[str, ...], list[str]] = {}
        for pair in codes["near"]:
            offers, need = offers_need(pair)
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
    near = {offers_need(pair)[1] for pair in codes.get("near") or []}
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
        if v is None or v >= LOW or not nameable(name, codes):
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
