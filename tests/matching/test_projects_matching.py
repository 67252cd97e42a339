"""Projects and incentives as counterparts: a plant is worth most to an equipment maker while
it is built and equipped, a design house gets no production plant, an incentive of a member
state reaches only the companies that are or mean to be there, a deadline passed never; the API
names them, competitors do not see them, and they are accepted and rejected like the others."""

import datetime as dt

import pytest
import time_machine

from engagement.actors import LOADER
from engagement.models import Incentive, Project
from engagement.services.directory import organization_update
from engagement.services.projects import incentive_update, project_phase_change
from matching import roles
from matching.baseline import rank_loop
from matching.evaluation import reference_from_csv
from matching.features import COMPANY, INCENTIVE, PROJECT, Profile
from matching.models import MatchDecision, MatchRecomputeRequest, MatchSuggestion
from matching.scoring import DEFAULT_LIMITS, Engine, Request
from matching.services.background import matches_recompute_due
from matching.services.decisions import match_accept, match_reject
from matching.services.recompute import matches_recompute
from matching.services.strategy import matching_strategy_update
from tests import factories

TODAY = dt.date(2026, 6, 1)
NOW = dt.datetime(2026, 6, 1, 1, 0, tzinfo=dt.UTC)
URL = "/api/v1/match-suggestions/"


@pytest.fixture(scope="module")
def taxonomy():
    return reference_from_csv()[0]


def _company(org_type="equipment", offers=("EQP.DEP",), **kw):
    return Profile(
        key="C",
        kind=COMPANY,
        org_type=org_type,
        offers=frozenset(offers),
        thrusts=frozenset({"T1"}),
        priority_countries=frozenset(kw.pop("priority", {"MY"})),
        presence_countries=frozenset(kw.pop("presence", set())),
        **kw,
    )


def _project(key, phase, as_of="2026-01-01", year=0, kind="front_end_fab", needs=("EQP.DEP",)):
    return Profile(
        key=key,
        kind=PROJECT,
        country="MY",
        needs=frozenset(needs),
        subtype=kind,
        phase=phase,
        phase_as_of=as_of,
        production_year=year,
    )


def _incentive(key, country="MY", deadline=""):
    return Profile(
        key=key,
        kind=INCENTIVE,
        country=country,
        needs=frozenset({"EQP.DEP"}),
        thrusts=frozenset({"T1"}),
        subtype="grant",
        deadline=deadline,
    )


def _rank(taxonomy, company, projects=(), incentives=()):
    e = Engine(taxonomy, [company], {PROJECT: list(projects), INCENTIVE: list(incentives)})
    request = Request(as_of=TODAY, limits={**DEFAULT_LIMITS, PROJECT: 10, INCENTIVE: 10})
    ranked = e.rank(request=request)["C"]
    looped = rank_loop(e, ["C"], request)["C"]
    # The per-pair reference reads the same rules, number for number.
    assert [(m.counterpart, round(m.score, 5)) for m in ranked] == [
        (m.counterpart, round(m.score, 5)) for m in looped
    ]
    return ranked


# --- The engine ------------------------------------------------------------------------------


def test_an_equipment_maker_gets_the_fab_tooling_in_soon_above_one_in_production(taxonomy):
    ranked = _rank(
        taxonomy,
        _company(),
        [
            _project("PRODUCING", "production", year=2020),
            _project("TOOL-IN", "tool_in", as_of="2026-01-01"),
            _project("BUILT-LATE", "construction", year=2031),
            _project("ANNOUNCED", "announced"),
            _project("TOOLED-2023", "tool_in", as_of="2023-01-01"),
        ],
    )

    assert [(m.counterpart, m.values["role"]) for m in ranked] == [
        ("TOOL-IN", pytest.approx(1.0)),
        ("BUILT-LATE", pytest.approx(0.8)),
        ("ANNOUNCED", pytest.approx(0.7)),
        ("TOOLED-2023", pytest.approx(0.6)),
        ("PRODUCING", pytest.approx(0.3)),
    ]
    assert ranked[-1].score == pytest.approx(ranked[0].score * 0.3, abs=1e-5)
    assert [m.values["capability"] for m in ranked] == [pytest.approx(1.0)] * 5


def test_a_construction_whose_tools_go_in_within_24_months_counts_in_full(taxonomy):
    # Production in 2028: tools in mid-2027, 13 months from today.
    ranked = _rank(taxonomy, _company(), [_project("SOON", "construction", year=2028)])

    assert [(m.counterpart, m.values["role"]) for m in ranked] == [("SOON", pytest.approx(1.0))]


def test_a_design_house_gets_no_front_end_fab_but_an_r_and_d_centre(taxonomy):
    design = _company(org_type="design_ip", offers=("DES.IC",))
    fab = _project("FAB", "construction", year=2027, needs=("DES.IC",))
    centre = _project("CENTRE", "construction", year=2027, kind="r_and_d", needs=("DES.IC",))

    ranked = _rank(taxonomy, design, [fab, centre])

    assert [(m.counterpart, m.values["role"]) for m in ranked] == [("CENTRE", pytest.approx(0.4))]


def test_a_project_where_the_company_is_not_counts_its_country_free_share(taxonomy):
    ranked = _rank(taxonomy, _company(priority={"VN"}), [_project("TOOL-IN", "tool_in")])

    assert [(m.counterpart, m.values["role"]) for m in ranked] == [("TOOL-IN", pytest.approx(0.7))]


def test_an_incentive_where_the_company_has_no_presence_nor_priority_is_not_suggested(taxonomy):
    ranked = _rank(
        taxonomy,
        _company(priority={"MY"}, presence={"TH"}),
        incentives=[
            _incentive("VN-GRANT", "VN"),
            _incentive("MY-GRANT", "MY"),
            _incentive("TH-GRANT", "TH"),
            _incentive("JP-GRANT", "JP"),
        ],
    )

    # Equipment makers: 0.6; rolling (no deadline): 0.9; priority 1, presence 0.8, Japanese 1.
    assert sorted((m.counterpart, m.values["role"]) for m in ranked) == [
        ("JP-GRANT", pytest.approx(0.54)),
        ("MY-GRANT", pytest.approx(0.54)),
        ("TH-GRANT", pytest.approx(0.432)),
    ]


def test_an_incentive_past_its_deadline_never_and_one_closing_soon_a_little_higher(taxonomy):
    ranked = _rank(
        taxonomy,
        _company(),
        incentives=[
            _incentive("CLOSED", deadline="2026-05-31"),
            _incentive("ROLLING"),
            _incentive("SOON", deadline="2026-08-15"),
            _incentive("LATER", deadline="2027-03-31"),
        ],
    )

    assert [(m.counterpart, m.values["role"]) for m in ranked] == [
        ("SOON", pytest.approx(0.6)),
        ("LATER", pytest.approx(0.54)),
        ("ROLLING", pytest.approx(0.54)),
    ]


def test_a_member_state_the_company_rules_out_rules_out_its_projects_and_incentives(taxonomy):
    company = _company(excluded_countries=frozenset({"MY"}))

    ranked = _rank(taxonomy, company, [_project("TOOL-IN", "tool_in")], [_incentive("JP", "JP")])

    assert [m.counterpart for m in ranked] == ["JP"]


def test_purposes_sought_rule_projects_and_incentives_in_or_out(taxonomy):
    projects, incentives = [_project("TOOL-IN", "tool_in")], [_incentive("MY-GRANT")]
    seeking = {
        "customers only": frozenset({"customer"}),
        "investment only": frozenset({"investment_incentives"}),
        "talent only": frozenset({"talent_partner"}),
    }
    kept = {}
    for label, purposes in seeking.items():
        company = _company(excluded_kinds=roles.kinds_serving_none_of(purposes))
        kept[label] = [m.counterpart for m in _rank(taxonomy, company, projects, incentives)]

    # A project is a customer (a plant being equipped); an incentive serves investment.
    assert kept == {
        "customers only": ["TOOL-IN"],
        "investment only": ["MY-GRANT"],
        "talent only": [],
    }


# --- Recompute, the API and decisions --------------------------------------------------------


@pytest.fixture(autouse=False)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def suggested(clock, disco, tel, team_a, team_b, users):
    organization_update(
        actor=LOADER, organization=disco, thrusts=["T1", "T3"], priority_countries=["MY"]
    )
    matches_recompute(company=disco)
    return MatchSuggestion.objects.filter(company=disco, project__isnull=False).order_by("rank")


def _as(api, user):
    api.force_authenticate(user)
    return api


def test_a_recompute_writes_project_and_incentive_suggestions_with_their_purpose(suggested, disco):
    rows = MatchSuggestion.objects.filter(company=disco, status="new")
    projects = [r for r in rows if r.project_id]
    incentives = [r for r in rows if r.incentive_id]

    assert {r.purpose for r in projects} == {"customer"}
    assert {r.purpose for r in incentives} == {"investment_incentives"}
    # DISCO (dicing, equipment service; Malaysia a priority): assembly and test plants being
    # built or equipped first, Malaysia's then a Singapore one, one ramping up after them, a fab
    # ramping up last.
    assert [(r.project.code, r.project.phase) for r in projects] == [
        ("MY-INTEL-PENANG-APF", "construction"),
        ("MY-ROHM-KELANTAN", "tool_in"),
        ("SG-MICRON-HBM", "construction"),
        ("MY-ASE-PENANG-P45", "ramp"),
        ("MY-INFINEON-KULIM3", "ramp"),
    ]
    # Japanese programmes, and Malaysia's: none of another member state.
    assert [r.incentive.code for r in incentives] == [
        "JP-AOTS-TRAINING-EXPERTS",
        "JP-METI-GS-FS",
        "MY-MIDA-NIF",
        "JP-JETRO-GS-ASEAN-DEMO",
    ]


def test_a_strategy_seeking_investment_only_keeps_incentives_and_drops_projects(
    suggested, disco, users
):
    matching_strategy_update(actor=users["bd_a"], company=disco, purposes=["investment_incentives"])
    matches_recompute(company=disco)
    rows = MatchSuggestion.objects.filter(company=disco, status="new")

    assert [r.project_id for r in rows if r.project_id] == []
    assert [r.incentive.code for r in rows if r.incentive_id] == [
        "JP-AOTS-TRAINING-EXPERTS",
        "JP-METI-GS-FS",
        "MY-MIDA-NIF",
        "JP-JETRO-GS-ASEAN-DEMO",
    ]


def test_the_api_lists_project_suggestions_with_their_counterpart_in_the_reader_s_language(
    api, users, suggested
):
    first = suggested[0]
    project = Project.objects.get(pk=first.project_id)

    english = _as(api, users["bd_a"]).get(URL, {"kind": "project"}).json()["results"]
    japanese = api.get(URL, {"kind": "project"}, HTTP_ACCEPT_LANGUAGE="ja").json()["results"]

    assert len(english) == 5
    assert english[0]["counterpart"] == {
        "type": "project",
        "id": project.pk,
        "name": project.name_en,
        "code": project.code,
    }
    assert japanese[0]["counterpart"]["name"] == project.name_ja
    assert english[0]["reasons"]["for"][0]["code"] == "project"
    assert english[0]["explanation"]["reasons"][0].startswith(f"{project.name_en}, a")
    assert "時点で" in japanese[0]["explanation"]["reasons"][0]


def test_a_competitor_cannot_see_another_company_s_project_suggestions(api, users, suggested):
    first = suggested[0]

    listed = _as(api, users["bd_b"]).get(URL, {"kind": "project"}).json()["results"]
    one = api.get(f"{URL}{first.pk}/")
    accept = api.post(f"{URL}{first.pk}/accept/", {}, format="json")

    assert listed == []
    assert one.status_code == 404
    assert accept.status_code == 404
    assert MatchSuggestion.objects.get(pk=first.pk).status == "new"


def test_accepting_a_project_whose_owner_the_directory_lacks_asks_whom_to_approach(
    api, users, suggested
):
    first = suggested[0]
    assert Project.objects.get(pk=first.project_id).owner_id is None
    partner = factories.institution("Penang Development Corporation", country="MY")

    refused = _as(api, users["bd_a"]).post(f"{URL}{first.pk}/accept/", {}, format="json")
    unchanged = MatchSuggestion.objects.get(pk=first.pk).status
    accepted = api.post(f"{URL}{first.pk}/accept/", {"counterparts": [partner.pk]}, format="json")

    assert refused.status_code == 422
    assert unchanged == "new"
    assert accepted.status_code == 200
    row = MatchSuggestion.objects.get(pk=first.pk)
    assert row.status == "accepted"
    assert list(row.partnership.counterparts.values_list("pk", flat=True)) == [partner.pk]
    assert row.partnership.priority_country.iso2 == "MY"
    decision = MatchDecision.objects.get(suggestion=row)
    assert (decision.decision, decision.project_id) == ("accepted", first.project_id)


def test_accepting_a_project_of_a_known_owner_opens_the_partnership_with_it(
    users, suggested, disco
):
    first = suggested[0]
    owner = factories.institution("Owner Sdn Bhd", country="MY", org_type="manufacturer")
    Project.objects.filter(pk=first.project_id).update(owner=owner)
    first.refresh_from_db()

    match_accept(actor=users["bd_a"], suggestion=first)
    matches_recompute(company=disco)

    first.refresh_from_db()
    assert list(first.partnership.counterparts.values_list("pk", flat=True)) == [owner.pk]
    # Pursued now: not suggested again while the partnership is open.
    assert not MatchSuggestion.objects.filter(
        company=disco, project_id=first.project_id, status="new"
    ).exists()


def test_rejecting_a_project_or_an_incentive_keeps_it_out_of_the_next_recompute(
    users, suggested, disco
):
    project = suggested[0]
    incentive = MatchSuggestion.objects.filter(company=disco, incentive__isnull=False).first()

    match_reject(actor=users["bd_a"], suggestion=project, reason="not_relevant")
    match_reject(actor=users["bd_a"], suggestion=incentive, reason="no_capacity")
    matches_recompute(company=disco)

    assert MatchDecision.objects.filter(decision="rejected").count() == 2
    assert not MatchSuggestion.objects.filter(
        company=disco, project_id=project.project_id, status="new"
    ).exists()
    assert not MatchSuggestion.objects.filter(
        company=disco, incentive_id=incentive.incentive_id, status="new"
    ).exists()
    assert Incentive.objects.filter(pk=incentive.incentive_id).exists()


def test_a_phase_change_recomputes_the_companies_the_project_reaches_once_due(
    users, suggested, disco, settings
):
    kulim = Project.objects.get(code="MY-INFINEON-KULIM3")
    MatchRecomputeRequest.objects.all().delete()  # the set-up's own edits

    with time_machine.travel(NOW, tick=False):
        project_phase_change(
            actor=users["pm"], project=kulim, phase="production", phase_as_of="2026-05"
        )
        project_phase_change(actor=users["pm"], project=kulim, phase="ramp", phase_as_of="2026-05")
        project_phase_change(
            actor=users["pm"], project=kulim, phase="production", phase_as_of="2026-05"
        )
    request = MatchRecomputeRequest.objects.get()
    stale = MatchSuggestion.objects.filter(project=kulim, status="new")
    due = NOW + dt.timedelta(seconds=settings.MATCH_RECOMPUTE_DELAY_SECONDS)

    assert (request.project, request.organization, request.edits, request.due_at) == (
        kulim,
        None,
        3,
        due,
    )
    assert list(stale.values_list("company__name", "stale")) == [("DISCO", True)]
    with time_machine.travel(due - dt.timedelta(seconds=1), tick=False):
        assert matches_recompute_due() == 0
    with time_machine.travel(due, tick=False):
        assert matches_recompute_due() == 1
    rows = MatchSuggestion.objects.filter(company=disco, project__isnull=False, status="new")
    # The Kulim fab in production buys few tools now: a back-end plant under construction in
    # Thailand takes its place.
    assert [r.project.code for r in rows.order_by("rank")] == [
        "MY-INTEL-PENANG-APF",
        "MY-ROHM-KELANTAN",
        "SG-MICRON-HBM",
        "MY-ASE-PENANG-P45",
        "TH-INFINEON-SAMUTPRAKAN",
    ]
    assert not MatchRecomputeRequest.objects.exists()


def test_an_incentive_edit_asks_for_one_recompute_of_what_it_reaches(users, suggested):
    nif = Incentive.objects.get(code="MY-MIDA-NIF")
    MatchRecomputeRequest.objects.all().delete()

    with time_machine.travel(NOW, tick=False):
        incentive_update(actor=users["pm"], incentive=nif, deadline="2026-06-15")

    assert list(MatchRecomputeRequest.objects.values_list("incentive__code", "edits")) == [
        ("MY-MIDA-NIF", 1)
    ]
    assert list(
        MatchSuggestion.objects.filter(incentive=nif, status="new").values_list("stale", flat=True)
    ) == [True]
