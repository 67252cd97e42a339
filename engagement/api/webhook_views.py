"""Webhooks through the API: a user's own endpoints, their delivery log, replays, the catalogue.

Everyone (administrators included) sees only the endpoints they own here; another user's
endpoint or delivery is not found (404). The signing secret is in the answer to the create and
rotate-secret calls only. See engagement.services.webhooks for how deliveries work.
"""

from __future__ import annotations

import django_filters as filters
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from engagement import policy
from engagement.api.filters import DateTimeFilter, IdFilter
from engagement.api.mixins import idempotent
from engagement.api.views import IDEMPOTENCY_KEY
from engagement.models import ApiToken, WebhookDelivery, WebhookEndpoint
from engagement.services import webhooks as services

# --- Serializers ----------


class WebhookEndpointSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookEndpoint
        fields = ["id", "url", "description", "events", "is_active", "created_at", "updated_at"]


class WebhookEndpointWithSecretSerializer(WebhookEndpointSerializer):
    secret = serializers.CharField(
        read_only=True,
        help_text="Signs every delivery (X-AFISS-Signature). Shown only now: store it.",
    )

    class Meta(WebhookEndpointSerializer.Meta):
        fields = [*WebhookEndpointSerializer.Meta.fields, "secret"]


class WebhookEndpointInputSerializer(serializers.Serializer):
    """Shape checks only; the service checks the URL rule and the event names."""

    url = serializers.CharField(max_length=500, help_text="https:// (http only for localhost).")
    events = serializers.ListField(
        child=serializers.CharField(max_length=60),
        max_length=len(services.EVENTS),
        help_text="Event names from /api/v1/webhook-events/.",
    )
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)
    is_active = serializers.BooleanField(required=False, help_text="Pause deliveries with false.")


class WebhookDeliverySerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "endpoint",
            "event",
            "event_id",
            "status",
            "attempts",
            "last_status_code",
            "last_error",
            "next_attempt_at",
            "created_at",
            "delivered_at",
            "payload",
        ]


class WebhookEventSerializer(serializers.Serializer):
    name = serializers.CharField()
    description = serializers.CharField()
    data = serializers.ListField(
        child=serializers.CharField(), help_text="The fields the payload's `data` holds."
    )


# --- Permission ----------


class WebhookPermission(permissions.BasePermission):
    """Signed in to read; a read-only token may not write. Roles are the service's rule, and
    ownership is the querysets' (another user's endpoint is not found)."""

    def __init__(self) -> None:
        # Made per request (DRF's get_permissions), so in the language of the request.
        self.message = _("Your role or token does not allow this action.")

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated and user.is_active):
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        if isinstance(request.auth, ApiToken) and request.auth.read_only:
            self.message = _("This token is read-only.")
            return False
        return True


# --- Endpoints ----------


class WebhookEndpointFilter(filters.FilterSet):
    event = filters.CharFilter(method="filter_event", help_text="Subscribed to this event.")

    class Meta:
        model = WebhookEndpoint
        fields = ["is_active"]

    def filter_event(self, qs, name, value):
        # A JSON list: filtered here rather than with `contains`, which SQLite lacks.
        return qs.filter(pk__in=[e.pk for e in qs if value in (e.events or [])])


class WebhookDeliveryFilter(filters.FilterSet):
    created_since = DateTimeFilter(field_name="created_at", lookup_expr="gte")
    # Taken as it is, not looked up among all endpoints: another user's endpoint matches nothing,
    # like an id no endpoint has.
    endpoint = IdFilter(field_name="endpoint")

    class Meta:
        model = WebhookDelivery
        fields = ["status", "event"]


@extend_schema_view(
    create=extend_schema(
        request=WebhookEndpointInputSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={201: WebhookEndpointWithSecretSerializer},
    ),
    update=extend_schema(
        request=WebhookEndpointInputSerializer, responses={200: WebhookEndpointSerializer}
    ),
    partial_update=extend_schema(
        request=WebhookEndpointInputSerializer, responses={200: WebhookEndpointSerializer}
    ),
)
class WebhookEndpointViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Your webhook endpoints: where events are POSTed, signed with the endpoint's secret."""

    permission_classes = [WebhookPermission]
    serializer_class = WebhookEndpointSerializer
    filterset_class = WebhookEndpointFilter
    ordering_fields = ["id", "created_at"]
    ordering = ["-id"]
    queryset = WebhookEndpoint.objects.none()

    def get_queryset(self):
        return policy.scope(self.request.user, WebhookEndpoint.objects.all())

    def get_serializer_class(self):
        if self.action in ("create", "update", "partial_update"):
            return WebhookEndpointInputSerializer
        if self.action == "rotate_secret":
            return WebhookEndpointWithSecretSerializer
        if self.action == "deliveries":
            return WebhookDeliverySerializer
        return WebhookEndpointSerializer

    def _input(self, request, partial: bool) -> dict:
        serializer = WebhookEndpointInputSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    @idempotent
    def create(self, request, *args, **kwargs):
        data = self._input(request, partial=False)
        endpoint = services.webhook_endpoint_create(actor=request.user, **data)
        return Response(
            WebhookEndpointWithSecretSerializer(endpoint).data, status=status.HTTP_201_CREATED
        )

    def update(self, request, *args, partial: bool = False, **kwargs):
        endpoint = self.get_object()
        data = self._input(request, partial=partial)
        endpoint = services.webhook_endpoint_update(actor=request.user, endpoint=endpoint, **data)
        return Response(WebhookEndpointSerializer(endpoint).data)

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)

    def destroy(self, request, *args, **kwargs):
        services.webhook_endpoint_delete(actor=request.user, endpoint=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=None,
        parameters=[IDEMPOTENCY_KEY],
        responses={200: WebhookEndpointWithSecretSerializer},
    )
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    @idempotent
    def rotate_secret(self, request, pk=None):
        """A new signing secret, effective at once; the answer is the only time it is shown."""
        endpoint = services.webhook_endpoint_rotate_secret(
            actor=request.user, endpoint=self.get_object()
        )
        return Response(WebhookEndpointWithSecretSerializer(endpoint).data)

    @extend_schema(
        filters=False,
        responses={200: WebhookDeliverySerializer(many=True)},
    )
    @action(detail=True, methods=["get"])
    def deliveries(self, request, pk=None):
        """This endpoint's delivery log, newest first; `?status=` and `?event=` filter it."""
        # Not get_object(): this view's filters (?event=) are about endpoints, not deliveries.
        endpoint = self.get_queryset().filter(pk=int(pk) if str(pk).isdigit() else None).first()
        if endpoint is None:
            raise NotFound()
        qs = WebhookDelivery.objects.filter(endpoint=endpoint)
        for field in ("status", "event"):
            if request.query_params.get(field):
                qs = qs.filter(**{field: request.query_params[field]})
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(WebhookDeliverySerializer(page, many=True).data)


# --- Deliveries ----------


class WebhookDeliveryViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Deliveries to your endpoints, with their status, attempts and last answer."""

    permission_classes = [WebhookPermission]
    serializer_class = WebhookDeliverySerializer
    filterset_class = WebhookDeliveryFilter
    ordering_fields = ["id", "created_at"]
    ordering = ["-id"]
    queryset = WebhookDelivery.objects.none()

    def get_queryset(self):
        user = self.request.user
        if not user.is_authenticated:
            return WebhookDelivery.objects.none()
        return WebhookDelivery.objects.filter(endpoint__owner=user).select_related("endpoint")

    @extend_schema(
        request=None, parameters=[IDEMPOTENCY_KEY], responses={202: WebhookDeliverySerializer}
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def replay(self, request, pk=None):
        """Send this delivery again now, with the same event id (X-AFISS-Delivery), so that
        the receiver can tell it is the same event. 409 while it is being sent."""
        delivery = services.webhook_replay(actor=request.user, delivery=self.get_object())
        return Response(WebhookDeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)


# --- Catalogue ----------


class WebhookEventViewSet(viewsets.ViewSet):
    """The events an endpoint may subscribe to, with what each one's `data` holds: one short
    list, not paginated."""

    permission_classes = [WebhookPermission]

    @extend_schema(responses={200: WebhookEventSerializer(many=True)})
    def list(self, request):
        return Response(
            [
                {"name": name, "description": e.description, "data": list(e.data)}
                for name, e in services.EVENTS.items()
            ]
        )
