"""Admin for matching: each model version's weights and held-out figures; suggestions and
decisions to inspect (read-only: decisions are taken on the review page or the API); the
companies' exclusions."""

from django.contrib import admin
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from engagement.admin import PolicyAdminMixin
from matching.fusion import COMPONENTS
from matching.models import (
    MatchDecision,
    MatchingModel,
    MatchingPreference,
    MatchRecomputeRequest,
    MatchRun,
    MatchRunChunk,
    MatchSuggestion,
)


class ReadOnlyAdmin(PolicyAdminMixin, admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(MatchingModel)
class MatchingModelAdmin(ReadOnlyAdmin):
    list_display = ["version", "is_active", "weights_summary", "auc", "trained_on", "created_at"]
    readonly_fields = [
        "version",
        "is_active",
        "weights_table",
        "metrics",
        "trained_on",
        "note",
        "created_at",
        "activated_at",
    ]
    exclude = ["weights"]

    @admin.display(description=_("weights"))
    def weights_summary(self, obj: MatchingModel) -> str:
        return ", ".join(f"{k} {obj.weights.get(k, 0):.2f}" for k in COMPONENTS)

    @admin.display(description=_("held-out AUC (active at the time)"))
    def auc(self, obj: MatchingModel) -> str:
        m = obj.metrics or {}
        if "heldout_auc" not in m:
            return "—"
        return f"{m['heldout_auc']} ({m.get('heldout_auc_of_active')})"

    @admin.display(description=_("weights and coefficients"))
    def weights_table(self, obj: MatchingModel) -> str:
        coefficients = (obj.metrics or {}).get("coefficients", {})
        rows = format_html_join(
            "",
            "<tr><th>{}</th><td>{}</td><td>{}</td></tr>",
            ((k, obj.weights.get(k, ""), coefficients.get(k, "—")) for k in COMPONENTS),
        )
        return format_html(
            "<table><tr><th>{}</th><th>{}</th><th>{}</th></tr>{}</table>",
            _("component"),
            _("weight"),
            _("fitted coefficient"),
            rows,
        )


@admin.register(MatchSuggestion)
class MatchSuggestionAdmin(ReadOnlyAdmin):
    list_display = ["id", "company", "counterpart_label", "score", "rank", "status", "stale"]
    list_filter = ["status", "stale", "model_version"]
    list_select_related = ["company", "organization", "initiative"]
    search_fields = ["company__name", "organization__name", "initiative__code"]
    raw_id_fields = ["company", "organization", "initiative", "team", "partnership", "decided_by"]


@admin.register(MatchDecision)
class MatchDecisionAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "decision",
        "company",
        "organization",
        "initiative",
        "reason",
        "decided_by",
        "decided_at",
    ]
    list_filter = ["decision", "reason"]
    list_select_related = ["company", "organization", "initiative", "decided_by"]
    raw_id_fields = [
        "suggestion",
        "company",
        "organization",
        "initiative",
        "team",
        "partnership",
        "decided_by",
    ]


@admin.register(MatchingPreference)
class MatchingPreferenceAdmin(PolicyAdminMixin, admin.ModelAdmin):
    list_display = ["company", "updated_at"]
    raw_id_fields = ["company"]
    filter_horizontal = ["excluded_countries", "excluded_org_types"]


@admin.register(MatchRecomputeRequest)
class MatchRecomputeRequestAdmin(ReadOnlyAdmin):
    list_display = [
        "organization",
        "project",
        "incentive",
        "due_at",
        "edits",
        "claimed_until",
        "requested_at",
    ]
    raw_id_fields = ["organization", "project", "incentive"]


class MatchRunChunkInline(admin.TabularInline):
    model = MatchRunChunk
    extra = 0
    can_delete = False
    readonly_fields = [
        "first_company_id",
        "last_company_id",
        "claimed_until",
        "done_at",
        "companies",
        "suggestions",
    ]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(MatchRun)
class MatchRunAdmin(ReadOnlyAdmin):
    list_display = ["key", "model_version", "started_at", "finished_at"]
    inlines = [MatchRunChunkInline]
