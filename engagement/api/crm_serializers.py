"""Serializers for team-owned records. Output shapes are the integrators' contract."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from engagement import stages
from engagement.api.fields import LimitedCharField
from engagement.api.filters import MAX_ID
from engagement.api.related import Ids, ModelSerializer, Slugs
from engagement.models import KPI, Engagement, FollowUp, Milestone, MoU, Partnership, Pilot, Stage
from engagement.rules import (
    ENGAGEMENT_TEXT,
    FOLLOWUP_NOTE,
    FOLLOWUP_OUTCOME,
    KPI_TEXT,
    MILESTONE_TITLE,
    MOU_TITLE,
    PARTNERSHIP_TEXT,
    PILOT_OBJECTIVE,
    REASON,
)

IDS = {"many": True, "read_only": True}


def _codes(**kw):
    return Slugs(many=True, read_only=True, slug_field="code", **kw)


def _ids(max_length: int = 100, required: bool = False):
    return serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        required=required,
        max_length=max_length,
    )


def _code_list(required: bool = False):
    return serializers.ListField(
        child=serializers.CharField(max_length=40), required=required, max_length=100
    )


class SubjectSerializer(serializers.Serializer):
    type = serializers.ChoiceField(
        choices=["engagement", "partnership", "mou", "pilot", "organization"]
    )
    id = serializers.IntegerField(min_value=1, max_value=MAX_ID)


# --- Engagements ----------


class EngagementSerializer(ModelSerializer):
    team = serializers.SlugRelatedField(read_only=True, slug_field="slug")
    organizations = Ids(**IDS)
    contacts = Ids(**IDS)
    participants = Ids(**IDS)
    thrusts = _codes()
    initiatives = _codes()

    class Meta:
        model = Engagement
        fields = [
            "id",
            "team",
            "occurred_at",
            "kind",
            "organizations",
            "contacts",
            "participants",
            "thrusts",
            "initiatives",
            "partnership",
            "summary",
            "outcome",
            "next_step",
            "created_by",
            "version",
            "created_at",
            "updated_at",
        ]


class RestoreSerializer(serializers.Serializer):
    id = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, help_text="Id of the deleted engagement."
    )


class EngagementInputSerializer(serializers.Serializer):
    occurred_at = serializers.DateTimeField()
    kind = serializers.ChoiceField(choices=Engagement.Kind.choices)
    organizations = _ids(required=True)
    contacts = _ids()
    participants = _ids()
    thrusts = _code_list()
    initiatives = _code_list()
    partnership = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, allow_null=True
    )
    summary = LimitedCharField(limit=ENGAGEMENT_TEXT["summary"])
    outcome = LimitedCharField(limit=ENGAGEMENT_TEXT["outcome"], required=False, allow_blank=True)
    next_step = LimitedCharField(
        limit=ENGAGEMENT_TEXT["next_step"], required=False, allow_blank=True
    )
    next_step_due = serializers.DateField(
        required=False,
        allow_null=True,
        help_text="With next_step, creates a follow-up due on this date in the same request.",
    )


# --- Partnerships ----------


class PartnershipSerializer(ModelSerializer):
    team = serializers.SlugRelatedField(read_only=True, slug_field="slug")
    counterparts = Ids(**IDS)
    initiatives = _codes()
    partnership_type = serializers.SlugRelatedField(read_only=True, slug_field="code")
    priority_country = serializers.SlugRelatedField(
        read_only=True, slug_field="iso2", allow_null=True
    )
    allowed_moves = serializers.SerializerMethodField(
        help_text="Stages this partnership may move to now, and whether a reason is needed."
    )

    class Meta:
        model = Partnership
        fields = [
            "id",
            "team",
            "title",
            "company",
            "counterparts",
            "initiatives",
            "partnership_type",
            "owner",
            "priority_country",
            "expected_value",
            "currency",
            "target_date",
            "stage",
            "stage_changed_at",
            "lost_reason",
            "allowed_moves",
            "notes",
            "version",
            "created_at",
            "updated_at",
        ]

    def get_allowed_moves(self, obj) -> list[dict]:
        return stages.allowed_moves(obj.stage, resume_stage=obj.resume_stage)


class PartnershipInputSerializer(serializers.Serializer):
    title = LimitedCharField(limit=PARTNERSHIP_TEXT["title"])
    company = serializers.IntegerField(
        min_value=1, required=False, help_text="Defaults to your team's company."
    )
    counterparts = _ids(required=True)
    initiatives = _code_list()
    partnership_type = serializers.CharField(max_length=40)
    owner = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False, allow_null=True)
    priority_country = serializers.CharField(
        max_length=2, required=False, allow_blank=True, allow_null=True
    )
    expected_value = serializers.DecimalField(
        max_digits=16, decimal_places=2, required=False, allow_null=True
    )
    currency = serializers.CharField(max_length=3, required=False, allow_blank=True)
    target_date = serializers.DateField(required=False, allow_null=True)
    notes = LimitedCharField(limit=PARTNERSHIP_TEXT["notes"], required=False, allow_blank=True)
    stage = serializers.ChoiceField(
        choices=Stage.choices,
        required=False,
        help_text="Read-only after creation: use the transition action.",
    )


class TransitionSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=Stage.choices)
    reason = LimitedCharField(limit=REASON, required=False, allow_blank=True)


# --- MoUs ----------


class MoUSerializer(ModelSerializer):
    parties = Ids(**IDS)
    thrusts = _codes()
    document = serializers.SerializerMethodField(
        help_text="Download URL of the signed document, or null."
    )
    successor = serializers.SerializerMethodField()

    class Meta:
        model = MoU
        fields = [
            "id",
            "partnership",
            "title",
            "parties",
            "status",
            "signed_on",
            "effective_on",
            "expires_on",
            "renewal_notice_days",
            "thrusts",
            "document",
            "document_name",
            "predecessor",
            "successor",
            "version",
            "created_at",
            "updated_at",
        ]

    def get_document(self, obj) -> str | None:
        if not obj.document:
            return None
        path = reverse("api:mous-document", kwargs={"pk": obj.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path

    def get_successor(self, obj) -> int | None:
        successor = getattr(obj, "successor", None)
        return successor.pk if successor else None


class MoUInputSerializer(serializers.Serializer):
    partnership = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    title = LimitedCharField(limit=MOU_TITLE)
    status = serializers.ChoiceField(
        choices=[("draft", "draft"), ("negotiating", "negotiating")], required=False
    )
    parties = _ids()
    effective_on = serializers.DateField(required=False, allow_null=True)
    expires_on = serializers.DateField(required=False, allow_null=True)
    renewal_notice_days = serializers.IntegerField(min_value=0, max_value=3650, required=False)
    thrusts = _code_list()


class MoUSignSerializer(serializers.Serializer):
    signed_on = serializers.DateField()
    effective_on = serializers.DateField(required=False, allow_null=True)
    expires_on = serializers.DateField(required=False, allow_null=True)


class MoURenewSerializer(serializers.Serializer):
    effective_on = serializers.DateField()
    expires_on = serializers.DateField()
    title = LimitedCharField(limit=MOU_TITLE, required=False, allow_blank=True)


class ReasonSerializer(serializers.Serializer):
    reason = LimitedCharField(limit=REASON)


class DocumentUploadSerializer(serializers.Serializer):
    document = serializers.FileField(help_text="PDF or DOCX, at most MOU_DOCUMENT_MAX_BYTES.")


# --- Pilots ----------


class MilestoneSerializer(ModelSerializer):
    class Meta:
        model = Milestone
        fields = ["id", "title", "due_on", "done_on", "owner"]


class KPISerializer(ModelSerializer):
    class Meta:
        model = KPI
        fields = ["id", "name", "target", "actual", "unit"]


class PilotSerializer(ModelSerializer):
    milestones = MilestoneSerializer(many=True, read_only=True)
    kpis = KPISerializer(many=True, read_only=True)

    class Meta:
        model = Pilot
        fields = [
            "id",
            "partnership",
            "objective",
            "status",
            "owner",
            "starts_on",
            "planned_end_on",
            "actual_end_on",
            "last_activity_at",
            "risk_reason",
            "milestones",
            "kpis",
            "version",
            "created_at",
            "updated_at",
        ]


class MilestoneInputSerializer(serializers.Serializer):
    title = LimitedCharField(limit=MILESTONE_TITLE)
    due_on = serializers.DateField()
    owner = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False, allow_null=True)


class KPIInputSerializer(serializers.Serializer):
    name = LimitedCharField(limit=KPI_TEXT["name"])
    target = serializers.DecimalField(max_digits=16, decimal_places=4)
    actual = serializers.DecimalField(
        max_digits=16, decimal_places=4, required=False, allow_null=True
    )
    unit = LimitedCharField(limit=KPI_TEXT["unit"], required=False, allow_blank=True)


class PilotInputSerializer(serializers.Serializer):
    partnership = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    objective = LimitedCharField(limit=PILOT_OBJECTIVE)
    owner = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False, allow_null=True)
    starts_on = serializers.DateField(required=False, allow_null=True)
    planned_end_on = serializers.DateField(required=False, allow_null=True)
    status = serializers.ChoiceField(choices=Pilot.Status.choices, required=False)
    milestones = MilestoneInputSerializer(many=True, required=False)
    kpis = KPIInputSerializer(many=True, required=False)


class PilotStartSerializer(serializers.Serializer):
    starts_on = serializers.DateField(required=False, allow_null=True)


class PilotCompleteSerializer(serializers.Serializer):
    actual_end_on = serializers.DateField(required=False, allow_null=True)


class MilestoneCompleteSerializer(serializers.Serializer):
    milestone = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    done_on = serializers.DateField(required=False, allow_null=True)


class KPIRecordSerializer(serializers.Serializer):
    kpi = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    actual = serializers.DecimalField(max_digits=16, decimal_places=4)


# --- Follow-ups ----------


@extend_schema_field(
    {
        "type": "string",
        # Hours 00-23, minutes and seconds 00-59: "25:61" has the shape but is no time.
        "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?$",
        "example": "09:30:00",
        "description": "Local time of day, no time zone (HH:MM[:SS]).",
    }
)
class LocalTimeField(serializers.TimeField):
    """A wall-clock time with no offset: OpenAPI's `format: time` would demand one."""


class FollowUpSerializer(ModelSerializer):
    team = serializers.SlugRelatedField(read_only=True, slug_field="slug")
    due_time = LocalTimeField(allow_null=True, read_only=True)
    subject = serializers.SerializerMethodField()

    class Meta:
        model = FollowUp
        fields = [
            "id",
            "team",
            "owner",
            "due_on",
            "due_time",
            "priority",
            "status",
            "subject",
            "note",
            "outcome",
            "completed_at",
            "completed_by",
            "version",
            "created_at",
            "updated_at",
        ]

    def get_subject(self, obj) -> dict | None:
        for name in FollowUp.SUBJECT_FIELDS:
            ident = getattr(obj, f"{name}_id")
            if ident:
                return {"type": name, "id": ident}
        return None


class FollowUpInputSerializer(serializers.Serializer):
    owner = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False, allow_null=True)
    due_on = serializers.DateField()
    due_time = LocalTimeField(required=False, allow_null=True)
    priority = serializers.ChoiceField(choices=FollowUp.Priority.choices, required=False)
    status = serializers.ChoiceField(choices=FollowUp.Status.choices, required=False)
    subject = SubjectSerializer(required=False, allow_null=True)
    note = LimitedCharField(limit=FOLLOWUP_NOTE)


class FollowUpCompleteSerializer(serializers.Serializer):
    outcome = LimitedCharField(
        limit=FOLLOWUP_OUTCOME,
        required=False,
        allow_blank=True,
        help_text="What came of it (optional).",
    )


class TimelineEntrySerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    kind = serializers.CharField()
    object_type = serializers.CharField()
    object_id = serializers.IntegerField()
    actor = serializers.CharField()
    partnership_id = serializers.IntegerField(allow_null=True)
    partnership_title = serializers.CharField()
    data = serializers.DictField()


class TimelinePageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True, help_text="The next (older) page, or null.")
    results = TimelineEntrySerializer(many=True)
