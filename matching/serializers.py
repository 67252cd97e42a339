"""API shapes of match suggestions: the integrators' contract."""

from __future__ import annotations

from django.utils.translation import get_language
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from matching.fusion import COMPONENTS
from matching.models import MatchSuggestion, RejectReason
from matching.selectors import counterpart_name, explain, structured_reasons
from matching.structured import CODES


class NamedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class CounterpartSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=["organization", "initiative", "project", "incentive"])
    id = serializers.IntegerField()
    name = serializers.CharField()
    code = serializers.CharField(
        required=False,
        help_text="Initiatives, projects and incentives only, e.g. T3-04, MY-INFINEON-KULIM3, "
        "MY-MIDA-NIF.",
    )


class ComponentSerializer(serializers.Serializer):
    value = serializers.FloatField(
        allow_null=True, help_text="In [0, 1]; null when the component does not apply."
    )
    contribution = serializers.FloatField(help_text="Its share of the score (they sum to it).")


class ComponentsSerializer(serializers.Serializer):
    def get_fields(self):
        return {name: ComponentSerializer() for name in COMPONENTS}


class ExplanationSerializer(serializers.Serializer):
    language = serializers.ChoiceField(choices=["en", "ja"])
    text = serializers.CharField(help_text="The reasons for, then the strongest one against.")
    reasons = serializers.ListField(
        child=serializers.CharField(), help_text="One sentence per reason for, in order."
    )
    against = serializers.CharField(help_text="The strongest reason against; may be empty.")


class ReasonSerializer(serializers.Serializer):
    code = serializers.ChoiceField(
        choices=list(CODES),
        help_text="What the reason is about. `role`: what kind of institution the counterpart "
        "is, where, and what it is for the company; `purpose`: what the counterpart offers "
        "that the company is looking for; `region`: an agency or a park serving one region of a "
        "member state where the company's sites are all outside it.",
    )
    company = serializers.ListField(
        child=serializers.CharField(),
        help_text="Facts on the company's side, as codes: capabilities (`EQP.DICING`), thrusts "
        "(`T6`), member states with the company's tie to them (`priority:MY`, `presence:VN`); "
        "for `role`, the company's site in the region the counterpart serves (`site:MY-02`); "
        "for `region`, the company's sites in that member state (ISO 3166-2: `MY-03`).",
    )
    counterpart = serializers.ListField(
        child=serializers.CharField(),
        help_text="Facts on the counterpart's side, as codes: capabilities, thrusts, its member "
        "state (`MY`, or `ASEAN` for a regional body); for `capability`, what a plant makes "
        "whose production uses what the company offers, when its needs do not list it "
        "(`makes:MFG.FRONTEND`); for `role` its institution type, the "
        "purpose and its member state, then the region it serves when the company has a site "
        "there (`MY-02`); for `region` how the company's sites stand to it (`near`: a "
        "neighbouring region, `elsewhere`) then the regions it serves; for `implementation` "
        "the initiative, its status and the month it took effect (`T6-02`, `launched`, "
        "`2026-03`); for `project` its kind, phase, "
        "member state, the year production starts or started (may be empty), then the "
        "capabilities it buys that the company offers (`front_end_fab`, `ramp`, `MY`, `2024`, "
        "`EQP.DEP`); for `incentive` its code, kind, country (`JP`: a Japanese programme), "
        "deadline (may be empty), then the thrusts it favours that the company works on.",
    )
    contribution = serializers.FloatField(
        help_text="For: what it brought to the score (positive). Against: what the shortfall "
        "costs the score (negative)."
    )


class ReasonsSerializer(serializers.Serializer):
    def get_fields(self):
        # "for" is a Python keyword: declared here rather than as class attributes.
        return {
            "for": ReasonSerializer(many=True, help_text="Reasons for, the strongest first."),
            "against": ReasonSerializer(
                many=True,
                help_text="Components that apply to the pair and are low, the costliest first; "
                "never the same facts as a reason for.",
            ),
        }


class MatchSuggestionSerializer(serializers.ModelSerializer):
    company = serializers.SerializerMethodField()
    counterpart = serializers.SerializerMethodField()
    components = serializers.SerializerMethodField()
    explanation = serializers.SerializerMethodField()
    reasons = serializers.SerializerMethodField()
    decided_by = serializers.CharField(
        source="decided_by.username", read_only=True, allow_null=True, help_text="Username."
    )

    class Meta:
        model = MatchSuggestion
        fields = [
            "id",
            "company",
            "counterpart",
            "score",
            "rank",
            "purpose",
            "components",
            "reasons",
            "explanation",
            "status",
            "stale",
            "snoozed_until",
            "partnership",
            "model_version",
            "generated_at",
            "decided_by",
            "decided_at",
        ]
        read_only_fields = fields

    def _lang(self) -> str:
        return "ja" if (get_language() or "en").startswith("ja") else "en"

    @extend_schema_field(NamedSerializer)
    def get_company(self, obj: MatchSuggestion) -> dict:
        company = obj.company
        name = company.name_ja if self._lang() == "ja" and company.name_ja else company.name
        return {"id": obj.company_id, "name": name}

    @extend_schema_field(CounterpartSerializer)
    def get_counterpart(self, obj: MatchSuggestion) -> dict:
        if obj.initiative_id:
            i = obj.initiative
            name = i.name_ja if self._lang() == "ja" and i.name_ja else i.name_en
            return {"type": obj.kind, "id": i.pk, "name": name, "code": i.code}
        if obj.project_id or obj.incentive_id:
            o = obj.project or obj.incentive
            name = o.name_ja if self._lang() == "ja" and o.name_ja else o.name_en
            return {"type": obj.kind, "id": o.pk, "name": name, "code": o.code}
        return {
            "type": obj.kind,
            "id": obj.organization_id,
            "name": counterpart_name(obj, self._lang()),
        }

    @extend_schema_field(ComponentsSerializer)
    def get_components(self, obj: MatchSuggestion) -> dict:
        empty = {"value": None, "contribution": 0.0}
        return {name: obj.components.get(name, empty) for name in COMPONENTS}

    @extend_schema_field(ReasonsSerializer)
    def get_reasons(self, obj: MatchSuggestion) -> dict:
        return structured_reasons(obj)

    @extend_schema_field(ExplanationSerializer)
    def get_explanation(self, obj: MatchSuggestion) -> dict:
        lang = self._lang()
        found = explain(obj, lang, self.context["labels"])
        return {
            "language": lang,
            "text": found.text,
            "reasons": found.reasons,
            "against": found.against,
        }


class AcceptSerializer(serializers.Serializer):
    partnership_type = serializers.CharField(
        required=False, max_length=40, help_text="A partnership type code; inferred when absent."
    )
    title = serializers.CharField(required=False, allow_blank=True, max_length=200)
    counterparts = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        max_length=20,
        help_text="ASEAN institutions to approach; required when accepting an initiative, and a "
        "project or incentive whose owner or agency the directory does not have.",
    )


class AcceptedSerializer(serializers.Serializer):
    partnership = serializers.IntegerField()
    suggestion = MatchSuggestionSerializer()


class RejectSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=RejectReason.choices)
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class SnoozeSerializer(serializers.Serializer):
    until = serializers.DateField(help_text="Hidden until this date (YYYY-MM-DD).")
