"""recompute_matches, bench_matching and train_matching from the command line."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from engagement.actors import LOADER
from engagement.services.directory import organization_update
from matching.models import MatchSuggestion
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def directory(disco, tel):
    factories.institution("Penang Park", needs=["EQP.SERVICE"], thrusts=["T3"])
    organization_update(actor=LOADER, organization=disco, thrusts=["T3"], priority_countries=["MY"])
    return disco


def test_recompute_matches_prints_what_it_did(directory, tel):
    out = StringIO()

    call_command("recompute_matches", stdout=out, stderr=StringIO())

    written = MatchSuggestion.objects.count()
    assert out.getvalue().startswith(f"Recomputed 2 companies: {written} suggestions")


def test_recompute_matches_for_one_company(directory, tel):
    out = StringIO()

    call_command("recompute_matches", "--company", str(directory.pk), stdout=out, stderr=StringIO())

    assert out.getvalue().startswith("Recomputed 1 companies")
    assert set(MatchSuggestion.objects.values_list("company_id", flat=True)) == {directory.pk}


def test_recompute_matches_refuses_an_institution(directory):
    institution = factories.institution("Not A Company")

    with pytest.raises(CommandError, match="No Japanese company"):
        call_command("recompute_matches", "--company", str(institution.pk), stderr=StringIO())


def test_bench_matching_ends_with_one_json_line_of_figures():
    out = StringIO()

    call_command(
        "bench_matching",
        "--companies",
        "12",
        "--institutions",
        "40",
        "--loop-pairs",
        "300",
        stdout=out,
        stderr=StringIO(),
    )

    last = json.loads(out.getvalue().strip().splitlines()[-1])
    assert {
        "pairs",
        "total_s",
        "scoring_s",
        "write_s",
        "peak_mb",
        "floor_ratio",
        "loop_ratio",
    } <= set(last)
    assert last["pairs"] == 12 * (40 + last["initiatives"] + last["projects"] + last["incentives"])
    others = MatchSuggestion.objects.exclude(company_id=last["edited_company"]).count()
    assert last["suggestions"] == others + last["edited_company_suggestions_before"]
    # Every initiative launched in four member states, priced on the same companies.
    assert last["watch_statuses"] == 4 * last["initiatives"]
    assert last["watch_ratio"] > 0
    assert 0 < last["watch_boosted_share"] <= 1


def test_train_matching_says_why_it_cannot_learn_yet():
    with pytest.raises(CommandError, match="at least 20 are needed"):
        call_command("train_matching", stdout=StringIO())
