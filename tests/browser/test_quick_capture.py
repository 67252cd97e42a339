"""Quick capture in a real Chromium at a phone's width (390 px), in Japanese: the key n opens
the dialog on any page, a Japanese name finds the organization, and the engagement and its
follow-up are saved without leaving the page. The time the whole interaction took is printed
(never asserted: machines differ). A screenshot goes to var/screenshots/."""

import time

import pytest

from engagement.models import Engagement, FollowUp
from tests import factories
from tests.browser import test_flows as flows

_sync_playwright_beside_django = flows._sync_playwright_beside_django
_media_url_for_live_server = flows._media_url_for_live_server
live_server = flows.live_server
browser = flows.browser
SCREENSHOTS = flows.SCREENSHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}


def test_pressing_n_logs_an_engagement_with_a_next_step(browser, live_server, users, team_a):
    park = factories.institution(
        "Da Nang Hi-Tech Park",
        country="VN",
        org_type="industrial_park",
        name_ja="ダナン・ハイテクパーク",
    )
    factories.institution("Hanoi University of Science and Technology", country="VN")
    factories.contact(park, "Nguyễn Thị Hằng", team=team_a)
    users["bd_a"].language = "ja"
    users["bd_a"].save(update_fields=["language"])
    context = browser.new_context(viewport=PHONE, base_url=live_server.url)
    context.set_default_timeout(15_000)
    tab = context.new_page()
    flows.sign_in(tab, "bd_a")
    tab.goto("/follow-ups/")

    started = time.perf_counter()
    tab.keyboard.press("n")
    dialog = tab.get_by_role("dialog", name="活動を記録")
    dialog.wait_for()
    tab.keyboard.type("ダナン")
    dialog.get_by_role("option", name="ダナン・ハイテクパーク").click()
    dialog.get_by_label("連絡先").select_option(label="Nguyễn Thị Hằng")
    dialog.get_by_label("概要").fill("Walked the cleanroom site with the park's director")
    dialog.get_by_label("次のアクション", exact=True).fill("Send the floor plan")
    dialog.get_by_label("次のアクションの期限").fill("2030-01-15")
    width = tab.evaluate("document.documentElement.scrollWidth")
    box = dialog.bounding_box()
    tab.screenshot(path=str(SCREENSHOTS / "phone-quick-capture-ja.png"))
    dialog.get_by_role("button", name="活動記録を保存").click()
    done = tab.locator("#quick-capture-done")
    done.wait_for()
    print(f"\nquick capture: {time.perf_counter() - started:.2f} s from the key n to saved")
    message = done.inner_text()
    link = done.get_by_role("link").get_attribute("href")
    still_here = tab.url.endswith("/follow-ups/")
    closed = dialog.is_visible()
    context.close()

    eng = Engagement.objects.get()
    assert eng.summary == "Walked the cleanroom site with the park's director"
    assert [o.pk for o in eng.organizations.all()] == [park.pk]
    assert [c.name for c in eng.contacts.all()] == ["Nguyễn Thị Hằng"]
    assert FollowUp.objects.get().note == "Send the floor plan"
    assert message == "活動を記録しました。 ダナン・ハイテクパーク を開く"
    assert link == f"/organizations/{park.pk}/"
    assert (still_here, closed) == (True, False)
    assert width == PHONE["width"]
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
