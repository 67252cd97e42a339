"""The labelled cases (fixtures/matching/labelled_cases.json) are part of the suite: the engine
must keep their floors. No database: the cases are scored from the fixture files."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from matching.evaluation import (
    CASES_FILE,
    evaluate,
    load_cases,
    ndcg_at_k,
    precision_at_k,
    reciprocal_rank,
)


@pytest.fixture(scope="module")
def report():
    return evaluate()


def test_the_engine_keeps_the_floors_of_the_labelled_cases(report):
    floors = load_cases()["floors"]

    assert report.failures == []
    for metric, floor in floors.items():
        assert report.means[metric] >= floor, metric


def test_a_japanese_only_profile_finds_the_english_need_first_and_vice_versa(report):
    by_name = {c.name: c for c in report.cases}
    ja = next(c for name, c in by_name.items() if name.startswith("Japanese-only"))
    en = next(c for name, c in by_name.items() if name.startswith("English-only"))

    assert ja.ranked == ["New fab (English need)"]
    assert en.ranked == ["Back-end plant (Japanese description)"]


def test_disco_is_sent_to_the_back_end_clusters_that_need_dicing_and_service(report):
    disco = next(c for c in report.cases if c.name.startswith("DISCO (EQP.DICING"))

    assert "Penang Development Corporation (PDC)" in disco.ranked[:3]
    assert disco.precision_at_k >= 0.8


def test_the_metrics_on_a_hand_worked_ranking():
    ranked = ["a", "x", "b", "y", "z"]
    relevant = {"a", "b", "c"}

    assert precision_at_k(ranked, relevant, 3) == pytest.approx(2 / 3)
    assert precision_at_k(ranked, {"b"}, 3) == 1.0  # one relevant answer, found in the top 3
    assert reciprocal_rank(["x", "a"], relevant) == 0.5
    assert reciprocal_rank(["x"], relevant) == 0.0
    ideal = 1 + 1 / 1.585 + 1 / 2
    assert ndcg_at_k(ranked, relevant, 3) == pytest.approx((1 + 1 / 2) / ideal, abs=1e-3)


def test_the_command_prints_each_case_and_the_means():
    out = StringIO()

    call_command("evaluate_matching", stdout=out)

    text = out.getvalue()
    assert "DISCO (EQP.DICING, EQP.SERVICE)" in text
    assert "mean over" in text
    assert text.rstrip().endswith("OK")


def test_the_command_fails_below_a_floor(tmp_path):
    spec = json.loads(CASES_FILE.read_text(encoding="utf-8"))
    spec["floors"] = {"precision_at_k": 1.01}
    path = tmp_path / "cases.json"
    path.write_text(json.dumps(spec), encoding="utf-8")

    with pytest.raises(CommandError, match="Below the floor: precision_at_k"):
        call_command("evaluate_matching", str(path), stdout=StringIO())
