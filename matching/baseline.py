"""The baseline the engine is measured against: a Python loop over every pair, scored one at a
time by the per-pair reference (pairs.py). Tests check the engine's blocks against it and the
matching benchmark times the engine against it."""

from __future__ import annotations

import heapq
from collections.abc import Sequence

from matching.features import COMPANY
from matching.fusion import check_weights, min_score_for
from matching.live import implementation
from matching.pairs import pair_role, ruled_out, score_pair
from matching.scoring import Engine, Key, Match, Request, ranking_order


def rank_loop(
    engine: Engine, company_keys: Sequence[Key], request: Request
) -> dict[Key, list[Match]]:
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
                if (kind, p.key) in excluded or not p.accepting or ruled_out(cp_, p):
                    continue
                impl = implementation(cs, live.facts[kind].get(j, ()), engine.space)
                role = pair_role(engine.space, cp_, cs, p, ps, kind, request.as_of)
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
                if s >= min_score_for(kind, request.min_score, request.kind_min_scores):
                    scored.append((s, str(p.key), Match(key, kind, p.key, s, values)))
            best = heapq.nlargest(request.limits.get(kind, 0), scored, key=lambda t: t[0])
            matches.extend(m for _s, _k, m in best)
        matches.sort(key=ranking_order)
        out[key] = matches
    return out
