"""Benchmark the matching engine on a synthetic directory, with its two baselines.

Run it on a database of its own (DATA_DIR=/tmp/bench, or a scratch PostgreSQL database): it adds
the synthetic organizations (generate_directory; the same seed finds them again) and replaces
every company's new suggestions.
"""

from __future__ import annotations

import json
import random
import resource
import time

import numpy as np
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from devtools.generate import generate_directory
from engagement.actors import COMMAND
from engagement.models import Organization
from engagement.services.directory import organization_update
from matching.baseline import rank_loop
from matching.fusion import check_weights
from matching.live import LiveStatus
from matching.models import MatchSuggestion
from matching.scoring import BLOCK_CELLS, Engine, Request
from matching.services.loading import engine_for_directory, reset_engine_cache
from matching.services.recompute import (
    active_model,
    limits,
    matches_recompute,
    matches_recompute_companies,
)

# The per-pair loop is timed on this many pairs and extrapolated: a full run would take hours.
LOOP_PAIRS = 200_000
# Companies ranked twice, without and with the implementation watch, to price the boost.
WATCH_SAMPLE = 2_000
# The watch the boost is priced with: every initiative launched in the four member states the
# framework's report names first.
WATCH_STATES = ("ID", "VN", "TH", "MY")


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # kilobytes on Linux


def floor_seconds(engine: Engine) -> float:
    """The dense NumPy product of the two feature matrices, in the engine's blocks: the least
    any scoring over these features can cost."""
    c = engine.companies
    left = np.hstack([c.offer, c.need, c.concept_offer, c.thrust, c.country, c.ngram])
    elapsed = 0.0
    for side in engine.sides.values():
        if not len(side):
            continue
        right = np.hstack(
            [side.need, side.offer, side.concept_need, side.thrust, side.country, side.ngram]
        )
        size = max(1, BLOCK_CELLS // len(side))
        started = time.perf_counter()
        for start in range(0, len(left), size):
            left[start : start + size] @ right.T
        elapsed += time.perf_counter() - started
    return elapsed


class Command(BaseCommand):
    help = (
        "Synthetic directory, full recompute timed by phase (features, scoring, top-k, database "
        "write), peak memory, and two baselines: the per-pair Python loop (sampled, "
        "extrapolated) and the dense matrix product (the floor). Last line: JSON."
    )

    def add_arguments(self, parser):
        parser.add_argument("--companies", type=int, required=True)
        parser.add_argument("--institutions", type=int, required=True)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--loop-pairs",
            type=int,
            default=LOOP_PAIRS,
            help="Pairs the per-pair loop baseline is timed on (then extrapolated).",
        )

    def handle(self, *args, **options):
        if min(options["companies"], options["institutions"]) < 1:
            raise CommandError("--companies and --institutions must be at least 1.")
        quiet = options["verbosity"] < 1
        self._generate(options, quiet)
        reset_engine_cache()
        companies = Organization.objects.filter(kind="japanese_company").count()
        bar = tqdm(total=companies, desc="recompute", unit="co", file=self.stderr, disable=quiet)
        started = time.perf_counter()
        try:
            report = matches_recompute_companies(fresh=True, progress=bar.update)
        finally:
            bar.close()
        total = time.perf_counter() - started
        peak = _peak_mb()
        engine = engine_for_directory()
        floor = floor_seconds(engine)
        loop_s, loop_sampled = self._loop(engine, report.pairs, options["loop_pairs"])
        edit_ms, edited = self._one_edit(engine)
        watch = self._watch(engine)
        result = {
            "companies": len(engine.companies),
            "institutions": len(engine.sides["organization"]),
            "initiatives": len(engine.sides["initiative"]),
            "projects": len(engine.sides["project"]),
            "incentives": len(engine.sides["incentive"]),
            "pairs": report.pairs,
            "suggestions": report.suggestions,
            "total_s": round(total, 3),
            "features_s": round(report.features_s, 3),
            "scoring_s": round(report.scoring_s, 3),
            "top_k_s": round(report.top_k_s, 3),
            "write_s": round(report.write_s, 3),
            "peak_mb": round(peak, 1),
            "floor_s": round(floor, 3),
            "floor_ratio": round(report.scoring_s / floor, 2) if floor else None,
            "loop_s": round(loop_s, 1),
            "loop_pairs_timed": loop_sampled,
            "loop_ratio": round(loop_s / (report.scoring_s + report.top_k_s), 1),
            "edit_recompute_ms": round(edit_ms, 1),
            # The edit may change that company's own suggestions: say which, and how many it
            # had, so the figures above can be checked against the database.
            "edited_company": edited[0],
            "edited_company_suggestions_before": edited[1],
            **watch,
        }
        self._table(result)
        self.stdout.write(json.dumps(result))

    def _generate(self, options, quiet: bool) -> None:
        total = options["companies"] + options["institutions"]
        bar = tqdm(total=total, desc="directory", unit="org", file=self.stderr, disable=quiet)
        try:
            generate_directory(
                companies=options["companies"],
                institutions=options["institutions"],
                seed=options["seed"],
                progress=bar.update,
            )
        except RuntimeError as exc:
            raise CommandError(str(exc)) from None
        finally:
            bar.close()

    def _loop(self, engine: Engine, pairs: int, budget: int) -> tuple[float, int]:
        """Time the per-pair loop on a sample of companies; extrapolate to every pair."""
        per_company = sum(len(s) for s in engine.sides.values()) or 1
        count = max(1, min(len(engine.companies), budget // per_company))
        sample = random.Random(0).sample(list(engine.companies.keys), count)
        request = Request(weights=check_weights(active_model().weights), limits=limits())
        started = time.perf_counter()
        rank_loop(engine, sample, request)
        elapsed = time.perf_counter() - started
        timed = count * per_company
        return elapsed / timed * pairs, timed

    def _one_edit(self, engine: Engine) -> tuple[float, tuple[int, int]]:
        """One company's profile edited through its service, then its suggestions recomputed
        (reading the change into the kept engine included)."""
        key = engine.companies.keys[len(engine.companies) // 2]
        company = Organization.objects.get(pk=key)
        before = MatchSuggestion.objects.filter(company=company).count()
        organization_update(
            actor=COMMAND,
            organization=company,
            description=f"{company.description} Dicing saws and field service.".strip(),
        )
        started = time.perf_counter()
        matches_recompute(company=company)
        return (time.perf_counter() - started) * 1000, (key, before)

    def _watch(self, engine: Engine) -> dict:
        """The same companies ranked without and with live statuses (in memory, no writes):
        what the implementation boost adds to ranking, and what building its view costs."""
        weights = check_weights(active_model().weights)
        sample = engine.companies.keys[:WATCH_SAMPLE]
        live = tuple(
            LiveStatus(p.key, p.name.split()[0], state, "launched", "2026-03-01")
            for p in engine.sides["initiative"].profiles
            for state in WATCH_STATES
        )
        plain = Request(weights=weights, limits=limits())
        watched = Request(weights=weights, limits=limits(), implementation=live)
        started = time.perf_counter()
        engine.live_view(live)
        view_s = time.perf_counter() - started
        timings = []
        for request in (plain, watched, plain, watched):
            started = time.perf_counter()
            ranked = engine.rank(sample, request)
            timings.append(time.perf_counter() - started)
        boosted = sum(
            1 for ms in ranked.values() for m in ms if (m.values.get("implementation") or 0) > 0
        )
        without, with_watch = min(timings[0::2]), min(timings[1::2])
        return {
            "watch_statuses": len(live),
            "watch_view_ms": round(view_s * 1000, 1),
            "watch_rank_s": round(with_watch, 3),
            "plain_rank_s": round(without, 3),
            "watch_ratio": round(with_watch / without, 3) if without else None,
            "watch_boosted_share": round(boosted / max(1, sum(map(len, ranked.values()))), 3),
        }

    def _table(self, r: dict) -> None:
        rows = [
            ("pairs", f"{r['pairs']:,}"),
            ("suggestions written", f"{r['suggestions']:,}"),
            ("features", f"{r['features_s']:.2f} s"),
            ("scoring", f"{r['scoring_s']:.2f} s"),
            ("top-k", f"{r['top_k_s']:.2f} s"),
            ("database write (rows + insert)", f"{r['write_s']:.2f} s"),
            ("total", f"{r['total_s']:.2f} s"),
            ("peak memory", f"{r['peak_mb']:.0f} MB"),
            ("floor: dense matrix product", f"{r['floor_s']:.2f} s"),
            ("scoring / floor", f"{r['floor_ratio']}"),
            ("per-pair loop (extrapolated)", f"{r['loop_s']:.1f} s"),
            ("loop / (scoring + top-k)", f"{r['loop_ratio']}"),
            ("one profile edit → its suggestions", f"{r['edit_recompute_ms']:.0f} ms"),
            ("watch: live statuses", f"{r['watch_statuses']}"),
            ("watch: building its view", f"{r['watch_view_ms']:.0f} ms"),
            ("watch: rank sample, plain", f"{r['plain_rank_s']:.2f} s"),
            ("watch: rank sample, with boost", f"{r['watch_rank_s']:.2f} s"),
            ("watch / plain", f"{r['watch_ratio']}"),
            ("share of suggestions boosted", f"{r['watch_boosted_share']}"),
        ]
        for label, value in rows:
            self.stdout.write(f"{label:36} {value}")
