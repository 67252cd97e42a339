"""A BD member's day in the web pages: dashboard, partnerships, logging, follow-ups; what
another team and a program manager may and may not do; and a fixed number of queries per page."""

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from engagement import stages
from engagement.actors import LOADER
from engagement.models import (
    Engagement,
    FollowUp,
    Milestone,
    MoU,
    Partnership,
    Pilot,
    StageChange,
    TimelineEvent,
)
from engagement.services.followups import followup_create
from engagement.services.mous import mou_attach_document, mou_sign
from engagement.services.partnerships import partnership_transition
from engagement.services.pilots import pilot_flag_at_risk, pilot_start
from tests import factories

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 26, 1, 0, tzinfo=dt.UTC)  # 10:00 in Tokyo, the users' time zone
TODAY = dt.date(2026, 11, 26)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _as(client, user):
    client.force_login(user)
    return client


def _html(response) -> str:
    return response.content.decode()


# --- Each page opens for its team -----------------------------------------------------------


def test_each_page_opens_for_the_team_that_owns_the_records(client_a, deal, usm, users, team_a):
    mou = factories.mou(deal, actor=users["bd_a"], title="Training MoU")
    factories.engagement(
        team_a, actor=users["bd_a"], organizations=[usm], partnership=deal.pk, summary="Met dean"
    )
    pages = {
        "/": "Dicing training line",
        "/partnerships/": "Dicing training line",
        f"/partnerships/{deal.pk}/": "Training MoU",
        "/partnerships/new/": "Universiti Sains Malaysia",
        f"/engagements/new/?organization={usm.pk}&partnership={deal.pk}": "Dicing training line",
        "/follow-ups/": "/calendar/",
        f"/organizations/{usm.pk}/": "Met dean",
    }

    responses = {url: client_a.get(url) for url in pages}

    assert {url: r.status_code for url, r in responses.items()} == dict.fromkeys(pages, 200)
    for url, text in pages.items():
        assert text in _html(responses[url]), url
    assert mou.pk in [m.pk for m in responses[f"/partnerships/{deal.pk}/"].context["mous"]]


def test_the_dashboard_shows_my_follow_ups_by_when_they_are_due(client_a, deal, users, team_a):
    for days, note in ((-2, "Late"), (0, "Today"), (3, "Soon"), (20, "Later")):
        factories.followup(
            team_a,
            actor=users["bd_a"],
            owner=users["bd_a"],
            due_on=TODAY + dt.timedelta(days=days),
            note=note,
            subject=("partnership", deal),
        )

    response = client_a.get("/")

    groups = response.context["d"].followups
    assert [f.note for f in groups.overdue] == ["Late"]
    assert [f.note for f in groups.today] == ["Today"]
    assert [f.note for f in groups.this_week] == ["Soon"]
    html = _html(response)
    assert '<svg class="chart" id="chart-funnel"' in html
    assert '<svg class="chart" id="chart-heatmap"' in html
    assert '<svg class="chart" id="chart-weeks"' in html


def test_the_dashboard_charts_count_partnerships_by_stage_thrust_state_and_week(
    client_a, deal, usm, users, team_a
):
    partnership_transition(actor=users["bd_a"], partnership=deal, to="contacted")
    factories.engagement(team_a, actor=users["bd_a"], organizations=[usm])
    factories.engagement(
        team_a, actor=users["bd_a"], organizations=[usm], occurred_at=NOW - dt.timedelta(weeks=2)
    )

    d = client_a.get("/").context["d"]

    assert [(r.stage, r.count) for r in d.funnel if r.count] == [("contacted", 1)]
    assert d.funnel[1].value == {"JPY": 40000000}
    assert d.heatmap.cells == {("T6", "MY"): 1}
    assert [w.count for w in d.weeks] == [0] * 9 + [1, 0, 1]
    assert d.weeks[-1].start == dt.date(2026, 11, 23)


def test_done_on_the_dashboard_completes_the_follow_up_and_returns(client_a, deal, users, team_a):
    f = factories.followup(team_a, actor=users["bd_a"], owner=users["bd_a"], due_on=TODAY)

    response = client_a.post(f"/follow-ups/{f.pk}/done/", {"next": "/"})

    assert response.status_code == 302
    assert response["Location"] == "/"
    f.refresh_from_db()
    assert (f.status, f.completed_by) == ("done", users["bd_a"])
    assert TimelineEvent.objects.filter(kind="followup_done", object_id=f.pk).count() == 1


# --- Another team, program managers -----------------------------------------------------------


def test_another_teams_partnership_page_transition_and_document_are_not_found(client, deal, users):
    mou = factories.mou(deal, actor=users["bd_a"], title="Training MoU")
    mou_attach_document(actor=users["bd_a"], mou=mou, upload=SimpleUploadedFile("mou.pdf", PDF))
    other = _as(client, users["bd_b"])

    page = other.get(f"/partnerships/{deal.pk}/")
    move = other.post(f"/partnerships/{deal.pk}/transition/", {"to": "contacted"})
    download = other.get(f"/mous/{mou.pk}/document/")
    upload = other.post(
        f"/mous/{mou.pk}/document/",
        {f"mou-{mou.pk}-doc-document": SimpleUploadedFile("x.pdf", PDF)},
    )
    listing = other.get("/partnerships/")

    assert (page.status_code, move.status_code, download.status_code, upload.status_code) == (
        404,
        404,
        404,
        404,
    )
    assert "belongs to another team" in _html(page)
    assert Partnership.objects.get().stage == "identified"
    assert MoU.objects.get().document_name == "mou.pdf"
    assert list(listing.context["page"].object_list) == []


def test_the_organization_page_shows_only_the_viewers_team_records(client, deal, usm, users):
    factories.engagement(
        deal.team, actor=users["bd_a"], organizations=[usm], summary="Confidential call"
    )

    mine = _as(client, users["bd_a"]).get(f"/organizations/{usm.pk}/")
    theirs = _as(client, users["bd_b"]).get(f"/organizations/{usm.pk}/")

    assert [p.title for p in mine.context["partnerships"]] == ["Dicing training line"]
    assert [i.text for i in mine.context["timeline"]["items"]] == [
        "Confidential call",
        "Dicing training line",
    ]
    assert theirs.status_code == 200
    assert theirs.context["partnerships"] == []
    assert theirs.context["timeline"]["items"] == []
    assert "Confidential call" not in _html(theirs)


def test_a_program_manager_sees_every_team_and_filters_by_team(client, deal, usm, users, team_b):
    factories.partnership(team_b, actor=users["bd_b"], counterparts=[usm], title="Etch hub")
    pm = _as(client, users["pm"])

    everything = pm.get("/partnerships/")
    team_b_only = pm.get("/partnerships/?team=team-b")
    dashboard = pm.get("/?team=team-b")
    page = pm.get(f"/partnerships/{deal.pk}/")

    assert sorted(p.title for p in everything.context["page"].object_list) == [
        "Dicing training line",
        "Etch hub",
    ]
    assert [p.title for p in team_b_only.context["page"].object_list] == ["Etch hub"]
    assert dashboard.context["d"].team == team_b
    assert [(r.stage, r.count) for r in dashboard.context["d"].funnel if r.count] == [
        ("identified", 1)
    ]
    assert page.status_code == 200
    assert page.context["can_change"] is False
    assert f'action="/partnerships/{deal.pk}/transition/"' not in _html(page)


def test_a_program_manager_cannot_move_a_partnership_and_nothing_changes(client, deal, users):
    pm = _as(client, users["pm"])

    response = pm.post(f"/partnerships/{deal.pk}/transition/", {"to": "contacted"})

    assert response.status_code == 403
    assert response.context["message"] == (
        "Program managers read every team's records but do not change them. "
        "Ask a member of the team to make this change."
    )
    deal.refresh_from_db()
    assert (deal.stage, deal.version) == ("identified", 1)
    assert StageChange.objects.count() == 1
    assert pm.get("/engagements/new/").status_code == 403
    assert pm.get("/partnerships/new/").status_code == 403


# --- Logging an engagement --------------------------------------------------------------------


def test_the_engagement_form_starts_from_where_you_came(client_a, deal, usm):
    response = client_a.get(
        f"/engagements/new/?organization={usm.pk}&partnership={deal.pk}"
        f"&next=/partnerships/{deal.pk}/"
    )

    form = response.context["form"]
    assert form.initial["occurred_at"].isoformat() == "2026-11-26T10:00:00+09:00"
    assert 'value="2026-11-26T10:00"' in _html(response)
    assert form["organizations"].value() == [usm.pk]
    assert form["partnership"].value() == deal.pk
    assert response.context["next"] == f"/partnerships/{deal.pk}/"


def test_logging_an_engagement_creates_it_and_its_follow_up_and_returns(client_a, deal, usm, users):
    response = client_a.post(
        "/engagements/new/",
        {
            "occurred_at": "2026-11-25T19:30",
            "kind": "meeting",
            "organizations": [usm.pk],
            "partnership": deal.pk,
            "summary": "Met the dean about a dicing lab",
            "next_step": "Send the training syllabus",
            "next_step_due": "2026-12-01",
            "next": f"/partnerships/{deal.pk}/",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == f"/partnerships/{deal.pk}/"
    eng = Engagement.objects.get()
    assert (eng.occurred_at, eng.kind, eng.partnership, eng.created_by) == (
        dt.datetime(2026, 11, 25, 10, 30, tzinfo=dt.UTC),
        "meeting",
        deal,
        users["bd_a"],
    )
    assert list(eng.organizations.all()) == [usm]
    followup = FollowUp.objects.get()
    assert (followup.engagement, followup.owner, followup.due_on, followup.note) == (
        eng,
        users["bd_a"],
        dt.date(2026, 12, 1),
        "Send the training syllabus",
    )
    page = client_a.get(response["Location"])
    assert [(i.kind, i.text) for i in page.context["timeline"]["items"]] == [
        ("followup_created", "Send the training syllabus"),
        ("partnership_created", "Dicing training line"),
        ("engagement", "Met the dean about a dicing lab"),
    ]
    assert "Engagement logged." in _html(page)


def test_an_engagement_refused_by_the_service_shows_errors_by_the_fields(client_a, usm):
    response = client_a.post(
        "/engagements/new/",
        {
            "occurred_at": "2026-11-25T19:30",
            "kind": "call",
            "organizations": [usm.pk],
            "summary": "Called",
            "next_step_due": "2026-12-01",
        },
    )

    assert response.status_code == 400
    assert response.context["form"].errors == {
        "next_step": ["Say what the next step is when you give it a date."]
    }
    assert '<div class="field-error" id="id_next_step_error">' in _html(response)
    assert Engagement.objects.count() == 0
    assert FollowUp.objects.count() == 0


def test_an_engagement_without_its_essentials_is_refused_field_by_field(client_a):
    response = client_a.post("/engagements/new/", {"kind": "lunch"})

    assert response.status_code == 400
    assert sorted(response.context["form"].errors) == [
        "kind",
        "occurred_at",
        "organizations",
        "summary",
    ]
    assert Engagement.objects.count() == 0


def test_logging_does_not_return_to_another_site(client_a, usm):
    response = client_a.post(
        "/engagements/new/",
        {
            "occurred_at": "2026-11-25T19:30",
            "kind": "call",
            "organizations": [usm.pk],
            "summary": "Called",
            "next": "https://evil.example/",
        },
    )

    assert response["Location"] == "/"


# --- Moving through the pipeline --------------------------------------------------------------


def test_the_stage_form_offers_only_the_allowed_moves(client_a, deal):
    response = client_a.get(f"/partnerships/{deal.pk}/")

    offered = [(m["to"], m["needs_reason"]) for m in response.context["moves"]]
    assert offered == [(m["to"], m["needs_reason"]) for m in stages.allowed_moves("identified")]
    html = _html(response)
    assert 'name="to" value="contacted" data-needs-reason="0"' in html
    assert 'name="to" value="exploring" data-needs-reason="1"' in html
    assert 'name="to" value="identified"' not in html
    assert [s["state"] for s in response.context["stepper"]] == ["current"] + ["ahead"] * 7


def test_moving_one_stage_forward_changes_the_stage(client_a, deal, users):
    response = client_a.post(
        f"/partnerships/{deal.pk}/transition/", {"to": "contacted", "version": deal.version}
    )

    assert response.status_code == 302
    assert response["Location"] == f"/partnerships/{deal.pk}/#stage"
    deal.refresh_from_db()
    assert deal.stage == "contacted"
    assert list(StageChange.objects.values_list("from_stage", "to_stage", "actor")) == [
        ("", "identified", users["bd_a"].pk),
        ("identified", "contacted", users["bd_a"].pk),
    ]


def test_a_move_that_needs_a_reason_without_one_shows_the_error_and_changes_nothing(client_a, deal):
    response = client_a.post(
        f"/partnerships/{deal.pk}/transition/", {"to": "exploring", "reason": "  "}
    )

    assert response.status_code == 400
    assert response.context["transition_form"].errors == {
        "reason": ["Moving from Identified to Exploring needs a reason."]
    }
    html = _html(response)
    assert (
        '<div class="field-error" id="id_reason_error"><p>Moving from Identified to Exploring '
        "needs a reason.</p></div>" in html
    )
    assert 'name="to" value="exploring" data-needs-reason="1" checked' in html
    deal.refresh_from_db()
    assert (deal.stage, deal.version) == ("identified", 1)
    assert StageChange.objects.count() == 1


def test_a_move_the_rules_forbid_is_shown_on_the_stage_choice(client_a, deal):
    partnership_transition(actor=LOADER, partnership=deal, to="on_hold")

    response = client_a.post(f"/partnerships/{deal.pk}/transition/", {"to": "on_hold"})

    assert response.status_code == 409
    assert response.context["transition_form"].errors == {"to": ["It is already in that stage."]}


def test_a_move_from_a_stale_page_is_refused(client_a, deal, users):
    partnership_transition(actor=users["bd_a"], partnership=deal, to="contacted")

    response = client_a.post(
        f"/partnerships/{deal.pk}/transition/", {"to": "exploring", "version": 1}
    )

    assert response.status_code == 409
    assert response.context["transition_form"].non_field_errors() == [
        "This partnership changed since you read it; reload and try again."
    ]
    assert Partnership.objects.get().stage == "contacted"


# --- MoUs, pilots, follow-ups on the partnership page ------------------------------------------


def test_an_mou_is_created_given_a_document_signed_and_renewed_through_the_page(client_a, deal):
    created = client_a.post(
        f"/partnerships/{deal.pk}/mous/",
        {"mou-new-title": "Training MoU", "mou-new-status": "negotiating"},
    )
    mou = MoU.objects.get()
    uploaded = client_a.post(
        f"/mous/{mou.pk}/document/",
        {f"mou-{mou.pk}-doc-document": SimpleUploadedFile("mou.pdf", PDF)},
    )
    signed = client_a.post(
        f"/mous/{mou.pk}/sign/",
        {
            f"mou-{mou.pk}-sign-signed_on": "2026-11-20",
            f"mou-{mou.pk}-sign-effective_on": "2026-12-01",
            f"mou-{mou.pk}-sign-expires_on": "2027-12-01",
        },
    )
    renewed = client_a.post(
        f"/mous/{mou.pk}/renew/",
        {
            f"mou-{mou.pk}-renew-effective_on": "2027-12-01",
            f"mou-{mou.pk}-renew-expires_on": "2028-12-01",
        },
    )
    download = client_a.get(f"/mous/{mou.pk}/document/")

    assert [r.status_code for r in (created, uploaded, signed, renewed)] == [302] * 4
    assert signed["Location"] == f"/partnerships/{deal.pk}/#mou-{mou.pk}"
    mou.refresh_from_db()
    assert (mou.status, mou.signed_on, mou.expires_on, mou.document_name) == (
        "renewed",
        dt.date(2026, 11, 20),
        dt.date(2027, 12, 1),
        "mou.pdf",
    )
    successor = MoU.objects.get(predecessor=mou)
    assert (successor.status, successor.effective_on) == ("draft", dt.date(2027, 12, 1))
    assert download.status_code == 200
    assert download["Content-Disposition"] == 'attachment; filename="mou.pdf"'
    assert b"".join(download.streaming_content) == PDF


def test_a_document_that_is_not_pdf_or_docx_is_refused_next_to_the_file_field(client_a, deal):
    mou = factories.mou(deal, title="Training MoU")

    response = client_a.post(
        f"/mous/{mou.pk}/document/",
        {f"mou-{mou.pk}-doc-document": SimpleUploadedFile("notes.txt", b"hello")},
    )

    assert response.status_code == 400
    [shown] = response.context["mous"]
    assert shown.doc_form.errors == {"document": ["notes.txt is not a PDF or DOCX file."]}
    assert f'id="id_mou-{mou.pk}-doc-document_error"' in _html(response)
    assert MoU.objects.get().document_name == ""


def test_signing_an_mou_in_the_future_is_refused_next_to_the_date(client_a, deal):
    mou = factories.mou(deal, title="Training MoU")

    response = client_a.post(
        f"/mous/{mou.pk}/sign/", {f"mou-{mou.pk}-sign-signed_on": "2026-12-24"}
    )

    assert response.status_code == 400
    [shown] = response.context["mous"]
    assert shown.sign_form.errors == {
        "signed_on": ["The signing date 2026-12-24 is in the future."]
    }
    assert MoU.objects.get().status == "draft"


def test_a_pilot_milestone_is_completed_from_the_page(client_a, deal, users):
    pilot = factories.pilot(
        deal,
        actor=users["bd_a"],
        objective="Train 20 operators",
        starts_on="2026-11-01",
        milestones=[{"title": "Syllabus agreed", "due_on": "2026-11-20"}],
        kpis=[{"name": "Operators trained", "target": "20", "unit": "people"}],
    )
    milestone = pilot.milestones.get()

    page = client_a.get(f"/partnerships/{deal.pk}/")
    response = client_a.post(f"/milestones/{milestone.pk}/complete/")

    assert "Operators trained" in _html(page)
    assert f'action="/milestones/{milestone.pk}/complete/"' in _html(page)
    assert response.status_code == 302
    assert response["Location"] == f"/partnerships/{deal.pk}/#pilots"
    assert Milestone.objects.get().done_on == TODAY
    assert (
        _as(client_a, users["bd_b"]).post(f"/milestones/{milestone.pk}/complete/").status_code
        == 404
    )


def test_a_follow_up_is_added_on_the_partnership_page(client_a, deal, users):
    response = client_a.post(
        f"/partnerships/{deal.pk}/follow-ups/",
        {"fu-new-note": "Send the draft", "fu-new-due_on": "2026-12-02"},
    )
    refused = client_a.post(f"/partnerships/{deal.pk}/follow-ups/", {"fu-new-note": "No date"})

    assert response.status_code == 302
    f = FollowUp.objects.get()
    assert (f.partnership, f.owner, f.due_on, f.note) == (
        deal,
        users["bd_a"],
        dt.date(2026, 12, 2),
        "Send the draft",
    )
    assert refused.status_code == 400
    assert refused.context["followup_form"].errors == {"due_on": ["This field is required."]}


def test_creating_a_partnership_through_the_form(client_a, usm, users):
    response = client_a.post(
        "/partnerships/new/",
        {
            "title": "Dicing academy",
            "counterparts": [usm.pk],
            "partnership_type": "training_programme",
            "initiatives": ["T6-01"],
            "priority_country": "MY",
            "expected_value": "25000000",
            "currency": "jpy",
        },
    )

    p = Partnership.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/partnerships/{p.pk}/"
    assert (p.title, p.stage, p.owner, p.currency, p.priority_country.iso2) == (
        "Dicing academy",
        "identified",
        users["bd_a"],
        "JPY",
        "MY",
    )
    assert [c.pk for c in p.counterparts.all()] == [usm.pk]


def test_a_partnership_with_a_japanese_company_as_counterpart_is_refused(client_a, tel):
    response = client_a.post(
        "/partnerships/new/",
        {"title": "Odd", "counterparts": [tel.pk], "partnership_type": "training_programme"},
    )

    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["counterparts"]
    assert Partnership.objects.count() == 0


# --- Follow-ups page --------------------------------------------------------------------------


def test_my_follow_ups_list_overdue_first_with_my_calendar_address(client_a, deal, users, team_a):
    for days, note in ((5, "Later"), (-3, "Late")):
        factories.followup(
            team_a,
            actor=users["bd_a"],
            owner=users["bd_a"],
            due_on=TODAY + dt.timedelta(days=days),
            note=note,
        )
    factories.followup(
        team_a,
        actor=users["integrator_a"],
        owner=users["integrator_a"],
        due_on=TODAY,
        note="Not mine",
    )

    response = client_a.get("/follow-ups/")

    assert [f.note for f in response.context["followups"]] == ["Late", "Later"]
    assert response.context["overdue"] == 1
    token = users["bd_a"].calendar_feed.token
    assert response.context["calendar_url"] == f"http://testserver/calendar/{token}.ics"
    assert 'action="/calendar/regenerate/"' in _html(response)


def test_cancelling_a_follow_up_and_a_second_click_is_refused_politely(client_a, users, team_a):
    f = factories.followup(
        team_a, actor=users["bd_a"], owner=users["bd_a"], due_on=TODAY, note="Call back"
    )

    first = client_a.post(f"/follow-ups/{f.pk}/cancel/")
    second = client_a.post(f"/follow-ups/{f.pk}/cancel/", follow=True)

    assert first["Location"] == "/follow-ups/"
    assert FollowUp.objects.get().status == "cancelled"
    assert [str(m) for m in second.context["messages"]] == [
        "Cancelled: Call back",
        "This follow-up is already Cancelled.",
    ]


# --- A fixed number of queries per page -------------------------------------------------------


def _grow(n, *, actor, team, deal, usm):
    """n more of everything each page lists: partnerships, engagements, MoUs expiring soon,
    pilots at risk, follow-ups, all of them also on `deal`."""
    for i in range(n):
        other = factories.partnership(
            team,
            actor=actor,
            counterparts=[usm],
            initiatives=["T6-01"],
            priority_country="MY",
            expected_value=str(1000 * (i + 1)),
            currency="JPY",
        )
        factories.engagement(
            team,
            actor=actor,
            organizations=[usm],
            partnership=deal.pk,
            next_step="Call back",
            next_step_due=TODAY + dt.timedelta(days=i % 7),
        )
        mou = factories.mou(deal, actor=actor, effective_on="2026-10-01", expires_on="2027-01-10")
        mou_sign(actor=actor, mou=mou, signed_on="2026-09-30")
        pilot = factories.pilot(
            deal,
            actor=actor,
            starts_on="2026-11-01",
            milestones=[{"title": "Install", "due_on": "2026-11-10"}],
            kpis=[{"name": "Trained", "target": "5"}],
        )
        pilot_start(actor=actor, pilot=pilot)
        pilot_flag_at_risk(actor=actor, pilot=pilot, reason="Late install")
        followup_create(
            actor=actor,
            due_on=TODAY - dt.timedelta(days=1),
            note="Chase",
            subject=("partnership", other),
        )
        factories.followup(
            team, actor=actor, owner=actor, due_on=TODAY, note="Ring", subject=("partnership", deal)
        )


def _queries(client, url) -> int:
    client.get(url)  # first visit creates what a page keeps (the calendar address)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


@pytest.mark.parametrize("viewer", ["bd_a", "pm"])
def test_each_page_runs_the_same_number_of_queries_for_3_or_30_of_everything(
    client, deal, usm, users, team_a, viewer
):
    actor = users["bd_a"]
    _as(client, users[viewer])
    urls = [
        "/",
        "/?team=team-a",
        "/partnerships/",
        f"/partnerships/{deal.pk}/",
        "/follow-ups/",
        f"/organizations/{usm.pk}/",
    ]
    if viewer == "bd_a":
        urls += [
            "/partnerships/new/",
            f"/engagements/new/?organization={usm.pk}&partnership={deal.pk}",
        ]
    _grow(3, actor=actor, team=team_a, deal=deal, usm=usm)
    small = {url: _queries(client, url) for url in urls}

    _grow(27, actor=actor, team=team_a, deal=deal, usm=usm)
    large = {url: _queries(client, url) for url in urls}

    assert Partnership.objects.count() == 31
    assert Pilot.objects.filter(status="at_risk").count() == 30
    assert large == small
