"""GraphQL types of the links app: an asset's links (Asset.links), read through the query REST's
GET /assets/{id}/links uses, so only visible links appear and the rest are only counted."""

from __future__ import annotations

import strawberry

from assets.graphql.context import user_of

from . import queries


@strawberry.type
class AssetLink:
    """A link seen from one asset: the asset at the other end, and the link."""

    asset_id: strawberry.ID
    asset_key: str
    asset_title: str
    organization_id: strawberry.ID
    link_id: strawberry.ID
    link_type: str
    label: str
    direction: str
    alias: str | None
    tags: list[str]
    sequence: int

    @classmethod
    def of(cls, item: dict) -> AssetLink:
        return cls(
            asset_id=strawberry.ID(str(item["asset_id"])), asset_key=item["asset_key"],
            asset_title=item["asset_title"], organization_id=strawberry.ID(str(item["organization_id"])),
            link_id=strawberry.ID(str(item["link_id"])), link_type=item["link_type"], label=item["label"],
            direction=item["direction"], alias=item["alias"], tags=list(item["tags"] or []),
            sequence=item["sequence"],
        )


@strawberry.type(description="How many links of each category lead to assets you may not see.")
class HiddenLinkCounts:
    parents: int
    children: int
    related: int
    other: int


@strawberry.type
class AssetLinks:
    parents: list[AssetLink]
    children: list[AssetLink]
    related: list[AssetLink]
    other: list[AssetLink]
    unauthorized_counts: HiddenLinkCounts


def links_of_asset(info, asset_id: int) -> AssetLinks:
    found = queries.asset_links(user_of(info), asset_id)
    return AssetLinks(
        parents=[AssetLink.of(item) for item in found.parents],
        children=[AssetLink.of(item) for item in found.children],
        related=[AssetLink.of(item) for item in found.related],
        other=[AssetLink.of(item) for item in found.other],
        unauthorized_counts=HiddenLinkCounts(**{name: found.unauthorized_counts.get(name, 0) for name in
                                                ("parents", "children", "related", "other")}),
    )
