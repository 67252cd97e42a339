import datetime as dt
import functools
import re

import django_filters as filters
from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django_filters.fields import IsoDateTimeField
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.drainage import has_override, set_override
from rest_framework.exceptions import ValidationError
from rest_framework.filters import OrderingFilter

from engagement.models import Contact, Organization, OrganizationKind
from engagement.selectors.directory import organizations_search

# The largest id a database column holds (a signed 64-bit integer). Larger numbers in a query
# or a body are refused as input (400), not passed on to the database.
MAX_ID = 2**63 - 1


class IdFilter(filters.NumberFilter):
    """Records related to the one with this id: a whole number from 1 to MAX_ID. An id no
    record has (or none the caller may see) selects nothing; it is not an error."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)
        # The schema states the range (and keeps the help text, which an override replaces).
        schema = {"type": "integer", "format": "int64", "minimum": 1, "maximum": MAX_ID}
        if self.extra.get("help_text"):
            schema["description"] = str(self.extra["help_text"])
        set_override(self, "field", schema)


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


# --- Query parameters read exactly as the schema states them -----------------------------------

BOOLEAN_SPELLINGS = {"true": True, "false": False, "True": True, "False": False}


class IsoDateFilter(filters.DateFilter):
    """A day as the schema says (`format: date`): YYYY-MM-DD and nothing else, where Django
    would also read "10/25/2026"."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("input_formats", ["%Y-%m-%d"])
        super().__init__(*args, **kwargs)


def _same_place(f: filters.Filter) -> dict:
    """What a replacement keeps of `f`: where and how it filters, and its help text."""
    kwargs = {
        "field_name": f.field_name,
        "lookup_expr": f.lookup_expr,
        "exclude": f.exclude,
        "distinct": f.distinct,
        "method": f._method,
    }
    if f.extra.get("help_text"):
        kwargs["help_text"] = f.extra["help_text"]
    return kwargs


def _strict_copy(f: filters.Filter) -> filters.Filter | None:
    """The filter to use instead of `f`, or None to keep it."""
    if isinstance(f, filters.ModelChoiceFilter) and not isinstance(
        f, filters.ModelMultipleChoiceFilter
    ):
        # A foreign key by id: an id that names no record selects nothing (not "Select a valid
        # choice", which also told which ids exist).
        return IdFilter(**_same_place(f))
    if type(f) is filters.NumberFilter and not has_override(f, "field"):
        # django-filter reads at most 1e50; the schema says so.
        copy = filters.NumberFilter(**_same_place(f))
        schema = {"type": "number", "maximum": 1e50}
        if f.extra.get("help_text"):
            schema["description"] = str(f.extra["help_text"])
        set_override(copy, "field", schema)
        return copy
    if type(f) is filters.DateFilter:
        return IsoDateFilter(**_same_place(f))
    return None


@functools.cache
def strict_filterset(filterset_class: type[filters.FilterSet]) -> type[filters.FilterSet]:
    """The filter set with its filters swapped for their strict copies: made once per class."""
    swapped = {
        name: copy
        for name, f in filterset_class.base_filters.items()
        if (copy := _strict_copy(f)) is not None
    }
    if not swapped:
        return filterset_class
    strict = type(filterset_class.__name__, (filterset_class,), {})
    strict.base_filters = {**filterset_class.base_filters, **swapped}
    return strict


def _refusal(f: filters.Filter, values: list[str]) -> str | None:
    if len(values) > 1 and not isinstance(f, filters.MultipleChoiceFilter):
        # Only a filter documented as a list takes several values; otherwise the last one
        # would quietly win.
        return _("Give this parameter once.")
    if isinstance(f, filters.BooleanFilter):
        if any(v not in BOOLEAN_SPELLINGS for v in values):
            return _("Must be true or false.")
    elif not isinstance(f, filters.CharFilter) and any(v == "" for v in values):
        # Only a text filter can be empty; an empty time, number or choice is a mistake, not
        # "no filter" (an empty updated_since= would otherwise sync everything again).
        return _("A value is required when the parameter is sent.")
    return None


class StrictFilterBackend(DjangoFilterBackend):
    """django-filter, with every query parameter read as its schema says: foreign keys by id
    (an unknown id selects nothing), days as YYYY-MM-DD, booleans as true or false, and no
    empty value for anything but text. A parameter that does not read is a 400 naming it."""

    def get_filterset_class(self, view, queryset=None):
        filterset_class = super().get_filterset_class(view, queryset)
        return strict_filterset(filterset_class) if filterset_class is not None else None

    def filter_queryset(self, request, queryset, view):
        # No parameter of this list's filters: every filter would pass the rows through, so
        # the form that reads them is not built (a third of a bare list page's own work).
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is None or not any(
            name in request.query_params for name in filterset_class.base_filters
        ):
            return queryset
        return super().filter_queryset(request, queryset, view)

    def get_filterset(self, request, queryset, view):
        filterset = super().get_filterset(request, queryset, view)
        if filterset is None:
            return None
        errors = {}
        for name, f in filterset.filters.items():
            if name in request.query_params:
                refusal = _refusal(f, request.query_params.getlist(name))
                if refusal:
                    errors[name] = [refusal]
        if errors:
            raise ValidationError(errors)
        return filterset


class StrictOrderingFilter(OrderingFilter):
    """`ordering=`: a comma-separated list of this list's sortable fields, each optionally
    preceded by `-` (descending). The schema lists the fields (as an exact pattern); an unknown
    field, an empty value or a repeated parameter is a 400 naming the fields, not silently
    ignored (a caller who misspells a field would otherwise page through the wrong order)."""

    def sortable_fields(self, view) -> list[str]:
        fields = getattr(view, "ordering_fields", self.ordering_fields)
        if fields is None:
            serializer_class = view.get_serializer_class()
            model = serializer_class.Meta.model
            fields = [
                name for name, _label in self.get_default_valid_fields(model.objects.none(), view)
            ]
        return [f if isinstance(f, str) else f[0] for f in fields]

    def get_ordering(self, request, queryset, view):
        values = request.query_params.getlist(self.ordering_param)
        if not values:
            return self.get_default_ordering(view)
        allowed = self.sortable_fields(view)
        if len(values) > 1:
            raise ValidationError({self.ordering_param: [_("Give this parameter once.")]})
        terms = values[0].split(",")
        unknown = [t for t in terms if t.removeprefix("-") not in allowed]
        if unknown:
            raise ValidationError(
                {
                    self.ordering_param: [
                        _(
                            "Cannot sort by %(terms)s. Sort by one of: %(fields)s "
                            "(a leading - sorts descending)."
                        )
                        % {
                            "terms": ", ".join(repr(t) for t in unknown),
                            "fields": ", ".join(allowed),
                        }
                    ]
                }
            )
        return terms

    def get_schema_operation_parameters(self, view):
        allowed = self.sortable_fields(view)
        one = "-?(?:" + "|".join(re.escape(f) for f in allowed) + ")"
        return [
            {
                "name": self.ordering_param,
                "required": False,
                "in": "query",
                "description": (
                    "Sort by these fields, comma-separated; a leading - sorts descending. "
                    "One of: " + ", ".join(allowed) + "."
                ),
                "schema": {"type": "string", "pattern": f"^{one}(?:,{one})*$"},
            }
        ]
