"""Brute-force protection: 10 failures for one username, or 30 from one address, within 15
minutes lock signing in for 15 minutes, even with the right password."""

import datetime as dt
import logging
from io import StringIO

import pytest
import time_machine
from axes.models import AccessAttempt, AccessFailureLog
from django.contrib.auth import SESSION_KEY
from django.core.management import call_command
from django.test import Client, RequestFactory
from django.utils import timezone

from engagement.accounts.lockout import client_ip
from tests import factories

pytestmark = pytest.mark.django_db

LOCKED_EN = (
    "Too many failed sign-in attempts. Signing in is locked for 15 minutes; try again later, "
    "or ask an administrator to unlock your account."
)


def _sign_in(client, username, password, **extra):
    return client.post("/accounts/login/", {"username": username, "password": password}, **extra)


def _fail(client, username, times, **extra):
    for i in range(times):
        _sign_in(client, username, f"wrong-{i}", **extra)


def test_nine_failures_leave_the_right_password_working(client, users):
    _fail(client, "bd_a", 9)

    response = _sign_in(client, "bd_a", factories.PASSWORD)

    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(users["bd_a"].pk)


def test_ten_failures_for_a_username_refuse_the_right_password_with_a_message(client, users):
    _fail(client, "bd_a", 10)

    response = _sign_in(client, "bd_a", factories.PASSWORD)

    assert response.status_code == 429
    assert SESSION_KEY not in client.session
    assert response.context["locked_out"] == LOCKED_EN
    assert LOCKED_EN in response.content.decode()
    assert 'id="id_username"' in response.content.decode()


def test_a_locked_username_stays_locked_from_another_address(client, users):
    _fail(client, "bd_a", 10, REMOTE_ADDR="198.51.100.1")

    response = _sign_in(Client(), "bd_a", factories.PASSWORD, REMOTE_ADDR="198.51.100.2")

    assert response.status_code == 429


def test_a_locked_username_leaves_other_people_from_the_same_address_alone(client, users):
    _fail(client, "bd_a", 10)

    response = _sign_in(Client(), "bd_b", factories.PASSWORD)

    assert response.status_code == 302


def test_thirty_failures_from_one_address_lock_every_username_from_it(client, users):
    # Given 30 guesses at 30 different usernames, none of them reaching the username limit
    for i in range(30):
        _sign_in(client, f"guess-{i}", "wrong", REMOTE_ADDR="203.0.113.7")

    # When a real person signs in with the right password from that address, then elsewhere
    same_address = _sign_in(Client(), "bd_b", factories.PASSWORD, REMOTE_ADDR="203.0.113.7")
    elsewhere = _sign_in(Client(), "bd_b", factories.PASSWORD, REMOTE_ADDR="203.0.113.8")

    assert same_address.status_code == 429
    assert elsewhere.status_code == 302


def test_twenty_nine_failures_from_one_address_leave_it_open(client, users):
    for i in range(29):
        _sign_in(client, f"guess-{i}", "wrong", REMOTE_ADDR="203.0.113.7")

    response = _sign_in(Client(), "bd_b", factories.PASSWORD, REMOTE_ADDR="203.0.113.7")

    assert response.status_code == 302


def test_the_lockout_ends_after_15_minutes(client, users):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        _fail(client, "bd_a", 10)
    with time_machine.travel(start + dt.timedelta(minutes=14), tick=False):
        still_locked = _sign_in(Client(), "bd_a", factories.PASSWORD)
    with time_machine.travel(start + dt.timedelta(minutes=15, seconds=1), tick=False):
        unlocked = _sign_in(Client(), "bd_a", factories.PASSWORD)

    assert still_locked.status_code == 429
    assert unlocked.status_code == 302


def test_failures_more_than_15_minutes_apart_do_not_add_up(client, users):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        _fail(client, "bd_a", 9)
    with time_machine.travel(start + dt.timedelta(minutes=16), tick=False):
        _fail(client, "bd_a", 1)
        response = _sign_in(Client(), "bd_a", factories.PASSWORD)

    assert response.status_code == 302


def test_a_lockout_is_logged_as_a_warning_and_recorded_for_the_admin(client, users, caplog):
    with caplog.at_level(logging.WARNING, logger="engagement.accounts.lockout"):
        _fail(client, "bd_a", 10)

    warnings = [r.getMessage() for r in caplog.records if r.name == "engagement.accounts.lockout"]
    assert warnings == [
        "Sign-in locked for 15 minutes: username 'bd_a' has 10 failures (limit 10), "
        "address 127.0.0.1 has 10 (limit 30)."
    ]
    attempt = AccessAttempt.objects.get()
    assert (attempt.username, attempt.ip_address, attempt.failures_since_start) == (
        "bd_a",
        "127.0.0.1",
        10,
    )
    assert AccessFailureLog.objects.filter(username="bd_a").count() == 10
    assert AccessFailureLog.objects.filter(username="bd_a", locked_out=True).count() == 1


def test_the_admin_lists_lockouts(client, users):
    _fail(Client(), "bd_a", 10)
    client.force_login(users["admin"])

    response = client.get("/admin/axes/accessattempt/")

    assert response.status_code == 200
    assert "bd_a" in response.content.decode()


def test_an_administrator_unlocks_a_username_with_the_reset_command(client, users):
    _fail(client, "bd_a", 10)

    call_command("axes_reset_username", "bd_a", stdout=StringIO())
    response = _sign_in(Client(), "bd_a", factories.PASSWORD)

    assert response.status_code == 302
    assert AccessAttempt.objects.count() == 0


def test_a_locked_out_integrators_api_key_keeps_working(client, api, users):
    key = factories.token(users["integrator_a"])
    _fail(client, "integrator_a", 10)
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")

    response = api.get("/api/v1/organizations/")

    assert response.status_code == 200
    assert _sign_in(Client(), "integrator_a", factories.PASSWORD).status_code == 429


def test_the_lockout_message_is_in_japanese_for_a_japanese_browser(
    client, users, fresh_catalogue, english_afterwards
):
    _fail(client, "bd_a", 10)

    response = _sign_in(client, "bd_a", factories.PASSWORD, HTTP_ACCEPT_LANGUAGE="ja")

    assert response.status_code == 429
    assert response.context["locked_out"] == (
        "ログインの失敗が続いたため、15分間ログインをロックしています。時間をおいて再度お試し"
        "いただくか、管理者にロックの解除をご依頼ください。"
    )


def test_the_address_is_the_socket_address_when_not_behind_the_proxy(settings):
    settings.LOGIN_IP_FROM_FORWARDED_FOR = False
    request = RequestFactory().post(
        "/accounts/login/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="198.51.100.9"
    )

    assert client_ip(request) == "10.0.0.5"


def test_behind_the_proxy_the_address_is_the_one_the_proxy_appended(settings):
    settings.LOGIN_IP_FROM_FORWARDED_FOR = True
    request = RequestFactory().post(
        "/accounts/login/",
        REMOTE_ADDR="10.0.0.5",
        HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.9",
    )

    assert client_ip(request) == "198.51.100.9"
