"""What every job shares: its result (the actions it took, or would take on a dry run), and
the people it tells, in their own time zone."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field

from django.conf import settings

from engagement.models import Role, User


@dataclass
class JobResult:
    job: str
    actions: list[str] = field(default_factory=list)

    def did(self, text: str) -> None:
        self.actions.append(text)


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
