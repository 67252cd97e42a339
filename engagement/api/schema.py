"""Every operation documents the API's one error shape for the statuses it can answer."""

import re

from drf_spectacular import openapi
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import force_instance
from drf_spectacular.utils import OpenApiParameter

from engagement.api.mixins import IDEMPOTENCY_KEY_MAX, ETagMixin

ERROR_SCHEMA = {
    "type": "object",
    "required": ["type", "detail", "errors"],
    "properties": {
        "type": {"type": "string", "example": "validation_error"},
        "detail": {"type": "string", "example": "Invalid input in: name."},
        "errors": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
            "example": {"name": ["This field is required."]},
        },
    },
}

ETAG_PATTERN = r'^(W/)?"[a-z]+-[0-9]+-v[0-9]+"$'
IF_MATCH = OpenApiParameter(
    "If-Match",
    {"type": "string", "pattern": r'^(\*|(W/)?"[a-z]+-[0-9]+-v[0-9]+")$'},
    OpenApiParameter.HEADER,
    required=False,
    description="ETag from a previous read (or `*`); a stale one answers 412, anything that is "
    "not an ETag 400.",
)
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    {"type": "string", "maxLength": IDEMPOTENCY_KEY_MAX},
    OpenApiParameter.HEADER,
    required=False,
    description="Retry-safe POST: the same key returns the first answer and creates nothing new.",
)
ETAG_HEADER = {
    "description": "The record's version; send it back as If-Match to change or delete it.",
    "schema": {"type": "string", "pattern": ETAG_PATTERN, "example": '"partnership-12-v3"'},
}

# What each status means is decided once, in engagement.api.errors; here it is documented on
# every operation that can answer it.
_TEXT = {
    "400": "The request does not match the schema: malformed body, wrong type, missing field or "
    "a query parameter that does not read; `errors` names each.",
    "401": "Missing or invalid credentials (see WWW-Authenticate).",
    "403": "Your role or token does not allow this action.",
    "404": "Not found, or not visible to you.",
    "406": "None of the media types in Accept is one this operation answers.",
    "409": "The current state refuses it: a duplicate (`existing`), a record still referred to "
    "(`references`), or an action already taken.",
    "412": "If-Match is not the record's current ETag.",
    "413": "The body is larger than DATA_UPLOAD_MAX_MEMORY_SIZE.",
    "415": "A body media type this operation does not read.",
    "422": "The request matches the schema but a business rule refuses it; `errors` names the "
    "fields.",
    "429": "Too many requests; retry after the Retry-After seconds.",
}
_WRITES = {"post", "put", "patch", "delete"}
EXPORT_TYPES = {
    "text/csv": {"schema": {"type": "string"}},
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
        "schema": {"type": "string", "format": "binary"}
    },
}


def _codes(path: str, method: str, operation: dict) -> list[str]:
    codes = ["401", "403", "406", "429"]
    headers = {p["name"] for p in operation.get("parameters", []) if p.get("in") == "header"}
    if method != "delete" or "If-Match" in headers:
        codes.append("400")
    if "{" in path or method == "get":
        # An id or code in the path that names nothing you may see; on lists, a cursor that
        # is not one or a `format` there is no file for.
        codes.append("404")
    if method in _WRITES:
        codes += ["409", "422"]
    if "If-Match" in headers:
        codes.append("412")
    if "requestBody" in operation:
        codes += ["413", "415"]
    return codes


def _export_formats(operation: dict) -> bool:
    return any(
        p["name"] == "format" and "csv" in p.get("schema", {}).get("enum", [])
        for p in operation.get("parameters", [])
        if p.get("in") == "query"
    )


# What DRF's text fields refuse that a bare `type: string` allows: a NUL character anywhere, and
# (as they trim surrounding whitespace before they count) fewer non-blank characters than
# minLength. For minLength 1 and 2 "at least that many non-blank characters" is exactly the
# trimmed length; longer minimums keep only the NUL rule.
NO_NUL = r"^[^\x00]*$"
# Exactly what Python's str.strip() removes: `\s` differs between the regex engines that read
# the schema (Rust's leaves out \x1c-\x1f, which Python strips).
_BLANK = r"\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_SOLID = rf"[^{_BLANK}\x00]"
NON_BLANK = {
    1: rf"^[^\x00]*{_SOLID}[^\x00]*$",
    2: rf"^[^\x00]*{_SOLID}[^\x00]*{_SOLID}[^\x00]*$",
}
# drf-spectacular's decimal pattern allows "", "." and "-"; DRF reads none of them.
_SPECTACULAR_DECIMAL = re.compile(r"^\^-\?\\d\{0,(\d+)\}\(\?:\\\.\\d\{0,(\d+)\}\)\?\$$")


def _exact_text(schema: dict) -> None:
    """Make a request schema's strings say what the serializers read, recursively."""
    if not isinstance(schema, dict):
        return
    for key in ("properties",):
        for sub in schema.get(key, {}).values():
            _exact_text(sub)
    for key in ("items", "additionalProperties"):
        _exact_text(schema.get(key))
    for key in ("allOf", "oneOf", "anyOf"):
        for sub in schema.get(key, []):
            _exact_text(sub)
    if schema.get("type") != "string" or "enum" in schema:
        return
    if schema.get("format") == "decimal" and "pattern" in schema:
        digits = _SPECTACULAR_DECIMAL.match(schema["pattern"])
        if digits:
            whole, places = digits.groups()
            schema["pattern"] = rf"^-?(\d{{1,{whole}}}(\.\d{{0,{places}}})?|\.\d{{1,{places}}})$"
        return
    if "pattern" in schema or "format" in schema:
        return
    schema["pattern"] = NON_BLANK.get(schema.get("minLength", 0), NO_NUL)


def _exact_request_text(result: dict) -> None:
    for name, schema in result.get("components", {}).get("schemas", {}).items():
        if name.endswith("Request"):
            _exact_text(schema)
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict):
                continue
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "query":
                    _exact_text(parameter.get("schema"))
            for media in operation.get("requestBody", {}).get("content", {}).values():
                _exact_text(media.get("schema"))


def add_error_responses(result, generator, request, public):
    """Each operation's error answers in the one error shape, and the files a list exports."""
    _exact_request_text(result)
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    ref = {"$ref": "#/components/schemas/Error"}
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in {"get", *_WRITES}:
                continue
            responses = operation.setdefault("responses", {})
            for code in _codes(path, method, operation):
                response = responses.setdefault(code, {"description": _TEXT[code]})
                response.setdefault("content", {"application/json": {"schema": ref}})
            if "429" in responses:
                responses["429"]["headers"] = {
                    "Retry-After": {
                        "description": "Seconds to wait before the next request.",
                        "schema": {"type": "integer", "minimum": 0},
                    }
                }
            if "401" in responses:
                responses["401"]["headers"] = {
                    "WWW-Authenticate": {"schema": {"type": "string", "enum": ["Token"]}}
                }
            if _export_formats(operation) and "200" in responses:
                responses["200"].setdefault("content", {}).update(EXPORT_TYPES)
    return result


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's, with the API's conventions read from the views themselves: the
    Idempotency-Key a POST handler honours (engagement.api.mixins.idempotent), the If-Match
    its update and delete read, and the ETag sent with a single record."""

    def _handler(self):
        action = getattr(self.view, "action", None)
        return getattr(self.view, action or self.method.lower(), None)

    def _answers_one_record(self) -> bool:
        output = getattr(self.view, "output_serializer_class", None)
        if output is None or self.method == "DELETE" or self._is_list_view():
            return False
        answers = self.get_response_serializers()
        if isinstance(answers, dict):
            answers = answers.get(201, answers.get(200))
        return answers is not None and type(force_instance(answers)) is output

    def get_override_parameters(self):
        parameters = list(super().get_override_parameters())
        names = {p.name for p in parameters if isinstance(p, OpenApiParameter)}
        if (
            self.method == "POST"
            and getattr(self._handler(), "idempotent", False)
            and "Idempotency-Key" not in names
        ):
            parameters.append(IDEMPOTENCY_KEY)
        if isinstance(self.view, ETagMixin) and self._answers_one_record():
            parameters.append(
                OpenApiParameter(
                    "ETag",
                    ETAG_HEADER["schema"],
                    OpenApiParameter.HEADER,
                    description=ETAG_HEADER["description"],
                    response=[200, 201],
                )
            )
        return parameters


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "engagement.api.authentication.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token <key>`; issue one with `python manage.py create_api_token`.",
        }


def add_webhook_payloads(result, generator, request, public):
    """What a webhook endpoint receives, as components: the envelope every delivery has, and
    one schema per event with the fields its `data` holds (engagement.services.webhooks)."""
    from engagement.services.webhooks import EVENTS

    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    refs = []
    for name, event in EVENTS.items():
        component = "WebhookEvent" + "".join(p.title() for p in re.split(r"[._]", name))
        fields = list(event.data)
        schemas[component] = {
            "type": "object",
            "description": event.description,
            "required": ["id", "event", "occurred_at", "data"],
            "properties": {
                "id": {"type": "string", "format": "uuid", "description": "The event's id."},
                "event": {"type": "string", "enum": [name]},
                "occurred_at": {"type": "string", "format": "date-time"},
                "data": {
                    "type": "object",
                    "required": fields,
                    "properties": {f: {} for f in fields},
                },
            },
        }
        refs.append({"$ref": f"#/components/schemas/{component}"})
    schemas["WebhookPayload"] = {
        "description": (
            "The JSON body POSTed to a webhook endpoint, one event per request. Headers: "
            "X-AFISS-Event (the event's name), X-AFISS-Delivery (the event's id: the same on "
            "a retry, so a receiver can drop repeats), X-AFISS-Timestamp (Unix seconds) and "
            'X-AFISS-Signature (sha256=HMAC-SHA256 of f"{timestamp}.{body}" with the '
            "endpoint's secret). Answer 2xx within WEBHOOK_TIMEOUT_SECONDS (10 by default); "
            "anything else is retried with backoff."
        ),
        "oneOf": refs,
        "discriminator": {"propertyName": "event"},
    }
    return result
