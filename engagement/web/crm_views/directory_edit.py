"""Adding and changing directory records in the pages: organizations and a team's contacts.

The directory's stewardship rule decides what an edit is (engagement.policy.organization_write):
who may change an organization in place gets its edit form; who may only propose a change is
sent to the organization page's suggested-edit form; the directory services do the writes.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from engagement import policy
from engagement.errors import NotPermitted, ServiceError
from engagement.models import Contact, Organization, Role
from engagement.selectors.directory import contacts_visible, organizations_visible
from engagement.selectors.duplicates import likely_duplicates_of
from engagement.services.directory import (
    contact_create,
    contact_update,
    organization_create,
    organization_update,
)
from engagement.web.crm_views.common import refusal_message, refuse, status_for
from engagement.web.directory_forms import ContactForm, OrganizationForm
from engagement.web.forms import show_service_error
from engagement.web.once import once


def _org_or_404(request, pk: int) -> Organization:
    org = organizations_visible(user=request.user).filter(pk=pk).first()
    if org is None:
        raise Http404
    return org


def _submit(request, form, write, message: str, refused: str = ""):
    """The POST of an add or edit form: `write(data)` through the service, then the page it
    returns with `message`; else (None, status) to draw the form again with the field errors
    (400) or the service's refusal beside them (its status)."""
    if not form.is_valid():
        return None, 400
    try:
        done = write(form.service_data())
    except NotPermitted:
        return refuse(request, refused or refusal_message(request.user)), 0
    except ServiceError as exc:
        show_service_error(form, exc)
        return None, status_for(exc)
    messages.success(request, message)
    return redirect(done), 0


def _page(record: Organization | Contact, *, anchor: bool = False) -> str:
    """Where a saved record is seen: its organization's page (at the contact, for an edit)."""
    if isinstance(record, Organization):
        return reverse("organization-detail", args=[record.pk])
    page = reverse("organization-detail", args=[record.organization_id])
    return f"{page}#contact-{record.pk}" if anchor else page


def _writes_directory(user) -> bool:
    # Integrators write through the API, where their keys and If-Match apply.
    return policy.can_create(user, Organization) and user.role != Role.INTEGRATOR


@login_required
@require_http_methods(["GET", "POST"])
@once
def organization_new(request):
    user = request.user
    if not _writes_directory(user):
        return refuse(request, _("Integrators add organizations through the API."))
    form = OrganizationForm(request.POST or None)
    done, status = None, 200
    if request.method == "POST":
        created: list[Organization] = []

        def write(data):
            created.append(organization_create(actor=user, **data))
            return _page(created[0])

        done, status = _submit(
            request,
            form,
            write,
            _("Organization added."),
            refused=_("You may not add organizations."),
        )
        if created:
            _warn_likely_duplicates(request, created[0])
    return done or render(
        request, "engagement/organization_form.html", {"form": form}, status=status
    )


def _warn_likely_duplicates(request, org: Organization) -> None:
    for other, reasons in likely_duplicates_of(org)[:3]:
        messages.warning(
            request,
            format_html(
                '{} <a href="{}">{}</a> ({})',
                _("This may be the same organization as"),
                reverse("organization-detail", args=[other.pk]),
                other.display_name,
                _("; ").join(reasons),
            ),
        )


@login_required
@require_http_methods(["GET", "POST"])
def organization_edit(request, pk: int):
    org = _org_or_404(request, pk)
    user = request.user
    write = policy.organization_write(user, org)
    if write == policy.SUGGEST and user.role == Role.BD_MEMBER:
        messages.info(
            request,
            _(
                "This organization is shared with other teams: propose your change here and a "
                "program manager applies it."
            ),
        )
        return redirect(f"{reverse('organization-detail', args=[org.pk])}#suggest-edit")
    if write != policy.DIRECT or user.role == Role.INTEGRATOR:
        return refuse(request, refusal_message(user))
    form = OrganizationForm(request.POST or None, organization=org)
    done, status = None, 200
    if request.method == "POST":
        done, status = _submit(
            request,
            form,
            lambda data: _page(
                organization_update(
                    actor=user,
                    organization=org,
                    expected_version=form.cleaned_data["version"],
                    **data,
                )
            ),
            _("Organization saved."),
        )
    return done or render(
        request, "engagement/organization_form.html", {"form": form, "org": org}, status=status
    )


@login_required
@require_http_methods(["GET", "POST"])
@once
def contact_new(request, pk: int):
    """A contact of the reader's team at organization `pk`."""
    org = _org_or_404(request, pk)
    user = request.user
    if not (policy.can_create(user, Contact) and user.team_id and user.role != Role.INTEGRATOR):
        return refuse(request, _("Only members of a company's team record contacts."))
    form = ContactForm(request.POST or None)
    done, status = None, 200
    if request.method == "POST":
        done, status = _submit(
            request,
            form,
            lambda data: _page(contact_create(actor=user, organization=org, **data)),
            _("Contact added."),
        )
    return done or render(
        request, "engagement/contact_form.html", {"form": form, "org": org}, status=status
    )


@login_required
@require_http_methods(["GET", "POST"])
def contact_edit(request, pk: int):
    contact = contacts_visible(user=request.user).filter(pk=pk).first()
    if contact is None:
        raise Http404
    user = request.user
    if not policy.can_change_in_pages(user, contact):
        return refuse(request, refusal_message(user))
    form = ContactForm(request.POST or None, contact=contact)
    done, status = None, 200
    if request.method == "POST":
        done, status = _submit(
            request,
            form,
            lambda data: _page(
                contact_update(
                    actor=user,
                    contact=contact,
                    expected_version=form.cleaned_data["version"],
                    **data,
                ),
                anchor=True,
            ),
            _("Contact saved."),
        )
    context = {"form": form, "org": contact.organization, "contact": contact}
    return done or render(request, "engagement/contact_form.html", context, status=status)
