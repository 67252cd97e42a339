"""The global search page (/search/?q=), reached from the box in the navigation."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from engagement.models import MemberState
from engagement.selectors.search import LIMIT, global_search

MAX_QUERY = 200


@login_required
@require_GET
def search(request):
    text = request.GET.get("q", "").strip()[:MAX_QUERY]
    results = global_search(user=request.user, text=text)
    if results.organizations:
        # Where each organization is, by the country's name rather than its code.
        places = {m.iso2: m.display_name for m in MemberState.objects.all()}
        places.update({"JP": _("Japan"), "": _("ASEAN-wide")})
        for org in results.organizations:
            org.place = places.get(org.country, org.country)
    return render(
        request,
        "engagement/search.html",
        {"q": text, "results": results, "limit": LIMIT},
    )
