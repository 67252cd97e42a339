"""Test data built through the same services the product uses, so the duplicate guard's
name keys and every rule apply to test data too."""

from __future__ import annotations

import itertools

import factory

from engagement.actors import LOADER, SystemActor
from engagement.models import Contact, Organization, Team, User
from engagement.services.accounts import api_token_create
from engagement.services.directory import contact_create, organization_create

_seq = itertools.count(1)
PASSWORD = "correct-horse-battery-staple"


def company(
    name: str | None = None, *, name_ja: str = "", org_type: str = "equipment", **extra
) -> Organization:
    return organization_create(
        actor=extra.pop("actor", LOADER),
        kind="japanese_company",
        org_type=org_type,
        name=name or f"Test Company {next(_seq)}",
        name_ja=name_ja,
        country="JP",
        **extra,
    )


def institution(
    name: str | None = None, *, country: str = "MY", org_type: str = "university", **extra
) -> Organization:
    return organization_create(
        actor=extra.pop("actor", LOADER),
        kind="asean_institution",
        org_type=org_type,
        name=name or f"Test Institute {next(_seq)}",
        country=country,
        **extra,
    )


def contact(
    organization: Organization, name: str | None = None, *, team: Team | None = None, **extra
) -> Contact:
    """A contact of `team` (by default the first team there is: most tests have one)."""
    team = team or Team.objects.order_by("pk").first()
    assert team is not None, "a contact belongs to a team: create one first"
    return contact_create(
        actor=extra.pop("actor", LOADER),
        organization=organization,
        name=name or f"Person {next(_seq)}",
        team=team,
        **extra,
    )


def team(slug: str, *, company: Organization) -> Team:
    return Team.objects.create(slug=slug, name=f"{company.name} BD", company=company)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    role = "bd_member"
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def user(username: str, *, role: str, team: Team | None = None, **extra) -> User:
    is_admin = role == "admin"
    return UserFactory(
        username=username, role=role, team=team, is_staff=is_admin, is_superuser=is_admin, **extra
    )


def token(user: User, *, read_only: bool = False, name: str = "test") -> str:
    return api_token_create(user=user, name=name, read_only=read_only).key


# --- Team-owned CRM records, built through their services ----------------------------------


def partnership(
    team: Team,
    *,
    counterparts,
    actor: User | SystemActor = LOADER,
    title: str | None = None,
    partnership_type: str = "joint_rd_centre",
    **extra,
):
    from engagement.services.partnerships import partnership_create

    return partnership_create(
        actor=actor,
        team=team,
        title=title or f"Partnership {next(_seq)}",
        counterparts=[getattr(o, "pk", o) for o in counterparts],
        partnership_type=partnership_type,
        **extra,
    )


def engagement(
    team: Team,
    *,
    organizations,
    actor: User | SystemActor = LOADER,
    occurred_at=None,
    kind: str = "meeting",
    summary: str | None = None,
    **extra,
):
    from django.utils import timezone

    from engagement.services.engagements import engagement_log

    return engagement_log(
        actor=actor,
        team=team,
        occurred_at=occurred_at or timezone.now(),
        kind=kind,
        organizations=[getattr(o, "pk", o) for o in organizations],
        summary=summary or f"Meeting {next(_seq)}",
        **extra,
    )


def mou(partnership, *, actor: User | SystemActor = LOADER, title: str | None = None, **extra):
    from engagement.services.mous import mou_create

    return mou_create(
        actor=actor, partnership=partnership, title=title or f"MoU {next(_seq)}", **extra
    )


def pilot(
    partnership, *, actor: User | SystemActor = LOADER, objective: str | None = None, **extra
):
    from engagement.services.pilots import pilot_create

    return pilot_create(
        actor=actor, partnership=partnership, objective=objective or f"Pilot {next(_seq)}", **extra
    )


def followup(
    team: Team,
    *,
    owner: User,
    due_on,
    actor: User | SystemActor = LOADER,
    note: str | None = None,
    subject=None,
    **extra,
):
    from engagement.services.followups import followup_create

    return followup_create(
        actor=actor,
        team=team,
        owner=owner,
        due_on=due_on,
        note=note or f"Follow up {next(_seq)}",
        subject=subject,
        **extra,
    )
