"""The background jobs. Each one is a scan of what is due now, so a lost task is picked up by
the next run, and each action is claimed (a unique key, or a conditional UPDATE) so a job run
twice, or on two workers at once, acts once.

Every job takes `now` and `dry_run`: with dry_run it reports what it would do and writes nothing.
One module per job (or per pair of small ones), each declared there with `@job` (base.py);
`run_job` runs one by name.
"""

from __future__ import annotations

import datetime as dt

from engagement.services.jobs.base import REGISTRY, Job, JobResult, beat_schedule

# isort: off
# Imported in the order a run takes the jobs (each module declares its own): the digest comes
# after the reminders and notices, so it reports what they did.
from engagement.services.jobs.followups import overdue_followups
from engagement.services.jobs.mous import mou_expiry
from engagement.services.jobs.pipeline import stale_partnerships, stalled_pilots
from engagement.services.jobs.digest import weekly_digest
from engagement.services.jobs.upkeep import (
    incentive_deadlines,
    purge_api_request_counts,
    purge_idempotency_records,
)

# isort: on

__all__ = [
    "JOBS",
    "Job",
    "JobResult",
    "beat_schedule",
    "incentive_deadlines",
    "mou_expiry",
    "overdue_followups",
    "purge_api_request_counts",
    "purge_idempotency_records",
    "run_job",
    "stale_partnerships",
    "stalled_pilots",
    "weekly_digest",
]

# Every job, by name, in the order the modules above are imported.
JOBS: dict[str, Job] = REGISTRY


def run_job(name: str, *, now: dt.datetime, dry_run: bool = False) -> JobResult:
    if name not in JOBS:
        raise KeyError(f"Unknown job {name!r}; one of: {', '.join(JOBS)}")
    return JOBS[name].run(now=now, dry_run=dry_run)
