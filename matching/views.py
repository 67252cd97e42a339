"""The review page: a company's suggested partners, one at a time or as a list, with their
explanations and component bars, to accept, reject (with a reason) or snooze.

Reads go through matching.selectors (another company's suggestions are not found); decisions go
through matching.services.decisions, whose refusals are shown as messages and change nothing.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.dateparse import parse_date
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from engagement import policy
from engagement.errors import NotPermitted, ServiceError
from engagement.models import MemberState, PartnershipType, Thrust
from engagement.web.navigation import safe_next
from matching import selectors
from matching.fusion import COMPONENTS
from matching.models import Purpose, RejectReason, SuggestionStatus
from matching.services import decisions

# Eight suggestions a page keep the page under 60 KB (each carries its three forms).
PAGE_SIZE = 8
COMPONENT_LABELS = {
    "capability": gettext_lazy("Capability fit (what it offers them)"),
    "text": gettext_lazy("Text fit (descriptions)"),
    "capability_back": gettext_lazy("What they offer it"),
    "thrust": gettext_lazy("Thrust fit"),
    "country": gettext_lazy("Member-state fit"),
    "relationship": gettext_lazy("Existing relationship"),
    "implementation": gettext_lazy("Launched in a priority member state"),
}


def _filters(request) -> dict:
    keys = ("company", "thrust", "country", "purpose", "min_score", "status", "view")
    return {k: request.GET.get(k, "").strip() for k in keys}


def _number(value: str, kind=float):
    try:
        return kind(value) if value else None
    except ValueError:
        return None


@login_required
def review(request):
    f = _filters(request)
    status = f["status"] if f["status"] in SuggestionStatus.values else SuggestionStatus.NEW
    qs = selectors.review_queue(
        user=request.user,
        company=_number(f["company"], int),
        thrust=f["thrust"],
        country=f["country"],
        purpose=f["purpose"] if f["purpose"] in Purpose.values else "",
        min_score=_number(f["min_score"]),
        status=status,
    )
    one = f["view"] == "one"
    page = Paginator(qs, 1 if one else PAGE_SIZE).get_page(request.GET.get("page"))
    labels = selectors.explanation_labels()
    lang = get_language()
    types = list(PartnershipType.objects.order_by("position", "code"))
    institutions: dict[int, list] = {}
    items = [_item(request, s, labels, lang, institutions) for s in page.object_list]
    query = {k: v for k, v in f.items() if v}
    return render(
        request,
        "matching/review.html",
        {
            "items": items,
            "page": page,
            "filters": f,
            "status": status,
            "one": one,
            "companies": selectors.companies_with_suggestions(user=request.user),
            "thrusts": Thrust.objects.order_by("code"),
            "states": MemberState.objects.order_by("name_en"),
            "statuses": SuggestionStatus.choices,
            "purposes": Purpose.choices,
            "reasons": RejectReason.choices,
            "types": types,
            "query": urlencode(query),
            "list_query": urlencode({**query, "view": "list"}),
            "one_query": urlencode({**query, "view": "one"}),
            "tomorrow": (dt.date.today() + dt.timedelta(days=1)).isoformat(),
            "in_a_month": (dt.date.today() + dt.timedelta(days=30)).isoformat(),
        },
    )


def _item(request, suggestion, labels, lang, institutions: dict) -> dict:
    explanation = selectors.explain(suggestion, lang, labels)
    bars = [
        {
            "name": name,
            "label": COMPONENT_LABELS[name],
            "value": (suggestion.components.get(name) or {}).get("value"),
            "contribution": (suggestion.components.get(name) or {}).get("contribution", 0.0),
        }
        for name in COMPONENTS
    ]
    return {
        "s": suggestion,
        "name": selectors.counterpart_name(suggestion, lang),
        "explanation": explanation,
        "bars": bars,
        "can_decide": suggestion.status in (SuggestionStatus.NEW, SuggestionStatus.SNOOZED)
        and policy.can_decide_matches_for(request.user, suggestion.company_id),
        "suggested_type": decisions.suggested_partnership_type(suggestion),
        "institutions": _institutions_for(request, suggestion, institutions),
        "ask_party": _asks_party(suggestion),
    }


def _asks_party(suggestion) -> bool:
    """Accepting names whom to approach: an initiative, and a project or an incentive whose
    owner or agency the directory does not have (decisions.match_accept)."""
    if suggestion.organization_id:
        return False
    return decisions.default_party(suggestion) is None


def _institutions_for(request, suggestion, known: dict) -> list:
    """For an initiative: the institutions suggested to the same company, to approach about it
    (read once per company on the page)."""
    if not _asks_party(suggestion):
        return []
    if suggestion.company_id not in known:
        qs = selectors.suggestions_visible(user=request.user).filter(
            company_id=suggestion.company_id,
            status=SuggestionStatus.NEW,
            organization__isnull=False,
        )
        known[suggestion.company_id] = [s.organization for s in qs.order_by("rank")[:20]]
    return known[suggestion.company_id]


# --- Decisions ------------------------------------------------------------------------------


def _back(request) -> str:
    return safe_next(request, reverse("match-review"))


def _decide(request, pk: int, act, done: str):
    suggestion = selectors.suggestion_visible(user=request.user, pk=pk)
    if suggestion is None:
        raise Http404
    try:
        act(suggestion)
    except NotPermitted as exc:
        return render(request, "engagement/refused.html", {"message": exc.detail}, status=403)
    except ServiceError as exc:
        problems = [f"{field}: {' '.join(msgs)}" for field, msgs in exc.errors.items()]
        messages.error(request, " ".join([exc.detail, *problems]))
        return redirect(_back(request), permanent=False)
    messages.success(request, done)
    return redirect(_back(request), permanent=False)


@login_required
@require_POST
def accept(request, pk: int):
    parties = [p for p in request.POST.getlist("counterparts") if p.isdigit()]
    accepted = {}

    def act(s):
        accepted["suggestion"] = decisions.match_accept(
            actor=request.user,
            suggestion=s,
            partnership_type=request.POST.get("partnership_type") or None,
            title=request.POST.get("title", ""),
            counterparts=[int(p) for p in parties],
        )

    response = _decide(
        request, pk, act, _("Accepted: a partnership was opened at stage Identified.")
    )
    done = accepted.get("suggestion")
    if done is not None and done.partnership_id:
        # Land on the partnership just opened: its first stage move and engagement are next.
        return redirect("partnership-detail", pk=done.partnership_id)
    return response


@login_required
@require_POST
def reject(request, pk: int):
    def act(s):
        decisions.match_reject(
            actor=request.user,
            suggestion=s,
            reason=request.POST.get("reason", ""),
            note=request.POST.get("note", ""),
        )

    return _decide(request, pk, act, _("Rejected."))


@login_required
@require_POST
def snooze(request, pk: int):
    def act(s):
        try:
            until = parse_date(request.POST.get("until", "") or "")
        except ValueError:  # well formed but impossible, such as 2026-02-30
            until = None
        decisions.match_snooze(actor=request.user, suggestion=s, until=until)

    return _decide(request, pk, act, _("Snoozed."))
