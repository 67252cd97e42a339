"""API resources for team-owned records, one module per resource. Records outside the
caller's team are not found (404), never forbidden (403): their existence is itself
confidential."""

from engagement.api.crm_views.engagements import EngagementViewSet
from engagement.api.crm_views.followups import FollowUpViewSet
from engagement.api.crm_views.mous import MoUViewSet
from engagement.api.crm_views.partnerships import PartnershipViewSet, organization_timeline
from engagement.api.crm_views.pilots import PilotViewSet

__all__ = [
    "EngagementViewSet",
    "FollowUpViewSet",
    "MoUViewSet",
    "PartnershipViewSet",
    "PilotViewSet",
    "organization_timeline",
]
