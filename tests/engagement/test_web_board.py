"""The pipeline board: a column per stage with the team's cards, their count and value; moves
by the "Move to" form under the partnership page's rules; filters; who sees and moves what; and
a fixed number of queries however many cards there are."""

import datetime as dt
import re
from html import unescape

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from engagement.models import Partnership, StageChange
from engagement.services.partnerships import partnership_transition
from tests import factories

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 26, 1, 0, tzinfo=dt.UTC)  # 10:00 in Tokyo, the users' time zone
TODAY = dt.date(2026, 11, 26)
BOARD = "/pipeline/board/"


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


def _as(client, user):
    client.force_login(user)
    return client


def _text(fragment: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def _columns(html: str) -> dict[str, dict]:
    """Each column's heading, summary and card titles, by stage code."""
    out = {}
    for stage, body in re.findall(
        r'<section class="board-col stage-(\w+)".*?>(.*?)</section>', html, re.S
    ):
        out[stage] = {
            "heading": _text(re.search(r"<h2[^>]*>(.*?)</h2>", body, re.S).group(1)),
            "sum": _text(re.search(r'<p class="board-sum">(.*?)</p>', body, re.S).group(1)),
            "cards": [_text(t) for t in re.findall(r"<h3><a [^>]*>(.*?)</a></h3>", body)],
        }
    return out


def _card(html: str, pk: int) -> str:
    return re.search(rf'<li class="board-card[^"]*" id="card-{pk}".*?</li>', html, re.S).group(0)


@pytest.fixture
def vista(users, team_a, usm):
    """A second deal of team A, two stages on, in dollars, with a follow-up due."""
    hust = factories.institution("Hanoi University of Science and Technology", country="VN")
    p = factories.partnership(
        team_a,
        actor=users["bd_a"],
        counterparts=[hust],
        title="Etch process lab",
        partnership_type="joint_rd_centre",
        initiatives=["T2-01"],
        expected_value="250000",
        currency="USD",
    )
    with time_machine.travel(NOW - dt.timedelta(days=9), tick=False):
        partnership_transition(actor=users["bd_a"], partnership=p, to="contacted")
    factories.followup(
        team_a,
        actor=users["bd_a"],
        owner=users["bd_a"],
        due_on=TODAY + dt.timedelta(days=3),
        note="Send the lab plan",
        subject=("partnership", p),
    )
    return p


@pytest.fixture
def theirs(users, team_b):
    return factories.partnership(
        team_b,
        actor=users["bd_b"],
        counterparts=[factories.institution("Universiti Malaya", country="MY")],
        title="Etch hub",
        expected_value="1000000",
        currency="JPY",
    )


# --- What the board shows --------------------------------------------------------------------


def test_the_board_has_a_column_per_stage_with_the_teams_cards_count_and_value(
    client, users, team_a, usm, deal, vista, theirs
):
    factories.partnership(
        team_a, counterparts=[usm], title="Spares depot", expected_value="5000", currency="USD"
    )
    factories.partnership(team_a, counterparts=[usm], title="Open question")

    html = _as(client, users["bd_a"]).get(BOARD).content.decode()

    columns = _columns(html)
    assert list(columns) == [
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
    assert columns["identified"] == {
        "heading": "Identified",
        "sum": "3 partnerships JPY 40 M USD 5,000",
        "cards": ["Dicing training line", "Spares depot", "Open question"],
    }
    assert columns["contacted"] == {
        "heading": "Contacted",
        "sum": "1 partnership USD 250,000",
        "cards": ["Etch process lab"],
    }
    assert columns["exploring"] == {"heading": "Exploring", "sum": "0 partnerships", "cards": []}
    assert "Etch hub" not in html


def test_a_card_shows_counterpart_type_value_days_in_stage_next_follow_up_and_owner(
    client, users, vista
):
    html = _as(client, users["bd_a"]).get(BOARD).content.decode()

    card = _card(html, vista.pk)
    facts = _text(re.search(r'<dl class="board-facts">(.*?)</dl>', card, re.S).group(1))
    assert _text(re.search(r'<p class="board-parts">(.*?)</p>', card, re.S).group(1)) == (
        "Hanoi University of Science and Technology"
    )
    assert facts == (
        "Type Joint R&D centre Expected value USD 250,000 In stage 9 days "
        "Next follow-up 2026-11-29 Owner bd_a"
    )


def test_the_stage_labels_and_card_facts_are_japanese_for_a_japanese_reader(
    client, users, deal, vista, fresh_catalogue, english_afterwards
):
    reader = users["bd_a"]
    reader.language = "ja"
    reader.save(update_fields=["language"])

    html = _as(client, reader).get(BOARD).content.decode()

    columns = _columns(html)
    assert [c["heading"] for c in columns.values()] == [
        "特定",
        "接触済み",
        "検討中",
        "MoU交渉中",
        "MoU締結",
        "パイロット",
        "契約",
        "稼働中",
        "保留",
        "失注",
    ]
    assert columns["identified"]["sum"] == "1 件のパートナーシップ 4,000万円"
    assert "<h1>パイプラインボード</h1>" in html
    assert '<label for="b-thrust">戦略課題</label>' in html
    assert '<label for="b-country">加盟国</label>' in html
    facts = _text(re.search(r'<dl class="board-facts">(.*?)</dl>', _card(html, vista.pk), re.S)[1])
    assert facts == (
        "種別 共同研究開発拠点 見込み金額 25万米ドル 滞留期間 9日 "
        "次回フォローアップ 2026-11-29 担当者 bd_a"
    )


def test_the_navigation_and_the_partnership_list_link_to_the_board(client, users):
    _as(client, users["bd_a"])

    home = client.get("/").content.decode()
    board = client.get(BOARD).content.decode()
    listed = client.get("/partnerships/").content.decode()

    assert '<a href="/pipeline/board/">Board</a>' in home
    assert '<a href="/pipeline/board/" aria-current="page">Board</a>' in board
    assert '<a class="button secondary" id="board-view" href="/pipeline/board/">Board view</a>' in (
        listed
    )


# --- Moving a card with its form (no script) --------------------------------------------------


def test_moving_a_card_one_stage_forward_with_its_menu(client, users, deal):
    _as(client, users["bd_a"])

    response = client.post(
        f"/pipeline/board/{deal.pk}/move/?owner={users['bd_a'].pk}",
        {"to": "contacted", "version": deal.version},
    )

    assert response.status_code == 302
    assert response["Location"] == f"/pipeline/board/?owner={users['bd_a'].pk}#card-{deal.pk}"
    deal.refresh_from_db()
    assert deal.stage == "contacted"
    assert list(StageChange.objects.filter(partnership=deal).values_list("from_stage", "to_stage"))[
        -1
    ] == ("identified", "contacted")
    page = client.get(response["Location"]).content.decode()
    assert _columns(page)["contacted"]["cards"] == ["Dicing training line"]
    assert "Dicing training line moved to Contacted." in page


def test_a_backward_move_without_a_reason_is_refused_on_the_card(client, users, vista):
    _as(client, users["bd_a"])
    before = vista.version

    response = client.post(
        f"/pipeline/board/{vista.pk}/move/", {"to": "identified", "version": vista.version}
    )

    assert response.status_code == 400
    card = _card(response.content.decode(), vista.pk)
    assert 'class="board-card refused"' in card
    assert _text(re.search(r'id="reason-\d+-error">(.*?)</div>', card, re.S).group(1)) == (
        "Moving from Contacted to Identified needs a reason."
    )
    assert '<option value="identified" selected>' in card
    vista.refresh_from_db()
    assert (vista.stage, vista.version) == ("contacted", before)
    assert StageChange.objects.filter(partnership=vista).count() == 2


def test_the_address_of_a_refused_move_opened_again_is_the_board(client, users, deal):
    # (reloading the refused page, or switching its language, opens its address again)
    _as(client, users["bd_a"])

    response = client.get(f"/pipeline/board/{deal.pk}/move/?type=training_programme")

    assert response.status_code == 302
    assert response["Location"] == "/pipeline/board/?type=training_programme"
    assert Partnership.objects.get(pk=deal.pk).stage == "identified"


def test_a_backward_move_with_a_reason_is_made(client, users, vista):
    _as(client, users["bd_a"])

    response = client.post(
        f"/pipeline/board/{vista.pk}/move/",
        {"to": "identified", "reason": "Their lab lead left", "version": vista.version},
    )

    assert response.status_code == 302
    change = StageChange.objects.filter(partnership=vista).latest("id")
    assert (change.from_stage, change.to_stage, change.reason) == (
        "contacted",
        "identified",
        "Their lab lead left",
    )


def test_a_move_the_rules_forbid_shows_why_on_the_card(client, users, deal):
    _as(client, users["bd_a"])

    response = client.post(
        f"/pipeline/board/{deal.pk}/move/", {"to": "identified", "version": deal.version}
    )

    assert response.status_code == 409
    card = _card(response.content.decode(), deal.pk)
    assert _text(re.search(r'id="move-\d+-error">(.*?)</div>', card, re.S).group(1)) == (
        "It is already in that stage."
    )
    assert Partnership.objects.get(pk=deal.pk).stage == "identified"


def test_a_move_from_a_stale_board_is_refused(client, users, deal):
    _as(client, users["bd_a"])
    stale = deal.version
    partnership_transition(actor=users["bd_a"], partnership=deal, to="contacted")

    response = client.post(
        f"/pipeline/board/{deal.pk}/move/",
        {"to": "exploring", "version": stale},
    )

    assert response.status_code == 409
    assert "This partnership changed since you read it; reload and try again." in (
        _text(_card(response.content.decode(), deal.pk))
    )
    assert Partnership.objects.get(pk=deal.pk).stage == "contacted"


# --- Who sees and moves what -----------------------------------------------------------------


def test_another_teams_card_cannot_be_moved(client, users, theirs):
    _as(client, users["bd_a"])

    response = client.post(f"/pipeline/board/{theirs.pk}/move/", {"to": "contacted"})

    assert response.status_code == 404
    assert Partnership.objects.get(pk=theirs.pk).stage == "identified"


def test_a_program_manager_sees_every_team_and_filters_by_team_without_move_forms(
    client, users, deal, theirs
):
    _as(client, users["pm"])

    everyone = client.get(BOARD).content.decode()
    only_b = client.get(f"{BOARD}?team=team-b").content.decode()
    refused = client.post(f"/pipeline/board/{deal.pk}/move/", {"to": "contacted"})

    assert _columns(everyone)["identified"]["cards"] == ["Dicing training line", "Etch hub"]
    assert _columns(everyone)["identified"]["sum"] == "2 partnerships JPY 41 M"
    assert _columns(only_b)["identified"]["cards"] == ["Etch hub"]
    assert 'class="board-move"' not in everyone
    assert 'draggable="true"' not in everyone
    assert '<option value="team-b" selected>' in only_b
    assert refused.status_code == 403
    assert Partnership.objects.get(pk=deal.pk).stage == "identified"


def test_an_integrator_reads_the_board_but_moves_through_the_api(client, users, deal):
    _as(client, users["integrator_a"])

    html = client.get(BOARD).content.decode()
    refused = client.post(f"/pipeline/board/{deal.pk}/move/", {"to": "contacted"})

    assert _columns(html)["identified"]["cards"] == ["Dicing training line"]
    assert 'class="board-move"' not in html
    assert refused.status_code == 403
    assert Partnership.objects.get(pk=deal.pk).stage == "identified"


# --- Filters in the address ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "titles"),
    [
        ("", ["Dicing training line", "Etch process lab", "Unowned deal"]),
        ("owner={bd_a}", ["Dicing training line", "Etch process lab"]),
        ("country=MY", ["Dicing training line", "Unowned deal"]),
        ("country=vn", ["Etch process lab"]),
        ("thrust=T2", ["Etch process lab"]),
        ("type=training_programme", ["Dicing training line"]),
        ("thrust=T6&country=MY", ["Dicing training line"]),
        ("type=joint_rd_centre&owner={bd_a}", ["Etch process lab"]),
    ],
)
def test_the_filters_in_the_address_narrow_the_cards(
    client, users, team_a, deal, vista, usm, query, titles
):
    factories.partnership(team_a, counterparts=[usm], title="Unowned deal", owner=None)
    _as(client, users["bd_a"])

    html = client.get(f"{BOARD}?{query.format(bd_a=users['bd_a'].pk)}").content.decode()

    shown = sorted(t for c in _columns(html).values() for t in c["cards"])
    assert shown == titles


# --- A fixed number of queries ---------------------------------------------------------------


def _grow(n, *, team, actor, usm):
    for i in range(n):
        p = factories.partnership(
            team,
            actor=actor,
            counterparts=[usm, factories.institution(country="TH")],
            initiatives=["T6-01", "T2-01"],
            priority_country="MY",
            expected_value=str(1000 * (i + 1)),
            currency="JPY" if i % 2 else "USD",
        )
        partnership_transition(actor=actor, partnership=p, to="contacted")
        factories.followup(team, actor=actor, owner=actor, due_on=TODAY, subject=("partnership", p))


def _queries(client, url) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("viewer", ["bd_a", "pm"])
def test_the_board_runs_the_same_queries_for_2_or_12_cards(client, users, team_a, usm, viewer):
    actor = users["bd_a"]
    _as(client, users[viewer])
    urls = [BOARD, f"{BOARD}?thrust=T6&country=MY&type=joint_rd_centre", f"{BOARD}?team=team-a"]
    _grow(2, team=team_a, actor=actor, usm=usm)
    small = {url: _queries(client, url) for url in urls}

    _grow(10, team=team_a, actor=actor, usm=usm)
    large = {url: _queries(client, url) for url in urls}

    assert Partnership.objects.count() == 12
    assert large == small
    # 12 for the board, and 1 for the quick-capture dialog every page carries for a writer.
    assert small[BOARD] <= 13


# --- A strict Content-Security-Policy ----------------------------------------------------------


def test_the_board_search_and_directory_forms_carry_no_inline_code(client, users, deal, usm):
    from engagement.services.directory import organization_create
    from tests.red_team.test_web import _inline_code

    mine = organization_create(
        actor=users["bd_a"], kind="asean_institution", org_type="university", name="UTM"
    )
    _as(client, users["bd_a"])
    refused = client.post(f"/pipeline/board/{deal.pk}/move/", {"to": "identified"})
    pages = {
        BOARD: client.get(BOARD),
        "refused move": refused,
        "/search/?q=usm": client.get("/search/", {"q": "universiti"}),
        "/organizations/new/": client.get("/organizations/new/"),
        f"/organizations/{mine.pk}/edit/": client.get(f"/organizations/{mine.pk}/edit/"),
        "contact-new": client.get(f"/organizations/{usm.pk}/contacts/new/"),
    }

    assert {url: r.status_code for url, r in pages.items()} == {
        BOARD: 200,
        "refused move": 409,
        "/search/?q=usm": 200,
        "/organizations/new/": 200,
        f"/organizations/{mine.pk}/edit/": 200,
        "contact-new": 200,
    }
    found = {url: _inline_code(r.content.decode()) for url, r in pages.items()}
    assert {
        url: code for url, f in found.items() if (code := {k: v for k, v in f.items() if v})
    } == {}
