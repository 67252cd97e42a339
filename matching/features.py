"""Profiles as plain data, and the feature vectors scoring multiplies: pure, no ORM.

A profile's signals are built once per profile (the "features" phase): expanded capability
vectors with partial credit within a taxonomy branch, thrust and country weights, capabilities
tagged from its texts, and a hashed character n-gram vector. Scoring is then a handful of matrix
products over the rows of two `Side`s (sides.py), and the per-pair reference in pairs.py reads the
very same signals, so the two can be compared number for number.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from matching import regions
from matching.text import Tagger, ngram_vector

# A need met by another capability of the same branch (power devices for a front-end need, EDA
# for an IC design need) earns this much of a full match.
PARTIAL_CREDIT = 0.35
# Equipment and materials are product lines, not related know-how: a lab that needs metrology
# tools does not buy CMP tools, a SiC fab does not buy silicon wafers. A sibling there earns only
# a token of credit (the buyer is the same fab's purchasing), not a partial match.
PRODUCT_LINES = frozenset({"EQP", "MAT"})
PRODUCT_LINE_CREDIT = 0.1
# Manufacturing shares know-how within a process family only: a power-device fab and a MEMS fab
# both process wafers, assembly-and-test and advanced packaging both work on dies, quality and
# sustainability are practices; an MLCC plant shares none of them. A sibling of another family
# earns the product-line token.
MANUFACTURING_FAMILIES: dict[str, str] = {
    "MFG.FRONTEND": "wafer",
    "MFG.POWER": "wafer",
    "MFG.MEMS": "wafer",
    "MFG.ATP": "die",
    "MFG.ADVPKG": "die",
    "MFG.QUALITY": "practice",
    "MFG.GREEN": "practice",
    "MFG.PASSIVE": "components",
}
# Equipment and materials serve manufacturing of another branch: dicing saws are bought by
# back-end (ATP) plants, photoresists by fabs. A need met that way earns this much.
SUPPLY_CREDIT = 0.5
SUPPLIES: dict[str, tuple[str, ...]] = {
    "EQP.DICING": ("MFG.ATP", "MFG.ADVPKG"),
    "EQP.TEST": ("MFG.ATP",),
    "EQP.ASSEMBLY": ("MFG.ATP", "MFG.ADVPKG"),
    "EQP.DEP": ("MFG.FRONTEND", "MFG.POWER", "MFG.MEMS"),
    "EQP.ETCH": ("MFG.FRONTEND", "MFG.POWER", "MFG.MEMS"),
    "EQP.LITHO": ("MFG.FRONTEND", "MFG.MEMS"),
    "EQP.CLEAN": ("MFG.FRONTEND",),
    "EQP.CMP": ("MFG.FRONTEND", "MFG.ADVPKG"),  # planarisation, and hybrid bonding
    "EQP.METRO": ("MFG.FRONTEND", "MFG.QUALITY"),
    "EQP.SERVICE": ("INF.SHARED",),
    "MAT.WAFER": ("MFG.FRONTEND",),
    "MAT.RESIST": ("MFG.FRONTEND",),
    "MAT.CHEM": ("MFG.FRONTEND",),
    "MAT.GAS": ("MFG.FRONTEND",),
    "MAT.CMP": ("MFG.FRONTEND",),
    "MAT.PKG": ("MFG.ATP", "MFG.ADVPKG"),
    "MAT.COMPOUND": ("MFG.POWER",),
}
# A plant consumes what serves its production, whether or not its needs list it: a front-end
# fab buys wafers, resists and CMP tools. For an institution of these types, each supply of what
# it offers (SUPPLIES read backwards) is a need too, weighing this share of a declared one.
CONSUMERS = frozenset({"manufacturer"})
CONSUMPTION_SHARE = 0.5
# What only a workforce can use: an institution that offers nothing else (a training academy, a
# training fund) is worth something to a company only in a member state where it employs people
# or means to. Its role factor is then wholly bound to the country (roles.role_factor, `local`).
LOCAL_OFFERS = frozenset({"TAL.TRAINING"})
# A thrust the company's type prioritises (OrgType.priority_thrusts) but the company has not
# declared itself counts a little less than a declared one.
TYPE_THRUST_WEIGHT = 0.75
# Presence in a member state without naming it a priority.
PRESENCE_WEIGHT = 0.8
# A regional (ASEAN-wide) body reaches every member state the company cares about, less directly.
REGIONAL_WEIGHT = 0.6

COMPANY = "company"
ORGANIZATION = "organization"
INITIATIVE = "initiative"
# A real project in a member state (a fab, an OSAT expansion, a wafer plant): its needs are what
# it will buy, its country its member state.
PROJECT = "project"
# An incentive or funding programme: the capabilities and thrusts it favours; its country a
# member state, or JP for a Japanese programme (country-free for Japanese companies).
INCENTIVE = "incentive"
JAPAN = "JP"


@dataclass(frozen=True)
class CapabilityTerm:
    code: str
    parent: str | None
    name_en: str
    name_ja: str = ""
    synonyms_en: tuple[str, ...] = ()
    synonyms_ja: tuple[str, ...] = ()
    thrusts: tuple[str, ...] = ()


@dataclass(frozen=True)
class Taxonomy:
    capabilities: tuple[CapabilityTerm, ...]
    thrusts: tuple[str, ...]
    member_states: tuple[str, ...]
    org_types: tuple[str, ...] = ()


@dataclass(frozen=True)
class Profile:
    """One side of a pair: a Japanese company, an ASEAN institution or an initiative.

    For an initiative, `needs` are the capabilities it draws on and `thrusts` its one thrust.
    `text` is every description the profile has, English, Japanese or both.
    """

    key: int | str
    kind: str
    name: str = ""
    org_type: str = ""
    country: str = ""
    offers: frozenset[str] = frozenset()
    needs: frozenset[str] = frozenset()
    thrusts: frozenset[str] = frozenset()
    type_thrusts: frozenset[str] = frozenset()
    priority_countries: frozenset[str] = frozenset()
    presence_countries: frozenset[str] = frozenset()
    text: str = ""
    accepting: bool = True
    excluded_countries: frozenset[str] = frozenset()
    excluded_org_types: frozenset[str] = frozenset()
    # Counterpart kinds (project, incentive) a company's purposes leave out.
    excluded_kinds: frozenset[str] = frozenset()
    # An initiative's provenance (official, announced, report): the report's reading of an
    # initiative ranks below a programme someone adopted (matching.roles).
    provenance: str = ""
    # A project: its kind (front_end_fab, back_end_atp ...), phase, the month the phase is
    # confirmed as of (ISO date) and the year production starts (0: not given). An incentive:
    # its kind (tax, grant ...) and deadline (ISO date, "" when rolling). Read by
    # matching.roles for the role and timing factor.
    subtype: str = ""
    phase: str = ""
    phase_as_of: str = ""
    production_year: int = 0
    deadline: str = ""


class Space:
    """Column indexes of the taxonomy and the rules that turn codes into vectors."""

    def __init__(self, taxonomy: Taxonomy) -> None:
        self.taxonomy = taxonomy
        self.caps = [c.code for c in taxonomy.capabilities]
        self.cap_index = {code: i for i, code in enumerate(self.caps)}
        self.parent = {c.code: c.parent for c in taxonomy.capabilities}
        self.children: dict[str, list[str]] = {}
        for c in taxonomy.capabilities:
            if c.parent:
                self.children.setdefault(c.parent, []).append(c.code)
        self.cap_thrusts = {c.code: frozenset(c.thrusts) for c in taxonomy.capabilities}
        self.thrusts = list(taxonomy.thrusts)
        self.thrust_index = {t: i for i, t in enumerate(self.thrusts)}
        self.states = list(taxonomy.member_states)
        self.state_index = {s: i for i, s in enumerate(self.states)}
        self.regional_col = len(self.states)  # the column of ASEAN-wide bodies
        self.types = list(taxonomy.org_types)
        self.type_index = {t: i for i, t in enumerate(self.types)}
        self.tagger = Tagger(self._terms())
        # Sub-national regions: where companies' sites are, which area an agency serves.
        self.gazetteer = regions.gazetteer()
        self.regions = self.gazetteer.codes
        self.region_index = {r: i for i, r in enumerate(self.regions)}
        self._expansions = {code: self._expansion(code) for code in self.caps}

    def _terms(self) -> Iterable[tuple[str, str]]:
        # Branch labels are generic words ("materials", 「製造」) that would tag every text.
        for c in self.taxonomy.capabilities:
            if c.parent is None:
                continue
            for term in (c.name_en, c.name_ja, *c.synonyms_en, *c.synonyms_ja):
                yield term, c.code

    def _expansion(self, code: str) -> dict[int, float]:
        out = {self.cap_index[code]: 1.0}
        parent = self.parent.get(code)
        if parent:
            # A leaf meets a need for its whole branch, and partly its siblings' needs.
            out[self.cap_index[parent]] = 1.0
            for sibling in self.children.get(parent, ()):
                out.setdefault(self.cap_index[sibling], sibling_credit(parent, code, sibling))
        else:
            for child in self.children.get(code, ()):
                out.setdefault(self.cap_index[child], PARTIAL_CREDIT)
        for target in SUPPLIES.get(code, ()):
            if target in self.cap_index:
                col = self.cap_index[target]
                out[col] = max(out.get(col, 0.0), SUPPLY_CREDIT)
        return out

    def supplied_by(self, need: str, offers: Iterable[str]) -> list[str]:
        """The offered capabilities that serve `need` across branches (SUPPLIES)."""
        return [o for o in self.known(offers) if need in SUPPLIES.get(o, ())]

    def known(self, codes: Iterable[str]) -> list[str]:
        return sorted(c for c in codes if c in self.cap_index)

    def expand(self, codes: Iterable[str]) -> dict[int, float]:
        """What a set of offered capabilities can meet, need by need (1 or partial credit)."""
        out: dict[int, float] = {}
        for code in self.known(codes):
            for col, value in self._expansions[code].items():
                if value > out.get(col, 0.0):
                    out[col] = value
        return out

    def credit(self, offered: str, col: int) -> float:
        """How much one offered capability meets the need in column `col` (`expand` of one
        code, without building its dictionary)."""
        expansion = self._expansions.get(offered)
        return expansion.get(col, 0.0) if expansion is not None else 0.0

    def spread(self, codes: Iterable[str], consumed: Iterable[str] = ()) -> dict[int, float]:
        """A set of needs as weights summing to 1, so that coverage is a fraction; `consumed`
        needs (what a plant's production uses) weigh CONSUMPTION_SHARE of a declared one."""
        weights = dict.fromkeys(
            (self.cap_index[c] for c in self.known(consumed)), CONSUMPTION_SHARE
        )
        weights.update(dict.fromkeys((self.cap_index[c] for c in self.known(codes)), 1.0))
        total = sum(weights.values())
        return {col: w / total for col, w in weights.items()} if total else {}

    def consumed_by(self, p: Profile, needs: Iterable[str]) -> dict[str, str]:
        """Supply → the offered production it serves, for a plant (CONSUMERS): what it buys
        beyond the needs it declared."""
        if p.kind != ORGANIZATION or p.org_type not in CONSUMERS:
            return {}
        declared = set(needs)
        out: dict[str, str] = {}
        for made in self.known(p.offers):
            for supply, targets in SUPPLIES.items():
                if made in targets and supply in self.cap_index and supply not in declared:
                    out.setdefault(supply, made)
        return out

    def self_described(self, p: Profile, tags: Iterable[str]) -> frozenset[str]:
        """The tags of a counterpart's texts that describe what it is, not what it needs: those
        in the branch of a capability it declares it offers ("Kulim foundry" for a fab)."""
        own = {self.parent.get(code) or code for code in self.known(p.offers)}
        return frozenset(t for t in tags if (self.parent.get(t) or t) in own)

    def thrusts_of(self, codes: Iterable[str]) -> frozenset[str]:
        out: set[str] = set()
        for code in self.known(codes):
            out |= self.cap_thrusts.get(code, frozenset())
        return frozenset(out)


@dataclass
class Signals:
    """Everything scoring reads about one profile, as sparse column → value maps.

    `offer` and `concept_offer` hold squared credits: coverage of needs is the quadratic mean
    sqrt(Σ need_share × credit²), which lets one need met in full count for more than several
    met in part, and is still one matrix product.
    """

    offer: dict[int, float]
    need: dict[int, float]
    concept_offer: dict[int, float]
    concept_need: dict[int, float]
    thrust: dict[int, float]
    country: dict[int, float]
    ngram: np.ndarray
    tags: frozenset[str]
    fingerprint: str
    ngram_sparse: dict[int, float] = field(default_factory=dict)
    # For explanations, precomputed once per profile: what the capability component reads
    # (effective_capabilities, known codes, sorted), the codes its texts and needs mention, and
    # which offered capability serves which need across branches.
    offers: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()
    mentions: tuple[str, ...] = ()
    supplies: dict[str, str] = field(default_factory=dict)
    # A plant's: supply → the production of its that consumes it (Space.consumed_by).
    consumes: dict[str, str] = field(default_factory=dict)
    # A company's priority member states alone (country above also weighs presence): what the
    # implementation watch is read against.
    priority: dict[int, float] = field(default_factory=dict)
    # The sub-national regions its texts name (matching.regions): a company's sites in any
    # member state, an institution's area in its own.
    regions: frozenset[str] = frozenset()
    # An institution that offers only what a workforce uses (LOCAL_OFFERS).
    local: bool = False


def fingerprint(profile: Profile, tags: frozenset[str]) -> str:
    """A digest of what matching reads from a profile: a rejection stands until it changes.
    Capabilities tagged from text count, the wording around them does not."""
    parts = (
        profile.kind,
        profile.org_type,
        profile.country,
        *(
            ",".join(sorted(s))
            for s in (
                profile.offers,
                profile.needs,
                profile.thrusts,
                profile.type_thrusts,
                profile.priority_countries,
                profile.presence_countries,
                tags,
            )
        ),
    )
    if profile.kind in (PROJECT, INCENTIVE):
        # A project's phase and an incentive's deadline are what a rejection was about too.
        parts = (*parts, profile.subtype, profile.phase, profile.deadline)
    return hashlib.sha1("|".join(parts).encode()).hexdigest()[:16]


def effective_thrusts(space: Space, p: Profile) -> dict[str, float]:
    """Thrust → weight. A company: declared 1, its type's priorities 0.75. A counterpart: its
    declared thrusts; without any, the thrusts of what it needs (or offers)."""
    if p.kind == COMPANY:
        out = dict.fromkeys(p.type_thrusts, TYPE_THRUST_WEIGHT)
        out.update(dict.fromkeys(p.thrusts, 1.0))
        if not out:
            out = dict.fromkeys(space.thrusts_of(p.offers), TYPE_THRUST_WEIGHT)
        return {t: w for t, w in out.items() if t in space.thrust_index}
    tags = space.tagger.tags(p.text) if not (p.thrusts or p.needs or p.offers) else frozenset()
    declared = (
        p.thrusts
        or space.thrusts_of(p.needs)
        or space.thrusts_of(p.offers)
        or space.thrusts_of(tags)
    )
    known = [t for t in declared if t in space.thrust_index]
    return {t: 1.0 / len(known) for t in known}


def country_weights(space: Space, p: Profile) -> dict[int, float]:
    if p.kind == COMPANY:
        out: dict[int, float] = {}
        for states, weight in (
            (p.presence_countries, PRESENCE_WEIGHT),
            (p.priority_countries, 1.0),
        ):
            for state in states:
                if state in space.state_index:
                    out[space.state_index[state]] = weight
        if out:
            out[space.regional_col] = REGIONAL_WEIGHT
        return out
    if p.kind in (INITIATIVE, INCENTIVE):
        # An initiative is ASEAN-wide by nature; an incentive's member state is a condition of
        # its role factor (matching.roles.incentive_factor), not a component.
        return {}
    if not p.country:
        return {space.regional_col: 1.0}
    col = space.state_index.get(p.country)
    return {col: 1.0} if col is not None else {}


def sibling_credit(parent: str, code: str, sibling: str) -> float:
    """How much `code` meets a need for its `sibling` under `parent`."""
    if parent in PRODUCT_LINES:
        return PRODUCT_LINE_CREDIT
    family = MANUFACTURING_FAMILIES.get(code)
    if family is not None and MANUFACTURING_FAMILIES.get(sibling) != family:
        return PRODUCT_LINE_CREDIT
    return PARTIAL_CREDIT


def _squared(credits: dict[int, float]) -> dict[int, float]:
    return {col: value * value for col, value in credits.items()}


def effective_capabilities(
    p: Profile, tags: frozenset[str], self_tags: frozenset[str] = frozenset()
) -> tuple[frozenset[str], frozenset[str]]:
    """What a profile offers and needs for the capability component. A company that declared
    no capabilities offers what its description names; a counterpart that declared no needs
    needs what its description names ("photoresist supply for a new fab"), leaving out what
    describes itself (`self_tags`)."""
    if p.kind == COMPANY:
        return (p.offers or tags), p.needs
    return p.offers, (p.needs or (tags - self_tags))


def build_signals(space: Space, p: Profile, counts: np.ndarray, idf: np.ndarray) -> Signals:
    tags = space.tagger.tags(p.text)
    self_tags = space.self_described(p, tags) if p.kind != COMPANY else frozenset()
    offers, needs = effective_capabilities(p, tags, self_tags)
    consumes = space.consumed_by(p, space.known(needs))
    vector = ngram_vector(counts, idf)
    nz = np.flatnonzero(vector)
    return Signals(
        offer=_squared(space.expand(offers)),
        need=space.spread(needs, consumes),
        concept_offer=_squared(space.expand(p.offers | tags)),
        concept_need=space.spread(p.needs | (tags - self_tags), consumes),
        thrust={space.thrust_index[t]: w for t, w in effective_thrusts(space, p).items()},
        country=country_weights(space, p),
        ngram=vector,
        tags=tags,
        fingerprint=fingerprint(p, tags),
        ngram_sparse={int(i): float(vector[i]) for i in nz},
        offers=tuple(space.known(offers)),
        needs=tuple(space.known(needs)),
        mentions=tuple(space.known(needs | tags)),
        supplies={need: offer for offer in space.known(offers) for need in SUPPLIES.get(offer, ())},
        consumes=consumes,
        priority={space.state_index[s]: 1.0 for s in p.priority_countries if s in space.state_index}
        if p.kind == COMPANY
        else {},
        regions=space.gazetteer.find(p.text, space.states if p.kind == COMPANY else (p.country,)),
        local=p.kind == ORGANIZATION and bool(offers) and offers <= LOCAL_OFFERS,
    )
