"""The links of a deleted asset in its change-log snapshot, and bringing them back when the
asset is restored: each through create_link, so only when both ends exist, the user may change
them and the link type still allows it; every link that can't come back is reported, naming only
what the user may see (create_link's refusals already say "does not exist" for hidden assets)."""

from __future__ import annotations

from django.db.models import Q

from assets.core.errors import DomainError

from .models import Link


def links_of_many(assets) -> dict[int, list[dict]]:
    """Each asset's links with the end(s) the asset was on (the restored asset has a new id), read
    in batches for a whole deletion; a link between two of the assets is in both lists."""
    found: dict[int, list[dict]] = {asset.pk: [] for asset in assets}
    ids = list(found)
    for start in range(0, len(ids), 500):
        batch = ids[start:start + 500]
        rows = (Link.objects.filter(Q(source_id__in=batch) | Q(target_id__in=batch))
                .select_related("link_type").order_by("id"))
        for link in rows:
            shape = {**link.to_change_dict(), "link_type_code": link.link_type.code}
            for pk in {link.source_id, link.target_id} & set(batch):
                ends = [end for end, end_pk in (("source", link.source_id), ("target", link.target_id)) if end_pk == pk]
                found[pk].append({**shape, "asset_ends": ends})
    return found


def restore_links(user, asset, links, note) -> None:
    from .services import LINK_FIELDS, create_link

    for link in links:
        ends = link.get("asset_ends") or ()
        source = asset.pk if "source" in ends else link.get("source_id")
        target = asset.pk if "target" in ends else link.get("target_id")
        other = target if "source" in ends else source
        try:
            create_link(user, link_type=link.get("link_type_id"), source_id=source, target_id=target,
                        **{name: link[name] for name in LINK_FIELDS if link.get(name) is not None})
        except DomainError as exc:
            note("links", f"link {link.get('link_type_code')} with asset {other}: {exc.detail}")
