import os

from django.apps import apps
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularSwaggerSplitView

from engagement.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    # Swagger UI with its start-up script as a file of its own (not inline), so the docs run
    # under the Content-Security-Policy; it stands in front of the API's own docs route.
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api:schema"),
        name="api-docs",
    ),
    path("api/", include("engagement.api.urls")),
    path("matches/", include("matching.urls")),
    # Before the pages: its sign-in and sign-out take the place of the plain ones.
    path("", include("engagement.accounts.urls")),
    path("", include("engagement.web.urls")),
]

# With DEBUG off: JSON in the API's error shape under /api/, HTML pages elsewhere.
handler404 = "engagement.error_pages.page_not_found"
handler500 = "engagement.error_pages.server_error"

if apps.is_installed("devtools") and os.environ.get("BENCH_FLOOR_VIEWS") == "1":
    # The floor that `manage.py bench_api` measures the API against; never mounted otherwise,
    # and never where the development tools are not installed (production).
    urlpatterns.insert(0, path("bench-floor/", include("devtools.urls")))
