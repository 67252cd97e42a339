"""REST resources `match-suggestions` and `matching-strategies` (put on the API's router by
matching/apps.py, through engagement/api/routes.py).

Reads follow the API's conventions: another company's suggestions are not found (404). Deciding
(accept, reject, snooze) is for the company's BD members and program managers; the services
claim the suggestion so that a retried POST acts once, and Idempotency-Key replays the first
answer.
"""

from __future__ import annotations

import django_filters as filters
from django.db.models import Q
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from engagement import policy
from engagement.api.filters import DateTimeFilter, IdFilter
from engagement.api.mixins import idempotent
from engagement.api.pagination import CursorPagination
from engagement.api.permissions import PolicyPermission
from engagement.api.views import IDEMPOTENCY_KEY
from engagement.models import Organization, OrganizationKind
from matching import selectors
from matching import serializers as s
from matching.models import MatchSuggestion, Purpose, SuggestionStatus
from matching.services import decisions, strategy


class MatchPermission(PolicyPermission):
    """Reading follows the policy; deciding is `can_decide_matches_for` (program managers too,
    who otherwise do not change team records)."""

    def has_object_permission(self, request, view, obj) -> bool:
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return policy.can_view(request.user, obj)
        return policy.can_decide_matches_for(request.user, obj.company_id)


class RankPagination(CursorPagination):
    ordering = ("rank", "id")


class MatchSuggestionFilter(filters.FilterSet):
    company = IdFilter(field_name="company")
    status = filters.MultipleChoiceFilter(
        choices=SuggestionStatus.choices,
        help_text="Default: new. Repeat for several (status=new&status=snoozed).",
    )
    kind = filters.ChoiceFilter(
        choices=[(k, k) for k in ("organization", "initiative", "project", "incentive")],
        method="filter_kind",
    )
    thrust = filters.CharFilter(method="filter_thrust", help_text="A thrust code, e.g. T3.")
    country = filters.CharFilter(
        method="filter_country",
        help_text="ISO code, e.g. MY (an institution's, a project's or "
        "an incentive's member state; JP: Japanese incentive programmes).",
    )
    purpose = filters.MultipleChoiceFilter(
        choices=Purpose.choices,
        help_text="What the suggestion is for; repeat for several "
        "(purpose=customer&purpose=channel).",
    )
    min_score = filters.NumberFilter(field_name="score", lookup_expr="gte")
    max_score = filters.NumberFilter(field_name="score", lookup_expr="lte")
    generated_since = DateTimeFilter(field_name="generated_at", lookup_expr="gte")

    class Meta:
        model = MatchSuggestion
        fields = ["stale"]

    def filter_kind(self, qs, name, value):
        return qs.filter(**{f"{value}__isnull": False})

    def filter_country(self, qs, name, value):
        return qs.filter(
            Q(organization__country__iexact=value)
            | Q(project__country__iso2__iexact=value)
            | Q(incentive__country__iexact=value)
        )

    def filter_thrust(self, qs, name, value):
        return selectors.filter_thrust(qs, value)

    def filter_queryset(self, queryset):
        if not self.form.cleaned_data.get("status"):
            queryset = queryset.filter(status=SuggestionStatus.NEW)
        return super().filter_queryset(queryset)


class MatchSuggestionViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Partners worth approaching, per company, best first (`rank`), with each component's
    value and contribution and an explanation in the language of Accept-Language."""

    serializer_class = s.MatchSuggestionSerializer
    permission_classes = [MatchPermission]
    pagination_class = RankPagination
    filterset_class = MatchSuggestionFilter
    ordering_fields = ["rank", "score", "generated_at", "id"]

    def get_queryset(self):
        return selectors.suggestions_visible(user=self.request.user)

    def filter_queryset(self, queryset):
        # Filters (and the default status=new) shape the queue; one suggestion is found by id
        # whatever its status.
        if self.action != "list":
            return queryset
        return super().filter_queryset(queryset)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["labels"] = selectors.explanation_labels()
        return context

    def _answer(self, suggestion: MatchSuggestion) -> dict:
        fresh = self.get_queryset().get(pk=suggestion.pk)
        return s.MatchSuggestionSerializer(fresh, context=self.get_serializer_context()).data

    def _input(self, serializer_class) -> dict:
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    @extend_schema(
        request=s.AcceptSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={200: s.AcceptedSerializer},
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def accept(self, request, pk=None):
        """Open a partnership at stage `identified` for the company's team; answers its id."""
        suggestion = self.get_object()
        data = self._input(s.AcceptSerializer)
        suggestion = decisions.match_accept(actor=request.user, suggestion=suggestion, **data)
        return Response(
            {"partnership": suggestion.partnership_id, "suggestion": self._answer(suggestion)}
        )

    @extend_schema(
        request=s.RejectSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={200: s.MatchSuggestionSerializer},
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def reject(self, request, pk=None):
        """Reject with a reason (and a note); not suggested again unless a profile changes."""
        suggestion = self.get_object()
        data = self._input(s.RejectSerializer)
        suggestion = decisions.match_reject(actor=request.user, suggestion=suggestion, **data)
        return Response(self._answer(suggestion))

    @extend_schema(
        request=s.SnoozeSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={200: s.MatchSuggestionSerializer},
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def snooze(self, request, pk=None):
        """Hide until a date; it comes back into the queue from that day."""
        suggestion = self.get_object()
        data = self._input(s.SnoozeSerializer)
        suggestion = decisions.match_snooze(actor=request.user, suggestion=suggestion, **data)
        return Response(self._answer(suggestion))


class MatchingStrategySerializer(serializers.Serializer):
    priority_countries = serializers.ListField(
        child=serializers.CharField(max_length=2),
        required=False,
        max_length=11,
        help_text="Member states (ISO codes) the company wants to be in or already is.",
    )
    thrusts = serializers.ListField(
        child=serializers.CharField(max_length=10), required=False, max_length=6
    )
    purposes = serializers.ListField(
        child=serializers.ChoiceField(choices=Purpose.choices),
        required=False,
        max_length=len(Purpose.values),
        help_text="Purposes sought; empty: every purpose.",
    )
    excluded_countries = serializers.ListField(
        child=serializers.CharField(max_length=2), required=False, max_length=11
    )
    excluded_org_types = serializers.ListField(
        child=serializers.CharField(max_length=40), required=False, max_length=20
    )


class MatchingStrategyViewSet(viewsets.ViewSet):
    """A Japanese company's matching strategy (`/api/v1/matching-strategies/{company id}/`):
    priority member states, target thrusts, purposes sought, member states and institution
    types ruled out. Its own team and program managers read and change it; for everyone else
    it is not found."""

    permission_classes = [PolicyPermission]
    lookup_value_regex = r"[0-9]{1,18}"

    def _company(self, request, pk) -> Organization:
        company = Organization.objects.filter(pk=pk, kind=OrganizationKind.JAPANESE_COMPANY).first()
        if company is None or not strategy.may_see_strategy(request.user, company):
            raise NotFound()
        return company

    @extend_schema(responses={200: MatchingStrategySerializer})
    def retrieve(self, request, pk=None):
        return Response(strategy.matching_strategy(self._company(request, pk)))

    @extend_schema(request=MatchingStrategySerializer, responses={200: MatchingStrategySerializer})
    def partial_update(self, request, pk=None):
        company = self._company(request, pk)
        data = MatchingStrategySerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        out = strategy.matching_strategy_update(
            actor=request.user, company=company, **data.validated_data
        )
        return Response(out)

    @extend_schema(request=MatchingStrategySerializer, responses={200: MatchingStrategySerializer})
    def update(self, request, pk=None):
        company = self._company(request, pk)
        data = MatchingStrategySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = ("priority_countries", "thrusts", "purposes")
        fields += ("excluded_countries", "excluded_org_types")
        values = {f: data.validated_data.get(f, []) for f in fields}
        out = strategy.matching_strategy_update(actor=request.user, company=company, **values)
        return Response(out)
