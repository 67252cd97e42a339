"""The partnership page does what the API does: pilots (plan, start, complete, cancel, add a
milestone or a KPI, record a KPI's value), terminating an MoU and editing the partnership's
fields over the version the page showed. Each form writes through its service; a refusal shows
the service's message by the field and writes nothing; another team gets 404; integrators and
program managers see no form and are refused (403)."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.test import Client

from engagement.models import KPI, Initiative, Milestone, MoU, Partnership, Pilot, TimelineEvent
from engagement.services.mous import mou_sign
from engagement.services.partnerships import partnership_update
from engagement.services.pilots import pilot_start
from tests import factories

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 26, 1, 0, tzinfo=dt.UTC)  # 10:00 in Tokyo, the users' time zone
TODAY = dt.date(2026, 11, 26)
PM_REFUSAL = (
    "Program managers read every team's records but do not change them. "
    "Ask a member of the team to make this change."
)
INTEGRATOR_REFUSAL = (
    "Integrators change records through the API; these pages only show them. "
    "Ask a business-development member of the team to make this change here."
)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def mou(deal, users):
    """Signed on 2026-11-20, so active."""
    mou = factories.mou(deal, actor=users["bd_a"], title="Training MoU")
    return mou_sign(actor=users["bd_a"], mou=mou, signed_on="2026-11-20", expires_on="2027-11-20")


@pytest.fixture
def planned(deal, users):
    return factories.pilot(
        deal,
        actor=users["bd_a"],
        objective="Train 20 operators",
        starts_on="2026-12-01",
        planned_end_on="2027-03-31",
        milestones=[{"title": "Syllabus agreed", "due_on": "2026-12-10"}],
        kpis=[{"name": "Operators trained", "target": "20", "unit": "people"}],
    )


@pytest.fixture
def running(deal, users):
    pilot = factories.pilot(
        deal, actor=users["bd_a"], objective="Qualify the dicing recipe", starts_on="2026-11-01"
    )
    return pilot_start(actor=users["bd_a"], pilot=pilot)


def _as(client, user):
    client.force_login(user)
    return client


def _html(response) -> str:
    return response.content.decode()


def _snapshot() -> dict:
    """Everything these forms could write."""
    return {
        "partnerships": list(
            Partnership.objects.order_by("pk").values_list(
                "pk", "title", "version", "owner", "expected_value", "currency", "notes"
            )
        ),
        "pilots": list(
            Pilot.objects.order_by("pk").values_list(
                "pk", "status", "version", "starts_on", "actual_end_on"
            )
        ),
        "milestones": list(Milestone.objects.order_by("pk").values_list("pk", "title", "done_on")),
        "kpis": list(KPI.objects.order_by("pk").values_list("pk", "name", "target", "actual")),
        "mous": list(MoU.objects.order_by("pk").values_list("pk", "status", "version")),
        "events": list(TimelineEvent.objects.order_by("pk").values_list("pk", flat=True)),
        "history": [model.history.count() for model in (Partnership, Pilot, Milestone, KPI, MoU)],
    }


def _events(obj) -> list[tuple]:
    return list(
        TimelineEvent.objects.filter(object_type=obj._meta.model_name, object_id=obj.pk)
        .order_by("pk")
        .values_list("kind", "actor__username", "partnership", "data")
    )


def _edit_data(deal, **changes) -> dict:
    data = {
        "title": deal.title,
        "counterparts": [o.pk for o in deal.counterparts.all()],
        "partnership_type": deal.partnership_type.code,
        "initiatives": [i.code for i in deal.initiatives.all()],
        "priority_country": "MY",
        "expected_value": "40000000",
        "currency": "JPY",
        "target_date": "",
        "notes": "",
        "owner": deal.owner_id,
        "version": deal.version,
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


# --- Who sees the forms, who may post them --------------------------------------------------


def _form_actions(deal, mou, planned, running) -> list[str]:
    kpi = planned.kpis.get()
    return [
        f'action="/partnerships/{deal.pk}/pilots/"',
        f'action="/pilots/{planned.pk}/start/"',
        f'action="/pilots/{running.pk}/complete/"',
        f'action="/pilots/{planned.pk}/cancel/"',
        f'action="/pilots/{planned.pk}/milestones/"',
        f'action="/pilots/{planned.pk}/kpis/"',
        f'action="/kpis/{kpi.pk}/record/"',
        f'action="/mous/{mou.pk}/terminate/"',
        f'href="/partnerships/{deal.pk}/edit/"',
    ]


def test_the_teams_business_developer_sees_every_new_form(client_a, deal, mou, planned, running):
    html = _html(client_a.get(f"/partnerships/{deal.pk}/"))

    missing = [a for a in _form_actions(deal, mou, planned, running) if a not in html]
    assert missing == []


@pytest.mark.parametrize(
    ("viewer", "message"), [("integrator_a", INTEGRATOR_REFUSAL), ("pm", PM_REFUSAL)]
)
def test_integrators_and_program_managers_see_the_page_without_forms(
    client, users, deal, mou, planned, running, viewer, message
):
    page = _as(client, users[viewer]).get(f"/partnerships/{deal.pk}/")

    assert page.status_code == 200
    assert page.context["can_change"] is False
    html = _html(page)
    shown = [a for a in _form_actions(deal, mou, planned, running) if a in html]
    assert shown == []
    assert f'action="/partnerships/{deal.pk}/transition/"' not in html
    assert f'<p class="note">{message}</p>'.replace("'", "&#x27;") in html
    assert "Operators trained" in html


def _posts(deal, mou, planned, running) -> dict[str, tuple[str, dict]]:
    """One valid request to each form, so that only who sends it can be the reason to refuse."""
    kpi = planned.kpis.get()
    milestone = planned.milestones.get()
    return {
        "plan pilot": (f"/partnerships/{deal.pk}/pilots/", {"pilot-new-objective": "Another"}),
        "start": (f"/pilots/{planned.pk}/start/", {}),
        "complete": (f"/pilots/{running.pk}/complete/", {}),
        "cancel": (f"/pilots/{planned.pk}/cancel/", {}),
        "add milestone": (
            f"/pilots/{planned.pk}/milestones/",
            {
                f"pilot-{planned.pk}-milestone-title": "Line installed",
                f"pilot-{planned.pk}-milestone-due_on": "2026-12-20",
            },
        ),
        "add kpi": (
            f"/pilots/{planned.pk}/kpis/",
            {f"pilot-{planned.pk}-kpi-name": "Yield", f"pilot-{planned.pk}-kpi-target": "98"},
        ),
        "record kpi": (f"/kpis/{kpi.pk}/record/", {f"kpi-{kpi.pk}-record-actual": "5"}),
        "complete milestone": (f"/milestones/{milestone.pk}/complete/", {}),
        "terminate mou": (
            f"/mous/{mou.pk}/terminate/",
            {f"mou-{mou.pk}-terminate-reason": "Partner withdrew"},
        ),
        "move": (f"/partnerships/{deal.pk}/transition/", {"to": "contacted"}),
        "edit": (f"/partnerships/{deal.pk}/edit/", _edit_data(deal, title="Renamed")),
    }


POSTS = [
    "plan pilot",
    "start",
    "complete",
    "cancel",
    "add milestone",
    "add kpi",
    "record kpi",
    "complete milestone",
    "terminate mou",
    "move",
    "edit",
]


@pytest.mark.parametrize("form", POSTS)
@pytest.mark.parametrize(
    ("viewer", "status", "message"),
    [("bd_b", 404, None), ("integrator_a", 403, INTEGRATOR_REFUSAL), ("pm", 403, PM_REFUSAL)],
    ids=["another-team", "integrator", "program-manager"],
)
def test_a_post_from_anyone_but_the_team_is_refused_and_writes_nothing(
    client, users, deal, mou, planned, running, form, viewer, status, message
):
    url, data = _posts(deal, mou, planned, running)[form]
    before = _snapshot()

    response = _as(client, users[viewer]).post(url, data)

    assert response.status_code == status
    if message:
        assert response.context["message"] == message
    else:
        assert "Dicing training line" not in _html(response)
    assert _snapshot() == before


@pytest.mark.parametrize("form", POSTS)
def test_the_same_posts_from_the_teams_business_developer_write(
    client_a, deal, mou, planned, running, form
):
    url, data = _posts(deal, mou, planned, running)[form]
    before = _snapshot()

    response = client_a.post(url, data)

    assert response.status_code == 302
    assert _snapshot() != before


@pytest.mark.parametrize(("viewer", "status"), [("bd_b", 404), ("integrator_a", 403), ("pm", 403)])
def test_the_edit_page_opens_only_for_the_team(client, users, deal, viewer, status):
    assert _as(client, users[viewer]).get(f"/partnerships/{deal.pk}/edit/").status_code == status


def test_the_forms_accept_only_post(client_a, deal, planned, mou):
    kpi = planned.kpis.get()
    urls = [
        f"/partnerships/{deal.pk}/pilots/",
        f"/pilots/{planned.pk}/start/",
        f"/pilots/{planned.pk}/cancel/",
        f"/pilots/{planned.pk}/kpis/",
        f"/kpis/{kpi.pk}/record/",
        f"/mous/{mou.pk}/terminate/",
    ]

    assert [client_a.get(u).status_code for u in urls] == [405] * len(urls)


def test_a_form_posted_without_the_csrf_token_is_refused(users, deal, planned):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(users["bd_a"])
    before = _snapshot()

    plan = browser.post(f"/partnerships/{deal.pk}/pilots/", {"pilot-new-objective": "Forged"})
    cancel = browser.post(f"/pilots/{planned.pk}/cancel/", {})

    assert (plan.status_code, cancel.status_code) == (403, 403)
    assert _snapshot() == before


# --- Planning a pilot -----------------------------------------------------------------------


def test_planning_a_pilot_creates_it_and_its_timeline_event(client_a, deal, users):
    response = client_a.post(
        f"/partnerships/{deal.pk}/pilots/",
        {
            "pilot-new-objective": "Run the dicing line for a term",
            "pilot-new-owner": users["integrator_a"].pk,
            "pilot-new-starts_on": "2026-12-01",
            "pilot-new-planned_end_on": "2027-02-28",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == f"/partnerships/{deal.pk}/#pilots"
    pilot = Pilot.objects.get()
    assert (
        pilot.partnership,
        pilot.objective,
        pilot.status,
        pilot.owner,
        pilot.starts_on,
        pilot.planned_end_on,
        pilot.version,
    ) == (
        deal,
        "Run the dicing line for a term",
        "planned",
        users["integrator_a"],
        dt.date(2026, 12, 1),
        dt.date(2027, 2, 28),
        1,
    )
    assert _events(pilot) == [
        (
            "pilot_event",
            "bd_a",
            deal.pk,
            {"objective": "Run the dicing line for a term", "action": "created"},
        )
    ]
    page = client_a.get(response["Location"])
    assert [str(m) for m in page.context["messages"]] == ["Pilot planned."]
    newest = page.context["timeline"]["items"][0]
    assert (newest.heading, newest.text) == (
        "Pilot planned",
        "Run the dicing line for a term",
    )


def test_a_pilot_ending_before_it_starts_is_refused_next_to_the_end(client_a, deal):
    before = _snapshot()

    response = client_a.post(
        f"/partnerships/{deal.pk}/pilots/",
        {
            "pilot-new-objective": "Run the dicing line",
            "pilot-new-starts_on": "2026-12-01",
            "pilot-new-planned_end_on": "2026-11-30",
        },
    )

    assert response.status_code == 400
    assert response.context["pilot_form"].errors == {
        "planned_end_on": ["The planned end (2026-11-30) is before the start (2026-12-01)."]
    }
    assert '<div class="field-error" id="id_pilot-new-planned_end_on_error">' in _html(response)
    assert _snapshot() == before


def test_a_pilot_without_an_objective_is_refused(client_a, deal):
    before = _snapshot()

    response = client_a.post(f"/partnerships/{deal.pk}/pilots/", {"pilot-new-objective": " "})

    assert response.status_code == 400
    assert response.context["pilot_form"].errors == {"objective": ["This field is required."]}
    assert _snapshot() == before


# --- Starting, completing, cancelling -------------------------------------------------------


def test_starting_a_planned_pilot(client_a, deal, planned):
    response = client_a.post(
        f"/pilots/{planned.pk}/start/", {f"pilot-{planned.pk}-start-starts_on": "2026-11-26"}
    )

    assert response.status_code == 302
    assert response["Location"] == f"/partnerships/{deal.pk}/#pilot-{planned.pk}"
    planned.refresh_from_db()
    assert (planned.status, planned.starts_on, planned.version) == ("running", TODAY, 2)
    assert _events(planned)[1:] == [
        (
            "pilot_event",
            "bd_a",
            deal.pk,
            {"objective": "Train 20 operators", "action": "start", "status": "running"},
        )
    ]


def test_starting_after_the_planned_end_is_refused_next_to_the_date(client_a, planned):
    before = _snapshot()

    response = client_a.post(
        f"/pilots/{planned.pk}/start/", {f"pilot-{planned.pk}-start-starts_on": "2027-04-01"}
    )

    assert response.status_code == 400
    [shown] = response.context["pilots"]
    assert shown.start_form.errors == {
        "starts_on": [
            "The planned end (2027-03-31) is before 2027-04-01.",
            "Some milestones are due before 2027-04-01.",
        ]
    }
    assert f'id="id_pilot-{planned.pk}-start-starts_on_error"' in _html(response)
    assert _snapshot() == before


def test_starting_a_running_pilot_says_it_is_running(client_a, running):
    before = _snapshot()

    response = client_a.post(f"/pilots/{running.pk}/start/", {})

    assert response.status_code == 409
    [shown] = response.context["pilots"]
    assert shown.start_form.non_field_errors() == [
        "This pilot is Running; to start it, it must be Planned."
    ]
    assert "This pilot is Running; to start it, it must be Planned." in _html(response)
    assert _snapshot() == before


def test_completing_a_running_pilot_ends_it_today_when_no_date_is_given(client_a, deal, running):
    response = client_a.post(
        f"/pilots/{running.pk}/complete/", {f"pilot-{running.pk}-complete-actual_end_on": ""}
    )

    assert response.status_code == 302
    running.refresh_from_db()
    assert (running.status, running.actual_end_on, running.version) == ("completed", TODAY, 3)
    assert _events(running)[-1] == (
        "pilot_event",
        "bd_a",
        deal.pk,
        {"objective": "Qualify the dicing recipe", "action": "complete", "status": "completed"},
    )


def test_completing_before_the_start_is_refused_next_to_the_date(client_a, running):
    before = _snapshot()

    response = client_a.post(
        f"/pilots/{running.pk}/complete/",
        {f"pilot-{running.pk}-complete-actual_end_on": "2026-10-31"},
    )

    assert response.status_code == 400
    [shown] = response.context["pilots"]
    assert shown.complete_form.errors == {
        "actual_end_on": ["The end (2026-10-31) is before the start (2026-11-01)."]
    }
    assert _snapshot() == before


def test_cancelling_a_planned_pilot(client_a, deal, planned):
    response = client_a.post(f"/pilots/{planned.pk}/cancel/", {})

    assert response.status_code == 302
    planned.refresh_from_db()
    assert (planned.status, planned.version) == ("cancelled", 2)
    assert _events(planned)[-1] == (
        "pilot_event",
        "bd_a",
        deal.pk,
        {"objective": "Train 20 operators", "action": "cancel", "status": "cancelled"},
    )
    page = client_a.get(f"/partnerships/{deal.pk}/")
    html = _html(page)
    assert f'action="/pilots/{planned.pk}/cancel/"' not in html
    assert f'action="/pilots/{planned.pk}/kpis/"' not in html


def test_cancelling_twice_says_the_pilot_is_already_cancelled(client_a, planned):
    client_a.post(f"/pilots/{planned.pk}/cancel/", {})
    before = _snapshot()

    response = client_a.post(f"/pilots/{planned.pk}/cancel/", {})

    assert response.status_code == 409
    [shown] = response.context["pilots"]
    assert shown.cancel_form.non_field_errors() == [
        "This pilot is Cancelled; to cancel it, it must be Planned or Running or At risk."
    ]
    assert f'action="/pilots/{planned.pk}/cancel/"' in _html(response)
    assert _snapshot() == before


# --- Milestones and KPIs --------------------------------------------------------------------


def test_adding_a_milestone(client_a, deal, planned, users):
    response = client_a.post(
        f"/pilots/{planned.pk}/milestones/",
        {
            f"pilot-{planned.pk}-milestone-title": "Line installed",
            f"pilot-{planned.pk}-milestone-due_on": "2026-12-20",
            f"pilot-{planned.pk}-milestone-owner": users["bd_a"].pk,
        },
    )

    assert response.status_code == 302
    assert response["Location"] == f"/partnerships/{deal.pk}/#pilot-{planned.pk}"
    assert list(planned.milestones.values_list("title", "due_on", "done_on", "owner")) == [
        ("Syllabus agreed", dt.date(2026, 12, 10), None, None),
        ("Line installed", dt.date(2026, 12, 20), None, users["bd_a"].pk),
    ]
    added = Milestone.objects.get(title="Line installed")
    assert added.history.get().history_user == users["bd_a"]
    assert _events(added) == []  # the service records a milestone on the timeline when done


def test_a_milestone_due_before_the_pilot_starts_is_refused_next_to_the_date(client_a, planned):
    before = _snapshot()

    response = client_a.post(
        f"/pilots/{planned.pk}/milestones/",
        {
            f"pilot-{planned.pk}-milestone-title": "Kick-off",
            f"pilot-{planned.pk}-milestone-due_on": "2026-11-30",
        },
    )

    assert response.status_code == 400
    [shown] = response.context["pilots"]
    assert shown.milestone_form.errors == {
        "due_on": ["Due 2026-11-30 is before the pilot starts (2026-12-01)."]
    }
    assert f'id="id_pilot-{planned.pk}-milestone-due_on_error"' in _html(response)
    assert _snapshot() == before


def test_adding_a_kpi(client_a, planned, users):
    response = client_a.post(
        f"/pilots/{planned.pk}/kpis/",
        {
            f"pilot-{planned.pk}-kpi-name": "Yield",
            f"pilot-{planned.pk}-kpi-target": "98.5",
            f"pilot-{planned.pk}-kpi-unit": "%",
        },
    )

    assert response.status_code == 302
    assert list(planned.kpis.values_list("name", "target", "actual", "unit")) == [
        ("Operators trained", Decimal("20"), None, "people"),
        ("Yield", Decimal("98.5"), None, "%"),
    ]


def test_a_kpi_named_like_another_of_the_pilot_is_refused_next_to_the_name(client_a, planned):
    before = _snapshot()

    response = client_a.post(
        f"/pilots/{planned.pk}/kpis/",
        {
            f"pilot-{planned.pk}-kpi-name": "Operators trained",
            f"pilot-{planned.pk}-kpi-target": "30",
        },
    )

    assert response.status_code == 409
    [shown] = response.context["pilots"]
    assert shown.kpi_form.errors == {"name": ["Already used on this pilot."]}
    assert _snapshot() == before


def test_recording_a_kpi_value_shows_it_on_the_page(client_a, deal, planned, users):
    kpi = planned.kpis.get()

    response = client_a.post(f"/kpis/{kpi.pk}/record/", {f"kpi-{kpi.pk}-record-actual": "12.5"})

    assert response.status_code == 302
    assert response["Location"] == f"/partnerships/{deal.pk}/#pilot-{planned.pk}"
    kpi.refresh_from_db()
    assert kpi.actual == Decimal("12.5")
    assert kpi.history.first().history_user == users["bd_a"]
    page = client_a.get(response["Location"])
    assert [str(m) for m in page.context["messages"]] == ["Recorded Operators trained."]
    assert '<td class="num kpi-actual">12.5</td>' in _html(page)


def test_a_kpi_value_that_is_not_a_number_is_refused_next_to_it(client_a, planned):
    kpi = planned.kpis.get()
    before = _snapshot()

    response = client_a.post(f"/kpis/{kpi.pk}/record/", {f"kpi-{kpi.pk}-record-actual": "many"})

    assert response.status_code == 400
    [shown] = response.context["pilots"]
    assert shown.kpi_rows[0].record_form.errors == {"actual": ["Enter a number."]}
    assert f'id="id_kpi-{kpi.pk}-record-actual_error"' in _html(response)
    assert _snapshot() == before


# --- Terminating an MoU ---------------------------------------------------------------------


def test_terminating_an_mou(client_a, deal, mou):
    response = client_a.post(
        f"/mous/{mou.pk}/terminate/", {f"mou-{mou.pk}-terminate-reason": " Partner withdrew "}
    )

    assert response.status_code == 302
    assert response["Location"] == f"/partnerships/{deal.pk}/#mou-{mou.pk}"
    before_version = mou.version
    mou.refresh_from_db()
    assert (mou.status, mou.version) == ("terminated", before_version + 1)
    assert _events(mou)[-1] == (
        "mou_event",
        "bd_a",
        deal.pk,
        {"action": "terminated", "title": "Training MoU", "reason": "Partner withdrew"},
    )
    page = client_a.get(response["Location"])
    assert f'action="/mous/{mou.pk}/terminate/"' not in _html(page)
    newest = page.context["timeline"]["items"][0]
    assert (newest.heading, newest.detail) == (
        "MoU terminated",
        "Partner withdrew",
    )


def test_terminating_without_a_reason_is_refused_next_to_the_reason(client_a, mou):
    before = _snapshot()

    response = client_a.post(f"/mous/{mou.pk}/terminate/", {f"mou-{mou.pk}-terminate-reason": ""})

    assert response.status_code == 400
    [shown] = response.context["mous"]
    assert shown.terminate_form.errors == {"reason": ["Say why the MoU is terminated."]}
    assert f'id="id_mou-{mou.pk}-terminate-reason_error"' in _html(response)
    assert _snapshot() == before


def test_terminating_a_terminated_mou_says_so(client_a, mou):
    data = {f"mou-{mou.pk}-terminate-reason": "Partner withdrew"}
    client_a.post(f"/mous/{mou.pk}/terminate/", data)
    before = _snapshot()

    response = client_a.post(f"/mous/{mou.pk}/terminate/", data)

    assert response.status_code == 409
    [shown] = response.context["mous"]
    assert shown.terminate_form.non_field_errors() == [
        "This MoU is Terminated; that action needs one that is "
        "Signed or Active or Draft or Negotiating."
    ]
    assert _snapshot() == before


# --- Editing the partnership ----------------------------------------------------------------


def test_the_edit_page_starts_from_the_stored_values(client_a, deal, users):
    response = client_a.get(f"/partnerships/{deal.pk}/edit/")

    form = response.context["form"]
    assert response.status_code == 200
    assert {k: form[k].value() for k in ("title", "initiatives", "owner", "version")} == {
        "title": "Dicing training line",
        "initiatives": ["T6-01"],
        "owner": users["bd_a"].pk,
        "version": 1,
    }
    assert '<input type="hidden" name="version" value="1" id="id_version">' in _html(response)


def test_editing_a_partnership_saves_every_field(client_a, deal, users, team_a):
    hcmut = factories.institution("Ho Chi Minh City University of Technology", country="VN")
    events = TimelineEvent.objects.count()

    response = client_a.post(
        f"/partnerships/{deal.pk}/edit/",
        _edit_data(
            deal,
            title="Dicing academy",
            counterparts=[hcmut.pk],
            partnership_type="joint_rd_centre",
            initiatives=["T6-01", "T3-01"],
            priority_country="VN",
            expected_value="",
            currency="",
            target_date="2027-06-30",
            notes="Second site",
            owner=users["integrator_a"].pk,
        ),
    )

    assert response.status_code == 302
    assert response["Location"] == f"/partnerships/{deal.pk}/"
    p = Partnership.objects.get()
    assert (
        p.title,
        p.partnership_type.code,
        p.priority_country.iso2,
        p.expected_value,
        p.currency,
        p.target_date,
        p.notes,
        p.owner,
        p.stage,
        p.version,
    ) == (
        "Dicing academy",
        "joint_rd_centre",
        "VN",
        None,
        "",
        dt.date(2027, 6, 30),
        "Second site",
        users["integrator_a"],
        "identified",
        2,
    )
    assert [o.pk for o in p.counterparts.all()] == [hcmut.pk]
    assert sorted(i.code for i in p.initiatives.all()) == ["T3-01", "T6-01"]
    assert p.history.first().history_user == users["bd_a"]
    assert TimelineEvent.objects.count() == events  # partnership_update records no event
    page = client_a.get(response["Location"])
    assert [str(m) for m in page.context["messages"]] == ["Partnership saved."]


def test_an_expected_value_without_a_currency_is_refused_next_to_the_currency(client_a, deal):
    before = _snapshot()

    response = client_a.post(
        f"/partnerships/{deal.pk}/edit/", _edit_data(deal, expected_value="5000", currency="")
    )

    assert response.status_code == 400
    assert response.context["form"].errors == {
        "currency": ["Give the currency of the expected value."]
    }
    assert '<div class="field-error" id="id_currency_error">' in _html(response)
    assert _snapshot() == before


def test_saving_over_someone_elses_change_is_refused_with_a_message(client_a, deal, users):
    stale = _edit_data(deal, title="My title")
    partnership_update(actor=users["integrator_a"], partnership=deal, title="Their title")
    before = _snapshot()

    response = client_a.post(f"/partnerships/{deal.pk}/edit/", stale)

    assert response.status_code == 409
    assert response.context["form"].non_field_errors() == [
        "This partnership was changed by someone else (you edited version 1, it is now at "
        "version 2). Reload it and apply your change again."
    ]
    assert 'role="alert"' in _html(response)
    assert _snapshot() == before
    assert Partnership.objects.get().title == "Their title"


def test_an_edit_without_the_version_it_was_drawn_from_is_refused(client_a, deal):
    before = _snapshot()

    response = client_a.post(
        f"/partnerships/{deal.pk}/edit/", _edit_data(deal, title="X", version=None)
    )

    assert response.status_code == 400
    assert response.context["form"].non_field_errors() == [
        "This form lacks the version you read; reload the page and try again."
    ]
    assert _snapshot() == before


def test_an_initiative_retired_since_it_was_chosen_stays_on_offer_and_is_kept(client_a, deal):
    Initiative.objects.filter(code="T6-01").update(status=Initiative.Status.RETIRED)

    page = client_a.get(f"/partnerships/{deal.pk}/edit/")
    response = client_a.post(f"/partnerships/{deal.pk}/edit/", _edit_data(deal, notes="Kept"))

    retired = page.context["form"].fields["initiatives"].choices[-1]
    assert (retired[0], [code for code, _label in retired[1]]) == ("Retired", ["T6-01"])
    assert response.status_code == 302
    p = Partnership.objects.get()
    assert (p.notes, [i.code for i in p.initiatives.all()]) == ("Kept", ["T6-01"])
