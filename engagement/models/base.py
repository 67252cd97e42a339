from django.db import DEFAULT_DB_ALIAS, connections, models
from django.utils.translation import get_language
from simple_history.models import HistoricalRecords
from simple_history.utils import get_m2m_field_name


class BilingualNameMixin:
    """`display_name` picks the Japanese name for Japanese readers when one exists."""

    name_en: str
    name_ja: str

    @property
    def display_name(self) -> str:
        if (get_language() or "en").startswith("ja") and self.name_ja:
            return self.name_ja
        return self.name_en


class ReferenceModel(BilingualNameMixin, models.Model):
    """Reference data is addressed by its stable code in the API, imports and fixtures."""

    code = models.CharField(max_length=40, unique=True)
    name_en = models.CharField(max_length=200)
    name_ja = models.CharField(max_length=200, blank=True)
    position = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        abstract = True
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name_en}"


class History(HistoricalRecords):
    """simple_history's records, with the many-to-many snapshot of each version read straight
    from the saved instance's through tables, in one query for all its fields.

    The library rebuilds the instance from the historical row once per field (a query each for
    the fields history leaves out, such as `updated_at`) and joins every related table to copy
    ids it already has: on an engagement's save that was ten of its thirty-one queries; one
    query per field was five more. The library's pre/post m2m signals are not sent: nothing
    here listens to signals."""

    def create_historical_record_m2ms(self, history_instance, instance):  # type: ignore[no-untyped-def]
        fields = list(history_instance._history_m2m_fields)
        if not fields:
            return
        connection = connections[instance._state.db or DEFAULT_DB_ALIAS]
        quote = connection.ops.quote_name
        selects, params, columns = [], [], []
        for i, field in enumerate(fields):
            through = getattr(instance, field.name).through
            owner = through._meta.get_field(get_m2m_field_name(field)).column
            # Automatic through tables, all alike (id and two keys): their rows stack in one
            # UNION ALL, the field's index first.
            own = list(through._meta.fields)
            columns.append([f.attname for f in own])
            listed = ", ".join(quote(f.column) for f in own)
            table = quote(through._meta.db_table)
            selects.append(f"SELECT {i}, {listed} FROM {table} WHERE {quote(owner)} = %s")
            params.append(instance.pk)
        rows: dict[int, list] = {i: [] for i in range(len(fields))}
        with connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(selects), params)
            for i, *values in cursor.fetchall():
                rows[i].append(values)
        for i, field in enumerate(fields):
            if not rows[i]:
                continue
            m2m_history_model = self.m2m_models[field]
            m2m_history_model.objects.bulk_create(
                m2m_history_model(history=history_instance, **dict(zip(columns[i], r, strict=True)))
                for r in rows[i]
            )
