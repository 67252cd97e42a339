"""Admin for team-owned records: browse, filter, search and read history.

Records are changed in the web app or the API, where each change goes through its service
with its rules; here the only writes are admin actions that call those same services.
"""

from django.contrib import admin, messages
from simple_history.admin import SimpleHistoryAdmin

from engagement.admin import PolicyAdminMixin
from engagement.errors import ServiceError
from engagement.models import (
    KPI,
    Engagement,
    FollowUp,
    Milestone,
    MoU,
    Notification,
    Partnership,
    Pilot,
    StageChange,
)
from engagement.services.followups import followup_cancel, followup_complete


class ReadOnlyRecordAdmin(PolicyAdminMixin, SimpleHistoryAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class MilestoneInline(admin.TabularInline):
    model = Milestone
    extra = 0
    fields = ["title", "due_on", "done_on", "owner"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class KPIInline(admin.TabularInline):
    model = KPI
    extra = 0
    fields = ["name", "target", "actual", "unit"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class StageChangeInline(admin.TabularInline):
    model = StageChange
    extra = 0
    fields = ["at", "from_stage", "to_stage", "reason", "actor"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Engagement)
class EngagementAdmin(ReadOnlyRecordAdmin):
    list_display = ["occurred_at", "kind", "team", "summary"]
    list_filter = ["kind", "team", "thrusts"]
    search_fields = ["summary", "outcome", "next_step", "organizations__name"]
    date_hierarchy = "occurred_at"
    list_select_related = ["team"]


@admin.register(Partnership)
class PartnershipAdmin(ReadOnlyRecordAdmin):
    list_display = ["title", "team", "stage", "partnership_type", "priority_country", "target_date"]
    list_filter = ["stage", "team", "partnership_type", "priority_country"]
    search_fields = ["title", "company__name", "counterparts__name"]
    list_select_related = ["team", "partnership_type", "priority_country"]
    inlines = [StageChangeInline]


@admin.register(MoU)
class MoUAdmin(ReadOnlyRecordAdmin):
    list_display = ["title", "partnership", "status", "signed_on", "expires_on"]
    list_filter = ["status"]
    search_fields = ["title", "partnership__title"]
    date_hierarchy = "expires_on"
    list_select_related = ["partnership"]
    exclude = ["document"]


@admin.register(Pilot)
class PilotAdmin(ReadOnlyRecordAdmin):
    list_display = [
        "objective",
        "partnership",
        "status",
        "starts_on",
        "planned_end_on",
        "last_activity_at",
    ]
    list_filter = ["status"]
    search_fields = ["objective", "partnership__title"]
    list_select_related = ["partnership"]
    inlines = [MilestoneInline, KPIInline]


@admin.register(FollowUp)
class FollowUpAdmin(ReadOnlyRecordAdmin):
    list_display = ["note", "owner", "team", "due_on", "priority", "status"]
    list_filter = ["status", "priority", "team"]
    search_fields = ["note", "owner__username"]
    date_hierarchy = "due_on"
    list_select_related = ["owner", "team"]
    actions = ["complete_selected", "cancel_selected"]

    def _run(self, request, queryset, service, verb):
        done = 0
        for followup in queryset:
            try:
                service(actor=request.user, followup=followup)
                done += 1
            except ServiceError as exc:
                self.message_user(request, f"{followup}: {exc.detail}", level=messages.WARNING)
        self.message_user(request, f"{done} follow-up(s) {verb}.")

    @admin.action(description="Mark selected follow-ups done")
    def complete_selected(self, request, queryset):
        self._run(request, queryset, followup_complete, "completed")

    @admin.action(description="Cancel selected follow-ups")
    def cancel_selected(self, request, queryset):
        self._run(request, queryset, followup_cancel, "cancelled")

    def has_change_permission(self, request, obj=None):
        # Needed for the actions to show; the change form itself stays read-only.
        return obj is None and request.user.is_superuser


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """Delivery state of every message: failed emails show here with their error."""

    list_display = [
        "created_at",
        "user",
        "kind",
        "subject",
        "email_status",
        "email_attempts",
        "read_at",
    ]
    list_filter = ["email_status", "kind"]
    search_fields = ["subject", "user__username", "dedupe_key", "email_error"]
    readonly_fields = [f.name for f in Notification._meta.fields]
    list_select_related = ["user"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser
