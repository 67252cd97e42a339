"""Each rule once: a text over its limit is refused with the same sentence by every way in (the
page form, the API, the import and the service itself), in English and in Japanese, and the
limits the form and the schema announce are the rule's own."""

import csv
import io

import pytest
from django.utils import translation
from rest_framework.test import APIClient

from engagement.errors import ValidationFailed
from engagement.models import Engagement, FollowUp
from engagement.rules import ENGAGEMENT_TEXT, FOLLOWUP_NOTE, FOLLOWUP_OUTCOME
from engagement.services import imports
from engagement.services.engagements import engagement_log
from engagement.services.followups import followup_complete
from tests import factories

pytestmark = pytest.mark.django_db
LIMIT = ENGAGEMENT_TEXT["summary"].max_length
LONG = "x" * (LIMIT + 1)
EXPECTED = {
    "en": "At most 20,000 characters; this has 20,001.",
    "ja": "20,000文字以内にしてください（この入力は20,001文字です）。",
}
FIELDS = {
    "occurred_at": "2026-11-25T10:00",
    "kind": "meeting",
}


def _through_the_service(users, usm) -> list[str]:
    with pytest.raises(ValidationFailed) as refused:
        engagement_log(
            actor=users["bd_a"],
            occurred_at="2026-11-25T10:00:00+09:00",
            kind="meeting",
            organizations=[usm.pk],
            summary=LONG,
        )
    return refused.value.errors["summary"]


def _through_the_page(client, users, usm, language) -> list[str]:
    client.force_login(users["bd_a"])
    response = client.post(
        "/engagements/new/",
        {**FIELDS, "organizations": [usm.pk], "summary": LONG},
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert response.status_code == 400
    return list(response.context["form"].errors["summary"])


def _through_the_api(users, usm, language) -> list[str]:
    api = APIClient()
    api.force_authenticate(users["bd_a"])
    response = api.post(
        "/api/v1/engagements/",
        {**FIELDS, "organizations": [usm.pk], "summary": LONG},
        format="json",
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert response.status_code == 400
    return response.json()["errors"]["summary"]


def _through_the_import(users) -> list[str]:
    out = io.StringIO(newline="")
    csv.writer(out).writerows(
        [
            ["occurred_at", "kind", "organizations", "summary"],
            ["2026-11-25 10:00", "meeting", "Universiti Sains Malaysia", LONG],
        ]
    )
    report = imports.import_file(
        "engagements",
        io.BytesIO(out.getvalue().encode()),
        "e.csv",
        actor=users["bd_a"],
        dry_run=True,
    )
    return [e["reason"] for e in report.errors if e["column"] == "summary"]


@pytest.mark.parametrize("language", ["en", "ja"])
def test_a_summary_too_long_gets_one_answer_from_every_way_in(client, users, usm, language):
    for user in (users["bd_a"],):
        user.language = language
        user.save(update_fields=["language"])
    with translation.override(language):
        service = _through_the_service(users, usm)
        imported = _through_the_import(users)
    page = _through_the_page(client, users, usm, language)
    api = _through_the_api(users, usm, language)

    assert service == imported == page == api == [EXPECTED[language]]
    assert Engagement.objects.count() == 0


def test_a_summary_at_the_limit_is_accepted(users, usm):
    made = engagement_log(
        actor=users["bd_a"],
        occurred_at="2026-11-25T10:00:00+09:00",
        kind="meeting",
        organizations=[usm.pk],
        summary="y" * LIMIT,
    )

    assert len(made.summary) == LIMIT


def test_the_form_and_the_schema_announce_the_rule_s_limits(client, users):
    client.force_login(users["bd_a"])
    html = client.get("/engagements/new/").content.decode()
    assert f'name="next_step" maxlength="{ENGAGEMENT_TEXT["next_step"].max_length}"' in html
    assert f'maxlength="{LIMIT}"' in html

    schema = client.get("/api/schema/", {"format": "json"}).json()["components"]["schemas"]
    engagement = schema["EngagementInputRequest"]["properties"]
    assert {k: engagement[k]["maxLength"] for k in ENGAGEMENT_TEXT} == {
        k: v.max_length for k, v in ENGAGEMENT_TEXT.items()
    }
    followup = schema["FollowUpInputRequest"]["properties"]
    assert followup["note"]["maxLength"] == FOLLOWUP_NOTE.max_length


def test_a_follow_up_outcome_too_long_reads_the_same_in_the_service_and_the_api(users, team_a):
    f = factories.followup(team_a, actor=users["bd_a"], owner=users["bd_a"], due_on="2026-12-01")
    too_long = "z" * (FOLLOWUP_OUTCOME.max_length + 1)
    with pytest.raises(ValidationFailed) as refused:
        followup_complete(actor=users["bd_a"], followup=f, outcome=too_long)
    api = APIClient()
    api.force_authenticate(users["bd_a"])
    response = api.post(
        f"/api/v1/follow-ups/{f.pk}/complete/", {"outcome": too_long}, format="json"
    )

    assert refused.value.errors["outcome"] == ["At most 2,000 characters; this has 2,001."]
    assert response.json()["errors"]["outcome"] == refused.value.errors["outcome"]
    f.refresh_from_db()
    assert f.status == FollowUp.Status.OPEN


def test_a_stage_move_reason_too_long_reads_the_same_on_the_page_the_api_and_the_service(
    client, users, team_a, usm
):
    from engagement.rules import REASON
    from engagement.services.partnerships import partnership_transition

    deal = factories.partnership(team_a, actor=users["bd_a"], counterparts=[usm], title="Line")
    reason = "r" * (REASON.max_length + 1)
    expected = ["At most 5,000 characters; this has 5,001."]
    with pytest.raises(ValidationFailed) as refused:
        partnership_transition(actor=users["bd_a"], partnership=deal, to="lost", reason=reason)
    api = APIClient()
    api.force_authenticate(users["bd_a"])
    by_api = api.post(
        f"/api/v1/partnerships/{deal.pk}/transition/",
        {"to": "lost", "reason": reason},
        format="json",
    )
    client.force_login(users["bd_a"])
    by_page = client.post(f"/partnerships/{deal.pk}/transition/", {"to": "lost", "reason": reason})

    assert refused.value.errors["reason"] == expected
    assert by_api.json()["errors"]["reason"] == expected
    assert expected[0] in by_page.content.decode()
    deal.refresh_from_db()
    assert deal.stage == "identified"


def test_the_import_says_a_too_long_name_in_the_same_words(users):
    out = io.StringIO(newline="")
    csv.writer(out).writerows([["name", "org_type", "country"], ["L" * 201, "university", "VN"]])
    report = imports.import_file(
        "organizations",
        io.BytesIO(out.getvalue().encode()),
        "o.csv",
        actor=users["pm"],
        dry_run=True,
    )

    assert [e["reason"] for e in report.errors] == ["At most 200 characters; this has 201."]
