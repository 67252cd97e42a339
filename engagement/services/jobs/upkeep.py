"""Notices of incentive deadlines, and forgetting stored Idempotency-Key answers and the rate
limit's old counts."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db.models import QuerySet

from engagement.models import ApiRequestCount, IdempotencyRecord
from engagement.services.common import business_today
from engagement.services.jobs.base import JobResult, job
from engagement.services.projects import incentive_deadline_notices


@job(
    title="Purge idempotency records",
    claims="a DELETE of the expired rows: a second run finds none",
)
def purge_idempotency_records(*, now: dt.datetime, dry_run: bool = False) -> JobResult:
    """Forget stored answers to Idempotency-Key requests after IDEMPOTENCY_TTL_HOURS: a client
    retries within minutes, and some answers hold a secret shown once (a webhook endpoint's,
    an API token's) that must not stay in the database for good."""
    old = IdempotencyRecord.objects.filter(
        created_at__lt=now - dt.timedelta(hours=settings.IDEMPOTENCY_TTL_HOURS)
    )
    return _forget("purge_idempotency_records", old, "stored idempotency answer(s)", dry_run)


@job(
    title="Purge API rate counts",
    claims="a DELETE of the seconds no window holds any more: a second run finds none",
)
def purge_api_request_counts(*, now: dt.datetime, dry_run: bool = False) -> JobResult:
    """Forget the rate limit's counts once their second has left every caller's window (kept
    in the database only when there is no Redis: engagement.api.throttling.TableCounts)."""
    old = ApiRequestCount.outside_window(now.timestamp())
    return _forget("purge_api_request_counts", old, "rate count(s) outside the window", dry_run)


def _forget(name: str, old: QuerySet[Any], what: str, dry_run: bool) -> JobResult:
    """Delete `old` (a dry run counts the same rows) and say how many."""
    result = JobResult(name)
    count = old.count() if dry_run else old.delete()[0]
    if count:
        result.did(f"forget {count} {what}")
    return result


@job(
    title="Incentive deadlines",
    claims=(
        "one notice per incentive, deadline, notice day and person"
        " (incentive-deadline:<incentive>:<deadline>:<days>:<person>)"
    ),
)
def incentive_deadlines(*, now: dt.datetime, dry_run: bool = False) -> JobResult:
    """INCENTIVE_DEADLINE_NOTICE_DAYS before an incentive's deadline (days of the business
    calendar), tell who follows it or its member state, once per notice
    (engagement.services.projects)."""
    result = JobResult("incentive_deadlines")
    for action in incentive_deadline_notices(today=business_today(now), dry_run=dry_run):
        result.did(action)
    return result
