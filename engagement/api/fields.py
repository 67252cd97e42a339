"""Serializer fields shared by the API's input serializers."""

from __future__ import annotations

from typing import Any

from django.core.validators import MaxLengthValidator
from rest_framework import serializers

from engagement.rules import TextLimit


class LimitedCharField(serializers.CharField):
    """A text field whose limit is one of engagement.rules: the schema says `maxLength`, and a
    longer text is refused with the same sentence as in the pages, the import and the
    services."""

    def __init__(self, *, limit: TextLimit, **kwargs: Any) -> None:
        super().__init__(max_length=limit.max_length, **kwargs)
        self.validators = [v for v in self.validators if not isinstance(v, MaxLengthValidator)] + [
            limit.validator()
        ]
