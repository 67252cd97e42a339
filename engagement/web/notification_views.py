"""A person's notifications: what the background jobs told them, newest first."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from engagement import policy
from engagement.models import Notification
from engagement.services.notifications import (
    notification_mark,
    notifications_mark_read,
    notifications_unread_count,
)
from engagement.web.navigation import safe_next

PAGE_SIZE = 30


@login_required
def notification_list(request):
    qs = policy.scope(request.user, Notification.objects.all()).order_by("-created_at", "-id")
    unread_only = request.GET.get("unread") == "1"
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "engagement/notification_list.html",
        {
            "page": page,
            "unread_only": unread_only,
            # The navigation's badge shows this number too, without counting again.
            "unread_count": notifications_unread_count(user=request.user),
        },
    )


@login_required
@require_POST
def notification_mark_read(request):
    ids = [int(i) for i in request.POST.getlist("id") if i.isdigit()] or None
    notifications_mark_read(user=request.user, ids=ids)
    return redirect("notification-list")


def _mark_one(request, pk: int, *, read: bool):
    # Another person's notification answers as one that does not exist.
    if not notification_mark(user=request.user, notification_id=pk, read=read):
        raise Http404
    return redirect(safe_next(request, reverse("notification-list")))


@login_required
@require_POST
def notification_read(request, pk: int):
    return _mark_one(request, pk, read=True)


@login_required
@require_POST
def notification_unread(request, pk: int):
    return _mark_one(request, pk, read=False)
