"""Two competing teams with one of every API record each, built through the services (via
tests.factories), for the API's access matrix and query-count tests."""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import SimpleNamespace

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from engagement.models import (
    KPI,
    Contact,
    Engagement,
    FollowUp,
    Milestone,
    MoU,
    Notification,
    Organization,
    Partnership,
    Pilot,
    SuggestedEdit,
    Thrust,
    TimelineEvent,
    Tombstone,
    WebhookDelivery,
    WebhookEndpoint,
)
from engagement.services.engagements import engagement_delete
from engagement.services.import_jobs import import_job_create
from engagement.services.mous import mou_attach_document, mou_sign
from engagement.services.notifications import notify
from engagement.services.pilots import kpi_add, milestone_add, pilot_start
from engagement.services.suggested_edits import suggested_edit_create
from engagement.services.webhooks import EVENTS as WEBHOOK_EVENTS
from engagement.services.webhooks import webhook_endpoint_create
from matching.models import MatchSuggestion
from matching.services.loading import reset_engine_cache
from matching.services.recompute import matches_recompute_companies
from tests import factories

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@dataclass
class Side:
    """One team's records (ids) and people."""

    name: str
    team: object
    bd: object
    integrator: object
    ids: dict[str, int] = field(default_factory=dict)

    def __getattr__(self, item):
        try:
            return self.__dict__["ids"][item]
        except KeyError:
            raise AttributeError(item) from None


def build_side(name: str, team, bd, integrator, *, usm, today: dt.date) -> Side:
    side = Side(name=name, team=team, bd=bd, integrator=integrator)
    # Subscribed to every event before anything happens: each record below is delivered to
    # its own team's endpoint, and to no other team's.
    hook = webhook_endpoint_create(
        actor=bd, url=f"https://hooks.example/{name}", events=list(WEBHOOK_EVENTS)
    )
    p = factories.partnership(
        team,
        actor=bd,
        counterparts=[usm],
        title=f"Confidential deal of {name}",
        initiatives=["T6-01"],
    )
    eng = factories.engagement(
        team,
        actor=bd,
        organizations=[usm],
        partnership=p.pk,
        summary=f"Confidential meeting of {name}",
        thrusts=["T6"],
    )
    gone = factories.engagement(
        team, actor=bd, organizations=[usm], summary=f"Deleted meeting of {name}"
    )
    gone_pk = gone.pk
    engagement_delete(actor=bd, engagement=gone)
    draft = factories.mou(p, actor=bd, title=f"Draft MoU of {name}", parties=[usm.pk])
    mou_attach_document(
        actor=bd, mou=draft, upload=SimpleUploadedFile(f"{name}.pdf", PDF, "application/pdf")
    )
    signed = factories.mou(p, actor=bd, title=f"Signed MoU of {name}")
    mou_sign(
        actor=bd,
        mou=signed,
        signed_on=today - dt.timedelta(days=10),
        expires_on=today + dt.timedelta(days=365),
    )
    planned = factories.pilot(p, actor=bd, objective=f"Planned pilot of {name}")
    milestone = milestone_add(
        actor=bd, pilot=planned, title="Syllabus agreed", due_on=today + dt.timedelta(days=30)
    )
    kpi = kpi_add(actor=bd, pilot=planned, name="Operators trained", target="20", unit="people")
    running = factories.pilot(p, actor=bd, objective=f"Running pilot of {name}")
    pilot_start(actor=bd, pilot=running, starts_on=today - dt.timedelta(days=5))
    followup = factories.followup(
        team,
        actor=bd,
        owner=bd,
        due_on=today + dt.timedelta(days=7),
        note=f"Confidential follow-up of {name}",
        subject={"type": "partnership", "id": p.pk},
    )
    note = notify(
        user=bd,
        kind=Notification.Kind.DIGEST,
        key=f"digest-{name}",
        subject=f"Digest for {name}",
        body="Your week.",
    )
    contact = factories.contact(
        usm, f"Confidential contact of {name}", team=team, email=f"person-{name}@usm.example"
    )
    own_lab = factories.institution(f"Lab only {name} works with", country="TH", actor=bd)
    edit = suggested_edit_create(
        actor=bd,
        organization=usm,
        changes={"description": f"Confidential wish of {name}"},
        reason=f"Met them, team {name}",
    )
    job = import_job_create(
        actor=bd,
        kind="organizations",
        upload=SimpleUploadedFile(f"{name}.csv", b"name,country\nUSM,MY\n", "text/csv"),
    )
    side.ids.update(
        webhook_endpoint=hook.pk,
        webhook_delivery=WebhookDelivery.objects.filter(endpoint=hook).order_by("pk").first().pk,
        import_job=job.pk,
        partnership=p.pk,
        engagement=eng.pk,
        deleted_engagement=gone_pk,
        mou=draft.pk,
        signed_mou=signed.pk,
        pilot=planned.pk,
        running_pilot=running.pk,
        milestone=milestone.pk,
        kpi=kpi.pk,
        followup=followup.pk,
        notification=note.pk,
        member=bd.pk,
        contact=contact.pk,
        own_lab=own_lab.pk,
        suggested_edit=edit.pk,
    )
    return side


def build_world(team_a=None, team_b=None):
    """Team A (DISCO) and team B (Tokyo Electron), a BD member and an integrator each, a
    program manager and an administrator, and one of every record for each team around one
    shared ASEAN institution."""
    if team_a is None:
        disco = factories.company("DISCO", name_ja="ディスコ", capabilities=["EQP.DICING"])
        team_a = factories.team("team-a", company=disco)
    if team_b is None:
        tel = factories.company(
            "Tokyo Electron", name_ja="東京エレクトロン", capabilities=["EQP.ETCH"]
        )
        team_b = factories.team("team-b", company=tel)
    today = timezone.localdate()
    usm = factories.institution(
        "Universiti Sains Malaysia", country="MY", needs=["EQP.DICING", "EQP.ETCH"]
    )
    people = {
        "bd_a": factories.user("bd_a", role="bd_member", team=team_a),
        "integrator_a": factories.user("integrator_a", role="integrator", team=team_a),
        "bd_b": factories.user("bd_b", role="bd_member", team=team_b),
        "integrator_b": factories.user("integrator_b", role="integrator", team=team_b),
        "pm": factories.user("pm", role="program_manager"),
        "admin": factories.user("admin", role="admin"),
    }
    a = build_side("A", team_a, people["bd_a"], people["integrator_a"], usm=usm, today=today)
    b = build_side("B", team_b, people["bd_b"], people["integrator_b"], usm=usm, today=today)
    # Partner suggestions for each team's company (matching), one of them per side: an
    # institution neither team works with yet.
    factories.institution(
        "Hanoi Fab", country="VN", org_type="manufacturer", needs=["EQP.DICING", "EQP.ETCH"]
    )
    reset_engine_cache()
    matches_recompute_companies()
    reset_engine_cache()
    for side in (a, b):
        suggestion = (
            MatchSuggestion.objects.filter(team=side.team, organization__isnull=False)
            .order_by("rank", "pk")
            .first()
        )
        side.ids.update(company=side.team.company_id, match_suggestion=suggestion.pk)
    return SimpleNamespace(a=a, b=b, usm=usm.pk, today=today, people=people)


@contextmanager
def shared_world(django_db_blocker, media_root):
    """One world for a whole test module: built once in an outer transaction that each test's
    own transaction nests in (so every test starts from it unchanged), rolled back at the end."""
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=media_root),
        transaction.atomic(),
    ):
        if not Thrust.objects.exists():
            call_command("load_reference", verbosity=0)
        world = build_world()
        world.media_root = media_root
        yield world
        transaction.set_rollback(True)


def fingerprint() -> tuple:
    """Everything a write could change, in a few queries: equal before and after means the
    request wrote nothing."""

    def rows(model, *fields):
        return sorted(model.objects.values_list("pk", *fields))

    return (
        rows(Engagement, "version", "summary"),
        rows(Partnership, "version", "stage", "notes"),
        rows(MoU, "version", "status", "document_name"),
        rows(Pilot, "version", "status"),
        rows(Milestone, "done_on"),
        rows(KPI, "actual"),
        rows(FollowUp, "version", "status"),
        rows(Notification, "read_at"),
        rows(WebhookEndpoint, "url", "is_active", "secret"),
        rows(WebhookDelivery, "status", "attempts"),
        rows(MatchSuggestion, "status", "partnership_id"),
        rows(Contact, "version", "title"),
        rows(Organization, "version", "description", "archived_at"),
        rows(SuggestedEdit, "status"),
        Tombstone.objects.count(),
        TimelineEvent.objects.count(),
    )
