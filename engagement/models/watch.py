"""Implementation watch: where each initiative stands in each member state, and dated policy
updates. Shared market intelligence: every signed-in user reads it; program managers and
administrators record it."""

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from engagement.models.reference import Initiative, MemberState, Thrust
from engagement.rules import POLICY_UPDATE_TEXT, SOURCE_TEXT


class ImplementationStatus(models.Model):
    """One dated observation. The current status of a (initiative, member state) is the latest
    by effective date, derived when read, never stored twice."""

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", _("Not started")
        PLANNED = "planned", _("Planned")
        IN_PROGRESS = "in_progress", _("In progress")
        LAUNCHED = "launched", _("Launched")
        PAUSED = "paused", _("Paused")

    initiative = models.ForeignKey(
        Initiative, on_delete=models.PROTECT, related_name="implementation_statuses"
    )
    member_state = models.ForeignKey(
        MemberState, on_delete=models.PROTECT, related_name="implementation_statuses"
    )
    status = models.CharField(max_length=20, choices=Status.choices)
    effective_on = models.DateField()
    note = models.TextField(blank=True)
    source_url = models.URLField(max_length=SOURCE_TEXT["source_url"].max_length, blank=True)
    source_title = models.CharField(max_length=SOURCE_TEXT["source_title"].max_length, blank=True)
    source_publisher = models.CharField(
        max_length=SOURCE_TEXT["source_publisher"].max_length, blank=True
    )
    source_date = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["-effective_on", "-recorded_at", "-id"]
        indexes = [models.Index(fields=["initiative", "member_state", "-effective_on"])]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(source_url="", source_title=""),
                name="implementation_status_has_source",
            ),
            # The same observation once: a second import of the same file records nothing new.
            models.UniqueConstraint(
                fields=["initiative", "member_state", "status", "effective_on"],
                name="implementation_status_once",
            ),
        ]
        verbose_name = _("implementation status")
        verbose_name_plural = _("implementation statuses")

    def __str__(self) -> str:
        return f"{self.initiative.code} {self.member_state.iso2} {self.status} {self.effective_on}"


class PolicyUpdate(models.Model):
    class Kind(models.TextChoices):
        NEWS = "news", _("News")
        REGULATION = "regulation", _("Regulation")
        INCENTIVE = "incentive", _("Incentive scheme")
        CALL = "call_for_partners", _("Call for partners")
        EVENT = "event", _("Event")

    published_on = models.DateField(db_index=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    title = models.CharField(max_length=POLICY_UPDATE_TEXT["title"].max_length, blank=True)
    title_ja = models.CharField(max_length=POLICY_UPDATE_TEXT["title_ja"].max_length, blank=True)
    summary = models.TextField(blank=True)
    summary_ja = models.TextField(blank=True)
    member_states = models.ManyToManyField(MemberState, blank=True, related_name="policy_updates")
    thrusts = models.ManyToManyField(Thrust, blank=True, related_name="policy_updates")
    initiatives = models.ManyToManyField(Initiative, blank=True, related_name="policy_updates")
    source_url = models.URLField(max_length=SOURCE_TEXT["source_url"].max_length, blank=True)
    source_title = models.CharField(max_length=SOURCE_TEXT["source_title"].max_length, blank=True)
    source_publisher = models.CharField(
        max_length=SOURCE_TEXT["source_publisher"].max_length, blank=True
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["-published_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(title="", title_ja=""), name="policy_update_has_title"
            ),
            models.CheckConstraint(
                condition=~models.Q(source_url="", source_title=""), name="policy_update_has_source"
            ),
            # One update per title and publication day, in each language.
            models.UniqueConstraint(
                fields=["published_on", "title"],
                condition=~models.Q(title=""),
                name="policy_update_title_once",
            ),
            models.UniqueConstraint(
                fields=["published_on", "title_ja"],
                condition=~models.Q(title_ja=""),
                name="policy_update_title_ja_once",
            ),
        ]

    def __str__(self) -> str:
        return self.title or self.title_ja

    @property
    def display_title(self) -> str:
        if (get_language() or "en").startswith("ja") and self.title_ja:
            return self.title_ja
        return self.title or self.title_ja

    @property
    def display_summary(self) -> str:
        if (get_language() or "en").startswith("ja") and self.summary_ja:
            return self.summary_ja
        return self.summary or self.summary_ja


class Follow(models.Model):
    """A user following a member state, a thrust or an initiative (exactly one)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follows"
    )
    member_state = models.ForeignKey(
        MemberState, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    thrust = models.ForeignKey(
        Thrust, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    initiative = models.ForeignKey(
        Initiative, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(
                        member_state__isnull=False, thrust__isnull=True, initiative__isnull=True
                    )
                    | models.Q(
                        member_state__isnull=True, thrust__isnull=False, initiative__isnull=True
                    )
                    | models.Q(
                        member_state__isnull=True, thrust__isnull=True, initiative__isnull=False
                    )
                ),
                name="follow_exactly_one_subject",
            ),
            models.UniqueConstraint(
                fields=["user", "member_state"],
                name="follow_state_once",
                condition=models.Q(member_state__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["user", "thrust"],
                name="follow_thrust_once",
                condition=models.Q(thrust__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["user", "initiative"],
                name="follow_initiative_once",
                condition=models.Q(initiative__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} follows {self.member_state or self.thrust or self.initiative}"
