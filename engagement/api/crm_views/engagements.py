"""Engagements: meetings, calls, visits; restoring a deleted one."""

from __future__ import annotations

import django_filters as filters
from django.db.models import Q
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied

from engagement import policy
from engagement.api import crm_serializers as s
from engagement.api.crm_views.common import updated_since_filter, validated_input
from engagement.api.filters import DateTimeFilter, IdFilter
from engagement.api.mixins import idempotent
from engagement.api.views import IDEMPOTENCY_KEY, IF_MATCH, ServiceBackedViewSet
from engagement.models import Engagement
from engagement.selectors import crm as selectors
from engagement.services import engagements as engagement_services


class EngagementFilter(filters.FilterSet):
    updated_since = updated_since_filter()
    occurred_after = DateTimeFilter(field_name="occurred_at", lookup_expr="gte")
    occurred_before = DateTimeFilter(field_name="occurred_at", lookup_expr="lt")
    organization = IdFilter(field_name="organizations")
    partnership = IdFilter(field_name="partnership")
    thrust = filters.CharFilter(field_name="thrusts__code")
    initiative = filters.CharFilter(field_name="initiatives__code")
    team = filters.CharFilter(field_name="team__slug")
    search = filters.CharFilter(method="filter_search")

    class Meta:
        model = Engagement
        fields = ["kind"]

    def filter_search(self, qs, name, value):
        return qs.filter(
            Q(summary__icontains=value)
            | Q(outcome__icontains=value)
            | Q(next_step__icontains=value)
        )


class RestoreInputSerializer(s.RestoreSerializer):
    without_partnership = serializers.BooleanField(
        default=False,
        help_text="Restore without the link to its partnership when that has been deleted.",
    )


@extend_schema_view(
    create=extend_schema(parameters=[IDEMPOTENCY_KEY], responses={201: s.EngagementSerializer}),
    update=extend_schema(parameters=[IF_MATCH], responses={200: s.EngagementSerializer}),
    partial_update=extend_schema(parameters=[IF_MATCH], responses={200: s.EngagementSerializer}),
    destroy=extend_schema(parameters=[IF_MATCH]),
)
class EngagementViewSet(ServiceBackedViewSet):
    """Meetings, calls, visits and other interactions. `next_step_due` creates a follow-up."""

    input_serializer_class = s.EngagementInputSerializer
    output_serializer_class = s.EngagementSerializer
    many_values = {
        "organizations": "pk",
        "contacts": "pk",
        "participants": "pk",
        "thrusts": "code",
        "initiatives": "code",
    }
    filterset_class = EngagementFilter
    # engagement_update saves every field and its links on the instance given (version from
    # claim_version, updated_at from save); the answer shows the team's slug and ids only.
    answer_from_written = True
    ordering_fields = ["id", "occurred_at", "created_at", "updated_at"]

    def get_queryset(self):
        return selectors.engagements_visible(user=self.request.user)

    def create_service(self, **kw):
        return engagement_services.engagement_log(**kw)

    @extend_schema(request=RestoreInputSerializer, responses={201: s.EngagementSerializer})
    @action(detail=False, methods=["post"])
    @idempotent
    def restore(self, request):
        """Bring back a deleted engagement, with the same id and its links, from its history.
        409 when its partnership has been deleted since, unless `without_partnership` is true."""
        if not policy.can_create(request.user, Engagement):
            raise PermissionDenied(_("Your role may not restore engagements."))
        data = validated_input(RestoreInputSerializer, request)
        eng = engagement_services.engagement_restore(
            actor=request.user,
            engagement_id=data["id"],
            without_partnership=data["without_partnership"],
        )
        return self._output(self._reload(eng), status.HTTP_201_CREATED)

    def update_service(self, *, target, **kw):
        return engagement_services.engagement_update(engagement=target, **kw)

    def delete_service(self, *, target, **kw):
        return engagement_services.engagement_delete(engagement=target, **kw)
