"""GraphQL types of the groups app: the groups an asset is filed in (Asset.groups)."""

from __future__ import annotations

import strawberry


@strawberry.type(description="A named collection of assets in a tree (an asset group).")
class Group:
    id: strawberry.ID
    title: str
