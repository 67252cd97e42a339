"""HTML forms of the CRM pages.

They only turn what a browser sends into Python values (dates, ids, codes); every rule lives in
the services, whose refusals (ServiceError.errors, {field: [messages]}) are put back on the
form next to the field they name with `show_service_error`.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from engagement import policy, stages
from engagement.errors import ServiceError
from engagement.models import (
    Contact,
    Engagement,
    Initiative,
    MemberState,
    MoU,
    Organization,
    OrganizationKind,
    PartnershipType,
    Thrust,
)
from engagement.rules import (
    ENGAGEMENT_TEXT,
    FOLLOWUP_NOTE,
    FOLLOWUP_OUTCOME,
    KPI_TEXT,
    MILESTONE_TITLE,
    MOU_TITLE,
    PARTNERSHIP_TEXT,
    PILOT_OBJECTIVE,
    REASON,
)
from engagement.web.fields import LimitedCharField

# Texts the filter script (app.js) shows, translated here like every other string.
FILTERABLE = {
    "data-filterable": "1",
    "data-filter-placeholder": _("Type to filter…"),
    "data-chosen-label": _("Chosen"),
}


DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def show_service_error(form: forms.Form, exc: ServiceError, aliases: dict | None = None) -> None:
    """Put a service's refusal on the form: each message next to the field it names; messages
    about fields the form does not show, and the refusal's summary when it names no field, at
    the top of the form."""
    aliases = aliases or {}
    for key, messages in exc.errors.items():
        name = aliases.get(key, key)
        for message in messages:
            if name in form.fields:
                form.add_error(name, message)
            else:
                form.add_error(None, f"{key}: {message}")
    if not exc.errors:
        form.add_error(None, exc.detail)


def _org_choices(orgs) -> list:
    """Organizations grouped for a select: Japanese companies, then institutions by country."""
    states = {m.iso2: m.display_name for m in MemberState.objects.all()}
    groups: dict[str, list] = defaultdict(list)
    for org in orgs:
        if org.kind == OrganizationKind.JAPANESE_COMPANY:
            group = gettext("Japanese companies")
        else:
            country = states.get(org.country, org.country) if org.country else ""
            group = country or gettext("ASEAN-wide")
        groups[group].append((org.pk, org.display_name))
    companies = gettext("Japanese companies")
    ordered = ([companies] if companies in groups else []) + sorted(
        g for g in groups if g != companies
    )
    return [(g, groups[g]) for g in ordered]


def initiative_choices() -> list:
    by_thrust: dict[int, list] = defaultdict(list)
    for i in Initiative.objects.exclude(status=Initiative.Status.RETIRED).order_by("code"):
        by_thrust[i.thrust_id].append((i.code, f"{i.code} {i.display_name}"))
    return [
        (f"{t.code} {t.display_name}", by_thrust[t.pk])
        for t in Thrust.objects.order_by("position", "code")
        if by_thrust.get(t.pk)
    ]


class EngagementForm(forms.Form):
    occurred_at = forms.DateTimeField(label=_("When"), widget=DATETIME)
    kind = forms.ChoiceField(label=_("Kind"), choices=Engagement.Kind.choices)
    organizations = forms.TypedMultipleChoiceField(
        label=_("Organizations"),
        coerce=int,
        help_text=_("Everyone you met with: pick one or more."),
        widget=forms.SelectMultiple(attrs={"size": 8, **FILTERABLE}),
    )
    partnership = forms.TypedChoiceField(
        label=_("Partnership"), coerce=int, empty_value=None, required=False
    )
    summary = LimitedCharField(
        label=_("Summary"),
        widget=forms.Textarea(attrs={"rows": 3}),
        limit=ENGAGEMENT_TEXT["summary"],
    )
    contacts = forms.TypedMultipleChoiceField(
        label=_("Contacts"),
        coerce=int,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 4}),
    )
    next_step = LimitedCharField(
        label=_("Next step"), required=False, limit=ENGAGEMENT_TEXT["next_step"]
    )
    next_step_due = forms.DateField(
        label=_("Next step due"),
        required=False,
        widget=DATE,
        help_text=_("With a date, the next step becomes a follow-up for you."),
    )

    def __init__(self, *args, organizations, partnerships, contacts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organizations"].choices = _org_choices(organizations)
        self.fields["partnership"].choices = [("", gettext("None"))] + [
            (p.pk, p.title) for p in partnerships
        ]
        self.fields["contacts"].choices = [
            (c.pk, f"{c.name} ({c.organization.display_name})") for c in contacts
        ]
        if not contacts:
            self.fields["contacts"].help_text = gettext(
                "No contacts are recorded for these organizations."
            )

    def service_data(self) -> dict[str, Any]:
        d = self.cleaned_data
        data = {
            "occurred_at": d["occurred_at"],
            "kind": d["kind"],
            "organizations": d["organizations"],
            "summary": d["summary"],
            "next_step": d.get("next_step") or "",
            "next_step_due": d.get("next_step_due"),
            "partnership": d.get("partnership"),
        }
        if d.get("contacts"):
            data["contacts"] = d["contacts"]
        return data


def contacts_of(org_ids, *, user) -> list[Contact]:
    """The reader's team's contacts at these organizations."""
    ids = [i for i in org_ids if str(i).isdigit()]
    if not ids:
        return []
    return list(
        policy.scope(user, Contact.objects.filter(organization_id__in=ids))
        .select_related("organization")
        .order_by("organization__name", "name")
    )


class PartnershipForm(forms.Form):
    title = LimitedCharField(label=_("Title"), limit=PARTNERSHIP_TEXT["title"])
    counterparts = forms.TypedMultipleChoiceField(
        label=_("ASEAN counterparts"),
        coerce=int,
        help_text=_("The ASEAN institutions you would partner with."),
        widget=forms.SelectMultiple(attrs={"size": 10, **FILTERABLE}),
    )
    partnership_type = forms.ChoiceField(label=_("Partnership type"))
    initiatives = forms.MultipleChoiceField(
        label=_("AFISS initiatives"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8, **FILTERABLE}),
    )
    priority_country = forms.ChoiceField(label=_("Priority member state"), required=False)
    expected_value = forms.DecimalField(
        label=_("Expected value"), required=False, min_value=0, max_digits=16, decimal_places=2
    )
    currency = forms.CharField(
        label=_("Currency"),
        required=False,
        max_length=3,
        initial="JPY",
        help_text=_("Three letters, such as JPY or USD."),
        widget=forms.TextInput(attrs={"size": 4, "autocapitalize": "characters"}),
    )
    target_date = forms.DateField(label=_("Target date"), required=False, widget=DATE)
    notes = LimitedCharField(
        label=_("Notes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        limit=PARTNERSHIP_TEXT["notes"],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        institutions = Organization.objects.filter(
            kind=OrganizationKind.ASEAN_INSTITUTION
        ).order_by("name", "id")
        self.fields["counterparts"].choices = _org_choices(institutions)
        self.fields["partnership_type"].choices = [("", "—")] + [
            (t.code, t.display_name) for t in PartnershipType.objects.all()
        ]
        self.fields["initiatives"].choices = initiative_choices()
        self.fields["priority_country"].choices = [("", "—")] + [
            (m.iso2, m.display_name) for m in MemberState.objects.all()
        ]

    def service_data(self) -> dict[str, Any]:
        d = self.cleaned_data
        data = {k: d.get(k) for k in ("title", "counterparts", "partnership_type", "initiatives")}
        data["priority_country"] = d.get("priority_country") or None
        data["notes"] = d.get("notes") or ""
        data["target_date"] = d.get("target_date")
        if d.get("expected_value") is not None:
            data["expected_value"] = d["expected_value"]
            data["currency"] = (d.get("currency") or "").upper()
        return data


def member_choices(members) -> list:
    """A team's members for an owner select; blank means nobody."""
    return [("", "—")] + [(u.pk, u.username) for u in members]


class PartnershipEditForm(PartnershipForm):
    """The partnership's fields (not its stage: that is the transition form's), with the version
    the page showed, so that saving over someone else's change is refused."""

    owner = forms.TypedChoiceField(label=_("Owner"), coerce=int, empty_value=None, required=False)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, partnership, members, **kwargs):
        kwargs.setdefault("initial", self.initial_for(partnership))
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = member_choices(members)
        # An initiative retired since it was chosen stays on offer, so saving keeps it.
        offered = {
            code for _group, options in self.fields["initiatives"].choices for code, _l in options
        }
        retired = [i for i in partnership.initiatives.all() if i.code not in offered]
        if retired:
            self.fields["initiatives"].choices += [
                (gettext("Retired"), [(i.code, f"{i.code} {i.display_name}") for i in retired])
            ]

    @staticmethod
    def initial_for(p) -> dict[str, Any]:
        return {
            "title": p.title,
            "counterparts": [o.pk for o in p.counterparts.all()],
            "partnership_type": p.partnership_type.code,
            "initiatives": [i.code for i in p.initiatives.all()],
            "priority_country": p.priority_country.iso2 if p.priority_country else "",
            "expected_value": p.expected_value,
            "currency": p.currency,
            "target_date": p.target_date,
            "notes": p.notes,
            "owner": p.owner_id,
            "version": p.version,
        }

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("version") is None:
            raise forms.ValidationError(
                gettext("This form lacks the version you read; reload the page and try again.")
            )
        return cleaned

    def service_data(self) -> dict[str, Any]:
        """Every field, so that emptying one clears it."""
        d = self.cleaned_data
        data = {k: d.get(k) for k in ("title", "counterparts", "partnership_type", "initiatives")}
        data["priority_country"] = d.get("priority_country") or ""
        data["expected_value"] = d.get("expected_value")
        data["currency"] = (d.get("currency") or "").upper()
        data["target_date"] = d.get("target_date")
        data["notes"] = d.get("notes") or ""
        data["owner"] = d.get("owner")
        return data


class TransitionForm(forms.Form):
    to = forms.ChoiceField(
        label=_("Move to"),
        choices=[(s, s) for s in stages.ALL_STAGES],
        error_messages={"required": _("Choose the stage to move to.")},
    )
    reason = LimitedCharField(
        label=_("Reason"), required=False, widget=forms.Textarea, limit=REASON
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class MoUCreateForm(forms.Form):
    title = LimitedCharField(label=_("Title"), limit=MOU_TITLE)
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[
            (MoU.Status.DRAFT, MoU.Status.DRAFT.label),
            (MoU.Status.NEGOTIATING, MoU.Status.NEGOTIATING.label),
        ],
    )
    effective_on = forms.DateField(label=_("Effective from"), required=False, widget=DATE)
    expires_on = forms.DateField(label=_("Expires on"), required=False, widget=DATE)

    def service_data(self) -> dict[str, Any]:
        d = self.cleaned_data
        data = {"title": d["title"], "status": d["status"]}
        for key in ("effective_on", "expires_on"):
            if d.get(key):
                data[key] = d[key]
        return data


class MoUSignForm(forms.Form):
    signed_on = forms.DateField(label=_("Signed on"), widget=DATE)
    effective_on = forms.DateField(
        label=_("Effective from"),
        required=False,
        widget=DATE,
        help_text=_("Blank: the signing date."),
    )
    expires_on = forms.DateField(label=_("Expires on"), required=False, widget=DATE)


class MoURenewForm(forms.Form):
    title = LimitedCharField(
        label=_("Title of the renewal"),
        required=False,
        limit=MOU_TITLE,
        help_text=_("Blank: the same title."),
    )
    effective_on = forms.DateField(label=_("Effective from"), widget=DATE)
    expires_on = forms.DateField(label=_("Expires on"), widget=DATE)


class MoUTerminateForm(forms.Form):
    reason = LimitedCharField(
        label=_("Reason"),
        limit=REASON,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Say why the MoU is terminated.")},
    )


class MoUDocumentForm(forms.Form):
    document = forms.FileField(
        label=_("Document (PDF or DOCX)"),
        widget=forms.FileInput(attrs={"accept": ".pdf,.docx"}),
    )


class FollowUpForm(forms.Form):
    note = LimitedCharField(label=_("What to do"), limit=FOLLOWUP_NOTE)
    due_on = forms.DateField(label=_("Due"), widget=DATE)


class FollowUpDoneForm(forms.Form):
    outcome = LimitedCharField(
        label=_("Outcome"),
        required=False,
        limit=FOLLOWUP_OUTCOME,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class FollowUpRescheduleForm(forms.Form):
    due_on = forms.DateField(label=_("Due"), widget=DATE)
    due_time = forms.TimeField(
        label=_("Time"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class FollowUpReassignForm(forms.Form):
    # A number, not a choice among the members shown: the service says who may own it.
    owner = forms.IntegerField(label=_("Owner"), min_value=1, max_value=2**31 - 1)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


# --- Pilots -------------------------------------------------------------------------------------

OPTIONAL_DATE = {"required": False, "widget": DATE}


class _WithOwner(forms.Form):
    owner = forms.TypedChoiceField(label=_("Owner"), coerce=int, empty_value="", required=False)

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = member_choices(members)


class PilotCreateForm(_WithOwner):
    objective = LimitedCharField(
        label=_("Objective"), limit=PILOT_OBJECTIVE, widget=forms.Textarea(attrs={"rows": 2})
    )
    starts_on = forms.DateField(label=_("Starts on"), **OPTIONAL_DATE)
    planned_end_on = forms.DateField(label=_("Planned end"), **OPTIONAL_DATE)
    field_order = ["objective", "owner", "starts_on", "planned_end_on"]


class PilotStartForm(forms.Form):
    starts_on = forms.DateField(
        label=_("Started on"),
        help_text=_("Blank: the planned start, or today."),
        **OPTIONAL_DATE,
    )


class PilotCompleteForm(forms.Form):
    actual_end_on = forms.DateField(
        label=_("Ended on"), help_text=_("Blank: today."), **OPTIONAL_DATE
    )


class PilotCancelForm(forms.Form):
    """Nothing to fill in: the button, inside a disclosure, is the confirmation."""


class MilestoneAddForm(_WithOwner):
    title = LimitedCharField(label=_("Milestone"), limit=MILESTONE_TITLE)
    due_on = forms.DateField(label=_("Due"), widget=DATE)
    field_order = ["title", "due_on", "owner"]


KPI_NUMBER = {"max_digits": 16, "decimal_places": 4}


class KPIAddForm(forms.Form):
    name = LimitedCharField(label=_("KPI"), limit=KPI_TEXT["name"])
    target = forms.DecimalField(label=_("Target"), **KPI_NUMBER)
    unit = LimitedCharField(label=_("Unit"), limit=KPI_TEXT["unit"], required=False)


class KPIRecordForm(forms.Form):
    actual = forms.DecimalField(label=_("Actual"), **KPI_NUMBER)
