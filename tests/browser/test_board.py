"""The pipeline board in a real Chromium: dragging a card to the next stage's column moves the
partnership, a backward drag without a reason is refused on the card, and the "Move to" menu
does the same without dragging. Screenshots go to var/screenshots/ with the others."""

import pytest

from engagement.models import Partnership, StageChange
from tests import factories
from tests.browser import test_flows as flows
from tests.browser.test_csp import _watch

# The flows' Chromium, live server and tab, shared rather than copied.
_sync_playwright_beside_django = flows._sync_playwright_beside_django
_media_url_for_live_server = flows._media_url_for_live_server
live_server = flows.live_server
browser = flows.browser
page = flows.page
sign_in = flows.sign_in
SCREENSHOTS = flows.SCREENSHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def deal(users, team_a):
    usm = factories.institution("Universiti Sains Malaysia", country="MY")
    return factories.partnership(
        team_a,
        actor=users["bd_a"],
        counterparts=[usm],
        title="Dicing training line",
        partnership_type="training_programme",
        expected_value="40000000",
        currency="JPY",
    )


def _titles(page, stage: str) -> list[str]:
    return page.locator(f'.board-col[data-stage="{stage}"] .board-card h3').all_inner_texts()


def test_dragging_a_card_to_the_next_column_moves_the_partnership(page, users, deal):
    problems = _watch(page)
    sign_in(page, "bd_a")
    page.goto("/pipeline/board/")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "pipeline-board-en.png"), full_page=True)

    with page.expect_navigation():
        page.locator(f"#card-{deal.pk}").drag_to(page.locator('.board-col[data-stage="contacted"]'))

    assert page.get_by_role("status").first.inner_text() == (
        "Dicing training line moved to Contacted."
    )
    assert _titles(page, "identified") == []
    assert _titles(page, "contacted") == ["Dicing training line"]
    column = page.locator('.board-col[data-stage="contacted"]')
    assert column.locator(".board-count").inner_text() == "1 partnership"
    assert column.locator(".board-total").all_inner_texts() == ["JPY 40 M"]
    deal.refresh_from_db()
    assert deal.stage == "contacted"
    change = StageChange.objects.filter(partnership=deal).latest("id")
    assert (change.from_stage, change.to_stage, change.actor.username) == (
        "identified",
        "contacted",
        "bd_a",
    )
    assert problems == []  # no CSP violation, no script error


def test_a_backward_drag_without_a_reason_is_refused_then_made_with_one(page, users, deal):
    sign_in(page, "bd_a")
    page.goto("/pipeline/board/")
    with page.expect_navigation():
        page.locator(f"#card-{deal.pk}").drag_to(page.locator('.board-col[data-stage="contacted"]'))

    with page.expect_navigation():
        page.locator(f"#card-{deal.pk}").drag_to(
            page.locator('.board-col[data-stage="identified"]')
        )

    card = page.locator(f"#card-{deal.pk}")
    assert page.get_by_role("alert").first.inner_text() == "The move was not made; see the card."
    assert card.locator(f"#reason-{deal.pk}-error").inner_text() == (
        "Moving from Contacted to Identified needs a reason."
    )
    assert _titles(page, "contacted") == ["Dicing training line"]
    assert Partnership.objects.get(pk=deal.pk).stage == "contacted"
    card.screenshot(path=str(SCREENSHOTS / "pipeline-board-refused-en.png"))

    card.get_by_label("Reason for moving “Dicing training line”").fill("Their lead left")
    with page.expect_navigation():
        card.get_by_role("button", name="Move", exact=True).click()

    assert _titles(page, "identified") == ["Dicing training line"]
    change = StageChange.objects.filter(partnership=deal).latest("id")
    assert (change.from_stage, change.to_stage, change.reason) == (
        "contacted",
        "identified",
        "Their lead left",
    )


def test_the_move_to_menu_moves_a_card_without_dragging(page, users, deal):
    sign_in(page, "bd_a")
    page.goto("/pipeline/board/")
    card = page.locator(f"#card-{deal.pk}")

    card.get_by_label("Move “Dicing training line” to").select_option("contacted")
    with page.expect_navigation():
        card.get_by_role("button", name="Move", exact=True).click()

    assert _titles(page, "contacted") == ["Dicing training line"]
    assert Partnership.objects.get(pk=deal.pk).stage == "contacted"
    with page.expect_navigation():
        page.locator("#language-select").select_option("ja")
    assert page.locator("h1").inner_text() == "パイプラインボード"
    assert page.locator('.board-col[data-stage="contacted"] h2').inner_text() == "接触済み"
    page.screenshot(path=str(SCREENSHOTS / "pipeline-board-ja.png"), full_page=True)


def test_searching_from_the_navigation_box_finds_any_spelling_and_opens_the_record(
    page, users, disco
):
    problems = _watch(page)
    sign_in(page, "bd_a")

    page.locator("#nav-q").fill("ﾃﾞｨｽｺ")
    with page.expect_navigation():
        page.locator("#nav-q").press("Enter")

    results = page.locator("#found-organizations li a")
    assert page.locator("h1").inner_text() == "Search"
    assert results.all_inner_texts() == ["DISCO"]
    assert page.locator("#nav-q").input_value() == "ﾃﾞｨｽｺ"
    page.screenshot(path=str(SCREENSHOTS / "search-en.png"), full_page=True)
    results.first.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith(f"/organizations/{disco.pk}/")
    assert problems == []


def test_screenshots_of_the_board_and_search_with_the_demo_data(browser, live_server):
    from devtools.demo import DEMO_PASSWORD, demo_load

    demo_load()
    context = browser.new_context(viewport=flows.LAPTOP, base_url=live_server.url)
    context.set_default_timeout(15_000)
    tab = context.new_page()
    sign_in(tab, "disco.bd", DEMO_PASSWORD)
    deals = Partnership.objects.filter(team__members__username="disco.bd").count()

    tab.goto("/pipeline/board/")
    shown = sum(
        int(n)
        for n in tab.locator(".board-col").evaluate_all(
            "cols => cols.map(c => c.querySelectorAll('.board-card').length)"
        )
    )
    tab.screenshot(path=str(SCREENSHOTS / "pipeline-board-demo-en.png"), full_page=True)
    page_width = tab.evaluate("document.documentElement.scrollWidth")
    board = tab.locator("#board").evaluate("b => [b.scrollWidth > b.clientWidth, b.clientWidth]")
    tab.goto("/search/?q=penang")
    tab.screenshot(path=str(SCREENSHOTS / "search-demo-en.png"), full_page=True)
    with tab.expect_navigation():
        tab.locator("#language-select").select_option("ja")
    tab.goto("/pipeline/board/")
    tab.screenshot(path=str(SCREENSHOTS / "pipeline-board-demo-ja.png"), full_page=True)
    context.close()

    assert shown == deals > 0
    # Only the board scrolls sideways, not the page.
    assert page_width == flows.LAPTOP["width"]
    assert board == [True, 1162]
