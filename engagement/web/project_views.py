"""Pages for projects and incentives, and "About the framework"."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language, gettext
from django.views.decorators.http import require_POST

from engagement import policy
from engagement.errors import ServiceError
from engagement.models import (
    CoreArea,
    Incentive,
    Initiative,
    MemberState,
    OpportunityFollow,
    Project,
    Provenance,
)
from engagement.services.projects import opportunity_follow, opportunity_unfollow
from engagement.web.navigation import safe_next

FRAMEWORK_FILE = Path(settings.BASE_DIR) / "fixtures" / "reference" / "framework.json"
PAGE_SIZE = 50


def _sources(text: str) -> list[str]:
    """A record's sources, one per line: they are written "publisher, title, year; ..."."""
    return [part.strip() for part in re.split(r";\s+|\n", text or "") if part.strip()]


def _filters(request, allowed: dict[str, list[str]]) -> dict[str, str]:
    """The page's filters, each kept only when it is one of its values."""
    return {
        name: value
        for name, values in allowed.items()
        if (value := request.GET.get(name, "")) and value in values
    }


# --- Projects --------------------------------------------------------------------------------


@login_required
def project_list(request):
    states = list(MemberState.objects.filter(projects__isnull=False).distinct())
    chosen = _filters(
        request,
        {
            "country": [s.iso2 for s in states],
            "kind": Project.Kind.values,
            "phase": Project.Phase.values,
        },
    )
    lookups = {"country": "country__iso2", "kind": "kind", "phase": "phase"}
    projects = policy.scope(
        request.user,
        Project.objects.select_related("country", "owner").filter(
            **{lookups[k]: v for k, v in chosen.items()}
        ),
    )
    page = Paginator(projects, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "engagement/project_list.html",
        {
            "page": page,
            "filters": chosen,
            "states": states,
            "kinds": Project.Kind.choices,
            "phases": Project.Phase.choices,
            "query": "&".join(f"{k}={v}" for k, v in chosen.items()),
        },
    )


@login_required
def project_detail(request, code: str):
    project = get_object_or_404(
        policy.scope(request.user, Project.objects.select_related("country", "owner")), code=code
    )
    phases = [
        {"value": value, "label": label, "reached": i <= _phase_index(project.phase)}
        for i, (value, label) in enumerate(Project.Phase.choices)
    ]
    return render(
        request,
        "engagement/project_detail.html",
        {
            "project": project,
            "capabilities": project.capabilities.order_by("position", "code"),
            "sources": _sources(project.sources),
            "phases": phases,
            "following": OpportunityFollow.objects.filter(
                user=request.user, project=project
            ).exists(),
        },
    )


def _phase_index(phase: str) -> int:
    return Project.Phase.values.index(phase)


# --- Incentives ------------------------------------------------------------------------------


@login_required
def incentive_list(request):
    countries = list(Incentive.objects.values_list("country", flat=True).distinct())
    chosen = _filters(request, {"country": countries, "kind": Incentive.Kind.values})
    incentives = policy.scope(
        request.user, Incentive.objects.select_related("agency").filter(**chosen)
    ).order_by("deadline", "country", "code")
    states = {s.iso2: s for s in MemberState.objects.filter(iso2__in=countries)}
    page = Paginator(incentives, PAGE_SIZE).get_page(request.GET.get("page"))
    for incentive in page:
        incentive.country_label = _country_label(incentive.country, states)
    return render(
        request,
        "engagement/incentive_list.html",
        {
            "page": page,
            "filters": chosen,
            "countries": [(c, states.get(c)) for c in sorted(countries)],
            "states": states,
            "kinds": Incentive.Kind.choices,
            "query": "&".join(f"{k}={v}" for k, v in chosen.items()),
        },
    )


def _country_label(code: str, states: dict[str, MemberState]) -> str:
    return states[code].display_name if code in states else gettext("Japan")


@login_required
def incentive_detail(request, code: str):
    incentive = get_object_or_404(
        policy.scope(request.user, Incentive.objects.select_related("agency")), code=code
    )
    return render(
        request,
        "engagement/incentive_detail.html",
        {
            "incentive": incentive,
            "country_label": _country_label(
                incentive.country,
                {s.iso2: s for s in MemberState.objects.filter(iso2=incentive.country)},
            ),
            "capabilities": incentive.capabilities.order_by("position", "code"),
            "thrusts": incentive.thrusts.order_by("position", "code"),
            "sources": _sources(incentive.sources),
            "following": OpportunityFollow.objects.filter(
                user=request.user, incentive=incentive
            ).exists(),
        },
    )


# --- Following -------------------------------------------------------------------------------


def _toggle(request, **target):
    existing = OpportunityFollow.objects.filter(user=request.user, **target).first()
    try:
        if existing:
            opportunity_unfollow(user=request.user, follow=existing)
        else:
            opportunity_follow(user=request.user, **target)
    except ServiceError as exc:
        messages.error(request, exc.detail)


@login_required
@require_POST
def project_follow(request, code: str):
    project = get_object_or_404(policy.scope(request.user, Project.objects.all()), code=code)
    _toggle(request, project=project)
    return redirect(safe_next(request, f"/projects/{project.code}/"))


@login_required
@require_POST
def incentive_follow(request, code: str):
    incentive = get_object_or_404(policy.scope(request.user, Incentive.objects.all()), code=code)
    _toggle(request, incentive=incentive)
    return redirect(safe_next(request, f"/incentives/{incentive.code}/"))


# --- About the framework ---------------------------------------------------------------------


@cache
def framework_facts() -> dict:
    """The framework's facts, each with its source in the report (fixtures/reference/)."""
    return json.loads(FRAMEWORK_FILE.read_text(encoding="utf-8"))


def _in_language(entries: list[dict], lang: str) -> list[dict]:
    return [
        {
            key[: -len(f"_{lang}")] if key.endswith(f"_{lang}") else key: value
            for key, value in entry.items()
        }
        | {"text": entry[lang]}
        for entry in entries
    ]


@login_required
def framework(request):
    lang = "ja" if (get_language() or "en").startswith("ja") else "en"
    facts = framework_facts()
    areas = CoreArea.objects.prefetch_related(
        "thrusts__initiatives",
    ).order_by("position", "code")
    return render(
        request,
        "engagement/framework.html",
        {
            "report": {
                "publisher": facts["report"][f"publisher_{lang}"],
                "title": ("「{}」" if lang == "ja" else "“{}”").format(
                    facts["report"][f"title_{lang}"]
                ),
                "date": facts["report"]["date"],
                "pages": facts["report"][f"pages_{lang}"],
            },
            "facts": _in_language(facts["facts"], lang),
            "timeline": _in_language(facts["timeline"], lang),
            "areas": areas,
            "report_provenance": Provenance.REPORT,
            "initiative_count": Initiative.objects.count(),
        },
    )
