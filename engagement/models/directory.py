from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from engagement.models.base import History
from engagement.models.reference import Capability, MemberState, OrganizationKind, OrgType, Thrust
from engagement.normalize import search_key
from engagement.rules import CONTACT_TEXT, ORGANIZATION_TEXT, SUGGESTION_NOTE


class Organization(models.Model):
    kind = models.CharField(max_length=20, choices=OrganizationKind.choices)
    org_type = models.ForeignKey(OrgType, on_delete=models.PROTECT, related_name="organizations")
    name = models.CharField(_("name (English)"), max_length=ORGANIZATION_TEXT["name"].max_length)
    name_ja = models.CharField(
        _("name (Japanese)"), max_length=ORGANIZATION_TEXT["name_ja"].max_length, blank=True
    )
    country = models.CharField(
        _("country"),
        max_length=2,
        blank=True,
        help_text=_("ISO 3166-1 alpha-2; blank for a regional (ASEAN-wide) body"),
    )
    website = models.URLField(max_length=ORGANIZATION_TEXT["website"].max_length, blank=True)
    description = models.TextField(_("description (English)"), blank=True)
    description_ja = models.TextField(_("description (Japanese)"), blank=True)
    capabilities = models.ManyToManyField(
        Capability, blank=True, related_name="offered_by", verbose_name=_("capabilities offered")
    )
    needs = models.ManyToManyField(
        Capability, blank=True, related_name="needed_by", verbose_name=_("capabilities needed")
    )
    thrusts = models.ManyToManyField(Thrust, blank=True, related_name="organizations")
    priority_countries = models.ManyToManyField(
        MemberState, blank=True, related_name="prioritised_by"
    )
    presence_countries = models.ManyToManyField(
        MemberState, blank=True, related_name="present_organizations"
    )
    accepting_partners = models.BooleanField(default=True)
    source = models.CharField(max_length=ORGANIZATION_TEXT["source"].max_length, blank=True)
    # The organization's public switchboard: what anyone may know. The people a team knows
    # there are that team's contacts.
    switchboard_email = models.EmailField(
        _("switchboard e-mail"),
        max_length=ORGANIZATION_TEXT["switchboard_email"].max_length,
        blank=True,
    )
    switchboard_phone = models.CharField(
        _("switchboard phone"),
        max_length=ORGANIZATION_TEXT["switchboard_phone"].max_length,
        blank=True,
    )
    # The team that entered the record: it may keep editing it directly while no other team's
    # record refers to it (engagement.policy). Never shown to other teams.
    created_by_team = models.ForeignKey(
        "engagement.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # An organization that other records still refer to is archived, never removed.
    archived_at = models.DateTimeField(_("archived"), null=True, blank=True)
    # Set (with archived_at) when this record was merged into the one it duplicated.
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Bumped by every write; the API's ETag and If-Match compare against it.
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    # Both names as the search compares them (engagement.normalize.search_key), kept by the
    # directory services that write the names.
    search_text = models.TextField(blank=True, default="", editable=False)

    history = History(excluded_fields=["updated_at", "created_by_team", "search_text"])

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind=OrganizationKind.JAPANESE_COMPANY)
                | models.Q(country="JP"),
                name="organization_japanese_company_in_jp",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=OrganizationKind.values),
                name="organization_kind_valid",
            ),
            models.CheckConstraint(condition=~models.Q(name=""), name="organization_name_required"),
        ]
        indexes = [
            models.Index(fields=["kind", "country"]),
            models.Index(fields=["search_text"], name="organization_search_text"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def searchable(self) -> str:
        """What `search_text` should hold for the names as they are now."""
        return search_key(self.name, self.name_ja)

    @property
    def display_name(self) -> str:
        if (get_language() or "en").startswith("ja") and self.name_ja:
            return self.name_ja
        return self.name

    @property
    def etag(self) -> str:
        return f'"org-{self.pk}-v{self.version}"'


class OrganizationNameKey(models.Model):
    """One row per normalised name of an organization, unique within a country.

    The duplicate guard checks these keys before writing, and the unique constraint is what
    still holds when two people create the same organization at the same moment.
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="name_keys"
    )
    country = models.CharField(max_length=2)
    key = models.CharField(max_length=200)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["country", "key"], name="organization_name_key_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.country}:{self.key}"


class Contact(models.Model):
    """A person a team knows at an organization. Contacts belong to the team that recorded
    them: who a team knows, with their phone numbers and notes, is that team's business."""

    policy_team_path = "team"

    team = models.ForeignKey(
        "engagement.Team",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="contacts",
        help_text=_(
            "The team that recorded this contact; empty only for records older than "
            "team-owned contacts whose creator was unknown (program managers see them)."
        ),
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="contacts"
    )
    name = models.CharField(max_length=CONTACT_TEXT["name"].max_length)
    name_reading = models.CharField(
        _("reading (kana)"), max_length=CONTACT_TEXT["name_reading"].max_length, blank=True
    )
    title = models.CharField(max_length=CONTACT_TEXT["title"].max_length, blank=True)
    email = models.EmailField(max_length=CONTACT_TEXT["email"].max_length, blank=True)
    phone = models.CharField(max_length=CONTACT_TEXT["phone"].max_length, blank=True)
    notes = models.TextField(blank=True)
    opted_out = models.BooleanField(
        _("opted out"), default=False, help_text=_("Do not send this person messages.")
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    # Name, reading and address as the search compares them, kept by the contact services.
    search_text = models.TextField(blank=True, default="", editable=False)

    history = History(excluded_fields=["updated_at", "search_text"])

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            # Two teams may each know the same person: an address is unique within a team.
            models.UniqueConstraint(
                "team",
                Lower("email"),
                condition=~models.Q(email=""),
                name="contact_team_email_unique",
            ),
            models.CheckConstraint(condition=~models.Q(name=""), name="contact_name_required"),
        ]
        indexes = [models.Index(fields=["team", "search_text"], name="contact_search_text")]

    def __str__(self) -> str:
        return self.name

    @property
    def searchable(self) -> str:
        """What `search_text` should hold for the name, reading and address as they are now."""
        return search_key(self.name, self.name_reading, self.email)

    @property
    def etag(self) -> str:
        return f'"contact-{self.pk}-v{self.version}"'


class SuggestedEdit(models.Model):
    """A change to a shared organization proposed by someone who may not make it directly.

    Program managers see the queue with the difference to the current record and apply or
    decline it; the proposer is told either way. Seen by the proposer's team and program
    managers only: what a team wants changed says what it is working on.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPLIED = "applied", _("Applied")
        DECLINED = "declined", _("Declined")

    policy_team_path = "team"
    # Not a team's work on the organization: a pending proposal does not keep it from being
    # edited or deleted (engagement.references).
    counts_as_directory_reference = False

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="suggested_edits"
    )
    team = models.ForeignKey(
        "engagement.Team", on_delete=models.CASCADE, related_name="suggested_edits"
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    changes = models.JSONField(help_text=_("The proposed values, in the API's input shape."))
    reason = models.TextField(_("reason"), max_length=SUGGESTION_NOTE.max_length)
    base_version = models.PositiveIntegerField()
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(
        _("note to the proposer"), max_length=SUGGESTION_NOTE.max_length, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["pending", "applied", "declined"]),
                name="suggested_edit_status_valid",
            ),
            models.CheckConstraint(condition=~models.Q(reason=""), name="suggested_edit_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.organization} ({self.get_status_display()})"
