import datetime as dt

import django_filters as filters
from django import forms
from django.utils import timezone
from django_filters.fields import IsoDateTimeField

from engagement.models import Contact, Organization, OrganizationKind
from engagement.selectors.directory import organizations_search

# The largest id a database column holds (a signed 64-bit integer). Larger numbers in a query
# or a body are refused as input (400), not passed on to the database.
MAX_ID = 2**63 - 1


class IdFilter(filters.NumberFilter):
    """Records related to the one with this id: a whole number from 1 to MAX_ID."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class OwnerFilter(IdFilter):
    """Records owned by the user with this id. Any id is taken as it is, not looked up among the
    users: on a team's list another team's user matches nothing, exactly like an id no user has,
    so the filter tells no one which ids are users or where they work."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("field_name", "owner")
        kwargs.setdefault("help_text", "Owned by the user with this id.")
        super().__init__(*args, **kwargs)


class UTCIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 time, as UTC. Python accepts offsets up to ±24 h, PostgreSQL up to ±15:59:
    converted here, "2026-01-01T00:00+18:30" filters as it should instead of failing there."""

    def to_python(self, value):
        parsed = super().to_python(value)
        if parsed is not None and timezone.is_aware(parsed):
            try:
                return parsed.astimezone(dt.UTC)
            except OverflowError:
                raise forms.ValidationError(
                    self.error_messages["invalid"], code="invalid"
                ) from None
        return parsed


class DateTimeFilter(filters.IsoDateTimeFilter):
    """`updated_since=`, `since=`...: an ISO 8601 time, compared in UTC."""

    field_class = UTCIsoDateTimeField


class UpdatedSinceFilterSet(filters.FilterSet):
    updated_since = DateTimeFilter(
        field_name="updated_at",
        lookup_expr="gte",
        help_text="Only records changed at or after this ISO 8601 time (for incremental sync).",
    )


class OrganizationFilter(UpdatedSinceFilterSet):
    kind = filters.ChoiceFilter(choices=OrganizationKind.choices)
    org_type = filters.CharFilter(field_name="org_type__code")
    country = filters.CharFilter(field_name="country", lookup_expr="iexact")
    capability = filters.CharFilter(
        field_name="capabilities__code", help_text="Offers this capability code."
    )
    need = filters.CharFilter(field_name="needs__code", help_text="Needs this capability code.")
    thrust = filters.CharFilter(field_name="thrusts__code")
    priority_country = filters.CharFilter(field_name="priority_countries__iso2")
    archived = filters.BooleanFilter(
        field_name="archived_at",
        lookup_expr="isnull",
        exclude=True,
        help_text="true: only archived organizations; false: only active ones; absent: both.",
    )
    search = filters.CharFilter(
        method="filter_search", help_text="English or Japanese name (any spelling) or description."
    )

    class Meta:
        model = Organization
        fields = [
            "kind",
            "org_type",
            "country",
            "capability",
            "need",
            "thrust",
            "accepting_partners",
        ]

    def filter_search(self, queryset, name, value):
        return organizations_search(queryset, value)


class ContactFilter(UpdatedSinceFilterSet):
    email = filters.CharFilter(field_name="email", lookup_expr="iexact")
    search = filters.CharFilter(method="filter_search")

    class Meta:
        model = Contact
        fields = ["organization", "opted_out", "email"]

    def filter_search(self, queryset, name, value):
        from django.db.models import Q

        return queryset.filter(
            Q(name__icontains=value)
            | Q(name_reading__icontains=value)
            | Q(title__icontains=value)
            | Q(email__icontains=value)
        )
