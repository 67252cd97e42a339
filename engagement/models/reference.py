from django.db import models
from django.utils.translation import gettext_lazy as _

from engagement.models.base import BilingualNameMixin, ReferenceModel


class FrameworkStatus(models.TextChoices):
    """How far to trust a piece of the framework's structure: the values of Initiative.Status."""

    DESCRIBED = "described", _("Described in a report")
    PROPOSED = "proposed", _("Proposed")
    OFFICIAL = "official", _("Official")
    RETIRED = "retired", _("Retired")


class Provenance(models.TextChoices):
    """Where a piece of the framework's structure comes from (also Initiative.provenance)."""

    REPORT = "report", _("the report's reading")
    OFFICIAL = "official", _("official ASEAN text")
    INFERRED = "inferred", _("our reading")


class FrameworkReferenceModel(ReferenceModel):
    """Areas and thrusts, like initiatives, carry a status and a provenance, so the official
    structure can replace the report's reading later without a schema change."""

    status = models.CharField(
        max_length=20, choices=FrameworkStatus.choices, default=FrameworkStatus.DESCRIBED
    )
    provenance = models.CharField(max_length=200, blank=True, default=Provenance.REPORT)
    # What in the row is whose reading, in plain words ("the core area is our reading").
    provenance_note = models.TextField(blank=True)

    class Meta(ReferenceModel.Meta):
        abstract = True


class CoreArea(FrameworkReferenceModel):
    class Meta(FrameworkReferenceModel.Meta):
        verbose_name = _("core area")


class Thrust(FrameworkReferenceModel):
    core_area = models.ForeignKey(CoreArea, on_delete=models.PROTECT, related_name="thrusts")
    focus = models.TextField(blank=True)

    class Meta(FrameworkReferenceModel.Meta):
        verbose_name = _("strategic thrust")


class Capability(ReferenceModel):
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    synonyms_en = models.JSONField(default=list, blank=True)
    synonyms_ja = models.JSONField(default=list, blank=True)
    thrusts = models.ManyToManyField(Thrust, blank=True, related_name="capabilities")

    class Meta(ReferenceModel.Meta):
        verbose_name = _("capability")
        verbose_name_plural = _("capabilities")

    @property
    def is_branch(self) -> bool:
        return self.parent_id is None


class Initiative(ReferenceModel):
    """The official list is not public yet: status and provenance say how far to trust a row."""

    class Status(models.TextChoices):
        DESCRIBED = "described", _("Described in a report")
        PROPOSED = "proposed", _("Proposed")
        OFFICIAL = "official", _("Official")
        RETIRED = "retired", _("Retired")

    thrust = models.ForeignKey(Thrust, on_delete=models.PROTECT, related_name="initiatives")
    capabilities = models.ManyToManyField(Capability, blank=True, related_name="initiatives")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DESCRIBED)
    provenance = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True)

    class Meta(ReferenceModel.Meta):
        verbose_name = _("initiative")


class MemberState(BilingualNameMixin, models.Model):
    iso2 = models.CharField(max_length=2, unique=True)
    name_en = models.CharField(max_length=100)
    name_ja = models.CharField(max_length=100, blank=True)
    note = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["name_en"]
        verbose_name = _("member state")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(iso2__regex=r"^[A-Z]{2}$"), name="member_state_iso2_upper"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.iso2} {self.name_en}"

    @property
    def code(self) -> str:
        return self.iso2


class OrganizationKind(models.TextChoices):
    JAPANESE_COMPANY = "japanese_company", _("Japanese company")
    ASEAN_INSTITUTION = "asean_institution", _("ASEAN institution")


class OrgType(ReferenceModel):
    """Organization types; the Japanese company types carry the report's priority thrusts."""

    kind = models.CharField(max_length=20, choices=OrganizationKind.choices)
    priority_thrusts = models.ManyToManyField(Thrust, blank=True, related_name="priority_for")
    typical_capabilities = models.CharField(max_length=200, blank=True)
    guidance = models.TextField(blank=True)

    class Meta(ReferenceModel.Meta):
        verbose_name = _("organization type")


class PartnershipType(ReferenceModel):
    typical_thrusts = models.ManyToManyField(Thrust, blank=True, related_name="partnership_types")

    class Meta(ReferenceModel.Meta):
        verbose_name = _("partnership type")
