"""A company's matching strategy: priority member states, target thrusts, purposes sought and
exclusions, read and changed by its own team and program managers only, through the API and
the page, and followed by its suggestions."""

import itertools

import pytest

from engagement.actors import LOADER
from matching.models import MatchingPreference, MatchSuggestion
from matching.services.recompute import matches_recompute
from matching.services.strategy import matching_strategy_update
from tests import factories

pytestmark = pytest.mark.django_db
_tokens = itertools.count(1)


def _as(api, user):
    key = factories.token(user, name=f"strategy-{next(_tokens)}")
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return api


def _url(company) -> str:
    return f"/api/v1/matching-strategies/{company.pk}/"


@pytest.fixture
def directory(db):
    """A fab in Malaysia, the investment agencies of Malaysia and Thailand, a university."""
    return {
        "fab": factories.institution(
            "Kulim Fab", country="MY", org_type="manufacturer", needs=["EQP.DICING", "MFG.ATP"]
        ),
        "mida": factories.institution(
            "MIDA", country="MY", org_type="investment_agency", needs=["MFG.ATP", "EQP.DICING"]
        ),
        "boi": factories.institution(
            "BOI", country="TH", org_type="investment_agency", needs=["MFG.ATP", "EQP.DICING"]
        ),
        "usm": factories.institution(
            "USM", country="MY", org_type="university", needs=["EQP.DICING", "TAL.TRAINING"]
        ),
    }


def _names(company) -> list[str]:
    return list(
        MatchSuggestion.objects.filter(company=company, organization__isnull=False)
        .order_by("rank")
        .values_list("organization__name", flat=True)
    )


def test_the_team_sets_its_strategy_through_the_api(api, users, disco):
    response = _as(api, users["bd_a"]).put(
        _url(disco),
        {
            "priority_countries": ["MY", "SG"],
            "thrusts": ["T1", "T3"],
            "purposes": ["customer", "talent_partner"],
            "excluded_countries": ["MM"],
            "excluded_org_types": ["regional_body"],
        },
        format="json",
    )

    assert response.status_code == 200
    assert response.json() == {
        "priority_countries": ["MY", "SG"],
        "thrusts": ["T1", "T3"],
        "purposes": ["customer", "talent_partner"],
        "excluded_countries": ["MM"],
        "excluded_org_types": ["regional_body"],
    }
    assert sorted(disco.priority_countries.values_list("iso2", flat=True)) == ["MY", "SG"]
    assert MatchingPreference.objects.get(company=disco).purposes == [
        "customer",
        "talent_partner",
    ]


def test_a_competitor_cannot_read_or_change_another_companys_strategy(api, users, disco):
    before = _as(api, users["bd_a"]).get(_url(disco)).json()
    client = _as(api, users["bd_b"])

    read = client.get(_url(disco))
    write = client.patch(_url(disco), {"purposes": ["channel"]}, format="json")

    assert (read.status_code, write.status_code) == (404, 404)
    assert read.json() == {"type": "not_found", "detail": "Not found.", "errors": {}}
    assert _as(api, users["pm"]).get(_url(disco)).json() == before
    assert not MatchingPreference.objects.exists()


def test_an_unknown_purpose_is_refused_naming_the_field_and_nothing_changes(api, users, disco):
    response = _as(api, users["bd_a"]).patch(
        _url(disco), {"purposes": ["customer", "friendship"]}, format="json"
    )

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["purposes.1"]  # the second item, named
    assert not MatchingPreference.objects.exists()


def test_seeking_investment_only_leaves_customers_and_universities_out(users, disco, directory):
    matching_strategy_update(
        actor=users["bd_a"], company=disco, priority_countries=["MY"], purposes=[]
    )
    matches_recompute(company=disco)
    everything = _names(disco)

    matching_strategy_update(actor=users["bd_a"], company=disco, purposes=["investment_incentives"])
    matches_recompute(company=disco)

    assert set(everything) >= {"Kulim Fab", "MIDA", "USM"}
    assert _names(disco) == ["MIDA"]
    assert set(
        MatchSuggestion.objects.filter(company=disco, organization__isnull=False).values_list(
            "purpose", flat=True
        )
    ) == {"investment_incentives"}


def test_two_companies_of_one_type_get_the_agencies_of_their_own_priorities(users, directory):
    in_malaysia = factories.company("Maker MY", org_type="integrated", capabilities=["MFG.ATP"])
    in_thailand = factories.company("Maker TH", org_type="integrated", capabilities=["MFG.ATP"])
    matching_strategy_update(actor=LOADER, company=in_malaysia, priority_countries=["MY"])
    matching_strategy_update(actor=LOADER, company=in_thailand, priority_countries=["TH"])

    matches_recompute(company=in_malaysia)
    matches_recompute(company=in_thailand)

    assert "MIDA" in _names(in_malaysia) and "BOI" not in _names(in_malaysia)
    assert "BOI" in _names(in_thailand) and "MIDA" not in _names(in_thailand)


def test_the_strategy_page_is_the_teams_and_saves_what_is_ticked(client, users, disco):
    client.force_login(users["bd_a"])

    page = client.get(f"/matches/strategy/{disco.pk}/")
    saved = client.post(
        f"/matches/strategy/{disco.pk}/",
        {"priority_countries": ["VN"], "purposes": ["rnd_partner"], "thrusts": ["T2"]},
    )
    client.force_login(users["bd_b"])
    theirs = client.get(f"/matches/strategy/{disco.pk}/")

    assert page.status_code == 200
    assert 'name="purposes" value="investment_incentives"' in page.content.decode()
    assert saved.status_code == 302
    assert list(disco.priority_countries.values_list("iso2", flat=True)) == ["VN"]
    assert MatchingPreference.objects.get(company=disco).purposes == ["rnd_partner"]
    assert theirs.status_code == 404
