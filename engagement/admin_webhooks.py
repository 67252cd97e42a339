"""Admin for webhooks: administrators see every endpoint and the delivery log.

The signing secret is never shown here. Changes go through engagement.services.webhooks: an
administrator may pause or resume an endpoint and replay deliveries; owners manage the rest
through the API.
"""

from django.contrib import admin, messages

from engagement import policy
from engagement.errors import ServiceError
from engagement.models import WebhookDelivery, WebhookEndpoint
from engagement.services.webhooks import webhook_endpoint_update, webhook_replay


class _AdminsOnly:
    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff and policy.is_admin(request.user)

    def has_view_permission(self, request, obj=None):
        return policy.is_admin(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(_AdminsOnly, admin.ModelAdmin):
    list_display = ["url", "owner", "events", "is_active", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["url", "description", "owner__username"]
    list_select_related = ["owner"]
    # Every field but the secret.
    fields = ["owner", "url", "description", "events", "is_active", "created_at", "updated_at"]
    readonly_fields = fields
    actions = ["pause", "resume"]

    def _set_active(self, request, queryset, active: bool) -> None:
        done = 0
        for endpoint in queryset:
            try:
                webhook_endpoint_update(actor=request.user, endpoint=endpoint, is_active=active)
                done += 1
            except ServiceError as exc:
                self.message_user(request, f"{endpoint}: {exc.detail}", messages.ERROR)
        self.message_user(request, f"{done} endpoint(s) {'resumed' if active else 'paused'}.")

    @admin.action(description="Pause the selected endpoints")
    def pause(self, request, queryset):
        self._set_active(request, queryset, False)

    @admin.action(description="Resume the selected endpoints")
    def resume(self, request, queryset):
        self._set_active(request, queryset, True)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(_AdminsOnly, admin.ModelAdmin):
    list_display = [
        "created_at",
        "event",
        "endpoint",
        "status",
        "attempts",
        "last_status_code",
        "next_attempt_at",
        "delivered_at",
    ]
    list_filter = ["status", "event"]
    search_fields = ["event_id", "endpoint__url", "last_error"]
    list_select_related = ["endpoint"]
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]
    actions = ["replay"]

    @admin.action(description="Replay the selected deliveries")
    def replay(self, request, queryset):
        done = 0
        for delivery in queryset.select_related("endpoint"):
            try:
                webhook_replay(actor=request.user, delivery=delivery)
                done += 1
            except ServiceError as exc:
                self.message_user(request, f"{delivery}: {exc.detail}", messages.ERROR)
        self.message_user(request, f"{done} deliveries queued again.")
