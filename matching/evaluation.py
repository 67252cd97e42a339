"""Labelled cases: does the engine rank near the top what a BD person would call relevant?

The cases (fixtures/matching/labelled_cases.json) name real organizations of the demo directory
(fixtures/demo) and initiatives of the reference data, plus a few profiles of their own (the
Japanese-only ↔ English pair). They are scored straight from the fixture files, the same way
`load_demo` reads them, so the evaluation needs no database and gives the same figures anywhere.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass, field
from pathlib import Path
from typing import NotRequired, TypedDict

from matching.features import COMPANY, INITIATIVE, ORGANIZATION, CapabilityTerm, Profile, Taxonomy
from matching.fusion import DEFAULT_WEIGHTS, MIN_SCORE
from matching.scoring import Engine, Key, Request

ROOT = Path(__file__).resolve().parent.parent
REFERENCE_DIR = ROOT / "fixtures" / "reference"
DEMO_DIR = ROOT / "fixtures" / "demo"
CASES_FILE = ROOT / "fixtures" / "matching" / "labelled_cases.json"
METRICS = ("precision_at_k", "mrr", "ndcg_at_k")


class ExtraProfile(TypedDict):
    """A profile a labelled-cases file adds to the demo directory."""

    key: str
    kind: str
    org_type: NotRequired[str]
    country: NotRequired[str]
    text: NotRequired[str]
    offers: NotRequired[list[str]]
    needs: NotRequired[list[str]]
    thrusts: NotRequired[list[str]]
    priority_countries: NotRequired[list[str]]
    presence_countries: NotRequired[list[str]]


class LabelledCase(TypedDict):
    name: str
    company: str
    relevant: list[str]
    k: NotRequired[int]
    kind: NotRequired[str]  # the counterparts' kind (default: organizations)


class LabelledCases(TypedDict):
    """A labelled-cases file (fixtures/matching/labelled_cases.json)."""

    cases: list[LabelledCase]
    description: NotRequired[str]
    k: NotRequired[int]
    floors: NotRequired[dict[str, float]]
    extra_profiles: NotRequired[list[ExtraProfile]]


def _split(value: str) -> list[str]:
    return [p.strip() for p in (value or "").split(";") if p.strip()]


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def reference_from_csv(
    d: Path = REFERENCE_DIR,
) -> tuple[Taxonomy, dict[str, frozenset[str]], list[Profile]]:
    """Taxonomy, each organization type's priority thrusts, and the initiatives as profiles."""
    caps = tuple(
        CapabilityTerm(
            code=r["code"],
            parent=r["parent"] or None,
            name_en=r["name_en"],
            name_ja=r["name_ja"],
            synonyms_en=tuple(s for s in _split(r["synonyms"]) if s.isascii()),
            synonyms_ja=tuple(s for s in _split(r["synonyms"]) if not s.isascii()),
            thrusts=tuple(_split(r["thrusts"])),
        )
        for r in _rows(d / "capabilities.csv")
    )
    types = _rows(d / "org_types.csv")
    priorities = {
        r["code"]: frozenset(_split(r["priority_thrusts"])) for r in _rows(d / "company_types.csv")
    }
    taxonomy = Taxonomy(
        capabilities=caps,
        thrusts=tuple(r["code"] for r in _rows(d / "thrusts.csv")),
        member_states=tuple(r["iso2"] for r in _rows(d / "member_states.csv")),
        org_types=tuple(r["code"] for r in types),
    )
    initiatives = [
        Profile(
            key=r["code"],
            kind=INITIATIVE,
            name=r["name_en"],
            needs=frozenset(_split(r["capabilities"])),
            thrusts=frozenset([r["thrust"]]),
            text=f"{r['name_en']}\n{r['name_ja']}",
            provenance=r.get("provenance", ""),
        )
        for r in _rows(d / "initiatives.csv")
        if r.get("status") != "retired"
    ]
    return taxonomy, priorities, initiatives


def demo_from_csv(
    priorities: Mapping[str, frozenset[str]], d: Path = DEMO_DIR
) -> tuple[list[Profile], list[Profile]]:
    """The demo directory as load_demo writes it: a company declares its type's priority
    thrusts and prioritises the member states where it really is (its ASEAN footprint), so two
    companies of one type differ where their footprints do."""
    companies = []
    for r in _rows(d / "companies.csv"):
        presence = _split(r["asean_presence"])
        thrusts = priorities.get(r["company_type"], frozenset())
        companies.append(
            Profile(
                key=r["name"],
                kind=COMPANY,
                name=r["name"],
                org_type=r["company_type"],
                country="JP",
                offers=frozenset(_split(r["capabilities"])),
                thrusts=thrusts,
                type_thrusts=thrusts,
                presence_countries=frozenset(presence),
                priority_countries=frozenset(presence),
                text=f"{r['name']}\n{r['name_ja']}\n{r['note']}",
            )
        )
    institutions = [
        Profile(
            key=r["name"],
            kind=ORGANIZATION,
            name=r["name"],
            org_type=r["org_type"],
            country=r["country"],
            offers=frozenset(_split(r["offers"])),
            needs=frozenset(_split(r["needs"])),
            thrusts=frozenset(_split(r["thrusts"])),
            text=f"{r['name']}\n{r['note']}",
        )
        for r in _rows(d / "institutions.csv")
    ]
    return companies, institutions


def _extra_profile(spec: ExtraProfile, priorities: Mapping[str, frozenset[str]]) -> Profile:
    kind = spec["kind"]
    type_thrusts: frozenset[str] = frozenset()
    if kind == COMPANY:
        type_thrusts = priorities.get(spec.get("org_type", ""), frozenset())
    return Profile(
        key=spec["key"],
        kind=kind,
        name=spec["key"],
        org_type=spec.get("org_type", ""),
        country=spec.get("country", "JP" if kind == COMPANY else ""),
        text=spec.get("text", ""),
        offers=frozenset(spec.get("offers", [])),
        needs=frozenset(spec.get("needs", [])),
        thrusts=frozenset(spec.get("thrusts", [])),
        priority_countries=frozenset(spec.get("priority_countries", [])),
        presence_countries=frozenset(spec.get("presence_countries", [])),
        type_thrusts=type_thrusts,
    )


# --- Metrics ----------------------------------------------------------------------------------


def precision_at_k(ranked: Sequence[Key], relevant: Set[Key], k: int) -> float:
    """Share of the top k that is relevant; out of the relevant count when there are fewer
    than k relevant answers, so that a perfect ranking scores 1."""
    cut = min(k, len(relevant))
    return sum(1 for r in ranked[:k] if r in relevant) / cut if cut else 0.0


def reciprocal_rank(ranked: Sequence[Key], relevant: Set[Key]) -> float:
    for i, r in enumerate(ranked, start=1):
        if r in relevant:
            return 1.0 / i
    return 0.0


def ndcg_at_k(ranked: Sequence[Key], relevant: Set[Key], k: int) -> float:
    dcg = sum(1.0 / math.log2(i + 2) for i, r in enumerate(ranked[:k]) if r in relevant)
    ideal = sum(1.0 / math.log2(i + 2) for i in range(min(k, len(relevant))))
    return dcg / ideal if ideal else 0.0


@dataclass
class CaseResult:
    name: str
    k: int
    ranked: list[Key]
    relevant: list[str]
    precision_at_k: float
    mrr: float
    ndcg_at_k: float


@dataclass
class EvaluationReport:
    cases: list[CaseResult]
    floors: dict[str, float]
    means: dict[str, float] = field(default_factory=dict)

    @property
    def failures(self) -> list[str]:
        return [
            f"{m} {self.means[m]:.3f} < floor {self.floors[m]:.3f}"
            for m in METRICS
            if m in self.floors and self.means[m] < self.floors[m]
        ]


def load_cases(path: Path = CASES_FILE) -> LabelledCases:
    cases: LabelledCases = json.loads(Path(path).read_text(encoding="utf-8"))
    return cases


def evaluate(
    path: Path = CASES_FILE, *, weights: Mapping[str, float] | None = None
) -> EvaluationReport:
    spec = load_cases(path)
    taxonomy, priorities, initiatives = reference_from_csv()
    companies, institutions = demo_from_csv(priorities)
    for extra in spec.get("extra_profiles", []):
        profile = _extra_profile(extra, priorities)
        (companies if profile.kind == COMPANY else institutions).append(profile)
    engine = Engine(taxonomy, companies, {ORGANIZATION: institutions, INITIATIVE: initiatives})
    default_k = int(spec.get("k", 5))
    depth = max([default_k, *(int(c.get("k", default_k)) for c in spec["cases"])])
    request = Request(
        weights=dict(weights or DEFAULT_WEIGHTS),
        limits={ORGANIZATION: max(depth, 20), INITIATIVE: max(depth, 10)},
        min_score=0.0,
    )
    ranked_all = engine.rank(list(dict.fromkeys(c["company"] for c in spec["cases"])), request)
    results = []
    for case in spec["cases"]:
        k = int(case.get("k", default_k))
        kind = case.get("kind", ORGANIZATION)
        ranked = [m.counterpart for m in ranked_all[case["company"]] if m.kind == kind]
        relevant = set(case["relevant"])
        missing = relevant - {
            p.key for p in (institutions if kind == ORGANIZATION else initiatives)
        }
        if missing:
            raise ValueError(f"Case {case['name']!r} names unknown counterparts: {sorted(missing)}")
        results.append(
            CaseResult(
                name=case["name"],
                k=k,
                ranked=ranked[:k],
                relevant=sorted(relevant),
                precision_at_k=precision_at_k(ranked, relevant, k),
                mrr=reciprocal_rank(ranked, relevant),
                ndcg_at_k=ndcg_at_k(ranked, relevant, k),
            )
        )
    report = EvaluationReport(results, {k: float(v) for k, v in spec.get("floors", {}).items()})
    report.means = {
        m: sum(getattr(r, m) for r in results) / len(results) if results else 0.0 for m in METRICS
    }
    return report


# --- The judged set: graded by people from what the organizations do ---------------------------

JUDGED_FILE = ROOT / "fixtures" / "matching" / "judged" / "judged_set.json"
RELEVANT_GRADE = 2  # "worth a meeting" or better


class Judgement(TypedDict):
    institution: str
    grade: int
    purpose: NotRequired[str]
    reason: NotRequired[str]


class JudgedEntry(TypedDict):
    company: str
    judgements: list[Judgement]
    company_type: NotRequired[str]


class JudgedSet(TypedDict):
    """The judged set (fixtures/matching/judged/judged_set.json)."""

    companies: list[JudgedEntry]
    method: NotRequired[str]
    judged_on: NotRequired[str]


def graded_ndcg_at_k(ranked_grades: Sequence[int], all_grades: Sequence[int], k: int) -> float:
    """nDCG@k with graded gains 2^grade − 1: a grade-3 institution in first place is worth
    seven times a grade-1 one, and the ideal ranking is every grade in descending order."""

    def dcg(grades: Sequence[int]) -> float:
        return sum(float(2**g - 1) / math.log2(i + 2) for i, g in enumerate(grades[:k]))

    ideal = dcg(sorted(all_grades, reverse=True))
    return dcg(ranked_grades) / ideal if ideal else 0.0


@dataclass
class JudgedCompany:
    company: str
    company_type: str
    top: list[tuple[Key, int]]  # the engine's top k institutions with their grades
    relevant: int  # how many institutions the judges graded 2 or 3
    ndcg_at_k: float
    precision_at_k: float | None  # None when no institution is relevant (nothing to find)
    grade0_in_top: int


@dataclass
class JudgedReport:
    k: int
    companies: list[JudgedCompany]

    def _mean(self, values: list[float]) -> float:
        return sum(values) / len(values) if values else 0.0

    @property
    def ndcg_at_k(self) -> float:
        return self._mean([c.ndcg_at_k for c in self.companies if c.relevant])

    @property
    def precision_at_k(self) -> float:
        return self._mean(
            [c.precision_at_k for c in self.companies if c.precision_at_k is not None]
        )

    @property
    def grade0_in_top(self) -> int:
        return sum(c.grade0_in_top for c in self.companies)

    @property
    def companies_with_grade0(self) -> int:
        return sum(1 for c in self.companies if c.grade0_in_top)


def evaluate_judged(
    path: Path = JUDGED_FILE, *, k: int = 5, weights: Mapping[str, float] | None = None
) -> JudgedReport:
    """Rank every demo institution for each judged company and compare with the grades.

    Precision@k counts grade ≥ 2 in the top k (out of min(k, relevant)); a company with no
    institution graded 2 or more (a negative control) has no precision and no nDCG, but every
    grade-0 institution the engine puts in its top k still counts against it."""
    spec: JudgedSet = json.loads(Path(path).read_text(encoding="utf-8"))
    taxonomy, priorities, initiatives = reference_from_csv()
    companies, institutions = demo_from_csv(priorities)
    engine = Engine(taxonomy, companies, {ORGANIZATION: institutions, INITIATIVE: initiatives})
    # As the product shows them: nothing below its minimum score.
    request = Request(
        weights=dict(weights or DEFAULT_WEIGHTS),
        limits={ORGANIZATION: len(institutions), INITIATIVE: 0},
        min_score=MIN_SCORE,
    )
    names = [c["company"] for c in spec["companies"]]
    known = {p.key for p in companies}
    missing = [n for n in names if n not in known]
    if missing:
        raise ValueError(f"The judged set names companies the demo lacks: {missing}")
    ranked_all = engine.rank(names, request)
    rows = []
    for entry in spec["companies"]:
        grades: dict[Key, int] = {j["institution"]: int(j["grade"]) for j in entry["judgements"]}
        ranked = [m.counterpart for m in ranked_all[entry["company"]] if m.kind == ORGANIZATION]
        top = [(name, grades.get(name, 0)) for name in ranked[:k]]
        relevant = sum(1 for g in grades.values() if g >= RELEVANT_GRADE)
        hits = sum(1 for _n, g in top if g >= RELEVANT_GRADE)
        rows.append(
            JudgedCompany(
                company=entry["company"],
                company_type=entry.get("company_type", ""),
                top=top,
                relevant=relevant,
                ndcg_at_k=graded_ndcg_at_k([g for _n, g in top], list(grades.values()), k),
                precision_at_k=hits / min(k, relevant) if relevant else None,
                grade0_in_top=sum(1 for _n, g in top if g == 0),
            )
        )
    return JudgedReport(k=k, companies=rows)
