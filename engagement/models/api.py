from __future__ import annotations

from django.conf import settings
from django.db import models


class Tombstone(models.Model):
    """A deleted record, so integrators syncing with `updated_since` can mirror deletions."""

    resource = models.CharField(max_length=40)
    object_id = models.BigIntegerField()
    # Set for team-owned records: only that team (and program managers) may learn of the deletion.
    team = models.ForeignKey("engagement.Team", null=True, blank=True, on_delete=models.CASCADE)
    deleted_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["deleted_at", "id"]
        indexes = [models.Index(fields=["resource", "object_id"])]

    def __str__(self) -> str:
        return f"{self.resource} {self.object_id} deleted {self.deleted_at:%Y-%m-%d}"


class IdempotencyRecord(models.Model):
    """The first answer to a POST sent with an Idempotency-Key, replayed on a retry."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    key = models.CharField(max_length=200)
    fingerprint = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True)
    body = models.JSONField(null=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_user_key_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key}"


class ApiRequestCount(models.Model):
    """How many API requests one caller made in one second, for the rate limit
    (engagement.api.throttling) when no Redis is configured: one UPSERT a request on a row of
    its own, where the database cache would read, rewrite and count its whole table. Rows whose
    second has left the window are deleted by the `purge_api_request_counts` job."""

    key = models.CharField(max_length=200)
    second = models.BigIntegerField(db_index=True)
    count = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key", "second"], name="api_request_count_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.key}@{self.second}: {self.count}"

    @classmethod
    def window_seconds(cls) -> int:
        """The rate's period (API_THROTTLE_RATE, read as DRF reads it: s, m, h or d)."""
        rate = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["principal"]
        period = rate.split("/", 1)[1][:1] if rate else "m"
        return {"s": 1, "m": 60, "h": 3600, "d": 86400}[period]

    @classmethod
    def outside_window(cls, now_seconds: float) -> models.QuerySet[ApiRequestCount]:
        """Counts no caller's window holds any more (a request counts until the end of its
        second, so a second is kept one second longer than the window)."""
        return cls.objects.filter(second__lte=int(now_seconds) - cls.window_seconds() - 1)
