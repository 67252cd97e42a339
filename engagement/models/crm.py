"""Team-owned CRM records: engagements, partnerships, MoUs, pilots, follow-ups, calendar feeds
(the timeline is in engagement/models/timeline.py).

Each model names the path to its owning team in `policy_team_path`; engagement.policy uses it
to keep one company's records away from another's.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from engagement.models.accounts import Team
from engagement.models.base import History
from engagement.models.directory import Contact, Organization
from engagement.models.reference import Initiative, MemberState, PartnershipType, Thrust
from engagement.rules import (
    FOLLOWUP_OUTCOME,
    KPI_TEXT,
    MILESTONE_TITLE,
    MOU_TITLE,
    PARTNERSHIP_TEXT,
)


class Versioned(models.Model):
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        abstract = True

    @property
    def etag(self) -> str:
        return f'"{self._meta.model_name}-{self.pk}-v{self.version}"'


class Engagement(Versioned):
    class Kind(models.TextChoices):
        MEETING = "meeting", _("Meeting")
        CALL = "call", _("Call")
        SITE_VISIT = "site_visit", _("Site visit")
        EVENT = "event", _("Event or trade mission")
        EMAIL = "email", _("Email")
        WORKSHOP = "workshop", _("Workshop")
        OTHER = "other", _("Other")

    policy_team_path = "team"

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="engagements")
    occurred_at = models.DateTimeField(_("when"), db_index=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    organizations = models.ManyToManyField(Organization, related_name="engagements")
    contacts = models.ManyToManyField(Contact, blank=True, related_name="engagements")
    participants = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="engagements_attended"
    )
    thrusts = models.ManyToManyField(Thrust, blank=True, related_name="engagements")
    initiatives = models.ManyToManyField(Initiative, blank=True, related_name="engagements")
    partnership = models.ForeignKey(
        "Partnership", null=True, blank=True, on_delete=models.SET_NULL, related_name="engagements"
    )
    summary = models.TextField()
    outcome = models.TextField(blank=True)
    next_step = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    history = History(
        excluded_fields=["updated_at"],
        m2m_fields=["organizations", "contacts", "participants", "thrusts", "initiatives"],
    )

    class Meta:
        ordering = ["-occurred_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(summary=""), name="engagement_summary_required"
            ),
        ]
        indexes = [models.Index(fields=["team", "-occurred_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.occurred_at:%Y-%m-%d}"


class Stage(models.TextChoices):
    IDENTIFIED = "identified", _("Identified")
    CONTACTED = "contacted", _("Contacted")
    EXPLORING = "exploring", _("Exploring")
    MOU_NEGOTIATION = "mou_negotiation", _("MoU negotiation")
    MOU_SIGNED = "mou_signed", _("MoU signed")
    PILOT = "pilot", _("Pilot")
    AGREEMENT = "agreement", _("Agreement")
    ACTIVE = "active", _("Active")
    ON_HOLD = "on_hold", _("On hold")
    LOST = "lost", _("Lost")


class Partnership(Versioned):
    policy_team_path = "team"
    # Not stored: days since its last stage change, set where the board lists it
    # (engagement.selectors.board.pipeline_board).
    days_in_stage: int

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="partnerships")
    title = models.CharField(max_length=PARTNERSHIP_TEXT["title"].max_length)
    company = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="company_partnerships"
    )
    counterparts = models.ManyToManyField(Organization, related_name="counterpart_partnerships")
    initiatives = models.ManyToManyField(Initiative, blank=True, related_name="partnerships")
    partnership_type = models.ForeignKey(
        PartnershipType, on_delete=models.PROTECT, related_name="partnerships"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="partnerships_owned",
    )
    priority_country = models.ForeignKey(
        MemberState, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    expected_value = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    target_date = models.DateField(null=True, blank=True)
    stage = models.CharField(
        max_length=20, choices=Stage.choices, default=Stage.IDENTIFIED, db_index=True
    )
    stage_changed_at = models.DateTimeField(default=timezone.now)
    # The open stage a partnership was in when it went on hold or was lost: reopening returns
    # there without a reason.
    resume_stage = models.CharField(max_length=20, choices=Stage.choices, blank=True)
    lost_reason = models.TextField(blank=True)
    notes = models.TextField(blank=True)

    history = History(excluded_fields=["updated_at"], m2m_fields=["counterparts", "initiatives"])

    class Meta:
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expected_value__isnull=True) | models.Q(expected_value__gte=0),
                name="partnership_value_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(expected_value__isnull=True) | ~models.Q(currency=""),
                name="partnership_value_has_currency",
            ),
            models.CheckConstraint(
                condition=~models.Q(stage="lost") | ~models.Q(lost_reason=""),
                name="partnership_lost_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class StageChange(models.Model):
    policy_team_path = "partnership__team"

    partnership = models.ForeignKey(
        Partnership, on_delete=models.CASCADE, related_name="stage_changes"
    )
    from_stage = models.CharField(max_length=20, choices=Stage.choices, blank=True)
    to_stage = models.CharField(max_length=20, choices=Stage.choices)
    reason = models.TextField(blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.from_stage or '∅'} → {self.to_stage}"


class MoU(Versioned):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        NEGOTIATING = "negotiating", _("Negotiating")
        SIGNED = "signed", _("Signed")
        ACTIVE = "active", _("Active")
        EXPIRED = "expired", _("Expired")
        TERMINATED = "terminated", _("Terminated")
        RENEWED = "renewed", _("Renewed")

    SIGNED_STATES = ("signed", "active", "expired", "renewed")
    policy_team_path = "partnership__team"

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="mous")
    title = models.CharField(max_length=MOU_TITLE.max_length)
    parties = models.ManyToManyField(Organization, blank=True, related_name="mous")
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    signed_on = models.DateField(null=True, blank=True)
    effective_on = models.DateField(null=True, blank=True)
    expires_on = models.DateField(null=True, blank=True, db_index=True)
    renewal_notice_days = models.PositiveIntegerField(default=90)
    thrusts = models.ManyToManyField(Thrust, blank=True, related_name="mous")
    document = models.FileField(upload_to="mous/%Y/%m/", blank=True)
    document_name = models.CharField(max_length=255, blank=True)
    predecessor = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="successor"
    )

    history = History(excluded_fields=["updated_at"], m2m_fields=["parties", "thrusts"])

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "MoU"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_on__isnull=True)
                | models.Q(effective_on__isnull=True)
                | models.Q(expires_on__gt=models.F("effective_on")),
                name="mou_expiry_after_effective",
            ),
            models.CheckConstraint(
                condition=~models.Q(status__in=("signed", "active", "expired", "renewed"))
                | models.Q(signed_on__isnull=False),
                name="mou_signed_has_date",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Pilot(Versioned):
    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        RUNNING = "running", _("Running")
        AT_RISK = "at_risk", _("At risk")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")

    policy_team_path = "partnership__team"

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="pilots")
    objective = models.TextField()
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.PLANNED, db_index=True
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="pilots_owned",
    )
    starts_on = models.DateField(null=True, blank=True)
    planned_end_on = models.DateField(null=True, blank=True)
    actual_end_on = models.DateField(null=True, blank=True)
    last_activity_at = models.DateTimeField(default=timezone.now)
    risk_reason = models.TextField(blank=True)

    history = History(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(planned_end_on__isnull=True)
                | models.Q(starts_on__isnull=True)
                | models.Q(planned_end_on__gte=models.F("starts_on")),
                name="pilot_planned_end_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(actual_end_on__isnull=True)
                | models.Q(starts_on__isnull=True)
                | models.Q(actual_end_on__gte=models.F("starts_on")),
                name="pilot_actual_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.objective[:60]


class Milestone(models.Model):
    policy_team_path = "pilot__partnership__team"

    pilot = models.ForeignKey(Pilot, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(max_length=MILESTONE_TITLE.max_length)
    due_on = models.DateField()
    done_on = models.DateField(null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="milestones_owned",
    )

    history = History()

    class Meta:
        ordering = ["due_on", "id"]

    def __str__(self) -> str:
        return self.title


class KPI(models.Model):
    policy_team_path = "pilot__partnership__team"

    pilot = models.ForeignKey(Pilot, on_delete=models.CASCADE, related_name="kpis")
    name = models.CharField(max_length=KPI_TEXT["name"].max_length)
    target = models.DecimalField(max_digits=16, decimal_places=4)
    actual = models.DecimalField(max_digits=16, decimal_places=4, null=True, blank=True)
    unit = models.CharField(max_length=KPI_TEXT["unit"].max_length, blank=True)

    history = History()

    class Meta:
        ordering = ["id"]
        verbose_name = "KPI"
        constraints = [
            models.UniqueConstraint(fields=["pilot", "name"], name="kpi_name_unique_per_pilot"),
        ]

    def __str__(self) -> str:
        return self.name


class FollowUp(Versioned):
    class Priority(models.TextChoices):
        LOW = "low", _("Low")
        NORMAL = "normal", _("Normal")
        HIGH = "high", _("High")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    SUBJECT_FIELDS = ("engagement", "partnership", "mou", "pilot", "organization")
    # What came of it, written when it is marked done: the one limit the service, the pages'
    # form and the API read.
    OUTCOME_MAX = FOLLOWUP_OUTCOME.max_length
    policy_team_path = "team"

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="followups")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="followups"
    )
    due_on = models.DateField(db_index=True)
    due_time = models.TimeField(null=True, blank=True)
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    note = models.TextField()
    outcome = models.TextField(blank=True, max_length=OUTCOME_MAX)
    engagement = models.ForeignKey(
        Engagement, null=True, blank=True, on_delete=models.CASCADE, related_name="followups"
    )
    partnership = models.ForeignKey(
        Partnership, null=True, blank=True, on_delete=models.CASCADE, related_name="followups"
    )
    mou = models.ForeignKey(
        MoU, null=True, blank=True, on_delete=models.CASCADE, related_name="followups"
    )
    pilot = models.ForeignKey(
        Pilot, null=True, blank=True, on_delete=models.CASCADE, related_name="followups"
    )
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.CASCADE, related_name="followups"
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Set by background jobs ("mou-expiry:12:30d"): the unique key makes a job that runs twice
    # create one follow-up, not two.
    source_key = models.CharField(max_length=120, null=True, blank=True, unique=True)

    history = History(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("follow-up")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(
                        engagement__isnull=True,
                        partnership__isnull=True,
                        mou__isnull=True,
                        pilot__isnull=True,
                        organization__isnull=True,
                    )
                    | models.Q(
                        engagement__isnull=False,
                        partnership__isnull=True,
                        mou__isnull=True,
                        pilot__isnull=True,
                        organization__isnull=True,
                    )
                    | models.Q(
                        engagement__isnull=True,
                        partnership__isnull=False,
                        mou__isnull=True,
                        pilot__isnull=True,
                        organization__isnull=True,
                    )
                    | models.Q(
                        engagement__isnull=True,
                        partnership__isnull=True,
                        mou__isnull=False,
                        pilot__isnull=True,
                        organization__isnull=True,
                    )
                    | models.Q(
                        engagement__isnull=True,
                        partnership__isnull=True,
                        mou__isnull=True,
                        pilot__isnull=False,
                        organization__isnull=True,
                    )
                    | models.Q(
                        engagement__isnull=True,
                        partnership__isnull=True,
                        mou__isnull=True,
                        pilot__isnull=True,
                        organization__isnull=False,
                    )
                ),
                name="followup_one_subject",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="done") | models.Q(completed_at__isnull=False),
                name="followup_done_has_time",
            ),
        ]
        indexes = [models.Index(fields=["owner", "status", "due_on"])]

    def __str__(self) -> str:
        return self.note[:60]

    @property
    def subject(self):
        for name in self.SUBJECT_FIELDS:
            if getattr(self, f"{name}_id"):
                return name, getattr(self, name)
        return None, None


def _calendar_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarFeed(models.Model):
    """A private iCalendar URL; regenerating the token revokes the old address."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token = models.CharField(max_length=64, unique=True, default=_calendar_token)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"calendar of {self.user}"
