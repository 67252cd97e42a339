from django.db import models
from django.utils.translation import get_language


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
