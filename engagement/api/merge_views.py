"""One record per organization, through the API: the likely duplicates, merges and their undo
(program managers and administrators; everyone else is refused with 403). The pages and the API
call the same services (engagement.services.merges) and read the same selector."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from engagement import policy
from engagement.api.filters import MAX_ID
from engagement.api.mixins import idempotent
from engagement.duplicates import ACRONYM, SAME_DOMAIN, SAME_NAME, SIMILAR_NAME
from engagement.errors import ValidationFailed
from engagement.models import OrganizationMerge
from engagement.selectors import duplicates as dup
from engagement.selectors.directory import organizations_visible
from engagement.services import merges

REASONS = (SAME_NAME, SIMILAR_NAME, ACRONYM, SAME_DOMAIN)


class OrganizationRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    name_ja = serializers.CharField()
    country = serializers.CharField()
    website = serializers.CharField()


class LikelyDuplicateSerializer(serializers.Serializer):
    first = OrganizationRefSerializer()
    second = OrganizationRefSerializer()
    similarity = serializers.IntegerField(
        source="pair.score", min_value=0, max_value=100, help_text="How alike the names are."
    )
    reasons = serializers.ListField(
        child=serializers.ChoiceField(choices=REASONS),
        source="pair.reasons",
        help_text="same_name: equal once case, accents, width, kana script and legal forms are "
        "folded; similar_name: name similarity of at least 88; acronym: one is the other's "
        "abbreviation; same_domain: the same website host.",
    )


class OrganizationMergeSerializer(serializers.ModelSerializer):
    survivor = serializers.IntegerField(source="survivor_id", help_text="The organization kept.")
    merged = serializers.IntegerField(
        source="merged_id", help_text="The duplicate, now archived with `merged_into` set."
    )
    by = serializers.CharField(source="by.username", allow_null=True, default=None)
    undo_until = serializers.SerializerMethodField()
    undone_by = serializers.CharField(source="undone_by.username", allow_null=True, default=None)

    class Meta:
        model = OrganizationMerge
        fields = [
            "id",
            "survivor",
            "merged",
            "by",
            "at",
            "moved_count",
            "undo_until",
            "undone_at",
            "undone_by",
        ]

    def get_undo_until(self, obj) -> str:
        return serializers.DateTimeField().to_representation(merges.undo_deadline(obj))


class MergeInputSerializer(serializers.Serializer):
    keep = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, help_text="The organization that stays."
    )
    merge = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        help_text="The duplicate to merge into it (same kind and country).",
    )


class LikelyDuplicateViewSet(viewsets.ViewSet):
    """Likely duplicate organizations, strongest first (at most 200), with their reasons.
    Program managers and administrators."""

    @extend_schema(responses={200: LikelyDuplicateSerializer(many=True)})
    def list(self, request):
        if not policy.can_create(request.user, OrganizationMerge):
            raise PermissionDenied()
        rows, _total = dup.likely_pairs()
        return Response(LikelyDuplicateSerializer(rows, many=True).data)


class OrganizationMergeViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Merges of duplicate organizations, newest first. POST `{"keep": id, "merge": id}`
    points every team's records at the organization kept and archives the other; POST
    `/{id}/undo/` within 24 hours moves back exactly what moved. Program managers and
    administrators; others see none and may make none."""

    serializer_class = OrganizationMergeSerializer
    ordering_fields = ["at", "id"]

    def get_queryset(self):
        queryset = OrganizationMerge.objects.select_related("by", "undone_by").order_by(
            "-at", "-id"
        )
        return policy.scope(self.request.user, queryset)

    @extend_schema(request=MergeInputSerializer, responses={201: OrganizationMergeSerializer})
    @idempotent
    def create(self, request, *args, **kwargs):
        data = MergeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        ids = data.validated_data
        found = organizations_visible(user=request.user).in_bulk([ids["keep"], ids["merge"]])
        missing = {
            field: [_("No organization with id %(id)s.") % {"id": ids[field]}]
            for field in ("keep", "merge")
            if ids[field] not in found
        }
        if missing:
            raise ValidationFailed(missing)
        record = merges.organization_merge(
            actor=request.user, survivor=found[ids["keep"]], merged=found[ids["merge"]]
        )
        return Response(self.get_serializer(record).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: OrganizationMergeSerializer})
    @action(detail=True, methods=["post"])
    def undo(self, request, pk=None):
        """Undo the merge (within 24 hours): the duplicate comes back with its records."""
        record = merges.organization_merge_undo(actor=request.user, merge=self.get_object())
        return Response(self.get_serializer(self.get_queryset().get(pk=record.pk)).data)
