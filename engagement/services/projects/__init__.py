"""Writes to projects and incentives (shared market intelligence: program managers and
administrators record them), following them, and telling followers what changed.

- `project_phase_change` claims the change with a conditional UPDATE on the phase the caller
  saw, records the history and tells each follower once (key `project-phase:<id>:<phase>:<user>`):
  a double submit, or the same change sent twice, notifies once.
- `incentive_deadline_notices` is the background job's work: followers of an incentive, and of
  its member state, hear of its deadline INCENTIVE_DEADLINE_NOTICE_DAYS before, once per notice.
"""

from engagement.services.projects.deadlines import incentive_deadline_notices
from engagement.services.projects.owners import (
    agency_in_directory,
    owner_in_directory,
    projects_link_directory,
)
from engagement.services.projects.parsing import parse_month, parse_year
from engagement.services.projects.records import (
    incentive_create,
    incentive_update,
    opportunity_follow,
    opportunity_unfollow,
    project_create,
    project_phase_change,
    project_update,
)

__all__ = [
    "agency_in_directory",
    "incentive_create",
    "incentive_deadline_notices",
    "incentive_update",
    "opportunity_follow",
    "opportunity_unfollow",
    "owner_in_directory",
    "parse_month",
    "parse_year",
    "project_create",
    "project_phase_change",
    "project_update",
    "projects_link_directory",
]
