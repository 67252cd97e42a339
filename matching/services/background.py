"""Recomputing in the background: debounced after profile edits, and in full every night.

- `matching_profile_changed` is called by the directory services when an organization is
  created or changed, `matching_counterpart_changed` by the project and incentive services when
  one is written or a project changes phase. Each marks the suggestions that involve the record
  stale and writes (or bumps) one MatchRecomputeRequest row per record, due
  MATCH_RECOMPUTE_DELAY_SECONDS after the first edit: ten edits in a minute cost one recompute.
  No task is scheduled with a countdown.
- `matches_recompute_due` (a beat task) claims the due rows and recomputes. A row edited again
  while it was being recomputed stays, due once more, so the last edit is never missed.
- `match_run_start` splits a full recompute into chunks of companies (id ranges); workers
  claim chunks with a conditional UPDATE, so a chunk delivered twice is computed once and a
  chunk whose worker died is claimed again after CLAIM_TIMEOUT.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from engagement.models import Incentive, Organization, OrganizationKind, Project
from matching.features import INCENTIVE, PROJECT
from matching.models import (
    MatchRecomputeRequest,
    MatchRun,
    MatchRunChunk,
    MatchSuggestion,
    SuggestionStatus,
)
from matching.services.recompute import (
    RecomputeReport,
    active_model,
    matches_recompute,
    matches_recompute_companies,
    matches_recompute_counterpart,
)

log = logging.getLogger(__name__)
CLAIM_TIMEOUT = dt.timedelta(minutes=15)
DUE_SCAN_LIMIT = 200


def _delay() -> dt.timedelta:
    return dt.timedelta(seconds=settings.MATCH_RECOMPUTE_DELAY_SECONDS)


def matching_profile_changed(*, organization: Organization, now: dt.datetime | None = None):
    """Mark the organization's suggestions stale and ask for a recompute shortly."""
    MatchSuggestion.objects.filter(status=SuggestionStatus.NEW).filter(
        Q(company=organization) | Q(organization=organization)
    ).update(stale=True)
    _ask("organization", organization, now or timezone.now())


def matching_counterpart_changed(
    *, project: Project | None = None, incentive: Incentive | None = None, now=None
):
    """A project or an incentive was written (a new phase moves its timing, a new deadline its
    urgency): mark its suggestions stale and ask for a recompute of the companies it reaches."""
    field, record = ("project", project) if project is not None else ("incentive", incentive)
    MatchSuggestion.objects.filter(status=SuggestionStatus.NEW, **{field: record}).update(
        stale=True
    )
    _ask(field, record, now or timezone.now())


def _ask(field: str, record, now: dt.datetime) -> None:
    """One request row per record: bump it, or write it due after the delay."""
    bumped = MatchRecomputeRequest.objects.filter(**{field: record})
    if bumped.update(edits=F("edits") + 1):
        return
    try:
        with transaction.atomic():
            MatchRecomputeRequest.objects.create(
                **{field: record}, due_at=now + _delay(), requested_at=now
            )
    except IntegrityError:  # a concurrent edit wrote the row first
        bumped.update(edits=F("edits") + 1)


def matching_watch_changed(*, member_state_id: int, now: dt.datetime | None = None) -> int:
    """An implementation status changed in a member state: the companies that name it a
    priority get their suggestions recomputed shortly (their implementation component may have
    moved). The same debounced requests as a profile edit, written in a few statements however
    many companies it reaches; returns how many."""
    now = now or timezone.now()
    ids = list(
        Organization.objects.filter(
            kind=OrganizationKind.JAPANESE_COMPANY, priority_countries=member_state_id
        ).values_list("pk", flat=True)
    )
    if not ids:
        return 0
    MatchSuggestion.objects.filter(status=SuggestionStatus.NEW, company_id__in=ids).update(
        stale=True
    )
    asked = MatchRecomputeRequest.objects.filter(organization_id__in=ids)
    waiting = set(asked.values_list("organization_id", flat=True))
    asked.update(edits=F("edits") + 1)
    # A row another edit creates meanwhile is due after ours commits: losing the race is fine.
    MatchRecomputeRequest.objects.bulk_create(
        [
            MatchRecomputeRequest(organization_id=pk, due_at=now + _delay(), requested_at=now)
            for pk in ids
            if pk not in waiting
        ],
        ignore_conflicts=True,
    )
    return len(ids)


def matches_recompute_due(*, now: dt.datetime | None = None, limit: int = DUE_SCAN_LIMIT) -> int:
    """Recompute for every request that is due; returns how many were handled."""
    now = now or timezone.now()
    due = MatchRecomputeRequest.objects.filter(due_at__lte=now).filter(
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    )
    handled = 0
    for pk in list(due.order_by("due_at").values_list("pk", flat=True)[:limit]):
        claimed = (
            MatchRecomputeRequest.objects.filter(pk=pk)
            .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
            .update(claimed_until=now + CLAIM_TIMEOUT)
        )
        if not claimed:
            continue  # another worker has it
        request = MatchRecomputeRequest.objects.select_related("organization").get(pk=pk)
        _recompute_for(request, now)
        # Gone only if nobody edited the organization meanwhile; otherwise due again.
        if not MatchRecomputeRequest.objects.filter(pk=pk, edits=request.edits).delete()[0]:
            MatchRecomputeRequest.objects.filter(pk=pk).update(
                claimed_until=None, due_at=now + _delay()
            )
        handled += 1
    return handled


def _recompute_for(request: MatchRecomputeRequest, now: dt.datetime) -> RecomputeReport:
    if request.project_id:
        return matches_recompute_counterpart(kind=PROJECT, key=request.project_id, now=now)
    if request.incentive_id:
        return matches_recompute_counterpart(kind=INCENTIVE, key=request.incentive_id, now=now)
    org = request.organization
    if org.kind == OrganizationKind.JAPANESE_COMPANY:
        return matches_recompute(company=org, now=now)
    return matches_recompute_counterpart(organization=org, now=now)


# --- The nightly full recompute, in chunks ------------------------------------------------------


def match_run_start(
    *, key: str, chunk_size: int = 500, now: dt.datetime | None = None
) -> tuple[MatchRun, list[int]]:
    """Create the run `key` and its chunks (once), and answer the chunks still to do: a second
    start of the same run re-offers only unfinished chunks."""
    now = now or timezone.now()
    with transaction.atomic():
        run, created = MatchRun.objects.get_or_create(
            key=key, defaults={"model_version": active_model().version, "started_at": now}
        )
        if created:
            ids = list(
                Organization.objects.filter(kind=OrganizationKind.JAPANESE_COMPANY)
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            MatchRunChunk.objects.bulk_create(
                MatchRunChunk(
                    run=run,
                    first_company_id=ids[i],
                    last_company_id=ids[min(i + chunk_size, len(ids)) - 1],
                )
                for i in range(0, len(ids), chunk_size)
            )
    pending = run.chunks.filter(done_at__isnull=True).values_list("pk", flat=True)
    return run, list(pending)


def match_run_chunk(*, chunk_id: int, now: dt.datetime | None = None) -> RecomputeReport | None:
    """Recompute one chunk's companies, unless another worker has it or it is done."""
    now = now or timezone.now()
    claimed = (
        MatchRunChunk.objects.filter(pk=chunk_id, done_at__isnull=True)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(claimed_until=now + CLAIM_TIMEOUT)
    )
    if not claimed:
        return None
    chunk = MatchRunChunk.objects.select_related("run").get(pk=chunk_id)
    ids = list(
        Organization.objects.filter(
            kind=OrganizationKind.JAPANESE_COMPANY,
            pk__gte=chunk.first_company_id,
            pk__lte=chunk.last_company_id,
        ).values_list("pk", flat=True)
    )
    report = matches_recompute_companies(company_ids=ids, now=now, built_after=chunk.run.started_at)
    MatchRunChunk.objects.filter(pk=chunk_id).update(
        done_at=timezone.now(), companies=report.companies, suggestions=report.suggestions
    )
    if not chunk.run.chunks.filter(done_at__isnull=True).exists():
        MatchRun.objects.filter(pk=chunk.run_id, finished_at__isnull=True).update(
            finished_at=timezone.now()
        )
    return report
