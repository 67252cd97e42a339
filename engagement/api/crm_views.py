"""API resources for team-owned records. Records outside the caller's team are not found
(404), never forbidden (403): their existence is itself confidential."""

from __future__ import annotations

import django_filters as filters
from django.db.models import Q
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.decorators import action, api_view
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from engagement import policy
from engagement.api import crm_serializers as s
from engagement.api.filters import DateTimeFilter, IdFilter, OwnerFilter
from engagement.api.mixins import idempotent
from engagement.api.timeline import TIMELINE_PARAMETERS, timeline_response
from engagement.api.views import IDEMPOTENCY_KEY, IF_MATCH, ServiceBackedViewSet
from engagement.errors import ValidationFailed
from engagement.models import (
    KPI,
    Engagement,
    FollowUp,
    Milestone,
    MoU,
    Organization,
    Partnership,
    Pilot,
    Stage,
)
from engagement.selectors import crm as selectors
from engagement.services import engagements as engagement_services
from engagement.services import followups as followup_services
from engagement.services import mous as mou_services
from engagement.services import partnerships as partnership_services
from engagement.services import pilots as pilot_services


def _updated_since():
    return DateTimeFilter(
        field_name="updated_at",
        lookup_expr="gte",
        help_text="Changed at or after this ISO 8601 time.",
    )


def _partnership_for(request, pk) -> Partnership:
    found = selectors.visible(request.user, Partnership, pk)
    if found is None:
        raise ValidationFailed({"partnership": [_("No partnership with id %(id)s.") % {"id": pk}]})
    return found


def _validated(serializer_class, request):
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


# --- Engagements ----------


class EngagementFilter(filters.FilterSet):
    updated_since = _updated_since()
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
        data = _validated(RestoreInputSerializer, request)
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


# --- Partnerships ----------


class PartnershipFilter(filters.FilterSet):
    updated_since = _updated_since()
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
        data = _validated(s.TransitionSerializer, request)
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


# --- MoUs ----------


class MoUFilter(filters.FilterSet):
    updated_since = _updated_since()
    status = filters.MultipleChoiceFilter(choices=MoU.Status.choices)
    partnership = IdFilter(field_name="partnership")
    expires_before = filters.DateFilter(field_name="expires_on", lookup_expr="lte")
    expires_after = filters.DateFilter(field_name="expires_on", lookup_expr="gte")

    class Meta:
        model = MoU
        fields = []


@extend_schema_view(
    create=extend_schema(parameters=[IDEMPOTENCY_KEY], responses={201: s.MoUSerializer}),
    update=extend_schema(parameters=[IF_MATCH], responses={200: s.MoUSerializer}),
    partial_update=extend_schema(parameters=[IF_MATCH], responses={200: s.MoUSerializer}),
    destroy=extend_schema(parameters=[IF_MATCH]),
)
class MoUViewSet(ServiceBackedViewSet):
    input_serializer_class = s.MoUInputSerializer
    output_serializer_class = s.MoUSerializer
    many_values = {"parties": "pk", "thrusts": "code"}
    filterset_class = MoUFilter
    ordering_fields = ["id", "created_at", "updated_at", "expires_on", "signed_on"]

    def get_queryset(self):
        return selectors.mous_visible(user=self.request.user)

    def _output(self, obj, code=status.HTTP_200_OK):
        self.remember_etag(obj)
        return Response(s.MoUSerializer(obj, context={"request": self.request}).data, status=code)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "request": self.request}

    def create_service(self, *, actor, partnership, **kw):
        return mou_services.mou_create(
            actor=actor, partnership=_partnership_for(self.request, partnership), **kw
        )

    def update_service(self, *, target, **kw):
        kw.pop("partnership", None)
        return mou_services.mou_update(mou=target, **kw)

    def delete_service(self, *, target, **kw):
        return mou_services.mou_delete(mou=target, **kw)

    @extend_schema(
        request=s.MoUSignSerializer, parameters=[IDEMPOTENCY_KEY], responses={200: s.MoUSerializer}
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def sign(self, request, pk=None):
        mou = self.get_object()
        data = _validated(s.MoUSignSerializer, request)
        mou = mou_services.mou_sign(actor=request.user, mou=mou, **data)
        return self._output(self._reload(mou))

    @extend_schema(
        request=s.MoURenewSerializer, parameters=[IDEMPOTENCY_KEY], responses={201: s.MoUSerializer}
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def renew(self, request, pk=None):
        """Create the successor MoU (a draft) and mark this one renewed."""
        mou = self.get_object()
        data = _validated(s.MoURenewSerializer, request)
        successor = mou_services.mou_renew(actor=request.user, mou=mou, **data)
        return self._output(self._reload(successor), status.HTTP_201_CREATED)

    @extend_schema(
        request=s.ReasonSerializer, parameters=[IDEMPOTENCY_KEY], responses={200: s.MoUSerializer}
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def terminate(self, request, pk=None):
        mou = self.get_object()
        data = _validated(s.ReasonSerializer, request)
        mou = mou_services.mou_terminate(actor=request.user, mou=mou, reason=data["reason"])
        return self._output(self._reload(mou))

    @extend_schema(
        methods=["POST"],
        request={"multipart/form-data": s.DocumentUploadSerializer},
        responses={200: s.MoUSerializer},
    )
    @extend_schema(methods=["GET"], responses={(200, "application/octet-stream"): bytes})
    @action(detail=True, methods=["get", "post"], parser_classes=[MultiPartParser, FormParser])
    def document(self, request, pk=None):
        """GET downloads the document; POST (multipart, field `document`) replaces it."""
        mou = self.get_object()
        if request.method == "GET":
            if not mou.document:
                raise Http404
            return FileResponse(
                mou.document.open("rb"), as_attachment=True, filename=mou.document_name or "mou"
            )
        upload = request.FILES.get("document")
        if upload is None:
            raise ValidationFailed(
                {"document": [_("Attach the file as multipart field 'document'.")]}
            )
        mou = mou_services.mou_attach_document(actor=request.user, mou=mou, upload=upload)
        return self._output(self._reload(mou))


# --- Pilots ----------


class PilotFilter(filters.FilterSet):
    updated_since = _updated_since()
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
            actor=actor, partnership=_partnership_for(self.request, partnership), **kw
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
        data = _validated(serializer_class, request) if serializer_class else {}
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
        data = _validated(s.KPIInputSerializer, request)
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
        data = _validated(s.MilestoneCompleteSerializer, request)
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
        data = _validated(s.KPIRecordSerializer, request)
        kpi = KPI.objects.filter(pk=data["kpi"], pilot=pilot).first()
        if kpi is None:
            raise ValidationFailed(
                {"kpi": [_("No KPI %(id)s on this pilot.") % {"id": data["kpi"]}]}
            )
        pilot_services.kpi_record(actor=request.user, kpi=kpi, actual=data["actual"])
        return self._output(self._reload(pilot))


# --- Follow-ups ----------


class FollowUpFilter(filters.FilterSet):
    updated_since = _updated_since()
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
        request=None, parameters=[IDEMPOTENCY_KEY], responses={200: s.FollowUpSerializer}
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def complete(self, request, pk=None):
        followup = followup_services.followup_complete(
            actor=request.user, followup=self.get_object()
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
