"""Quality, judged from what the organizations do: the independently graded set
(fixtures/matching/judged/) is the gate, with the floors in its floors.json. The older labelled
cases (fixtures/matching/labelled_cases.json) were written from the engine's own rules: they
check mechanics (Japanese ↔ English), not quality. No database: all is scored from the fixture
files."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from matching.evaluation import (
    CASES_FILE,
    JUDGED_FILE,
    evaluate,
    evaluate_judged,
    graded_ndcg_at_k,
    ndcg_at_k,
    precision_at_k,
    reciprocal_rank,
)

FLOORS = json.loads((JUDGED_FILE.parent / "floors.json").read_text())


@pytest.fixture(scope="module")
def report():
    return evaluate()


@pytest.fixture(scope="module")
def judged():
    return evaluate_judged()


def test_the_judged_set_grades_every_demo_institution_for_each_company(judged):
    spec = json.loads(JUDGED_FILE.read_text(encoding="utf-8"))

    assert len(judged.companies) == len(spec["companies"]) == 18
    assert {len(c["judgements"]) for c in spec["companies"]} == {55}
    assert {c.company_type for c in judged.companies} == {
        "equipment",
        "materials_chemicals",
        "design_ip",
        "integrated",
        "components",
    }


def test_the_engine_keeps_the_floors_of_the_judged_set(judged):
    assert judged.ndcg_at_k >= FLOORS["ndcg_at_5"]
    assert judged.precision_at_k >= FLOORS["precision_at_5"]
    assert judged.grade0_in_top <= FLOORS["max_grade0_in_top5"]


def test_an_investment_agency_is_never_ranked_as_a_customer_of_a_tool_maker(judged):
    # The agencies where Tokyo Electron has no plant are worth little to it; its top five are
    # fabs and research lines that buy process tools.
    tel = next(c for c in judged.companies if c.company == "Tokyo Electron (TEL)")

    assert [g for _n, g in tel.top].count(0) == 0
    assert "Thailand Board of Investment (BOI)" not in [n for n, _g in tel.top]


def test_two_device_makers_get_the_agencies_of_their_own_footprints(judged):
    by = {c.company: [n for n, _g in c.top] for c in judged.companies}

    assert "Philippine Economic Zone Authority (PEZA)" in by["Murata Manufacturing"]
    assert "Thailand Board of Investment (BOI)" in by["Murata Manufacturing"]
    assert "Thailand Board of Investment (BOI)" not in by["Renesas Electronics"]


def test_graded_ndcg_on_a_hand_worked_ranking():
    # gains 2^g - 1: ranked [3, 0, 1] against the ideal [3, 1, 0]
    got = 7 + 0 / 1.585 + 1 / 2
    ideal = 7 + 1 / 1.585 + 0 / 2
    assert graded_ndcg_at_k([3, 0, 1], [0, 1, 3], 3) == pytest.approx(got / ideal, abs=1e-3)
    assert graded_ndcg_at_k([0, 0], [0, 0], 2) == 0.0


def test_a_japanese_only_profile_finds_the_english_need_first_and_vice_versa(report):
    by_name = {c.name: c for c in report.cases}
    ja = next(c for name, c in by_name.items() if name.startswith("Japanese-only"))
    en = next(c for name, c in by_name.items() if name.startswith("English-only"))

    assert ja.ranked == ["New fab (English need)"]
    assert en.ranked == ["Back-end plant (Japanese description)"]


def test_the_metrics_on_a_hand_worked_ranking():
    ranked = ["a", "x", "b", "y", "z"]
    relevant = {"a", "b", "c"}

    assert precision_at_k(ranked, relevant, 3) == pytest.approx(2 / 3)
    assert precision_at_k(ranked, {"b"}, 3) == 1.0  # one relevant answer, found in the top 3
    assert reciprocal_rank(["x", "a"], relevant) == 0.5
    assert reciprocal_rank(["x"], relevant) == 0.0
    ideal = 1 + 1 / 1.585 + 1 / 2
    assert ndcg_at_k(ranked, relevant, 3) == pytest.approx((1 + 1 / 2) / ideal, abs=1e-3)


def test_the_command_prints_each_judged_company_and_the_overall_figures(judged):
    out = StringIO()

    call_command("evaluate_matching", stdout=out)

    text = out.getvalue()
    assert "Tokyo Electron (TEL)" in text
    assert (
        f"overall (18 companies): nDCG@5={judged.ndcg_at_k:.3f}  P@5={judged.precision_at_k:.3f}"
        f"  grade-0 in top 5: {judged.grade0_in_top}"
    ) in text
    assert text.rstrip().endswith("OK")


def test_the_command_runs_the_labelled_cases_of_the_mechanics_on_request():
    out = StringIO()

    call_command("evaluate_matching", "--cases", stdout=out)

    assert "mean over" in out.getvalue()
    assert out.getvalue().rstrip().endswith("OK")


def test_the_command_fails_below_a_floor_of_labelled_cases(tmp_path):
    spec = json.loads(CASES_FILE.read_text(encoding="utf-8"))
    spec["floors"] = {"precision_at_k": 1.01}
    path = tmp_path / "cases.json"
    path.write_text(json.dumps(spec), encoding="utf-8")

    with pytest.raises(CommandError, match="Below the floor: precision_at_k"):
        call_command("evaluate_matching", str(path), "--cases", stdout=StringIO())
