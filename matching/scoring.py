"""Partner scoring: plain data in, ranked results out. No ORM, no Django.

Components, each in [0, 1] and kept apart so that they can be shown and learnt from:

- capability: how much of what the counterpart needs the company offers (an initiative "needs"
  the capabilities it draws on), as the quadratic mean of per-need credit: 1 for the capability
  itself, partial credit for another of the same taxonomy branch (a token between product lines
  of equipment or of materials: features.PRODUCT_LINES), supply credit for equipment or
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

How the components become a score (two-sided fusion, the implementation boost) is
matching/fusion.py; the per-pair reference the engine is tested against is pairs.py and
baseline.py.

Hard exclusions are filters: an excluded pair is never ranked, whatever its score.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from matching.features import (
    COMPANY,
    INCENTIVE,
    INITIATIVE,
    ORGANIZATION,
    PROJECT,
    Profile,
    Signals,
    Space,
    Taxonomy,
)
from matching.fusion import (
    BOOST_FLOOR,
    COMPONENTS,
    DEFAULT_WEIGHTS,
    KIND_MIN_SCORES,
    KIND_RULES,
    MIN_SCORE,
    PickedBlock,
    check_weights,
    component_block,
    contributions_block,
    fuse_block,
    min_score_for,
)
from matching.live import LiveStatus, LiveView
from matching.role_factors import RoleFactors
from matching.sides import Rows, Side, build_sides, signals_for

Key = int | str
# The companies' worth of each institution type, free of and bound to the country (companies ×
# types, twice), and each initiative's provenance factor (matching.roles).
DEFAULT_LIMITS = {ORGANIZATION: 20, INITIATIVE: 5, PROJECT: 5, INCENTIVE: 5}
# Rows × columns scored at once: a few 16 MB float32 arrays, whatever the directory's size.
BLOCK_CELLS = 4_000_000


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
    # Kinds that need more than min_score (fusion.KIND_MIN_SCORES).
    kind_min_scores: Mapping[str, float] = field(default_factory=lambda: dict(KIND_MIN_SCORES))
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
        self._live: tuple[tuple[int, tuple[LiveStatus, ...]], LiveView] | None = None
        self.factors = RoleFactors(self.space, self.companies, self.sides)

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

    def _ties(
        self, kind: str, side: Side, statuses: Sequence[LiveStatus]
    ) -> Iterator[tuple[int, int, LiveStatus]]:
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
        one = side.rows(j, j + 1)
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
            fused *= self.factors.tables(self.generation)[2][j]
        elif kind in (PROJECT, INCENTIVE):
            fused *= self.role_block(kind, side, everyone, comp["country"], as_of)[:, j : j + 1]
        else:
            fused *= self.role_block(kind, one, everyone, comp["country"])
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
                matches.sort(key=ranking_order)
            yield block_keys, found

    def rank(
        self, company_keys: Sequence[Key] | None = None, request: Request | None = None
    ) -> dict[Key, list[Match]]:
        out: dict[Key, list[Match]] = {}
        for _keys, found in self.iter_rank(company_keys, request or Request()):
            out.update(found)
        return out

    def _rank_kind(
        self,
        kind: str,
        side: Side,
        rows: np.ndarray,
        block_keys: list[Key],
        request: Request,
        w: Mapping[str, float],
        timings: Timings,
        found: dict[Key, list[Match]],
        live: LiveView,
    ) -> None:
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
        role = self.role_block(kind, side, rows, comp["country"], request.as_of)
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
        country, back = comp["country"], comp["capability_back"]
        picked: PickedBlock = {
            "capability": np.take_along_axis(comp["capability"], cols, axis=1),
            "thrust": np.take_along_axis(comp["thrust"], cols, axis=1),
            "country": np.take_along_axis(country, cols, axis=1) if country is not None else None,
            "capability_back": np.take_along_axis(back, cols, axis=1) if back is not None else None,
            "text": np.take_along_axis(comp["text"], cols, axis=1),
            "implementation": live.implementation(kind, self.companies.priority[rows], cols),
            "role": np.take_along_axis(role, cols, axis=1),
        }
        t2 = time.perf_counter()
        timings.scoring += t1 - t0
        timings.top_k += t2 - t1
        timings.pairs += score.size
        self._collect(kind, side, block_keys, request, w, cols, top, picked, found)

    def role_block(
        self,
        kind: str,
        side: Rows,
        rows: np.ndarray | slice,
        country: np.ndarray | None,
        as_of: dt.date | None = None,
    ) -> np.ndarray:
        """The role factor (matching.roles) of companies `rows` against every counterpart."""
        return self.factors.block(self.generation, kind, side, rows, country, as_of)

    def _boost(
        self,
        kind: str,
        score: np.ndarray,
        rows: np.ndarray,
        w: Mapping[str, float],
        live: LiveView,
    ) -> None:
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

    def _collect(
        self,
        kind: str,
        side: Side,
        block_keys: list[Key],
        request: Request,
        w: Mapping[str, float],
        cols: np.ndarray,
        top: np.ndarray,
        picked: PickedBlock,
        found: dict[Key, list[Match]],
    ) -> None:
        rule = KIND_RULES[kind]
        rows = np.array([self.companies.row[k] for k in block_keys], dtype=np.int64)
        need = np.logical_and(self.companies.has_need[rows], rule.back_applies)
        country = np.logical_and(self.companies.has_country[rows], rule.country_applies)
        priority = np.asarray(self.companies.priority[rows].any(axis=1))
        rel = np.zeros(top.shape, dtype=np.float32)
        for b, key in enumerate(block_keys):
            rels = request.relationship.get(key)
            if not rels:
                continue
            for i, j in enumerate(cols[b]):
                rel[b, i] = rels.get((kind, side.keys[j]), 0.0)
        applies = side.thrust_applies[cols]
        parts = contributions_block(picked, rel, need, country, w, picked["role"], applies)
        part_lists = [_lists(parts[k]) for k in COMPONENTS]
        top_l, rel_l, applies_l = _lists(top), _lists(rel), _lists(applies)
        cols_l: list[list[int]] = cols.tolist()
        least = min_score_for(kind, request.min_score, request.kind_min_scores)
        cap, text, thrust = (
            _lists(picked["capability"]),
            _lists(picked["text"]),
            _lists(picked["thrust"]),
        )
        back, cty = _lists_or_none(picked["capability_back"]), _lists_or_none(picked["country"])
        impl, role = _lists(picked["implementation"]), _lists(picked["role"])
        for b, key in enumerate(block_keys):
            has_need, has_country = bool(need[b]), bool(country[b])
            has_priority = bool(priority[b])
            out = found[key]
            for i, s in enumerate(top_l[b]):
                if s < least:
                    continue
                values: dict[str, float | None] = {
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


def _lists(block: np.ndarray) -> list[list[float]]:
    """A block (rows × columns) as nested Python lists: reading them is faster than indexing
    the array pair by pair."""
    rows: list[list[float]] = block.tolist()
    return rows


def _lists_or_none(block: np.ndarray | None) -> list[list[float]] | None:
    return _lists(block) if block is not None else None


def ranking_order(m: Match) -> tuple[float, int, str]:
    return (-m.score, KIND_ORDER.get(m.kind, 9), str(m.counterpart))
