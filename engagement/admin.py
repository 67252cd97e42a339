"""Admin for administrators. Writes go through the same services as every other entry point,
and what a staff user sees is scoped by the access policy."""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from simple_history.admin import SimpleHistoryAdmin

from engagement import policy
from engagement.errors import ServiceError
from engagement.models import (
    ApiToken,
    Capability,
    Contact,
    CoreArea,
    Initiative,
    MemberState,
    Organization,
    OrgType,
    PartnershipType,
    Team,
    Thrust,
    User,
)
from engagement.services.accounts import api_token_revoke
from engagement.services.directory import (
    ORGANIZATION_M2M_FIELDS,
    ORGANIZATION_TEXT_FIELDS,
    contact_create,
    contact_update,
    organization_create,
    organization_update,
)


class PolicyAdminMixin:
    """Ask engagement.policy for every queryset and object permission."""

    def get_queryset(self, request):
        return policy.scope(request.user, super().get_queryset(request))

    def has_view_permission(self, request, obj=None):
        return obj is None or policy.can_view(request.user, obj)

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return policy.can_create(request.user, self.model) or policy.is_admin(request.user)
        return policy.can_change(request.user, obj)

    def has_add_permission(self, request):
        return policy.can_create(request.user, self.model)

    def has_delete_permission(self, request, obj=None):
        return (
            policy.is_admin(request.user) if obj is None else policy.can_change(request.user, obj)
        )

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff


@admin.register(CoreArea, Thrust, MemberState, PartnershipType)
class ReferenceAdmin(PolicyAdminMixin, admin.ModelAdmin):
    search_fields = ["name_en", "name_ja"]


@admin.register(Capability)
class CapabilityAdmin(PolicyAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name_en", "name_ja", "parent"]
    list_filter = ["parent"]
    search_fields = ["code", "name_en", "name_ja"]
    filter_horizontal = ["thrusts"]


@admin.register(Initiative)
class InitiativeAdmin(PolicyAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name_en", "thrust", "status", "provenance"]
    list_filter = ["thrust", "status"]
    search_fields = ["code", "name_en", "name_ja"]
    filter_horizontal = ["capabilities"]


@admin.register(OrgType)
class OrgTypeAdmin(PolicyAdminMixin, admin.ModelAdmin):
    list_display = ["code", "kind", "name_en", "name_ja"]
    list_filter = ["kind"]


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0
    fields = ["name", "title", "email", "phone", "opted_out"]
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False  # added through the contact form, which runs the duplicate guard

    def has_change_permission(self, request, obj=None):
        return False


class ServiceSaveMixin:
    """Route admin saves through the service so validation and the duplicate guard apply."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ServiceError as exc:
            # The service refused and wrote nothing: say why on the same form.
            self._report(request, exc)
            return HttpResponseRedirect(request.get_full_path())

    def _report(self, request, exc: ServiceError):
        details = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.errors.items())
        self.message_user(request, f"{exc.detail} {details}", level=messages.ERROR)


@admin.register(Organization)
class OrganizationAdmin(ServiceSaveMixin, PolicyAdminMixin, SimpleHistoryAdmin):
    list_display = ["name", "name_ja", "kind", "org_type", "country", "updated_at"]
    list_filter = ["kind", "org_type", "country", "thrusts"]
    search_fields = ["name", "name_ja", "description", "description_ja"]
    filter_horizontal = list(ORGANIZATION_M2M_FIELDS)
    readonly_fields = ["version", "created_at", "updated_at"]
    inlines = [ContactInline]

    def save_model(self, request, obj, form, change):
        # The service writes the row and its m2m links; save_related must not write them again.
        data = {f: form.cleaned_data.get(f, "") for f in ORGANIZATION_TEXT_FIELDS}
        data.update(
            kind=obj.kind,
            country=obj.country,
            org_type=obj.org_type.code,
            accepting_partners=obj.accepting_partners,
        )
        for field, (_model, code_field) in ORGANIZATION_M2M_FIELDS.items():
            data[field] = [getattr(o, code_field) for o in form.cleaned_data.get(field, [])]
        if change:
            current = Organization.objects.get(pk=obj.pk)
            saved = organization_update(actor=request.user, organization=current, **data)
        else:
            saved = organization_create(actor=request.user, **data)
        obj.pk, obj.version = saved.pk, saved.version

    def save_related(self, request, form, formsets, change):
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)


@admin.register(Contact)
class ContactAdmin(ServiceSaveMixin, PolicyAdminMixin, SimpleHistoryAdmin):
    list_display = ["name", "organization", "team", "title", "email", "opted_out"]
    list_filter = ["opted_out", "team", "organization__country"]
    search_fields = ["name", "name_reading", "email", "organization__name"]
    list_select_related = ["organization"]
    autocomplete_fields = ["organization"]
    readonly_fields = ["version", "created_at", "updated_at"]

    def save_model(self, request, obj, form, change):
        data = {
            f: form.cleaned_data.get(f)
            for f in ("name", "name_reading", "title", "email", "phone", "notes", "opted_out")
        }
        data["organization"] = form.cleaned_data["organization"]
        if change:
            saved = contact_update(
                actor=request.user, contact=Contact.objects.get(pk=obj.pk), **data
            )
        else:
            saved = contact_create(actor=request.user, team=form.cleaned_data.get("team"), **data)
        obj.pk, obj.version = saved.pk, saved.version


@admin.register(Team)
class TeamAdmin(PolicyAdminMixin, admin.ModelAdmin):
    list_display = ["slug", "name", "company"]
    autocomplete_fields = ["company"]


@admin.register(User)
class UserAdmin(PolicyAdminMixin, BaseUserAdmin):
    list_display = ["username", "email", "role", "team", "language", "is_active"]
    list_filter = ["role", "team", "language", "is_active"]
    fieldsets = [
        *BaseUserAdmin.fieldsets,
        ("AFISS", {"fields": ["role", "team", "language", "time_zone"]}),
    ]


@admin.register(ApiToken)
class ApiTokenAdmin(PolicyAdminMixin, admin.ModelAdmin):
    list_display = [
        "name",
        "user",
        "prefix",
        "read_only",
        "expires_at",
        "revoked_at",
        "last_used_at",
    ]
    list_filter = ["read_only"]
    readonly_fields = ["prefix", "key_hash", "last_used_at", "created_at"]
    actions = ["revoke_selected"]

    def has_add_permission(self, request):
        # Keys are issued by create_api_token or the API, which show the key once.
        return False

    @admin.action(description="Revoke selected tokens")
    def revoke_selected(self, request, queryset):
        for token in queryset:
            api_token_revoke(token=token)
        self.message_user(request, f"{queryset.count()} token(s) revoked.")

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            raise PermissionDenied
        return [*self.readonly_fields, "user"]
