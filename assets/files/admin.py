from django.contrib import admin
from django.template.defaultfilters import filesizeformat

from assets.admin import DeletesThroughService

from . import services
from .models import AssetFile


@admin.register(AssetFile)
class AssetFileAdmin(DeletesThroughService, admin.ModelAdmin):
    """Read-only: files are uploaded through the API or the asset page, where they are inspected;
    deleting here goes through the same service (permission, version bump, change log)."""

    list_display = ("asset", "name", "mime_type", "readable_size", "width", "height", "remote_url", "created_at")
    list_filter = ("mime_type", "orientation")
    search_fields = ("name", "asset__title", "asset__key", "remote_url")
    list_select_related = ("asset",)
    readonly_fields = [f.name for f in AssetFile._meta.fields]

    @admin.display(description="size", ordering="size")
    def readable_size(self, record):
        return filesizeformat(record.size) if record.size is not None else "—"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def delete_through(self, user, obj):
        services.delete_file(user, obj.asset_id)

    def delete_queryset(self, request, queryset):
        for record in queryset:
            self.delete_model(request, record)
