"""What the services ask of the parts of the product built on top of them, without importing
those parts: they import the services, so the dependency points one way.

- Background tasks. A service queues work after its commit by the task's name;
  engagement.tasks, which calls the services, says which Celery task runs each name when it is
  imported (engagement/apps.py imports it in every process).
- Profile and market-intelligence changes. The directory services say when an organization's
  profile changed, the market-intelligence services when a member state's implementation status
  did, the project and incentive services when one was written or a project changed phase;
  matching listens (matching/apps.py) to re-rank the suggestions involved.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engagement.models import Incentive, Organization, Project

# Celery task name -> the callable that queues it (the task's `delay`).
tasks: dict[str, Callable[..., Any]] = {}
_profile_listeners: list[Callable[..., Any]] = []
_watch_listeners: list[Callable[..., Any]] = []
_counterpart_listeners: list[Callable[..., Any]] = []


def task_register(name: str, delay: Callable[..., Any]) -> None:
    tasks[name] = delay


def task_send(name: str, *args: Any) -> None:
    """Queue the task registered as `name`. Raises what the broker raises when it is down, so
    each caller says what picks the work up later."""
    try:
        delay = tasks[name]
    except KeyError:
        raise LookupError(f"No task is registered as {name!r}.") from None
    delay(*args)


def on_profile_changed(listener: Callable[..., Any]) -> None:
    """`listener(organization=...)` runs, inside the writer's transaction, after each change to
    an organization's profile."""
    if listener not in _profile_listeners:
        _profile_listeners.append(listener)


def profile_changed(*, organization: Organization) -> None:
    for listener in _profile_listeners:
        listener(organization=organization)


def on_watch_changed(listener: Callable[..., Any]) -> None:
    """`listener(member_state_id=...)` runs, inside the writer's transaction, after an
    implementation status of that member state was recorded or deleted."""
    if listener not in _watch_listeners:
        _watch_listeners.append(listener)


def watch_changed(*, member_state_id: int) -> None:
    for listener in _watch_listeners:
        listener(member_state_id=member_state_id)


def on_counterpart_changed(listener: Callable[..., Any]) -> None:
    """`listener(project=...)` or `listener(incentive=...)` runs, inside the writer's
    transaction, after a project or an incentive was created or changed (a phase included)."""
    if listener not in _counterpart_listeners:
        _counterpart_listeners.append(listener)


def counterpart_changed(
    *, project: Project | None = None, incentive: Incentive | None = None
) -> None:
    for listener in _counterpart_listeners:
        listener(project=project, incentive=incentive)
