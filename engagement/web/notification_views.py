"""A person's notifications: what the background jobs told them, newest first."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from engagement.models import Notification
from engagement.services.notifications import notifications_mark_read

PAGE_SIZE = 30


@login_required
def notification_list(request):
    qs = Notification.objects.filter(user=request.user).order_by("-created_at", "-id")
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
            "unread_count": Notification.objects.filter(
                user=request.user, read_at__isnull=True
            ).count(),
        },
    )


@login_required
@require_POST
def notification_mark_read(request):
    ids = [int(i) for i in request.POST.getlist("id") if i.isdigit()] or None
    notifications_mark_read(user=request.user, ids=ids)
    return redirect("notification-list")
