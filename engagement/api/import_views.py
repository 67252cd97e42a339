"""Bulk import through the API: upload a file, get a job (202), follow the job.

POST /api/v1/{kind}/import/          multipart: file, dry_run; kind as in imports.KINDS
GET  /api/v1/import-jobs/            your own jobs
GET  /api/v1/import-jobs/{id}/       status, progress, errors [{row, column, reason}]
"""

from __future__ import annotations

from django.conf import settings
from django.urls import include, path
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.routers import SimpleRouter
from rest_framework.views import APIView

from engagement import policy
from engagement.models import ImportJob
from engagement.services import import_jobs, imports


class ImportErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(
        allow_null=True, help_text="Row number as Excel shows it (the header is row 1)."
    )
    column = serializers.CharField(help_text="The column's header as written in the file.")
    reason = serializers.CharField()


class ImportJobSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    processed_rows = serializers.SerializerMethodField(help_text="Rows done so far.")
    percent = serializers.SerializerMethodField()
    errors = ImportErrorSerializer(many=True, read_only=True)
    warnings = ImportErrorSerializer(
        many=True,
        read_only=True,
        help_text="Rows that likely duplicate an organization already in the directory or an "
        "earlier row: they do not stop the import.",
    )

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "url",
            "kind",
            "original_name",
            "dry_run",
            "status",
            "total_rows",
            "processed_rows",
            "percent",
            "created_count",
            "errors",
            "warnings",
            "detail",
            "created_at",
            "started_at",
            "finished_at",
        ]

    def get_url(self, obj) -> str:
        return reverse("api:import-jobs-detail", args=[obj.pk], request=self.context.get("request"))

    def get_processed_rows(self, obj) -> int:
        return import_jobs.import_job_processed(obj)

    def get_percent(self, obj) -> int:
        return import_jobs.import_job_percent(obj)


class ImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text=(
            "CSV (UTF-8 with or without BOM, or Shift_JIS/CP932) or XLSX (first sheet). "
            f"At most IMPORT_MAX_BYTES (default {50 * 1024 * 1024} bytes) and IMPORT_MAX_ROWS "
            "(default 200,000) rows; headers in English or Japanese."
        )
    )
    dry_run = serializers.BooleanField(
        default=True, help_text="Check every row and write nothing (the default)."
    )


def _columns_doc(kind: str) -> str:
    lines = []
    for field, aliases, required, values in imports.column_help(kind):
        codes = ", ".join(f"`{code}`" for code, _label in values)
        lines.append(
            f"- `{field}`{' (required)' if required else ''}: {' / '.join(aliases)}"
            + (f"; one of {codes} or its label" if codes else "")
        )
    return "\n".join(lines)


class ImportView(APIView):
    """Queue an import; answer 202 with the job. Poll the job's `url` for progress and result."""

    kind = ""
    parser_classes = [MultiPartParser, FormParser]

    def post(self, request):
        upload = ImportUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        job = import_jobs.import_job_create(
            actor=request.user,
            kind=self.kind,
            upload=upload.validated_data["file"],
            dry_run=upload.validated_data["dry_run"],
        )
        body = ImportJobSerializer(job, context={"request": request}).data
        return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": body["url"]})


def import_view(kind: str):
    noun = kind.replace("-", " ")
    description = (
        f"Import {noun} from a CSV or XLSX file, all or nothing, in the background. "
        "`dry_run` (default true) checks every row and writes nothing. Answers 202 with the job; "
        "`GET` its `url` for status, progress and every bad row as {row, column, reason}. "
        f"A file over IMPORT_MAX_BYTES ({settings.IMPORT_MAX_BYTES} bytes here) or "
        f"IMPORT_MAX_ROWS ({settings.IMPORT_MAX_ROWS} rows here) is refused with 422, and a "
        f"caller whose role may not create {noun} with 403.\n\n"
        f"Columns (any of the header names):\n\n{_columns_doc(kind)}"
    )

    @extend_schema(
        operation_id=f"{kind.replace('-', '_')}_import",
        description=description,
        request={"multipart/form-data": ImportUploadSerializer},
        responses={202: ImportJobSerializer},
        tags=[kind],
    )
    def post(self, request):
        return ImportView.post(self, request)

    name = "".join(part.title() for part in kind.split("-"))
    view_class = type(f"{name}ImportView", (ImportView,), {"kind": kind, "post": post})
    return view_class.as_view()


class ImportJobViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Your own import jobs, newest first; another person's job is not found."""

    serializer_class = ImportJobSerializer
    queryset = ImportJob.objects.none()
    # A job is its uploader's (engagement.policy's PERSONAL_MODELS).
    permission_classes = [permissions.IsAuthenticated]
    ordering_fields = ["id", "created_at"]
    filterset_fields = ["kind", "status", "dry_run"]

    def get_queryset(self):
        return policy.scope(self.request.user, ImportJob.objects.all())


# Mounted ahead of the resource routes (engagement/api/urls.py) so that `import/` is not taken
# for a record id.
_jobs = SimpleRouter(trailing_slash=True)
_jobs.register("import-jobs", ImportJobViewSet, basename="import-jobs")

urlpatterns = [
    *(
        path(f"v1/{kind}/import/", import_view(kind), name=f"{kind}-import")
        for kind in imports.KINDS
    ),
    path("v1/", include(_jobs.urls)),
]
