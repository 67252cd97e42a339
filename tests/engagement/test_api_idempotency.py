"""What makes two POSTs with one Idempotency-Key "the same request": method, path and the
body's meaning (JSON keys in any order, any spacing; form fields in any order; files by their
contents), never its exact bytes."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request

from engagement.api.mixins import _fingerprint

PARSERS = [JSONParser(), FormParser(), MultiPartParser()]
rf = RequestFactory()


def _json(body: str, path: str = "/api/v1/partnerships/") -> str:
    return _fingerprint(Request(rf.post(path, body, content_type="application/json"), PARSERS))


def _multipart(data: dict) -> str:
    return _fingerprint(Request(rf.post("/api/v1/mous/1/document/", data), PARSERS))


def _form(body: str) -> str:
    request = rf.post("/api/v1/partnerships/", body, "application/x-www-form-urlencoded")
    return _fingerprint(Request(request, PARSERS))


def test_json_with_keys_reordered_and_other_spacing_is_the_same_request():
    first = _json('{"title": "Dicing line", "counterparts": [1, 2], "extra": {"b": 1, "a": 2}}')
    retried = _json('{"extra":{"a":2,"b":1},\n "counterparts":[1,2],"title":"Dicing line"}')

    assert retried == first


@pytest.mark.parametrize(
    "other",
    [
        '{"title": "Etching line", "counterparts": [1, 2], "extra": {"b": 1, "a": 2}}',
        '{"title": "Dicing line", "counterparts": [2, 1], "extra": {"b": 1, "a": 2}}',
        '{"title": "Dicing line", "counterparts": [1, 2], "extra": {"b": 1, "a": 2}} ,',
    ],
)
def test_a_different_value_order_of_a_list_or_malformed_body_is_another_request(other):
    first = _json('{"title": "Dicing line", "counterparts": [1, 2], "extra": {"b": 1, "a": 2}}')

    assert _json(other) != first


def test_the_same_body_on_another_path_is_another_request():
    body = json.dumps({"title": "Dicing line"})

    assert _json(body) != _json(body, path="/api/v1/engagements/")


def test_form_fields_in_another_order_are_the_same_request():
    assert _form("title=Dicing+line&counterparts=1&counterparts=2") == _form(
        "counterparts=1&counterparts=2&title=Dicing+line"
    )
    assert _form("title=Dicing+line&counterparts=1&counterparts=2") != _form(
        "title=Dicing+line&counterparts=2&counterparts=1"
    )


def test_a_multipart_upload_is_the_same_request_only_with_the_same_file_contents():
    def upload(contents: bytes) -> SimpleUploadedFile:
        return SimpleUploadedFile("mou.pdf", contents, content_type="application/pdf")

    first = _multipart({"note": "signed copy", "document": upload(b"%PDF-1.4 one")})
    retried = _multipart({"document": upload(b"%PDF-1.4 one"), "note": "signed copy"})
    other_file = _multipart({"note": "signed copy", "document": upload(b"%PDF-1.4 two")})

    assert retried == first
    assert other_file != first
