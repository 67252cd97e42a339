"""The pages under their Content-Security-Policy in a real Chromium: nothing they need is blocked
(no console report of a violation, no script error), and what used to be inline code (the
language switch, the engagement form's focus, the import progress) still works."""

import datetime as dt

import pytest

from engagement.models import ImportJob, Initiative
from tests import factories
from tests.browser.test_flows import (  # noqa: F401 (fixtures)
    _media_url_for_live_server,
    _sync_playwright_beside_django,
    browser,
    live_server,
    page,
    sign_in,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _watch(tab) -> list[str]:
    """Every CSP violation, script error, console error and failed request the tab reports
    (but the favicon, which the site does not have)."""
    problems: list[str] = []

    def console(msg):
        # A failed request is reported below with its address.
        if msg.type == "error" and not msg.text.startswith("Failed to load resource"):
            problems.append(f"console: {msg.text}")

    def answered(response):
        if response.status >= 400 and not response.url.endswith("/favicon.ico"):
            problems.append(f"{response.status} {response.url}")

    tab.on("console", console)
    tab.on("response", answered)
    tab.on("pageerror", lambda exc: problems.append(f"script error: {exc}"))
    tab.add_init_script(
        "document.addEventListener('securitypolicyviolation', function (e) {"
        " console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI); });"
    )
    return problems


def test_the_main_pages_run_under_their_content_security_policy_without_a_violation(
    page,  # noqa: F811
    users,
    team_a,
):
    # Given a BD member's partnership, an import still running, and every main page
    usm = factories.institution("Universiti Sains Malaysia", country="MY")
    deal = factories.partnership(
        team_a, actor=users["bd_a"], counterparts=[usm], title="Dicing line"
    )
    factories.followup(
        team_a,
        owner=users["bd_a"],
        actor=users["bd_a"],
        due_on=dt.date.today() + dt.timedelta(days=3),
        subject=("partnership", deal),
    )
    job = ImportJob.objects.create(user=users["bd_a"], kind="engagements", original_name="a.csv")
    initiative = Initiative.objects.order_by("code").first()
    problems = _watch(page)
    sign_in(page, "bd_a")

    # When each page is opened
    for url in (
        "/",
        "/organizations/",
        f"/organizations/{usm.pk}/",
        "/partnerships/",
        f"/partnerships/{deal.pk}/",
        "/partnerships/new/",
        "/follow-ups/",
        "/notifications/",
        "/import/",
        "/coverage/",
        f"/initiatives/{initiative.code}/",
        "/member-states/MY/",
        "/matches/review/",
    ):
        response = page.goto(url)
        assert response.status == 200, url
        assert "default-src 'self'" in response.headers["content-security-policy"]

    # and the code moved out of the pages still runs: the engagement form focuses its summary,
    page.goto(f"/engagements/new/?organization={usm.pk}")
    assert page.evaluate("document.activeElement.id") == "id_summary"
    # the import page polls its job's progress,
    with page.expect_response(lambda r: r.url.endswith(f"/import/{job.pk}/status.json")):
        page.goto(f"/import/{job.pk}/")
    # and choosing a language switches the site at once
    page.goto("/")
    with page.expect_navigation():
        page.locator("#language-select").select_option("ja")
    assert page.get_by_role("heading", level=1).inner_text() == "ダッシュボード"

    # Then nothing was blocked and no script failed
    assert problems == []


def test_the_api_documentation_runs_under_its_own_policy(page, users):  # noqa: F811
    # Given a signed-in BD member
    problems = _watch(page)
    sign_in(page, "bd_a")

    # When the API documentation is opened
    response = page.goto("/api/docs/")

    # Then Swagger UI draws the API's operations with nothing blocked
    assert response.status == 200
    page.locator(".opblock").first.wait_for()
    assert problems == []
