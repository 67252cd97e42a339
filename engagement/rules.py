"""How long what people write may be, once for every way in.

The page forms, the API serializers, the import (through the services it calls) and the
services themselves read these limits from here and refuse with the same sentence, so that a
summary cannot be 10,000 characters in one path and 20,000 in another. Forms and serializers
keep their `max_length` (the browser's `maxlength`, the schema's `maxLength`) but say it in
these words (engagement.web.fields.LimitedCharField, engagement.api.fields.LimitedCharField).
A column with a width (a CharField) takes it from here too, so the database cannot disagree."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext as _

from engagement.errors import ValidationFailed


@dataclass(frozen=True)
class TextLimit:
    max_length: int

    def problem(self, value: Any) -> str | None:
        """The refusal for `value`, or None when it fits."""
        length = len(str(value or ""))
        if length <= self.max_length:
            return None
        return _("At most %(limit)s characters; this has %(length)s.") % {
            "limit": f"{self.max_length:,}",
            "length": f"{length:,}",
        }

    def check(self, value: Any, field: str, errors: dict[str, list[str]]) -> None:
        """For services: add the refusal to `errors` under `field`."""
        message = self.problem(value)
        if message:
            errors.setdefault(field, []).append(message)

    def enforce(self, value: Any, field: str) -> None:
        """For services that check one field on its own: refuse it, naming the field."""
        message = self.problem(value)
        if message:
            raise ValidationFailed({field: [message]})

    def validator(self) -> LimitValidator:
        """For form and serializer fields."""
        return LimitValidator(self)


class LimitValidator(MaxLengthValidator):
    """A Django validator saying a TextLimit's refusal; still a MaxLengthValidator, so that
    the API schema announces the limit as `maxLength`."""

    def __init__(self, limit: TextLimit) -> None:
        super().__init__(limit.max_length)
        self.limit = limit

    def __call__(self, value: Any) -> None:
        message = self.limit.problem(value)
        if message:
            raise ValidationError(message, code="max_length")


# Engagements: what happened, what came of it, what to do next.
ENGAGEMENT_TEXT = {
    "summary": TextLimit(20_000),
    "outcome": TextLimit(20_000),
    "next_step": TextLimit(2_000),
}
# Follow-ups: what to do, and what came of it when done.
FOLLOWUP_NOTE = TextLimit(20_000)
FOLLOWUP_OUTCOME = TextLimit(2_000)
# Partnerships: what they are called and what the team notes about them.
PARTNERSHIP_TEXT = {
    "title": TextLimit(200),
    "notes": TextLimit(20_000),
}
# Why: a stage move that needs a reason, an MoU terminated.
REASON = TextLimit(5_000)
# The shared directory: an organization's texts, as wide as their columns where they have one.
ORGANIZATION_TEXT = {
    "name": TextLimit(200),
    "name_ja": TextLimit(200),
    "website": TextLimit(200),
    "description": TextLimit(20_000),
    "description_ja": TextLimit(20_000),
    "source": TextLimit(300),
    "switchboard_email": TextLimit(254),
    "switchboard_phone": TextLimit(50),
}
# A team's contacts.
CONTACT_TEXT = {
    "name": TextLimit(200),
    "name_reading": TextLimit(200),
    "title": TextLimit(200),
    "email": TextLimit(254),
    "phone": TextLimit(50),
    "notes": TextLimit(20_000),
}
# Why a suggested edit to a shared record is right, and the steward's note on deciding it.
SUGGESTION_NOTE = TextLimit(2_000)
# MoUs, pilots and what a pilot tracks.
MOU_TITLE = TextLimit(200)
PILOT_OBJECTIVE = TextLimit(20_000)
MILESTONE_TITLE = TextLimit(200)
KPI_TEXT = {
    "name": TextLimit(200),
    "unit": TextLimit(40),
}
# Projects and incentives (shared records that program managers keep).
PROJECT_TEXT = {
    "name_en": TextLimit(200),
    "name_ja": TextLimit(200),
    "owner_name": TextLimit(300),
    "site": TextLimit(300),
    "technology": TextLimit(5_000),
    "sources": TextLimit(5_000),
    "note": TextLimit(5_000),
}
INCENTIVE_TEXT = {
    "name_en": TextLimit(200),
    "name_ja": TextLimit(200),
    "agency_name": TextLimit(300),
    "who_can_apply": TextLimit(5_000),
    "benefit": TextLimit(5_000),
    "sources": TextLimit(5_000),
    "note": TextLimit(5_000),
}
# The implementation watch: where a status or a policy update comes from, and what it says.
SOURCE_TEXT = {
    "source_url": TextLimit(500),
    "source_title": TextLimit(300),
    "source_publisher": TextLimit(200),
}
STATUS_NOTE = TextLimit(5_000)
POLICY_UPDATE_TEXT = {
    "title": TextLimit(300),
    "title_ja": TextLimit(300),
    "summary": TextLimit(20_000),
    "summary_ja": TextLimit(20_000),
}
