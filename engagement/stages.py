"""The partnership pipeline's rules, in one table that services, the API and the UI all read.

    identified → contacted → exploring → mou_negotiation → mou_signed → pilot → agreement → active

Moving one step forward needs nothing. Skipping ahead or moving back needs a reason. Any open
stage can go on hold; any open stage or hold can be lost, with a reason. A partnership on hold
or lost can be reopened: back to the stage it left without a reason, anywhere else with one.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from engagement.models.crm import Stage

PIPELINE: tuple[str, ...] = (
    Stage.IDENTIFIED,
    Stage.CONTACTED,
    Stage.EXPLORING,
    Stage.MOU_NEGOTIATION,
    Stage.MOU_SIGNED,
    Stage.PILOT,
    Stage.AGREEMENT,
    Stage.ACTIVE,
)
PAUSED: tuple[str, ...] = (Stage.ON_HOLD, Stage.LOST)
ALL_STAGES: tuple[str, ...] = PIPELINE + PAUSED


@dataclass(frozen=True)
class Move:
    allowed: bool
    needs_reason: bool = False
    # Lazy in the table (built at import): it becomes text in the reader's language when shown.
    why_not: str | Promise = ""


def _rule(src: str, dst: str) -> Move:
    if src == dst:
        return Move(False, why_not=gettext_lazy("It is already in that stage."))
    if src in PIPELINE and dst in PIPELINE:
        step = PIPELINE.index(dst) - PIPELINE.index(src)
        return Move(True, needs_reason=step != 1)
    if src in PIPELINE and dst == Stage.ON_HOLD:
        return Move(True)
    if dst == Stage.LOST:
        return Move(True, needs_reason=True)  # from any open stage or from on hold
    if src in PAUSED and dst in PIPELINE:
        return Move(True, needs_reason=None)  # decided by where it left: see move()
    return Move(False, why_not=gettext_lazy("Reopen it to a pipeline stage first."))


RULES: dict[tuple[str, str], Move] = {(a, b): _rule(a, b) for a in ALL_STAGES for b in ALL_STAGES}


def move(src: str, dst: str, *, resume_stage: str = "") -> Move:
    """The rule for moving from `src` to `dst`; reopening to `resume_stage` needs no reason."""
    rule = RULES.get((src, dst))
    if rule is None:
        return Move(False, why_not=_("Unknown stage %(stage)s.") % {"stage": repr(dst)})
    if rule.needs_reason is None:
        return Move(True, needs_reason=dst != resume_stage)
    return rule


def allowed_moves(src: str, *, resume_stage: str = "") -> list[dict]:
    """What the UI and API offer from `src`: [{"to": stage, "needs_reason": bool}, ...]."""
    out = []
    for dst in ALL_STAGES:
        rule = move(src, dst, resume_stage=resume_stage)
        if rule.allowed:
            out.append({"to": dst, "needs_reason": bool(rule.needs_reason)})
    return out
