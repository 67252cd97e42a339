"""Partnerships (pipeline deals) and their stage moves, and the timelines of a partnership and
of an organization."""

from __future__ import annotations

import django_filters as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework.decorators import action, api_view
from rest_framework.exceptions import NotFound

from engagement import policy
from engagement.api import crm_serializers as s
from engagement.api.crm_views.common import updated_since_filter, validated_input
from engagement.api.filters import IdFilter, OwnerFilter
from engagement.api.mixins import idempotent
from engagement.api.timeline import TIMELINE_PARAMETERS, timeline_response
from engagement.api.views import IDEMPOTENCY_KEY, IF_MATCH, ServiceBackedViewSet
from engagement.models import (
    Organization,
    Partnership,
    Stage,
)
from engagement.selectors import crm as selectors
from engagement.services import partnerships as partnership_services


class PartnershipFilter(filters.FilterSet):
    updated_since = updated_since_filter()
    stage = filters.MultipleChoiceFilter(choices=Stage.choices)
    company = IdFilter(field_name="company")
    counterpart = IdFilter(field_name="counterparts")
    initiative = filters.CharFilter(field_name="initiatives__code")
    thrust = filters.CharFilter(field_name="initiatives__thrust__code", distinct=True)
    partnership_type = filters.CharFilter(field_name="partnership_type__code")
    priority_country = filters.CharFilter(field_name="priority_country__iso2")
    team = filters.CharFilter(field_name="team__slug")
    owner = OwnerFilter()
    search = filters.CharFilter(field_name="title", lookup_expr="icontains")

    class Meta:
        model = Partnership
        fields = []


@extend_schema_view(
    create=extend_schema(parameters=[IDEMPOTENCY_KEY], responses={201: s.PartnershipSerializer}),
    update=extend_schema(parameters=[IF_MATCH], responses={200: s.PartnershipSerializer}),
    partial_update=extend_schema(parameters=[IF_MATCH], responses={200: s.PartnershipSerializer}),
    destroy=extend_schema(parameters=[IF_MATCH]),
)
class PartnershipViewSet(ServiceBackedViewSet):
    """Pipeline deals. Move stages with the transition action; the rules are in `allowed_moves`."""

    input_serializer_class = s.PartnershipInputSerializer
    output_serializer_class = s.PartnershipSerializer
    many_values = {"counterparts": "pk", "initiatives": "code"}
    filterset_class = PartnershipFilter
    ordering_fields = ["id", "created_at", "updated_at", "target_date", "stage_changed_at"]

    def get_queryset(self):
        return selectors.partnerships_visible(user=self.request.user)

    def get_serializer_class(self):
        if self.action == "transition":
            return s.TransitionSerializer
        return super().get_serializer_class()

    def create_service(self, **kw):
        return partnership_services.partnership_create(**kw)

    def update_service(self, *, target, **kw):
        return partnership_services.partnership_update(partnership=target, **kw)

    def delete_service(self, *, target, **kw):
        return partnership_services.partnership_delete(partnership=target, **kw)

    @extend_schema(
        request=s.TransitionSerializer,
        parameters=[IF_MATCH, IDEMPOTENCY_KEY],
        responses={200: s.PartnershipSerializer},
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def transition(self, request, pk=None):
        """Move to another stage: `{"to": STAGE, "reason": TEXT}`. 409 when the rules forbid it."""
        from engagement.api.mixins import expected_version

        partnership = self.get_object()
        data = validated_input(s.TransitionSerializer, request)
        partnership = partnership_services.partnership_transition(
            actor=request.user,
            partnership=partnership,
            to=data["to"],
            reason=data.get("reason", ""),
            expected_version=expected_version(request, partnership),
        )
        return self._output(self._reload(partnership))

    @extend_schema(responses={200: s.TimelinePageSerializer}, parameters=TIMELINE_PARAMETERS)
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def timeline(self, request, pk=None):
        """Engagements, stage changes, MoU and pilot events and follow-ups, newest first."""
        return timeline_response(request, partnership=self.get_object())


@extend_schema(responses={200: s.TimelinePageSerializer}, parameters=TIMELINE_PARAMETERS)
@api_view(["GET"])
def organization_timeline(request, pk: int):
    """What your team (program managers: every team) did with this organization."""
    org = Organization.objects.filter(pk=pk).first()
    if org is None or not policy.can_view(request.user, org):
        raise NotFound()
    return timeline_response(request, organization=org)
