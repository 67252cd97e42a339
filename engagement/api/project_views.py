"""Projects and incentives over the API: everyone signed in reads them, program managers and
administrators write them (engagement.policy, INTELLIGENCE_MODELS). Addressed by code, with
ETag / If-Match, Idempotency-Key on creation, field-level history and CSV / XLSX export."""

from __future__ import annotations

import django_filters as filters
from django.db.models import Q
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from engagement import policy
from engagement.api.export import ExportMixin
from engagement.api.fields import LimitedCharField
from engagement.api.filters import DateTimeFilter
from engagement.api.mixins import ETagMixin, expected_version, idempotent
from engagement.api.related import ManyValuesMixin
from engagement.api.views import IDEMPOTENCY_KEY, IF_MATCH, HistoryMixin
from engagement.models import Incentive, OpportunityFollow, Project
from engagement.rules import INCENTIVE_TEXT, PROJECT_TEXT
from engagement.services import projects as services

CODE_REGEX = r"[A-Za-z0-9_.\-]+"


# --- Serializers -------------------------------------------------------------------------------


class ProjectSerializer(serializers.ModelSerializer):
    owner = serializers.PrimaryKeyRelatedField(
        read_only=True,
        allow_null=True,
        help_text="The directory's organization, when it has the owner.",
    )
    country = serializers.SlugRelatedField(read_only=True, slug_field="iso2")
    capabilities = serializers.SlugRelatedField(
        many=True, read_only=True, slug_field="code", help_text="What the project will buy."
    )

    class Meta:
        model = Project
        fields = [
            "code",
            "name_en",
            "name_ja",
            "owner_name",
            "owner",
            "country",
            "site",
            "kind",
            "technology",
            "capabilities",
            "phase",
            "phase_as_of",
            "announced_year",
            "production_start_year",
            "sources",
            "note",
            "version",
            "created_at",
            "updated_at",
        ]


class ProjectInputSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=60)
    name_en = LimitedCharField(limit=PROJECT_TEXT["name_en"])
    name_ja = LimitedCharField(limit=PROJECT_TEXT["name_ja"], required=False, allow_blank=True)
    owner_name = LimitedCharField(limit=PROJECT_TEXT["owner_name"])
    owner = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=2**63 - 1
    )
    country = serializers.CharField(max_length=2)
    site = LimitedCharField(limit=PROJECT_TEXT["site"], required=False, allow_blank=True)
    kind = serializers.ChoiceField(choices=Project.Kind.choices)
    technology = LimitedCharField(
        limit=PROJECT_TEXT["technology"], required=False, allow_blank=True
    )
    capabilities = serializers.ListField(
        child=serializers.CharField(max_length=40), required=False, max_length=100
    )
    phase = serializers.ChoiceField(
        choices=Project.Phase.choices,
        required=False,
        help_text="On creation only; later through POST .../phase/, which tells followers.",
    )
    phase_as_of = serializers.CharField(
        max_length=10, help_text="The month of the latest source: YYYY-MM (or a date)."
    )
    announced_year = serializers.IntegerField(
        required=False, allow_null=True, min_value=1990, max_value=2100
    )
    production_start_year = serializers.IntegerField(
        required=False, allow_null=True, min_value=1990, max_value=2100
    )
    sources = LimitedCharField(limit=PROJECT_TEXT["sources"])
    note = LimitedCharField(limit=PROJECT_TEXT["note"], required=False, allow_blank=True)


class PhaseChangeSerializer(serializers.Serializer):
    phase = serializers.ChoiceField(choices=Project.Phase.choices)
    phase_as_of = serializers.CharField(
        max_length=10, help_text="The month of the source: YYYY-MM (or a date)."
    )
    source = serializers.CharField(
        max_length=500, required=False, allow_blank=True, help_text="Added to the sources."
    )


class IncentiveSerializer(serializers.ModelSerializer):
    agency = serializers.PrimaryKeyRelatedField(
        read_only=True,
        allow_null=True,
        help_text="The directory's organization, when it has the agency.",
    )
    capabilities = serializers.SlugRelatedField(many=True, read_only=True, slug_field="code")
    thrusts = serializers.SlugRelatedField(many=True, read_only=True, slug_field="code")

    class Meta:
        model = Incentive
        fields = [
            "code",
            "name_en",
            "name_ja",
            "agency_name",
            "agency",
            "country",
            "kind",
            "who_can_apply",
            "capabilities",
            "thrusts",
            "deadline",
            "benefit",
            "sources",
            "note",
            "version",
            "created_at",
            "updated_at",
        ]


class IncentiveInputSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=60)
    name_en = LimitedCharField(limit=INCENTIVE_TEXT["name_en"])
    name_ja = LimitedCharField(limit=INCENTIVE_TEXT["name_ja"], required=False, allow_blank=True)
    agency_name = LimitedCharField(limit=INCENTIVE_TEXT["agency_name"])
    agency = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=2**63 - 1
    )
    country = serializers.CharField(max_length=2, help_text="A member state, or JP.")
    kind = serializers.ChoiceField(choices=Incentive.Kind.choices)
    who_can_apply = LimitedCharField(
        limit=INCENTIVE_TEXT["who_can_apply"], required=False, allow_blank=True
    )
    capabilities = serializers.ListField(
        child=serializers.CharField(max_length=40), required=False, max_length=100
    )
    thrusts = serializers.ListField(
        child=serializers.CharField(max_length=40), required=False, max_length=10
    )
    deadline = serializers.DateField(required=False, allow_null=True)
    benefit = LimitedCharField(limit=INCENTIVE_TEXT["benefit"], required=False, allow_blank=True)
    sources = LimitedCharField(limit=INCENTIVE_TEXT["sources"])
    note = LimitedCharField(limit=INCENTIVE_TEXT["note"], required=False, allow_blank=True)


class FollowStateSerializer(serializers.Serializer):
    following = serializers.BooleanField()


# --- Filters ---------------------------------------------------------------------------------


def _search(fields: tuple[str, ...]):
    def filter_search(self, queryset, name, value):
        query = Q()
        for field in fields:
            query |= Q(**{f"{field}__icontains": value})
        return queryset.filter(query)

    return filter_search


class ProjectFilter(filters.FilterSet):
    updated_since = DateTimeFilter(field_name="updated_at", lookup_expr="gte")
    country = filters.CharFilter(field_name="country__iso2", lookup_expr="iexact")
    kind = filters.ChoiceFilter(choices=Project.Kind.choices)
    phase = filters.MultipleChoiceFilter(choices=Project.Phase.choices)
    capability = filters.CharFilter(
        field_name="capabilities__code", help_text="Will buy this capability code."
    )
    thrust = filters.CharFilter(
        field_name="capabilities__thrusts__code",
        help_text="Will buy a capability that serves this thrust.",
    )
    search = filters.CharFilter(
        method="filter_search", help_text="Code, name (English or Japanese), owner, site."
    )
    filter_search = _search(("code", "name_en", "name_ja", "owner_name", "site"))

    class Meta:
        model = Project
        fields = []


class IncentiveFilter(filters.FilterSet):
    updated_since = DateTimeFilter(field_name="updated_at", lookup_expr="gte")
    country = filters.CharFilter(field_name="country", lookup_expr="iexact")
    kind = filters.ChoiceFilter(choices=Incentive.Kind.choices)
    capability = filters.CharFilter(field_name="capabilities__code")
    thrust = filters.CharFilter(field_name="thrusts__code")
    deadline_before = filters.DateFilter(field_name="deadline", lookup_expr="lte")
    search = filters.CharFilter(
        method="filter_search", help_text="Code, name (English or Japanese), agency."
    )
    filter_search = _search(("code", "name_en", "name_ja", "agency_name"))

    class Meta:
        model = Incentive
        fields = []


# --- Views -----------------------------------------------------------------------------------


class _OpportunityViewSet(
    HistoryMixin,
    ManyValuesMixin,
    ExportMixin,
    ETagMixin,
    mixins.ListModelMixin,
    viewsets.GenericViewSet,
):
    """Shared records written through their services; no deletion (a project that stopped
    keeps its history: record its phase and a note instead)."""

    lookup_field = "code"
    lookup_value_regex = CODE_REGEX
    ordering_fields = ["code", "updated_at"]
    input_serializer_class: type = None
    output_serializer_class: type = None
    follow_field = ""

    def get_serializer_class(self):
        if self.action in ("create", "update", "partial_update"):
            return self.input_serializer_class
        return self.output_serializer_class

    def _output(self, obj, code=status.HTTP_200_OK) -> Response:
        obj = self.get_queryset().get(pk=obj.pk)
        self.remember_etag(obj)
        return Response(self.output_serializer_class(obj).data, status=code)

    def _validated(self, request, partial: bool) -> dict:
        serializer = self.input_serializer_class(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def retrieve(self, request, *args, **kwargs):
        return self._output(self.get_object())

    @idempotent
    def create(self, request, *args, **kwargs):
        obj = self.create_service(actor=request.user, **self._validated(request, partial=False))
        return self._output(obj, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        obj = self.get_object()
        data = self._validated(request, partial=partial)
        obj = self.update_service(
            actor=request.user, expected_version=expected_version(request, obj), target=obj, **data
        )
        return self._output(obj)

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)

    @extend_schema(request=None, responses={200: FollowStateSerializer})
    @action(detail=True, methods=["post", "delete"], filter_backends=[])
    def follow(self, request, *args, **kwargs):
        """POST: follow (pursue) it; DELETE: stop. Followers hear of a project's phase changes
        and of an incentive's coming deadline. Answers whether you follow it now."""
        # Everyone who may read it may follow it: not a change to the record, so the record's
        # write rule (get_object's permission check) does not apply.
        obj = get_object_or_404(self.get_queryset(), code=kwargs[self.lookup_field])
        target = {self.follow_field: obj}
        existing = OpportunityFollow.objects.filter(user=request.user, **target).first()
        if request.method == "POST" and existing is None:
            services.opportunity_follow(user=request.user, **target)
        elif request.method == "DELETE" and existing is not None:
            services.opportunity_unfollow(user=request.user, follow=existing)
        return Response({"following": request.method == "POST"})


@extend_schema_view(
    create=extend_schema(parameters=[IDEMPOTENCY_KEY], responses={201: ProjectSerializer}),
    update=extend_schema(parameters=[IF_MATCH], responses={200: ProjectSerializer}),
    partial_update=extend_schema(parameters=[IF_MATCH], responses={200: ProjectSerializer}),
)
class ProjectViewSet(_OpportunityViewSet):
    """Real fab, back-end, wafer, materials, equipment, R&D and training projects in member
    states. `phase` is true as of `phase_as_of` (the month of its latest source)."""

    input_serializer_class = ProjectInputSerializer
    output_serializer_class = ProjectSerializer
    filterset_class = ProjectFilter
    follow_field = "project"
    many_values = {"capabilities": "code"}
    queryset = Project.objects.none()

    def get_queryset(self):
        return policy.scope(
            self.request.user,
            Project.objects.select_related("country").prefetch_related("capabilities"),
        ).distinct()

    def create_service(self, **kw):
        return services.project_create(**kw)

    def update_service(self, *, target, **kw):
        return services.project_update(project=target, **kw)

    @extend_schema(
        request=PhaseChangeSerializer, responses={200: ProjectSerializer}, parameters=[IF_MATCH]
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def phase(self, request, *args, **kwargs):
        """Move the project to another phase as of a source's month; its followers are told
        once. A second identical request is refused (the project is already there)."""
        project = self.get_object()
        data = PhaseChangeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        project = services.project_phase_change(
            actor=request.user,
            project=project,
            expected_version=expected_version(request, project),
            **data.validated_data,
        )
        return self._output(project)


@extend_schema_view(
    create=extend_schema(parameters=[IDEMPOTENCY_KEY], responses={201: IncentiveSerializer}),
    update=extend_schema(parameters=[IF_MATCH], responses={200: IncentiveSerializer}),
    partial_update=extend_schema(parameters=[IF_MATCH], responses={200: IncentiveSerializer}),
)
class IncentiveViewSet(_OpportunityViewSet):
    """Incentive and funding programmes, ASEAN-side and Japanese-side (`country` JP).
    `deadline` is null when rolling or call-based. Terms change often: check the source."""

    input_serializer_class = IncentiveInputSerializer
    output_serializer_class = IncentiveSerializer
    filterset_class = IncentiveFilter
    follow_field = "incentive"
    many_values = {"capabilities": "code", "thrusts": "code"}
    queryset = Incentive.objects.none()

    def get_queryset(self):
        return policy.scope(
            self.request.user, Incentive.objects.prefetch_related("capabilities", "thrusts")
        ).distinct()

    def create_service(self, **kw):
        return services.incentive_create(**kw)

    def update_service(self, *, target, **kw):
        return services.incentive_update(incentive=target, **kw)
