from engagement.models.accounts import TEAM_ROLES, ApiToken, Role, Team, User
from engagement.models.api import IdempotencyRecord, Tombstone
from engagement.models.directory import Contact, Organization, OrganizationNameKey
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

__all__ = [
    "TEAM_ROLES",
    "ApiToken",
    "Capability",
    "Contact",
    "CoreArea",
    "IdempotencyRecord",
    "Initiative",
    "MemberState",
    "OrgType",
    "Organization",
    "OrganizationKind",
    "OrganizationNameKey",
    "PartnershipType",
    "Role",
    "Team",
    "Thrust",
    "Tombstone",
    "User",
]
