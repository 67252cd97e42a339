"""No code in a refusal: a field is named by its label and a status by its label, in the
reader's language, never as the code the API and the database use ("reason", "done",
"at_risk"). The `errors` of an answer keep the codes as their keys."""

import datetime as dt

import pytest
import time_machine
from django.utils import translation

from engagement.actors import LOADER
from engagement.errors import Conflict, ValidationFailed, field_label, field_labels
from engagement.services.directory import organization_create
from engagement.services.followups import followup_cancel, followup_create
from engagement.services.pilots import pilot_cancel
from engagement.services.suggested_edits import suggested_edit_create
from engagement.services.watch import implementation_status_record
from tests import factories

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("fresh_catalogue", "english_afterwards"),
]
LANGUAGES = pytest.mark.parametrize("language", ["ja", "en"])
NOW = dt.datetime(2026, 11, 26, 1, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.mark.parametrize(
    ("language", "labels"),
    [
        (
            "ja",
            ["理由", "有効期限", "ステータス", "必要とする技術・能力", "タイトル", "thrusts.csv"],
        ),
        ("en", ["Reason", "Expires on", "Status", "Capabilities needed", "Title", "thrusts.csv"]),
    ],
)
def test_a_field_is_named_by_its_label_and_a_key_that_is_no_field_as_it_is(language, labels):
    codes = ["reason", "expires_on", "status", "needs", "milestones.0.title", "thrusts.csv"]

    with translation.override(language):
        assert [field_label(code) for code in codes] == labels


@pytest.mark.parametrize(
    ("language", "detail"),
    [
        ("ja", "入力内容に誤りがあります: 有効期限、理由、ステータス。"),
        ("en", "Invalid input in: Expires on, Reason, Status."),
    ],
)
def test_a_refusal_of_several_fields_names_each_by_its_label(language, detail):
    errors = {"status": ["x"], "reason": ["y"], "expires_on": ["z"]}

    with translation.override(language):
        refused = ValidationFailed(errors)

    assert (refused.detail, refused.errors) == (detail, errors)
    with translation.override(language):
        assert field_labels(errors) == detail.split(": ", 1)[1].rstrip("。.")


@pytest.mark.parametrize(
    ("language", "detail", "on_status"),
    [
        (
            "ja",
            "このフォローアップはすでに「中止」の状態です。",
            "すでに「中止」の状態です。",
        ),
        ("en", "This follow-up is already Cancelled.", "Already Cancelled."),
    ],
)
def test_cancelling_a_cancelled_follow_up_names_the_status_by_its_label(
    users, language, detail, on_status
):
    bd_a = users["bd_a"]
    f = followup_create(actor=bd_a, team=bd_a.team, owner=bd_a, due_on="2026-12-01", note="Call")
    followup_cancel(actor=bd_a, followup=f)

    with translation.override(language), pytest.raises(Conflict) as refused:
        followup_cancel(actor=bd_a, followup=f)

    assert (refused.value.detail, refused.value.errors) == (detail, {"status": [on_status]})


@pytest.mark.parametrize(
    ("language", "detail", "on_status"),
    [
        (
            "ja",
            "このパイロットのステータスは「中止」です。"
            "中止できるのはステータスが 計画中または実施中またはリスクあり の場合のみです。",
            "現在のステータスは「中止」です。",
        ),
        (
            "en",
            "This pilot is Cancelled; to cancel it, it must be Planned or Running or At risk.",
            "Is Cancelled.",
        ),
    ],
)
def test_cancelling_a_cancelled_pilot_names_the_statuses_by_their_labels(
    users, language, detail, on_status
):
    bd_a = users["bd_a"]
    deal = factories.partnership(bd_a.team, actor=bd_a, counterparts=[factories.institution()])
    pilot = factories.pilot(deal, actor=bd_a, objective="Dicing yield trial")
    pilot_cancel(actor=bd_a, pilot=pilot)

    with translation.override(language), pytest.raises(Conflict) as refused:
        pilot_cancel(actor=bd_a, pilot=pilot)

    assert (refused.value.detail, refused.value.errors) == (detail, {"status": [on_status]})


@pytest.mark.parametrize(
    ("language", "on_status"),
    [
        (
            "ja",
            "既存の実施状況と重複しています: VN の T6-01、2026-03-01 から「開始済み」（ID {pk}）。",
        ),
        ("en", "Duplicate of existing status T6-01 in VN Launched from 2026-03-01 (id {pk})."),
    ],
)
def test_recording_a_status_twice_names_the_status_by_its_label(users, language, on_status):
    record = dict(
        actor=users["pm"],
        initiative="T6-01",
        member_state="VN",
        status="launched",
        effective_on="2026-03-01",
        source_url="https://mic.gov.vn/programme",
    )
    first = implementation_status_record(**record)

    with translation.override(language), pytest.raises(Conflict) as refused:
        implementation_status_record(**record)

    assert refused.value.errors == {"status": [on_status.format(pk=first.pk)]}


@pytest.mark.parametrize(
    ("language", "on_type"),
    [
        ("ja", "種別 '大学' は「ASEAN機関」用のため、「日本企業」には使えません。"),
        ("en", "Type 'University' is for ASEAN institution, not Japanese company."),
    ],
)
def test_a_type_of_the_other_kind_names_both_kinds_by_their_labels(language, on_type):
    with translation.override(language), pytest.raises(ValidationFailed) as refused:
        organization_create(
            actor=LOADER, kind="japanese_company", org_type="university", name="Acme", country="JP"
        )

    assert refused.value.errors == {"org_type": [on_type]}


@pytest.mark.parametrize(
    ("language", "on_subject"),
    [
        ("ja", "ID 999999 の パートナーシップ はありません。"),
        ("en", "No partnership with id 999999."),
    ],
)
def test_a_follow_up_about_a_missing_record_names_the_kind_of_record(users, language, on_subject):
    bd_a = users["bd_a"]

    with translation.override(language), pytest.raises(ValidationFailed) as refused:
        followup_create(
            actor=bd_a,
            team=bd_a.team,
            owner=bd_a,
            due_on="2026-12-01",
            note="Call",
            subject=("partnership", 999999),
        )

    assert refused.value.errors["subject"] == [on_subject]


@pytest.mark.parametrize(
    ("language", "on_changes"),
    [
        ("ja", "次の項目は変更できません：区分、版。"),
        ("en", "These fields cannot be changed: Kind, Version."),
    ],
)
def test_a_suggested_edit_of_fields_that_cannot_change_names_them_by_their_labels(
    users, language, on_changes
):
    place = factories.institution("USM")

    with translation.override(language), pytest.raises(ValidationFailed) as refused:
        suggested_edit_create(
            actor=users["bd_b"],
            organization=place,
            changes={"kind": "japanese_company", "version": 9},
            reason="Wrong kind",
        )

    assert refused.value.errors["changes"] == [on_changes]
