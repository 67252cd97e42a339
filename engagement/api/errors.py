"""One JSON shape for every API error:

    {"type": "validation_error", "detail": "Invalid input in: name.", "errors": {"name": ["..."]}}

`type` is stable and machine-readable, `detail` is for people, `errors` names the fields.

One meaning per status, decided here and nowhere else:

- 400 the request does not match the schema (malformed, wrong type, missing field, a query
  parameter that cannot be read): `validation_error` or `parse_error`;
- 422 it matches the schema but a business rule refuses it (a service's RuleRefused or
  ValidationFailed): `rule_refused`;
- 409 it conflicts with the record's current state (a duplicate, still referred to, already
  signed): `conflict`; 412 a stale If-Match: `stale_write`; 404 not found or not yours.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import (
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.db import DataError, IntegrityError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from engagement.errors import Conflict, NotPermitted, RuleRefused, ServiceError, StaleWrite

log = logging.getLogger(__name__)

SERVICE_STATUS = {
    RuleRefused: status.HTTP_422_UNPROCESSABLE_ENTITY,
    Conflict: status.HTTP_409_CONFLICT,
    StaleWrite: status.HTTP_412_PRECONDITION_FAILED,
    NotPermitted: status.HTTP_403_FORBIDDEN,
}

DRF_TYPES = {
    exceptions.ValidationError: "validation_error",
    exceptions.ParseError: "parse_error",
    exceptions.AuthenticationFailed: "authentication_failed",
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.PermissionDenied: "permission_denied",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "throttled",
}


def error_body(type_: str, detail: str, errors: dict | None = None) -> dict:
    return {"type": type_, "detail": detail, "errors": errors or {}}


def _flatten(data) -> dict[str, list[str]]:
    """DRF's nested error structures, as {field: [messages]} with dotted paths."""
    out: dict[str, list[str]] = {}

    def walk(prefix: str, value) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                walk(f"{prefix}.{k}" if prefix else str(k), v)
        elif isinstance(value, list):
            if all(not isinstance(v, dict | list) for v in value):
                out.setdefault(prefix or "non_field_errors", []).extend(str(v) for v in value)
            else:
                for i, v in enumerate(value):
                    walk(f"{prefix}.{i}" if prefix else str(i), v)
        else:
            out.setdefault(prefix or "non_field_errors", []).append(str(value))

    walk("", data)
    return out


def _integrity_field(exc: IntegrityError) -> str:
    text = str(exc).lower()
    for hint in ("email", "name", "slug", "code", "key"):
        if hint in text:
            return hint
    return "non_field_errors"


def exception_handler(exc, context):
    if isinstance(exc, ServiceError):
        code = next((s for cls, s in SERVICE_STATUS.items() if isinstance(exc, cls)), 422)
        type_ = "rule_refused" if code == status.HTTP_422_UNPROCESSABLE_ENTITY else exc.code
        body = error_body(type_, exc.detail, exc.errors)
        existing = getattr(exc, "existing", None)
        if existing is not None:
            body["existing"] = {"id": existing.pk, "name": str(existing)}
        if getattr(exc, "references", None) is not None:
            body["references"] = exc.references
        return Response(body, status=code)
    if isinstance(exc, IntegrityError):
        # A constraint the service did not foresee: still the caller's input, never a 500.
        log.warning("Integrity error reached the API: %s", exc)
        field = _integrity_field(exc)
        return Response(
            error_body(
                "conflict",
                "The change conflicts with an existing record.",
                {field: ["Conflicts with an existing record."]},
            ),
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return Response(
            error_body(
                "request_too_large",
                f"The request body is larger than the {limit} bytes this API accepts "
                "(DATA_UPLOAD_MAX_MEMORY_SIZE; files uploaded as multipart are limited "
                "separately).",
            ),
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    if isinstance(exc, TooManyFieldsSent | TooManyFilesSent):
        return Response(
            error_body("validation_error", str(exc), {"non_field_errors": [str(exc)]}),
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, DataError):
        # A value the database cannot store or compare (out of its range): the caller's input.
        log.warning("Data error reached the API: %s", exc)
        return Response(
            error_body(
                "validation_error",
                "A value in the request is out of range.",
                {"non_field_errors": ["A value is out of the range the database accepts."]},
            ),
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, OverflowError):
        # A number beyond what the database stores (e.g. an id in the path or a filter):
        # the caller's input, never a 500.
        return Response(
            error_body(
                "validation_error",
                "A number in the request is out of range.",
                {"non_field_errors": ["Numbers (ids) are at most 9223372036854775807."]},
            ),
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    type_ = next((t for cls, t in DRF_TYPES.items() if isinstance(exc, cls)), "error")
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail)
        detail = "Invalid input in: " + ", ".join(sorted(errors)) + "."
    else:
        errors = {}
        detail = str(exc.detail) if hasattr(exc, "detail") else str(exc)
    response.data = error_body(type_, detail, errors)
    return response


@csrf_exempt  # nothing is written; a refused CSRF check would answer an HTML 403 instead
def unknown_address(request, *args, **kwargs) -> JsonResponse:
    """Any address under /api/ that no route takes, including an id a path converter refuses
    (`/api/v1/contacts/0.5/history/`): the same JSON 404 with DEBUG on as with it off."""
    return JsonResponse(
        error_body("not_found", _("Not found: no resource has this address.")),
        status=status.HTTP_404_NOT_FOUND,
    )
