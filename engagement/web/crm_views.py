"""CRM pages: dashboard, partnerships (list, page, new), logging engagements, follow-ups and the
organization page.

Reads go through selectors, which ask the access policy: another team's record is not found
(404). Writes go through services; a refusal (ServiceError) is shown on the form next to the
fields it names, and nothing has been written. Program managers read every team's records and
get a clear refusal (403) when they try to change one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from engagement import policy, stages
from engagement.errors import NotPermitted, ServiceError
from engagement.models import (
    Engagement,
    Milestone,
    MoU,
    Organization,
    OrganizationKind,
    Partnership,
    Stage,
    Thrust,
)
from engagement.selectors import dashboard as dash
from engagement.selectors.crm import followups_visible, mous_visible, partnerships_visible
from engagement.selectors.directory import organizations_visible
from engagement.selectors.timeline import timeline
from engagement.services.calendar import calendar_feed_get
from engagement.services.engagements import engagement_log
from engagement.services.followups import followup_cancel, followup_complete, followup_create
from engagement.services.mous import mou_attach_document, mou_create, mou_renew, mou_sign
from engagement.services.partnerships import partnership_create, partnership_transition
from engagement.services.pilots import milestone_complete
from engagement.web import charts, forms
from engagement.web.navigation import safe_next
from engagement.web.timeline import stage_label, timeline_context

PAGE_SIZE = 25


# --- Helpers --------------------------------------------------------------------------------


def refuse(request, message: str) -> HttpResponse:
    """A clear refusal: the reader may see the record but not change it."""
    return render(request, "engagement/refused.html", {"message": message}, status=403)


def _read_only_message() -> str:
    return _(
        "Program managers read every team's records but do not change them. "
        "Ask a member of the team to make this change."
    )


def _status_for(exc: ServiceError) -> int:
    return 409 if exc.code in ("conflict", "stale_write") else 400


def _log_url(request, **params: Any) -> str:
    query = {k: v for k, v in params.items() if v}
    query["next"] = request.get_full_path()
    return f"{reverse('engagement-new')}?{urlencode(query)}"


# --- Dashboard ------------------------------------------------------------------------------


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
            "log_url": _log_url(request),
        },
    )


# --- Partnerships ---------------------------------------------------------------------------


def _partnership_filters(request) -> dict[str, str]:
    keys = ("q", "stage", "team", "thrust", "country", "initiative")
    return {k: request.GET.get(k, "").strip() for k in keys}


@login_required
def partnership_list(request):
    f = _partnership_filters(request)
    qs = partnerships_visible(user=request.user)
    sees_all = policy.sees_all_teams(request.user)
    team = dash.team_filter(user=request.user, slug=f["team"])
    if team is not None:
        qs = qs.filter(team=team)
    if f["stage"] in stages.ALL_STAGES:
        qs = qs.filter(stage=f["stage"])
    distinct = False
    if f["thrust"]:
        qs = qs.filter(initiatives__thrust__code=f["thrust"])
        distinct = True
    if f["initiative"]:
        qs = qs.filter(initiatives__code=f["initiative"])
        distinct = True
    if f["country"]:
        iso = f["country"].upper()
        qs = qs.filter(
            Q(priority_country__iso2=iso)
            | Q(priority_country__isnull=True, counterparts__country=iso)
        )
        distinct = True
    if f["q"]:
        qs = qs.filter(
            Q(title__icontains=f["q"])
            | Q(notes__icontains=f["q"])
            | Q(counterparts__name__icontains=f["q"])
            | Q(counterparts__name_ja__icontains=f["q"])
        )
        distinct = True
    if distinct:
        qs = qs.distinct()
    page = Paginator(qs.order_by("-updated_at", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "engagement/partnership_list.html",
        {
            "page": page,
            "filters": f,
            "stages": [(s, stage_label(s)) for s in stages.ALL_STAGES],
            "teams": list(dash.teams_visible(user=request.user)) if sees_all else [],
            "thrusts": Thrust.objects.all() if f["thrust"] else [],
            "sees_all": sees_all,
            "can_create": policy.can_create(request.user, Partnership)
            and bool(request.user.team_id),
        },
    )


def _partnership_or_404(request, pk: int) -> Partnership:
    p = partnerships_visible(user=request.user).filter(pk=pk).first()
    if p is None:
        raise Http404
    return p


def _stepper(p: Partnership) -> list[dict[str, Any]]:
    """The pipeline's stages, each marked done, current or ahead."""
    current = p.resume_stage if p.stage in stages.PAUSED else p.stage
    at = stages.PIPELINE.index(current) if current in stages.PIPELINE else -1
    return [
        {
            "code": s,
            "label": stage_label(s),
            "state": "done" if i < at else ("current" if i == at else "ahead"),
        }
        for i, s in enumerate(stages.PIPELINE)
    ]


def _render_partnership(
    request, p: Partnership, *, bound: dict | None = None, status: int = 200
) -> HttpResponse:
    bound = bound or {}
    user = request.user
    can_change = policy.can_change(user, p)
    moves = [
        {**m, "label": stage_label(m["to"])}
        for m in stages.allowed_moves(p.stage, resume_stage=p.resume_stage)
    ]
    mous = dash.partnership_mous(user=user, partnership=p)
    for mou in mous:
        pre = f"mou-{mou.pk}"
        mou.sign_form = bound.get(("sign", mou.pk)) or forms.MoUSignForm(
            prefix=f"{pre}-sign", initial={"signed_on": timezone.localdate()}
        )
        mou.renew_form = bound.get(("renew", mou.pk)) or forms.MoURenewForm(
            prefix=f"{pre}-renew",
            initial={"effective_on": mou.expires_on} if mou.expires_on else None,
        )
        mou.doc_form = bound.get(("document", mou.pk)) or forms.MoUDocumentForm(prefix=f"{pre}-doc")
        mou.can_sign = mou.status in (MoU.Status.DRAFT, MoU.Status.NEGOTIATING)
        has_successor = hasattr(mou, "successor") and mou.successor is not None
        mou.can_renew = mou.status in MoU.SIGNED_STATES and mou.status != MoU.Status.RENEWED
        mou.can_renew = mou.can_renew and not has_successor
    context = {
        "p": p,
        "can_change": can_change,
        "stepper": _stepper(p),
        "moves": moves,
        "paused": p.stage in stages.PAUSED,
        "transition_form": bound.get("transition")
        or forms.TransitionForm(initial={"version": p.version}),
        "mous": mous,
        "mou_form": bound.get("mou") or forms.MoUCreateForm(prefix="mou-new"),
        "pilots": dash.partnership_pilots(user=user, partnership=p),
        "followups": dash.partnership_followups(user=user, partnership=p),
        "followup_form": bound.get("followup") or forms.FollowUpForm(prefix="fu-new"),
        "timeline": timeline_context(request, timeline, partnership=p),
        "log_url": _log_url(request, partnership=p.pk),
        "today": timezone.localdate(),
        "read_only_message": _read_only_message(),
    }
    return render(request, "engagement/partnership_detail.html", context, status=status)


@login_required
def partnership_detail(request, pk: int):
    return _render_partnership(request, _partnership_or_404(request, pk))


def _act(
    request,
    p: Partnership,
    form,
    key: Any,
    call: Callable[[dict], Any],
    *,
    success: str,
    anchor: str,
    aliases: dict | None = None,
) -> HttpResponse:
    """Validate `form`, call the service; on success go back to the partnership page, on a
    refusal show the page again with the messages next to the form's fields."""
    if not policy.can_change(request.user, p):
        return refuse(request, _read_only_message())
    status = 400
    if form.is_valid():
        try:
            call(form.cleaned_data)
        except NotPermitted:
            return refuse(request, _read_only_message())
        except ServiceError as exc:
            forms.show_service_error(form, exc, aliases)
            status = _status_for(exc)
        else:
            messages.success(request, success)
            return redirect(f"{reverse('partnership-detail', args=[p.pk])}#{anchor}")
    fresh = _partnership_or_404(request, p.pk)  # what the database holds, unchanged
    return _render_partnership(request, fresh, bound={key: form}, status=status)


@login_required
@require_POST
def partnership_transition_view(request, pk: int):
    p = _partnership_or_404(request, pk)
    form = forms.TransitionForm(request.POST)

    def call(d):
        partnership_transition(
            actor=request.user,
            partnership=p,
            to=d["to"],
            reason=d.get("reason") or "",
            expected_version=d.get("version"),
        )

    return _act(
        request,
        p,
        form,
        "transition",
        call,
        success=_("Stage changed."),
        anchor="stage",
    )


@login_required
@require_POST
def mou_create_view(request, pk: int):
    p = _partnership_or_404(request, pk)
    form = forms.MoUCreateForm(request.POST, prefix="mou-new")

    def call(d):
        mou_create(actor=request.user, partnership=p, **form.service_data())

    return _act(request, p, form, "mou", call, success=_("MoU created."), anchor="mous")


def _mou_or_404(request, pk: int) -> MoU:
    mou = mous_visible(user=request.user).filter(pk=pk).first()
    if mou is None:
        raise Http404
    return mou


@login_required
@require_POST
def mou_sign_view(request, pk: int):
    mou = _mou_or_404(request, pk)
    form = forms.MoUSignForm(request.POST, prefix=f"mou-{mou.pk}-sign")

    def call(d):
        mou_sign(
            actor=request.user,
            mou=mou,
            signed_on=d["signed_on"],
            effective_on=d.get("effective_on"),
            expires_on=d.get("expires_on"),
        )

    return _act(
        request,
        mou.partnership,
        form,
        ("sign", mou.pk),
        call,
        success=_("MoU signed."),
        anchor=f"mou-{mou.pk}",
    )


@login_required
@require_POST
def mou_renew_view(request, pk: int):
    mou = _mou_or_404(request, pk)
    form = forms.MoURenewForm(request.POST, prefix=f"mou-{mou.pk}-renew")

    def call(d):
        mou_renew(
            actor=request.user,
            mou=mou,
            effective_on=d["effective_on"],
            expires_on=d["expires_on"],
            title=d.get("title") or "",
        )

    return _act(
        request,
        mou.partnership,
        form,
        ("renew", mou.pk),
        call,
        success=_("MoU renewed: the renewal is a draft to sign."),
        anchor="mous",
    )


@login_required
@require_http_methods(["GET", "POST"])
def mou_document_view(request, pk: int):
    """GET downloads the MoU's document, for the owning team and program managers only (others
    get 404); POST (multipart) attaches or replaces it."""
    mou = _mou_or_404(request, pk)
    if request.method == "GET":
        if not mou.document:
            raise Http404
        try:
            handle = mou.document.open("rb")
        except FileNotFoundError:
            raise Http404 from None
        response = FileResponse(handle, as_attachment=True, filename=mou.document_name or "mou")
        response["Cache-Control"] = "private, no-store"
        response["X-Content-Type-Options"] = "nosniff"
        return response
    form = forms.MoUDocumentForm(request.POST, request.FILES, prefix=f"mou-{mou.pk}-doc")

    def call(d):
        mou_attach_document(actor=request.user, mou=mou, upload=d["document"])

    return _act(
        request,
        mou.partnership,
        form,
        ("document", mou.pk),
        call,
        success=_("Document attached."),
        anchor=f"mou-{mou.pk}",
    )


@login_required
@require_POST
def milestone_complete_view(request, pk: int):
    milestone = (
        policy.scope(request.user, Milestone.objects.all())
        .select_related("pilot__partnership")
        .filter(pk=pk)
        .first()
    )
    if milestone is None:
        raise Http404
    p = milestone.pilot.partnership
    if not policy.can_change(request.user, milestone):
        return refuse(request, _read_only_message())
    try:
        milestone_complete(actor=request.user, milestone=milestone)
    except NotPermitted:
        return refuse(request, _read_only_message())
    except ServiceError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, _("Milestone “%(title)s” done.") % {"title": milestone.title})
    return redirect(safe_next(request, f"{reverse('partnership-detail', args=[p.pk])}#pilots"))


@login_required
@require_POST
def partnership_followup_create(request, pk: int):
    p = _partnership_or_404(request, pk)
    form = forms.FollowUpForm(request.POST, prefix="fu-new")

    def call(d):
        followup_create(
            actor=request.user, due_on=d["due_on"], note=d["note"], subject=("partnership", p)
        )

    return _act(
        request,
        p,
        form,
        "followup",
        call,
        success=_("Follow-up added."),
        anchor="followups",
        aliases={"subject": None},
    )


@login_required
@require_http_methods(["GET", "POST"])
def partnership_new(request):
    user = request.user
    if not (policy.can_create(user, Partnership) and user.team_id):
        return refuse(request, _("Only members of a company's team open partnerships."))
    form = forms.PartnershipForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                p = partnership_create(actor=user, **form.service_data())
            except ServiceError as exc:
                forms.show_service_error(form, exc)
                status = _status_for(exc)
            else:
                messages.success(request, _("Partnership created."))
                return redirect("partnership-detail", pk=p.pk)
    return render(request, "engagement/partnership_form.html", {"form": form}, status=status)


# --- Engagements ----------------------------------------------------------------------------


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@login_required
@require_http_methods(["GET", "POST"])
def engagement_new(request):
    """Log an engagement in a few seconds: the organization and partnership you came from are
    filled in, the time defaults to now (in your time zone), and you return where you were."""
    user = request.user
    if not (policy.can_create(user, Engagement) and user.team_id):
        return refuse(request, _("Only members of a company's team log engagements."))
    source = request.POST if request.method == "POST" else request.GET
    org_id = _int_or_none(source.get("organization"))
    org = organizations_visible(user=user).filter(pk=org_id).first() if org_id else None
    team_partnerships = list(
        partnerships_visible(user=user)
        .filter(team_id=user.team_id)
        .exclude(stage=Stage.LOST)
        .order_by("title")
    )
    partnership = next(
        (p for p in team_partnerships if p.pk == _int_or_none(source.get("partnership"))), None
    )
    if request.method == "POST":
        chosen = request.POST.getlist("organizations")
    else:
        chosen = [org.pk] if org else []
        if partnership is not None:
            chosen += [c.pk for c in partnership.counterparts.all() if c.pk not in chosen]
    default_next = (
        reverse("partnership-detail", args=[partnership.pk])
        if partnership
        else reverse("organization-detail", args=[org.pk])
        if org
        else reverse("dashboard")
    )
    next_url = safe_next(request, default_next)
    form = forms.EngagementForm(
        request.POST or None,
        initial={
            "occurred_at": timezone.localtime().replace(second=0, microsecond=0),
            "kind": Engagement.Kind.MEETING,
            "organizations": chosen,
            "partnership": partnership.pk if partnership else None,
        },
        organizations=policy.scope(user, Organization.objects.order_by("name", "id")),
        partnerships=team_partnerships,
        contacts=forms.contacts_of(chosen),
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                engagement_log(actor=user, **form.service_data())
            except ServiceError as exc:
                forms.show_service_error(form, exc)
                status = _status_for(exc)
            else:
                messages.success(request, _("Engagement logged."))
                return redirect(next_url)
    return render(
        request,
        "engagement/engagement_form.html",
        {
            "form": form,
            "next": next_url,
            "organization": org,
            "partnership": partnership,
            "focus_summary": bool(chosen),
        },
        status=status,
    )


# --- Follow-ups -----------------------------------------------------------------------------


@login_required
def followup_list(request):
    today = timezone.localdate()
    rows = list(dash.followups_open(user=request.user, owner=request.user)[:200])
    feed = calendar_feed_get(user=request.user)
    return render(
        request,
        "engagement/followup_list.html",
        {
            "followups": rows,
            "today": today,
            "overdue": sum(1 for f in rows if f.due_on < today),
            "calendar_url": request.build_absolute_uri(reverse("calendar-feed", args=[feed.token])),
        },
    )


def _finish_followup(request, pk: int, action: Callable, done_message: str) -> HttpResponse:
    followup = followups_visible(user=request.user).filter(pk=pk).first()
    if followup is None:
        raise Http404
    if not policy.can_change(request.user, followup):
        return refuse(request, _read_only_message())
    try:
        action(actor=request.user, followup=followup)
    except NotPermitted:
        return refuse(request, _read_only_message())
    except ServiceError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, done_message % {"note": followup.note[:80]})
    return redirect(safe_next(request, reverse("followup-list")))


@login_required
@require_POST
def followup_done(request, pk: int):
    return _finish_followup(request, pk, followup_complete, _("Done: %(note)s"))


@login_required
@require_POST
def followup_cancel_view(request, pk: int):
    return _finish_followup(request, pk, followup_cancel, _("Cancelled: %(note)s"))


# --- Organization page ----------------------------------------------------------------------


@login_required
def organization_detail(request, pk: int):
    org = (
        organizations_visible(user=request.user).prefetch_related("contacts").filter(pk=pk).first()
    )
    if org is None or not policy.can_view(request.user, org):
        raise Http404
    return render(
        request,
        "engagement/organization_detail.html",
        {
            "org": org,
            "contacts": list(org.contacts.all()),
            "can_change": policy.can_change(request.user, org),
            "partnerships": dash.organization_partnerships(user=request.user, organization=org),
            "timeline": timeline_context(request, timeline, organization=org),
            "log_url": _log_url(request, organization=org.pk),
            "is_institution": org.kind == OrganizationKind.ASEAN_INSTITUTION,
            "sees_all": policy.sees_all_teams(request.user),
        },
    )
