"""Recomputing suggestions and deciding on them, through the services, on the database."""

import datetime as dt

import pytest
import time_machine

from engagement.actors import LOADER
from engagement.errors import Conflict, NotPermitted, ValidationFailed
from engagement.models import Partnership, Stage, StageChange, TimelineEvent
from engagement.services.directory import organization_update
from engagement.services.partnerships import partnership_transition
from matching.models import (
    MatchDecision,
    MatchingPreference,
    MatchSuggestion,
    SuggestionStatus,
)
from matching.selectors import explain, explanation_labels, suggestions_visible
from matching.services.decisions import match_accept, match_reject, match_snooze
from matching.services.recompute import (
    matches_recompute,
    matches_recompute_companies,
    matches_recompute_counterpart,
)
from tests import factories

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 26, 1, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 11, 26)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def penang(db):
    return factories.institution(
        "Penang Development Corporation",
        country="MY",
        org_type="industrial_park",
        needs=["EQP.SERVICE", "MFG.ATP", "DES.IC"],
        thrusts=["T3"],
        description="Back-end cluster: assembly and test plants in Bayan Lepas",
    )


@pytest.fixture
def usm(db):
    return factories.institution(
        "Universiti Sains Malaysia",
        country="MY",
        needs=["EQP.DICING", "TAL.TRAINING"],
        thrusts=["T6"],
    )


@pytest.fixture
def closed(db):
    return factories.institution(
        "Closed Fab", country="MY", needs=["EQP.DICING"], thrusts=["T3"], accepting_partners=False
    )


@pytest.fixture
def directory(disco, tel, penang, usm, closed):
    organization_update(
        actor=LOADER,
        organization=disco,
        thrusts=["T1", "T3", "T6"],
        priority_countries=["MY", "VN"],
    )
    organization_update(actor=LOADER, organization=tel, thrusts=["T1"], priority_countries=["SG"])
    return disco


def _suggestions(company, **filters):
    return list(MatchSuggestion.objects.filter(company=company, **filters).order_by("rank"))


def _org_pairs(company, status="new"):
    return [
        (s.rank, s.organization.name if s.organization_id else s.counterpart.code)
        for s in _suggestions(company, status=status)
    ]


# --- Recompute -----------------------------------------------------------------------------


def test_a_recompute_ranks_partners_with_components_and_reasons(directory, penang, usm, team_a):
    report = matches_recompute(company=directory)

    rows = _suggestions(directory)
    assert report.companies == 1
    assert report.suggestions == len(rows) > 0
    assert [r.rank for r in rows] == list(range(1, len(rows) + 1))
    assert [r.score for r in rows] == sorted((r.score for r in rows), reverse=True)
    top = next(r for r in rows if r.organization_id == penang.pk)
    assert top.team == team_a
    assert top.model_version == 1
    assert top.generated_at == NOW
    assert set(top.components) == {
        "capability",
        "text",
        "capability_back",
        "thrust",
        "country",
        "relationship",
        "implementation",
    }
    assert top.components["country"]["value"] == 1.0
    assert top.components["capability_back"] == {"value": None, "contribution": 0.0}
    assert sum(c["contribution"] for c in top.components.values()) == pytest.approx(
        top.score, abs=1e-3
    )
    assert top.reasons["give"] == ["EQP.SERVICE"]
    assert top.reasons["supplies"] == [["EQP.DICING", "MFG.ATP"]]
    text = explain(top, "en", explanation_labels()).text
    assert text == (
        "Penang Development Corporation is an industrial park or economic zone in Malaysia, a "
        "member state you prioritise: a route to investment incentives. You offer equipment "
        "service, maintenance and leasing, which Penang Development Corporation needs. Penang "
        "Development Corporation needs assembly, test and packaging (OSAT), which your dicing, "
        "grinding and polishing equipment can serve."
    )
    assert explain(top, "ja", explanation_labels()).reasons[0] == (
        "Penang Development Corporationは御社が重視するマレーシアの工業団地・経済特区"
        "で、投資・優遇措置の窓口となる"
    )


def test_an_institution_not_accepting_partners_is_never_suggested(directory, closed):
    matches_recompute(company=directory)

    assert not MatchSuggestion.objects.filter(organization=closed).exists()


def test_recomputing_replaces_new_suggestions_and_keeps_decided_ones(directory, users, penang):
    matches_recompute(company=directory)
    first = _suggestions(directory)
    decided = first[0]
    match_reject(actor=users["bd_a"], suggestion=decided, reason="not_relevant")

    matches_recompute(company=directory)

    again = _suggestions(directory, status="new")
    assert MatchSuggestion.objects.get(pk=decided.pk).status == "rejected"
    assert decided.pk not in {s.pk for s in again}
    pairs = {(s.kind, s.counterpart_id) for s in again}
    assert (decided.kind, decided.counterpart_id) not in pairs
    assert {(s.kind, s.counterpart_id) for s in first[1:]} <= pairs
    assert not ({s.pk for s in again} & {s.pk for s in first[1:]})  # fresh rows


def test_a_full_recompute_covers_every_company(directory, tel):
    report = matches_recompute_companies()

    assert report.companies == 2
    assert MatchSuggestion.objects.filter(company=tel).exists()
    assert report.suggestions == MatchSuggestion.objects.count()


def test_the_top_k_per_kind_is_configurable(directory, settings):
    settings.MATCH_TOP_ORGANIZATIONS = 1
    settings.MATCH_TOP_INITIATIVES = 2

    matches_recompute(company=directory)

    rows = _suggestions(directory)
    assert sum(1 for r in rows if r.organization_id) == 1
    assert sum(1 for r in rows if r.initiative_id) == 2


def test_countries_and_types_a_company_rules_out_are_filtered(directory, penang, usm):
    pref = MatchingPreference.objects.create(company=directory)
    pref.excluded_org_types.set([penang.org_type])

    matches_recompute(company=directory)

    names = {n for _r, n in _org_pairs(directory)}
    assert penang.name not in names
    assert usm.name in names


def test_an_open_partnership_is_not_suggested_again_but_a_lost_one_is(
    directory, penang, team_a, users
):
    deal = factories.partnership(team_a, actor=users["bd_a"], counterparts=[penang])
    matches_recompute(company=directory)
    assert not MatchSuggestion.objects.filter(organization=penang).exists()

    partnership_transition(actor=users["bd_a"], partnership=deal, to="lost", reason="No budget")
    matches_recompute(company=directory)

    assert MatchSuggestion.objects.filter(organization=penang, status="new").exists()


def test_past_engagements_make_the_relationship_signal(directory, penang, team_a, users):
    factories.engagement(team_a, actor=users["bd_a"], organizations=[penang])

    matches_recompute(company=directory)

    row = MatchSuggestion.objects.get(organization=penang)
    assert row.components["relationship"]["value"] == 0.5
    assert row.reasons["engaged"] is True


# --- Rejections, snoozes and material changes -----------------------------------------------


def test_a_rejected_pair_stays_away_until_a_profile_changes_materially(directory, penang, users):
    matches_recompute(company=directory)
    match_reject(
        actor=users["bd_a"],
        suggestion=MatchSuggestion.objects.get(organization=penang),
        reason="not_relevant",
    )

    organization_update(actor=LOADER, organization=penang, website="https://pdc.example.my")
    matches_recompute(company=directory)
    assert not MatchSuggestion.objects.filter(organization=penang, status="new").exists()

    organization_update(
        actor=LOADER, organization=penang, needs=["EQP.SERVICE", "MFG.ATP", "EQP.TEST"]
    )
    matches_recompute(company=directory)
    assert MatchSuggestion.objects.filter(organization=penang, status="new").exists()


def test_a_rejection_expires_after_the_cooldown(directory, penang, users, settings):
    matches_recompute(company=directory)
    match_reject(
        actor=users["bd_a"],
        suggestion=MatchSuggestion.objects.get(organization=penang),
        reason="no_capacity",
    )

    with time_machine.travel(NOW + dt.timedelta(days=settings.MATCH_REJECTION_COOLDOWN_DAYS + 1)):
        matches_recompute(company=directory)

    assert MatchSuggestion.objects.filter(organization=penang, status="new").exists()


def test_a_snoozed_suggestion_waits_for_its_date_and_then_competes_again(directory, penang, users):
    matches_recompute(company=directory)
    row = MatchSuggestion.objects.get(organization=penang)
    match_snooze(actor=users["bd_a"], suggestion=row, until=TODAY + dt.timedelta(days=7))

    matches_recompute(company=directory)
    assert list(
        MatchSuggestion.objects.filter(organization=penang).values_list("pk", "status")
    ) == [(row.pk, "snoozed")]

    with time_machine.travel(NOW + dt.timedelta(days=7)):
        matches_recompute(company=directory)
    assert list(MatchSuggestion.objects.filter(organization=penang).values_list("status")) == [
        ("new",)
    ]
    decision = MatchDecision.objects.get(decision="snoozed")
    assert (decision.suggestion, decision.snoozed_until) == (None, TODAY + dt.timedelta(days=7))


def test_an_institution_edit_reaches_the_companies_it_now_suits(directory, tel, team_a):
    fab = factories.institution("Kulim Fab", country="SG", needs=["DES.IC"], thrusts=["T1"])
    matches_recompute_companies()
    assert not MatchSuggestion.objects.filter(organization=fab, company=tel).exists()

    organization_update(actor=LOADER, organization=fab, needs=["EQP.ETCH", "EQP.DEP"])
    report = matches_recompute_counterpart(organization=fab)

    assert report.companies >= 1
    assert MatchSuggestion.objects.filter(organization=fab, company=tel, status="new").exists()


# --- Accept ----------------------------------------------------------------------------------


def test_accepting_opens_a_partnership_for_the_team_and_links_it_back(
    directory, penang, users, team_a
):
    matches_recompute(company=directory)
    row = MatchSuggestion.objects.get(organization=penang)

    match_accept(actor=users["bd_a"], suggestion=row)

    row.refresh_from_db()
    deal = Partnership.objects.get()
    assert (row.status, row.partnership, row.decided_by, row.decided_at) == (
        "accepted",
        deal,
        users["bd_a"],
        NOW,
    )
    assert (deal.team, deal.company, deal.stage, deal.owner) == (
        team_a,
        directory,
        Stage.IDENTIFIED,
        users["bd_a"],
    )
    assert deal.partnership_type.code == "service_hub"  # it offers the service PDC needs
    assert list(deal.counterparts.all()) == [penang]
    assert deal.priority_country.iso2 == "MY"
    assert deal.title == "DISCO × Penang Development Corporation"
    decision = MatchDecision.objects.get()
    assert (decision.decision, decision.team, decision.partnership, decision.decided_by) == (
        "accepted",
        team_a,
        deal,
        users["bd_a"],
    )
    assert decision.components["capability"] == row.components["capability"]["value"]
    assert TimelineEvent.objects.filter(partnership=deal, kind="partnership_created").exists()


def test_accepting_twice_opens_one_partnership(directory, penang, users):
    matches_recompute(company=directory)
    row = MatchSuggestion.objects.get(organization=penang)
    match_accept(actor=users["bd_a"], suggestion=row)

    with pytest.raises(Conflict, match="already accepted"):
        match_accept(actor=users["bd_a"], suggestion=row)

    assert Partnership.objects.count() == 1
    assert MatchDecision.objects.count() == 1


def test_a_program_manager_accepts_for_the_company_team(directory, penang, users, team_a):
    matches_recompute(company=directory)
    row = MatchSuggestion.objects.get(organization=penang)

    match_accept(
        actor=users["pm"], suggestion=row, partnership_type="pilot_project", title="Pilot line"
    )

    deal = Partnership.objects.get()
    assert (deal.team, deal.owner, deal.partnership_type.code, deal.title) == (
        team_a,
        None,
        "pilot_project",
        "Pilot line",
    )
    assert StageChange.objects.get(partnership=deal).to_stage == "identified"
    assert MatchDecision.objects.get().decided_by == users["pm"]


def test_accepting_for_a_company_without_a_team_is_refused_clearly(directory, penang, users):
    orphan = factories.company("Orphan Materials", org_type="materials_chemicals")
    organization_update(
        actor=LOADER,
        organization=orphan,
        capabilities=["EQP.SERVICE"],
        thrusts=["T3"],
        priority_countries=["MY"],
    )
    matches_recompute(company=orphan)
    row = MatchSuggestion.objects.get(company=orphan, organization=penang)

    with pytest.raises(Conflict, match="Orphan Materials has no business-development team"):
        match_accept(actor=users["pm"], suggestion=row)

    row.refresh_from_db()
    assert row.status == "new"
    assert not Partnership.objects.exists()
    assert not MatchDecision.objects.exists()


def test_accepting_an_initiative_names_the_institution_to_approach(directory, penang, users):
    matches_recompute(company=directory)
    row = MatchSuggestion.objects.filter(company=directory, initiative__isnull=False).first()

    with pytest.raises(ValidationFailed) as refused:
        match_accept(actor=users["bd_a"], suggestion=row)
    assert "counterparts" in refused.value.errors

    match_accept(actor=users["bd_a"], suggestion=row, counterparts=[penang.pk])
    deal = Partnership.objects.get()
    assert [i.code for i in deal.initiatives.all()] == [row.initiative.code]
    assert list(deal.counterparts.all()) == [penang]


def test_another_team_and_an_integrator_may_not_decide(directory, penang, users):
    matches_recompute(company=directory)
    row = MatchSuggestion.objects.get(organization=penang)

    for who in ("bd_b", "integrator_a"):
        with pytest.raises(NotPermitted):
            match_reject(actor=users[who], suggestion=row, reason="not_relevant")

    row.refresh_from_db()
    assert row.status == "new"
    assert not MatchDecision.objects.exists()


# --- Reject and snooze ----------------------------------------------------------------------


def test_a_rejection_needs_a_listed_reason_and_a_note_for_other(directory, penang, users):
    matches_recompute(company=directory)
    row = MatchSuggestion.objects.get(organization=penang)

    with pytest.raises(ValidationFailed) as unknown:
        match_reject(actor=users["bd_a"], suggestion=row, reason="meh")
    with pytest.raises(ValidationFailed) as other:
        match_reject(actor=users["bd_a"], suggestion=row, reason="other")
    assert set(unknown.value.errors) == {"reason"}
    assert set(other.value.errors) == {"note"}
    assert MatchSuggestion.objects.get(pk=row.pk).status == "new"

    match_reject(actor=users["bd_a"], suggestion=row, reason="other", note="Sister company")
    decision = MatchDecision.objects.get()
    assert (decision.decision, decision.reason, decision.note, decision.decided_at) == (
        "rejected",
        "other",
        "Sister company",
        NOW,
    )


def test_a_snooze_ends_at_midnight_in_tokyo(directory, penang, users):
    matches_recompute(company=directory)
    row = MatchSuggestion.objects.get(organization=penang)
    match_snooze(actor=users["bd_a"], suggestion=row, until=dt.date(2026, 12, 3))

    # 23:30 JST on 2 December, then 00:30 JST on the 3rd (still the 2nd in UTC).
    with time_machine.travel(dt.datetime(2026, 12, 2, 14, 30, tzinfo=dt.UTC)):
        matches_recompute(company=directory)
        before = MatchSuggestion.objects.get(organization=penang).status
    with time_machine.travel(dt.datetime(2026, 12, 2, 15, 30, tzinfo=dt.UTC)):
        matches_recompute(company=directory)
        after = MatchSuggestion.objects.get(organization=penang).status

    assert (before, after) == ("snoozed", "new")


def test_a_snooze_date_is_after_today_and_within_a_year(directory, penang, users):
    matches_recompute(company=directory)
    row = MatchSuggestion.objects.get(organization=penang)

    for until in (TODAY, TODAY + dt.timedelta(days=400)):
        with pytest.raises(ValidationFailed):
            match_snooze(actor=users["bd_a"], suggestion=row, until=until)

    match_snooze(actor=users["bd_a"], suggestion=row, until=TODAY + dt.timedelta(days=1))
    row.refresh_from_db()
    assert (row.status, row.snoozed_until) == ("snoozed", TODAY + dt.timedelta(days=1))


# --- Who sees what -------------------------------------------------------------------------


def test_a_bd_member_sees_only_their_company_suggestions(directory, tel, users, team_a, team_b):
    matches_recompute_companies()

    mine = suggestions_visible(user=users["bd_a"])
    theirs = suggestions_visible(user=users["bd_b"])

    assert {s.company_id for s in mine} == {directory.pk}
    assert {s.company_id for s in theirs} == {tel.pk}
    assert suggestions_visible(user=users["pm"]).count() == MatchSuggestion.objects.count()


def test_a_profile_edit_is_seen_by_the_next_recompute(directory, penang):
    matches_recompute(company=directory)
    before = MatchSuggestion.objects.get(organization=penang).score

    organization_update(actor=LOADER, organization=penang, needs=["EQP.SERVICE"])
    matches_recompute(company=directory)

    after = MatchSuggestion.objects.get(organization=penang, status="new")
    assert after.score > before
    assert after.components["capability"]["value"] == 1.0
    assert after.status == SuggestionStatus.NEW


def test_a_snooze_taken_while_a_recompute_scores_is_kept_and_not_duplicated(
    directory, penang, users, monkeypatch
):
    from matching.services import recompute

    matches_recompute(company=directory)
    row = MatchSuggestion.objects.get(organization=penang)
    real = recompute._rows

    def snoozed_meanwhile(*args, **kwargs):
        out = real(*args, **kwargs)
        if MatchSuggestion.objects.filter(pk=row.pk, status="new").exists():
            match_snooze(actor=users["bd_a"], suggestion=row, until=TODAY + dt.timedelta(days=7))
        return out

    monkeypatch.setattr(recompute, "_rows", snoozed_meanwhile)
    matches_recompute(company=directory)

    assert list(
        MatchSuggestion.objects.filter(organization=penang).values_list("pk", "status")
    ) == [(row.pk, "snoozed")]


def test_deciding_on_a_suggestion_a_recompute_replaced_says_to_reload(directory, penang, users):
    matches_recompute(company=directory)
    old = MatchSuggestion.objects.get(organization=penang)
    matches_recompute(company=directory)

    with pytest.raises(Conflict, match="replaced by a newer recompute"):
        match_reject(actor=users["bd_a"], suggestion=old, reason="competitor")

    assert not MatchDecision.objects.exists()
