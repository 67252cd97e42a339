from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EngagementConfig(AppConfig):
    name = "engagement"
    verbose_name = _("Engagement")

    def ready(self) -> None:
        # admin_crm and admin_webhooks register their admin pages; schema registers the OpenAPI
        # description of token authentication; tasks registers the tasks the services queue by
        # name (engagement.services.hooks), in web processes too.
        # Beat runs every declared job (engagement/services/jobs/base.py) beside the periodic
        # tasks configured in settings; Celery's Django fixup sets Django up, and so calls this,
        # before beat reads its schedule.
        from celery import current_app
        from django.conf import settings

        import engagement.admin_webhooks  # noqa: F401
        from engagement import admin_crm, tasks  # noqa: F401
        from engagement.api import schema  # noqa: F401
        from engagement.services.jobs import beat_schedule

        current_app.conf.beat_schedule = {**settings.CELERY_BEAT_SCHEDULE, **beat_schedule()}
