"""Single sign-on through OpenID Connect, against a real provider on 127.0.0.1
(tests/accounts/oidc_provider.py): the browser's trip to the provider is a real HTTP request."""

import pytest
import requests
from django.contrib.auth import SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from engagement.accounts.two_factor import totp_setup_begin, totp_setup_confirm
from tests.accounts.oidc_provider import CLIENT_ID, CLIENT_SECRET, oidc_provider

pytestmark = pytest.mark.django_db

REFUSED = (
    "Single sign-on did not match an active account here. Ask an administrator to record your "
    "company e-mail address on your account."
)


@pytest.fixture
def provider(settings):
    with oidc_provider() as running:
        settings.OIDC_RP_CLIENT_ID = CLIENT_ID
        settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
        settings.OIDC_OP_DISCOVERY_URL = running.discovery_url
        yield running


def sso_round_trip(client, next_url: str = ""):
    """The browser's path: our start page, the provider's /authorize (a real HTTP request), and
    back to our callback with the code and the state."""
    start = client.get("/accounts/sso/start/" + (f"?next={next_url}" if next_url else ""))
    assert start.status_code == 302
    at_provider = requests.get(start.url, allow_redirects=False, timeout=10)
    assert at_provider.status_code == 302
    back = at_provider.headers["Location"]
    assert back.startswith("http://testserver/accounts/sso/callback/?code=")
    return client.get(back.removeprefix("http://testserver"))


def _totp_code(device):
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def test_the_sign_in_page_offers_sso_only_when_it_is_configured(client, settings):
    settings.OIDC_RP_CLIENT_ID = ""

    without = client.get("/accounts/login/")
    start = client.get("/accounts/sso/start/")

    assert 'id="sso-sign-in"' not in without.content.decode()
    assert start.status_code == 404


def test_the_sign_in_page_shows_the_sso_button_when_configured(client, provider):
    response = client.get("/accounts/login/")

    assert '<a class="button sso" id="sso-sign-in" href="/accounts/sso/start/">' in (
        response.content.decode()
    )


def test_sso_signs_in_the_account_with_the_same_email_in_any_case(client, users, provider):
    provider.email = "BD_A@Example.COM"

    response = sso_round_trip(client, next_url="/partnerships/")

    assert response.status_code == 302
    assert response.url == "/partnerships/"
    assert client.session[SESSION_KEY] == str(users["bd_a"].pk)
    assert client.get("/partnerships/").status_code == 200
    assert [r["grant_type"] for r in provider.token_requests] == ["authorization_code"]
    assert len(provider.token_requests[0]["code_verifier"]) == 64


def test_an_unknown_email_is_refused_with_a_message_and_creates_no_account(client, users, provider):
    from engagement.models import User

    provider.email = "stranger@example.com"
    before = User.objects.count()

    response = sso_round_trip(client)
    page = client.get(response.url)

    assert response.status_code == 302
    assert response.url == "/accounts/login/"
    assert SESSION_KEY not in client.session
    assert REFUSED in page.content.decode()
    assert User.objects.count() == before


def test_an_inactive_account_is_refused(client, users, provider):
    users["bd_a"].is_active = False
    users["bd_a"].save(update_fields=["is_active"])
    provider.email = "bd_a@example.com"

    sso_round_trip(client)

    assert SESSION_KEY not in client.session


def test_an_unverified_email_is_refused(client, users, provider):
    provider.email = "bd_a@example.com"
    provider.email_verified = False

    sso_round_trip(client)

    assert SESSION_KEY not in client.session


def test_sso_still_asks_for_the_code_of_a_person_with_two_factor(client, users, provider):
    device = totp_setup_begin(user=users["bd_a"])
    totp_setup_confirm(user=users["bd_a"], code=_totp_code(device))
    provider.email = "bd_a@example.com"

    sso_round_trip(client)
    page = client.get("/partnerships/")

    assert client.session[SESSION_KEY] == str(users["bd_a"].pk)
    assert page.status_code == 302
    assert page.url == "/accounts/verify/?next=%2Fpartnerships%2F"


def test_a_trusted_provider_stands_for_the_second_factor(client, users, provider, settings):
    settings.OIDC_TRUSTED_FOR_2FA = True
    device = totp_setup_begin(user=users["bd_a"])
    totp_setup_confirm(user=users["bd_a"], code=_totp_code(device))
    provider.email = "bd_a@example.com"

    sso_round_trip(client)

    assert client.get("/partnerships/").status_code == 200
    assert TOTPDevice.objects.filter(user=users["bd_a"], confirmed=True).count() == 1


def test_trust_in_the_provider_does_not_skip_the_code_after_a_password(
    client, users, settings, provider
):
    from tests import factories

    settings.OIDC_TRUSTED_FOR_2FA = True
    device = totp_setup_begin(user=users["bd_a"])
    totp_setup_confirm(user=users["bd_a"], code=_totp_code(device))

    client.post("/accounts/login/", {"username": "bd_a", "password": factories.PASSWORD})

    assert client.get("/partnerships/").status_code == 302
