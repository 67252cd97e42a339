"""Two-factor sign-in: setting it up from the Security page, the code step after the password,
recovery codes, roles that must use it, and turning it off."""

import datetime as dt
import re

import pytest
import time_machine
from django.contrib.auth import SESSION_KEY
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from engagement.accounts.two_factor import totp_setup_begin, totp_setup_confirm
from tests import factories

pytestmark = pytest.mark.django_db

T0 = timezone.now().replace(microsecond=0)


def code_for(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


@pytest.fixture
def clock():
    """Frozen time, moved on by whole TOTP steps: a code is accepted only once per step."""
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def step(clock, n: int = 1) -> None:
    clock.shift(dt.timedelta(seconds=30 * n))


@pytest.fixture
def bd_with_2fa(users, clock):
    user = users["bd_a"]
    device = totp_setup_begin(user=user)
    _, codes = totp_setup_confirm(user=user, code=code_for(device))
    step(clock)
    device.refresh_from_db()
    return user, device, codes


def _password_step(client, username, next_url=""):
    data = {"username": username, "password": factories.PASSWORD}
    if next_url:
        data["next"] = next_url
    return client.post("/accounts/login/", data)


# --- Setting up ---------------------------------------------------------------------------


def test_the_header_links_to_the_security_page(client, users):
    client.force_login(users["bd_a"])

    response = client.get("/")

    assert '<a class="security-link" href="/accounts/security/">Security</a>' in (
        response.content.decode()
    )


def test_the_security_page_says_two_factor_is_off_and_offers_set_up(client, users):
    client.force_login(users["bd_a"])

    response = client.get("/accounts/security/")

    assert response.status_code == 200
    assert response.context["enabled"] is False
    assert 'href="/accounts/security/setup/"' in response.content.decode()


def test_the_set_up_page_shows_the_qr_code_as_inline_svg_without_script_or_style(client, users):
    client.force_login(users["bd_a"])

    response = client.get("/accounts/security/setup/")

    page = response.content.decode()
    svg = re.search(r"<svg.*?</svg>", page, re.S).group(0)
    assert response.status_code == 200
    assert 'class="qr"' in svg
    assert "<script" not in svg and "style=" not in svg
    assert "style=" not in page
    assert re.findall(r"<script[^>]*>", page) == ['<script src="/static/engagement/app.js" defer>']
    device = TOTPDevice.objects.get(user=users["bd_a"])
    assert device.confirmed is False
    assert response.context["secret"].replace(" ", "") in device.config_url


def test_opening_the_set_up_page_twice_keeps_one_pending_device(client, users):
    client.force_login(users["bd_a"])

    client.get("/accounts/security/setup/")
    client.get("/accounts/security/setup/")

    assert TOTPDevice.objects.filter(user=users["bd_a"]).count() == 1


def test_confirming_with_the_apps_code_turns_it_on_and_shows_ten_recovery_codes_once(
    client, users, clock
):
    client.force_login(users["bd_a"])
    client.get("/accounts/security/setup/")
    device = TOTPDevice.objects.get(user=users["bd_a"])

    response = client.post("/accounts/security/setup/", {"code": code_for(device)})

    shown = response.context["codes"]
    assert response.status_code == 200
    assert len(shown) == 10 and len(set(shown)) == 10
    assert all(f"<code>{c}</code>" in response.content.decode() for c in shown)
    assert sorted(StaticToken.objects.values_list("token", flat=True)) == sorted(shown)
    device.refresh_from_db()
    assert device.confirmed is True
    later = client.get("/accounts/security/")
    assert later.context["enabled"] is True
    assert not any(c in later.content.decode() for c in shown)


def test_a_wrong_code_at_set_up_leaves_it_off(client, users, clock):
    client.force_login(users["bd_a"])
    client.get("/accounts/security/setup/")

    response = client.post("/accounts/security/setup/", {"code": "000000"})

    assert response.status_code == 200
    assert response.context["form"].errors["code"] == [
        "That code is not valid. Enter the 6-digit code your app shows now, and check that "
        "your phone's clock is right."
    ]
    assert TOTPDevice.objects.get(user=users["bd_a"]).confirmed is False
    assert StaticDevice.objects.count() == 0


# --- Signing in ------------------------------------------------------------------------------


def test_after_the_password_a_person_with_two_factor_is_asked_for_a_code(client, bd_with_2fa):
    response = _password_step(client, "bd_a", next_url="/partnerships/")
    page = client.get("/partnerships/")

    assert response.status_code == 302
    assert page.status_code == 302
    assert page.url == "/accounts/verify/?next=%2Fpartnerships%2F"


def test_every_page_but_the_code_page_and_sign_out_waits_for_the_code(client, bd_with_2fa):
    _password_step(client, "bd_a")

    answers = {
        url: client.get(url).status_code
        for url in ["/", "/organizations/", "/accounts/security/", "/api/v1/organizations/"]
    }
    code_page = client.get("/accounts/verify/")

    assert answers == {
        "/": 302,
        "/organizations/": 302,
        "/accounts/security/": 302,
        "/api/v1/organizations/": 302,
    }
    assert code_page.status_code == 200


def test_the_current_code_completes_signing_in(client, bd_with_2fa):
    _, device, _ = bd_with_2fa
    _password_step(client, "bd_a")

    response = client.post(
        "/accounts/verify/", {"code": code_for(device), "next": "/partnerships/"}
    )

    assert response.status_code == 302
    assert response.url == "/partnerships/"
    assert client.get("/partnerships/").status_code == 200


def test_a_wrong_code_keeps_the_pages_closed(client, bd_with_2fa):
    _password_step(client, "bd_a")

    response = client.post("/accounts/verify/", {"code": "123456"})

    assert response.status_code == 200
    assert response.context["form"].errors["code"] == ["That code is not valid."]
    assert client.get("/").status_code == 302


def test_a_recovery_code_signs_in_once(client, bd_with_2fa):
    _, _, codes = bd_with_2fa
    _password_step(client, "bd_a")

    first = client.post("/accounts/verify/", {"code": codes[0]})
    client.post("/accounts/logout/")
    _password_step(client, "bd_a")
    again = client.post("/accounts/verify/", {"code": codes[0]})

    assert first.status_code == 302
    assert again.status_code == 200
    assert StaticToken.objects.count() == 9
    assert client.get("/").status_code == 302


def test_signing_out_works_before_the_code(client, bd_with_2fa):
    _password_step(client, "bd_a")

    response = client.post("/accounts/logout/")

    assert response.status_code == 302
    assert SESSION_KEY not in client.session


def test_the_admin_site_waits_for_the_code_too(client, users, clock):
    admin = users["admin"]
    device = totp_setup_begin(user=admin)
    totp_setup_confirm(user=admin, code=code_for(device))
    step(clock)
    _password_step(client, "admin")

    response = client.get("/admin/")

    assert response.status_code == 302
    assert response.url == "/accounts/verify/?next=%2Fadmin%2F"


def test_an_api_key_is_not_asked_for_a_code(api, bd_with_2fa):
    user, _, _ = bd_with_2fa
    api.credentials(HTTP_AUTHORIZATION=f"Token {factories.token(user)}")

    response = api.get("/api/v1/organizations/")

    assert response.status_code == 200


# --- Roles that must use it ------------------------------------------------------------------


def test_a_role_that_requires_it_is_sent_to_set_up_after_signing_in(client, users, settings):
    settings.REQUIRE_2FA_ROLES = ["admin", "program_manager"]

    _password_step(client, "pm")
    page = client.get("/partnerships/")
    set_up = client.get("/accounts/security/setup/")

    assert page.status_code == 302
    assert page.url == "/accounts/security/setup/?next=%2Fpartnerships%2F"
    assert set_up.status_code == 200
    assert set_up.context["required"] is True


def test_a_role_that_requires_it_reaches_pages_once_set_up(client, users, settings, clock):
    settings.REQUIRE_2FA_ROLES = ["program_manager"]
    _password_step(client, "pm")
    client.get("/accounts/security/setup/")
    device = TOTPDevice.objects.get(user=users["pm"])

    client.post("/accounts/security/setup/", {"code": code_for(device)})

    assert client.get("/partnerships/").status_code == 200


def test_a_role_not_listed_is_not_sent_to_set_up(client, users, settings):
    settings.REQUIRE_2FA_ROLES = ["program_manager"]

    _password_step(client, "bd_a")

    assert client.get("/partnerships/").status_code == 200


def test_a_role_that_requires_it_cannot_turn_it_off(client, users, settings, clock):
    settings.REQUIRE_2FA_ROLES = ["program_manager"]
    pm = users["pm"]
    device = totp_setup_begin(user=pm)
    totp_setup_confirm(user=pm, code=code_for(device))
    step(clock)
    client.force_login(pm)
    client.post("/accounts/verify/", {"code": code_for(device)})
    step(clock)

    response = client.post("/accounts/security/disable/", {"disable-code": code_for(device)})

    assert response.status_code == 400
    assert response.context["disable_form"].non_field_errors() == [
        "Your role requires two-factor sign-in; it cannot be turned off."
    ]
    assert TOTPDevice.objects.filter(user=pm, confirmed=True).count() == 1


# --- Turning it off ---------------------------------------------------------------------------


def test_a_current_code_turns_it_off(client, bd_with_2fa, clock):
    user, device, _ = bd_with_2fa
    client.force_login(user)
    client.post("/accounts/verify/", {"code": code_for(device)})
    step(clock)

    response = client.post("/accounts/security/disable/", {"disable-code": code_for(device)})

    assert response.status_code == 302
    assert TOTPDevice.objects.filter(user=user).count() == 0
    assert StaticDevice.objects.filter(user=user).count() == 0


def test_a_wrong_code_leaves_it_on(client, bd_with_2fa, clock):
    user, device, _ = bd_with_2fa
    client.force_login(user)
    client.post("/accounts/verify/", {"code": code_for(device)})

    response = client.post("/accounts/security/disable/", {"disable-code": "999999"})

    assert response.status_code == 400
    assert response.context["disable_form"].errors["code"] == ["That code is not valid."]
    assert TOTPDevice.objects.filter(user=user, confirmed=True).count() == 1
    assert StaticToken.objects.filter(device__user=user).count() == 10


def test_new_recovery_codes_replace_the_old_ones(client, bd_with_2fa, clock):
    user, device, old = bd_with_2fa
    client.force_login(user)
    client.post("/accounts/verify/", {"code": code_for(device)})
    step(clock)

    response = client.post("/accounts/security/recovery-codes/", {"regen-code": old[0]})

    new = response.context["codes"]
    assert response.status_code == 200
    assert sorted(
        StaticToken.objects.filter(device__user=user).values_list("token", flat=True)
    ) == sorted(new)
    assert not set(new) & set(old)


def test_a_japanese_reader_sees_the_security_page_in_japanese(
    client, users, fresh_catalogue, english_afterwards
):
    user = users["bd_a"]
    user.language = "ja"
    user.save(update_fields=["language"])
    client.force_login(user)

    response = client.get("/accounts/security/")

    page = response.content.decode()
    assert "<h2>2段階認証</h2>" in page
    assert "無効です。ログインにはパスワードのみが必要です。" in page
    assert '<a class="security-link" href="/accounts/security/">セキュリティ</a>' in page
