import os

from django.contrib import admin
from django.urls import include, path

from engagement.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", include("engagement.api.urls")),
    path("matches/", include("matching.urls")),
    # Before the pages: its sign-in and sign-out take the place of the plain ones.
    path("", include("engagement.accounts.urls")),
    path("", include("engagement.web.urls")),
]

if os.environ.get("BENCH_FLOOR_VIEWS") == "1":
    # The floor that `manage.py bench_api` measures the API against; never mounted otherwise.
    urlpatterns.insert(0, path("bench-floor/", include("engagement.bench_urls")))
