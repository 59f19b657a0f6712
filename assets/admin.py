"""Django admin for organizations, types, devices, assets, tokens and the change log.

Thin on purpose: asset writes go through the same services as the API (so the custom-field
rules, device links and the change log apply); the other models are plain admin forms whose
saves bump `version` and write a change-log entry. Organizations and assets get guardian's
object-permission screens."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from guardian.admin import GuardedModelAdminMixin
from mptt.admin import MPTTModelAdmin

from assets.core import changelog
from assets.core.errors import DomainError
from assets.views.login import AdminSignInForm

from .field_types import InvalidValue, validate_code, validate_params
from .models import (
    ApiToken,
    Asset,
    AssetDeviceLink,
    AssetType,
    ChangeLogEntry,
    CustomFieldDefinition,
    Device,
    Organization,
    VersionedModel,
)
from .services import assets as asset_services
from .services.asset_types import values_violating


def _form_errors(exc: DomainError) -> forms.ValidationError:
    messages_ = [f"{e.get('field')}: {e.get('message')}" if e.get("field") else e.get("message") for e in exc.errors]
    return forms.ValidationError(messages_ or [exc.detail])


class DeletesThroughService:
    """Admin mixin: deletions go through the app's service (permissions, dependents, change log).
    A refusal stops the deletion with the service's reason (403) and rolls it back, instead of a
    message next to Django's "deleted successfully" for an object that is still there."""

    def delete_through(self, user, obj) -> None:
        raise NotImplementedError

    def deletion_order(self, queryset):
        return queryset

    def delete_model(self, request, obj):
        try:
            self.delete_through(request.user, obj)
        except DomainError as exc:
            raise PermissionDenied(exc.detail) from exc

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in self.deletion_order(queryset):
                self.delete_model(request, obj)


class ChangeLoggedAdmin(admin.ModelAdmin):
    """Saves and deletions from the admin are versioned and logged like API writes."""

    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            before = type(obj).objects.get(pk=obj.pk).to_change_dict() if change else None
            super().save_model(request, obj, form, change)
            if change and isinstance(obj, VersionedModel):
                type(obj).objects.filter(pk=obj.pk).update(version=F("version") + 1)
                obj.version += 1
            if change:
                changelog.record_updated(request.user, obj, before, **self._log_kwargs(obj))
            else:
                changelog.record_created(request.user, obj, **self._log_kwargs(obj))

    def delete_model(self, request, obj):
        with transaction.atomic():
            changelog.record_deleted(request.user, obj, obj.to_change_dict(), **self._log_kwargs(obj))
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        # One by one: every deletion is logged, and mptt models close their tree gaps.
        with transaction.atomic():
            for obj in queryset:
                self.delete_model(request, obj)

    def _log_kwargs(self, obj) -> dict:
        return {}


@admin.register(Organization)
class OrganizationAdmin(GuardedModelAdminMixin, MPTTModelAdmin, ChangeLoggedAdmin):
    list_display = ("title", "key", "version", "created_at")
    search_fields = ("title", "key")
    readonly_fields = ("version", "created_at")
    fields = ("key", "title", "parent", "version", "created_at")
    mptt_level_indent = 20

    def _log_kwargs(self, obj) -> dict:
        return {"organization_id": obj.pk}

    def get_actions(self, request):
        # Django's own bulk delete (through delete_queryset, logged one by one), not mptt's
        # replacement, which deletes without our change log.
        return admin.ModelAdmin.get_actions(self, request)

    def save_model(self, request, obj, form, change):
        from .services.organizations import lock_organization_tree

        with transaction.atomic():
            lock_organization_tree()
            super().save_model(request, obj, form, change)


class FieldDefinitionForm(forms.ModelForm):
    """The same code and params rules as POST /asset-types/{id}/fields."""

    class Meta:
        model = CustomFieldDefinition
        fields = ("code", "title", "field_type", "params", "order")

    def clean_code(self):
        code = self.cleaned_data["code"]
        if self.instance.pk and code != self.instance.code:
            raise forms.ValidationError("codes are immutable")
        try:
            return validate_code(code)
        except InvalidValue as exc:
            raise forms.ValidationError(str(exc))

    def clean(self):
        cleaned = super().clean()
        field_type = cleaned.get("field_type")
        if self.instance.pk and field_type and field_type != self.instance.field_type:
            self.add_error("field_type", "can't change; add a new field instead")
        if field_type:
            try:
                cleaned["params"] = validate_params(field_type, cleaned.get("params") or {})
            except InvalidValue as exc:
                self.add_error("params", str(exc))
        return cleaned


class FieldDefinitionFormSet(forms.BaseInlineFormSet):
    """Like the API: no definition change may leave stored values that break it."""

    def clean(self):
        super().clean()
        asset_type = self.instance
        if asset_type.pk is None:
            return
        holders = Asset.objects.filter(type=asset_type)
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or not form.cleaned_data:
                continue
            definition = form.instance
            if self.can_delete and self._should_delete_form(form):
                if definition.pk and holders.filter(custom_fields__has_key=definition.code).exists():
                    count = holders.filter(custom_fields__has_key=definition.code).count()
                    raise forms.ValidationError(
                        f"{count} assets hold a value for '{definition.code}'; delete it through the API "
                        "with drop_values=true"
                    )
                continue
            params = form.cleaned_data.get("params")
            if params is None or form.errors:
                continue
            if definition.pk is None:
                if params.get("required") and holders.exists():
                    raise forms.ValidationError(
                        f"a required field can't be added while {holders.count()} assets have no value for it"
                    )
            elif "params" in form.changed_data:
                stored = CustomFieldDefinition.objects.get(pk=definition.pk)
                affected = values_violating(asset_type, stored, params)
                if affected:
                    raise forms.ValidationError(
                        f"{affected} assets hold values of '{stored.code}' that the new params would reject"
                    )


class FieldDefinitionInline(admin.TabularInline):
    model = CustomFieldDefinition
    form = FieldDefinitionForm
    formset = FieldDefinitionFormSet
    extra = 0


@admin.register(AssetType)
class AssetTypeAdmin(ChangeLoggedAdmin):
    list_display = ("title", "code", "organization", "order", "version")
    list_filter = ("organization",)
    search_fields = ("title", "code")
    readonly_fields = ("version", "created_at", "updated_at")
    inlines = [FieldDefinitionInline]

    def get_readonly_fields(self, request, obj=None):
        # The code is immutable once created, as in the API.
        return (*self.readonly_fields, "code", "organization") if obj is not None else self.readonly_fields

    def _log_kwargs(self, obj) -> dict:
        return {"organization_id": obj.organization_id}


@admin.register(Device)
class DeviceAdmin(ChangeLoggedAdmin):
    list_display = ("title", "identifier", "organization", "version")
    list_filter = ("organization",)
    search_fields = ("title", "identifier")
    readonly_fields = ("version", "created_at")


class AssetAdminForm(forms.ModelForm):
    """Validated and written by the asset services, so the admin obeys the same custom-field,
    device and permission rules as the API. The write happens while the form is cleaned (inside
    the admin's transaction), so that a rule the services enforce shows as a form error."""

    request = None

    class Meta:
        model = Asset
        fields = ("organization", "type", "key", "title", "custom_fields")

    def clean(self):
        cleaned = super().clean()
        if self.errors or self.request is None:
            return cleaned
        user = self.request.user
        values = cleaned.get("custom_fields") or {}
        if not isinstance(values, dict):
            self.add_error("custom_fields", "must be a JSON object of field code to value")
            return cleaned
        try:
            if self.instance.pk is None:
                written = asset_services.create_asset(
                    user, organization_id=cleaned["organization"].pk, type_id=cleaned["type"].pk,
                    key=cleaned.get("key") or None, title=cleaned.get("title"), custom_fields=values,
                )
            else:
                current = Asset.objects.get(pk=self.instance.pk)
                if cleaned["organization"].pk != current.organization_id or cleaned["type"].pk != current.type_id:
                    raise forms.ValidationError("an asset's organization and type can't change")
                patch = {
                    "set": {code: v for code, v in values.items() if current.custom_fields.get(code) != v},
                    "unset": [code for code in current.custom_fields if code not in values],
                }
                written = asset_services.update_asset(
                    user, current.pk, title=cleaned.get("title"), key=cleaned.get("key"), custom_fields=patch
                )
        except DomainError as exc:
            raise _form_errors(exc)
        self.instance = written
        return cleaned


class DeviceLinkInline(admin.TabularInline):
    model = AssetDeviceLink
    fields = ("field_code", "device", "is_primary")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        # Links mirror the asset's DEVICE fields; edit those instead.
        return False


@admin.register(Asset)
class AssetAdmin(DeletesThroughService, GuardedModelAdminMixin, admin.ModelAdmin):
    form = AssetAdminForm
    list_display = ("title", "key", "organization", "type", "version", "updated_at")
    list_filter = ("organization", "type")
    search_fields = ("title", "key")
    list_select_related = ("organization", "type")
    readonly_fields = ("version", "created_at", "updated_at", "created_by")
    inlines = [DeviceLinkInline]

    def get_queryset(self, request):
        return Asset.objects.visible_to(request.user).select_related("organization", "type")

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"request": request})

    def save_model(self, request, obj, form, change):
        """Already written (and logged) by the services while the form was cleaned."""

    def delete_through(self, user, obj):
        asset_services.delete_asset(user, obj.pk)


# The admin's sign-in takes passwords too: the same failed sign-in throttle as /login/.
admin.site.login_form = AdminSignInForm


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are issued by POST /auth/tokens or `manage.py createtoken`, which show the raw
    token once; the admin only lists and revokes them."""

    list_display = (
        "prefix", "user", "name", "read_only", "organization_ids", "allowed_ips", "created_at", "expires_at",
        "revoked_at", "last_used_at",
    )
    list_filter = ("read_only", "revoked_at")
    search_fields = ("prefix", "user__username", "name")
    # Scope and address ranges are checked when the token is issued (assets.access.tokens): here
    # they are shown, not edited, so the admin can't widen a token past what its user may see.
    readonly_fields = (
        "user", "prefix", "digest", "created_at", "last_used_at", "read_only", "organization_ids", "allowed_ips",
    )
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request, queryset):
        from django.utils import timezone

        revoked = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        self.message_user(request, f"{revoked} token(s) revoked.")


@admin.register(ChangeLogEntry)
class ChangeLogEntryAdmin(admin.ModelAdmin):
    """The history is read-only, here as everywhere."""

    list_display = ("time", "user_name", "action", "object_type", "object_id", "object_repr")
    list_filter = ("action", "object_type")
    search_fields = ("object_repr", "user_name", "request_id")
    date_hierarchy = "time"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
