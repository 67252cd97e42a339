"""What every job shares: its declaration in the registry (name, title, schedule, what makes
each action happen once), its result (the actions it took, or would take on a dry run), and the
people it tells, in their own time zone.

A job is declared where it is written, with `@job(...)`; the worker's beat schedule
(`beat_schedule`, installed by engagement/apps.py), `run_jobs` and the tests read the registry,
so a new job needs no other list to be kept in step."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from engagement.models import Role, User


@dataclass
class JobResult:
    job: str
    actions: list[str] = field(default_factory=list)

    def did(self, text: str) -> None:
        self.actions.append(text)


RunFn = Callable[..., JobResult]


@dataclass(frozen=True)
class Job:
    """A scan of what is due now. `claims` says how each action is made to happen once (the
    unique key or conditional UPDATE), for whoever reads `run_jobs --list` or this code. The
    title and claims are for operators, in English like the jobs' own reports.
    `every` is in seconds; None is JOBS_INTERVAL_MINUTES."""

    name: str
    title: str
    claims: str
    run: RunFn
    every: float | None = None

    def seconds(self) -> float:
        return self.every if self.every is not None else settings.JOBS_INTERVAL_MINUTES * 60.0


REGISTRY: dict[str, Job] = {}


def job(*, title: str, claims: str, every: float | None = None) -> Callable[[RunFn], RunFn]:
    """Declare the decorated function a background job named after it."""

    def register(run: RunFn) -> RunFn:
        name = run.__name__
        if name in REGISTRY:
            raise ValueError(f"Job {name!r} is declared twice.")
        REGISTRY[name] = Job(name=name, title=title, claims=claims, run=run, every=every)
        return run

    return register


def beat_schedule() -> dict[str, dict[str, Any]]:
    """The beat entries of every declared job; each runs through the `engagement.run_job` task."""
    return {
        f"job-{j.name}": {"task": "engagement.run_job", "schedule": j.seconds(), "args": [j.name]}
        for j in REGISTRY.values()
    }


def local_time(now: dt.datetime, user: User) -> dt.datetime:
    try:
        tz = zoneinfo.ZoneInfo(user.time_zone or settings.DEFAULT_USER_TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        tz = zoneinfo.ZoneInfo(settings.DEFAULT_USER_TIME_ZONE)
    return now.astimezone(tz)


def team_people(team_id: int) -> list[User]:
    return list(
        User.objects.filter(team_id=team_id, role=Role.BD_MEMBER, is_active=True).order_by("pk")
    )


def program_managers(team) -> list[User]:
    if team.program_manager_id and team.program_manager.is_active:
        return [team.program_manager]
    return list(User.objects.filter(role=Role.PROGRAM_MANAGER, is_active=True))
