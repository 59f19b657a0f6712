"""The system link types every organization shares. Created by a data migration and re-created
after a database flush (post_migrate), so code may always rely on them."""

from __future__ import annotations

_FIELDS = ("code", "name", "kind", "source_label", "target_label", "allow_alias", "description")

SYSTEM_LINK_TYPES = [dict(zip(_FIELDS, row, strict=True)) for row in (
    ("parent_child", "Parent / child", "hierarchical", "Parent", "Child", True,
     "Hierarchy of assets: a building and its floors, a panel and its screws."),
    ("related", "Related", "peer", "Related", "Related", False,
     "Symmetric association between two assets."),
    ("attachment", "Message / attachment", "directed", "Message", "Attachment", False,
     "An email or message and the documents attached to it."),
    ("supersedes", "Supersedes", "directed", "Supersedes", "Superseded by", False,
     "A newer asset that replaces an older one."),
)]


def ensure_system_link_types(link_type_model) -> None:
    for spec in SYSTEM_LINK_TYPES:
        defaults = {k: v for k, v in spec.items() if k != "code"}
        link_type_model.objects.get_or_create(organization=None, code=spec["code"], defaults=defaults)
