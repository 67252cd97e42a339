from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EngagementConfig(AppConfig):
    name = "engagement"
    verbose_name = _("Engagement")

    def ready(self) -> None:
        # Registers the OpenAPI description of token authentication.
        import engagement.admin_webhooks  # noqa: F401
        from engagement import admin_crm  # noqa: F401
        from engagement.api import schema  # noqa: F401
