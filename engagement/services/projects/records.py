"""Creating and changing projects and incentives, a project's phase change told to its followers,
and following either."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import translation
from django.utils.translation import gettext as _

from engagement import policy
from engagement.errors import Conflict, NotPermitted, StaleWrite, ValidationFailed
from engagement.models import Incentive, Notification, OpportunityFollow, Project, User
from engagement.services.common import claim_version
from engagement.services.notifications import notify
from engagement.services.projects.validation import (
    clean_phase_as_of,
    counterpart_written,
    incentive_clean,
    may_write,
    project_clean,
    refuse_taken_code,
    save_cleaned,
)

# --- Projects --------------------------------------------------------------------------------


@transaction.atomic
def project_create(*, actor: policy.Actor, **data: Any) -> Project:
    may_write(actor, Project)
    clean = project_clean(data, None)
    refuse_taken_code(Project, clean["fields"]["code"])
    try:
        with transaction.atomic():
            return save_cleaned(Project(), clean, actor)
    except IntegrityError:
        # Someone created the same code between our check and our write.
        refuse_taken_code(Project, clean["fields"]["code"])
        raise


@transaction.atomic
def project_update(
    *, actor: policy.Actor, project: Project, expected_version: int | None = None, **changes: Any
) -> Project:
    """Change a project's facts; its phase changes through project_phase_change."""
    may_write(actor, Project, project)
    clean = project_clean(changes, project)
    claim_version(project, expected_version)
    return save_cleaned(project, clean, actor)


@transaction.atomic
def project_phase_change(
    *,
    actor: policy.Actor,
    project: Project,
    phase: str,
    phase_as_of: Any,
    expected_version: int | None = None,
    source: str = "",
) -> Project:
    """Move a project to `phase` as of a source's month, and tell its followers once.

    The claim is one conditional UPDATE on the phase the caller saw (and its version, when
    given): of two identical submissions one changes the phase and the other is refused."""
    may_write(actor, Project, project)
    errors: dict[str, list[str]] = {}
    if phase not in Project.Phase.values:
        errors["phase"] = [
            _("Must be one of: %(values)s.") % {"values": ", ".join(Project.Phase.values)}
        ]
    elif phase == project.phase:
        errors["phase"] = [_("The project is already at this phase.")]
    as_of = clean_phase_as_of({"phase_as_of": phase_as_of}, None, errors)
    if errors:
        raise ValidationFailed(errors)
    seen = project.phase
    rows = Project.objects.filter(pk=project.pk, phase=seen)
    if expected_version is not None:
        rows = rows.filter(version=expected_version)
    if rows.update(phase=phase, phase_as_of=as_of, version=F("version") + 1) != 1:
        raise StaleWrite(
            _("This project changed since you read it (another phase change?). Reload it.")
        )
    project.refresh_from_db()
    if source.strip():
        project.sources = f"{project.sources}\n{source.strip()}".strip()
    project._history_user = policy.person(actor)
    project._change_reason = f"phase {seen} → {phase}"
    project.save()  # the history row of the change
    counterpart_written(project)
    _tell_followers(project, seen)
    return project


def _tell_followers(project: Project, previous: str) -> None:
    followers = User.objects.filter(opportunity_follows__project=project, is_active=True).order_by(
        "pk"
    )
    for user in followers:
        with translation.override(user.language):
            values = {
                "name": project.display_name,
                "phase": project.get_phase_display(),
                "previous": Project.Phase(previous).label,
                "month": project.phase_as_of.strftime("%Y-%m"),
            }
            subject = _("%(name)s is now at %(phase)s") % values
            body = _("%(name)s moved from %(previous)s to %(phase)s (as of %(month)s).") % values
        notify(
            user=user,
            kind=Notification.Kind.PROJECT_PHASE,
            key=f"project-phase:{project.pk}:{project.phase}:{user.pk}",
            subject=subject,
            body=body,
            url=f"/projects/{project.code}/",
        )


# --- Incentives ------------------------------------------------------------------------------


@transaction.atomic
def incentive_create(*, actor: policy.Actor, **data: Any) -> Incentive:
    may_write(actor, Incentive)
    clean = incentive_clean(data, None)
    refuse_taken_code(Incentive, clean["fields"]["code"])
    try:
        with transaction.atomic():
            return save_cleaned(Incentive(), clean, actor)
    except IntegrityError:
        refuse_taken_code(Incentive, clean["fields"]["code"])
        raise


@transaction.atomic
def incentive_update(
    *,
    actor: policy.Actor,
    incentive: Incentive,
    expected_version: int | None = None,
    **changes: Any,
) -> Incentive:
    may_write(actor, Incentive, incentive)
    clean = incentive_clean(changes, incentive)
    claim_version(incentive, expected_version)
    return save_cleaned(incentive, clean, actor)


# --- Following -------------------------------------------------------------------------------


@transaction.atomic
def opportunity_follow(
    *, user: policy.Actor, project: Project | None = None, incentive: Incentive | None = None
) -> OpportunityFollow:
    """Follow (pursue) a project or an incentive; following it twice is refused."""
    if (project is None) == (incentive is None):
        raise ValidationFailed({"subject": [_("Follow exactly one project or incentive.")]})
    try:
        with transaction.atomic():
            return OpportunityFollow.objects.create(user=user, project=project, incentive=incentive)
    except IntegrityError:
        raise Conflict(
            _("You already follow it."), errors={"subject": [_("Already followed.")]}
        ) from None


@transaction.atomic
def opportunity_unfollow(*, user: policy.Actor, follow: OpportunityFollow) -> None:
    if follow.user_id != user.pk:
        raise NotPermitted(_("That is not your follow."))
    follow.delete()
