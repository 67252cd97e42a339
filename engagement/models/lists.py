"""Lists people work with: a user's saved views of the organization, partnership, engagement and
follow-up lists (the list's filters and sort order, as the page's query string, under a name).

A saved view is personal: only its user sees, renames or deletes it (engagement.policy)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

SAVED_VIEW_NAME_MAX = 60
SAVED_VIEW_QUERY_MAX = 1000
SAVED_VIEWS_PER_LIST = 20


class ListName(models.TextChoices):
    ORGANIZATIONS = "organizations", _("Directory")
    PARTNERSHIPS = "partnerships", _("Partnerships")
    ENGAGEMENTS = "engagements", _("Engagements")
    FOLLOWUPS = "followups", _("Follow-ups")


class SavedView(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views"
    )
    list_name = models.CharField(max_length=20, choices=ListName.choices)
    name = models.CharField(_("name"), max_length=SAVED_VIEW_NAME_MAX)
    # The list page's query string without its page number, e.g. "stage=pilot&sort=-value".
    query = models.CharField(max_length=SAVED_VIEW_QUERY_MAX, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "list_name", "name"], name="saved_view_unique_name"
            )
        ]

    def __str__(self) -> str:
        return self.name
