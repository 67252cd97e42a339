"""Follow-ups: open, done or cancelled reminders on a partnership or an organization."""

from __future__ import annotations

import django_filters as filters
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework.decorators import action

from engagement.api import crm_serializers as s
from engagement.api.crm_views.common import updated_since_filter, validated_input
from engagement.api.filters import IdFilter, OwnerFilter
from engagement.api.mixins import idempotent
from engagement.api.views import IDEMPOTENCY_KEY, IF_MATCH, ServiceBackedViewSet
from engagement.errors import ValidationFailed
from engagement.models import FollowUp
from engagement.selectors import crm as selectors
from engagement.services import followups as followup_services


class FollowUpFilter(filters.FilterSet):
    updated_since = updated_since_filter()
    status = filters.MultipleChoiceFilter(choices=FollowUp.Status.choices)
    due_before = filters.DateFilter(field_name="due_on", lookup_expr="lte")
    due_after = filters.DateFilter(field_name="due_on", lookup_expr="gte")
    partnership = IdFilter(field_name="partnership")
    organization = IdFilter(field_name="organization")
    team = filters.CharFilter(field_name="team__slug")
    owner = OwnerFilter()

    class Meta:
        model = FollowUp
        fields = ["priority"]


@extend_schema_view(
    create=extend_schema(parameters=[IDEMPOTENCY_KEY], responses={201: s.FollowUpSerializer}),
    update=extend_schema(parameters=[IF_MATCH], responses={200: s.FollowUpSerializer}),
    partial_update=extend_schema(parameters=[IF_MATCH], responses={200: s.FollowUpSerializer}),
    destroy=extend_schema(parameters=[IF_MATCH]),
)
class FollowUpViewSet(ServiceBackedViewSet):
    input_serializer_class = s.FollowUpInputSerializer
    output_serializer_class = s.FollowUpSerializer
    filterset_class = FollowUpFilter
    ordering_fields = ["id", "due_on", "created_at", "updated_at"]

    def get_queryset(self):
        return selectors.followups_visible(user=self.request.user)

    def create_service(self, **kw):
        if kw.get("status", "open") != "open":
            raise ValidationFailed({"status": [_("A new follow-up is open.")]})
        kw.pop("status", None)
        return followup_services.followup_create(**kw)

    def update_service(self, *, target, **kw):
        return followup_services.followup_update(followup=target, **kw)

    def delete_service(self, *, target, **kw):
        return followup_services.followup_delete(followup=target, **kw)

    @extend_schema(
        request=s.FollowUpCompleteSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={200: s.FollowUpSerializer},
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def complete(self, request, pk=None):
        """Mark done, with an optional `outcome`."""
        followup = self.get_object()
        data = validated_input(s.FollowUpCompleteSerializer, request)
        followup = followup_services.followup_complete(
            actor=request.user, followup=followup, **data
        )
        return self._output(self._reload(followup))

    @extend_schema(
        request=None, parameters=[IDEMPOTENCY_KEY], responses={200: s.FollowUpSerializer}
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def cancel(self, request, pk=None):
        followup = followup_services.followup_cancel(actor=request.user, followup=self.get_object())
        return self._output(self._reload(followup))
