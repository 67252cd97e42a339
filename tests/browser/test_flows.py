"""A person's flows in a real Chromium (Debian's, driven by Playwright): signing in, logging an
engagement, moving a partnership, running a pilot, switching to Japanese, and another team's page
answering 404.
Screenshots of each page, in English and Japanese, go to var/screenshots/ to be looked at."""

import datetime as dt
import os
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from devtools.demo import DEMO_PASSWORD, demo_load
from engagement.models import KPI, Engagement, FollowUp, Organization, Partnership, Pilot, User
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"
LAPTOP = {"width": 1280, "height": 860}
TABLET = {"width": 820, "height": 1180}


@pytest.fixture(scope="module", autouse=True)
def _sync_playwright_beside_django():
    """Playwright's sync API keeps an event loop running in this thread; the ORM calls the
    tests make (to set up and check data) are still synchronous ones."""
    before = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if before is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = before


@pytest.fixture(scope="session")
def _media_url_for_live_server():
    """Django's live server wraps the site in a handler serving MEDIA_URL, which it parses when
    it starts; the settings leave MEDIA_URL unset (None: uploads are private, served only by
    access-checked views), which that handler cannot parse. An address on another host makes
    the handler serve nothing, so documents still go through the access-checked view."""
    before = settings.MEDIA_URL
    settings.MEDIA_URL = "https://private-media.invalid/"
    return before


@pytest.fixture(scope="session")
def live_server(_media_url_for_live_server, live_server):
    settings.MEDIA_URL = _media_url_for_live_server  # read once at start; put it back
    return live_server


@pytest.fixture(scope="module")
def browser(_sync_playwright_beside_django):
    if not CHROMIUM.exists():
        pytest.fail(
            f"Chromium is not installed at {CHROMIUM}: the browser tests need Debian's "
            "chromium (apt-get install -y chromium). They are never skipped; CI installs it.",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(viewport=LAPTOP, base_url=live_server.url)
    context.set_default_timeout(15_000)
    tab = context.new_page()
    yield tab
    context.close()


def sign_in(page, username: str, password: str = factories.PASSWORD) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()


@pytest.fixture
def deal(users, team_a):
    usm = factories.institution("Universiti Sains Malaysia", country="MY")
    return factories.partnership(
        team_a,
        actor=users["bd_a"],
        counterparts=[usm],
        title="Dicing training line",
        partnership_type="training_programme",
        initiatives=["T6-01"],
    )


# --- Flows ------------------------------------------------------------------------------------


def test_signing_in_opens_the_dashboard(page, users):
    sign_in(page, "bd_a")

    assert page.url.endswith("/")
    assert page.get_by_role("heading", level=1).inner_text() == "Dashboard"
    assert page.locator(".who").inner_text().startswith("bd_a")
    assert page.locator("svg#chart-funnel").count() == 1


def test_a_wrong_password_stays_on_the_sign_in_page(page, users):
    sign_in(page, "bd_a", "not-the-password")

    assert "/accounts/login/" in page.url
    assert page.get_by_role("alert").inner_text() == (
        "Your username and password didn't match. Please try again."
    )


def test_logging_an_engagement_from_the_partnership_page_shows_it_on_the_timeline(
    page, users, deal
):
    sign_in(page, "bd_a")
    page.goto(f"/partnerships/{deal.pk}/")

    page.locator("#log-engagement").click()
    page.wait_for_url("**/engagements/new/**")
    assert page.locator("#id_summary").evaluate("el => el === document.activeElement")
    page.get_by_label("Kind").select_option("site_visit")
    page.locator("#id_summary").fill("Toured the cleanroom with the dean")
    page.get_by_label("Next step", exact=True).fill("Send the training syllabus")
    page.get_by_label("Next step due").fill("2030-01-15")
    with page.expect_navigation():
        page.get_by_role("button", name="Save engagement").click()

    assert page.url.endswith(f"/partnerships/{deal.pk}/")
    assert page.get_by_role("status").first.inner_text() == "Engagement logged."
    timeline = page.locator("#timeline")
    assert timeline.locator("li.tl-engagement .tl-text").first.inner_text() == (
        "Toured the cleanroom with the dean"
    )
    eng = Engagement.objects.get()
    assert (eng.kind, eng.partnership_id, eng.created_by.username) == (
        "site_visit",
        deal.pk,
        "bd_a",
    )
    assert abs(eng.occurred_at - timezone.now()) < dt.timedelta(minutes=2)
    assert FollowUp.objects.get().note == "Send the training syllabus"


def test_moving_a_partnership_one_stage_forward(page, users, deal):
    sign_in(page, "bd_a")
    page.goto(f"/partnerships/{deal.pk}/")

    page.get_by_label("Contacted", exact=True).check()
    with page.expect_navigation():
        page.get_by_role("button", name="Move", exact=True).click()

    assert page.locator("#stage-h .stage").inner_text() == "Contacted"
    assert page.locator('ol.stepper li[aria-current="step"] .lbl').inner_text() == "Contacted"
    assert page.get_by_role("status").first.inner_text() == "Stage changed."
    assert Partnership.objects.get().stage == "contacted"


def test_a_skip_without_a_reason_is_refused_next_to_the_reason(page, users, deal):
    sign_in(page, "bd_a")
    page.goto(f"/partnerships/{deal.pk}/")
    page.locator("input[name=to][value=mou_negotiation]").check()
    assert page.locator("#id_reason").evaluate("el => el.required")

    page.locator("#id_reason").evaluate("el => { el.required = false; }")  # as without script
    with page.expect_navigation():
        page.get_by_role("button", name="Move", exact=True).click()

    assert page.locator("#id_reason_error").inner_text() == (
        "Moving from Identified to MoU negotiation needs a reason."
    )
    assert Partnership.objects.get().stage == "identified"


def test_planning_a_pilot_and_recording_a_kpi_value_shows_it_on_the_page(page, users, deal):
    sign_in(page, "bd_a")
    page.goto(f"/partnerships/{deal.pk}/")

    page.locator("#pilots details.new > summary").click()
    page.locator("#id_pilot-new-objective").fill("Train 20 operators on the dicing line")
    page.locator("#id_pilot-new-starts_on").fill("2030-01-06")
    with page.expect_navigation():
        page.get_by_role("button", name="Plan pilot").click()
    pilot = Pilot.objects.get()
    card = page.locator(f"#pilot-{pilot.pk}")
    assert page.get_by_role("status").first.inner_text() == "Pilot planned."
    card.locator("summary", has_text="Add KPI").click()
    card.locator(f"#id_pilot-{pilot.pk}-kpi-name").fill("Operators trained")
    card.locator(f"#id_pilot-{pilot.pk}-kpi-target").fill("20")
    card.locator(f"#id_pilot-{pilot.pk}-kpi-unit").fill("people")
    with page.expect_navigation():
        card.locator(f"form[action='/pilots/{pilot.pk}/kpis/'] button[type=submit]").click()
    kpi = KPI.objects.get()
    row = page.locator(f"#kpi-{kpi.pk}")
    row.get_by_label("Actual value of “Operators trained”").fill("12")
    with page.expect_navigation():
        row.get_by_role("button", name="Record").click()

    assert page.get_by_role("status").first.inner_text() == "Recorded Operators trained."
    assert row.locator(".kpi-actual").inner_text() == "12"
    assert page.locator(f"#pilot-{pilot.pk}-h").inner_text() == (
        "Train 20 operators on the dicing line Planned"
    )
    assert (pilot.status, pilot.starts_on, pilot.owner.username) == (
        "planned",
        dt.date(2030, 1, 6),
        "bd_a",
    )
    kpi.refresh_from_db()
    assert (kpi.name, kpi.target, kpi.actual, kpi.unit) == ("Operators trained", 20, 12, "people")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    card.screenshot(path=str(SCREENSHOTS / "partnership-pilot-en.png"))
    with page.expect_navigation():
        page.locator("#language-select").select_option("ja")
    assert row.locator(".kpi-actual").inner_text() == "12"
    card.screenshot(path=str(SCREENSHOTS / "partnership-pilot-ja.png"))


def test_switching_to_japanese_marks_the_page_japanese(page, users):
    sign_in(page, "bd_a")
    page.goto("/organizations/")

    with page.expect_navigation():
        page.locator("#language-select").select_option("ja")

    assert page.url.endswith("/organizations/")
    assert page.locator("html").get_attribute("lang") == "ja"
    assert page.locator("h1").count() == 1
    assert page.locator("h1").inner_text() == "組織一覧"
    assert page.locator("nav.mainnav").get_by_role("link", name="ダッシュボード").is_visible()
    assert page.locator("table.list tbody tr").count() == 2  # DISCO and Tokyo Electron
    assert User.objects.get(username="bd_a").language == "ja"


def test_a_team_a_member_cannot_open_team_bs_partnership(page, users, team_b):
    theirs = factories.partnership(
        team_b,
        actor=users["bd_b"],
        counterparts=[factories.institution("Hanoi University of Science and Technology")],
        title="Etch hub",
    )
    sign_in(page, "bd_a")

    response = page.goto(f"/partnerships/{theirs.pk}/")

    assert response.status == 404
    assert page.get_by_role("heading", level=1).inner_text() == "Not found"
    assert "Etch hub" not in page.content()


# --- Screenshots ------------------------------------------------------------------------------


def _shoot(page, path: str, name: str) -> None:
    response = page.goto(path)
    assert response.status == 200, path
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_screenshots_of_each_page_in_english_and_japanese(browser, live_server):
    from matching.services.recompute import matches_recompute

    demo_load()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    user = User.objects.get(username="disco.bd")
    matches_recompute(company=user.team.company)
    deal = Partnership.objects.filter(team=user.team, stage="pilot").first()
    institution = deal.counterparts.first()
    pages = {
        "dashboard": "/",
        "directory": "/organizations/",
        "organization": f"/organizations/{institution.pk}/",
        "partnership": f"/partnerships/{deal.pk}/",
        "partnership-edit": f"/partnerships/{deal.pk}/edit/",
        "follow-ups": "/follow-ups/",
        "review-queue": "/matches/review/",
        "coverage-map": "/coverage/",
    }
    assert Organization.objects.count() > 90
    context = browser.new_context(viewport=LAPTOP, base_url=live_server.url)
    context.set_default_timeout(15_000)
    page = context.new_page()
    sign_in(page, "disco.bd", DEMO_PASSWORD)

    for name, path in pages.items():
        _shoot(page, path, f"{name}-en")
    page.set_viewport_size(TABLET)
    for name in ("dashboard", "partnership"):
        _shoot(page, pages[name], f"{name}-en-tablet")
    page.set_viewport_size(LAPTOP)
    page.goto("/")
    with page.expect_navigation():
        page.locator("#language-select").select_option("ja")
    for name, path in pages.items():
        _shoot(page, path, f"{name}-ja")
        assert page.locator("html").get_attribute("lang") == "ja"
        assert page.locator("nav.mainnav").get_by_role("link", name="ダッシュボード").is_visible()
    context.close()

    written = sorted(p.name for p in SCREENSHOTS.glob("*.png"))
    expected = [f"{n}-{lang}.png" for n in pages for lang in ("en", "ja")]
    expected += ["dashboard-en-tablet.png", "partnership-en-tablet.png"]
    assert set(expected) <= set(written)


def test_accepting_a_suggestion_lands_on_the_new_partnership(page, users, team_a):
    from matching.services.recompute import matches_recompute

    factories.institution(
        "Penang Back-end Plant",
        country="MY",
        org_type="manufacturer",  # a buyer of dicing saws: the first suggestion
        needs=["EQP.DICING"],
        thrusts=["T3"],
    )
    matches_recompute(company=team_a.company)
    sign_in(page, "pm")
    page.goto("/matches/review/")

    with page.expect_navigation():
        page.locator("form[data-action=accept] button[type=submit]").first.click()

    deal = Partnership.objects.get()
    assert page.url.endswith(f"/partnerships/{deal.pk}/")
    assert page.get_by_role("status").first.inner_text() == (
        "Accepted: a partnership was opened at stage Identified."
    )
    assert (deal.team, deal.stage) == (team_a, "identified")
