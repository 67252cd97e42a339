"""The not-found and server-error answers when DEBUG is off (config/urls.py handler404/500).

Under /api/ they are JSON in the API's one error shape, whatever went wrong and wherever (an
address no route matches never reaches DRF's exception handler); the pages keep Django's HTML.
"""

from __future__ import annotations

from django.conf import settings
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults

from engagement.api.errors import error_body


def _is_api(request) -> bool:
    return request.path_info.startswith("/api/") and not request.path_info.startswith(
        settings.API_DOCS_PATH
    )


def page_not_found(request, exception):
    if _is_api(request):
        return JsonResponse(
            error_body("not_found", _("Not found: no resource has this address.")), status=404
        )
    return defaults.page_not_found(request, exception)


def server_error(request):
    if _is_api(request):
        return JsonResponse(
            error_body("server_error", _("The server failed to answer; the error was logged.")),
            status=500,
        )
    return defaults.server_error(request)
