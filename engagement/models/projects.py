"""Projects a BD team sells to (a new fab, an OSAT expansion, a wafer plant) and the incentives
it can pursue. Shared market intelligence like the implementation watch: every signed-in user
reads them; program managers and administrators record them (engagement.policy).

Both are public facts as of a date and go stale: a project's phase is true as of
`phase_as_of`, an incentive's terms as of its sources. Matching reads these models; the
fields below are its contract, so each says what it holds.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from engagement.models.base import BilingualNameMixin, History
from engagement.models.directory import Organization
from engagement.models.reference import Capability, MemberState, Thrust
from engagement.rules import INCENTIVE_TEXT, PROJECT_TEXT


class ProjectKind(models.TextChoices):
    FRONT_END_FAB = "front_end_fab", _("Front-end fab")
    BACK_END_ATP = "back_end_atp", _("Assembly, test and packaging")
    WAFER = "wafer", _("Wafer plant")
    MATERIALS = "materials", _("Materials plant")
    EQUIPMENT_SERVICE = "equipment_service", _("Equipment and parts plant")
    R_AND_D = "r_and_d", _("R&D centre")
    TRAINING = "training", _("Training centre")


class ProjectPhase(models.TextChoices):
    """In the order a project goes through them (PHASE_ORDER)."""

    ANNOUNCED = "announced", _("Announced")
    CONSTRUCTION = "construction", _("Construction")
    TOOL_IN = "tool_in", _("Tool-in")
    RAMP = "ramp", _("Ramp-up")
    PRODUCTION = "production", _("Production")


class IncentiveKind(models.TextChoices):
    TAX = "tax", _("Tax incentive")
    GRANT = "grant", _("Grant")
    LOAN = "loan", _("Loan")
    INSURANCE = "insurance", _("Insurance")
    MATCHING_FUND = "matching_fund", _("Matching fund")
    TRAINING_SUBSIDY = "training_subsidy", _("Training subsidy")


class Project(BilingualNameMixin, models.Model):
    """A real semiconductor project in a member state, addressed by its stable `code`."""

    Kind = ProjectKind
    Phase = ProjectPhase

    code = models.CharField(max_length=60, unique=True)
    name_en = models.CharField(max_length=PROJECT_TEXT["name_en"].max_length)
    name_ja = models.CharField(max_length=PROJECT_TEXT["name_ja"].max_length, blank=True)
    # The owner as the sources name it (often a foreign company: Infineon, Intel), and the
    # directory's organization when it has one (matched by normalised name).
    owner_name = models.CharField(max_length=PROJECT_TEXT["owner_name"].max_length)
    owner = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name="projects"
    )
    country = models.ForeignKey(MemberState, on_delete=models.PROTECT, related_name="projects")
    site = models.CharField(max_length=PROJECT_TEXT["site"].max_length, blank=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    technology = models.TextField(blank=True)
    # What the project will buy from suppliers (tools, materials, services, training): our
    # reading of its technology, not a statement by the owner.
    capabilities = models.ManyToManyField(
        Capability, blank=True, related_name="projects", verbose_name=_("capabilities needed")
    )
    # The last phase a source confirms, true as of `phase_as_of` (the first day of the month of
    # the latest source), not a guess at today's.
    phase = models.CharField(max_length=20, choices=Phase.choices)
    phase_as_of = models.DateField()
    announced_year = models.PositiveSmallIntegerField(null=True, blank=True)
    # The year production started or, before that, the year the owner gives; null when none.
    production_start_year = models.PositiveSmallIntegerField(null=True, blank=True)
    sources = models.TextField(help_text=_("Publisher, title and year of each source."))
    note = models.TextField(blank=True)
    # Bumped by every write; the API's ETag and If-Match compare against it.
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    history = History(excluded_fields=["updated_at"], m2m_fields=["capabilities"])

    class Meta:
        ordering = ["country__iso2", "code"]
        verbose_name = _("project")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=ProjectKind.values),
                name="project_kind_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(phase__in=ProjectPhase.values),
                name="project_phase_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(announced_year__isnull=True)
                | models.Q(announced_year__gte=1990, announced_year__lte=2100),
                name="project_announced_year_range",
            ),
            models.CheckConstraint(
                condition=models.Q(production_start_year__isnull=True)
                | models.Q(production_start_year__gte=1990, production_start_year__lte=2100),
                name="project_production_year_range",
            ),
            models.CheckConstraint(condition=~models.Q(code=""), name="project_code_required"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name_en}"

    @property
    def etag(self) -> str:
        return f'"project-{self.pk}-v{self.version}"'


# The order a project goes through its phases.
PHASE_ORDER = list(ProjectPhase.values)


class Incentive(BilingualNameMixin, models.Model):
    """An incentive or funding programme, ASEAN-side or Japanese-side (`country` JP)."""

    Kind = IncentiveKind

    code = models.CharField(max_length=60, unique=True)
    name_en = models.CharField(max_length=INCENTIVE_TEXT["name_en"].max_length)
    name_ja = models.CharField(max_length=INCENTIVE_TEXT["name_ja"].max_length, blank=True)
    # The agency as the sources name it, and the directory's organization when it has one.
    agency_name = models.CharField(max_length=INCENTIVE_TEXT["agency_name"].max_length)
    agency = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name="incentives"
    )
    # ISO 3166-1 alpha-2: a member state, or JP for a Japanese programme.
    country = models.CharField(max_length=2)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    who_can_apply = models.TextField(blank=True)
    capabilities = models.ManyToManyField(
        Capability, blank=True, related_name="incentives", verbose_name=_("capabilities favoured")
    )
    thrusts = models.ManyToManyField(
        Thrust, blank=True, related_name="incentives", verbose_name=_("thrusts favoured")
    )
    # The date applications close; null when rolling or call-based (past calls are in `note`).
    deadline = models.DateField(null=True, blank=True, db_index=True)
    benefit = models.TextField(blank=True)
    sources = models.TextField(help_text=_("Publisher, title and year of each source."))
    note = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    history = History(excluded_fields=["updated_at"], m2m_fields=["capabilities", "thrusts"])

    class Meta:
        ordering = ["country", "code"]
        verbose_name = _("incentive")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=IncentiveKind.values),
                name="incentive_kind_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(country__regex=r"^[A-Z]{2}$"), name="incentive_country_upper"
            ),
            models.CheckConstraint(condition=~models.Q(code=""), name="incentive_code_required"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name_en}"

    @property
    def etag(self) -> str:
        return f'"incentive-{self.pk}-v{self.version}"'


class OpportunityFollow(models.Model):
    """A user following (for now, the same as pursuing) a project or an incentive, exactly one.
    Followers hear of a project's phase changes and of an incentive's coming deadline."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="opportunity_follows"
    )
    project = models.ForeignKey(
        Project, null=True, blank=True, on_delete=models.CASCADE, related_name="follows"
    )
    incentive = models.ForeignKey(
        Incentive, null=True, blank=True, on_delete=models.CASCADE, related_name="follows"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(project__isnull=False, incentive__isnull=True)
                | models.Q(project__isnull=True, incentive__isnull=False),
                name="opportunity_follow_exactly_one",
            ),
            models.UniqueConstraint(
                fields=["user", "project"],
                name="opportunity_follow_project_once",
                condition=models.Q(project__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["user", "incentive"],
                name="opportunity_follow_incentive_once",
                condition=models.Q(incentive__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} follows {self.project or self.incentive}"
