"""MoUs on the partnership page: drafting, signing, renewing, terminating, and their document."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from engagement.models import MoU
from engagement.selectors.crm import mous_visible
from engagement.services.mous import (
    mou_attach_document,
    mou_create,
    mou_renew,
    mou_sign,
    mou_terminate,
)
from engagement.web import forms
from engagement.web.crm_views.page import act, partnership_or_404
from engagement.web.once import once


@login_required
@require_POST
@once
def mou_create_view(request, pk: int):
    p = partnership_or_404(request, pk)
    form = forms.MoUCreateForm(request.POST, prefix="mou-new")

    def call(d):
        mou_create(actor=request.user, partnership=p, **form.service_data())

    return act(request, p, form, "mou", call, success=_("MoU created."), anchor="mous")


def _mou_or_404(request, pk: int) -> MoU:
    mou = mous_visible(user=request.user).filter(pk=pk).first()
    if mou is None:
        raise Http404
    return mou


def _on_mou(
    request,
    pk: int,
    action: str,
    form_class: type,
    service: Callable[..., MoU],
    *,
    success: str,
    anchor: str = "",
) -> HttpResponse:
    """One action on an MoU: its form (fields named after the service's arguments, prefixed by
    the MoU and the action) and its service."""
    mou = _mou_or_404(request, pk)
    form = form_class(request.POST, prefix=f"mou-{mou.pk}-{action}")

    def call(d):
        service(actor=request.user, mou=mou, **d)

    return act(
        request,
        mou.partnership,
        form,
        (action, mou.pk),
        call,
        success=success,
        anchor=anchor or f"mou-{mou.pk}",
    )


@login_required
@require_POST
def mou_sign_view(request, pk: int):
    return _on_mou(request, pk, "sign", forms.MoUSignForm, mou_sign, success=_("MoU signed."))


@login_required
@require_POST
def mou_renew_view(request, pk: int):
    return _on_mou(
        request,
        pk,
        "renew",
        forms.MoURenewForm,
        mou_renew,
        success=_("MoU renewed: the renewal is a draft to sign."),
        anchor="mous",
    )


@login_required
@require_POST
def mou_terminate_view(request, pk: int):
    return _on_mou(
        request,
        pk,
        "terminate",
        forms.MoUTerminateForm,
        mou_terminate,
        success=_("MoU terminated."),
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

    return act(
        request,
        mou.partnership,
        form,
        ("document", mou.pk),
        call,
        success=_("Document attached."),
        anchor=f"mou-{mou.pk}",
    )
