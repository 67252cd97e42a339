from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from engagement.models.reference import Capability, MemberState, OrganizationKind, OrgType, Thrust


class Organization(models.Model):
    kind = models.CharField(max_length=20, choices=OrganizationKind.choices)
    org_type = models.ForeignKey(OrgType, on_delete=models.PROTECT, related_name="organizations")
    name = models.CharField(_("name (English)"), max_length=200)
    name_ja = models.CharField(_("name (Japanese)"), max_length=200, blank=True)
    country = models.CharField(
        _("country"),
        max_length=2,
        blank=True,
        help_text=_("ISO 3166-1 alpha-2; blank for a regional (ASEAN-wide) body"),
    )
    website = models.URLField(blank=True)
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
    source = models.CharField(max_length=300, blank=True)
    # Bumped by every write; the API's ETag and If-Match compare against it.
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

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
        indexes = [models.Index(fields=["kind", "country"])]

    def __str__(self) -> str:
        return self.name

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
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="contacts"
    )
    name = models.CharField(max_length=200)
    name_reading = models.CharField(_("reading (kana)"), max_length=200, blank=True)
    title = models.CharField(max_length=200, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=50, blank=True)
    notes = models.TextField(blank=True)
    opted_out = models.BooleanField(
        _("opted out"), default=False, help_text=_("Do not send this person messages.")
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"), condition=~models.Q(email=""), name="contact_email_unique"
            ),
            models.CheckConstraint(condition=~models.Q(name=""), name="contact_name_required"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def etag(self) -> str:
        return f'"contact-{self.pk}-v{self.version}"'
