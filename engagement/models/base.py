from django.db import models
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
    from the saved instance's through tables, one query per field.

    The library rebuilds the instance from the historical row once per field (a query each for
    the fields history leaves out, such as `updated_at`) and joins every related table to copy
    ids it already has: on an engagement's save that was ten of its thirty-one queries. The
    library's pre/post m2m signals are not sent: nothing here listens to signals."""

    def create_historical_record_m2ms(self, history_instance, instance):  # type: ignore[no-untyped-def]
        for field in history_instance._history_m2m_fields:
            m2m_history_model = self.m2m_models[field]
            through_model = getattr(instance, field.name).through
            columns = [f.attname for f in through_model._meta.fields]
            rows = through_model.objects.filter(
                **{get_m2m_field_name(field): instance}
            ).values_list(*columns)
            insert_rows = [
                m2m_history_model(history=history_instance, **dict(zip(columns, row, strict=True)))
                for row in rows
            ]
            m2m_history_model.objects.bulk_create(insert_rows)
