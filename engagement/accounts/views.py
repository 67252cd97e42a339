"""Sign-in pages: the password step, the code step, and the Security page where a person turns
two-factor sign-in on or off."""

from __future__ import annotations

import django_otp
import segno
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from engagement.accounts.forms import CodeForm, SetupCodeForm
from engagement.accounts.oidc import sso_enabled
from engagement.accounts.two_factor import (
    RECOVERY_CODE_COUNT,
    recovery_codes_left,
    recovery_codes_regenerate,
    second_factor_locked,
    second_factor_passed,
    second_factor_verify,
    totp_setup_begin,
    totp_setup_confirm,
    two_factor_disable,
    two_factor_enabled,
    two_factor_required,
)
from engagement.errors import ServiceError
from engagement.web.navigation import safe_next


class LoginView(auth_views.LoginView):
    """Django's sign-in page, offering single sign-on when it is configured."""

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs, sso_enabled=sso_enabled())


def _form_with_service_error(form, exc: ServiceError) -> None:
    if exc.errors:
        for field, problems in exc.errors.items():
            for problem in problems:
                form.add_error(field if field in form.fields else None, problem)
    else:
        form.add_error(None, exc.detail)


@login_required
def verify(request):
    """The code step after the password: an authenticator code or a recovery code."""
    next_url = safe_next(request, "/")
    if second_factor_passed(request) or not two_factor_enabled(request.user):
        return redirect(next_url)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = second_factor_verify(user=request.user, code=form.cleaned_data["code"])
        if device is not None:
            django_otp.login(request, device)
            if device.__class__.__name__ == "StaticDevice":
                messages.warning(
                    request,
                    _("You used a recovery code; %(n)d are left.")
                    % {"n": recovery_codes_left(request.user)},
                )
            return redirect(next_url)
        if second_factor_locked(request.user):
            form.add_error(None, _("Too many wrong codes. Wait a little before you try again."))
        else:
            form.add_error("code", _("That code is not valid."))
    return render(request, "accounts/verify.html", {"form": form, "next": next_url})


@login_required
def security(request):
    return _security_page(request)


def _security_page(request, *, regen_form=None, disable_form=None, status: int = 200):
    user = request.user
    return render(
        request,
        "accounts/security.html",
        {
            "enabled": two_factor_enabled(user),
            "required": two_factor_required(user),
            "codes_left": recovery_codes_left(user),
            "regen_form": regen_form or CodeForm(prefix="regen"),
            "disable_form": disable_form or CodeForm(prefix="disable"),
        },
        status=status,
    )


def _qr_svg(url: str) -> str:
    # segno writes plain SVG markup (no script, no style attribute) that the page can inline.
    qr = segno.make(url, error="m")
    title = _("QR code to scan with your authenticator app")
    return mark_safe(qr.svg_inline(scale=5, border=2, light="#fff", svgclass="qr", title=title))


@login_required
def setup(request):
    """Scan the QR code, confirm with a code; the recovery codes are shown once, on success."""
    user = request.user
    if two_factor_enabled(user):
        return redirect("security")
    device = totp_setup_begin(user=user)
    form = SetupCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device, codes = totp_setup_confirm(user=user, code=form.cleaned_data["code"])
        except ServiceError as exc:
            _form_with_service_error(form, exc)
        else:
            django_otp.login(request, device)
            return render(
                request,
                "accounts/recovery_codes.html",
                {"codes": codes, "next": safe_next(request, "")},
            )
    return render(
        request,
        "accounts/setup.html",
        {
            "form": form,
            "qr_svg": _qr_svg(device.config_url),
            "secret": _secret_for_typing(device),
            "required": two_factor_required(user),
            "next": safe_next(request, ""),
            "code_count": RECOVERY_CODE_COUNT,
        },
    )


def _secret_for_typing(device) -> str:
    """The key in base32, in groups of four, for apps that cannot scan."""
    from base64 import b32encode

    raw = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(raw[i : i + 4] for i in range(0, len(raw), 4))


@login_required
@require_POST
def disable(request):
    form = CodeForm(request.POST, prefix="disable")
    if form.is_valid():
        try:
            two_factor_disable(user=request.user, code=form.cleaned_data["code"])
        except ServiceError as exc:
            _form_with_service_error(form, exc)
        else:
            messages.success(request, _("Two-factor sign-in is off."))
            return redirect("security")
    return _security_page(request, disable_form=form, status=400)


@login_required
@require_POST
def recovery_codes(request):
    form = CodeForm(request.POST, prefix="regen")
    if form.is_valid():
        try:
            codes = recovery_codes_regenerate(user=request.user, code=form.cleaned_data["code"])
        except ServiceError as exc:
            _form_with_service_error(form, exc)
        else:
            return render(request, "accounts/recovery_codes.html", {"codes": codes, "next": ""})
    return _security_page(request, regen_form=form, status=400)
