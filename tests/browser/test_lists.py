"""Lists in a real browser: a click on a column header sorts (and a second reverses), a view is
saved under a name and opens again, rows are selected (one by one or all at once) and given to
a colleague from the bulk bar, which shows only the fields its action needs. In English at
desktop width, and in Japanese at a phone's width without page-level overflow. Screenshots go
to var/screenshots/."""

import pytest

from engagement.models import Partnership, SavedView
from tests import factories
from tests.browser import test_flows as flows

_sync_playwright_beside_django = flows._sync_playwright_beside_django
_media_url_for_live_server = flows._media_url_for_live_server
live_server = flows.live_server
browser = flows.browser
SCREENSHOTS = flows.SCREENSHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}
DEALS = [("Wafer line", "20000000"), ("Academy", "5000000"), ("Test cell", "90000000")]


@pytest.fixture
def deals(users, team_a):
    usm = factories.institution("Universiti Sains Malaysia", country="MY")
    return [
        factories.partnership(
            team_a,
            actor=users["bd_a"],
            counterparts=[usm],
            title=title,
            expected_value=value,
            currency="JPY",
        )
        for title, value in DEALS
    ]


def _titles(tab) -> list[str]:
    return tab.locator("table.list tbody tr td:nth-child(2) > a").all_inner_texts()


def test_sort_save_a_view_and_assign_an_owner_in_bulk(browser, live_server, users, team_a, deals):
    factories.user("bd_a2", role="bd_member", team=team_a)
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(15_000)
    tab = context.new_page()
    flows.sign_in(tab, "bd_a")
    tab.goto("/partnerships/")

    with tab.expect_navigation():
        tab.get_by_role("link", name="Expected value").click()
    ascending = _titles(tab)
    with tab.expect_navigation():
        tab.get_by_role("link", name="Expected value").click()
    descending = _titles(tab)
    order = tab.locator("th[aria-sort='descending']").inner_text()

    tab.get_by_label("Name of this view").fill("Biggest first")
    with tab.expect_navigation():
        tab.get_by_role("button", name="Save view").click()
    with tab.expect_navigation():
        tab.goto("/partnerships/")
    with tab.expect_navigation():
        tab.get_by_role("link", name="Biggest first").click()
    reopened = _titles(tab)

    owner_field = tab.locator("[data-bulk-field='owner']")
    hidden_before = owner_field.is_hidden()
    tab.get_by_label("Select Test cell").check()
    tab.get_by_label("Select Academy").check()
    count = tab.locator("[data-bulk-count]").inner_text()
    tab.get_by_label("With the selected rows").select_option("assign_owner")
    shown_after = owner_field.is_visible()
    note_hidden = tab.locator("[data-bulk-field='note']").is_hidden()
    tab.locator("#bulk-owner").select_option(label="bd_a2")
    tab.screenshot(path=str(SCREENSHOTS / "lists-bulk-en.png"), full_page=True)
    with tab.expect_navigation():
        tab.get_by_role("button", name="Apply").click()
    message = tab.locator("main .flash").first.inner_text()
    context.close()

    assert ascending == ["Academy", "Wafer line", "Test cell"]
    assert descending == ["Test cell", "Wafer line", "Academy"]
    assert order.startswith("Expected value")
    assert reopened == descending
    assert list(SavedView.objects.values_list("name", "query")) == [
        ("Biggest first", "sort=-value")
    ]
    assert (hidden_before, count, shown_after, note_hidden) == (True, "2", True, True)
    assert "2 rows now have a new owner." in message
    assert dict(Partnership.objects.values_list("title", "owner__username")) == {
        "Wafer line": "bd_a",
        "Academy": "bd_a2",
        "Test cell": "bd_a2",
    }


def test_select_all_and_a_follow_up_batch_on_a_phone_in_japanese(
    browser, live_server, users, team_a, deals
):
    users["bd_a"].language = "ja"
    users["bd_a"].save(update_fields=["language"])
    context = browser.new_context(viewport=PHONE, base_url=live_server.url)
    context.set_default_timeout(15_000)
    tab = context.new_page()
    flows.sign_in(tab, "bd_a")
    tab.goto("/partnerships/")
    width = tab.evaluate("document.documentElement.scrollWidth")

    tab.get_by_label("このページの行をすべて選択").check()
    count = tab.locator("[data-bulk-count]").inner_text()
    tab.get_by_label("選択した行に対して").select_option("followups")
    tab.locator("#bulk-due").fill("2027-01-15")
    tab.locator("#bulk-note").fill("提案書を送付")
    tab.screenshot(path=str(SCREENSHOTS / "phone-lists-bulk-ja.png"), full_page=True)
    with tab.expect_navigation():
        tab.get_by_role("button", name="反映").click()
    message = tab.locator("main .flash").first.inner_text()
    context.close()

    assert width == PHONE["width"]
    assert count == "3"
    assert "フォローアップを3件追加しました。" in message
    notes = {f.partnership.title: f.note for f in users["bd_a"].followups.all()}
    assert notes == {title: "提案書を送付" for title, _value in DEALS}
