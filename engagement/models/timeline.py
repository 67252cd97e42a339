"""The timeline: what happened to a team's records, one row per event, written by the service
that did it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from engagement.models.accounts import Team
from engagement.models.crm import Partnership
from engagement.models.directory import Organization


class TimelineEvent(models.Model):
    """What happened, written by the service that did it, so a feed of any length is one query.

    Texts are rendered from `kind` and `data` when shown, in the reader's language.
    """

    class Kind(models.TextChoices):
        ENGAGEMENT = "engagement", _("Engagement logged")
        STAGE = "stage_changed", _("Stage changed")
        PARTNERSHIP = "partnership_created", _("Partnership created")
        MOU = "mou_event", _("MoU event")
        PILOT = "pilot_event", _("Pilot event")
        MILESTONE = "milestone_done", _("Milestone done")
        FOLLOWUP_CREATED = "followup_created", _("Follow-up created")
        FOLLOWUP_DONE = "followup_done", _("Follow-up done")
        FOLLOWUP_CANCELLED = "followup_cancelled", _("Follow-up cancelled")
        FOLLOWUP_REOPENED = "followup_reopened", _("Follow-up reopened")

    policy_team_path = "team"
    # A record of what the team's other records did: counting it too would count each piece
    # of work twice when a directory record's references are counted.
    counts_as_directory_reference = False

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="timeline")
    at = models.DateTimeField(db_index=True)
    kind = models.CharField(max_length=30, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    partnership = models.ForeignKey(
        Partnership, null=True, blank=True, on_delete=models.CASCADE, related_name="timeline"
    )
    organizations = models.ManyToManyField(Organization, blank=True, related_name="timeline")
    object_type = models.CharField(max_length=30)
    object_id = models.BigIntegerField()
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["team", "-at"]),
            models.Index(fields=["object_type", "object_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.at:%Y-%m-%d}"
