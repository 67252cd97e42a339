"""Partner scoring: plain data in, ranked results out. No ORM, no Django.

Components, each in [0, 1] and kept apart so that they can be shown and learnt from:

- capability: how much of what the counterpart needs the company offers (an initiative "needs"
  the capabilities it draws on), as the quadratic mean of per-need credit: 1 for the capability
  itself, partial credit for another of the same taxonomy branch, supply credit for equipment or
  materials that serve the needed manufacturing step (features.SUPPLIES).
- text: the stronger of (a) the same coverage over capabilities tagged from both profiles' texts
  in English or Japanese, plus the declared ones, and (b) a character n-gram cosine of the texts.
- capability_back: how much of what the company says it needs the counterpart offers.
- thrust: the share of the counterpart's thrusts that are the company's (declared, or its type's
  priorities).
- country: the counterpart's member state is a priority of the company, or it is present there.
- relationship: the company's team has engaged with the counterpart before.
- implementation: an initiative the counterpart is tied to is launched (1) or in progress (0.6)
  in one of the company's priority member states (the implementation watch). An initiative is
  tied to itself; an institution to the initiatives of its thrusts whose capabilities it offers
  or needs, in its own member state.

Two-sided fusion: `give` (capability, text: what the company brings) and `get` (capability_back,
thrust, country: what the counterpart brings the company) are weighted means, fused by their
geometric mean, so a match that is strong on one side only ranks low. A missing relationship
costs at most the relationship weight:

    base = sqrt(give × get) × (1 − w_relationship × (1 − relationship))
    score = base + w_implementation × implementation × (1 − base)     (when base ≥ BOOST_FLOOR)

The implementation boost closes a share of the gap to 1, so it is small, never lifts a score
past 1, and never brings in a pair that does not qualify on its own merits.

A component that does not apply (country for an initiative, capability_back for a company that
declared no needs) is left out of its side's mean. Hard exclusions are filters: an excluded pair
is never ranked, whatever its score.
"""

from __future__ import annotations

import datetime as dt
import heapq
import math
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import SimpleNamespace

import numpy as np

from matching import roles
from matching.features import (
    COMPANY,
    INCENTIVE,
    INITIATIVE,
    JAPAN,
    ORGANIZATION,
    PROJECT,
    Profile,
    Side,
    Signals,
    Space,
    Taxonomy,
    build_sides,
    signals_for,
)

Key = int | str
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
# Below this a pair gets no implementation boost: market news makes a good match better, it
# does not make an unrelated counterpart a match.
BOOST_FLOOR = MIN_SCORE
# How much an initiative's current status in a priority member state counts.
LIVE_VALUES = {"launched": 1.0, "in_progress": 0.6}
DEFAULT_LIMITS = {ORGANIZATION: 20, INITIATIVE: 5, PROJECT: 5, INCENTIVE: 5}
# Rows × columns scored at once: a few 16 MB float32 arrays, whatever the directory's size.
BLOCK_CELLS = 4_000_000


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
# Kinds in the order equal scores are listed: institutions first.
KIND_ORDER = {ORGANIZATION: 0, PROJECT: 1, INCENTIVE: 2, INITIATIVE: 3}


@dataclass(frozen=True)
class Match:
    company: Key
    kind: str
    counterpart: Key
    score: float
    values: dict[str, float | None]
    # Each component's contribution, in COMPONENTS order (filled by the engine; see
    # `contributions` for the one-pair version).
    parts: tuple[float, ...] = ()


@dataclass
class Timings:
    scoring: float = 0.0
    top_k: float = 0.0
    pairs: int = 0


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


# --- Fusion: one formula, for a pair and for a block of pairs ----------------------------------


def _sides(values: Mapping[str, float | None], w: Mapping[str, float]) -> tuple[float, float]:
    give = sum(w[k] * (values[k] or 0.0) for k in GIVE) / sum(w[k] for k in GIVE)
    applies = [k for k in GET if values.get(k) is not None]
    den = sum(w[k] for k in applies)
    get = sum(w[k] * values[k] for k in applies) / den if den > 0 else 0.0
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
    comp: dict[str, np.ndarray | None],
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
    if rule.country_applies:
        # A company that names no member state has no country preference to meet.
        row_w = (has_country * w["country"]).astype(np.float32)[:, None]
        get += comp["country"] * row_w
        den += row_w
    if rule.back_applies and comp.get("capability_back") is not None:
        row_w = (has_need * w["capability_back"]).astype(np.float32)[:, None]
        get += comp["capability_back"] * row_w
        den += row_w
    np.divide(get, den, out=get, where=den > 0)
    give *= get
    np.maximum(give, 0.0, out=give)
    np.sqrt(give, out=give)
    give *= np.float32(1.0 - w["relationship"])
    return give


def component_block(company: Side, rows: np.ndarray | slice, other: Side, rule: KindRule):
    """Every component for companies `rows` against all of `other`: a few matrix products."""
    comp: dict[str, np.ndarray | None] = {
        "capability": np.sqrt(company.offer[rows] @ other.need.T),
        "thrust": company.thrust[rows] @ other.thrust.T,
        "country": company.country[rows] @ other.country.T if rule.country_applies else None,
        "capability_back": None,
    }
    if rule.back_applies and company.has_need[rows].any():
        comp["capability_back"] = np.sqrt(company.need[rows] @ other.offer.T)
    text = company.concept_offer[rows] @ other.concept_need.T
    np.sqrt(text, out=text)
    np.maximum(text, company.ngram[rows] @ other.ngram.T, out=text)
    np.minimum(text, 1.0, out=text)
    comp["text"] = text
    return comp


# --- The implementation watch, as the engine reads it -----------------------------------------


@dataclass(frozen=True)
class LiveStatus:
    """An initiative's current status in a member state, when it is launched or in progress.
    `initiative` is the initiative profile's key; `effective_on` an ISO date."""

    initiative: Key
    code: str
    state: str
    status: str
    effective_on: str

    @property
    def value(self) -> float:
        return LIVE_VALUES.get(self.status, 0.0)


@dataclass
class LiveView:
    """Per kind of counterpart: a (counterparts × member states) matrix of the strongest live
    status tied to each counterpart in each state, the rows that have any, and the statuses
    behind each cell (for explanations), strongest and newest first."""

    values: dict[str, np.ndarray]
    rows: dict[str, np.ndarray]
    facts: dict[str, dict[int, list[LiveStatus]]]

    def implementation(self, kind: str, priority: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """The component for companies with `priority` rows (b × states) against counterparts
        `cols` (b × k, one list per company, or k for all): capped at 1."""
        if not len(self.rows[kind]):  # nothing live reaches this kind: skip the product
            return np.zeros((len(priority), cols.shape[-1]), dtype=np.float32)
        values = self.values[kind][cols]
        pairs = "bs,ks->bk" if values.ndim == 2 else "bs,bks->bk"
        out = np.einsum(pairs, priority, values)
        return np.minimum(out, 1.0, out=out)


def _capabilities_meet(space: Space, ours: Sequence[str], theirs: Sequence[str]) -> bool:
    """The same capability, or one is the other's branch."""
    for a in ours:
        for b in theirs:
            if a == b or space.parent.get(a) == b or space.parent.get(b) == a:
                return True
    return False


# --- The engine -----------------------------------------------------------------------------


@dataclass
class Request:
    """What to rank and what to leave out. `excluded[company]` holds (kind, counterpart) pairs
    that must not be suggested (an open partnership, a recent rejection, a snooze);
    `relationship[company][(kind, counterpart)]` is a value in [0, 1]; `implementation` the
    live statuses of the implementation watch."""

    weights: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    limits: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_LIMITS))
    excluded: Mapping[Key, set[tuple[str, Key]]] = field(default_factory=dict)
    relationship: Mapping[Key, Mapping[tuple[str, Key], float]] = field(default_factory=dict)
    min_score: float = MIN_SCORE
    implementation: Sequence[LiveStatus] = ()
    # Today, for a project's phase timing and an incentive's deadline (roles.py).
    as_of: dt.date | None = None


class Engine:
    """Feature matrices of one directory, ready to rank any subset of its companies."""

    def __init__(
        self,
        taxonomy: Taxonomy,
        companies: Sequence[Profile],
        counterparts: Mapping[str, Sequence[Profile]],
    ) -> None:
        self.space = Space(taxonomy)
        self.companies, self.sides, self.idf = build_sides(
            self.space, companies, {k: counterparts.get(k, []) for k in KIND_RULES}
        )
        # Bumped by every update: a kept LiveView is good for one generation of profiles.
        self.generation = 0
        self._live: tuple[tuple, LiveView] | None = None

    def update(self, profiles: Sequence[Profile]) -> None:
        """Take in edited or new profiles; everything else stays as it was."""
        by_kind: dict[str, list[Profile]] = {}
        for p in profiles:
            by_kind.setdefault(p.kind, []).append(p)
        for kind, ps in by_kind.items():
            side = self.companies if kind == COMPANY else self.sides[kind]
            side.update(ps, signals_for(self.space, ps, self.idf))
        self.generation += 1

    def live_view(self, statuses: Sequence[LiveStatus]) -> LiveView:
        """Which counterparts the live statuses reach, kept until the statuses or the profiles
        change (a recompute of one company reads it again and again)."""
        key = (self.generation, tuple(statuses))
        kept = self._live
        if kept is not None and kept[0] == key:
            return kept[1]
        states = len(self.space.states)
        view = LiveView(values={}, rows={}, facts={})
        for kind, side in self.sides.items():
            values = np.zeros((len(side), states), dtype=np.float32)
            facts: dict[int, list[LiveStatus]] = {}
            for j, s, status in self._ties(kind, side, statuses):
                values[j, s] = max(values[j, s], status.value)
                facts.setdefault(j, []).append(status)
            for found in facts.values():
                found.sort(key=lambda x: (x.value, x.effective_on), reverse=True)
            view.values[kind] = values
            view.rows[kind] = np.flatnonzero(values.any(axis=1))
            view.facts[kind] = facts
        self._live = (key, view)
        return view

    def _ties(self, kind: str, side: Side, statuses: Sequence[LiveStatus]):
        """(counterpart row, state column, status) for every counterpart a status reaches."""
        index = self.space.state_index
        live = [(index[x.state], x) for x in statuses if x.value > 0 and x.state in index]
        if kind in (PROJECT, INCENTIVE):
            return  # their timing is their own (phase, deadline), not the watch's
        if kind == INITIATIVE:
            for s, x in live:
                if x.initiative in side.row:
                    yield side.row[x.initiative], s, x
            return
        initiatives = self.sides.get(INITIATIVE)
        by_state: dict[str, list[tuple[int, LiveStatus, Profile, Signals]]] = {}
        for s, x in live:
            if initiatives is not None and x.initiative in initiatives.row:
                i = initiatives.row[x.initiative]
                by_state.setdefault(x.state, []).append(
                    (s, x, initiatives.profiles[i], initiatives.signals[i])
                )
        if not by_state:
            return
        thrusts = self.space.thrusts
        for j, (p, sig) in enumerate(zip(side.profiles, side.signals, strict=True)):
            reached = by_state.get(p.country)
            if not reached:
                continue
            own = {thrusts[col] for col in sig.thrust}
            codes = (*sig.offers, *sig.needs)
            for s, x, init, init_sig in reached:
                if own & init.thrusts and _capabilities_meet(self.space, codes, init_sig.needs):
                    yield j, s, x

    def profile(self, kind: str, key: Key) -> tuple[Profile, Signals]:
        side = self.companies if kind == COMPANY else self.sides[kind]
        i = side.row[key]
        return side.profiles[i], side.signals[i]

    def column_scores(
        self, kind: str, key: Key, weights: Mapping[str, float], as_of: dt.date | None = None
    ) -> np.ndarray:
        """Every company's score against one counterpart, exclusions aside (is it worth
        recomputing a company after this counterpart changed?)."""
        w = check_weights(weights)
        side = self.sides[kind]
        j = side.row[key]
        one = SimpleNamespace(
            **{name: getattr(side, name)[j : j + 1] for name in (*Side.BLOCKS, "ngram", "attrs")}
        )
        rule = KIND_RULES[kind]
        everyone = slice(None)
        comp = component_block(self.companies, everyone, one, rule)
        fused = fuse_block(
            comp,
            w,
            self.companies.has_need,
            self.companies.has_country,
            rule,
            side.thrust_applies[j : j + 1],
        )
        if kind == INITIATIVE:
            fused *= self._role_tables()[2][j]
        elif kind in (PROJECT, INCENTIVE):
            fused *= self.role_block(kind, side, everyone, comp.get("country"), as_of)[:, j : j + 1]
        else:
            fused *= self.role_block(kind, one, everyone, comp.get("country"))
        return fused[:, 0]

    def iter_rank(
        self,
        company_keys: Sequence[Key] | None,
        request: Request,
        timings: Timings | None = None,
    ) -> Iterator[tuple[list[Key], dict[Key, list[Match]]]]:
        """Yield, block by block, each company's best matches, best first."""
        w = check_weights(request.weights)
        timings = timings or Timings()
        keys = list(dict.fromkeys(self.companies.keys if company_keys is None else company_keys))
        rows_all = np.array([self.companies.row[k] for k in keys], dtype=np.int64)
        widest = max((len(s) for s in self.sides.values()), default=1) or 1
        size = max(1, BLOCK_CELLS // widest)
        live = self.live_view(request.implementation)
        for start in range(0, len(rows_all), size):
            rows = rows_all[start : start + size]
            block_keys = keys[start : start + size]
            found: dict[Key, list[Match]] = {k: [] for k in block_keys}
            for kind, side in self.sides.items():
                if len(side) and request.limits.get(kind, 0) > 0:
                    self._rank_kind(kind, side, rows, block_keys, request, w, timings, found, live)
            for matches in found.values():
                matches.sort(key=_order)
            yield block_keys, found

    def rank(self, company_keys: Sequence[Key] | None = None, request: Request | None = None):
        out: dict[Key, list[Match]] = {}
        for _keys, found in self.iter_rank(company_keys, request or Request()):
            out.update(found)
        return out

    def _rank_kind(self, kind, side, rows, block_keys, request, w, timings, found, live) -> None:
        rule = KIND_RULES[kind]
        t0 = time.perf_counter()
        comp = component_block(self.companies, rows, side, rule)
        score = fuse_block(
            comp,
            w,
            self.companies.has_need[rows],
            self.companies.has_country[rows],
            rule,
            side.thrust_applies,
        )
        role = self.role_block(kind, side, rows, comp.get("country"), request.as_of)
        score *= role
        fused_rel = w["relationship"]
        for b, key in enumerate(block_keys):
            for (k, cp), rel in request.relationship.get(key, {}).items():
                j = side.row.get(cp) if k == kind else None
                if j is not None and fused_rel > 0 and rel > 0:
                    fused = score[b, j] / (1.0 - fused_rel) if fused_rel < 1 else 0.0
                    score[b, j] += fused * fused_rel * rel
            for k, cp in request.excluded.get(key, ()):
                j = side.row.get(cp) if k == kind else None
                if j is not None:
                    score[b, j] = -1.0
        self._boost(kind, score, rows, w, live)
        self._filter(kind, score, rows, side)
        t1 = time.perf_counter()
        limit = min(request.limits[kind], len(side))
        cols = np.argpartition(score, -limit, axis=1)[:, -limit:]
        top = np.take_along_axis(score, cols, axis=1)
        picked = {
            name: (np.take_along_axis(arr, cols, axis=1) if arr is not None else None)
            for name, arr in comp.items()
        }
        picked["implementation"] = live.implementation(kind, self.companies.priority[rows], cols)
        picked["role"] = np.take_along_axis(role, cols, axis=1)
        t2 = time.perf_counter()
        timings.scoring += t1 - t0
        timings.top_k += t2 - t1
        timings.pairs += score.size
        self._collect(kind, side, block_keys, request, w, cols, top, picked, found)

    def _role_tables(self):
        """Per generation of profiles: the companies' worth of each institution type (free of
        and bound to the country) and each initiative's provenance factor."""
        kept = getattr(self, "_roles", None)
        if kept is not None and kept[0] == self.generation:
            return kept[1]
        tables = self._build_role_tables()
        self._roles = (self.generation, tables)
        return tables

    def _opportunity_tables(self, as_of: dt.date):
        """Per generation of profiles and day: companies × projects worth (type fit × phase
        timing) and companies × incentives worth (type fit × deadline), and which incentives
        are Japanese programmes (country-free)."""
        key = (self.generation, as_of)
        kept = getattr(self, "_opportunities", None)
        if kept is not None and kept[0] == key:
            return kept[1]
        ctypes = [p.org_type for p in self.companies.profiles]
        kinds = sorted(set(ctypes))
        index = np.array([kinds.index(t) for t in ctypes], dtype=np.int64)
        out: dict[str, np.ndarray] = {}
        projects = self.sides.get(PROJECT)
        if projects is not None:
            timing = [
                roles.phase_timing(p.phase, p.phase_as_of, p.production_year, as_of)
                for p in projects.profiles
            ]
            table = np.array(
                [
                    [
                        roles.project_fit(t, p.subtype) * w
                        for p, w in zip(projects.profiles, timing, strict=True)
                    ]
                    for t in kinds
                ],
                dtype=np.float32,
            ).reshape(len(kinds), len(projects))
            out[PROJECT] = table[index]
        incentives = self.sides.get(INCENTIVE)
        if incentives is not None:
            deadline = np.array(
                [roles.deadline_factor(p.deadline, as_of) for p in incentives.profiles],
                dtype=np.float32,
            )
            fit = np.array([roles.incentive_fit(t) for t in kinds], dtype=np.float32)
            out[INCENTIVE] = fit[index][:, None] * deadline[None, :]
            out["japanese"] = np.array(
                [p.country == JAPAN for p in incentives.profiles], dtype=bool
            )
        self._opportunities = (key, out)
        return out

    def _build_role_tables(self):
        ctypes = [p.org_type for p in self.companies.profiles]
        free, bound = roles.type_fit_matrices(ctypes, self.space.types)
        initiatives = self.sides.get(INITIATIVE)
        provenance = np.array(
            [roles.provenance_factor(p.provenance) for p in initiatives.profiles]
            if initiatives is not None
            else [],
            dtype=np.float32,
        )
        return (free, bound, provenance)

    def role_block(
        self,
        kind: str,
        side: Side,
        rows: np.ndarray | slice,
        country: np.ndarray | None,
        as_of: dt.date | None = None,
    ) -> np.ndarray:
        """The role factor (matching.roles) of companies `rows` against every counterpart."""
        if kind in (PROJECT, INCENTIVE):
            return self._opportunity_block(kind, side, rows, country, as_of or dt.date.today())
        free, bound, provenance = self._role_tables()
        if kind == INITIATIVE:
            n = len(range(len(self.companies))[rows]) if isinstance(rows, slice) else len(rows)
            return np.broadcast_to(provenance[None, :], (n, len(provenance))).copy()
        types = side.attrs[:, len(self.space.states) + 1 :]
        out = free[rows] @ types.T
        if country is not None:
            out += country * (bound[rows] @ types.T)
        # An institution of no known type is taken as it is.
        out[:, ~types.any(axis=1)] = 1.0
        return out

    def _opportunity_block(self, kind, side, rows, country, as_of: dt.date) -> np.ndarray:
        tables = self._opportunity_tables(as_of)
        worth = tables[kind][rows]
        if kind == PROJECT:
            bound = np.float32(roles.PROJECT_COUNTRY_BOUND)
            tie = country if country is not None else 0.0
            return worth * ((np.float32(1.0) - bound) + bound * tie)
        # An incentive: the company's tie to its member state (priority 1, presence 0.8), 1
        # for a Japanese programme.
        states = len(self.space.states)
        tie = self.companies.country[rows][:, :states] @ side.attrs[:, :states].T
        tie[:, tables["japanese"]] = 1.0
        return worth * tie

    def _boost(self, kind: str, score: np.ndarray, rows: np.ndarray, w, live: LiveView) -> None:
        """The implementation boost, on the few counterparts a live status reaches."""
        cols = live.rows[kind]
        if not len(cols) or w["implementation"] <= 0:
            return
        impl = live.implementation(kind, self.companies.priority[rows], cols)
        sub = score[:, cols]
        gain = np.float32(w["implementation"]) * impl * (1.0 - sub)
        score[:, cols] = np.where(sub >= BOOST_FLOOR, sub + gain, sub)

    def _filter(self, kind: str, score: np.ndarray, rows: np.ndarray, side: Side) -> None:
        """Hard exclusions: counterparts not accepting partners, the countries and types a
        company rules out, and the kinds its purposes leave out."""
        closed = np.flatnonzero(~side.accepting)
        if len(closed):
            score[:, closed] = -1.0
        profiles = self.companies.profiles
        score[[b for b, r in enumerate(rows) if kind in profiles[r].excluded_kinds]] = -1.0
        ruled = np.flatnonzero(self.companies.has_exclusion[rows])
        if len(ruled):
            hit = self.companies.excluded[rows[ruled]] @ side.attrs.T
            sub = score[ruled]
            sub[hit > 0] = -1.0
            score[ruled] = sub

    def _collect(self, kind, side, block_keys, request, w, cols, top, picked, found) -> None:
        rule = KIND_RULES[kind]
        rows = np.array([self.companies.row[k] for k in block_keys], dtype=np.int64)
        need = self.companies.has_need[rows] & rule.back_applies
        country = self.companies.has_country[rows] & rule.country_applies
        priority = self.companies.priority[rows].any(axis=1)
        rel = np.zeros(top.shape, dtype=np.float32)
        for b, key in enumerate(block_keys):
            rels = request.relationship.get(key)
            for i, j in enumerate(cols[b]) if rels else ():
                rel[b, i] = rels.get((kind, side.keys[j]), 0.0)
        applies = side.thrust_applies[cols]
        parts = contributions_block(picked, rel, need, country, w, picked["role"], applies)
        as_lists = {k: (v.tolist() if v is not None else None) for k, v in picked.items()}
        part_lists = [parts[k].tolist() for k in COMPONENTS]
        top_l, cols_l, rel_l = top.tolist(), cols.tolist(), rel.tolist()
        applies_l = applies.tolist()
        cap, text, thrust = as_lists["capability"], as_lists["text"], as_lists["thrust"]
        back, cty, impl, role = (
            as_lists["capability_back"],
            as_lists["country"],
            as_lists["implementation"],
            as_lists["role"],
        )
        for b, key in enumerate(block_keys):
            has_need, has_country = bool(need[b]), bool(country[b])
            has_priority = bool(priority[b])
            out = found[key]
            for i, s in enumerate(top_l[b]):
                if s < request.min_score:
                    continue
                values = {
                    "capability": cap[b][i],
                    "text": text[b][i],
                    "capability_back": back[b][i] if has_need and back is not None else None,
                    "thrust": thrust[b][i] if applies_l[b][i] else None,
                    "country": cty[b][i] if has_country and cty is not None else None,
                    "relationship": rel_l[b][i],
                    "implementation": impl[b][i] if has_priority else None,
                    "role": role[b][i],
                }
                cp = side.keys[cols_l[b][i]]
                out.append(
                    Match(key, kind, cp, min(s, 1.0), values, tuple(p[b][i] for p in part_lists))
                )


def contributions_block(
    picked, rel, need, country, w, role, thrust_applies
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


# --- The per-pair reference: the same signals, one pair at a time -------------------------------


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


def rank_loop(engine: Engine, company_keys: Sequence[Key], request: Request) -> dict:
    """The baseline the engine is measured against: a Python loop over every pair."""
    w = check_weights(request.weights)
    live = engine.live_view(request.implementation)
    out: dict[Key, list[Match]] = {}
    for key in company_keys:
        cp_, cs = engine.profile(COMPANY, key)
        excluded = request.excluded.get(key, set())
        rels = request.relationship.get(key, {})
        matches: list[Match] = []
        for kind, side in engine.sides.items():
            scored = []
            for j, (p, ps) in enumerate(zip(side.profiles, side.signals, strict=True)):
                if (kind, p.key) in excluded or not p.accepting or _ruled_out(cp_, p):
                    continue
                impl = _implementation(cs, live.facts[kind].get(j, ()), engine.space)
                role = _pair_role(engine, cp_, cs, p, ps, kind, request.as_of)
                s, values = score_pair(
                    cs,
                    ps,
                    kind,
                    w,
                    rels.get((kind, p.key), 0.0),
                    impl,
                    role,
                    thrust_applies=bool(side.thrust_applies[j]),
                )
                if s >= request.min_score:
                    scored.append((s, str(p.key), Match(key, kind, p.key, s, values)))
            best = heapq.nlargest(request.limits.get(kind, 0), scored, key=lambda t: t[0])
            matches.extend(m for _s, _k, m in best)
        matches.sort(key=_order)
        out[key] = matches
    return out


def _implementation(c: Signals, facts: Sequence[LiveStatus], space: Space) -> float | None:
    """The implementation component of one pair, from the statuses tied to the counterpart."""
    if not c.priority:
        return None
    strongest: dict[int, float] = {}
    for x in facts:
        s = space.state_index[x.state]
        strongest[s] = max(strongest.get(s, 0.0), x.value)
    return min(1.0, sum(c.priority.get(s, 0.0) * v for s, v in strongest.items()))


def _pair_role(
    engine: Engine,
    company: Profile,
    cs: Signals,
    p: Profile,
    ps: Signals,
    kind: str,
    as_of: dt.date | None = None,
):
    """The role factor of one pair, as Engine.role_block computes it for a block."""
    if kind == INITIATIVE:
        return roles.provenance_factor(p.provenance)
    as_of = as_of or dt.date.today()
    if kind == PROJECT:
        timing = roles.phase_timing(p.phase, p.phase_as_of, p.production_year, as_of)
        country = _dot(cs.country, ps.country) if cs.country else 0.0
        return roles.project_factor(company.org_type, p.subtype, timing, country)
    if kind == INCENTIVE:
        col = engine.space.state_index.get(p.country)
        tie = cs.country.get(col, 0.0) if col is not None else 0.0
        deadline = roles.deadline_factor(p.deadline, as_of)
        return roles.incentive_factor(company.org_type, p.country, deadline, tie)
    if p.org_type not in engine.space.type_index:
        return 1.0
    country = _dot(cs.country, ps.country) if cs.country else 0.0
    return roles.role_factor(company.org_type, p.org_type, country)


def _order(m: Match) -> tuple:
    return (-m.score, KIND_ORDER.get(m.kind, 9), str(m.counterpart))


def _ruled_out(company: Profile, p: Profile) -> bool:
    if p.kind in company.excluded_kinds:
        return True
    if p.kind in (PROJECT, INCENTIVE):
        return bool(p.country and p.country in company.excluded_countries)
    if p.kind != ORGANIZATION:
        return False
    return bool(p.country and p.country in company.excluded_countries) or (
        p.org_type in company.excluded_org_types
    )
