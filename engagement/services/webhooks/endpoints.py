"""Registering, changing and deleting webhook endpoints; the signing secret is handed out at
creation and at each rotation only."""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils.translation import gettext as _

from engagement import policy
from engagement.errors import NotPermitted, ValidationFailed
from engagement.models import Role, WebhookEndpoint
from engagement.services.webhooks.destinations import is_local, refused_destination
from engagement.services.webhooks.events import EVENTS

# Who may register endpoints: anyone who reads team records through the API.
ENDPOINT_ROLES = {Role.BD_MEMBER, Role.INTEGRATOR, Role.PROGRAM_MANAGER, Role.ADMIN}


def _check_actor(actor: policy.Actor) -> None:
    if not (
        actor is not None
        and actor.is_active
        and (actor.role in ENDPOINT_ROLES or policy.is_admin(actor))
    ):
        raise NotPermitted(_("Your role may not register webhook endpoints."))


def check_owner(actor: policy.Actor, endpoint: WebhookEndpoint) -> None:
    if not policy.can_change(actor, endpoint):
        raise NotPermitted(_("This webhook endpoint is not yours."))


def _clean_url(raw: Any, errors: dict[str, list[str]]) -> str:
    url = str(raw or "").strip()
    if not url:
        errors["url"] = [_("This field is required.")]
        return url
    if len(url) > 500:
        errors["url"] = [_("At most 500 characters.")]
        return url
    try:
        URLValidator(schemes=["http", "https"])(url)
    except DjangoValidationError:
        errors["url"] = [_("Enter a valid http(s) URL.")]
        return url
    parts = urlsplit(url)
    if parts.username or parts.password:
        errors["url"] = [_("Do not put credentials in the URL; verify the signature instead.")]
    elif parts.scheme != "https" and not (settings.DEBUG or is_local(parts.hostname or "")):
        errors["url"] = [_("Use an https:// URL (http is accepted only for localhost).")]
    else:
        refused = refused_destination(parts.hostname or "")
        if refused:
            errors["url"] = [refused]
    return url


def _clean_events(raw: Any, errors: dict[str, list[str]]) -> list[str]:
    if isinstance(raw, str) or not isinstance(raw, list | tuple):
        errors["events"] = [_("Give a list of event names.")]
        return []
    names = list(dict.fromkeys(str(e).strip() for e in raw if str(e).strip()))
    if not names:
        errors["events"] = [_("Pick at least one event; GET /api/v1/webhook-events/ lists them.")]
        return names
    unknown = [n for n in names if n not in EVENTS]
    if unknown:
        errors["events"] = [
            _("Unknown event(s): %(unknown)s. Known events: %(known)s.")
            % {"unknown": ", ".join(unknown), "known": ", ".join(EVENTS)}
        ]
    return names


def _clean_description(raw: Any, errors: dict[str, list[str]]) -> str:
    text = str(raw or "").strip()
    if len(text) > 200:
        errors["description"] = [_("At most 200 characters.")]
    return text


def new_secret() -> str:
    return secrets.token_urlsafe(32)


@transaction.atomic
def webhook_endpoint_create(
    *,
    actor: policy.Actor,
    url: str,
    events: list[str],
    description: str = "",
    is_active: bool = True,
) -> WebhookEndpoint:
    """Register an endpoint owned by `actor`. The returned endpoint's `secret` is the only time
    the secret is handed out (besides a rotation)."""
    _check_actor(actor)
    errors: dict[str, list[str]] = {}
    clean_url = _clean_url(url, errors)
    names = _clean_events(events, errors)
    text = _clean_description(description, errors)
    if errors:
        raise ValidationFailed(errors)
    return WebhookEndpoint.objects.create(
        owner=actor,
        url=clean_url,
        events=names,
        description=text,
        is_active=bool(is_active),
        secret=new_secret(),
    )


@transaction.atomic
def webhook_endpoint_update(
    *, actor: policy.Actor, endpoint: WebhookEndpoint, **changes: Any
) -> WebhookEndpoint:
    """Change url, events, description or is_active. The secret changes only by rotation."""
    check_owner(actor, endpoint)
    errors: dict[str, list[str]] = {}
    unknown = set(changes) - {"url", "events", "description", "is_active"}
    for field in sorted(unknown):
        errors[field] = [_("Cannot be changed here.")]
    if "url" in changes:
        endpoint.url = _clean_url(changes["url"], errors)
    if "events" in changes:
        endpoint.events = _clean_events(changes["events"], errors)
    if "description" in changes:
        endpoint.description = _clean_description(changes["description"], errors)
    if "is_active" in changes:
        if not isinstance(changes["is_active"], bool):
            errors["is_active"] = [_("Must be true or false.")]
        else:
            endpoint.is_active = changes["is_active"]
    if errors:
        raise ValidationFailed(errors)
    endpoint.save()
    return endpoint


@transaction.atomic
def webhook_endpoint_rotate_secret(
    *, actor: policy.Actor, endpoint: WebhookEndpoint
) -> WebhookEndpoint:
    """A new secret, effective at once (for retries of earlier events too)."""
    check_owner(actor, endpoint)
    endpoint.secret = new_secret()
    endpoint.save(update_fields=["secret", "updated_at"])
    return endpoint


@transaction.atomic
def webhook_endpoint_delete(*, actor: policy.Actor, endpoint: WebhookEndpoint) -> None:
    """Delete the endpoint and its delivery log."""
    check_owner(actor, endpoint)
    endpoint.delete()
