"""Two-factor sign-in: an authenticator app (TOTP) plus single-use recovery codes.

Who must use it, whether a session has passed it, and every write to a person's devices
(set up, confirm, turn off). A person has two-factor sign-in on when they have a confirmed
authenticator device; the recovery codes are made with it and removed with it.
"""

from __future__ import annotations

import django_otp
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from engagement.accounts.oidc import SSO_SESSION_KEY
from engagement.errors import Conflict, NotPermitted, ValidationFailed, field_errors
from engagement.models import User

RECOVERY_CODE_COUNT = 10
AUTHENTICATOR_NAME = "Authenticator app"
RECOVERY_NAME = "Recovery codes"


def two_factor_required(user: User) -> bool:
    """Whether the person's role must sign in with a second factor (REQUIRE_2FA_ROLES)."""
    return user.role in settings.REQUIRE_2FA_ROLES or (
        user.is_superuser and "admin" in settings.REQUIRE_2FA_ROLES
    )


def two_factor_enabled(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def second_factor_passed(request: HttpRequest) -> bool:
    """Whether this signed-in session has given a code (or came through a trusted SSO)."""
    if request.user.is_verified():
        return True
    return bool(settings.OIDC_TRUSTED_FOR_2FA and request.session.get(SSO_SESSION_KEY))


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def _looks_like_totp(code: str) -> bool:
    return code.isdigit() and len(code) == 6


def second_factor_verify(*, user: User, code: str):
    """The device that accepts `code` (a current authenticator code or an unused recovery
    code, which is then used up), or None. Devices throttle repeated wrong codes themselves."""
    code = "".join(code.split()).lower()
    if not code:
        return None
    model = TOTPDevice if _looks_like_totp(code) else StaticDevice
    for device in model.objects.filter(user=user, confirmed=True):
        verified = django_otp.verify_token(user, device.persistent_id, code)
        if verified is not None:
            return verified
    return None


def second_factor_locked(user: User) -> bool:
    """Whether wrong codes have made every device wait before it checks another."""
    devices = [
        *TOTPDevice.objects.filter(user=user, confirmed=True),
        *StaticDevice.objects.filter(user=user, confirmed=True),
    ]
    return bool(devices) and not any(d.verify_is_allowed()[0] for d in devices)


@transaction.atomic
def totp_setup_begin(*, user: User) -> TOTPDevice:
    """The person's pending (unconfirmed) authenticator device, made if there is none."""
    if two_factor_enabled(user):
        raise Conflict(_("Two-factor sign-in is already on."))
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, confirmed=False)
    return device


def totp_setup_confirm(*, user: User, code: str) -> tuple[TOTPDevice, list[str]]:
    """Turn two-factor sign-in on with a code from the pending device. Returns the device and
    the new recovery codes, which are shown once."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("id").first()
    if device is None:
        if two_factor_enabled(user):
            raise Conflict(_("Two-factor sign-in is already on."))
        raise Conflict(_("Start the set-up again: no authenticator is waiting for a code."))
    code = "".join(code.split())
    # Checked outside the write's transaction: a wrong code's throttling must stay recorded.
    if not (_looks_like_totp(code) and device.verify_token(code)):
        raise ValidationFailed(
            field_errors(
                code=_(
                    "That code is not valid. Enter the 6-digit code your app shows now, and "
                    "check that your phone's clock is right."
                )
            )
        )
    with transaction.atomic():
        # Claim the confirmation: of two submits of the same code only one turns it on.
        claimed = TOTPDevice.objects.filter(pk=device.pk, confirmed=False).update(confirmed=True)
        if claimed != 1:
            raise Conflict(_("Two-factor sign-in is already on."))
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        codes = _recovery_codes_replace(user)
    device.refresh_from_db()
    return device, codes


def _recovery_codes_replace(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    static = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=static, token=c) for c in codes)
    return codes


def _code_checked(user: User, code: str) -> None:
    # Outside any transaction of the caller's write: a wrong code's throttling stays recorded.
    if second_factor_verify(user=user, code=code) is None:
        raise ValidationFailed(field_errors(code=_("That code is not valid.")))


def recovery_codes_regenerate(*, user: User, code: str) -> list[str]:
    """New recovery codes (the old ones stop working), given a current code."""
    if not two_factor_enabled(user):
        raise Conflict(_("Two-factor sign-in is off."))
    _code_checked(user, code)
    with transaction.atomic():
        return _recovery_codes_replace(user)


def two_factor_disable(*, user: User, code: str) -> None:
    """Turn two-factor sign-in off, given a current code (authenticator or recovery)."""
    if two_factor_required(user):
        raise NotPermitted(_("Your role requires two-factor sign-in; it cannot be turned off."))
    if not two_factor_enabled(user):
        raise Conflict(_("Two-factor sign-in is off."))
    _code_checked(user, code)
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
