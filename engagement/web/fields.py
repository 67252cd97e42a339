"""Form fields shared by the pages' forms."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import MaxLengthValidator

from engagement.rules import TextLimit


class LimitedCharField(forms.CharField):
    """A text field whose limit is one of engagement.rules: the browser's `maxlength`, and the
    same refusal as the API, the import and the services."""

    def __init__(self, *, limit: TextLimit, **kwargs: Any) -> None:
        super().__init__(max_length=limit.max_length, **kwargs)
        self.validators = [v for v in self.validators if not isinstance(v, MaxLengthValidator)] + [
            limit.validator()
        ]
