"""Admin for link types and links. Saving goes through links.services like every other write:
the service runs when the form validates, so its errors (duplicates, cycles, permissions) show
on the form instead of failing the request, and the change log records admin edits too."""

from __future__ import annotations

from django.contrib import admin

from assets.admin import ServiceAdmin, ServiceForm

from . import services
from .models import Link, LinkType

LINK_FIELD_NAMES = {"source_id": "source", "target_id": "target", "link_type": "link_type"}
LINK_TYPE_FIELD_NAMES = {"organization_id": "organization"}


class LinkTypeForm(ServiceForm):
    field_names = LINK_TYPE_FIELD_NAMES

    class Meta:
        model = LinkType
        fields = [
            "organization", "code", "name", "kind", "source_label", "target_label", "description", "allow_alias",
            "source_type_codes", "target_type_codes",
        ]

    def write(self):
        data = {name: self.cleaned_data[name] for name in self.changed_data if name in self.cleaned_data}
        if self.instance.pk is None:
            organization = self.cleaned_data.get("organization")
            return services.create_link_type(
                self.user, organization_id=organization.pk if organization else None,
                code=self.cleaned_data.get("code"), name=self.cleaned_data.get("name"),
                kind=self.cleaned_data.get("kind"),
                **{name: self.cleaned_data[name] for name in services.LINK_TYPE_ATTRIBUTES},
            )
        data.pop("organization", None)
        return services.update_link_type(self.user, self.instance.pk, **data)


@admin.register(LinkType)
class LinkTypeAdmin(ServiceAdmin):
    form = LinkTypeForm
    list_display = ("name", "code", "kind", "organization", "source_label", "target_label", "allow_alias", "version")
    list_filter = ("kind", "allow_alias")
    search_fields = ("code", "name")
    list_select_related = ("organization",)
    readonly_fields = ("version", "created_at", "updated_at")

    def get_queryset(self, request):
        queryset, _ = services.visible_link_types(request.user)
        return queryset.select_related("organization")

    def get_readonly_fields(self, request, obj=None):
        fixed = ("organization", "code", "kind") if obj is not None else ()
        return (*fixed, *self.readonly_fields)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (obj is None or not obj.is_system)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (obj is None or not obj.is_system)

    def delete_through(self, user, obj):
        services.delete_link_type(user, obj.pk)


class LinkForm(ServiceForm):
    field_names = LINK_FIELD_NAMES

    class Meta:
        model = Link
        fields = ["link_type", "source", "target", "alias", "tags", "properties", "sequence", "description"]

    def write(self):
        values = {name: self.cleaned_data.get(name) for name in ("alias", "tags", "properties", "sequence", "description")}
        if self.instance.pk is None:
            return services.create_link(
                self.user, link_type=self.cleaned_data["link_type"].pk, source_id=self.cleaned_data["source"].pk,
                target_id=self.cleaned_data["target"].pk, **values,
            )
        changed = {name: value for name, value in values.items() if name in self.changed_data}
        return services.update_link(self.user, self.instance.pk, **changed)


@admin.register(Link)
class LinkAdmin(ServiceAdmin):
    form = LinkForm
    list_display = ("id", "link_type", "source", "target", "alias", "sequence", "version", "created_at")
    list_filter = ("kind", "link_type")
    search_fields = ("alias", "source__key", "source__title", "target__key", "target__title")
    list_select_related = ("link_type", "source", "target")
    raw_id_fields = ("source", "target")
    readonly_fields = ("kind", "version", "created_at", "updated_at", "created_by")

    def get_queryset(self, request):
        return services.visible_links(request.user).select_related("link_type", "source", "target")

    def get_readonly_fields(self, request, obj=None):
        fixed = ("link_type", "source", "target") if obj is not None else ()
        return (*fixed, *self.readonly_fields)

    def delete_through(self, user, obj):
        services.delete_link(user, obj.pk)
