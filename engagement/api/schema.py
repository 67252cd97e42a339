"""Every operation documents the API's one error shape for the statuses it can answer."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension

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

_COMMON = {
    "401": "Missing or invalid credentials (see WWW-Authenticate).",
    "403": "Your role or token does not allow this action.",
    "429": "Too many requests; retry after the Retry-After seconds.",
}
_BY_METHOD = {
    "get": {
        "400": "Invalid filter or query parameter; `errors` names each.",
        "404": "Not found, or not visible to you.",
    },
    "post": {
        "400": "Invalid input; `errors` names each field.",
        "413": "The body is larger than DATA_UPLOAD_MAX_MEMORY_SIZE.",
        "409": "Duplicate of an existing record, or a refused state change.",
    },
    "put": {
        "400": "Invalid input; `errors` names each field.",
        "413": "The body is larger than DATA_UPLOAD_MAX_MEMORY_SIZE.",
        "404": "Not found.",
        "409": "Duplicate of an existing record.",
        "412": "If-Match is stale.",
    },
    "patch": {
        "400": "Invalid input; `errors` names each field.",
        "413": "The body is larger than DATA_UPLOAD_MAX_MEMORY_SIZE.",
        "404": "Not found.",
        "409": "Duplicate of an existing record.",
        "412": "If-Match is stale.",
    },
    "delete": {"404": "Not found.", "412": "If-Match is stale."},
}


def add_error_responses(result, generator, request, public):
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    ref = {"$ref": "#/components/schemas/Error"}
    for _path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in _BY_METHOD:
                continue
            responses = operation.setdefault("responses", {})
            for code, text in {**_COMMON, **_BY_METHOD[method]}.items():
                responses.setdefault(
                    code, {"description": text, "content": {"application/json": {"schema": ref}}}
                )
    return result


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
