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
    its own, where the database cache would read, rewrite and count its whole table."""

    key = models.CharField(max_length=200)
    second = models.BigIntegerField(db_index=True)
    count = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key", "second"], name="api_request_count_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.key}@{self.second}: {self.count}"
