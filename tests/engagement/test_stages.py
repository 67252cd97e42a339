"""The stage table, checked pair by pair against a table written by hand from the rules.

Columns and rows are in this order; '.' = not allowed, '-' = allowed without a reason,
'R' = allowed with a reason, '?' = reopening: no reason when the destination is the stage the
partnership left (resume_stage), a reason otherwise.
"""

import pytest

from engagement import stages
from engagement.models import Stage
from engagement.stages import Move

ORDER = [
    "identified",
    "contacted",
    "exploring",
    "mou_negotiation",
    "mou_signed",
    "pilot",
    "agreement",
    "active",
    "on_hold",
    "lost",
]

EXPECTED = {
    "identified": ".-RRRRRR-R",
    "contacted": "R.-RRRRR-R",
    "exploring": "RR.-RRRR-R",
    "mou_negotiation": "RRR.-RRR-R",
    "mou_signed": "RRRR.-RR-R",
    "pilot": "RRRRR.-R-R",
    "agreement": "RRRRRR.--R",
    "active": "RRRRRRR.-R",
    "on_hold": "????????.R",
    "lost": "????????..",
}

PIPELINE = ORDER[:8]

CELLS = [
    (src, dst, mark) for src, row in EXPECTED.items() for dst, mark in zip(ORDER, row, strict=True)
]


def _not_allowed(src: str, dst: str) -> Move:
    if src == dst:
        return Move(False, why_not="It is already in that stage.")
    return Move(False, why_not="Reopen it to a pipeline stage first.")


def _expected_offer(src: str, resume_stage: str) -> list[dict]:
    """What allowed_moves must offer, read off the hand-written table."""
    offer = []
    for dst, mark in zip(ORDER, EXPECTED[src], strict=True):
        if mark == ".":
            continue
        needs_reason = mark == "R" or (mark == "?" and dst != resume_stage)
        offer.append({"to": dst, "needs_reason": needs_reason})
    return offer


def test_the_hand_written_table_covers_every_stage_in_the_models_order():
    assert list(stages.ALL_STAGES) == ORDER
    assert list(Stage.values) == ORDER
    assert list(stages.PIPELINE) == PIPELINE
    assert list(stages.PAUSED) == ["on_hold", "lost"]
    assert len(CELLS) == 100


@pytest.mark.parametrize(("src", "dst", "mark"), CELLS, ids=[f"{s}->{d}" for s, d, _ in CELLS])
def test_every_move_follows_the_table(src, dst, mark):
    if mark == ".":
        expected = _not_allowed(src, dst)
        assert stages.move(src, dst) == expected
        assert stages.move(src, dst, resume_stage="exploring") == expected
    elif mark == "-":
        assert stages.move(src, dst) == Move(True, needs_reason=False)
        # Outside reopening, the stage a partnership left has no say.
        assert stages.move(src, dst, resume_stage=dst) == Move(True, needs_reason=False)
    elif mark == "R":
        assert stages.move(src, dst) == Move(True, needs_reason=True)
        assert stages.move(src, dst, resume_stage=dst) == Move(True, needs_reason=True)
    else:
        assert mark == "?"
        other = "identified" if dst != "identified" else "active"
        assert stages.move(src, dst, resume_stage=dst) == Move(True, needs_reason=False)
        assert stages.move(src, dst, resume_stage=other) == Move(True, needs_reason=True)
        assert stages.move(src, dst) == Move(True, needs_reason=True)


@pytest.mark.parametrize("src", ORDER)
@pytest.mark.parametrize("resume_stage", ["", *PIPELINE])
def test_allowed_moves_offers_exactly_the_tables_moves(src, resume_stage):
    assert stages.allowed_moves(src, resume_stage=resume_stage) == _expected_offer(
        src, resume_stage
    )


def test_allowed_moves_from_on_hold_offer_the_stage_it_left_without_a_reason():
    assert stages.allowed_moves("on_hold", resume_stage="exploring") == [
        {"to": "identified", "needs_reason": True},
        {"to": "contacted", "needs_reason": True},
        {"to": "exploring", "needs_reason": False},
        {"to": "mou_negotiation", "needs_reason": True},
        {"to": "mou_signed", "needs_reason": True},
        {"to": "pilot", "needs_reason": True},
        {"to": "agreement", "needs_reason": True},
        {"to": "active", "needs_reason": True},
        {"to": "lost", "needs_reason": True},
    ]


def test_allowed_moves_from_identified_offer_one_step_and_hold_without_a_reason():
    assert stages.allowed_moves("identified") == [
        {"to": "contacted", "needs_reason": False},
        {"to": "exploring", "needs_reason": True},
        {"to": "mou_negotiation", "needs_reason": True},
        {"to": "mou_signed", "needs_reason": True},
        {"to": "pilot", "needs_reason": True},
        {"to": "agreement", "needs_reason": True},
        {"to": "active", "needs_reason": True},
        {"to": "on_hold", "needs_reason": False},
        {"to": "lost", "needs_reason": True},
    ]


def test_allowed_moves_from_lost_offer_only_reopening():
    assert [m["to"] for m in stages.allowed_moves("lost", resume_stage="pilot")] == PIPELINE


@pytest.mark.parametrize("dst", ["won", "", "IDENTIFIED"])
def test_a_move_to_an_unknown_stage_is_not_allowed(dst):
    assert stages.move("identified", dst) == Move(False, why_not=f"Unknown stage {dst!r}.")
