"""Sub-national regions of the member states (states, provinces, big cities) and the places
that name them, read from `fixtures/reference/regions.csv`: where a company's sites are and
which area a state agency or an industrial park serves, found in their names and descriptions
("a plant in Kuching, Sarawak", "runs Bayan Lepas FIZ and Batu Kawan", 「ペナン」).

A park in Penang and InvestPenang exist for companies in Penang or going there. For a company
whose Malaysian sites are in Kelantan or Sarawak they are another state's machinery, and the
federal agency (MIDA), which names no region, is the one that serves it. `relation` says which
of these a pair is, and matching.roles turns it into a factor. Pure: no ORM, no Django.
"""

from __future__ import annotations

import csv
import functools
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from matching.text import Tagger

REGIONS_FILE = Path(__file__).resolve().parent.parent / "fixtures" / "reference" / "regions.csv"

# How a company's sites stand to the area a counterpart serves.
SITE = "site"  # the company has a site in the area
NEAR = "near"  # a site in a neighbouring region (the same industrial corridor)
ELSEWHERE = "elsewhere"  # its sites in that member state are all in other regions
RELATIONS = (SITE, NEAR, ELSEWHERE)


@dataclass(frozen=True)
class Region:
    code: str  # ISO 3166-2 (MY-07 Penang, PH-CEB Cebu)
    country: str
    name_en: str
    name_ja: str
    near: frozenset[str]


class Gazetteer:
    """The regions and the places that name them, in English and Japanese."""

    def __init__(self, regions: Sequence[Region], places: Iterable[tuple[str, str]]) -> None:
        self.regions = {r.code: r for r in regions}
        self.codes = [r.code for r in regions]
        self._tagger = Tagger(places)

    def find(self, text: str, countries: Collection[str]) -> frozenset[str]:
        """The regions of `countries` that `text` names (a place in another member state is
        someone else's: a park's note may name its tenants' home countries)."""
        return frozenset(c for c in self._tagger.tags(text) if self.regions[c].country in countries)

    def name(self, code: str, lang: str) -> str:
        region = self.regions.get(code)
        if region is None:
            return code
        return region.name_ja if lang == "ja" else region.name_en

    def relation(self, sites: Collection[str], area: Collection[str]) -> str:
        """How sites stand to an area: SITE, NEAR or ELSEWHERE, "" when that says nothing (no
        area, or no known site in the area's member state: where the company is not yet,
        any region may be where it goes)."""
        if not area:
            return ""
        countries = {self.regions[a].country for a in area}
        mine = [s for s in sites if self.regions[s].country in countries]
        if not mine:
            return ""
        if any(s in area for s in mine):
            return SITE
        if any(self.regions[s].near & set(area) for s in mine):
            return NEAR
        return ELSEWHERE

    def sites_in(self, sites: Collection[str], area: Collection[str]) -> list[str]:
        """The company's sites in the member state(s) of `area`, sorted."""
        countries = {self.regions[a].country for a in area if a in self.regions}
        return sorted(s for s in sites if self.regions[s].country in countries)


def _split(value: str) -> list[str]:
    return [p.strip() for p in (value or "").split(";") if p.strip()]


def load(path: Path = REGIONS_FILE) -> Gazetteer:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    regions = [
        Region(
            code=r["code"],
            country=r["country"],
            name_en=r["name_en"],
            name_ja=r["name_ja"],
            near=frozenset(_split(r["near"])),
        )
        for r in rows
    ]
    places = [(place, r["code"]) for r in rows for place in (r["name_en"], *_split(r["places"]))]
    return Gazetteer(regions, places)


@functools.cache
def gazetteer() -> Gazetteer:
    """The product's gazetteer (fixtures/reference/regions.csv), read once per process."""
    return load()
