from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """An in-app message, and the state of its email.

    `dedupe_key` names the job, the target and the period ("overdue:42:2026-11-26"): a job
    that runs twice, or on two workers at once, creates the notification once.
    """

    class Kind(models.TextChoices):
        FOLLOWUP_OVERDUE = "followup_overdue", _("Overdue follow-up")
        FOLLOWUP_ESCALATED = "followup_escalated", _("Follow-up long overdue")
        MOU_EXPIRING = "mou_expiring", _("MoU expiring")
        MOU_EXPIRED = "mou_expired", _("MoU expired")
        PILOT_AT_RISK = "pilot_at_risk", _("Pilot at risk")
        PARTNERSHIP_STALE = "partnership_stale", _("Partnership without engagement")
        DIGEST = "digest", _("Weekly digest")
        SUGGESTED_EDIT = "suggested_edit", _("Suggested edit decided")
        PROJECT_PHASE = "project_phase", _("Project phase changed")
        INCENTIVE_DEADLINE = "incentive_deadline", _("Incentive deadline coming")

    class EmailStatus(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Skipped (no address)")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=30, choices=Kind.choices)
    subject = models.CharField(max_length=250)
    body = models.TextField()
    url = models.CharField(max_length=300, blank=True)
    dedupe_key = models.CharField(max_length=150, unique=True)
    read_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    email_status = models.CharField(
        max_length=10, choices=EmailStatus.choices, default=EmailStatus.PENDING, db_index=True
    )
    email_attempts = models.PositiveSmallIntegerField(default=0)
    email_error = models.TextField(blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    email_claimed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at", "-created_at"])]

    def __str__(self) -> str:
        return self.subject

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
