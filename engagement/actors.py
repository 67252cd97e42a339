"""Who is writing. Every service takes an `actor`: the signed-in user, or a `SystemActor` naming
the code path that writes on nobody's behalf (the demo loader, an import run from the command
line, a scheduled job). `None` is not a way to say "system": it is nobody, and `policy.py`
refuses it like an anonymous visitor, so a caller that forgets to pass its actor is stopped
instead of silently skipping the access checks.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SystemActor:
    """A write made by the product itself. `name` says which part (it is shown nowhere to users;
    it reads in logs and in tracebacks). Policy lets a system actor see and change any record:
    the code that holds one is trusted the way a migration is."""

    name: str

    # Enough of a user's shape that code reading `actor.team_id` or `actor.is_authenticated`
    # learns "no team, not a person" instead of failing.
    team_id: None = None
    pk: None = None
    is_active: bool = False
    is_authenticated: bool = False

    def __str__(self) -> str:
        return f"system ({self.name})"


LOADER = SystemActor("reference and demo loader")
COMMAND = SystemActor("management command")
SCHEDULED = SystemActor("scheduled job")
