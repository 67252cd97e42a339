"""Learning the component weights from decisions: pure NumPy, no ORM.

A logistic regression of accepted (1) against rejected (0) on the components' values says how
much each component predicts a yes. Its non-negative coefficients, scaled to each side's
current total, become candidate weights, blended with the current ones in proportion to how
many decisions there are (a handful of decisions moves the weights a little). Both sets are then
judged the same way on held-out decisions: the AUC of the engine's own score (does it rank an
accepted pair above a rejected one?). The caller activates the candidate only if it does at
least as well.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from matching.fusion import COMPONENTS, GET, GIVE, check_weights, fuse_values

# Decisions at which the fitted weights count as much as the current ones.
SHRINK = 50


@dataclass(frozen=True)
class Fit:
    coefficients: dict[str, float]
    intercept: float
    weights: dict[str, float]


def design(rows: Sequence[Mapping[str, float | None]]) -> np.ndarray:
    """Component values as a matrix; a component that does not apply counts as 0."""
    return np.array([[float(r.get(k) or 0.0) for k in COMPONENTS] for r in rows], dtype=float)


def fit_logistic(
    x: np.ndarray, y: np.ndarray, *, l2: float = 1.0, iterations: int = 50
) -> tuple[np.ndarray, float]:
    """Newton's method (IRLS) with an L2 penalty on the coefficients (not the intercept)."""
    n, d = x.shape
    a = np.hstack([np.ones((n, 1)), x])
    beta = np.zeros(d + 1)
    penalty = np.eye(d + 1) * l2
    penalty[0, 0] = 0.0
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-(a @ beta)))
        gradient = a.T @ (y - p) - penalty @ beta
        hessian = (a * (p * (1 - p))[:, None]).T @ a + penalty
        step = np.linalg.solve(hessian, gradient)
        beta += step
        if np.abs(step).max() < 1e-8:
            break
    return beta[1:], float(beta[0])


def auc(scores: Sequence[float], labels: Sequence[int]) -> float:
    """The probability that a random accepted pair outscores a random rejected one."""
    values, outcomes = np.asarray(scores, dtype=float), np.asarray(labels, dtype=int)
    pos, neg = values[outcomes == 1], values[outcomes == 0]
    if not len(pos) or not len(neg):
        return float("nan")
    wins = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    return float(wins / (len(pos) * len(neg)))


def engine_scores(
    rows: Sequence[Mapping[str, float | None]], weights: Mapping[str, float]
) -> list[float]:
    w = check_weights(weights)
    return [fuse_values({k: r.get(k) for k in COMPONENTS}, w) for r in rows]


def candidate_weights(
    coefficients: Mapping[str, float], current: Mapping[str, float], n: int
) -> dict[str, float]:
    """Coefficients → weights: negative ones count as 0, each side keeps its current total,
    and the result is blended with the current weights by n / (n + SHRINK)."""
    current = check_weights(current)
    fitted = dict(current)
    for side in (GIVE, GET):
        positive = {k: max(coefficients[k], 0.0) for k in side}
        total = sum(positive.values())
        if total > 0:
            scale = sum(current[k] for k in side) / total
            fitted.update({k: v * scale for k, v in positive.items()})
    others = sum(max(coefficients[k], 0.0) for k in (*GIVE, *GET))
    rel = max(coefficients["relationship"], 0.0)
    fitted["relationship"] = min(0.5, rel / (rel + others)) if rel + others > 0 else 0.0
    share = n / (n + SHRINK)
    blended = {k: (1 - share) * current[k] + share * fitted[k] for k in COMPONENTS}
    # Keep every side weighable, whatever the data said.
    if blended["thrust"] <= 0:
        blended["thrust"] = current["thrust"]
    return {k: round(v, 4) for k, v in check_weights(blended).items()}


def fit(
    rows: Sequence[Mapping[str, float | None]],
    labels: Sequence[int],
    current: Mapping[str, float],
) -> Fit:
    x, y = design(rows), np.asarray(labels, dtype=float)
    coefficients, intercept = fit_logistic(x, y)
    named = {k: float(c) for k, c in zip(COMPONENTS, coefficients, strict=True)}
    return Fit(named, intercept, candidate_weights(named, current, len(rows)))


def holdout(pk: int) -> bool:
    """A fixed quarter of decisions is never trained on: the same ones every time."""
    return (pk * 2654435761) % 4 == 0


def finite(value: float) -> float | None:
    return None if math.isnan(value) else round(value, 4)
