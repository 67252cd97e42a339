"""The dashboard: my follow-ups, expiring MoUs, pilots at risk and the pipeline's charts."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from engagement import policy, stages
from engagement.models import Stage
from engagement.selectors import dashboard as dash
from engagement.web import charts
from engagement.web.crm_views.common import log_url
from engagement.web.timeline import stage_label


def _money_note(values: dict) -> str:
    return ", ".join(charts.money(v, c) for c, v in sorted(values.items()))


@login_required
def dashboard(request):
    data = dash.dashboard(user=request.user, team_slug=request.GET.get("team"))
    team_q = f"&team={data.team.slug}" if data.team else ""
    list_url = reverse("partnership-list")
    bars = [
        charts.Bar(
            label=stage_label(row.stage),
            count=row.count,
            note=_money_note(row.value),
            href=f"{list_url}?stage={row.stage}{team_q}",
            tone="pipeline"
            if row.stage in stages.PIPELINE
            else ("lost" if row.stage == Stage.LOST else "paused"),
        )
        for row in data.funnel
    ]
    funnel = charts.funnel_svg(
        bars,
        chart_id="chart-funnel",
        title=_("Pipeline by stage"),
        desc=_("Number of partnerships in each stage and their expected value."),
    )
    hm = data.heatmap
    heatmap = charts.heatmap_svg(
        rows=[(t.code, t.display_name) for t in hm.thrusts],
        columns=[(s.iso2, s.display_name) for s in hm.states],
        cells=[
            [
                charts.Cell(
                    count=hm.count(t.code, s.iso2),
                    href=f"{list_url}?thrust={t.code}&country={s.iso2}{team_q}",
                    label=f"{t.code} {t.display_name} × {s.display_name}",
                )
                for s in hm.states
            ]
            for t in hm.thrusts
        ],
        chart_id="chart-heatmap",
        title=_("Partnerships by thrust and member state"),
        desc=_(
            "Partnerships not lost, by strategic thrust of their initiatives and by member state."
        ),
    )
    weeks = charts.columns_svg(
        [
            (
                f"{w.start.month}/{w.start.day}",
                w.count,
                _("Week of %(date)s") % {"date": w.start.isoformat()},
            )
            for w in data.weeks
        ],
        chart_id="chart-weeks",
        title=_("Engagements per week"),
        desc=_("Engagements logged in each of the last twelve weeks, this week last."),
    )
    open_count = sum(r.count for r in data.funnel if r.stage in stages.PIPELINE)
    return render(
        request,
        "engagement/dashboard.html",
        {
            "d": data,
            "sees_all": policy.sees_all_teams(request.user),
            "funnel_svg": funnel,
            "heatmap_svg": heatmap,
            "weeks_svg": weeks,
            "funnel_rows": [(b, r) for b, r in zip(bars, data.funnel, strict=True)],
            "open_count": open_count,
            "log_url": log_url(request),
        },
    )
