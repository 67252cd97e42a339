"""Forms that create something act once, however often they are sent.

Each such form carries a one-time token, drawn fresh with the form (`{% once_field %}` from the
`once` template library). The view, wrapped in `@once`, stores the token as an
`IdempotencyRecord` with key `form:<token>` in the same transaction as the creation, with where
it redirected to. A second post with the same token (a double click, a resend after a slow
answer, two requests arriving at the same moment) creates nothing and goes where the first one
went: the unique (user, key) constraint lets only one of two concurrent posts store the token,
and the other waits for it and replays it.

An answer that is not a redirect (the form shown again with its errors) stores nothing, so the
corrected form may be sent again. A post without a token acts as before.
"""

from __future__ import annotations

import hashlib
import secrets
from functools import wraps

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.shortcuts import redirect, render
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from engagement.models import IdempotencyRecord

FIELD = "_once"
KEY_PREFIX = "form:"
TOKEN_MAX = 100


def once_field() -> SafeString:
    """The hidden field carrying a fresh token, to put inside a creating form."""
    return format_html(
        '<input type="hidden" name="{}" value="{}">', FIELD, secrets.token_urlsafe(24)
    )


def _fingerprint(request) -> str:
    return hashlib.sha256(request.path.encode()).hexdigest()


def once(view):
    """Make a creating view act once per token: see the module's docstring."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        token = request.POST.get(FIELD, "").strip() if request.method == "POST" else ""
        if not token or len(token) > TOKEN_MAX or not request.user.is_authenticated:
            return view(request, *args, **kwargs)
        key = KEY_PREFIX + token
        try:
            with transaction.atomic():
                record, created = IdempotencyRecord.objects.get_or_create(
                    user=request.user, key=key, defaults={"fingerprint": _fingerprint(request)}
                )
                if not created:
                    return _replay(request, record)
                response = view(request, *args, **kwargs)
                if not 300 <= response.status_code < 400 or not response.has_header("Location"):
                    transaction.set_rollback(True)  # nothing was created; the token stays free
                    return response
                record.status_code = response.status_code
                record.body = {"location": response["Location"]}
                record.save(update_fields=["status_code", "body"])
                return response
        except IntegrityError:
            # A concurrent post with the same token committed first.
            record = IdempotencyRecord.objects.filter(user=request.user, key=key).first()
            if record is None:
                raise
            return _replay(request, record)

    return wrapper


def _replay(request, record: IdempotencyRecord):
    if record.fingerprint != _fingerprint(request) or not record.body:
        return render(
            request,
            "engagement/refused.html",
            {"message": _("This form was already used for something else. Reload the page.")},
            status=409,
        )
    messages.info(request, _("This form had already been sent: it was saved only once."))
    return redirect(record.body["location"])
