from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MatchingConfig(AppConfig):
    name = "matching"
    verbose_name = _("Matching")

    def ready(self) -> None:
        # The directory and market-intelligence services say what changed; matching re-ranks
        # the suggestions involved (matching/services/background.py). They cannot call matching
        # themselves: matching builds on them.
        from engagement.services import hooks
        from matching.services.background import (
            matching_counterpart_changed,
            matching_profile_changed,
            matching_watch_changed,
        )

        hooks.on_profile_changed(matching_profile_changed)
        hooks.on_watch_changed(matching_watch_changed)
        hooks.on_counterpart_changed(matching_counterpart_changed)

        # Matching's REST resources, on the API's one router (engagement/api/routes.py).
        from engagement.api.routes import api_resource_register
        from matching.api import MatchingStrategyViewSet, MatchSuggestionViewSet

        api_resource_register(
            "match-suggestions", MatchSuggestionViewSet, basename="match-suggestions"
        )
        api_resource_register(
            "matching-strategies", MatchingStrategyViewSet, basename="matching-strategies"
        )
