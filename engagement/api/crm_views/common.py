"""What the team-owned record resources share: the `updated_since` filter, a partnership named
in a body, and a validated input serializer."""

from __future__ import annotations

from django.utils.translation import gettext as _

from engagement.api.filters import DateTimeFilter
from engagement.errors import ValidationFailed
from engagement.models import Partnership
from engagement.selectors import crm as selectors


def updated_since_filter():
    return DateTimeFilter(
        field_name="updated_at",
        lookup_expr="gte",
        help_text="Changed at or after this ISO 8601 time.",
    )


def partnership_for(request, pk) -> Partnership:
    found = selectors.visible(request.user, Partnership, pk)
    if found is None:
        raise ValidationFailed({"partnership": [_("No partnership with id %(id)s.") % {"id": pk}]})
    return found


def validated_input(serializer_class, request):
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)
