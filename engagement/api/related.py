"""Many-to-many ids and codes for a page of records, read from the through tables.

A list page shows, for each record, only the ids (or codes) of its many-to-many links. Building
every related object with prefetch_related to read one attribute from it cost more than the
rest of the request (measured by `manage.py bench_api`: about two thirds of an engagements
page). `attach_many` reads every relation in one query on their through tables (one UNION ALL
branch each, in the related model's order), and the fields below answer from those values;
without them (an export) they read the relation as before. One query rather than one per
relation: an engagement has five, and each was a round trip (`manage.py bench_api`).

That query differs from page to page only in the ids: its SQL for each (model, relations,
number of ids) is compiled once per process and run with the page's ids, since compiling a
query cost more than running it on a page of 50.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.db import connections, models, router
from django.db.models import CharField, F, IntegerField, Model, QuerySet, Window
from django.db.models.expressions import RawSQL
from django.db.models.functions import RowNumber
from rest_framework import serializers
from rest_framework.fields import SkipField
from rest_framework.relations import MANY_RELATION_KWARGS, ManyRelatedField, PKOnlyObject
from rest_framework.settings import ISO_8601, api_settings

ATTR = "_api_many_values"
# The actions that read one record (get_object): without the prefetches attach_many replaces.
ONE_RECORD_ACTIONS = ("retrieve", "update", "partial_update", "destroy")
# (database alias, model, relations and shown fields, number of parameters) → the compiled SQL.
_COMPILED: dict[tuple, str] = {}
# Output serializer class → how each of its fields is read (ModelSerializer._plan).
_PLANS: dict[type, list[tuple]] = {}


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
    """For the many-to-many fields named in `relations`, one query on their through tables
    gives every object's linked values (`linked_values`), set where the fields below read them:
    `relations[name]` is the related model's field to show ("pk" for ids, "code", "iso2", ...)."""
    objects = list(objects)
    if not objects:
        return
    found = linked_values(model, relations, [obj.pk for obj in objects])
    for obj in objects:
        setattr(obj, ATTR, {name: found[name].get(obj.pk, []) for name in relations})


def linked_values(model: type[Model], relations: dict[str, str], ids: list) -> dict[str, dict]:
    """{relation: {owner id: [linked ids or codes, in the related model's order]}} for `ids`,
    in one query: each relation is one branch of a UNION ALL, numbered by its position and
    ranked in the related model's order; ids come back in one column and codes in another,
    since PostgreSQL will not stack the two types in one."""
    names = list(relations)
    found: dict[str, dict] = {name: defaultdict(list) for name in names}
    if not ids or not relations:
        return found
    rows = _rows(model, relations, ids)
    for i, owner, number, code, _rank in sorted(rows, key=lambda row: (row[0], row[1], row[4])):
        found[names[i]][owner].append(code if number is None else number)
    return found


def _branch(model: type[Model], i: int, name: str, shown: str, ids: list) -> QuerySet:
    """The (relation number, owner id, linked id or None, linked code or None, rank) rows of
    one relation."""
    field = model._meta.get_field(name)
    through = field.remote_field.through
    own, other = field.m2m_field_name(), field.m2m_reverse_field_name()
    order = [
        F(f"{other}__{o[1:]}").desc() if o.startswith("-") else F(f"{other}__{o}").asc()
        for o in field.related_model._meta.ordering
    ] or [F(f"{other}_id").asc()]
    number = F(f"{other}_id") if shown == "pk" else RawSQL("NULL", [], IntegerField())
    code = RawSQL("NULL", [], CharField()) if shown == "pk" else F(f"{other}__{shown}")
    return (
        through.objects.filter(**{f"{own}_id__in": ids})
        .annotate(
            _relation=RawSQL(str(i), [], IntegerField()),
            _number=number,
            _code=code,
            _rank=Window(RowNumber(), order_by=[*order, F("pk").asc()]),
        )
        .order_by()
        .values_list("_relation", f"{own}_id", "_number", "_code", "_rank")
    )


def _rows(model: type[Model], relations: dict[str, str], ids: list) -> list[tuple]:
    """The rows of the UNION ALL of `relations` for `ids`: from its SQL compiled for as many ids
    before (building the query costs more than running it), else built and compiled now, and
    kept when its only parameters are the ids, once per branch."""
    alias = router.db_for_read(model)
    params = ids * len(relations)
    key = (alias, model._meta.label, tuple(relations.items()), len(ids))
    sql = _COMPILED.get(key)
    if sql is None:
        branches = [
            _branch(model, i, name, shown, ids) for i, (name, shown) in enumerate(relations.items())
        ]
        union = branches[0].union(*branches[1:], all=True) if len(branches) > 1 else branches[0]
        sql, compiled = union.query.sql_with_params()
        if list(compiled) != params:
            return list(union)
        _COMPILED[key] = sql
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


class ManyValuesMixin:
    """For a list view: `many_values` names the many-to-many fields its page shows as ids or
    codes ({field: "pk" | "code" | ...}); they are read by attach_many instead of prefetched,
    for a page and for one record read (retrieve) alike. An update reads the record without
    them: its answer is read again after the write (`attach_one`)."""

    many_values: dict[str, str] = {}

    def without_many(self, queryset):
        """`queryset` without the prefetches attach_many replaces."""
        kept = [
            lookup
            for lookup in queryset._prefetch_related_lookups
            if getattr(lookup, "prefetch_through", lookup).split("__")[0] not in self.many_values
        ]
        return queryset.prefetch_related(None).prefetch_related(*kept)

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if self.many_values and getattr(self, "action", None) in ONE_RECORD_ACTIONS:
            queryset = self.without_many(queryset)
        return queryset

    def get_object(self):
        obj = super().get_object()
        if getattr(self, "action", None) == "retrieve":
            self.attach_one(obj)
        return obj

    def attach_one(self, obj) -> None:
        """One record's many-to-many values, unless they were read already."""
        if self.many_values and not hasattr(obj, ATTR):
            attach_many([obj], type(obj), self.many_values)

    def paginate_queryset(self, queryset):
        if self.many_values and getattr(self, "action", None) == "list":
            queryset = self.without_many(queryset)
        page = super().paginate_queryset(queryset)
        if page is not None and self.many_values and getattr(self, "action", None) == "list":
            attach_many(page, queryset.model, self.many_values)
        return page


class UTCDateTimeField(serializers.DateTimeField):
    """Times out of the API are UTC (README, "API"), whatever time zone a signed-in person
    chose for the pages; fixing it here also spares a time zone lookup per value."""

    timezone = dt.UTC


# Fields whose representation is the model's value itself (a str, int or bool; None stays None).
_AS_IS = (
    serializers.CharField,
    serializers.EmailField,
    serializers.URLField,
    serializers.IntegerField,
    serializers.BooleanField,
    serializers.ChoiceField,
)


class ModelSerializer(serializers.ModelSerializer):
    """The API's output serializers: model date-times as UTC, and a shorter road for plain
    fields. DRF's per-field machinery was the largest cost of a list page after the queries
    (`manage.py bench_api`); for a field whose answer is the model's own value (a text, a
    number, a yes/no, a choice, a related record's id, a UTC time) the value is read directly,
    giving exactly what the field would. Every other field goes through DRF as before."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateTimeField: UTCDateTimeField,
    }

    def _plan(self) -> list[tuple]:
        """How each field is read, worked out once per serializer class: it depends only on
        the class's fields and model (no output serializer here builds fields per request),
        and building DRF's fields to work it out cost more than a page of 50 rows."""
        plan = _PLANS.get(type(self))
        if plan is None:
            plan = _PLANS[type(self)] = self._build_plan()
        return plan

    def _build_plan(self) -> list[tuple]:
        model = self.Meta.model
        plan = []
        for field in self._readable_fields:
            attr, kind, extra = None, "drf", None
            if len(field.source_attrs) == 1 and field.source != "*":
                name = field.source_attrs[0]
                try:
                    model_field = model._meta.get_field(name)
                except Exception:
                    model_field = None
                concrete = getattr(model_field, "concrete", False)
                if _as_is(field) and concrete and not model_field.is_relation:
                    attr, kind = model_field.attname, "value"
                elif type(field) is UTCDateTimeField and _iso_output(field):
                    attr, kind = name, "utc"
                elif (
                    type(field) is serializers.PrimaryKeyRelatedField
                    and concrete
                    and model_field.many_to_one
                ):
                    attr, kind = model_field.attname, "value"
                elif (
                    type(field) is serializers.SlugRelatedField
                    and concrete
                    and (model_field.many_to_one and "__" not in field.slug_field)
                ):
                    attr, kind, extra = name, "slug", field.slug_field
                elif type(field) is PrecomputedManyRelatedField:
                    attr, kind = name, "many"
            plan.append((field.field_name, attr, kind, extra))
        return plan

    def to_representation(self, instance):
        out = {}
        for name, attr, kind, extra in self._plan():
            if kind == "value":
                out[name] = getattr(instance, attr)
                continue
            if kind == "utc":
                value = getattr(instance, attr)
                if value is None:
                    out[name] = None
                    continue
                if value.tzinfo is not None:
                    text = value.astimezone(dt.UTC).isoformat()
                    out[name] = text[:-6] + "Z" if text.endswith("+00:00") else text
                    continue
            elif kind == "slug":
                related = getattr(instance, attr)
                out[name] = None if related is None else getattr(related, extra)
                continue
            elif kind == "many":
                values = getattr(instance, ATTR, {}).get(attr)
                if values is not None:  # read by attach_many; otherwise DRF reads the relation
                    out[name] = list(values)
                    continue
            field = self.fields[name]
            try:
                attribute = field.get_attribute(instance)
            except SkipField:
                continue
            check = attribute.pk if isinstance(attribute, PKOnlyObject) else attribute
            out[name] = None if check is None else field.to_representation(attribute)
        return out


def _as_is(field) -> bool:
    if type(field) is serializers.BigIntegerField:  # an id: a number, unless set to text
        return not getattr(field, "coerce_to_string", api_settings.COERCE_BIGINT_TO_STRING)
    return type(field) in _AS_IS


def _iso_output(field) -> bool:
    output = getattr(field, "format", api_settings.DATETIME_FORMAT)
    return isinstance(output, str) and output.lower() == ISO_8601
