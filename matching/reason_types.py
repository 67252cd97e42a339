"""The shapes of what matching stores about a suggestion's reasons (`MatchSuggestion.reasons`,
its components) and serves as structured reasons: pure type declarations, no behaviour."""

from __future__ import annotations

from typing import TypedDict

# A counterpart fact of a capability reason: what the counterpart makes, whose production uses
# what the company offers ("makes:MFG.FRONTEND"), rather than a need it declared.
MAKES = "makes:"

# [the company's offered codes, the counterpart's need they meet] (a JSON list when stored).
OffersForNeed = list[list[str] | str]


class ReasonCodes(TypedDict, total=False):
    """What `reasons()` stores of a pair (`MatchSuggestion.reasons`) and `structure()` reads
    back. Every key is optional: empty facts are left out, and older rows lack newer keys."""

    org_type: str
    # Each need of the counterpart by how the company meets it (the capability component).
    give: list[str]
    covers: list[OffersForNeed]
    supplies: list[list[str]]  # [offered code, need]
    consumes: list[list[str]]  # [offered code, the counterpart's production that uses it]
    near: list[OffersForNeed]
    partial: list[str]
    missing: list[str]
    # Capabilities both texts name, or whether the descriptions read alike.
    text: list[str]
    similar: bool
    # What the company needs that the counterpart offers (capability_back).
    back: list[str]
    back_offers: list[str]
    back_missing: list[str]
    thrusts: list[str]
    counterpart_thrusts: list[str]
    company_thrusts: list[str]
    country: str
    country_fit: str  # priority, presence, regional or none
    priority_states: list[str]
    presence_states: list[str]
    project: list[str]  # kind, phase, "YYYY-MM" of the phase, production year
    incentive: list[str]  # code, kind, country, deadline
    # An agency or a park of one region (matching.regions): how the company's sites stand to
    # it (site, near, elsewhere), then the regions it serves; and the company's sites in that
    # member state.
    region: list[str]
    sites: list[str]
    engaged: bool
    implementation: list[list[str]]  # [state, initiative code, status, "YYYY-MM"]
    against: str
    against_more: list[str]
    costs: dict[str, float]


class ReasonItem(TypedDict):
    """One structured reason for or against a suggestion (the API's contract)."""

    code: str
    company: list[str]
    counterpart: list[str]
    contribution: float


class StoredComponent(TypedDict, total=False):
    """A component as a suggestion stores it: its value (None: does not apply) and what it
    brought to the score."""

    value: float | None
    contribution: float


# (thrusts, offers and tags, priority states, presence-only states) of a company.
CompanyFacts = tuple[frozenset[str], frozenset[str], list[str], list[str]]
