"""The follow-ups page at a phone's width (390 px), in Japanese: each item's forms unfold inside
the screen, a new date is saved, Done offers Undo and Undo reopens, and Cancel asks first.
Screenshots go to var/screenshots/."""

import datetime as dt

import pytest
from django.utils import timezone

from engagement.models import FollowUp
from tests import factories
from tests.browser import test_flows as flows

_sync_playwright_beside_django = flows._sync_playwright_beside_django
_media_url_for_live_server = flows._media_url_for_live_server
live_server = flows.live_server
browser = flows.browser
SCREENSHOTS = flows.SCREENSHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}
NOTE = "Send the training syllabus to the dean of engineering"


def _width(tab) -> int:
    return tab.evaluate("document.documentElement.scrollWidth")


def test_a_follow_up_moves_on_a_phone_in_japanese(browser, live_server, users, team_a):
    factories.user("bd_a2", role="bd_member", team=team_a)
    users["bd_a"].language = "ja"
    users["bd_a"].save(update_fields=["language"])
    today = timezone.localdate()
    f = factories.followup(
        team_a,
        actor=users["bd_a"],
        owner=users["bd_a"],
        due_on=today - dt.timedelta(days=2),
        note=NOTE,
    )
    context = browser.new_context(viewport=PHONE, base_url=live_server.url)
    context.set_default_timeout(15_000)
    tab = context.new_page()
    flows.sign_in(tab, "bd_a")

    tab.goto("/follow-ups/?view=team")
    folded = _width(tab)
    tab.get_by_text("期限・担当者の変更、結果の記録").click()
    unfolded = _width(tab)
    tab.screenshot(path=str(SCREENSHOTS / "phone-followups-ja.png"), full_page=True)
    new_date = today + dt.timedelta(days=7)
    tab.get_by_label("新しい期限").fill(new_date.isoformat())
    with tab.expect_navigation():
        tab.get_by_role("button", name="期限を変更").click()
    f.refresh_from_db()
    rescheduled = f.due_on

    with tab.expect_navigation():
        tab.get_by_role("button", name=f"完了: {NOTE}").click()
    f.refresh_from_db()
    after_done = f.status
    undo_width = _width(tab)
    tab.screenshot(path=str(SCREENSHOTS / "phone-followups-undo-ja.png"), full_page=True)
    with tab.expect_navigation():
        tab.get_by_role("button", name="元に戻す").click()
    f.refresh_from_db()
    after_undo = f.status

    with tab.expect_navigation():
        tab.get_by_role("link", name=f"中止: {NOTE}").click()
    asked = tab.get_by_role("heading", level=1).inner_text()
    confirm_width = _width(tab)
    with tab.expect_navigation():
        tab.get_by_role("button", name="中止する").click()
    f.refresh_from_db()
    context.close()

    assert [folded, unfolded, undo_width, confirm_width] == [PHONE["width"]] * 4
    assert rescheduled == new_date
    assert (after_done, after_undo) == ("done", "open")
    assert asked == "このフォローアップを中止しますか？"
    assert f.status == FollowUp.Status.CANCELLED
