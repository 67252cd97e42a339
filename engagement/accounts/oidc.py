"""Single sign-on through an OpenID Connect provider (mozilla-django-oidc).

On only when OIDC_RP_CLIENT_ID, OIDC_RP_CLIENT_SECRET and a provider are configured: either
OIDC_OP_DISCOVERY_URL (its document is read once, at the first SSO request) or the four explicit
endpoints. A provider's sign-in is matched by e-mail address, case-insensitively, to an existing
active account; none is ever created.
"""

from __future__ import annotations

import logging
import threading

import requests
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ImproperlyConfigured
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

log = logging.getLogger(__name__)

SSO_SESSION_KEY = "accounts.sso_sign_in"

_ENDPOINTS = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
    "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
    "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
}
_discovered: dict[str, dict[str, str]] = {}
_discovery_lock = threading.Lock()


def sso_enabled() -> bool:
    if not (settings.OIDC_RP_CLIENT_ID and settings.OIDC_RP_CLIENT_SECRET):
        return False
    explicit = all(getattr(settings, name, "") for name in _ENDPOINTS)
    return bool(settings.OIDC_OP_DISCOVERY_URL) or explicit


def endpoints() -> dict[str, str]:
    """The provider's four endpoints: each explicit setting, else the discovery document's."""
    found = {name: getattr(settings, name, "") for name in _ENDPOINTS}
    if all(found.values()) or not settings.OIDC_OP_DISCOVERY_URL:
        return found
    url = settings.OIDC_OP_DISCOVERY_URL
    with _discovery_lock:
        if url not in _discovered:
            response = requests.get(url, timeout=settings.OIDC_TIMEOUT)
            response.raise_for_status()
            document = response.json()
            _discovered[url] = {name: document.get(key, "") for name, key in _ENDPOINTS.items()}
    discovered = _discovered[url]
    return {name: value or discovered[name] for name, value in found.items()}


class SsoBackend(OIDCAuthenticationBackend):
    """Signs in the existing, active account whose e-mail address the provider vouches for."""

    def __init__(self, *args, **kwargs):
        # Django builds backends on every authenticate(): without SSO configured this one must
        # cost nothing and answer nothing, rather than refuse to exist.
        self.enabled = sso_enabled()
        if not self.enabled:
            return
        for name, value in endpoints().items():
            setattr(self, name, value)
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        self.OIDC_RP_CLIENT_SECRET = settings.OIDC_RP_CLIENT_SECRET
        self.OIDC_RP_SIGN_ALGO = settings.OIDC_RP_SIGN_ALGO
        self.OIDC_RP_IDP_SIGN_KEY = getattr(settings, "OIDC_RP_IDP_SIGN_KEY", None)
        if self.OIDC_RP_SIGN_ALGO.startswith(("RS", "ES")) and not (
            self.OIDC_RP_IDP_SIGN_KEY or self.OIDC_OP_JWKS_ENDPOINT
        ):
            raise ImproperlyConfigured(
                f"{self.OIDC_RP_SIGN_ALGO} needs the provider's jwks_uri (OIDC_OP_JWKS_ENDPOINT)."
            )
        from django.contrib.auth import get_user_model

        self.UserModel = get_user_model()

    def authenticate(self, request, **kwargs):
        if not self.enabled:
            return None
        user = super().authenticate(request, **kwargs)
        if user is not None and request is not None:
            request.session[SSO_SESSION_KEY] = True
        return user

    def filter_users_by_claims(self, claims):
        email = (claims.get("email") or "").strip()
        if not email or claims.get("email_verified") is False:
            return self.UserModel.objects.none()
        return self.UserModel.objects.filter(email__iexact=email, is_active=True)

    def create_user(self, claims):  # pragma: no cover - OIDC_CREATE_USER is False
        raise ImproperlyConfigured("Single sign-on never creates accounts.")

    def get_user(self, user_id):
        if not self.enabled:
            return None
        return super().get_user(user_id)


class SsoStartView(OIDCAuthenticationRequestView):
    """Sends the browser to the provider's sign-in page (404 while SSO is off)."""

    def __init__(self, *args, **kwargs):
        super(OIDCAuthenticationRequestView, self).__init__(*args, **kwargs)

    def get(self, request):
        if not sso_enabled():
            raise Http404
        self.OIDC_OP_AUTH_ENDPOINT = endpoints()["OIDC_OP_AUTHORIZATION_ENDPOINT"]
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        return super().get(request)


class SsoCallbackView(OIDCAuthenticationCallbackView):
    """Where the provider sends the browser back; a refusal returns to the sign-in page."""

    def get(self, request):
        if not sso_enabled():
            raise Http404
        return super().get(request)

    def login_failure(self):
        messages.error(
            self.request,
            _(
                "Single sign-on did not match an active account here. Ask an administrator to "
                "record your company e-mail address on your account."
            ),
        )
        return HttpResponseRedirect(reverse("login"))
