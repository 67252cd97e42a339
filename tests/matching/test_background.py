"""Background recomputes: debounced after profile edits, and the nightly run in chunks. Time is
frozen; each task is run twice to show it acts once."""

import datetime as dt

import pytest
import time_machine

from engagement.actors import LOADER
from engagement.services.directory import organization_update
from matching import tasks
from matching.models import MatchRecomputeRequest, MatchRun, MatchRunChunk, MatchSuggestion
from matching.services import background
from matching.services.background import (
    match_run_chunk,
    match_run_start,
    matches_recompute_due,
)
from matching.services.recompute import matches_recompute_companies
from tests import factories

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 11, 26, 1, 0, tzinfo=dt.UTC)


@pytest.fixture
def directory(disco, tel):
    penang = factories.institution(
        "Penang Development Corporation", needs=["EQP.SERVICE", "MFG.ATP"], thrusts=["T3"]
    )
    organization_update(actor=LOADER, organization=disco, thrusts=["T3"], priority_countries=["MY"])
    MatchRecomputeRequest.objects.all().delete()  # the set-up's own edits
    with time_machine.travel(T0 - dt.timedelta(hours=1), tick=False):
        matches_recompute_companies()
    return penang


def _count_recomputes(monkeypatch) -> list:
    calls = []
    real = background._recompute_for

    def counted(request, now):
        calls.append(request.organization_id)
        return real(request, now)

    monkeypatch.setattr(background, "_recompute_for", counted)
    return calls


def test_ten_edits_in_a_minute_make_one_request_and_mark_suggestions_stale(directory, disco):
    for second in range(0, 60, 6):
        with time_machine.travel(T0 + dt.timedelta(seconds=second), tick=False):
            organization_update(actor=LOADER, organization=disco, description=f"edit at {second}s")

    request = MatchRecomputeRequest.objects.get()
    assert (request.organization, request.edits, request.due_at) == (
        disco,
        10,
        T0 + dt.timedelta(seconds=60),
    )
    assert set(MatchSuggestion.objects.filter(company=disco).values_list("stale", flat=True)) == {
        True
    }


def test_ten_edits_cost_one_recompute_once_the_delay_is_over(directory, disco, monkeypatch):
    calls = _count_recomputes(monkeypatch)
    for second in range(0, 60, 6):
        with time_machine.travel(T0 + dt.timedelta(seconds=second), tick=False):
            organization_update(actor=LOADER, organization=disco, description=f"edit at {second}s")

    with time_machine.travel(T0 + dt.timedelta(seconds=59), tick=False):
        early = tasks.recompute_due()
    with time_machine.travel(T0 + dt.timedelta(seconds=61), tick=False):
        first = tasks.recompute_due()
        second = tasks.recompute_due()

    assert (early, first, second) == (0, 1, 0)
    assert calls == [disco.pk]
    assert not MatchRecomputeRequest.objects.exists()
    fresh = MatchSuggestion.objects.filter(company=disco, status="new")
    assert fresh.exists()
    assert set(fresh.values_list("stale", "generated_at")) == {
        (False, T0 + dt.timedelta(seconds=61))
    }


def test_an_edit_during_the_recompute_keeps_the_request_due_again(
    directory, disco, monkeypatch, settings
):
    with time_machine.travel(T0, tick=False):
        organization_update(actor=LOADER, organization=disco, description="first")
    real = background._recompute_for

    def edited_meanwhile(request, now):
        background.matching_profile_changed(organization=request.organization, now=now)
        return real(request, now)

    monkeypatch.setattr(background, "_recompute_for", edited_meanwhile)
    later = T0 + dt.timedelta(seconds=61)
    with time_machine.travel(later, tick=False):
        assert matches_recompute_due() == 1

    request = MatchRecomputeRequest.objects.get()
    assert (request.edits, request.claimed_until, request.due_at) == (
        2,
        None,
        later + dt.timedelta(seconds=settings.MATCH_RECOMPUTE_DELAY_SECONDS),
    )


def test_a_request_claimed_by_another_worker_is_left_alone(directory, disco, monkeypatch):
    calls = _count_recomputes(monkeypatch)
    with time_machine.travel(T0, tick=False):
        organization_update(actor=LOADER, organization=disco, description="edited")
    MatchRecomputeRequest.objects.update(claimed_until=T0 + dt.timedelta(minutes=10))

    with time_machine.travel(T0 + dt.timedelta(minutes=2), tick=False):
        assert matches_recompute_due() == 0
    with time_machine.travel(T0 + dt.timedelta(minutes=11), tick=False):
        assert matches_recompute_due() == 1  # the other worker died: claimable again

    assert calls == [disco.pk]


def test_an_institution_edit_recomputes_the_companies_it_concerns(
    directory, disco, tel, monkeypatch
):
    with time_machine.travel(T0, tick=False):
        organization_update(
            actor=LOADER, organization=directory, needs=["EQP.ETCH", "EQP.DEP"], thrusts=["T1"]
        )
    with time_machine.travel(T0 + dt.timedelta(minutes=2), tick=False):
        assert tasks.recompute_due() == 1

    assert MatchSuggestion.objects.filter(
        company=tel, organization=directory, status="new", generated_at=T0 + dt.timedelta(minutes=2)
    ).exists()


# --- The nightly run ------------------------------------------------------------------------


def test_a_nightly_run_is_split_into_chunks_and_started_twice_it_queues_only_what_is_left(
    directory, disco, tel
):
    run, pending = match_run_start(key="nightly-2026-11-26", chunk_size=1, now=T0)
    assert len(pending) == 2
    assert [(c.first_company_id, c.last_company_id) for c in run.chunks.all()] == [
        (disco.pk, disco.pk),
        (tel.pk, tel.pk),
    ]

    match_run_chunk(chunk_id=pending[0], now=T0)
    _again, left = match_run_start(key="nightly-2026-11-26", chunk_size=1, now=T0)

    assert left == [pending[1]]
    assert MatchRun.objects.count() == 1
    assert MatchRunChunk.objects.count() == 2


def test_a_chunk_delivered_twice_is_computed_once_and_the_run_finishes(directory, disco, tel):
    run, pending = match_run_start(key="nightly-x", chunk_size=1, now=T0)

    results = [tasks.recompute_chunk(pk) for pk in pending + pending]

    assert results[2:] == [0, 0]
    assert results[0] > 0 and results[1] > 0
    run.refresh_from_db()
    assert run.finished_at is not None
    assert all(c.done_at is not None for c in run.chunks.all())
    assert MatchSuggestion.objects.filter(company=tel, status="new").exists()


def test_the_nightly_task_queues_one_task_per_chunk_once(
    directory, monkeypatch, django_capture_on_commit_callbacks
):
    queued = []
    monkeypatch.setattr(tasks.recompute_chunk, "delay", queued.append)

    with (
        time_machine.travel(T0, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        first = tasks.nightly_recompute()
    for pk in queued:
        tasks.recompute_chunk(pk)
    with (
        time_machine.travel(T0, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        second = tasks.nightly_recompute()

    assert (first, second) == (1, 0)
    assert MatchRun.objects.get().key == "nightly-2026-11-26"


def test_a_new_organization_asks_for_a_recompute_too(db):
    with time_machine.travel(T0, tick=False):
        fab = factories.institution("Brand New Fab", needs=["EQP.ETCH"])

    request = MatchRecomputeRequest.objects.get()
    assert (request.organization, request.edits, request.due_at) == (
        fab,
        1,
        T0 + dt.timedelta(seconds=60),
    )
