"""Every main page at a phone's width (390 px), in Japanese, on the demo data: no page is wider
than the screen (wide tables and the board scroll inside themselves), and the navigation folds
behind a menu button that opens and closes it. Screenshots go to var/screenshots/."""

import pytest

from engagement.models import Notification, Organization, Partnership, User
from tests.browser import test_flows as flows

_sync_playwright_beside_django = flows._sync_playwright_beside_django
_media_url_for_live_server = flows._media_url_for_live_server
live_server = flows.live_server
browser = flows.browser
SCREENSHOTS = flows.SCREENSHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}
PAGES = [
    "/",
    "/partnerships/",
    "/pipeline/board/",
    "/follow-ups/",
    "/engagements/",
    "/organizations/",
    "/matches/review/",
    "/coverage/",
    "/projects/",
    "/incentives/",
    "/notifications/",
    "/import/",
    "/search/?q=penang",
    "/about/framework/",
    "/accounts/security/",
]


def test_every_main_page_fits_a_phone_and_the_menu_folds(browser, live_server):
    from devtools.demo import DEMO_PASSWORD, demo_load

    demo_load()
    deal = Partnership.objects.filter(team__members__username="disco.bd").first()
    place = Organization.objects.get(name="Da Nang Hi-Tech Park")
    User.objects.filter(username="disco.bd").update(language="ja")
    # Enough unread notifications for the navigation's badge to show its widest, "99+".
    Notification.objects.bulk_create(
        Notification(
            user=User.objects.get(username="disco.bd"),
            kind="digest",
            dedupe_key=f"phone:{i}",
            subject=f"Digest {i}",
            body="",
            email_status="skipped",
        )
        for i in range(100)
    )
    context = browser.new_context(viewport=PHONE, base_url=live_server.url)
    context.set_default_timeout(15_000)
    tab = context.new_page()
    flows.sign_in(tab, "disco.bd", DEMO_PASSWORD)

    wider = {}
    for path in [*PAGES, f"/partnerships/{deal.pk}/", f"/organizations/{place.pk}/"]:
        tab.goto(path)
        width = tab.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            wider[path] = width
    tab.goto("/")
    menu = tab.get_by_role("button", name="メニュー")
    folded = [menu.is_visible(), tab.locator("nav.mainnav").is_visible()]
    tab.screenshot(path=str(SCREENSHOTS / "phone-dashboard-ja.png"), full_page=True)
    menu.click()
    opened = [menu.get_attribute("aria-expanded"), tab.locator("nav.mainnav").is_visible()]
    notifications = tab.locator("nav.mainnav").get_by_role(
        "link", name="通知 (未読 100 件)", exact=True
    )
    badge = [notifications.is_visible(), notifications.locator(".badge").inner_text()]
    tab.screenshot(path=str(SCREENSHOTS / "phone-menu-open-ja.png"))
    with tab.expect_navigation():
        tab.locator("nav.mainnav").get_by_role("link", name="ボード", exact=True).click()
    arrived = tab.url.endswith("/pipeline/board/")
    tab.screenshot(path=str(SCREENSHOTS / "phone-board-ja.png"), full_page=True)
    context.close()

    assert wider == {}
    assert folded == [True, False]
    assert opened == ["true", True]
    assert badge == [True, "99+"]
    assert arrived


def test_at_a_laptop_s_width_the_navigation_shows_without_a_menu_button(browser, live_server):
    from tests import factories

    factories.user(
        "bd_wide", role="bd_member", team=factories.team("team-wide", company=factories.company())
    )
    context = browser.new_context(viewport=flows.LAPTOP, base_url=live_server.url)
    tab = context.new_page()
    flows.sign_in(tab, "bd_wide")

    shown = [
        tab.locator(".menu-toggle").is_visible(),
        tab.locator("nav.mainnav").is_visible(),
        tab.evaluate("document.documentElement.scrollWidth"),
    ]
    context.close()

    assert shown == [False, True, flows.LAPTOP["width"]]
