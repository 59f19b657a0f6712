"""The system link types every organization shares. Created by a data migration and re-created
after a database flush (post_migrate), so code may always rely on them."""

from __future__ import annotations

SYSTEM_LINK_TYPES = [
    {
        "code": "parent_child", "name": "Parent / child", "kind": "hierarchical",
        "source_label": "Parent", "target_label": "Child", "allow_alias": True,
        "description": "Hierarchy of assets: a building and its floors, a panel and its screws.",
    },
    {
        "code": "related", "name": "Related", "kind": "peer",
        "source_label": "Related", "target_label": "Related", "allow_alias": False,
        "description": "Symmetric association between two assets.",
    },
    {
        "code": "attachment", "name": "Message / attachment", "kind": "directed",
        "source_label": "Message", "target_label": "Attachment", "allow_alias": False,
        "description": "An email or message and the documents attached to it.",
    },
    {
        "code": "supersedes", "name": "Supersedes", "kind": "directed",
        "source_label": "Supersedes", "target_label": "Superseded by", "allow_alias": False,
        "description": "A newer asset that replaces an older one.",
    },
]


def ensure_system_link_types(link_type_model) -> None:
    for spec in SYSTEM_LINK_TYPES:
        defaults = {k: v for k, v in spec.items() if k != "code"}
        link_type_model.objects.get_or_create(organization=None, code=spec["code"], defaults=defaults)
