"""Incentives: loaded from the reference data, read by everyone signed in, written by program
managers and administrators; followers hear of a deadline once per notice."""

import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from engagement.models import Follow, Incentive, MemberState, Notification, OpportunityFollow
from engagement.services import jobs
from tests import factories

pytestmark = pytest.mark.django_db

# 60 days before Indonesia's tax holiday closes (2025-12-31), at noon in Tokyo.
SIXTY_DAYS_BEFORE = dt.datetime(2025, 11, 1, 3, 0, tzinfo=dt.UTC)


def _auth(api, user):
    api.credentials(HTTP_AUTHORIZATION=f"Token {factories.token(user)}")
    return api


def test_the_reference_data_holds_the_18_incentives_and_a_second_load_changes_none():
    before = list(Incentive.objects.order_by("pk").values())
    out = StringIO()

    call_command("load_reference", stdout=out, stderr=StringIO(), verbosity=1)

    assert Incentive.objects.count() == 18
    assert Incentive.objects.filter(country="JP").count() == 6
    assert "Incentives: 0 created, 0 updated, 18 unchanged" in out.getvalue().splitlines()
    assert list(Incentive.objects.order_by("pk").values()) == before


def test_incentives_are_listed_by_country_kind_and_thrust(api, users):
    _auth(api, users["bd_a"])

    response = api.get("/api/v1/incentives/", {"country": "MY", "thrust": "T6"})

    assert response.status_code == 200
    assert sorted(r["code"] for r in response.json()["results"]) == sorted(
        Incentive.objects.filter(country="MY", thrusts__code="T6").values_list("code", flat=True)
    )
    assert "MY-MIDA-NIF" in [r["code"] for r in response.json()["results"]]


def test_an_incentive_is_read_by_code_with_its_deadline(api, users):
    _auth(api, users["bd_b"])

    response = api.get("/api/v1/incentives/", {"kind": "tax", "country": "ID"})
    code = response.json()["results"][0]["code"]
    detail = api.get(f"/api/v1/incentives/{code}/")

    assert len(response.json()["results"]) == 1
    assert detail.status_code == 200
    assert detail.json()["deadline"] == "2025-12-31"


def test_a_bd_member_may_not_create_or_change_an_incentive(api, users):
    _auth(api, users["bd_a"])
    before = list(Incentive.objects.order_by("pk").values())

    created = api.post(
        "/api/v1/incentives/",
        {
            "code": "MY-TEST",
            "name_en": "Test grant",
            "agency_name": "Test agency",
            "country": "MY",
            "kind": "grant",
            "sources": "Example, 2025",
        },
        format="json",
    )
    changed = api.patch("/api/v1/incentives/MY-MIDA-NIF/", {"note": "x"}, format="json")

    assert (created.status_code, changed.status_code) == (403, 403)
    assert list(Incentive.objects.order_by("pk").values()) == before


def test_a_program_manager_creates_an_incentive_for_japan(api, users):
    _auth(api, users["pm"])

    response = api.post(
        "/api/v1/incentives/",
        {
            "code": "JP-TEST-GRANT",
            "name_en": "Test grant",
            "name_ja": "テスト補助金",
            "agency_name": "METI",
            "country": "JP",
            "kind": "grant",
            "thrusts": ["T2"],
            "deadline": "2026-03-31",
            "sources": "METI, Test grant call, 2026",
        },
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["thrusts"] == ["T2"]
    assert Incentive.objects.get(code="JP-TEST-GRANT").deadline == dt.date(2026, 3, 31)


def test_an_incentive_in_a_country_outside_asean_and_japan_is_refused(api, users):
    _auth(api, users["pm"])

    response = api.post(
        "/api/v1/incentives/",
        {
            "code": "US-TEST",
            "name_en": "Test",
            "agency_name": "Agency",
            "country": "US",
            "kind": "grant",
            "sources": "Example, 2025",
        },
        format="json",
    )

    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["country"]
    assert not Incentive.objects.filter(code="US-TEST").exists()


# --- The deadline job -------------------------------------------------------------------------


def test_the_deadline_job_tells_followers_of_the_incentive_and_its_state_once(users):
    tax_holiday = Incentive.objects.get(country="ID", deadline=dt.date(2025, 12, 31))
    OpportunityFollow.objects.create(user=users["bd_a"], incentive=tax_holiday)
    Follow.objects.create(user=users["bd_b"], member_state=MemberState.objects.get(iso2="ID"))
    Follow.objects.create(user=users["pm"], member_state=MemberState.objects.get(iso2="VN"))

    with time_machine.travel(SIXTY_DAYS_BEFORE, tick=False):
        first = jobs.run_job("incentive_deadlines", now=timezone.now()).actions
        second = jobs.run_job("incentive_deadlines", now=timezone.now()).actions

    assert first == [
        f"told bd_a {tax_holiday.code} closes in 60 days",
        f"told bd_b {tax_holiday.code} closes in 60 days",
    ]
    assert second == []
    assert sorted(Notification.objects.values_list("dedupe_key", flat=True)) == [
        f"incentive-deadline:{tax_holiday.pk}:2025-12-31:60:{users['bd_a'].pk}",
        f"incentive-deadline:{tax_holiday.pk}:2025-12-31:60:{users['bd_b'].pk}",
    ]


def test_the_fourteen_day_notice_is_a_second_message_and_a_dry_run_sends_nothing(users):
    tax_holiday = Incentive.objects.get(country="ID", deadline=dt.date(2025, 12, 31))
    OpportunityFollow.objects.create(user=users["bd_a"], incentive=tax_holiday)
    with time_machine.travel(SIXTY_DAYS_BEFORE, tick=False):
        jobs.run_job("incentive_deadlines", now=timezone.now())
    two_weeks_before = dt.datetime(2025, 12, 17, 3, 0, tzinfo=dt.UTC)

    with time_machine.travel(two_weeks_before, tick=False):
        preview = jobs.run_job("incentive_deadlines", now=timezone.now(), dry_run=True).actions
        count_after_preview = Notification.objects.count()
        jobs.run_job("incentive_deadlines", now=timezone.now())

    assert preview == [f"tell bd_a {tax_holiday.code} closes in 14 days"]
    assert count_after_preview == 1
    assert Notification.objects.filter(kind="incentive_deadline").count() == 2


def test_the_deadline_job_tells_no_one_of_a_past_deadline(users):
    tax_holiday = Incentive.objects.get(country="ID", deadline=dt.date(2025, 12, 31))
    OpportunityFollow.objects.create(user=users["bd_a"], incentive=tax_holiday)

    with time_machine.travel(dt.datetime(2026, 1, 5, 3, 0, tzinfo=dt.UTC), tick=False):
        actions = jobs.run_job("incentive_deadlines", now=timezone.now()).actions

    assert actions == []
    assert Notification.objects.count() == 0


# --- Pages ------------------------------------------------------------------------------------


def test_the_incentive_pages_render_in_english_with_the_deadline_first(client, users):
    client.force_login(users["bd_a"])
    tax_holiday = Incentive.objects.get(country="ID", deadline=dt.date(2025, 12, 31))

    listing = client.get("/incentives/", {"country": "ID"})
    detail = client.get(f"/incentives/{tax_holiday.code}/")

    assert listing.status_code == 200
    assert "<strong>2025-12-31</strong>" in listing.text
    assert tax_holiday.name_en in listing.text
    assert detail.status_code == 200
    assert "Deadline: <strong>2025-12-31</strong>" in detail.text
    assert "Follow (deadline reminders)" in detail.text


@pytest.mark.usefixtures("fresh_catalogue", "english_afterwards")
def test_the_incentive_pages_render_in_japanese(client, team_a):
    reader = factories.user("bd_ja", role="bd_member", team=team_a, language="ja")
    client.force_login(reader)

    listing = client.get("/incentives/", {"country": "JP"})
    detail = client.get("/incentives/MY-MIDA-NIF/")

    assert "日本" in listing.text
    assert "随時・公募ごと" in listing.text
    assert "新インセンティブ枠組み（NIF）" in detail.text
    assert "税制優遇" in detail.text
    assert "締め切り" in detail.text
