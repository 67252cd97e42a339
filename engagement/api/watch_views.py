"""Implementation watch over the API: statuses (append-only history), policy updates, follows."""

from __future__ import annotations

import django_filters as filters
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from engagement import policy
from engagement.api.fields import LimitedCharField
from engagement.api.filters import DateTimeFilter
from engagement.api.mixins import idempotent
from engagement.api.views import IDEMPOTENCY_KEY
from engagement.errors import NotPermitted
from engagement.models import Follow, ImplementationStatus, PolicyUpdate
from engagement.rules import POLICY_UPDATE_TEXT, SOURCE_TEXT, STATUS_NOTE
from engagement.services import watch as watch_services


class ImplementationStatusSerializer(serializers.ModelSerializer):
    initiative = serializers.SlugRelatedField(read_only=True, slug_field="code")
    member_state = serializers.SlugRelatedField(read_only=True, slug_field="iso2")
    recorded_by = serializers.SlugRelatedField(read_only=True, slug_field="username")
    current = serializers.SerializerMethodField(
        help_text="True for the latest observation by effective date of its pair."
    )

    class Meta:
        model = ImplementationStatus
        fields = [
            "id",
            "initiative",
            "member_state",
            "status",
            "effective_on",
            "note",
            "source_url",
            "source_title",
            "source_publisher",
            "source_date",
            "recorded_by",
            "recorded_at",
            "updated_at",
            "current",
        ]

    def get_current(self, obj) -> bool:
        current = self.context.get("current_ids")
        return obj.pk in current if current is not None else False


class ImplementationStatusInputSerializer(serializers.Serializer):
    initiative = serializers.CharField(max_length=40)
    member_state = serializers.CharField(max_length=2)
    status = serializers.ChoiceField(choices=ImplementationStatus.Status.choices)
    effective_on = serializers.DateField()
    note = LimitedCharField(limit=STATUS_NOTE, required=False, allow_blank=True)
    source_url = LimitedCharField(limit=SOURCE_TEXT["source_url"], required=False, allow_blank=True)
    source_title = LimitedCharField(
        limit=SOURCE_TEXT["source_title"], required=False, allow_blank=True
    )
    source_publisher = LimitedCharField(
        limit=SOURCE_TEXT["source_publisher"], required=False, allow_blank=True
    )
    source_date = serializers.DateField(required=False, allow_null=True)


class ImplementationStatusFilter(filters.FilterSet):
    updated_since = DateTimeFilter(field_name="updated_at", lookup_expr="gte")
    initiative = filters.CharFilter(field_name="initiative__code")
    member_state = filters.CharFilter(field_name="member_state__iso2")
    thrust = filters.CharFilter(field_name="initiative__thrust__code")
    status = filters.MultipleChoiceFilter(choices=ImplementationStatus.Status.choices)
    effective_after = filters.DateFilter(field_name="effective_on", lookup_expr="gte")

    class Meta:
        model = ImplementationStatus
        fields = []


def _current_ids(rows) -> set[int]:
    from engagement.selectors.watch import current_statuses

    pairs = {(r.initiative_id, r.member_state_id) for r in rows}
    if not pairs:
        return set()
    current = current_statuses(
        initiative_ids={i for i, _ in pairs}, state_ids={s for _, s in pairs}
    )
    return {row.pk for row in current.values()}


@extend_schema_view(
    create=extend_schema(
        parameters=[IDEMPOTENCY_KEY],
        request=ImplementationStatusInputSerializer,
        responses={201: ImplementationStatusSerializer},
    )
)
class ImplementationStatusViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Where each initiative stands in each member state. Append-only: a change of status is a
    new observation; the current one is the latest by effective date (`current`)."""

    serializer_class = ImplementationStatusSerializer
    filterset_class = ImplementationStatusFilter
    ordering_fields = ["id", "effective_on", "updated_at"]
    queryset = ImplementationStatus.objects.none()

    def get_queryset(self):
        return policy.scope(
            self.request.user,
            ImplementationStatus.objects.select_related(
                "initiative", "member_state", "recorded_by"
            ),
        )

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        context = {**self.get_serializer_context(), "current_ids": _current_ids(page)}
        data = ImplementationStatusSerializer(page, many=True, context=context).data
        return self.get_paginated_response(data)

    def retrieve(self, request, *args, **kwargs):
        obj = self.get_object()
        context = {**self.get_serializer_context(), "current_ids": _current_ids([obj])}
        return Response(ImplementationStatusSerializer(obj, context=context).data)

    @idempotent
    def create(self, request, *args, **kwargs):
        serializer = ImplementationStatusInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        record = watch_services.implementation_status_record(
            actor=request.user, **serializer.validated_data
        )
        context = {**self.get_serializer_context(), "current_ids": _current_ids([record])}
        return Response(
            ImplementationStatusSerializer(record, context=context).data,
            status=status.HTTP_201_CREATED,
        )

    def perform_destroy(self, instance):
        watch_services.implementation_status_delete(actor=self.request.user, record=instance)


class PolicyUpdateSerializer(serializers.ModelSerializer):
    member_states = serializers.SlugRelatedField(many=True, read_only=True, slug_field="iso2")
    thrusts = serializers.SlugRelatedField(many=True, read_only=True, slug_field="code")
    initiatives = serializers.SlugRelatedField(many=True, read_only=True, slug_field="code")

    class Meta:
        model = PolicyUpdate
        fields = [
            "id",
            "published_on",
            "kind",
            "title",
            "title_ja",
            "summary",
            "summary_ja",
            "member_states",
            "thrusts",
            "initiatives",
            "source_url",
            "source_title",
            "source_publisher",
            "created_at",
            "updated_at",
        ]


class PolicyUpdateInputSerializer(serializers.Serializer):
    published_on = serializers.DateField()
    kind = serializers.ChoiceField(choices=PolicyUpdate.Kind.choices)
    title = LimitedCharField(limit=POLICY_UPDATE_TEXT["title"], required=False, allow_blank=True)
    title_ja = LimitedCharField(
        limit=POLICY_UPDATE_TEXT["title_ja"], required=False, allow_blank=True
    )
    summary = LimitedCharField(
        limit=POLICY_UPDATE_TEXT["summary"], required=False, allow_blank=True
    )
    summary_ja = LimitedCharField(
        limit=POLICY_UPDATE_TEXT["summary_ja"], required=False, allow_blank=True
    )
    member_states = serializers.ListField(
        child=serializers.CharField(max_length=2), required=False, max_length=11
    )
    thrusts = serializers.ListField(
        child=serializers.CharField(max_length=40), required=False, max_length=10
    )
    initiatives = serializers.ListField(
        child=serializers.CharField(max_length=40), required=False, max_length=100
    )
    source_url = LimitedCharField(limit=SOURCE_TEXT["source_url"], required=False, allow_blank=True)
    source_title = LimitedCharField(
        limit=SOURCE_TEXT["source_title"], required=False, allow_blank=True
    )
    source_publisher = LimitedCharField(
        limit=SOURCE_TEXT["source_publisher"], required=False, allow_blank=True
    )


class PolicyUpdateFilter(filters.FilterSet):
    updated_since = DateTimeFilter(field_name="updated_at", lookup_expr="gte")
    member_state = filters.CharFilter(field_name="member_states__iso2")
    thrust = filters.CharFilter(field_name="thrusts__code")
    initiative = filters.CharFilter(field_name="initiatives__code")
    published_after = filters.DateFilter(field_name="published_on", lookup_expr="gte")

    class Meta:
        model = PolicyUpdate
        fields = ["kind"]


@extend_schema_view(
    create=extend_schema(
        parameters=[IDEMPOTENCY_KEY],
        request=PolicyUpdateInputSerializer,
        responses={201: PolicyUpdateSerializer},
    ),
    partial_update=extend_schema(
        request=PolicyUpdateInputSerializer, responses={200: PolicyUpdateSerializer}
    ),
    update=extend_schema(
        request=PolicyUpdateInputSerializer, responses={200: PolicyUpdateSerializer}
    ),
)
class PolicyUpdateViewSet(viewsets.ModelViewSet):
    """Dated news, regulations, incentive schemes, calls for partners and events."""

    serializer_class = PolicyUpdateSerializer
    filterset_class = PolicyUpdateFilter
    ordering_fields = ["id", "published_on", "updated_at"]
    queryset = PolicyUpdate.objects.none()

    def get_queryset(self):
        return policy.scope(
            self.request.user,
            PolicyUpdate.objects.prefetch_related("member_states", "thrusts", "initiatives"),
        ).distinct()

    def _input(self, request, partial: bool) -> dict:
        serializer = PolicyUpdateInputSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    @idempotent
    def create(self, request, *args, **kwargs):
        update = watch_services.policy_update_create(
            actor=request.user, **self._input(request, False)
        )
        return Response(PolicyUpdateSerializer(update).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        update = watch_services.policy_update_update(
            actor=request.user, update=self.get_object(), **self._input(request, partial)
        )
        return Response(PolicyUpdateSerializer(self.get_queryset().get(pk=update.pk)).data)

    def perform_destroy(self, instance):
        watch_services.policy_update_delete(actor=self.request.user, update=instance)


class FollowSerializer(serializers.ModelSerializer):
    member_state = serializers.SlugRelatedField(read_only=True, slug_field="iso2")
    thrust = serializers.SlugRelatedField(read_only=True, slug_field="code")
    initiative = serializers.SlugRelatedField(read_only=True, slug_field="code")

    class Meta:
        model = Follow
        fields = ["id", "member_state", "thrust", "initiative", "created_at"]


class FollowInputSerializer(serializers.Serializer):
    member_state = serializers.CharField(max_length=2, required=False)
    thrust = serializers.CharField(max_length=40, required=False)
    initiative = serializers.CharField(max_length=40, required=False)


@extend_schema_view(
    create=extend_schema(request=FollowInputSerializer, responses={201: FollowSerializer})
)
class FollowViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """What you follow: its status changes and policy updates come in your weekly digest."""

    serializer_class = FollowSerializer
    queryset = Follow.objects.none()
    ordering_fields = ["id", "created_at"]

    def get_queryset(self):
        if not self.request.user.is_authenticated:
            return Follow.objects.none()
        return Follow.objects.filter(user=self.request.user).select_related(
            "member_state", "thrust", "initiative"
        )

    def create(self, request, *args, **kwargs):
        serializer = FollowInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        follow = watch_services.follow_add(user=request.user, **serializer.validated_data)
        return Response(FollowSerializer(follow).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        if instance.user_id != self.request.user.pk:
            raise NotPermitted(_("That is not your follow."))
        watch_services.follow_remove(user=self.request.user, follow=instance)
