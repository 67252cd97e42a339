"""Attacks on the web layer: response headers, inline code a Content-Security-Policy would have
to allow, production static files, API errors that fall through to HTML, integrators writing
through the pages, and double-submitted forms. Each test is named after the behaviour that
holds."""

import datetime as dt
import os
import subprocess
import sys
import threading
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import URLPattern, get_resolver, reverse

from engagement.models import Engagement, IdempotencyRecord, ImportJob, Initiative
from engagement.services.pilots import kpi_add, milestone_add
from tests import factories

pytestmark = pytest.mark.django_db

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'"
)


@pytest.fixture
def usm(db):
    return factories.institution("Universiti Sains Malaysia", country="MY")


@pytest.fixture
def world(users, team_a, usm):
    """A partnership of team A with an MoU, a pilot with a milestone and a KPI, a follow-up, an
    engagement and an import still waiting for a worker: every main page has something to draw."""
    bd = users["bd_a"]
    deal = factories.partnership(
        team_a, actor=bd, counterparts=[usm], title="Dicing line", initiatives=["T6-01"]
    )
    mou = factories.mou(deal, actor=bd, title="Training MoU")
    pilot = factories.pilot(deal, actor=bd, objective="Train 20 technicians")
    milestone = milestone_add(actor=bd, pilot=pilot, title="Lab ready", due_on=dt.date(2027, 1, 5))
    kpi = kpi_add(actor=bd, pilot=pilot, name="Technicians trained", target=20)
    followup = factories.followup(
        team_a, owner=bd, actor=bd, due_on=dt.date(2027, 1, 10), subject=("partnership", deal)
    )
    factories.engagement(team_a, actor=bd, organizations=[usm], partnership=deal)
    job = ImportJob.objects.create(user=bd, kind="engagements", original_name="visits.csv")
    return {
        "deal": deal,
        "mou": mou,
        "pilot": pilot,
        "milestone": milestone,
        "kpi": kpi,
        "followup": followup,
        "org": usm,
        "job": job,
        "initiative": Initiative.objects.order_by("code").first(),
    }


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _counts() -> dict[str, int]:
    """How many rows every model of the product holds."""
    return {
        model._meta.label: model.objects.count()
        for app in ("engagement", "matching")
        for model in apps.get_app_config(app).get_models()
    }


# --- 1. Security headers -------------------------------------------------------------------


def test_every_answer_pages_api_and_static_files_alike_carries_the_security_headers(users):
    # Given a signed-in BD member and an integrator's token
    client = _signed_in(users["bd_a"])
    key = factories.token(users["integrator_a"])

    # When they open a page, an API list, a static file and the API's documentation
    answers = {
        "page": client.get("/"),
        "api": client.get("/api/v1/thrusts/", HTTP_AUTHORIZATION=f"Token {key}"),
        "static": client.get("/static/engagement/app.css"),
        "docs": client.get("/api/docs/"),
    }

    # Then each answer carries the policies
    assert {name: r.status_code for name, r in answers.items()} == dict.fromkeys(answers, 200)
    for name in ("page", "api", "static"):
        assert answers[name]["Content-Security-Policy"] == CSP, name
    assert answers["docs"]["Content-Security-Policy"] == CSP.replace(
        "style-src 'self'", "style-src 'self' 'unsafe-inline'"
    )
    for response in answers.values():
        assert (
            "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
            in (response["Permissions-Policy"])
        )
        assert response["Referrer-Policy"] == "same-origin"
    # and the documentation runs no inline script: its start-up code is a file of its own
    assert _inline_code(answers["docs"].content.decode())["scripts"] == []


# --- 2. No inline code ---------------------------------------------------------------------


class _InlineCode(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found = {"scripts": [], "styles": [], "handlers": []}
        self._script = None

    def handle_starttag(self, tag, attrs):
        names = dict(attrs)
        if tag == "script" and "src" not in names and names.get("type") != "application/json":
            self._script = self.getpos()
        if tag == "style":
            self.found["styles"].append(f"<style> at {self.getpos()}")
        for name, value in attrs:
            if name == "style":
                self.found["styles"].append(f"<{tag} style={value!r}>")
            if name.startswith("on"):
                self.found["handlers"].append(f"<{tag} {name}={value!r}>")
            if (value or "").strip().lower().startswith("javascript:"):
                self.found["handlers"].append(f"<{tag} {name}={value!r}>")

    def handle_endtag(self, tag):
        if tag == "script" and self._script is not None:
            self.found["scripts"].append(f"<script> at {self._script}")
            self._script = None


def _inline_code(html: str) -> dict[str, list[str]]:
    parser = _InlineCode()
    parser.feed(html)
    return parser.found


def test_no_page_carries_inline_script_style_or_event_handler_attributes(users, world):
    # Given a BD member of the team that owns the records
    client = _signed_in(users["bd_a"])
    deal, org = world["deal"], world["org"]
    pages = [
        "/",
        "/organizations/",
        f"/organizations/{org.pk}/",
        "/partnerships/",
        f"/partnerships/{deal.pk}/",
        "/partnerships/new/",
        f"/engagements/new/?organization={org.pk}&partnership={deal.pk}",
        "/follow-ups/",
        "/notifications/",
        "/import/",
        f"/import/{world['job'].pk}/",
        "/coverage/",
        f"/initiatives/{world['initiative'].code}/",
        "/member-states/MY/",
        "/matches/review/",
    ]

    # When each page is drawn
    found = {}
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        found[url] = {k: v for k, v in _inline_code(response.content.decode()).items() if v}

    # Then none holds code or styles a strict Content-Security-Policy would block
    assert {url: code for url, code in found.items() if code} == {}


# --- 3. Production static files ------------------------------------------------------------

_PRODUCTION_PAGE = """
import re, django
django.setup()
from django.test import Client
client = Client()
page = client.get("/accounts/login/", secure=True)
css = re.search(r'<link rel="stylesheet" href="([^"]+)"', page.content.decode()).group(1)
sheet = client.get(css, secure=True)
print(page.status_code, css, sheet.status_code, b"".join(sheet.streaming_content)[:2].decode())
"""


def test_with_debug_off_and_no_collectstatic_a_page_renders_and_its_css_is_served(tmp_path):
    # Given production settings and a data directory where collectstatic never ran
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("TESTING", "DEBUG", "DATABASE_URL", "SQLITE_PATH", "PYTEST_XDIST_WORKER")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="0",
        SECRET_KEY="production-like-secret-0123456789-abcdefghijklmnopqrstuvwxyz",
        ALLOWED_HOSTS="testserver",
        DATA_DIR=str(tmp_path),
    )

    # When the sign-in page and the style sheet it links are requested
    done = subprocess.run(
        [sys.executable, "-c", _PRODUCTION_PAGE],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    # Then both are served, the sheet from the app's own static folder
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split() == ["200", "/static/engagement/app.css", "200", "/*"]
    assert list(Path(tmp_path, "static").iterdir()) == []


# --- 4. API errors are JSON ----------------------------------------------------------------


def test_under_debug_off_unknown_api_addresses_and_server_errors_answer_json(users, settings):
    # Given DEBUG off and an integrator's token
    settings.DEBUG = False
    key = factories.token(users["integrator_a"])
    client = Client(HTTP_AUTHORIZATION=f"Token {key}")

    # When addresses that no API route matches are requested
    answers = {
        path: client.get(path)
        for path in (
            "/api/v1/nope/",
            "/api/v1/contacts/0.5/history/",
            "/api/v1/capabilities/%C2%84/",
        )
    }

    # Then each answers 404 in the API's error shape
    for path, response in answers.items():
        assert (response.status_code, response["Content-Type"]) == (404, "application/json"), path
        assert response.json() == {
            "type": "not_found",
            "detail": "Not found: no resource has this address.",
            "errors": {},
        }
    # and a server error under /api/ is JSON too, while the pages keep their HTML answers
    from django.test import RequestFactory

    handler500 = get_resolver().resolve_error_handler(500)
    failed = handler500(RequestFactory().get("/api/v1/engagements/"))
    assert (failed.status_code, failed["Content-Type"]) == (500, "application/json")
    assert set(__import__("json").loads(failed.content)) == {"type", "detail", "errors"}
    page = _signed_in(users["bd_a"]).get("/no-such-page/")
    assert page.status_code == 404
    assert page["Content-Type"].startswith("text/html")
    assert handler500(RequestFactory().get("/"))["Content-Type"].startswith("text/html")


# --- 5. Integrators read the pages, write through the API ----------------------------------

# Writes that concern only the signed-in person, not a team's records.
PERSONAL_WRITES = {
    "preferences",
    "notification-mark-read",
    "notification-read",
    "notification-unread",
    "calendar-regenerate",
    # A user's own saved views of a list (filters and sort order), not team records.
    "saved-view-save",
    "saved-view-delete",
}


def _web_routes() -> list[URLPattern]:
    from engagement.web import urls as web_urls
    from matching import urls as matching_urls

    return [
        p
        for p in [*web_urls.urlpatterns, *matching_urls.urlpatterns]
        if p.name not in {"login", "logout"} | PERSONAL_WRITES
    ]


def _address(pattern: URLPattern, world) -> str:
    name = pattern.name
    record = next(
        (
            world[kind]
            for prefix, kind in (
                ("partnership", "deal"),
                ("mou", "mou"),
                ("pilot", "pilot"),
                ("kpi", "kpi"),
                ("milestone", "milestone"),
                ("followup", "followup"),
                ("import-job", "job"),
                ("organization", "org"),
            )
            if name.startswith(prefix)
        ),
        None,
    )
    values = {
        "pk": record.pk if record is not None else 1,
        "code": world["initiative"].code,
        "iso2": "MY",
        "fmt": "csv",
        "token": "unknown",
        "decision": "apply",
        # The integrator's own company: its matching strategy page is a form too.
        "company": world["deal"].team.company_id,
        "name": "partnerships",
    }
    kwargs = {k: values[k] for k in pattern.pattern.converters}
    return reverse(name, kwargs=kwargs)


def test_an_integrator_posting_any_web_form_is_refused_with_403(users, world):
    # Given an integrator of the team that owns every record, signed in to the pages
    client = _signed_in(users["integrator_a"])
    before = _counts()
    engagement_form = {
        "occurred_at": "2026-11-25T19:30",
        "kind": "meeting",
        "organizations": [world["org"].pk],
        "summary": "Met the dean",
    }

    # When they post to every page of the web app
    answers = {
        _address(p, world): client.post(
            _address(p, world), engagement_form if p.name == "engagement-new" else {}
        ).status_code
        for p in _web_routes()
    }

    # Then every post is refused and nothing was written
    assert {url: code for url, code in answers.items() if code != 403} == {}
    assert len(answers) >= 35
    assert _counts() == before
    # while reading stays open, and so does choosing their own language
    assert client.get(f"/partnerships/{world['deal'].pk}/").status_code == 200
    assert client.post("/preferences/", {"language": "ja", "next": "/"}).status_code == 302


# --- 6. A form that creates something acts once --------------------------------------------


def _engagement_form(token: str, org) -> dict:
    return {
        "_once": token,
        "occurred_at": "2026-11-25T19:30",
        "kind": "meeting",
        "organizations": [org.pk],
        "summary": "Met the dean about a dicing lab",
        "next": f"/organizations/{org.pk}/",
    }


def test_sending_the_engagement_form_twice_with_its_token_logs_one_engagement(users, usm):
    # Given the engagement form as drawn for a BD member, with its one-time token
    client = _signed_in(users["bd_a"])
    page = client.get(f"/engagements/new/?organization={usm.pk}").content.decode()
    token = page.split('name="_once" value="', 1)[1].split('"', 1)[0]

    # When it is sent twice (a double click)
    first = client.post("/engagements/new/", _engagement_form(token, usm))
    second = client.post("/engagements/new/", _engagement_form(token, usm))

    # Then one engagement is logged and both answers lead to the same place
    assert Engagement.objects.count() == 1
    assert (first.status_code, first["Location"]) == (302, f"/organizations/{usm.pk}/")
    assert (second.status_code, second["Location"]) == (302, f"/organizations/{usm.pk}/")
    record = IdempotencyRecord.objects.get()
    assert (record.user, record.key, record.body) == (
        users["bd_a"],
        f"form:{token}",
        {"location": f"/organizations/{usm.pk}/"},
    )


@pytest.mark.django_db(transaction=True)
def test_two_posts_of_one_engagement_form_arriving_at_the_same_moment_log_one(users, usm):
    # Given two requests carrying the same form token, released together
    barrier = threading.Barrier(2)
    answers: list[int] = []

    def send():
        client = _signed_in(users["bd_a"])
        barrier.wait()
        try:
            answers.append(
                client.post("/engagements/new/", _engagement_form("same-token", usm)).status_code
            )
        finally:
            connection.close()

    # When both are sent at the same moment
    threads = [threading.Thread(target=send) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    # Then exactly one engagement is logged and both senders are redirected
    assert answers == [302, 302]
    assert Engagement.objects.count() == 1
    assert IdempotencyRecord.objects.filter(key="form:same-token").count() == 1


def test_a_refused_form_keeps_its_token_free_for_the_corrected_form(users, usm):
    # Given a form sent without its summary, refused
    client = _signed_in(users["bd_a"])
    refused = client.post("/engagements/new/", {**_engagement_form("t-1", usm), "summary": ""})
    assert refused.status_code == 400
    assert IdempotencyRecord.objects.count() == 0

    # When it is corrected and sent again with the same token
    corrected = client.post("/engagements/new/", _engagement_form("t-1", usm))

    # Then the engagement is logged
    assert corrected.status_code == 302
    assert Engagement.objects.count() == 1


def test_every_creating_form_of_the_pages_carries_a_one_time_token(users, world):
    # Given the pages holding the forms that create something
    client = _signed_in(users["bd_a"])
    deal = world["deal"]
    pages = {
        "/engagements/new/": 1,
        "/partnerships/new/": 1,
        "/import/": 1,
        f"/import/{world['job'].pk}/": 0,  # still running: nothing to start yet
        # MoU, pilot, milestone, KPI and follow-up forms
        f"/partnerships/{deal.pk}/": 5,
    }

    # When they are drawn, each of their creating forms holds a fresh token
    tokens = {url: client.get(url).content.decode().count('name="_once"') for url in pages}

    assert tokens == pages
