"""API resources. Views are thin: they check shape, ask the policy, call a service or a
selector, and answer in the API's conventions (see engagement.api.mixins and errors)."""

from __future__ import annotations

import django_filters as filters
from django.db.models import Q
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action, api_view
from rest_framework.response import Response
from rest_framework.reverse import reverse

from engagement import policy
from engagement.api import serializers as s
from engagement.api.crm_serializers import TimelinePageSerializer
from engagement.api.export import ExportMixin
from engagement.api.filters import ContactFilter, DateTimeFilter, OrganizationFilter
from engagement.api.mixins import ETagMixin, expected_version, idempotent
from engagement.api.related import ATTR, ManyValuesMixin
from engagement.api.schema import IDEMPOTENCY_KEY, IF_MATCH
from engagement.api.timeline import WATCH_TIMELINE_PARAMETERS, timeline_response
from engagement.errors import StaleWrite, ValidationFailed
from engagement.models import (
    Capability,
    CoreArea,
    Initiative,
    MemberState,
    Organization,
    OrgType,
    PartnershipType,
    SuggestedEdit,
    Thrust,
    Tombstone,
)
from engagement.selectors.directory import contacts_visible, organizations_visible
from engagement.selectors.duplicates import likely_duplicates_of
from engagement.selectors.history import record_history
from engagement.selectors.timeline import watch_timeline
from engagement.services import directory as directory_services
from engagement.services import suggested_edits as suggested_edit_services

# --- Reference data (read-only, addressed by code) ---------------------------------------------


def _reference_filterset(model_cls, extra: dict | None = None):
    attrs = {
        "updated_since": DateTimeFilter(field_name="updated_at", lookup_expr="gte"),
        "search": filters.CharFilter(method="filter_search"),
        "filter_search": lambda self, qs, name, value: qs.filter(
            Q(name_en__icontains=value) | Q(name_ja__icontains=value)
        ),
        "Meta": type("Meta", (), {"model": model_cls, "fields": []}),
        **(extra or {}),
    }
    return type(f"{model_cls.__name__}Filter", (filters.FilterSet,), attrs)


class ReferenceViewSet(viewsets.ReadOnlyModelViewSet):
    lookup_field = "code"
    lookup_value_regex = r"[A-Za-z0-9_.\-]+"
    ordering_fields = ["code", "updated_at"]

    def get_queryset(self):
        return policy.scope(self.request.user, self.queryset)


class CoreAreaViewSet(ReferenceViewSet):
    queryset = CoreArea.objects.all()
    serializer_class = s.CoreAreaSerializer
    filterset_class = _reference_filterset(CoreArea)


class ThrustViewSet(ReferenceViewSet):
    queryset = Thrust.objects.select_related("core_area")
    serializer_class = s.ThrustSerializer
    filterset_class = _reference_filterset(
        Thrust, {"core_area": filters.CharFilter(field_name="core_area__code")}
    )


class InitiativeViewSet(ReferenceViewSet):
    queryset = Initiative.objects.select_related("thrust").prefetch_related("capabilities")
    serializer_class = s.InitiativeSerializer
    filterset_class = _reference_filterset(
        Initiative,
        {
            "thrust": filters.CharFilter(field_name="thrust__code"),
            "status": filters.ChoiceFilter(choices=Initiative.Status.choices),
            "capability": filters.CharFilter(field_name="capabilities__code"),
        },
    )

    @extend_schema(responses={200: TimelinePageSerializer}, parameters=WATCH_TIMELINE_PARAMETERS)
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def timeline(self, request, code=None):
        """Its implementation statuses in every member state and the policy updates linked to it
        or its thrust (shared), with the events of the partnerships linked to it that your team
        (program managers: every team) recorded, newest first. Statuses and policy updates are
        dated at 00:00 UTC of their day."""
        return timeline_response(request, watch_timeline, initiative=self.get_object())


class CapabilityViewSet(ReferenceViewSet):
    queryset = Capability.objects.select_related("parent").prefetch_related("thrusts")
    serializer_class = s.CapabilitySerializer
    filterset_class = _reference_filterset(
        Capability,
        {
            "parent": filters.CharFilter(field_name="parent__code"),
            "thrust": filters.CharFilter(field_name="thrusts__code"),
        },
    )


class MemberStateViewSet(ReferenceViewSet):
    lookup_field = "iso2"
    lookup_value_regex = r"[A-Za-z]{2}"
    ordering_fields = ["iso2", "name_en", "updated_at"]
    queryset = MemberState.objects.all()
    serializer_class = s.MemberStateSerializer
    filterset_class = _reference_filterset(MemberState)

    @extend_schema(responses={200: TimelinePageSerializer}, parameters=WATCH_TIMELINE_PARAMETERS)
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def timeline(self, request, iso2=None):
        """The implementation statuses of every initiative here and the policy updates linked to
        this state (shared), with the events of the partnerships that count here (priority
        country, else the counterparts' countries) that your team (program managers: every team)
        recorded, newest first. Statuses and policy updates are dated at 00:00 UTC of their day."""
        return timeline_response(request, watch_timeline, member_state=self.get_object())


class OrgTypeViewSet(ReferenceViewSet):
    queryset = OrgType.objects.prefetch_related("priority_thrusts")
    serializer_class = s.OrgTypeSerializer
    filterset_class = _reference_filterset(OrgType, {"kind": filters.CharFilter(field_name="kind")})


class PartnershipTypeViewSet(ReferenceViewSet):
    queryset = PartnershipType.objects.prefetch_related("typical_thrusts")
    serializer_class = s.PartnershipTypeSerializer
    filterset_class = _reference_filterset(PartnershipType)


# --- Directory ----------------------------------------------------------------------------------


class HistoryMixin:
    """The `history/` action of a record with django-simple-history."""

    @extend_schema(responses={200: s.HistoryEntrySerializer(many=True)})
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def history(self, request, *args, **kwargs):
        """Every change to this record: who, when, and each field's value before and after."""
        entries = record_history(self.get_object(), viewer=request.user)
        return Response(s.HistoryEntrySerializer(entries, many=True).data)


class ServiceBackedViewSet(
    HistoryMixin,
    ManyValuesMixin,
    ExportMixin,
    ETagMixin,
    mixins.ListModelMixin,
    viewsets.GenericViewSet,
):
    """Create, update and delete call the resource's service; reads use its selector.
    Lists also export as CSV or XLSX (`?format=`, engagement.api.export)."""

    input_serializer_class: type = None
    output_serializer_class: type = None
    ordering_fields = ["id", "created_at", "updated_at", "name"]

    def get_serializer_class(self):
        if self.action in ("create", "update", "partial_update"):
            return self.input_serializer_class
        return self.output_serializer_class

    def _output(self, obj, code=status.HTTP_200_OK) -> Response:
        self.remember_etag(obj)
        self.attach_one(obj)
        return Response(self.output_serializer_class(obj).data, status=code)

    # True where the update service leaves the record it was given exactly as stored (fields,
    # version, related records it shows) and the answer reads nothing else the write could have
    # changed (no annotations, no prefetches but many_values): the answer is then built from
    # it, without reading the row again. Checked per resource by test_api_crm's
    # test_a_write_answers_what_a_read_then_says.
    answer_from_written = False

    def _reload(self, obj):
        return self.without_many(self.get_queryset()).get(pk=obj.pk)

    def _written(self, obj):
        """The record to answer an update with: as the service left it, or read again."""
        if not self.answer_from_written:
            return self._reload(obj)
        vars(obj).pop(ATTR, None)  # its links as they are now, not as read before the write
        return obj

    def retrieve(self, request, *args, **kwargs):
        return self._output(self.get_object())

    def _validated(self, request, partial: bool) -> dict:
        serializer = self.input_serializer_class(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    @idempotent
    def create(self, request, *args, **kwargs):
        data = self._validated(request, partial=False)
        if policy.is_team_owned(self.get_queryset().model) and request.user.team_id is None:
            # An administrator may create team records, but the API has no field to name
            # the team: a caller with no team of its own owns nothing it could create.
            raise ValidationFailed({"team": [_("A team is required: your account has none.")]})
        obj = self.create_service(actor=request.user, **data)
        return self._output(self._reload(obj), status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        obj = self.get_object()
        data = self._validated(request, partial=partial)
        obj = self.update_service(
            actor=request.user, expected_version=expected_version(request, obj), target=obj, **data
        )
        return self._output(self._written(obj))

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)

    def destroy(self, request, *args, **kwargs):
        obj = self.get_object()
        expected = expected_version(request, obj)
        if expected is not None and expected != obj.version:
            raise StaleWrite(_("This record changed since you read it; reload before deleting."))
        self.delete_service(actor=request.user, target=obj)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    create=extend_schema(parameters=[IDEMPOTENCY_KEY], responses={201: s.OrganizationSerializer}),
    update=extend_schema(parameters=[IF_MATCH], responses={200: s.OrganizationSerializer}),
    partial_update=extend_schema(parameters=[IF_MATCH], responses={200: s.OrganizationSerializer}),
    destroy=extend_schema(parameters=[IF_MATCH]),
)
class OrganizationViewSet(ServiceBackedViewSet):
    """The shared directory of Japanese companies and ASEAN institutions."""

    input_serializer_class = s.OrganizationInputSerializer
    output_serializer_class = s.OrganizationSerializer
    filterset_class = OrganizationFilter
    many_values = {
        "capabilities": "code",
        "needs": "code",
        "thrusts": "code",
        "priority_countries": "iso2",
        "presence_countries": "iso2",
    }

    def get_queryset(self):
        return organizations_visible(user=self.request.user)

    def create_service(self, **kw):
        return directory_services.organization_create(**kw)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "Likely-Duplicates",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                response=[201],
                description="Ids of live organizations of the same country that the new one "
                "likely duplicates (a legal form or a typo apart, an abbreviation, the same "
                "website), comma-separated; absent when there are none. A program manager can "
                "merge them (/api/v1/organization-merges/).",
            )
        ]
    )
    def create(self, request, *args, **kwargs):
        response = super().create(request, *args, **kwargs)
        if response.status_code == status.HTTP_201_CREATED and "id" in response.data:
            org = Organization.objects.get(pk=response.data["id"])
            ids = [str(other.pk) for other, _reasons in likely_duplicates_of(org)]
            if ids:
                response["Likely-Duplicates"] = ", ".join(ids)
        return response

    @extend_schema(
        request=s.SuggestedEditInputSerializer,
        responses={201: s.SuggestedEditSerializer, 200: s.SuggestedEditSerializer(many=True)},
        methods=["POST"],
    )
    @extend_schema(responses={200: s.SuggestedEditSerializer(many=True)}, methods=["GET"])
    @action(
        detail=True,
        methods=["get", "post"],
        url_path="suggested-edits",
        pagination_class=None,
        filter_backends=[],
    )
    def suggested_edits(self, request, pk=None):
        """POST: propose a change to this organization (fields and a reason) for a program
        manager to apply or decline; the way to change a shared record you may not edit
        directly. GET: the suggestions you may see for it (your team's; program managers: all)."""
        org = self.get_object()
        if request.method == "GET":
            edits = policy.scope(request.user, org.suggested_edits.select_related(*EDIT_RELATED))
            return Response(s.SuggestedEditSerializer(edits, many=True).data)
        data = s.SuggestedEditInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        edit = suggested_edit_services.suggested_edit_create(
            actor=request.user, organization=org, **data.validated_data
        )
        return Response(s.SuggestedEditSerializer(edit).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.ArchiveSerializer, responses={200: s.OrganizationSerializer})
    @action(detail=True, methods=["post"])
    def archive(self, request, pk=None):
        """Archive (`{"archived": true}`) or bring back an organization: it leaves lists and
        matching, and every record referring to it stays. Program managers and admins."""
        org = self.get_object()
        data = s.ArchiveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        org = directory_services.organization_archive(
            actor=request.user, organization=org, archived=data.validated_data["archived"]
        )
        return self._output(self._reload(org))

    def update_service(self, *, target, **kw):
        return directory_services.organization_update(organization=target, **kw)

    def delete_service(self, *, target, **kw):
        return directory_services.organization_delete(organization=target, **kw)


@extend_schema_view(
    create=extend_schema(parameters=[IDEMPOTENCY_KEY], responses={201: s.ContactSerializer}),
    update=extend_schema(parameters=[IF_MATCH], responses={200: s.ContactSerializer}),
    partial_update=extend_schema(parameters=[IF_MATCH], responses={200: s.ContactSerializer}),
    destroy=extend_schema(parameters=[IF_MATCH]),
)
class ContactViewSet(ServiceBackedViewSet):
    """People your team knows at organizations. A contact belongs to the team that recorded
    it: only that team and program managers see it (others: 404)."""

    input_serializer_class = s.ContactInputSerializer
    output_serializer_class = s.ContactSerializer
    filterset_class = ContactFilter

    def get_queryset(self):
        return contacts_visible(user=self.request.user)

    def create_service(self, **kw):
        return directory_services.contact_create(**kw)

    def update_service(self, *, target, **kw):
        return directory_services.contact_update(contact=target, **kw)

    def delete_service(self, *, target, **kw):
        return directory_services.contact_delete(contact=target, **kw)


EDIT_RELATED = ("team", "proposed_by", "decided_by", "organization__org_type")


class SuggestedEditFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=SuggestedEdit.Status.choices)
    updated_since = DateTimeFilter(field_name="updated_at", lookup_expr="gte")

    class Meta:
        model = SuggestedEdit
        fields = ["status", "organization"]


class SuggestedEditViewSet(viewsets.ReadOnlyModelViewSet):
    """Proposed changes to shared organizations. Program managers see every team's and apply
    or decline them; a team sees its own. Propose one with
    `POST /api/v1/organizations/{id}/suggested-edits/`."""

    serializer_class = s.SuggestedEditSerializer
    filterset_class = SuggestedEditFilter
    ordering_fields = ["created_at", "updated_at", "id"]

    def get_queryset(self):
        return policy.scope(self.request.user, SuggestedEdit.objects.select_related(*EDIT_RELATED))

    def _decide(self, request, service):
        edit = self.get_object()
        data = s.SuggestedEditDecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        edit = service(actor=request.user, edit=edit, note=data.validated_data.get("note", ""))
        return Response(s.SuggestedEditSerializer(self.get_queryset().get(pk=edit.pk)).data)

    @extend_schema(
        request=s.SuggestedEditDecisionSerializer, responses={200: s.SuggestedEditSerializer}
    )
    @action(detail=True, methods=["post"])
    def apply(self, request, pk=None):
        """Apply the proposed fields to the organization as it is now (program managers)."""
        return self._decide(request, suggested_edit_services.suggested_edit_apply)

    @extend_schema(
        request=s.SuggestedEditDecisionSerializer, responses={200: s.SuggestedEditSerializer}
    )
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        """Decline the suggestion, with an optional note to the proposer (program managers)."""
        return self._decide(request, suggested_edit_services.suggested_edit_decline)


# --- Sync helpers -------------------------------------------------------------------------------


class ChangesFilter(filters.FilterSet):
    since = DateTimeFilter(field_name="deleted_at", lookup_expr="gte")
    resource = filters.CharFilter(field_name="resource")

    class Meta:
        model = Tombstone
        fields = ["resource"]


class ChangesViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Deletions, for mirroring: records deleted at or after `since`."""

    queryset = Tombstone.objects.none()
    serializer_class = s.TombstoneSerializer
    filterset_class = ChangesFilter
    ordering_fields = ["deleted_at", "id"]

    def get_queryset(self):
        qs = Tombstone.objects.all()
        user = self.request.user
        if not user.is_authenticated:
            return qs.none()
        if policy.sees_all_teams(user):
            return qs
        return qs.filter(Q(team__isnull=True) | Q(team_id=user.team_id))


@extend_schema(responses={200: OpenApiTypes.OBJECT})
@api_view(["GET"])
def api_root(request, format=None):
    names = [
        "organizations",
        "contacts",
        "engagements",
        "partnerships",
        "mous",
        "pilots",
        "follow-ups",
        "notifications",
        "implementation-statuses",
        "policy-updates",
        "follows",
        "projects",
        "incentives",
        "match-suggestions",
        "webhook-endpoints",
        "webhook-deliveries",
        "thrusts",
        "initiatives",
        "capabilities",
        "member-states",
        "org-types",
        "partnership-types",
        "core-areas",
        "changes",
        "suggested-edits",
        "import-jobs",
    ]
    return Response({n: reverse(f"api:{n}-list", request=request, format=format) for n in names})
