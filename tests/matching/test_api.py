"""The match-suggestions resource: shape, language, filters, decisions, and who may do what."""

import datetime as dt

import pytest
import time_machine

from engagement.actors import LOADER
from engagement.models import Partnership
from matching.models import MatchDecision, MatchSuggestion
from matching.services.recompute import matches_recompute_companies
from tests import factories

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 26, 1, 0, tzinfo=dt.UTC)
URL = "/api/v1/match-suggestions/"


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def penang(db):
    return factories.institution(
        "Penang Development Corporation",
        country="MY",
        org_type="industrial_park",
        needs=["EQP.SERVICE", "MFG.ATP"],
        thrusts=["T3"],
    )


@pytest.fixture
def hanoi(db):
    return factories.institution(
        "Hanoi Fab", country="VN", org_type="manufacturer", needs=["EQP.ETCH"], thrusts=["T1"]
    )


@pytest.fixture
def computed(disco, tel, team_a, team_b, users, penang, hanoi):
    from engagement.services.directory import organization_update

    organization_update(actor=LOADER, organization=disco, thrusts=["T3"], priority_countries=["MY"])
    organization_update(actor=LOADER, organization=tel, thrusts=["T1"], priority_countries=["VN"])
    matches_recompute_companies()
    return MatchSuggestion.objects.get(company=disco, organization=penang)


def _as(api, user, read_only=False):
    api.credentials(HTTP_AUTHORIZATION=f"Token {factories.token(user, read_only=read_only)}")
    return api


def test_a_company_suggestions_come_ranked_with_components_and_an_explanation(
    api, users, disco, computed
):
    response = _as(api, users["bd_a"]).get(URL, {"company": disco.pk})

    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["rank"] for r in results] == list(range(1, len(results) + 1))
    first = next(r for r in results if r["id"] == computed.pk)
    assert first["counterpart"] == {
        "type": "organization",
        "id": computed.organization_id,
        "name": "Penang Development Corporation",
    }
    assert first["company"] == {"id": disco.pk, "name": "DISCO"}
    assert first["status"] == "new"
    assert first["score"] == pytest.approx(computed.score)
    assert set(first["components"]) == {
        "capability",
        "text",
        "capability_back",
        "thrust",
        "country",
        "relationship",
        "implementation",
    }
    assert first["components"]["country"] == {
        "value": 1.0,
        "contribution": pytest.approx(computed.components["country"]["contribution"]),
    }
    assert first["purpose"] == "investment_incentives"
    assert first["explanation"]["language"] == "en"
    assert first["explanation"]["reasons"] == [
        "Penang Development Corporation is an industrial park or economic zone in Malaysia, a "
        "member state you prioritise: a route to investment incentives",
        "You offer equipment service, maintenance and leasing, which Penang Development "
        "Corporation needs",
        "Penang Development Corporation needs assembly, test and packaging (OSAT), which your "
        "dicing, grinding and polishing equipment can serve",
    ]
    assert first["explanation"]["against"] == ""
    # An industrial park is a government body: the thrust does not apply, so no thrust reason.
    assert [(r["code"], r["company"], r["counterpart"]) for r in first["reasons"]["for"]] == [
        ("role", ["priority:MY"], ["industrial_park", "investment_incentives", "MY"]),
        ("capability", ["EQP.SERVICE"], ["EQP.SERVICE"]),
        ("capability", ["EQP.DICING"], ["MFG.ATP"]),
    ]
    assert first["reasons"]["for"][0]["contribution"] == pytest.approx(
        computed.components["country"]["contribution"], abs=1e-4
    )
    assert first["reasons"]["against"] == []
    initiative = next(r for r in results if r["counterpart"]["type"] == "initiative")
    assert set(initiative["counterpart"]) == {"type", "id", "name", "code"}


def test_the_explanation_follows_accept_language(api, users, disco, computed):
    response = _as(api, users["bd_a"]).get(f"{URL}{computed.pk}/", HTTP_ACCEPT_LANGUAGE="ja")

    body = response.json()
    assert body["explanation"]["language"] == "ja"
    assert body["explanation"]["text"] == (
        "Penang Development Corporationは御社が重視するマレーシアの工業団地・経済特区"
        "で、投資・優遇措置の窓口となる。"
        "Penang Development Corporationが必要とする装置保守・サービス・リースを御社が提供できる。"
        "Penang Development Corporationが必要とする後工程（組立・検査・パッケージング）"
        "に御社のダイシング・研削・研磨装置が使われる。"
    )
    assert body["company"]["name"] == "ディスコ"


def test_the_queue_filters_by_thrust_member_state_score_and_kind(api, users, computed, penang):
    client = _as(api, users["pm"])

    by_country = client.get(URL, {"country": "MY", "kind": "organization"}).json()["results"]
    by_thrust = client.get(URL, {"thrust": "T3", "kind": "organization"}).json()["results"]
    high = client.get(URL, {"min_score": computed.score}).json()["results"]
    initiatives = client.get(URL, {"kind": "initiative"}).json()["results"]

    assert {r["counterpart"]["id"] for r in by_country} == {penang.pk}
    assert {r["counterpart"]["id"] for r in by_thrust} == {penang.pk}
    assert all(r["score"] >= computed.score for r in high)
    assert initiatives and all(r["counterpart"]["type"] == "initiative" for r in initiatives)


def test_another_team_neither_sees_nor_decides_on_a_company_suggestions(
    api, users, disco, computed
):
    client = _as(api, users["bd_b"])

    listed = client.get(URL, {"company": disco.pk}).json()["results"]
    detail = client.get(f"{URL}{computed.pk}/")
    accept = client.post(f"{URL}{computed.pk}/accept/", {}, format="json")
    reject = client.post(f"{URL}{computed.pk}/reject/", {"reason": "competitor"}, format="json")
    snooze = client.post(f"{URL}{computed.pk}/snooze/", {"until": "2026-12-01"}, format="json")

    assert listed == []
    assert [detail.status_code, accept.status_code, reject.status_code, snooze.status_code] == [
        404,
        404,
        404,
        404,
    ]
    assert detail.json()["type"] == "not_found"
    computed.refresh_from_db()
    assert computed.status == "new"
    assert not Partnership.objects.exists()
    assert not MatchDecision.objects.exists()


def test_an_integrator_reads_but_does_not_decide(api, users, computed):
    client = _as(api, users["integrator_a"])

    assert client.get(f"{URL}{computed.pk}/").status_code == 200
    response = client.post(f"{URL}{computed.pk}/reject/", {"reason": "competitor"}, format="json")

    assert response.status_code == 403
    assert MatchSuggestion.objects.get(pk=computed.pk).status == "new"


def test_a_read_only_token_may_not_decide(api, users, computed):
    response = _as(api, users["bd_a"], read_only=True).post(
        f"{URL}{computed.pk}/snooze/", {"until": "2026-12-01"}, format="json"
    )

    assert response.status_code == 403
    assert response.json()["detail"] == "This token is read-only."


def test_accepting_answers_the_new_partnership_and_a_retry_replays(api, users, team_a, computed):
    client = _as(api, users["bd_a"])
    url = f"{URL}{computed.pk}/accept/"

    first = client.post(
        url, {"partnership_type": "service_hub"}, format="json", HTTP_IDEMPOTENCY_KEY="k1"
    )
    retry = client.post(
        url, {"partnership_type": "service_hub"}, format="json", HTTP_IDEMPOTENCY_KEY="k1"
    )
    again = client.post(url, {}, format="json")

    assert first.status_code == 200, first.json()
    deal = Partnership.objects.get()
    assert first.json()["partnership"] == deal.pk
    assert first.json()["suggestion"]["status"] == "accepted"
    assert first.json()["suggestion"]["partnership"] == deal.pk
    assert (deal.team, deal.stage, deal.partnership_type.code) == (
        team_a,
        "identified",
        "service_hub",
    )
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert again.status_code == 409
    assert again.json()["type"] == "conflict"
    assert Partnership.objects.count() == 1


def test_a_program_manager_accepts_for_the_company_team(api, users, team_a, computed):
    response = _as(api, users["pm"]).post(f"{URL}{computed.pk}/accept/", {}, format="json")

    assert response.status_code == 200
    assert Partnership.objects.get(pk=response.json()["partnership"]).team == team_a


def test_rejecting_needs_a_reason_from_the_list(api, users, computed):
    client = _as(api, users["bd_a"])

    bad = client.post(f"{URL}{computed.pk}/reject/", {"reason": "meh"}, format="json")
    good = client.post(
        f"{URL}{computed.pk}/reject/",
        {"reason": "already_in_touch", "note": "Via JETRO"},
        format="json",
    )

    assert bad.status_code == 400
    assert set(bad.json()["errors"]) == {"reason"}
    assert good.status_code == 200
    assert good.json()["status"] == "rejected"
    assert good.json()["decided_by"] == "bd_a"
    decision = MatchDecision.objects.get()
    assert (decision.reason, decision.note, decision.decided_by) == (
        "already_in_touch",
        "Via JETRO",
        users["bd_a"],
    )


def test_snoozing_hides_until_a_date(api, users, disco, computed):
    client = _as(api, users["bd_a"])

    past = client.post(f"{URL}{computed.pk}/snooze/", {"until": "2026-11-01"}, format="json")
    ok = client.post(f"{URL}{computed.pk}/snooze/", {"until": "2026-12-15"}, format="json")

    assert past.status_code == 422
    assert ok.status_code == 200
    assert ok.json()["snoozed_until"] == "2026-12-15"
    queue = client.get(URL, {"company": disco.pk}).json()["results"]
    snoozed = client.get(URL, {"company": disco.pk, "status": "snoozed"}).json()["results"]
    assert computed.pk not in {r["id"] for r in queue}
    assert [r["id"] for r in snoozed] == [computed.pk]
