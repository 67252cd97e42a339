"""One record per organization: merges of duplicate directory records, and pairs a program
manager has said are not duplicates.

A merge moves every record that pointed at the duplicate to the organization that stays, and
archives the duplicate with `Organization.merged_into` set. What moved is written down here, row
by row, so the merge can be undone within its window (engagement.services.merges).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from engagement.models.directory import Organization


class OrganizationMerge(models.Model):
    survivor = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="merges_in", verbose_name=_("kept")
    )
    merged = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="merges_out", verbose_name=_("merged")
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField()
    # {"fk": {"<app.Model>.<field>": [ids]}, "m2m": {"<app.Model>.<field>": {"moved": [ids],
    #  "dropped": [ids]}}}: what pointed at `merged` before and at `survivor` after.
    moves = models.JSONField(default=dict)
    moved_count = models.PositiveIntegerField(default=0)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Not stored: whether the merge may still be undone, set where merges are listed
    # (engagement.selectors.duplicates.recent_merges).
    undoable: bool

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.merged} → {self.survivor}"


class DuplicateDismissal(models.Model):
    """A program manager's word that two organizations are different: the pair leaves the
    duplicates list. `first` has the lower id."""

    first = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["first", "second"], name="duplicate_dismissal_unique"),
            models.CheckConstraint(
                condition=models.Q(first__lt=models.F("second")), name="duplicate_dismissal_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.first_id} ≠ {self.second_id}"
