"""The dense feature matrices of one side of a recompute (companies, or one kind of
counterpart), built from the profiles' signals (features.py): what scoring multiplies."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from matching import roles
from matching.features import (
    COMPANY,
    INCENTIVE,
    JAPAN,
    ORGANIZATION,
    PROJECT,
    Profile,
    Signals,
    Space,
    build_signals,
)
from matching.text import NGRAM_DIM, idf_weights, ngram_counts


class Rows(Protocol):
    """The feature matrices scoring multiplies, for some rows of a side: a whole `Side`, or
    one counterpart's row of it (`Side.rows`)."""

    offer: np.ndarray
    need: np.ndarray
    concept_offer: np.ndarray
    concept_need: np.ndarray
    thrust: np.ndarray
    country: np.ndarray
    priority: np.ndarray
    ngram: np.ndarray
    attrs: np.ndarray
    region: np.ndarray
    local: np.ndarray


@dataclass
class RowSlice:
    """Some rows of a `Side`'s matrices (views, not copies)."""

    offer: np.ndarray
    need: np.ndarray
    concept_offer: np.ndarray
    concept_need: np.ndarray
    thrust: np.ndarray
    country: np.ndarray
    priority: np.ndarray
    ngram: np.ndarray
    attrs: np.ndarray
    region: np.ndarray
    local: np.ndarray


class Side:
    """The dense feature matrices of one side (companies, or one kind of counterpart)."""

    BLOCKS = ("offer", "need", "concept_offer", "concept_need", "thrust", "country", "priority")
    # The BLOCKS matrices, set by name in __init__ and update.
    offer: np.ndarray
    need: np.ndarray
    concept_offer: np.ndarray
    concept_need: np.ndarray
    thrust: np.ndarray
    country: np.ndarray
    priority: np.ndarray
    ngram: np.ndarray
    attrs: np.ndarray
    # Sub-national regions (matching.regions), one column each: a company's sites; an agency's
    # or a park's area (roles.REGIONAL_TYPES), nothing for other counterparts.
    region: np.ndarray
    # 1 for an institution worth something only where the company employs people (Signals.local).
    local: np.ndarray

    def __init__(
        self, space: Space, profiles: Sequence[Profile], signals: Sequence[Signals]
    ) -> None:
        self.space = space
        self.keys: list[int | str] = [p.key for p in profiles]
        self.row = {k: i for i, k in enumerate(self.keys)}
        self.profiles: list[Profile] = list(profiles)
        self.signals: list[Signals] = list(signals)
        n = len(self.keys)
        widths = self._widths()
        for name in self.BLOCKS:
            setattr(self, name, np.zeros((n, widths[name]), dtype=np.float32))
        self.ngram = np.zeros((n, NGRAM_DIM), dtype=np.float32)
        self.attrs = np.zeros((n, len(space.states) + 1 + len(space.types)), dtype=np.float32)
        self.excluded = np.zeros_like(self.attrs)
        self.region = np.zeros((n, len(space.regions)), dtype=np.float32)
        self.local = np.zeros(n, dtype=bool)
        self.has_need = np.zeros(n, dtype=bool)
        self.has_country = np.zeros(n, dtype=bool)
        self.has_exclusion = np.zeros(n, dtype=bool)
        self.accepting = np.ones(n, dtype=bool)
        # 1 where the thrust component applies to the row as a counterpart, 0 where it does not
        # (an investment agency's thrust is a policy area, not a technology: roles.py).
        self.thrust_applies = np.ones(n, dtype=np.float32)
        for i, (p, s) in enumerate(zip(profiles, signals, strict=True)):
            self._fill(i, p, s)

    def _widths(self) -> dict[str, int]:
        caps = len(self.space.caps)
        return {
            "offer": caps,
            "need": caps,
            "concept_offer": caps,
            "concept_need": caps,
            "thrust": len(self.space.thrusts),
            "country": len(self.space.states) + 1,
            "priority": len(self.space.states),
        }

    def _fill(self, i: int, p: Profile, s: Signals) -> None:
        for name in self.BLOCKS:
            row = getattr(self, name)[i]
            row[:] = 0.0
            for col, value in getattr(s, name).items():
                row[col] = value
        self.ngram[i] = s.ngram
        self.has_need[i] = bool(s.need)
        self.local[i] = s.local
        self.has_country[i] = bool(s.country)
        self.accepting[i] = p.accepting
        self.thrust_applies[i] = 0.0 if roles.thrust_exempt(p.org_type) else 1.0
        self.attrs[i] = 0.0
        self.excluded[i] = 0.0
        states = len(self.space.states) + 1
        if p.kind in (ORGANIZATION, PROJECT, INCENTIVE) and p.country != JAPAN:
            # Where it is: what a company's excluded member states rule out.
            col = self.space.state_index.get(p.country) if p.country else self.space.regional_col
            if col is not None:
                self.attrs[i, col] = 1.0
            if p.org_type in self.space.type_index:
                self.attrs[i, states + self.space.type_index[p.org_type]] = 1.0
        for code in p.excluded_countries:
            if code in self.space.state_index:
                self.excluded[i, self.space.state_index[code]] = 1.0
        for code in p.excluded_org_types:
            if code in self.space.type_index:
                self.excluded[i, states + self.space.type_index[code]] = 1.0
        self.has_exclusion[i] = bool(self.excluded[i].any())
        self.region[i] = 0.0
        if p.kind == COMPANY or p.org_type in roles.REGIONAL_TYPES:
            for code in s.regions:
                self.region[i, self.space.region_index[code]] = 1.0

    def update(self, profiles: Sequence[Profile], signals: Sequence[Signals]) -> None:
        """Replace the rows of known keys and append new ones (a profile was edited)."""
        fresh = [(p, s) for p, s in zip(profiles, signals, strict=True) if p.key not in self.row]
        for p, s in zip(profiles, signals, strict=True):
            if p.key in self.row:
                i = self.row[p.key]
                self.profiles[i], self.signals[i] = p, s
                self._fill(i, p, s)
        if not fresh:
            return
        start = len(self.keys)
        grow = len(fresh)
        for name in (*self.BLOCKS, "ngram", "attrs", "excluded", "region"):
            old = getattr(self, name)
            setattr(self, name, np.vstack([old, np.zeros((grow, old.shape[1]), old.dtype)]))
        self.has_need = np.concatenate([self.has_need, np.zeros(grow, bool)])
        self.local = np.concatenate([self.local, np.zeros(grow, bool)])
        self.has_country = np.concatenate([self.has_country, np.zeros(grow, bool)])
        self.has_exclusion = np.concatenate([self.has_exclusion, np.zeros(grow, bool)])
        self.accepting = np.concatenate([self.accepting, np.ones(grow, bool)])
        self.thrust_applies = np.concatenate([self.thrust_applies, np.ones(grow, dtype=np.float32)])
        for offset, (p, s) in enumerate(fresh):
            self.keys.append(p.key)
            self.row[p.key] = start + offset
            self.profiles.append(p)
            self.signals.append(s)
            self._fill(start + offset, p, s)

    def rows(self, start: int, stop: int) -> RowSlice:
        """Rows start:stop of every matrix scoring reads."""
        return RowSlice(
            offer=self.offer[start:stop],
            need=self.need[start:stop],
            concept_offer=self.concept_offer[start:stop],
            concept_need=self.concept_need[start:stop],
            thrust=self.thrust[start:stop],
            country=self.country[start:stop],
            priority=self.priority[start:stop],
            ngram=self.ngram[start:stop],
            attrs=self.attrs[start:stop],
            region=self.region[start:stop],
            local=self.local[start:stop],
        )

    def __len__(self) -> int:
        return len(self.keys)


def ngram_table(profiles: Sequence[Profile]) -> np.ndarray:
    table = np.zeros((len(profiles), NGRAM_DIM), dtype=np.float32)
    for i, p in enumerate(profiles):
        table[i] = ngram_counts(p.text)
    return table


def build_sides(
    space: Space,
    companies: Sequence[Profile],
    counterparts: dict[str, Sequence[Profile]],
    idf: np.ndarray | None = None,
) -> tuple[Side, dict[str, Side], np.ndarray]:
    """Signals and matrices for every profile. The n-gram weights (idf) come from the
    counterparts' texts unless given, so that editing one company later changes no weight."""
    company_counts = ngram_table(companies)
    counts = {kind: ngram_table(ps) for kind, ps in counterparts.items()}
    if idf is None:
        corpus = [c for c in counts.values() if len(c)] or [company_counts]
        idf = idf_weights(np.vstack(corpus)) if sum(len(c) for c in corpus) else np.ones(NGRAM_DIM)
    idf = idf.astype(np.float32)
    company_side = Side(
        space,
        companies,
        [build_signals(space, p, company_counts[i], idf) for i, p in enumerate(companies)],
    )
    sides = {
        kind: Side(
            space, ps, [build_signals(space, p, counts[kind][i], idf) for i, p in enumerate(ps)]
        )
        for kind, ps in counterparts.items()
    }
    return company_side, sides, idf


def signals_for(space: Space, profiles: Sequence[Profile], idf: np.ndarray) -> list[Signals]:
    return [build_signals(space, p, ngram_counts(p.text), idf) for p in profiles]
