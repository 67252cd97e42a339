"""The services' refusals in the language of the person refused: raised in the active language,
answered by the API in the language of Accept-Language, shown on the page in the reader's own
language, and in exact English for everyone else.

A representative refusal from each area: MoUs (signed twice, renewed as a draft), pilots (an
action in the wrong status), KPIs (a value that is not a number), the implementation watch (a
status without a source), webhooks (an endpoint on a non-public address) and matching (a
rejection without a reason)."""

import datetime as dt

import pytest
import time_machine
from django.utils import translation
from django.utils.html import escape

from engagement.actors import LOADER
from engagement.errors import Conflict, ValidationFailed
from engagement.models import (
    KPI,
    ImplementationStatus,
    MoU,
    Pilot,
    WebhookDelivery,
    WebhookEndpoint,
)
from engagement.services.directory import organization_update
from engagement.services.mous import mou_renew, mou_sign
from engagement.services.pilots import kpi_record, pilot_start
from engagement.services.watch import implementation_status_record
from engagement.services.webhooks import (
    EVENTS,
    webhook_deliver,
    webhook_emit,
    webhook_endpoint_create,
)
from matching.models import MatchDecision, MatchSuggestion, SuggestionStatus
from matching.services.decisions import match_reject
from matching.services.loading import reset_engine_cache
from matching.services.recompute import matches_recompute_companies
from tests import factories

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("fresh_catalogue", "english_afterwards"),
]
NOW = dt.datetime(2026, 11, 26, 1, 0, tzinfo=dt.UTC)  # 10:00 in Tokyo, the users' time zone

MOU_SIGNED_TWICE = {
    "en": "This MoU is Active; that action needs one that is Draft or Negotiating.",
    "ja": (
        "このMoUのステータスは「稼働中」です。"
        "この操作はステータスが 草案または交渉中 のMoUにのみ行えます。"
    ),
}
MOU_IS_ACTIVE = {"en": "Is Active.", "ja": "現在のステータスは「稼働中」です。"}
MOU_RENEWING_A_DRAFT = {
    "en": "This MoU is Draft; that action needs one that is Signed or Active or Expired.",
    "ja": (
        "このMoUのステータスは「草案」です。"
        "この操作はステータスが 締結済みまたは稼働中または期限切れ のMoUにのみ行えます。"
    ),
}
PILOT_STARTED_TWICE = {
    "en": "This pilot is Running; to start it, it must be Planned.",
    "ja": (
        "このパイロットのステータスは「実施中」です。"
        "開始できるのはステータスが 計画中 の場合のみです。"
    ),
}
PILOT_IS_RUNNING = {"en": "Is Running.", "ja": "現在のステータスは「実施中」です。"}
NOT_A_NUMBER = {"en": "Enter a number.", "ja": "数値を入力してください。"}
# The API's serializer refuses a value that is not a number before the service sees it.
NOT_A_NUMBER_API = {"en": "A valid number is required.", "ja": "有効な数値を入力してください。"}
NO_SOURCE = {
    "en": "Give the source: a URL, a document title, or both.",
    "ja": "出典（URL、文書のタイトル、またはその両方）を入力してください。",
}
PRIVATE_HOST = {
    "en": (
        "The host '10.1.2.3' resolves to a non-public address (10.1.2.3): webhooks go to "
        "public addresses only."
    ),
    "ja": (
        "ホスト '10.1.2.3' は公開されていないアドレス（10.1.2.3）に解決されます。"
        "Webhookは公開アドレスにのみ送信されます。"
    ),
}
REASONS = "not_relevant, wrong_country, already_in_touch, no_capacity, competitor, other"
NO_REASON = {
    "en": f"One of: {REASONS}.",
    "ja": f"次のいずれかを指定してください: {REASONS}。",
}
OTHER_WITHOUT_A_NOTE = {
    "en": "Say why when the reason is 'other'.",
    "ja": "理由が「other」の場合は、その内容を入力してください。",
}
LANGUAGES = ["ja", "en"]
STATUS_BODY = {
    "initiative": "T6-01",
    "member_state": "VN",
    "status": "planned",
    "effective_on": "2026-10-01",
}


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture(autouse=True)
def _fresh_engine():
    """Matching keeps its engine per process; each test starts from its own directory."""
    reset_engine_cache()
    yield
    reset_engine_cache()


@pytest.fixture
def usm(db):
    return factories.institution("Universiti Sains Malaysia", country="MY")


@pytest.fixture
def deal(users, team_a, usm):
    return factories.partnership(
        team_a, actor=users["bd_a"], counterparts=[usm], title="Dicing training line"
    )


@pytest.fixture
def active_mou(deal, users):
    mou = factories.mou(deal, actor=users["bd_a"], title="Training MoU")
    return mou_sign(actor=users["bd_a"], mou=mou, signed_on="2026-11-20", expires_on="2027-11-20")


@pytest.fixture
def draft_mou(deal, users):
    return factories.mou(deal, actor=users["bd_a"], title="Draft MoU")


@pytest.fixture
def running(deal, users):
    pilot = factories.pilot(
        deal,
        actor=users["bd_a"],
        objective="Qualify the dicing recipe",
        starts_on="2026-11-01",
        kpis=[{"name": "Operators trained", "target": "20", "unit": "people"}],
    )
    return pilot_start(actor=users["bd_a"], pilot=pilot)


@pytest.fixture
def suggestion(disco, tel, team_a, team_b, users):
    penang = factories.institution(
        "Penang Development Corporation",
        country="MY",
        org_type="industrial_park",
        needs=["EQP.SERVICE", "MFG.ATP"],
        thrusts=["T3"],
    )
    organization_update(actor=LOADER, organization=disco, thrusts=["T3"], priority_countries=["MY"])
    organization_update(actor=LOADER, organization=tel, thrusts=["T1"], priority_countries=["VN"])
    matches_recompute_companies()
    return MatchSuggestion.objects.get(company=disco, organization=penang)


def _speaking(user, language: str):
    user.language = language
    user.save(update_fields=["language"])
    return user


def _api(api, user, language: str):
    """The API client as `user`, asking for `language` ("en": no Accept-Language at all)."""
    api.credentials(HTTP_AUTHORIZATION=f"Token {factories.token(user)}")
    return {"HTTP_ACCEPT_LANGUAGE": "ja"} if language == "ja" else {}


def _web(client, user, language: str):
    client.force_login(_speaking(user, language))
    return client


def _mous() -> list[tuple]:
    return list(MoU.objects.order_by("pk").values_list("pk", "status", "version"))


def _pilots() -> list[tuple]:
    return list(Pilot.objects.order_by("pk").values_list("pk", "status", "version"))


# --- The services raise in the active language ------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_signing_an_mou_twice_is_refused_in_the_active_language(users, active_mou, language):
    before = _mous()

    with translation.override(language), pytest.raises(Conflict) as refused:
        mou_sign(actor=users["bd_a"], mou=active_mou, signed_on="2026-11-25")

    assert refused.value.detail == MOU_SIGNED_TWICE[language]
    assert refused.value.errors == {"status": [MOU_IS_ACTIVE[language]]}
    assert _mous() == before


@pytest.mark.parametrize("language", LANGUAGES)
def test_renewing_a_draft_mou_is_refused_in_the_active_language(users, draft_mou, language):
    before = _mous()

    with translation.override(language), pytest.raises(Conflict) as refused:
        mou_renew(
            actor=users["bd_a"], mou=draft_mou, effective_on="2027-01-01", expires_on="2028-01-01"
        )

    assert refused.value.detail == MOU_RENEWING_A_DRAFT[language]
    assert _mous() == before


@pytest.mark.parametrize("language", LANGUAGES)
def test_starting_a_running_pilot_is_refused_in_the_active_language(users, running, language):
    before = _pilots()

    with translation.override(language), pytest.raises(Conflict) as refused:
        pilot_start(actor=users["bd_a"], pilot=running)

    assert refused.value.detail == PILOT_STARTED_TWICE[language]
    assert refused.value.errors == {"status": [PILOT_IS_RUNNING[language]]}
    assert _pilots() == before


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_kpi_value_that_is_not_a_number_is_refused_in_the_active_language(
    users, running, language
):
    kpi = running.kpis.get()

    with translation.override(language), pytest.raises(ValidationFailed) as refused:
        kpi_record(actor=users["bd_a"], kpi=kpi, actual="many")

    assert refused.value.errors == {"actual": [NOT_A_NUMBER[language]]}
    assert KPI.objects.get().actual is None


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_status_without_a_source_is_refused_in_the_active_language(users, language):
    with translation.override(language), pytest.raises(ValidationFailed) as refused:
        implementation_status_record(actor=users["pm"], **STATUS_BODY)

    assert refused.value.errors == {"source_url": [NO_SOURCE[language]]}
    assert ImplementationStatus.objects.count() == 0


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_webhook_to_a_non_public_address_is_refused_in_the_active_language(
    users, settings, language
):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False

    with translation.override(language), pytest.raises(ValidationFailed) as refused:
        webhook_endpoint_create(
            actor=users["integrator_a"], url="https://10.1.2.3/hook", events=["mou.signed"]
        )

    assert refused.value.errors == {"url": [PRIVATE_HOST[language]]}
    assert WebhookEndpoint.objects.count() == 0


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_match_rejection_without_a_reason_is_refused_in_the_active_language(
    users, suggestion, language
):
    with translation.override(language):
        with pytest.raises(ValidationFailed) as no_reason:
            match_reject(actor=users["bd_a"], suggestion=suggestion, reason="")
        with pytest.raises(ValidationFailed) as no_note:
            match_reject(actor=users["bd_a"], suggestion=suggestion, reason="other", note=" ")

    assert no_reason.value.errors == {"reason": [NO_REASON[language]]}
    assert no_note.value.errors == {"note": [OTHER_WITHOUT_A_NOTE[language]]}
    suggestion.refresh_from_db()
    assert suggestion.status == SuggestionStatus.NEW
    assert MatchDecision.objects.count() == 0


def test_the_delivery_log_stays_in_english_whatever_language_is_active(users, active_mou, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
    webhook_endpoint_create(
        actor=users["integrator_a"], url="https://10.1.2.3/hook", events=["mou.signed"]
    )
    data = dict.fromkeys(EVENTS["mou.signed"].data) | {"id": active_mou.pk}
    [delivery_id] = webhook_emit("mou.signed", active_mou, data=data)
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False

    with translation.override("ja"):
        outcome = webhook_deliver(delivery_id)

    assert outcome == "failed"
    assert WebhookDelivery.objects.get().last_error == f"Not sent: {PRIVATE_HOST['en']}"


# --- The API answers in the language of Accept-Language ---------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_api_refuses_signing_an_mou_twice_in_the_requested_language(
    api, users, active_mou, language
):
    headers = _api(api, users["bd_a"], language)
    before = _mous()

    response = api.post(
        f"/api/v1/mous/{active_mou.pk}/sign/", {"signed_on": "2026-11-25"}, format="json", **headers
    )

    assert response.status_code == 409
    assert response.json() == {
        "type": "conflict",
        "detail": MOU_SIGNED_TWICE[language],
        "errors": {"status": [MOU_IS_ACTIVE[language]]},
    }
    assert _mous() == before


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_api_refuses_starting_a_running_pilot_in_the_requested_language(
    api, users, running, language
):
    headers = _api(api, users["bd_a"], language)
    before = _pilots()

    response = api.post(f"/api/v1/pilots/{running.pk}/start/", {}, format="json", **headers)

    assert response.status_code == 409
    assert response.json() == {
        "type": "conflict",
        "detail": PILOT_STARTED_TWICE[language],
        "errors": {"status": [PILOT_IS_RUNNING[language]]},
    }
    assert _pilots() == before


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_api_refuses_a_kpi_value_that_is_not_a_number_in_the_requested_language(
    api, users, running, language
):
    headers = _api(api, users["bd_a"], language)
    kpi = running.kpis.get()

    response = api.post(
        f"/api/v1/pilots/{running.pk}/record-kpi/",
        {"kpi": kpi.pk, "actual": "many"},
        format="json",
        **headers,
    )

    assert response.status_code == 400
    assert response.json()["errors"] == {"actual": [NOT_A_NUMBER_API[language]]}
    assert KPI.objects.get().actual is None


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_api_refuses_a_status_without_a_source_in_the_requested_language(api, users, language):
    headers = _api(api, users["pm"], language)

    response = api.post("/api/v1/implementation-statuses/", STATUS_BODY, format="json", **headers)

    assert response.status_code == 422
    assert response.json()["errors"] == {"source_url": [NO_SOURCE[language]]}
    assert ImplementationStatus.objects.count() == 0


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_api_refuses_a_webhook_to_a_non_public_address_in_the_requested_language(
    api, users, settings, language
):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    headers = _api(api, users["integrator_a"], language)

    response = api.post(
        "/api/v1/webhook-endpoints/",
        {"url": "https://10.1.2.3/hook", "events": ["mou.signed"]},
        format="json",
        **headers,
    )

    assert response.status_code == 422
    assert response.json()["errors"] == {"url": [PRIVATE_HOST[language]]}
    assert WebhookEndpoint.objects.count() == 0


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_api_refuses_a_rejection_without_a_reason_in_the_requested_language(
    api, users, suggestion, language
):
    headers = _api(api, users["bd_a"], language)

    response = api.post(
        f"/api/v1/match-suggestions/{suggestion.pk}/reject/",
        {"reason": "other", "note": ""},
        format="json",
        **headers,
    )

    assert response.status_code == 422
    assert response.json()["errors"] == {"note": [OTHER_WITHOUT_A_NOTE[language]]}
    suggestion.refresh_from_db()
    assert suggestion.status == SuggestionStatus.NEW


# --- Pages show the refusal in the reader's language ------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_sign_form_of_an_mou_signed_already_says_so_in_the_readers_language(
    client, users, active_mou, language
):
    client = _web(client, users["bd_a"], language)
    before = _mous()

    response = client.post(
        f"/mous/{active_mou.pk}/sign/", {f"mou-{active_mou.pk}-sign-signed_on": "2026-11-25"}
    )

    assert response.status_code == 409
    [shown] = response.context["mous"]
    assert shown.sign_form.non_field_errors() == [MOU_SIGNED_TWICE[language]]
    assert escape(MOU_SIGNED_TWICE[language]) in response.content.decode()
    assert _mous() == before


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_start_form_of_a_running_pilot_says_so_in_the_readers_language(
    client, users, running, language
):
    client = _web(client, users["bd_a"], language)
    before = _pilots()

    response = client.post(f"/pilots/{running.pk}/start/", {})

    assert response.status_code == 409
    [shown] = response.context["pilots"]
    assert shown.start_form.non_field_errors() == [PILOT_STARTED_TWICE[language]]
    assert escape(PILOT_STARTED_TWICE[language]) in response.content.decode()
    assert _pilots() == before


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_kpi_value_that_is_not_a_number_is_refused_in_the_readers_language(
    client, users, running, language
):
    client = _web(client, users["bd_a"], language)
    kpi = running.kpis.get()

    response = client.post(f"/kpis/{kpi.pk}/record/", {f"kpi-{kpi.pk}-record-actual": "many"})

    assert response.status_code == 400
    [shown] = response.context["pilots"]
    # The form's own message (Django's, lazy) is read in the language it was rendered in.
    with translation.override(language):
        assert shown.kpi_rows[0].record_form.errors == {"actual": [NOT_A_NUMBER[language]]}
    assert (
        f'<div class="field-error" id="id_kpi-{kpi.pk}-record-actual_error">'
        f"<p>{NOT_A_NUMBER[language]}</p></div>"
    ) in response.content.decode()
    assert KPI.objects.get().actual is None


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_status_form_without_a_source_says_so_in_the_readers_language(client, users, language):
    client = _web(client, users["pm"], language)

    response = client.post("/watch/statuses/", STATUS_BODY, follow=True)

    assert response.status_code == 200
    assert escape(f"source_url: {NO_SOURCE[language]}") in response.content.decode()
    assert ImplementationStatus.objects.count() == 0


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_reject_form_without_a_reason_says_so_in_the_readers_language(
    client, users, suggestion, language
):
    client = _web(client, users["bd_a"], language)

    no_reason = client.post(f"/matches/{suggestion.pk}/reject/", {"reason": ""}, follow=True)
    no_note = client.post(
        f"/matches/{suggestion.pk}/reject/", {"reason": "other", "note": ""}, follow=True
    )

    assert escape(f"reason: {NO_REASON[language]}") in no_reason.content.decode()
    assert escape(f"note: {OTHER_WITHOUT_A_NOTE[language]}") in no_note.content.decode()
    suggestion.refresh_from_db()
    assert suggestion.status == SuggestionStatus.NEW
    assert MatchDecision.objects.count() == 0


def test_an_english_reader_sees_no_japanese_refusal(client, users, running):
    client = _web(client, users["bd_a"], "en")

    html = client.post(f"/pilots/{running.pk}/start/", {}).content.decode()

    assert PILOT_STARTED_TWICE["en"] in html
    assert PILOT_STARTED_TWICE["ja"] not in html
