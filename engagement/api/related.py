"""Many-to-many ids and codes for a page of records, read from the through tables.

A list page shows, for each record, only the ids (or codes) of its many-to-many links. Building
every related object with prefetch_related to read one attribute from it cost more than the
rest of the request (measured by `manage.py bench_api`: about two thirds of an engagements
page). `attach_many` reads each relation in one query on its through table, in the related
model's order, and the fields below answer from those values; without them (a single record,
a create or update answer, an export) they read the relation as before.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.db import models
from django.db.models import Model
from rest_framework import serializers
from rest_framework.relations import MANY_RELATION_KWARGS, ManyRelatedField

ATTR = "_api_many_values"


class _Values(list):
    """Values already read by attach_many."""


class PrecomputedManyRelatedField(ManyRelatedField):
    def get_attribute(self, instance):
        values = getattr(instance, ATTR, {}).get(self.source)
        if values is not None:
            return _Values(values)
        return super().get_attribute(instance)

    def to_representation(self, iterable):
        if isinstance(iterable, _Values):
            return list(iterable)
        return super().to_representation(iterable)


class _PrecomputedMany:
    @classmethod
    def many_init(cls, *args, **kwargs):
        list_kwargs = {"child_relation": cls(*args, **kwargs)}
        list_kwargs.update({k: v for k, v in kwargs.items() if k in MANY_RELATION_KWARGS})
        return PrecomputedManyRelatedField(**list_kwargs)


class Ids(_PrecomputedMany, serializers.PrimaryKeyRelatedField):
    """Ids of linked records (`many=True`): from attach_many on list pages."""


class Slugs(_PrecomputedMany, serializers.SlugRelatedField):
    """Codes of linked reference data (`many=True`): from attach_many on list pages."""


def attach_many(objects: Iterable[Model], model: type[Model], relations: dict[str, str]) -> None:
    """For each many-to-many field named in `relations`, one query on its through table gives
    every object's linked values: `relations[name]` is the related model's field to show
    ("pk" for ids, "code", "iso2", ...)."""
    objects = list(objects)
    if not objects:
        return
    ids = [obj.pk for obj in objects]
    found: dict[str, dict] = {}
    for name, shown in relations.items():
        field = model._meta.get_field(name)
        through = field.remote_field.through
        own, other = field.m2m_field_name(), field.m2m_reverse_field_name()
        value = f"{other}_id" if shown == "pk" else f"{other}__{shown}"
        order = [
            f"-{other}__{o[1:]}" if o.startswith("-") else f"{other}__{o}"
            for o in field.related_model._meta.ordering
        ] or [f"{other}_id"]
        rows = (
            through.objects.filter(**{f"{own}_id__in": ids})
            .order_by(*order, "pk")
            .values_list(f"{own}_id", value)
        )
        grouped = defaultdict(list)
        for owner, linked in rows:
            grouped[owner].append(linked)
        found[name] = grouped
    for obj in objects:
        setattr(obj, ATTR, {name: grouped.get(obj.pk, []) for name, grouped in found.items()})


class ManyValuesMixin:
    """For a list view: `many_values` names the many-to-many fields its page shows as ids or
    codes ({field: "pk" | "code" | ...}); they are read by attach_many instead of prefetched."""

    many_values: dict[str, str] = {}

    def paginate_queryset(self, queryset):
        if self.many_values and getattr(self, "action", None) == "list":
            kept = [
                lookup
                for lookup in queryset._prefetch_related_lookups
                if getattr(lookup, "prefetch_through", lookup).split("__")[0]
                not in self.many_values
            ]
            queryset = queryset.prefetch_related(None).prefetch_related(*kept)
        page = super().paginate_queryset(queryset)
        if page is not None and self.many_values and getattr(self, "action", None) == "list":
            attach_many(page, queryset.model, self.many_values)
        return page


class UTCDateTimeField(serializers.DateTimeField):
    """Times out of the API are UTC (README, "API"), whatever time zone a signed-in person
    chose for the pages; fixing it here also spares a time zone lookup per value."""

    timezone = dt.UTC


class ModelSerializer(serializers.ModelSerializer):
    """The API's output serializers: model date-times as UTC."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateTimeField: UTCDateTimeField,
    }
