"""A user's own notifications. Nobody, administrators included, reads another's here."""

from __future__ import annotations

import django_filters as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from engagement import policy
from engagement.api.filters import MAX_ID, DateTimeFilter
from engagement.api.permissions import PolicyPermission
from engagement.models import Notification
from engagement.services.notifications import notifications_mark_read


class NotificationSerializer(serializers.ModelSerializer):
    read = serializers.BooleanField(source="is_read", read_only=True)

    class Meta:
        model = Notification
        fields = [
            "id",
            "kind",
            "subject",
            "body",
            "url",
            "read",
            "read_at",
            "created_at",
            "email_status",
        ]


class MarkReadSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        max_length=1000,
        help_text="Omit to mark all as read.",
    )


class MarkedSerializer(serializers.Serializer):
    marked = serializers.IntegerField()


class NotificationFilter(filters.FilterSet):
    unread = filters.BooleanFilter(field_name="read_at", lookup_expr="isnull")
    since = DateTimeFilter(field_name="created_at", lookup_expr="gte")

    class Meta:
        model = Notification
        fields = ["kind"]


class OwnNotificationPermission(PolicyPermission):
    """Read-only tokens still read only; a notification is its addressee's alone (the
    queryset holds nothing else, so another's is not found)."""

    def has_object_permission(self, request, view, obj) -> bool:
        return obj.user_id == request.user.pk


class NotificationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    permission_classes = [OwnNotificationPermission]
    serializer_class = NotificationSerializer
    filterset_class = NotificationFilter
    ordering_fields = ["id", "created_at"]
    queryset = Notification.objects.none()

    def get_queryset(self):
        return policy.scope(self.request.user, Notification.objects.all())

    @extend_schema(request=MarkReadSerializer, responses={200: MarkedSerializer})
    @action(detail=False, methods=["post"], url_path="mark-read")
    def mark_read(self, request):
        serializer = MarkReadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        marked = notifications_mark_read(
            user=request.user, ids=serializer.validated_data.get("ids")
        )
        return Response({"marked": marked})
