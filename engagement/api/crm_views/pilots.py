"""Pilots, their milestones and KPIs."""

from __future__ import annotations

import django_filters as filters
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework.decorators import action

from engagement.api import crm_serializers as s
from engagement.api.crm_views.common import partnership_for, updated_since_filter, validated_input
from engagement.api.filters import IdFilter, OwnerFilter
from engagement.api.mixins import idempotent
from engagement.api.views import IDEMPOTENCY_KEY, IF_MATCH, ServiceBackedViewSet
from engagement.errors import ValidationFailed
from engagement.models import (
    KPI,
    Milestone,
    Pilot,
)
from engagement.selectors import crm as selectors
from engagement.services import pilots as pilot_services


class PilotFilter(filters.FilterSet):
    updated_since = updated_since_filter()
    status = filters.MultipleChoiceFilter(choices=Pilot.Status.choices)
    partnership = IdFilter(field_name="partnership")
    owner = OwnerFilter()

    class Meta:
        model = Pilot
        fields = []


@extend_schema_view(
    create=extend_schema(parameters=[IDEMPOTENCY_KEY], responses={201: s.PilotSerializer}),
    update=extend_schema(parameters=[IF_MATCH], responses={200: s.PilotSerializer}),
    partial_update=extend_schema(parameters=[IF_MATCH], responses={200: s.PilotSerializer}),
    destroy=extend_schema(parameters=[IF_MATCH]),
)
class PilotViewSet(ServiceBackedViewSet):
    input_serializer_class = s.PilotInputSerializer
    output_serializer_class = s.PilotSerializer
    filterset_class = PilotFilter
    ordering_fields = ["id", "created_at", "updated_at", "starts_on"]

    def get_queryset(self):
        return selectors.pilots_visible(user=self.request.user)

    def create_service(self, *, actor, partnership, **kw):
        return pilot_services.pilot_create(
            actor=actor, partnership=partnership_for(self.request, partnership), **kw
        )

    def update_service(self, *, target, **kw):
        kw.pop("partnership", None)
        for nested in ("milestones", "kpis"):
            if nested in kw:
                raise ValidationFailed(
                    {
                        nested: [
                            _("Add %(field)s with the add-%(item)s action; edit them there.")
                            % {"field": nested, "item": nested[:-1]}
                        ]
                    }
                )
        return pilot_services.pilot_update(pilot=target, **kw)

    def delete_service(self, *, target, **kw):
        return pilot_services.pilot_delete(pilot=target, **kw)

    def _act(self, request, serializer_class, fn, **extra):
        pilot = self.get_object()
        data = validated_input(serializer_class, request) if serializer_class else {}
        fn(actor=request.user, pilot=pilot, **data, **extra)
        return self._output(self._reload(pilot))

    @extend_schema(request=s.PilotStartSerializer, responses={200: s.PilotSerializer})
    @action(detail=True, methods=["post"])
    @idempotent
    def start(self, request, pk=None):
        return self._act(request, s.PilotStartSerializer, pilot_services.pilot_start)

    @extend_schema(request=s.PilotCompleteSerializer, responses={200: s.PilotSerializer})
    @action(detail=True, methods=["post"])
    @idempotent
    def complete(self, request, pk=None):
        return self._act(request, s.PilotCompleteSerializer, pilot_services.pilot_complete)

    @extend_schema(request=None, responses={200: s.PilotSerializer})
    @action(detail=True, methods=["post"])
    @idempotent
    def cancel(self, request, pk=None):
        return self._act(request, None, pilot_services.pilot_cancel)

    @extend_schema(request=s.MilestoneInputSerializer, responses={200: s.PilotSerializer})
    @action(detail=True, methods=["post"], url_path="add-milestone")
    @idempotent
    def add_milestone(self, request, pk=None):
        return self._act(request, s.MilestoneInputSerializer, pilot_services.milestone_add)

    @extend_schema(request=s.KPIInputSerializer, responses={200: s.PilotSerializer})
    @action(detail=True, methods=["post"], url_path="add-kpi")
    @idempotent
    def add_kpi(self, request, pk=None):
        pilot = self.get_object()
        data = validated_input(s.KPIInputSerializer, request)
        actual = data.pop("actual", None)
        kpi = pilot_services.kpi_add(actor=request.user, pilot=pilot, **data)
        if actual is not None:
            pilot_services.kpi_record(actor=request.user, kpi=kpi, actual=actual)
        return self._output(self._reload(pilot))

    @extend_schema(request=s.MilestoneCompleteSerializer, responses={200: s.PilotSerializer})
    @action(detail=True, methods=["post"], url_path="complete-milestone")
    @idempotent
    def complete_milestone(self, request, pk=None):
        pilot = self.get_object()
        data = validated_input(s.MilestoneCompleteSerializer, request)
        milestone = Milestone.objects.filter(pk=data["milestone"], pilot=pilot).first()
        if milestone is None:
            raise ValidationFailed(
                {"milestone": [_("No milestone %(id)s on this pilot.") % {"id": data["milestone"]}]}
            )
        pilot_services.milestone_complete(
            actor=request.user, milestone=milestone, done_on=data.get("done_on")
        )
        return self._output(self._reload(pilot))

    @extend_schema(request=s.KPIRecordSerializer, responses={200: s.PilotSerializer})
    @action(detail=True, methods=["post"], url_path="record-kpi")
    @idempotent
    def record_kpi(self, request, pk=None):
        pilot = self.get_object()
        data = validated_input(s.KPIRecordSerializer, request)
        kpi = KPI.objects.filter(pk=data["kpi"], pilot=pilot).first()
        if kpi is None:
            raise ValidationFailed(
                {"kpi": [_("No KPI %(id)s on this pilot.") % {"id": data["kpi"]}]}
            )
        pilot_services.kpi_record(actor=request.user, kpi=kpi, actual=data["actual"])
        return self._output(self._reload(pilot))
