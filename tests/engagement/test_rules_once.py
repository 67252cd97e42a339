"""Each rule once: a text over its limit is refused with the same sentence by every way in (the
page form, the API, the import and the service itself), in English and in Japanese, and the
limits the form and the schema announce are the rule's own."""

import csv
import io
import re

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


def _import_errors(kind: str, rows: list[list[str]], actor) -> dict[str, list[str]]:
    out = io.StringIO(newline="")
    csv.writer(out).writerows(rows)
    report = imports.import_file(
        kind, io.BytesIO(out.getvalue().encode()), f"{kind}.csv", actor=actor, dry_run=True
    )
    found: dict[str, list[str]] = {}
    for error in report.errors:
        found.setdefault(error["column"], []).append(error["reason"])
    return found


def _through_the_import(users) -> list[str]:
    rows = [
        ["occurred_at", "kind", "organizations", "summary"],
        ["2026-11-25 10:00", "meeting", "Universiti Sains Malaysia", LONG],
    ]
    return _import_errors("engagements", rows, users["bd_a"]).get("summary", [])


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


# --- The directory, contacts, MoUs and pilots: the same rule for each text, every way in -----


def _api(user):
    api = APIClient()
    api.force_authenticate(user)
    return api


def test_an_organization_description_too_long_gets_one_answer_from_every_way_in(client, users):
    from engagement.models import Organization
    from engagement.rules import ORGANIZATION_TEXT
    from engagement.services.directory import organization_create

    long = "d" * (ORGANIZATION_TEXT["description"].max_length + 1)
    expected = ["At most 20,000 characters; this has 20,001."]
    fields = {
        "kind": "institution",
        "org_type": "university",
        "name": "Hanoi Tech",
        "country": "VN",
    }
    before = Organization.objects.count()
    with pytest.raises(ValidationFailed) as refused:
        organization_create(actor=users["bd_a"], **fields, description=long)
    by_api = _api(users["bd_a"]).post(
        "/api/v1/organizations/", {**fields, "description": long}, format="json"
    )
    client.force_login(users["bd_a"])
    by_page = client.post("/organizations/new/", {**fields, "description": long})
    imported = _import_errors(
        "organizations",
        [["name", "org_type", "country", "description"], ["Hanoi Tech", "university", "VN", long]],
        users["bd_a"],
    )

    assert refused.value.errors["description"] == expected
    assert by_api.status_code == 400
    assert by_api.json()["errors"]["description"] == expected
    assert by_page.status_code == 400
    assert list(by_page.context["form"].errors["description"]) == expected
    assert imported["description"] == expected
    assert Organization.objects.count() == before


def test_a_contact_s_name_too_long_is_refused_by_the_service_as_by_the_page_and_the_api(
    client, users, usm
):
    # The contact services had no limit of their own: an import of a 201-character name was
    # stored on SQLite and failed on PostgreSQL's varchar(200).
    from engagement.models import Contact
    from engagement.services.directory import contact_create

    long = "N" * 201
    expected = ["At most 200 characters; this has 201."]
    with pytest.raises(ValidationFailed) as refused:
        contact_create(actor=users["bd_a"], organization=usm.pk, name=long)
    by_api = _api(users["bd_a"]).post(
        "/api/v1/contacts/", {"organization": usm.pk, "name": long}, format="json"
    )
    client.force_login(users["bd_a"])
    by_page = client.post(f"/organizations/{usm.pk}/contacts/new/", {"name": long})
    imported = _import_errors(
        "contacts", [["organization", "name"], [usm.name, long]], users["bd_a"]
    )

    assert refused.value.errors["name"] == expected
    assert by_api.json()["errors"]["name"] == expected
    assert list(by_page.context["form"].errors["name"]) == expected
    assert imported["name"] == expected
    assert Contact.objects.count() == 0


def test_a_pilot_objective_has_one_limit_on_the_page_the_api_and_the_service(
    client, users, team_a, usm
):
    # The page allowed 10,000 characters, the API 20,000 and the service any number.
    from engagement.models import Pilot
    from engagement.rules import PILOT_OBJECTIVE
    from engagement.services.pilots import pilot_create

    deal = factories.partnership(team_a, actor=users["bd_a"], counterparts=[usm], title="Line")
    fits = "o" * PILOT_OBJECTIVE.max_length
    long = fits + "o"
    expected = ["At most 20,000 characters; this has 20,001."]
    with pytest.raises(ValidationFailed) as refused:
        pilot_create(actor=users["bd_a"], partnership=deal, objective=long)
    by_api = _api(users["bd_a"]).post(
        "/api/v1/pilots/", {"partnership": deal.pk, "objective": long}, format="json"
    )
    client.force_login(users["bd_a"])
    by_page = client.post(f"/partnerships/{deal.pk}/pilots/", {"pilot-new-objective": long})
    made = client.post(f"/partnerships/{deal.pk}/pilots/", {"pilot-new-objective": fits})

    assert refused.value.errors["objective"] == expected
    assert by_api.json()["errors"]["objective"] == expected
    assert expected[0] in by_page.content.decode()
    assert made.status_code == 302
    assert [len(p.objective) for p in Pilot.objects.all()] == [PILOT_OBJECTIVE.max_length]


def test_a_kpi_unit_too_long_is_refused_not_cut_short(users, team_a, usm):
    from engagement.models import KPI
    from engagement.services.pilots import kpi_add

    deal = factories.partnership(team_a, actor=users["bd_a"], counterparts=[usm], title="Line")
    pilot = factories.pilot(deal, actor=users["bd_a"])
    with pytest.raises(ValidationFailed) as refused:
        kpi_add(actor=users["bd_a"], pilot=pilot, name="Yield", target="95", unit="u" * 41)
    by_api = _api(users["bd_a"]).post(
        f"/api/v1/pilots/{pilot.pk}/add-kpi/",
        {"name": "Yield", "target": "95", "unit": "u" * 41},
        format="json",
    )

    assert refused.value.errors == {"unit": ["At most 40 characters; this has 41."]}
    assert by_api.json()["errors"] == {"unit": ["At most 40 characters; this has 41."]}
    assert KPI.objects.count() == 0


def test_an_mou_title_too_long_reads_the_same_in_the_service_and_the_api(users, team_a, usm):
    from engagement.models import MoU
    from engagement.services.mous import mou_create

    deal = factories.partnership(team_a, actor=users["bd_a"], counterparts=[usm], title="Line")
    long = "T" * 201
    with pytest.raises(ValidationFailed) as refused:
        mou_create(actor=users["bd_a"], partnership=deal, title=long)
    by_api = _api(users["bd_a"]).post(
        "/api/v1/mous/", {"partnership": deal.pk, "title": long}, format="json"
    )

    assert refused.value.errors["title"] == ["At most 200 characters; this has 201."]
    assert by_api.json()["errors"]["title"] == refused.value.errors["title"]
    assert MoU.objects.count() == 0


def test_a_steward_s_note_too_long_is_refused_whole_and_the_suggestion_stays_pending(
    client, users, usm
):
    # The note was cut to 2,000 characters without a word.
    from engagement.models import SuggestedEdit
    from engagement.services.suggested_edits import suggested_edit_create

    edit = suggested_edit_create(
        actor=users["bd_a"],
        organization=usm,
        changes={"name_ja": "マレーシア科学大学"},
        reason="Its Japanese name.",
    )
    client.force_login(users["pm"])
    by_page = client.post(
        f"/directory/suggested-edits/{edit.pk}/apply/", {"note": "n" * 2001}, follow=True
    )
    by_api = _api(users["pm"]).post(
        f"/api/v1/suggested-edits/{edit.pk}/apply/", {"note": "n" * 2001}, format="json"
    )

    assert "At most 2,000 characters; this has 2,001." in by_page.content.decode()
    assert by_api.json()["errors"]["note"] == ["At most 2,000 characters; this has 2,001."]
    edit.refresh_from_db()
    assert edit.status == SuggestedEdit.Status.PENDING
    assert edit.decision_note == ""


def _maxlength(html: str, name: str) -> int | None:
    """The maxlength of the input or textarea named `name` in `html`."""
    tag = re.search(rf'<(?:input|textarea)\b[^>]*\bname="{name}"[^>]*>', html)
    assert tag, name
    found = re.search(r'\bmaxlength="(\d+)"', tag.group(0))
    return int(found.group(1)) if found else None


def test_the_forms_and_the_schema_announce_the_directory_s_limits(client, users, usm):
    from engagement.rules import CONTACT_TEXT, ORGANIZATION_TEXT

    client.force_login(users["bd_a"])
    org_page = client.get("/organizations/new/").content.decode()
    contact_page = client.get(f"/organizations/{usm.pk}/contacts/new/").content.decode()
    schema = client.get("/api/schema/", {"format": "json"}).json()["components"]["schemas"]
    org = schema["OrganizationInputRequest"]["properties"]
    contact = schema["ContactInputRequest"]["properties"]

    for name, limit in ORGANIZATION_TEXT.items():
        assert org[name]["maxLength"] == limit.max_length, name
        if name != "source":  # kept by imports and the API; not on the page
            assert _maxlength(org_page, name) == limit.max_length, name
    for name, limit in CONTACT_TEXT.items():
        assert contact[name]["maxLength"] == limit.max_length, name
        assert _maxlength(contact_page, name) == limit.max_length, name


def test_a_project_s_sources_too_long_read_the_same_in_the_service_and_the_api(users):
    # The API allowed 5,000 characters; the service (and so the seed loader) any number.
    from engagement.models import Project
    from engagement.services.projects import project_create

    fields = {
        "code": "VN-TEST-FAB",
        "name_en": "Test fab",
        "owner_name": "Test owner",
        "country": "VN",
        "kind": "front_end_fab",
        "phase": "announced",
        "phase_as_of": "2026-01",
        "sources": "s" * 5_001,
    }
    expected = ["At most 5,000 characters; this has 5,001."]
    before = Project.objects.count()
    with pytest.raises(ValidationFailed) as refused:
        project_create(actor=users["pm"], **fields)
    by_api = _api(users["pm"]).post("/api/v1/projects/", fields, format="json")

    assert refused.value.errors["sources"] == expected
    assert by_api.json()["errors"]["sources"] == expected
    assert Project.objects.count() == before


def test_every_column_the_rules_size_is_as_wide_as_its_rule():
    from django.core.management import call_command

    from engagement import models
    from engagement.rules import (
        CONTACT_TEXT,
        INCENTIVE_TEXT,
        KPI_TEXT,
        MILESTONE_TITLE,
        MOU_TITLE,
        ORGANIZATION_TEXT,
        PARTNERSHIP_TEXT,
        POLICY_UPDATE_TEXT,
        PROJECT_TEXT,
        SOURCE_TEXT,
        SUGGESTION_NOTE,
    )

    sized = [
        (models.Organization, ORGANIZATION_TEXT),
        (models.Contact, CONTACT_TEXT),
        (models.Partnership, PARTNERSHIP_TEXT),
        (models.MoU, {"title": MOU_TITLE}),
        (models.Milestone, {"title": MILESTONE_TITLE}),
        (models.KPI, KPI_TEXT),
        (models.SuggestedEdit, {"reason": SUGGESTION_NOTE, "decision_note": SUGGESTION_NOTE}),
        (models.Project, PROJECT_TEXT),
        (models.Incentive, INCENTIVE_TEXT),
        (models.ImplementationStatus, SOURCE_TEXT),
        (models.PolicyUpdate, {**POLICY_UPDATE_TEXT, **SOURCE_TEXT}),
    ]
    widths = {
        (model.__name__, name): model._meta.get_field(name).max_length
        for model, rules in sized
        for name in rules
        if model._meta.get_field(name).max_length is not None
    }

    assert widths == {
        (model.__name__, name): rule.max_length
        for model, rules in sized
        for name, rule in rules.items()
        if (model.__name__, name) in widths
    }
    assert len(widths) == 33
    # And the migrations say the same widths: no migration is missing.
    call_command("makemigrations", "engagement", check=True, dry_run=True, verbosity=0)


def test_a_policy_update_title_too_long_gets_one_answer_from_the_service_the_api_and_the_import(
    users,
):
    # The watch services had no limits: a 301-character title from an import was stored on
    # SQLite and failed on PostgreSQL's varchar(300).
    from engagement.models import PolicyUpdate
    from engagement.services.watch import policy_update_create

    long = "P" * 301
    fields = {"published_on": "2026-11-02", "kind": "regulation", "source_title": "Gazette"}
    expected = ["At most 300 characters; this has 301."]
    with pytest.raises(ValidationFailed) as refused:
        policy_update_create(actor=users["pm"], **fields, title=long)
    by_api = _api(users["pm"]).post(
        "/api/v1/policy-updates/", {**fields, "title": long}, format="json"
    )
    imported = _import_errors(
        "policy-updates",
        [
            ["published_on", "kind", "title", "source_title"],
            ["2026-11-02", "regulation", long, "G"],
        ],
        users["pm"],
    )

    assert refused.value.errors["title"] == expected
    assert by_api.json()["errors"]["title"] == expected
    assert imported["title"] == expected
    assert PolicyUpdate.objects.count() == 0


# --- A rule across fields: written once, in the service; the page and the API say its words --


def test_an_mou_expiring_before_it_takes_effect_is_refused_in_the_same_words_everywhere(
    client, users, team_a, usm
):
    from engagement.models import MoU
    from engagement.services.mous import mou_create

    deal = factories.partnership(team_a, actor=users["bd_a"], counterparts=[usm], title="Line")
    dates = {"effective_on": "2027-04-01", "expires_on": "2027-03-31"}
    expected = ["Expiry (2027-03-31) must be after the effective date (2027-04-01)."]
    with pytest.raises(ValidationFailed) as refused:
        mou_create(actor=users["bd_a"], partnership=deal, title="Training MoU", **dates)
    by_api = _api(users["bd_a"]).post(
        "/api/v1/mous/", {"partnership": deal.pk, "title": "Training MoU", **dates}, format="json"
    )
    client.force_login(users["bd_a"])
    by_page = client.post(
        f"/partnerships/{deal.pk}/mous/",
        {
            "mou-new-title": "Training MoU",
            "mou-new-status": "draft",
            **{f"mou-new-{k}": v for k, v in dates.items()},
        },
    )

    assert refused.value.errors["expires_on"] == expected
    # A request of the right shape that a rule refuses: 422, not 400 (README, "API").
    assert by_api.status_code == 422
    assert by_api.json()["errors"]["expires_on"] == expected
    assert expected[0] in by_page.content.decode()
    assert MoU.objects.count() == 0
