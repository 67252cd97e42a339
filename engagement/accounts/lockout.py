"""Brute-force protection on top of django-axes.

Two limits hold independently within LOGIN_LOCKOUT_MINUTES: LOGIN_FAILURE_LIMIT_USERNAME failures
for one username (from anywhere) and LOGIN_FAILURE_LIMIT_IP failures from one address (for any
usernames). Axes records every failure (AccessAttempt, AccessFailureLog) and refuses a locked-out
sign-in before the password is checked; it compares a single count with a single limit, so the
handler below counts the username and the address separately against their own limits.
"""

from __future__ import annotations

import logging

from axes.attempts import get_cool_off_threshold
from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from engagement.accounts.oidc import sso_enabled

log = logging.getLogger(__name__)


def client_ip(request: HttpRequest) -> str | None:
    """The address failures are counted against.

    Behind the TLS proxy it is the last X-Forwarded-For entry, the one the proxy appended;
    entries left of it come from the client and can be anything. Without the proxy, a client
    could forge the header, so only the socket's address counts."""
    if settings.LOGIN_IP_FROM_FORWARDED_FOR:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-1]
    return request.META.get("REMOTE_ADDR")


class LockoutBackend(AxesStandaloneBackend):
    """Axes' check before any password is compared. Every sign-in over the web passes the
    request; code that checks a password itself (management commands, tests) passes none and
    has no address to count, so it is not refused here."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)


class TwoLimitHandler(AxesDatabaseHandler):
    """Axes' database handler, locking on either of two limits instead of one."""

    def failure_counts(self, request: HttpRequest, credentials: dict | None) -> tuple[int, int]:
        """Failures within the cool-off window: (for this username, from this address)."""
        recent = AccessAttempt.objects.filter(attempt_time__gte=get_cool_off_threshold(request))
        username = get_client_username(request, credentials)
        by_username = 0
        if username:
            by_username = (
                recent.filter(username=username).aggregate(n=Sum("failures_since_start"))["n"] or 0
            )
        by_address = (
            recent.filter(ip_address=request.axes_ip_address).aggregate(
                n=Sum("failures_since_start")
            )["n"]
            or 0
        )
        return by_username, by_address

    def get_failures(self, request: HttpRequest, credentials: dict | None = None) -> int:
        """The count axes compares with AXES_FAILURE_LIMIT (the username limit): the username's
        failures, raised to that limit once the address has reached its own."""
        by_username, by_address = self.failure_counts(request, credentials)
        if by_address >= settings.LOGIN_FAILURE_LIMIT_IP:
            return max(by_username, settings.AXES_FAILURE_LIMIT)
        return by_username

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        already_locked = bool(getattr(request, "axes_locked_out", False))
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request is None or not getattr(request, "axes_locked_out", False):
            return
        username = get_client_username(request, credentials)
        if already_locked:
            log.info(
                "Sign-in refused during a lockout: username %r from %s.",
                username,
                request.axes_ip_address,
            )
            return
        by_username, by_address = self.failure_counts(request, credentials)
        log.warning(
            "Sign-in locked for %d minutes: username %r has %d failures (limit %d), address %s "
            "has %d (limit %d).",
            settings.LOGIN_LOCKOUT_MINUTES,
            username,
            by_username,
            settings.LOGIN_FAILURE_LIMIT_USERNAME,
            request.axes_ip_address,
            by_address,
            settings.LOGIN_FAILURE_LIMIT_IP,
        )


def lockout_message() -> str:
    return _(
        "Too many failed sign-in attempts. Signing in is locked for %(minutes)d minutes; try "
        "again later, or ask an administrator to unlock your account."
    ) % {"minutes": settings.LOGIN_LOCKOUT_MINUTES}


def lockout_response(request: HttpRequest, original_response=None, credentials=None):
    """The sign-in page again, saying why it refuses (axes' AXES_LOCKOUT_CALLABLE)."""
    username = get_client_username(request, credentials) or ""
    form = AuthenticationForm(request, initial={"username": username})
    context = {
        "form": form,
        "locked_out": lockout_message(),
        "next": request.POST.get("next", ""),
        "sso_enabled": sso_enabled(),
    }
    response: HttpResponse = render(request, "registration/login.html", context, status=429)
    return response
