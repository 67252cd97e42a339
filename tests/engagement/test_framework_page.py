"""The framework's facts page, and the provenance of its structure in the API and the
coverage map."""

import json

import pytest

from engagement.models import CoreArea, Initiative, Thrust
from engagement.web.project_views import FRAMEWORK_FILE
from tests import factories

pytestmark = pytest.mark.django_db


def test_core_areas_and_thrusts_carry_the_reports_provenance():
    thrust = Thrust.objects.get(code="T1")
    area = CoreArea.objects.get(code="talent")

    assert (thrust.status, thrust.provenance) == ("described", "report")
    assert "our reading" in thrust.provenance_note
    assert (area.status, area.provenance) == ("described", "report")


def test_the_reference_api_shows_status_and_provenance(api, users):
    api.force_authenticate(users["bd_a"])

    thrust = api.get("/api/v1/thrusts/T6/").json()
    area = api.get("/api/v1/core-areas/talent/").json()

    assert (thrust["status"], thrust["provenance"]) == ("described", "report")
    assert thrust["provenance_note"].startswith("Name and focus from the report")
    assert (area["status"], area["provenance"]) == ("described", "report")


def test_every_fact_names_its_section_of_the_report_in_both_languages():
    facts = json.loads(FRAMEWORK_FILE.read_text(encoding="utf-8"))

    for entry in facts["facts"] + facts["timeline"]:
        assert entry["en"] and entry["ja"]
        assert entry["source_en"] and entry["source_ja"]
    assert len(facts["facts"]) == 11
    assert len(facts["timeline"]) == 5


def test_the_framework_page_in_english_gives_the_facts_with_their_sources(client, users):
    client.force_login(users["bd_a"])

    page = client.get("/about/framework/")

    assert page.status_code == 200
    text = page.text
    assert "26th ASEAN Economic Community Council (AECC) Meeting" in text
    assert "USD 600 billion in 2024 to USD 980 billion by 2029" in text
    assert "about 60% of the world&#x27;s silicon wafers" in text
    assert "Focus Group on Global Value Chains" in text
    assert "Q1–Q2 2026" in text
    assert "report: Overview, third paragraph" in text
    # One in the introduction, then one per area, thrust and initiative.
    assert text.count("the report's reading") == 1 + 3 + 6 + Initiative.objects.count()
    assert "<style" not in text and "style=" not in text and "<script>" not in text


@pytest.mark.usefixtures("fresh_catalogue", "english_afterwards")
def test_the_framework_page_in_japanese_uses_the_reports_terms(client, team_a):
    reader = factories.user("bd_ja", role="bd_member", team=team_a, language="ja")
    client.force_login(reader)

    text = client.get("/about/framework/").text

    assert "6,000億ドルから2029年には9,800億ドル" in text
    assert "6つの戦略課題" in text
    assert "報告書に基づく整理" in text
    assert "中核分野" in text
    assert "「ASEAN 半導体フレームワーク：日本企業にとっての機会」" in text


def test_the_footer_links_to_the_framework_page(client, users):
    client.force_login(users["bd_a"])

    page = client.get("/projects/")

    assert 'href="/about/framework/"' in page.text


def test_the_coverage_map_keeps_report_derived_or_official_initiatives(client, users):
    client.force_login(users["pm"])
    Initiative.objects.filter(code="T1-01").update(status="official", provenance="official")

    report = client.get("/coverage/", {"provenance": "report"})
    official = client.get("/coverage/", {"provenance": "official"})

    assert len(report.context["coverage"].rows) == Initiative.objects.count() - 1
    assert [r.initiative.code for r in official.context["coverage"].rows] == ["T1-01"]
    assert "the report's reading" in report.text


def test_the_initiative_page_labels_a_report_derived_initiative(client, users):
    client.force_login(users["bd_a"])

    page = client.get("/initiatives/T1-01/")

    assert page.status_code == 200
    assert "the report's reading" in page.text
