"""The services reach the parts built on them only through engagement.services.hooks, and the
API's router takes matching's resources through engagement.api.routes: all of it is registered
once Django is set up, in any process (a web process never imports engagement.tasks itself)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from engagement import tasks
from engagement.api.routes import api_resources
from engagement.services import hooks
from matching.api import MatchingStrategyViewSet, MatchSuggestionViewSet
from matching.services.background import (
    matching_counterpart_changed,
    matching_profile_changed,
    matching_watch_changed,
)


def test_every_task_the_services_queue_by_name_is_registered_with_its_delay():
    assert {name: send.__self__ for name, send in hooks.tasks.items()} == {
        "engagement.send_notification_email": tasks.send_notification_email,
        "engagement.deliver_webhook": tasks.deliver_webhook,
        "engagement.run_import_job": tasks.run_import_job,
    }


def test_a_task_name_nobody_registered_is_refused_by_name():
    with pytest.raises(LookupError) as refused:
        hooks.task_send("engagement.no_such_task", 1)

    assert str(refused.value) == "No task is registered as 'engagement.no_such_task'."


def test_matching_listens_to_profile_status_project_and_incentive_changes_once():
    hooks.on_profile_changed(matching_profile_changed)  # registering again changes nothing
    hooks.on_watch_changed(matching_watch_changed)
    hooks.on_counterpart_changed(matching_counterpart_changed)

    assert hooks._profile_listeners == [matching_profile_changed]
    assert hooks._watch_listeners == [matching_watch_changed]
    assert hooks._counterpart_listeners == [matching_counterpart_changed]


def test_matchings_resources_are_on_the_apis_one_router():
    assert api_resources() == [
        ("match-suggestions", MatchSuggestionViewSet, "match-suggestions"),
        ("matching-strategies", MatchingStrategyViewSet, "matching-strategies"),
    ]
    assert reverse("api:match-suggestions-list") == "/api/v1/match-suggestions/"
