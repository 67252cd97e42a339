from django.contrib import admin
from django.urls import include, path

from engagement.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", include("engagement.api.urls")),
    path("", include("engagement.web.urls")),
]
