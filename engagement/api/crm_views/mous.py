"""MoUs: drafts, signing, renewal, termination and the signed document."""

from __future__ import annotations

import django_filters as filters
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from engagement.api import crm_serializers as s
from engagement.api.crm_views.common import partnership_for, updated_since_filter, validated_input
from engagement.api.filters import IdFilter
from engagement.api.mixins import idempotent
from engagement.api.views import IDEMPOTENCY_KEY, IF_MATCH, ServiceBackedViewSet
from engagement.models import MoU
from engagement.selectors import crm as selectors
from engagement.services import mous as mou_services

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


class MoUFilter(filters.FilterSet):
    updated_since = updated_since_filter()
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
            actor=actor, partnership=partnership_for(self.request, partnership), **kw
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
        data = validated_input(s.MoUSignSerializer, request)
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
        data = validated_input(s.MoURenewSerializer, request)
        successor = mou_services.mou_renew(actor=request.user, mou=mou, **data)
        return self._output(self._reload(successor), status.HTTP_201_CREATED)

    @extend_schema(
        request=s.ReasonSerializer, parameters=[IDEMPOTENCY_KEY], responses={200: s.MoUSerializer}
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def terminate(self, request, pk=None):
        mou = self.get_object()
        data = validated_input(s.ReasonSerializer, request)
        mou = mou_services.mou_terminate(actor=request.user, mou=mou, reason=data["reason"])
        return self._output(self._reload(mou))

    @extend_schema(
        methods=["POST"],
        request={"multipart/form-data": s.DocumentUploadSerializer},
        responses={200: s.MoUSerializer},
    )
    @extend_schema(
        methods=["GET"],
        responses={
            (200, "application/pdf"): bytes,
            (200, DOCX_TYPE): bytes,
            (200, "application/octet-stream"): bytes,
        },
    )
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
            raise ValidationError(
                {"document": [_("Attach the file as multipart field 'document'.")]}
            )
        mou = mou_services.mou_attach_document(actor=request.user, mou=mou, upload=upload)
        return self._output(self._reload(mou))
