"""The services' refusals in the reader's language: raised in Japanese while Japanese is active,
in the API's error body for `Accept-Language: ja`, next to the field on the page of a person
whose language is Japanese, and in the same English as before for everyone else."""

import datetime as dt

import pytest
import time_machine
from django.utils import translation

from engagement.actors import LOADER
from engagement.errors import Conflict, NotPermitted, RuleRefused, StaleWrite, ValidationFailed
from engagement.models import Engagement, FollowUp, Organization, Partnership, StageChange
from engagement.services.directory import organization_create, organization_update
from engagement.services.followups import followup_complete, followup_create
from engagement.services.partnerships import (
    partnership_create,
    partnership_transition,
    partnership_update,
)
from tests import factories

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("fresh_catalogue", "english_afterwards"),
]
NOW = dt.datetime(2026, 11, 26, 1, 0, tzinfo=dt.UTC)  # 10:00 in Tokyo, the users' time zone
ORGS = "/api/v1/organizations/"

STALE_ORG = {
    "ja": (
        "この組織は他のユーザーによって変更されました（編集した版は 1、現在の版は 2 です）。"
        "再読み込みしてから、変更をもう一度行ってください。"
    ),
    "en": (
        "This organization was changed by someone else (you edited version 1, it is now at "
        "version 2). Reload it and apply your change again."
    ),
}
STALE_DEAL = {
    "ja": STALE_ORG["ja"].replace("この組織", "このパートナーシップ"),
    "en": STALE_ORG["en"].replace("This organization", "This partnership"),
}
ALREADY_THERE = {"ja": "すでにそのステージにあります。", "en": "It is already in that stage."}
CANNOT_MOVE = {
    "ja": "「特定」から「特定」へは移動できません: すでにそのステージにあります。",
    "en": "Cannot move from Identified to Identified: It is already in that stage.",
}
ALREADY_DONE = {
    "ja": "このフォローアップはすでに「完了」の状態です。",
    "en": "This follow-up is already Done.",
}
ALREADY_DONE_STATUS = {"ja": "すでに「完了」の状態です。", "en": "Already Done."}
UNKNOWN_CAPABILITY = {"ja": "不明なコードです: MAT.NOPE。", "en": "Unknown code(s): MAT.NOPE."}
INVALID_IN_CAPABILITIES = {
    "ja": "入力内容に誤りがあります: 技術・能力。",
    "en": "Invalid input in: Capabilities.",
}
NEXT_STEP_UNSAID = {
    "ja": "期限を入力する場合は、次のアクションの内容も入力してください。",
    "en": "Say what the next step is when you give it a date.",
}


def _duplicate(disco) -> dict:
    return {
        "ja": (
            f"JP には同じ名称の組織がすでに登録されています: DISCO (ディスコ)（ID {disco.pk}）。",
            f"既存の組織 DISCO (ディスコ)（ID {disco.pk}）と重複しています。",
        ),
        "en": (
            "An organization with this name already exists in JP: "
            f"DISCO (ディスコ), id {disco.pk}.",
            f"Duplicate of existing organization DISCO (ディスコ) (id {disco.pk}).",
        ),
    }


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def usm(db):
    return factories.institution("Universiti Sains Malaysia", country="MY")


@pytest.fixture
def deal(users, team_a, usm):
    return factories.partnership(
        team_a,
        actor=users["bd_a"],
        counterparts=[usm],
        title="Dicing training line",
        partnership_type="training_programme",
        initiatives=["T6-01"],
        priority_country="MY",
    )


@pytest.fixture
def reader(users, request):
    """bd_a, reading in the language the test is parametrised with."""
    user = users["bd_a"]
    user.language = request.param
    user.save(update_fields=["language"])
    return user


def _snapshot() -> dict:
    """Everything the refused writes below could have written."""
    return {
        "organizations": list(Organization.objects.order_by("pk").values_list("pk", "version")),
        "partnerships": list(
            Partnership.objects.order_by("pk").values_list("pk", "stage", "version", "title")
        ),
        "stage_changes": StageChange.objects.count(),
        "engagements": Engagement.objects.count(),
        "followups": list(FollowUp.objects.order_by("pk").values_list("pk", "status", "version")),
    }


def _api(api, user, language: str):
    """An integrator's client; an English one sends no Accept-Language at all."""
    asks = {"HTTP_ACCEPT_LANGUAGE": language} if language != "en" else {}
    api.credentials(HTTP_AUTHORIZATION=f"Token {factories.token(user)}", **asks)
    return api


LANGUAGES = pytest.mark.parametrize("language", ["ja", "en"])
READERS = pytest.mark.parametrize(
    ("reader", "language"), [("ja", "ja"), ("en", "en")], indirect=["reader"]
)


# --- The services, in the active language --------------------------------------------------------


@LANGUAGES
def test_a_duplicate_organization_is_refused_in_the_active_language(disco, language):
    before = _snapshot()

    with translation.override(language), pytest.raises(Conflict) as refused:
        organization_create(
            actor=LOADER, kind="japanese_company", org_type="equipment", name="DISCO", country="JP"
        )

    detail, on_name = _duplicate(disco)[language]
    assert refused.value.detail == detail
    assert refused.value.errors == {"name": [on_name]}
    assert _snapshot() == before


@LANGUAGES
def test_an_unknown_capability_code_is_refused_in_the_active_language(language):
    before = _snapshot()

    with translation.override(language), pytest.raises(ValidationFailed) as refused:
        factories.institution("Penang Skills Centre", capabilities=["MAT.NOPE"])

    assert refused.value.detail == INVALID_IN_CAPABILITIES[language]
    assert refused.value.errors == {"capabilities": [UNKNOWN_CAPABILITY[language]]}
    assert _snapshot() == before


@LANGUAGES
def test_a_move_to_the_stage_it_is_in_is_refused_in_the_active_language(users, deal, language):
    before = _snapshot()

    with translation.override(language), pytest.raises(RuleRefused) as refused:
        partnership_transition(actor=users["bd_a"], partnership=deal, to="identified")

    assert refused.value.detail == CANNOT_MOVE[language]
    assert refused.value.errors == {"to": [ALREADY_THERE[language]]}
    assert _snapshot() == before


@pytest.mark.parametrize(
    ("language", "detail", "on_reason"),
    [
        (
            "ja",
            "入力内容に誤りがあります: 理由。",
            "「特定」から「検討中」への移動には理由が必要です。",
        ),
        ("en", "Invalid input in: Reason.", "Moving from Identified to Exploring needs a reason."),
    ],
)
def test_a_skip_without_a_reason_is_refused_in_the_active_language(
    users, deal, language, detail, on_reason
):
    before = _snapshot()

    with translation.override(language), pytest.raises(ValidationFailed) as refused:
        partnership_transition(actor=users["bd_a"], partnership=deal, to="exploring")

    assert (refused.value.detail, refused.value.errors) == (detail, {"reason": [on_reason]})
    assert _snapshot() == before


@LANGUAGES
def test_completing_a_follow_up_twice_is_refused_in_the_active_language(users, team_a, language):
    followup = factories.followup(team_a, owner=users["bd_a"], due_on=dt.date(2026, 12, 1))
    followup_complete(actor=users["bd_a"], followup=followup)
    before = _snapshot()

    with translation.override(language), pytest.raises(Conflict) as refused:
        followup_complete(actor=users["bd_a"], followup=followup)

    assert refused.value.detail == ALREADY_DONE[language]
    assert refused.value.errors == {"status": [ALREADY_DONE_STATUS[language]]}
    assert _snapshot() == before


@pytest.mark.parametrize(
    ("language", "on_due_on", "on_priority"),
    [
        (
            "ja",
            "日付は YYYY-MM-DD の形式で入力してください。",
            "次のいずれかを指定してください: low, normal, high。",
        ),
        ("en", "Enter a date as YYYY-MM-DD.", "Must be one of: low, normal, high."),
    ],
)
def test_a_follow_up_with_an_impossible_date_is_refused_in_the_active_language(
    users, team_a, language, on_due_on, on_priority
):
    before = _snapshot()

    with translation.override(language), pytest.raises(ValidationFailed) as refused:
        followup_create(actor=users["bd_a"], due_on="2026-02-30", note="Call", priority="urgent")

    assert refused.value.errors == {"due_on": [on_due_on], "priority": [on_priority]}
    assert _snapshot() == before


@LANGUAGES
def test_a_stale_version_is_refused_in_the_active_language(disco, language):
    organization_update(actor=LOADER, organization=disco, description="edited by someone else")
    before = _snapshot()

    with translation.override(language), pytest.raises(StaleWrite) as refused:
        organization_update(
            actor=LOADER, organization=disco, expected_version=1, description="my edit"
        )

    assert refused.value.detail == STALE_ORG[language]
    assert _snapshot() == before


@pytest.mark.parametrize(
    ("language", "detail"),
    [
        (
            "ja",
            "あなたの役割ではパートナーシップを作成できません。"
            "作成できるのは企業チームのメンバーのみです。",
        ),
        (
            "en",
            "Your role may not create partnerships: only members of a company's team can.",
        ),
    ],
)
def test_a_program_manager_opening_a_deal_is_refused_in_the_active_language(
    users, team_a, usm, language, detail
):
    before = _snapshot()

    with translation.override(language), pytest.raises(NotPermitted) as refused:
        partnership_create(
            actor=users["pm"],
            team=team_a,
            title="Not mine",
            counterparts=[usm.pk],
            partnership_type="training_programme",
        )

    assert refused.value.detail == detail
    assert _snapshot() == before


# --- The API, in the language of Accept-Language -------------------------------------------------


@LANGUAGES
def test_the_api_refuses_a_duplicate_organization_in_the_requested_language(
    api, users, disco, language
):
    before = _snapshot()

    response = _api(api, users["bd_a"], language).post(
        ORGS,
        {"kind": "japanese_company", "org_type": "equipment", "name": "DISCO", "country": "JP"},
        format="json",
    )

    detail, on_name = _duplicate(disco)[language]
    assert response.status_code == 409
    assert response["Content-Language"] == language
    assert response.json() == {
        "type": "conflict",
        "detail": detail,
        "errors": {"name": [on_name]},
        "existing": {"id": disco.pk, "name": "DISCO"},
    }
    assert _snapshot() == before


@LANGUAGES
def test_the_api_refuses_an_unknown_capability_code_in_the_requested_language(api, users, language):
    before = _snapshot()

    response = _api(api, users["bd_a"], language).post(
        ORGS,
        {
            "kind": "asean_institution",
            "org_type": "university",
            "name": "Penang Skills Centre",
            "country": "MY",
            "capabilities": ["MAT.NOPE"],
        },
        format="json",
    )

    assert response.status_code == 422
    assert response.json() == {
        "type": "rule_refused",
        "detail": INVALID_IN_CAPABILITIES[language],
        "errors": {"capabilities": [UNKNOWN_CAPABILITY[language]]},
    }
    assert _snapshot() == before


@LANGUAGES
def test_the_api_refuses_a_move_to_the_same_stage_in_the_requested_language(
    api, users, deal, language
):
    before = _snapshot()

    response = _api(api, users["bd_a"], language).post(
        f"/api/v1/partnerships/{deal.pk}/transition/", {"to": "identified"}, format="json"
    )

    assert response.status_code == 422
    assert response.json() == {
        "type": "rule_refused",
        "detail": CANNOT_MOVE[language],
        "errors": {"to": [ALREADY_THERE[language]]},
    }
    assert _snapshot() == before


@LANGUAGES
def test_the_api_refuses_completing_a_follow_up_twice_in_the_requested_language(
    api, users, team_a, language
):
    followup = factories.followup(team_a, owner=users["bd_a"], due_on=dt.date(2026, 12, 1))
    followup_complete(actor=users["bd_a"], followup=followup)
    before = _snapshot()

    response = _api(api, users["bd_a"], language).post(
        f"/api/v1/follow-ups/{followup.pk}/complete/"
    )

    assert response.status_code == 409
    assert response.json() == {
        "type": "conflict",
        "detail": ALREADY_DONE[language],
        "errors": {"status": [ALREADY_DONE_STATUS[language]]},
    }
    assert _snapshot() == before


@LANGUAGES
def test_the_api_refuses_a_stale_if_match_in_the_requested_language(api, users, disco, language):
    client = _api(api, users["bd_a"], language)
    stale = client.get(f"{ORGS}{disco.pk}/")["ETag"]
    organization_update(actor=LOADER, organization=disco, description="edited by someone else")
    before = _snapshot()

    response = client.patch(
        f"{ORGS}{disco.pk}/", {"description": "my edit"}, format="json", HTTP_IF_MATCH=stale
    )

    assert response.status_code == 412
    assert response.json() == {"type": "stale_write", "detail": STALE_ORG[language], "errors": {}}
    assert _snapshot() == before


# --- The pages, in the reader's own language -----------------------------------------------------


@READERS
def test_a_move_the_rules_forbid_is_shown_in_the_readers_language(client, reader, deal, language):
    client.force_login(reader)
    before = _snapshot()

    response = client.post(f"/partnerships/{deal.pk}/transition/", {"to": "identified"})

    assert response.status_code == 409
    assert response["Content-Language"] == language
    assert response.context["transition_form"].errors == {"to": [ALREADY_THERE[language]]}
    assert ALREADY_THERE[language] in response.content.decode()
    assert _snapshot() == before


@READERS
def test_saving_over_someone_elses_change_is_refused_in_the_readers_language(
    client, reader, users, deal, language
):
    client.force_login(reader)
    stale = {
        "title": "My title",
        "counterparts": [o.pk for o in deal.counterparts.all()],
        "partnership_type": deal.partnership_type.code,
        "initiatives": [i.code for i in deal.initiatives.all()],
        "priority_country": "MY",
        "currency": "JPY",
        "owner": deal.owner_id,
        "version": deal.version,
    }
    partnership_update(actor=users["integrator_a"], partnership=deal, title="Their title")
    before = _snapshot()

    response = client.post(f"/partnerships/{deal.pk}/edit/", stale)

    assert response.status_code == 409
    assert response.context["form"].non_field_errors() == [STALE_DEAL[language]]
    assert STALE_DEAL[language] in response.content.decode()
    assert _snapshot() == before


@READERS
def test_a_dated_next_step_without_its_text_is_refused_in_the_readers_language(
    client, reader, usm, language
):
    client.force_login(reader)
    before = _snapshot()

    response = client.post(
        "/engagements/new/",
        {
            "occurred_at": "2026-11-26T10:00",
            "kind": "meeting",
            "organizations": [usm.pk],
            "summary": "Met the dean about a dicing lab",
            "next_step": "",
            "next_step_due": "2026-12-01",
        },
    )

    assert response.status_code == 400
    assert response.context["form"].errors == {"next_step": [NEXT_STEP_UNSAID[language]]}
    assert NEXT_STEP_UNSAID[language] in response.content.decode()
    assert _snapshot() == before


@READERS
def test_finishing_a_finished_follow_up_says_so_in_the_readers_language(
    client, reader, team_a, language
):
    followup = factories.followup(team_a, owner=reader, due_on=dt.date(2026, 12, 1), note="Call")
    followup_complete(actor=reader, followup=followup)
    client.force_login(reader)
    before = _snapshot()

    response = client.post(f"/follow-ups/{followup.pk}/done/", follow=True)

    assert response.status_code == 200
    assert [str(m) for m in response.context["messages"]] == [ALREADY_DONE[language]]
    assert ALREADY_DONE[language] in response.content.decode()
    assert _snapshot() == before
