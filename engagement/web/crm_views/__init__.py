"""CRM pages: dashboard, partnerships (list, page, new, edit), MoUs, pilots, logging
engagements, follow-ups and the organization page; one module per part.

Reads go through selectors, which ask the access policy: another team's record is not found
(404). Writes go through services; a refusal (ServiceError) is shown on the form next to the
fields it names, and nothing has been written. Program managers read every team's records, and
integrators (who write through the API) see them here without forms; both get a clear refusal
(403) when they try to change one.
"""

from engagement.web.crm_views.common import refuse
from engagement.web.crm_views.dashboard import dashboard
from engagement.web.crm_views.duplicates import (
    duplicate_dismiss,
    duplicate_list,
    merge_undo,
    organization_merge,
)
from engagement.web.crm_views.engagements import engagement_new, organization_typeahead
from engagement.web.crm_views.followups import (
    followup_cancel_view,
    followup_done,
    followup_list,
    followup_reassign,
    followup_reopen_view,
    followup_reschedule,
)
from engagement.web.crm_views.mous import (
    mou_create_view,
    mou_document_view,
    mou_renew_view,
    mou_sign_view,
    mou_terminate_view,
)
from engagement.web.crm_views.organizations import (
    organization_detail,
    organization_suggest,
    suggested_edit_decide,
    suggested_edit_queue,
)
from engagement.web.crm_views.partnerships import (
    partnership_detail,
    partnership_edit,
    partnership_followup_create,
    partnership_list,
    partnership_new,
    partnership_transition_view,
)
from engagement.web.crm_views.pilots import (
    kpi_add_view,
    kpi_record_view,
    milestone_add_view,
    milestone_complete_view,
    pilot_cancel_view,
    pilot_complete_view,
    pilot_create_view,
    pilot_start_view,
)

__all__ = [
    "dashboard",
    "duplicate_dismiss",
    "duplicate_list",
    "engagement_new",
    "followup_cancel_view",
    "followup_done",
    "followup_list",
    "followup_reassign",
    "followup_reopen_view",
    "followup_reschedule",
    "kpi_add_view",
    "kpi_record_view",
    "merge_undo",
    "milestone_add_view",
    "milestone_complete_view",
    "mou_create_view",
    "mou_document_view",
    "mou_renew_view",
    "mou_sign_view",
    "mou_terminate_view",
    "organization_detail",
    "organization_merge",
    "organization_suggest",
    "organization_typeahead",
    "partnership_detail",
    "partnership_edit",
    "partnership_followup_create",
    "partnership_list",
    "partnership_new",
    "partnership_transition_view",
    "pilot_cancel_view",
    "pilot_complete_view",
    "pilot_create_view",
    "pilot_start_view",
    "refuse",
    "suggested_edit_decide",
    "suggested_edit_queue",
]
