from engagement.models.accounts import TEAM_ROLES, ApiToken, Role, Team, User
from engagement.models.api import IdempotencyRecord, Tombstone
from engagement.models.crm import (
    KPI,
    CalendarFeed,
    Engagement,
    FollowUp,
    Milestone,
    MoU,
    Partnership,
    Pilot,
    Stage,
    StageChange,
    TimelineEvent,
)
from engagement.models.directory import Contact, Organization, OrganizationNameKey, SuggestedEdit
from engagement.models.integrations import ImportJob, WebhookDelivery, WebhookEndpoint
from engagement.models.notifications import Notification
from engagement.models.reference import (
    Capability,
    CoreArea,
    Initiative,
    MemberState,
    OrganizationKind,
    OrgType,
    PartnershipType,
    Thrust,
)
from engagement.models.watch import Follow, ImplementationStatus, PolicyUpdate

__all__ = [
    "KPI",
    "TEAM_ROLES",
    "ApiToken",
    "CalendarFeed",
    "Capability",
    "Contact",
    "CoreArea",
    "Engagement",
    "Follow",
    "FollowUp",
    "IdempotencyRecord",
    "ImplementationStatus",
    "ImportJob",
    "Initiative",
    "MemberState",
    "Milestone",
    "MoU",
    "Notification",
    "OrgType",
    "Organization",
    "OrganizationKind",
    "OrganizationNameKey",
    "Partnership",
    "PartnershipType",
    "Pilot",
    "PolicyUpdate",
    "Role",
    "Stage",
    "StageChange",
    "SuggestedEdit",
    "Team",
    "Thrust",
    "TimelineEvent",
    "Tombstone",
    "User",
    "WebhookDelivery",
    "WebhookEndpoint",
]
