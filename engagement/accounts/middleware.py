from urllib.parse import urlencode

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse

from engagement.accounts.two_factor import (
    second_factor_passed,
    two_factor_enabled,
    two_factor_required,
)


class SecondFactorMiddleware:
    """A session signed in with a password but not yet with a code reaches nothing but the code
    page and sign-out; a person whose role requires two-factor sign-in and who has no device
    reaches only the set-up page until it is done. The admin site is no exception.

    Runs after OTPMiddleware. API tokens are checked later, by the API itself: a request that
    carries one is not signed in here and passes untouched."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is None
            or not user.is_authenticated
            or request.path.startswith(settings.STATIC_URL)
        ):
            return self.get_response(request)
        if second_factor_passed(request):
            return self.get_response(request)
        if two_factor_enabled(user):
            allowed, target = {reverse("two-factor-verify"), reverse("logout")}, "two-factor-verify"
        elif two_factor_required(user):
            allowed, target = {reverse("two-factor-setup"), reverse("logout")}, "two-factor-setup"
        else:
            return self.get_response(request)
        if request.path in allowed:
            return self.get_response(request)
        url = reverse(target)
        if request.method == "GET":
            url += "?" + urlencode({"next": request.get_full_path()})
        return redirect(url)
