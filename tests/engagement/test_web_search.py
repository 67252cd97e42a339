"""The global search: every spelling of a name finds it (case, accents, width, kana script),
results grouped by kind and linked to their records, and another team's contacts,
partnerships and engagements never found."""

import datetime as dt
import re
from html import unescape

import pytest
import time_machine

from engagement.models import Contact, Organization
from engagement.normalize import search_key
from engagement.services.directory import contact_update, organization_update
from tests import factories

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 26, 1, 0, tzinfo=dt.UTC)  # 10:00 in Tokyo, the users' time zone


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


def _text(fragment: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def _found(client, q: str) -> dict[str, list[str]]:
    """The linked names of each group on the results page, by kind."""
    response = client.get("/search/", {"q": q})
    assert response.status_code == 200
    html = response.content.decode()
    return {
        kind: [_text(a) for a in re.findall(r"<li><a [^>]*>(.*?)</a>", body, re.S)]
        for kind, body in re.findall(
            r'<section class="card search-group" id="found-(\w+)".*?<ul class="plain">(.*?)</ul>',
            html,
            re.S,
        )
    }


@pytest.fixture
def world(users, team_a, team_b, disco):
    """Two spellings of Da Nang, a contact of each team there, a deal and a meeting of each."""
    park = factories.institution(
        "Da Nang Hi-Tech Park",
        country="VN",
        org_type="industrial_park",
        name_ja="ダナン・ハイテクパーク",
    )
    centre = factories.institution("Đà Nẵng Semiconductor Centre", country="VN")
    factories.institution("Hanoi University of Science and Technology", country="VN")
    ours = factories.contact(
        park, "Nguyễn Thị Hằng", team=team_a, name_reading="グエン・ティ・ハン", title="Director"
    )
    factories.contact(park, "Trần Văn Hằng", team=team_b)
    deal_a = factories.partnership(
        team_a, actor=users["bd_a"], counterparts=[park], title="Chip design talent"
    )
    factories.partnership(team_b, actor=users["bd_b"], counterparts=[centre], title="Etch hub")
    factories.engagement(
        team_a, actor=users["bd_a"], organizations=[park], summary="Toured the park"
    )
    factories.engagement(
        team_b, actor=users["bd_b"], organizations=[centre], summary="Competitor visit"
    )
    return {"park": park, "centre": centre, "contact": ours, "deal": deal_a}


# --- One key for every spelling --------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("Đà Nẵng", "da nang"),
        ("Nẵng", "nang"),
        ("DISCO", "disco"),
        ("ＤＩＳＣＯ", "disco"),
        ("ﾃﾞｨｽｺ", "ディスコ"),
        ("でぃすこ", "ディスコ"),
        ("ﾊﾟﾅｿﾆｯｸ", "パナソニック"),
        ("Hi-Tech  Park", "hi tech park"),
        ("Straße", "strasse"),
    ],
)
def test_the_search_key_folds_case_accents_width_and_kana(typed, key):
    assert search_key(typed) == key


def test_the_directory_services_keep_the_search_text(users, disco, world):
    park = world["park"]
    assert disco.search_text == "disco ディスコ"
    assert Organization.objects.get(pk=world["centre"].pk).search_text == (
        "da nang semiconductor centre"
    )

    organization_update(actor=users["pm"], organization=park, name="Đà Nẵng Hi-Tech Park")
    contact_update(actor=users["bd_a"], contact=world["contact"], name="Nguyễn Hằng")

    assert Organization.objects.get(pk=park.pk).search_text == (
        "da nang hi tech park ダナン ハイテクパーク"
    )
    assert Contact.objects.get(pk=world["contact"].pk).search_text == (
        "nguyen hang グエン ティ ハン"
    )


def test_generated_organizations_are_keyed_too(db):
    from devtools.generate import generate_directory

    generate_directory(companies=3, institutions=4, seed=3)

    orgs = list(Organization.objects.all())
    assert len(orgs) == 7
    assert [o.search_text for o in orgs] == [search_key(o.name, o.name_ja) for o in orgs]
    assert all(o.search_text for o in orgs)


# --- Each spelling finds the record --------------------------------------------------------


@pytest.mark.parametrize("q", ["Nang", "nang", "Nẵng", "NẴNG", "Đà Nẵng", "da nang"])
def test_any_spelling_of_da_nang_finds_both_organizations(client, users, world, q):
    client.force_login(users["bd_a"])

    found = _found(client, q)

    assert found["organizations"] == ["Da Nang Hi-Tech Park", "Đà Nẵng Semiconductor Centre"]


@pytest.mark.parametrize("q", ["disco", "DISCO", "ＤＩＳＣＯ", "ディスコ", "ﾃﾞｨｽｺ", "でぃすこ"])
def test_any_spelling_of_disco_finds_disco(client, users, world, q):
    client.force_login(users["bd_a"])

    found = _found(client, q)

    assert found == {"organizations": ["DISCO"]}


def test_the_japanese_name_finds_an_organization_and_shows_it_in_japanese(
    client, users, world, english_afterwards
):
    reader = users["bd_a"]
    reader.language = "ja"
    reader.save(update_fields=["language"])
    client.force_login(reader)

    found = _found(client, "ﾀﾞﾅﾝ")

    assert found == {
        "organizations": ["ダナン・ハイテクパーク"],
        "partnerships": ["Chip design talent"],
        "engagements": ["面談 2026-11-26"],
    }


def test_results_are_grouped_by_kind_and_link_to_their_records(client, users, world):
    client.force_login(users["bd_a"])
    park, deal = world["park"], world["deal"]

    html = client.get("/search/", {"q": "da nang"}).content.decode()

    groups = re.findall(r'<section class="card search-group" id="found-(\w+)"', html)
    assert groups == ["organizations", "partnerships", "engagements"]
    assert f'<a href="/organizations/{park.pk}/">Da Nang Hi-Tech Park</a>' in html
    assert _text(re.search(r"Da Nang Hi-Tech Park</a>(.*?)</li>", html, re.S).group(1)) == (
        "ダナン・ハイテクパーク ASEAN institution · Viet Nam"
    )
    assert f'<a href="/partnerships/{deal.pk}/">Chip design talent</a>' in html
    assert '<p class="count" role="status">4 results</p>' in html


def test_a_project_is_found_by_its_name_with_or_without_accents(client, users):
    client.force_login(users["bd_a"])

    for q in ("Hoa Lac", "Hòa Lạc", "ホアラック"):
        assert _found(client, q) == {
            "projects": ["Viettel semiconductor chip fabrication plant (Hoa Lac)"]
        }, q


# --- Access ------------------------------------------------------------------------------------


def test_a_competitors_contacts_deals_and_meetings_are_never_found(client, users, world):
    client.force_login(users["bd_a"])

    found = _found(client, "nang")
    by_name = _found(client, "hang")

    assert found == {
        "organizations": ["Da Nang Hi-Tech Park", "Đà Nẵng Semiconductor Centre"],
        "partnerships": ["Chip design talent"],
        "engagements": ["Meeting 2026-11-26"],
    }
    assert by_name == {"contacts": ["Nguyễn Thị Hằng"]}
    assert _found(client, "Tran Van") == {}
    assert "Trần" not in client.get("/search/", {"q": "Tran"}).content.decode()
    assert "Etch hub" not in client.get("/search/", {"q": "etch"}).content.decode()


def test_the_other_team_finds_only_its_own_contact(client, users, world):
    client.force_login(users["bd_b"])

    assert _found(client, "Hằng") == {"contacts": ["Trần Văn Hằng"]}
    assert _found(client, "talent") == {}


def test_a_program_manager_finds_every_teams_contacts(client, users, world):
    client.force_login(users["pm"])

    assert _found(client, "hang") == {"contacts": ["Nguyễn Thị Hằng", "Trần Văn Hằng"]}


def test_the_reading_in_hiragana_finds_a_contact_written_in_katakana(client, users, world):
    client.force_login(users["bd_a"])

    assert _found(client, "ぐえん てぃ") == {"contacts": ["Nguyễn Thị Hằng"]}


def test_an_empty_query_finds_nothing_and_says_nothing(client, users, world):
    client.force_login(users["bd_a"])

    html = client.get("/search/", {"q": "  "}).content.decode()

    assert "search-group" not in html
    assert 'role="status"' not in html


def test_the_navigation_has_a_search_box(client, users):
    client.force_login(users["bd_a"])

    html = client.get("/").content.decode()

    assert '<form method="get" action="/search/" role="search" class="navsearch"' in html
    assert '<input id="nav-q" type="search" name="q"' in html


# --- A fixed number of queries ---------------------------------------------------------------


def _queries(client, q: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get("/search/", {"q": q})
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/search/", {"q": q}).status_code == 200
    return len(captured)


def _more_of_everything(start, n, *, users, team_a, park):
    for i in range(start, start + n):
        other = factories.institution(f"Da Nang Design Centre {i}", country="VN")
        factories.contact(park, f"Hằng {i}", team=team_a)
        factories.partnership(team_a, actor=users["bd_a"], counterparts=[park, other])
        factories.engagement(team_a, actor=users["bd_a"], organizations=[park, other])


def test_the_search_runs_the_same_queries_for_few_or_many_results(client, users, team_a, world):
    client.force_login(users["bd_a"])
    _more_of_everything(0, 1, users=users, team_a=team_a, park=world["park"])
    small = {q: _queries(client, q) for q in ("nang", "hang", "hoa lac")}

    _more_of_everything(1, 8, users=users, team_a=team_a, park=world["park"])
    large = {q: _queries(client, q) for q in ("nang", "hang", "hoa lac")}

    assert len(_found(client, "nang")["partnerships"]) == 10
    assert large == small
