"""Conventions shared by every API resource: ETag / If-Match and Idempotency-Key."""

from __future__ import annotations

import hashlib
import json
import re
from functools import wraps

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from engagement.api.errors import error_body
from engagement.errors import StaleWrite
from engagement.models import IdempotencyRecord

_ETAG_VERSION = re.compile(r'^(?:W/)?"(?P<kind>[a-z]+)-(?P<pk>[0-9]+)-v(?P<version>[0-9]+)"$')
IDEMPOTENCY_KEY_MAX = 200


def expected_version(request, obj) -> int | None:
    """The version the caller last saw, from If-Match; None when the header is absent."""
    header = request.headers.get("If-Match")
    if header is None or header == "*":
        return None
    match = _ETAG_VERSION.match(header)
    if match is None:
        # Not an ETag at all: the request is malformed, whatever the record's state.
        raise ValidationError({"If-Match": [f"{header!r} is not an ETag (such as {obj.etag})."]})
    if int(match["pk"]) != obj.pk:
        raise StaleWrite(f"If-Match {header!r} is not an ETag of this record ({obj.etag}).")
    return int(match["version"])


class ETagMixin:
    """Send the record's ETag with every single-record answer."""

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        obj = getattr(self, "_etag_object", None)
        if obj is not None and 200 <= response.status_code < 300 and hasattr(obj, "etag"):
            response["ETag"] = obj.etag
        return response

    def remember_etag(self, obj) -> None:
        self._etag_object = obj


FORM_TYPES = {"multipart/form-data", "application/x-www-form-urlencoded"}


def _fingerprint(request) -> str:
    """What makes two POSTs "the same request": method, path and query, and the body's meaning
    rather than its bytes, so that a client that re-serialises its retry (keys in another order,
    other spacing) is answered from the first attempt instead of being refused."""
    digest = hashlib.sha256()
    digest.update(request.method.encode())
    digest.update(b"\0")
    digest.update(request.get_full_path().encode())
    digest.update(b"\0")
    digest.update(_canonical_body(request))
    return digest.hexdigest()


def _canonical_body(request) -> bytes:
    media_type = (request.content_type or "").split(";", 1)[0].strip().lower()
    if media_type in FORM_TYPES:
        return _canonical_form(request)
    raw = request.body or b""
    if not raw.strip():
        return b""
    try:
        parsed = json.loads(raw)
    except (ValueError, RecursionError):
        return raw  # not JSON: the handler refuses it, and only the same bytes are the same
    return _canonical_json(parsed)


def _canonical_json(value) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _canonical_form(request) -> bytes:
    """Fields sorted by name, each with its values in the order sent; a file by its name and a
    hash of its contents."""
    fields = []
    for name, values in sorted(request.data.lists()):
        fields.append([name, [_form_value(v) for v in values]])
    return _canonical_json(fields)


def _form_value(value):
    if isinstance(value, UploadedFile):
        digest = hashlib.sha256()
        for chunk in value.chunks():
            digest.update(chunk)
        value.seek(0)  # the handler reads it next
        return {"file": value.name, "sha256": digest.hexdigest()}
    return str(value)


def idempotent(handler):
    """Make a POST handler safe to retry with the same Idempotency-Key: the first answer is
    stored with the write in one transaction and returned again; nothing is created twice.
    A refused request stores nothing, so it may be corrected and retried with the same key."""

    @wraps(handler)
    def wrapper(self, request, *args, **kwargs):
        key = request.headers.get("Idempotency-Key", "").strip()
        if not key:
            return handler(self, request, *args, **kwargs)
        if len(key) > IDEMPOTENCY_KEY_MAX:
            return Response(
                error_body(
                    "validation_error",
                    "Idempotency-Key is too long.",
                    {"Idempotency-Key": [f"At most {IDEMPOTENCY_KEY_MAX} characters."]},
                ),
                status=status.HTTP_400_BAD_REQUEST,
            )
        fingerprint = _fingerprint(request)
        try:
            with transaction.atomic():
                record, created = IdempotencyRecord.objects.get_or_create(
                    user=request.user, key=key, defaults={"fingerprint": fingerprint}
                )
                if not created:
                    return _replay(record, fingerprint)
                response = handler(self, request, *args, **kwargs)
                if response.status_code >= 400:
                    transaction.set_rollback(True)
                    return response
                record.status_code = response.status_code
                record.body = response.data
                record.save(update_fields=["status_code", "body"])
                return response
        except IntegrityError:
            # A concurrent request with the same key committed first.
            record = IdempotencyRecord.objects.filter(user=request.user, key=key).first()
            if record is None:
                raise
            return _replay(record, fingerprint)

    wrapper.idempotent = True  # the schema documents Idempotency-Key on it (api/schema.py)
    return wrapper


def _replay(record: IdempotencyRecord, fingerprint: str) -> Response:
    if record.fingerprint != fingerprint:
        return Response(
            error_body(
                "idempotency_key_reused",
                "This Idempotency-Key was used for a different request.",
                {"Idempotency-Key": ["Use a new key for a new request."]},
            ),
            status=status.HTTP_409_CONFLICT,
        )
    response = Response(record.body, status=record.status_code)
    response["Idempotent-Replayed"] = "true"
    return response
