"""HTML forms of the directory pages: an organization's profile and a team's contacts.

As in engagement.web.forms, they only turn what a browser sends into values; the directory
services hold every rule (required names, duplicate names in a country, the type matching the
kind, a Japanese company being in JP, one address per contact within a team) and their refusals
are put back next to the fields with `show_service_error`.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from engagement.models import (
    Capability,
    Contact,
    MemberState,
    Organization,
    OrganizationKind,
    OrgType,
    Thrust,
)
from engagement.web.forms import FILTERABLE

ORGANIZATION_TEXTS = (
    "name",
    "name_ja",
    "website",
    "description",
    "description_ja",
    "switchboard_email",
    "switchboard_phone",
)


def _org_type_choices() -> list:
    groups: dict[str, list] = {k: [] for k in OrganizationKind.values}
    for t in OrgType.objects.order_by("kind", "code"):
        groups.setdefault(t.kind, []).append((t.code, t.display_name))
    grouped = [(OrganizationKind(k).label, c) for k, c in groups.items() if c]
    return [("", "—"), *grouped]


# What matching reads: lists of codes, as the API takes them.
ORGANIZATION_LISTS = (
    "capabilities",
    "needs",
    "thrusts",
    "priority_countries",
    "presence_countries",
)


def _codes(label, size: int = 8) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label, required=False, widget=forms.SelectMultiple(attrs={"size": size, **FILTERABLE})
    )


def _country_choices() -> list:
    states = [(m.iso2, m.display_name) for m in MemberState.objects.order_by("iso2")]
    return [("", gettext("ASEAN-wide (no single member state)")), ("JP", gettext("Japan")), *states]


class OrganizationForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=OrganizationKind.choices)
    org_type = forms.ChoiceField(label=_("Type"))
    name = forms.CharField(label=_("Name (English)"), max_length=200)
    name_ja = forms.CharField(label=_("Name (Japanese)"), max_length=200, required=False)
    country = forms.ChoiceField(label=_("Country"), required=False)
    website = forms.CharField(label=_("Website"), max_length=200, required=False)
    description = forms.CharField(
        label=_("Description (English)"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    description_ja = forms.CharField(
        label=_("Description (Japanese)"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    switchboard_email = forms.CharField(
        label=_("Switchboard e-mail"), max_length=254, required=False
    )
    switchboard_phone = forms.CharField(label=_("Switchboard phone"), max_length=50, required=False)
    capabilities = _codes(_("Capabilities offered"))
    needs = _codes(_("Capabilities needed"))
    thrusts = _codes(_("Strategic thrusts"), size=6)
    priority_countries = _codes(_("Priority member states"), size=6)
    presence_countries = _codes(_("ASEAN presence"), size=6)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, organization: Organization | None = None, **kwargs):
        if organization is not None:
            initial = {f: getattr(organization, f) for f in ORGANIZATION_TEXTS}
            initial.update(
                kind=organization.kind,
                org_type=organization.org_type.code,
                country=organization.country,
                version=organization.version,
                capabilities=[c.code for c in organization.capabilities.all()],
                needs=[c.code for c in organization.needs.all()],
                thrusts=[t.code for t in organization.thrusts.all()],
                priority_countries=[m.iso2 for m in organization.priority_countries.all()],
                presence_countries=[m.iso2 for m in organization.presence_countries.all()],
            )
            kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        self.fields["org_type"].choices = _org_type_choices()
        self.fields["country"].choices = _country_choices()
        leaves = [
            (c.code, f"{c.code} {c.display_name}")
            for c in Capability.objects.filter(parent__isnull=False).order_by("code")
        ]
        states = [(m.iso2, m.display_name) for m in MemberState.objects.order_by("iso2")]
        self.fields["capabilities"].choices = leaves
        self.fields["needs"].choices = leaves
        self.fields["thrusts"].choices = [
            (t.code, f"{t.code} {t.display_name}") for t in Thrust.objects.order_by("code")
        ]
        self.fields["priority_countries"].choices = states
        self.fields["presence_countries"].choices = states
        if organization is not None:
            # What an organization is does not change once others refer to it.
            del self.fields["kind"]

    def service_data(self) -> dict[str, Any]:
        keys = (*ORGANIZATION_TEXTS, *ORGANIZATION_LISTS, "org_type", "country")
        data = {k: self.cleaned_data[k] for k in keys}
        if "kind" in self.fields:
            data["kind"] = self.cleaned_data["kind"]
        return data


class ContactForm(forms.Form):
    name = forms.CharField(label=_("Full name"), max_length=200)
    name_reading = forms.CharField(label=_("Reading (kana)"), max_length=200, required=False)
    title = forms.CharField(label=_("Job title"), max_length=200, required=False)
    email = forms.CharField(label=_("E-mail"), max_length=254, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=50, required=False)
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    opted_out = forms.BooleanField(
        label=_("Opted out (do not send this person messages)"), required=False
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    FIELDS = ("name", "name_reading", "title", "email", "phone", "notes", "opted_out")

    def __init__(self, *args, contact: Contact | None = None, **kwargs):
        if contact is not None:
            initial = {f: getattr(contact, f) for f in self.FIELDS}
            initial["version"] = contact.version
            kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)

    def service_data(self) -> dict[str, Any]:
        return {f: self.cleaned_data[f] for f in self.FIELDS}
