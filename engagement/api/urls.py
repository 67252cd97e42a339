from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from engagement.api import (
    crm_views,
    merge_views,
    notification_views,
    project_views,
    views,
    watch_views,
    webhook_views,
)
from engagement.api.errors import unknown_address
from engagement.api.routes import api_resources

app_name = "api"

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("organizations", views.OrganizationViewSet, basename="organizations")
router.register("contacts", views.ContactViewSet, basename="contacts")
router.register("suggested-edits", views.SuggestedEditViewSet, basename="suggested-edits")
router.register(
    "likely-duplicates", merge_views.LikelyDuplicateViewSet, basename="likely-duplicates"
)
router.register(
    "organization-merges", merge_views.OrganizationMergeViewSet, basename="organization-merges"
)
router.register("core-areas", views.CoreAreaViewSet, basename="core-areas")
router.register("thrusts", views.ThrustViewSet, basename="thrusts")
router.register("initiatives", views.InitiativeViewSet, basename="initiatives")
router.register("capabilities", views.CapabilityViewSet, basename="capabilities")
router.register("member-states", views.MemberStateViewSet, basename="member-states")
router.register("org-types", views.OrgTypeViewSet, basename="org-types")
router.register("partnership-types", views.PartnershipTypeViewSet, basename="partnership-types")
router.register("engagements", crm_views.EngagementViewSet, basename="engagements")
router.register("partnerships", crm_views.PartnershipViewSet, basename="partnerships")
router.register("mous", crm_views.MoUViewSet, basename="mous")
router.register("pilots", crm_views.PilotViewSet, basename="pilots")
router.register("follow-ups", crm_views.FollowUpViewSet, basename="follow-ups")
router.register("notifications", notification_views.NotificationViewSet, basename="notifications")
router.register(
    "implementation-statuses",
    watch_views.ImplementationStatusViewSet,
    basename="implementation-statuses",
)
router.register("policy-updates", watch_views.PolicyUpdateViewSet, basename="policy-updates")
router.register("follows", watch_views.FollowViewSet, basename="follows")
router.register("projects", project_views.ProjectViewSet, basename="projects")
router.register("incentives", project_views.IncentiveViewSet, basename="incentives")
router.register("changes", views.ChangesViewSet, basename="changes")
# Other apps' resources (matching's), registered when those apps were ready.
for prefix, viewset, basename in api_resources():
    router.register(prefix, viewset, basename=basename)
router.register(
    "webhook-endpoints", webhook_views.WebhookEndpointViewSet, basename="webhook-endpoints"
)
router.register(
    "webhook-deliveries", webhook_views.WebhookDeliveryViewSet, basename="webhook-deliveries"
)
router.register("webhook-events", webhook_views.WebhookEventViewSet, basename="webhook-events")

urlpatterns = [
    path("v1/", views.api_root, name="root"),
    path(
        "v1/organizations/<int:pk>/timeline/",
        crm_views.organization_timeline,
        name="organizations-timeline",
    ),
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
]

# Bulk import and import jobs (engagement/api/import_views.py), ahead of the record routes.
from engagement.api.import_views import urlpatterns as import_urlpatterns  # noqa: E402

# Last: an address no route takes answers the API's JSON 404, never Django's HTML page. Only
# addresses ending in a slash, so that one without its slash is still redirected to it.
urlpatterns = [*import_urlpatterns, *urlpatterns, re_path(r"^.*/$", unknown_address)]
