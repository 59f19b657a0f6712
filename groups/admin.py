"""Django admin for groups: a draggable mptt tree with guardian's object-permission screens and a
membership inline.

Every write goes through groups.services, so the admin takes the same tree locks, keeps exclusive
trees exclusive, bumps versions and writes the change log. As in the asset admin, the services
run while the form (and the inline formset) is cleaned, inside the admin's transaction, so a
rule they enforce shows as a form error."""

from __future__ import annotations

import copy

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import quote
from django.contrib.admin.widgets import ForeignKeyRawIdWidget
from django.core.exceptions import PermissionDenied
from django.forms.utils import flatatt
from django.http import HttpResponse
from django.utils.html import format_html
from django.utils.text import Truncator
from guardian.admin import GuardedModelAdminMixin
from mptt.admin import DraggableMPTTAdmin

from assets.access.permissions import can_manage_org
from assets.admin import DeletesThroughService
from assets.core.errors import DomainError
from assets.core.forms import as_validation_error
from assets.core.inputs import id_from_text
from assets.models import Asset
from assets.services.organizations import visible_organizations

from . import services
from .admin_rows import AdminUrls
from .models import AssetGroup, GroupMembership
from .permissions import can_change_groups_of, visible_groups

INLINE_MEMBERS_SHOWN = 200
HIDDEN_PARENT = "a group you may not view"


class VisibleRawIdWidget(ForeignKeyRawIdWidget):
    """Django's raw-id input labels any id with its object's title; this one only the ones in
    `visible` (the field's own queryset), so a typed or posted id of a hidden group stays unnamed."""

    def __init__(self, rel, admin_site, visible, **kwargs):
        super().__init__(rel, admin_site, **kwargs)
        self.visible = visible

    def label_and_url_for_value(self, value):
        if id_from_text(str(value)) is None or not self.visible.filter(pk=value).exists():
            return "", ""
        return super().label_and_url_for_value(value)


class AssetGroupAdminForm(forms.ModelForm):
    request = None

    class Meta:
        model = AssetGroup
        fields = ("organization", "parent", "title", "code", "description", "exclusive")

    def clean(self):
        cleaned = super().clean()
        if self.errors or self.request is None:
            return cleaned
        user = self.request.user
        parent = cleaned.get("parent")
        try:
            if self.instance.pk is None:
                written = services.create_group(
                    user, organization_id=cleaned["organization"].pk, title=cleaned.get("title"),
                    parent_id=parent.pk if parent else None, description=cleaned.get("description") or "",
                    code=cleaned.get("code") or None,
                    exclusive=bool(cleaned.get("exclusive")) if parent is None else None,
                )
            else:
                changes = {"title": cleaned.get("title"), "description": cleaned.get("description") or "",
                           "code": cleaned.get("code") or None}
                if "parent" in self.changed_data:
                    changes["parent_id"] = parent.pk if parent else None
                if "exclusive" in self.changed_data:
                    changes["exclusive"] = bool(cleaned.get("exclusive"))
                written = services.update_group(user, self.instance.pk, **changes)
        except DomainError as exc:
            raise as_validation_error(exc)
        # The admin built the inline formsets around this very instance: give it the written
        # row's state rather than swapping in another object.
        for model_field in AssetGroup._meta.concrete_fields:
            setattr(self.instance, model_field.attname, getattr(written, model_field.attname))
        self.instance._state.adding = False
        self.instance._state.db = written._state.db
        return cleaned


def _input_html(context) -> str:
    widget = context["widget"]
    value = widget["value"]
    return format_html('<input type="{}" name="{}"{}{}>', widget["type"], widget["name"],
                       format_html(' value="{}"', value) if value is not None else "", flatatt(widget["attrs"]))


class DirectRendering:
    """Renders the <input> in Python, not through the form renderer's templates: the inline of a
    big group has four inputs a row, and the templates took ~10 ms a row (4 s for 98 members)."""

    def render(self, name, value, attrs=None, renderer=None):
        return _input_html(self.get_context(name, value, attrs))


class DirectHiddenInput(DirectRendering, forms.HiddenInput):
    pass


class DirectCheckboxInput(DirectRendering, forms.CheckboxInput):
    pass


def _direct(widget, direct_class):
    """The same widget (attrs, check test) rendered directly."""
    direct = copy.copy(widget)
    direct.__class__ = direct_class
    return direct


class LoadedRawIdWidget(ForeignKeyRawIdWidget):
    """The raw-id input with its label read from the rows the formset already loaded (`known`),
    instead of one query per member row, rendered as its admin template does but in Python; the
    lookup and change URLs are reversed once per page (`urls`, shared by the formset's forms)."""

    known: dict = {}
    urls: dict = {}

    def get_context(self, name, value, attrs):
        # ForeignKeyRawIdWidget.get_context reverses the changelist URL for every row.
        context = forms.TextInput.get_context(self, name, value, attrs)
        if self.urls is LoadedRawIdWidget.urls:
            self.urls = {}  # not given one by the formset: this widget's own
        if "related_url" not in self.urls:
            probe = super().get_context(name, None, attrs)
            self.urls["related_url"] = probe.get("related_url")
            self.urls["link_title"] = probe.get("link_title")
            self.urls["class"] = probe["widget"]["attrs"].get("class")
        context["related_url"] = self.urls["related_url"]
        if context["related_url"]:
            context["link_title"] = self.urls["link_title"]
            context["widget"]["attrs"].setdefault("class", self.urls["class"])
        if context["widget"]["value"]:
            context["link_label"], context["link_url"] = self.label_and_url_for_value(value)
        else:
            context["link_label"] = None
        return context

    def render(self, name, value, attrs=None, renderer=None):
        context = self.get_context(name, value, attrs)
        html = _input_html(context)
        if context.get("related_url"):
            html = format_html('<div>{}<a href="{}" class="related-lookup" id="lookup_id_{}" title="{}"></a>', html,
                               context["related_url"], context["widget"]["name"], context["link_title"])
        if context.get("link_label"):
            label = context["link_label"]
            if context.get("link_url"):
                label = format_html('<a href="{}">{}</a>', context["link_url"], label)
            html = format_html("{}\n<strong>{}</strong>", html, label)
        return format_html("{}</div>", html) if context.get("related_url") else html

    def label_and_url_for_value(self, value):
        obj = self.known.get(id_from_text(str(value)))
        if obj is None:
            return super().label_and_url_for_value(value)
        if "change" not in self.urls:
            self.urls["change"] = AdminUrls(obj._meta.model, self.admin_site.name)
        change = self.urls["change"]
        url = f"{change.head}{quote(obj.pk)}{change.tail}" if change.head is not None else ""
        return Truncator(obj).words(14), url


class MembershipFormSet(forms.BaseInlineFormSet):
    """Files and unfiles assets through the services when the formset is cleaned."""

    request = None

    def get_queryset(self):
        # A group may hold many thousands of assets; the inline shows the first ones the user
        # may view (a hidden member is neither named nor counted). Kept, as the base class keeps
        # its own: each form reads its row from it by index.
        if not hasattr(self, "_members"):
            self._members = (
                super().get_queryset().filter(asset__in=Asset.objects.visible_to(self.request.user).values("pk"))
                .select_related("asset", "created_by")[:INLINE_MEMBERS_SHOWN]
            )
        return self._members

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        widget = form.fields["asset"].widget
        if isinstance(widget, LoadedRawIdWidget):
            if not hasattr(self, "_known_assets"):
                self._known_assets = {m.asset_id: m.asset for m in self.get_queryset()}
                self._widget_urls = {}
            widget.known, widget.urls = self._known_assets, self._widget_urls
        return form

    def add_fields(self, form, index):
        super().add_fields(form, index)
        for field in form.fields.values():
            if type(field.widget) is forms.HiddenInput:
                field.widget = _direct(field.widget, DirectHiddenInput)
            elif type(field.widget) is forms.CheckboxInput:
                field.widget = _direct(field.widget, DirectCheckboxInput)

    def clean(self):
        super().clean()
        group = self.instance
        if self.request is None or group.pk is None or any(self.errors):
            return
        adding, removing = [], []
        for form in self.forms:
            if not hasattr(form, "cleaned_data"):
                continue
            before = form.instance.asset_id if form.instance.pk else None
            asset = form.cleaned_data.get("asset")
            if self.can_delete and self._should_delete_form(form):
                if before:
                    removing.append(before)
                continue
            if asset is None or asset.pk == before:
                continue
            if before:
                removing.append(before)
            adding.append(asset.pk)
        try:
            for asset_id in removing:
                services.remove_member(self.request.user, group.pk, asset_id)
            if adding:
                services.add_members(self.request.user, group.pk, adding)
        except DomainError as exc:
            raise as_validation_error(exc)


class MembershipInline(admin.TabularInline):
    model = GroupMembership
    # Django's tabular template with the rows built in Python (admin_rows.py).
    template = "admin/groups/membership_inline.html"
    fk_name = "group"
    formset = MembershipFormSet
    fields = ("asset", "created_at", "created_by")
    readonly_fields = ("created_at", "created_by")
    raw_id_fields = ("asset",)
    extra = 1
    verbose_name = "asset"
    verbose_name_plural = f"assets (the first {INLINE_MEMBERS_SHOWN}; the group page lists them all)"

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        return type(formset.__name__, (formset,), {"request": request})

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "asset":
            kwargs["widget"] = LoadedRawIdWidget(db_field.remote_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(AssetGroup)
class AssetGroupAdmin(DeletesThroughService, GuardedModelAdminMixin, DraggableMPTTAdmin):
    form = AssetGroupAdminForm
    inlines = [MembershipInline]
    list_display = ("tree_actions", "indented_title", "code", "organization", "exclusive", "version")
    list_display_links = ("indented_title",)
    # Only the organizations of groups the user sees (the queryset), not every one.
    list_filter = (("organization", admin.RelatedOnlyFieldListFilter),)
    list_select_related = ("organization",)
    search_fields = ("title", "code")
    raw_id_fields = ("parent",)
    readonly_fields = ("version", "created_at")
    list_per_page = 500

    def get_queryset(self, request):
        return visible_groups(request.user).select_related("organization")

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"request": request})

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # Choices and labels only of what the user may view.
        if db_field.name == "organization":
            kwargs["queryset"] = visible_organizations(request.user)
        elif db_field.name == "parent":
            kwargs["queryset"] = visible = visible_groups(request.user)
            kwargs["widget"] = VisibleRawIdWidget(db_field.remote_field, self.admin_site, visible, using=kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def _parent_hidden(self, request, obj) -> bool:
        return bool(obj and obj.parent_id) and not visible_groups(request.user).filter(pk=obj.parent_id).exists()

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if self._parent_hidden(request, obj):
            # A group the user may change under a parent they may not view: the parent stays, unnamed.
            shown = ["parent_shown" if name == "parent" else name for name in fields]
            return list(dict.fromkeys(shown))
        return fields

    @admin.display(description="parent")
    def parent_shown(self, obj):
        return HIDDEN_PARENT

    def get_readonly_fields(self, request, obj=None):
        # Groups stay in their organization, as in the API.
        fields = (*self.readonly_fields, "organization") if obj is not None else self.readonly_fields
        return (*fields, "parent_shown") if self._parent_hidden(request, obj) else fields

    def get_actions(self, request):
        # Django's bulk delete through delete_queryset (services, one by one), not mptt's.
        return admin.ModelAdmin.get_actions(self, request)

    # Object permissions as object rules rather than Django's model permissions.
    def has_module_permission(self, request):
        return self.has_view_permission(request)

    def has_view_permission(self, request, obj=None):
        if obj is None:
            return request.user.is_superuser or visible_groups(request.user).exists()
        return visible_groups(request.user).filter(pk=obj.pk).exists()

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return request.user.is_superuser or visible_groups(request.user, "change").exists()
        return services.may(request.user, obj, "change")

    def has_add_permission(self, request):
        return self.has_change_permission(request) or any(
            can_change_groups_of(request.user, org_id)
            for org_id in visible_groups(request.user).values_list("organization_id", flat=True).distinct()[:100]
        )

    def has_delete_permission(self, request, obj=None):
        if obj is None:
            return self.has_change_permission(request)
        if obj.parent_id is None:
            return can_change_groups_of(request.user, obj.organization_id)
        return services.may(request.user, obj.parent, "change")

    def save_model(self, request, obj, form, change):
        """Already written (and logged) by the services while the form was cleaned."""

    def save_formset(self, request, form, formset, change):
        if formset.model is GroupMembership:
            # Written while the formset was cleaned; the admin's history message reads these.
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
            return
        super().save_formset(request, form, formset, change)

    def delete_through(self, user, obj):
        services.delete_group(user, obj.pk, cascade=True)

    def deletion_order(self, queryset):
        # Deepest first, so a parent deleted in the same batch doesn't take a child with it
        # before the child's own deletion is logged.
        return sorted(queryset, key=lambda g: -g.level)

    def _move_node(self, request):
        """Drag and drop: the new parent is the drop target ("last-child") or its parent
        ("left"/"right"); siblings are listed by title, so the place among them isn't kept."""
        position = request.POST.get("position")
        if position not in ("last-child", "left", "right"):
            self.message_user(request, "Did not understand moving instruction.", level=messages.ERROR)
            return HttpResponse("FAIL, unknown instruction.")
        queryset = self.get_queryset(request)
        try:
            cut_item = queryset.get(pk=request.POST.get("cut_item"))
            pasted_on = queryset.get(pk=request.POST.get("pasted_on"))
        except (AssetGroup.DoesNotExist, TypeError, ValueError):
            self.message_user(request, "Objects have disappeared, try again.", level=messages.ERROR)
            return HttpResponse("FAIL, invalid objects.")
        parent_id = pasted_on.pk if position == "last-child" else pasted_on.parent_id
        try:
            services.update_group(request.user, cut_item.pk, parent_id=parent_id)
        except DomainError as exc:
            self.message_user(request, exc.detail, level=messages.ERROR)
            return HttpResponse("FAIL, invalid move.")
        self.message_user(request, f"{cut_item} has been moved.")
        return HttpResponse("OK, moved.")

    # Granting is managing the organization, as for POST /permissions.
    def _require_manager(self, request, object_pk):
        group = visible_groups(request.user).filter(pk=object_pk).first() if id_from_text(object_pk) else None
        if group is None or not can_manage_org(request.user, group.organization_id):
            raise PermissionDenied("granting permissions on a group needs manage_org on its organization")

    def obj_perms_manage_view(self, request, object_pk):
        self._require_manager(request, object_pk)
        return super().obj_perms_manage_view(request, object_pk)

    def obj_perms_manage_user_view(self, request, object_pk, user_id):
        self._require_manager(request, object_pk)
        return super().obj_perms_manage_user_view(request, object_pk, user_id)

    def obj_perms_manage_group_view(self, request, object_pk, group_id):
        self._require_manager(request, object_pk)
        return super().obj_perms_manage_group_view(request, object_pk, group_id)
