"""The role factor of a block of pairs: how much a company's type is worth with each
institution type (free of and bound to the country, and for an agency or a park of one region,
to the region), an initiative's provenance, a project's
phase timing and an incentive's deadline (matching.roles), as tables over the engine's sides,
kept for one generation of profiles (and one day for projects and incentives)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import numpy as np

from matching import regions, roles
from matching.features import INCENTIVE, INITIATIVE, JAPAN, PROJECT, Space
from matching.sides import Rows, Side

RoleTables = tuple[np.ndarray, np.ndarray, np.ndarray]


class RoleFactors:
    """The role factor tables of one engine's companies and counterparts."""

    def __init__(self, space: Space, companies: Side, sides: Mapping[str, Side]) -> None:
        self.space = space
        self.companies = companies
        self.sides = sides
        self._roles: tuple[int, RoleTables] | None = None
        self._regions: tuple[np.ndarray, np.ndarray] | None = None
        self._opportunities: tuple[tuple[int, dt.date], dict[str, np.ndarray]] | None = None

    def tables(self, generation: int) -> RoleTables:
        """Per generation of profiles: the companies' worth of each institution type (free of
        and bound to the country) and each initiative's provenance factor."""
        kept = self._roles
        if kept is not None and kept[0] == generation:
            return kept[1]
        tables = self._build_role_tables()
        self._roles = (generation, tables)
        return tables

    def _opportunity_tables(self, generation: int, as_of: dt.date) -> dict[str, np.ndarray]:
        """Per generation of profiles and day: companies × projects worth (type fit × phase
        timing) and companies × incentives worth (type fit × deadline), and which incentives
        are Japanese programmes (country-free)."""
        key = (generation, as_of)
        kept = self._opportunities
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

    def _build_role_tables(self) -> RoleTables:
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

    def block(
        self,
        generation: int,
        kind: str,
        side: Rows,
        rows: np.ndarray | slice,
        country: np.ndarray | None,
        as_of: dt.date | None = None,
    ) -> np.ndarray:
        """The role factor (matching.roles) of companies `rows` against every counterpart."""
        if kind in (PROJECT, INCENTIVE):
            return self._opportunity_block(
                generation, kind, side, rows, country, as_of or dt.date.today()
            )
        free, bound, provenance = self.tables(generation)
        if kind == INITIATIVE:
            n = len(range(len(self.companies))[rows]) if isinstance(rows, slice) else len(rows)
            return np.broadcast_to(provenance[None, :], (n, len(provenance))).copy()
        types = side.attrs[:, len(self.space.states) + 1 :]
        out: np.ndarray = free[rows] @ types.T
        if country is not None:
            out += country * (bound[rows] @ types.T)
        # A training academy is worth its whole fit where the company is, nothing elsewhere.
        local = np.flatnonzero(side.local)
        if len(local):
            whole = (free[rows] + bound[rows]) @ types[local].T
            out[:, local] = whole * country[:, local] if country is not None else 0.0
        # An institution of no known type is taken as it is.
        out[:, ~types.any(axis=1)] = 1.0
        self._apply_regions(side, rows, out)
        return out

    def _apply_regions(self, side: Rows, rows: np.ndarray | slice, out: np.ndarray) -> None:
        """Multiply the factor of the agencies and parks of one region by how the companies'
        sites stand to it (roles.REGION_FACTOR; matching.regions.relation, in matrices)."""
        cols = np.flatnonzero(side.region.any(axis=1))
        if not len(cols):
            return
        near, country = self._region_tables()
        area = side.region[cols]
        sites = self.companies.region[rows]
        same = (sites @ area.T) > 0
        nearby = ((sites @ near) @ area.T) > 0
        known = ((sites @ country) @ (area @ country).T) > 0
        table = roles.REGION_FACTOR
        factor = np.where(
            same,
            np.float32(table[regions.SITE]),
            np.where(nearby, np.float32(table[regions.NEAR]), np.float32(table[regions.ELSEWHERE])),
        )
        out[:, cols] = np.minimum(out[:, cols] * np.where(known, factor, np.float32(1.0)), 1.0)

    def _region_tables(self) -> tuple[np.ndarray, np.ndarray]:
        """Regions × regions (1: neighbours) and regions × member states (1: its state)."""
        if self._regions is None:
            gazetteer, codes = self.space.gazetteer, self.space.regions
            index = self.space.region_index
            near = np.zeros((len(codes), len(codes)), dtype=np.float32)
            country = np.zeros((len(codes), len(self.space.states)), dtype=np.float32)
            for i, code in enumerate(codes):
                region = gazetteer.regions[code]
                for other in region.near:
                    if other in index:
                        near[i, index[other]] = 1.0
                col = self.space.state_index.get(region.country)
                if col is not None:
                    country[i, col] = 1.0
            self._regions = (near, country)
        return self._regions

    def _opportunity_block(
        self,
        generation: int,
        kind: str,
        side: Rows,
        rows: np.ndarray | slice,
        country: np.ndarray | None,
        as_of: dt.date,
    ) -> np.ndarray:
        tables = self._opportunity_tables(generation, as_of)
        worth = tables[kind][rows]
        if kind == PROJECT:
            bound = np.float32(roles.PROJECT_COUNTRY_BOUND)
            tie = country if country is not None else 0.0
            factor: np.ndarray = worth * ((np.float32(1.0) - bound) + bound * tie)
            return factor
        # An incentive: the company's tie to its member state (priority 1, presence 0.8), 1
        # for a Japanese programme.
        states = len(self.space.states)
        tie = self.companies.country[rows][:, :states] @ side.attrs[:, :states].T
        tie[:, tables["japanese"]] = 1.0
        factor = worth * tie
        return factor
