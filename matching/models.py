"""Partner suggestions, the decisions taken on them, and the versions of the scoring weights.

Suggestions and decisions name their owning team in `policy_team_path` (engagement.policy):
another company's suggestions are not found.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from engagement.models import (
    Incentive,
    Initiative,
    MemberState,
    Organization,
    OrganizationKind,
    OrgType,
    Partnership,
    Project,
    Team,
)


class MatchingModel(models.Model):
    """One version of the component weights. Exactly one is active; a trained version is only
    activated when it does at least as well as the active one on held-out decisions."""

    version = models.PositiveIntegerField(unique=True)
    weights = models.JSONField()
    metrics = models.JSONField(default=dict, blank=True)
    is_active = models.BooleanField(default=False)
    trained_on = models.PositiveIntegerField(default=0, help_text=_("Decisions used to fit it."))
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    activated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-version"]
        verbose_name = _("matching model")
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"], condition=Q(is_active=True), name="matching_one_active_model"
            ),
        ]

    def __str__(self) -> str:
        return f"v{self.version}{' (active)' if self.is_active else ''}"


class Purpose(models.TextChoices):
    """What a suggestion is for (matching.roles): an investment agency is never a customer."""

    CUSTOMER = "customer", _("Customer")
    SUPPLIER = "supplier", _("Supplier")
    RND_PARTNER = "rnd_partner", _("R&D partner")
    TALENT_PARTNER = "talent_partner", _("Talent partner")
    INVESTMENT = "investment_incentives", _("Investment & incentives")
    CHANNEL = "channel", _("Channel")


class MatchingPreference(models.Model):
    """A company's matching strategy beyond its profile (priority member states and target
    thrusts live on the organization): the purposes it seeks (none named: every purpose), and
    what it rules out: these member states and institution types are never suggested."""

    company = models.OneToOneField(
        Organization,
        on_delete=models.CASCADE,
        related_name="matching_preference",
        limit_choices_to={"kind": OrganizationKind.JAPANESE_COMPANY},
    )
    excluded_countries = models.ManyToManyField(MemberState, blank=True, related_name="+")
    excluded_org_types = models.ManyToManyField(
        OrgType,
        blank=True,
        related_name="+",
        limit_choices_to={"kind": OrganizationKind.ASEAN_INSTITUTION},
    )
    purposes = models.JSONField(
        _("purposes sought"),
        default=list,
        blank=True,
        help_text=_("What the company looks for in ASEAN; empty: every purpose."),
    )
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("matching preference")

    def __str__(self) -> str:
        return f"preferences of {self.company}"


class SuggestionStatus(models.TextChoices):
    NEW = "new", _("New")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    SNOOZED = "snoozed", _("Snoozed")


class RejectReason(models.TextChoices):
    NOT_RELEVANT = "not_relevant", _("Not relevant to our business")
    WRONG_COUNTRY = "wrong_country", _("Not a member state we pursue")
    ALREADY_IN_TOUCH = "already_in_touch", _("Already in touch another way")
    NO_CAPACITY = "no_capacity", _("No capacity to pursue it now")
    COMPETITOR = "competitor", _("Works with a competitor")
    OTHER = "other", _("Other")


COUNTERPART_FIELDS = ("organization", "initiative", "project", "incentive")


def _one_counterpart() -> Q:
    """Exactly one of the counterpart fields is set."""
    out = Q()
    for name in COUNTERPART_FIELDS:
        out |= Q(
            **{f"{other}__isnull": other != name for other in COUNTERPART_FIELDS},
        )
    return out


class MatchSuggestion(models.Model):
    """A company ↔ counterpart (an ASEAN institution or an initiative) worth approaching.

    Rows with status `new` are replaced by every recompute; decided rows stay as they are.
    `components` holds each component's value and contribution to the score, `reasons` the
    codes the explanation is worded from (matching.explain)."""

    policy_team_path = "team"
    # Computed, and computed again: a suggestion is not a team's work on the organization, so
    # it does not keep a directory record from being edited or deleted.
    counts_as_directory_reference = False

    # Indexes are few on purpose: a full recompute writes hundreds of thousands of rows. The
    # composite indexes below serve company_id and organization_id lookups.
    company = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="match_suggestions", db_index=False
    )
    # The company's team when the suggestion was made; NULL when it has none (program managers
    # still see and may reject or snooze it).
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="match_suggestions"
    )
    organization = models.ForeignKey(
        Organization,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="suggested_to",
        db_index=False,
    )
    initiative = models.ForeignKey(
        Initiative, null=True, blank=True, on_delete=models.CASCADE, related_name="suggested_to"
    )
    # Few rows name a project or an incentive: partial indexes below, not full ones.
    project = models.ForeignKey(
        Project,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="suggested_to",
        db_index=False,
    )
    incentive = models.ForeignKey(
        Incentive,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="suggested_to",
        db_index=False,
    )
    score = models.FloatField()
    rank = models.PositiveIntegerField()
    purpose = models.CharField(max_length=24, choices=Purpose.choices, blank=True)
    components = models.JSONField(default=dict)
    reasons = models.JSONField(default=dict)
    model_version = models.PositiveIntegerField()
    generated_at = models.DateTimeField()
    status = models.CharField(
        max_length=10, choices=SuggestionStatus.choices, default=SuggestionStatus.NEW
    )
    stale = models.BooleanField(
        default=False, help_text=_("A profile changed since; a recompute is on its way.")
    )
    company_fingerprint = models.CharField(max_length=16, blank=True)
    counterpart_fingerprint = models.CharField(max_length=16, blank=True)
    partnership = models.ForeignKey(
        Partnership,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    snoozed_until = models.DateField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["company_id", "rank", "id"]
        verbose_name = _("match suggestion")
        constraints = [
            models.CheckConstraint(condition=_one_counterpart(), name="match_one_counterpart"),
            models.CheckConstraint(
                condition=Q(score__gte=0) & Q(score__lte=1), name="match_score_in_unit_range"
            ),
            models.CheckConstraint(
                condition=~Q(status="snoozed") | Q(snoozed_until__isnull=False),
                name="match_snoozed_has_date",
            ),
            # One open suggestion per pair: a recompute cannot add a second beside a snoozed one.
            models.UniqueConstraint(
                fields=["company", "organization"],
                condition=Q(status__in=["new", "snoozed"], organization__isnull=False),
                name="match_open_org_pair_unique",
            ),
            models.UniqueConstraint(
                fields=["company", "initiative"],
                condition=Q(status__in=["new", "snoozed"], initiative__isnull=False),
                name="match_open_initiative_pair_unique",
            ),
            models.UniqueConstraint(
                fields=["company", "project"],
                condition=Q(status__in=["new", "snoozed"], project__isnull=False),
                name="match_open_project_pair_unique",
            ),
            models.UniqueConstraint(
                fields=["company", "incentive"],
                condition=Q(status__in=["new", "snoozed"], incentive__isnull=False),
                name="match_open_incentive_pair_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["company", "status", "rank"], name="match_company_queue"),
            models.Index(fields=["organization", "status"], name="match_counterpart"),
            # Decided rows only (few): what a deleted partnership or user is looked up by.
            models.Index(
                fields=["partnership"],
                condition=Q(partnership__isnull=False),
                name="match_partnership",
            ),
            models.Index(
                fields=["decided_by"],
                condition=Q(decided_by__isnull=False),
                name="match_decided_by",
            ),
            models.Index(
                fields=["project"], condition=Q(project__isnull=False), name="match_project"
            ),
            models.Index(
                fields=["incentive"], condition=Q(incentive__isnull=False), name="match_incentive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.company_id} → {self.counterpart_label} ({self.score:.2f})"

    @property
    def kind(self) -> str:
        return counterpart_kind(self)

    @property
    def counterpart_id(self) -> int | None:
        return getattr(self, f"{self.kind}_id")

    @property
    def counterpart(self):
        return getattr(self, self.kind)

    @property
    def counterpart_label(self) -> str:
        if self.initiative_id:
            return f"{self.initiative.code} {self.initiative.display_name}"
        if self.project_id:
            return self.project.display_name
        if self.incentive_id:
            return self.incentive.display_name
        return self.organization.display_name if self.organization_id else ""


def counterpart_kind(row) -> str:
    """organization, initiative, project or incentive: the counterpart field a row has set."""
    for name in COUNTERPART_FIELDS[1:]:
        if getattr(row, f"{name}_id", None):
            return name
    return "organization"


class MatchDecision(models.Model):
    """Who accepted, rejected or snoozed which suggestion, when and why; what learning fits on."""

    class Decision(models.TextChoices):
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")
        SNOOZED = "snoozed", _("Snoozed")

    policy_team_path = "team"

    suggestion = models.ForeignKey(
        MatchSuggestion, null=True, blank=True, on_delete=models.SET_NULL, related_name="decisions"
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.PROTECT, related_name="match_decisions"
    )
    company = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    initiative = models.ForeignKey(
        Initiative, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    project = models.ForeignKey(
        Project, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    incentive = models.ForeignKey(
        Incentive, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    decision = models.CharField(max_length=10, choices=Decision.choices)
    reason = models.CharField(max_length=20, choices=RejectReason.choices, blank=True)
    note = models.TextField(blank=True)
    snoozed_until = models.DateField(null=True, blank=True)
    partnership = models.ForeignKey(
        Partnership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The suggestion as it was decided: what learning reads, and what a rejection compares
    # profiles against before suggesting the pair again.
    components = models.JSONField(default=dict)
    score = models.FloatField()
    model_version = models.PositiveIntegerField()
    company_fingerprint = models.CharField(max_length=16, blank=True)
    counterpart_fingerprint = models.CharField(max_length=16, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-decided_at", "-id"]
        verbose_name = _("match decision")
        constraints = [
            models.CheckConstraint(
                condition=_one_counterpart(), name="match_decision_one_counterpart"
            ),
            models.CheckConstraint(
                condition=~Q(decision="rejected") | ~Q(reason=""),
                name="match_rejection_has_reason",
            ),
        ]
        indexes = [models.Index(fields=["company", "decision", "decided_at"])]

    def __str__(self) -> str:
        return f"{self.decision} {self.decided_at:%Y-%m-%d}"


class MatchRecomputeRequest(models.Model):
    """Something matching reads changed: recompute after `due_at`. One row per organization,
    project or incentive (exactly one of the three), so ten edits in a minute make one recompute
    (the beat task scans for due rows; no countdown tasks)."""

    # Work queued for the record itself: a merge of organizations leaves it where it is.
    moves_in_merge = False

    organization = models.OneToOneField(
        Organization,
        on_delete=models.CASCADE,
        related_name="match_recompute_request",
        null=True,
        blank=True,
    )
    project = models.OneToOneField(
        Project,
        on_delete=models.CASCADE,
        related_name="match_recompute_request",
        null=True,
        blank=True,
    )
    incentive = models.OneToOneField(
        Incentive,
        on_delete=models.CASCADE,
        related_name="match_recompute_request",
        null=True,
        blank=True,
    )
    due_at = models.DateTimeField(db_index=True)
    edits = models.PositiveIntegerField(default=1)
    claimed_until = models.DateTimeField(null=True, blank=True)
    requested_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("match recompute request")
        constraints = [
            models.CheckConstraint(
                name="recompute_request_names_one_record",
                condition=(
                    Q(organization__isnull=False, project__isnull=True, incentive__isnull=True)
                    | Q(organization__isnull=True, project__isnull=False, incentive__isnull=True)
                    | Q(organization__isnull=True, project__isnull=True, incentive__isnull=False)
                ),
            )
        ]

    def __str__(self) -> str:
        what = (
            f"project {self.project_id}"
            if self.project_id
            else f"incentive {self.incentive_id}"
            if self.incentive_id
            else f"organization {self.organization_id}"
        )
        return f"recompute {what} at {self.due_at:%H:%M:%S}"


class MatchRun(models.Model):
    """A full recompute split into chunks of companies that several workers share."""

    key = models.CharField(max_length=60, unique=True)
    model_version = models.PositiveIntegerField()
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("match run")

    def __str__(self) -> str:
        return self.key


class MatchRunChunk(models.Model):
    run = models.ForeignKey(MatchRun, on_delete=models.CASCADE, related_name="chunks")
    first_company_id = models.BigIntegerField()
    last_company_id = models.BigIntegerField()
    claimed_until = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    companies = models.PositiveIntegerField(default=0)
    suggestions = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["run_id", "first_company_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "first_company_id"], name="match_run_chunk_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.run.key} [{self.first_company_id}..{self.last_company_id}]"
