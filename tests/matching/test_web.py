"""The review page: what a BD member, another team, an integrator and a program manager see and
may do; decisions through the forms; a fixed number of queries whatever the page holds."""

import datetime as dt
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from engagement.actors import LOADER
from engagement.models import Partnership
from engagement.services.directory import organization_update
from matching.models import MatchDecision, MatchSuggestion
from matching.services.recompute import matches_recompute_companies
from tests import factories

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 26, 1, 0, tzinfo=dt.UTC)
REVIEW = "/matches/review/"


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def penang(db):
    return factories.institution(
        "Penang Development Corporation",
        country="MY",
        org_type="industrial_park",
        needs=["EQP.SERVICE", "MFG.ATP"],
        thrusts=["T3"],
    )


@pytest.fixture
def suggestion(disco, tel, team_a, team_b, users, penang):
    factories.institution("Hanoi Fab", country="VN", needs=["EQP.ETCH"], thrusts=["T1"])
    organization_update(actor=LOADER, organization=disco, thrusts=["T3"], priority_countries=["MY"])
    organization_update(actor=LOADER, organization=tel, thrusts=["T1"], priority_countries=["VN"])
    matches_recompute_companies()
    return MatchSuggestion.objects.get(company=disco, organization=penang)


def _page(client, user, path=REVIEW, **params):
    client.force_login(user)
    response = client.get(path, params)
    assert response.status_code == 200
    return response.content.decode()


def _all_pages(client, user, **params) -> str:
    """Every page of the queue, one after the other (a page holds eight suggestions)."""
    pages, number = [], 1
    while True:
        html = _page(client, user, **params, page=number)
        pages.append(html)
        if "data-next" not in html:
            return "".join(pages)
        number += 1


def test_a_bd_member_reviews_their_company_suggestions_with_reasons_and_bars(
    client, users, suggestion
):
    html = _page(client, users["bd_a"])

    theirs = MatchSuggestion.objects.exclude(company=suggestion.company)
    assert f'id="s-{suggestion.pk}"' in html
    assert not any(f'id="s-{s.pk}"' in html for s in theirs)
    assert "<strong>What it is for you:</strong> Investment &amp; incentives</p>" in html
    assert (
        "<li>Penang Development Corporation is an industrial park or economic zone in Malaysia, "
        "a member state you prioritise: a route to investment incentives</li>"
    ) in html
    # An industrial park is a government body: the thrust does not apply, so it is not named.
    card = html[html.index(f'id="s-{suggestion.pk}"') :]
    assert "Thrust" not in card[: card.index("</article>")].replace("Thrust fit", "")
    # The list shows the components that count in a line; the one-at-a-time view, the table.
    assert re.search(r'<span class="component">[^<]+ <span class="num">1\.00</span></span>', html)
    one = client.get("/matches/review/?view=one").content.decode()
    assert '<meter min="0" max="1" value="1.000">' in one
    assert "matching/review.js" in html
    assert f'action="/matches/{suggestion.pk}/accept/"' in html
    assert 'href="/matches/review/" aria-current="page"' in html


def test_a_japanese_reader_gets_the_explanation_in_japanese(
    client, users, suggestion, fresh_catalogue, english_afterwards
):
    user = users["bd_a"]
    user.language = "ja"
    user.save(update_fields=["language"])

    html = _page(client, user)

    assert (
        "<li>Penang Development Corporationは御社が重視するマレーシアの工業団地・経済特区"
        "で、投資・優遇措置の窓口となる</li>"
    ) in html
    assert "<strong>御社にとっての位置づけ：</strong> 投資・優遇措置</p>" in html


def test_one_at_a_time_shows_a_single_suggestion_and_the_next(client, users, suggestion):
    html = _page(client, users["bd_a"], view="one")

    assert html.count("data-suggestion") == 1
    assert "data-next" in html


def test_a_program_manager_filters_by_company_and_member_state(
    client, users, disco, tel, suggestion
):
    hanoi = MatchSuggestion.objects.get(company=tel, organization__name="Hanoi Fab")

    everything = _all_pages(client, users["pm"])
    vietnam = _all_pages(client, users["pm"], country="VN")
    disco_only = _all_pages(client, users["pm"], company=disco.pk)

    assert f'id="s-{hanoi.pk}"' in everything and f'id="s-{suggestion.pk}"' in everything
    assert f'id="s-{hanoi.pk}"' in vietnam and f'id="s-{suggestion.pk}"' not in vietnam
    assert f'id="s-{hanoi.pk}"' not in disco_only and f'id="s-{suggestion.pk}"' in disco_only


def test_accepting_from_the_page_opens_the_partnership_and_links_to_it(
    client, users, team_a, suggestion
):
    client.force_login(users["bd_a"])

    response = client.post(
        f"/matches/{suggestion.pk}/accept/",
        {"partnership_type": "service_hub", "title": "", "next": REVIEW},
    )

    assert response.status_code == 302
    deal = Partnership.objects.get()
    assert (deal.team, deal.partnership_type.code) == (team_a, "service_hub")
    html = _page(client, users["bd_a"], status="accepted")
    assert f'href="/partnerships/{deal.pk}/"' in html


def test_rejecting_without_a_reason_changes_nothing_and_says_why(client, users, suggestion):
    client.force_login(users["bd_a"])

    refused = client.post(f"/matches/{suggestion.pk}/reject/", {"reason": ""}, follow=True)
    done = client.post(
        f"/matches/{suggestion.pk}/reject/", {"reason": "competitor", "note": "x"}, follow=True
    )

    assert "reason: One of:" in refused.content.decode()
    assert "Rejected." in done.content.decode()
    assert MatchDecision.objects.get().reason == "competitor"


def test_snoozing_from_the_page(client, users, suggestion):
    client.force_login(users["bd_a"])

    client.post(f"/matches/{suggestion.pk}/snooze/", {"until": "2026-12-24"})

    suggestion.refresh_from_db()
    assert (suggestion.status, suggestion.snoozed_until) == ("snoozed", dt.date(2026, 12, 24))


def test_another_team_cannot_see_nor_decide(client, users, suggestion):
    html = _page(client, users["bd_b"])
    client.force_login(users["bd_b"])

    response = client.post(f"/matches/{suggestion.pk}/reject/", {"reason": "competitor"})

    assert f'id="s-{suggestion.pk}"' not in html
    assert response.status_code == 404
    assert MatchSuggestion.objects.get(pk=suggestion.pk).status == "new"


def test_an_integrator_reads_without_forms_and_is_refused_a_decision(client, users, suggestion):
    html = _page(client, users["integrator_a"])
    client.force_login(users["integrator_a"])

    response = client.post(f"/matches/{suggestion.pk}/snooze/", {"until": "2026-12-24"})

    assert f'id="s-{suggestion.pk}"' in html
    assert "/accept/" not in html
    assert response.status_code == 403
    assert not MatchDecision.objects.exists()


def test_the_page_costs_the_same_queries_for_few_or_many_suggestions(client, users, suggestion):
    client.force_login(users["pm"])
    company = suggestion.company_id
    # The best suggestion alone against all of them.
    best = MatchSuggestion.objects.filter(company=company).order_by("-score").first().score
    with CaptureQueriesContext(connection) as small:
        client.get(REVIEW, {"company": company, "min_score": best, "kind": "organization"})
    with CaptureQueriesContext(connection) as large:
        client.get(REVIEW, {"company": company})

    assert (
        1
        <= MatchSuggestion.objects.filter(company=company, score__gte=best).count()
        < (MatchSuggestion.objects.filter(company=company).count())
    )
    # One query more at most: the institutions offered for accepting an initiative, once per
    # company on the page.
    assert len(large) - len(small) <= 1


def test_a_company_page_shows_its_best_suggestions_to_those_who_may_see_them(
    client, users, disco, suggestion
):
    mine = _page(client, users["bd_a"], f"/organizations/{disco.pk}/")
    theirs = _page(client, users["bd_b"], f"/organizations/{disco.pk}/")

    assert 'id="suggested-partners"' in mine
    assert "plant in Malaysia, a member state you prioritise, was under construction as of" in mine
    assert f'href="/matches/review/?company={disco.pk}"' in mine
    assert 'id="suggested-partners"' not in theirs


def test_an_initiative_read_from_the_report_is_labelled_so_on_the_review_page(
    client, users, suggestion
):
    html = _all_pages(client, users["bd_a"], status="new")
    report_rows = MatchSuggestion.objects.filter(
        company=suggestion.company, initiative__provenance="report"
    )

    assert report_rows.exists()
    for row in report_rows:
        card = html[html.index(f'id="s-{row.pk}"') :]
        assert (
            '<span class="tag provenance">the report\'s reading</span>'
            in card[: card.index("</h2>")]
        )
    assert '<span class="tag provenance">' not in html[: html.index("<article")]
