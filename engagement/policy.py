"""Access rules, in one place.

Every entry point (API, admin, web pages, exports, tasks) asks this module. The promise it keeps:
records owned by a team (engagements, partnerships, MoUs, pilots, follow-ups, notes, match
decisions) are seen only by that team and by program managers, because teams belong to
competing companies. The shared directory and reference data are seen by every signed-in user.

A model declares that it is team-owned with a class attribute `policy_team_path`, the lookup
from the record to its owning Team ("team", "partnership__team", ...). Contacts are team-owned:
who a team knows at an institution is that team's business.

The shared directory has stewards, not open edit (see `organization_write`):
- a Japanese company's own profile is changed by its own team, program managers and admins;
- any other organization is changed directly by program managers and admins, and by the team
  that entered it while no other team's record refers to it; everyone else proposes a
  suggested edit that a program manager applies or declines;
- only program managers and admins delete, and never a record some team's record refers to.

Code that writes on nobody's behalf (loaders, commands, scheduled jobs) passes a `SystemActor`
(`engagement/actors.py`), which may see and change everything. `None` is nobody: refused.
"""

from __future__ import annotations

from typing import Any, TypeGuard, TypeVar

from django.contrib.auth.models import AnonymousUser
from django.db.models import Model, QuerySet

from engagement import references
from engagement.actors import SystemActor
from engagement.models import (
    ApiToken,
    Capability,
    Contact,
    CoreArea,
    Follow,
    ImplementationStatus,
    ImportJob,
    Incentive,
    Initiative,
    MemberState,
    Notification,
    Organization,
    OrganizationMerge,
    OrgType,
    PartnershipType,
    PolicyUpdate,
    Project,
    Role,
    SavedView,
    SuggestedEdit,
    Team,
    Thrust,
    User,
    WebhookEndpoint,
)

REFERENCE_MODELS: tuple[type[Model], ...] = (
    CoreArea,
    Thrust,
    Initiative,
    Capability,
    MemberState,
    OrgType,
    PartnershipType,
)
DIRECTORY_MODELS: tuple[type[Model], ...] = (Organization,)
# Shared market intelligence: everyone reads it, program managers and administrators record it.
INTELLIGENCE_MODELS: tuple[type[Model], ...] = (
    ImplementationStatus,
    PolicyUpdate,
    Project,
    Incentive,
)
INTELLIGENCE_WRITERS = {Role.PROGRAM_MANAGER, Role.ADMIN}
# Keeping one record per organization (merges, and undoing them) is the directory's stewardship:
# program managers and administrators see, make and undo merges; teams do not.
STEWARDSHIP_MODELS: tuple[type[Model], ...] = (OrganizationMerge,)
# A user's own records, theirs alone to see and change, by the field that names their owner:
# what they follow, their saved list views, their notifications, their import jobs, their
# webhook endpoints.
PERSONAL_MODELS: dict[type[Model], str] = {
    Follow: "user",
    SavedView: "user",
    Notification: "user",
    ImportJob: "user",
    WebhookEndpoint: "owner",
}
# Of those, what anyone signed in creates for themselves (the others are created by the system,
# or by a role's rule in their own service: imports by kind, webhooks for integrators).
SELF_SERVICE_MODELS: tuple[type[Model], ...] = (Follow, SavedView)
DIRECTORY_WRITERS = {Role.BD_MEMBER, Role.PROGRAM_MANAGER, Role.INTEGRATOR, Role.ADMIN}

# Who asks: a request's user (signed in or anonymous), or nobody (None: a task, a script).
Actor = User | AnonymousUser | SystemActor | None


def is_system(actor: Actor) -> TypeGuard[SystemActor]:
    """A write the product makes itself (see engagement/actors.py)."""
    return isinstance(actor, SystemActor)


def person(actor: Actor) -> User | None:
    """The user to record as author (`created_by`, history): None for a system write."""
    return actor if isinstance(actor, User) and actor.pk else None


M = TypeVar("M", bound=Model)


def _signed_in(user: Actor) -> TypeGuard[User]:
    # An anonymous user is never authenticated, nor is a system actor: what passes is a User.
    return bool(isinstance(user, User) and user.is_authenticated and user.is_active)


def _member(user: Actor) -> User | None:
    """`user` when signed in and active; None otherwise."""
    return user if _signed_in(user) else None


def is_admin(user: Actor) -> bool:
    return _signed_in(user) and (user.is_superuser or user.role == Role.ADMIN)


def sees_all_teams(user: Actor) -> bool:
    return is_admin(user) or (_signed_in(user) and user.role == Role.PROGRAM_MANAGER)


def team_path(model: type[Model]) -> str | None:
    return getattr(model, "policy_team_path", None)


def is_team_owned(model: type[Model]) -> bool:
    return team_path(model) is not None


def _owner_team_id(obj: Model) -> int | None:
    path = team_path(type(obj))
    assert path is not None
    target: Any = obj
    *hops, last = path.split("__")
    for hop in hops:
        target = getattr(target, hop)
        if target is None:
            return None
    team_id: int | None = getattr(target, f"{last}_id")
    return team_id


def scope(actor: Actor, queryset: QuerySet[M]) -> QuerySet[M]:
    """The records of `queryset` that `actor` may see."""
    model = queryset.model
    if is_system(actor):
        return queryset
    user = _member(actor)
    if user is None:
        return queryset.none()
    if model in REFERENCE_MODELS or model in DIRECTORY_MODELS or model in INTELLIGENCE_MODELS:
        return queryset
    if model in PERSONAL_MODELS:
        return queryset.filter(**{PERSONAL_MODELS[model]: user})
    if model is Team:
        return queryset if sees_all_teams(user) else queryset.filter(pk=user.team_id)
    if model is User:
        if is_admin(user):
            return queryset
        if user.role == Role.PROGRAM_MANAGER:
            return queryset
        return (
            queryset.filter(team_id=user.team_id) if user.team_id else queryset.filter(pk=user.pk)
        )
    if model is ApiToken:
        return queryset if is_admin(user) else queryset.filter(user=user)
    if model in STEWARDSHIP_MODELS:
        return queryset if sees_all_teams(user) else queryset.none()
    path = team_path(model)
    if path is not None:
        if sees_all_teams(user):
            return queryset
        if user.team_id is None:
            return queryset.none()
        return queryset.filter(**{f"{path}_id": user.team_id})
    # Unknown kinds of record are closed until someone writes their rule here.
    return queryset if is_admin(user) else queryset.none()


def can_view(actor: Actor, obj: Model) -> bool:
    if is_system(actor):
        return True
    user = _member(actor)
    if user is None:
        return False
    model = type(obj)
    if model in REFERENCE_MODELS or model in DIRECTORY_MODELS or model in INTELLIGENCE_MODELS:
        return True
    if is_team_owned(model):
        return sees_all_teams(user) or (
            user.team_id is not None and _owner_team_id(obj) == user.team_id
        )
    return scope(user, model._default_manager.filter(pk=obj.pk)).exists()


def can_create(actor: Actor, model: type[Model]) -> bool:
    if is_system(actor):
        return True
    user = _member(actor)
    if user is None:
        return False
    if is_admin(user):
        return True
    if model in REFERENCE_MODELS or model in (Team, User):
        return False
    if model in DIRECTORY_MODELS:
        return user.role in DIRECTORY_WRITERS
    if model in INTELLIGENCE_MODELS:
        return user.role in INTELLIGENCE_WRITERS
    if model in SELF_SERVICE_MODELS:
        return True
    if model is SuggestedEdit:
        return user.role in (Role.BD_MEMBER, Role.INTEGRATOR) and user.team_id is not None
    if model in STEWARDSHIP_MODELS:
        return sees_all_teams(user)
    if is_team_owned(model):
        return user.role in (Role.BD_MEMBER, Role.INTEGRATOR) and user.team_id is not None
    return model is ApiToken


def can_change(actor: Actor, obj: Model) -> bool:
    """May `actor` edit or delete `obj`? Program managers read team records; they do not edit
    them (their decisions go through the match review, which has its own rule)."""
    if is_system(actor):
        return True
    user = _member(actor)
    if user is None:
        return False
    if is_admin(user):
        return True
    model = type(obj)
    if model in REFERENCE_MODELS or model in (Team, User):
        return False
    if type(obj) is Organization:
        return organization_write(user, obj) == DIRECT
    if type(obj) is Contact:
        # Contacts: the owning team's members, and program managers (who keep the directory
        # clean, e.g. when organizations are merged).
        return user.role == Role.PROGRAM_MANAGER or (
            user.role in (Role.BD_MEMBER, Role.INTEGRATOR)
            and user.team_id is not None
            and obj.team_id == user.team_id
        )
    if model is SuggestedEdit or model in STEWARDSHIP_MODELS:
        return user.role == Role.PROGRAM_MANAGER
    if model in INTELLIGENCE_MODELS:
        return user.role in INTELLIGENCE_WRITERS
    if model in PERSONAL_MODELS:
        return bool(getattr(obj, f"{PERSONAL_MODELS[model]}_id", None) == user.pk)
    if is_team_owned(model):
        return (
            user.role in (Role.BD_MEMBER, Role.INTEGRATOR)
            and user.team_id is not None
            and _owner_team_id(obj) == user.team_id
        )
    if type(obj) is ApiToken:
        return obj.user_id == user.pk
    return False


# What a user may do to a shared organization (organization_write).
DIRECT = "direct"
SUGGEST = "suggest"
NONE = "none"


def organization_write(actor: Actor, org: Organization) -> str:
    """DIRECT: may change `org` in place; SUGGEST: may only propose a suggested edit; NONE."""
    if is_system(actor):
        return DIRECT
    user = _member(actor)
    if user is None:
        return NONE
    if is_admin(user) or user.role == Role.PROGRAM_MANAGER:
        return DIRECT
    if user.role not in (Role.BD_MEMBER, Role.INTEGRATOR) or user.team_id is None:
        return NONE
    if org.pk is None:
        return DIRECT
    company_of = set(Team.objects.filter(company=org).values_list("pk", flat=True))
    if company_of:
        # A company's own profile: its own team only (besides program managers and admins).
        return DIRECT if user.team_id in company_of else SUGGEST
    if org.created_by_team_id == user.team_id and not references.referred_to_by_other_teams(
        org, user.team_id
    ):
        return DIRECT
    return SUGGEST


def can_suggest_edit(actor: Actor, org: Organization) -> bool:
    # Only a signed-in user gets DIRECT or SUGGEST.
    user = _member(actor)
    return (
        user is not None
        and organization_write(user, org) in (DIRECT, SUGGEST)
        and user.team_id is not None
    )


def can_delete(user: Actor, obj: Model) -> bool:
    """Shared directory records are removed only by program managers and administrators (and
    then only when nothing refers to them: the service checks that); other records as
    can_change."""
    if type(obj) is Organization:
        return is_system(user) or sees_all_teams(user)
    return can_change(user, obj)


def can_change_in_pages(user: Actor, obj: Model) -> bool:
    """May `user` change `obj` through the web pages' forms? As can_change, except that
    integrators write only through the API, where their keys, idempotency keys and If-Match
    apply: the pages show them their team's records to read."""
    # can_change is False for anyone not signed in.
    return can_change(user, obj) and _signed_in(user) and user.role != Role.INTEGRATOR


def can_decide_matches_for(actor: Actor, company_id: int) -> bool:
    """Accept, reject or snooze suggestions for a company: its own BD team, or a program manager."""
    if is_system(actor):
        return True
    user = _member(actor)
    if user is None:
        return False
    if sees_all_teams(user):
        return True
    return (
        user.role == Role.BD_MEMBER and user.team is not None and user.team.company_id == company_id
    )


def writes_in_pages(user: Actor) -> bool:
    """May `user` send any form of the web pages that changes records? Integrators write only
    through the API (tokens, Idempotency-Key, If-Match); the pages are theirs to read."""
    return _signed_in(user) and user.role != Role.INTEGRATOR
