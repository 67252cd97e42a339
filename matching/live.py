"""The implementation watch as the engine reads it: which initiatives are live where, and the
implementation component of a pair. No ORM, no Django."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from matching.features import Signals, Space

Key = int | str

# How much an initiative's current status in a priority member state counts.
LIVE_VALUES = {"launched": 1.0, "in_progress": 0.6}


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
        out: np.ndarray = np.einsum(pairs, priority, values)
        np.minimum(out, 1.0, out=out)
        return out


def implementation(c: Signals, facts: Sequence[LiveStatus], space: Space) -> float | None:
    """The implementation component of one pair, from the statuses tied to the counterpart."""
    if not c.priority:
        return None
    strongest: dict[int, float] = {}
    for x in facts:
        s = space.state_index[x.state]
        strongest[s] = max(strongest.get(s, 0.0), x.value)
    return min(1.0, sum(c.priority.get(s, 0.0) * v for s, v in strongest.items()))
