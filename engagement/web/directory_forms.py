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
from engagement.rules import CONTACT_TEXT, ORGANIZATION_TEXT, SUGGESTION_NOTE
from engagement.web.fields import LimitedCharField
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


class _OrganizationTexts(forms.Form):
    """An organization's texts, as its form and a suggested edit both draw them."""

    name = LimitedCharField(label=_("Name (English)"), limit=ORGANIZATION_TEXT["name"])
    name_ja = LimitedCharField(
        label=_("Name (Japanese)"), limit=ORGANIZATION_TEXT["name_ja"], required=False
    )
    website = LimitedCharField(
        label=_("Website"), limit=ORGANIZATION_TEXT["website"], required=False
    )
    description = LimitedCharField(
        label=_("Description (English)"),
        limit=ORGANIZATION_TEXT["description"],
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    description_ja = LimitedCharField(
        label=_("Description (Japanese)"),
        limit=ORGANIZATION_TEXT["description_ja"],
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    switchboard_email = LimitedCharField(
        label=_("Switchboard e-mail"), limit=ORGANIZATION_TEXT["switchboard_email"], required=False
    )
    switchboard_phone = LimitedCharField(
        label=_("Switchboard phone"), limit=ORGANIZATION_TEXT["switchboard_phone"], required=False
    )


class OrganizationForm(_OrganizationTexts):
    kind = forms.ChoiceField(label=_("Kind"), choices=OrganizationKind.choices)
    org_type = forms.ChoiceField(label=_("Type"))
    country = forms.ChoiceField(label=_("Country"), required=False)
    capabilities = _codes(_("Capabilities offered"))
    needs = _codes(_("Capabilities needed"))
    thrusts = _codes(_("Strategic thrusts"), size=6)
    priority_countries = _codes(_("Priority member states"), size=6)
    presence_countries = _codes(_("ASEAN presence"), size=6)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    field_order = ["kind", "org_type", "name", "name_ja", "country", *ORGANIZATION_TEXTS[2:]]

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


class SuggestedEditForm(_OrganizationTexts):
    """The fields of a shared organization a team may propose to change, drawn with the
    current values; only the fields that differ become the suggestion."""

    FIELDS = ORGANIZATION_TEXTS

    reason = LimitedCharField(
        label=_("Why is this change right?"),
        limit=SUGGESTION_NOTE,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, organization: Organization, **kwargs):
        kwargs.setdefault("initial", {f: getattr(organization, f) for f in self.FIELDS})
        super().__init__(*args, **kwargs)
        self.organization = organization

    def changes(self) -> dict[str, str]:
        return {
            f: self.cleaned_data[f]
            for f in self.FIELDS
            if (self.cleaned_data.get(f) or "") != (getattr(self.organization, f) or "")
        }


class ContactForm(forms.Form):
    name = LimitedCharField(label=_("Full name"), limit=CONTACT_TEXT["name"])
    name_reading = LimitedCharField(
        label=_("Reading (kana)"), limit=CONTACT_TEXT["name_reading"], required=False
    )
    title = LimitedCharField(label=_("Job title"), limit=CONTACT_TEXT["title"], required=False)
    email = LimitedCharField(label=_("E-mail"), limit=CONTACT_TEXT["email"], required=False)
    phone = LimitedCharField(label=_("Phone"), limit=CONTACT_TEXT["phone"], required=False)
    notes = LimitedCharField(
        label=_("Notes"),
        limit=CONTACT_TEXT["notes"],
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
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
