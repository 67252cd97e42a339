"""Input and output serializers. Reference data is written and read by its codes."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from engagement.api.fields import LimitedCharField
from engagement.api.filters import MAX_ID
from engagement.api.related import ModelSerializer, Slugs
from engagement.models import (
    Capability,
    Contact,
    CoreArea,
    Initiative,
    MemberState,
    Organization,
    OrganizationKind,
    OrgType,
    PartnershipType,
    SuggestedEdit,
    Thrust,
    Tombstone,
)
from engagement.rules import CONTACT_TEXT, ORGANIZATION_TEXT, SUGGESTION_NOTE
from engagement.services.suggested_edits import suggested_edit_diff


class ErrorSerializer(serializers.Serializer):
    type = serializers.CharField(help_text="Stable machine-readable error type.")
    detail = serializers.CharField(help_text="What went wrong, for people.")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Messages per field (dotted paths for nested fields).",
    )


def _codes(**kwargs) -> serializers.SlugRelatedField:
    return Slugs(many=True, read_only=True, slug_field="code", **kwargs)


def _iso2(**kwargs) -> serializers.SlugRelatedField:
    return Slugs(many=True, read_only=True, slug_field="iso2", **kwargs)


# --- Reference data ----------------------------------------------------------------------------


class CoreAreaSerializer(ModelSerializer):
    class Meta:
        model = CoreArea
        fields = [
            "code",
            "name_en",
            "name_ja",
            "status",
            "provenance",
            "provenance_note",
            "updated_at",
        ]


class ThrustSerializer(ModelSerializer):
    core_area = serializers.SlugRelatedField(read_only=True, slug_field="code")

    class Meta:
        model = Thrust
        fields = [
            "code",
            "core_area",
            "name_en",
            "name_ja",
            "focus",
            "status",
            "provenance",
            "provenance_note",
            "updated_at",
        ]


class InitiativeSerializer(ModelSerializer):
    thrust = serializers.SlugRelatedField(read_only=True, slug_field="code")
    capabilities = _codes()

    class Meta:
        model = Initiative
        fields = [
            "code",
            "thrust",
            "name_en",
            "name_ja",
            "description",
            "capabilities",
            "status",
            "provenance",
            "updated_at",
        ]


class CapabilitySerializer(ModelSerializer):
    parent = serializers.SlugRelatedField(read_only=True, slug_field="code", allow_null=True)
    thrusts = _codes()

    class Meta:
        model = Capability
        fields = [
            "code",
            "parent",
            "name_en",
            "name_ja",
            "synonyms_en",
            "synonyms_ja",
            "thrusts",
            "updated_at",
        ]


class MemberStateSerializer(ModelSerializer):
    class Meta:
        model = MemberState
        fields = ["iso2", "name_en", "name_ja", "note", "updated_at"]


class OrgTypeSerializer(ModelSerializer):
    priority_thrusts = _codes()

    class Meta:
        model = OrgType
        fields = [
            "code",
            "kind",
            "name_en",
            "name_ja",
            "priority_thrusts",
            "typical_capabilities",
            "guidance",
            "updated_at",
        ]


class PartnershipTypeSerializer(ModelSerializer):
    typical_thrusts = _codes()

    class Meta:
        model = PartnershipType
        fields = ["code", "name_en", "name_ja", "typical_thrusts", "updated_at"]


# --- Directory ------------------------------------------------------------------------------------


class OrganizationSerializer(ModelSerializer):
    org_type = serializers.SlugRelatedField(read_only=True, slug_field="code")
    capabilities = _codes(help_text="Capability codes offered.")
    needs = _codes(help_text="Capability codes sought.")
    thrusts = _codes(help_text="Thrust codes of interest.")
    priority_countries = _iso2()
    presence_countries = _iso2()

    class Meta:
        model = Organization
        fields = [
            "id",
            "kind",
            "org_type",
            "name",
            "name_ja",
            "country",
            "website",
            "description",
            "description_ja",
            "capabilities",
            "needs",
            "thrusts",
            "priority_countries",
            "presence_countries",
            "accepting_partners",
            "source",
            "switchboard_email",
            "switchboard_phone",
            "archived_at",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["archived_at"]


class OrganizationInputSerializer(serializers.Serializer):
    """Shape checks only; the service checks codes, countries and duplicates."""

    kind = serializers.ChoiceField(choices=OrganizationKind.choices)
    org_type = serializers.CharField(max_length=40, help_text="Organization type code.")
    name = LimitedCharField(limit=ORGANIZATION_TEXT["name"])
    name_ja = LimitedCharField(limit=ORGANIZATION_TEXT["name_ja"], required=False, allow_blank=True)
    country = serializers.CharField(max_length=2, min_length=2, help_text="ISO 3166-1 alpha-2.")
    website = LimitedCharField(limit=ORGANIZATION_TEXT["website"], required=False, allow_blank=True)
    description = LimitedCharField(
        limit=ORGANIZATION_TEXT["description"], required=False, allow_blank=True
    )
    description_ja = LimitedCharField(
        limit=ORGANIZATION_TEXT["description_ja"], required=False, allow_blank=True
    )
    capabilities = serializers.ListField(
        child=serializers.CharField(max_length=40), required=False, max_length=200
    )
    needs = serializers.ListField(
        child=serializers.CharField(max_length=40), required=False, max_length=200
    )
    thrusts = serializers.ListField(
        child=serializers.CharField(max_length=40), required=False, max_length=50
    )
    priority_countries = serializers.ListField(
        child=serializers.CharField(max_length=2), required=False, max_length=20
    )
    presence_countries = serializers.ListField(
        child=serializers.CharField(max_length=2), required=False, max_length=20
    )
    accepting_partners = serializers.BooleanField(required=False)
    source = LimitedCharField(limit=ORGANIZATION_TEXT["source"], required=False, allow_blank=True)
    switchboard_email = LimitedCharField(
        limit=ORGANIZATION_TEXT["switchboard_email"],
        required=False,
        allow_blank=True,
        help_text="The organization's public switchboard e-mail (people are team contacts).",
    )
    switchboard_phone = LimitedCharField(
        limit=ORGANIZATION_TEXT["switchboard_phone"], required=False, allow_blank=True
    )


class ContactSerializer(ModelSerializer):
    team = serializers.SlugRelatedField(
        read_only=True,
        slug_field="slug",
        allow_null=True,
        help_text="The team that recorded the contact (empty only on records older than "
        "team-owned contacts whose creator was unknown).",
    )

    class Meta:
        model = Contact
        fields = [
            "id",
            "team",
            "organization",
            "name",
            "name_reading",
            "title",
            "email",
            "phone",
            "notes",
            "opted_out",
            "version",
            "created_at",
            "updated_at",
        ]


class ContactInputSerializer(serializers.Serializer):
    organization = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    name = LimitedCharField(limit=CONTACT_TEXT["name"])
    name_reading = LimitedCharField(
        limit=CONTACT_TEXT["name_reading"], required=False, allow_blank=True
    )
    title = LimitedCharField(limit=CONTACT_TEXT["title"], required=False, allow_blank=True)
    email = LimitedCharField(limit=CONTACT_TEXT["email"], required=False, allow_blank=True)
    phone = LimitedCharField(limit=CONTACT_TEXT["phone"], required=False, allow_blank=True)
    notes = LimitedCharField(limit=CONTACT_TEXT["notes"], required=False, allow_blank=True)
    opted_out = serializers.BooleanField(required=False)


class TombstoneSerializer(ModelSerializer):
    class Meta:
        model = Tombstone
        fields = ["resource", "object_id", "deleted_at"]


class FieldChangeSerializer(serializers.Serializer):
    field = serializers.CharField()
    old = serializers.JSONField(allow_null=True)
    new = serializers.JSONField(allow_null=True)


class HistoryEntrySerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    type = serializers.ChoiceField(choices=["created", "changed", "deleted"])
    user = serializers.CharField(allow_null=True)
    changes = FieldChangeSerializer(many=True)


# --- Suggested edits --------------------------------------------------------------------------


class SuggestedEditInputSerializer(serializers.Serializer):
    changes = serializers.DictField(
        help_text="The fields to change, in the organization's input shape "
        '(e.g. {"name_ja": "...", "capabilities": ["EQP.DICING"]}).'
    )
    reason = LimitedCharField(limit=SUGGESTION_NOTE, help_text="Why the change is right.")


class SuggestedEditDecisionSerializer(serializers.Serializer):
    note = LimitedCharField(
        limit=SUGGESTION_NOTE, required=False, allow_blank=True, help_text="A note to the proposer."
    )


class SuggestedEditDiffSerializer(serializers.Serializer):
    field = serializers.CharField()
    current = serializers.JSONField(allow_null=True)
    proposed = serializers.JSONField(allow_null=True)


class SuggestedEditSerializer(ModelSerializer):
    team = serializers.SlugRelatedField(read_only=True, slug_field="slug")
    proposed_by = serializers.SlugRelatedField(
        read_only=True, slug_field="username", allow_null=True
    )
    decided_by = serializers.SlugRelatedField(
        read_only=True, slug_field="username", allow_null=True
    )
    diff = serializers.SerializerMethodField()

    class Meta:
        model = SuggestedEdit
        fields = [
            "id",
            "organization",
            "team",
            "proposed_by",
            "changes",
            "reason",
            "base_version",
            "status",
            "diff",
            "decided_by",
            "decided_at",
            "decision_note",
            "created_at",
            "updated_at",
        ]

    @extend_schema_field(SuggestedEditDiffSerializer(many=True))
    def get_diff(self, obj):
        return suggested_edit_diff(obj)


class ArchiveSerializer(serializers.Serializer):
    archived = serializers.BooleanField(default=True)
