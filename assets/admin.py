"""Django admin for organizations, types, devices, assets, tokens and the change log.

Thin on purpose: asset writes go through the same services as the API (so the custom-field
rules, device links and the change log apply); the other models are plain admin forms whose
saves bump `version` and write a change-log entry. Organizations and assets get guardian's
object-permission screens."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.admin.options import IS_POPUP_VAR
from django.core.exceptions import PermissionDenied
from django.db import transaction
from guardian.admin import GuardedModelAdminMixin
from mptt.admin import MPTTModelAdmin

from assets.core.errors import DomainError, ValidationFailed
from assets.core.forms import as_validation_error, place_errors
from assets.views.login import AdminSignInForm

from .models import (
    ApiToken,
    Asset,
    AssetDeviceLink,
    AssetType,
    ChangeLogEntry,
    CustomFieldDefinition,
    Device,
    Organization,
)
from .services import asset_types as asset_type_services
from .services import assets as asset_services
from .services import devices as device_services
from .services import organizations as organization_services


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


class ServiceForm(forms.ModelForm):
    """A model form whose save is a service call (`write()`, defined by each form) made while
    validating, so that the service's rules, versions and change log hold in the admin and its
    refusals show on the form (through assets.core.forms.place_errors). ServiceAdmin rolls back a
    page that is shown again with errors: nothing an earlier form of it wrote stays."""

    user = None  # set per request by ServiceAdmin.get_form
    field_names: dict[str, str] = {}  # service field name -> form field name

    def validate_unique(self):
        # Uniqueness is the database's job (turned into DUPLICATE by the services).
        pass

    def _post_clean(self):
        super()._post_clean()
        if self.errors:
            return
        try:
            self.instance = self.write()
        except DomainError as exc:
            refuse(self, exc, self.field_names)

    def write(self):
        raise NotImplementedError

    def changed(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.changed_data if name in self.cleaned_data}

    def save(self, commit=True):
        return self.instance

    def save_m2m(self):
        """The service wrote everything."""


def refuse(form, exc: DomainError, field_names: dict[str, str] | None = None) -> None:
    field_names = field_names or {}
    place_errors(form, exc, lambda name, message: (field_names.get(name, name), message))


class ServiceAdmin(DeletesThroughService, admin.ModelAdmin):
    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"user": request.user})

    def get_formset_kwargs(self, request, obj, inline, prefix):
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        if issubclass(inline.formset, ServiceFormSet):
            kwargs["user"] = request.user
        return kwargs

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        with transaction.atomic():
            response = super().changeform_view(request, object_id, form_url, extra_context)
            if request.method == "POST" and response.status_code == 200 and IS_POPUP_VAR not in request.POST:
                # Shown again with errors: what the forms of the page wrote before one was refused
                # (the type before its fields, one field before another) goes too.
                transaction.set_rollback(True)
        return response

    def save_model(self, request, obj, form, change):
        """The form already saved through the service."""


class ServiceFormSet(forms.BaseInlineFormSet):
    """An inline formset written by services while it validates (see ServiceForm)."""

    def __init__(self, *args, user=None, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def save(self, commit=True):
        self.new_objects, self.changed_objects, self.deleted_objects = [], [], []
        return []


class OrganizationForm(ServiceForm):
    field_names = {"parent_id": "parent"}

    class Meta:
        model = Organization
        fields = ("key", "title", "parent")

    def write(self):
        data = self.changed()
        if "parent" in data:
            data["parent_id"] = data.pop("parent").pk if data["parent"] is not None else None
        if self.instance.pk is None:
            return organization_services.create_organization(
                self.user, key=self.cleaned_data.get("key"), title=self.cleaned_data.get("title"),
                parent_id=data.get("parent_id"),
            )
        return organization_services.update_organization(self.user, self.instance.pk, **data)


@admin.register(Organization)
class OrganizationAdmin(GuardedModelAdminMixin, MPTTModelAdmin, ServiceAdmin):
    form = OrganizationForm
    list_display = ("title", "key", "version", "created_at")
    search_fields = ("title", "key")
    readonly_fields = ("version", "created_at")
    fields = ("key", "title", "parent", "version", "created_at")
    mptt_level_indent = 20

    def get_actions(self, request):
        # Django's own bulk delete (through delete_queryset, one service call each), not mptt's
        # replacement, which deletes without the service.
        return admin.ModelAdmin.get_actions(self, request)

    def deletion_order(self, queryset):
        # Children before their parents, which the service refuses to delete while they have any.
        return queryset.order_by("-level", "pk")

    def delete_through(self, user, obj):
        organization_services.delete_organization(user, obj.pk)


class FieldDefinitionForm(forms.ModelForm):
    """Validated and written by the asset-type services (through FieldDefinitionFormSet)."""

    class Meta:
        model = CustomFieldDefinition
        fields = ("code", "title", "field_type", "params", "order", "indexed")

    def validate_unique(self):
        pass


class FieldDefinitionFormSet(ServiceFormSet):
    """Each added, changed or deleted definition goes through add_field / update_field /
    delete_field, with their rules: no change may leave stored values that break it."""

    def clean(self):
        super().clean()
        asset_type = self.instance
        if asset_type.pk is None or self.user is None or any(form.errors for form in self.forms):
            return
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or not form.cleaned_data:
                continue
            definition = form.instance
            try:
                if self.can_delete and self._should_delete_form(form):
                    if definition.pk:
                        asset_type_services.delete_field(self.user, asset_type.pk, definition.code)
                elif definition.pk is None:
                    spec = {name: form.cleaned_data.get(name) for name in ("code", "title", "field_type", "params", "indexed")}
                    if form.cleaned_data.get("order") is not None:
                        spec["order"] = form.cleaned_data["order"]
                    asset_type_services.add_field(self.user, asset_type.pk, spec)
                else:
                    stored = CustomFieldDefinition.objects.get(pk=definition.pk)
                    spec = {name: form.cleaned_data.get(name)
                            for name in ("code", "title", "field_type", "params", "order", "indexed")
                            if form.cleaned_data.get(name) != getattr(stored, name)}
                    if spec:
                        asset_type_services.update_field(self.user, asset_type.pk, stored.code, spec)
            except DomainError as exc:
                raise as_validation_error(exc)


class FieldDefinitionInline(admin.TabularInline):
    model = CustomFieldDefinition
    form = FieldDefinitionForm
    formset = FieldDefinitionFormSet
    extra = 0
    readonly_fields = ("index_status",)


class AssetTypeForm(ServiceForm):
    field_names = {"organization_id": "organization"}

    class Meta:
        model = AssetType
        fields = ("organization", "code", "title", "description", "order")

    def write(self):
        if self.instance.pk is None:
            organization = self.cleaned_data.get("organization")
            return asset_type_services.create_type(
                self.user, organization_id=organization.pk if organization else None,
                code=self.cleaned_data.get("code"), title=self.cleaned_data.get("title"),
                order=self.cleaned_data.get("order"), description=self.cleaned_data.get("description") or "",
            )
        changes = self.changed()
        if not changes:
            return self.instance  # the inline's field services bump the version themselves
        return asset_type_services.update_type(self.user, self.instance.pk, **changes)


@admin.register(AssetType)
class AssetTypeAdmin(ServiceAdmin):
    form = AssetTypeForm
    list_display = ("title", "code", "organization", "order", "version")
    list_filter = ("organization",)
    search_fields = ("title", "code")
    readonly_fields = ("version", "created_at", "updated_at")
    inlines = [FieldDefinitionInline]

    def get_readonly_fields(self, request, obj=None):
        # The code is immutable once created, as in the API.
        return (*self.readonly_fields, "code", "organization") if obj is not None else self.readonly_fields

    def delete_through(self, user, obj):
        asset_type_services.delete_type(user, obj.pk)


class DeviceForm(ServiceForm):
    field_names = {"organization_id": "organization"}

    class Meta:
        model = Device
        fields = ("organization", "title", "identifier")

    def write(self):
        if self.instance.pk is None:
            return device_services.create_device(
                self.user, organization_id=self.cleaned_data["organization"].pk,
                title=self.cleaned_data.get("title"), identifier=self.cleaned_data.get("identifier"),
            )
        changes = self.changed()
        if "organization" in changes:
            raise ValidationFailed.field("organization_id", "a device's organization can't change")
        return device_services.update_device(self.user, self.instance.pk, **changes)


@admin.register(Device)
class DeviceAdmin(ServiceAdmin):
    form = DeviceForm
    list_display = ("title", "identifier", "organization", "version")
    list_filter = ("organization",)
    search_fields = ("title", "identifier")
    readonly_fields = ("version", "created_at")

    def delete_through(self, user, obj):
        device_services.delete_device(user, obj.pk)


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
            raise as_validation_error(exc)
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
