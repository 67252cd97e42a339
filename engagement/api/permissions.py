from django.utils.translation import gettext as _
from rest_framework import permissions

from engagement import policy
from engagement.models import ApiToken, Organization


class PolicyPermission(permissions.BasePermission):
    """Every API decision comes from engagement.policy; read-only tokens may only read."""

    def __init__(self) -> None:
        # Made per request (DRF's get_permissions), so in the language of the request.
        self.message = _("Your role or token does not allow this action.")

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        if isinstance(request.auth, ApiToken) and request.auth.read_only:
            self.message = _("This token is read-only.")
            return False
        if getattr(view, "action", None) == "create":
            model = view.get_queryset().model
            return policy.can_create(user, model)
        return True

    def has_object_permission(self, request, view, obj) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return policy.can_view(request.user, obj)
        if isinstance(obj, Organization):
            # A shared organization's services ask the directory's rules themselves and say
            # what to do instead (propose a suggested edit, archive rather than delete).
            return policy.can_view(request.user, obj)
        return policy.can_change(request.user, obj)
