"""{% asset_file_panel asset %} and {% asset_thumbnail asset %} for the asset pages."""

from django import template

from .. import services
from ..views import panel_context

register = template.Library()


@register.inclusion_tag("files/partials/file_panel.html", takes_context=True)
def asset_file_panel(context, asset):
    """Preview, metadata and (for users who may change the asset) the upload/remove forms.
    `asset` is a model instance; load it with get_asset() so its file comes in the same query."""
    return panel_context(context["request"], asset)


@register.inclusion_tag("files/partials/thumbnail.html")
def asset_thumbnail(asset):
    """A small image (or a type badge) for lists; `asset` is a model instance or an API shape."""
    if isinstance(asset, dict):
        file, title = asset.get("file"), asset.get("title", "")
    else:
        file, title = services.file_data(services.file_of(asset)), asset.title
    return {"file": file, "title": title, "label": type_label(file)}


def type_label(file: dict | None) -> str:
    if not file:
        return ""
    if file.get("remote_url"):
        return "URL"
    name = file.get("name") or ""
    return name.rpartition(".")[2].upper()[:4] if "." in name else "FILE"
