from django.contrib.auth import views as auth_views
from django.urls import path

from engagement.web import crm_views, notification_views, views, watch_views

urlpatterns = [
    path("", crm_views.dashboard, name="dashboard"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("preferences/", views.preferences, name="preferences"),
    path("organizations/", views.organization_list, name="organization-list"),
    path("organizations/<int:pk>/", crm_views.organization_detail, name="organization-detail"),
    path(
        "organizations/<int:pk>/suggest/",
        crm_views.organization_suggest,
        name="organization-suggest",
    ),
    path("directory/suggested-edits/", crm_views.suggested_edit_queue, name="suggested-edit-queue"),
    path("organizations/duplicates/", crm_views.duplicate_list, name="duplicate-list"),
    path(
        "organizations/duplicates/not-duplicates/",
        crm_views.duplicate_dismiss,
        name="duplicate-dismiss",
    ),
    path("organizations/merge/", crm_views.organization_merge, name="organization-merge"),
    path("organizations/merges/<int:pk>/undo/", crm_views.merge_undo, name="merge-undo"),
    path(
        "directory/suggested-edits/<int:pk>/<str:decision>/",
        crm_views.suggested_edit_decide,
        name="suggested-edit-decide",
    ),
    path("partnerships/", crm_views.partnership_list, name="partnership-list"),
    path("partnerships/new/", crm_views.partnership_new, name="partnership-new"),
    path("partnerships/<int:pk>/", crm_views.partnership_detail, name="partnership-detail"),
    path("partnerships/<int:pk>/edit/", crm_views.partnership_edit, name="partnership-edit"),
    path(
        "partnerships/<int:pk>/transition/",
        crm_views.partnership_transition_view,
        name="partnership-transition",
    ),
    path("partnerships/<int:pk>/mous/", crm_views.mou_create_view, name="partnership-mou-create"),
    path(
        "partnerships/<int:pk>/pilots/",
        crm_views.pilot_create_view,
        name="partnership-pilot-create",
    ),
    path(
        "partnerships/<int:pk>/follow-ups/",
        crm_views.partnership_followup_create,
        name="partnership-followup-create",
    ),
    path("mous/<int:pk>/sign/", crm_views.mou_sign_view, name="mou-sign"),
    path("mous/<int:pk>/renew/", crm_views.mou_renew_view, name="mou-renew"),
    path("mous/<int:pk>/terminate/", crm_views.mou_terminate_view, name="mou-terminate"),
    path("mous/<int:pk>/document/", crm_views.mou_document_view, name="mou-document"),
    path("pilots/<int:pk>/start/", crm_views.pilot_start_view, name="pilot-start"),
    path("pilots/<int:pk>/complete/", crm_views.pilot_complete_view, name="pilot-complete"),
    path("pilots/<int:pk>/cancel/", crm_views.pilot_cancel_view, name="pilot-cancel"),
    path("pilots/<int:pk>/milestones/", crm_views.milestone_add_view, name="pilot-milestone-add"),
    path("pilots/<int:pk>/kpis/", crm_views.kpi_add_view, name="pilot-kpi-add"),
    path("kpis/<int:pk>/record/", crm_views.kpi_record_view, name="kpi-record"),
    path(
        "milestones/<int:pk>/complete/",
        crm_views.milestone_complete_view,
        name="milestone-complete",
    ),
    path("engagements/new/", crm_views.engagement_new, name="engagement-new"),
    path(
        "engagements/quick/organizations/",
        crm_views.organization_typeahead,
        name="organization-typeahead",
    ),
    path("follow-ups/", crm_views.followup_list, name="followup-list"),
    path("follow-ups/<int:pk>/done/", crm_views.followup_done, name="followup-done"),
    path("follow-ups/<int:pk>/cancel/", crm_views.followup_cancel_view, name="followup-cancel"),
    path("follow-ups/<int:pk>/reopen/", crm_views.followup_reopen_view, name="followup-reopen"),
    path(
        "follow-ups/<int:pk>/reschedule/",
        crm_views.followup_reschedule,
        name="followup-reschedule",
    ),
    path("follow-ups/<int:pk>/reassign/", crm_views.followup_reassign, name="followup-reassign"),
    path("notifications/", notification_views.notification_list, name="notification-list"),
    path(
        "notifications/read/",
        notification_views.notification_mark_read,
        name="notification-mark-read",
    ),
    path(
        "notifications/<int:pk>/read/",
        notification_views.notification_read,
        name="notification-read",
    ),
    path(
        "notifications/<int:pk>/unread/",
        notification_views.notification_unread,
        name="notification-unread",
    ),
    path("coverage/", watch_views.coverage, name="coverage"),
    path("coverage/export.<str:fmt>", watch_views.coverage_export, name="coverage-export"),
    path("watch/statuses/", watch_views.status_record, name="status-record"),
    path("watch/policy-updates/", watch_views.policy_update_record, name="policy-update-record"),
    path("watch/follow/", watch_views.follow_toggle, name="follow-toggle"),
    path("initiatives/<str:code>/", watch_views.initiative_detail, name="initiative-detail"),
    path("member-states/<str:iso2>/", watch_views.member_state_detail, name="member-state-detail"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar-feed"),
    path("calendar/regenerate/", views.calendar_regenerate, name="calendar-regenerate"),
]

# The import page and its jobs (engagement/web/import_views.py).
from engagement.web import import_views  # noqa: E402

urlpatterns += [
    path("import/", import_views.import_page, name="import"),
    path("import/<int:pk>/", import_views.import_job_page, name="import-job"),
    path("import/<int:pk>/status.json", import_views.import_job_status, name="import-job-status"),
    path(
        "import/<int:pk>/problems.csv",
        import_views.import_job_errors_csv,
        name="import-job-errors",
    ),
    path("import/<int:pk>/run/", import_views.import_job_run_for_real, name="import-job-run"),
]

# Projects, incentives and the framework's facts (engagement/web/project_views.py).
from engagement.web import project_views  # noqa: E402

urlpatterns += [
    path("projects/", project_views.project_list, name="project-list"),
    path("projects/<str:code>/", project_views.project_detail, name="project-detail"),
    path("projects/<str:code>/follow/", project_views.project_follow, name="project-follow"),
    path("incentives/", project_views.incentive_list, name="incentive-list"),
    path("incentives/<str:code>/", project_views.incentive_detail, name="incentive-detail"),
    path("incentives/<str:code>/follow/", project_views.incentive_follow, name="incentive-follow"),
    path("about/framework/", project_views.framework, name="framework"),
]

# The pipeline board (engagement/web/crm_views/board.py).
from engagement.web.crm_views import board  # noqa: E402

urlpatterns += [
    path("pipeline/board/", board.pipeline_board_view, name="pipeline-board"),
    path("pipeline/board/<int:pk>/move/", board.board_move, name="board-move"),
]

# The global search (engagement/web/search_views.py).
from engagement.web import search_views  # noqa: E402

urlpatterns += [path("search/", search_views.search, name="search")]

# Adding and changing directory records (engagement/web/crm_views/directory_edit.py).
from engagement.web.crm_views import directory_edit  # noqa: E402

urlpatterns += [
    path("organizations/new/", directory_edit.organization_new, name="organization-new"),
    path(
        "organizations/<int:pk>/edit/", directory_edit.organization_edit, name="organization-edit"
    ),
    path("organizations/<int:pk>/contacts/new/", directory_edit.contact_new, name="contact-new"),
    path("contacts/<int:pk>/edit/", directory_edit.contact_edit, name="contact-edit"),
]

# Lists: the engagements list, saved views and bulk actions (engagement/web/crm_views/lists.py).
from engagement.web.crm_views import engagement_list as engagement_views  # noqa: E402
from engagement.web.crm_views import lists as list_views  # noqa: E402

urlpatterns += [
    path("engagements/", engagement_views.engagement_list, name="engagement-list"),
    path("lists/<str:name>/views/", list_views.saved_view_save, name="saved-view-save"),
    path("saved-views/<int:pk>/delete/", list_views.saved_view_delete, name="saved-view-delete"),
    path("lists/<str:name>/bulk/", list_views.bulk_action, name="bulk-action"),
]
